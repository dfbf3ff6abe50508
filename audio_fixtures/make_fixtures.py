"""Regenerate the audio fixtures and their manifest: `python audio_fixtures/make_fixtures.py`.

Replies are spoken by espeak-ng (several voices and speeds, so tests don't depend on one voice); noise and silence
are made with numpy from fixed seeds. Every file is listed in manifest.json with its transcript, how it was made and
its licence; tests/test_fixtures.py checks the manifest against the files.
"""

from __future__ import annotations

import json
import subprocess
import wave
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
RATE = 16_000
LICENCE = "CC0-1.0 (made for this project)"

# (file, text, espeak-ng voice, words per minute, amplitude 0-200)
SPOKEN = [
    ("refund_good_1.wav", "I'm so sorry, that sounds really frustrating. So you sent the headphones back three weeks ago "
     "and the eighty nine dollar refund still hasn't reached your card.", "en-gb", 175, 120),
    ("refund_good_2.wav", "I can see the return arrived at our warehouse. I will process your refund right now "
     "and email you the confirmation today.", "en-us", 175, 120),
    ("refund_good_3.wav", "Thank you for your patience. The refund goes through today, and I'll email you the "
     "confirmation number.", "en-gb-x-rp", 175, 120),
    ("refund_bad_1.wav", "Just relax. You should have waited longer. Refunds take time.", "en-gb-x-rp", 175, 160),
    ("refund_bad_2.wav", "That's not my problem. It's the delivery company's fault, and there's nothing I can do.",
     "en-gb-x-rp", 150, 160),
    ("refund_bad_3.wav", "Like I said, just wait.", "en-us", 190, 160),
    ("reply_slow_120wpm.wav", "I understand, and I will send you a replacement kettle today.", "en-gb-x-rp", 120, 100),
    ("reply_fast_260wpm.wav", "I understand, and I will send you a replacement kettle today.", "en-gb-x-rp", 260, 100),
    ("reply_quiet.wav", "I understand, and I will send you a replacement kettle today.", "en-gb-x-rp", 150, 40),
    ("reply_loud.wav", "I understand, and I will send you a replacement kettle today.", "en-gb-x-rp", 150, 200),
]


def espeak(text: str, voice: str, wpm: int, amplitude: int, out: Path) -> None:
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(wpm), "-a", str(amplitude), "-w", str(out), text], check=True)
    import soundfile as sf

    data, rate = sf.read(str(out), dtype="float32")
    n_out = int(round(len(data) * RATE / rate))
    spec = np.fft.rfft(data.astype(np.float64))[: n_out // 2 + 1]
    data = np.fft.irfft(spec, n_out) * (n_out / len(data))
    pad = np.zeros(int(0.3 * RATE))
    write(out, np.concatenate([pad, data, pad]))


def write(path: Path, samples: np.ndarray) -> None:
    pcm = (np.clip(samples, -1, 1) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(pcm.tobytes())


def main() -> None:
    entries = []
    for name, text, voice, wpm, amp in SPOKEN:
        espeak(text, voice, wpm, amp, HERE / name)
        entries.append({"file": name, "transcript": text, "kind": "speech", "rate": RATE,
                        "made": f"espeak-ng -v {voice} -s {wpm} -a {amp}, resampled to 16 kHz, 0.3 s silence each side",
                        "words_per_minute": wpm, "amplitude": amp, "license": LICENCE})
    rng = np.random.default_rng(42)
    t = np.arange(3 * RATE) / RATE
    noises = {
        "silence.wav": (np.zeros(3 * RATE), "3 s of digital silence"),
        "room_tone.wav": (rng.normal(0, 0.003, 3 * RATE), "3 s of quiet white noise (sd 0.003), seed 42"),
        "white_noise.wav": (rng.normal(0, 0.05, 3 * RATE), "3 s of white noise (sd 0.05), seed 42"),
        "hum.wav": (0.05 * np.sin(2 * np.pi * 50 * t) + 0.02 * np.sin(2 * np.pi * 150 * t), "3 s of 50 Hz mains hum"),
    }
    clicks = np.zeros(3 * RATE)
    for start in rng.integers(0, 3 * RATE - 400, 14):  # keyboard: short decaying broadband clicks
        clicks[start:start + 400] += rng.normal(0, 0.3, 400) * np.exp(-np.arange(400) / 60)
    noises["keyboard.wav"] = (clicks, "14 synthetic key clicks (decaying noise bursts) in 3 s, seed 42")
    cough = np.zeros(int(1.5 * RATE))
    burst = rng.normal(0, 0.4, int(0.25 * RATE)) * np.exp(-np.arange(int(0.25 * RATE)) / 1200)
    cough[4000:4000 + len(burst)] = np.convolve(burst, np.ones(8) / 8, mode="same")
    noises["cough.wav"] = (cough, "a synthetic cough: a 250 ms low-passed noise burst, seed 42")
    for name, (samples, made) in noises.items():
        write(HERE / name, samples)
        entries.append({"file": name, "transcript": "", "kind": "non-speech", "rate": RATE, "made": made,
                        "license": LICENCE})
    (HERE / "corrupt.wav").write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt garbage that is not audio" + bytes(range(64)))
    entries.append({"file": "corrupt.wav", "transcript": "", "kind": "broken", "rate": None,
                    "made": "a RIFF header followed by garbage bytes", "license": LICENCE})
    write(HERE / "empty.wav", np.zeros(0))
    entries.append({"file": "empty.wav", "transcript": "", "kind": "broken", "rate": RATE,
                    "made": "a valid WAV header with no samples", "license": LICENCE})
    (HERE / "manifest.json").write_text(json.dumps(entries, indent=2) + "\n")
    # Reply scripts that mix WAV replies, for the end-to-end test and the README.
    (HERE / "refund_good.txt").write_text("\n".join(f"refund_good_{i}.wav" for i in (1, 2, 3)) + "\n")
    (HERE / "refund_bad.txt").write_text("\n".join(f"refund_bad_{i}.wav" for i in (1, 2, 3)) + "\n")


if __name__ == "__main__":
    main()
