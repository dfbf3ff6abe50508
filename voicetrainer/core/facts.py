"""What the customer knows: its facts, which question asks for which, which line states which, and whether a
restatement gets them right (by role: the 64.50 charge is not the 35 dollar fee; the booked Thursday is not the
new Saturday).

Built once per persona (`FactBook(persona)`) from its `facts:`; pure text work on top of text/textutil.py.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from voicetrainer.core.persona_model import FactSpec, Persona
from voicetrainer.text import MONTHS, WEEKDAYS, Fact, Phrase, Tokens, extract_facts, same_value, stem, tokenize

# Words that say which of two alike facts a number or day is about. A role not listed here is its own word.
ROLE_WORDS = {
    "billed": "billed bill charged charge charges took taken debited",
    "usual": "usual usually normal normally regular regularly standard plan monthly",
    "booked": "booked original originally from scheduled current old first",
    "new": "new to instead moved move rebook rebooked change changed want wanted",
    "advertised": "advertised flyer flier ad listed sale promoted",
    "upsell": "other bigger instead offered dearer upgrade",
    "fee": "fee fees overdraft penalty bank",
    "charge": "charge charges order grocery delivery twice",
    "paid": "paid pay cost price spent",
    "promised": "promised quoted said told supposed",
    "delivered": "delivered came got received showed turned sent",
    "deadline": "guests before by need needed deadline weekend",
    "total": "total altogether together both overall",
}
# Words every question has: an asked_by phrase is as specific as the other words it names.
_QUESTION_WORDS = frozenset("""how much many long what when which who where why is was were are did do does the a an
your you can could i please tell me give have has""".split())
_STOPWORDS = frozenset("""a an the and or of to in on at by for with from is are was were be it its my your our i you
we they this that these those me us them his her their one some any""".split())


@dataclass(frozen=True)
class KnownFact:
    """One fact with its value parsed: numbers (textutil Facts), day and month names, content stems."""

    id: str
    spec: FactSpec
    numbers: tuple[Fact, ...]
    days: frozenset[str]          # weekday and month words in the value
    stems: frozenset[str]         # content stems of the value (for facts that are not numbers or days)
    asked_by: tuple[tuple[Phrase, tuple[int, int]], ...]   # (pattern, how specific it is: see _specificity)
    role_stems: frozenset[str]

    @property
    def says(self) -> str:
        return self.spec.says

    @property
    def kind(self) -> str:
        """'number' (numbers), 'day' (weekday or month) or 'text'."""
        return "number" if self.numbers else "day" if self.days else "text"


def _content_stems(t: Tokens) -> frozenset[str]:
    return frozenset(s for w, s in zip(t.words, t.stems, strict=True)
                     if w not in _STOPWORDS and len(w) > 2 and w.isalpha())


def _day_words(t: Tokens) -> frozenset[str]:
    return frozenset(w for w in t.words if w in WEEKDAYS or (w in MONTHS and len(w) > 3))


def _role_stems(role: str | None) -> frozenset[str]:
    if not role:
        return frozenset()
    words = ROLE_WORDS.get(role.lower(), role.lower().replace("_", " "))
    return frozenset(stem(w) for w in words.split())


def _specificity(phrase: str) -> tuple[int, int]:
    """(words other than question words, all words) an asked_by phrase names: 'overdraft fee' beats 'how much'."""
    words = [w for w in phrase.lower().split() if w != "*" and not w.startswith("?")]
    return sum(1 for w in words if not set(w.split("|")) & _QUESTION_WORDS), len(words)


def _known(fid: str, spec: FactSpec) -> KnownFact:
    t = tokenize(spec.value)
    numbers = tuple(extract_facts(t))
    days = _day_words(t)
    asked = tuple((Phrase(p), _specificity(p)) for p in spec.asked_by)
    return KnownFact(fid, spec, numbers, days, _content_stems(t), asked, _role_stems(spec.role))


@dataclass(frozen=True)
class Restatement:
    """What a reply's restating sentences did with the facts: the ones it got right, and the wrong ones."""

    right: tuple[str, ...]       # fact ids
    wrong: tuple[str, ...]       # "187 dollars as billed (the customer's billed is 64.50 dollars)"


class FactBook:
    """A persona's facts, ready to match against questions, lines and restatements."""

    def __init__(self, persona: Persona):
        self.facts: tuple[KnownFact, ...] = tuple(_known(k, v) for k, v in persona.facts.items())
        self.by_id = {f.id: f for f in self.facts}
        # Numbers inside the persona's offers ("one night", "seventy nine dollars") are never wrong restatements.
        self.offer_numbers: tuple[Fact, ...] = tuple(
            n for o in persona.solutions.accept + persona.solutions.reject for n in extract_facts(tokenize(o.offer)))

    def __bool__(self) -> bool:
        return bool(self.facts)

    # --- questions ------------------------------------------------------------------------------------------

    def asked(self, question: str) -> str | None:
        """The fact a question asks for: the fact whose `asked_by` phrase names the most words (then the first fact)."""
        t = tokenize(question)
        best: tuple | None = None
        found = None
        for n, f in enumerate(self.facts):
            for p, words in f.asked_by:
                m = p.find(t)
                if m is not None:
                    key = (*words, -n)
                    if best is None or key > best:
                        best, found = key, f.id
        return found

    # --- what a text states ---------------------------------------------------------------------------------

    def mentioned(self, text: str) -> tuple[str, ...]:
        """The facts a text states (a customer line that says them has given them)."""
        t = tokenize(text)
        said = extract_facts(t)
        days = _day_words(t)
        stems = _content_stems(t)
        out = []
        for f in self.facts:
            if f.numbers:
                ok = all(any(same_value(n, g) for g in said) for n in f.numbers)
            elif f.days:
                ok = f.days <= days
            else:
                ok = bool(f.stems) and len(f.stems & stems) >= math.ceil(len(f.stems) / 2)
            if ok:
                out.append(f.id)
        return tuple(out)

    def states(self, fid: str, text: str) -> bool:
        """Whether a text carries this fact's value (a rep checking 'it's order 4471, right?')."""
        return fid in self.mentioned(text)

    # --- restatements ---------------------------------------------------------------------------------------

    def restatement(self, reply: str) -> Restatement:
        """Check the numbers and days a restatement says (pass only the sentences that restate, not the plans).

        A value is wrong when the persona has facts of that kind and none has it, or when a role word next to it
        names another fact ("billed forty five" when the billed fact is 187 and 45 is the usual); values that
        match an offer phrase ("one night") are never wrong.
        """
        if not self.facts:
            return Restatement((), ())
        t = tokenize(reply)
        right: list[str] = []
        wrong: list[str] = []
        numeric = [f for f in self.facts if f.numbers]
        for g in extract_facts(t):
            loose = g.kind == "bare" and g.value < 100 and g.value == int(g.value)
            if loose or any(same_value(g, o) for o in self.offer_numbers):
                continue  # a bare number ("between eight and ten") is too loose to contradict anything
            family = [f for f in numeric if any(_comparable(n, g) for n in f.numbers)]
            if not family:
                continue
            match = [f for f in family if any(same_value(n, g) for n in f.numbers)]
            if not match:
                if not g.exact:
                    continue
                wrong.append(f"{g.text} (the customer said {_show(family[0])})")
                continue
            named = self._role_at(t, g.start, g.end, family)
            if named is not None and named not in match:
                wrong.append(f"{g.text} as {named.spec.role} (the customer's {named.spec.role} is {_show(named)})")
                continue
            right.extend(f.id for f in match if f.id not in right)
        dayfacts = [f for f in self.facts if f.days]
        for i, w in enumerate(t.words):
            if not (w in WEEKDAYS or (w in MONTHS and len(w) > 3)):
                continue
            family = [f for f in dayfacts if _same_slot(w, f.days)]
            match = [f for f in family if w in f.days]
            if not family:
                continue
            named = self._role_at(t, i, i + 1, family)
            if named is not None and named not in match:
                wrong.append(f"{t.span_text(i, i + 1)} as {named.spec.role} "
                             f"(the customer's {named.spec.role} is {named.spec.value})")
            elif match:
                right.extend(f.id for f in match if f.id not in right)
        return Restatement(tuple(right), tuple(wrong))

    def clears(self, wrong: str) -> bool:
        """Whether a scorer's wrong fact ('one night (customer said four nights)') is a true fact of this persona
        or a number in one of its offers: the scorer only knows the customer's last lines, the persona knows all."""
        said = re.split(r" \(customer said ", wrong, maxsplit=1)[0]
        t = tokenize(said)
        vals = extract_facts(t)
        if vals:
            return all(any(same_value(n, g) for f in self.facts for n in f.numbers)
                       or any(same_value(g, o) for o in self.offer_numbers) for g in vals)
        days = _day_words(t)
        return bool(days) and any(days <= f.days for f in self.facts)

    @staticmethod
    def _role_at(t: Tokens, start: int, end: int, family: list[KnownFact]) -> KnownFact | None:
        """The fact of `family` a role word next to the span [start, end) names (3 words before, 2 after, same
        sentence, no punctuation in between), when the family has roles at all."""
        roles = [f for f in family if f.role_stems]
        if len(roles) < 2:
            return None
        sent = t.sentence[start]
        near: list[tuple[int, int, KnownFact]] = []   # (distance, after before before, fact)
        for k in list(range(start - 1, max(-1, start - 4), -1)) + list(range(end, min(len(t.words), end + 2))):
            if t.sentence[k] != sent:
                continue
            between = range(k + 1, start + 1) if k < start else range(end, k + 1)
            if any(t.breaks[j] for j in between):
                continue
            hits = [f for f in roles if t.stems[k] in f.role_stems]
            if len(hits) == 1:
                dist = start - k if k < start else k - end + 1
                near.append((dist, 0 if k < start else 1, hits[0]))  # a tie: the word before decides
        return min(near, key=lambda x: (x[0], x[1]))[2] if near else None


def _comparable(a: Fact, b: Fact) -> bool:
    numeric = ("money", "number", "bare")
    return a.kind == b.kind or (a.kind in numeric and b.kind in numeric and "bare" in (a.kind, b.kind))


def _same_slot(word: str, days: frozenset[str]) -> bool:
    return any((d in WEEKDAYS) == (word in WEEKDAYS) for d in days)


def _show(f: KnownFact) -> str:
    return f.spec.value
