"""`persona check`: a persona's `rubric:` overrides, merged into the rubric in force and validated as practice would.

An override that practice would refuse (an unknown key, a pattern that is not one, a weight out of range) is an
error of the persona file at its `rubric:` line, found by the trainer's check rather than by the rep's session.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from voicetrainer.core.persona import Persona, line_of
from voicetrainer.errors import RubricError
from voicetrainer.scoring import load_rubric


def override_errors(path: Path, persona: Persona, root: yaml.Node | None, rubric_path: Path | None = None) -> list[str]:
    """The problems of the persona's rubric overrides as 'file:line: rubric: ...' (empty when they load).

    Args:
        path: the persona file (for the message).
        persona: the validated persona.
        root: its composed YAML (for the line of `rubric:`).
        rubric_path: the rubric in force (None: the packaged one), as practice would load it.
    """
    if not persona.rubric:
        return []
    try:
        load_rubric(rubric_path, persona.rubric)
    except RubricError as e:
        problems = str(e).split("\n")[1:] or [str(e)]
        line = line_of(root, ("rubric",)) or 1
        return [f"{path}:{line}: rubric: {p.strip()} (an override practice would refuse)" for p in problems]
    except Exception as e:  # noqa: BLE001 - whatever merging odd overrides raises, it is this file's error
        line = line_of(root, ("rubric",)) or 1
        return [f"{path}:{line}: rubric: these overrides cannot be merged into the rubric ({type(e).__name__}: "
                f"{' '.join(str(e).split())[:160]})"]
    return []
