"""Replies from a script file: each line a typed reply or the path of a recorded one (read here, transcribed later).

The session loop reads replies through the `ReplySource` port; this adapter is the one that touches audio files.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from voicetrainer import limits
from voicetrainer.audio.files import read_audio
from voicetrainer.errors import InputError
from voicetrainer.ports import NoMoreReplies
from voicetrainer.types import Reply


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
    def from_file(cls, path: str | Path) -> ScriptedReplies:
        """Read a replies file in bounded time and memory (at most `limits.MAX_REPLIES_FILE_BYTES`, so /dev/zero or
        a recording given by mistake is refused at once).

        Raises:
            InputError: unreadable, too big, not UTF-8, a control character, or a reply over the length cap; the
                message names the file and line.
        """
        path = Path(path)
        try:
            with open(path, "rb") as f:
                data = f.read(limits.MAX_REPLIES_FILE_BYTES + 1)
        except OSError as e:
            raise InputError(f"{path}: cannot read the replies file ({e.strerror or e}); one reply or WAV path per "
                             "line") from None
        if len(data) > limits.MAX_REPLIES_FILE_BYTES:
            raise InputError(f"{path}: more than {limits.MAX_REPLIES_FILE_BYTES // 2**20} MB; a replies file holds "
                             "one reply or WAV path per line (is it the right file?)")
        return cls(decode_lines(data, path, "replies file"), path.parent, str(path))

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


def decode_lines(data: bytes, path: Path, what: str) -> list[str]:
    """The lines of a text file, each checked: UTF-8, no control character, within the reply length cap.

    Raises:
        InputError: '<path>:<line>: <what is wrong>; <what to do>' for the first bad line, or too many lines.
    """
    raw = data.split(b"\n")
    if data.startswith(b"\xef\xbb\xbf"):  # a byte-order mark from a Windows editor
        raw[0] = raw[0][3:]
    lines: list[str] = []
    for n, b in enumerate(raw, start=1):
        try:
            text = b.decode("utf-8").rstrip("\r")
        except UnicodeDecodeError as e:
            raise InputError(f"{path}:{n}: not UTF-8 text (byte 0x{b[e.start]:02x} at column {e.start + 1}); "
                             f"save the {what} as UTF-8") from None
        bad = limits.control_char(text)
        if bad:
            raise InputError(f"{path}:{n}: a control character ({bad}); remove it from the {what}")
        problem = limits.reply_too_long(text.strip())
        if problem:
            raise InputError(f"{path}:{n}: {problem}")
        lines.append(text)
    if sum(1 for ln in lines if ln.strip() and not ln.lstrip().startswith("#")) > limits.MAX_REPLIES:
        raise InputError(f"{path}: more than {limits.MAX_REPLIES} replies; a call ends long before that, "
                         "split the script")
    return lines
