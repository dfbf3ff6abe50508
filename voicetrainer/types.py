"""Small frozen data passed between the stages. Standard library and numpy only.

Audio inside the core is always mono float32 in [-1, 1]; time is counted in samples.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

import numpy as np

SAMPLE_RATE = 16_000  # Whisper and Silero VAD both work at 16 kHz

DIMENSIONS = ("calm", "empathy", "paraphrase", "solution")

Intent = Literal[
    "opening", "pushback", "correction", "accept_offer", "reject_offer", "soften",
    "escalate", "still_there", "resolved", "hang_up", "ask_remedy", "ask_commitment",
]
INTENTS: tuple[str, ...] = get_args(Intent)
# Intents of a turn whose line is composed from the persona's `answers:` templates (not a `lines:` intent).
ANSWER_INTENTS = ("answer", "already_given", "confirm", "unknown")

# interrupted: ended by Ctrl-C or SIGTERM (or killed: a session never finished reads back as interrupted)
Outcome = Literal["resolved", "escalated", "hung_up", "turn_limit", "abandoned", "interrupted"]


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
class Reply:
    """What the rep said: typed text, or audio (then transcribed by the session)."""

    text: str | None = None
    clip: AudioClip | None = None
    source: str = ""            # e.g. "typed", "mic", a file path
    transcript: Transcript | None = None  # already made while listening (live mode): the session won't redo it
    continues: bool = False     # the rep carried on after the persona had started answering: this reply is the
                                # previous one with the rest joined on, and answers the previous customer line


@dataclass(frozen=True)
class Acoustics:
    """How the reply sounded (only when it was spoken)."""

    loudness_db: float            # RMS level of the speech, dBFS
    relative_loudness_db: float   # against the speaker's own baseline (0 when no baseline yet)
    words_per_minute: float
    pitch_variability_st: float   # standard deviation of pitch, semitones
    speech_s: float

    def to_dict(self) -> dict:
        return {k: round(v, 2) for k, v in self.__dict__.items()}

    @classmethod
    def from_dict(cls, d: dict) -> Acoustics:
        return cls(**{k: float(d[k]) for k in cls.__dataclass_fields__})


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

    @classmethod
    def from_dict(cls, name: str, d: dict) -> DimensionScore:
        return cls(name, float(d["score"]), bool(d["hit"]), tuple(d.get("evidence", ())), d.get("tip", ""),
                   d.get("status", ""))


@dataclass(frozen=True)
class ReplyAnalysis:
    """Facts the persona engine needs beyond the four scores."""

    offers: tuple[str, ...] = ()           # solution keywords found in the reply (e.g. "refund", "replacement")
    wrong_facts: tuple[str, ...] = ()      # restated facts that contradict the customer ("two weeks" vs "three weeks")
    silent: bool = False

    def to_dict(self) -> dict:
        return {"offers": list(self.offers), "wrong_facts": list(self.wrong_facts), "silent": self.silent}

    @classmethod
    def from_dict(cls, d: dict | None) -> ReplyAnalysis:
        d = d or {}
        return cls(tuple(d.get("offers", ())), tuple(d.get("wrong_facts", ())), bool(d.get("silent", False)))


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
        """The dimensions as {name: {score, hit, evidence, tip}} (the `scores` of a turn in every JSON output)."""
        return {d.name: d.to_dict() for d in self.dimensions}

    @classmethod
    def from_dict(cls, scores: dict, analysis: dict | None = None, acoustics: dict | None = None) -> TurnScore:
        return cls(tuple(DimensionScore.from_dict(n, s) for n, s in scores.items()), ReplyAnalysis.from_dict(analysis),
                   Acoustics.from_dict(acoustics) if acoustics else None)


@dataclass(frozen=True)
class PersonaState:
    mood: float                 # 0 = calm, 100 = furious
    turn_index: int = 0
    silences: int = 0
    offer_accepted: bool = False
    last_line: str = ""


@dataclass(frozen=True)
class Act:
    """One thing the rep did. `detail`: ask -> fact id / 'check' / 'unknown'; offer -> the phrase; commit ->
    'time', 'channel', 'follow_up' joined by '+'; answer -> the question kind answered."""

    kind: str
    evidence: tuple[str, ...] = ()
    detail: str = ""

    def to_dict(self) -> dict:
        return {"act": self.kind, "detail": self.detail, "evidence": list(self.evidence)}

    @classmethod
    def from_dict(cls, d: dict) -> Act:
        return cls(d["act"], tuple(d.get("evidence", ())), d.get("detail", ""))


@dataclass(frozen=True)
class TurnRecord:
    acts: tuple[Act, ...] = ()
    phase: str = "opening"
    needs: dict[str, bool] = field(default_factory=dict)
    needs_met: tuple[str, ...] = ()
    needs_undone: tuple[str, ...] = ()
    mood_reasons: tuple[str, ...] = ()
    progress: bool = False
    stalled: bool = False
    question: dict | None = None
    next_intent: str = ""
    status: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"acts": [a.to_dict() for a in self.acts], "phase": self.phase, "needs": dict(self.needs),
                "needs_met": list(self.needs_met), "needs_undone": list(self.needs_undone),
                "mood_reasons": list(self.mood_reasons), "progress": self.progress, "stalled": self.stalled,
                "question": self.question, "next_intent": self.next_intent, "status": dict(self.status)}

    @classmethod
    def from_dict(cls, d: dict) -> TurnRecord:
        return cls(acts=tuple(Act.from_dict(a) for a in d.get("acts", ())), phase=d.get("phase", "opening"),
                   needs=dict(d.get("needs", {})), needs_met=tuple(d.get("needs_met", ())),
                   needs_undone=tuple(d.get("needs_undone", ())), mood_reasons=tuple(d.get("mood_reasons", ())),
                   progress=bool(d.get("progress")), stalled=bool(d.get("stalled")), question=d.get("question"),
                   next_intent=d.get("next_intent", ""), status=dict(d.get("status", {})))


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
    # What the call made of this reply (acts, needs, phase, reasons, dimension statuses); its keys join the turn's
    # JSON (never replacing the ones above).
    call: TurnRecord | None = None

    def to_dict(self) -> dict:
        d: dict = {
            "index": self.index,
            "persona_line": self.persona_line,
            "intent": self.intent,
            "reply": self.reply,
            "scores": self.score.to_dict() if self.score else {},
            "mood_before": round(self.mood_before, 1),
            "mood_after": round(self.mood_after, 1),
            "next_intent": self.next_intent,
            "attempt": self.attempt,
        }
        if self.score:
            d["analysis"] = self.score.analysis.to_dict()
        if self.score and self.score.acoustics:
            d["acoustics"] = self.score.acoustics.to_dict()
        if self.audio_path:
            d["audio_path"] = self.audio_path
        if self.call is not None:
            d.update({k: v for k, v in self.call.to_dict().items() if k not in d})
        return d

    @classmethod
    def from_dict(cls, d: dict) -> Turn:
        score = TurnScore.from_dict(d["scores"], d.get("analysis"), d.get("acoustics")) if d.get("scores") else None
        return cls(index=int(d["index"]), persona_line=d["persona_line"], intent=d["intent"], reply=d["reply"],
                   score=score, mood_before=float(d["mood_before"]), mood_after=float(d["mood_after"]),
                   next_intent=d.get("next_intent") or "", attempt=int(d.get("attempt", 1)),
                   audio_path=d.get("audio_path"), call=TurnRecord.from_dict(d) if "phase" in d else None)


@dataclass(frozen=True)
class SessionRecord:
    """One practice session as every output shows it: `practice --json`, `persona simulate --json`,
    `sessions show --json` and `sessions export --format json` all print `to_dict()` of this record, and the store
    returns it as the session produced it. Field names are documented in docs/architecture.md.
    """

    session_id: int | None
    persona: str                       # the persona's id
    persona_name: str
    scenario: str
    scenario_type: str
    outcome: str                       # resolved | escalated | hung_up | turn_limit | abandoned | interrupted
    turns: tuple[Turn, ...]
    start_mood: float
    final_mood: float | None = None
    final_line: str = ""
    final_intent: str = ""
    seed: int | None = None
    model: str | None = None
    input_mode: str | None = None
    started_at: float | None = None    # Unix time
    ended_at: float | None = None
    rep: str | None = None             # who practised (email or account name); None when practising alone
    rubric_hash: str | None = None     # "sha256:…" of the rubric data the session was judged by
    result: dict | None = None         # the pass result (team/passmark.PassResult.to_dict()), once judged
    scorecard: dict | None = None      # the call scorecard (core/scorecard.Scorecard.to_dict()): steps and when

    def to_dict(self) -> dict:
        return {
            "session_id": self.session_id, "persona": self.persona, "persona_name": self.persona_name,
            "scenario": self.scenario, "scenario_type": self.scenario_type, "seed": self.seed,
            "outcome": self.outcome, "final_line": self.final_line, "final_intent": self.final_intent,
            "start_mood": self.start_mood, "final_mood": self.final_mood, "model": self.model,
            "input_mode": self.input_mode, "started_at": self.started_at, "ended_at": self.ended_at,
            "rep": self.rep, "rubric_hash": self.rubric_hash, "result": self.result,
            "turns": [t.to_dict() for t in self.turns], "scorecard": self.scorecard,
        }

    @classmethod
    def from_dict(cls, d: dict) -> SessionRecord:
        return cls(session_id=d.get("session_id"), persona=d["persona"], persona_name=d.get("persona_name", ""),
                   scenario=d.get("scenario", ""), scenario_type=d.get("scenario_type", ""), outcome=d["outcome"],
                   turns=tuple(Turn.from_dict(t) for t in d.get("turns", ())), start_mood=float(d["start_mood"]),
                   final_mood=d.get("final_mood"), final_line=d.get("final_line", ""),
                   final_intent=d.get("final_intent", ""), seed=d.get("seed"), model=d.get("model"),
                   input_mode=d.get("input_mode"), started_at=d.get("started_at"), ended_at=d.get("ended_at"),
                   rep=d.get("rep"), rubric_hash=d.get("rubric_hash"), result=d.get("result"),
                   scorecard=d.get("scorecard"))
