"""The empathy dimension: acknowledgement of the customer's feelings or the impact on them.

A non-apology ("sorry you feel that way") cancels the acknowledgement it overlaps and the rest of its sentence, and
a calm cost in the rubric's `empathy.undone_by` groups after it ("I understand, but that's your fault") undoes it.
"""

from __future__ import annotations

from voicetrainer.scoring.phrases import CompiledRubric, overlaps
from voicetrainer.scoring.schema import RubricModel
from voicetrainer.text import Match, Tokens, extract_facts
from voicetrainer.types import DimensionScore


def score_empathy(rt: Tokens, ct: Tokens, c: CompiledRubric, r: RubricModel,
                  costs: list[tuple[Match, str]]) -> DimensionScore:
    """The acknowledgement groups matched (each weighted once), unless a non-apology or an undoing cost follows."""
    nons = [m for m, _ in c.non_apology.find_all(rt)]
    # A non-apology cancels what it overlaps and the rest of its sentence ("sorry you feel we let you down").
    # An acknowledgement inside a calm cost is none: "it's really not that hard", "yes, yes, I get it, I get it".
    acks = [(m, g) for m, g in c.acks.find_all(rt)
            if not any(overlaps(m, n) or (m.start >= n.start and rt.sentence[m.start] == rt.sentence[n.start])
                       for n in nons)
            and not any(overlaps(m, x) for x, g in costs if g in r.empathy.undone_by)]
    groups = r.empathy.acknowledge
    got: dict[str, float] = {}
    evidence: list[str] = []
    for m, g in acks:
        got[g] = max(got.get(g, 0.0), groups[g].weight)
        words = rt.span_text(m.start, m.end)
        if words not in evidence:
            evidence.append(words)
    score = min(1.0, float(sum(got.values())))
    first_ack = min((m.start for m, _ in acks), default=len(rt.words))
    undoers = [(m, g) for m, g in costs if g in r.empathy.undone_by and m.start > first_ack]
    tip = ""
    if undoers and score > 0:
        m, g = undoers[0]
        words = rt.span_text(m.start, m.end)
        evidence.append(words)
        score = 0.0
        tip = f"'{words}' undid your empathy; acknowledge and stop there: {_empathy_example(ct)}"
    elif nons and score < r.empathy.hit_at_or_above:
        words = rt.span_text(nons[0].start, nons[0].end)
        evidence.append(words)
        score = 0.0
        tip = f"'{words}' is a non-apology; own the problem instead: {_empathy_example(ct)}"
    hit = score >= r.empathy.hit_at_or_above
    if not hit and not tip:
        tip = empathy_tip(ct)
    return DimensionScore("empathy", score, hit, tuple(evidence), "" if hit else tip)


def _empathy_example(ct: Tokens) -> str:
    """An example acknowledgement, naming how long the customer has waited when they said so."""
    durations = [f for f in extract_facts(ct) if f.kind == "duration"]
    if durations:
        return f"'I'm so sorry — after {durations[0].text}, I'd be frustrated too.'"
    return "'I'm really sorry — that sounds so frustrating.'"


def empathy_tip(ct: Tokens) -> str:
    """The tip for a reply with no empathy."""
    return f"Name the feeling and the impact before fixing anything: {_empathy_example(ct)}"
