"""Ctrl-C and SIGTERM end a command the same way, at any moment: as a KeyboardInterrupt in the main thread.

While a command runs, SIGINT raises `KeyboardInterrupt` and SIGTERM raises `Terminated` (a KeyboardInterrupt), so a
practice session ends through the same path either way: the turns so far are saved, the session is marked
"interrupted" and the CLI prints one line.

Synthesis is the exception: espeak-ng hands pyttsx3 its audio through a ctypes callback, and an exception raised in
a callback is swallowed ("Exception ignored on calling ctypes callback ... KeyboardInterrupt") while the session
carries on. So inside `deferred()` (around synthesis in the main thread) a signal is only remembered, and raised
when the block ends; and every remembered signal is raised again at the next `checkpoint()`, which the practice loop
passes before and after every line spoken, reply taken and transcription.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterable, Iterator
from typing import Any


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so the session ends the same way (exit code 143 instead of 130)."""


_pending: list[type[KeyboardInterrupt]] = []
_deferring = [0]   # > 0 while the main thread is inside `deferred()`


def _raise(signum: int, frame: Any) -> None:
    kind = Terminated if signum == signal.SIGTERM else KeyboardInterrupt
    _pending.append(kind)
    if not _deferring[0]:
        raise kind()


def _main() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM until the block ends (C code that calls back into Python runs in it), then raise."""
    if not _main():
        yield
        return
    _deferring[0] += 1
    try:
        yield
    finally:
        _deferring[0] -= 1
    checkpoint()


def deferred_pieces(pieces: Iterable[Any]) -> Iterator[Any]:
    """An iterator whose every step (a piece of synthesised speech) runs inside `deferred()`."""
    it = iter(pieces)
    while True:
        with deferred():
            try:
                item = next(it)
            except StopIteration:
                return
        yield item


@contextlib.contextmanager
def interrupts() -> Iterator[None]:
    """Install the handlers for the duration of a command (main thread only; elsewhere a no-op)."""
    if not _main():
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
    """Raise a signal that arrived but was held or swallowed (see the module docstring); nothing otherwise."""
    if _pending and _main():
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
