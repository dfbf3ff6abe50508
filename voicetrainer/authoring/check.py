"""`voicetrainer persona check` for one file: its validation errors, then (for a valid file) the warnings of the
conversation checks (authoring/conversation_checks.py: outcomes, mood bands, facts, questions, loops), each as
`file:line: ...` pointing at the field in the YAML."""

from __future__ import annotations

from pathlib import Path

import yaml

from voicetrainer.authoring.conversation_checks import conversation_warnings
from voicetrainer.authoring.overrides import override_errors
from voicetrainer.core.persona import Persona, line_of, persona_errors


def check_file(path: Path, rubric_path: Path | None = None) -> tuple[list[str], list[str]]:
    """Errors and warnings of one persona file, each as 'file:line: ...'.

    Warnings are computed only for a valid file; its rubric overrides are checked against `rubric_path` (the rubric
    in force; None: the packaged one).
    """
    errors = persona_errors(path)
    if errors:
        return errors, []
    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    p = Persona.model_validate(data)
    root = yaml.compose(text)
    errors = override_errors(path, p, root, rubric_path)
    if errors:
        return errors, []
    warnings = []
    for w in conversation_warnings(p, data.get("schema_version", 1)):
        loc = tuple(int(x) if x.isdigit() else x for x in w.field.split("."))
        warnings.append(f"{path}:{line_of(root, loc) or 1}: warning: {w.field}: {w.message}")
    return [], warnings
