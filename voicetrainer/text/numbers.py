"""Amounts, durations, counts, dates and times in text, as `Fact`s, and when two facts agree (`same_value`).

The values come from numerals.py (spoken numbers as people say them); here is what the words around a number make
of it: "three weeks" is 21 days, "$89" is money, "the third time" a count, "the 12th" a date. Pure; no rubric
knowledge.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from voicetrainer.text.numerals import (
    ORDINALS,
    SCALES,
    TENS,
    UNITS,
    ZERO_WORDS,
    is_number_word,
    ordinal_at,
    parse_number,
)
from voicetrainer.text.stemming import stem
from voicetrainer.text.tokens import Tokens

__all__ = ["MONTHS", "WEEKDAYS", "Fact", "extract_facts", "is_number_word", "parse_number", "same_value",
           "split_number_runs"]

_DAYS = {"minute": 1 / 1440, "hour": 1 / 24, "day": 1, "week": 7, "fortnight": 14, "month": 30, "year": 365}
_DURATION_WORDS = {
    "night": "day", "nights": "day", "evening": "day", "evenings": "day", "minute": "minute", "minutes": "minute",
    "mins": "minute", "hour": "hour", "hours": "hour", "hrs": "hour",
    "day": "day", "days": "day", "week": "week", "weeks": "week", "fortnight": "fortnight",
    "month": "month", "months": "month", "year": "year", "years": "year",
}
_MONEY_WORDS = {"dollar", "dollars", "bucks", "buck", "pound", "pounds", "quid", "euro", "euros", "cents", "usd"}
_COUNT_WORDS = {"time", "times"}
_ONCE_STARTS = frozenset("""i you we they he she it the a an this that your my our their its there again more
upon""".split())
ID_WORDS = frozenset("""order number ticket reference ref case account confirmation booking policy membership
invoice flight room seat tracking""".split())
# Things numbered rather than counted: "dryer 12", "lane 4", "pitch 52" name one machine, lane or pitch.
_NUMBERED = ID_WORDS | frozenset("""size lane pitch platform gate machine dryer washer bay locker table court pump
berth cabin carriage coach bus terminal level floor block zone till checkout studio ward suite apartment flat
chalet caravan lodge stall door unit plot aisle""".split())
_LABELLED = _NUMBERED - ID_WORDS
_QTY_ALIAS = {"cm": "centimetre", "mm": "millimetre", "km": "kilometre", "kg": "kilo", "kgs": "kilo",
              "kilogram": "kilo", "gb": "gigabyte", "gig": "gigabyte", "gigs": "gigabyte", "mb": "megabyte",
              "mi": "mile", "ft": "foot", "feet": "foot", "mins": "minute", "hrs": "hour", "kwh": "kilowatt",
              "kw": "kilowatt", "mph": "mile", "ltr": "litre", "ltrs": "litre"}
# words after a counted noun that are not a second noun of it ("2.3 gigabytes over three days")
_NOT_NOUNS = frozenset("over under in on at for from to with by per a an the and or than into onto versus vs".split())
_VAGUE_QUANTITY = {"a": 1, "an": 1, "one": 1, "couple": 2, "few": 3, "several": 3}


@dataclass(frozen=True)
class Fact:
    """A quantity said in a text.

    Attributes:
        kind: "duration" (value in days), "money" (value in currency units), "count" (times), "number", or
            "label:<noun>" (a numbered thing: "dryer 12").
        value: the normalised value.
        text: the words as written ("three weeks").
        start: first token index; end: one past the last.
        exact: False for vague amounts ("a few days", "a couple of weeks"), which never contradict anything.
    """

    kind: str
    value: float
    text: str
    start: int
    end: int
    exact: bool = True
    unit: float = 0.0   # days per unit said, for durations ("12 months": 30), so a bare "8" after it is 8 months
    month: str = ""     # for dates, the month said with the day ("30 November", "May 2nd", "the 2nd of May")


MONTHS = frozenset({"january", "february", "march", "april", "may", "june", "july", "august", "september",
                    "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept",
                    "oct", "nov", "dec"})
_MONTH_NAMES = {m[:3]: m for m in MONTHS if len(m) > 4 or m == "may"}   # "sept"[:3] finds september too


def _month_of(tokens: Tokens, i: int, j: int) -> tuple[str, int, int]:
    """The month said with the date at tokens i..j ("14 June", "June 14", "the 14th of June"), by its full name, and
    the span of the date with it; ("", i, j) when none is said."""
    words, n = tokens.words, len(tokens.words)
    k = j + 1 if j < n and words[j] == "of" else j
    if k < n and not tokens.breaks[k] and words[k] in MONTHS:
        return _MONTH_NAMES.get(words[k][:3], words[k]), i, k + 1
    if i > 0 and words[i - 1] in MONTHS:
        return _MONTH_NAMES.get(words[i - 1][:3], words[i - 1]), i - 1, j
    return "", i, j


WEEKDAYS = frozenset({"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"})


_NOT_COUNTED = frozenset("""a an the and or but of to in on at by for with from is are was were be been it its
this that these those i you he she we they me him her us them my your our their not no so if then than as up out off
more less times time o am pm yeah yes okay ok right um uh while when because since until after before though
now today tonight yesterday tomorrow already again there here please
although each apiece per nearly almost just only exactly still""".split()) | WEEKDAYS   # "ninety five each": £95 a seat

_APPROXIMATE = {"nearly", "almost", "about", "around", "over", "roughly", "approximately", "like", "than",
                "under", "least", "some", "couple", "few", "several"}


def _date_at(tokens: Tokens, i: int) -> tuple[float, int] | None:
    """A day of the month at token i, as (day, end), or None.

    "12th", "the twelfth", "twelfth of March", "March 12", "14 June", "on the 2nd" are dates; so Whisper's "12th" and a
    persona's "twelfth" agree. Dates are their own kind of fact: they are compared only with other dates.
    Spelled "first", "second", "third" need a date context ("the second of May", "on the third", "May third"),
    and an ordinal before a noun ("the fifth call", "the 3rd time") is not a date.
    """
    words = tokens.words
    n = len(words)
    prev = words[i - 1] if i > 0 else ""
    prev2 = words[i - 2] if i > 1 else ""
    o = ordinal_at(words, i)
    if o is not None:
        day, j = o
        after = words[j] if j < n and not tokens.breaks[j] else ""
        if not 1 <= day <= 31 or after in _COUNT_WORDS:
            return None
        if after == "of" or after in MONTHS or prev in MONTHS:
            return day, j
        if words[i][0].isdigit():  # Whisper's "12th" is a date unless it counts ("the 3rd time")
            return day, j
        if after and after.isalpha() and after not in _NOT_COUNTED and after not in WEEKDAYS \
                and not after.endswith("ing"):
            return None  # "the fifth call", "the second one"; "the thirty first coming up" is a date
        if prev in ("the", "on") and (day > 3 or prev2 in ("on", "since", "until", "by", "before", "after", "from")
                                      or prev == "on"):
            return day, j
        return None
    if re.fullmatch(r"\d{1,2}", words[i]) or words[i] in UNITS or words[i] in TENS:
        # "14 June", "on 2 May", "twenty one june": a day before its month ("two may" only in digits)
        value, j = parse_number(words, i, tokens.breaks)
        if value is not None and 1 <= value <= 31 and value == int(value) and j < n and words[j] in MONTHS \
                and not tokens.breaks[j] and (words[j] not in ("may", "march") or words[i].isdigit()):
            return value, j
    if (prev in MONTHS and prev not in ("may", "march")
            or (prev in ("may", "march") and prev2 in ("in", "on", "since", ""))):
        value, j = parse_number(words, i, tokens.breaks) if (
            re.fullmatch(r"\d{1,2}", words[i]) or words[i] in UNITS or words[i] in TENS) else (None, i)
        after = words[j] if j < n else ""
        if value is not None and 1 <= value <= 31 and value == int(value) and not (
                after in _COUNT_WORDS or after in _DURATION_WORDS or after in _MONEY_WORDS):
            return value, j
    return None


def _range_start(tokens: Tokens, i: int) -> tuple[float, int, str] | None:
    """The first day of a range of dates, as (day, i + 1, the end's month): the 7 of "7–8 June", the 12 of "12 to 16
    August"."""
    words, n = tokens.words, len(tokens.words)
    if not re.fullmatch(r"\d{1,2}", words[i]):
        return None
    k = i + 2 if i + 1 < n and words[i + 1] in ("to", "and", "till", "until") else i + 1
    joined = k < n and (not tokens.breaks[k] or k == i + 1 and tokens.sentence[k] == tokens.sentence[i])   # "7–8"
    end = _date_at(tokens, k) if joined else None
    month = _month_of(tokens, k, end[1])[0] if end is not None else ""
    if end is None or not 1 <= int(words[i]) < end[0] or not month:
        return None
    return float(words[i]), i + 1, month


_PAST_TO = {"half": 30, "quarter": 15}
_TWO_WORD_CLOCK = (("o", "clock"), ("a", "m"), ("p", "m"))   # "five p m", "6 a.m." as Whisper writes them


_MINUTES_TO = frozenset(("five", "ten", "twenty", "5", "10", "20", "25"))
_CLOCK_BEFORE = frozenset(("at", "for", "by", "from", "till", "until", "about", "around", "before", "after", "gone"))


def _said_clock(words: tuple[str, ...], i: int) -> tuple[float, int] | None:
    """"half past six" (6:30), "quarter to nine" (8:45), "ten past two" (2:10), "ten to nine" (8:50) and the
    British "at half two" (2:30), as (hour in 0-12, end). "from ten to twelve" is a range, not 11:50."""
    n = len(words)
    prev = words[i - 1] if i > 0 else ""
    if words[i] == "half" and prev in _CLOCK_BEFORE and i + 1 < n and words[i + 1] in UNITS \
            and 1 <= UNITS[words[i + 1]] <= 12 and (i + 2 >= n or not is_number_word(words[i + 2])):
        return (UNITS[words[i + 1]] + 0.5) % 12, i + 2
    if words[i] in _PAST_TO:
        minutes: float | None = _PAST_TO[words[i]]
        k = i + 1
    else:
        minutes, k = parse_number(words, i)
        if minutes is None or k >= n or not 1 <= minutes <= 30 or minutes != int(minutes):
            return None
        if k < n and words[k] in ("minutes", "mins"):
            k += 1
        if k < n and words[k] == "to" and (words[i] not in _MINUTES_TO or prev in ("from", "between")):
            return None
    clocked = prev in _CLOCK_BEFORE or (k < n and words[k] == "past")
    if k + 1 >= n or words[k] not in ("past", "to") or minutes is None:
        return None
    hour, j = parse_number(words, k + 1)
    if hour is None or not 1 <= hour <= 12 or hour != int(hour) or (
            not clocked and j < n and words[j].isalpha() and words[j] not in _NOT_COUNTED):   # "ten to twelve people"
        return None
    value = hour + minutes / 60 if words[k] == "past" else hour - 1 + (60 - minutes) / 60
    return value % 12, j


def clock_hours(hhmm: float) -> float:
    """A time said as one number, in hours on a 12-hour clock: 840 ("eight forty") is 8.67, 1330 is 1.5."""
    return (hhmm // 100) % 12 + (hhmm % 100) / 60


def _clock_like(value: float) -> bool:
    """Whether a number said after "at" or "from" can be a time: "at 4", "at eight forty"; not "at eighty five"."""
    if value == int(value) and 1 <= value <= 12:
        return True
    return value >= 100 and value // 100 <= 12 and value % 100 < 60 and value == int(value)


_AWAY = frozenset(("away", "walk", "drive", "ride"))
_PAUSE_VERBS = frozenset(("take", "wait", "give", "just", "hang", "hold", "in"))


def _loose(tokens: Tokens, f: Fact) -> bool:
    """An amount said loosely: after "nearly", "about", "over", "more than" ...; half of a unit ("half a day"); a
    distance ("ten minutes away"); a pause ("take a minute", "in a second")."""
    words = tokens.words
    prev = words[f.start - 1] if f.start > 0 else ""
    if prev in _APPROXIMATE:
        return words[f.start - 2:f.start] != ("rather", "than")   # "rather than 14 June" is exact
    if f.kind != "duration":
        return False
    nxt = words[f.end] if f.end < len(words) else ""
    return prev == "half" or nxt in _AWAY or (prev in _PAUSE_VERBS and words[f.start] in ("a", "one")
                                              and f.value <= 1 / 1440 + 1e-9)


def extract_facts(tokens: Tokens) -> list[Fact]:
    """Facts in text order; amounts said loosely ("nearly", "about", "over", "half a day", "ten minutes away") are
    marked inexact."""
    return [Fact(f.kind, f.value, f.text, f.start, f.end, False, f.unit, f.month) if f.exact and _loose(tokens, f)
            else f for f in _extract_facts(tokens)]


def _extract_facts(tokens: Tokens) -> list[Fact]:
    """Find durations, amounts of money, counts and other numbers in tokenised text.

    Args:
        tokens: output of `tokenize`.

    Returns:
        Facts in text order, e.g. "three weeks" -> Fact("duration", 21.0), "$89" -> Fact("money", 89.0),
        "third time" / "twice" -> Fact("count", 3.0 / 2.0), "order 4471" -> Fact("number", 4471.0).
    """
    words = tokens.words
    out: list[Fact] = []
    i = 0
    n = len(words)
    while i < n:
        w = words[i]
        start = i
        value: float | None = None
        exact = True
        # "9.99" is a price even without its currency sign
        currency = (w[:1] in "$£€" and len(w) > 1) or bool(re.fullmatch(r"\d+\.\d\d", w))
        date = _date_at(tokens, i)
        first = _range_start(tokens, i) if date is None else None   # the 7 of "7–8 June"
        if date is not None:
            day, j = date
            month, a, b = _month_of(tokens, i, j)
        elif first is not None:
            day, j, month = first
            a, b = i, j
        if date is not None or first is not None:
            out.append(Fact("date", day, tokens.span_text(a, b), i, j, month=month))
            i = j
            continue
        if w in ORDINALS and i + 1 < n and words[i + 1].isalpha() and words[i + 1] not in _NOT_COUNTED \
                and words[i + 1] not in _COUNT_WORDS and not tokens.breaks[i + 1] and words[i + 1] not in MONTHS \
                and words[i + 1] not in UNITS:
            # "the fourth floor", "a second failure": which one of something, compared with the same noun only
            out.append(Fact("ord:" + stem(words[i + 1]), float(ORDINALS[w]), tokens.span_text(i, i + 2), i, i + 2))
            i += 2
            continue
        if w in ORDINALS and i + 1 < n and words[i + 1] in _COUNT_WORDS:
            # "the third time I've called" ~ "you've called twice before": ordinals never contradict counts.
            out.append(Fact("count", float(ORDINALS[w]), tokens.span_text(i, i + 2), i, i + 2, exact=False))
            i += 2
            continue
        if w in ("noon", "midday", "midnight"):
            out.append(Fact("time", 0.0, tokens.span_text(i, i + 1), i, i + 1))   # 12 o'clock, as "twelve" is
            i += 1
            continue
        clock = _said_clock(words, i)
        if clock is not None:
            value, j = clock
            out.append(Fact("time", value, tokens.span_text(i, j), i, j))
            i = j
            continue
        if re.fullmatch(r"\d{1,2}:\d\d", w):
            hour, minute = w.split(":")
            out.append(Fact("time", float(hour) % 12 + float(minute) / 60, tokens.span_text(i, i + 1), i, i + 1))
            i += 1
            continue
        if w == "twice" or (w == "once" and (i + 1 >= n or tokens.breaks[i + 1] or words[i + 1] not in _ONCE_STARTS)):
            # "charged once" counts; "once I have it" starts a clause
            before = i + 1 < n and words[i + 1] in ("before", "already", "more")   # "once before": the 2nd time
            out.append(Fact("count", 2.0 if w == "twice" else 1.0, tokens.span_text(i, i + 1), i, i + 1,
                            exact=not before))
            i += 1
            continue
        if w == "the" and i + 2 < n and words[i + 1] in _DURATION_WORDS and not words[i + 1].endswith("s") \
                and words[i + 2] in ("you", "we", "i", "it", "they") and not tokens.breaks[i + 2]:
            # "the hour you've waited", "the week it took": one of that unit, said as a thing
            unit = _DURATION_WORDS[words[i + 1]]
            out.append(Fact("duration", _DAYS[unit], tokens.span_text(i, i + 2), i, i + 2, False, unit=_DAYS[unit]))
            i += 2
            continue
        if w == "fortnight" and (i == 0 or words[i - 1] in ("a", "one", "the")):
            s = i - 1 if i > 0 and words[i - 1] in ("a", "one") else i
            out.append(Fact("duration", 14.0, tokens.span_text(s, i + 1), s, i + 1))
            i += 1
            continue
        prev = words[i - 1] if i > 0 else ""
        if w in ("a", "an", "per", "each") and i > 0 and (prev in UNITS or prev in TENS or prev[-1:].isdigit()
                                                          or prev in _MONEY_WORDS):
            i += 1  # "forty-five a month" is a rate, not a duration
            continue
        if w in _VAGUE_QUANTITY and i + 1 < n:
            # "a week", "a couple of weeks", "a few days", "an hour"
            j = i + 1
            qty = _VAGUE_QUANTITY[w]
            if w in ("a", "an") and words[j] in ("couple", "few"):
                qty = _VAGUE_QUANTITY[words[j]]
                exact = False
                j += 1
            elif w in ("couple", "few", "several"):
                exact = False
            if j < n and words[j] in ("extra", "more", "whole", "full", "long", "entire", "additional"):
                exact = exact and words[j] not in ("whole", "full", "entire")   # "a whole day": a feeling, not a count
                j += 1
            if j < n and words[j] == "of":
                j += 1
            if j < n and words[j] in _COUNT_WORDS and (j > i + 1 or w not in ("a", "an")):   # "a few times"
                out.append(Fact("count", qty, tokens.span_text(start, j + 1), start, j + 1, exact=False))
                i = j + 1
                continue
            if j < n and words[j] in _DURATION_WORDS:
                unit = _DURATION_WORDS[words[j]]
                out.append(Fact("duration", qty * _DAYS[unit], tokens.span_text(start, j + 1), start, j + 1, exact,
                                unit=_DAYS[unit]))
                i = j + 1
                continue
            if w in ("one", "a", "an") and words[i + 1] in SCALES:
                value, j = parse_number(words, i, tokens.breaks)
            elif w == "one":
                value, j = parse_number(words, i, tokens.breaks)
            else:
                i += 1
                continue
        else:
            value, j = parse_number(words, i, tokens.breaks)
        if value is None or j <= i:
            i += 1
            continue
        # What follows the number says what it is.
        if j + 3 < n and words[j:j + 3] == ("and", "a", "half") and words[j + 3] in _DURATION_WORDS:
            value, j = value + 0.5, j + 3   # "two and a half weeks"
        k = j
        if k < n and words[k] in ("more", "whole", "full", "long", "straight") and k + 1 < n \
                and words[k + 1] in _DURATION_WORDS:
            k += 1
        if k < n and words[k] in _DURATION_WORDS and k + 1 < n and words[k + 1] == "old":
            # "a 12-year-old" is 12; "our 10-month-old" an age too, not how long anything took
            out.append(Fact("age", value * _DAYS[_DURATION_WORDS[words[k]]] / 365,   # in years
                            tokens.span_text(start, k + 2), start, k + 2))
            i = k + 2
        elif k < n and words[k] in _DURATION_WORDS:
            unit = _DURATION_WORDS[words[k]]
            out.append(Fact("duration", value * _DAYS[unit], tokens.span_text(start, k + 1), start, k + 1,
                            unit=_DAYS[unit]))
            i = k + 1
        elif currency or (k < n and words[k] in _MONEY_WORDS):
            end = k + 1 if not currency and k < n else j
            if (not currency and k + 1 < n and words[k] != "cents" and not tokens.breaks[k + 1]
                    and (words[k + 1] in TENS or words[k + 1] == "and")):
                # "eighty nine dollars fifty", "... dollars and fifty cents": cents only when the number ends the
                # clause or says "cents" ("dollars ten days ago" and "the seventy nine dollar one" are not cents).
                c0 = k + 2 if words[k + 1] == "and" else k + 1
                cents, k2 = parse_number(words, c0, tokens.breaks) if c0 < n else (None, c0)
                if cents is not None and cents < 100 and k2 > c0 and (
                        k2 == n or tokens.breaks[k2] or words[k2] in ("cents", "cent")) and (
                        words[k + 1] != "and" or (k2 < n and words[k2] in ("cents", "cent"))):
                    value += cents / 100
                    end = k2 + 1 if k2 < n and words[k2] in ("cents", "cent") else k2
            out.append(Fact("money", value, tokens.span_text(start, end), start, end))
            i = end
        elif k < n and words[k] in _COUNT_WORDS:
            out.append(Fact("count", value, tokens.span_text(start, k + 1), start, k + 1))
            i = k + 1
        elif (k < n and words[k] in ("am", "pm", "oclock")) or (k + 1 < n and words[k:k + 2] in _TWO_WORD_CLOCK) or (
                start > 0 and words[start - 1] in ("from", "till", "until", "til", "between", "at")
                and _clock_like(value)):
            end = k + 1 if k < n and words[k] in ("am", "pm", "oclock") else k + 2 if k + 1 < n and words[k:k + 2] in (
                _TWO_WORD_CLOCK) else j
            if value >= 100 and value % 100 < 60:   # "eight forty" is 8:40, not 840
                value = clock_hours(value)
            out.append(Fact("time", value % 12, tokens.span_text(start, end), start, end))
            i = end
        elif value < 100 and not (start > 0 and words[start - 1] in _NUMBERED):
            # A small number: a quantity of the next word ("12 kilos" = "twelve kilos", not "six kilos"), a bare
            # amount ("seventy at the pump" for "$70"), or nothing ("the one you got").
            if value >= 2 and k + 2 < n and re.fullmatch(r"\d+(\.\d+)?", words[k]) and words[k + 2].isalpha() \
                    and words[k + 2] not in _NOT_COUNTED and not tokens.breaks[k] and words[k + 1].isalpha() \
                    and words[k + 1] not in _NOT_COUNTED and words[k + 1] not in _DURATION_WORDS:
                # "four 2.5 litre tins": four tins (of 2.5 litres each, read next)
                out.append(Fact("qty:" + stem(words[k + 2]), value, tokens.span_text(start, k), start, k))
                i = k
            elif value >= 2 and k < n and words[k].isalpha() and words[k] not in _NOT_COUNTED and not tokens.breaks[k]\
                    and not is_number_word(words[k]) and words[k] not in ORDINALS and words[k] not in ZERO_WORDS:
                # the noun counted may follow an adjective: "two live classes" is "two classes"
                nouns = [_QTY_ALIAS.get(words[k], words[k])]
                if k + 1 < n and words[k + 1].isalpha() and words[k + 1] not in _NOT_COUNTED \
                        and words[k + 1] not in _NOT_NOUNS and not tokens.breaks[k + 1]:
                    nouns.append(words[k + 1])
                out.append(Fact("qty:" + "|".join(stem(x) for x in nouns), value, tokens.span_text(start, k + 1),
                                start, k + 1))
                i = k + 1
            elif value >= 2 and k + 1 < n and words[k] == "of" and not tokens.breaks[k] and (
                    words[k + 1] in ("the", "my", "your", "those", "these", "our", "them")
                    or is_number_word(words[k + 1]) or words[k + 1].isdigit()):
                # "two of the five days": a part of something, compared with other parts ("three of the five")
                out.append(Fact("qty:of", value, tokens.span_text(start, k + 1), start, k + 1))
                i = k + 1
            else:
                if value >= 10:
                    out.append(Fact("bare", value, tokens.span_text(start, j), start, j))
                i = j
        elif j < n and words[j].isalpha() and words[j] not in _NOT_COUNTED and not tokens.breaks[j] \
                and words[j] not in ORDINALS and not (start > 0 and words[start - 1] in _NUMBERED):
            # a big quantity of something: "2,300 megabytes", "1,800 kilowatt hours" (not an amount of money)
            nouns = [_QTY_ALIAS.get(words[j], words[j])]
            if j + 1 < n and words[j + 1].isalpha() and words[j + 1] not in _NOT_COUNTED \
                    and words[j + 1] not in _NOT_NOUNS and not tokens.breaks[j + 1]:
                nouns.append(words[j + 1])   # "120 wedding invitations" are "150 invitations" too
            out.append(Fact("qty:" + "|".join(stem(x) for x in nouns), value, tokens.span_text(start, j + 1),
                            start, j + 1))
            i = j + 1
        else:
            # "dryer 12" is compared only with other dryers: "dryer 2" is wrong, "level three" is no amount
            label = words[start - 1] if start > 0 and words[start - 1] in _LABELLED else ""
            out.append(Fact("label:" + stem(label) if label else "number", value, tokens.span_text(start, j), start, j))
            i = j
    return out


def _number_word(w: str) -> bool:
    return is_number_word(w) or w in ZERO_WORDS


def split_number_runs(tokens: Tokens, known: list[Fact]) -> Tokens:
    """The tokens with a break where a spoken run of number words says two of the `known` values one after another.

    A speech recogniser writes no comma between two numbers: "you paid two eighty two weeks ago" (£280, two weeks),
    "iphone thirteen one eighty nine" (13, 189), "fourteen eight months ago" (pitch 14, eight months). A run that
    says none of the known values is split where its parts say some of them and nothing else, so each part is read
    on its own; a run that says a known value ("forty four seventy one") is left whole.
    """
    if not known:
        return tokens
    breaks = list(tokens.breaks) or [False] * len(tokens.words)

    times = {k.value for k in known if k.kind == "time"}

    def says_known(g: Fact) -> bool:
        if g.kind in ("bare", "number") and 100 <= g.value < 1300 and g.value % 100 < 60 \
                and clock_hours(g.value) in times:
            return True   # "seven thirty" said bare is the customer's 7:30
        return any(same_value(k, g) for k in known)

    for _ in range(3):   # a run can hold three values: "eight fifty fifty five minutes thirty eight sixty"
        current = replace(tokens, breaks=tuple(breaks))
        split = None
        for f in extract_facts(current):
            if any(ch.isdigit() for ch in f.text) or says_known(f):
                continue
            inner = [i for i in range(f.start + 1, f.end)
                     if not breaks[i] and _number_word(tokens.words[i]) and _number_word(tokens.words[i - 1])]
            best: tuple[int, int] | None = None
            for i in inner:
                trial = breaks[:i] + [True] + breaks[i + 1:]
                t2 = replace(tokens, breaks=tuple(trial))
                parts = [g for g in extract_facts(t2) if f.start <= g.start < f.end]
                hits = sum(says_known(g) for g in parts)
                if hits and hits == len(parts) and (best is None or hits > best[0]):
                    best = (hits, i)
            if best is not None:
                split = best[1]
                break
        if split is None:
            break
        breaks[split] = True
    if breaks == list(tokens.breaks):
        return tokens
    return replace(tokens, breaks=tuple(breaks))


def _nouns(kind: str) -> set[str]:
    return set(kind.split(":", 1)[1].split("|"))


def same_value(a: Fact, b: Fact) -> bool:
    """Whether two facts agree, with a little slack (a month ~ four weeks, $89 ~ $89.99).

    Units must fit ("three weeks" is not 3 dollars; "two classes" is "two live classes"), except that a number of
    10 or more said without its unit is that number: "three hundred" is "300 dollars", "the seventy one stands" is
    "£71 a month".
    """
    numeric = {"money", "number", "bare"}
    if "qty:of" in (a.kind, b.kind) and a.kind.startswith("qty:") and b.kind.startswith("qty:"):
        return a.value == b.value   # "three of my loans vanished" is "three loans vanished"
    if a.kind.startswith("qty:") and b.kind.startswith("qty:"):
        return a.value == b.value and bool(_nouns(a.kind) & _nouns(b.kind))
    kinds = {a.kind.split(":")[0], b.kind.split(":")[0]}
    if kinds == {"label", "number"}:
        return a.value == b.value   # "plot fourteen" is "my plot, number 14"
    if kinds == {"age", "bare"}:
        return a.value == b.value   # "my 84-year-old dad", "he's eighty four"
    if kinds == {"age", "duration"}:   # "three weeks old" is "I've had it three weeks"
        age, took = (a, b) if a.kind == "age" else (b, a)
        # within rounding of the units only ("a year old" is 365 days, "12 months" 360): "thirteen months old" is
        # not the customer's "12 months"
        return abs(age.value * 365 - took.value) <= 0.02 * took.value + 1e-9
    if "count" in kinds and kinds & {"qty", "ord"} and a.kind != b.kind:
        # "missed school twice" is "two missed school days"; the "third time" is the "third cancellation"
        ordinal = "ord" in kinds
        count = a if a.kind == "count" else b
        return a.value == b.value and count.exact != ordinal
    loose = {"money", "number", "bare"}
    if (a.kind in loose or a.kind.startswith("qty:")) and (b.kind in loose or b.kind.startswith("qty:")) \
            and min(a.value, b.value) >= 10 and a.kind != b.kind:
        return _digits(a.value) == _digits(b.value)
    if a.kind != b.kind and not (a.kind in numeric and b.kind in numeric):
        return False
    if not (a.exact and b.exact):
        # "about four weeks" agrees with "a month" but not with "eight weeks".
        return a.kind == b.kind and abs(a.value - b.value) <= 0.3 * max(a.value, b.value)
    if a.kind != b.kind or a.kind in ("money", "number"):
        # "forty nine ninety nine" is read as 4999 and "$49.99" as 49.99: compare the digits said.
        if _digits(a.value) == _digits(b.value):
            return True
        if a.kind != b.kind:
            return False
    if a.kind == "duration":
        return abs(a.value - b.value) <= 0.1 * max(a.value, b.value) + 1e-9
    if a.kind == "money":
        # "$89" is "$89.99" and "$90", but "£5.40" is not "£4.50": pence decide when both amounts have them
        whole = a.value == int(a.value) or b.value == int(b.value)
        return abs(a.value - b.value) < (1.0 if whole else 0.015) or whole and int(a.value) == int(b.value)
    if a.kind == "date" and a.month and b.month and a.month != b.month:
        return False   # "30 September" is not "30 November"; "the 30th" is either
    return a.value == b.value


def _digits(value: float) -> str:
    """The digits of an amount, without the point or trailing zeros: 49.99 -> "4999", 89.0 -> "89"."""
    return f"{value:.2f}".replace(".", "").rstrip("0") or "0"
