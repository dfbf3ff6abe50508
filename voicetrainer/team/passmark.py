"""Did a call pass? The trainer's pass mark and blockers applied to one session.

Pure: a session dict in (the shape of `practice --json` or `Store.session_json`: `outcome` and `turns` with per-turn
dimension scores), a `PassResult` out. Everything is computed from what a session holds today:

- the score is the mean of the four dimensions, each averaged over the call's FIRST attempts (a retry is coached,
  as in progress.py: a pass should be earned unaided);
- `calm_lost`: a first attempt that missed calm (a silent turn is not a loss of calm; it costs the score);
- `wrong_fact_uncorrected`: the customer had to correct the rep (a turn whose customer line is a correction) and no
  reply from then on restated the facts right (no paraphrase hit);
- `not_resolved`, `escalated`, `hung_up`: the call's outcome.
A call that never reached an outcome (abandoned) or had no scored reply fails whatever the rules.

When sessions carry a call scorecard (`session["scorecard"]`), `judge` is the one place to read it instead.
"""

from __future__ import annotations

from dataclasses import dataclass

from voicetrainer.core.progress import first_attempts
from voicetrainer.scoring.passrules import BLOCKERS, DEFAULT_MARK, PassRules
from voicetrainer.types import DIMENSIONS

OUTCOME_WORDS = {"resolved": "resolved", "escalated": "escalated to a manager", "hung_up": "the customer hung up",
                 "turn_limit": "ran out of turns", "abandoned": "ended before an outcome"}


@dataclass(frozen=True)
class PassResult:
    """Passed or not, the call score, the rules applied, and why.

    Attributes:
        failed_by: machine-readable causes, empty when passed: not_finished, no_reply, below_mark, or a blocker.
        reasons: one sentence per cause (or, for a pass, why it passed), for people.
    """

    passed: bool
    score: float
    mark: float
    blockers: tuple[str, ...]
    failed_by: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    dimensions: tuple[tuple[str, float], ...] = ()   # (dimension, mean score over first attempts), rubric order

    def to_dict(self) -> dict:
        return {"passed": self.passed, "score": round(self.score, 4), "mark": self.mark,
                "blockers": list(self.blockers), "failed_by": list(self.failed_by), "reasons": list(self.reasons),
                "dimensions": {d: round(v, 4) for d, v in self.dimensions}}

    @classmethod
    def from_dict(cls, d: dict) -> PassResult:
        return cls(passed=d["passed"], score=d["score"], mark=d["mark"], blockers=tuple(d["blockers"]),
                   failed_by=tuple(d["failed_by"]), reasons=tuple(d["reasons"]),
                   dimensions=tuple(d.get("dimensions", {}).items()))

    @property
    def summary(self) -> str:
        """'passed (0.74, pass mark 0.60)' or 'failed: calm lost in turn 2; ...'."""
        if self.passed:
            return f"passed ({self.score:.2f}, pass mark {self.mark:.2f})"
        return "failed: " + "; ".join(self.reasons)


def rules_in_force(persona_pass: PassRules | None, default_pass: PassRules | None) -> tuple[float, tuple[str, ...]]:
    """The mark and blockers that apply: the persona's fields, else the rubric's, else DEFAULT_MARK and none."""
    mark = next((r.mark for r in (persona_pass, default_pass) if r is not None and r.mark is not None), DEFAULT_MARK)
    blockers = next((r.blockers for r in (persona_pass, default_pass) if r is not None and r.blockers is not None), ())
    return mark, tuple(b for b in BLOCKERS if b in blockers)  # canonical order


def dimension_means(session: dict) -> dict[str, float]:
    """Each dimension's mean score over the call's first attempts in which it was due (dimensions never scored are
    left out). A turn where the engine said a dimension was not needed yet (`status: not_due`, say no offer while
    the rep is still verifying the order) does not count against the call: a good call restates and offers once. A
    dimension that was never due in the whole call is averaged over every turn, so each call has all four."""
    turns = [t for t in first_attempts(session.get("turns", [])) if t.get("scores")]
    out = {}
    for d in DIMENSIONS:
        scored = [t["scores"][d] for t in turns if d in t["scores"]]
        # a dimension the call never made due (the rep never got that far) still counts, over every turn
        vals = [s["score"] for s in scored if s.get("status") != "not_due"] or [s["score"] for s in scored]
        if vals:
            out[d] = sum(vals) / len(vals)
    return out


def _calm_lost(turns: list[dict]) -> str | None:
    for t in turns:
        calm = t.get("scores", {}).get("calm")
        # the call's judgement (status) where the turn has one; the line's own hit for turns saved before statuses
        lost = calm and (calm.get("status") == "miss" if calm.get("status") else not calm["hit"])
        if lost and t.get("reply", "").strip():
            said = f" ('{calm['evidence'][0]}')" if calm.get("evidence") else ""
            return f"calm lost in turn {t['index']}{said}"
    return None


def _wrong_fact_uncorrected(turns: list[dict]) -> str | None:
    for i, t in enumerate(turns):
        if t.get("intent") != "correction":
            continue
        if not any(u.get("scores", {}).get("paraphrase", {}).get("hit") for u in turns[i:]):
            return f"a wrong fact was never put right (the customer corrected you in turn {t['index']})"
    return None


def judge(session: dict, persona_pass: PassRules | None, default_pass: PassRules | None) -> PassResult:
    """Apply the pass mark and blockers in force to one session.

    Args:
        session: `SessionResult.to_dict()` or `Store.session_json()`: `outcome` and `turns` with `scores`.
        persona_pass: the persona's `pass:` block, or None.
        default_pass: the rubric's `pass:` block, or None.

    Returns:
        The result; `reasons` say why it passed or each reason it failed.
    """
    mark, blockers = rules_in_force(persona_pass, default_pass)
    turns = first_attempts(session.get("turns", []))
    means = dimension_means(session)
    score = sum(means.values()) / len(means) if means else 0.0
    outcome = session.get("outcome") or "abandoned"
    failed: list[tuple[str, str]] = []
    if outcome == "abandoned":
        failed.append(("not_finished", "the call " + OUTCOME_WORDS["abandoned"]))
    if not means:
        failed.append(("no_reply", "no reply was scored"))
    elif score < mark:
        failed.append(("below_mark", f"score {score:.2f} is below the pass mark {mark:.2f}"))
    checks = {
        "calm_lost": lambda: _calm_lost(turns),
        "wrong_fact_uncorrected": lambda: _wrong_fact_uncorrected(turns),
        "not_resolved": lambda: (f"the call was not resolved ({OUTCOME_WORDS.get(outcome, outcome)})"
                                 if outcome not in ("resolved", "abandoned") else None),
        "escalated": lambda: "the customer asked for a manager" if outcome == "escalated" else None,
        "hung_up": lambda: "the customer hung up" if outcome == "hung_up" else None,
    }
    for b in blockers:
        why = checks[b]()
        if why:
            failed.append((b, why))
    dims = tuple((d, means[d]) for d in DIMENSIONS if d in means)
    if failed:
        return PassResult(False, score, mark, blockers, tuple(c for c, _ in failed), tuple(w for _, w in failed), dims)
    return PassResult(True, score, mark, blockers, (), (f"score {score:.2f} reaches the pass mark {mark:.2f}",), dims)
