"""Builds the human reply set for end-of-turn measurements: multi-sentence human speech with pauses inside it.

The compositions are listed in tests/data/human_replies.json: prompts of Debian's asterisk-core-sounds-en
(en_US_f_Allison, read by Allison Smith, CC BY-SA 3.0; installed by `scripts/setup.sh --dev`), split at their
longest internal pause for a mid-sentence hesitation, and the recordings in ../shared/speech/ (JFK, public
domain; LibriSpeech, CC BY 4.0), joined with set pauses. Each prompt is trimmed to its speech (Silero VAD) so
the pause between two parts is the one written in the list. The WAVs are rebuilt deterministically (same bytes
every time) into a cache folder outside git: nothing derived from the CC BY-SA prompts is committed.

    python benchmarks/human_replies.py [--out .cache/human_replies]

Not here: playing them or measuring anything (turn_latency.py, turn_thresholds.py, tests/test_turn.py).
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
COMPOSITIONS = ROOT / "tests" / "data" / "human_replies.json"
SOUNDS = Path("/usr/share/asterisk/sounds/en_US_f_Allison")
TEXTS = Path("/usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz")
DEFAULT_OUT = ROOT / ".cache" / "human_replies"
LEAD_S, TAIL_S = 0.3, 1.5
LICENCE = {"asterisk": "CC BY-SA 3.0 (asterisk-core-sounds-en, Allison Smith)",
           "jfk.flac": "public domain (US federal government work)",
           "librispeech_quilter.wav": "CC BY 4.0 (LibriSpeech)"}
FRAME = 512


@dataclass(frozen=True)
class HumanReply:
    id: str
    half: str                 # dev | test
    kind: str                 # multi | hesitant | single | natural
    path: Path
    transcript: str
    speech_end_sample: int    # the sample after the reply's last speech (the end of the turn)
    pause_ends: tuple[int, ...]  # the sample where each pause inside the reply starts (a wrong end of turn there)
    licences: tuple[str, ...]


def missing() -> str:
    """Why the set cannot be built here ("" when it can)."""
    if not SOUNDS.is_dir() or not TEXTS.is_file():
        return ("the asterisk prompts are missing: apt-get install asterisk-core-sounds-en-g722 "
                "asterisk-core-sounds-en (scripts/setup.sh --dev does)")
    return ""


def _texts() -> dict[str, str]:
    out = {}
    with gzip.open(TEXTS, "rt", encoding="utf-8") as f:
        for line in f:
            key, sep, text = line.partition(":")
            if sep and not line.startswith(";"):
                out[key.strip()] = text.strip()
    return out


def _decode_g722(path: Path) -> np.ndarray:
    import av

    with av.open(str(path)) as c:
        x = np.concatenate([f.to_ndarray().reshape(-1) for f in c.decode(audio=0)])
    return x.astype(np.float32) if x.dtype.kind == "f" else x.astype(np.float32) / 32768


def _speech_frames(x: np.ndarray, vad) -> np.ndarray:
    vad.reset()
    return np.array([vad(x[i:i + FRAME]) for i in range(0, len(x) - FRAME + 1, FRAME)])


def _trim(x: np.ndarray, vad) -> np.ndarray:
    """The speech of a prompt, one frame either side of what Silero calls speech."""
    p = _speech_frames(x, vad)
    on = np.flatnonzero(p >= 0.5)
    lo, hi = max(0, on[0] - 1) * FRAME, min(len(x), (on[-1] + 2) * FRAME)
    return x[lo:hi]


def _split(x: np.ndarray, vad, which: str) -> np.ndarray:
    """The part before ("1") or after ("2") the longest pause inside a prompt (a mid-sentence break)."""
    p = _speech_frames(x, vad)
    on = np.flatnonzero(p >= 0.5)
    best, at = 0, None
    run = 0
    for i in range(on[0], on[-1] + 1):
        if p[i] < 0.35:
            run += 1
            continue
        if run > best:
            best, at = run, i - run
        run = 0
    if at is None:
        raise SystemExit("no pause inside the prompt to split at")
    return _trim(x[:(at + 1) * FRAME], vad) if which == "1" else _trim(x[(at + best - 1) * FRAME:], vad)


def _part(name: str, vad) -> tuple[np.ndarray, str]:
    from voicetrainer.audio.files import read_audio

    if name.startswith("shared:"):
        file = name.split(":", 1)[1]
        return _trim(read_audio(SHARED / "speech" / file).samples, vad), LICENCE[file]
    key, _, which = name.partition("#")
    x = _decode_g722(SOUNDS / f"{key}.g722")
    return (_split(x, vad, which) if which else _trim(x, vad)), LICENCE["asterisk"]


def _text(parts, texts) -> str:
    import json as _json

    shared = {}
    manifest = SHARED / "speech" / "manifest.jsonl"
    if manifest.is_file():
        for line in manifest.read_text().splitlines():
            e = _json.loads(line)
            shared[e["file"]] = e["transcript"]
    words: list[str] = []
    for p in parts:
        if isinstance(p, int) or p.endswith("#2"):
            continue
        key = p.partition("#")[0]
        words.append(shared[p.split(":", 1)[1]] if p.startswith("shared:") else texts[key])
    return " ".join(" ".join(words).split())


def build(out: Path = DEFAULT_OUT, half: str | None = None) -> list[HumanReply]:
    """Build (or re-use, when the bytes are already there) the WAVs of the set; return them in list order.

    Raises:
        SystemExit: the asterisk prompts are not installed (one line saying what to install).
    """
    sys.path.insert(0, str(ROOT))
    from voicetrainer.audio.files import write_wav
    from voicetrainer.audio.vad import SileroSpeechProb
    from voicetrainer.types import AudioClip

    why = missing()
    if why:
        raise SystemExit(why)
    spec = json.loads(COMPOSITIONS.read_text())
    texts = _texts()
    vad = SileroSpeechProb()
    out.mkdir(parents=True, exist_ok=True)
    replies = []
    for entry in spec["replies"]:
        if half and entry["half"] != half:
            continue
        pieces = [np.zeros(int(LEAD_S * 16_000), np.float32)]
        pause_ends: list[int] = []
        licences: list[str] = []
        for p in entry["parts"]:
            if isinstance(p, int):
                pause_ends.append(sum(len(x) for x in pieces))
                pieces.append(np.zeros(p * 16, np.float32))
            else:
                x, lic = _part(p, vad)
                pieces.append(x)
                licences.append(lic)
        end = sum(len(x) for x in pieces)
        pieces.append(np.zeros(int(TAIL_S * 16_000), np.float32))
        audio = np.concatenate(pieces)
        audio = audio + np.random.default_rng(7).normal(0, 3e-4, len(audio)).astype(np.float32)  # room noise floor
        path = out / f"{entry['id']}.wav"
        write_wav(path, AudioClip(np.clip(audio, -1, 1).astype(np.float32), 16_000))
        replies.append(HumanReply(entry["id"], entry["half"], entry["kind"], path, _text(entry["parts"], texts),
                                  end, tuple(pause_ends), tuple(sorted(set(licences)))))
    return replies


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    for r in build(args.out):
        print(f"{r.id} {r.half:4} {r.kind:8} {r.speech_end_sample / 16_000:5.2f} s  {r.transcript}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
