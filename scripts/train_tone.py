#!/usr/bin/env python3
"""Train the learned tone model (voicetrainer/scoring/tone.py) and choose its threshold; writes scoring/tone.json.

    .venv/bin/python scripts/train_tone.py [--calibrate blind_cal] [--dry-run]

Trained on the tuning sets' calm labels (TRAIN). The threshold is chosen on the calibration set, labelled blind and
never used to tune the rules: on sets the rules were tuned on they miss almost nothing, so a threshold chosen there
would never let the model speak (benchmarks/calm_learned.py measured that). The chosen threshold maximises calm F1
of the rules with the model's cost added, the calibration set's calm replies weighted to the share of calm replies
in the blind tuning sets, ties going to the higher threshold (fewer costs added), among the thresholds at which at
least 90 % of the costs the model adds on the calibration set are right. The frozen sets
are never read. Deterministic: the same data gives the same file.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# E402: after the sys.path insert, so this checkout's code is imported
from tests.scorer_eval import FROZEN, SETS, load_rows  # noqa: E402
from voicetrainer.scoring import load_rubric, score_reply  # noqa: E402
from voicetrainer.scoring.tone import MODEL_FILE, ToneModel, fit  # noqa: E402

TRAIN = ("dev", "dev2", "dev3", "blind_dev", "blind_dev2")
THRESHOLDS = tuple(round(0.5 + 0.05 * i, 2) for i in range(10))   # 0.5 .. 0.95
LAMBDA = 1.0
MIN_RIGHT = 0.9   # a threshold is a choice only if at least this share of the costs it adds are right: a rep told
                  # "calm ✗" for a kind reply, with words like "tomorrow morning" as the evidence, stops trusting it


def kept_f1(want: list[bool], got: list[bool], kept_weight: float = 1.0) -> float:
    """Calm F1 (calm kept as the positive class), calm-kept rows weighted by `kept_weight`."""
    tp = kept_weight * sum(w and g for w, g in zip(want, got, strict=True))
    fp = sum(g and not w for w, g in zip(want, got, strict=True))
    fn = kept_weight * sum(w and not g for w, g in zip(want, got, strict=True))
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calibrate", default="blind_cal", help="the set the threshold is chosen on")
    ap.add_argument("--dry-run", action="store_true", help="print, do not write tone.json")
    a = ap.parse_args(argv)
    assert a.calibrate not in FROZEN and not FROZEN & set(TRAIN), "the frozen sets are never used here"
    rows = [r for name in TRAIN for r in load_rows(SETS[name])]
    weights, bias = fit([r["reply"] for r in rows], [not r["labels"]["calm"] for r in rows], lam=LAMBDA)
    print(f"trained on {len(rows)} replies ({', '.join(TRAIN)}): {len(weights)} weights, bias {bias}")

    rules = load_rubric(overrides={"calm": {"tone": {"use": False}}})   # the rules alone
    cal = load_rows(SETS[a.calibrate])
    want = [bool(r["labels"]["calm"]) for r in cal]
    scored = [score_reply(r["customer"], r["reply"], rules).to_dict()["calm"] for r in cal]
    rules_kept = [d["hit"] for d in scored]
    # the model's cost applies only where no word cost calm (a voice cost cannot occur in text)
    open_ = [not d["evidence"] for d in scored]
    model = ToneModel(weights, bias, 1.0)
    probs = [model.read(r["reply"])[0] for r in cal]
    # The calibration set is mostly rude (it was written to probe calm); weigh its calm replies up to the share
    # of calm replies in the blind tuning sets, so the threshold suits replies as reps write them.
    blind = [r for name in ("blind_dev", "blind_dev2") for r in load_rows(SETS[name])]
    share = sum(r["labels"]["calm"] for r in blind) / len(blind)
    kept_weight = (share / (1 - share)) * (len(want) - sum(want)) / max(1, sum(want))
    print(f"calm replies weighted {kept_weight:.2f} (the blind tuning sets are {share:.0%} calm)")
    base = kept_f1(want, rules_kept, kept_weight)
    print(f"calibration on {a.calibrate} ({len(cal)} replies): the rules alone, calm F1 {base:.3f}")
    best = (base, 1.0)
    for t in THRESHOLDS:
        got = [k and not (o and p >= t) for k, o, p in zip(rules_kept, open_, probs, strict=True)]
        f = kept_f1(want, got, kept_weight)
        added = sum(k and not g for k, g in zip(rules_kept, got, strict=True))
        right = sum(k and not g and not w_ for k, g, w_ in zip(rules_kept, got, want, strict=True))
        trusted = added and right / added >= MIN_RIGHT
        print(f"  threshold {t:.2f}: calm F1 {f:.3f}  costs added {added:3d}, of them right {right:3d}"
              + ("" if trusted else f"  (under {MIN_RIGHT:.0%} right: not a choice)"))
        if trusted and (f > best[0] or (f == best[0] and t > best[1])):
            best = (f, t)
    print(f"chosen threshold {best[1]:.2f} (calm F1 {best[0]:.3f} on {a.calibrate})")
    if a.dry_run:
        return 0
    MODEL_FILE.write_text(json.dumps({
        "about": "learned tone model for calm: scripts/train_tone.py; docs/rubric.md, 'The learned tone'",
        "trained_on": list(TRAIN), "calibrated_on": a.calibrate, "lambda": LAMBDA,
        "threshold": best[1], "bias": bias, "weights": dict(sorted(weights.items())),
    }, indent=0, sort_keys=False) + "\n", encoding="utf-8")
    print(f"wrote {MODEL_FILE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
