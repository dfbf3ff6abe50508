"""Replies from a script file: each line a typed reply or the path of a recorded one (read here, transcribed later).

The session loop reads replies through the `ReplySource` port; this adapter is the one that touches audio files.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from voicetrainer.audio.files import read_audio
from voicetrainer.core.session import NoMoreReplies, Reply
from voicetrainer.errors import VoiceTrainerError


class ScriptedReplies:
    """Replies from a file: each non-empty line is the reply text, or a path to an audio file (read, then transcribed).

    Relative audio paths are resolved against the script's folder. Lines starting with '#' are comments.
    """

    AUDIO_SUFFIXES = (".wav", ".flac", ".ogg")

    def __init__(self, lines: list[str], base: Path | None = None, source: str = "script"):
        self._lines = [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
        self._base = base or Path.cwd()
        self._source = source
        self._i = 0

    @classmethod
    def from_file(cls, path: str | Path) -> "ScriptedReplies":
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise VoiceTrainerError(f"{path}: cannot read the replies file ({e}); one reply or WAV path per line")
        return cls(text.splitlines(), path.parent, str(path))

    def __iter__(self) -> Iterator[str]:
        return iter(self._lines)

    def next_reply(self, persona_line: str) -> Reply:
        if self._i >= len(self._lines):
            raise NoMoreReplies
        item = self._lines[self._i]
        self._i += 1
        if item.lower().endswith(self.AUDIO_SUFFIXES):
            p = Path(item)
            p = p if p.is_absolute() else self._base / p
            return Reply(clip=read_audio(p), source=str(p))
        return Reply(text=item, source=self._source)
