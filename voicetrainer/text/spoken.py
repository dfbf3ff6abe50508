"""Spoken replies made fluent before matching: hesitations, discourse fillers, stutters and restarts dropped.

Whisper writes what was said: "um okay so I'll — I can refund the, the twenty four, you know". Matched as it
stands, the fillers look like phrases ("you know", "like", "I mean") and the restart hides the commitment. `fluent`
returns the same `Tokens` without them: every kept token keeps its origin, so evidence still quotes the rep's own
words. A dropped hesitation leaves a break behind it, as a comma would in writing ("sorry um look" is two clauses).

Which words are hesitations and discourse fillers is the caller's (the rubric's `spoken:` section); the context that
tells the filler "like" from "I'd like" and "you know," from "do you know how" is grammar and lives here. Pure.
"""

from __future__ import annotations

from collections.abc import Collection

from voicetrainer.text.tokens import Tokens

# Words a speaker stutters on ("the the", "I I", "that's that's"): repeating them says nothing. Content words are
# left alone: "no, no", "very very", "okay okay" may be meant.
_STUTTER = frozenset("""i we you it they he she the a an to and so that this is am are was of in on my your our
at for but be with will can would have do""".split())
_SUBJECTS = frozenset(("i", "we", "you", "they", "it", "he", "she"))
_AUX = frozenset(("will", "can", "would", "could", "am", "are", "is", "have", "has", "shall", "should", "might",
                  "may", "must", "need", "do", "just"))
# "like" is a verb or a preposition after these ("I'd like", "feels like", "looks like", "just like"), never a filler.
_LIKE_KEEPS = frozenset("""would i you we they feel feels felt look looks looked seem seems seemed sound sounds
sounded something anything nothing more much not do does did just exactly really be is are was were it that
things stuff people""".split())
# "you know" + one of these is a question or a statement ("do you know how", "you know the one"), not a filler.
_KNOW_OBJECTS = frozenset("""how what where why when who whether if that the a an your my about it this these those
any anything nothing""".split())
_KNOW_ASKS = frozenset(("do", "did", "don't", "if", "as", "would", "will", "can", "could", "let", "so", "not", "you"))
# A hesitation after one of these leaves no break: the phrase is unfinished ("I'll um refund it", "the uh fee").
_UNFINISHED = _SUBJECTS | _AUX | frozenset("""the a an to of for my your our their that in on at with from going get
about by""".split())


def _drop_spans(t: Tokens, hesitations: Collection[str], discourse: Collection[tuple[str, ...]]) -> list[bool]:
    """Which tokens to drop."""
    n = len(t.words)
    words = t.words
    brk = t.breaks or (False,) * n
    drop = [False] * n

    def is_break(k: int) -> bool:  # punctuation before token k, or the end of the text
        return k >= n or brk[k] or (k > 0 and t.sentence[k] != t.sentence[k - 1])

    for i, w in enumerate(words):
        if w in hesitations:
            drop[i] = True
            # a conjunction left dangling before a hesitation and a pause says nothing: "right, and uh, yeah"
            if i > 0 and words[i - 1] in ("and", "so", "but", "or") and is_break(i + 1) and not brk[i]:
                drop[i - 1] = True
    for phrase in discourse:
        m = len(phrase)
        for i in range(n - m + 1):
            if tuple(words[i:i + m]) != phrase or any(drop[i:i + m]):
                continue
            prev = next((words[k] for k in range(i - 1, -1, -1) if not drop[k]), "")
            after = i + m
            nxt = words[after] if after < n else ""
            if phrase == ("like",):
                # "it's like, it's the six letters", "um like can you find": a filler; "I'd like", "like two taps"
                # (about) and "feel like an idiot" are not.
                filler = (is_break(after) or is_break(i) or (i > 0 and drop[i - 1])) and prev not in _LIKE_KEEPS
                filler = filler and not (nxt and (nxt[0].isdigit() or nxt in _SUBJECTS
                                                  or nxt in ("a", "an", "about", "that", "this")))
            elif phrase == ("you", "know"):
                filler = prev not in _KNOW_ASKS and (is_break(after) or nxt not in _KNOW_OBJECTS)
                filler = filler and (is_break(i) or is_break(after) or (i > 0 and drop[i - 1]))
            else:  # "i mean", "sort of", ...: a filler set off as an aside
                filler = is_break(i) or is_break(after) or (i > 0 and drop[i - 1])
            if filler:
                for k in range(i, after):
                    drop[k] = True
    kept = [i for i in range(n) if not drop[i]]
    # Stutters: the same small word (or two) said twice in a row: keep the second.
    for a, b in zip(kept, kept[1:], strict=False):
        if words[a] == words[b] and words[a] in _STUTTER and t.sentence[a] == t.sentence[b]:
            drop[a] = True
    kept = [i for i in range(n) if not drop[i]]
    for x in range(len(kept) - 3):
        a, b, c, d = kept[x:x + 4]
        if (words[a], words[b]) == (words[c], words[d]) and words[a] in _STUTTER and words[b] in _STUTTER \
                and not drop[a] and not brk[c]:
            drop[a] = drop[b] = True
    # Restarts: a subject and auxiliary abandoned for another ("I'll — I can refund it", "we'll we can").
    kept = [i for i in range(n) if not drop[i]]
    for x in range(len(kept) - 3):
        a, b, c, d = kept[x:x + 4]
        if words[a] in _SUBJECTS and words[b] in _AUX and words[c] == words[a] and words[d] in _AUX \
                and t.sentence[a] == t.sentence[d] and not drop[a]:
            drop[a] = drop[b] = True
    return drop


def fluent(t: Tokens, hesitations: Collection[str] = (), discourse: Collection[str] = ()) -> Tokens:
    """The tokens of a spoken reply without hesitations, discourse fillers, stutters and restarts.

    Args:
        t: from `tokenize`.
        hesitations: words that are always fillers ("um", "uh", "er").
        discourse: words or phrases that are fillers when set off as an aside ("like", "you know", "i mean").

    Returns:
        Tokens with those words left out (origins kept, so `span_text` still quotes the words as written); a
        dropped filler passes its break on to the next kept word, or leaves one there, as a comma would.
    """
    if not t.words:
        return t
    disc = [tuple(d.lower().split()) for d in discourse if d.strip()]
    hes = frozenset(w.lower() for w in hesitations)
    drop = _drop_spans(t, hes, disc)
    if not any(drop):
        return t
    words: list[str] = []
    stems: list[str] = []
    origin: list[int] = []
    sentence: list[int] = []
    breaks: list[bool] = []
    pending = False
    for i, w in enumerate(t.words):
        if drop[i]:
            pending = pending or bool(t.breaks and t.breaks[i]) or (
                t.words[i] in hes and bool(words) and words[-1] not in _UNFINISHED)
            continue
        words.append(w)
        stems.append(t.stems[i])
        origin.append(t.origin[i])
        sentence.append(t.sentence[i])
        breaks.append(bool(t.breaks and t.breaks[i]) or (pending and bool(words[:-1])))
        pending = False
    return Tokens(tuple(words), tuple(stems), tuple(origin), t.surface, tuple(sentence), tuple(breaks))
