"""Text helpers for the rubric scorer: tokens, stemming, phrase patterns, numbers and facts, person swap.

Pure functions on strings; no audio, no models, no rubric knowledge (the scorer decides what matches mean).

    tokens.py    `tokenize` -> `Tokens` (contractions expanded, origins kept), `normalise`, stop words, sentences
    stemming.py  `stem`, a light English stemmer (British spellings fold into American ones)
    patterns.py  `Phrase`, the pattern language of rubric.yaml, and the `Match` it finds
    numerals.py  spoken and written numbers to values (`parse_number`: "forty four seventy one" is 4471)
    numbers.py   amounts, durations, counts and dates as `Fact`s (`extract_facts`, `same_value`,
                 `split_number_runs`: "two eighty two weeks" is £280 and two weeks to a customer who said both)
    person.py    `second_person`: the customer's "I sent my ..." as the rep's "you sent your ..."
    units.py     `carry_units`: "12 months but it's only been 8" is 8 months
    spoken.py    `fluent`: a spoken reply without hesitations, fillers, stutters and restarts
"""

from voicetrainer.text.numbers import (
    ID_WORDS,
    MONTHS,
    WEEKDAYS,
    Fact,
    clock_hours,
    extract_facts,
    same_value,
    split_number_runs,
)
from voicetrainer.text.numerals import is_number_word, parse_number
from voicetrainer.text.patterns import Match, Phrase
from voicetrainer.text.person import second_person
from voicetrainer.text.spoken import fluent
from voicetrainer.text.stemming import stem
from voicetrainer.text.tokens import STOP_WORDS, Tokens, expand_contraction, normalise, split_sentences, tokenize
from voicetrainer.text.units import carry_units

__all__ = ["ID_WORDS", "MONTHS", "STOP_WORDS", "WEEKDAYS", "Fact", "Match", "Phrase", "Tokens", "carry_units",
           "clock_hours", "expand_contraction", "extract_facts", "fluent", "is_number_word", "normalise",
           "parse_number", "same_value", "second_person", "split_number_runs", "split_sentences", "stem", "tokenize"]

from voicetrainer.text.safe import csv_cell, printable  # noqa: E402  (text shown in a terminal or a spreadsheet)

__all__ += ["csv_cell", "printable"]
