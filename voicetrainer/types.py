"""Small frozen data passed between the stages. Standard library and numpy only.

Audio inside the core is always mono float32 in [-1, 1]; time is counted in samples.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

SAMPLE_RATE = 16_000  # Whisper and Silero VAD both work at 16 kHz

DIMENSIONS = ("calm", "empathy", "paraphrase", "solution")

Intent = Literal[
    "opening", "pushback", "correction", "accept_offer", "reject_offer", "soften",
    "escalate", "still_there", "resolved", "hang_up", "ask_remedy", "ask_commitment",
]
INTENTS: tuple[str, ...] = Intent.__args__  # type: ignore[attr-defined]
# Intents of a turn whose line is composed from the persona's `answers:` templates (not a `lines:` intent).
ANSWER_INTENTS = ("answer", "already_given", "confirm", "unknown")

Outcome = Literal["resolved", "escalated", "hung_up", "turn_limit", "abandoned"]


@dataclass(frozen=True)
class AudioClip:
    """Mono float32 samples in [-1, 1] at `sample_rate` Hz."""

    samples: np.ndarray
    sample_rate: int = SAMPLE_RATE

    @property
    def duration_s(self) -> float:
        return len(self.samples) / self.sample_rate


@dataclass(frozen=True)
class Word:
    text: str
    start_s: float
    end_s: float


@dataclass(frozen=True)
class Transcript:
    text: str
    no_speech_prob: float = 0.0
    duration_s: float = 0.0
    words: tuple[Word, ...] = ()
    language: str | None = "en"


@dataclass(frozen=True)
class Acoustics:
    """How the reply sounded (only when it was spoken)."""

    loudness_db: float            # RMS level of the speech, dBFS
    relative_loudness_db: float   # against the speaker's own baseline (0 when no baseline yet)
    words_per_minute: float
    pitch_variability_st: float   # standard deviation of pitch, semitones
    speech_s: float


@dataclass(frozen=True)
class DimensionScore:
    """One rubric dimension: a score 0-1, hit or miss, the words that earned or cost it, one tip."""

    name: str
    score: float
    hit: bool
    evidence: tuple[str, ...] = ()
    tip: str = ""
    # In a call: hit | miss | not_due | rejected (core/feedback.py); "" when scored alone. `hit` judges the line alone.
    status: str = ""

    def to_dict(self) -> dict:
        d = {"score": round(self.score, 3), "hit": self.hit, "evidence": list(self.evidence), "tip": self.tip}
        if self.status:
            d["status"] = self.status
        return d


@dataclass(frozen=True)
class ReplyAnalysis:
    """Facts the persona engine needs beyond the four scores."""

    offers: tuple[str, ...] = ()           # solution keywords found in the reply (e.g. "refund", "replacement")
    wrong_facts: tuple[str, ...] = ()      # restated facts that contradict the customer ("two weeks" vs "three weeks")
    silent: bool = False


@dataclass(frozen=True)
class TurnScore:
    dimensions: tuple[DimensionScore, ...]
    analysis: ReplyAnalysis = field(default_factory=ReplyAnalysis)
    acoustics: Acoustics | None = None

    def __getitem__(self, name: str) -> DimensionScore:
        for d in self.dimensions:
            if d.name == name:
                return d
        raise KeyError(name)

    @property
    def total(self) -> float:
        return sum(d.score for d in self.dimensions) / max(1, len(self.dimensions))

    def to_dict(self) -> dict:
        return {d.name: d.to_dict() for d in self.dimensions}


@dataclass(frozen=True)
class PersonaState:
    mood: float                 # 0 = calm, 100 = furious
    turn_index: int = 0
    silences: int = 0
    offer_accepted: bool = False
    last_line: str = ""


@dataclass(frozen=True)
class Turn:
    index: int
    persona_line: str
    intent: str
    reply: str
    score: TurnScore | None
    mood_before: float
    mood_after: float
    next_intent: str = ""
    attempt: int = 1
    audio_path: str | None = None
    # What the call made of this reply (core.scorecard.TurnRecord: acts, needs, phase, reasons, dimension statuses).
    # Typed loosely so this module stays below the core; its to_dict() adds keys, never replaces the ones above.
    call: Any = None

    def to_dict(self) -> dict:
        d = {
            "index": self.index,
            "persona_line": self.persona_line,
            "intent": self.intent,
            "reply": self.reply,
            "scores": self.score.to_dict() if self.score else {},
            "mood_before": round(self.mood_before, 1),
            "mood_after": round(self.mood_after, 1),
            "attempt": self.attempt,
        }
        if self.score and self.score.acoustics:
            a = self.score.acoustics
            d["acoustics"] = {k: round(v, 2) for k, v in a.__dict__.items()}
        if self.audio_path:
            d["audio_path"] = self.audio_path
        if self.call is not None:
            d.update({k: v for k, v in self.call.to_dict().items() if k not in d})
        return d
