"""Audio at the edges: reading and writing audio files, the microphone and the speaker.

With tts.py, the only module that imports sounddevice (lazily, inside functions, so the core never loads PortAudio).
Everything returned is an `AudioClip` (mono float32, 16 kHz unless stated).
"""

from __future__ import annotations

import queue
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

from .errors import AudioDeviceError, AudioInputError
from .types import SAMPLE_RATE, AudioClip


# --- files -----------------------------------------------------------------------------------------------------


def resample(samples: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """Band-limited resampling by FFT (good enough for speech; no SciPy needed)."""
    if from_rate == to_rate or len(samples) == 0:
        return samples.astype(np.float32, copy=False)
    n_out = int(round(len(samples) * to_rate / from_rate))
    spec = np.fft.rfft(samples.astype(np.float64))
    n_bins = n_out // 2 + 1
    if n_bins <= len(spec):
        spec = spec[:n_bins]
    else:
        spec = np.concatenate([spec, np.zeros(n_bins - len(spec), dtype=spec.dtype)])
    out = np.fft.irfft(spec, n_out) * (n_out / len(samples))
    return out.astype(np.float32)


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


# --- devices ---------------------------------------------------------------------------------------------------


def _sd():
    try:
        import sounddevice as sd
    except OSError as e:  # PortAudio missing
        raise AudioDeviceError(
            f"audio devices unavailable ({e}); install PortAudio (Debian: apt install libportaudio2) "
            "or answer with --text / --replies") from None
    return sd


def _device_arg(device: str | int | None):
    if device is None:
        return None
    return int(device) if isinstance(device, str) and device.isdigit() else device


def list_devices() -> str:
    """The devices PortAudio sees, one per line, marking the defaults."""
    sd = _sd()
    devs = sd.query_devices()
    if len(devs) == 0:
        return "no audio devices found"
    din, dout = sd.default.device
    rows = []
    for i, d in enumerate(devs):
        mark = ("<" if i == din else " ") + (">" if i == dout else " ")
        rows.append(f"{mark} {i:2d} {d['name']}  (in {d['max_input_channels']}, out {d['max_output_channels']})")
    return "\n".join(rows) + "\n(< default input, > default output)"


def check_input(device: str | int | None = None) -> str | None:
    """None when a microphone can be opened, else a one-line reason."""
    try:
        sd = _sd()
        sd.check_input_settings(device=_device_arg(device), channels=1, samplerate=SAMPLE_RATE, dtype="float32")
    except AudioDeviceError as e:
        return str(e)
    except Exception as e:  # PortAudioError and ValueError ("No input device matching ...")
        return f"no usable microphone ({e})"
    return None


def check_output(device: str | int | None = None) -> str | None:
    try:
        sd = _sd()
        sd.check_output_settings(device=_device_arg(device), channels=1, samplerate=SAMPLE_RATE, dtype="float32")
    except AudioDeviceError as e:
        return str(e)
    except Exception as e:
        return f"no usable speaker ({e})"
    return None


class SoundDevicePlayer:
    """Plays clips through one persistent output stream (opening a stream per line adds latency and clicks)."""

    def __init__(self, device: str | int | None = None, sample_rate: int = SAMPLE_RATE):
        sd = _sd()
        self.sample_rate = sample_rate
        try:
            self._stream = sd.OutputStream(device=_device_arg(device), samplerate=sample_rate, channels=1,
                                           dtype="float32", latency=0.1)
            self._stream.start()
        except Exception as e:
            raise AudioDeviceError(f"cannot open the speaker ({e}); pick one with --output-device "
                                   "(see --list-devices) or use --no-audio") from None

    def play(self, clip: AudioClip) -> None:
        """Play a clip to the end (blocking). Pads 150 ms of silence: the tail of a stream write can be lost."""
        samples = clip.samples if clip.sample_rate == self.sample_rate else resample(
            clip.samples, clip.sample_rate, self.sample_rate)
        pad = np.zeros(int(0.15 * self.sample_rate), dtype=np.float32)
        self._stream.write(np.concatenate([samples.astype(np.float32), pad])[:, None])

    def close(self) -> None:
        self._stream.stop()
        self._stream.close()


@dataclass
class MicStats:
    frames: int = 0
    overflows: int = 0


class SoundDeviceMicrophone:
    """The microphone as a stream of 512-sample frames at 16 kHz. The PortAudio callback only fills a queue."""

    def __init__(self, device: str | int | None = None, frame: int = 512):
        self.device = _device_arg(device)
        self.frame = frame
        self.stats = MicStats()
        self._q: queue.Queue[np.ndarray] = queue.Queue()
        self._stream = None

    def _callback(self, indata, frames, time_info, status):
        if status.input_overflow:
            self.stats.overflows += 1
        self._q.put(indata[:, 0].copy())

    def __enter__(self) -> "SoundDeviceMicrophone":
        sd = _sd()
        try:
            self._stream = sd.InputStream(device=self.device, samplerate=SAMPLE_RATE, channels=1, dtype="float32",
                                          blocksize=self.frame, callback=self._callback)
            self._stream.start()
        except Exception as e:
            raise AudioDeviceError(f"cannot open the microphone ({e}); pick one with --input-device "
                                   "(see --list-devices) or answer with --text") from None
        return self

    def __exit__(self, *exc) -> None:
        if self._stream is not None:
            self._stream.stop()
            self._stream.close()
            self._stream = None

    def drain(self) -> None:
        """Drop audio captured so far (e.g. while the persona was speaking)."""
        while not self._q.empty():
            self._q.get_nowait()

    def frames(self, timeout_s: float = 2.0) -> Iterator[np.ndarray]:
        """Yield frames as they arrive. A dead device (no audio for `timeout_s`) raises AudioDeviceError."""
        while True:
            try:
                block = self._q.get(timeout=timeout_s)
            except queue.Empty:
                raise AudioDeviceError("the microphone stopped delivering audio; check it is connected, "
                                       "then run the session again (turns so far are saved)") from None
            self.stats.frames += 1
            yield block
