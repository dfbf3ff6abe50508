"""Who practised: `config set/get/unset`, `practice --rep` (and VOICETRAINER_REP, and the config default), the rep
in `sessions list`, exports and `progress --rep`; `sync` without an endpoint sends nothing; the store's migration
from schema 1 keeps old sessions."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import stat

import pytest
from click.testing import CliRunner

from voicetrainer.cli.main import main
from voicetrainer.store import _MIGRATIONS, SCHEMA_VERSION, Store
from voicetrainer.team import outbox

from .conftest import PERSONAS


def run(*args, env=None, input=None):
    return CliRunner(env=env).invoke(main, [str(a) for a in args], input=input)


def home() -> Store:
    return Store(os.environ["VOICETRAINER_HOME"])


def practise(persona="delayed-refund", kind="good", *extra, env=None):
    r = run("practice", persona, "--replies", PERSONAS / "scripts" / f"{persona}.{kind}.txt", "--no-audio",
            "--seed", "1", "--quiet", "--no-keep-audio", "--audio-out", os.environ["VOICETRAINER_HOME"] + "/lines",
            *extra, env=env)
    assert r.exit_code == 0, r.output
    return home().session_json(home().latest_session_id())


def test_config_set_get_unset():
    assert run("config", "set", "rep", "Dana@Example.com").output == "rep = dana@example.com\n"
    assert run("config", "get", "rep").output == "dana@example.com\n"
    assert run("config", "set", "lrs.endpoint", "https://lrs.example.com/xAPI/").output == \
        "lrs.endpoint = https://lrs.example.com/xAPI\n"
    assert run("config", "set", "lrs.password", "s3cret").output == "lrs.password = ********\n"
    listed = run("config", "get").output.splitlines()
    path = os.path.join(os.environ["VOICETRAINER_HOME"], "config.json")
    assert listed == [f"# {path}", "rep = dana@example.com", "account.homepage = (not set)",
                      "lrs.endpoint = https://lrs.example.com/xAPI", "lrs.username = (not set)",
                      "lrs.password = ********"]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600  # it holds a password
    assert run("config", "unset", "rep").output == "rep removed\n"
    assert run("config", "unset", "rep").output == "rep was not set\n"
    r = run("config", "get", "rep")
    assert r.exit_code == 1 and r.output == "Error: rep is not set; `voicetrainer config set rep VALUE` sets it\n"


def test_config_get_says_when_the_environment_overrides():
    run("config", "set", "rep", "dana@example.com")
    out = run("config", "get", env={"VOICETRAINER_REP": "sam.k"}).output
    assert "rep = dana@example.com   (overridden by VOICETRAINER_REP)" in out.splitlines()


@pytest.mark.parametrize("args,message", [
    (["config", "set", "colour", "blue"],
     "Error: unknown setting 'colour'; expected one of: rep, account.homepage, lrs.endpoint, lrs.username, "
     "lrs.password\n"),
    (["config", "set", "rep", "Dana K"],
     "Error: rep 'Dana K': expected an email address (dana@example.com) or an account name of up to 64 letters, "
     "digits, '.', '_' or '-' (dana.k)\n"),
    (["config", "set", "rep", "dana@localhost"], "Error: rep 'dana@localhost' is not an email address (expected "
                                                 "name@example.com)\n"),
    (["config", "set", "lrs.endpoint", "lrs.example.com"],
     "Error: lrs.endpoint 'lrs.example.com' is not an http(s) URL (expected e.g. https://lrs.example.com/xAPI)\n"),
    (["config", "set", "lrs.username", ""], "Error: lrs.username cannot be empty; `voicetrainer config unset "
                                            "lrs.username` removes it\n"),
    (["practice", "--rep", "not valid!", "--text"],
     "Error: rep 'not valid!': expected an email address (dana@example.com) or an account name of up to 64 "
     "letters, digits, '.', '_' or '-' (dana.k)\n"),
])
def test_bad_settings_are_one_line(args, message):
    r = run(*args)
    assert r.exit_code == 1 and r.output == message


def test_a_broken_config_file_is_one_line():
    os.makedirs(os.environ["VOICETRAINER_HOME"], exist_ok=True)
    path = os.path.join(os.environ["VOICETRAINER_HOME"], "config.json")
    with open(path, "w") as f:
        f.write("{rep: dana")
    r = run("practice", "--text")
    assert r.exit_code == 1 and r.output.startswith(f"Error: {path}: cannot read the settings (")
    assert r.output.endswith("; fix or delete the file\n") and r.output.count("\n") == 1


def test_the_rep_comes_from_the_option_the_environment_or_the_config():
    assert practise()["rep"] is None  # practising alone
    run("config", "set", "rep", "dana@example.com")
    assert practise()["rep"] == "dana@example.com"
    assert practise(env={"VOICETRAINER_REP": "sam.k"})["rep"] == "sam.k"
    assert practise("delayed-refund", "good", "--rep", "lee@example.com", env={"VOICETRAINER_REP": "sam.k"})["rep"] \
        == "lee@example.com"
    r = run("practice", "delayed-refund", "--replies", PERSONAS / "scripts" / "delayed-refund.good.txt", "--no-audio",
            "--seed", "1", "--json", "--no-keep-audio")
    assert json.loads(r.stdout)["rep"] == "dana@example.com"


def test_sessions_list_shows_and_filters_by_rep():
    practise("delayed-refund", "good", "--rep", "dana@example.com")
    practise("delayed-refund", "bad", "--rep", "sam.k")
    practise("wrong-item", "good")
    lines = run("sessions", "list").output.splitlines()
    assert lines[0].split() == ["ID", "WHEN", "PERSONA", "TURNS", "OUTCOME", "MOOD", "RESULT", "REP"]
    assert [ln.split()[-2:] for ln in lines[1:]] == [["passed", "–"], ["failed", "sam.k"],
                                                    ["passed", "dana@example.com"]]
    only = run("sessions", "list", "--rep", "sam.k").output.splitlines()
    assert len(only) == 2 and only[1].split()[0] == "2"
    assert run("sessions", "list", "--rep", "nobody").output == "No sessions by nobody.\n"


def test_exports_carry_the_rep_and_the_result():
    practise("delayed-refund", "good", "--rep", "dana@example.com")
    practise("delayed-refund", "bad", "--rep", "sam.k")
    rows = list(csv.DictReader(io.StringIO(run("sessions", "export").output)))
    assert {(r["session_id"], r["rep"], r["passed"]) for r in rows} == {("1", "dana@example.com", "1"),
                                                                      ("2", "sam.k", "0")}
    data = json.loads(run("sessions", "export", "--format", "rows").output)
    assert {(r["rep"], r["passed"]) for r in data} == {("dana@example.com", True), ("sam.k", False)}
    whole = json.loads(run("sessions", "export", "--format", "json").output)
    assert {(s["rep"], s["result"]["passed"]) for s in whole} == {("dana@example.com", True), ("sam.k", False)}


def test_progress_for_one_rep():
    practise("delayed-refund", "good", "--rep", "dana@example.com")
    practise("delayed-refund", "bad", "--rep", "sam.k")
    practise("wrong-item", "bad", "--rep", "sam.k")
    assert "Progress over 2 session(s)" in run("progress", "--rep", "sam.k").output
    assert "Progress over 1 session(s)" in run("progress", "--rep", "dana@example.com").output
    assert "Progress over 3 session(s)" in run("progress").output
    r = run("progress", "--rep", "nobody")
    assert r.exit_code == 1 and r.output.startswith("Error: no scored sessions by nobody")
    r = run("progress", "--html", "--rep", "sam.k", "--out", os.environ["VOICETRAINER_HOME"] + "/p.html")
    assert r.exit_code == 0, r.output
    page = open(os.environ["VOICETRAINER_HOME"] + "/p.html", encoding="utf-8").read()
    assert page.count('<tr data-scenario="') == 2  # sam's two scenarios; dana's session is not in it


def test_sync_without_an_endpoint_sends_nothing_and_says_how_to_configure():
    practise("delayed-refund", "good", "--rep", "dana@example.com")
    r = run("sync")
    assert r.exit_code == 1
    assert r.output == ("Error: no LRS configured, so nothing is sent: pass --endpoint URL, set "
                        "VOICETRAINER_LRS_ENDPOINT, or run `voicetrainer config set lrs.endpoint URL` (2 statement(s) "
                        "wait in the outbox)\n")
    assert outbox.counts(home())["pending"] == 2
    r = run("team", "report")
    assert r.exit_code == 1 and r.output.startswith("Error: no LRS configured, so nothing is sent")


def test_half_the_credentials_is_one_line():
    r = run("sync", "--endpoint", "http://127.0.0.1:9/xAPI", "--username", "u")
    assert r.exit_code == 1
    assert r.output == ("Error: Basic auth needs both a user name and a password: add --password (or "
                        "VOICETRAINER_LRS_PASSWORD)\n")


def test_sync_lists_refused_statements():
    assert run("sync", "--refused").output == "The LRS has refused no statement.\n"


def test_schema_1_databases_are_migrated_and_keep_their_sessions(tmp_path):
    db = sqlite3.connect(tmp_path / "sessions.db")
    db.executescript(_MIGRATIONS[0])
    db.execute("INSERT INTO sessions (persona_id, persona_name, scenario_type, started_at, ended_at, outcome, "
               "start_mood, final_mood) VALUES ('delayed-refund', 'Dana', 'delayed_refund', 1.0, 2.0, 'resolved', "
               "70, 30)")
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    store = Store(tmp_path)
    assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 4
    (s,) = store.list_sessions()
    assert (s.persona_id, s.outcome, s.rep, s.rubric_hash, s.result) == ("delayed-refund", "resolved", None, None,
                                                                         None)
    assert len(store.install_id()) == 32 and outbox.counts(store)["pending"] == 0
    install = store.install_id()
    store.close()
    assert Store(tmp_path).install_id() == install  # made once, kept
