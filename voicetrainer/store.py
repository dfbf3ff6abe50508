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
    # What the call made of each reply (acts, needs, phase, reasons) and the call's scorecard (core/scorecard.py).
    1: """
    ALTER TABLE turns ADD COLUMN conversation TEXT;
    ALTER TABLE sessions ADD COLUMN scorecard TEXT;
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
    scorecard: str | None = None
    turn_count: int = 0


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

    def start_session(self, persona, seed: int | None, model: str | None, input_mode: str) -> int:
        with self.db:
            cur = self.db.execute(
                "INSERT INTO sessions (persona_id, persona_name, scenario_type, started_at, seed, model, input_mode,"
                " start_mood) VALUES (?,?,?,?,?,?,?,?)",
                (persona.id, persona.name, persona.scenario_type, time.time(), seed, model, input_mode,
                 persona.mood.start))
        return int(cur.lastrowid)

    def add_turn(self, session_id: int, turn: Turn) -> None:
        d = turn.to_dict()
        conversation = json.dumps(turn.call.to_dict()) if turn.call is not None else None
        with self.db:
            self.db.execute(
                "INSERT INTO turns (session_id, idx, attempt, persona_line, intent, reply, scores, acoustics,"
                " mood_before, mood_after, next_intent, audio_path, created_at, conversation)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (session_id, turn.index, turn.attempt, turn.persona_line, turn.intent, turn.reply,
                 json.dumps(d["scores"]), json.dumps(d.get("acoustics")) if d.get("acoustics") else None,
                 turn.mood_before, turn.mood_after, turn.next_intent, turn.audio_path, time.time(), conversation))

    def finish_session(self, session_id: int, outcome: str, final_mood: float, scorecard: dict | None = None) -> None:
        with self.db:
            self.db.execute("UPDATE sessions SET ended_at=?, outcome=?, final_mood=?, scorecard=? WHERE id=?",
                            (time.time(), outcome, final_mood, json.dumps(scorecard) if scorecard else None,
                             session_id))

    def _row(self, r: sqlite3.Row) -> SessionRow:
        return SessionRow(**{k: r[k] for k in r.keys()})

    def list_sessions(self, limit: int | None = None) -> list[SessionRow]:
        q = ("SELECT s.*, (SELECT COUNT(DISTINCT idx) FROM turns t WHERE t.session_id = s.id) AS turn_count "
             "FROM sessions s ORDER BY s.id DESC")
        rows = self.db.execute(q + (f" LIMIT {int(limit)}" if limit else "")).fetchall()
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
            if r["conversation"]:  # acts, needs, phase, mood reasons (core/scorecard.TurnRecord)
                d.update({k: v for k, v in json.loads(r["conversation"]).items() if k not in d})
            out.append(d)
        return out

    def session_json(self, session_id: int) -> dict:
        s = self.get_session(session_id)
        return {"id": s.id, "persona": s.persona_id, "persona_name": s.persona_name,
                "scenario_type": s.scenario_type, "outcome": s.outcome or "abandoned",
                "started_at": s.started_at, "ended_at": s.ended_at, "seed": s.seed, "model": s.model,
                "input_mode": s.input_mode, "start_mood": s.start_mood, "final_mood": s.final_mood,
                "turns": self.turns(session_id), "scorecard": self._scorecard(session_id)}

    def _scorecard(self, session_id: int) -> dict | None:
        r = self.db.execute("SELECT scorecard FROM sessions WHERE id=?", (session_id,)).fetchone()
        return json.loads(r[0]) if r and r[0] else None

    def all_sessions(self) -> list[dict]:
        """Every session that has at least one saved turn, oldest first, as `session_json` dicts.

        For progress over time and exports; sessions abandoned before the first reply carry nothing to show.
        """
        ids = [r[0] for r in self.db.execute(
            "SELECT id FROM sessions s WHERE EXISTS (SELECT 1 FROM turns t WHERE t.session_id = s.id) ORDER BY id")]
        return [self.session_json(i) for i in ids]

    def close(self) -> None:
        self.db.close()
