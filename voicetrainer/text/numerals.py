"""Spoken and written numbers to values: "forty four seventy one" is 4471, "a hundred and twenty nine" is 129,
"twelfth" and "12th" are 12.

Hand-written on purpose: people say order numbers and prices as digit groups ("order forty four seventy one" is
4471, "one twenty nine" is 129), which general number-word parsers (text2num) read as sums. Pure; numbers.py finds
the facts (amounts, durations, dates) these values are part of.
"""

from __future__ import annotations

import re

UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}
TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
SCALES = {"hundred": 100, "thousand": 1000}
ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14, "fifteenth": 15,
    "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19, "twentieth": 20, "thirtieth": 30,
}

ZERO_WORDS = {"oh": 0, "o": 0, "zero": 0, "nought": 0}

def is_number_word(w: str) -> bool:
    """A word that can be part of a spoken number ("oh" only counts inside a run, see `parse_number`)."""
    return w in UNITS or w in TENS or w in SCALES


def parse_number(words: tuple[str, ...], i: int, breaks: tuple[bool, ...] = ()) -> tuple[float | None, int]:
    """Parse a number at words[i] (digits or words). Returns (value, next index) or (None, i).

    A spoken number is one run of number words with no punctuation inside it (so "It's six. Three hundred" is two
    numbers). Within a run, "hundred"/"thousand" compose ("a hundred and twenty nine" = 129) and anything else is
    read as digit groups, as people say order numbers and prices: "forty four seventy one" = 4471,
    "one twenty nine" = 129, "three oh nine one seven" = 30917. "oh"/"o" is zero only between digit words, so
    "Oh no" is not a number.
    """
    w = words[i]
    digits = re.fullmatch(r"[$£€]?(\d+(?:[.,]\d+)*)%?", w)
    if digits:
        s = digits.group(1).replace(",", "")
        try:
            return float(s), i + 1
        except ValueError:
            return None, i
    if w in ("a", "an") and i + 1 < len(words) and words[i + 1] in SCALES and not (breaks and breaks[i + 1]):
        value, j = parse_number(("one",) + words[i + 1:], 0, ((False,) + breaks[i + 1:]) if breaks else ())
        return (value, i + j) if value is not None else (None, i)
    if w in SCALES:  # "hundred and fifty" said without "a"
        value, j = parse_number(("one",) + words[i:], 0, ((False, False) + breaks[i + 1:]) if breaks else ())
        return (value, i + j - 1) if value is not None and j > 1 else (None, i)
    groups: list[str] = []
    cur: int | None = None
    last = ""  # kind of the last word: unit, teen, tens, scale, zero
    j = i
    n = len(words)
    while j < n:
        t = words[j]
        if j > i and breaks and breaks[j]:
            break
        nxt = words[j + 1] if j + 1 < n and not (breaks and breaks[j + 1]) else ""
        if t in ZERO_WORDS and (t in ("zero", "nought") or (
                cur is not None and last in ("unit", "teen", "tens", "zero")
                and (nxt in UNITS or nxt in ZERO_WORDS))):
            if cur is not None:
                groups.append(str(cur))
            cur, last = 0, "zero"
        elif t in UNITS and UNITS[t] < 10:
            u = UNITS[t]
            if cur is not None and last == "tens":
                cur += u
            elif cur is not None and last == "scale":
                cur += u
            else:
                if cur is not None:
                    groups.append(str(cur))
                cur = u
            last = "unit"
        elif t in UNITS:  # ten .. nineteen
            if cur is not None and last == "scale":
                cur += UNITS[t]
            else:
                if cur is not None:
                    groups.append(str(cur))
                cur = UNITS[t]
            last = "teen"
        elif t in TENS:
            if cur is not None and last == "scale":
                cur += TENS[t]
            else:
                if cur is not None:
                    groups.append(str(cur))
                cur = TENS[t]
            last = "tens"
        elif t in SCALES and cur is not None and last != "zero":
            scale = SCALES[t]
            if scale == 100 and cur % 100 == 0 and cur >= 1000:
                cur += 100
            elif cur < scale:
                cur *= scale
            else:  # "two thousand three hundred": multiply only the part below the thousands
                cur = cur // 1000 * 1000 + (cur % 1000) * scale
            last = "scale"
        elif t == "and" and last == "scale" and (nxt in UNITS or nxt in TENS):
            pass
        else:
            break
        j += 1
    if cur is None:
        return None, i
    groups.append(str(cur))
    if len(groups) == 1:
        return float(groups[0]), j
    return float("".join(groups)), j


def ordinal_at(words: tuple[str, ...], i: int) -> tuple[float, int] | None:
    """An ordinal at words[i]: "12th" (as Whisper writes it), "twelfth", "twenty first". Returns (value, end)."""
    w = words[i]
    m = re.fullmatch(r"(\d{1,2})(st|nd|rd|th)", w)
    if m:
        return float(m.group(1)), i + 1
    if w in TENS and i + 1 < len(words) and words[i + 1] in ORDINALS and ORDINALS[words[i + 1]] < 10:
        return float(TENS[w] + ORDINALS[words[i + 1]]), i + 2
    if w in ORDINALS:
        return float(ORDINALS[w]), i + 1
    return None
