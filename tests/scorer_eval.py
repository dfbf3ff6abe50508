"""Precision, recall and F1 of the scorer per dimension on the labelled sets in tests/data.

One computation shared by tests/test_scorer_accuracy.py (the F1 floors CI holds the rubric to) and
benchmarks/scorer.py (the figures docs/rubric.md reports). The positive class is "hit".
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from voicetrainer.types import DIMENSIONS

DATA = Path(__file__).resolve().parent / "data"
SETS = {"dev": DATA / "scorer_dev.jsonl", "dev2": DATA / "scorer_dev2.jsonl", "dev3": DATA / "scorer_dev3.jsonl",
        "holdout": DATA / "scorer_holdout.jsonl"}


def load_rows(path: Path) -> list[dict]:
    """Labelled rows: {"id", "scenario", "customer", "reply", "labels": {dimension: bool}, "note"}."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


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
    out: dict[str, dict] = {}
    for d, c in counts.items():
        p = c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 0.0
        r = c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 0.0
        out[d] = {**c, "precision": round(p, 3), "recall": round(r, 3),
                  "f1": round(2 * p * r / (p + r) if p + r else 0.0, 3)}
    return out
