"""Live replies from the microphone: streaming turn-taking, transcription while the rep talks, echo gate, barge-in.

`MicReplies.next_reply()` reads 32 ms frames from the microphone as they arrive and runs Silero VAD on each (state
carried). With adaptive params (the default here) it starts a speculative transcription at a short pause (160 ms)
and ends the turn as soon as that text is a finished sentence, waits longer when it trails off, and throws the
speculation away if the rep carries on (the audio before the pause is then a closed segment, already transcribed,
so at the end only the last segment is left). The reply carries its transcript (`Reply.transcript`), so the
session does not transcribe it again.

With an end-of-turn model (`vote=`, turn.SmartTurnVote) the pause comes at 64 ms and the model is asked beside
the transcription, on its own thread, so neither waits for the other; its answer goes to the detector as a
second vote (vad.end_silence_ms). Barge-in recovery: when the rep talks over the persona within REJOIN_S of the
end of their last reply, they had not finished; the new speech is joined to that reply (`Reply.continues`) and
the session hears the whole reply again against the line before.

While the persona speaks (the CLI queues its line on `devices.SoundDevicePlayer` and returns), the microphone is
still read: `echo.EchoGate` subtracts what the speaker played (lined up by time and cross-correlation), so the persona's
own voice leaking into the microphone starts no turn, and speech left over after the subtraction is the rep
barging in: the persona stops. With `barge_in=False` the microphone is ignored until the persona has finished.

Until the echo canceller has learned the room (a second or two of the persona speaking through laptop speakers;
at once with a headset), what the microphone hears while the persona speaks is ignored, as with `barge_in=False`:
the persona never interrupts itself. Ignored for starting a turn, not lost: the last ~1.3 s heard during the line
(echo-gated) is heard again through the VAD when the line is over (the handover), so a reply begun as the persona
finishes keeps its first words.

Not here: device handling (devices), the echo maths (echo), the models (vad, stt), what the persona says
(session, dialogue).
"""

from __future__ import annotations

import collections
import math
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from voicetrainer.audio.echo import EchoGate
from voicetrainer.audio.vad import FRAME, SpeechProb, TurnDetector, TurnParams, ending_verdict
from voicetrainer.types import SAMPLE_RATE, AudioClip, Reply, Transcript, Word

PRE_ROLL_FRAMES = 10   # keep ~320 ms before the detected start: onsets are soft and Silero needs a few frames
TAIL_FRAMES = 6        # ~190 ms after the last speech frame: word endings are quiet
ECHO_TAIL_S = 0.35     # after the persona's last sample, its echo may still be arriving
BARGE_IN_EXTRA_FRAMES = 5  # ~160 ms: talking over the persona takes ~320 ms of speech to stop it, not 160
REJOIN_S = 1.5         # barge-in recovery: the rep talking over the persona within this of the end of their last reply
                       # was not finished: the new speech joins that reply (`Reply.continues`)
ECHO_DOMINATED_DB = -8.0  # while the persona speaks, a frame the echo gate took more than this out of is echo:
                          # it cannot start the rep's turn (the rep talking over the persona keeps most of a frame)
HANDOVER_FRAMES = 40      # ~1.28 s of microphone (echo-gated) kept while the persona speaks and heard again once it
                          # has finished: a reply begun as the line ends (during its echo tail) is kept whole
HANDOVER_UNCONVERGED_DB = -3.0  # before the canceller has learned the room, a handover frame the gate took more than
                                # this out of may be the persona's own voice: it cannot start the turn


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
    texts: list[str] = []
    words: list[Word] = []
    worst = 0.0
    for offset, t in parts:
        if t.text:
            texts.append(t.text.strip())
            worst = max(worst, t.no_speech_prob)
        shift = offset / SAMPLE_RATE
        words.extend(Word(w.text, w.start_s + shift, w.end_s + shift) for w in t.words)
    return Transcript(" ".join(texts).strip(), worst, duration_s, tuple(words))


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
    vote: float | None = None      # the end-of-turn model's P(complete) at the last pause (None: not asked / not back)
    votes: int = 0                 # end-of-turn model runs started at pauses
    # Where the time went at the last pause, in ms from the frame that reported it (None: did not happen):
    text_back_ms: float | None = None     # the speculative transcript was back
    vote_back_ms: float | None = None     # the vote was back
    vote_run_ms: float | None = None      # the vote's own features + inference time
    pause_silence_ms: int = 0             # silence when the pause was reported
    end_of_speech_at: float = 0.0  # time.monotonic() when the rep's last speech frame was heard
    end_silence_frames: int = 0    # frames of silence heard after the rep's last speech when the turn ended
    committed_at: float = 0.0      # time.monotonic() when the reply was handed back
    rejoined: bool = False         # barge-in recovery: this reply continues the previous one (the rep carried on)
    ignored_turns: int = 0         # turns that transcribed to nothing (a cough, a click) and were skipped
    unconverged_frames: int = 0    # frames heard while the persona spoke, before the echo canceller converged
    handover_frames: int = 0       # frames heard during the line and heard again once it was over
    events: list = field(default_factory=list)


class _Feed:
    """The microphone's frames, with frames pushed back to be heard again first (the handover: frames heard while
    the persona spoke, replayed through the VAD once it has finished). `again` is the replayed frame's
    (echo-gated samples, heard_at, kept_db), or None for a frame straight from the microphone."""

    def __init__(self, frames: Iterator[np.ndarray]):
        self._frames = frames
        self.back: collections.deque = collections.deque()
        self.again: tuple[np.ndarray, float, float] | None = None

    def __iter__(self) -> _Feed:
        return self

    def __next__(self) -> np.ndarray:
        if self.back:
            self.again = self.back.popleft()
            return self.again[0]
        self.again = None
        return next(self._frames)


@dataclass
class _Segment:
    lo: int                        # sample index into the turn buffer
    hi: int
    future: Future


class MicReplies:
    """Each reply is what the microphone hears from the first speech until the turn ends, already transcribed.

    Args:
        mic: an opened `devices.SoundDeviceMicrophone` (or anything with `frames()`, `drain()`, `block_time`).
        speech_prob: P(speech) per 512-sample frame (Silero by default).
        params: turn timing; `TurnParams.adaptive()` for speculative ends, plain `TurnParams()` for a fixed silence.
        transcriber: transcribes segments while the rep talks; without one the session transcribes the whole clip.
        player: the persona's `SoundDevicePlayer`; needed for the echo gate and barge-in.
        barge_in: the rep talking over the persona stops it; False ignores the mic until the persona has finished.
        on_level: called with the RMS level (dBFS) of each frame and whether a turn is in progress.
        executor: runs the transcriptions while listening goes on (default: one worker thread, shut down by
            `close()`); an executor that runs them at once makes the verdict's timing independent of the machine.
        vote: an end-of-turn model (`turn.SmartTurnVote`, or any callable from audio to P(complete)), asked at
            each pause on its own thread, beside the transcription. With one, the default params are
            `TurnParams.voted()`; without, `TurnParams.adaptive()` (the text-only policy).
        vote_executor: runs the votes (default: their own worker thread; an inline one for exact tests).
        no_reply_s: nothing said for this long after the persona's line has ended is an empty reply (the persona
            asks "are you still there?"); None never gives up. Default: `params.no_reply_s` (8 s).
    """

    def __init__(self, mic, speech_prob: SpeechProb, params: TurnParams | None = None, *, transcriber=None,
                 player=None, barge_in: bool = True, on_level: Callable[[float, bool], None] | None = None,
                 executor: Executor | None = None, vote: Callable[[np.ndarray], float] | None = None,
                 vote_executor: Executor | None = None, no_reply_s: float | None | Literal["params"] = "params"):
        self.mic = mic
        self.speech_prob = speech_prob
        self.vote = vote if transcriber is not None else None   # a vote only counts beside a text verdict
        default = (TurnParams.voted() if self.vote else TurnParams.adaptive()) if transcriber else TurnParams()
        self.params = params if params is not None else default
        self.no_reply_s = self.params.no_reply_s if no_reply_s == "params" else no_reply_s
        self.transcriber = transcriber
        self.player = player
        self.barge_in = barge_in
        self.on_level = on_level
        self.gate = EchoGate(player) if player is not None else None
        self.stats = ReplyStats()
        self._own_pool = executor is None
        self._pool: Executor | None = None
        if transcriber is not None:
            self._pool = executor or ThreadPoolExecutor(max_workers=1, thread_name_prefix="transcribe")
        # The vote runs on its own thread so it never queues behind a transcription (each on one core of two).
        self._own_vote_pool = vote_executor is None
        self._vote_pool: Executor | None = None
        if self.vote is not None and self.params.voted_end_ms:
            self._vote_pool = vote_executor or ThreadPoolExecutor(max_workers=1, thread_name_prefix="turn-vote")
        # Whisper's word timestamps cost 30-60 ms a reply; only the speaking rate uses them, and the VAD knows
        # when speech started and stopped, so time words from it when the transcriber can skip them.
        self._last: tuple[Reply, float] | None = None  # the last reply with a transcript, and when its speech ended
        import inspect

        accepts = inspect.signature(transcriber.transcribe).parameters if transcriber is not None else {}
        self._vad_word_times = "word_timestamps" in accepts
        self._window = ({"min_window_s": self.params.whisper_min_window_s}
                        if self.params.whisper_min_window_s and "min_window_s" in accepts else {})

    def close(self) -> None:
        if self._pool is not None and self._own_pool:
            self._pool.shutdown(wait=True)
        if self._vote_pool is not None and self._own_vote_pool:
            self._vote_pool.shutdown(wait=True)

    def _ask_vote(self, audio: np.ndarray) -> tuple[Future, float]:
        assert self._vote_pool is not None and self.vote is not None
        self.stats.votes += 1
        vote = self.vote

        def run() -> tuple[float, float]:
            t0 = time.perf_counter()
            return vote(audio), 1000 * (time.perf_counter() - t0)

        return self._vote_pool.submit(run), time.perf_counter()

    def _persona_audible(self, now: float) -> bool:
        return self.player is not None and (self.player.playing or now < self.player.last_sound_at + ECHO_TAIL_S)

    def _reset_vad(self) -> None:
        if hasattr(self.speech_prob, "reset"):
            self.speech_prob.reset()

    def _transcribe(self, samples: np.ndarray, probs: np.ndarray) -> Future:
        clip = AudioClip(samples.astype(np.float32, copy=True), SAMPLE_RATE)
        self.stats.segments += 1
        assert self._pool is not None   # only called with a transcriber, which comes with a pool
        return self._pool.submit(self._transcribe_now, clip, probs.copy())

    def _transcribe_now(self, clip: AudioClip, probs: np.ndarray) -> Transcript:
        if not self._vad_word_times:
            return self.transcriber.transcribe(clip)
        t = self.transcriber.transcribe(clip, word_timestamps=False, **self._window)
        return Transcript(t.text, t.no_speech_prob, t.duration_s, vad_word_times(t.text, probs, self.params))

    def next_reply(self, persona_line: str) -> Reply:
        """Listen until the rep's turn is over; an empty reply when nothing was said for `no_reply_s` after the
        persona's line ended (audio heard before this call, e.g. while the rep read a retry prompt, never counts)."""
        self.mic.drain()  # audio from before the persona's line (the end of the previous turn, scoring time)
        self._reset_vad()
        self.stats = st = ReplyStats()
        p = self.params
        det = TurnDetector(p, no_reply=False)
        frames: list[np.ndarray] = []          # the turn buffer, from the detector's first frame
        probs: list[float] = []                # P(speech) of each frame in `frames`
        segments: list[_Segment] = []          # closed segments (the rep carried on after a pause)
        spec: _Segment | None = None           # the speculative transcription of the open segment
        voting: tuple[Future, float] | None = None  # the end-of-turn vote at the open pause, and when it was asked
        paused_at = 0.0                        # time.perf_counter() when the open pause was reported
        seg_lo = 0
        start = end = None
        ended = ""
        heard_at = 0.0
        persona_was_audible = False
        barge_run = 0                          # frames in a row that sound like the rep talking over the persona
        waited_frames = 0                      # frames listened to after the persona finished, in all turns
        no_reply_frames = math.inf if self.no_reply_s is None else int(self.no_reply_s * SAMPLE_RATE / FRAME)
        feed = _Feed(self.mic.frames())
        handover: collections.deque = collections.deque(maxlen=HANDOVER_FRAMES)  # gated frames heard while audible
        for block in feed:
            again = feed.again                  # a handover frame heard again (already gated), or None
            heard_at = again[1] if again else getattr(self.mic, "block_time", 0.0) or time.monotonic()
            audible = again is None and self._persona_audible(heard_at)
            if audible and not self.barge_in and det.started_at is None:
                persona_was_audible = True      # half duplex: nothing the mic hears now counts (but the handover)
                if self.gate is not None:
                    handover.append((self.gate.clean(block, heard_at), heard_at, self.gate.kept_db))
                continue
            x = block
            if audible and self.gate is not None:
                x = self.gate.clean(block, heard_at, adapt=det.started_at is None)
                if det.started_at is None:
                    handover.append((x, heard_at, self.gate.kept_db))
                if not self.gate.converged and det.started_at is None:
                    # The echo is not held down yet (speakers in a room: the canceller is still learning it), so
                    # speech heard now may be the persona's own: listen only once the persona has finished.
                    persona_was_audible = True
                    st.unconverged_frames += 1
                    continue
            if persona_was_audible and not audible and det.started_at is None and again is None:
                # The persona has finished: the rep's time to answer starts now. What the mic heard over the last
                # ~1.3 s of the line (echo-gated) is heard again first, so a reply begun as it ended is kept whole.
                persona_was_audible = False
                frames, probs = [], []
                det = TurnDetector(p, no_reply=False)
                self._reset_vad()
                feed.back.extend(handover)
                feed.back.append((x, heard_at, 0.0))
                st.handover_frames += len(handover)
                handover.clear()
                continue
            persona_was_audible = persona_was_audible or audible
            if not audible and again is None:
                waited_frames += 1              # the no-reply wait counts from the end of the persona's line
            frames.append(x)
            prob = self.speech_prob(x[:FRAME]) if len(x) >= FRAME else 0.0
            if again is not None and self.gate is not None and again[2] < (
                    ECHO_DOMINATED_DB if self.gate.converged else HANDOVER_UNCONVERGED_DB):
                prob = 0.0                      # mostly the persona's echo: it cannot start the rep's turn
            if audible and self.gate is not None and det.started_at is None:
                # Talking over the persona must be clearly the rep: speech in frames the gate did not take more than
                # ECHO_DOMINATED_DB out of (what is left of an echo still sounds like speech to Silero), for
                # BARGE_IN_EXTRA_FRAMES more than an ordinary start of turn needs.
                rep_like = prob >= p.start_threshold and self.gate.kept_db >= ECHO_DOMINATED_DB
                barge_run = barge_run + 1 if rep_like else 0
                if barge_run <= BARGE_IN_EXTRA_FRAMES:
                    prob = 0.0
            probs.append(prob)
            if self.on_level and again is None:
                rms = float(np.sqrt(np.mean(np.square(x, dtype=np.float64)) + 1e-12))
                self.on_level(20 * np.log10(rms), det.started_at is not None)
            ev = det.feed(prob)
            if det.started_at is None and len(frames) > 4 * PRE_ROLL_FRAMES:
                # Before the turn starts only the pre-roll is needed; keep the buffer (and sample indexes) small.
                drop = len(frames) - PRE_ROLL_FRAMES
                frames, probs = frames[drop:], probs[drop:]
                det.drop_frames(drop)           # the detector's sample indexes follow the buffer
            if ev is None and spec is not None and spec.future.done() and det.verdict is None and det.paused:
                text = " ".join([s.future.result().text for s in segments] + [spec.future.result().text])
                st.verdict = ending_verdict(text)
                st.text_back_ms = 1000 * (time.perf_counter() - paused_at)
                ev = det.settle(st.verdict)
            if ev is None and voting is not None and voting[0].done() and det.vote is None and det.paused:
                st.vote, st.vote_run_ms = voting[0].result()
                st.vote_back_ms = 1000 * (time.perf_counter() - voting[1])
                ev = det.cast_vote(st.vote)
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
                    began = heard_at + FRAME / SAMPLE_RATE - (det.n * FRAME - start) / SAMPLE_RATE
                    st.rejoined = self._last is not None and began - self._last[1] <= REJOIN_S
            elif ev.kind == "pause" and self._pool is not None:
                audio = np.concatenate(frames)
                spec = _Segment(seg_lo, ev.at_sample, self._transcribe(
                    audio[seg_lo:ev.at_sample], np.array(probs[seg_lo // FRAME:ev.at_sample // FRAME])))
                st.speculations += 1
                paused_at = time.perf_counter()
                st.text_back_ms = st.vote_back_ms = st.vote_run_ms = st.vote = None
                st.pause_silence_ms = det.silence * FRAME * 1000 // SAMPLE_RATE
                voting = self._ask_vote(audio[:ev.at_sample]) if self._vote_pool is not None else None
            elif ev.kind == "resumed" and spec is not None:
                st.discarded += 1
                if det.resumed_after_samples >= p.close_segment_ms * SAMPLE_RATE // 1000:
                    segments.append(spec)       # a real pause: the audio before it is a closed segment; keep its text
                    seg_lo = spec.hi
                else:
                    spec.future.cancel()        # a gap between words: the segment stays open
                spec = None
                if voting is not None:
                    voting[0].cancel()          # not started yet: never run a stale vote
                    voting = None
            elif ev.kind in ("turn_ended", "max_length"):
                end = ev.at_sample
                ended = ev.kind
                st.end_of_speech_at = heard_at + FRAME / SAMPLE_RATE - (det.n * FRAME - end) / SAMPLE_RATE
                st.end_silence_frames = det.n - end // FRAME
                if self._pool is None:
                    break
                transcript = self._finish(frames, probs, segments, spec, seg_lo, start, end)
                if transcript.text or det.started_at is None:
                    return self._reply(frames, start, end, transcript, ended)
                # Nothing intelligible (a cough, a chair): not a reply. Keep listening for the rest of the wait.
                st.ignored_turns += 1
                frames, probs = frames[-PRE_ROLL_FRAMES:], probs[-PRE_ROLL_FRAMES:]
                segments, spec, start, end, voting = [], None, None, None, None
                det = TurnDetector(p, no_reply=False)
                self._reset_vad()
        st.ended_by = ended or "timeout"
        st.committed_at = time.monotonic()
        self._last = None
        if ended == "timeout" or start is None or end is None:
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
            probs_in = np.array(probs[seg_lo // FRAME:hi // FRAME])
            spec = _Segment(seg_lo, hi, self._transcribe(audio[seg_lo:hi], probs_in))
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
        last, self._last = self._last, None
        reply = Reply(clip=clip, source="mic", transcript=transcript)
        if self.stats.rejoined and last is not None and last[0].clip is not None and last[0].transcript is not None \
                and transcript is not None:
            # Barge-in recovery: the rep carried on after the persona started answering; one reply, both parts.
            before = last[0].clip.samples
            joined = np.concatenate([before, clip.samples])
            reply = Reply(clip=AudioClip(joined, SAMPLE_RATE), source="mic", continues=True,
                          transcript=join_transcripts([(0, last[0].transcript), (len(before), transcript)],
                                                      len(joined) / SAMPLE_RATE))
        self._last = (reply, self.stats.end_of_speech_at)
        self.stats.committed_at = time.monotonic()
        return reply
