"""Schema version 1 of a persona file, and its mapping onto version 2.

A v1 file moved the mood by rubric dimension on every reply (`mood.effects`: calm, empathy, paraphrase, solution,
each a hit and a miss number). Version 2 moves it by what the call achieves (a need met, calm lost, a stalled turn:
see dialogue.py), tuned by a `temperament`. v1 files still load: `upgrade_data` turns their data into v2 data in
memory, and `voicetrainer persona upgrade FILE` rewrites the file (authoring/upgrade.py).

How the numbers map (every v1 number lands somewhere):

    effects.empathy.hit                 -> temperament.relief.heard        (acknowledged, apologised to)
    effects.paraphrase.hit              -> temperament.relief.understood   (facts restated)
    effects.solution.hit + offer_accepted -> temperament.relief.remedy     (an offer it accepts)
    0.6 x effects.solution.hit          -> temperament.relief.commitment   (told when and how)
    effects.calm.hit                    -> temperament.relief.progress     (a calm reply that moves the call on)
    effects.calm.miss                   -> temperament.anger.calm_lost
    mean of the other three misses / 2  -> temperament.anger.impatience    (per stalled turn, growing)
    wrong_facts, offer_rejected, silence -> temperament.anger.*
    the dimension with the largest hit  -> temperament.needs_most          (calm -> respect)

Pure data; no files are written here.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from voicetrainer.core.persona_model import Outcomes, Scenario, Solutions, Voice, mood_band, strings_are_lines
from voicetrainer.scoring.passrules import PassRules

Dimension = Literal["calm", "empathy", "paraphrase", "solution"]
DIMENSIONS: tuple[Dimension, ...] = ("calm", "empathy", "paraphrase", "solution")
V1_INTENTS = ("opening", "pushback", "correction", "accept_offer", "reject_offer", "soften", "escalate",
              "still_there", "resolved", "hang_up")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Effect(_Strict):
    hit: float = Field(ge=-100, le=100, description="mood change when the dimension is hit (negative calms)")
    miss: float = Field(ge=-100, le=100, description="mood change when the dimension is missed")


def _default_effects() -> dict[Dimension, Effect]:
    return {
        "calm": Effect(hit=-3, miss=15),
        "empathy": Effect(hit=-8, miss=4),
        "paraphrase": Effect(hit=-8, miss=3),
        "solution": Effect(hit=-10, miss=5),
    }


class MoodV1(_Strict):
    start: float = Field(ge=0, le=100, description="starting anger, 0 calm - 100 furious")
    effects: dict[Dimension, Effect] = Field(default_factory=_default_effects)
    offer_accepted: float = Field(-15, ge=-100, le=100)
    offer_rejected: float = Field(10, ge=-100, le=100)
    wrong_facts: float = Field(8, ge=-100, le=100, description="extra anger when a paraphrase gets the facts wrong")
    silence: float = Field(6, ge=-100, le=100, description="anger added by a silent turn")

    @model_validator(mode="after")
    def _all_dimensions(self):
        missing = [d for d in DIMENSIONS if d not in self.effects]
        if missing:
            raise ValueError(f"effects: missing {', '.join(missing)} (expected all of {', '.join(DIMENSIONS)})")
        return self


class LineV1(_Strict):
    text: str = Field(min_length=1)
    mood: tuple[float, float] | None = None
    audio: str | None = None

    @field_validator("mood")
    @classmethod
    def _range(cls, v):
        return mood_band(v)


class LinesV1(_Strict):
    opening: list[LineV1] = Field(min_length=1)
    pushback: list[LineV1] = Field(min_length=1)
    correction: list[LineV1] = Field(min_length=1)
    accept_offer: list[LineV1] = Field(min_length=1)
    reject_offer: list[LineV1] = Field(min_length=1)
    soften: list[LineV1] = Field(min_length=1)
    escalate: list[LineV1] = Field(min_length=1)
    still_there: list[LineV1] = Field(min_length=1)
    resolved: list[LineV1] = Field(min_length=1)
    hang_up: list[LineV1] = Field(min_length=1)

    @field_validator("*", mode="before")
    @classmethod
    def _strings_are_lines(cls, v):
        return strings_are_lines(v)


class PersonaV1(_Strict):
    """A v1 file, validated as v1 so its errors name v1 fields (the v2 model then validates the upgrade)."""

    schema_version: Literal[1] = 1
    name: str = Field(min_length=1)
    scenario_type: Scenario = "other"
    scenario: str = Field(min_length=1)
    voice: Voice = Field(default_factory=Voice)
    mood: MoodV1
    outcomes: Outcomes = Field(default_factory=Outcomes)
    solutions: Solutions
    lines: LinesV1
    rubric: dict[str, Any] = Field(default_factory=dict)
    pass_: PassRules | None = Field(None, alias="pass")

    @model_validator(mode="after")
    def _mood_below_escalation(self):
        if self.mood.start >= self.outcomes.escalate_at_or_above:
            raise ValueError("mood.start must be below outcomes.escalate_at_or_above, "
                             "or the call ends before it starts")
        return self


# --- the mapping -------------------------------------------------------------------------------------------------

_NEED_OF = {"calm": "respect", "empathy": "heard", "paraphrase": "understood", "solution": "remedy"}
# A v1 line that asks for a commitment detail is only said while that detail is missing (v2's `about:`).
_ASKS_HOW = re.compile(r"\b(in writing|writing|email|e-mail|confirm|confirmation|text me|reference|how will i know)\b",
                       re.I)
_ASKS_WHEN = re.compile(r"\b(when|how long|what time|today\?|by when)\b", re.I)

DEFAULT_ASK_REMEDY = ["So what are you actually going to do about it?",
                      {"text": "Okay. But what happens now? What are you going to do?", "mood": [0, 70]}]
DEFAULT_ASK_COMMITMENT = [
    {"text": "When will that happen, and how will I know it's done?"},
    {"text": "And when will that be done?", "about": "when"},
    {"text": "And how will I know it's actually happened?", "about": "how"},
]


def _r(x: float) -> float:
    return round(x, 1) + 0.0  # no -0.0 in written files


def temperament_from_effects(mood: MoodV1) -> dict:
    """The v2 temperament that plays a v1 persona's numbers (see the module docstring)."""
    e = mood.effects
    hits = {d: abs(e[d].hit) for d in DIMENSIONS}
    # Ties go to the later dimension in call order but before calm: understood, then remedy, then heard.
    order: tuple[Dimension, ...] = ("paraphrase", "solution", "empathy", "calm")
    needs_most = _NEED_OF[max(order, key=lambda d: (hits[d], -order.index(d)))]
    misses = (e["empathy"].miss + e["paraphrase"].miss + e["solution"].miss) / 3
    return {
        "calms": 1.0,
        "flares": 1.0,
        "needs_most": needs_most,
        "relief": {"heard": _r(min(0.0, e["empathy"].hit)), "understood": _r(min(0.0, e["paraphrase"].hit)),
                   "remedy": _r(min(0.0, e["solution"].hit + mood.offer_accepted)),
                   "commitment": _r(min(0.0, 0.6 * e["solution"].hit)), "progress": _r(min(0.0, e["calm"].hit))},
        "anger": {"calm_lost": _r(max(0.0, e["calm"].miss)), "wrong_fact": _r(max(0.0, mood.wrong_facts)),
                  "offer_rejected": _r(max(0.0, mood.offer_rejected)), "impatience": _r(max(0.0, misses / 2)),
                  "silence": _r(max(0.0, mood.silence))},
    }


def _line_dict(line: LineV1, about: str | None = None) -> dict | str:
    d: dict[str, Any] = {"text": line.text}
    if line.mood is not None:
        d["mood"] = list(line.mood)
    if line.audio:
        d["audio"] = line.audio
    if about:
        d["about"] = about
    return d if len(d) > 1 else line.text


def accept_line_about(text: str) -> str | None:
    """The commitment detail an accept line asks for ('Can you confirm it in writing?' asks how), if any."""
    if _ASKS_HOW.search(text):
        return "how"
    if "?" in text and _ASKS_WHEN.search(text):
        return "when"
    return None


def upgrade_data(data: dict) -> dict:
    """v1 persona data (a mapping as read from YAML, valid as v1) as v2 data.

    Raises:
        pydantic.ValidationError: the data is not a valid v1 persona.
    """
    v1 = PersonaV1.model_validate(data)
    lines: dict[str, list] = {}
    for intent in V1_INTENTS:
        src = getattr(v1.lines, intent)
        if intent == "accept_offer":
            lines[intent] = [_line_dict(ln, accept_line_about(ln.text)) for ln in src]
        else:
            lines[intent] = [_line_dict(ln) for ln in src]
    lines["ask_remedy"] = list(DEFAULT_ASK_REMEDY)
    lines["ask_commitment"] = list(DEFAULT_ASK_COMMITMENT)
    out: dict[str, Any] = {"schema_version": 2, "name": v1.name, "scenario_type": v1.scenario_type,
                           "scenario": v1.scenario}
    if "voice" in data:
        out["voice"] = v1.voice.model_dump(exclude_defaults=True)
    out["mood"] = {"start": v1.mood.start}
    out["temperament"] = temperament_from_effects(v1.mood)
    if "outcomes" in data:
        out["outcomes"] = v1.outcomes.model_dump(exclude_defaults=True)
    out["solutions"] = v1.solutions.to_data()
    out["lines"] = lines
    if v1.rubric:
        out["rubric"] = v1.rubric
    if "pass" in data:
        out["pass"] = data["pass"]
    return out
