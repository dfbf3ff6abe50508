"""Word error rate of the full 30 s Whisper window against the short window (speech + padding), on real speech.

Sets: the human recordings in ../shared/speech/ (manifest.jsonl), the spoken fixtures in audio_fixtures/ clean and
with noise mixed in (seeded white noise at 10 dB SNR, the room-tone and keyboard fixtures at 10 dB), and a fixed
sample of Debian's asterisk-core-sounds-en-g722 prompts (professionally read; text from core-sounds-en.txt in
asterisk-core-sounds-en; G.722 decoded with PyAV, which faster-whisper installs).

    python benchmarks/asr_accuracy.py [--model tiny.en|base|DIR] [--prompts 100] [--json]

Numbers are normalised the same way on both sides ("one" and "1" are the same word), so WER counts only what
differs in meaning. Prints per set: clips, WER full window, WER short window, short-window fallbacks, mean seconds
per clip for each.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's voicetrainer and tests/wer.py
SHARED = ROOT.parent / "shared"
FIXTURES = ROOT / "audio_fixtures"
ASTERISK_SOUNDS = Path("/usr/share/asterisk/sounds/en_US_f_Allison")
ASTERISK_TEXT = Path("/usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz")
SPOKEN_FIXTURES = ["refund_good_1.wav", "refund_good_2.wav", "refund_good_3.wav", "refund_bad_1.wav",
                   "refund_bad_2.wav", "refund_bad_3.wav", "reply_fast_260wpm.wav", "reply_slow_120wpm.wav",
                   "reply_loud.wav", "reply_quiet.wav"]

_NUMBERS = {w: str(i) for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty".split())}
_NUMBERS.update({"thirty": "30", "forty": "40", "fifty": "50", "sixty": "60", "seventy": "70", "eighty": "80",
                 "ninety": "90", "hundred": "100", "oh": "0", "o'clock": "oclock", "okay": "ok"})


def normalise(text: str) -> list[str]:
    t = re.sub(r"\$(\d[\d,]*)", r"\1 dollars", text.lower())  # "$89" is "eighty nine dollars"
    t = t.replace("-", " ").replace("#", " pound ").replace("%", " percent").replace("$", " ")
    t = re.sub(r"(\d),(\d)", r"\1\2", t)
    t = re.sub(r"(\d)", r" \1 ", t)                       # "89" and "eighty nine" both become digit words
    words = [_NUMBERS.get(w, w).strip("'") for w in re.sub(r"[^a-z0-9' ]+", " ", t).split()]
    out = []
    for i, w in enumerate(words):
        w = {"dollars": "dollar", "hasn't": "hasnt", "haven't": "hasnt"}.get(w, w)
        if w.isdigit() and len(w) == 2 and w.endswith("0") and i + 1 < len(words) and len(words[i + 1]) == 1 \
                and words[i + 1].isdigit() and words[i + 1] != "0":
            w = w[0]                                        # "eighty nine" -> 8 9, like "89"
        out.extend(list(w) if w.isdigit() else [w])       # digits compared one by one
    return out


def word_errors(ref: str, hyp: str) -> tuple[int, int]:
    from tests.wer import edit_count  # jiwer, as the tests count word errors

    r, h = normalise(ref), normalise(hyp)
    return edit_count(r, h), len(r)


def shared_speech():
    from voicetrainer.audio.files import read_audio

    for line in (SHARED / "speech" / "manifest.jsonl").read_text().splitlines():
        if line.strip():
            e = json.loads(line)
            yield e["file"], read_audio(SHARED / "speech" / e["file"]).samples, e["transcript"]


def fixtures(noise: str | None, snr_db: float = 10.0):
    from voicetrainer.audio.files import read_audio

    manifest = {e["file"]: e for e in json.loads((FIXTURES / "manifest.json").read_text())}
    rng = np.random.default_rng(42)
    for name in SPOKEN_FIXTURES:
        x = read_audio(FIXTURES / name).samples
        if noise is not None:
            if noise == "white":
                n = rng.normal(0, 1, len(x)).astype(np.float32)
            else:
                n = read_audio(FIXTURES / f"{noise}.wav").samples
                n = np.tile(n, len(x) // len(n) + 1)[:len(x)]
            speech = x[np.abs(x) > 0.01]
            p_speech = float(np.mean(speech ** 2)) if len(speech) else float(np.mean(x ** 2))
            n = n * np.sqrt(p_speech / (float(np.mean(n ** 2)) + 1e-12) / 10 ** (snr_db / 10))
            x = np.clip(x + n, -1, 1).astype(np.float32)
        yield name, x, manifest[name]["transcript"]


def asterisk_prompts(count: int, seed: int = 5):
    """A fixed sample of spoken prompts with their text (skips tones and bracketed descriptions)."""
    if not ASTERISK_SOUNDS.is_dir() or not ASTERISK_TEXT.is_file():
        raise SystemExit("asterisk prompts missing: apt-get install asterisk-core-sounds-en-g722 "
                         "asterisk-core-sounds-en")
    texts = {}
    for line in gzip.open(ASTERISK_TEXT, "rt", encoding="utf-8", errors="replace"):
        if ":" in line and not line.startswith(";"):
            key, text = line.split(":", 1)
            text = text.strip()
            if text and "[" not in text and "<" not in text:
                texts[key.strip()] = text
    names = sorted(k for k in texts if (ASTERISK_SOUNDS / f"{k}.g722").is_file())
    for key in random.Random(seed).sample(names, min(count, len(names))):
        yield key, decode_g722(ASTERISK_SOUNDS / f"{key}.g722"), texts[key]


def decode_g722(path: Path) -> np.ndarray:
    import av

    from voicetrainer.audio.files import resample

    with av.open(str(path)) as c:
        stream = c.streams.audio[0]
        chunks, rate = [], stream.codec_context.sample_rate or 16_000
        for frame in c.decode(stream):
            a = frame.to_ndarray()
            a = a.astype(np.float32) / 32768.0 if a.dtype == np.int16 else a.astype(np.float32)
            chunks.append(a.reshape(-1) if a.shape[0] == 1 else a.mean(axis=0))
    x = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
    return resample(x, rate, 16_000)


def run_set(transcriber, items) -> dict:
    from voicetrainer.types import AudioClip

    res = {"clips": 0, "words": 0, "err_full": 0, "err_short": 0, "s_full": 0.0, "s_short": 0.0, "fallbacks": 0,
           "differs": []}
    for name, samples, ref in items:
        clip = AudioClip(samples.astype(np.float32))
        t0 = time.perf_counter()
        full = transcriber.transcribe(clip, short_window=False).text
        t1 = time.perf_counter()
        before = transcriber.fallbacks
        short = transcriber.transcribe(clip, short_window=True).text
        t2 = time.perf_counter()
        ef, n = word_errors(ref, full)
        es, _ = word_errors(ref, short)
        res["clips"] += 1
        res["words"] += n
        res["err_full"] += ef
        res["err_short"] += es
        res["s_full"] += t1 - t0
        res["s_short"] += t2 - t1
        res["fallbacks"] += transcriber.fallbacks - before
        if ef != es:
            res["differs"].append({"clip": name, "ref": ref, "full": full, "short": short})
    return res


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="tiny.en")
    ap.add_argument("--prompts", type=int, default=100, help="asterisk prompts to sample (fixed seed)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--min-window", type=float, default=None, help="shortest window in seconds (default: stt's)")
    ap.add_argument("--show-diffs", action="store_true", help="print the clips where the two windows differ")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from voicetrainer.speech.stt import FasterWhisperTranscriber

    from dataclasses import replace

    from voicetrainer.speech.stt import WhisperParams

    params = WhisperParams() if args.min_window is None else replace(WhisperParams(), min_window_s=args.min_window)
    t = FasterWhisperTranscriber(args.model, params)
    sets = {
        "shared speech (human)": lambda: shared_speech(),
        "fixtures clean": lambda: fixtures(None),
        "fixtures + white noise 10 dB": lambda: fixtures("white"),
        "fixtures + room tone 10 dB": lambda: fixtures("room_tone"),
        "fixtures + keyboard 10 dB": lambda: fixtures("keyboard"),
        f"asterisk prompts (n={args.prompts}, human)": lambda: asterisk_prompts(args.prompts),
    }
    results = {name: run_set(t, make()) for name, make in sets.items()}
    total = {k: sum(r[k] for r in results.values()) for k in ("clips", "words", "err_full", "err_short", "fallbacks")}
    if args.json:
        out = {name: {"clips": r["clips"], "wer_full": round(r["err_full"] / r["words"], 4),
                      "wer_short": round(r["err_short"] / r["words"], 4), "fallbacks": r["fallbacks"],
                      "ms_full": round(1000 * r["s_full"] / r["clips"]), "ms_short": round(1000 * r["s_short"] / r["clips"])}
               for name, r in results.items()}
        out["all"] = {"clips": total["clips"], "wer_full": round(total["err_full"] / total["words"], 4),
                      "wer_short": round(total["err_short"] / total["words"], 4), "fallbacks": total["fallbacks"]}
        out["model"] = args.model
        print(json.dumps(out))
        return 0
    print(f"model {args.model}, short window max({t.params.min_window_s:g} s, speech + {t.params.window_pad_s:g} s)"
          "  (WER over normalised words; ms = mean time per clip on this machine)")
    print(f"{'set':40} {'clips':>5} {'words':>6} {'WER full':>9} {'WER short':>10} {'fallbk':>6} {'ms full':>8} {'ms short':>9}")
    for name, r in results.items():
        print(f"{name:40} {r['clips']:5d} {r['words']:6d} {r['err_full'] / r['words']:9.3f} "
              f"{r['err_short'] / r['words']:10.3f} {r['fallbacks']:6d} {1000 * r['s_full'] / r['clips']:8.0f} "
              f"{1000 * r['s_short'] / r['clips']:9.0f}")
    print(f"{'all':40} {total['clips']:5d} {total['words']:6d} {total['err_full'] / total['words']:9.3f} "
          f"{total['err_short'] / total['words']:10.3f} {total['fallbacks']:6d}")
    if args.show_diffs:
        for name, r in results.items():
            for d in r["differs"]:
                print(f"  [{name}] {d['clip']}\n    ref:   {d['ref']}\n    full:  {d['full']}\n    short: {d['short']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
