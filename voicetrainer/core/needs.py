"""What the customer needs from the call, and where the call is: explicit states with explicit transitions.

The customer judges the call, not each line. Over the call it needs to be

- heard        acknowledged, with an apology for the impact;
- understood   its own facts restated accurately;
- remedy       offered something it accepts;
- commitment   told what will happen, when, and how it will know (a time and a channel);
- respect      treated politely throughout (met from the start, lost when the rep loses calm).

A need is met at a turn and stays met unless a later reply undoes it (blame undoes `heard` and `respect`, a wrong
fact undoes `understood`). The call's `Phase` follows the needs and never goes back:

    OPENING -> DETAILS -> REMEDY -> COMMITMENT -> CLOSING   (-> an outcome, set by the engine)

Pure data and transition functions; the engine (dialogue.py) decides when they fire.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum


class Need(str, Enum):
    HEARD = "heard"
    UNDERSTOOD = "understood"
    REMEDY = "remedy"
    COMMITMENT = "commitment"
    RESPECT = "respect"


# The order in which a call normally meets the needs (respect is kept, not reached).
CALL_ORDER = (Need.HEARD, Need.UNDERSTOOD, Need.REMEDY, Need.COMMITMENT)
NEED_NAMES = tuple(n.value for n in Need)


class Phase(str, Enum):
    OPENING = "opening"        # the customer has stated the problem; nobody has listened yet
    DETAILS = "details"        # heard, or facts are being exchanged
    REMEDY = "remedy"          # understood: waiting for a remedy
    COMMITMENT = "commitment"  # a remedy accepted: waiting for when and how
    CLOSING = "closing"        # remedy and commitment: wrapping up

    @property
    def rank(self) -> int:
        return _PHASE_ORDER.index(self)


_PHASE_ORDER = (Phase.OPENING, Phase.DETAILS, Phase.REMEDY, Phase.COMMITMENT, Phase.CLOSING)


@dataclass(frozen=True)
class NeedStatus:
    """One need: the turn it was (last) met at, and the turn it was last undone at (None: never)."""

    met_at: int | None = None
    undone_at: int | None = None

    @property
    def met(self) -> bool:
        return self.met_at is not None

    def to_dict(self) -> dict:
        return {"met": self.met, "met_at": self.met_at, "undone_at": self.undone_at}


@dataclass(frozen=True)
class Needs:
    """The five needs. Transitions return a new record; nothing is mutated."""

    heard: NeedStatus = NeedStatus()
    understood: NeedStatus = NeedStatus()
    remedy: NeedStatus = NeedStatus()
    commitment: NeedStatus = NeedStatus()
    respect: NeedStatus = NeedStatus(met_at=0)

    def __getitem__(self, need: Need) -> NeedStatus:
        return getattr(self, need.value)

    def met(self, need: Need) -> bool:
        return self[need].met

    def meet(self, need: Need, turn: int) -> Needs:
        """The need is met at `turn` (no change when it already is)."""
        if self.met(need):
            return self
        return replace(self, **{need.value: replace(self[need], met_at=turn)})

    def undo(self, need: Need, turn: int) -> Needs:
        """A met need is undone at `turn` (no change when it is not met)."""
        if not self.met(need):
            return self
        return replace(self, **{need.value: NeedStatus(met_at=None, undone_at=turn)})

    def unmet(self) -> tuple[Need, ...]:
        """The call's needs still open, in call order (respect is never 'open': it is kept or lost)."""
        return tuple(n for n in CALL_ORDER if not self.met(n))

    def to_dict(self) -> dict:
        return {n.value: self[n].to_dict() for n in Need}

    @classmethod
    def from_dict(cls, d: dict) -> Needs:
        return cls(**{k: NeedStatus(v.get("met_at"), v.get("undone_at")) for k, v in d.items() if k in NEED_NAMES})


def phase_for(needs: Needs, exchanged: bool) -> Phase:
    """The phase the needs put the call in. `exchanged`: facts have been asked for or given in the call."""
    if needs.met(Need.REMEDY):
        return Phase.CLOSING if needs.met(Need.COMMITMENT) else Phase.COMMITMENT
    if needs.met(Need.UNDERSTOOD):
        return Phase.REMEDY
    if needs.met(Need.HEARD) or exchanged:
        return Phase.DETAILS
    return Phase.OPENING


def advance_phase(current: Phase, needs: Needs, exchanged: bool) -> Phase:
    """The next phase: the needs' phase, but never back (a call that reached closing does not reopen)."""
    new = phase_for(needs, exchanged)
    return new if new.rank > current.rank else current
