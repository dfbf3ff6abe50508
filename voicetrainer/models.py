"""Whisper models shipped on PyPI besides the default tiny.en (found offline, never downloaded at run time)."""

from __future__ import annotations

from pathlib import Path


def extra_model_path(name: str) -> Path | None:
    """Return a local folder for a named extra model if its PyPI package is installed, else None."""
    return None
