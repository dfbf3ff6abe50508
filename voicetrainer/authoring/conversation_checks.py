"""`persona check` warnings about the conversation a persona can hold (its numbers, lines, facts and answers).

- outcomes that can never happen and line variants whose mood band holds no mood at which they could be said
  (from call_paths.bounds: sound, so a warning is never wrong);
- a customer who gives up after one polite reply that moves nothing on;
- for v2 files: facts that no line and not the scenario mentions (the rep can only learn them by asking), numbers
  and days a line says that no fact holds (restatements of them cannot be checked), common questions of a rep
  that no fact answers, and loops: a line the customer would say twice in one call to a rep who keeps stalling or
  keeps asking what it already said (found by running the engine itself).

Pure: persona data in, findings out. check.py turns findings into `file:line: warning: field: message`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from voicetrainer.authoring.call_paths import ANSWER_INTENTS, FINAL, Bounds, bounds
from voicetrainer.core.dialogue import opening, react, speak, start_state
from voicetrainer.core.facts import FactBook
from voicetrainer.core.hearing import Heard
from voicetrainer.core.persona_model import LINE_INTENTS, Line, Persona
from voicetrainer.text import MONTHS, WEEKDAYS, extract_facts, same_value, tokenize

# The kinds of numbers a restatement is checked on (counts and quantities are not).
CHECKED_KINDS = ("money", "duration", "date", "time", "number")
# What a rep commonly asks to verify a call, and how it is asked.
COMMON_QUESTIONS = (
    ("an order or reference number", "Can I have your order number, please?"),
    ("what happened", "Can you tell me what happened?"),
    ("when it happened", "When did this happen?"),
    ("the amount", "How much was it?"),
    ("what they already tried", "What have you tried so far?"),
    ("what they want", "What would you like us to do?"),
    ("an email address", "What's your email address?"),
    ("a phone number", "What's the best phone number for you?"),
)


@dataclass(frozen=True)
class Finding:
    """A finding: where it is (field path as in the errors) and what is wrong."""

    field: str
    message: str


def _g(x: float) -> str:
    return f"{round(x, 2):g}"


def _span(s: tuple[float, float]) -> str:
    if abs(s[1] - s[0]) < 1e-6:
        return f"mood {_g(s[0])}"
    if abs(s[1] - round(s[1])) < 1e-6 and s[1] < round(s[1]):  # ends just under a threshold (escalation)
        return f"moods {_g(s[0])} to just under {_g(round(s[1]))}"
    return f"moods {_g(s[0])}-{_g(s[1])}"


def outcome_findings(persona: Persona, b: Bounds) -> list[Finding]:
    o = persona.outcomes
    n = o.max_turns
    within = f"within max_turns ({n})"
    out: list[Finding] = []
    if "resolved" not in b.outcomes:
        low = min(b.lowest[1:]) if n else persona.mood.start
        out.append(Finding("outcomes.resolved_at_or_below", "the call can never be resolved: the lowest mood reachable "
                           f"{within} once an offer is accepted is {_g(low)}, above resolved_at_or_below "
                           f"({_g(o.resolved_at_or_below)})"))
    if "escalated" not in b.outcomes:
        if o.escalate_at_or_above >= o.hang_up_at_or_above:
            why = (f"escalate_at_or_above equals hang_up_at_or_above ({_g(o.hang_up_at_or_above)}) and hanging up "
                   "is checked first")
        else:
            why = f"the highest mood reachable {within} is {_g(b.highest_ever)}"
        out.append(Finding("outcomes.escalate_at_or_above", f"the customer can never escalate: {why}"))
    if b.highest_ever < o.hang_up_at_or_above:
        tail = (f"; they hang up only after {o.max_silences} silent turns" if "hung_up" in b.outcomes
                else f"; and {o.max_silences} silent turns in a row never fit within max_turns, so the customer can "
                     "never hang up")
        out.append(Finding("outcomes.hang_up_at_or_above",
                           f"never reached: the highest mood reachable {within} is {_g(b.highest_ever)}{tail}"))
    t = persona.temperament
    first = persona.mood.start + t.anger.impatience * 1.25 * t.flares
    if first >= o.escalate_at_or_above:
        ends = "hangs up" if first >= o.hang_up_at_or_above else "asks for a manager"
        out.append(Finding("outcomes.escalate_at_or_above",
                           f"one polite reply that moves nothing on takes the mood from {_g(persona.mood.start)} to "
                           f"{_g(first)} and the customer {ends} on the first turn; raise the threshold above "
                           f"{_g(first)} or lower temperament.anger.impatience"))
    return out


def _variants(persona: Persona) -> list[tuple[str, str, list[Line]]]:
    """(field path, intent, lines) for every group of variants the engine chooses among."""
    out = [(f"lines.{i}", i, persona.lines_for(i)) for i in LINE_INTENTS]
    a = persona.answers
    out += [("answers.given", "answer", a.given), ("answers.confirm", "confirm", a.confirm),
            ("answers.again", "already_given", a.again), ("answers.unknown", "unknown", a.unknown)]
    if a.tails:
        out.append(("answers.tails", "answer", a.tails))
    for kind, intent in (("accept", "accept_offer"), ("reject", "reject_offer")):
        for n, offer in enumerate(getattr(persona.solutions, kind)):
            if offer.says:
                out.append((f"solutions.{kind}.{n}.says", intent, offer.says))
    return out


def line_findings(persona: Persona, b: Bounds) -> list[Finding]:
    out: list[Finding] = []
    for path, intent, lines in _variants(persona):
        span = b.said_at.get(intent)
        if span is None:
            if path.startswith("lines."):
                why = {
                    "resolved": "the call can never be resolved (see outcomes.resolved_at_or_below)",
                    "escalate": "the customer can never escalate (see outcomes.escalate_at_or_above)",
                    "hang_up": "the customer can never hang up",
                    "reject_offer": "solutions.reject is empty, so no offer is ever turned down",
                }.get(intent, f"no reply leads to it within max_turns ({persona.outcomes.max_turns})")
                out.append(Finding(path, f"never said: {why}"))
            continue
        # An unbanded variant fits every mood. Where no variant fits, any may be chosen (then nothing is flagged).
        bands = [ln.mood if ln.mood is not None else (0.0, 100.0) for ln in lines]
        if not _covered(span, bands):
            continue
        for i, ln in enumerate(lines):
            if ln.mood is None:
                continue
            lo, hi = ln.mood
            if hi < span[0] - 1e-9 or lo > span[1] + 1e-9:
                where = f"{intent} is only said at {_span(span)}" if span[0] == span[1] else \
                    f"{intent} is said at {_span(span)}"
                out.append(Finding(f"{path}.{i}", f"never said: its mood band [{_g(lo)}, {_g(hi)}] holds no mood at "
                                                  f"which it could be chosen ({where})"))
    return out


def _covered(span: tuple[float, float], bands: list[tuple[float, float]]) -> bool:
    """Whether the bands together hold every mood of the span."""
    x = span[0]
    for lo, hi in sorted(bands):
        if lo > x + 1e-9:
            return False
        x = max(x, hi)
        if x >= span[1]:
            return True
    return x >= span[1]


def fact_findings(persona: Persona) -> list[Finding]:
    """Facts nobody mentions, numbers and days no fact holds, and common questions no fact answers."""
    book = FactBook(persona)
    out: list[Finding] = []
    texts = [ln.text for i in LINE_INTENTS for ln in persona.lines_for(i)]
    spoken = " ".join(texts)
    for f in book.facts:
        if not (book.states(f.id, persona.scenario) or book.states(f.id, spoken)):
            out.append(Finding(f"facts.{f.id}", "no line and not the scenario mentions it, so the rep can only learn "
                                                "it by asking; put it in the scenario (what the rep's screen shows)"))
    if book:
        known = [n for f in book.facts for n in f.numbers]
        days = {d for f in book.facts for d in f.days}
        for i in ("opening", "pushback", "soften", "ask_remedy", "ask_commitment"):  # what the rep restates
            for k, ln in enumerate(persona.lines_for(i)):
                t = tokenize(ln.text)
                loose = [g.text for g in extract_facts(t) if g.exact and g.kind in CHECKED_KINDS
                         and not any(same_value(n, g) for n in known + list(book.offer_numbers))]
                loose += [w for w in t.words if (w in WEEKDAYS or (w in MONTHS and len(w) > 3)) and w not in days]
                if loose:
                    out.append(Finding(f"lines.{i}.{k}", f"says '{loose[0]}' but no fact holds it, so a restatement of "
                                                         "it cannot be checked; add it to facts"))
    for what, question in COMMON_QUESTIONS:
        if book.asked(question) is None:
            out.append(Finding("facts", f"no fact answers a rep asking for {what} ('{question}'); the customer will "
                                        "say it doesn't know (add a fact with asked_by words for it)"))
    return out


# Replies that move nothing on, and the ways a rep keeps doing it.
_LOOPS = (
    ("keeps stalling politely", [Heard()] * 8),
    ("acknowledges once, then stalls", [Heard(heard=True)] + [Heard()] * 7),
    ("keeps asking what the customer already said", [Heard(heard=True)] + [Heard(question="given", fact=None)] * 7),
)


def loop_findings(persona: Persona, seeds: int = 3) -> list[Finding]:
    """Lines a customer would repeat within one call, found by running the engine on stalling replies."""
    book = FactBook(persona)
    given = next(iter(book.by_id), None)
    seen: dict[str, str] = {}
    for how, moves in _LOOPS:
        for seed in range(seeds):
            rng = random.Random(seed)
            state = start_state(persona)
            line, state = opening(persona, state, rng, book)
            said: dict[str, str] = {line.text: "opening"}
            for h in moves[: min(4, persona.outcomes.max_turns)]:  # four replies: what a rep might really do
                if h.question == "given":
                    if given is None:
                        break
                    h = Heard(question="given", fact=given)
                rx = react(persona, state, h)
                line, state = speak(persona, rx, rng, book)
                if rx.outcome:
                    break
                if line.text in said and rx.intent not in seen:
                    seen[rx.intent] = f"a rep who {how} hears '{line.text}' twice in one call; add variants"
                said.setdefault(line.text, rx.intent)
    out = []
    for intent, msg in seen.items():
        field = f"lines.{intent}" if intent not in ANSWER_INTENTS else {
            "answer": "answers.given", "already_given": "answers.again", "confirm": "answers.confirm",
            "unknown": "answers.unknown"}[intent]
        out.append(Finding(field, msg))
    return out


def conversation_warnings(persona: Persona, schema_version: int = 2) -> list[Finding]:
    """Every warning for a valid persona; the fact and loop checks only for v2 files (v1 files have no facts)."""
    b = bounds(persona)
    out = outcome_findings(persona, b) + line_findings(persona, b)
    if schema_version >= 2:
        out += fact_findings(persona) + loop_findings(persona)
    return out


__all__ = ["COMMON_QUESTIONS", "FINAL", "Finding", "bounds", "conversation_warnings"]
