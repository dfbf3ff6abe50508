"""The one place that reads the environment: VOICETRAINER_* variables and the per-user data folder.

Everything else takes these values as arguments, so the pure layers stay pure and tests set them explicitly.

| variable | meaning | default |
|---|---|---|
| VOICETRAINER_HOME | where sessions, recordings and the user's own personas live | the per-user data folder |
| VOICETRAINER_PERSONAS | an extra persona folder, looked up first | none |
| VOICETRAINER_MODEL | the Whisper model | tiny.en |
| VOICETRAINER_RUBRIC | an organisation's rubric file instead of the packaged rubric.yaml | the packaged one |
"""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_MODEL = "tiny.en"


def _env(name: str) -> str | None:
    value = os.environ.get(name)
    return value if value else None


def data_dir() -> Path:
    """The data folder: $VOICETRAINER_HOME, else the per-user data folder (e.g. ~/.local/share/voicetrainer)."""
    env = _env("VOICETRAINER_HOME")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("voicetrainer", appauthor=False))


def extra_persona_dir() -> Path | None:
    """$VOICETRAINER_PERSONAS: a persona folder looked up before the user's own and the bundled ones."""
    env = _env("VOICETRAINER_PERSONAS")
    return Path(env).expanduser() if env else None


def model_name(explicit: str | None = None) -> str:
    """The Whisper model in force: the explicit choice, else $VOICETRAINER_MODEL, else tiny.en."""
    return explicit or _env("VOICETRAINER_MODEL") or DEFAULT_MODEL


def rubric_path() -> Path | None:
    """The rubric file an organisation chose with $VOICETRAINER_RUBRIC, or None for the packaged rubric.yaml."""
    value = _env("VOICETRAINER_RUBRIC")
    return Path(value).expanduser() if value else None


def env_is_set(name: str) -> bool:
    """Whether the environment variable `name` is set to something (for `voicetrainer config get`'s notes)."""
    return _env(name) is not None
