"""`voicetrainer sessions repair`: check the session store, recover what a damaged one still holds, list bad rows.

A healthy store (SQLite's integrity check passes) is left as it is; its journal is replayed and its malformed rows
(a scores column that is not JSON, a start time that is not a number) are listed by id. A damaged one is moved
aside as `sessions.db.corrupt-<time>` (with its -wal and -shm files), a new store is made in its place and every
row that can still be read is copied into it, row by row, so one bad page costs only the rows on it. Nothing is
deleted. docs/robustness.md describes the recovery, including sqlite3's own `.recover` for what this cannot read.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path

from voicetrainer.errors import StoreError

TABLES = ("sessions", "turns")
MAX_GAP = 10_000  # rowids scanned past the last readable one when the table's own index cannot be read


@dataclass
class RepairReport:
    healthy: bool
    moved_to: Path | None = None
    recovered: dict[str, int] = field(default_factory=dict)
    lost: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        if self.healthy:
            out = ["The session store is healthy."]
            out += [f"  {p}" for p in self.problems]
            if self.problems:
                out.append("Readers skip these rows; fix or delete them with any SQLite tool if you need them.")
            return out
        got = ", ".join(f"{n} {t}" for t, n in self.recovered.items()) or "nothing"
        out = [f"The session store was damaged; it is kept as {self.moved_to}.", f"Recovered {got} into a new store."]
        lost = {t: n for t, n in self.lost.items() if n}
        if lost:
            out.append("Could not read " + ", ".join(f"{n} {t} row(s)" for t, n in lost.items())
                       + f" (or they had been deleted); `sqlite3 {self.moved_to} .recover` may get more "
                       "(docs/robustness.md).")
        return out


def integrity_problem(path: Path) -> str | None:
    """Why the database at `path` is damaged (None when SQLite's integrity check passes)."""
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            rows = [r[0] for r in db.execute("PRAGMA integrity_check(20)")]
        finally:
            db.close()
    except sqlite3.DatabaseError as e:
        return str(e)
    return None if rows == ["ok"] else "; ".join(rows[:3])


def repair(data_dir: Path) -> RepairReport:
    """Check the store in `data_dir` and recover a damaged one (see the module docstring).

    Raises:
        StoreError: the folder cannot be written (the damaged file cannot be moved aside).
    """
    from voicetrainer.store import Store

    path = Path(data_dir) / "sessions.db"
    if not path.is_file():
        raise StoreError(f"no session store in {data_dir}; nothing to repair")
    problem = integrity_problem(path)
    if problem is None:
        store = Store(data_dir)  # replays the journal
        try:
            report = RepairReport(healthy=True, problems=list(store.notices))
            report.problems += malformed_rows(store)
        finally:
            store.close()
        return report
    moved = path.with_name(f"sessions.db.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
    try:
        path.rename(moved)
        for suffix in ("-wal", "-shm"):
            side = path.with_name(path.name + suffix)
            if side.exists():
                side.rename(moved.with_name(moved.name + suffix))
    except OSError as e:
        raise StoreError(f"cannot move the damaged {path} aside ({e.strerror}); copy the data folder somewhere "
                         "writable and run `voicetrainer sessions repair --data-dir COPY`") from None
    store = Store(data_dir)
    try:
        report = RepairReport(healthy=False, moved_to=moved, problems=[problem])
        _salvage(moved, store.db.conn, report)
        store.replay_journal()
    finally:
        store.close()
    return report


def malformed_rows(store) -> list[str]:
    """Every row readers skip, as 'turn 17 of session 3 is malformed (...); skipped'."""
    before = len(store.notices)
    for s in store.list_sessions():
        store.turn_records(s.id)
    return store.notices[before:]


def _salvage(src_path: Path, dst: sqlite3.Connection, report: RepairReport) -> None:
    try:
        src = sqlite3.connect(f"{src_path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return
    try:
        cols, rows, lost = _readable_rows(src, dst, "sessions")
        report.recovered["sessions"] = _insert(dst, "sessions", cols, rows)
        tcols, trows, tlost = _readable_rows(src, dst, "turns")
        # Turns whose session row was on a damaged page keep a stand-in session, so the turns themselves survive.
        have = {r[0] for r in dst.execute("SELECT id FROM sessions")}
        if tcols and "session_id" in tcols:
            at = {c: i for i, c in enumerate(tcols)}
            orphans: dict[int, tuple] = {}
            for r in trows:
                sid = r[at["session_id"]]
                if sid not in have and sid not in orphans:
                    orphans[sid] = (sid, "recovered", "(recovered: its session row was damaged)", "other",
                                    r[at["created_at"]] if "created_at" in at else 0.0,
                                    r[at["mood_before"]] if "mood_before" in at else 50.0)
            dst.executemany("INSERT INTO sessions (id, persona_id, persona_name, scenario_type, started_at,"
                            " start_mood) VALUES (?,?,?,?,?,?)", list(orphans.values()))
            report.recovered["stand-in sessions"] = len(orphans)
        report.recovered["turns"] = _insert(dst, "turns", tcols, trows)
        report.lost = {"sessions": lost, "turns": tlost + len(trows) - report.recovered["turns"]}
        dst.execute("UPDATE sqlite_sequence SET seq = (SELECT MAX(id) FROM sessions) WHERE name = 'sessions'")
        dst.commit()
    finally:
        src.close()


def _readable_rows(src: sqlite3.Connection, dst: sqlite3.Connection, table: str) -> tuple[list[str], list, int]:
    """(columns both stores have, every row of `table` that can still be read, how many could not), read one rowid
    at a time so a damaged page costs only its own rows."""
    try:
        src_cols = [r[1] for r in src.execute(f"PRAGMA table_info({table})")]
    except sqlite3.DatabaseError:
        return [], [], 0
    dst_cols = {r[1] for r in dst.execute(f"PRAGMA table_info({table})")}
    cols = [c for c in src_cols if c in dst_cols]
    if not cols:
        return [], [], 0
    # A damaged interior page can point the b-tree walk back into itself, so a plain SELECT may never end: no file
    # holds more rows than it has 8-byte cells, so the walk stops there.
    pages, size = (src.execute(f"PRAGMA {p}").fetchone()[0] for p in ("page_count", "page_size"))
    most = max(1, pages * size // 8)
    try:
        rowids = []
        for (rowid,) in src.execute(f"SELECT rowid FROM {table}"):
            rowids.append(rowid)
            if len(rowids) > most:
                break
        rowids = sorted(set(rowids))
        unreadable = 0
    except sqlite3.DatabaseError:
        rowids, unreadable = [], 0
        rowid, gap = 1, 0
        while gap < MAX_GAP:  # the table's b-tree cannot be walked: probe rowids one by one
            try:
                if src.execute(f"SELECT 1 FROM {table} WHERE rowid=?", (rowid,)).fetchone():
                    rowids.append(rowid)
                    gap = -1
            except sqlite3.DatabaseError:
                unreadable += 1
                gap = -1
            gap += 1
            rowid += 1
    rows = []
    names = ", ".join(cols)
    for rowid in rowids:
        try:
            row = src.execute(f"SELECT {names} FROM {table} WHERE rowid=?", (rowid,)).fetchone()
        except sqlite3.DatabaseError:
            unreadable += 1
            continue
        if row is not None:
            rows.append(tuple(row))
    return cols, rows, unreadable


def _insert(dst: sqlite3.Connection, table: str, cols: list[str], rows: list) -> int:
    if not cols:
        return 0
    got = 0
    sql = f"INSERT OR IGNORE INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})"
    for row in rows:
        try:
            got += dst.execute(sql, row).rowcount
        except sqlite3.DatabaseError:
            continue
    dst.commit()
    return got
