"""What a text says that a restatement can carry over, which parts of a reply restate, and how the reply's facts
line up with the customer's: by value, by unit and by role.

- `content`: facts (amounts, durations, counts, dates, times, ordinals; units carried to bare numbers), items
  (the rubric's products and things, and its `contrasts`: left/right, colours, countries), names (the customer's
  capitalised words: "Frankfurt", "Jade"), word pairs ("oak dresser", "flood risk") and content words.
- `restating`: the clauses of a reply that restate, rather than plan ("I'll refund the 89"), report the rep's own
  action ("I've moved you onto it") or ask for something ("do you know where your email is").
- `wrong_facts`: a value that contradicts the customer's, found by role (the words around it: the reply's "usual
  89" where the customer's usual was 25; "a sixteen pound wash" for a £6 one), or by elimination (the customer's
  time was 2:30, the reply restates 3:30); sums and differences of the customer's values are not wrong ("£204 in
  total", "the £55 difference").

Pure: tokens and the compiled rubric in, spans out; what they score is paraphrase.py's.
"""

from __future__ import annotations

from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from voicetrainer.scoring.clauses import clause_ids
from voicetrainer.scoring.phrases import CompiledRubric, overlaps
from voicetrainer.text import (
    ID_WORDS,
    MONTHS,
    STOP_WORDS,
    WEEKDAYS,
    Fact,
    Match,
    Tokens,
    carry_units,
    clock_hours,
    extract_facts,
    is_number_word,
    same_value,
)


@dataclass
class Content:
    """What a text says that a restatement can carry over (each with its first token span)."""

    facts: list[Fact]
    items: dict[str, tuple[int, int]]      # item group -> span
    words: dict[str, tuple[int, int]]      # synonym group or stem -> span
    names: dict[str, tuple[int, int]] = field(default_factory=dict)   # stem of a capitalised word -> span
    pairs: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)   # two content stems in a row


_VERB_BEFORE = frozenset("i you we they he she to will would can could should please not did do let".split())


def _verb_not_item(t: Tokens, m: Match, c: CompiledRubric) -> bool:
    """Whether a one-word item match is really a verb: "I booked the hotel" names the hotel, not a booking."""
    if m.end - m.start != 1:
        return False
    w = t.words[m.start]
    if w in c.item_words:
        prev = t.words[m.start - 1] if m.start > 0 else ""
        return prev in _VERB_BEFORE and prev not in ("the", "a", "my", "your")
    return w.endswith(("ed", "ing"))


_DISCOURSE_SIDES = frozenset(("right", "left", "single", "double", "top", "bottom"))
_DETERMINERS = frozenset(("the", "a", "an", "your", "my", "his", "her", "their", "our", "on", "to", "from"))


def _not_a_side(t: Tokens, m: Match, group: str) -> bool:
    """"Right, so ..." and "that's right" name no side: a contrast word that is also a discourse word counts only
    before a noun or after a determiner ("the right leg", "on the left")."""
    if not group.startswith("contrast") or t.words[m.start] not in _DISCOURSE_SIDES:
        return False
    nxt = t.words[m.end] if m.end < len(t.words) else ""
    prev = t.words[m.start - 1] if m.start > 0 else ""
    return not (prev in _DETERMINERS or (nxt.isalpha() and nxt not in STOP_WORDS and not t.breaks[m.end]))


def _is_content(t: Tokens, i: int, c: CompiledRubric) -> bool:
    w = t.words[i]
    return w not in STOP_WORDS and t.stems[i] not in c.generic and len(w) >= 3 and w.isalpha()


def _names(t: Tokens, c: CompiledRubric) -> dict[str, tuple[int, int]]:
    """Capitalised words inside a sentence: the customer's places, people, brands ("Frankfurt", "Dr Patel")."""
    out: dict[str, tuple[int, int]] = {}
    for i, w in enumerate(t.words):
        if i == 0 or t.sentence[i] != t.sentence[i - 1] or not _is_content(t, i, c):
            continue
        surface = t.surface[t.origin[i]]
        if surface[:1].isupper() and not surface.isupper() and w not in WEEKDAYS and w not in MONTHS:
            out.setdefault(t.stems[i], (i, i + 1))
    return out


def _pairs(t: Tokens, c: CompiledRubric, skip: set[int], gap: int) -> dict[tuple[str, str], tuple[int, int]]:
    """Two content words in a row (up to `gap` small words between them) in one clause: "oak dresser"."""
    clauses = clause_ids(t)
    out: dict[tuple[str, str], tuple[int, int]] = {}
    idx = [i for i in range(len(t.words)) if i not in skip and _is_content(t, i, c)]
    for a, b in zip(idx, idx[1:], strict=False):
        if b - a - 1 <= gap and clauses[a] == clauses[b]:
            out.setdefault((t.stems[a], t.stems[b]), (a, b + 1))
    return out


def _reconcile_times(t: Tokens, facts: list[Fact], other: str, known: Sequence[Fact] = ()) -> list[Fact]:
    """Spoken numbers read the way the other side used them: "up from six fifty" (read as a time after "from") is
    650 to a customer who gave amounts and no times; "the two fifteen on june third" is 2:15 to one who gave times.

    Args:
        other: "amounts" (the customer gave amounts, no times), "times" (they gave times), or "" (leave as read).
        known: the customer's facts: a number that says one of their amounts stays an amount ("he charged you two
            forty" to one who gave a time and £240), as does one said with "hundred" or "and".
    """
    if not other:
        return facts
    out = []
    for f in facts:
        spoken = not any(x in f.text.lower() for x in (":", "am", "pm", "clock", "$", "£", "€"))
        if f.kind == "time" and spoken and f.value >= 1 and f.value != int(f.value):
            raw = round(int(f.value) * 100 + (f.value - int(f.value)) * 60)
            amount = Fact("number", float(raw), f.text, f.start, f.end)
            if other == "amounts" or (any(same_value(k, amount) for k in known)
                                      and not any(same_value(k, f) for k in known)):
                f = amount   # "at one twenty each" to a customer who paid £120 each
        elif other == "times" and f.kind == "number" and spoken and 100 <= f.value < 1300 \
                and f.value % 100 < 60 and f.value == int(f.value) \
                and not any(w in f.text.lower().split() for w in ("hundred", "thousand", "and")) \
                and not any(same_value(k, f) for k in known):
            f = Fact("time", clock_hours(f.value), f.text, f.start, f.end)
        out.append(f)
    return out


def content(t: Tokens, c: CompiledRubric, skip: set[int] | None = None, gap: int = 1, other: str = "",
            known: Sequence[Fact] = ()) -> Content:
    """Facts, items, names, pairs and content words of a text; tokens in `skip` (what does not restate) left out.
    `other`: how the customer used numbers ("amounts" or "times"), to read the reply's spoken numbers alike;
    `known`: the customer's facts."""
    skip = skip or set()
    facts = _reconcile_times(t, carry_units(t, extract_facts(t)), other, known)
    facts = [f for f in facts if f.start not in skip]
    used = set(skip)
    for f in facts:
        used.update(range(f.start, f.end))
    items: dict[str, tuple[int, int]] = {}
    for m, g in c.items.find_all(t):
        if any(i in used for i in range(m.start, m.end)) or _verb_not_item(t, m, c) or _not_a_side(t, m, g):
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
    for i in range(len(t.words)):
        if i not in used and _is_content(t, i, c):
            words.setdefault(t.stems[i], (i, i + 1))
    names = {k: v for k, v in _names(t, c).items() if v[0] not in skip}
    return Content(facts, items, words, names, _pairs(t, c, skip, gap))


# --- which parts of a reply restate --------------------------------------------------------------------------------

_ASKS = frozenset(("do", "did", "does", "can", "could", "would", "will", "have", "has", "are", "were"))
_WH = frozenset(("what", "where", "when", "why", "how", "which", "who"))
_LEAD = frozenset(("okay", "ok", "right", "so", "and", "but", "now", "oh", "well", "yeah", "yes", "alright", "sure"))
_PERCEIVE = frozenset("""know see understand hear imagine get think feel appreciate hope agree believe realise realize
guess wish sorry afraid glad looked checked read reviewed listened pulled""".split())
_ACT_AUX = frozenset(("have", "am", "are", "has"))


def _clause_spans(clauses: list[int]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for i, k in enumerate(clauses):
        if spans and clauses[spans[-1][0]] == k:
            spans[-1] = (spans[-1][0], i + 1)
        else:
            spans.append((i, i + 1))
    return spans


def _acts(t: Tokens, a: int, b: int) -> bool:
    """A clause reporting the rep's own action: "I've moved you onto it", "I'm putting it back", "we've booked"."""
    for i in range(a, b - 2):
        if t.words[i] in ("i", "we") and t.words[i + 1] in _ACT_AUX:
            j = i + 2
            while j < b and t.words[j] in ("just", "now", "also", "already", "actually", "gone", "ahead", "and"):
                j += 1
            if j < b and t.words[j] not in _PERCEIVE and t.words[j] not in STOP_WORDS \
                    and t.words[j].endswith(("ed", "ing", "en")) or j < b and t.words[j] in (
                    "put", "sent", "got", "made", "set", "done", "given", "taken", "cut", "paid", "moved"):
                return True
    return False


def _asks(t: Tokens, a: int, b: int) -> bool:
    """A question for information: "do you know where your email is", "what's the booking name"."""
    i = a
    while i < b and t.words[i] in _LEAD:
        if t.words[i] == "so":
            return False   # "so you were charged twice?" restates
        i += 1
    if i >= b:
        return False
    w = t.words[i]
    nxt = t.words[i + 1] if i + 1 < b else ""
    return (w in _ASKS and nxt == "you") or (w in _WH and nxt not in ("a", "an"))


_NEAR = 4   # words either side of a calm cost that restate nothing
_RUN_ON = 10   # words of an unpunctuated plan
_RESTATING_SUBJECTS = frozenset("""you your it that this the they there he she his her their its these those""".split())
_JOINS = frozenset(("and", "so", "but", "then", "or", "also", "now", "because"))


def _opens_restatement(t: Tokens, a: int, b: int) -> bool:
    """Whether a clause opens on a subject other than the rep ("you were on $9.99", "so it's £204 in total")."""
    i = a
    while i < b and t.words[i] in _JOINS:
        i += 1
    return i < b and t.words[i] in _RESTATING_SUBJECTS


_USUAL = frozenset(("usual", "usually", "normal", "normally", "typical", "typically"))


def not_restating(t: Tokens, c: CompiledRubric, costs: Sequence[tuple[Match, str]] = (),
                  customer: Tokens | None = None) -> tuple[set[int], set[int], set[int]]:
    """Tokens of a reply that do not restate, those where a new value is no wrong fact (plans, questions, and
    the clauses reporting the rep's own action: "I've moved you to the 1:20 connection"), and those where the
    customer's own values still count as carried over (all but the questions: "I'll refund the 52", "Oh come on,
    it's $250, not the end of the world" say the customer's figures, however rudely).

    - a plan: from a plan marker ("I'll", "if", "would you like"; "usually" only when the customer said none) to
      the end of its clause and of the clauses after it in its sentence, until one opens on another subject ("As
      you'd know if you read our emails, you were on $9.99" restates after the comma); a marker inside a
      `not_plans` phrase starts none ("I can see the charge"); in unpunctuated speech a plan reaches 10 words;
    - a clause asking for something ("do you know where your email is");
    - a clause holding a calm cost of the rubric's `not_restating_costs` groups: the customer's fact used against
      them is not a restatement ("Oh, only 55 minutes?", "Ten years or not, rules are rules").
    """
    clauses = clause_ids(t)
    spans = _clause_spans(clauses)
    span_of = {i: k for k, (a, b) in enumerate(spans) for i in range(a, b)}
    not_plans = [m for m, _ in c.not_plans.find_all(t)]
    out: set[int] = set()
    # Whisper's unpunctuated speech (a break every 20 words or fewer): a plan there is said and left behind
    run_on = sum(t.breaks) * 20 <= len(t.words)
    usual = customer is not None and any(w in _USUAL for w in customer.words)
    for m, _ in c.future.find_all(t):
        if any(overlaps(m, x) for x in not_plans) or (usual and t.words[m.start] in _USUAL):
            continue   # "you normally pay fifty" restates a customer who said what they usually pay
        k = span_of[m.start]
        end = spans[k][1]
        if run_on and end - m.start > _RUN_ON and not any(t.breaks[m.start + 1:end]):
            end = m.start + _RUN_ON   # an unpunctuated spoken run: the plan is said and the speaker moves on
            out.update(range(m.start, end))
            continue
        out.update(range(m.start, end))
        k += 1
        while k < len(spans) and t.sentence[spans[k][0]] == t.sentence[m.start] \
                and not _opens_restatement(t, *spans[k]):
            out.update(range(*spans[k]))
            k += 1
    no_wrong = set(out)
    asked: set[int] = set()
    cfacts = extract_facts(customer) if customer is not None else []
    rfacts = extract_facts(t)
    for a, b in spans:
        # a question carrying the customer's own fact checks a restatement ("Was that the $89 on the 3rd?")
        checks = any(a <= g.start < b and any(same_value(f, g) for f in cfacts) for g in rfacts)
        if _asks(t, a, b) and not checks:
            out.update(range(a, b))
            no_wrong.update(range(a, b))
            asked.update(range(a, b))
        else:
            # near a cost that uses the customer's words against them (the value may still be wrong: "No, the
            # tracking says one week"); only near it, as an unpunctuated spoken clause can run on for long
            for x, g in costs:
                if g in c.not_restating_costs and x.start < b and a < x.end:
                    out.update(range(max(a, x.start - _NEAR), min(b, x.end + _NEAR)))
        if _acts(t, a, b):
            no_wrong.update(range(a, b))
    return out, no_wrong, out - asked


# --- facts lined up with the customer's ------------------------------------------------------------------------------

def comparable(f: Fact, g: Fact) -> bool:
    """Whether two facts measure the same kind of thing (so a different value contradicts)."""
    if {f.kind, g.kind} <= {"money", "number", "bare"}:
        return f.kind != "bare" or g.kind != "bare"
    if f.kind.startswith("qty:") and g.kind.startswith("qty:"):
        return bool(set(f.kind[4:].split("|")) & set(g.kind[4:].split("|")))
    return f.kind == g.kind


# which of two like values: "last year" and "this year" are different places even though both are "year"
_DIRECTIONS = {"from": "from", "to": "to", "until": "to", "till": "to", "til": "to"}
_QUALIFIERS = frozenset(("last", "this", "next", "previous", "new", "old", "original", "current"))
_ROLE_STOPS = frozenset(("and", "but", "or", "so", "because", "while", "when", "since", "although", "though"))


def roles(t: Tokens, f: Fact, c: CompiledRubric, facts: Sequence[Fact] = ()) -> set[str]:
    """The words next to a fact (two content words a side, within four words, up to another fact or a conjunction,
    in its sentence): what it is the amount of. "my usual £25" -> {usual}; "£89 in roaming charges" -> {roam,
    charg}; "from £10.99 to £15.99" -> {from, ...}, {to, ...}."""
    others = {i for g in facts if g is not f for i in range(g.start, g.end)}
    out: set[str] = set()
    if f.start > 0 and t.words[f.start - 1] in _DIRECTIONS:
        out.add(_DIRECTIONS[t.words[f.start - 1]])
    for step, origin in ((-1, f.start - 1), (1, f.end)):
        i, got = origin, 0
        while 0 <= i < len(t.words) and abs(i - origin) < 4 and got < 2 and t.sentence[i] == t.sentence[f.start] \
                and i not in others and t.words[i] not in _ROLE_STOPS \
                and not (t.breaks and t.breaks[i + 1 if step < 0 else i]):   # nor across punctuation
            if _is_content(t, i, c) or t.words[i] in _QUALIFIERS or t.words[i] in ("usual", "usually", "normally"):
                out.add(t.stems[i])
                got += 1
            i += step
    return out


def same_role(ct: Tokens, f: Fact, cfacts: list[Fact], rt: Tokens, g: Fact, rfacts: list[Fact],
              c: CompiledRubric) -> bool:
    """Whether a count in the reply counts what the customer's count counted: "you probably clicked twice" does not
    restate "you charged me twice". Amounts, durations and dates are specific enough by value."""
    if f.kind != "count" or g.kind != "count":
        return True
    a, b = roles(ct, f, c, cfacts), roles(rt, g, c, rfacts)
    # the same place, or words the customer used anyway ("rung about the fridge a few times" for "called four times
    # about my fridge"); a new verb counts something else ("clicked twice")
    return not a or not b or bool(a & b) or bool(b & set(ct.stems))


def _months_named(t: Tokens, facts: list[Fact]) -> int:
    """How many months the customer names outside a date: "£8.99 in November and December" is two charges; the
    month of "October 4th" (before its day) or "the 4th of October" (after it) is part of a date."""
    in_dates = {i for f in facts if f.kind == "date" for i in range(f.start - 1, f.end + 2)}
    return len({w for i, w in enumerate(t.words) if w in MONTHS and i not in in_dates})


def _derived(g: Fact, cfacts: list[Fact], months: int = 0) -> bool:
    """A value the rep worked out from the customer's: the sum or the difference of two of them, one times a
    count or a number of units ("four months of forty five dollars, that's a hundred eighty"), or the days between
    two of their dates ("a week late": the 14th and the 21st). A clock time or a date is never a sum or a difference
    of two others: "twenty to three" is not 3:40 less 1 pm."""
    if g.kind in ("time", "date"):
        return False
    vals = [f.value for f in cfacts if comparable(f, g)]
    counts = [f.value / f.unit if f.unit else f.value for f in cfacts
              if f.kind in ("count", "duration") or f.kind.startswith("qty:")] + ([months] if months > 1 else [])
    # "seventeen ninety eight" is read as 1798: said as pounds and pence it may be £17.98
    said = (g.value, g.value / 100) if g.kind in ("number", "bare") else (g.value,)
    if any(abs(v - a * k) < 0.01 for v in said for a in vals for k in counts if 1 < k <= 24):
        return True
    if g.kind == "duration":   # "the twenty first, a week after we said the fourteenth"
        dates = [f for f in cfacts if f.kind == "date"]
        if any(abs(g.value - abs(a.value - b.value)) < 0.5 for a in dates for b in dates
               if a is not b and (a.month == b.month or not (a.month and b.month))):
            return True
    return any(a != b and (abs(g.value - (a + b)) < 0.01 or abs(g.value - abs(a - b)) < 0.01)
               for a in vals for b in vals)


def _identifier(t: Tokens, f: Fact) -> bool:
    """An order or reference number ("order 45120", "the account number is two oh four five seven"): compared only
    with other identifiers. The naming word may stand up to three words before the number, in its sentence."""
    if f.kind != "number":
        return False
    lead = range(max(0, f.start - 3), f.start)
    return any(t.words[i] in ID_WORDS and t.sentence[i] == t.sentence[f.start] for i in lead)


def _whole(facts: list[Fact], f: Fact) -> Fact | None:
    """The whole that a part is "of": "five days" in "two of the five days"."""
    if f.kind != "qty:of":
        return None
    return next((g for g in facts if g.start in (f.end, f.end + 1) and g is not f), None)


def _same_whole(cfacts: list[Fact], f: Fact, rfacts: list[Fact], g: Fact) -> bool:
    """Two parts of the same whole count the same thing: "three of the five days" for "two of the five days"."""
    a, b = _whole(cfacts, f), _whole(rfacts, g)
    return a is not None and b is not None and same_value(a, b)


def _same_pair(e: Fact, f: Fact, g: Fact, h: Fact) -> bool:
    """The customer's e and f said side by side ("the 12th to the 14th") and the reply's g and h (g says e, h says f)
    side by side in the same order ("12th–14th"): one pair restated, not two values swapped."""
    def close(a: Fact, b: Fact) -> bool:
        return 0 <= b.start - a.end <= 2 or 0 <= a.start - b.end <= 2
    return close(e, f) and close(g, h) and (e.start < f.start) == (g.start < h.start)


def _in_range(t: Tokens, g: Fact) -> bool:
    """A value that bounds a range: "between 8 and 9", "from 2 to 4"."""
    before = t.words[max(0, g.start - 3):g.start]
    low = before[-2] if len(before) >= 2 else ""
    return bool(before) and (before[-1] == "between" or ("between" in before and before[-1] == "and")
                             or (before[-1] in ("to", "or") and (low[-1:].isdigit() or is_number_word(low))))


def wrong_facts(ct: Tokens, rt: Tokens, cfacts: list[Fact], rfacts: list[Fact], skip: set[int],
                c: CompiledRubric, cue_sentences: AbstractSet[int] = frozenset()) -> list[tuple[Fact, Fact]]:
    """(reply fact, customer fact it contradicts) pairs.

    By role: the reply puts a value where the customer had another (the same words around it): a changed value
    ("eighteen ninety nine on the first" for £17.99; in a plan only when it is "your" amount: "I'll reimburse your
    £230 in taxi fares" for £320), or two values swapped ("twenty five on top of your usual eighty nine").
    By value, in restating clauses: with one customer value of a kind, any other contradicts it; with several, only
    one the reply left unmatched can be ("your 3:30 appointment" when the 1:45 call is restated and 2:30 is not).
    """
    out: list[tuple[Fact, Fact]] = []
    matched_c = {id(f) for f in cfacts if any(same_value(f, g) for g in rfacts)}
    croles = {id(f): roles(ct, f, c, cfacts) for f in cfacts}
    rroles = {id(g): roles(rt, g, c, rfacts) for g in rfacts}

    def placed(a: set[str], b: set[str]) -> bool:   # the same place: a shared word and no clashing qualifier
        qa, qb = a & _QUALIFIERS, b & _QUALIFIERS
        return bool(a & b) and not (qa and qb and not qa & qb)

    cid = {id(f): _identifier(ct, f) for f in cfacts}
    months = _months_named(ct, cfacts)
    for g in rfacts:
        gid = _identifier(rt, g)
        # an amount is not an order number: "$240" and "order 45120" never contradict each other
        same_kind = [f for f in cfacts if comparable(f, g) and cid[id(f)] == gid]
        if not same_kind or not g.exact or _derived(g, cfacts, months):
            continue
        bare = g.kind == "bare" and rt.sentence[g.start] not in cue_sentences
        groles = rroles[id(g)]
        equal = [f for f in cfacts if same_value(f, g)]
        mine = g.start > 0 and rt.words[g.start - 1] == "your" or g.start not in skip
        if mine and not any(placed(croles[id(e)], groles) for e in equal):
            others = [f for f in same_kind if not same_value(f, g) and placed(croles[id(f)], groles)]
            # changed (nothing equal to it), or swapped (the other value is in the reply, in this one's place)
            # (in this one's place, or out of its own when both of the customer's values have places)
            # (a pair said side by side in the same order on both sides is the same pair: "the 12th to the 14th"
            # and "your 12th–14th booking", "8am to 12pm" and "your 8am–12pm slot")
            swapped = bool(equal) and any(
                same_value(f, h) and (placed(croles[id(e)], rroles[id(h)]) or (
                    croles[id(f)] and croles[id(e)] and rroles[id(h)] and not placed(croles[id(f)], rroles[id(h)])
                    and ct.words[f.start - 1:f.start] != rt.words[h.start - 1:h.start]))   # "by 3pm" stays put
                and not _same_pair(e, f, g, h)
                for f in others for h in rfacts for e in equal)
            if others and (not equal or swapped):
                out.append((g, others[0]))
                continue
        if equal or g.start in skip or _in_range(rt, g) or any(
                f.value == g.value and {f.kind, g.kind} & {"number", "bare"} for f in cfacts):
            continue   # a range ("between 8 and 9") or the customer's own number read another way ("night 62")
        # One value of the kind: a different one contradicts it. Several: only one the reply left unmatched can be
        # contradicted ("the 9:15 to Denver now" is a new flight when the 8:40 and the 7 a.m. are both restated).
        # A bare number outside a restatement cue contradicts only a value the reply never gives: "Seventy at
        # most? No: eighty nine dollars" restates the 89.
        # (one value the reply restated elsewhere is not contradicted by another: "it came in on 2 March and was
        # filed on 18 April" adds a date)
        if g.kind.startswith("qty:") and groles and rt.sentence[g.start] not in cue_sentences \
                and all(croles[id(f)] and not placed(croles[id(f)], groles) and not _same_whole(cfacts, f, rfacts, g)
                        for f in same_kind):
            continue   # "two missed lessons this month" counts other lessons than "a block of ten lessons"
        contradicts = any(w in ("no", "not", "actually", "says") for i, w in enumerate(rt.words[:g.start])
                          if rt.sentence[i] == rt.sentence[g.start])   # "no, it was 9", not "9, it didn't come"
        left = same_kind if len(same_kind) == 1 and not bare and (id(same_kind[0]) not in matched_c or contradicts) \
            else [f for f in same_kind if id(f) not in matched_c]
        left = [f for f in left if f.exact]
        if left:
            out.append((g, left[0]))
    return out
