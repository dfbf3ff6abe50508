"""Learned second opinions: logistic regressions over a reply's words and word pairs, beside the rules.

Two are shipped, each trained on the labelled tuning sets by a script in `scripts/`, its weights a JSON file beside
the rubric (read like rubric.yaml; pure numpy, well under a millisecond a reply):

- **the tone** (`tone.json`, `scripts/train_tone.py`): P(calm lost). Rudeness comes in more wordings than the calm
  rules reach ("Honestly, people usually manage to read the confirmation"). At or above its `threshold` it adds a
  calm cost to a reply the rules found calm; far below it (`forgive_below`) it forgives rule costs that are only
  short phrases that look rude out of context ("no, you're not being difficult"); never profanity, shouting, insults
  or trigger phrases (scoring/calm.py).
- **the offer reading** (`offer.json`, `scripts/train_offer.py`): P(a concrete solution). The solution rules find
  offer words in a committing sentence; the words around them tell a real remedy from a hand-off, a request, advice
  that puts the work back on the customer, or a restated past action ("I'll get the manager to review it", "could
  you send a photo", "have you tried reinstalling"). Below its `threshold` it takes back the rules' hit
  (scoring/solution.py).

Either way the evidence names the words that weighed most, so the rep still sees what earned or cost the verdict.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from voicetrainer.text import STOP_WORDS, is_number_word, tokenize

TONE_FILE = Path(__file__).with_name("tone.json")
OFFER_FILE = Path(__file__).with_name("offer.json")


_LETTERS = frozenset(("s", "t", "ll", "re", "ve", "d", "m"))   # letters alone ("T-shirt", "5 m"): no tone


def _small(tok: str) -> bool:
    """A word that carries no tone alone: "it", "but", "not", "have" (still counted inside word pairs). The words come
    from `tokenize`, contractions already spelt out, so none holds an apostrophe."""
    return tok in STOP_WORDS or tok in _LETTERS


def _tokens(text: str) -> list[str]:
    """The words as the rules read them: lower case, contractions spelt out ("if you had checked", "if you would
    like"), so "you'd" in blame and in an offer are told apart."""
    return list(tokenize(text).words)


def grams(text: str) -> set[str]:
    """The words and word pairs of a reply that can carry a tone, lower-cased ("honestly", "calm down", "did you"):
    every pair, but no small word alone ("it's", "but")."""
    toks = _tokens(text)
    return {t for t in toks if not _small(t)} | {f"{a} {b}" for a, b in zip(toks, toks[1:], strict=False)}


def _situational(gram: str, said: set[str]) -> bool:
    """A word pair made only of the customer's words, numbers and small words ("forty five", "the parcel"): it may
    weigh, but it says nothing about how the rep spoke, so it is not shown as evidence."""
    return all(t in said or t[0].isdigit() or is_number_word(t) for t in gram.split())


@dataclass(frozen=True)
class WordModel:
    """Weights of the words and word pairs towards the model's class ("calm lost", "a concrete solution"), the bias,
    the `threshold` at which it acts, and for the tone the one below which it forgives a rule's cost (0: none)."""

    weights: dict[str, float]
    bias: float
    threshold: float
    forgive_below: float = 0.0

    def read(self, reply: str, top: int = 3, against: bool = False,
             customer: str = "") -> tuple[float, tuple[str, ...]]:
        """P(the class) for a reply, and the words that weighed most towards it (`against`: against it), leaving
        out the customer's own words and numbers (`customer`: their line)."""
        found = [(self.weights[g], g) for g in grams(reply) if g in self.weights]
        z = self.bias + sum(w for w, _ in found)
        p = 1 / (1 + math.exp(-max(-30.0, min(30.0, z))))
        said = set(_tokens(customer))
        if against:
            heavy = [g for w, g in sorted(found) if w < 0 and not _situational(g, said)]
        else:
            heavy = [g for w, g in sorted(found, reverse=True) if w > 0 and not _situational(g, said)]
        words: list[str] = []
        for g in heavy:   # "calm down" covers "calm" and "down"
            if not any(g in w.split() or w in g.split() for w in words):
                words.append(g)
            if len(words) == top:
                break
        return p, tuple(words)


@lru_cache(maxsize=4)
def load_model(path: Path) -> WordModel | None:
    """The model in `path`, or None when there is none (the rules then judge alone)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return WordModel(weights={k: float(v) for k, v in data["weights"].items()}, bias=float(data["bias"]),
                     threshold=float(data["threshold"]), forgive_below=float(data.get("forgive_below", 0.0)))


def load_tone(path: Path = TONE_FILE) -> WordModel | None:
    """The tone model (P(calm lost)), or None without its file."""
    return load_model(path)


def load_offer(path: Path = OFFER_FILE) -> WordModel | None:
    """The offer reading (P(a concrete solution)), or None without its file."""
    return load_model(path)


# --- training (scripts/train_tone.py, scripts/train_offer.py) ---------------------------------------------------------

def fit(texts: Sequence[str], lost: Sequence[bool], lam: float = 1.0, min_df: int = 2,
        iters: int = 300, alpha: float = 1.0) -> tuple[dict[str, float], float]:
    """L2 logistic regression of the class (`lost`: "calm lost", or "a concrete solution") on the texts' words and
    word pairs, classes balanced, with no intercept: a reply with no word the model knows reads 0.5, neither way (an
    intercept, fitted for the tone, came out at +0.39: kind replies are longer and collect more words towards calm, so
    short kind replies read rude). Full-batch Adam from zero (deterministic). Words seen in fewer than `min_df` texts
    are left out. Returns (weights, bias), the bias 0.

    Each word's feature is scaled by how far it leans to one class in the data, |log-count ratio| with `alpha`
    smoothing (NBSVM, Wang & Manning 2012): the L2 penalty then holds back words seen on both sides ("the", "your
    order") more than words that lean ("honestly", "calm down"), which generalises better to new situations
    (docs/rubric.md, "The learned readings"). The weights returned are the scaled ones, so reading is unchanged."""
    g = [grams(t) for t in texts]
    df: dict[str, int] = {}
    for text_grams in g:
        for gram in text_grams:
            df[gram] = df.get(gram, 0) + 1
    vocab = sorted(gram for gram, k in df.items() if k >= min_df)
    index = {gram: i for i, gram in enumerate(vocab)}
    ri = np.array([r for r, tg in enumerate(g) for gram in tg if gram in index], dtype=np.int64)
    ci = np.array([index[gram] for tg in g for gram in tg if gram in index], dtype=np.int64)
    y = np.array(lost, dtype=np.float64)
    n, d = len(g), len(vocab)
    pc = np.bincount(ci, weights=y[ri], minlength=d) + alpha
    qc = np.bincount(ci, weights=1 - y[ri], minlength=d) + alpha
    scale = np.abs(np.log((pc / pc.sum()) / (qc / qc.sum())))
    x = scale[ci]
    pos = float(y.mean())
    sw = np.where(y > 0, 0.5 / pos, 0.5 / (1 - pos))
    w = np.zeros(d)
    m = np.zeros(d)
    v = np.zeros(d)
    lr, b1, b2 = 0.05, 0.9, 0.999
    for t in range(1, iters + 1):
        z = np.bincount(ri, weights=w[ci] * x, minlength=n)
        p = 1 / (1 + np.exp(-np.clip(z, -30, 30)))
        err = sw * (p - y) / n
        grad = np.bincount(ci, weights=err[ri] * x, minlength=d) + (lam / n) * w
        m = b1 * m + (1 - b1) * grad
        v = b2 * v + (1 - b2) * grad * grad
        w -= lr * (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + 1e-8)
    w *= scale
    return {vocab[i]: round(float(w[i]), 4) for i in range(d) if abs(w[i]) >= 1e-3}, 0.0
