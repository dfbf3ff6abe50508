"""Audio files: read any WAV/FLAC/OGG as a 16 kHz mono clip, write 16-bit WAV, change a clip's sample rate.

No devices here (devices.py has the microphone and the speaker). Everything returned is an `AudioClip` (mono
float32). soundfile and soxr are imported inside the functions, so importing this module loads neither.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

from voicetrainer.errors import AudioInputError
from voicetrainer.types import SAMPLE_RATE, AudioClip


def resample(samples: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """`samples` at `to_rate` instead of `from_rate` (float32, `round(len * to_rate / from_rate)` samples).

    libsoxr's band-limited resampler (high quality, linear phase): the clip's end never wraps into its start, as
    it did with the FFT resampler this replaces, and a 2 s clip of awkward length takes ~1 ms instead of 40-77 ms.
    """
    if from_rate == to_rate or len(samples) == 0:
        return samples.astype(np.float32, copy=False)
    import soxr

    return soxr.resample(np.ascontiguousarray(samples, dtype=np.float32), from_rate, to_rate, quality="HQ")


def read_audio(path: str | Path, sample_rate: int = SAMPLE_RATE) -> AudioClip:
    """Read a WAV/FLAC/OGG file as mono float32 at `sample_rate`.

    Raises:
        AudioInputError: the file is missing, empty, corrupt or not audio.
    """
    import soundfile as sf

    path = Path(path)
    if not path.is_file():
        raise AudioInputError(f"{path}: audio file not found")
    try:
        data, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, ValueError) as e:
        raise AudioInputError(f"{path}: not a readable audio file ({e}); save it again as 16-bit WAV") from None
    if data.shape[0] == 0:
        raise AudioInputError(f"{path}: the audio file is empty (0 samples); record the reply again")
    mono = data.mean(axis=1)
    return AudioClip(resample(mono, rate, sample_rate), sample_rate)


def write_wav(path: str | Path, clip: AudioClip) -> Path:
    """Write 16-bit PCM mono WAV (playable everywhere, including browsers)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    pcm = (np.clip(clip.samples, -1.0, 1.0) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(clip.sample_rate)
        w.writeframes(pcm.tobytes())
    return path
