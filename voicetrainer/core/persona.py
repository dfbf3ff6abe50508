"""Persona files: one YAML file per simulated customer, validated on load.

A persona's id is its file stem. Every validation error names the file, the line, the field and what is expected.
The schema is in persona_model.py (version 2); a version 1 file is validated as v1 (so its errors name v1 fields)
and then upgraded in memory (persona_v1.py). This module reads files only; it never touches audio devices or models.
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml
from pydantic import ValidationError

from voicetrainer.core.persona_model import (  # noqa: F401
    ABOUT,
    LINE_INTENTS,
    NEEDS,
    SCENARIOS,
    Anger,
    Answers,
    FactSpec,
    Line,
    Lines,
    Mood,
    Offer,
    Outcomes,
    Persona,
    Relief,
    Solutions,
    Temperament,
    Voice,
)
from voicetrainer.errors import PersonaError
from voicetrainer.text.yaml_checks import read_yaml_text

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
    version = data.get("schema_version", 1)
    try:
        if version == 1:  # validated as v1 first, so the errors name the fields the file has
            from voicetrainer.core.persona_v1 import PersonaV1

            PersonaV1.model_validate(data)
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
            elif loc == ("schema_version",):
                msg = f"expected 1 or 2 (got {version!r}); 2 is current, `voicetrainer persona upgrade` converts 1"
            ln = line_of(root, loc)
            out.append(f"{path}:{ln or 1}: {field}: {msg}")
        return out
    out = []
    base = path.parent
    for where, line in audio_lines(p):
        if line.audio and not (base / line.audio).is_file():
            loc = tuple(int(x) if x.isdigit() else x for x in where.split(".")) + ("audio",)
            ln = line_of(root, loc) or 1
            out.append(f"{path}:{ln}: {where}.audio: file not found: {line.audio}")
    return out


def audio_lines(p: Persona) -> list[tuple[str, Line]]:
    """Every line that may carry a recording, with its field path: lines.*, solutions.*.N.says.*, answers.tails.*."""
    out = [(f"lines.{intent}.{i}", ln) for intent in LINE_INTENTS for i, ln in enumerate(p.lines_for(intent))]
    for kind in ("accept", "reject"):
        for n, o in enumerate(getattr(p.solutions, kind)):
            out += [(f"solutions.{kind}.{n}.says.{i}", ln) for i, ln in enumerate(o.says)]
    out += [(f"answers.tails.{i}", ln) for i, ln in enumerate(p.answers.tails)]
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


def persona_dirs(data_dir: Path | None = None, extra_dir: Path | None = None) -> list[Path]:
    """Where personas are looked up, first match wins: `extra_dir` (the CLI passes $VOICETRAINER_PERSONAS), the
    user's own (`data_dir`/personas), the bundled ones."""
    dirs = []
    if extra_dir is not None:
        dirs.append(extra_dir)
    if data_dir is not None:
        dirs.append(data_dir / "personas")
    dirs.append(bundled_persona_dir())
    return dirs


def persona_files(data_dir: Path | None = None, extra_dir: Path | None = None) -> dict[str, Path]:
    """Every persona id found in `persona_dirs` and its file (the first folder that has the id wins)."""
    found: dict[str, Path] = {}
    for d in persona_dirs(data_dir, extra_dir):
        if d.is_dir():
            for f in sorted(d.glob("*.yaml")):
                found.setdefault(f.stem, f)
    return found


def find_persona(name_or_path: str, data_dir: Path | None = None, extra_dir: Path | None = None) -> Persona:
    """Resolve a persona by id or by path.

    Raises:
        PersonaError: unknown persona (listing the known ones) or an invalid file.
    """
    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml") or os.sep in name_or_path:
        return load_persona(p)
    files = persona_files(data_dir, extra_dir)
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
    defs = schema["$defs"]
    for name in ("Lines", "Answers"):
        for prop in defs[name]["properties"].values():
            prop["items"] = line
    defs["Offer"]["properties"]["says"]["items"] = line
    offer = {"anyOf": [{"type": "string", "minLength": 1}, {"$ref": "#/$defs/Offer"}]}
    for kind in ("accept", "reject"):
        defs["Solutions"]["properties"][kind]["items"] = offer
    schema["additionalProperties"] = False
    out = {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
    out["title"] = "voicetrainer persona file"
    out["description"] = "One simulated customer. Its id is the file name; see docs/personas.md."
    return out
