"""Sessions in real SQLite: saved turn by turn, kept on interruption, schema versioned."""

import sqlite3

import pytest

from voicetrainer.errors import StoreError
from voicetrainer.core.persona import find_persona
from voicetrainer.audio.scripted import ScriptedReplies
from voicetrainer.core.session import Reply, run_session
from voicetrainer.store import SCHEMA_VERSION, Store


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
    assert s.outcome == "abandoned" and s.turn_count == 1
    assert again.turns(s.id)[0]["reply"] == "Okay."


def test_completed_session_round_trips(tmp_path):
    store = Store(tmp_path)
    p = find_persona("delayed-refund")
    result = run_session(p, ScriptedReplies(["Calm down.", "That's not my problem.", "Whatever."]), store=store,
                         seed=2)
    saved = store.session_json(result.session_id)
    assert saved["outcome"] == result.outcome
    assert [t["mood_after"] for t in saved["turns"]] == [t.mood_after for t in result.turns]
    assert saved["turns"][0]["scores"] == result.turns[0].score.to_dict()


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
