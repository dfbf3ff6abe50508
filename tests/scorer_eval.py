"""Precision, recall and F1 of the scorer per dimension on the labelled sets in tests/data.

One computation shared by tests/test_scorer_accuracy.py (the F1 floors CI holds the rubric to) and
benchmarks/scorer.py (the figures docs/rubric.md reports). The positive class is "hit" (for calm: calm kept);
`violation_f1` gives calm's F1 with the violation as the positive class, the measure issue 11 reports.

The sets in `FROZEN` are measured, never tuned on: only their aggregate figures may be shown, never their rows or
the rows the scorer gets wrong (docs/rubric.md, "The sets").
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from voicetrainer.types import DIMENSIONS

DATA = Path(__file__).resolve().parent / "data"
SETS = {name: DATA / f"scorer_{name}.jsonl" for name in (
    "dev", "dev2", "dev3", "holdout", "blind_dev", "blind_test", "blind_dev2", "blind_cal", "blind_dev3", "blind_test2",
    "blind_dev4", "blind_test3", "blind_test4", "blind_dev5", "blind_test5",
    "blind_dev6", "blind_test6")}
FROZEN = frozenset(("holdout", "blind_test", "blind_test2", "blind_test3", "blind_test4", "blind_test5",
                    "blind_test6"))
STYLES = ("spoken", "written")
# A second blind labeller's paraphrase label on every row of the frozen sets (and 160 control rows of blind_dev3),
# from docs/relabel-brief-paraphrase.md: a check on the writers' labels, never tuned on (docs/rubric.md).
SECOND_LABELS = DATA / "relabel_paraphrase_frozen.jsonl"
# A third blind labeller's paraphrase label on every row of blind_test (and 60 control rows of blind_dev3), from the
# same brief: with the writers' and the second labeller's, a majority of three for the one frozen set on which the
# first two agree on only 84 % of rows (docs/rubric.md, "A third labeller").
THIRD_LABELS = DATA / "relabel3_paraphrase_frozen.jsonl"


def load_rows(path: Path) -> list[dict]:
    """Labelled rows: {"id", "scenario", "customer", "reply", "labels": {dimension: bool}, "note"} (the blind sets
    add "style": "spoken" | "written")."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _ratios(c: dict[str, int]) -> dict[str, float]:
    p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
    r = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
    return {"precision": round(p, 3), "recall": round(r, 3), "f1": round(2 * p * r / (p + r) if p + r else 0.0, 3)}


def dimension_counts(rows: Sequence[dict], scores: Sequence[dict]) -> dict[str, dict]:
    """{dimension: {tp, fp, fn, tn, precision, recall, f1}} of `scores` (TurnScore.to_dict() per row) against the
    rows' labels; a row without a label for a dimension is left out of it. Ratios are rounded to 3 places."""
    counts = {d: {"tp": 0, "fp": 0, "fn": 0, "tn": 0} for d in DIMENSIONS}
    for row, got in zip(rows, scores, strict=True):
        for d in DIMENSIONS:
            if d not in row["labels"]:
                continue
            want, hit = bool(row["labels"][d]), got[d]["hit"]
            key = "tp" if want and hit else "fp" if hit else "fn" if want else "tn"
            counts[d][key] += 1
    return {d: {**c, **_ratios(c)} for d, c in counts.items()}


def violation_f1(counts: dict[str, int]) -> float:
    """F1 with the miss as the positive class (for calm: finding the replies that lost calm)."""
    flipped = {"tp": counts["tn"], "fp": counts["fn"], "fn": counts["fp"], "tn": counts["tp"]}
    return _ratios(flipped)["f1"]


def all_right(rows: Sequence[dict], scores: Sequence[dict]) -> float:
    """Share of rows where every labelled dimension agrees with its label."""
    ok = sum(all(bool(row["labels"][d]) == got[d]["hit"] for d in DIMENSIONS if d in row["labels"])
             for row, got in zip(rows, scores, strict=True))
    return round(ok / len(rows), 3) if rows else 0.0


def summary(rows: Sequence[dict], scores: Sequence[dict]) -> dict:
    """Counts and F1 per dimension, calm's violation F1 and the all-four-right rate of one set (or part of one)."""
    dims = dimension_counts(rows, scores)
    return {"rows": len(rows), "dimensions": dims, "calm_violation_f1": violation_f1(dims["calm"]),
            "all_right": all_right(rows, scores)}


def by_style(rows: Sequence[dict], scores: Sequence[dict]) -> dict[str, dict]:
    """`summary` of the spoken and the written rows apart ({} for a set without styles)."""
    out = {}
    for style in STYLES:
        pairs = [(r, s) for r, s in zip(rows, scores, strict=True) if r.get("style") == style]
        if pairs:
            out[style] = summary([r for r, _ in pairs], [s for _, s in pairs])
    return out


def second_labeller(name: str, rows: Sequence[dict], scores: Sequence[dict]) -> dict | None:
    """Paraphrase F1 of `scores` against the second labeller's labels of set `name`, and how often the two
    labellers agree; None for a set with no second labels."""
    second = _second_labels().get(name, {})
    pairs = [(row, got) for row, got in zip(rows, scores, strict=True)
             if row["id"] in second and "paraphrase" in row["labels"]]
    if not pairs:
        return None
    relabelled = [dict(row, labels={"paraphrase": second[row["id"]]}) for row, _ in pairs]
    counts = dimension_counts(relabelled, [got for _, got in pairs])["paraphrase"]
    agree = sum(bool(row["labels"]["paraphrase"]) == second[row["id"]] for row, _ in pairs) / len(pairs)
    return {"rows": len(pairs), "f1": counts["f1"], "labellers_agree": round(agree, 3)}


def majority_of_three(name: str, rows: Sequence[dict], scores: Sequence[dict]) -> dict | None:
    """Paraphrase F1 of `scores` against the majority of the writers' and two more blind labellers' labels of set
    `name`, and on the rows where all three agree; how often the third agrees with each of the others. None for a
    set without both extra labels."""
    second, third = _second_labels().get(name, {}), _labels(THIRD_LABELS).get(name, {})
    pairs = [(row, got) for row, got in zip(rows, scores, strict=True)
             if row["id"] in second and row["id"] in third and "paraphrase" in row["labels"]]
    if not pairs:
        return None

    def votes(row: dict) -> list[bool]:
        return [bool(row["labels"]["paraphrase"]), second[row["id"]], third[row["id"]]]

    major = [dict(row, labels={"paraphrase": sum(votes(row)) >= 2}) for row, _ in pairs]
    unanimous = [(row, got) for row, got in pairs if len(set(votes(row))) == 1]
    f1 = dimension_counts(major, [got for _, got in pairs])["paraphrase"]["f1"]
    f1_all = dimension_counts([r for r, _ in unanimous], [g for _, g in unanimous])["paraphrase"]["f1"]
    n = len(pairs)
    return {"rows": n, "f1": f1, "unanimous_rows": len(unanimous), "f1_unanimous": f1_all,
            "third_agrees_with_writers": round(sum(v[0] == v[2] for v in map(votes, (r for r, _ in pairs))) / n, 3),
            "third_agrees_with_second": round(sum(v[1] == v[2] for v in map(votes, (r for r, _ in pairs))) / n, 3)}


def _second_labels() -> dict[str, dict[str, bool]]:
    """{set: {row id: paraphrase}} of the second labeller ({} without the file)."""
    return _labels(SECOND_LABELS)


@cache
def _labels(path: Path) -> dict[str, dict[str, bool]]:
    """{set: {row id: paraphrase}} of a relabel file, read once ({} without the file)."""
    out: dict[str, dict[str, bool]] = {}
    if path.is_file():
        for r in load_rows(path):
            out.setdefault(r["set"], {})[r["id"]] = r["paraphrase"]
    return out
