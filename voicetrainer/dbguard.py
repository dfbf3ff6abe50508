"""The session database's connection, guarded: every SQLite failure becomes one line that says what is wrong.

`open_db` connects with a busy timeout, retries a locked write, opens read-only media read-only when the caller only
reads, and names a damaged file as damaged. `GuardedConnection` has the sqlite3.Connection calls the store uses
(`execute`, `executemany`, `executescript`, `with db:` for a transaction) and turns each failure into a
`StoreError` subclass: locked (naming the process that holds the database open), disk full, read-only, corrupt.
Rows are fetched inside `execute`, so a damaged page fails there, with that message, not later in a caller.
Not here: what is stored (store.py), keeping writes that failed (journal.py), recovering a damaged file
(store_repair.py).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import time
from pathlib import Path
from typing import Any

from voicetrainer.errors import StoreCorruptError, StoreError, StoreFullError, StoreLockedError, StoreReadOnlyError

BUSY_TIMEOUT_S = 2.0        # SQLite waits this long for another writer's lock before saying "locked"
LOCK_RETRIES = 2            # then we try again this many times, after RETRY_PAUSE_S * attempt
RETRY_PAUSE_S = 0.25
REPAIR = "run `voicetrainer sessions repair` to move it aside and recover what can be read (docs/robustness.md)"


class Result:
    """The rows of one statement, fetched at once (a damaged page fails in `execute`, not in a caller's loop)."""

    def __init__(self, cur: sqlite3.Cursor):
        self.rows = cur.fetchall()
        self.lastrowid = cur.lastrowid
        self.rowcount = cur.rowcount
        self.description = cur.description
        self._i = 0

    def fetchone(self):
        if self._i >= len(self.rows):
            return None
        self._i += 1
        return self.rows[self._i - 1]

    def fetchall(self) -> list:
        rest, self._i = self.rows[self._i:], len(self.rows)
        return rest

    def __iter__(self):
        return iter(self.fetchall())


def holders(path: Path) -> str:
    """Which other processes have the database open, as 'process 123 (python -m voicetrainer practice)', from
    /proc (Linux); a general hint elsewhere or when none is found."""
    targets = {str(path.resolve()), str(path.resolve()) + "-wal", str(path.resolve()) + "-shm"}
    found: list[str] = []
    proc = Path("/proc")
    if proc.is_dir():
        for pid_dir in proc.iterdir():
            if not pid_dir.name.isdigit() or int(pid_dir.name) == os.getpid():
                continue
            with contextlib.suppress(OSError):
                if any(os.readlink(fd) in targets for fd in (pid_dir / "fd").iterdir()):
                    cmd = (pid_dir / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
                    found.append(f"process {pid_dir.name} ({cmd[:80] or '?'})")
    if found:
        return ", ".join(found[:3])
    return "another program (another voicetrainer session, or a database browser)"


def _code(e: sqlite3.Error) -> str:
    return getattr(e, "sqlite_errorname", "") or ""


def classify(e: sqlite3.Error | OSError, path: Path, writing: bool = True) -> StoreError:
    """The one-line `StoreError` for a SQLite (or file) failure on the database at `path`."""
    msg = str(e)
    code = _code(e) if isinstance(e, sqlite3.Error) else ""
    low = msg.lower()
    if isinstance(e, OSError):
        return _os_error(e, path)
    if code.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in low or "busy" in low:
        return StoreLockedError(f"the session store {path} is locked by {holders(path)}; let it finish (or close "
                                "it) and try again")
    if code.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or "malformed" in low or "not a database" in low:
        return StoreCorruptError(f"the session store {path} is corrupt ({msg}); {REPAIR}")
    if code.startswith("SQLITE_FULL") or "disk is full" in low or _disk_full(path):
        return StoreFullError(f"the disk holding {path} is full; free some space (or pass another --data-dir) and "
                              "try again")
    if code.startswith("SQLITE_READONLY") or "readonly" in low or "read-only" in low or _read_only(path):
        return StoreReadOnlyError(f"the session store {path} cannot be written (read-only media or permissions); "
                                  "pass a writable folder with --data-dir")
    if code.startswith("SQLITE_CANTOPEN") or "unable to open" in low:
        return StoreError(f"cannot open the session store {path} ({msg}); pass a writable folder with --data-dir")
    verb = "write" if writing else "read"
    return StoreError(f"cannot {verb} the session store {path} ({msg}); if it happens again, {REPAIR}")


def _os_error(e: OSError, path: Path) -> StoreError:
    import errno

    if e.errno in (errno.ENOSPC, errno.EDQUOT):
        return StoreFullError(f"the disk holding {path} is full; free some space (or pass another --data-dir) and "
                              "try again")
    if e.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return StoreReadOnlyError(f"cannot write {e.filename or path} ({e.strerror}); pass a writable folder with "
                                  "--data-dir")
    return StoreError(f"cannot open the session store in {path.parent} ({e.strerror or e}); pass a writable folder "
                      "with --data-dir")


def _disk_full(path: Path) -> bool:
    with contextlib.suppress(OSError):
        return shutil.disk_usage(path.parent).free < 64 * 1024
    return False


def _read_only(path: Path) -> bool:
    with contextlib.suppress(OSError):
        return bool(os.statvfs(path.parent).f_flag & os.ST_RDONLY) or not os.access(path.parent, os.W_OK)
    return False


def _is_lock(e: sqlite3.Error) -> bool:
    return _code(e).startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in str(e).lower()


def _text_params(params: Any) -> Any:
    """Parameters SQLite can store: text with unpaired surrogates (a file name or typed bytes that were not UTF-8,
    decoded with 'surrogateescape') gets U+FFFD in their place instead of failing the write of a finished turn."""
    if not isinstance(params, (tuple, list)):
        return params
    out = []
    for p in params:
        if isinstance(p, str):
            try:
                p.encode("utf-8")
            except UnicodeEncodeError:
                p = p.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        out.append(p)
    return tuple(out)


class GuardedConnection:
    """A sqlite3 connection whose every failure is a one-line `StoreError`, and whose locked writes are retried."""

    def __init__(self, conn: sqlite3.Connection, path: Path, read_only: bool = False):
        self.conn = conn
        self.path = path
        self.read_only = read_only

    def _retry(self, fn, *args, writing: bool = True):
        for attempt in range(LOCK_RETRIES + 1):
            try:
                return fn(*args)
            except sqlite3.Error as e:
                if _is_lock(e) and attempt < LOCK_RETRIES:
                    time.sleep(RETRY_PAUSE_S * (attempt + 1))
                    continue
                raise classify(e, self.path, writing) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def execute(self, sql: str, params: Any = ()) -> Result:
        writing = not sql.lstrip().upper().startswith(("SELECT", "PRAGMA"))
        params = _text_params(params)
        return self._retry(lambda: Result(self.conn.execute(sql, params)), writing=writing)

    def executemany(self, sql: str, rows: Any) -> Result:
        rows = [_text_params(r) for r in rows]
        return self._retry(lambda: Result(self.conn.executemany(sql, rows)))

    def executescript(self, sql: str) -> None:
        self._retry(self.conn.executescript, sql)

    def commit(self) -> None:
        self._retry(self.conn.commit)

    def rollback(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.conn.rollback()

    def __enter__(self) -> GuardedConnection:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            try:
                self.commit()
            except StoreError:
                self.rollback()
                raise
        else:
            self.rollback()

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.conn.close()

    def __getattr__(self, name: str) -> Any:  # anything else (row_factory, iterdump, total_changes) as sqlite3 has it
        return getattr(self.conn, name)


def open_db(path: Path, read_only_ok: bool = False) -> GuardedConnection:
    """Open the database at `path` for writing; when that is impossible and `read_only_ok`, for reading.

    Read-only media: SQLite cannot make the WAL's shared-memory file there, so the database is opened with
    `mode=ro`, then `immutable=1` (then the last changes of a session that was killed, still in the -wal file, are
    not seen: a `sessions list` on a read-only copy shows what was checkpointed).

    Raises:
        StoreError (a subclass when the cause is known): locked, read-only (for a writer), corrupt.
    """
    if path.exists() and not path.is_file():
        raise StoreError(f"{path} is not a file (a folder?); move it away or pass another --data-dir")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = _connect(str(path), uri=False)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA user_version").fetchone()
        return GuardedConnection(conn, path)
    except StoreError:
        raise
    except (sqlite3.Error, OSError) as e:
        err = classify(e, path)
        if not read_only_ok or not isinstance(err, StoreReadOnlyError) and not (
                isinstance(e, sqlite3.Error) and _code(e).startswith("SQLITE_CANTOPEN")):
            raise err from None  # only a store that cannot be written is worth opening read-only
        if not path.is_file():
            raise StoreError(f"no sessions saved yet in {path.parent}; run `voicetrainer practice` first") from None
    for mode in ("ro", "ro&immutable=1"):
        try:
            conn = _connect(f"{path.resolve().as_uri()}?mode={mode}", uri=True)
            conn.execute("PRAGMA user_version").fetchone()
            return GuardedConnection(conn, path, read_only=True)
        except sqlite3.Error as e:
            last = e
    err = classify(last, path, writing=False)
    raise err from None


def _connect(target: str, uri: bool) -> sqlite3.Connection:
    conn = sqlite3.connect(target, timeout=BUSY_TIMEOUT_S, uri=uri)
    conn.row_factory = sqlite3.Row
    return conn
