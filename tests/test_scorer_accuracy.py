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

from .scorer_eval import FROZEN, SETS, dimension_counts, load_rows, violation_f1

#            calm   empathy paraphrase solution
FLOORS = {
    "dev":     (0.986, 0.985, 0.916, 0.987),   # measured 0.996 0.995 0.926 0.997
    "dev2":    (0.990, 0.990, 0.832, 0.947),   # measured 1.000 1.000 0.842 0.957
    "dev3":    (0.985, 0.926, 0.836, 0.952),   # measured 0.995 0.936 0.846 0.962
    "holdout": (0.896, 0.956, 0.864, 0.937),   # measured 0.906 0.966 0.874 0.947 (held out)
    # The blind sets (issue 11; docs/rubric.md, "The sets"). blind_test and blind_test2 are frozen: never tuned on,
    # only measured. The learned readings are trained on the tuning sets, so their figures are in-sample there.
    "blind_dev":   (0.990, 0.967, 0.938, 0.984),   # measured 1.000 0.977 0.948 0.994 (tuned on)
    "blind_dev2":  (0.982, 0.941, 0.898, 0.965),   # measured 0.992 0.951 0.908 0.975 (tuned on)
    "blind_cal":   (0.964, 0.912, 0.813, 0.925),   # measured 0.974 0.922 0.823 0.935 (learned readings trained on it)
    "blind_dev3":  (0.966, 0.927, 0.830, 0.978),   # measured 0.976 0.937 0.840 0.988 (tuned on)
    "blind_test":  (0.916, 0.937, 0.872, 0.912),   # measured 0.926 0.947 0.882 0.922 (frozen)
    "blind_test2": (0.869, 0.933, 0.772, 0.927),   # measured 0.879 0.943 0.782 0.937 (frozen)
}
# Calm F1 on violations (the measure issue 11 reports) on the frozen sets: measured 0.907 and 0.865, minus 0.01.
VIOLATION_FLOORS = {"blind_test": 0.897, "blind_test2": 0.855}
# Lowered with a reason (issue 11, second round): the customer's own values said inside a plan or a jab now count as
# carried over, as both new blind writers label them ("I'll refund the full fifty two", "it's $250, not the end of
# the world"); the project's own sets (dev, dev2, dev3, holdout) label such replies "no paraphrase". See
# docs/rubric.md.


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
    if name in VIOLATION_FLOORS:
        got = violation_f1(dimension_counts(rows, scores)["calm"])
        assert got >= VIOLATION_FLOORS[name], f"{name}: calm F1 on violations {got:.3f} < {VIOLATION_FLOORS[name]}"


def test_every_set_has_floors_and_labels():
    assert set(FLOORS) == set(SETS)
    assert set(VIOLATION_FLOORS) == FROZEN - {"holdout"}
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
