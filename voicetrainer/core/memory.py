"""What the customer remembers of the call, and the whole state of the call between turns.

Memory: the facts it has given and been asked for, the offers it accepted and turned down, the commitments made
(and whether it knows when and how), whether it already asked for the missing commitment detail, every line it
said (so it does not repeat itself), and the question its last line asked. Frozen records; the engine returns new
ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from voicetrainer.core.needs import Needs, Phase


def _add(items: tuple[str, ...], *new: str) -> tuple[str, ...]:
    out = list(items)
    for x in new:
        if x and x not in out:
            out.append(x)
    return tuple(out)


@dataclass(frozen=True)
class Memory:
    facts_given: tuple[str, ...] = ()        # fact ids the customer has said (in a line or an answer)
    facts_asked: tuple[str, ...] = ()        # fact ids the rep has asked for
    offers_accepted: tuple[str, ...] = ()
    offers_rejected: tuple[str, ...] = ()
    commitments: tuple[str, ...] = ()        # the rep's committing sentences
    when: bool = False                       # the rep said when it will happen
    how: bool = False                        # ... and how the customer will know
    asked_commitment: bool = False           # the customer asked for the missing detail (it asks once)
    said: tuple[str, ...] = ()               # every line the customer said and the parts it was made of
    pending: str | None = None               # what the customer's last line asked (acts.QUESTION_KINDS)

    def given(self, *fact_ids: str) -> Memory:
        return replace(self, facts_given=_add(self.facts_given, *fact_ids))

    def asked(self, *fact_ids: str) -> Memory:
        return replace(self, facts_asked=_add(self.facts_asked, *fact_ids))

    def accepted(self, *offers: str) -> Memory:
        return replace(self, offers_accepted=_add(self.offers_accepted, *offers))

    def rejected(self, *offers: str) -> Memory:
        return replace(self, offers_rejected=_add(self.offers_rejected, *offers))

    def committed(self, evidence: tuple[str, ...], when: bool, how: bool) -> Memory:
        return replace(self, commitments=_add(self.commitments, *evidence), when=self.when or when,
                       how=self.how or how)

    def spoke(self, text: str, pending: str | None, parts: tuple[str, ...] = ()) -> Memory:
        """Remember a line said, and the parts it was composed of (templates, tails) so none is reused early."""
        return replace(self, said=self.said + (text,) + tuple(p for p in parts if p != text), pending=pending)

    @property
    def missing_detail(self) -> str | None:
        """The commitment detail still missing: 'when', 'how', 'both' or None."""
        if self.when and self.how:
            return None
        return "how" if self.when else "when" if self.how else "both"

    def to_dict(self) -> dict:
        return {"facts_given": list(self.facts_given), "facts_asked": list(self.facts_asked),
                "offers_accepted": list(self.offers_accepted), "offers_rejected": list(self.offers_rejected),
                "commitments": list(self.commitments), "when": self.when, "how": self.how,
                "asked_commitment": self.asked_commitment}


@dataclass(frozen=True)
class CallState:
    """Everything the customer carries from one turn to the next."""

    mood: float
    turn: int = 0                             # replies heard so far
    phase: Phase = Phase.OPENING
    needs: Needs = field(default_factory=Needs)
    memory: Memory = field(default_factory=Memory)
    stalls: int = 0                           # turns in a row that moved nothing on
    silences: int = 0                         # silent turns in a row
