"""Ctrl-C and SIGTERM end a command the same way, at any moment: as a KeyboardInterrupt in the main thread.

While a command runs, SIGINT raises `KeyboardInterrupt` and SIGTERM raises `Terminated` (a KeyboardInterrupt), so a
practice session ends through the same path either way: the turns so far are saved, the session is marked
"interrupted" and the CLI prints one line. Each signal is also remembered: one that arrives while C code calls back
into Python (espeak-ng's synthesis callback under pyttsx3 swallows exceptions: "Exception ignored on calling ctypes
callback") is raised again at the next `checkpoint()`, which the practice loop passes after every synthesis,
playback, reply and transcription.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from typing import Any


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so the session ends the same way (exit code 143 instead of 130)."""


_pending: list[type[KeyboardInterrupt]] = []


def _raise(signum: int, frame: Any) -> None:
    kind = Terminated if signum == signal.SIGTERM else KeyboardInterrupt
    _pending.append(kind)
    raise kind()


@contextlib.contextmanager
def interrupts() -> Iterator[None]:
    """Install the handlers for the duration of a command (main thread only; elsewhere a no-op)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _pending.clear()
    old = {s: signal.signal(s, _raise) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)
        _pending.clear()


def checkpoint() -> None:
    """Raise a signal that arrived but was swallowed (see the module docstring); nothing otherwise."""
    if _pending:
        kind = _pending[-1]
        _pending.clear()
        raise kind()


class Checked:
    """A reply source or transcriber whose every call passes a checkpoint before and after."""

    def __init__(self, inner: Any):
        self._inner = inner

    def next_reply(self, persona_line: str):
        checkpoint()
        reply = self._inner.next_reply(persona_line)
        checkpoint()
        return reply

    def transcribe(self, clip):
        checkpoint()
        out = self._inner.transcribe(clip)
        checkpoint()
        return out

    def __iter__(self):
        return iter(self._inner)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)
