"""Commitments read by who does what, to what and when: what the rep takes on, what they only hand on, what they
cannot promise, and offers with none of the usual verbs.

- `handoffs`: the problem handed to someone else with nothing decided ("I'll pass it to tech support", "I'll get
  Jade to ring you", "someone will be in touch", "I've logged a ticket"): named as a hand-off, not a solution.
- `overpromises`: what nobody can promise ("I guarantee it will never happen again"): named, not a solution.
- `steps`: numbered or chained instructions the customer can follow now ("1) log out, 2) clear your cache",
  "go on the website then account then manage plan then cancel").
- `amount_offers`: the rep committing to an amount ("I can go to 40%", "I can do £50 off").
- `not_the_reps`: offer words in what someone else did or does ("you'd already booked the train", "they're sending
  you somewhere", "cancelled online" said without the rep as subject).

Pure: tokens and the compiled rubric in, matches out; solution.py decides what they score.
"""

from __future__ import annotations

from voicetrainer.scoring.clauses import clause_ids
from voicetrainer.scoring.phrases import CompiledRubric, overlaps
from voicetrainer.text import Match, Tokens, extract_facts

_THIRD = frozenset(("they", "he", "she", "someone", "somebody"))
_PARTICIPLES = frozenset("""sent paid bought made told given taken kept left done got gone put set booked
cancelled canceled refunded""".split())
_REP = frozenset(("i", "we", "let", "us"))
_SUBJECTS = frozenset(("i", "we", "you", "they", "he", "she", "it", "someone", "somebody"))
_STEP_VERB_STOPS = frozenset(("the", "a", "an", "of", "and", "or", "to", "in", "on", "at", "for"))


def handoffs(rt: Tokens, c: CompiledRubric) -> list[Match]:
    """The rubric's `handoffs` phrases found in the reply, less those whose sentence sets a deadline the rep owns
    ("flag it with the damage team and get back to you by Friday")."""
    if c.handoffs is None:
        return []
    timed = {rt.sentence[m.start] for m, _ in c.deadlines.find_all(rt)} if c.deadlines is not None else set()
    return [m for m, _ in c.handoffs.find_all(rt) if rt.sentence[m.start] not in timed]


def overpromises(rt: Tokens, c: CompiledRubric) -> list[Match]:
    """The rubric's `overpromises` phrases found in the reply."""
    return [m for m, _ in c.overpromises.find_all(rt)] if c.overpromises is not None else []


def steps(rt: Tokens) -> list[Match]:
    """Instructions the customer can follow: two or more numbered items ("1) log out, 2) clear your cache"), or
    a clause chaining actions with "then" twice ("go on the website then account then manage plan")."""
    out: list[Match] = []
    n = len(rt.words)
    numbered = [i for i, w in enumerate(rt.words) if w in ("1", "2", "3", "4") and i + 1 < n
                and rt.words[i + 1].isalpha() and rt.words[i + 1] not in _STEP_VERB_STOPS
                and (i == 0 or rt.breaks[i]) and not (i + 1 < n and rt.breaks[i + 1] and rt.words[i + 1] == "")]
    values = [rt.words[i] for i in numbered]
    if "1" in values and "2" in values and values.index("1") < values.index("2"):
        a, b = numbered[values.index("1")], numbered[values.index("2")]
        out.append(Match("numbered steps", a, min(n, b + 2)))
    clauses = clause_ids(rt)
    for k in set(clauses):
        thens = [i for i, w in enumerate(rt.words) if w == "then" and clauses[i] == k]
        if len(thens) >= 2:
            out.append(Match("steps", thens[0], min(n, thens[-1] + 2)))
    return out


def amount_offers(rt: Tokens, c: CompiledRubric) -> list[Match]:
    """A commitment followed within three words by an amount or a percentage: "I can go to 40%", "we can do £50"."""
    out: list[Match] = []
    facts = {f.start: f for f in extract_facts(rt)}
    clauses = clause_ids(rt)
    for m, _ in c.rep_commits.find_all(rt):
        if rt.words[m.end - 1] in ("am", "are", "have"):
            continue   # "I'm really sorry, a six hundred dollar charge ..." commits to nothing
        for j in range(m.end, min(len(rt.words), m.end + 4)):
            if clauses[j] != clauses[m.start]:
                break
            w = rt.words[j]
            if rt.stems[j] in c.negators:
                break   # "I can't honour the $399 price"
            f = facts.get(j)
            if w.endswith("%") or w == "percent" or (f is not None and f.kind == "money"):
                out.append(Match(m.pattern, m.start, j + 1))
                break
    return out


def not_the_reps(m: Match, rt: Tokens, clauses: list[int], timed: bool) -> bool:
    """Whether an offer word is in what someone else did or does, not something the rep commits to.

    - the customer's past: "you'd already booked the train", "if you'd cancelled properly";
    - a third party acting: "they're sending you somewhere";
    - a past participle with no rep as subject and no "now" ("cancelled online", "it got cancelled"), unlike
      "your access is now extended".
    """
    clause = clauses[m.start]
    before = [i for i in range(max(0, m.start - 4), m.start) if clauses[i] == clause]
    words = [rt.words[i] for i in before]
    for k in range(len(words) - 1):
        if words[k] == "you" and words[k + 1] == "would":
            rest = words[k + 2:] + [rt.words[m.start]]
            rest = [w for w in rest if w not in ("already", "just", "also", "even")]
            if rest and (rest[0].endswith("ed") or rest[0] in _PARTICIPLES):
                return True
    if any(w in _THIRD for w in words) and not any(w in _REP for w in words):
        return True
    w = rt.words[m.start]
    if (w.endswith("ed") or w in _PARTICIPLES) and not timed:
        # the nearest subject before it says whose doing it is: "you moved to Leeds in April, cancelled online"
        subject = next((rt.words[i] for i in range(m.start - 1, -1, -1)
                        if clauses[i] == clause and rt.words[i] in _SUBJECTS), "")
        if subject not in _REP:
            return True
    return False


def inside(m: Match, spans: list[Match]) -> bool:
    """Whether a match overlaps one of `spans`."""
    return any(overlaps(m, s) for s in spans)
