"""The solution dimension: a concrete offer or next step the rep commits to, not negated ("I can't refund that"),
not the customer's own past action ("you returned it"), not merely vague ("we'll look into it"); and the tip.

Offers come from the rubric's `solution:` phrases, from the shape of a commitment ("I'll comp that night"), and
from the persona's own offer phrases (`offer_phrases`), which are reported so the persona can react to them.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from voicetrainer.scoring.clauses import OTHER_SUBJECTS, clause_ids, negated, not_proposed
from voicetrainer.scoring.commitments import amount_offers, handoffs, inside, not_the_reps, overpromises, steps
from voicetrainer.scoring.learned import load_offer
from voicetrainer.scoring.phrases import CompiledRubric, PhraseSet, overlaps
from voicetrainer.scoring.schema import RubricModel
from voicetrainer.text import STOP_WORDS, Match, Tokens, is_number_word, tokenize
from voicetrainer.types import DimensionScore


def _commitments(rt: Tokens, c: CompiledRubric, clauses: list[int], oks: list[Match]) -> list[Match]:
    """Commitment phrases that commit the rep: not negated ("nothing I can do", "I can't"), and not the customer's
    own experience ("you have been charged", "they have been")."""
    out = []
    for m, _ in c.commitments.find_all(rt):
        if negated(m, rt, c, clauses, oks, back=3):
            continue
        prev = rt.words[m.start - 1] if m.start > 0 else ""
        if rt.words[m.start] in ("have", "has", "had") and prev in OTHER_SUBJECTS:
            continue
        out.append(m)
    return out


def _offer_matches(rt: Tokens, c: CompiledRubric, found: Sequence[Match] | None = None,
                   persona: bool = False, structural: bool = False) -> tuple[list[Match], list[Match]]:
    """(concrete offers, refused offers) among `found` (default: the rubric's offers) in committing sentences.

    An offer counts after a commitment in its sentence ("I'll", "would you like", "let me") or with a timing
    phrase in it ("refund's going through now"); it must be proposed by the rep (not the customer's past action),
    outside a vague promise and a restated demand, and not negated in its clause. A persona's offer phrase
    (`persona=True`) needs a commitment; timing alone is not enough ("we're very busy today").
    """
    clauses = clause_ids(rt)
    oks = [m for m, _ in c.not_negators.find_all(rt)]
    vague = [m for m, _ in c.vague.find_all(rt)]
    commits = _commitments(rt, c, clauses, oks)
    timed_sents = set() if persona else {rt.sentence[m.start] for m, _ in c.timing.find_all(rt)}
    blocked: set[int] = set()
    for m, _ in c.not_offers.find_all(rt):
        i = m.start
        while i < len(rt.words) and clauses[i] == clauses[m.start] and (i == m.start or not rt.breaks[i]):
            blocked.add(i)
            i += 1
    speaker_sents = {rt.sentence[i] for i, w in enumerate(rt.words) if w in ("i", "we")}
    done: list[Match] = []
    if found is None:
        done = [m for m, _ in c.done.find_all(rt)] if c.done is not None else []
        found = [m for m, _ in c.offers.find_all(rt)] + done
    good, refused = [], []
    for m in found:
        sent = rt.sentence[m.start]
        if any(overlaps(m, v) for v in vague) or m.start in blocked or not_proposed(m, rt, clauses) \
                or not_the_reps(m, rt, clauses, sent in timed_sents):
            continue
        committed = structural or m in done or sent in timed_sents or any(
            rt.sentence[k.start] == sent and k.start <= m.start and not overlaps(k, m) for k in commits)
        if negated(m, rt, c, clauses, oks):
            if rt.sentence[m.start] in speaker_sents:  # "we don't do refunds", not "three weeks with no refund"
                refused.append(m)
        elif committed or not c.has_commitments:
            good.append(m)
    return good, refused


def _structural_offers(rt: Tokens, c: CompiledRubric) -> list[Match]:
    """Offers found by their shape rather than their words.

    - the rep commits to an action: a `rep_commitments` phrase ("I'll", "let me", "we can", "I've") followed by a
      verb that is not a `non_actions` one ("be", "see", "look into", "understand", "have to" ...) and something it
      acts on: "I'll comp that night", "let me get it pushed through", "we can swap it for the navy";
    - an offer put as a question: an `offer_questions` phrase followed by what is offered: "how about the same
      shoe in navy?", "would Thursday morning work?", "have you tried turning it off and on?".

    The match spans the commitment and the verb, so negation ("I can't swap it"), vague promises and restated
    demands are checked on it as on any offer.
    """
    out: list[Match] = []
    n = len(rt.words)
    clauses = clause_ids(rt)
    actions = {m.start: m for m, _ in c.non_actions.find_all(rt)}
    for m, _ in c.rep_commits.find_all(rt):
        j = m.end
        while j < n and rt.words[j] in c.commit_fillers and clauses[j] == clauses[m.start]:
            j += 1
        if j + 1 >= n or clauses[j] != clauses[m.start] or clauses[j + 1] != clauses[m.start]:
            continue  # nothing acted on ("I'll be right back.", "Yes, we can.")
        w = rt.words[j]
        if j in actions or not w.isalpha() or (w in STOP_WORDS and w not in ("get", "have")):
            continue
        if rt.words[m.end - 1] in ("am", "are") and not w.endswith("ing"):
            continue  # "I'm overriding the refusal", not "I'm the manager"
        if rt.words[j] == "have" and rt.words[j + 1] == "to":
            continue
        out.append(Match(m.pattern, m.start, j + 1))
    for m, _ in c.offer_questions.find_all(rt):
        j = m.end
        rhetorical = m.start > 0 and rt.words[m.start - 1] in ("what", "why") or any(
            rt.words[k:k + 2] == ("or", "not") for k in range(m.end, n - 1) if rt.sentence[k] == rt.sentence[m.start])
        if j < n and clauses[j] == clauses[m.start] and j not in actions and not rhetorical:
            out.append(Match(m.pattern, m.start, min(n, j + 1)))
    return out


def _persona_matches(text: str, rt: Tokens) -> list[Match]:
    """Where a persona's offer phrase occurs in the reply.

    Exact (on stems) first; failing that, loosely: the phrase's content words (two or more) in order within one
    clause, with numbers and small words free ("honour the $399 price" matches "I'll honor that three ninety nine
    price").
    """
    strict = [m for m, _ in _phrase_set(text).find_all(rt)]
    if strict:
        return strict
    pt = tokenize(text)
    content = [s for w, s in zip(pt.words, pt.stems, strict=True)
               if w not in STOP_WORDS and w.isalpha() and not is_number_word(w)]
    if len(content) < 2 or len(content) == len(pt.words):
        return []   # one content word alone is too loose: "order one" is not in "your order number"
    clauses = clause_ids(rt)
    limit = len(pt.words) + 4
    out = []
    for i, s0 in enumerate(rt.stems):
        if s0 != content[0]:
            continue
        j, k = i + 1, 1
        while k < len(content) and j < len(rt.stems) and j - i < limit and clauses[j] == clauses[i]:
            if rt.stems[j] == content[k]:
                k += 1
            j += 1
        if k == len(content):
            out.append(Match(text, i, j))
    return out


def find_persona_offers(rt: Tokens, c: CompiledRubric, offer_phrases: Sequence[str]) -> list[tuple[str, Match]]:
    """The persona's offer phrases the reply makes as offers (committed, not negated, not the customer's action)."""
    out = []
    for p in offer_phrases:
        good, _ = _offer_matches(rt, c, _persona_matches(p, rt), persona=True)
        if good:
            out.append((p, good[0]))
    return out


@lru_cache(maxsize=512)
def _phrase_set(text: str) -> PhraseSet:
    """A persona's offer phrase as a phrase set (cached: the same phrases come back every turn)."""
    return PhraseSet([(text, "offer")])


_PEOPLE = frozenset(("supervisor", "manager", "specialist", "technician", "engineer", "assessor", "inspector"))


def _handed_to(m: Match, rt: Tokens, hands: Sequence[Match]) -> bool:
    """An offer that is only the person a hand-off goes to: "I'll pass it on to the manager"."""
    words = [w for w in rt.words[m.start:m.end] if w not in ("the", "a", "our", "my")]
    return bool(words) and all(w.rstrip("s") in _PEOPLE for w in words) and any(
        rt.sentence[h.start] == rt.sentence[m.start] for h in hands)


def score_solution(rt: Tokens, ct: Tokens, c: CompiledRubric, r: RubricModel, offer_phrases: Sequence[str],
                   persona_offers: Sequence[tuple[str, Match]] = (), reply: str = "",
                   customer: str = "") -> DimensionScore:
    """A concrete offer (the rubric's, or one of the persona's offer phrases said as an offer) is a hit; a refusal
    or a vague promise misses with a tip. The learned offer reading (`reply` given) may take back a hit the rubric's
    phrases and shapes found, never one of the persona's own offers: the trainer named those remedies."""
    s = r.solution
    hands = handoffs(rt, c)
    promises = overpromises(rt, c)
    good, refused = _offer_matches(rt, c)
    # An offer inside a hand-off or an over-promise is not one ("I'll pass it to the manager", "I guarantee ...").
    good = [m for m in good if not inside(m, hands) and not inside(m, promises) and not _handed_to(m, rt, hands)]
    # An offer of two words or more the customer said word for word, with no "I" or "we" before it in its clause,
    # restates what happened to them: "your Railcard was refunded at £21" after "it was refunded at £21 instead of
    # £30" (unlike "I'll get your money back" after "I want my money back", or "would you like a new one?").
    if good:
        clauses = clause_ids(rt)
        committed_at = [k.start for k, _ in c.commitments.find_all(rt)]
        good = [m for m in good if not _restated(m, rt, ct, clauses, committed_at)]
    if not good:
        shaped = _structural_offers(rt, c) + steps(rt) + amount_offers(rt, c)
        good, _ = _offer_matches(rt, c, shaped, structural=True)
        good = [m for m in good if not inside(m, hands) and not inside(m, promises)]
    costs = [m for m, _ in c.costs.find_all(rt)]
    # An "offer" inside a calm cost is not one: "you'll have to send it back", "I'd suggest reading the terms".
    good = [m for m in good if not any(overlaps(m, x) for x in costs)]
    suggestion = solution_tip(ct, c, r, offer_phrases)
    if good and not persona_offers and reply and s.learned.use:
        doubt = _read_as_no_remedy(reply, customer, [rt.span_text(m.start, m.end) for m in good], r)
        if doubt is not None:
            return DimensionScore("solution", s.vague_score, s.vague_score >= s.hit_at_or_above, doubt[0],
                                  f"{doubt[1]} {suggestion}")
    good = sorted(good + [m for _, m in persona_offers if not any(overlaps(m, x) for x in costs)],
                  key=lambda m: m.start)
    vague = [m for m, _ in c.vague.find_all(rt)]
    if good:
        ev = []
        for m in good:
            w = rt.span_text(m.start, m.end)
            if w not in ev:
                ev.append(w)
        return DimensionScore("solution", 1.0, 1.0 >= s.hit_at_or_above, tuple(ev), "")
    if promises:
        w = rt.span_text(promises[0].start, promises[0].end)
        return DimensionScore("solution", 0.0, False, (w,),
                              f"'{w}' promises what nobody can guarantee; commit to what you will do. {suggestion}")
    if hands:
        w = rt.span_text(hands[0].start, hands[0].end)
        score = s.vague_score
        return DimensionScore("solution", score, score >= s.hit_at_or_above, (w,),
                              f"'{w}' hands the problem on; say what will be done and by when. {suggestion}")
    if refused:
        clause_start = refused[0].start
        ids = clause_ids(rt)
        while clause_start > 0 and ids[clause_start - 1] == ids[refused[0].start]:
            clause_start -= 1
        said = rt.span_text(clause_start, refused[0].end)
        return DimensionScore("solution", 0.0, False, (said,),
                              f"'{said}' only says what you can't do; offer what you can. {suggestion}")
    if vague:
        w = rt.span_text(vague[0].start, vague[0].end)
        score = s.vague_score
        return DimensionScore("solution", score, score >= s.hit_at_or_above, (w,),
                              f"'{w}' is vague; give a concrete step and a time. {suggestion}")
    return DimensionScore("solution", 0.0, False, (), suggestion)


def _restated(m: Match, rt: Tokens, ct: Tokens, clauses: list[int], committed_at: list[int]) -> bool:
    n = m.end - m.start
    if n < 2 or any(rt.words[i] in ("i", "we") for i in range(m.start) if clauses[i] == clauses[m.start]) or any(
            k < m.start and clauses[k] == clauses[m.start] for k in committed_at):
        return False   # "I'll get your money back", "would you like a new one"
    return any(ct.words[i:i + n] == rt.words[m.start:m.end] for i in range(len(ct.words) - n + 1))


def _read_as_no_remedy(reply: str, customer: str, offered: list[str],
                       r: RubricModel) -> tuple[tuple[str, ...], str] | None:
    """(evidence, tip) when the learned offer reading finds no concrete remedy where the rules found offer words:
    "'manager' read as no concrete step; 'get the', 'review' weighed most (learned, 12% a solution)"; else None."""
    model = load_offer()
    if model is None:
        return None
    threshold = r.solution.learned.threshold if r.solution.learned.threshold is not None else model.threshold
    p, words = model.read(reply, against=True, customer=customer)
    if p >= threshold or not words:
        return None
    said = ", ".join(f"'{w}'" for w in dict.fromkeys(offered))
    evidence = (f"{said} read as no concrete step for the customer; {', '.join(repr(w) for w in words)} weighed most "
                f"(learned, {p:.0%} a solution)",)
    return evidence, (f"'{offered[0]}' does not yet fix it for them: say what you will do, and when "
                      f"(a refund, a replacement, a booking), not who will look at it.")


def solution_tip(ct: Tokens, c: CompiledRubric, r: RubricModel, offer_phrases: Sequence[str]) -> str:
    """A concrete thing to offer: the rubric's suggestion for what the customer raised, else the persona's offers."""
    for p, text in c.suggestions:
        if p.find(ct) is not None:
            return f"Try: '{text}'"
    if offer_phrases:
        return f"Offer something concrete this customer would accept, e.g. {', '.join(offer_phrases[:3])}."
    return r.solution.suggestions.get("default", "Offer a concrete next step with a time.")
