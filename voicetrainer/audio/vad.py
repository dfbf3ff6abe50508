"""Voice-activity detection: speech probabilities per 32 ms frame, and the turn detector that ends a reply.

`SileroSpeechProb` runs the Silero VAD model that ships inside faster-whisper (an ONNX file; only onnxruntime is
needed), streaming, with its recurrent state carried from frame to frame. `TurnDetector` is pure: it is fed one
probability per frame and says when the rep started talking and when the turn is over. Tests feed it scripted
probabilities.

Adaptive end of turn (`TurnParams.adaptive()`): a fixed silence is the floor of the latency, and 300 ms cut some
speakers off mid-sentence while 500 ms cut none. So at a short pause (160 ms) the detector reports `pause`; the
caller transcribes what was said so far and hands the text's verdict back with `settle()` (`ending_verdict()`
judges it): a finished sentence ends the turn at 380 ms (pauses between sentences were 250-350 ms), a
trailing one ("and…", "so, um") waits up to 800 ms, no verdict waits the usual 600 ms. If the rep carries on,
the detector reports `resumed` (and how long the pause was, `resumed_after_samples`) and the caller drops the
speculation.

A second vote (`TurnParams.voted()`, when the Smart Turn model of turn.py is installed): the pause comes at 64 ms
and the caller also hands back the model's P(complete) with `cast_vote()`. `end_silence_ms()` is the whole
policy: a finished sentence the model calls complete (>= 0.5) ends at 250 ms; a model that hears the rep
unfinished (< 0.1) adds 400 ms to whatever the text asked for; in between, or with no vote, the text decides.
Not here: audio, models or threads (listening.py does that).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from voicetrainer.types import SAMPLE_RATE

FRAME = 512          # samples per VAD frame at 16 kHz (32 ms), what Silero expects
_CONTEXT = 64        # samples of the previous frame Silero v5/v6 prepends

SpeechProb = Callable[[np.ndarray], float]


def silero_model_path() -> Path:
    """The Silero VAD ONNX file inside the installed faster-whisper package (found without importing it)."""
    import importlib.util

    spec = importlib.util.find_spec("faster_whisper")
    if spec is None or spec.origin is None:
        from voicetrainer.errors import ModelUnavailableError

        raise ModelUnavailableError("faster-whisper is not installed; run `pip install -e .` in the project folder")
    assets = Path(spec.origin).parent / "assets"
    found = sorted(assets.glob("silero_vad*.onnx"))
    if not found:
        from voicetrainer.errors import ModelUnavailableError

        raise ModelUnavailableError(f"no Silero VAD model in {assets}; reinstall faster-whisper")
    return found[-1]


def onnx_session(path: Path, threads: int, what: str, fix: str):
    """An onnxruntime CPU session on `threads` threads, quiet.

    Raises:
        ModelUnavailableError: the file is missing or onnxruntime cannot load it: one line naming `what` and `fix`.
    """
    import onnxruntime

    from voicetrainer.errors import ModelUnavailableError

    opts = onnxruntime.SessionOptions()
    opts.inter_op_num_threads = 1
    opts.intra_op_num_threads = threads
    opts.log_severity_level = 4
    try:
        return onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"], sess_options=opts)
    except Exception as e:  # onnxruntime raises its own exception types (NoSuchFile, InvalidProtobuf, ...)
        reason = " ".join(str(e).split())[:160]
        raise ModelUnavailableError(f"cannot load {what} {path} ({reason}); {fix}") from None


class SileroSpeechProb:
    """Streaming Silero VAD: call with one 512-sample float32 frame at 16 kHz, get P(speech).

    Raises:
        ModelUnavailableError: the model file is missing or onnxruntime cannot load it (one line saying so).
    """

    def __init__(self, path: Path | None = None):
        path = path or silero_model_path()
        self._session = onnx_session(path, 1, "the Silero VAD model",
                                     "reinstall faster-whisper (pip install --force-reinstall faster-whisper)")
        self.reset()

    def reset(self) -> None:
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._context = np.zeros(_CONTEXT, dtype=np.float32)

    def __call__(self, frame: np.ndarray) -> float:
        frame = np.asarray(frame, dtype=np.float32)
        x = np.concatenate([self._context, frame])[None, :]
        out, self._h, self._c = self._session.run(None, {"input": x, "h": self._h, "c": self._c})
        self._context = frame[-_CONTEXT:]
        return float(np.asarray(out).reshape(-1)[0])


def energy_speech_prob(threshold_db: float = -40.0) -> SpeechProb:
    """A crude loudness gate, for when no model is wanted: 1.0 above `threshold_db` dBFS RMS, else 0.0."""

    def prob(frame: np.ndarray) -> float:
        rms = float(np.sqrt(np.mean(np.square(frame, dtype=np.float64)) + 1e-12))
        return 1.0 if 20 * np.log10(rms) > threshold_db else 0.0

    return prob


@dataclass(frozen=True)
class TurnParams:
    """When a turn starts and ends. Measured on these machines: 300 ms of silence cut some speakers off, 500 ms none."""

    start_threshold: float = 0.5     # P(speech) that counts as speech
    end_threshold: float = 0.35      # below this counts as silence (hysteresis)
    min_speech_ms: int = 160         # shorter bursts (a click, a cough) don't start a turn
    end_silence_ms: int = 600        # silence after speech that ends the turn
    max_turn_s: float = 30.0         # a turn never runs longer than this
    no_reply_s: float = 8.0          # nothing said for this long: the persona asks "are you still there?"
    pause_ms: int = 0                # adaptive: report a `pause` after this much silence (0: off, fixed silence)
    finished_end_ms: int = 380       # adaptive: silence that ends the turn once the text is a finished sentence
                                     # (pauses between sentences measured 250-350 ms: don't cut in there)
    trailing_end_ms: int = 800       # adaptive: silence needed when the text trails off ("and…", "so, um")
    close_segment_ms: int = 400      # adaptive: a pause this long closes a segment (its text is kept if the rep
                                     # carries on); shorter gaps between words keep the segment open
    voted_end_ms: int = 0            # voted: silence that ends the turn when the text is a finished sentence AND
                                     # the end-of-turn model says complete (0: no vote is asked for)
    complete_prob: float = 0.5       # voted: P(complete) at or above this agrees with a finished sentence
    unfinished_prob: float = 0.1     # voted: below this the model hears an unfinished turn: wait longer
    unfinished_extra_ms: int = 400   # voted: ... this much longer than the text alone would wait
    whisper_min_window_s: float = 0.0  # the Whisper window of a speculation at a pause (0: the transcriber's own,
                                       # 10 s); the text is the critical path, and 8 s is one fifth faster

    @classmethod
    def adaptive(cls, **overrides) -> TurnParams:
        """The live defaults: speculate at a 160 ms pause, end at 380 / 600 / 800 ms of silence by what was said.

        The speculation starts well before the turn can end, so the transcription (60-150 ms with tiny.en)
        overlaps the wait instead of adding to it.
        """
        return cls(**{"pause_ms": 160, **overrides})

    @classmethod
    def voted(cls, **overrides) -> TurnParams:
        """The live defaults when Smart Turn is installed: speculate (text and vote) at a 64 ms pause with an 8 s
        Whisper window (the text is the critical path: it must be back by 250 ms of silence); a finished
        sentence the model also calls complete ends at 250 ms, one it calls unfinished waits 400 ms more; without
        a vote (or a vote in between) the adaptive 380 / 600 / 800 ms hold. Thresholds chosen on the dev half of
        the human replies (`benchmarks/turn_thresholds.py`)."""
        return cls(**{"pause_ms": 64, "voted_end_ms": 250, "whisper_min_window_s": 8.0, **overrides})


@dataclass(frozen=True)
class TurnEvent:
    """`pause` and `resumed` happen only with adaptive params; at_sample counts from the detector's first frame."""

    kind: Literal["speech_started", "pause", "resumed", "turn_ended", "timeout", "max_length"]
    at_sample: int


Verdict = Literal["finished", "trailing", "unknown"]

# Words a sentence does not end on: the rep is mid-thought ("and…", "so, um", "because the").
TRAILING_WORDS = frozenset("""
    and but so or because cause then um uh er erm hmm like the a an to of for with if which
    i we he she they my your our their is are was were be will would can could should just well also
    actually basically anyway plus as at in on by from about into than let
""".split())  # not "that", "it", "you", "me": objects end sentences ("I'm sorry about that.", "Thank you.")


def ending_verdict(text: str) -> Verdict:
    """Does this transcript sound like the end of a turn?

    Returns:
        "finished" when it ends a sentence (. ! ?) on a word that can end one, "trailing" when it ends on a
        conjunction, filler or article, or on "," / "..." / "-", else "unknown".
    """
    t = text.strip()
    if not t:
        return "unknown"
    words = t.lower().replace("…", "...").split()
    last = words[-1].strip(".,!?;:\"'()-")
    if t.endswith("?"):
        return "finished"     # a question hands the turn over, whatever word it ends on
    if last in TRAILING_WORDS or t.endswith(("...", "…", ",", "-", ";", ":")):
        return "trailing"
    if t.endswith((".", "!", "?")):
        return "finished"
    return "unknown"


def end_silence_ms(p: TurnParams, verdict: Verdict | None, vote: float | None) -> int:
    """How much silence ends the turn, given what was said and what the end-of-turn model heard (pure policy).

    Args:
        p: the turn params (`voted_end_ms` 0: no vote is used; `pause_ms` 0: a fixed silence).
        verdict: `ending_verdict()` of the text at this pause, None until it is back.
        vote: the model's P(complete) at this pause, None until it is back (or with no model).

    Returns:
        The silence in ms: the vote shortens a finished sentence only when both agree, lengthens any ending
        when the model hears the rep unfinished, and changes nothing in between.
    """
    if not p.pause_ms:
        return p.end_silence_ms
    if verdict == "finished":
        base = p.finished_end_ms
    elif verdict == "trailing":
        base = p.trailing_end_ms
    else:
        base = p.end_silence_ms
    if not p.voted_end_ms or vote is None:
        return base
    if verdict == "finished" and vote >= p.complete_prob:
        return min(base, p.voted_end_ms)
    if vote < p.unfinished_prob:
        return base + p.unfinished_extra_ms
    return base


class TurnDetector:
    """Fed one speech probability per frame; reports when a turn starts and ends. Pure and deterministic."""

    def __init__(self, params: TurnParams = TurnParams(), frame: int = FRAME, sample_rate: int = SAMPLE_RATE,
                 no_reply: bool = True):
        """`no_reply=False`: never report `timeout`; the caller counts the wait itself (MicReplies counts it only
        from the end of the persona's line, which may be longer than `no_reply_s`)."""
        self.p = params
        self.frame = frame
        self.sr = sample_rate
        self.no_reply = no_reply
        self.reset()

    def _frames(self, ms: float) -> int:
        return max(1, int(round(ms / 1000 * self.sr / self.frame)))

    def reset(self) -> None:
        self.n = 0                  # frames seen
        self.run = 0                # consecutive speech frames (before the turn starts)
        self.silence = 0            # consecutive silent frames (after it started)
        self.started_at: int | None = None
        self.speech_end_at: int | None = None
        self.done = False
        self.paused = False         # a `pause` was reported and speech has not resumed since
        self.verdict: Verdict | None = None
        self.vote: float | None = None  # the end-of-turn model's P(complete) at the current pause
        self.resumed_after_samples = 0  # how long the silence before the last `resumed` event lasted

    def drop_frames(self, k: int) -> None:
        """Count from `k` frames later: the caller dropped the first `k` frames of its buffer while waiting for the
        turn to start, so the sample indexes of later events still point into that buffer. (With `no_reply`, the
        wait for a reply is counted in frames too, and starts again `k` frames later.)

        Raises:
            ValueError: the turn has started, or `k` reaches into the run of speech frames now being counted.
        """
        if self.started_at is not None or not 0 <= k <= self.n - self.run:
            raise ValueError(f"cannot drop {k} frames: {self.n} seen, {self.run} of them the speech run now counted, "
                             f"turn {'started' if self.started_at is not None else 'not started'}")
        self.n -= k

    def _end_frames(self) -> int:
        return self._frames(end_silence_ms(self.p, self.verdict, self.vote))

    def settle(self, verdict: Verdict) -> TurnEvent | None:
        """Hand back the verdict on the text at the current pause; returns `turn_ended` if that ends the turn now.

        Ignored when no pause is open (the rep carried on before the transcription came back).
        """
        if self.done or not self.paused:
            return None
        self.verdict = verdict
        return self._ended_now()

    def cast_vote(self, complete_prob: float) -> TurnEvent | None:
        """Hand back the end-of-turn model's P(complete) at the current pause; `turn_ended` if that ends it now.

        Ignored when no pause is open (the rep carried on before the model answered).
        """
        if self.done or not self.paused:
            return None
        self.vote = complete_prob
        return self._ended_now()

    def _ended_now(self) -> TurnEvent | None:
        if self.silence >= self._end_frames():
            self.done = True
            at = self.speech_end_at if self.speech_end_at is not None else self.n * self.frame
            return TurnEvent("turn_ended", at)
        return None

    def feed(self, prob: float) -> TurnEvent | None:
        """Feed the probability of the next frame; return an event when something happens."""
        if self.done:
            return None
        self.n += 1
        at = self.n * self.frame
        if self.started_at is None:
            self.run = self.run + 1 if prob >= self.p.start_threshold else 0
            if self.run >= self._frames(self.p.min_speech_ms):
                self.started_at = (self.n - self.run) * self.frame
                return TurnEvent("speech_started", self.started_at)
            if self.no_reply and self.n >= self._frames(self.p.no_reply_s * 1000):
                self.done = True
                return TurnEvent("timeout", at)
            return None
        if prob < self.p.end_threshold:
            self.silence += 1
            if self.silence == 1:
                self.speech_end_at = (self.n - 1) * self.frame
            if self.silence >= self._end_frames():
                self.done = True
                return TurnEvent("turn_ended", self.speech_end_at if self.speech_end_at is not None else at)
            if self.p.pause_ms and not self.paused and self.silence == self._frames(self.p.pause_ms):
                self.paused = True
                return TurnEvent("pause", at)
        else:
            silent_frames, self.silence = self.silence, 0
            self.speech_end_at = None
            if self.paused:
                self.paused = False
                self.verdict = None
                self.vote = None
                self.resumed_after_samples = silent_frames * self.frame
                return TurnEvent("resumed", (self.n - 1) * self.frame)
        if at - self.started_at >= self.p.max_turn_s * self.sr:
            self.done = True
            return TurnEvent("max_length", at)
        return None
