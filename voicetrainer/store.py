"""Sessions in SQLite, saved turn by turn so a crash or Ctrl-C loses at most the turn in progress.

The database lives in the user's data folder (platformdirs), moved by `--data-dir` or `VOICETRAINER_HOME`.
The schema carries a version; `_MIGRATIONS[n]` upgrades version n to n+1.

Nothing a disk or another process does loses a finished turn (docs/robustness.md): the connection is guarded
(dbguard.py: busy timeout and retries, one line naming what is wrong), a write the database refuses is kept in the
journal beside it and replayed (journal.py), readers open a read-only store read-only, a malformed row is named by
id and skipped, and recordings are stored relative to the data folder so the folder can move.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from voicetrainer import config
from voicetrainer.dbguard import open_db
from voicetrainer.errors import StoreError, StoreReadOnlyError
from voicetrainer.journal import Journal, journaled
from voicetrainer.types import AudioClip, SessionRecord, Turn

SCHEMA_VERSION = 4

_MIGRATIONS: dict[int, str] = {
    0: """
    CREATE TABLE sessions (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        persona_id TEXT NOT NULL,
        persona_name TEXT NOT NULL,
        scenario_type TEXT NOT NULL,
        started_at REAL NOT NULL,
        ended_at REAL,
        outcome TEXT,                -- NULL while running or when interrupted
        seed INTEGER,
        model TEXT,
        input_mode TEXT,
        start_mood REAL NOT NULL,
        final_mood REAL
    );
    CREATE TABLE turns (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        attempt INTEGER NOT NULL DEFAULT 1,
        persona_line TEXT NOT NULL,
        intent TEXT NOT NULL,
        reply TEXT NOT NULL,
        scores TEXT NOT NULL,        -- JSON: {dimension: {score, hit, evidence, tip}}
        acoustics TEXT,              -- JSON or NULL for typed replies
        mood_before REAL NOT NULL,
        mood_after REAL NOT NULL,
        next_intent TEXT,
        audio_path TEXT,
        created_at REAL NOT NULL
    );
    CREATE INDEX turns_by_session ON turns(session_id, idx, attempt);
    """,
    # 2: a stored session is the record the session produced (scenario, its last line), a turn keeps its analysis.
    1: """
    ALTER TABLE sessions ADD COLUMN scenario TEXT NOT NULL DEFAULT '';
    ALTER TABLE sessions ADD COLUMN final_line TEXT NOT NULL DEFAULT '';
    ALTER TABLE sessions ADD COLUMN final_intent TEXT NOT NULL DEFAULT '';
    ALTER TABLE turns ADD COLUMN analysis TEXT;   -- JSON: {offers, wrong_facts, silent}
    """,
    # 3: team practice (voicetrainer/team, docs/team.md): who practised, the pass result and the rubric it was judged
    # by, and the xAPI statements waiting for the Learning Record Store.
    2: """
    ALTER TABLE sessions ADD COLUMN rep TEXT;           -- email or account name; NULL when practising alone
    ALTER TABLE sessions ADD COLUMN rubric_hash TEXT;   -- 'sha256:...' of the rubric data in force
    ALTER TABLE sessions ADD COLUMN result TEXT;        -- JSON PassResult: {passed, score, mark, reasons, ...}
    CREATE INDEX sessions_by_rep ON sessions(rep, id);
    CREATE TABLE outbox (
        statement_id TEXT PRIMARY KEY,                  -- deterministic (team/xapi.py): re-sending never duplicates
        session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        verb TEXT NOT NULL,
        statement TEXT NOT NULL,                        -- JSON, frozen when queued: a re-send is byte-identical
        created_at REAL NOT NULL,
        sent_at REAL,                                   -- NULL while pending
        state TEXT NOT NULL DEFAULT 'pending',          -- pending | sent | conflict | rejected
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT
    );
    CREATE INDEX outbox_pending ON outbox(state, created_at);
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    INSERT INTO meta (key, value) VALUES ('install_id', lower(hex(randomblob(16))));
    """,
    # 4: what the call made of each reply (acts, needs, phase, reasons) and the call's scorecard (core/scorecard.py).
    3: """
    ALTER TABLE turns ADD COLUMN conversation TEXT;
    ALTER TABLE sessions ADD COLUMN scorecard TEXT;
    """,
}


def default_data_dir() -> Path:
    """The data folder in force (`config.data_dir`: $VOICETRAINER_HOME or the per-user data folder)."""
    return config.data_dir()


class MalformedRowError(StoreError):
    """A session row whose values cannot be read (e.g. a start time that is not a number)."""

    def __init__(self, what: str, hint: str = ""):
        super().__init__(what + hint)
        self.what = what


@dataclass(frozen=True)
class SessionRow:
    id: int
    persona_id: str
    persona_name: str
    scenario_type: str
    started_at: float
    ended_at: float | None
    outcome: str | None
    seed: int | None
    model: str | None
    input_mode: str | None
    start_mood: float
    final_mood: float | None
    scenario: str = ""
    final_line: str = ""
    final_intent: str = ""
    scorecard: str | None = None
    turn_count: int = 0
    rep: str | None = None
    rubric_hash: str | None = None
    result: str | None = None        # JSON text; `session_json` parses it


class Store:
    """One SQLite database of sessions and turns.

    Args:
        data_dir: the data folder (sessions.db, its journal and the recordings live in it).
        read_only_ok: open a store that cannot be written (read-only media) for reading instead of refusing it:
            for the commands that only read (list, show, export, report, progress).
    """

    def __init__(self, data_dir: Path, read_only_ok: bool = False):
        self.data_dir = Path(data_dir)
        self.path = self.data_dir / "sessions.db"
        self.notices: list[str] = []                           # what went wrong but was handled, in order
        self.on_notice: Callable[[str], None] | None = None    # the CLI prints each notice as it happens
        self.db = open_db(self.path, read_only_ok)
        self.read_only = self.db.read_only
        self.journal = Journal(self.data_dir)
        self._migrate()
        self.replay_journal()

    def notice(self, msg: str) -> None:
        """Something went wrong and was handled (a row skipped, a turn kept in the journal): one line for the user."""
        self.notices.append(msg)
        if self.on_notice is not None:
            self.on_notice(msg)

    def replay_journal(self) -> None:
        """Save the writes kept in the journal (journal.py), if the database takes them now."""
        if self.read_only or not self.journal.pending():
            return
        n = self.journal.replay(self._apply_kept, self.notice)
        if n:
            self.notice(f"saved {n} kept write(s) from the journal into {self.path}")

    def _apply_kept(self, op: str, args: list, kwargs: dict) -> None:
        method = getattr(getattr(type(self), op, None), "unjournaled", None)
        if method is None:
            raise KeyError(f"unknown kept write {op!r}")
        if op == "add_turn" and self._has_turn(*args[:2]):
            return  # saved already (by its own session, or a replay before a crash)
        method(self, *args, **kwargs)

    def _has_turn(self, session_id: int, turn: Turn) -> bool:
        return self.db.execute("SELECT 1 FROM turns WHERE session_id=? AND idx=? AND attempt=?",
                               (session_id, turn.index, turn.attempt)).fetchone() is not None

    def _relative(self, audio_path: str | None) -> str | None:
        """A recording's path as stored: relative to the data folder when inside it, so the folder can move."""
        if not audio_path:
            return audio_path
        p = Path(audio_path)
        for base, q in ((self.data_dir, p), (self.data_dir.resolve(), p.resolve())):
            try:
                return q.relative_to(base).as_posix()
            except ValueError:
                continue
        return audio_path

    def _absolute(self, stored: str | None) -> str | None:
        """A stored recording path as a path to read: relative ones from the data folder; an old absolute one as
        it is, or, when the data folder has moved since, at the same place inside the current folder."""
        if not stored:
            return stored
        p = Path(stored)
        if not p.is_absolute():
            return str(self.data_dir / p)
        if not p.exists() and "audio" in p.parts:
            i = len(p.parts) - 1 - p.parts[::-1].index("audio")
            moved = self.data_dir.joinpath(*p.parts[i:])
            if moved.exists():
                return str(moved)
        return stored

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(f"{self.path} was written by a newer voicetrainer (schema {version}); "
                             "upgrade voicetrainer")
        if version < SCHEMA_VERSION and self.read_only:
            raise StoreReadOnlyError(f"{self.path} was written by an older voicetrainer and must be upgraded, which "
                                     "needs a writable folder; open it once where it can be written")
        while version < SCHEMA_VERSION:
            with self.db:
                self.db.executescript(_MIGRATIONS[version])
                version += 1
                self.db.execute(f"PRAGMA user_version = {version}")

    def audio_dir(self, session_id: int) -> Path:
        return self.data_dir / "audio" / f"session-{session_id}"

    def save_audio(self, session_id: int, name: str, clip: AudioClip) -> Path:
        """Keep a spoken reply as a WAV in the session's audio folder; returns its path."""
        from voicetrainer.audio.files import write_wav  # raises OutputError when it cannot be written

        return write_wav(self.audio_dir(session_id) / name, clip)

    def start_session(self, persona, seed: int | None, model: str | None, input_mode: str,
                      rep: str | None = None, rubric_hash: str | None = None) -> int:
        with self.db:
            cur = self.db.execute(
                "INSERT INTO sessions (persona_id, persona_name, scenario_type, scenario, started_at, seed, model,"
                " input_mode, start_mood, rep, rubric_hash) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (persona.id, persona.name, persona.scenario_type, persona.scenario, time.time(), seed, model,
                 input_mode, persona.mood.start, rep, rubric_hash))
        assert cur.lastrowid is not None   # an INSERT always sets it
        return cur.lastrowid

    @journaled(lambda session_id, turn: f"turn {turn.index} of session {session_id}")
    def add_turn(self, session_id: int, turn: Turn) -> None:
        d = turn.to_dict()
        with self.db:
            self.db.execute(
                "INSERT INTO turns (session_id, idx, attempt, persona_line, intent, reply, scores, analysis,"
                " acoustics, mood_before, mood_after, next_intent, audio_path, created_at, conversation)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (session_id, turn.index, turn.attempt, turn.persona_line, turn.intent, turn.reply,
                 json.dumps(d["scores"]), json.dumps(d["analysis"]) if "analysis" in d else None,
                 json.dumps(d.get("acoustics")) if d.get("acoustics") else None,
                 turn.mood_before, turn.mood_after, turn.next_intent, self._relative(turn.audio_path), time.time(),
                 json.dumps(turn.call.to_dict()) if turn.call is not None else None))

    @journaled(lambda session_id, outcome, *a, **k: f"the end of session {session_id} ({outcome})")
    def finish_session(self, session_id: int, outcome: str, final_mood: float, scorecard: dict | None = None,
                       final_line: str = "", final_intent: str = "") -> None:
        with self.db:
            self.db.execute("UPDATE sessions SET ended_at=?, outcome=?, final_mood=?, scorecard=?, final_line=?,"
                            " final_intent=? WHERE id=?",
                            (time.time(), outcome, final_mood, json.dumps(scorecard) if scorecard else None,
                             final_line, final_intent, session_id))

    def set_result(self, session_id: int, result: dict) -> None:
        """Store a session's pass result (`PassResult.to_dict()`)."""
        with self.db:
            self.db.execute("UPDATE sessions SET result=? WHERE id=?", (json.dumps(result), session_id))

    def install_id(self) -> str:
        """A random id made when this store was created: with a session id it names a session across machines."""
        return self.db.execute("SELECT value FROM meta WHERE key='install_id'").fetchone()[0]

    def _row(self, r: sqlite3.Row) -> SessionRow:
        """A session row, its numbers checked (ValueError / TypeError for a malformed row)."""
        d = {k: r[k] for k in r.keys()}
        d["id"] = int(d["id"])
        d["started_at"], d["start_mood"] = float(d["started_at"]), float(d["start_mood"])
        for k in ("ended_at", "final_mood"):
            d[k] = None if d[k] is None else float(d[k])
        return SessionRow(**d)

    def _rows(self, rows) -> list[SessionRow]:
        """The session rows that can be read; each malformed one is named (by id) and skipped."""
        out = []
        for r in rows:
            try:
                out.append(self._row(r))
            except (ValueError, TypeError, OverflowError) as e:
                self.notice(f"session {r['id']} is malformed ({e}); skipped")
        return out

    def list_sessions(self, limit: int | None = None, rep: str | None = None) -> list[SessionRow]:
        q = ("SELECT s.*, (SELECT COUNT(DISTINCT idx) FROM turns t WHERE t.session_id = s.id) AS turn_count "
             "FROM sessions s" + (" WHERE s.rep = ?" if rep else "") + " ORDER BY s.id DESC")
        rows = self.db.execute(q + (f" LIMIT {int(limit)}" if limit else ""), (rep,) if rep else ()).fetchall()
        return self._rows(rows)

    def get_session(self, session_id: int) -> SessionRow:
        r = self.db.execute(
            "SELECT s.*, (SELECT COUNT(DISTINCT idx) FROM turns t WHERE t.session_id = s.id) AS turn_count "
            "FROM sessions s WHERE id=?", (session_id,)).fetchone()
        if r is None:
            known = self.db.execute("SELECT MIN(id), MAX(id) FROM sessions").fetchone()
            hint = f"ids run from {known[0]} to {known[1]}" if known[0] else "no sessions saved yet"
            raise StoreError(f"no session {session_id} ({hint}); `voicetrainer sessions list` shows them")
        try:
            return self._row(r)
        except (ValueError, TypeError, OverflowError) as e:
            raise MalformedRowError(f"session {session_id} is malformed ({e})",
                                    f"; `voicetrainer sessions repair` checks {self.path}") from None

    def latest_session_id(self) -> int:
        r = self.db.execute("SELECT MAX(id) FROM sessions").fetchone()
        if r[0] is None:
            raise StoreError("no sessions saved yet; run `voicetrainer practice` first")
        return int(r[0])

    def turn_records(self, session_id: int) -> list[Turn]:
        """Every saved turn (all attempts), in order, as the `Turn` records the session produced."""
        rows = self.db.execute("SELECT * FROM turns WHERE session_id=? ORDER BY idx, attempt", (session_id,))
        out = []
        for r in rows:
            try:
                out.append(Turn.from_dict({
                    "index": r["idx"], "attempt": r["attempt"], "persona_line": r["persona_line"],
                    "intent": r["intent"], "reply": r["reply"], "scores": json.loads(r["scores"]),
                    "mood_before": r["mood_before"], "mood_after": r["mood_after"], "next_intent": r["next_intent"],
                    "audio_path": self._absolute(r["audio_path"]),
                    "analysis": json.loads(r["analysis"]) if r["analysis"] else None,
                    "acoustics": json.loads(r["acoustics"]) if r["acoustics"] else None,
                    **(json.loads(r["conversation"]) if r["conversation"] else {})}))
            except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as e:
                self.notice(f"turn {r['id']} of session {session_id} is malformed ({type(e).__name__}: "
                            f"{' '.join(str(e).split())[:80]}); skipped")
        return out

    def turns(self, session_id: int) -> list[dict]:
        """Every saved turn (all attempts), in order, in the JSON shape of `Turn.to_dict()`."""
        return [t.to_dict() for t in self.turn_records(session_id)]

    def session(self, session_id: int) -> SessionRecord:
        """The saved session as the record the session produced (`SessionRecord`)."""
        s = self.get_session(session_id)
        return SessionRecord(
            session_id=s.id, persona=s.persona_id, persona_name=s.persona_name, scenario=s.scenario,
            scenario_type=s.scenario_type, outcome=s.outcome or "interrupted",  # never finished: killed
            turns=tuple(self.turn_records(session_id)), start_mood=s.start_mood, final_mood=s.final_mood,
            final_line=s.final_line, final_intent=s.final_intent, seed=s.seed, model=s.model,
            input_mode=s.input_mode, started_at=s.started_at, ended_at=s.ended_at, rep=s.rep,
            rubric_hash=s.rubric_hash, result=json.loads(s.result) if s.result else None,
            scorecard=json.loads(s.scorecard) if s.scorecard else None)

    def session_json(self, session_id: int) -> dict:
        """`session(id).to_dict()`: the one JSON shape of a session (docs/architecture.md)."""
        return self.session(session_id).to_dict()

    def sessions(self, rep: str | None = None) -> list[SessionRecord]:
        """Every session that has at least one saved turn, oldest first (only `rep`'s when given).

        For progress over time and exports; sessions abandoned before the first reply carry nothing to show.
        """
        ids = [r[0] for r in self.db.execute(
            "SELECT id FROM sessions s WHERE EXISTS (SELECT 1 FROM turns t WHERE t.session_id = s.id)"
            + (" AND s.rep = ?" if rep else "") + " ORDER BY id", (rep,) if rep else ())]
        out = []
        for i in ids:
            try:
                out.append(self.session(i))
            except MalformedRowError as e:  # named, skipped: the other sessions still count
                self.notice(f"{e.what}; skipped")
        return out

    def all_sessions(self, rep: str | None = None) -> list[dict]:
        """`sessions()` in their JSON shape, for the readers that take dicts (progress, exports)."""
        return [s.to_dict() for s in self.sessions(rep)]

    def close(self) -> None:
        self.replay_journal()
        self.db.close()
