"""Keyboard input: a line (a typed reply, or the answer to "retry this turn?" while typing), one key press (retry a
spoken turn?) and lines typed while a take is recording.

`read_line` needs Enter everywhere; `read_key` is click's `getchar` on a terminal (no Enter needed) and a line
elsewhere; `KeyboardLines` reads stdin on a background thread so Enter can stop a recording that is running in the
foreground. `is_retry` is the one rule for what asks for a retry: 'r' alone (any case, spaces around it).
"""

from __future__ import annotations

import queue
import sys
import threading
from typing import TextIO

import click
from rich.console import Console

RETRY_KEY = "r"


def is_retry(answer: str) -> bool:
    """'r' alone asks for a retry; 'right, sorry...' is a reply, never a retry."""
    return answer.strip().lower() == RETRY_KEY


def read_line(console: Console, prompt: str = "") -> str | None:
    """A line confirmed with Enter, after `prompt` (rich markup); None at end of input. Ctrl-C raises
    KeyboardInterrupt, which ends the session as everywhere else."""
    try:
        return console.input(prompt)
    except EOFError:
        return None


def read_key(console: Console) -> str:
    """One key press on a real terminal (no Enter needed); a line elsewhere (a pipe, a test). '' on end of input.

    On a terminal click's `getchar` reads the key (raw mode, any OS; Ctrl-C raises KeyboardInterrupt); the line
    break after it goes to `console`, where the question was asked. Elsewhere a whole line is read, so piped answers
    stay one per line. Not `click.prompt` there: it turns Ctrl-C into a quiet Abort, and Ctrl-C must end the session
    as everywhere else ("Interrupted; everything said so far is saved.").
    """
    stdin = sys.stdin
    if stdin is not None and stdin.isatty():
        ch = click.getchar()
        console.print()
        return ch
    line = stdin.readline() if stdin is not None else ""
    return line.rstrip("\r\n")


class KeyboardLines:
    """Lines typed on stdin, read by one background thread so a take can be stopped with Enter while recording.

    Prompts and the stop key share one queue, so a keypress is never lost to the wrong reader.
    """

    def __init__(self, stream: TextIO | None = None):
        self._q: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, args=(stream or sys.stdin,), daemon=True).start()

    def _read(self, stream: TextIO) -> None:
        for line in stream:
            self._q.put(line.rstrip("\r\n"))
        self._q.put(None)  # EOF

    def ask(self, prompt: str) -> str | None:
        """Print `prompt`, then wait for a line (None at end of input)."""
        click.echo(prompt, nl=False)
        line = self._q.get()
        if line is None:
            self._q.put(None)  # end of input stays the end
        return line

    def pressed(self) -> bool:
        """True (consuming it) if a line was typed since the last call."""
        try:
            line = self._q.get_nowait()
        except queue.Empty:
            return False
        if line is None:
            self._q.put(None)
        return True
