"""Sessions in real SQLite: saved turn by turn, kept on interruption, schema versioned."""

import sqlite3

import pytest

from voicetrainer.errors import StoreError
from voicetrainer.core.persona import find_persona
from voicetrainer.audio.scripted import ScriptedReplies
from voicetrainer.core.session import Reply, run_session
from voicetrainer.types import SessionRecord
from voicetrainer.store import _MIGRATIONS, SCHEMA_VERSION, Store


class InterruptingReplies:
    """A reply source that answers once, then the rep presses Ctrl-C (this test is about the store)."""

    def __init__(self):
        self.n = 0

    def next_reply(self, persona_line):
        self.n += 1
        if self.n == 2:
            raise KeyboardInterrupt
        return Reply(text="Okay.")


def test_interrupted_session_keeps_finished_turns(tmp_path):
    from voicetrainer.core.persona import load_persona

    from .test_persona import VALID

    (tmp_path / "patient.yaml").write_text(VALID)  # default thresholds: one "Okay." can't end the call
    store = Store(tmp_path)
    p = load_persona(tmp_path / "patient.yaml")
    with pytest.raises(KeyboardInterrupt):
        run_session(p, InterruptingReplies(), store=store, seed=1)
    # A new connection sees what was committed before the interruption.
    again = Store(tmp_path)
    (s,) = again.list_sessions()
    assert s.outcome == "interrupted" and s.turn_count == 1  # issue 12: Ctrl-C is its own outcome
    assert again.turns(s.id)[0]["reply"] == "Okay."


def test_completed_session_round_trips(tmp_path):
    store = Store(tmp_path)
    p = find_persona("delayed-refund")
    result = run_session(p, ScriptedReplies(["Calm down.", "That's not my problem.", "Whatever."]), store=store,
                         seed=2)
    saved = store.session_json(result.session_id)
    assert saved["outcome"] == result.outcome
    assert [t["mood_after"] for t in saved["turns"]] == [t["mood_after"] for t in result.to_dict()["turns"]]
    assert [t.mood_after for t in store.session(result.session_id).turns] == [t.mood_after for t in result.turns]
    assert saved["turns"][0]["scores"] == result.turns[0].score.to_dict()


def test_the_store_returns_the_record_the_session_produced(tmp_path):
    """One JSON shape: what `practice --json` prints is what `sessions show --json` prints, and the store hands back
    the same frozen records (not dicts) the session made."""
    store = Store(tmp_path)
    result = run_session(find_persona("delayed-refund"), ScriptedReplies(
        ["I'm so sorry. So three weeks and no refund on your eighty nine dollars? I'll refund it today.", "Whatever."]),
        store=store, seed=3, model_name="tiny.en", input_mode="script")
    made, saved = result.record(), store.session(result.session_id)
    assert saved.turns == made.turns                     # Turn, TurnScore, DimensionScore, ReplyAnalysis records
    assert saved.turns[0].score.analysis.offers          # the analysis survives the round trip
    timeless = {k: v for k, v in saved.to_dict().items() if k not in ("started_at", "ended_at")}
    assert timeless == {k: v for k, v in result.to_dict().items() if k not in ("started_at", "ended_at")}
    assert store.session_json(result.session_id) == saved.to_dict()
    assert SessionRecord.from_dict(saved.to_dict()) == saved


def test_a_version_1_store_is_migrated_and_its_sessions_still_read(tmp_path):
    db = sqlite3.connect(tmp_path / "sessions.db")
    db.executescript(_MIGRATIONS[0])
    db.execute("INSERT INTO sessions (persona_id, persona_name, scenario_type, started_at, start_mood, outcome)"
               " VALUES ('delayed-refund', 'Dana', 'delayed_refund', 1.0, 70, 'resolved')")
    db.execute("INSERT INTO turns (session_id, idx, persona_line, intent, reply, scores, mood_before, mood_after,"
               " created_at) VALUES (1, 1, 'Hi', 'opening', 'Hello', '{}', 70, 60, 1.0)")
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    s = Store(tmp_path).session(1)
    assert (s.persona, s.outcome, s.scenario, s.turns[0].reply, s.turns[0].score) == (
        "delayed-refund", "resolved", "", "Hello", None)


def test_schema_version_is_recorded_and_newer_databases_are_refused(tmp_path):
    Store(tmp_path).close()
    db = sqlite3.connect(tmp_path / "sessions.db")
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="newer voicetrainer"):
        Store(tmp_path)


def test_unknown_session_and_empty_store(tmp_path):
    store = Store(tmp_path)
    with pytest.raises(StoreError, match="no sessions saved yet"):
        store.latest_session_id()
    with pytest.raises(StoreError, match=r"no session 42 \(no sessions saved yet\)"):
        store.get_session(42)


def test_unwritable_data_dir_is_one_clear_error(tmp_path):
    f = tmp_path / "a-file"
    f.write_text("")
    with pytest.raises(StoreError, match="pass a writable folder with --data-dir"):
        Store(f / "sub")
