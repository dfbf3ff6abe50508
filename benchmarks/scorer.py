"""Measure the rubric scorer: F1 per dimension on every labelled set, spoken and written apart, and time per reply.

    python benchmarks/scorer.py                      # every set, then timing
    python benchmarks/scorer.py --sets dev,blind_dev # only these sets
    python benchmarks/scorer.py --json               # the same as one JSON object
    python benchmarks/scorer.py --errors blind_dev --dimension calm   # the rows it gets wrong (tuning sets only)

The positive class is "hit" (for calm: calm kept); calm is also given as F1 on violations (the reply lost calm is
the positive class), the figure issue 11 reports. The blind sets are split into spoken-style and written replies.
"all right" is the share of replies with every dimension agreeing with its label. The frozen sets also print
paraphrase against a second blind labeller (tests/data/relabel_paraphrase_frozen.jsonl) and how often the two
labellers agree: where they disagree, the writer's label is a convention, not a fact. blind_test, where they agree
least, also prints paraphrase against the majority of three blind labellers (a third in
tests/data/relabel3_paraphrase_frozen.jsonl) and on the rows all three agree on.

`--errors` lists disagreements only for the sets the rules are tuned on; the holdout and blind_test to blind_test6
(`FROZEN` in tests/scorer_eval.py) are frozen: only their aggregate figures are printed, never their rows.

Timing is single-threaded `score_reply` on every reply of the sets measured, in a second, warm pass (the rubric
loaded once beforehand), as median and 95th percentile milliseconds.
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
# tests/scorer_eval.py is shared with the CI floors.
from tests.scorer_eval import (  # noqa: E402
    FROZEN,
    SETS,
    by_style,
    load_rows,
    majority_of_three,
    second_labeller,
    summary,
)
from voicetrainer.scoring import load_rubric, score_reply  # noqa: E402
from voicetrainer.types import DIMENSIONS  # noqa: E402


def _score_all(rows: list[dict], rubric) -> list[dict]:
    return [score_reply(row["customer"], row["reply"], rubric).to_dict() for row in rows]


def _print_errors(rows: list[dict], scores: list[dict], dimension: str | None) -> None:
    for row, got in zip(rows, scores, strict=True):
        for d in [dimension] if dimension else DIMENSIONS:
            if d in row["labels"] and bool(row["labels"][d]) != got[d]["hit"]:
                style = f" {row['style']}" if "style" in row else ""
                print(f"[{row.get('id')}{style}] {d}: label={row['labels'][d]} got={got[d]['hit']} "
                      f"({got[d]['score']}) ev={got[d]['evidence']}\n   C: {row['customer']}\n"
                      f"   R: {row['reply']}\n   note: {row.get('note', '')}")


def _table(name: str, res: dict) -> list[str]:
    lines = [f"{name} ({res['rows']} replies): all four right {res['all_right']:.3f}, "
             f"calm F1 on violations {res['calm_violation_f1']:.3f}",
             f"  {'dimension':<11} {'precision':>9} {'recall':>7} {'F1':>6}   tp  fp  fn  tn"]
    for d, c in res["dimensions"].items():
        lines.append(f"  {d:<11} {c['precision']:>9.3f} {c['recall']:>7.3f} {c['f1']:>6.3f}  "
                     f"{c['tp']:>3} {c['fp']:>3} {c['fn']:>3} {c['tn']:>3}")
    styles = res.get("by_style", {})
    if styles:
        head = "  ".join(f"{d[:5]:>5}" for d in DIMENSIONS)
        lines.append(f"  {'style':<8} {'rows':>4}  {head}  calm-violations  all-right")
        for style, s in styles.items():
            f1s = "  ".join(f"{s['dimensions'][d]['f1']:>5.3f}" for d in DIMENSIONS)
            lines.append(f"  {style:<8} {s['rows']:>4}  {f1s}  {s['calm_violation_f1']:>15.3f}  {s['all_right']:>9.3f}")
    second = res.get("paraphrase_second_labeller")
    if second:
        lines.append(f"  paraphrase against a second blind labeller ({second['rows']} rows): F1 {second['f1']:.3f}; "
                     f"the two labellers agree on {second['labellers_agree']:.3f}")
    third = res.get("paraphrase_majority_of_three")
    if third:
        lines.append(f"  paraphrase against the majority of three blind labellers ({third['rows']} rows): F1 "
                     f"{third['f1']:.3f}; on the {third['unanimous_rows']} rows all three agree on: F1 "
                     f"{third['f1_unanimous']:.3f} (the third agrees with the writers on "
                     f"{third['third_agrees_with_writers']:.3f}, with the second on "
                     f"{third['third_agrees_with_second']:.3f})")
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    ap.add_argument("--sets", default=",".join(SETS),
                    help=f"comma-separated sets to measure (default: {','.join(SETS)})")
    ap.add_argument("--errors", metavar="SET", help="list the rows of SET (dev, dev2, dev3, blind_dev) where the "
                                                    "scorer disagrees with the label")
    ap.add_argument("--dimension", choices=DIMENSIONS, help="with --errors: only this dimension")
    ap.add_argument("--rubric", help="rubric file (default: the packaged one)")
    args = ap.parse_args(argv)

    if args.errors is not None:
        if args.errors in FROZEN:
            print(f"error: {args.errors} is a frozen set: only its aggregate figures may be seen, never its rows "
                  f"(tune on {', '.join(s for s in SETS if s not in FROZEN)})", file=sys.stderr)
            return 2
        if args.errors not in SETS:
            print(f"error: unknown set {args.errors!r}; expected one of: "
                  f"{', '.join(s for s in SETS if s not in FROZEN)}", file=sys.stderr)
            return 2
    names = [s.strip() for s in args.sets.split(",") if s.strip()]
    unknown = [s for s in names if s not in SETS]
    if unknown:
        print(f"error: unknown set(s) {', '.join(unknown)}; expected some of: {', '.join(SETS)}", file=sys.stderr)
        return 2

    rubric = load_rubric(args.rubric)
    if args.errors is not None:
        rows = load_rows(SETS[args.errors])
        _print_errors(rows, _score_all(rows, rubric), args.dimension)
        return 0

    report: dict = {"sets": {}}
    measured: list[dict] = []
    for name in names:
        path = SETS[name]
        if not path.is_file():
            report["sets"][name] = {"missing": str(path)}
            continue
        rows = load_rows(path)
        scores = _score_all(rows, rubric)
        res = summary(rows, scores)
        styles = by_style(rows, scores)
        if styles:
            res["by_style"] = styles
        second = second_labeller(name, rows, scores)
        if second:
            res["paraphrase_second_labeller"] = second
        third = majority_of_three(name, rows, scores)
        if third:
            res["paraphrase_majority_of_three"] = third
        report["sets"][name] = res
        measured += rows
    # Timing: a second, warm pass over every reply (the first pass filled the stemmer's cache).
    times = []
    for row in measured:
        t0 = time.perf_counter()
        score_reply(row["customer"], row["reply"], rubric)
        times.append((time.perf_counter() - t0) * 1000)
    if times:
        times.sort()
        report["ms_per_reply"] = {"p50": round(statistics.median(times), 2),
                                  "p95": round(times[int(0.95 * (len(times) - 1))], 2),
                                  "max": round(times[-1], 2), "replies": len(times)}
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    for name, res in report["sets"].items():
        if "missing" in res:
            print(f"{name}: missing {res['missing']}")
            continue
        print("\n".join(_table(name, res)))
    if "ms_per_reply" in report:
        t = report["ms_per_reply"]
        print(f"time per reply (single-threaded, {t['replies']} replies): p50 {t['p50']} ms, "
              f"p95 {t['p95']} ms, max {t['max']} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
