"""Issue 12, faults: kill -9, SIGTERM, Ctrl-C during synthesis, a full disk, a locked store, read-only media,
concurrent sessions and a moved data folder. Each asserts no traceback, at most one clear line, and that no finished
turn is lost. Real processes, a real SQLite file and, as root, a real tmpfs for the full disk and a read-only bind
mount (a patched write stands in for the disk when mounting is not possible).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from voicetrainer import dbguard
from voicetrainer.cli.main import main
from voicetrainer.core.persona import load_persona
from voicetrainer.core.session import Reply, run_session
from voicetrainer.store import Store
from voicetrainer.types import AudioClip, Transcript

from .conftest import FIXTURES, PERSONAS, ROOT
from .test_persona import VALID

pytestmark = pytest.mark.slow  # real processes, signals and mounts

REPLY = "I'm sorry about the refund."


def cli(home: Path, *args: str, stdin=subprocess.PIPE) -> subprocess.Popen:
    env = dict(os.environ, VOICETRAINER_HOME=str(home), PYTHONUNBUFFERED="1")
    return subprocess.Popen([sys.executable, "-m", "voicetrainer.cli.main", *args], cwd=ROOT, env=env, stdin=stdin,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def saved_turns(home: Path) -> int:
    if not (home / "sessions.db").is_file():
        return 0
    db = sqlite3.connect(f"file:{home / 'sessions.db'}?mode=ro", uri=True)
    try:
        return db.execute("SELECT COUNT(*) FROM turns").fetchone()[0]
    except sqlite3.OperationalError:  # the table is not there yet
        return 0
    finally:
        db.close()


def wait_for_turns(home: Path, n: int, p: subprocess.Popen, timeout_s: float = 60) -> None:
    end = time.monotonic() + timeout_s
    while saved_turns(home) < n:
        assert p.poll() is None, p.communicate()
        assert time.monotonic() < end, "the turn was never saved"
        time.sleep(0.05)


def typed_session(home: Path, *extra: str) -> subprocess.Popen:
    p = cli(home, "practice", "patient", "--text", "--no-audio", "--seed", "1", "--data-dir", str(home), *extra)
    p.stdin.write(REPLY + "\n")
    p.stdin.flush()
    return p


@pytest.fixture
def patient(tmp_path) -> Path:
    """A persona that never ends the call on its own within the test (default thresholds, 'Okay.' replies)."""
    home = tmp_path / "home"
    (home / "personas").mkdir(parents=True)
    (home / "personas" / "patient.yaml").write_text(VALID)
    return home


def outcome(home: Path) -> str:
    store = Store(home, read_only_ok=True)
    try:
        return store.session(store.latest_session_id()).outcome
    finally:
        store.close()


def no_traceback(*texts: str) -> None:
    for t in texts:
        assert "Traceback" not in t and "Exception ignored" not in t, t


def test_kill_9_keeps_every_finished_turn(patient):
    p = typed_session(patient)
    wait_for_turns(patient, 1, p)
    p.kill()
    p.wait(timeout=30)
    assert saved_turns(patient) == 1
    assert outcome(patient) == "interrupted"                   # never finished: it reads back as interrupted
    r = CliRunner().invoke(main, ["sessions", "list", "--data-dir", str(patient)])
    assert r.exit_code == 0 and "interrupted" in r.output


@pytest.mark.parametrize("sig,code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_sigterm_and_ctrl_c_end_the_session_the_same_way(patient, sig, code):
    p = typed_session(patient)
    wait_for_turns(patient, 1, p)
    time.sleep(0.3)              # now waiting for the next typed reply
    p.send_signal(sig)
    out, err = p.communicate(timeout=30)
    no_traceback(out, err)
    assert p.returncode == code
    assert [ln for ln in err.splitlines() if ln.strip()] == ["Interrupted; everything said so far is saved."]
    assert saved_turns(patient) == 1 and outcome(patient) == "interrupted"


LONG = "This has gone on for three weeks and I want the eighty nine dollars back today. " * 40  # ~0.5 s to speak


@pytest.fixture
def slow_speaker(tmp_path) -> Path:
    """A persona whose every line after the opening takes espeak-ng about half a second to synthesise."""
    home = tmp_path / "home"
    (home / "personas").mkdir(parents=True)
    text = VALID
    for intent in ("pushback", "correction", "accept_offer", "reject_offer", "soften", "still_there"):
        text = text.replace(f"  {intent}: [", f"  {intent}: [\"{LONG}\", ", 1)
    (home / "personas" / "slow.yaml").write_text(text)
    load_persona(home / "personas" / "slow.yaml")
    return home


@pytest.mark.parametrize("sig,code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_during_synthesis_ends_the_session(slow_speaker, sig, code):
    """The issue: Ctrl-C while the customer's line was synthesised was swallowed by the ctypes callback and the
    session carried on. Signals sent at several moments of the synthesis must each end it, cleanly."""
    for delay in (0.0, 0.05, 0.15, 0.3):
        for f in slow_speaker.glob("sessions.db*"):
            f.unlink()
        p = cli(slow_speaker, "practice", "slow", "--text", "--no-audio", "--seed", "1", "--data-dir",
                str(slow_speaker))
        p.stdin.write("Whatever.\n")   # misses everything: the customer answers with a long line
        p.stdin.flush()
        wait_for_turns(slow_speaker, 1, p)
        time.sleep(delay)
        p.send_signal(sig)
        start = time.monotonic()
        out, err = p.communicate(timeout=30)   # stdin stays open: a swallowed signal would hang here
        no_traceback(out, err)
        assert p.returncode == code, (delay, err)
        assert time.monotonic() - start < 5
        assert saved_turns(slow_speaker) == 1 and outcome(slow_speaker) == "interrupted"


# --- a full disk -----------------------------------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path):
    """A 3 MB tmpfs (root only); skipped where mounting is not possible (the patched-write test covers those)."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mnt)],
                                           capture_output=True).returncode != 0:
        pytest.skip("mounting a tmpfs needs root")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def fill(disk: Path) -> Path:
    filler = disk / "filler"
    with open(filler, "wb") as f, contextlib.suppress(OSError):
        while True:
            f.write(b"\0" * 65536)
            f.flush()
    with contextlib.suppress(OSError):   # the last partial blocks
        with open(disk / "filler2", "wb") as f:
            while True:
                f.write(b"\0" * 512)
                f.flush()
    return filler


class Words:
    """Typed replies; before the reply numbered `at`, `act()` runs (fills the disk, takes the lock...)."""

    def __init__(self, n: int, at: int, act, clip: AudioClip | None = None):
        self.n, self.at, self.act, self.i, self.clip = n, at, act, 0, clip

    def next_reply(self, persona_line):
        from voicetrainer.core.session import NoMoreReplies

        self.i += 1
        if self.i > self.n:
            raise NoMoreReplies
        if self.i == self.at:
            self.act()
        if self.clip is not None:
            return Reply(clip=self.clip, source="test")
        return Reply(text="Okay." if self.i % 2 else "I see.")


class Heard:
    """Transcription is not what these tests are about: every clip is heard as the same words."""

    def transcribe(self, clip):
        return Transcript("Okay, I see.", duration_s=clip.duration_s)


def patient_persona(tmp_path: Path):
    (tmp_path / "patient.yaml").write_text(VALID)
    return load_persona(tmp_path / "patient.yaml")


def test_a_full_disk_keeps_every_turn_in_the_journal_and_replays_it(small_disk, tmp_path):
    data = small_disk / "home"
    store = Store(data)
    clip = AudioClip(np.zeros(16_000, np.float32))
    result = run_session(patient_persona(tmp_path), Words(5, 3, lambda: fill(small_disk), clip), store=store,
                         transcriber=Heard(), seed=1)
    assert len(result.turns) == 5
    notes = store.notices
    assert any("is full" in n and "kept in" in n for n in notes), notes
    kept = [n for n in notes if "kept in" in n]
    assert all(str(data) not in n.split("kept in")[1] for n in kept)      # the journal went to the fallback
    store.close()
    # A recording that could not be written: the turn is kept without it (said once, in the session's events).
    (small_disk / "filler").unlink()
    (small_disk / "filler2").unlink(missing_ok=True)
    again = Store(data)
    assert any("saved" in n and "kept write" in n for n in again.notices), again.notices
    turns = again.turn_records(result.session_id)
    assert [t.index for t in turns] == [1, 2, 3, 4, 5]
    assert again.session(result.session_id).outcome == result.outcome      # the end of the session too
    assert not again.journal.pending()
    again.close()


def test_practice_on_a_full_disk_is_one_line(small_disk, tmp_path):
    fill(small_disk)
    replies = tmp_path / "r.txt"
    replies.write_text("Okay.\n")
    r = CliRunner().invoke(main, ["practice", "--replies", str(replies), "--no-audio", "--quiet", "--data-dir",
                                  str(small_disk / "home")])
    assert r.exit_code == 1 and "Traceback" not in r.output
    errors = [ln for ln in r.output.splitlines() if ln.startswith("Error:")]
    assert len(errors) == 1 and ("is full" in errors[0] or "No space left" in errors[0]), r.output


def test_a_patched_disk_full_write_loses_no_turn(tmp_path, monkeypatch):
    """Where no tmpfs can be mounted: SQLite says "database or disk is full" for every write after the second."""
    store = Store(tmp_path / "home")
    real = dbguard.GuardedConnection.execute
    writes = {"n": 0}

    def execute(self, sql, params=()):
        if sql.lstrip().upper().startswith(("INSERT", "UPDATE")):
            writes["n"] += 1
            if writes["n"] > 2 and not writes.get("freed"):
                raise dbguard.classify(sqlite3.OperationalError("database or disk is full"), self.path)
        return real(self, sql, params)

    monkeypatch.setattr(dbguard.GuardedConnection, "execute", execute)
    result = run_session(patient_persona(tmp_path), Words(4, 99, lambda: None), store=store, seed=1)
    assert any("is full" in n for n in store.notices)
    writes["freed"] = True
    store.close()
    again = Store(tmp_path / "home")
    assert [t.index for t in again.turn_records(result.session_id)] == [1, 2, 3, 4]
    assert again.session(result.session_id).outcome == result.outcome


def test_a_recording_that_cannot_be_written_keeps_its_turn(tmp_path):
    store = Store(tmp_path / "home")
    events = []
    sid_audio = tmp_path / "home" / "audio"
    sid_audio.parent.mkdir(parents=True, exist_ok=True)
    sid_audio.write_text("a file where the recordings' folder goes")
    clip = AudioClip(np.zeros(8_000, np.float32))
    result = run_session(patient_persona(tmp_path), Words(2, 99, lambda: None, clip), store=store,
                         transcriber=Heard(), seed=1, on_event=events.append)
    assert len(store.turn_records(result.session_id)) == 2
    notes = [e.data["text"] for e in events if e.kind == "notice"]
    assert len(notes) == 2 and all("saved without its recording" in n for n in notes)
    assert all(t.audio_path is None for t in store.turn_records(result.session_id))


# --- a locked store --------------------------------------------------------------------------------------------

HOLDER = r"""
import sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
db.execute("BEGIN IMMEDIATE")
db.execute("INSERT INTO sessions (persona_id, persona_name, scenario_type, started_at, start_mood)"
           " VALUES ('x', 'x', 'other', 0, 1)")
print("locked", flush=True)
sys.stdin.readline()
db.execute("ROLLBACK")
"""


def hold_lock(db: Path) -> subprocess.Popen:
    p = subprocess.Popen([sys.executable, "-c", HOLDER, str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         text=True)
    assert p.stdout.readline().strip() == "locked"
    return p


def test_a_locked_store_names_the_holder_keeps_the_turn_and_saves_it_once_free(tmp_path, monkeypatch):
    monkeypatch.setattr(dbguard, "BUSY_TIMEOUT_S", 0.3)
    monkeypatch.setattr(dbguard, "RETRY_PAUSE_S", 0.05)
    store = Store(tmp_path / "home")
    holder: list[subprocess.Popen] = []

    def release():
        holder[0].communicate("go\n", timeout=10)

    replies = Words(4, 3, release)
    real_next = replies.next_reply

    def next_reply(line):  # the lock is taken after the first turn is saved, released before the third reply
        if replies.i == 1 and not holder:
            holder.append(hold_lock(store.path))
        return real_next(line)

    replies.next_reply = next_reply
    result = run_session(patient_persona(tmp_path), replies, store=store, seed=1)
    locked = [n for n in store.notices if "is locked by" in n]
    assert locked and f"process {holder[0].pid}" in locked[0], store.notices
    assert "kept in" in locked[0]
    assert [t.index for t in store.turn_records(result.session_id)] == [1, 2, 3, 4]   # replayed at the next write
    store.close()


def test_practice_against_a_locked_store_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setattr(dbguard, "BUSY_TIMEOUT_S", 0.3)
    home = tmp_path / "home"
    Store(home).close()
    p = hold_lock(home / "sessions.db")
    try:
        replies = tmp_path / "r.txt"
        replies.write_text("Okay.\n")
        r = CliRunner().invoke(main, ["practice", "--replies", str(replies), "--no-audio", "--quiet", "--data-dir",
                                      str(home)])
    finally:
        p.communicate("go\n", timeout=10)
    errors = [ln for ln in r.output.splitlines() if ln.startswith("Error:")]
    assert r.exit_code == 1 and len(errors) == 1 and "Traceback" not in r.output
    assert f"is locked by process {p.pid}" in errors[0]
    # readers are not blocked by a writer (WAL): listing works while it is held
    p2 = hold_lock(home / "sessions.db")
    try:
        assert CliRunner().invoke(main, ["sessions", "list", "--data-dir", str(home)]).exit_code == 0
    finally:
        p2.communicate("go\n", timeout=10)


# --- read-only media -------------------------------------------------------------------------------------------


@pytest.fixture
def read_only_copy(tmp_path):
    """A data folder with a session in it, bind-mounted read-only (root only)."""
    home = tmp_path / "home"
    replies = tmp_path / "r.txt"
    replies.write_text(f"{REPLY}\nI will refund it today.\n")
    r = CliRunner().invoke(main, ["practice", "--replies", str(replies), "--no-audio", "--quiet", "--seed", "1",
                                  "--data-dir", str(home)])
    assert r.exit_code == 0, r.output
    ro = tmp_path / "ro"
    ro.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "--bind", str(home), str(ro)], capture_output=True).returncode:
        pytest.skip("a read-only bind mount needs root")
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(ro)], check=True)
        yield ro
    finally:
        subprocess.run(["umount", "-l", str(ro)], check=False)


def test_readers_work_on_a_read_only_store_and_writers_say_why_not(read_only_copy, tmp_path):
    run = lambda *a: CliRunner().invoke(main, [*a, "--data-dir", str(read_only_copy)])  # noqa: E731
    for args in (["sessions", "list"], ["sessions", "show", "1"], ["sessions", "export"], ["progress"],
                 ["report", "--out", str(tmp_path / "r.html")]):
        r = run(*args)
        assert r.exit_code == 0 and "Traceback" not in r.output, (args, r.output)
    replies = tmp_path / "r2.txt"
    replies.write_text("Okay.\n")
    r = run("practice", "--replies", str(replies), "--no-audio", "--quiet")
    errors = [ln for ln in r.output.splitlines() if ln.startswith("Error:")]
    assert r.exit_code == 1 and len(errors) == 1 and "cannot be written (read-only media" in errors[0], r.output
    # Outputs asked for on read-only media: one line each, before any work is done.
    writable = ["--data-dir", str(tmp_path / "elsewhere")]
    for args, says in ((["practice", "--replies", str(replies), "--no-audio", "--quiet", "--audio-out",
                         str(read_only_copy / "lines")], "Read-only file system"),
                       (["persona", "export", "delayed-refund", "--out", str(read_only_copy / "p.zip")],
                        "Read-only file system"),
                       (["persona", "preview", "delayed-refund", "--no-audio", "--out", str(read_only_copy / "pv")],
                        "Read-only file system"),
                       (["sessions", "export", "--out", str(read_only_copy / "e.csv")], "Read-only file system")):
        r = CliRunner().invoke(main, [*args, *writable] if args[0] != "sessions" else
                               [*args, "--data-dir", str(read_only_copy)])
        errors = [ln for ln in r.output.splitlines() if ln.startswith("Error:")]
        assert r.exit_code == 1 and len(errors) == 1 and says in errors[0] and "Traceback" not in r.output, (
            args, r.output)


# --- sessions at once, a moved folder --------------------------------------------------------------------------


def test_four_sessions_at_once_keep_their_own_turns_and_audio(tmp_path):
    home = tmp_path / "home"
    Store(home).close()
    replies = tmp_path / "r.txt"
    replies.write_text("Okay.\nI see.\nWhatever.\n")
    procs = [cli(home, "practice", "delayed-refund", "--replies", str(replies), "--no-audio", "--json", "--seed",
                 str(i), stdin=subprocess.DEVNULL) for i in range(4)]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        no_traceback(out, err)
        assert p.returncode == 0, err
        results.append(json.loads(out))
    ids = {r["session_id"] for r in results}
    assert len(ids) == 4
    store = Store(home)
    for r in results:
        assert len(store.turn_records(r["session_id"])) == len(r["turns"])
        spoken = len({t["index"] for t in r["turns"]}) + (1 if r["final_line"] else 0)
        customer = store.audio_dir(r["session_id"]) / "customer"     # each session's own: none overwritten
        assert len(list(customer.glob("*.wav"))) == spoken, (r["session_id"], list(customer.iterdir()))


def test_a_moved_data_folder_keeps_its_recordings(tmp_path, whisper):
    old = tmp_path / "old"
    replies = tmp_path / "r.txt"
    replies.write_text(f"{FIXTURES / 'refund_good_1.wav'}\n")
    r = CliRunner().invoke(main, ["practice", "--replies", str(replies), "--no-audio", "--quiet", "--seed", "1",
                                  "--data-dir", str(old)])
    assert r.exit_code == 0, r.output
    db = sqlite3.connect(old / "sessions.db")
    (stored,) = db.execute("SELECT audio_path FROM turns").fetchone()
    assert stored == "audio/session-1/turn-1-1.wav"                       # relative to the data folder
    # an older voicetrainer stored absolute paths: they are found after the move too
    db.execute("INSERT INTO turns (session_id, idx, attempt, persona_line, intent, reply, scores, mood_before,"
               " mood_after, audio_path, created_at) SELECT session_id, idx, 2, persona_line, intent, reply, scores,"
               " mood_before, mood_after, ?, created_at FROM turns", (str(old / stored),))
    db.commit()
    db.close()
    new = tmp_path / "moved"
    old.rename(new)
    data = json.loads(CliRunner().invoke(main, ["sessions", "show", "1", "--json", "--data-dir", str(new)]).output)
    paths = [t["audio_path"] for t in data["turns"]]
    assert paths == [str(new / stored)] * 2 and all(Path(p).is_file() for p in paths)
    out = tmp_path / "r.html"
    r = CliRunner().invoke(main, ["report", "1", "--out", str(out), "--data-dir", str(new)])
    assert r.exit_code == 0 and out.read_text().count("data:audio/wav;base64") == 2


def test_the_journal_is_replayed_by_the_next_start_even_of_a_reader(tmp_path, monkeypatch):
    """A session killed while a turn sat in the journal: the next command of any kind saves it."""
    home = tmp_path / "home"
    store = Store(home)
    p = patient_persona(tmp_path)
    sid = store.start_session(p, 1, None, "text")
    from voicetrainer.types import Turn

    turn = Turn(index=1, persona_line="Hello", intent="opening", reply="Okay.", score=None, mood_before=50,
                mood_after=52)
    store.journal.append("add_turn", (sid, turn), {})
    assert store.journal.pending()
    del store  # no close(): as if killed
    r = CliRunner().invoke(main, ["sessions", "list", "--data-dir", str(home)])
    assert r.exit_code == 0 and "saved 1 kept write(s) from the journal" in r.output
    assert saved_turns(home) == 1
    r = CliRunner().invoke(main, ["sessions", "list", "--data-dir", str(home)])   # replayed once only
    assert "kept write" not in r.output and saved_turns(home) == 1


def test_repair_recovers_a_damaged_store(tmp_path):
    home = tmp_path / "home"
    replies = tmp_path / "r.txt"
    replies.write_text("Okay.\nI see.\n")
    for seed in range(12):
        r = CliRunner().invoke(main, ["practice", "delayed-refund", "--replies", str(replies), "--no-audio",
                                      "--quiet", "--seed", str(seed), "--data-dir", str(home)])
        assert r.exit_code == 0
    db = sqlite3.connect(home / "sessions.db")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    before = saved_turns(home)
    raw = bytearray((home / "sessions.db").read_bytes())
    page = len(raw) // 4096 - 2
    raw[page * 4096:page * 4096 + 400] = random.Random(42).randbytes(400)  # one page of the database destroyed
    (home / "sessions.db").write_bytes(bytes(raw))
    r = CliRunner().invoke(main, ["progress", "--data-dir", str(home)])
    assert r.exit_code == 1 and "is corrupt" in r.output and "sessions repair" in r.output
    r = CliRunner().invoke(main, ["sessions", "repair", "--data-dir", str(home)])
    assert r.exit_code == 0 and "Recovered" in r.output, r.output
    assert list(home.glob("sessions.db.corrupt-*"))
    r = CliRunner().invoke(main, ["sessions", "list", "--data-dir", str(home), "--limit", "0"])
    assert r.exit_code == 0 and len([ln for ln in r.output.splitlines()[1:] if ln.strip()]) == 12, r.output
    assert saved_turns(home) == before         # every turn: those whose session row was lost under a stand-in
    assert CliRunner().invoke(main, ["progress", "--data-dir", str(home)]).exit_code == 0


def test_the_bundled_personas_are_untouched_by_the_checks():
    """The pre-parse checks refuse nothing that ships."""
    from voicetrainer.core.persona import persona_errors

    assert all(persona_errors(f) == [] for f in PERSONAS.glob("*.yaml"))
