"""The rubric scorer: judges a trainee's reply to an upset customer on calm, empathy, paraphrase and solution.

Pure: text in, `TurnScore` out; no audio, no models, no environment variables. `load_rubric` reads rubric.yaml (or
the file it is given) and a persona's overrides; `score_reply` applies it. One module a job:

    schema.py      the rubric file's pydantic schema          rubric.py     loading, merging, caching
    phrases.py     compiled phrase sets (`PhraseSet`)         clauses.py    clauses, negation, "not proposed"
    context.py     a phrase in its context (quoted, restated) and calm costs found by their shape
    facts.py       what restates, facts by value, unit and role, wrong facts
    commitments.py hand-offs, over-promises, steps, amounts, someone else's doing
    calm.py, empathy.py, paraphrase.py, solution.py           one dimension each, with its tip
    score.py       `score_reply`, tying them together
"""

from voicetrainer.scoring.phrases import CompiledRubric, PhraseSet
from voicetrainer.scoring.rubric import DEFAULT_RUBRIC, Rubric, load_rubric, merge
from voicetrainer.scoring.schema import RubricModel
from voicetrainer.scoring.score import score_reply

__all__ = ["DEFAULT_RUBRIC", "CompiledRubric", "PhraseSet", "Rubric", "RubricModel", "load_rubric", "merge",
           "score_reply"]
