"""The persona file's schema, version 2: who the customer is, what it knows, how it reacts, and what it can say.

Validated by pydantic (`extra="forbid"`, frozen); persona.py loads files and reports errors by file and line. A v1
file (`schema_version: 1`) is upgraded in memory before validation (persona_v1.py), so every persona the engine
sees is a v2 `Persona`.

The parts beyond v1:
- `temperament`: how the mood moves: relief when a need is met, anger when calm is lost, a fact is wrong, an offer
  is turned down or the call stalls; `calms`/`flares` scale them; `needs_most` is what the customer presses for.
- `facts`: what the customer knows (order number, item, dates, amounts, what it tried, what it wants, contact
  details): each with its value, how the customer says it, the words a question uses to ask for it, and a role
  where two facts look alike (billed / usual, booked / new).
- `answers`: templates for answering the rep's questions ("{says}." with the fact's words), composed with a tail.
- offers in `solutions` may carry their own lines: a rejection answers the offer that was made.
- a line may be `about:` a need or a commitment detail (when / how): it is said only while that is still missing.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from voicetrainer.registry import DEFAULT_VOICE_ENGINE, VOICE_ENGINES
from voicetrainer.scoring.passrules import PassRules

Scenario = Literal[
    "delayed_refund", "defective_product", "verbal_abuse", "policy_no_receipt", "out_of_stock",
    "technical_fault", "unreasonable_demand", "bad_review_threat", "language_barrier", "customer_dispute",
    "double_charge", "long_wait", "subscription_billed", "wrong_item", "other",
]
SCENARIOS: tuple[str, ...] = get_args(Scenario)
NeedName = Literal["heard", "understood", "remedy", "commitment", "respect"]
NEEDS: tuple[str, ...] = get_args(NeedName)
# What a line can be about: a need it presses for, or a commitment detail it asks for.
About = Literal[NeedName, "when", "how"]
ABOUT: tuple[str, ...] = get_args(About)
ABOUT_HELP = ("said only while this is missing: a need (heard, understood, remedy, commitment, respect) or a "
              "commitment detail (when, how)")
LINE_INTENTS = ("opening", "pushback", "correction", "accept_offer", "reject_offer", "soften", "escalate",
                "still_there", "resolved", "hang_up", "ask_remedy", "ask_commitment")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Voice(_Strict):
    engine: str = Field(DEFAULT_VOICE_ENGINE, description="text-to-speech engine",
                        json_schema_extra={"enum": list(VOICE_ENGINES)})
    voice_id: str | None = Field(None,
                                 description="pyttsx3 voice id (see `voicetrainer voices`); default voice if empty")
    rate: int = Field(175, ge=80, le=400, description="words per minute")
    volume: float = Field(0.9, ge=0.0, le=1.0)

    @field_validator("engine")
    @classmethod
    def _known_engine(cls, v: str) -> str:
        if v not in VOICE_ENGINES:
            raise ValueError(f"unknown voice engine '{v}'; expected one of: {', '.join(VOICE_ENGINES)}")
        return v


def mood_band(v):
    """A line's [low, high] mood band, checked: 0 <= low <= high <= 100 (None: every mood)."""
    if v is not None and not (0 <= v[0] <= v[1] <= 100):
        raise ValueError("expected [low, high] with 0 <= low <= high <= 100")
    return v


def strings_are_lines(v):
    """A list of lines may hold plain strings; YAML's yes/no/on/off (read as booleans) get a hint."""
    if not isinstance(v, list):
        return v
    for x in v:
        if isinstance(x, (bool, int, float)):
            raise ValueError(f"a line must be text, got {x!r}; put it in quotes (YAML reads no/yes/on/off as "
                             "true/false)")
    return [{"text": x} if isinstance(x, str) else x for x in v]


class Line(_Strict):
    text: str = Field(min_length=1)
    mood: tuple[float, float] | None = Field(
        None, description="[low, high] mood range (0 calm - 100 furious) where this variant may be said")
    audio: str | None = Field(
        None, description="WAV recorded by a trainer, relative to the persona file; used instead of TTS")
    about: About | None = Field(None, description=ABOUT_HELP)

    @field_validator("mood")
    @classmethod
    def _range(cls, v):
        return mood_band(v)

    def fits(self, mood: float) -> bool:
        return self.mood is None or self.mood[0] <= mood <= self.mood[1]


class Mood(_Strict):
    start: float = Field(ge=0, le=100, description="starting anger, 0 calm - 100 furious")


class Relief(_Strict):
    """Mood change (negative calms) when a need is met, and for a calm reply that moves the call on."""

    heard: float = Field(-8, ge=-100, le=0, description="acknowledged, apologised to for the impact")
    understood: float = Field(-10, ge=-100, le=0, description="its own facts restated accurately")
    remedy: float = Field(-14, ge=-100, le=0, description="an offer it accepts")
    commitment: float = Field(-8, ge=-100, le=0, description="told when it will happen and how it will know")
    progress: float = Field(-3, ge=-100, le=0, description="any calm reply that moves the call on")


class Anger(_Strict):
    """Mood change (positive flares) for what goes wrong."""

    calm_lost: float = Field(18, ge=0, le=100, description="blame, dismissal, sarcasm, ... (undoes heard)")
    wrong_fact: float = Field(8, ge=0, le=100, description="a restatement gets its facts wrong (undoes understood)")
    offer_rejected: float = Field(10, ge=0, le=100, description="an offer it turns down")
    impatience: float = Field(3, ge=0, le=100,
                              description="a turn that moves nothing on while needs remain; x2 the next, x3 ...")
    silence: float = Field(6, ge=0, le=100, description="a turn with no reply")


class Temperament(_Strict):
    calms: float = Field(1.0, ge=0, le=5, description="scales every relief: 2 calms twice as fast")
    flares: float = Field(1.0, ge=0, le=5, description="scales every anger: 2 flares twice as fast")
    needs_most: NeedName = Field(
        "understood",
        description="what it presses for first; a stalled turn costs half as much again while it is unmet")
    relief: Relief = Field(default_factory=Relief)
    anger: Anger = Field(default_factory=Anger)


class Outcomes(_Strict):
    resolved_at_or_below: float = Field(35, ge=0, le=100, description="mood at which an accepted offer closes the call")
    escalate_at_or_above: float = Field(85, ge=0, le=100, description="mood at which the customer demands a manager")
    hang_up_at_or_above: float = Field(95, ge=0, le=100, description="mood at which the customer hangs up")
    max_silences: int = Field(2, ge=1, le=10, description="silent turns in a row before hanging up")
    max_turns: int = Field(8, ge=1, le=50)

    @model_validator(mode="after")
    def _order(self):
        if not self.resolved_at_or_below < self.escalate_at_or_above <= self.hang_up_at_or_above:
            raise ValueError("expected resolved_at_or_below < escalate_at_or_above <= hang_up_at_or_above")
        return self


class Offer(_Strict):
    offer: str = Field(min_length=1, description="a phrase a rep would say, e.g. 'store credit'")
    says: list[Line] = Field(default_factory=list, description="what the customer says when this offer is made")

    _lines = field_validator("says", mode="before")(classmethod(lambda cls, v: strings_are_lines(v)))


def _offers(v):
    if not isinstance(v, list):
        return v
    return [{"offer": x} if isinstance(x, str) else x for x in v]


class Solutions(_Strict):
    accept: list[Offer] = Field(min_length=1, description="offers this customer accepts (phrases, e.g. 'refund')")
    reject: list[Offer] = Field(default_factory=list, description="offers this customer turns down")

    _plain = field_validator("accept", "reject", mode="before")(classmethod(lambda cls, v: _offers(v)))

    @property
    def accept_phrases(self) -> list[str]:
        return [o.offer for o in self.accept]

    @property
    def reject_phrases(self) -> list[str]:
        return [o.offer for o in self.reject]

    def find(self, phrase: str) -> Offer | None:
        p = phrase.lower()
        return next((o for o in self.accept + self.reject if o.offer.lower() == p), None)

    def to_data(self) -> dict:
        def one(o: Offer):
            return o.offer if not o.says else {"offer": o.offer, "says": [ln.model_dump(exclude_none=True)
                                                                           for ln in o.says]}
        return {"accept": [one(o) for o in self.accept], "reject": [one(o) for o in self.reject]}


FACT_ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class FactSpec(_Strict):
    value: str = Field(min_length=1, description="the value as a rep would write it: '4471', '89 dollars', 'Thursday'")
    says: str = Field(min_length=1, description="how the customer says it, as a clause: 'the order number is forty "
                                                "four seventy one'")
    asked_by: list[str] = Field(min_length=1, description="words a question uses to ask for it: 'order number'")
    role: str | None = Field(None, description="which of two alike facts it is (billed / usual, booked / new); a "
                                               "restatement that gives one the other's value is wrong")


class Answers(_Strict):
    """How the customer answers a question; `{says}` is the fact's `says`, capitalised at the start of a line."""

    given: list[Line] = Field(default_factory=lambda: [Line(text="{says}.")],
                              description="asked for a fact it has not given yet")
    again: list[Line] = Field(default_factory=lambda: [Line(text="I already told you. {says}.")],
                              description="asked for a fact it already gave")
    confirm: list[Line] = Field(default_factory=lambda: [Line(text="Yes. {says}.")],
                                description="the rep checked a fact and had it right")
    unknown: list[Line] = Field(default_factory=lambda: [Line(text="I don't know that.")],
                                description="asked for something it cannot know")
    tails: list[Line] = Field(default_factory=list, description="said after an answer, carrying the mood")

    _lines = field_validator("*", mode="before")(classmethod(lambda cls, v: strings_are_lines(v)))

    @model_validator(mode="after")
    def _templates(self):
        for name in ("given", "again", "confirm"):
            for i, ln in enumerate(getattr(self, name)):
                if "{says}" not in ln.text:
                    raise ValueError(f"{name}.{i}: a template must contain {{says}} (the fact's words)")
        for name in ("given", "again", "confirm", "unknown", "tails"):
            for i, ln in enumerate(getattr(self, name)):
                other = set(re.findall(r"\{([^}]*)\}", ln.text)) - {"says"}
                if other:
                    raise ValueError(f"{name}.{i}: unknown placeholder {{{sorted(other)[0]}}}; only {{says}} is filled")
        return self


class Lines(_Strict):
    opening: list[Line] = Field(min_length=1)
    pushback: list[Line] = Field(min_length=1, description="when not heard, or when the call stalls")
    correction: list[Line] = Field(min_length=1, description="when a restatement gets the facts wrong")
    accept_offer: list[Line] = Field(min_length=1)
    reject_offer: list[Line] = Field(min_length=1, description="an offer it turns down (offers may have their own)")
    soften: list[Line] = Field(min_length=1, description="a need was met; press for the next one")
    escalate: list[Line] = Field(min_length=1, description="asks for a manager; ends the call")
    still_there: list[Line] = Field(min_length=1, description="after a silent turn")
    resolved: list[Line] = Field(min_length=1, description="closing when resolved")
    hang_up: list[Line] = Field(min_length=1)
    ask_remedy: list[Line] = Field(min_length=1, description="heard, but nothing concrete yet: asks for specifics")
    ask_commitment: list[Line] = Field(min_length=1, description="accepted: asks when and how it will know")

    _strings = field_validator("*", mode="before")(classmethod(lambda cls, v: strings_are_lines(v)))


class Persona(_Strict):
    schema_version: Literal[2] = 2
    name: str = Field(min_length=1)
    scenario_type: Scenario = "other"
    scenario: str = Field(min_length=1, description="the backstory the rep is told before the call")
    voice: Voice = Field(default_factory=Voice)
    mood: Mood
    temperament: Temperament = Field(default_factory=Temperament)
    outcomes: Outcomes = Field(default_factory=Outcomes)
    solutions: Solutions
    facts: dict[str, FactSpec] = Field(default_factory=dict, description="what the customer knows, by id")
    answers: Answers = Field(default_factory=Answers)
    lines: Lines
    rubric: dict[str, Any] = Field(default_factory=dict, description="overrides merged into the rubric in force")
    pass_: PassRules | None = Field(None, alias="pass", description="this persona's pass mark and blockers; "
                                     "what it leaves out comes from the rubric's `pass:`")

    # Not part of the file: set by the loader.
    id: str = Field("", exclude=True)
    path: Path | None = Field(None, exclude=True)

    @model_validator(mode="before")
    @classmethod
    def _upgrade_v1(cls, data):
        """A v1 mapping (schema_version 1 or none) is upgraded to v2 before validation."""
        if isinstance(data, dict) and data.get("schema_version", 1) == 1:
            from voicetrainer.core.persona_v1 import upgrade_data

            return upgrade_data(data)
        return data

    @model_validator(mode="after")
    def _checks(self):
        if self.mood.start >= self.outcomes.escalate_at_or_above:
            raise ValueError("mood.start must be below outcomes.escalate_at_or_above, "
                             "or the call ends before it starts")
        bad = [k for k in self.facts if not FACT_ID.match(k)]
        if bad:
            raise ValueError(f"facts: '{bad[0]}' is not a fact id "
                             "(lower-case letters, digits and _, e.g. order_number)")
        return self

    def lines_for(self, intent: str) -> list[Line]:
        return list(getattr(self.lines, intent))

    def audio_path(self, line: Line) -> Path | None:
        if not line.audio:
            return None
        base = self.path.parent if self.path else Path.cwd()
        return (base / line.audio).resolve()
