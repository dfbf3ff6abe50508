"""The phrase pattern language of rubric.yaml: `Phrase` (words in any inflection, `a|b`, `*`, `?word`, `<` `>`)
and the `Match` it finds in `Tokens`.

Matching is on stems, so `refund` matches "refunded"; what a match means is the scorer's business.
"""

from __future__ import annotations

from dataclasses import dataclass

from voicetrainer.text.stemming import stem
from voicetrainer.text.tokens import Tokens, expand_contraction, normalise


@dataclass(frozen=True)
class Match:
    """Where a phrase pattern matched: token span [start, end) and the pattern's text."""

    pattern: str
    start: int
    end: int


class Phrase:
    """A phrase pattern over words, as written in rubric.yaml.

    Syntax (kept small so trainers can write it):
      - words match any inflection: `refund` matches "refunded", "refunds";
      - `a|b|c` inside one word slot offers alternatives: `frustrating|annoying`;
      - `*` skips up to three words: `sorry * feel that way` matches "sorry that you feel that way";
      - `?word` makes a word optional: `i ?am sorry`;
      - `=word` matches that form only, not its inflections: `=shocking` is not "a shock";
      - `<` and `>` anchor to the start and end of a sentence or clause: `< whatever >`;
      - contractions are expanded on both sides, so `that's not my problem` matches "that is not my problem".
    """

    __slots__ = ("text", "_slots", "at_start", "at_end")
    _slots: tuple[tuple[str, frozenset[str], frozenset[str]], ...]

    def __init__(self, text: str):
        self.text = text
        slots: list[tuple[str, frozenset[str], frozenset[str]]] = []
        raw_words = normalise(text).split()
        # `<` / `>` anchor the phrase to the start / end of a sentence or clause: `< whatever >` is the curt
        # "Whatever." but not "whatever interest you paid".
        self.at_start = bool(raw_words) and raw_words[0] == "<"
        self.at_end = bool(raw_words) and raw_words[-1] == ">"
        raw_words = [w for w in raw_words if w not in ("<", ">")]
        for raw in raw_words:
            if raw == "*":
                slots.append(("gap", frozenset(), frozenset()))
                continue
            optional = raw.startswith("?")
            raw = raw.lstrip("?")
            alts: set[str] = set()
            exact: set[str] = set()
            multi: list[list[str]] = []
            for alt in raw.split("|"):
                alt = alt.strip(".,!?")
                if alt.startswith("="):  # this form only: `=shocking` is not "a shock"
                    exact.add(alt[1:])
                    continue
                parts = expand_contraction(alt)
                if len(parts) == 1:
                    alts.add(stem(parts[0]))
                else:
                    multi.append([stem(p) for p in parts])
            if multi and not alts and not exact and len(multi) == 1:
                for p in multi[0]:
                    slots.append(("opt" if optional else "word", frozenset([p]), frozenset()))
                continue
            if multi and not alts and not exact and all(len(m) == 2 for m in multi) and len({m[1] for m in multi}) == 1:
                # "didn't|wouldn't" is "did|would" then "not"
                kind = "opt" if optional else "word"
                slots.append((kind, frozenset(m[0] for m in multi), frozenset()))
                slots.append((kind, frozenset([multi[0][1]]), frozenset()))
                continue
            for m in multi:  # a contraction among alternatives: keep its first word (rare in practice)
                alts.add(m[0])
            slots.append(("opt" if optional else "word", frozenset(alts), frozenset(exact)))
        self._slots = tuple(slots)

    def find(self, tokens: Tokens, start: int = 0) -> Match | None:
        """First match at or after token `start`, or None."""
        stems = tokens.stems
        n = len(stems)
        if not self._slots:
            return None
        first = self._slots[0]
        for i in range(start, n):
            if first[0] == "word" and stems[i] not in first[1] and tokens.words[i] not in first[2]:
                continue
            m = self.match_at(tokens, i)
            if m is not None:
                return m
        return None

    @property
    def first_words(self) -> frozenset[str] | None:
        """The stems a match must start with, or None when it may start anywhere (a leading `*` or `?word`).

        An empty pattern has no first words and matches nothing. `PhraseSet` indexes patterns by these.
        """
        if not self._slots:
            return frozenset()
        kind, alts, exact = self._slots[0]
        return alts | frozenset(stem(w) for w in exact) if kind == "word" else None

    def match_at(self, tokens: Tokens, i: int) -> Match | None:
        """The match starting exactly at token `i` (respecting the `<` / `>` anchors), or None."""
        end = self._match_at(tokens, 0, i)
        # A phrase never runs across a sentence end: "I'm sorry. I can't refund it" holds no "sorry * can't".
        if end is not None and self.anchored_ok(tokens, i, end) and (
                end <= i or tokens.sentence[i] == tokens.sentence[end - 1]):
            return Match(self.text, i, end)
        return None

    def anchored_ok(self, tokens: Tokens, start: int, end: int) -> bool:
        """Whether a match at [start, end) respects the phrase's `<` / `>` anchors."""
        if self.at_start and start > 0 and not tokens.breaks[start]:
            return False
        if self.at_end and end < len(tokens.words) and not tokens.breaks[end]:
            return False
        return True

    def find_all(self, tokens: Tokens) -> list[Match]:
        """All non-overlapping matches, left to right."""
        out: list[Match] = []
        pos = 0
        while True:
            m = self.find(tokens, pos)
            if m is None:
                return out
            out.append(m)
            pos = max(m.end, m.start + 1)

    def _match_at(self, tokens: Tokens, k: int, i: int) -> int | None:
        if k == len(self._slots):
            return i
        stems = tokens.stems
        kind, alts, exact = self._slots[k]
        if kind == "gap":
            for skip in range(0, 4):
                if i + skip > len(stems):
                    break
                end = self._match_at(tokens, k + 1, i + skip)
                if end is not None:
                    return end
            return None
        here = i < len(stems) and (stems[i] in alts or tokens.words[i] in exact)
        if kind == "opt":
            if here:
                end = self._match_at(tokens, k + 1, i + 1)
                if end is not None:
                    return end
            return self._match_at(tokens, k + 1, i)
        if here:
            return self._match_at(tokens, k + 1, i + 1)
        return None

    def __repr__(self) -> str:
        return f"Phrase({self.text!r})"
