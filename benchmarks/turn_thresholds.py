"""Chooses the end-of-turn vote's thresholds on the dev half of the human replies, and reports them on the test half.

Each reply of benchmarks/human_replies.py is fed frame by frame (as fast as it can be read, no sound card) through
the real path: Silero VAD → `MicReplies` → real tiny.en at every pause, and Smart Turn v3.2 at every pause.
Transcripts and votes come back at once (an inline executor, and each one is cached: every setting hears the
same pauses), so this measures the *policy* — where the turn would end — not how fast this machine is
(benchmarks/turn_latency.py does that, in real time). Per setting:

- cut-ins: replies whose turn ended before the rep's last speech (the persona would start mid-reply);
- gap p50 / mean: silence from the end of the rep's speech to the end of the turn on the other replies, in ms.

The chosen setting is the one with the fewest cut-ins on the dev half, then the shortest mean gap, among those with
no more cut-ins than the text-only policy (ties: the one whose vote lengthens a turn only when the model is
surest); it is then run once
on the test half (t01-t12; the single prompts s01-s08 are for turn_latency.py's gap).

    python benchmarks/turn_thresholds.py [--json]
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import sys
from concurrent.futures import Executor, Future
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

COMPLETE = [0.5, 0.7, 0.8, 0.9, 0.95]
UNFINISHED = [0.0, 0.1, 0.2, 0.3, 0.5]
EXTRA_MS = [400, 600]


class Inline(Executor):
    def submit(self, fn, /, *args, **kwargs):
        f: Future = Future()
        f.set_result(fn(*args, **kwargs))
        return f


class Cached:
    """Wraps a transcriber or a vote: the same audio gives the stored answer (every setting hears the same pauses)."""

    def __init__(self, fn):
        self.fn, self.memo = fn, {}

    def key(self, x):
        return hashlib.sha1(np.ascontiguousarray(x).tobytes()).hexdigest()


class CachedTranscriber(Cached):
    def transcribe(self, clip, word_timestamps=False, min_window_s=None):
        k = (self.key(clip.samples), min_window_s)
        if k not in self.memo:
            self.memo[k] = self.fn.transcribe(clip, word_timestamps=False, min_window_s=min_window_s)
        return self.memo[k]


class CachedVote(Cached):
    def __call__(self, audio):
        k = self.key(audio)
        if k not in self.memo:
            self.memo[k] = self.fn(audio)
        return self.memo[k]


class WavMic:
    """The reply's samples as 32 ms frames; `block_time` counts samples from 100.0 s."""

    def __init__(self, samples):
        self.samples, self.block_time, self.read = samples, 0.0, 0

    def drain(self):
        pass

    def frames(self, timeout_s: float = 2.0):
        from voicetrainer.audio.vad import FRAME

        for i in range(0, len(self.samples) - FRAME + 1, FRAME):
            self.read = i + FRAME
            self.block_time = 100.0 + i / 16_000
            yield self.samples[i:i + FRAME]


def turn_end(reply, params, silero, transcriber, vote) -> int:
    """The sample at which the turn ends (the last sample read before the reply was handed back)."""
    from voicetrainer.audio.files import read_audio
    from voicetrainer.audio.listening import MicReplies

    mic = WavMic(read_audio(reply.path).samples)
    mr = MicReplies(mic, silero, params, transcriber=transcriber, executor=Inline(), vote=vote,
                    vote_executor=Inline())
    mr.next_reply("")
    return mic.read


def evaluate(replies, params, silero, transcriber, vote) -> dict:
    gaps, cut = [], []
    for r in replies:
        gap_ms = (turn_end(r, params, silero, transcriber, vote) - r.speech_end_sample) / 16
        if gap_ms < 0:
            cut.append(r.id)
        else:
            gaps.append(gap_ms)
    return {"cutins": len(cut), "cut": cut, "gap_p50_ms": round(float(np.median(gaps))) if gaps else None,
            "gap_mean_ms": round(float(np.mean(gaps))) if gaps else None, "n": len(replies)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--model", default="tiny.en")
    args = ap.parse_args(argv)
    from human_replies import build

    from voicetrainer.audio.turn import SmartTurnVote
    from voicetrainer.audio.vad import SileroSpeechProb, TurnParams
    from voicetrainer.speech.stt import FasterWhisperTranscriber

    replies = build()
    dev = [r for r in replies if r.half == "dev"]
    test = [r for r in replies if r.half == "test" and r.kind != "single" or r.id.startswith("t")]
    silero = SileroSpeechProb()
    transcriber = CachedTranscriber(FasterWhisperTranscriber(args.model))
    vote = CachedVote(SmartTurnVote())
    text_only = TurnParams.adaptive()
    rows = [("text only (adaptive)", text_only, evaluate(dev, text_only, silero, transcriber, None))]
    for c, u, x in itertools.product(COMPLETE, UNFINISHED, EXTRA_MS):
        if u >= c or (u == 0.0 and x != EXTRA_MS[0]):
            continue
        p = TurnParams.voted(complete_prob=c, unfinished_prob=u, unfinished_extra_ms=x)
        rows.append((f"vote complete>={c} unfinished<{u} +{x}", p, evaluate(dev, p, silero, transcriber, vote)))
    base = rows[0][2]["cutins"]
    allowed = [r for r in rows[1:] if r[2]["cutins"] <= base]
    # Fewest cut-ins, then the shortest gap. Among settings the dev half cannot tell apart: one whose vote can
    # lengthen a turn (unfinished_prob > 0), but only when the model is sure (the lowest such unfinished_prob:
    # every extra wait on a finished reply is 400 ms on the gap), then the lowest complete_prob and extra wait.
    best = min(allowed or rows[1:], key=lambda r: (r[2]["cutins"], r[2]["gap_mean_ms"] or 1e9,
                                                    r[1].unfinished_prob == 0, r[1].unfinished_prob,
                                                    r[1].complete_prob, r[1].unfinished_extra_ms))
    test_text = evaluate(test, text_only, silero, transcriber, None)
    test_best = evaluate(test, best[1], silero, transcriber, vote)
    default = TurnParams.voted()
    test_default = evaluate(test, default, silero, transcriber, vote)
    if args.json:
        print(json.dumps({"dev": [{"setting": n, **e} for n, _, e in rows], "chosen": best[0],
                          "test_chosen": test_best, "test_text_only": test_text,
                          "test_default": {"setting": f"TurnParams.voted() complete>={default.complete_prob} "
                                                      f"unfinished<{default.unfinished_prob} "
                                                      f"+{default.unfinished_extra_ms}", **test_default}}))
        return 0
    print(f"dev half ({len(dev)} human replies); gap = silence after the rep's last speech when the turn ends")
    print(f"{'setting':44} {'cut-ins':>7} {'gap p50':>7} {'gap mean':>8}  cut in on")
    for name, _, e in rows:
        print(f"{name:44} {e['cutins']:7d} {e['gap_p50_ms']!s:>7} {e['gap_mean_ms']!s:>8}  {' '.join(e['cut'])}")
    print(f"\nchosen on dev: {best[0]}")
    print(f"test half ({len(test)} human replies):")
    for name, e in (("text only (adaptive)", test_text), (best[0], test_best),
                    (f"default TurnParams.voted() ({default.complete_prob}/{default.unfinished_prob}/"
                     f"+{default.unfinished_extra_ms})", test_default)):
        print(f"{name:44} {e['cutins']:7d} {e['gap_p50_ms']!s:>7} {e['gap_mean_ms']!s:>8}  {' '.join(e['cut'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
