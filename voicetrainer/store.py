"""Sessions in SQLite, saved turn by turn so a crash or Ctrl-C loses at most the turn in progress.

The database lives in the user's data folder (platformdirs), moved by `--data-dir` or `VOICETRAINER_HOME`.
The schema carries a version; `_MIGRATIONS[n]` upgrades version n to n+1.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from voicetrainer.errors import StoreError
from voicetrainer.types import Turn

SCHEMA_VERSION = 2

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
    # Team practice (voicetrainer/team, docs/team.md): who practised, the pass result and the rubric it was judged
    # by, and the xAPI statements waiting for the Learning Record Store.
    1: """
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
}


def default_data_dir() -> Path:
    env = os.environ.get("VOICETRAINER_HOME")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("voicetrainer", appauthor=False))


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
    turn_count: int = 0
    rep: str | None = None
    rubric_hash: str | None = None
    result: str | None = None        # JSON text; `session_json` parses it


class Store:
    """One SQLite database of sessions and turns."""

    def __init__(self, data_dir: Path):
        self.data_dir = Path(data_dir)
        try:
            self.data_dir.mkdir(parents=True, exist_ok=True)
            self.path = self.data_dir / "sessions.db"
            self.db = sqlite3.connect(self.path)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA foreign_keys = ON")
            self.db.execute("PRAGMA journal_mode = WAL")
            self._migrate()
        except (OSError, sqlite3.Error) as e:
            raise StoreError(f"cannot open the session store in {self.data_dir} ({e}); "
                             "pass a writable folder with --data-dir") from None

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(f"{self.path} was written by a newer voicetrainer (schema {version}); upgrade voicetrainer")
        while version < SCHEMA_VERSION:
            with self.db:
                self.db.executescript(_MIGRATIONS[version])
                version += 1
                self.db.execute(f"PRAGMA user_version = {version}")

    def audio_dir(self, session_id: int) -> Path:
        return self.data_dir / "audio" / f"session-{session_id}"

    def start_session(self, persona, seed: int | None, model: str | None, input_mode: str,
                      rep: str | None = None, rubric_hash: str | None = None) -> int:
        with self.db:
            cur = self.db.execute(
                "INSERT INTO sessions (persona_id, persona_name, scenario_type, started_at, seed, model, input_mode,"
                " start_mood, rep, rubric_hash) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (persona.id, persona.name, persona.scenario_type, time.time(), seed, model, input_mode,
                 persona.mood.start, rep, rubric_hash))
        return int(cur.lastrowid)

    def add_turn(self, session_id: int, turn: Turn) -> None:
        d = turn.to_dict()
        with self.db:
            self.db.execute(
                "INSERT INTO turns (session_id, idx, attempt, persona_line, intent, reply, scores, acoustics,"
                " mood_before, mood_after, next_intent, audio_path, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (session_id, turn.index, turn.attempt, turn.persona_line, turn.intent, turn.reply,
                 json.dumps(d["scores"]), json.dumps(d.get("acoustics")) if d.get("acoustics") else None,
                 turn.mood_before, turn.mood_after, turn.next_intent, turn.audio_path, time.time()))

    def finish_session(self, session_id: int, outcome: str, final_mood: float) -> None:
        with self.db:
            self.db.execute("UPDATE sessions SET ended_at=?, outcome=?, final_mood=? WHERE id=?",
                            (time.time(), outcome, final_mood, session_id))

    def set_result(self, session_id: int, result: dict) -> None:
        """Store a session's pass result (`PassResult.to_dict()`)."""
        with self.db:
            self.db.execute("UPDATE sessions SET result=? WHERE id=?", (json.dumps(result), session_id))

    def install_id(self) -> str:
        """A random id made when this store was created: with a session id it names a session across machines."""
        return self.db.execute("SELECT value FROM meta WHERE key='install_id'").fetchone()[0]

    def _row(self, r: sqlite3.Row) -> SessionRow:
        return SessionRow(**{k: r[k] for k in r.keys()})

    def list_sessions(self, limit: int | None = None, rep: str | None = None) -> list[SessionRow]:
        q = ("SELECT s.*, (SELECT COUNT(DISTINCT idx) FROM turns t WHERE t.session_id = s.id) AS turn_count "
             "FROM sessions s" + (" WHERE s.rep = ?" if rep else "") + " ORDER BY s.id DESC")
        rows = self.db.execute(q + (f" LIMIT {int(limit)}" if limit else ""), (rep,) if rep else ()).fetchall()
        return [self._row(r) for r in rows]

    def get_session(self, session_id: int) -> SessionRow:
        r = self.db.execute(
            "SELECT s.*, (SELECT COUNT(DISTINCT idx) FROM turns t WHERE t.session_id = s.id) AS turn_count "
            "FROM sessions s WHERE id=?", (session_id,)).fetchone()
        if r is None:
            known = self.db.execute("SELECT MIN(id), MAX(id) FROM sessions").fetchone()
            hint = f"ids run from {known[0]} to {known[1]}" if known[0] else "no sessions saved yet"
            raise StoreError(f"no session {session_id} ({hint}); `voicetrainer sessions list` shows them")
        return self._row(r)

    def latest_session_id(self) -> int:
        r = self.db.execute("SELECT MAX(id) FROM sessions").fetchone()
        if r[0] is None:
            raise StoreError("no sessions saved yet; run `voicetrainer practice` first")
        return int(r[0])

    def turns(self, session_id: int) -> list[dict]:
        """Every saved turn (all attempts), in order, as the JSON-shaped dicts of `Turn.to_dict()`."""
        rows = self.db.execute("SELECT * FROM turns WHERE session_id=? ORDER BY idx, attempt", (session_id,))
        out = []
        for r in rows:
            d = {"index": r["idx"], "attempt": r["attempt"], "persona_line": r["persona_line"], "intent": r["intent"],
                 "reply": r["reply"], "scores": json.loads(r["scores"]), "mood_before": r["mood_before"],
                 "mood_after": r["mood_after"], "next_intent": r["next_intent"]}
            if r["acoustics"]:
                d["acoustics"] = json.loads(r["acoustics"])
            if r["audio_path"]:
                d["audio_path"] = r["audio_path"]
            out.append(d)
        return out

    def session_json(self, session_id: int) -> dict:
        s = self.get_session(session_id)
        return {"id": s.id, "persona": s.persona_id, "persona_name": s.persona_name,
                "scenario_type": s.scenario_type, "outcome": s.outcome or "abandoned",
                "started_at": s.started_at, "ended_at": s.ended_at, "seed": s.seed, "model": s.model,
                "input_mode": s.input_mode, "start_mood": s.start_mood, "final_mood": s.final_mood,
                "rep": s.rep, "rubric_hash": s.rubric_hash, "result": json.loads(s.result) if s.result else None,
                "turns": self.turns(session_id)}

    def all_sessions(self, rep: str | None = None) -> list[dict]:
        """Every session that has at least one saved turn, oldest first, as `session_json` dicts (only `rep`'s when
        given).

        For progress over time and exports; sessions abandoned before the first reply carry nothing to show.
        """
        ids = [r[0] for r in self.db.execute(
            "SELECT id FROM sessions s WHERE EXISTS (SELECT 1 FROM turns t WHERE t.session_id = s.id)"
            + (" AND s.rep = ?" if rep else "") + " ORDER BY id", (rep,) if rep else ())]
        return [self.session_json(i) for i in ids]

    def close(self) -> None:
        self.db.close()
