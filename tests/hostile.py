"""Hostile inputs, made on demand: damaged WAV headers, over-long recordings, replies files and score lines that a
careless or malicious user could hand voicetrainer. Used by tests/test_bad_input.py, tests/test_audio_files.py and
benchmarks/robustness.py.

Each maker writes into a folder it is given and returns the path; nothing here runs voicetrainer itself.
"""

from __future__ import annotations

import io
import json
import struct
import wave
from pathlib import Path

import numpy as np

SAMPLE_RATE = 16_000


def wav_bytes(samples: np.ndarray, rate: int = SAMPLE_RATE, channels: int = 1) -> bytes:
    """16-bit PCM WAV bytes of `samples` (mono, or interleaved when `channels` > 1)."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return buf.getvalue()


def tone(seconds: float, rate: int = SAMPLE_RATE, hz: float = 220.0) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (0.3 * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def with_header(data: bytes, *, rate: int | None = None, channels: int | None = None,
                data_size: int | None = None) -> bytes:
    """A WAV whose header lies: another sample rate, channel count or data chunk size (the samples stay)."""
    b = bytearray(data)
    if rate is not None:
        b[24:28] = struct.pack("<I", rate)
        b[28:32] = struct.pack("<I", rate * 2 * (channels or 1))
    if channels is not None:
        b[22:24] = struct.pack("<H", channels)
    if data_size is not None:
        b[40:44] = struct.pack("<I", data_size)
    return bytes(b)


def float_wav_with_nans(seconds: float = 1.0) -> bytes:
    """A 32-bit float WAV whose samples are NaN and infinity (valid format, impossible values)."""
    import soundfile as sf

    x = tone(seconds)
    x[::3] = np.nan
    x[1::7] = np.inf
    buf = io.BytesIO()
    sf.write(buf, x, SAMPLE_RATE, format="WAV", subtype="FLOAT")
    return buf.getvalue()


def long_wav(path: Path, seconds: float, rate: int = SAMPLE_RATE) -> Path:
    """A WAV of `seconds` of quiet tone, written in blocks (a 10-minute one is 19 MB)."""
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        block = (tone(10.0, rate) * 32767).astype("<i2").tobytes()
        for _ in range(int(seconds // 10)):
            w.writeframes(block)
    return path


AUDIO_MAKERS = {
    # name: (bytes maker, what the reply must be refused for)
    "1 Hz header": (lambda: with_header(wav_bytes(tone(1.0)), rate=1), "sample rate of 1 Hz"),
    "10 MHz header": (lambda: with_header(wav_bytes(tone(1.0)), rate=10_000_000), "sample rate of 10000000 Hz"),
    "0 Hz header": (lambda: with_header(wav_bytes(tone(1.0)), rate=0), "not a readable audio file"),
    "0 channels": (lambda: with_header(wav_bytes(tone(1.0)), channels=0), "not a readable audio file"),
    "200 channels": (lambda: with_header(wav_bytes(tone(0.5)), channels=200), "200 channels"),
    "random bytes": (lambda: bytes(np.random.default_rng(1).integers(0, 256, 4096, dtype=np.uint8)),
                     "not a readable audio file"),
    "header only": (lambda: wav_bytes(np.zeros(0, np.float32)), "the audio file is empty"),
    "text file": (lambda: b"I am not a recording, just a note.\n", "not a readable audio file"),
    "truncated header": (lambda: wav_bytes(tone(1.0))[:30], "not a readable audio file"),
}


def replies_lines(n: int, text: str = "I'm sorry about that, let me look.") -> str:
    return "".join(f"{text}\n" for _ in range(n))


def nested_json(depth: int) -> str:
    return json.dumps({"customer": "Where is my refund?", "reply": "Sorry."})[:-1] + ', "id": ' + "[" * depth + \
        "]" * depth + "}"
