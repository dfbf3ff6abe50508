"""`voicetrainer persona check` for one file: its validation errors, then (for a valid file) the reachability
warnings, each as `file:line: ...` pointing at the field in the YAML."""

from __future__ import annotations

from pathlib import Path

import yaml

from voicetrainer.authoring.overrides import override_errors
from voicetrainer.authoring.reachability import reachability_warnings
from voicetrainer.core.persona import Persona, line_of, persona_errors


def check_file(path: Path, rubric_path: Path | None = None) -> tuple[list[str], list[str]]:
    """Errors and reachability warnings of one persona file, each as 'file:line: ...'.

    Warnings are computed only for a valid file; its rubric overrides are checked against `rubric_path` (the rubric
    in force; None: the packaged one).
    """
    errors = persona_errors(path)
    if errors:
        return errors, []
    text = path.read_text(encoding="utf-8")
    p = Persona.model_validate(yaml.safe_load(text))
    root = yaml.compose(text)
    errors = override_errors(path, p, root, rubric_path)
    if errors:
        return errors, []
    warnings = []
    for w in reachability_warnings(p):
        loc = tuple(int(x) if x.isdigit() else x for x in w.field.split("."))
        warnings.append(f"{path}:{line_of(root, loc) or 1}: warning: {w.field}: {w.message}")
    return [], warnings
