"""The moods a persona's calls can reach, turn by turn, and so which intents can be said at which moods.

The engine (dialogue.py) moves the mood by numbers that do not depend on the mood itself: a relief for each need
the first time it is met, a small relief for every reply that moves the call on, anger for calm lost, a wrong fact,
a turned-down offer, silence, and impatience that grows with each stalled turn in a row. So the bounds follow from
the temperament alone:

- the lowest mood after t replies is reached by meeting every need at once and moving the call on every turn:
  start + calms * (sum of the need reliefs + t * progress);
- the highest is reached by a reply that loses calm, gets a fact wrong, makes an offer it turns down and moves
  nothing on, every turn: start + flares * sum over turns of (calm lost + wrong fact + offer rejected +
  impatience * turn * 1.25), or a silence where that is more;

both clamped to 0-100. Every mood a real call reaches lies between them (a test replays scripted calls to check),
so what the warnings call never said really can never be said. Between the bounds, the engine's order of intents
decides where each intent can be said: escalate between the escalation and hang-up thresholds, resolved at or
below the resolved threshold once a remedy can have been accepted, the others below escalation. This is coarser
than replaying every call (which would take minutes a persona), and errs on the side of saying less.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from voicetrainer.core.persona_model import LINE_INTENTS, Persona

FINAL = {"resolved": "resolved", "escalate": "escalated", "hang_up": "hung_up"}
ANSWER_INTENTS = ("answer", "already_given", "confirm", "unknown")


@dataclass
class Bounds:
    """Mood bounds per turn (index 0: the opening), the outcomes possible, and where each intent can be said."""

    lowest: list[float]
    highest: list[float]                 # by replies (and silences where they are worse)
    outcomes: set[str] = field(default_factory=set)
    said_at: dict[str, tuple[float, float] | None] = field(default_factory=dict)   # intent -> [low, high] or None

    @property
    def lowest_ever(self) -> float:
        return min(self.lowest)

    @property
    def highest_ever(self) -> float:
        return max(self.highest)

    def holds(self, intent: str, mood: float, turn: int) -> bool:
        """Whether a real call saying `intent` at `mood` after `turn` replies is inside the bounds."""
        span = self.said_at.get(intent)
        lo, hi = self.lowest[min(turn, len(self.lowest) - 1)], self.highest[min(turn, len(self.highest) - 1)]
        eps = 1e-6
        return span is not None and span[0] - eps <= mood <= span[1] + eps and lo - eps <= mood <= hi + eps


def _clamp(x: float) -> float:
    return max(0.0, min(100.0, x))


def bounds(persona: Persona) -> Bounds:
    """The bounds of every call the persona can have within `max_turns` (see the module docstring)."""
    t = persona.temperament
    R, A = t.relief, t.anger
    o = persona.outcomes
    start = persona.mood.start
    n = o.max_turns
    needs_relief = R.heard + R.understood + R.remedy + R.commitment
    lowest = [start] + [_clamp(start + t.calms * (needs_relief + k * R.progress)) for k in range(1, n + 1)]
    highest = [start]
    mood = start
    for k in range(1, n + 1):
        reply = A.calm_lost + A.wrong_fact + A.offer_rejected + A.impatience * k * 1.25
        mood = _clamp(mood + t.flares * max(reply, A.silence))
        highest.append(mood)
    b = Bounds(lowest, highest)
    lo, hi = b.lowest_ever, b.highest_ever
    E, H, Rv = o.escalate_at_or_above, o.hang_up_at_or_above, o.resolved_at_or_below
    silences_fit = o.max_silences <= n
    # resolved: a remedy accepted (from the first reply on) and calm enough, at some turn.
    resolved_low = min(lowest[1:]) if n else start
    if resolved_low <= Rv:
        b.outcomes.add("resolved")
        b.said_at["resolved"] = (resolved_low, Rv)
    else:
        b.said_at["resolved"] = None
    b.said_at["escalate"] = (E, min(hi, H)) if hi >= E and E < H else None
    if b.said_at["escalate"]:
        b.outcomes.add("escalated")
    hang = None
    if hi >= H:
        hang = (H, hi)
    if silences_fit:
        hang = (lo, max(hang[1], hi) if hang else min(hi, 100.0))
    b.said_at["hang_up"] = hang
    if hang:
        b.outcomes.add("hung_up")
    if n >= 1:
        b.outcomes.add("turn_limit")
    during = (lo, min(hi, E - 1e-9)) if lo < E else None
    b.said_at["opening"] = (start, start)
    for intent in LINE_INTENTS + ANSWER_INTENTS:
        if intent in FINAL or intent == "opening":
            continue
        b.said_at[intent] = during if n >= 1 else None
    if not persona.solutions.reject:
        b.said_at["reject_offer"] = None
    return b
