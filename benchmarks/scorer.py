"""Measure the rubric scorer: precision, recall and F1 per dimension on the labelled sets, and time per reply.

    python benchmarks/scorer.py            # dev and holdout tables, then timing
    python benchmarks/scorer.py --json     # the same as one JSON object
    python benchmarks/scorer.py --errors dev --dimension paraphrase   # list disagreements (dev only, for tuning)

The positive class is "hit". Timing is single-threaded `score_reply` on every text reply of both sets (the rubric
loaded once beforehand), reported as median and 95th percentile milliseconds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# E402: these imports come after the sys.path insert, so they load this checkout's code, not an installed copy.
from tests.scorer_eval import SETS, dimension_counts, load_rows  # noqa: E402  (the F1 the accuracy test checks)
from voicetrainer.scoring import load_rubric, score_reply  # noqa: E402
from voicetrainer.types import DIMENSIONS  # noqa: E402


def evaluate(rows: list[dict], rubric) -> tuple[dict, list[float], list[tuple[dict, dict]]]:
    """Score rows; return ({dimension: {tp, fp, fn, tn, precision, recall, f1}}, times in ms, (row, scores))."""
    times: list[float] = []
    results = []
    for row in rows:
        t0 = time.perf_counter()
        score = score_reply(row["customer"], row["reply"], rubric)
        times.append((time.perf_counter() - t0) * 1000)
        results.append((row, score.to_dict()))
    return dimension_counts(rows, [got for _, got in results]), times, results


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    ap.add_argument("--errors", choices=["dev", "dev2", "dev3"],
                    help="list the rows where the scorer disagrees with the label")
    ap.add_argument("--dimension", choices=DIMENSIONS, help="with --errors: only this dimension")
    ap.add_argument("--rubric", help="rubric file (default: the packaged one)")
    args = ap.parse_args(argv)

    rubric = load_rubric(args.rubric)
    report: dict = {"sets": {}}
    all_times: list[float] = []
    for name, path in SETS.items():
        if not path.is_file():
            report["sets"][name] = {"missing": str(path)}
            continue
        rows = load_rows(path)
        counts, times, results = evaluate(rows, rubric)
        all_times += times
        report["sets"][name] = {"rows": len(rows), "dimensions": counts}
        if args.errors == name:
            for row, got in results:
                for d in [args.dimension] if args.dimension else DIMENSIONS:
                    if d in row["labels"] and bool(row["labels"][d]) != got[d]["hit"]:
                        print(f"[{row.get('id')}] {d}: label={row['labels'][d]} got={got[d]['hit']} "
                              f"({got[d]['score']}) ev={got[d]['evidence']}\n   C: {row['customer']}\n"
                              f"   R: {row['reply']}\n   note: {row.get('note', '')}")
            return 0
    # Timing: a second, warm pass over every reply (the first pass filled the stemmer's cache).
    rows = [r for p in SETS.values() if p.is_file() for r in load_rows(p)]
    times = []
    for row in rows:
        t0 = time.perf_counter()
        score_reply(row["customer"], row["reply"], rubric)
        times.append((time.perf_counter() - t0) * 1000)
    if times:
        times.sort()
        report["ms_per_reply"] = {"median": round(statistics.median(times), 2),
                                  "p95": round(times[int(0.95 * (len(times) - 1))], 2),
                                  "max": round(times[-1], 2), "replies": len(times)}
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    for name, res in report["sets"].items():
        if "missing" in res:
            print(f"{name}: missing {res['missing']}")
            continue
        print(f"{name} ({res['rows']} replies)")
        print(f"  {'dimension':<11} {'precision':>9} {'recall':>7} {'F1':>6}   tp  fp  fn  tn")
        for d, c in res["dimensions"].items():
            print(f"  {d:<11} {c['precision']:>9.3f} {c['recall']:>7.3f} {c['f1']:>6.3f}  "
                  f"{c['tp']:>3} {c['fp']:>3} {c['fn']:>3} {c['tn']:>3}")
    if "ms_per_reply" in report:
        t = report["ms_per_reply"]
        print(f"time per reply (single-threaded, {t['replies']} replies): median {t['median']} ms, "
              f"p95 {t['p95']} ms, max {t['max']} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
