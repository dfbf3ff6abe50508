"""The rubric file's schema: pydantic models that validate rubric.yaml (and a persona's overrides merged into it).

Only the shape and ranges of the data; loading the file lives in `rubric.py`, what the phrases mean in the
dimension modules. docs/rubric.md describes every key.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from voicetrainer.scoring.passrules import PassRules


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Weight = Field(ge=0.0, le=1.0)


Detector = Literal["capitals", "tautology", "generic_event", "denial", "retort"]


class CostGroup(_Strict):
    weight: float = Field(ge=0.0, le=1.0, description="calm lost when any phrase of the group matches")
    alternative: str = Field("", description="a neutral thing to say instead, used in the tip")
    phrases: list[str] = Field(default_factory=list)
    detect: list[Detector] = Field(default_factory=list, description="costs found by their shape (see calm.py)")


class VoiceRules(_Strict):
    shouting_db: float = Field(6.0, description="speech this many dB above the speaker's baseline is raised")
    shouting_weight: float = Weight
    fast_wpm: float = Field(210, ge=0)
    fast_weight: float = Weight
    slow_wpm: float = Field(0, ge=0, description="0 = no lower limit")
    slow_weight: float = Field(0.0, ge=0.0, le=1.0)
    erratic_pitch_st: float = Field(6.0, ge=0)
    erratic_weight: float = Weight
    flat_pitch_st: float = Field(0.8, ge=0)
    flat_weight: float = Weight
    min_speech_s: float = Field(0.8, ge=0)


class ToneRules(_Strict):
    """The learned second opinion on calm (scoring/learned.py): it adds a cost to a reply the rules found calm, and may
    forgive the rules' costs when it reads the reply as plainly kind."""

    use: bool = Field(True, description="false: the rules alone judge calm")
    weight: float = Field(0.6, ge=0.0, le=1.0, description="calm lost when the model reads the tone as rude")
    threshold: float | None = Field(None, ge=0.5, le=1.0,
                                    description="P(calm lost) at which it counts; none: the model's own")
    forgive_below: float | None = Field(None, ge=0.0, le=0.5,
                                        description="P(calm lost) below which the rules' costs are forgiven; "
                                                    "none: the model's own, 0: never")
    never_forgive: list[str] = Field(default_factory=lambda: ["profanity", "shouting", "insult", "trigger"],
                                     description="cost groups the model never forgives")
    alternative: str = Field("I hear you, and I want to get this right for you.",
                             description="a neutral thing to say instead, used in the tip")


class CalmRules(_Strict):
    hit_at_or_above: float = Weight
    costs: dict[str, CostGroup]
    tone: ToneRules = Field(default_factory=ToneRules)
    boundary: list[str] = Field(default_factory=list)
    acronyms: list[str] = Field(default_factory=list, description="words in capitals that are not shouting")
    voice: VoiceRules = Field(default_factory=lambda: VoiceRules(shouting_weight=0.6, fast_weight=0.5,
                                                                 erratic_weight=0.5, flat_weight=0.2))


class AckGroup(_Strict):
    weight: float = Weight
    phrases: list[str]


class EmpathyRules(_Strict):
    hit_at_or_above: float = Weight
    acknowledge: dict[str, AckGroup]
    non_apology: list[str] = Field(default_factory=list)
    undone_by: list[str] = Field(default_factory=list, description="calm cost groups that undo empathy")


class Points(_Strict):
    fact: float = Field(2.0, ge=0)
    item: float = Field(2.0, ge=0)
    word: float = Field(1.0, ge=0)
    name: float = Field(2.0, ge=0, description="a name the customer used: a place, person, brand")
    pair: float = Field(1.0, ge=0, description="two of the customer's content words in a row, on top of the words")


class ParaphraseRules(_Strict):
    hit_at_or_above: float = Weight
    points: Points = Field(default_factory=Points)
    needed: float = Field(3.0, gt=0)
    needed_fraction: float = Field(0.5, gt=0, le=1)
    share_needed: float = Field(0.0, ge=0, le=1, description="the share of everything the customer said that must "
                                                             "come back, when that is more than `needed`")
    parrot_run_words: int = Field(8, ge=2)
    parrot_fraction: float = Field(0.7, gt=0, le=1)
    cue_points: float = Field(0.5, ge=0)
    topic_only_score: float = Field(0.5, ge=0, le=1, description="the most a reply with nothing specific scores")
    nothing_said_words: int = Field(3, ge=0, description="a customer line with no facts, items or names and at "
                                                          "most this many content words has nothing to restate")
    cues: list[str] = Field(default_factory=list)
    generic: list[str] = Field(default_factory=list)
    items: list[str] = Field(default_factory=list)
    things: list[str] = Field(default_factory=list)
    contrasts: list[str] = Field(default_factory=list, description="lines of words that exclude each other")
    not_restating_costs: list[str] = Field(default_factory=list,
                                           description="calm cost groups whose clause restates nothing")
    synonyms: list[str] = Field(default_factory=list)
    future_markers: list[str] = Field(default_factory=list)
    not_plans: list[str] = Field(default_factory=list, description="phrases with a future marker that start no plan")


class OfferReading(_Strict):
    """The learned second opinion on solution (scoring/learned.py): it takes back the rules' hit when it reads the
    reply as no concrete remedy (a hand-off, a request, advice, a restated past action)."""

    use: bool = Field(True, description="false: the rules alone judge solution")
    threshold: float | None = Field(None, ge=0.0, le=0.5,
                                    description="P(a concrete solution) below which the hit is taken back; "
                                                "none: the model's own")


class SolutionRules(_Strict):
    hit_at_or_above: float = Weight
    vague_score: float = Weight
    offers: list[str]
    done: list[str] = Field(default_factory=list, description="remedies in place: count with no commitment")
    commitments: list[str] = Field(default_factory=list)
    timing: list[str] = Field(default_factory=list)
    not_offers: list[str] = Field(default_factory=list)
    vague: list[str] = Field(default_factory=list)
    negators: list[str] = Field(default_factory=list)
    not_negators: list[str] = Field(default_factory=list)
    suggestions: dict[str, str] = Field(default_factory=dict)
    rep_commitments: list[str] = Field(default_factory=list, description="the rep committing to act: I'll, let me")
    offer_questions: list[str] = Field(default_factory=list, description="an offer put as a question: how about")
    non_actions: list[str] = Field(default_factory=list, description="verbs after a commitment that commit to nothing")
    fillers_after_commit: list[str] = Field(default_factory=list, description="words skipped after a commitment")
    handoffs: list[str] = Field(default_factory=list, description="the problem handed on with nothing decided")
    overpromises: list[str] = Field(default_factory=list, description="promises nobody can keep")
    deadlines: list[str] = Field(default_factory=list, description="a deadline that makes a hand-off a next step")
    learned: OfferReading = Field(default_factory=OfferReading)


class SpokenRules(_Strict):
    hesitations: list[str] = Field(default_factory=list, description="always dropped before matching: um, uh")
    discourse: list[str] = Field(default_factory=list,
                                 description="dropped when set off as an aside: like, you know, i mean")


class RubricModel(_Strict):
    schema_version: Literal[1] = 1
    fillers: list[str] = Field(default_factory=list)
    spoken: SpokenRules = Field(default_factory=SpokenRules)
    calm: CalmRules
    empathy: EmpathyRules
    paraphrase: ParaphraseRules
    solution: SolutionRules
    pass_: PassRules = Field(default_factory=PassRules, alias="pass")  # the default pass mark (scoring/passrules.py)

    @model_validator(mode="after")
    def _undone_by_known(self) -> RubricModel:
        unknown = [g for g in self.empathy.undone_by if g not in self.calm.costs]
        if unknown:
            raise ValueError(f"empathy.undone_by: unknown calm cost group(s) {', '.join(unknown)}; "
                             f"expected some of: {', '.join(self.calm.costs)}")
        return self
