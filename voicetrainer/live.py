"""Live replies from the microphone: record until voice-activity detection says the turn is over.

Touches the microphone (through audio_io) and the Silero VAD model; the session loop only sees `Reply` objects.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from .session import Reply
from .types import SAMPLE_RATE, AudioClip
from .vad import FRAME, SpeechProb, TurnDetector, TurnParams

PRE_ROLL_FRAMES = 10   # keep ~320 ms before the detected start: onsets are soft and Silero needs a few frames


class MicReplies:
    """Each reply is what the microphone hears from the first speech until the turn ends.

    Args:
        mic: an opened `audio_io.SoundDeviceMicrophone` (or anything with `frames()` and `drain()`).
        speech_prob: P(speech) per 512-sample frame (Silero by default).
        params: turn timing.
        on_level: called with the RMS level (dBFS) of each frame, for a level meter.
    """

    def __init__(self, mic, speech_prob: SpeechProb, params: TurnParams = TurnParams(),
                 on_level: Callable[[float, bool], None] | None = None):
        self.mic = mic
        self.speech_prob = speech_prob
        self.params = params
        self.on_level = on_level

    def next_reply(self, persona_line: str) -> Reply:
        self.mic.drain()  # never take the persona's own voice (or audio from before its line ended) as the reply
        if hasattr(self.speech_prob, "reset"):
            self.speech_prob.reset()
        det = TurnDetector(self.params)
        frames: list[np.ndarray] = []
        start = end = None
        for block in self.mic.frames():
            frames.append(block)
            prob = self.speech_prob(block[:FRAME]) if len(block) >= FRAME else 0.0
            if self.on_level:
                rms = float(np.sqrt(np.mean(np.square(block, dtype=np.float64)) + 1e-12))
                self.on_level(20 * np.log10(rms), det.started_at is not None)
            ev = det.feed(prob)
            if ev is None:
                continue
            if ev.kind == "speech_started":
                start = ev.at_sample
            elif ev.kind == "timeout":
                return Reply(text="", source="mic")
            else:  # turn_ended or max_length
                end = ev.at_sample
                break
        audio = np.concatenate(frames) if frames else np.zeros(0, np.float32)
        lo = max(0, (start or 0) - PRE_ROLL_FRAMES * FRAME)
        hi = min(len(audio), (end or len(audio)) + 6 * FRAME)  # a little tail: word endings are quiet
        return Reply(clip=AudioClip(audio[lo:hi].astype(np.float32), SAMPLE_RATE), source="mic")
