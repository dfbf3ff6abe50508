"""Tokens: a text split into normalised words (contractions expanded), their stems, where each came from, and
which sentence each is in; plus the stop-word list and a sentence splitter.

Pure functions on strings; no rubric knowledge. Every token keeps the index of the word it came from, so a match
can be reported with the reply's own words ("can't" is matched as "can not" but reported as "can't").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from voicetrainer.text.stemming import stem

_WORD_RE = re.compile(r"[$£€]?\d+(?:[.,:]\d+)*(?:st|nd|rd|th|%)?|[a-z]+(?:'[a-z]+)*", re.IGNORECASE)

_CONTRACTIONS = {
    "can't": "can not", "cannot": "can not", "won't": "will not", "shan't": "shall not", "ain't": "is not",
    "i'm": "i am", "let's": "let us", "it's": "it is", "that's": "that is", "what's": "what is",
    "there's": "there is", "here's": "here is", "he's": "he is", "she's": "she is", "who's": "who is",
    "where's": "where is", "how's": "how is", "y'all": "you all", "gonna": "going to", "wanna": "want to",
    "gotta": "got to", "dunno": "do not know", "ok": "okay",
}
_SUFFIXES = (("n't", " not"), ("'re", " are"), ("'ve", " have"), ("'ll", " will"), ("'d", " would"), ("'s", ""))


@dataclass(frozen=True)
class Tokens:
    """A text split into normalised words, their stems, and the original words they came from.

    Attributes:
        words: lower-case words with contractions expanded ("can't" -> "can", "not").
        stems: `stem()` of each word; phrase patterns match on these.
        origin: for each word, the index into `surface` of the written word it came from.
        surface: the words as written (punctuation dropped).
        sentence: for each word, the index of the sentence it is in.
        breaks: for each word, whether punctuation (, ; : . ! ? -) comes right before it.
    """

    words: tuple[str, ...]
    stems: tuple[str, ...]
    origin: tuple[int, ...]
    surface: tuple[str, ...]
    sentence: tuple[int, ...]
    breaks: tuple[bool, ...] = ()

    def __len__(self) -> int:
        return len(self.words)

    def span_text(self, start: int, end: int) -> str:
        """The reply's own words behind normalised tokens [start, end)."""
        if start >= end:
            return ""
        a, b = self.origin[start], self.origin[end - 1]
        return " ".join(self.surface[a:b + 1])


def normalise(text: str) -> str:
    """Lower-case, straighten quotes and collapse whitespace."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'").replace("\u2014", " - ")
    return re.sub(r"\s+", " ", text.lower()).strip()


def expand_contraction(word: str) -> list[str]:
    """A lower-case word with its contraction expanded: "can't" -> ["can", "not"], "we'll" -> ["we", "will"]."""
    if word in _CONTRACTIONS:
        return _CONTRACTIONS[word].split()
    for suf, rep in _SUFFIXES:
        if word.endswith(suf) and len(word) > len(suf):
            base = word[: -len(suf)]
            if suf == "n't":
                base = {"wo": "will", "ca": "can", "sha": "shall"}.get(base, base)
            return [base] + rep.split()
    if "'" in word:
        return [w for w in word.split("'") if w]
    return [word]


_PARTICIPLES = frozenset("""had been got gotten gone done seen told said paid sent made taken given bought left lost
put read rung chosen written forgotten shown spoken driven heard sold spent held meant understood eaten broken
known thought brought caught kept found""".split())
# An adverb after "'d" leaves it to the next word: "we'd already sent it" (had), "the most we'd ever deduct" (would).
_ADVERBS = frozenset("already never just ever always only".split())
_NOT_PARTICIPLES = frozenset("need feed proceed exceed succeed speed breed bleed heed seed weed indeed".split())


def _participle(w: str) -> bool:
    """A word after "'d" that makes it "had": a past participle or an adverb before one ("you'd paid", "we'd
    already"), not a verb after "would" ("you'd need", "I'd like")."""
    return w in _PARTICIPLES or (len(w) > 4 and w.endswith("ed") and w not in _NOT_PARTICIPLES)


def tokenize(text: str) -> Tokens:
    """Split text into normalised tokens with stems, origins and sentence numbers.

    Args:
        text: any English text.

    Returns:
        Tokens; empty when the text has no words.
    """
    text = re.sub(r"\s+", " ", text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'"))
    words: list[str] = []
    origin: list[int] = []
    surface: list[str] = []
    sentence: list[int] = []
    breaks: list[bool] = []
    sent = 0
    pos = 0
    pending = -1   # a "would" from "'d" followed by an adverb: the word after the adverb decides
    for m in _WORD_RE.finditer(text):
        between = text[pos:m.start()]
        if re.search(r"[.!?;]", between):
            sent += 1
        brk = bool(re.search(r"[,.!?;:\u2014\u2013]|\s-|-\s", between))
        pos = m.end()
        raw = m.group(0)
        surface.append(raw)
        parts = expand_contraction(raw.lower())
        if pending >= 0 and _participle(parts[0]):
            words[pending] = "had"   # "we'd already sent it"
        pending = -1
        if words and words[-1] == "would" and surface[origin[-1]].lower().endswith("'d"):
            if parts[0] in _ADVERBS:
                pending = len(words) - 1
            elif _participle(parts[0]):
                words[-1] = "had"   # "you'd had them replaced": had, not would
        for k, w in enumerate(parts):
            words.append(w)
            origin.append(len(surface) - 1)
            sentence.append(sent)
            breaks.append(brk and k == 0)
    return Tokens(tuple(words), tuple(stem(w) for w in words), tuple(origin), tuple(surface), tuple(sentence),
                  tuple(breaks))


# Function words: what is left out when counting a text's content words (a restatement is judged on the rest).
STOP_WORDS = frozenset("""a an the and or but if so of to in on at by for with from into onto about as than then that
this these those there here it its is are was were be been being am do does did doing have has had having i me my mine
myself we us our ours you your yours yourself he him his she her hers they them their theirs what which who whom whose
when where why how all any both each few more most other some such no nor not only own same too very can will would
shall should could may might must just don now up down out off over under again further once s t ll re ve d m o y
ain isn aren wasn weren hasn haven hadn doesn didn won wouldn shan shouldn can couldn mustn let oh um uh yeah ok okay
gonna really still even ever also""".split())


def split_sentences(text: str) -> list[str]:
    """Split text into sentences on . ! ? (keeps the text of each, stripped)."""
    parts = re.split(r"(?<=[.!?])\s+", text.strip())
    return [p.strip() for p in parts if p.strip()]
