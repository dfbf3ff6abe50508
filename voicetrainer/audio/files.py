"""Audio files: read any WAV/FLAC/OGG as a 16 kHz mono clip, write 16-bit WAV, change a clip's sample rate.

No devices here (devices.py has the microphone and the speaker). Everything returned is an `AudioClip` (mono
float32). soundfile and soxr are imported inside the functions, so importing this module loads neither.
"""

from __future__ import annotations

import contextlib
import os
import struct
from pathlib import Path

import numpy as np

from voicetrainer import limits
from voicetrainer.errors import AudioInputError, OutputError
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


def read_audio(path: str | Path, sample_rate: int = SAMPLE_RATE, max_s: float = limits.MAX_REPLY_S) -> AudioClip:
    """Read a WAV/FLAC/OGG file as mono float32 at `sample_rate`, in bounded time and memory.

    The header is checked before any sample is read (a sample rate of 1 Hz once made the resampler ask for 24 GB),
    the file is read and resampled in blocks (memory follows the 16 kHz mono result, whatever the source), and a
    clip longer than `max_s` is refused as soon as the count passes it, whatever the header claims. Samples that
    are not finite (NaN, inf in a float WAV) become silence.

    Raises:
        AudioInputError: the file is missing, not a regular file, empty, corrupt, implausible or too long.
    """
    import soundfile as sf

    path = Path(path)
    if not path.exists():
        raise AudioInputError(f"{path}: audio file not found")
    if not path.is_file():
        raise AudioInputError(f"{path}: not a regular file (a folder or a device); give the path of a WAV file")
    try:
        with sf.SoundFile(str(path)) as f:
            rate, channels = int(f.samplerate), int(f.channels)
            problem = limits.header_problem(rate, channels)
            if problem:
                raise AudioInputError(f"{path}: not a usable audio file: {problem}")
            if f.seekable() and f.frames > 0:
                problem = limits.duration_problem(f.frames / rate)
                if problem:
                    raise AudioInputError(f"{path}: {problem}")
            samples = _read_mono(f, rate, sample_rate, int(max_s * rate), path)
    except sf.LibsndfileError as e:
        raise AudioInputError(f"{path}: not a readable audio file ({e}); save it again as 16-bit WAV") from None
    except (RuntimeError, ValueError, OSError) as e:
        raise AudioInputError(f"{path}: not a readable audio file ({e}); save it again as 16-bit WAV") from None
    except MemoryError:
        raise AudioInputError(f"{path}: not enough memory to read it; cut it into shorter replies") from None
    if len(samples) == 0:
        raise AudioInputError(f"{path}: the audio file is empty (0 samples); record the reply again")
    return AudioClip(samples, sample_rate)


def _read_mono(f, rate: int, to_rate: int, max_frames: int, path: Path) -> np.ndarray:
    """Read an open soundfile block by block: mixed to mono, resampled as a stream, refused past `max_frames`."""
    stream = None
    if rate != to_rate:
        import soxr

        stream = soxr.ResampleStream(rate, to_rate, 1, dtype="float32", quality="HQ")
    out: list[np.ndarray] = []
    frames = 0
    while True:
        block = f.read(limits.AUDIO_BLOCK_FRAMES, dtype="float32", always_2d=True)
        frames += len(block)
        if frames > max_frames:
            raise AudioInputError(f"{path}: {limits.duration_problem(frames / rate)}")
        last = len(block) < limits.AUDIO_BLOCK_FRAMES
        mono = block.mean(axis=1) if block.shape[1] > 1 else block[:, 0]
        mono = np.nan_to_num(mono, nan=0.0, posinf=1.0, neginf=-1.0).astype(np.float32, copy=False)
        if stream is not None:
            mono = stream.resample_chunk(mono, last=last)
        out.append(np.array(mono, dtype=np.float32))
        if last:
            break
    return np.concatenate(out) if out else np.zeros(0, np.float32)


def wav_bytes(clip: AudioClip) -> bytes:
    """The whole 16-bit PCM mono WAV file for `clip`: the 44-byte RIFF header, then the samples."""
    pcm = (np.clip(clip.samples, -1.0, 1.0) * 32767).astype("<i2").tobytes()
    header = struct.pack("<4sI4s4sIHHIIHH4sI", b"RIFF", 36 + len(pcm), b"WAVE", b"fmt ", 16, 1, 1,
                         clip.sample_rate, clip.sample_rate * 2, 2, 16, b"data", len(pcm))
    return header + pcm


def write_wav(path: str | Path, clip: AudioClip) -> Path:
    """Write 16-bit PCM mono WAV (playable everywhere, including browsers).

    The file is built in memory, written beside `path` under a temporary name and renamed into place, so `path`
    is either the whole clip or absent: a full disk, or a signal (Ctrl-C, SIGTERM) landing mid-write, never leaves
    a truncated WAV under the real name or a half-built writer object behind (`wave.open` could, and printed
    "Exception ignored" on exit when a signal landed inside it).

    Raises:
        OutputError: the folder or file cannot be written (read-only, a file in the folder's place, disk full); a
            half-written file is removed.
    """
    path = Path(path)
    data = wav_bytes(clip)
    part = path.with_name(f".{path.name}.part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            part.write_bytes(data)
            os.replace(part, path)
        except BaseException:
            with contextlib.suppress(OSError):
                part.unlink(missing_ok=True)
            raise
    except OSError as e:
        raise OutputError(f"cannot write {path} ({e.strerror or e}); free some space or choose a writable "
                          "folder") from None
    return path
