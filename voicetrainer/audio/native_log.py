"""Messages that audio libraries print from C (ALSA, PortAudio, JACK) go to a log file, not into the live view.

ALSA prints things like "ALSA lib pcm.c:8570:(snd_pcm_recover) underrun occurred" with `fprintf(stderr, ...)` from
PortAudio's callback thread at any moment while a stream runs, and PortAudio's start-up probes print more; Python
never sees them, so they land in the middle of the view. `NativeStderrLog` points file descriptor 2 at a log file
for as long as the devices are open, and gives Python's own `sys.stderr` (the view's notices, click's errors) a
copy of the terminal's descriptor, so only the C-level messages move. Writers that hold the old `sys.stderr`
object keep writing to descriptor 2, that is to the log: the view looks `sys.stderr` up each time it prints.

Not here: what the messages mean (nothing here reads them), device handling (devices.py).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TextIO

STDERR_FD = 2


class NativeStderrLog:
    """A context manager: C-level stderr (descriptor 2) appended to `path` while inside it.

    Args:
        path: the log file (created with its folder; appended to).

    `logged_bytes` (after the block) is how much was written to the log meanwhile; `logged_lines` how many lines.
    Where descriptor 2 cannot be redirected (no such descriptor, the log cannot be written), nothing changes and
    `active` stays False: C messages then reach the terminal as before, and the session goes on.
    """

    def __init__(self, path: Path):
        self.path = path
        self.active = False
        self.logged_bytes = 0
        self.logged_lines = 0
        self._saved: int | None = None
        self._start = 0
        self._old_stderr: TextIO | None = None
        self._new_stderr: TextIO | None = None

    def __enter__(self) -> NativeStderrLog:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            log_fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        except OSError:
            return self
        try:
            self._flush()
            self._saved = os.dup(STDERR_FD)
            self._start = os.fstat(log_fd).st_size
            os.dup2(log_fd, STDERR_FD)
        except OSError:
            if self._saved is not None:
                os.close(self._saved)
                self._saved = None
            return self
        finally:
            os.close(log_fd)
        self.active = True
        if _uses_fd(sys.stderr, STDERR_FD):
            # Python's own messages still go to the terminal: a stream on a copy of its descriptor.
            old = sys.stderr
            self._old_stderr = old
            self._new_stderr = open(os.dup(self._saved), "w", buffering=1, encoding=old.encoding,  # noqa: SIM115
                                    errors=old.errors, closefd=True)
            sys.stderr = self._new_stderr
        return self

    def __exit__(self, *exc: object) -> None:
        if not self.active or self._saved is None:
            return
        self._flush()
        if self._new_stderr is not None:
            if sys.stderr is self._new_stderr:
                sys.stderr = self._old_stderr
            self._new_stderr.close()
            self._new_stderr = None
        os.dup2(self._saved, STDERR_FD)
        os.close(self._saved)
        self._saved = None
        self.active = False
        try:
            with open(self.path, "rb") as f:
                f.seek(self._start)
                tail = f.read()
        except OSError:
            return
        self.logged_bytes = len(tail)
        self.logged_lines = tail.count(b"\n") + (1 if tail and not tail.endswith(b"\n") else 0)

    def summary(self) -> str:
        """One line for --verbose: where the audio libraries' messages went (or that there were none)."""
        if not self.logged_bytes:
            return f"No audio-library messages (they would be written to {self.path})."
        return f"{self.logged_lines} line(s) of audio-library messages (ALSA, PortAudio) were written to {self.path}."

    @staticmethod
    def _flush() -> None:
        for stream in (sys.stdout, sys.stderr, sys.__stderr__):
            try:
                if stream is not None:
                    stream.flush()
            except (OSError, ValueError):
                pass


def _uses_fd(stream: object, fd: int) -> bool:
    """Whether `stream` writes to descriptor `fd` (a test runner's capture stream has none)."""
    try:
        return stream is not None and stream.fileno() == fd  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):
        return False
