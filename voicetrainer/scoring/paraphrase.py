"""The paraphrase dimension: the customer's own facts, items and content words carried over into the reply, in the
rep's words (not parroted), with nothing contradicting what the customer said; and the restatement tip.

Facts (durations, money, counts, dates, numbers) come from `text.extract_facts`; items, synonyms, cues and the
points needed are the rubric's `paraphrase:` section.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from voicetrainer.scoring.clauses import clause_ids
from voicetrainer.scoring.facts import Content, content, not_restating, roles, same_role, wrong_facts
from voicetrainer.scoring.phrases import CompiledRubric
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
    split_number_runs,
    split_sentences,
    tokenize,
)
from voicetrainer.types import DimensionScore

_FIRST_PERSON = frozenset(("i", "me", "my", "mine", "myself", "we", "us", "our", "ours"))
# A quotation in the reply: an opening quote after a space, a closing one before a non-word, apostrophes inside words
_QUOTED = re.compile(r"(?:^|(?<=[\s(]))['‘\"“]((?:[^'’\"”]|(?<=\w)['’](?=\w))+?)['’\"”](?=\W|$)")


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


def _wrong_items(ct: Tokens, rt: Tokens, cc: Content, rc: Content, c: CompiledRubric,
                 restating: set[int], no_wrong: set[int]) -> list[str]:
    """A different item in the customer's item's slot (another product, weekday, month, side, colour, country) in a
    restating clause, while the customer's own one is never named: "the right leg" for the left, "a trip to Spain"
    for France. Naming an extra item next to the customer's ("the gift receipt" for "the receipt") is adding."""
    cust_items = [k for k in cc.items if not k.startswith("thing:")]
    named_anywhere = set(content(rt, c).items)
    out = []
    clauses = clause_ids(rt)
    planning = _planning_clauses(rt, clauses)
    for k, (s, e) in rc.items.items():
        if k.startswith("thing:") or k in cc.items or rt.sentence[s] not in restating or s in no_wrong:
            continue
        if _item_slot(k) in ("weekday", "month") and clauses[s] in planning:
            continue   # "I'll send the link by Thursday", "I've reissued it, arriving Thursday": a new day, planned
        # the customer's ones of this slot the reply never names: "done in May" for "March" beside "July" said right
        missing = [g for g in cust_items if _item_slot(g) == _item_slot(k) and g not in named_anywhere]
        if not missing:
            continue
        out.append(f"{rt.span_text(s, e)} (customer said {ct.span_text(*cc.items[missing[0]])})")
    return out + _shifted_days(ct, rt, cc, rc, c, restating, no_wrong) + _wrong_names(ct, rt, cc, rc, restating,
                                                                                          no_wrong)


def _shifted_days(ct: Tokens, rt: Tokens, cc: Content, rc: Content, c: CompiledRubric, restating: set[int],
                  no_wrong: set[int]) -> list[str]:
    """A day the customer said, put where another of their days was: "the engineer came on sunday" for "came on
    Saturday ... by Sunday it had lost half the water" (each day placed by the words around it)."""
    def place(t: Tokens, span: tuple[int, int]) -> set[str]:
        return roles(t, Fact("item", 0.0, "", span[0], span[1]), c)

    days = [k for k in cc.items if _item_slot(k) == "weekday"]
    out = []
    for k, span in rc.items.items():
        if k not in days or rt.sentence[span[0]] not in restating or span[0] in no_wrong:
            continue
        here = place(rt, span)
        own = place(ct, cc.items[k])
        for other in days:
            theirs = place(ct, cc.items[other])
            if other != k and here & theirs and not here & own and other not in rc.items:
                out.append(f"{rt.span_text(*span)} (customer said {ct.span_text(*cc.items[other])})")
                break
    return out


# "I'm sorry", "we're aware": a state of the rep's, not an action planned or reported
_STATES = frozenset("sorry afraid glad aware sure really so very truly genuinely not happy pleased here still".split())


def _planning_clauses(rt: Tokens, clauses: list[int]) -> set[int]:
    """Clauses in which the rep plans or reports an action of their own, or a delivery to come ("it arrives on
    Wednesday"), with the clauses after them in their sentence ("I've reissued it, arriving Thursday"); a spoken
    run-on sentence is one sentence, so the clause before a plan ("you cancelled in may and i'll refund both") still
    restates."""
    out: set[int] = set()
    for i, w in enumerate(rt.words):
        nxt = rt.words[i + 1] if i + 1 < len(rt.words) else ""
        if w in ("will", "going", "gonna", "arriving", "arrives", "ships", "due") or (
                w in ("have", "am", "are") and i > 0 and rt.words[i - 1] in ("i", "we") and nxt not in _STATES):
            out.update(clauses[j] for j in range(i, len(rt.words)) if rt.sentence[j] == rt.sentence[i])
    return out


def _wrong_names(ct: Tokens, rt: Tokens, cc: Content, rc: Content, restating: set[int],
                 no_wrong: set[int]) -> list[str]:
    """Another word in a name the customer said: "the Regent Street store" for "your Oxford Street store", "Gatwick
    Airport" for "Manchester Airport" (a word of their own in the slot, and their name never said)."""
    out = []
    said = set(rt.stems)
    for stem_, (i, _) in cc.names.items():
        if stem_ in said or i + 1 >= len(ct.words):
            continue
        nxt = ct.stems[i + 1]
        if nxt not in cc.names:   # only inside a name of two capitalised words
            continue
        for k in range(len(rt.words) - 1):
            if rt.stems[k + 1] == nxt and rt.stems[k] not in set(ct.stems) and rt.words[k].isalpha() \
                    and rt.words[k] not in STOP_WORDS and rt.sentence[k] in restating and k not in no_wrong:
                out.append(f"{rt.span_text(k, k + 2)} (customer said {ct.span_text(i, i + 2)})")
                break
    # the same name with another kind of place: "Mill Road" for "Mill Lane", "Elm Park" for "Elm Street"
    for stem_, (i, _) in cc.names.items():
        if i + 1 >= len(ct.words) or ct.words[i + 1] not in _PLACES or ct.stems[i + 1] in said:
            continue
        for k in range(len(rt.words) - 1):
            if rt.stems[k] == stem_ and rt.words[k + 1] in _PLACES and rt.words[k + 1] != ct.words[i + 1] \
                    and rt.sentence[k] in restating and k not in no_wrong:
                out.append(f"{rt.span_text(k, k + 2)} (customer said {ct.span_text(i, i + 2)})")
                break
    return out


_PLACES = frozenset("""street road lane avenue park station square close drive way hill place terrace gardens crescent
grove court row green common market mews parade""".split())


# Words that join two of the customer's values in an order that matters: "14 June instead of 21 June", "King's Cross
# to Camden", "£6,800 of the £9,500". The same two values joined the other way round in the reply are swapped.
_JOINERS = {"instead": "instead", "rather": "instead", "not": "instead", "vs": "instead", "versus": "instead",
            "over": "instead", "to": "to", "of": "of", "out": "of"}
_JOIN_GAP = 4   # words between the two values, the joiner among them ("£38.50 instead of my usual £2.75")


def _values(t: Tokens, cont: Content) -> list[tuple[object, int, int]]:
    """The values of a text in order: (fact or item/name key, start, end)."""
    out: list[tuple[object, int, int]] = [(f, f.start, f.end) for f in cont.facts if f.exact]
    ends = {f.end for f in cont.facts}   # "14 June": the month after a date is part of it
    out += [("item:" + k, a, b) for k, (a, b) in cont.items.items() if not k.startswith("thing:") and a not in ends]
    # a name of several capitalised words is one value: "King's Cross"
    names = sorted(cont.names.items(), key=lambda kv: kv[1][0])
    merged: list[tuple[str, int, int]] = []
    for k, (a, b) in names:
        if merged and a <= merged[-1][2] + 1 and list(t.words[merged[-1][2]:a]) in ([], ["s"]):
            merged[-1] = (merged[-1][0] + " " + k, merged[-1][1], b)
        else:
            merged.append((k, a, b))
    out += [("name:" + k, a, b) for k, a, b in merged]
    return sorted(out, key=lambda v: v[1])


def _same(a: object, b: object) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    return same_value(a, b)  # type: ignore[arg-type]


def _joined(t: Tokens, vals: list[tuple[object, int, int]]) -> list[tuple[object, str, object, int, int]]:
    """Pairs of values in a row joined by a word of `_JOINERS`: (first, joiner family, second, start, end)."""
    out = []
    for (a, as_, ae), (b, bs, be) in zip(vals, vals[1:], strict=False):
        between = t.words[ae:bs]
        if 0 < len(between) <= _JOIN_GAP and t.sentence[ae - 1] == t.sentence[bs]:
            # "to" and "of" join only next to the second value ("King's Cross to Camden", "two of the five"), not
            # as a verb's "to" further back ("30417, was supposed to arrive Friday")
            fams = [_JOINERS[w] for k, w in enumerate(between) if w in _JOINERS
                    and (_JOINERS[w] == "instead" or k >= len(between) - 2)]
            if fams:
                out.append((a, fams[0], b, as_, be))
    return out


def _swapped_pairs(ct: Tokens, rt: Tokens, cc: Content, rc: Content) -> list[str]:
    """Two of the customer's values joined the other way round: "21 June rather than 14 June" for "14 June instead of
    21 June", "Camden to King's Cross" for "King's Cross to Camden"."""
    cust = _joined(ct, _values(ct, cc))
    out = []
    for a, fam, b, s, e in _joined(rt, _values(rt, rc)):
        if any(_same(a, y) and _same(b, x) and f == fam for x, f, y, _, _ in cust) \
                and not any(_same(a, x) and _same(b, y) and f == fam for x, f, y, _, _ in cust):
            said = next(ct.span_text(cs, ce) for x, f, y, cs, ce in cust if _same(a, y) and _same(b, x) and f == fam)
            out.append(f"{rt.span_text(s, e)} (customer said {said})")
    return out


def score_paraphrase(ct: Tokens, rt: Tokens, customer: str, c: CompiledRubric, r: RubricModel,
                     costs: Sequence[tuple[Match, str]] = (), reply: str = "") -> tuple[DimensionScore, list[str]]:
    """The paraphrase score and the facts the reply got wrong ("two weeks (customer said three weeks)").

    Only what the reply restates counts: the words of plans and offers, the rep's own actions ("I've moved you") and
    questions ("do you know where your email is") restate nothing, though the customer's own values said in a plan
    or a jab do ("I'll put the hundred and fifty back on your card"). A hit needs something specific of the
    customer's (a fact, an item, a name); topic words alone ("your bill", "the refund", "the tax office") are not a
    restatement, and neither is anything when the customer has said nothing specific yet ("Hi, I need help").
    """
    p = r.paraphrase
    cc = content(ct, c)
    rt = split_number_runs(rt, cc.facts)   # "you paid two eighty two weeks ago": £280 and two weeks
    skip, no_wrong, values_count = not_restating(rt, c, costs, ct)
    times = any(f.kind == "time" for f in cc.facts)
    other = "times" if times else "amounts" if any(f.kind in ("money", "number") for f in cc.facts) else ""
    rc = content(rt, c, skip, other=other, known=cc.facts)
    # The customer's own values said inside a plan or a jab are carried over too ("I'll reprint the 120 on ivory
    # with the 21st", "it's $250, not the end of the world"): the blind labels count them. Their other words do not.
    in_plans = content(rt, c, skip - values_count, other=other, known=cc.facts)
    rc.facts = in_plans.facts
    rc.names = {**in_plans.names, **rc.names}   # "come to Kingsway tomorrow" carries the branch over too
    rall = content(rt, c, other=other, known=cc.facts)
    evidence: list[str] = []

    matched_facts = 0
    for f in cc.facts:
        for g in rc.facts:
            if same_value(f, g) and same_role(ct, f, cc.facts, rt, g, rc.facts, c):
                matched_facts += 1
                evidence.append(rt.span_text(g.start, g.end))
                break
    cue_sents = {rt.sentence[m.start] for m, _ in c.cues.find_all(rt)}
    wrong = [f"{g.text} (customer said {f.text})"
             for g, f in wrong_facts(ct, rt, cc.facts, rall.facts, no_wrong, c, cue_sents)]
    # a different item is wrong only where the reply is plainly restating: a sentence with a matched fact or a cue
    restating = {rt.sentence[g.start] for g in rc.facts if any(same_value(f, g) for f in cc.facts)}
    restating |= {rt.sentence[m.start] for m, _ in c.cues.find_all(rt)}
    restating |= {rt.sentence[s] for k, (s, _) in rc.items.items() if k in cc.items}
    wrong += _wrong_items(ct, rt, cc, rc, c, restating, no_wrong)
    wrong += _swapped_pairs(ct, rt, cc, rall)

    matched_items = [k for k in rc.items if k in cc.items]
    matched_names = [k for k in rc.names if k in cc.names or k in cc.words]
    matched_names += [k for k in rc.words if k in cc.names and k not in matched_names]
    matched_pairs = [k for k in rc.pairs if k in cc.pairs]
    matched_words = [k for k in rc.words if k in cc.words]
    for k in matched_items:
        evidence.append(rt.span_text(*rc.items[k]))
    for k in matched_words:
        evidence.append(rt.span_text(*rc.words[k]))

    pts = p.points
    points = pts.fact * matched_facts + pts.item * len(matched_items) + pts.word * len(matched_words)
    points += pts.name * len(matched_names) + pts.pair * len(matched_pairs)
    # Two of the customer's words in a row add points but are not specific alone: "season tickets", "the tax
    # office", "your returns team" name the topic, not what happened.
    specific = matched_facts + len(matched_items) + len(matched_names)
    cust_specific = len(cc.facts) + len([k for k in cc.items if not k.startswith("thing:")]) + len(cc.names)
    possible = pts.fact * len(cc.facts) + pts.item * len(cc.items) + pts.word * len(cc.words)
    cues = c.cues.find_all(rt)
    if points > 0 and cues:
        points += p.cue_points
    needed = max(min(p.needed, max(1.0, p.needed_fraction * possible)), p.share_needed * possible)
    score = min(1.0, points / needed) if possible else 0.0
    if not specific:
        score = min(score, p.topic_only_score)

    if not cust_specific and len(cc.words) <= p.nothing_said_words:
        # The customer has said nothing specific yet ("Hi, I need help."): there is nothing to restate, so nothing
        # is restated; the tip says to ask.
        return DimensionScore("paraphrase", 0.0, False, (), _NOTHING_SAID_TIP), []

    # Parroting is copying the customer's words verbatim, their "I" and "my" included; a restatement that swaps
    # I/you ("you sent your headphones back ...") is the rep's own words. A very long verbatim run (half again
    # `parrot_run_words`) is parroting even without a pronoun.
    # words the rep sets in quotation marks are quoted on purpose ("'I want the £17.98 back.' Agreed."), not parroted
    unquoted = tokenize(_QUOTED.sub(" ", reply)).words if reply and _QUOTED.search(reply) else rt.words
    run, run_fp = _longest_common_run(ct.words, unquoted, _FIRST_PERSON)
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
    if not hit and not tip and specific and evidence:
        # Some of it came back, not enough of what they said ("the £180 is only a quote"): name what did.
        tip = (f"You gave back '{evidence[0]}'; restate what happened to them: "
               f"{paraphrase_tip(customer, ct, prefix=False)}")
    elif not hit and not tip:
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
_NOTHING_SAID_TIP = ("Restate the problem once the customer has told you what it is: ask what happened first "
                     "('What's happened with your booking?').")


def _item_slot(group: str) -> str:
    """The slot an item fills in a restatement: a weekday, a month, or a product/thing."""
    g = group.split("|")[0]
    if g.startswith("contrast"):
        return g.split(":")[0]
    last = g.split()[-1] if g.split() else g   # "in may" is the month May
    return "weekday" if last in WEEKDAYS else "month" if last in MONTHS else "item"


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
