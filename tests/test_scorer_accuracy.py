"""The scorer's accuracy on the labelled sets stays where it is: a rubric or scorer change that loses F1 fails.

Floors are the F1 per dimension (calm: calm kept as the positive class) that `python benchmarks/scorer.py` measured
when they were last set, minus 0.01 (docs/rubric.md, "Accuracy"). Raise them when a change improves a figure;
lowering one needs a reason in the commit. The frozen blind_test floors fail the build when a rubric edit loses
accuracy on replies nobody tuned on.
"""

from __future__ import annotations

import pytest

from voicetrainer.scoring import load_rubric, score_reply
from voicetrainer.types import DIMENSIONS

from .scorer_eval import SETS, dimension_counts, load_rows

#            calm   empathy paraphrase solution
FLOORS = {
    "dev":     (0.984, 0.985, 0.958, 0.987),   # measured 0.994 0.995 0.968 0.997
    "dev2":    (0.990, 0.990, 0.879, 0.947),   # measured 1.000 1.000 0.889 0.957
    "dev3":    (0.979, 0.926, 0.867, 0.898),   # measured 0.989 0.936 0.874 0.908 (paraphrase floor kept, see below)
    "holdout": (0.888, 0.964, 0.904, 0.931),   # measured 0.898 0.974 0.904 0.941 (paraphrase floor kept)
    # The blind sets (issue 11; docs/rubric.md, "The sets"). blind_test is frozen: never tuned on, only measured.
    "blind_dev":  (0.976, 0.967, 0.915, 0.969),   # measured 0.986 0.977 0.925 0.979 (tuned on)
    "blind_test": (0.878, 0.936, 0.833, 0.909),   # measured 0.888 0.946 0.843 0.919 (frozen)
}
# dev3 and holdout paraphrase are within 0.01 of their old floors, which stay: issue 11 made one correctly restated
# fact a restatement and topic words alone not one; dev3 and dev2 label some such replies the other way (dev2-024,
# dev2-033: "three weeks is far too long" inside an apology is "no paraphrase" there), see docs/rubric.md.


@pytest.fixture(scope="module")
def rubric():
    return load_rubric()


@pytest.mark.parametrize("name", list(SETS))
def test_f1_per_dimension_stays_above_its_floor(rubric, name):
    rows = load_rows(SETS[name])
    scores = [score_reply(row["customer"], row["reply"], rubric).to_dict() for row in rows]
    f1 = {d: c["f1"] for d, c in dimension_counts(rows, scores).items()}
    below = {d: (f1[d], floor) for d, floor in zip(DIMENSIONS, FLOORS[name], strict=True) if f1[d] < floor}
    assert not below, f"{name}: F1 below its floor (got, floor): {below}"


def test_every_set_has_floors_and_labels():
    assert set(FLOORS) == set(SETS)
    for name, path in SETS.items():
        rows = load_rows(path)
        assert len(rows) >= 40, name
        assert all(set(row["labels"]) <= set(DIMENSIONS) and row["labels"] for row in rows), name


def test_counts_and_f1_of_a_known_confusion():
    labels = [True, True, True, False, False]
    hits = [True, True, False, True, False]      # tp 2, fn 1, fp 1, tn 1
    rows = [{"labels": {"calm": want}} for want in labels]
    scores = [{"calm": {"hit": hit}} for hit in hits]
    c = dimension_counts(rows, scores)
    assert c["calm"] == {"tp": 2, "fp": 1, "fn": 1, "tn": 1, "precision": 0.667, "recall": 0.667, "f1": 0.667}
    assert c["empathy"] == {"tp": 0, "fp": 0, "fn": 0, "tn": 0, "precision": 0.0, "recall": 0.0, "f1": 0.0}
