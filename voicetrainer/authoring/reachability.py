"""Which lines of a persona can ever be said and which outcomes can ever happen, with the numbers that show why.

`reachability` replays the persona engine (`dialogue.react`) over every kind of reply the scorer can produce, so what
it calls unreachable really cannot happen; see docs/persona-tools.md. Pure: a Persona in, findings out.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from voicetrainer.core.dialogue import react
from voicetrainer.core.persona import Effect, Persona
from voicetrainer.types import DIMENSIONS, INTENTS, DimensionScore, PersonaState, ReplyAnalysis, TurnScore


@dataclass
class Reachability:
    """What a persona can do with its numbers: the moods each intent can be said at, and the outcomes possible."""

    said_at: dict[str, set[float]] = field(default_factory=lambda: {i: set() for i in INTENTS})
    outcomes: set[str] = field(default_factory=set)
    lowest: float = 100.0                 # lowest mood reachable during the call
    highest: float = 0.0                  # highest mood reachable during the call
    lowest_with_offer: float | None = None  # lowest mood reachable after an accepted offer
    highest_by_replies: float = 0.0       # highest mood reached by spoken replies (silences excluded)


def _reply_kinds(persona: Persona) -> list[TurnScore]:
    """One representative `TurnScore` per distinct thing a reply can do to this persona.

    Every hit/miss combination of the four dimensions, with or without wrong facts, with no offer, an accepted or a
    rejected one, plus a silent turn. Combinations with the same total dimension change act alike, so one of each is
    kept. This over-approximates the scorer (not every combination may be producible), so 'unreachable' is sound.
    """
    eff: dict[str, Effect] = {k: v for k, v in persona.mood.effects.items()}
    by_delta: dict[float, tuple[bool, ...]] = {}
    for hits in itertools.product((True, False), repeat=len(DIMENSIONS)):
        d = round(sum((eff[dim].hit if h else eff[dim].miss for dim, h in zip(DIMENSIONS, hits, strict=True)), 0.0), 6)
        by_delta.setdefault(d, hits)
    offers: list[tuple[str, ...]] = [(), (persona.solutions.accept[0],)]
    if persona.solutions.reject:
        offers.append((persona.solutions.reject[0],))
    kinds = []
    for hits in by_delta.values():
        dims = tuple(DimensionScore(dim, 1.0 if h else 0.0, h) for dim, h in zip(DIMENSIONS, hits, strict=True))
        for wrong in ((), ("a fact",)):
            for offer in offers:
                kinds.append(TurnScore(dims, ReplyAnalysis(offers=offer, wrong_facts=wrong)))
    miss = tuple(DimensionScore(dim, 0.0, False) for dim in DIMENSIONS)
    kinds.append(TurnScore(miss, ReplyAnalysis(silent=True)))
    return kinds


def reachability(persona: Persona) -> Reachability:
    """Explore every conversation the persona can have, turn by turn, up to `max_turns`.

    A state is (mood, silent turns in a row, offer accepted yet); each reply kind from `_reply_kinds` is applied with
    `dialogue.react`, so the precedence of intents and the clamping to 0-100 are exactly the engine's. Lines chosen
    after the last turn are only said when they end the call (resolved, escalate, hang_up), as in the session loop.
    """
    kinds = _reply_kinds(persona)
    max_turns = persona.outcomes.max_turns
    r = Reachability()
    start = persona.mood.start
    r.said_at["opening"].add(start)
    r.lowest = r.highest = r.highest_by_replies = start
    cache: dict[tuple, list[tuple]] = {}
    frontier = {(round(start, 6), 0, False)}
    digits = 6
    for turn in range(1, max_turns + 1):
        nxt: set[tuple] = set()
        for st in frontier:
            if st not in cache:
                state = PersonaState(mood=st[0], turn_index=turn - 1, silences=st[1], offer_accepted=st[2])
                out = []
                for score in kinds:
                    rx = react(persona, state, score)
                    out.append((round(rx.state.mood, digits), rx.state.silences, rx.state.offer_accepted,
                                rx.intent, rx.outcome, score.analysis.silent))
                cache[st] = out
            for mood, silences, accepted, intent, outcome, silent in cache[st]:
                r.lowest, r.highest = min(r.lowest, mood), max(r.highest, mood)
                if not silent:
                    r.highest_by_replies = max(r.highest_by_replies, mood)
                if accepted and (r.lowest_with_offer is None or mood < r.lowest_with_offer):
                    r.lowest_with_offer = mood
                if outcome is not None:
                    r.outcomes.add(outcome)
                    r.said_at[intent].add(mood)
                else:
                    if turn < max_turns:
                        r.said_at[intent].add(mood)
                    nxt.add((mood, silences, accepted))
        if len(nxt) > 20_000:  # odd fractional effects: merge moods closer than 0.01 to keep the search small
            digits = 2
            nxt = {(round(m, 2), s, a) for m, s, a in nxt}
        frontier = nxt
    if frontier:
        r.outcomes.add("turn_limit")
    return r


def _g(x: float) -> str:
    return f"{x:g}"


def _moods(ms: set[float]) -> str:
    return f"moods {_g(min(ms))}-{_g(max(ms))}"


@dataclass(frozen=True)
class Finding:
    """A reachability finding: where it is (field path as in the errors) and what is wrong."""

    field: str
    message: str


def reachability_warnings(persona: Persona) -> list[Finding]:
    """Lines that can never be said and outcomes that can never happen, with the numbers that show why."""
    r = reachability(persona)
    o = persona.outcomes
    n = o.max_turns
    within = f"within max_turns ({n})"
    out: list[Finding] = []

    if "resolved" not in r.outcomes:
        if r.lowest_with_offer is None:
            why = "no reply can make the customer accept an offer before the call ends"
        else:
            why = (f"the lowest mood reachable {within} once an offer is accepted is {_g(r.lowest_with_offer)}, "
                   f"above resolved_at_or_below ({_g(o.resolved_at_or_below)})")
        out.append(Finding("outcomes.resolved_at_or_below", f"the call can never be resolved: {why}"))
    if "escalated" not in r.outcomes:
        if o.escalate_at_or_above >= o.hang_up_at_or_above:
            why = (f"escalate_at_or_above equals hang_up_at_or_above ({_g(o.hang_up_at_or_above)}) and hanging up "
                   "is checked first")
        else:
            why = f"the highest mood reachable {within} is {_g(r.highest_by_replies)}"
        out.append(Finding("outcomes.escalate_at_or_above", f"the customer can never escalate: {why}"))
    if r.highest_by_replies < o.hang_up_at_or_above:
        tail = (f"; they hang up only after {o.max_silences} silent turns" if "hung_up" in r.outcomes
                else f"; and {o.max_silences} silent turns in a row never fit within max_turns, so the customer can "
                     "never hang up")
        out.append(Finding("outcomes.hang_up_at_or_above",
                            f"never reached: the highest mood reachable {within} is {_g(r.highest_by_replies)}{tail}"))
    elif "hung_up" not in r.outcomes:
        out.append(Finding("outcomes.hang_up_at_or_above", "the customer can never hang up"))

    # A calm reply that only asks something ("What's your order number?") should get pushback, not end the call.
    e = persona.mood.effects
    first = persona.mood.start + e["calm"].hit + sum(e[d].miss for d in ("empathy", "paraphrase", "solution"))
    if first >= o.escalate_at_or_above:
        ends = "hangs up" if first >= o.hang_up_at_or_above else "asks for a manager"
        out.append(Finding("outcomes.escalate_at_or_above",
                           f"one calm reply that misses the rest (say, asking for the order number) takes the mood "
                           f"from {_g(persona.mood.start)} to {_g(first)} and the customer {ends} on the first turn; "
                           f"raise the threshold above {_g(first)} or soften mood.effects"))

    for intent in INTENTS:
        lines = persona.lines_for(intent)
        moods = r.said_at[intent]
        if not moods:
            why = {
                "resolved": "the call can never be resolved (see outcomes.resolved_at_or_below)",
                "escalate": "the customer can never escalate (see outcomes.escalate_at_or_above)",
                "hang_up": "the customer can never hang up",
                "reject_offer": "solutions.reject is empty, so no offer is ever turned down",
            }.get(intent, f"no reply leads to it {within}")
            if intent == "reject_offer" and persona.solutions.reject:
                why = f"no reply leads to it {within}"
            out.append(Finding(f"lines.{intent}", f"never said: {why}"))
            continue
        # pick_line: the variants whose band holds the mood, or every variant when none does.
        used = [False] * len(lines)
        for m in moods:
            fit = [i for i, ln in enumerate(lines) if ln.mood is None or ln.mood[0] <= m <= ln.mood[1]]
            for i in fit or range(len(lines)):
                used[i] = True
        for i, ln in enumerate(lines):
            if not used[i]:
                band = f"[{_g(ln.mood[0])}, {_g(ln.mood[1])}]" if ln.mood else "(none)"
                where = (f"{intent} is only said at mood {_g(min(moods))}" if len(moods) == 1 else
                         f"{intent} is said at {_moods(moods)}")
                out.append(Finding(f"lines.{intent}.{i}",
                                    f"never said: its mood band {band} holds no mood at which it could be chosen "
                                    f"({where})"))
    return out
