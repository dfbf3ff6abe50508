"""Loading the rubric: read rubric.yaml (or another file), merge a persona's overrides, validate, compile, cache.

`load_rubric` is the one way in; it reads only the file it is given (no environment variables: `voicetrainer.config`
says which file the user chose). The schema lives in `schema.py`, the compiled matchers in `phrases.py`.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from voicetrainer.errors import RubricError
from voicetrainer.scoring.phrases import CompiledRubric, compile_rubric
from voicetrainer.scoring.schema import RubricModel
from voicetrainer.text.yaml_checks import yaml_problems

DEFAULT_RUBRIC = Path(__file__).resolve().parent / "rubric.yaml"


@dataclass(frozen=True)
class Rubric:
    """The rubric in force: the validated data from rubric.yaml (plus overrides) and its compiled phrase sets.

    Attributes:
        data: the merged mapping, as a trainer wrote it.
        source: where it came from (file path, plus "+ overrides" when a persona changed it).
    """

    data: dict[str, Any] = field(repr=False)
    source: str = "rubric.yaml"
    text: str = field(default="", repr=False, compare=False)
    model: RubricModel | None = field(default=None, repr=False, compare=False)
    compiled: CompiledRubric | None = field(default=None, repr=False, compare=False)

    def to_yaml(self) -> str:
        """The rubric as YAML: the file as written (with its comments) when nothing was merged in, else the merge."""
        if self.text:
            return self.text
        return yaml.safe_dump(self.data, sort_keys=False, allow_unicode=True, width=120)

    @property
    def rules(self) -> RubricModel:
        """The validated rubric (set by `load_rubric`)."""
        assert self.model is not None
        return self.model

    @property
    def phrases(self) -> CompiledRubric:
        """The compiled phrase sets (set by `load_rubric`)."""
        assert self.compiled is not None
        return self.compiled


# --- loading ------------------------------------------------------------------------------------------------------


def merge(base: Any, override: Any) -> Any:
    """Deep-merge `override` into a copy of `base`: mappings merge, lists extend, everything else replaces."""
    if isinstance(base, dict) and isinstance(override, dict):
        out = dict(base)
        for k, v in override.items():
            out[k] = merge(base[k], v) if k in base else copy.deepcopy(v)
        return out
    if isinstance(base, list) and isinstance(override, list):
        return list(base) + [x for x in override if x not in base]
    return copy.deepcopy(override)


def _errors_text(e: ValidationError) -> str:
    """One line per problem: the dotted key path and what is wrong with it."""
    lines = []
    for err in e.errors():
        loc = ".".join(str(x) for x in err["loc"] if not (isinstance(x, str) and x.startswith("function-")))
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key (check the spelling; docs/rubric.md lists the keys)"
        elif err["type"] == "missing":
            msg = "required key is missing"
        lines.append(f"{loc or '(top level)'}: {msg}")
    return "\n  ".join(lines)


def load_rubric(path: str | Path | None = None, overrides: dict | None = None) -> Rubric:
    """Load and validate a rubric, optionally with a persona's overrides merged in.

    Reads no environment variable: the caller says which file (the CLI passes `config.rubric_path()`, which is
    $VOICETRAINER_RUBRIC).

    Args:
        path: a rubric YAML file. None means the packaged rubric.yaml (`DEFAULT_RUBRIC`).
        overrides: a persona's `rubric:` mapping; mappings merge, lists extend, scalars replace.

    Returns:
        The validated, compiled Rubric.

    Raises:
        RubricError: the file is missing, not YAML, or a key is wrong (the message names the file and key).
    """
    path = DEFAULT_RUBRIC if path is None else Path(path)
    data = _read_yaml(path)
    source = str(path)
    text = "" if overrides else _read_cached(str(path), path.stat().st_mtime)
    if overrides:
        if not isinstance(overrides, dict):
            raise RubricError(f"{path}: rubric overrides must be a mapping (got {type(overrides).__name__})")
        data = merge(data, overrides)
        source += " + overrides"
    try:
        model = RubricModel.model_validate(data)
    except ValidationError as e:
        where = f"{path} (with overrides)" if overrides else str(path)
        raise RubricError(f"{where}: invalid rubric\n  {_errors_text(e)}") from None
    key = json.dumps(data, sort_keys=True, default=str)
    compiled = _COMPILED.get(key)
    if compiled is None:
        compiled = _COMPILED[key] = compile_rubric(model)
    return Rubric(data=data, source=source, text=text, model=model, compiled=compiled)


_COMPILED: dict[str, CompiledRubric] = {}  # compiled phrase sets by rubric content: personas share the default


@lru_cache(maxsize=8)
def _read_cached(path: str, mtime: float) -> str:
    text = Path(path).read_text(encoding="utf-8")
    problems = yaml_problems(Path(path), text)  # duplicate keys, alias bombs, control characters (text/yaml_checks)
    if problems:
        raise RubricError(problems[0] + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""))
    return text


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        text = _read_cached(str(path), path.stat().st_mtime)
    except OSError as e:
        raise RubricError(f"{path}: cannot read rubric file: {e.strerror or e}") from None
    except UnicodeDecodeError as e:
        raise RubricError(f"{path}: not UTF-8 text (byte 0x{e.object[e.start]:02x}); save the rubric as "
                          "UTF-8") from None
    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # C loader when built
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise RubricError(f"{where}: not valid YAML: {getattr(e, 'problem', None) or e}") from None
    if not isinstance(data, dict):
        raise RubricError(f"{path}: expected a mapping with keys calm, empathy, paraphrase, solution")
    return data
