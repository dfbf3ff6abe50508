"""The paraphrase dimension: the customer's own facts, items and content words carried over into the reply, in the
rep's words (not parroted), with nothing contradicting what the customer said; and the restatement tip.

Facts (durations, money, counts, dates, numbers) come from `text.extract_facts`; items, synonyms, cues and the
points needed are the rubric's `paraphrase:` section.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from voicetrainer.scoring.phrases import CompiledRubric, overlaps
from voicetrainer.scoring.schema import RubricModel
from voicetrainer.text import (
    MONTHS,
    STOP_WORDS,
    WEEKDAYS,
    Fact,
    Match,
    Tokens,
    extract_facts,
    same_value,
    second_person,
    split_sentences,
    tokenize,
)
from voicetrainer.types import DimensionScore


@dataclass
class _Content:
    """What a text says that a restatement can carry over."""

    facts: list[Fact]
    items: dict[str, tuple[int, int]]      # item group -> first span
    words: dict[str, tuple[int, int]]      # synonym group or stem -> first span


def _content(t: Tokens, c: CompiledRubric, skip: set[int] | None = None) -> _Content:
    """Facts, items and content words of a text; tokens in `skip` (plans and offers) are left out."""
    facts = [f for f in extract_facts(t) if not skip or f.start not in skip]
    used = set(skip or ())
    for f in facts:
        used.update(range(f.start, f.end))
    items: dict[str, tuple[int, int]] = {}
    for m, g in c.items.find_all(t):
        if any(i in used for i in range(m.start, m.end)) or _verb_not_item(t, m, c):
            continue
        items.setdefault(g, (m.start, m.end))
        used.update(range(m.start, m.end))
    for m, _ in c.items.find_all(t):  # an item inside a plan still blocks its words from counting again
        used.update(range(m.start, m.end))
    words: dict[str, tuple[int, int]] = {}
    for m, g in c.synonyms.find_all(t):
        if any(i in used for i in range(m.start, m.end)):
            continue
        words.setdefault("syn:" + g, (m.start, m.end))
        used.update(range(m.start, m.end))
    for i, (w, s) in enumerate(zip(t.words, t.stems, strict=True)):
        if i in used or w in STOP_WORDS or s in c.generic or len(w) < 3 or not w.isalpha():
            continue
        words.setdefault(s, (i, i + 1))
    return _Content(facts, items, words)


_VERB_BEFORE = frozenset("i you we they he she to will would can could should please not did do let".split())
_FIRST_PERSON = frozenset(("i", "me", "my", "mine", "myself", "we", "us", "our", "ours"))


def _verb_not_item(t: Tokens, m: Match, c: CompiledRubric) -> bool:
    """Whether a one-word item match is really a verb: "I booked the hotel" names the hotel, not a booking."""
    if m.end - m.start != 1:
        return False
    w = t.words[m.start]
    if w in c.item_words:
        prev = t.words[m.start - 1] if m.start > 0 else ""
        return prev in _VERB_BEFORE and prev not in ("the", "a", "my", "your")
    return w.endswith(("ed", "ing"))


def _longest_common_run(a: Sequence[str], b: Sequence[str], marked: frozenset[str] = frozenset()) -> tuple[int, int]:
    """(longest run of words in a row shared by a and b, longest such run containing a word from `marked`)."""
    best = best_marked = 0
    prev = [0] * (len(b) + 1)
    prev_m = [False] * (len(b) + 1)
    for x in a:
        cur = [0] * (len(b) + 1)
        cur_m = [False] * (len(b) + 1)
        for j, y in enumerate(b):
            if x == y:
                cur[j + 1] = prev[j] + 1
                cur_m[j + 1] = prev_m[j] or x in marked
                if cur[j + 1] > best:
                    best = cur[j + 1]
                if cur_m[j + 1] and cur[j + 1] > best_marked:
                    best_marked = cur[j + 1]
        prev, prev_m = cur, cur_m
    return best, best_marked


def _restating(t: Tokens, f: Fact, future_sents: set[int]) -> bool:
    """Whether a fact in the reply is said as a restatement (not an offer or a plan)."""
    return t.sentence[f.start] not in future_sents


def score_paraphrase(ct: Tokens, rt: Tokens, customer: str, c: CompiledRubric,
                     r: RubricModel) -> tuple[DimensionScore, list[str]]:
    """The paraphrase score and the facts the reply got wrong ("two weeks (customer said three weeks)")."""
    p = r.paraphrase
    cc = _content(ct, c)
    # Only what the reply restates counts: from the first plan/offer marker to the end of its sentence is the plan
    # ("I'll put the hundred and fifty back on your card" restates nothing), unless the marker starts no plan
    # ("I can see the charge from May").
    not_plans = [m for m, _ in c.not_plans.find_all(rt)]
    future = [m for m, _ in c.future.find_all(rt) if not any(overlaps(m, x) for x in not_plans)]
    plan: set[int] = set()
    for m in future:
        sent = rt.sentence[m.start]
        i = m.start
        while i < len(rt.words) and rt.sentence[i] == sent:
            plan.add(i)
            i += 1
    rc = _content(rt, c, plan)
    evidence: list[str] = []

    # Facts: a customer fact is carried over when the reply says the same value.
    matched_facts = 0
    for f in cc.facts:
        for g in rc.facts:
            if same_value(f, g):
                matched_facts += 1
                evidence.append(rt.span_text(g.start, g.end))
                break
    # Wrong facts: only in sentences that restate (not plans or offers, not the rep talking about themselves).
    future_sents = {rt.sentence[m.start] for m in future}
    future_sents |= {rt.sentence[i] for i, w in enumerate(rt.words) if w == "i"}
    wrong: list[str] = []
    cue_sents = {rt.sentence[m.start] for m, _ in c.cues.find_all(rt)}
    for g in rc.facts:
        if not _restating(rt, g, future_sents):
            continue
        if g.kind == "bare" and rt.sentence[g.start] not in cue_sents:
            continue  # a bare number contradicts only inside an explicit restatement ("so ... eighty more?")
        family = ("money", "number", "bare") if g.kind in ("money", "number", "bare") else (g.kind,)
        same_kind = [f for f in cc.facts if f.kind in family and f.kind != "bare"]
        if same_kind and not any(same_value(f, g) for f in same_kind):
            if not g.exact and any(abs(f.value - g.value) <= 0.5 * max(f.value, g.value) for f in same_kind):
                continue  # vague and roughly right is not wrong
            wrong.append(f"{g.text} (customer said {same_kind[0].text})")
    # Wrong items: the reply puts a different item in the customer's item's slot (a different product, weekday or
    # month) and never names the customer's one. Naming an extra item next to the customer's is adding, not wrong.
    cust_items = [k for k in cc.items if not k.startswith("thing:")]
    matched_sents = {rt.sentence[g.start] for g in rc.facts if any(same_value(f, g) for f in cc.facts)}
    matched_sents |= {rt.sentence[m.start] for m, _ in c.cues.find_all(rt)}
    named_anywhere = set(_content(rt, c).items)
    for k, (s, e) in rc.items.items():
        sent = rt.sentence[s]
        if k.startswith("thing:") or k in cc.items or sent in future_sents or sent not in matched_sents:
            continue
        same_slot = [g for g in cust_items if _item_slot(g) == _item_slot(k)]
        if not same_slot or any(g in named_anywhere for g in same_slot):
            continue
        wrong.append(f"{rt.span_text(s, e)} (customer said {ct.span_text(*cc.items[same_slot[0]])})")

    matched_items = [k for k in rc.items if k in cc.items]
    for k in matched_items:
        evidence.append(rt.span_text(*rc.items[k]))
    matched_words = [k for k in rc.words if k in cc.words]
    for k in matched_words:
        evidence.append(rt.span_text(*rc.words[k]))

    pts = p.points
    points = pts.fact * matched_facts + pts.item * len(matched_items) + pts.word * len(matched_words)
    possible = pts.fact * len(cc.facts) + pts.item * len(cc.items) + pts.word * len(cc.words)
    cues = c.cues.find_all(rt)
    if points > 0 and cues:
        points += p.cue_points
    needed = min(p.needed, max(1.0, p.needed_fraction * possible))
    score = min(1.0, points / needed) if possible else 0.0

    if not possible:
        # Nothing to restate ("Yes, exactly. Thank you."): paraphrase is not applicable and is not held against
        # the rep. (The session passes the customer's opening with the latest line, so the problem is usually there.)
        return DimensionScore("paraphrase", 1.0, True, (), ""), []

    # Parroting is copying the customer's words verbatim, their "I" and "my" included; a restatement that swaps
    # I/you ("you sent your headphones back ...") is the rep's own words. A very long verbatim run (half again
    # `parrot_run_words`) is parroting even without a pronoun.
    run, run_fp = _longest_common_run(ct.words, rt.words, _FIRST_PERSON)
    parrot = len(ct.words) >= 4 and (run_fp >= p.parrot_run_words or run >= 1.5 * p.parrot_run_words
                                     or run_fp >= max(5, p.parrot_fraction * len(ct.words)))

    tip = ""
    if wrong:
        score = min(score, 0.1)
        tip = (f"You said {wrong[0].replace(' (customer said ', ' but the customer said ').rstrip(')')}. "
               f"Check the facts and restate them: {paraphrase_tip(customer, ct, prefix=False)}")
    elif parrot:
        score = min(score, 0.2)
        tip = f"Don't repeat the customer word for word; restate it in your own words. {paraphrase_tip(customer, ct)}"
    hit = score >= p.hit_at_or_above and not wrong and not parrot
    if not hit and not tip:
        tip = paraphrase_tip(customer, ct)
    # evidence in reply order, no duplicates
    seen: list[str] = []
    for words in evidence:
        if words and words not in seen:
            seen.append(words)
    return DimensionScore("paraphrase", score, hit, tuple(seen), "" if hit else tip), wrong


_TIP_GENERIC = frozenset("""thank thanks please yes yeah exactly right okay sorry great good fine sure hello hi hey
sir madam really just well saying said tell told want need know think feel""".split())

_LEADS = ("look,", "listen,", "honestly,", "seriously,", "okay,", "ok,", "well,", "right,", "hi,", "hello,", "yes,",
          "no,", "so,", "and", "but")


_GENERIC_TIP = "Restate what the customer told you in your own words, starting with 'So ...'."


def _item_slot(group: str) -> str:
    """The slot an item fills in a restatement: a weekday, a month, or a product/thing."""
    g = group.split("|")[0]
    return "weekday" if g in WEEKDAYS else "month" if g in MONTHS else "item"


def paraphrase_tip(customer: str, ct: Tokens, prefix: bool = True) -> str:
    """'Try: "So you sent the headphones back three weeks ago ...?"' built from the customer's own line.

    The sentence with the most facts and content words is used; a line with no such sentence ("Yes, exactly.
    Thank you.") gets a general tip rather than a garbled one.
    """
    def weight(s: str) -> tuple[int, int]:
        t = tokenize(s)
        content = sum(1 for w in t.words
                      if w not in STOP_WORDS and w not in _TIP_GENERIC and len(w) > 2 and w.isalpha())
        return (len(extract_facts(t)) * 3 + content + (0 if s.rstrip().endswith("?") else 2), len(t))

    sentences = [x for x in split_sentences(customer) if len(tokenize(x)) >= 3 and weight(x)[0] >= 4]
    if not sentences:
        return _GENERIC_TIP
    best = max(sentences, key=weight)
    s = best.strip().rstrip(".!?").strip()
    low = s.lower()
    for lead in _LEADS:
        if low.startswith(lead + " ") or low.startswith(lead):
            s = s[len(lead):].strip()
            low = s.lower()
    s = second_person(s)
    if s[:1].isupper() and not s.startswith("I "):
        s = s[0].lower() + s[1:]
    text = f"So {s}?"
    return f"Try: '{text}'" if prefix else f"'{text}'"
