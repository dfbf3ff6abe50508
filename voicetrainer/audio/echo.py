"""Taking the persona's own voice out of the microphone: an adaptive echo canceller and a direct-path fit.

`EchoGate.clean(frame, heard_at)` is handed each microphone frame with the time it was heard and the speaker
(anything with `index_at`, `reference_from` and `reference`, as `devices.SoundDevicePlayer` has); it returns the
frame with the played signal's echo taken out, and says how much it took (`echo_fraction`, `kept_db`) and whether
the echo is held down yet (`converged`). `EchoCanceller` is the room model it learns. Pure numpy: no devices, no
models, no threads. Not here: what the residual means for turn-taking and barge-in (listening.py).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from voicetrainer.audio.vad import FRAME
from voicetrainer.types import SAMPLE_RATE

STEP = 0.8             # the echo canceller's NLMS step (0 < step < 2)
RESYNC_S = 0.1         # the canceller's reference follows the speaker's samples; it is re-lined up only past this


class PlayedSignal(Protocol):
    """What the echo gate needs from the speaker: what it played, and when (see `devices.SoundDevicePlayer`)."""

    def index_at(self, t: float) -> int | None: ...

    def reference_from(self, first: int, n: int) -> np.ndarray: ...

    def reference(self, t0: float, n: int) -> np.ndarray: ...


class EchoCanceller:
    """An adaptive linear echo canceller: partitioned-block frequency-domain NLMS (overlap-save).

    Models the whole echo path (delay, speaker, room reverberation) as a filter of `partitions` x `block` samples
    (16 x 512 = 512 ms at 16 kHz), learned while the persona speaks and kept for the session (the room does not
    change between lines). Each bin's step is normalised by the reference energy the whole filter holds in that
    bin (true NLMS: stable for 0 < step < 2, also right after `prime()` fills the history at once). Measured on
    simulated rooms (RT60 0.3 and 0.6 s, real espeak lines): echo held down by 13-15 dB after the first line and
    28-36 dB from the second; steps 0.3 / 0.5 / 0.8 / 1.0 gave 8 / 11 / 13 / 15 dB after the first line.
    """

    def __init__(self, block: int = FRAME, partitions: int = 16, step: float = STEP):
        self.n = block
        self.step = step
        bins = block + 1
        self.w = np.zeros((partitions, bins), complex)      # the echo path, one spectrum per partition
        self.x = np.zeros((partitions, bins), complex)      # the last `partitions` reference spectra, newest first
        self._prev = np.zeros(block)

    def prime(self, history: np.ndarray) -> None:
        """Set the reference history (the (`partitions` + 1) x `block` samples before the next block), after a jump."""
        n, parts = self.n, len(self.x)
        h = np.concatenate([np.zeros(max(0, (parts + 1) * n - len(history))), history])[-(parts + 1) * n:]
        for p in range(parts):   # partition p holds the spectrum of blocks (newest - p - 1, newest - p)
            end = len(h) - p * n
            self.x[p] = np.fft.rfft(h[end - 2 * n:end])
        self._prev = h[-n:].astype(np.float64)

    def process(self, ref: np.ndarray, mic: np.ndarray, adapt: bool = True) -> np.ndarray:
        """The microphone block with the predicted echo of `ref` (the same span, as played) taken out."""
        n = self.n
        if not np.any(ref) and not np.any(self._prev) and not np.any(self.x[:-1]):
            self.x[-1] = 0.0        # nothing played for a whole filter length: no echo to take out
            self.x = np.roll(self.x, 1, axis=0)
            return mic
        xf = np.fft.rfft(np.concatenate([self._prev, ref]))
        self._prev = ref.astype(np.float64)
        self.x = np.roll(self.x, 1, axis=0)
        self.x[0] = xf
        echo = np.fft.irfft(np.sum(self.w * self.x, axis=0), 2 * n)[n:]
        e = mic.astype(np.float64) - echo
        if adapt:
            # NLMS: each bin's step is normalised by the reference energy the whole filter sees in that bin.
            energy = np.sum(np.abs(self.x) ** 2, axis=0)
            ef = np.fft.rfft(np.concatenate([np.zeros(n), e]))
            grad = np.fft.irfft(np.conj(self.x) * ef / (energy + 1e-3 * np.mean(energy) + 1e-10), 2 * n, axis=1)
            grad[:, n:] = 0.0                                # keep the filter causal and one block long
            self.w += self.step * np.fft.rfft(grad, axis=1)
        return e


class EchoGate:
    """Removes the persona's own voice from microphone frames, given what the speaker played and when.

    Two ways, and each frame keeps whichever leaves less. The direct fit: the played signal is searched over
    `max_delay_s` for the delay that best explains the frame (normalised cross-correlation, by FFT) and a short
    least-squares fit of it around that delay is subtracted; this works from the first frame on a direct echo path
    (a headset, the virtual test device) and survives clocks that drift. The room: `EchoCanceller` learns the whole
    echo path, reverberation included, while the persona speaks, and the direct fit then cleans up after it.
    Frames where nothing was played pass through unchanged.

    `converged` turns true once the echo is held down by `converged_db` (echo return loss enhancement, smoothed
    over ~0.6 s of the persona speaking) and stays true for the session; until then the microphone cannot be
    trusted while the persona speaks, so barge-in waits for it. `echo_fraction` is the share of the last frame's
    energy explained as echo.
    """

    def __init__(self, player: PlayedSignal, max_delay_s: float = 0.35, min_delay_s: float = -0.06, taps: int = 8,
                 converged_db: float = 15.0):
        self.player = player
        self.max_lag = int(max_delay_s * SAMPLE_RATE)
        self.min_lag = int(min_delay_s * SAMPLE_RATE)
        self.echo_fraction = 0.0
        self.delay_s: float | None = None
        self.taps = taps
        self.canceller = EchoCanceller()
        self.converged = False
        self.converged_db = converged_db
        self.erle_db = 0.0
        self._energy_in = self._energy_out = 0.0
        self._loud_frames = 0
        self._ref_i: int | None = None   # the speaker's stream index the canceller's next reference block starts at
        self._last_heard: float | None = None
        self.kept_db = 0.0          # how much of the last frame is left after the echo was taken out (dB)

    def clean(self, frame: np.ndarray, heard_at: float, adapt: bool = True) -> np.ndarray:
        """`frame` without the persona's echo; `adapt=False` while the rep talks (double talk would mislearn)."""
        n = len(frame)
        # The canceller needs one seamless reference stream: step through the speaker's samples a block at a time
        # (time estimates of either stream jitter and drift by far more than a sample), led by -min_delay so the
        # echo always comes after its reference; resynchronise only when the two streams have clearly slipped.
        jumped = False
        if self._ref_i is not None and self._last_heard is not None:
            # Frames the gate did not see (drained between turns, or skipped while barge-in waited): step over them.
            skipped = int(round((heard_at - self._last_heard) * SAMPLE_RATE)) - n
            if skipped > n // 2:
                self._ref_i += skipped
                jumped = True
        self._last_heard = heard_at
        est = self.player.index_at(heard_at - self.min_lag / SAMPLE_RATE)
        if est is not None and (self._ref_i is None or abs(est - self._ref_i) > RESYNC_S * SAMPLE_RATE):
            self._ref_i = est
            jumped = True
        if jumped and self._ref_i is not None:
            # the canceller's history must be what was played just before, not what it saw last
            span = (len(self.canceller.x) + 1) * n
            self.canceller.prime(self.player.reference_from(self._ref_i - span, span))
        ref_block = (self.player.reference_from(self._ref_i, n) if self._ref_i is not None
                     else np.zeros(n, np.float32))
        if self._ref_i is not None:
            self._ref_i += n
        loud = float(np.mean(np.square(ref_block, dtype=np.float64))) > 1e-5   # above -50 dBFS
        x = self.canceller.process(ref_block, frame, adapt=adapt and loud)
        # Both stages take out only what matches the played signal, so whichever leaves less has removed more echo:
        # the direct fit alone wins on a headset or a device whose two clocks drift apart (the canceller needs
        # them sample-locked), the canceller wins in a room.
        played = self.player.reference(heard_at - self.max_lag / SAMPLE_RATE, n + self.max_lag - self.min_lag)
        out = self._fit_out(frame, played)
        e_in, e_out = float(np.dot(frame, frame)), float(np.dot(out, out))
        if x is not frame:
            room = self._fit_out(x.astype(np.float32), played, stats=False)
            e_room = float(np.dot(room, room))
            if e_room < e_out:
                out, e_out = room, e_room
                self.echo_fraction = max(0.0, 1.0 - e_out / (e_in + 1e-12))
        self.kept_db = 10 * np.log10((e_out + 1e-12) / (e_in + 1e-12))
        if loud:
            self._energy_in = 0.95 * self._energy_in + e_in
            self._energy_out = 0.95 * self._energy_out + e_out
            self._loud_frames += 1
            self.erle_db = 10 * np.log10((self._energy_in + 1e-12) / (self._energy_out + 1e-12))
            if self._loud_frames >= 16 and self.erle_db >= self.converged_db:
                self.converged = True
        return out

    def _fit_out(self, frame: np.ndarray, ref: np.ndarray, stats: bool = True) -> np.ndarray:
        """The direct-path stage: `frame` minus a short least-squares fit of `ref` (what the speaker played from
        `max_delay_s` before the frame to `-min_delay_s` after it) at its best delay (`stats`: record
        `echo_fraction` and `delay_s`)."""
        n = len(frame)
        span = len(ref)
        ref_energy = float(np.dot(ref, ref))
        if ref_energy < 1e-6:
            if stats:
                self.echo_fraction = 0.0
            return frame
        m = frame.astype(np.float64)
        size = 1 << (span + n).bit_length()
        corr = np.fft.irfft(np.fft.rfft(ref, size) * np.conj(np.fft.rfft(m, size)), size)[:span - n + 1]
        # energy of each candidate window of the reference, for the least-squares gain
        c = np.concatenate([[0.0], np.cumsum(ref.astype(np.float64) ** 2)])
        win = c[n:] - c[:-n]
        score = np.where(win > 1e-9, corr ** 2 / np.maximum(win, 1e-9), 0.0)
        k = int(np.argmax(score))
        if win[k] <= 1e-9:
            if stats:
                self.echo_fraction = 0.0
            return frame
        # A short least-squares filter around the best delay: the echo path resamples (fractional delays) and
        # filters; one tap removes only ~15 dB of it, a few taps much more. Rep speech is uncorrelated with what
        # was played, so it stays in the residual.
        lo, hi = max(0, k - self.taps), min(span - n, k + self.taps)
        basis = np.stack([ref[j:j + n] for j in range(lo, hi + 1)], axis=1).astype(np.float64)
        gram = basis.T @ basis
        gram[np.diag_indices_from(gram)] += 1e-3 * np.trace(gram) / len(gram) + 1e-9
        weights = np.linalg.solve(gram, basis.T @ m)
        echo = basis @ weights
        residual = m - echo
        if stats:
            energy = float(np.dot(m, m)) + 1e-12
            self.echo_fraction = max(0.0, 1.0 - float(np.dot(residual, residual)) / energy)
            self.delay_s = (self.max_lag - k) / SAMPLE_RATE
        return residual.astype(np.float32)
