"""Settings from the environment: the one place that reads VOICETRAINER_* variables.

The pure layers (core, text, scoring) read none; the CLI asks here and passes what it gets down.
"""

from __future__ import annotations

import os
from pathlib import Path


def rubric_path() -> Path | None:
    """The rubric file an organisation chose with $VOICETRAINER_RUBRIC, or None for the packaged rubric.yaml."""
    value = os.environ.get("VOICETRAINER_RUBRIC")
    return Path(value) if value else None
