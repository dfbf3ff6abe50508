"""Numbers said without their unit take the unit said just before: "it said 12 months but it's only been 8" is
8 months, "one hour ... I've been waiting three" is 3 hours, "a 60 dollar fee plus December's 38" is $38; and
"an hour and ten minutes" is one duration.

People drop a unit they have just said; compared bare, "8" and "eight months" would disagree. Pure; works on the
`Fact`s `extract_facts` found.
"""

from __future__ import annotations

from voicetrainer.text.numbers import Fact
from voicetrainer.text.numerals import parse_number
from voicetrainer.text.tokens import Tokens

# After a bare number, these words still leave it bare ("been 8!", "waiting three now", "38 and", "400, maybe 450").
_AFTER_BARE = frozenset("""and but so or now then again maybe even too already yet though either each
instead""".split())
# After these a number is a time, a party size or a label, not an amount: "booked for 7", "at 8", "gate 12",
# "twenty minutes before eight".
_NOT_AMOUNT = frozenset("""at for by until till from to of number gate room table flight seat platform bus page
step option level size before after past model version terminal series mark""".split())


def _age_said(t: Tokens, i: int) -> bool:
    """A person's age: "she's 84", "who is eighty four", "aged 84"."""
    w = t.words
    return i > 0 and (w[i - 1] == "aged" or (i > 1 and w[i - 1] in ("is", "was", "turned", "turns")
                                             and w[i - 2] in ("he", "she", "who", "they")))


def _orphans(t: Tokens, facts: list[Fact]) -> list[tuple[int, int, float]]:
    """(start, end, value) of numbers with no unit: "bare" facts, and small numbers no fact took."""
    covered = {i for f in facts for i in range(f.start, f.end) if f.kind != "bare"}
    out = []
    i = 0
    n = len(t.words)
    while i < n:
        if i in covered:
            i += 1
            continue
        value, j = parse_number(t.words, i, t.breaks)
        if value is None or j <= i or any(k in covered for k in range(i, j)):
            i += 1
            continue
        nxt = t.words[j] if j < n else ""
        if (i > 0 and t.words[i - 1] in _NOT_AMOUNT) or t.words[i] == "one" or _age_said(t, i) \
                or t.words[max(0, i - 2):i] == ("of", "the"):   # "that one"; "two of the three" counts books
            i = j
            continue
        if j == n or (t.breaks and t.breaks[j]) or nxt in _AFTER_BARE or not nxt.isalpha():
            out.append((i, j, value))
        i = j
    return out


def carry_units(t: Tokens, facts: list[Fact]) -> list[Fact]:
    """`facts` with unit-less numbers given the unit of the amount or duration said before them in the same or the
    previous sentence, when that is an exact whole number of its unit.

    Args:
        t: the tokens the facts came from.
        facts: from `extract_facts(t)`.

    Returns:
        The facts in text order, "bare" ones replaced and unit-less small numbers added where a unit carries over.
    """
    out = [f for f in facts]
    for start, end, value in _orphans(t, facts):
        anchors = [f for f in facts if f.end <= start and f.kind in ("money", "duration") and f.exact
                   and t.sentence[start] - t.sentence[f.start] <= 1]
        if not anchors:
            continue
        a = anchors[-1]
        text = t.span_text(start, end)
        if a.kind == "money":
            new = Fact("money", value, text, start, end)
        elif a.unit:
            new = Fact("duration", value * a.unit, text, start, end, unit=a.unit)
        else:
            continue
        out = [f for f in out if not (f.start == start and f.kind == "bare")] + [new]
    return _joined(t, sorted(out, key=lambda f: f.start))


def _joined(t: Tokens, facts: list[Fact]) -> list[Fact]:
    """"an hour and ten minutes" is one duration of 70 minutes, not an hour and, separately, ten minutes."""
    out: list[Fact] = []
    for f in facts:
        w = t.words
        if f.kind == "duration" and f.unit and w[f.end:f.end + 3] == ("and", "a", "half"):
            # "an hour and a half" is 90 minutes
            f = Fact("duration", f.value + f.unit / 2, t.span_text(f.start, f.end + 3), f.start, f.end + 3,
                     f.exact, f.unit)
        prev = out[-1] if out else None
        if prev is not None and prev.kind == f.kind == "duration" and prev.unit > f.unit > 0 and prev.exact \
                and f.exact and f.start == prev.end + 1 and t.words[prev.end] == "and":
            out[-1] = Fact("duration", prev.value + f.value, t.span_text(prev.start, f.end), prev.start, f.end,
                           unit=f.unit)
            continue
        out.append(f)
    return out
