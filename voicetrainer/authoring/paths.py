"""Names and places of persona files and their recordings: a safe persona id, the recording of a line, the audio
types a line may use. Shared by the skeleton, the archives and recording."""

from __future__ import annotations

import re

from voicetrainer.errors import PersonaError

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
AUDIO_SUFFIXES = (".wav", ".flac", ".ogg")
RECORDINGS = "recordings"


def check_name(name: str) -> str:
    """A persona id must be a safe file stem (it becomes `<id>.yaml`, a folder name and an archive member).

    Raises:
        PersonaError: the name is not lower-case letters, digits, '-' and '_'.
    """
    if not NAME_RE.match(name):
        raise PersonaError(f"invalid persona name '{name}': use lower-case letters, digits, '-' and '_' "
                           "(e.g. angry-tenant), at most 64 characters")
    return name


def recording_relpath(persona_id: str, intent: str, n: int) -> str:
    """Where the recording of line n (counted from 1) of `intent` goes, relative to the persona file.

    One folder per persona: several personas share a folder (personas/, the user's folder), and their
    `opening-1.wav` files must not overwrite each other.
    """
    return f"{RECORDINGS}/{persona_id}/{intent}-{n}.wav"
