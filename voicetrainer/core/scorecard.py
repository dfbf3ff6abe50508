"""Records of what the call made of each reply (`TurnRecord`) and of the whole call (`Scorecard`).

Both cross boundaries (session JSON, the store, reports), so both have `to_dict()` / `from_dict()` with stable
names. A turn's record adds these keys to the turn's JSON (existing keys are never replaced):

    acts          [{"act", "detail", "evidence"}]     what the rep did (scoring/acts.py)
    phase         the call's phase after the reply     opening | details | remedy | commitment | closing
    needs         {need: true/false} after the reply   heard, understood, remedy, commitment, respect
    needs_met     needs this reply met; needs_undone   needs it undid
    mood_reasons  why the mood moved                   ["heard -8", "progress -3"]
    progress      the reply moved the call on; stalled: it moved nothing on while needs remained
    question      {"kind": new|given|confirm|check|unknown, "fact": id or null} or null
    next_intent   what the customer does next
    status        {dimension: hit | miss | not_due | rejected}, also inside each of the turn's `scores`

The scorecard: the turn each step happened at (acknowledged, restated, verified, offered an accepted remedy,
committed, closed; null when it never did), the turn the customer calmed (mood at or below the resolved
threshold), the outcome, and the needs at the end.
"""

from __future__ import annotations

from dataclasses import dataclass

from voicetrainer.core.memory import CallState
from voicetrainer.core.needs import Need
from voicetrainer.types import Turn

STEPS = ("acknowledged", "restated", "verified", "offered_accepted_remedy", "committed", "closed")


@dataclass(frozen=True)
class Scorecard:
    steps: dict[str, int | None]          # step -> turn it first happened at
    calmed_at: int | None                 # first turn after which the mood was at or below the resolved threshold
    outcome: str
    turns: int
    start_mood: float
    final_mood: float
    needs: dict[str, bool]                # at the end
    calm_lost_at: tuple[int, ...] = ()    # turns where the rep lost calm
    stalled_turns: int = 0
    offers_accepted: tuple[str, ...] = ()
    offers_rejected: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {"steps": {k: self.steps.get(k) for k in STEPS}, "calmed_at": self.calmed_at,
                "turns_until_calm": self.calmed_at, "outcome": self.outcome, "turns": self.turns,
                "start_mood": round(self.start_mood, 1), "final_mood": round(self.final_mood, 1),
                "needs": dict(self.needs), "calm_lost_at": list(self.calm_lost_at),
                "stalled_turns": self.stalled_turns, "offers_accepted": list(self.offers_accepted),
                "offers_rejected": list(self.offers_rejected)}

    @classmethod
    def from_dict(cls, d: dict) -> Scorecard:
        return cls(steps={k: d.get("steps", {}).get(k) for k in STEPS}, calmed_at=d.get("calmed_at"),
                   outcome=d.get("outcome", ""), turns=int(d.get("turns", 0)), start_mood=float(d["start_mood"]),
                   final_mood=float(d["final_mood"]), needs=dict(d.get("needs", {})),
                   calm_lost_at=tuple(d.get("calm_lost_at", ())), stalled_turns=int(d.get("stalled_turns", 0)),
                   offers_accepted=tuple(d.get("offers_accepted", ())),
                   offers_rejected=tuple(d.get("offers_rejected", ())))


def build_scorecard(turns: list[Turn], outcome: str, start_mood: float, resolved_at_or_below: float,
                    final_state: CallState) -> Scorecard:
    """The scorecard of a finished call from its turns (the last attempt of each counts, as in the engine).

    Args:
        turns: the session's `Turn`s (attempts included); their `call` is a TurnRecord.
        outcome: how the call ended.
        start_mood: the persona's starting mood.
        resolved_at_or_below: the persona's resolved threshold (when the customer counts as calm).
        final_state: the engine's last `CallState`.
    """
    last: dict[int, Turn] = {}
    for t in turns:
        last[t.index] = t
    steps: dict[str, int | None] = {k: None for k in STEPS}
    calmed = None
    lost: list[int] = []
    stalled = 0
    for i in sorted(last):
        t = last[i]
        rec = t.call
        if rec is None:
            continue
        kinds = {a.kind for a in rec.acts}
        for need, step in (("heard", "acknowledged"), ("understood", "restated"), ("remedy", "offered_accepted_remedy"),
                           ("commitment", "committed")):
            if need in rec.needs_met and steps[step] is None:
                steps[step] = i
        if rec.question and rec.question.get("kind") in ("new", "confirm", "given") and steps["verified"] is None:
            steps["verified"] = i
        if ("close" in kinds or rec.next_intent == "resolved") and steps["closed"] is None:
            steps["closed"] = i
        if calmed is None and t.mood_after <= resolved_at_or_below:
            calmed = i
        if rec.status.get("calm") == "miss" and kinds - {"close"}:
            lost.append(i)
        stalled += rec.stalled
    mem = final_state.memory
    final = last[max(last)].mood_after if last else start_mood
    return Scorecard(steps=steps, calmed_at=calmed, outcome=outcome, turns=len(last), start_mood=start_mood,
                     final_mood=final, needs={n.value: final_state.needs.met(n) for n in Need},
                     calm_lost_at=tuple(lost), stalled_turns=stalled, offers_accepted=mem.offers_accepted,
                     offers_rejected=mem.offers_rejected)
