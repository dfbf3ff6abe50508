"""The persona engine: how the customer's mood moves with a scored reply, and which line it says next.

Pure and deterministic: the same persona, replies and `random.Random(seed)` give the same conversation.
No audio, no models.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

from voicetrainer.core.persona import Line, Persona
from voicetrainer.types import DIMENSIONS, PersonaState, TurnScore

# Intents after which the call is over, and the outcome each one means.
FINAL_INTENTS = {"resolved": "resolved", "escalate": "escalated", "hang_up": "hung_up"}


@dataclass(frozen=True)
class Reaction:
    """What the persona does after a reply: its new state, what it means to say, and why."""

    state: PersonaState
    intent: str
    mood_delta: float
    reasons: tuple[str, ...]
    outcome: str | None = None   # set when the call ends


def start_state(persona: Persona) -> PersonaState:
    return PersonaState(mood=persona.mood.start)


def _clamp(x: float) -> float:
    return max(0.0, min(100.0, x))


def classify_offers(persona: Persona, offers: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """Split offers found in a reply into those this persona accepts and those it rejects.

    A rejected phrase wins over an accepted one it contains ("store credit" is rejected even though "credit" may be
    accepted), so the longest matching phrase decides.
    """
    accept = {p.lower() for p in persona.solutions.accept}
    reject = {p.lower() for p in persona.solutions.reject}
    found = {o.lower() for o in offers}
    rejected = sorted(o for o in found if o in reject)
    accepted = sorted(o for o in found if o in accept and not any(o in r and o != r for r in rejected))
    return accepted, rejected


def react(persona: Persona, state: PersonaState, score: TurnScore) -> Reaction:
    """Move the mood by the rubric result and choose the next intent.

    Order of precedence: silence, hang-up, escalation, wrong facts (correction), a rejected offer, an accepted offer
    (resolved when calm enough), softening when the mood fell, otherwise pushback. The turn limit is applied by the
    session loop, not here.
    """
    m = persona.mood
    o = persona.outcomes
    turn = state.turn_index + 1
    if score.analysis.silent:
        silences = state.silences + 1
        mood = _clamp(state.mood + m.silence)
        new = replace(state, mood=mood, turn_index=turn, silences=silences)
        if silences >= o.max_silences:
            return Reaction(new, "hang_up", mood - state.mood, (f"{silences} silent turns in a row",), "hung_up")
        return Reaction(new, "still_there", mood - state.mood, ("no reply heard",))

    delta = 0.0
    reasons = []
    for dim in DIMENSIONS:
        d = score[dim]
        eff = m.effects[dim]
        change = eff.hit if d.hit else eff.miss
        delta += change
        reasons.append(f"{dim} {'hit' if d.hit else 'miss'} {change:+g}")
    accepted, rejected = classify_offers(persona, score.analysis.offers)
    if score.analysis.wrong_facts:
        delta += m.wrong_facts
        reasons.append(f"wrong facts {m.wrong_facts:+g}")
    if rejected and not accepted:
        delta += m.offer_rejected
        reasons.append(f"offer rejected ({', '.join(rejected)}) {m.offer_rejected:+g}")
    elif accepted:
        delta += m.offer_accepted
        reasons.append(f"offer accepted ({', '.join(accepted)}) {m.offer_accepted:+g}")

    mood = _clamp(state.mood + delta)
    offer_accepted = state.offer_accepted or bool(accepted)
    new = replace(state, mood=mood, turn_index=turn, silences=0, offer_accepted=offer_accepted)
    r = tuple(reasons)
    if mood >= o.hang_up_at_or_above:
        return Reaction(new, "hang_up", delta, r, "hung_up")
    if mood >= o.escalate_at_or_above:
        return Reaction(new, "escalate", delta, r, "escalated")
    if score.analysis.wrong_facts:
        return Reaction(new, "correction", delta, r)
    if rejected and not accepted:
        return Reaction(new, "reject_offer", delta, r)
    if offer_accepted and mood <= o.resolved_at_or_below:
        return Reaction(new, "resolved", delta, r, "resolved")
    if accepted:
        return Reaction(new, "accept_offer", delta, r)
    if delta < 0:
        return Reaction(new, "soften", delta, r)
    return Reaction(new, "pushback", delta, r)


def pick_line(persona: Persona, intent: str, mood: float, rng: random.Random, avoid: str = "") -> Line:
    """Choose a variant of `intent` suited to `mood`, avoiding an immediate repeat of `avoid` when there is a choice."""
    lines = persona.lines_for(intent)
    fitting = [ln for ln in lines if ln.mood is None or ln.mood[0] <= mood <= ln.mood[1]] or lines
    fresh = [ln for ln in fitting if ln.text != avoid] or fitting
    return rng.choice(fresh)
