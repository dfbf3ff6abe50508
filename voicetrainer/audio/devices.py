"""Audio devices: the microphone, the speaker, and what PortAudio can see.

The only module that imports sounddevice, lazily, inside functions and constructors: importing it (or
`voicetrainer.audio`) never loads PortAudio. With no usable speaker, `open_player` returns None and the CLI writes
the persona's lines to WAV files instead (files.py). The microphone yields 512-sample float32 frames at 16 kHz.
Not here: audio files (files.py), the echo gate (echo.py), turn-taking (listening.py).
"""

from __future__ import annotations

import collections
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from voicetrainer.audio.files import resample
from voicetrainer.errors import AudioDeviceError
from voicetrainer.types import SAMPLE_RATE, AudioClip

Device = str | int | None   # a device name, its number, or None for the default


def _sd() -> Any:
    """The sounddevice module (PortAudio loads here, on first use)."""
    try:
        import sounddevice as sd
    except OSError as e:  # PortAudio missing
        raise AudioDeviceError(
            f"audio devices unavailable ({e}); install PortAudio (Debian: apt install libportaudio2) "
            "or answer with --text / --replies") from None
    return sd


def _device_arg(device: Device) -> Device:
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


def check_input(device: Device = None) -> str | None:
    """None when a microphone can be opened, else a one-line reason."""
    try:
        sd = _sd()
        sd.check_input_settings(device=_device_arg(device), channels=1, samplerate=SAMPLE_RATE, dtype="float32")
    except AudioDeviceError as e:
        return str(e)
    except Exception as e:  # PortAudioError and ValueError ("No input device matching ...")
        return f"no usable microphone ({e})"
    return None


def check_output(device: Device = None) -> str | None:
    """None when a speaker can be opened, else a one-line reason."""
    try:
        sd = _sd()
        sd.check_output_settings(device=_device_arg(device), channels=1, samplerate=SAMPLE_RATE, dtype="float32")
    except AudioDeviceError as e:
        return str(e)
    except Exception as e:
        return f"no usable speaker ({e})"
    return None


def open_player(device: Device, note: Callable[[str], None]) -> SoundDevicePlayer | None:
    """The speaker, or None after one `note(...)` line saying why lines go to WAV files instead."""
    problem = check_output(device)
    if problem:
        note(f"No speaker: {problem}. Writing the customer's lines to WAV files instead (--no-audio).")
        return None
    return SoundDevicePlayer(device)


class SoundDevicePlayer:
    """Plays clips through one persistent output stream (opening a stream per line adds latency and clicks).

    The PortAudio callback copies queued samples out and outputs silence when idle, so a line starts within one
    block of being queued. `start()` returns at once (the session can listen while the persona speaks), `stop()`
    cuts the line short (barge-in), `play()` is start + wait. Every block sent to the speaker is remembered with the
    time it reaches the speaker, so the microphone side can recognise the persona's own voice (`reference()`).
    """

    HISTORY_S = 12.0   # how much played audio `reference()` can look back on

    def __init__(self, device: Device = None, sample_rate: int = SAMPLE_RATE, latency_s: float = 0.03):
        sd = _sd()
        self.sample_rate = sample_rate
        self._lock = threading.Lock()
        self._idle = threading.Event()
        self._idle.set()
        self._queue: collections.deque = collections.deque()   # [clip_id, samples, read position]
        self._history: collections.deque = collections.deque()  # (stream sample index, samples) of sound
        self._written = 0            # samples the stream has output since it started (silence included)
        self._t0: float | None = None  # time.monotonic() at which stream sample 0 reached the speaker (smoothed)
        self._ids = 0
        self._stopped = 0            # lines with ids up to this one were stopped: their feeder queues nothing more
        self._feeder: threading.Thread | None = None
        self._feed_error: Exception | None = None
        self.first_sample_at: dict[int, float] = {}   # clip id -> time.monotonic() its first sample was heard
        self.last_sound_at = 0.0                      # when the last non-silent block finished playing
        self.underflows = 0
        try:
            self._stream = sd.OutputStream(device=_device_arg(device), samplerate=sample_rate, channels=1,
                                           dtype="float32", latency=latency_s, callback=self._callback)
            self._stream.start()
        except Exception as e:
            raise AudioDeviceError(f"cannot open the speaker ({e}); pick one with --output-device "
                                   "(see --list-devices) or use --no-audio") from None

    def _callback(self, outdata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        if status.output_underflow:
            self.underflows += 1
        # PortAudio's clock is not time.monotonic(): carry only the delay until these samples reach the speaker.
        # Each block's estimate jitters by milliseconds; the stream itself is continuous, so time samples by their
        # index from one smoothed origin (the echo gate needs the played signal without seams).
        dac = time.monotonic() + max(0.0, time_info.outputBufferDacTime - time_info.currentTime)
        origin = dac - self._written / self.sample_rate
        self._t0 = origin if self._t0 is None else self._t0 + 0.02 * (origin - self._t0)
        dac = self._t0 + self._written / self.sample_rate
        out = outdata[:, 0]
        filled = 0
        with self._lock:
            while filled < frames and self._queue:
                item = self._queue[0]
                clip_id, samples, pos = item
                if pos == 0 and clip_id not in self.first_sample_at:
                    self.first_sample_at[clip_id] = dac + filled / self.sample_rate
                n = min(frames - filled, len(samples) - pos)
                out[filled:filled + n] = samples[pos:pos + n]
                filled += n
                item[2] = pos + n
                if item[2] >= len(samples):
                    self._queue.popleft()
            if filled:
                self._history.append((self._written, out[:filled].copy()))
                self.last_sound_at = dac + filled / self.sample_rate
                while self._history and self._history[0][0] < self._written - self.HISTORY_S * self.sample_rate:
                    self._history.popleft()
            self._written += frames
            if not self._queue:
                self._idle.set()
        out[filled:] = 0.0

    def start(self, clip: AudioClip | Iterable[AudioClip]) -> int:
        """Queue a line and return at once with its id (see `first_sample_at`); 150 ms of silence ends it.

        A line may come in pieces (an iterable of clips, e.g. sentence by sentence from a streaming voice): the
        first piece is taken here, the rest by a feeder thread while the first plays. `stop()` also stops the feeder.
        A line started while the one before is still being fed waits for it: lines play whole and in order.

        Raises:
            VoiceTrainerError: from the first piece here; from a later (or a waiting line's) piece at the next
                `start()` or `wait()`.
        """
        self._raise_feed_error()
        pieces = iter([clip] if isinstance(clip, AudioClip) else clip)
        before = self._feeder if self._feeder is not None and self._feeder.is_alive() else None
        # While the line before is still being fed, this one waits its turn in its own feeder (lines never mix).
        first = next(pieces, None) if before is None else None
        with self._lock:
            self._ids += 1
            line_id = self._ids
            if first is not None:
                self._queue_piece(line_id, first)
        self._feeder = threading.Thread(target=self._feed, args=(line_id, pieces, before), daemon=True,
                                        name="voicetrainer-player-feed")
        self._feeder.start()
        return line_id

    def _queue_piece(self, line_id: int, clip: AudioClip) -> None:
        """Append one piece to the play queue (the caller holds the lock)."""
        samples = clip.samples if clip.sample_rate == self.sample_rate else resample(
            clip.samples, clip.sample_rate, self.sample_rate)
        self._queue.append([line_id, samples.astype(np.float32, copy=False), 0])
        self._idle.clear()

    def _feed(self, line_id: int, pieces: Iterator[AudioClip], before: threading.Thread | None) -> None:
        if before is not None:
            before.join()
        try:
            for clip in pieces:
                with self._lock:
                    if line_id <= self._stopped:
                        return
                    self._queue_piece(line_id, clip)
        except Exception as e:  # a voice failing mid-line: the line ends here, the error reaches the caller later
            self._feed_error = e
        with self._lock:
            if line_id > self._stopped:
                self._queue_piece(line_id, AudioClip(np.zeros(int(0.15 * self.sample_rate), np.float32),
                                                     self.sample_rate))

    def _raise_feed_error(self) -> None:
        error, self._feed_error = self._feed_error, None
        if error is not None:
            raise error

    def play(self, clip: AudioClip | Iterable[AudioClip]) -> None:
        """Play a line to the end (blocking)."""
        self.start(clip)
        self.wait()

    @property
    def playing(self) -> bool:
        """True while the line is still being fed, queued audio is left, or its last sample has not been heard."""
        feeding = self._feeder is not None and self._feeder.is_alive()
        return feeding or not self._idle.is_set() or time.monotonic() < self.last_sound_at

    def wait(self, timeout_s: float | None = None) -> bool:
        """Block until everything queued has been heard; False on timeout."""
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        if self._feeder is not None:
            self._feeder.join(timeout_s)
            if self._feeder.is_alive():
                return False
        if not self._idle.wait(None if deadline is None else max(0.0, deadline - time.monotonic())):
            return False
        delay = self.last_sound_at - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        self._raise_feed_error()
        return True

    def stop(self) -> None:
        """Cut the current line short and drop queued lines (the rep started talking)."""
        with self._lock:
            self._stopped = self._ids
            self._queue.clear()
            self._idle.set()

    def index_at(self, t: float) -> int | None:
        """The index in the output stream of the sample heard at time.monotonic() `t` (None before any output)."""
        origin = self._t0
        return None if origin is None else int(round((t - origin) * self.sample_rate))

    def reference_from(self, first: int, n: int) -> np.ndarray:
        """The `n` samples the speaker played from stream index `first` (zeros where it was silent)."""
        out = np.zeros(n, dtype=np.float32)
        with self._lock:
            blocks = list(self._history)
        for index, samples in blocks:
            i = index - first
            lo, hi = max(0, i), min(n, i + len(samples))
            if lo < hi:
                out[lo:hi] = samples[lo - i:hi - i]
        return out

    def reference(self, t0: float, n: int) -> np.ndarray:
        """What the speaker played during the `n` samples from time.monotonic() `t0` (zeros where it was silent)."""
        first = self.index_at(t0)
        return np.zeros(n, dtype=np.float32) if first is None else self.reference_from(first, n)

    def close(self) -> None:
        """Let the current line finish, then close the stream."""
        self.wait(timeout_s=30.0)
        self._stream.stop()
        self._stream.close()


@dataclass
class MicStats:
    frames: int = 0
    overflows: int = 0


class SoundDeviceMicrophone:
    """The microphone as a stream of 512-sample frames at 16 kHz. The PortAudio callback only fills a queue.

    After each frame is yielded, `block_time` holds when its first sample was heard (time.monotonic() clock), which
    the echo gate (echo.py) lines up with what the speaker played.
    """

    def __init__(self, device: Device = None, frame: int = 512):
        self.device = _device_arg(device)
        self.frame = frame
        self.stats = MicStats()
        self._q: queue.Queue[tuple[np.ndarray, float]] = queue.Queue()
        self._stream: Any = None
        self.block_time = 0.0   # time.monotonic() when the first sample of the last yielded frame was heard
        self._read = 0
        self._t0: float | None = None

    def _callback(self, indata: np.ndarray, frames: int, time_info: Any, status: Any) -> None:
        if status.input_overflow:
            self.stats.overflows += 1
        # When the first sample of this block reached the microphone, on the time.monotonic() clock: from one
        # smoothed origin and the sample count, as the per-block estimates jitter (see SoundDevicePlayer).
        adc = time.monotonic() - max(0.0, time_info.currentTime - time_info.inputBufferAdcTime)
        origin = adc - self._read / SAMPLE_RATE
        self._t0 = origin if self._t0 is None else self._t0 + 0.02 * (origin - self._t0)
        self._q.put((indata[:, 0].copy(), self._t0 + self._read / SAMPLE_RATE))
        self._read += frames

    def __enter__(self) -> SoundDeviceMicrophone:
        sd = _sd()
        try:
            # 30 ms input latency: PortAudio's default ("high", ~64 ms here) delays every end of turn by as much.
            self._stream = sd.InputStream(device=self.device, samplerate=SAMPLE_RATE, channels=1, dtype="float32",
                                          blocksize=self.frame, callback=self._callback, latency=0.03)
            self._stream.start()
        except Exception as e:
            raise AudioDeviceError(f"cannot open the microphone ({e}); pick one with --input-device "
                                   "(see --list-devices) or answer with --text") from None
        return self

    def __exit__(self, *exc: object) -> None:
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
                block, self.block_time = self._q.get(timeout=timeout_s)
            except queue.Empty:
                raise AudioDeviceError("the microphone stopped delivering audio; check it is connected, "
                                       "then run the session again (turns so far are saved)") from None
            self.stats.frames += 1
            yield block
