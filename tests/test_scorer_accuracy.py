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

from .scorer_eval import FROZEN, SECOND_LABELS, SETS, dimension_counts, load_rows, second_labeller, violation_f1

#            calm   empathy paraphrase solution
FLOORS = {
    "dev":     (0.986, 0.987, 0.949, 0.987),   # measured 0.996 0.997 0.959 0.997
    "dev2":    (0.967, 0.990, 0.879, 0.990),   # measured 0.977 1.000 0.889 1.000
    "dev3":    (0.985, 0.952, 0.910, 0.967),   # measured 0.995 0.962 0.920 0.977
    "holdout": (0.918, 0.964, 0.927, 0.914),   # measured 0.928 0.974 0.937 0.924 (held out)
    # The blind sets (issue 11; docs/rubric.md, "The sets"). blind_test to blind_test5 are frozen: never
    # tuned on, only measured. The learned readings are trained on the tuning sets, so their figures are in-sample
    # there.
    "blind_dev":   (0.990, 0.980, 0.900, 0.981),   # measured 1.000 0.990 0.907 0.991 (tuned on)
    "blind_dev2":  (0.982, 0.941, 0.698, 0.971),   # measured 0.992 0.951 0.708 0.981 (tuned on; paraphrase relabelled)
    "blind_cal":   (0.990, 0.919, 0.555, 0.944),   # measured 1.000 0.929 0.565 0.954 (learned readings; relabelled)
    "blind_dev3":  (0.974, 0.948, 0.945, 0.981),   # measured 0.984 0.958 0.955 0.991 (tuned on)
    "blind_dev4":  (0.983, 0.964, 0.939, 0.975),   # measured 0.993 0.974 0.949 0.985 (tuned on)
    "blind_test":  (0.924, 0.949, 0.835, 0.911),   # measured 0.926 0.959 0.845 0.921 (frozen)
    "blind_test2": (0.884, 0.945, 0.912, 0.936),   # measured 0.892 0.955 0.922 0.946 (frozen)
    "blind_test3": (0.923, 0.978, 0.942, 0.947),   # measured 0.933 0.988 0.952 0.957 (frozen)
    "blind_test4": (0.939, 0.965, 0.896, 0.948),   # measured 0.949 0.975 0.904 0.958 (frozen)
    "blind_dev5":  (0.990, 0.958, 0.944, 0.945),   # measured 1.000 0.968 0.954 0.955 (tuned on)
    "blind_test5": (0.945, 0.969, 0.940, 0.935),   # measured 0.955 0.979 0.945 0.945 (frozen)
    "blind_dev6":  (0.980, 0.958, 0.939, 0.974),   # measured 0.990 0.968 0.949 0.984 (tuned on from here)
    "blind_test6": (0.951, 0.954, 0.929, 0.921),   # measured 0.957 0.964 0.939 0.931 (frozen)
}
# Calm F1 on violations (the measure issue 11 reports) on the frozen sets, floors at the highest measure minus 0.01;
# measured at the end of stop 23: 0.907, 0.878, 0.927, 0.946, 0.955, 0.953.
VIOLATION_FLOORS = {"blind_test": 0.907, "blind_test2": 0.875, "blind_test3": 0.917, "blind_test4": 0.936,
                    "blind_test5": 0.945, "blind_test6": 0.949}
# Lowered with a reason:
# - issue 11, second round: the customer's own values said inside a plan or a jab count as carried over, as both
#   new blind writers label them ("I'll refund the full fifty two"); the project's own sets label such replies "no
#   paraphrase". See docs/rubric.md.
# - issue 11, fourth round: paraphrase needs at least `share_needed` (0.3) of what the customer said, the line of
#   the third and fourth rounds' writers and of a blind relabel; the first round's writers (blind_dev, blind_test)
#   count one correct fact, so their paraphrase floors drop (0.948 -> 0.906, 0.882 -> 0.834); blind_dev2 and
#   blind_cal were relabelled (their floors are against the new labels). The retrained tone calls one curt dev2
#   reply rude (calm 1.000 -> 0.977), and on the holdout the retrained offer reading takes back two real offers more
#   and lets one vague one through (solution 0.947 -> 0.924).


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


def test_every_second_label_names_a_row_of_its_set():
    second = load_rows(SECOND_LABELS)
    ids = {name: {row["id"] for row in load_rows(SETS[name])} for name in {r["set"] for r in second}}
    assert all(r["id"] in ids[r["set"]] and isinstance(r["paraphrase"], bool) for r in second)
    assert FROZEN - {"holdout", "blind_test5", "blind_test6"} <= set(ids)


def test_the_second_labeller_is_compared_row_by_row():
    rows = [{"id": "A-004", "labels": {"paraphrase": True}}, {"id": "A-005", "labels": {"paraphrase": False}}]
    got = [{"paraphrase": {"hit": True}}, {"paraphrase": {"hit": True}}]
    first = {r["id"]: r["paraphrase"] for r in load_rows(SECOND_LABELS) if r["set"] == "blind_test"}
    res = second_labeller("blind_test", rows, got)
    assert res["rows"] == 2
    assert res["labellers_agree"] == ((first["A-004"] is True) + (first["A-005"] is False)) / 2
    assert second_labeller("dev", rows, got) is None


def test_the_majority_of_three_is_counted_row_by_row(tmp_path, monkeypatch):
    from . import scorer_eval

    second = {r["id"]: r["paraphrase"] for r in load_rows(SECOND_LABELS) if r["set"] == "blind_test"}
    ids = ["A-004", "A-005"]
    rows = [{"id": i, "labels": {"paraphrase": True}} for i in ids]
    third = tmp_path / "third.jsonl"
    third.write_text("".join(f'{{"set": "blind_test", "id": "{i}", "paraphrase": false}}\n' for i in ids))
    monkeypatch.setattr(scorer_eval, "THIRD_LABELS", third)
    got = [{"paraphrase": {"hit": True}}, {"paraphrase": {"hit": False}}]
    res = scorer_eval.majority_of_three("blind_test", rows, got)
    # writers true, third false: the second labeller decides each row; nobody agrees unanimously
    major = [second[i] for i in ids]
    tp = (got[0]["paraphrase"]["hit"] and major[0]) + (got[1]["paraphrase"]["hit"] and major[1])
    assert res["rows"] == 2 and res["unanimous_rows"] == 0
    assert res["third_agrees_with_writers"] == 0.0
    assert res["third_agrees_with_second"] == sum(not second[i] for i in ids) / 2
    assert (res["f1"] > 0) == bool(tp)
    assert scorer_eval.majority_of_three("dev", rows, got) is None


def test_counts_and_f1_of_a_known_confusion():
    labels = [True, True, True, False, False]
    hits = [True, True, False, True, False]      # tp 2, fn 1, fp 1, tn 1
    rows = [{"labels": {"calm": want}} for want in labels]
    scores = [{"calm": {"hit": hit}} for hit in hits]
    c = dimension_counts(rows, scores)
    assert c["calm"] == {"tp": 2, "fp": 1, "fn": 1, "tn": 1, "precision": 0.667, "recall": 0.667, "f1": 0.667}
    assert c["empathy"] == {"tp": 0, "fp": 0, "fn": 0, "tn": 0, "precision": 0.0, "recall": 0.0, "f1": 0.0}
