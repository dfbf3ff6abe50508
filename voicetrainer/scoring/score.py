"""`score_reply`: one reply judged on calm, empathy, paraphrase and solution, in that order.

Pure: text in, `TurnScore` out. No audio, no models. The phrases, weights and thresholds live in `rubric.yaml` (see
docs/rubric.md), loaded by `rubric.load_rubric`; each dimension has its own module that applies them:

- calm        (calm.py, context.py) 1 minus the weights of the cost groups that match (blame, dismissal,
              condescension, ...) or whose shape its detectors find (capitals, "X is X", "Cancellations happen"),
              less phrases that quote the customer; and of the voice when acoustics are given.
- empathy     (empathy.py) acknowledgement of feelings or impact; non-apologies cancel it, a "but" right after it
              with a calm cost takes it back.
- paraphrase  (paraphrase.py, facts.py) the customer's facts (by value, unit and role), items, names and words in
              the parts of the reply that restate; something specific needed; no fact contradicting the customer.
- solution    (solution.py, commitments.py) a concrete offer or next step the rep commits to, not negated, not a
              hand-off or an over-promise, not someone else's doing; clauses.py says what a clause is.

Spoken replies are made fluent first (text.fluent: "um", "you know", stutters, restarts).
"""

from __future__ import annotations

from collections.abc import Sequence

from voicetrainer.scoring.calm import read_calm, score_calm
from voicetrainer.scoring.empathy import empathy_tip, score_empathy
from voicetrainer.scoring.paraphrase import paraphrase_tip, score_paraphrase
from voicetrainer.scoring.rubric import Rubric
from voicetrainer.scoring.solution import find_persona_offers, score_solution, solution_tip
from voicetrainer.text import Tokens, fluent, tokenize
from voicetrainer.types import Acoustics, DimensionScore, ReplyAnalysis, TurnScore


def score_reply(customer: str, reply: str, rubric: Rubric, *, offer_phrases: Sequence[str] = (),
                acoustics: Acoustics | None = None) -> TurnScore:
    """Score one reply on the four dimensions.

    Args:
        customer: the customer's last line(s), which the paraphrase is judged against.
        reply: what the trainee said (transcribed text).
        rubric: from `load_rubric`.
        offer_phrases: solutions the persona knows (e.g. its accepted and rejected offers); the ones the reply
            makes are reported in `analysis.offers`.
        acoustics: how the reply sounded, when it was spoken; counts towards calm.

    Returns:
        TurnScore with calm, empathy, paraphrase and solution (in that order), the analysis and the acoustics.
    """
    c = rubric.phrases
    r = rubric.rules
    raw = tokenize(reply)
    ct = tokenize(customer)
    if all(w in c.fillers for w in raw.words):
        return _silent(customer, ct, rubric, offer_phrases, acoustics)
    rt = fluent(raw, c.hesitations, c.discourse)

    costs, kind = read_calm(rt, c, ct)
    calm = score_calm(costs, rt, r, acoustics, reply, customer, kind=kind)
    empathy = score_empathy(rt, ct, c, r, costs)
    paraphrase, wrong = score_paraphrase(ct, rt, customer, c, r, costs, reply)
    persona_offers = find_persona_offers(rt, c, offer_phrases)
    solution = score_solution(rt, ct, c, r, offer_phrases, persona_offers, reply, customer)
    offers = tuple(p for p, _ in persona_offers)
    return TurnScore(dimensions=(calm, empathy, paraphrase, solution),
                     analysis=ReplyAnalysis(offers=offers, wrong_facts=tuple(wrong), silent=False),
                     acoustics=acoustics)


def _silent(customer: str, ct: Tokens, rubric: Rubric, offer_phrases: Sequence[str],
            acoustics: Acoustics | None) -> TurnScore:
    """Nothing but fillers ("um", "uh") or silence: every dimension misses, each with a tip."""
    r = rubric.rules
    c = rubric.phrases
    dims = (
        DimensionScore("calm", 0.0, False, (), "Say something, even a short holding line: "
                                                 "'I'm here, and I'm going to help you with this.'"),
        DimensionScore("empathy", 0.0, False, (), empathy_tip(ct)),
        DimensionScore("paraphrase", 0.0, False, (), paraphrase_tip(customer, ct)),
        DimensionScore("solution", 0.0, False, (), solution_tip(ct, c, r, offer_phrases)),
    )
    return TurnScore(dimensions=dims, analysis=ReplyAnalysis(silent=True), acoustics=acoustics)
