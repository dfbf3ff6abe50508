"""The empathy dimension: acknowledgement of the customer's feelings or the impact on them.

A non-apology ("sorry you feel that way") cancels the acknowledgement it overlaps and the rest of its clause; a "but"
(or "however", "unfortunately") a few words after an acknowledgement, with a calm cost of the rubric's
`empathy.undone_by` groups or going on in its sentence to what can't be done or isn't so, takes it back ("I totally get
it, but rules are rules", "I understand your frustration, but the instructor was off sick, so he couldn't have come");
a jab elsewhere in the reply costs calm, not empathy.
"""

from __future__ import annotations

from voicetrainer.scoring.clauses import clause_ids
from voicetrainer.scoring.phrases import CompiledRubric, overlaps
from voicetrainer.scoring.schema import RubricModel
from voicetrainer.text import Match, Tokens, extract_facts, tokenize
from voicetrainer.types import DimensionScore

_CONTRASTS = frozenset(("but", "however", "though", "although", "yet", "still", "unfortunately", "sadly"))
_OPENING_ONLY = frozenset(("yet", "still"))   # contrasts only opening a clause: "Still, ...", not "you still can't"
_NEGATORS = frozenset(("not", "never", "no", "nothing", "nobody"))
_REACH = 8   # words between an acknowledgement and the "but" that takes it back
_REFUSING = frozenset(("not", "no", "nothing", "cannot", "unable", "never", "nobody"))
_REFUSAL_REACH = 24  # words after the "but" in which a refusal takes the acknowledgement back


def _negated(m: Match, rt: Tokens, clauses: list[int]) -> bool:
    """An acknowledgement said the other way round: "not really our fault", "it isn't difficult". A negation the
    phrase itself holds ("that's not okay", "shouldn't have happened") is part of the acknowledgement."""
    own = set(tokenize(m.pattern.replace("*", " ").replace("?", " ")).words)
    inside = [w for w in rt.words[m.start:m.end] if w in _NEGATORS and w not in own]
    before = [rt.words[i] for i in range(max(0, m.start - 2), m.start)
              if rt.words[i] in _NEGATORS and clauses[i] == clauses[m.start]]
    return bool(inside or before) and not own & _NEGATORS


def _a_name(m: Match, rt: Tokens) -> bool:
    """A feeling word that is a name: "King's Cross", "Mad Hatter" (capitalised inside a sentence)."""
    if m.end - m.start != 1 or m.start == 0 or rt.sentence[m.start] != rt.sentence[m.start - 1]:
        return False
    surface = rt.surface[rt.origin[m.start]]
    return surface[:1].isupper() and not surface.isupper()


def _taken_back(m: Match, rt: Tokens, costs: list[tuple[Match, str]], undoers: set[str],
                clauses: list[int]) -> Match | None:
    """The calm cost that takes the acknowledgement back, or None: one in its own clause ("I'm sorry the world isn't
    perfect") or after a "but" right after it ("I totally get it, but rules are rules", "I'm sorry. With all due
    respect, though, ..."). A jab in another part of the reply leaves it standing ("I'm so sorry. ... And next
    time, check the app")."""
    for x, g in costs:
        if g in undoers and m.end <= x.start <= m.end + _REACH and clauses[x.start] == clauses[m.end - 1]:
            return x
    n = len(rt.words)

    def contrast(k: int) -> bool:
        w = rt.words[k]
        if w == "the" and rt.words[k + 1:k + 3] == ("thing", "is"):
            return True   # "the thing is, I can't refund it"
        return w in _CONTRASTS and (w not in _OPENING_ONLY or k == 0 or clauses[k] != clauses[k - 1])

    j = m.end
    gap = 0
    while j < n and gap <= _REACH:
        if contrast(j):
            break
        if rt.sentence[j] != rt.sentence[m.end - 1] and j > m.end and rt.sentence[j] != rt.sentence[j - 1]:
            # the next sentence may open with the contrast: "I'm sorry. With all due respect, though, ..."
            k = j
            while k < n and rt.sentence[k] == rt.sentence[j] and k - j < 5 and not contrast(k):
                k += 1
            if k < n and rt.sentence[k] == rt.sentence[j] and contrast(k):
                j = k
                break
            return None
        gap += 1
        j += 1
    else:
        # past the reach: the contrast may still open the next sentence ("I completely understand the stress, a new
        # job depending on it is a lot of pressure. Unfortunately, there's nothing I can do")
        while j < n and rt.sentence[j] == rt.sentence[m.end - 1]:
            j += 1
        if j >= n or rt.sentence[j] != rt.sentence[m.end - 1] + 1 or not contrast(j):
            return None
    if j >= n or not contrast(j):
        return None
    sent = rt.sentence[j]
    end = j
    while end < n and rt.sentence[end] == sent:
        end += 1
    start = min(j, max(m.end, j - 5))
    for x, g in costs:
        if g in undoers and start <= x.start < end:
            return x
    # "I understand your frustration, but the instructor was off sick, so he couldn't have come": a "but" that
    # goes on to what can't be done or isn't so takes the acknowledgement back as surely as a calm cost does
    opens = rt.sentence[j] == rt.sentence[m.end - 1] or rt.sentence[j - 1] != rt.sentence[j]
    for k in range(j + 1, min(end, j + 1 + _REFUSAL_REACH) if opens else j):
        if rt.words[k] in _REFUSING:
            return Match("but " + rt.words[k], j, k + 1)
    return None


def score_empathy(rt: Tokens, ct: Tokens, c: CompiledRubric, r: RubricModel,
                  costs: list[tuple[Match, str]]) -> DimensionScore:
    """The acknowledgement groups matched (each weighted once), unless a non-apology cancels them or a "but" right
    after them takes them back."""
    nons = [m for m, _ in c.non_apology.find_all(rt)]
    clauses = clause_ids(rt)
    undoers = set(r.empathy.undone_by)
    # A non-apology cancels what it overlaps and the rest of its clause ("sorry you feel we let you down").
    # An acknowledgement inside a calm cost is none: "it's really not that hard", "yes, yes, I get it, I get it";
    # nor one said the other way round: "not really our fault".
    acks = [(m, g) for m, g in c.acks.find_all(rt)
            if not any(overlaps(m, n) or (m.start >= n.start and clauses[m.start] == clauses[n.end - 1])
                       for n in nons)
            and not any(overlaps(m, x) for x, g in costs if g in undoers) and not _negated(m, rt, clauses)
            and not _a_name(m, rt)]
    kept = []
    taken: list[Match] = []
    for m, g in acks:
        x = _taken_back(m, rt, costs, undoers, clauses)
        if x is None:
            kept.append((m, g))
        elif x not in taken:
            taken.append(x)
    groups = r.empathy.acknowledge
    got: dict[str, float] = {}
    evidence: list[str] = []
    for m, g in kept:
        got[g] = max(got.get(g, 0.0), groups[g].weight)
        words = rt.span_text(m.start, m.end)
        if words not in evidence:
            evidence.append(words)
    score = min(1.0, float(sum(got.values())))
    tip = ""
    if taken and score < r.empathy.hit_at_or_above:
        words = rt.span_text(taken[0].start, taken[0].end)
        evidence.append(words)
        score = 0.0
        tip = f"'{words}' undid your empathy; acknowledge and stop there: {_empathy_example(ct)}"
    elif nons and score < r.empathy.hit_at_or_above:
        words = rt.span_text(nons[0].start, nons[0].end)
        evidence.append(words)
        score = 0.0
        tip = f"'{words}' is a non-apology; own the problem instead: {_empathy_example(ct)}"
    hit = score >= r.empathy.hit_at_or_above
    if not hit and not tip and evidence:
        # owning the fault or agreeing ("that's on us", "that's not right") names no feeling: keep it, add one
        tip = f"'{evidence[0]}' is a start; name how it left them too: {_empathy_example(ct)}"
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
