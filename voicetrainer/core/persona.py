"""Persona files: one YAML file per simulated customer, validated on load.

A persona's id is its file stem. Every validation error names the file, the line, the field and what is expected.
This module reads files only; it never touches audio devices or models.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from voicetrainer.errors import PersonaError
from voicetrainer.registry import DEFAULT_VOICE_ENGINE, VOICE_ENGINES
from voicetrainer.text.yaml_checks import read_yaml_text
from voicetrainer.types import DIMENSIONS, INTENTS

SCENARIOS = (
    "delayed_refund", "defective_product", "verbal_abuse", "policy_no_receipt", "out_of_stock",
    "technical_fault", "unreasonable_demand", "bad_review_threat", "language_barrier", "customer_dispute",
    "double_charge", "long_wait", "subscription_billed", "wrong_item", "other",
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Voice(_Strict):
    engine: str = Field(DEFAULT_VOICE_ENGINE, description="text-to-speech engine",
                        json_schema_extra={"enum": list(VOICE_ENGINES)})
    voice_id: str | None = Field(None, description="pyttsx3 voice id (see `voicetrainer voices`); default voice if empty")
    rate: int = Field(175, ge=80, le=400, description="words per minute")
    volume: float = Field(0.9, ge=0.0, le=1.0)

    @field_validator("engine")
    @classmethod
    def _known_engine(cls, v: str) -> str:
        if v not in VOICE_ENGINES:
            raise ValueError(f"unknown voice engine '{v}'; expected one of: {', '.join(VOICE_ENGINES)}")
        return v


class Line(_Strict):
    text: str = Field(min_length=1)
    mood: tuple[float, float] | None = Field(
        None, description="[low, high] mood range (0 calm - 100 furious) where this variant may be said")
    audio: str | None = Field(None, description="WAV recorded by a trainer, relative to the persona file; used instead of TTS")

    @field_validator("mood")
    @classmethod
    def _range(cls, v):
        if v is not None and not (0 <= v[0] <= v[1] <= 100):
            raise ValueError("expected [low, high] with 0 <= low <= high <= 100")
        return v


class Effect(_Strict):
    hit: float = Field(ge=-100, le=100, description="mood change when the dimension is hit (negative calms)")
    miss: float = Field(ge=-100, le=100, description="mood change when the dimension is missed")


def _default_effects() -> dict[str, Effect]:
    return {
        "calm": Effect(hit=-3, miss=15),
        "empathy": Effect(hit=-8, miss=4),
        "paraphrase": Effect(hit=-8, miss=3),
        "solution": Effect(hit=-10, miss=5),
    }


class Mood(_Strict):
    start: float = Field(ge=0, le=100, description="starting anger, 0 calm - 100 furious")
    effects: dict[Literal["calm", "empathy", "paraphrase", "solution"], Effect] = Field(default_factory=_default_effects)
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


class Solutions(_Strict):
    accept: list[str] = Field(min_length=1, description="offers this customer accepts (phrases, e.g. 'refund')")
    reject: list[str] = Field(default_factory=list, description="offers this customer turns down")


class Lines(_Strict):
    opening: list[Line] = Field(min_length=1)
    pushback: list[Line] = Field(min_length=1, description="when not heard")
    correction: list[Line] = Field(min_length=1, description="when a paraphrase gets the facts wrong")
    accept_offer: list[Line] = Field(min_length=1)
    reject_offer: list[Line] = Field(min_length=1)
    soften: list[Line] = Field(min_length=1)
    escalate: list[Line] = Field(min_length=1, description="asks for a manager; ends the call")
    still_there: list[Line] = Field(min_length=1, description="after a silent turn")
    resolved: list[Line] = Field(min_length=1, description="closing when resolved")
    hang_up: list[Line] = Field(min_length=1)

    @field_validator("*", mode="before")
    @classmethod
    def _strings_are_lines(cls, v):
        if not isinstance(v, list):
            return v
        for x in v:
            if isinstance(x, (bool, int, float)):
                raise ValueError(f"a line must be text, got {x!r}; put it in quotes (YAML reads no/yes/on/off as "
                                 "true/false)")
        return [{"text": x} if isinstance(x, str) else x for x in v]


class Persona(_Strict):
    schema_version: Literal[1] = 1
    name: str = Field(min_length=1)
    scenario_type: Literal[SCENARIOS] = "other"  # type: ignore[valid-type]
    scenario: str = Field(min_length=1, description="the backstory the rep is told before the call")
    voice: Voice = Field(default_factory=Voice)
    mood: Mood
    outcomes: Outcomes = Field(default_factory=Outcomes)
    solutions: Solutions
    lines: Lines
    rubric: dict[str, Any] = Field(default_factory=dict, description="overrides merged into the rubric in force")

    # Not part of the file: set by the loader.
    id: str = Field("", exclude=True)
    path: Path | None = Field(None, exclude=True)

    @model_validator(mode="after")
    def _mood_below_escalation(self):
        if self.mood.start >= self.outcomes.escalate_at_or_above:
            raise ValueError("mood.start must be below outcomes.escalate_at_or_above, or the call ends before it starts")
        return self

    def lines_for(self, intent: str) -> list[Line]:
        return list(getattr(self.lines, intent))

    def audio_path(self, line: Line) -> Path | None:
        if not line.audio:
            return None
        base = self.path.parent if self.path else Path.cwd()
        return (base / line.audio).resolve()


# --- loading ---------------------------------------------------------------------------------------------------


def line_of(node: yaml.Node | None, loc: tuple) -> int | None:
    """Walk a composed YAML node tree along a pydantic error location and return its 1-based line.

    A missing field is reported at its parent's key ("lines:" for a missing lines.hang_up).
    """
    line = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if k.value == str(part)), None)
            if pair is None:
                return line
            line, node = pair[0].start_mark.line + 1, pair[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def persona_errors(path: Path) -> list[str]:
    """Return every problem with a persona file as 'file:line: field: problem' (empty when valid)."""
    text, problems = read_yaml_text(path)  # size, UTF-8, duplicate keys, aliases, control characters, audio paths
    if problems:
        return problems
    try:
        data = yaml.safe_load(text)
        root = yaml.compose(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        return [f"{where}: not valid YAML: {getattr(e, 'problem', None) or e}"]
    if not isinstance(data, dict):
        return [f"{path}:1: expected a mapping of persona fields (name, scenario, mood, solutions, lines, ...)"]
    try:
        p = Persona.model_validate(data)
    except ValidationError as e:
        out = []
        for err in e.errors():
            loc = tuple(x for x in err["loc"] if not (isinstance(x, str) and x.startswith("function-")))
            field = ".".join(str(x) for x in loc) or "(top level)"
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "unknown field (check the spelling; `voicetrainer persona schema` lists the fields)"
            elif err["type"] == "missing":
                msg = "required field is missing"
            line = line_of(root, loc)
            out.append(f"{path}:{line or 1}: {field}: {msg}")
        return out
    out = []
    base = path.parent
    for intent in INTENTS:
        for i, line in enumerate(getattr(p.lines, intent)):
            if line.audio and not (base / line.audio).is_file():
                ln = line_of(root, ("lines", intent, i, "audio")) or 1
                out.append(f"{path}:{ln}: lines.{intent}.{i}.audio: file not found: {line.audio}")
    return out


def load_persona(path: str | Path) -> Persona:
    """Load and validate one persona file.

    Raises:
        PersonaError: listing every problem, one per line.
    """
    path = Path(path)
    if not path.is_file():
        raise PersonaError(f"{path}: persona file not found")
    errors = persona_errors(path)
    if errors:
        raise PersonaError(f"{path}: invalid persona\n  " + "\n  ".join(errors))
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Persona.model_validate(data).model_copy(update={"id": path.stem, "path": path.resolve()})


_PACKAGE = Path(__file__).resolve().parent.parent


def bundled_persona_dir() -> Path:
    """The personas shipped with voicetrainer.

    A wheel carries them inside the package (`voicetrainer/personas`, see pyproject.toml); a source checkout or an
    editable install reads the repository's top-level `personas/` folder, beside the package.
    """
    inside = _PACKAGE / "personas"
    return inside if inside.is_dir() else _PACKAGE.parent / "personas"


def persona_dirs(data_dir: Path | None = None) -> list[Path]:
    """Where personas are looked up, first match wins: $VOICETRAINER_PERSONAS, the user's own, the bundled ones."""
    dirs = []
    if os.environ.get("VOICETRAINER_PERSONAS"):
        dirs.append(Path(os.environ["VOICETRAINER_PERSONAS"]))
    if data_dir is not None:
        dirs.append(data_dir / "personas")
    dirs.append(bundled_persona_dir())
    return dirs


def persona_files(data_dir: Path | None = None) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for d in persona_dirs(data_dir):
        if d.is_dir():
            for f in sorted(d.glob("*.yaml")):
                found.setdefault(f.stem, f)
    return found


def find_persona(name_or_path: str, data_dir: Path | None = None) -> Persona:
    """Resolve a persona by id or by path.

    Raises:
        PersonaError: unknown persona (listing the known ones) or an invalid file.
    """
    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml") or os.sep in name_or_path:
        return load_persona(p)
    files = persona_files(data_dir)
    if name_or_path not in files:
        known = ", ".join(sorted(files)) or "(none found)"
        raise PersonaError(f"unknown persona '{name_or_path}'; expected one of: {known}")
    return load_persona(files[name_or_path])


def json_schema() -> dict:
    """The JSON Schema of a persona file, for editors (`voicetrainer persona schema`).

    The loader-set fields (id, path) are left out, and a line may be written as plain text as well as a mapping,
    as the loader accepts.
    """
    schema = Persona.model_json_schema(mode="validation")
    for key in ("id", "path"):
        schema["properties"].pop(key, None)
        if key in schema.get("required", []):
            schema["required"].remove(key)
    line = {"anyOf": [{"type": "string", "minLength": 1}, {"$ref": "#/$defs/Line"}]}
    for prop in schema["$defs"]["Lines"]["properties"].values():
        prop["items"] = line
    schema["additionalProperties"] = False
    out = {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
    out["title"] = "voicetrainer persona file"
    out["description"] = "One simulated customer. Its id is the file name; see docs/personas.md."
    return out
