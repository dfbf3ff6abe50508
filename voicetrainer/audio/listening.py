"""Live replies from the microphone: streaming turn-taking, transcription while the rep talks, echo gate, barge-in.

`MicReplies.next_reply()` reads 32 ms frames from the microphone as they arrive and runs Silero VAD on each (state
carried). With adaptive params (the default here) it starts a speculative transcription at a short pause (160 ms) and ends
the turn as soon as that text is a finished sentence, waits longer when it trails off, and throws the speculation
away if the rep carries on (the audio before the pause is then a closed segment, already transcribed, so at the
end only the last segment is left). The reply carries its transcript (`Reply.transcript`), so
the session does not transcribe it again.

While the persona speaks (the CLI queues its line on `audio_io.SoundDevicePlayer` and returns), the microphone is
still read: `EchoGate` subtracts what the speaker played (lined up by time and cross-correlation), so the persona's
own voice leaking into the microphone starts no turn, and speech left over after the subtraction is the rep
barging in: the persona stops. With `barge_in=False` the microphone is ignored until the persona has finished.

Until the echo canceller has learned the room (a second or two of the persona speaking through laptop speakers;
at once with a headset), what the microphone hears while the persona speaks is ignored, as with `barge_in=False`:
the persona never interrupts itself.

Not here: device handling (audio_io), the models (vad, stt), what the persona says (session, dialogue).
"""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from voicetrainer.core.session import Reply
from voicetrainer.types import SAMPLE_RATE, AudioClip, Transcript, Word
from voicetrainer.audio.vad import FRAME, SpeechProb, TurnDetector, TurnParams, ending_verdict

PRE_ROLL_FRAMES = 10   # keep ~320 ms before the detected start: onsets are soft and Silero needs a few frames
TAIL_FRAMES = 6        # ~190 ms after the last speech frame: word endings are quiet
ECHO_TAIL_S = 0.35     # after the persona's last sample, its echo may still be arriving
STEP = 0.8             # the echo canceller's NLMS step (0 < step < 2)
RESYNC_S = 0.1         # the canceller's reference follows the speaker's samples; it is re-lined up only past this
BARGE_IN_EXTRA_FRAMES = 5  # ~160 ms: talking over the persona takes ~320 ms of speech to stop it, not 160
ECHO_DOMINATED_DB = -8.0  # while the persona speaks, a frame the echo gate took more than this out of is echo:
                          # it cannot start the rep's turn (the rep talking over the persona keeps most of a frame)


# --- transcripts -----------------------------------------------------------------------------------------------


def vad_word_times(text: str, probs: np.ndarray, params: TurnParams) -> tuple[Word, ...]:
    """Words spread evenly over the span the VAD heard speech in (enough for a speaking rate)."""
    words = text.split()
    speech = np.flatnonzero(np.asarray(probs) >= params.start_threshold)
    if not words or len(speech) == 0:
        return ()
    t0, t1 = speech[0] * FRAME / SAMPLE_RATE, (speech[-1] + 1) * FRAME / SAMPLE_RATE
    step = (t1 - t0) / len(words)
    return tuple(Word(w, t0 + i * step, t0 + (i + 1) * step) for i, w in enumerate(words))


def join_transcripts(parts: list[tuple[int, Transcript]], duration_s: float) -> Transcript:
    """One transcript from segment transcripts, each with the sample where its segment starts (word times shifted)."""
    texts, words, worst = [], [], 0.0
    for offset, t in parts:
        if t.text:
            texts.append(t.text.strip())
            worst = max(worst, t.no_speech_prob)
        shift = offset / SAMPLE_RATE
        words.extend(Word(w.text, w.start_s + shift, w.end_s + shift) for w in t.words)
    return Transcript(" ".join(texts).strip(), worst, duration_s, tuple(words))


# --- echo gate -------------------------------------------------------------------------------------------------


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

    def __init__(self, player, max_delay_s: float = 0.35, min_delay_s: float = -0.06, taps: int = 8,
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
        if jumped:   # the canceller's history must be what was played just before, not what it saw last
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


# --- replies ---------------------------------------------------------------------------------------------------


@dataclass
class ReplyStats:
    """What happened while listening for the last reply (for tests, the benchmark and the live view)."""

    barged_in: bool = False
    speculations: int = 0          # speculative transcriptions started at pauses
    discarded: int = 0             # ... whose end-of-turn guess the rep overruled by carrying on
    segments: int = 0              # segments transcribed in all
    ended_by: str = ""             # turn_ended, max_length, timeout
    verdict: str = ""              # the last speculation's verdict
    end_of_speech_at: float = 0.0  # time.monotonic() when the rep's last speech frame was heard
    committed_at: float = 0.0      # time.monotonic() when the reply was handed back
    ignored_turns: int = 0         # turns that transcribed to nothing (a cough, a click) and were skipped
    unconverged_frames: int = 0    # frames heard while the persona spoke, before the echo canceller converged
    events: list = field(default_factory=list)


@dataclass
class _Segment:
    lo: int                        # sample index into the turn buffer
    hi: int
    future: Future


class MicReplies:
    """Each reply is what the microphone hears from the first speech until the turn ends, already transcribed.

    Args:
        mic: an opened `audio_io.SoundDeviceMicrophone` (or anything with `frames()`, `drain()`, `block_time`).
        speech_prob: P(speech) per 512-sample frame (Silero by default).
        params: turn timing; `TurnParams.adaptive()` for speculative ends, plain `TurnParams()` for a fixed silence.
        transcriber: transcribes segments while the rep talks; without one the session transcribes the whole clip.
        player: the persona's `SoundDevicePlayer`; needed for the echo gate and barge-in.
        barge_in: the rep talking over the persona stops it; False ignores the mic until the persona has finished.
        on_level: called with the RMS level (dBFS) of each frame and whether a turn is in progress.
    """

    def __init__(self, mic, speech_prob: SpeechProb, params: TurnParams | None = None, *, transcriber=None,
                 player=None, barge_in: bool = True, on_level: Callable[[float, bool], None] | None = None):
        self.mic = mic
        self.speech_prob = speech_prob
        self.params = params if params is not None else (TurnParams.adaptive() if transcriber else TurnParams())
        self.transcriber = transcriber
        self.player = player
        self.barge_in = barge_in
        self.on_level = on_level
        self.gate = EchoGate(player) if player is not None else None
        self.stats = ReplyStats()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="transcribe") if transcriber else None
        # Whisper's word timestamps cost 30-60 ms a reply; only the speaking rate uses them, and the VAD knows
        # when speech started and stopped, so time words from it when the transcriber can skip them.
        import inspect

        self._vad_word_times = transcriber is not None and "word_timestamps" in inspect.signature(
            transcriber.transcribe).parameters

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)

    def _persona_audible(self, now: float) -> bool:
        return self.player is not None and (self.player.playing or now < self.player.last_sound_at + ECHO_TAIL_S)

    def _reset_vad(self) -> None:
        if hasattr(self.speech_prob, "reset"):
            self.speech_prob.reset()

    def _transcribe(self, samples: np.ndarray, probs: np.ndarray) -> Future:
        clip = AudioClip(samples.astype(np.float32, copy=True), SAMPLE_RATE)
        self.stats.segments += 1
        return self._pool.submit(self._transcribe_now, clip, probs.copy())

    def _transcribe_now(self, clip: AudioClip, probs: np.ndarray) -> Transcript:
        if not self._vad_word_times:
            return self.transcriber.transcribe(clip)
        t = self.transcriber.transcribe(clip, word_timestamps=False)
        return Transcript(t.text, t.no_speech_prob, t.duration_s, vad_word_times(t.text, probs, self.params))

    def next_reply(self, persona_line: str) -> Reply:
        """Listen until the rep's turn is over; an empty reply when nothing was said for `no_reply_s`."""
        self.mic.drain()  # audio from before the persona's line (the end of the previous turn, scoring time)
        self._reset_vad()
        self.stats = st = ReplyStats()
        p = self.params
        det = TurnDetector(p, no_reply=False)
        frames: list[np.ndarray] = []          # the turn buffer, from the detector's first frame
        probs: list[float] = []                # P(speech) of each frame in `frames`
        segments: list[_Segment] = []          # closed segments (the rep carried on after a pause)
        spec: _Segment | None = None           # the speculative transcription of the open segment
        seg_lo = 0
        start = end = None
        ended = ""
        heard_at = 0.0
        persona_was_audible = False
        barge_run = 0                          # frames in a row that sound like the rep talking over the persona
        waited_frames = 0                      # frames listened to after the persona finished, in all turns
        no_reply_frames = int(p.no_reply_s * SAMPLE_RATE / FRAME)
        for block in self.mic.frames():
            heard_at = getattr(self.mic, "block_time", 0.0) or time.monotonic()
            audible = self._persona_audible(heard_at)
            if audible and not self.barge_in and det.started_at is None:
                persona_was_audible = True
                continue                        # half duplex: nothing the mic hears now counts
            x = block
            if audible and self.gate is not None:
                x = self.gate.clean(block, heard_at, adapt=det.started_at is None)
                if not self.gate.converged and det.started_at is None:
                    # The echo is not held down yet (speakers in a room: the canceller is still learning it), so
                    # speech heard now may be the persona's own: listen only once the persona has finished.
                    persona_was_audible = True
                    st.unconverged_frames += 1
                    continue
            if persona_was_audible and not audible and det.started_at is None:
                # The persona has finished: the rep's time to answer starts now (keep a little pre-roll).
                persona_was_audible = False
                frames, probs = frames[-PRE_ROLL_FRAMES:], probs[-PRE_ROLL_FRAMES:]
                det = TurnDetector(p, no_reply=False)
                self._reset_vad()
            persona_was_audible = persona_was_audible or audible
            if not audible:
                waited_frames += 1
            frames.append(x)
            prob = self.speech_prob(x[:FRAME]) if len(x) >= FRAME else 0.0
            if audible and self.gate is not None and det.started_at is None:
                # Talking over the persona must be clearly the rep: speech in frames the gate did not take more than
                # ECHO_DOMINATED_DB out of (what is left of an echo still sounds like speech to Silero), for
                # BARGE_IN_EXTRA_FRAMES more than an ordinary start of turn needs.
                rep_like = prob >= p.start_threshold and self.gate.kept_db >= ECHO_DOMINATED_DB
                barge_run = barge_run + 1 if rep_like else 0
                if barge_run <= BARGE_IN_EXTRA_FRAMES:
                    prob = 0.0
            probs.append(prob)
            if self.on_level:
                rms = float(np.sqrt(np.mean(np.square(x, dtype=np.float64)) + 1e-12))
                self.on_level(20 * np.log10(rms), det.started_at is not None)
            ev = det.feed(prob)
            if det.started_at is None and len(frames) > 4 * PRE_ROLL_FRAMES:
                # Before the turn starts only the pre-roll is needed; keep the buffer (and sample indexes) small.
                drop = len(frames) - PRE_ROLL_FRAMES
                frames, probs = frames[drop:], probs[drop:]
                det.n -= drop                   # TurnDetector counts in frames; shift it with the buffer
            if ev is None and spec is not None and spec.future.done() and det.verdict is None and det.paused:
                text = " ".join([s.future.result().text for s in segments] + [spec.future.result().text])
                st.verdict = ending_verdict(text)
                ev = det.settle(st.verdict)
            if ev is None:
                if det.started_at is None and waited_frames >= no_reply_frames:
                    ended = "timeout"
                    break
                continue
            st.events.append((ev.kind, ev.at_sample))
            if ev.kind == "speech_started":
                start = ev.at_sample
                seg_lo = max(0, start - PRE_ROLL_FRAMES * FRAME)
                if audible and self.player is not None:
                    self.player.stop()          # barge-in: the rep talks over the persona
                    st.barged_in = True
            elif ev.kind == "pause" and self._pool is not None:
                audio = np.concatenate(frames)
                spec = _Segment(seg_lo, ev.at_sample, self._transcribe(
                    audio[seg_lo:ev.at_sample], np.array(probs[seg_lo // FRAME:ev.at_sample // FRAME])))
                st.speculations += 1
            elif ev.kind == "resumed" and spec is not None:
                st.discarded += 1
                pause_samples = ev.at_sample - (spec.hi - det._frames(p.pause_ms) * FRAME)
                if pause_samples >= p.close_segment_ms * SAMPLE_RATE // 1000:
                    segments.append(spec)       # a real pause: the audio before it is a closed segment; keep its text
                    seg_lo = spec.hi
                else:
                    spec.future.cancel()        # a gap between words: the segment stays open
                spec = None
            elif ev.kind in ("turn_ended", "max_length"):
                end = ev.at_sample
                ended = ev.kind
                st.end_of_speech_at = heard_at + FRAME / SAMPLE_RATE - (det.n * FRAME - end) / SAMPLE_RATE
                if self._pool is None:
                    break
                transcript = self._finish(frames, probs, segments, spec, seg_lo, start, end)
                if transcript.text or det.started_at is None:
                    return self._reply(frames, start, end, transcript, ended)
                # Nothing intelligible (a cough, a chair): not a reply. Keep listening for the rest of the wait.
                st.ignored_turns += 1
                frames, probs = frames[-PRE_ROLL_FRAMES:], probs[-PRE_ROLL_FRAMES:]
                segments, spec, start, end = [], None, None, None
                det = TurnDetector(p, no_reply=False)
                self._reset_vad()
        st.ended_by = ended or "timeout"
        st.committed_at = time.monotonic()
        if ended == "timeout" or start is None:
            return Reply(text="", source="mic")
        audio = np.concatenate(frames)
        lo = max(0, start - PRE_ROLL_FRAMES * FRAME)
        hi = min(len(audio), end + TAIL_FRAMES * FRAME)
        return Reply(clip=AudioClip(audio[lo:hi].astype(np.float32), SAMPLE_RATE), source="mic")

    def _finish(self, frames, probs, segments, spec, seg_lo, start, end) -> Transcript:
        """The whole turn's transcript: closed segments, plus the speculation or the last segment transcribed now."""
        audio = np.concatenate(frames)
        hi = min(len(audio), end + TAIL_FRAMES * FRAME)
        if spec is None or spec.hi < end:       # no speculation covers the end (max_length, or no pause yet)
            spec = _Segment(seg_lo, hi, self._transcribe(audio[seg_lo:hi], np.array(probs[seg_lo // FRAME:hi // FRAME])))
        parts = [(s.lo, s.future.result()) for s in segments + [spec]]
        lo = max(0, start - PRE_ROLL_FRAMES * FRAME)
        shifted = [(off - lo, t) for off, t in parts]
        return join_transcripts(shifted, (hi - lo) / SAMPLE_RATE)

    def _reply(self, frames, start, end, transcript: Transcript | None, ended: str) -> Reply:
        audio = np.concatenate(frames)
        lo = max(0, start - PRE_ROLL_FRAMES * FRAME)
        hi = min(len(audio), end + TAIL_FRAMES * FRAME)
        clip = AudioClip(audio[lo:hi].astype(np.float32), SAMPLE_RATE)
        self.stats.ended_by = ended
        self.stats.committed_at = time.monotonic()
        return Reply(clip=clip, source="mic", transcript=transcript)
