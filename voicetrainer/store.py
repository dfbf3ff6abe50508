"""Sessions in SQLite, saved turn by turn so a crash or Ctrl-C loses at most the turn in progress.

The database lives in the user's data folder (platformdirs), moved by `--data-dir` or `VOICETRAINER_HOME`.
The schema carries a version; `_MIGRATIONS[n]` upgrades version n to n+1.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from voicetrainer import config
from voicetrainer.errors import StoreError
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

    def save_audio(self, session_id: int, name: str, clip: AudioClip) -> Path:
        """Keep a spoken reply as a WAV in the session's audio folder; returns its path."""
        from voicetrainer.audio.files import write_wav

        return write_wav(self.audio_dir(session_id) / name, clip)

    def start_session(self, persona, seed: int | None, model: str | None, input_mode: str,
                      rep: str | None = None, rubric_hash: str | None = None) -> int:
        with self.db:
            cur = self.db.execute(
                "INSERT INTO sessions (persona_id, persona_name, scenario_type, scenario, started_at, seed, model,"
                " input_mode, start_mood, rep, rubric_hash) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (persona.id, persona.name, persona.scenario_type, persona.scenario, time.time(), seed, model,
                 input_mode, persona.mood.start, rep, rubric_hash))
        return int(cur.lastrowid)

    def add_turn(self, session_id: int, turn: Turn) -> None:
        d = turn.to_dict()
        conversation = json.dumps(turn.call.to_dict()) if turn.call is not None else None
        with self.db:
            self.db.execute(
                "INSERT INTO turns (session_id, idx, attempt, persona_line, intent, reply, scores, analysis,"
                " acoustics, mood_before, mood_after, next_intent, audio_path, created_at, conversation)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (session_id, turn.index, turn.attempt, turn.persona_line, turn.intent, turn.reply,
                 json.dumps(d["scores"]), json.dumps(d["analysis"]) if "analysis" in d else None,
                 json.dumps(d.get("acoustics")) if d.get("acoustics") else None,
                 turn.mood_before, turn.mood_after, turn.next_intent, turn.audio_path, time.time(),
                 json.dumps(turn.call.to_dict()) if turn.call is not None else None))

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

    def turn_records(self, session_id: int) -> list[Turn]:
        """Every saved turn (all attempts), in order, as the `Turn` records the session produced."""
        rows = self.db.execute("SELECT * FROM turns WHERE session_id=? ORDER BY idx, attempt", (session_id,))
        return [Turn.from_dict({
            "index": r["idx"], "attempt": r["attempt"], "persona_line": r["persona_line"], "intent": r["intent"],
            "reply": r["reply"], "scores": json.loads(r["scores"]), "mood_before": r["mood_before"],
            "mood_after": r["mood_after"], "next_intent": r["next_intent"], "audio_path": r["audio_path"],
            "analysis": json.loads(r["analysis"]) if r["analysis"] else None,
            "acoustics": json.loads(r["acoustics"]) if r["acoustics"] else None,
            **(json.loads(r["conversation"]) if r["conversation"] else {})}) for r in rows]

    def turns(self, session_id: int) -> list[dict]:
        """Every saved turn (all attempts), in order, in the JSON shape of `Turn.to_dict()`."""
        return [t.to_dict() for t in self.turn_records(session_id)]

    def session(self, session_id: int) -> SessionRecord:
        """The saved session as the record the session produced (`SessionRecord`)."""
        s = self.get_session(session_id)
        return SessionRecord(
            session_id=s.id, persona=s.persona_id, persona_name=s.persona_name, scenario=s.scenario,
            scenario_type=s.scenario_type, outcome=s.outcome or "abandoned",
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
        return [self.session(i) for i in ids]

    def all_sessions(self, rep: str | None = None) -> list[dict]:
        """`sessions()` in their JSON shape, for the readers that take dicts (progress, exports)."""
        return [s.to_dict() for s in self.sessions(rep)]

    def close(self) -> None:
        self.db.close()
