"""The turn journal: a write the session store refused (disk full, locked, read-only) is kept here and replayed.

`@journaled` wraps a store write (`add_turn`, `finish_session`): when the database refuses it, the call is appended
as one JSON line to `sessions.journal` beside `sessions.db` (or, when that disk refuses too, to a file of the same
name in the temporary folder, keyed by the data folder), the rep is told in one line, and the session goes on. The
next write of the same store, its `close()` and the next `Store(...)` of that folder replay the journal, oldest
first, under an exclusive file lock (several sessions may share a folder); a replayed turn that is already in the
database is not added twice. An entry the database rejects for good (its session is gone) is moved to
`sessions.journal.rejected` and named. docs/robustness.md describes it.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from voicetrainer.errors import StoreCorruptError, StoreError, StoreFullError, StoreLockedError, StoreReadOnlyError
from voicetrainer.types import Turn

JOURNAL_NAME = "sessions.journal"
REJECTED_SUFFIX = ".rejected"
WRITE_FAILURES = (StoreFullError, StoreLockedError, StoreReadOnlyError)

try:  # POSIX: an exclusive lock while appending or replaying; elsewhere appends are single writes and replay is
    import fcntl  # best effort
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


def _encode(value: Any) -> Any:
    if isinstance(value, Turn):
        return {"__turn__": value.to_dict()}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"__turn__"}:
        return Turn.from_dict(value["__turn__"])
    return value


@contextlib.contextmanager
def _locked(path: Path, mode: str) -> Iterator[Any]:
    f = open(path, mode, encoding="utf-8")
    try:
        if fcntl is not None:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        yield f
    finally:
        f.close()  # closing releases the lock


class Journal:
    """The journal files of one data folder: beside the database, and a fallback in the temporary folder."""

    def __init__(self, data_dir: Path):
        self.data_dir = Path(data_dir)
        key = hashlib.sha256(str(self.data_dir.resolve()).encode()).hexdigest()[:16]
        self.paths = [self.data_dir / JOURNAL_NAME, Path(tempfile.gettempdir()) / f"voicetrainer-{key}.journal"]
        self.unsaved: list[dict] = []   # entries no disk would take: kept in memory, retried with every write

    def append(self, op: str, args: tuple, kwargs: dict) -> Path | None:
        """Keep one refused write; returns the file it went to (None: only in memory, retried later)."""
        entry = {"v": 1, "op": op, "args": [_encode(a) for a in args],
                 "kwargs": {k: _encode(v) for k, v in kwargs.items()}, "at": time.time()}
        return self._write(entry)

    def _write(self, entry: dict) -> Path | None:
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        for path in self.paths:
            try:
                with _locked(path, "a") as f:
                    f.write(line)
                    f.flush()
                    os.fsync(f.fileno())
                return path
            except OSError:
                continue
        self.unsaved.append(entry)
        return None

    def pending(self) -> bool:
        return bool(self.unsaved) or any(p.is_file() and p.stat().st_size > 0 for p in self.paths)

    def replay(self, apply: Callable[[str, list, dict], None], notify: Callable[[str], None]) -> int:
        """Apply every kept write in order; returns how many were applied. Stops at the first write the store still
        refuses (disk still full, still locked), keeping it and the rest for the next try."""
        done = 0
        for entry in list(self.unsaved):
            try:
                apply(entry["op"], [_decode(a) for a in entry["args"]],
                      {k: _decode(v) for k, v in entry["kwargs"].items()})
            except WRITE_FAILURES:
                return done
            self.unsaved.remove(entry)
            done += 1
        for path in self.paths:
            if not (path.is_file() and path.stat().st_size > 0):
                continue
            try:
                done += self._replay_file(path, apply, notify)
            except WRITE_FAILURES:
                return done
            except OSError as e:
                notify(f"cannot read the journal {path} ({e.strerror}); it is kept for the next start")
        return done

    def _replay_file(self, path: Path, apply, notify) -> int:
        done = 0
        with _locked(path, "r+") as f:
            lines = f.read().splitlines()
            rest: list[str] = []
            stop: StoreError | None = None
            for n, line in enumerate(lines, start=1):
                if not line.strip():
                    continue
                if stop is not None:  # the store refused an earlier entry: keep the rest, in order
                    rest.append(line)
                    continue
                try:
                    entry = json.loads(line)
                    op, args, kwargs = entry["op"], entry["args"], entry["kwargs"]
                    apply(op, [_decode(a) for a in args], {k: _decode(v) for k, v in kwargs.items()})
                    done += 1
                except WRITE_FAILURES as e:
                    stop = e
                    rest.append(line)
                except (StoreCorruptError, ValueError, KeyError, TypeError, AttributeError, StoreError) as e:
                    self._reject(path, line, f"{path}:{n}: {e}")
                    notify(f"a kept write could not be replayed ({e}); it is in {path}{REJECTED_SUFFIX}")
            f.seek(0)
            f.truncate()
            if rest:
                f.write("\n".join(rest) + "\n")
            f.flush()
            os.fsync(f.fileno())
        if stop is not None:
            raise stop
        return done

    @staticmethod
    def _reject(path: Path, line: str, why: str) -> None:
        with contextlib.suppress(OSError), open(str(path) + REJECTED_SUFFIX, "a", encoding="utf-8") as f:
            f.write(json.dumps({"why": why, "entry": line}, ensure_ascii=False) + "\n")


def journaled(what: Callable[..., str]) -> Callable:
    """Decorate a store write: when the database refuses it (full, locked, read-only), keep it in the journal.

    Args:
        what: says what was kept, from the call's arguments ("turn 3 of session 7"), for the rep's one line.
    """

    def wrap(method: Callable) -> Callable:
        @functools.wraps(method)
        def write(store, *args, **kwargs):
            store.replay_journal()  # earlier kept writes first, now the store may take them
            try:
                return method(store, *args, **kwargs)
            except WRITE_FAILURES as e:
                where = store.journal.append(method.__name__, args, kwargs)
                kept = f"kept in {where}" if where else "kept in memory (no disk would take it)"
                store.notice(f"{e} — {what(*args, **kwargs)} is {kept} and will be saved when the store can take "
                             "it")
                return None

        write.unjournaled = method  # type: ignore[attr-defined]  # what replay calls (never journals again)
        return write

    return wrap
