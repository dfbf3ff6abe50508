"""The LRS client and `voicetrainer sync`.

Part one: the client's retry schedule, its error lines and `more` links, against a scripted HTTP server on
127.0.0.1 (real HTTP; the server's answers are what the test is about).
Part two: a real Learning Record Store, Ralph, started by .ci/run (scripts/lrs.sh): sessions by two reps synced and
read back with the right scores, a second sync sends nothing new, a lost acknowledgement re-sent without duplicates,
a changed statement refused as a conflict without holding up the others, a wrong password in one line, and with the
LRS stopped the sessions stay pending and are sent once it is back. Skipped locally without VOICETRAINER_TEST_LRS;
required in CI.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from voicetrainer.cli.main import main
from voicetrainer.store import Store
from voicetrainer.team import outbox
from voicetrainer.team.lrs import LRSAuthError, LRSClient, LRSRejected, LRSUnreachable
from voicetrainer.team.sync import send_pending
from voicetrainer.team.xapi import COMPLETED, EXT, FAILED, PASSED, actor

from .conftest import PERSONAS, ROOT

# --- a scripted HTTP server -----------------------------------------------------------------------------------


class Scripted:
    """Answers each request with the next scripted (status, headers, body) and records what it was sent."""

    def __init__(self, answers):
        self.answers = list(answers)
        self.requests: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                n = int(self.headers.get("Content-Length") or 0)
                outer.requests.append({"method": self.command, "path": self.path, "headers": self.headers,  # case-insensitive, as HTTP is
                                       "body": self.rfile.read(n) if n else b""})
                status, headers, body = outer.answers.pop(0)
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _answer

            def log_message(self, *args):  # quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}/xAPI"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def scripted():
    servers = []

    def make(*answers):
        s = Scripted(answers)
        servers.append(s)
        return s

    yield make
    for s in servers:
        s.close()


def client(endpoint, **kw):
    return LRSClient(endpoint, "u", "p", sleep=lambda s: None, **kw)


STATEMENTS = [{"id": str(uuid.uuid4()), "actor": actor("a@example.com"), "verb": {"id": COMPLETED},
               "object": {"id": "https://voicetrainer.dev/xapi/personas/x"}} for _ in range(3)]


def test_server_errors_are_retried_with_doubling_waits_and_the_same_body(scripted):
    srv = scripted((503, {}, {"detail": "busy"}), (502, {}, b""), (200, {}, ["id-1"]))
    c = client(srv.endpoint)
    assert c.post_statements(STATEMENTS[:1]) == ["id-1"]
    assert c.waits == [0.5, 1.0]
    assert [r["method"] + " " + r["path"] for r in srv.requests] == ["POST /xAPI/statements"] * 3
    assert len({r["body"] for r in srv.requests}) == 1 and json.loads(srv.requests[0]["body"]) == STATEMENTS[:1]
    h = srv.requests[0]["headers"]
    assert h["X-Experience-API-Version"] == "1.0.3"
    assert h["Authorization"] == "Basic " + base64.b64encode(b"u:p").decode()
    assert h["Content-Type"] == "application/json; charset=utf-8"


def test_retry_after_is_honoured_up_to_the_cap(scripted):
    srv = scripted((429, {"Retry-After": "3"}, b""), (503, {"Retry-After": "600"}, b""), (204, {}, b""))
    c = client(srv.endpoint)
    assert c.post_statements(STATEMENTS) == []  # 204: the LRS had them all already
    assert c.waits == [3.0, 8.0]


def test_giving_up_is_one_line_with_the_last_answer(scripted):
    srv = scripted(*[(500, {}, {"detail": "disk full"})] * 4)
    c = client(srv.endpoint)
    with pytest.raises(LRSUnreachable) as e:
        c.post_statements(STATEMENTS)
    assert str(e.value) == f"cannot reach the LRS at {srv.endpoint} (HTTP 500: disk full) after 4 tries"
    assert c.waits == [0.5, 1.0, 2.0]


def test_a_closed_port_is_unreachable_not_a_traceback():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    c = client(f"http://127.0.0.1:{port}/xAPI", tries=2)
    with pytest.raises(LRSUnreachable) as e:
        c.post_statements(STATEMENTS)
    assert str(e.value) == f"cannot reach the LRS at http://127.0.0.1:{port}/xAPI (connection refused) after 2 tries"


@pytest.mark.parametrize("status,cls,message", [
    (401, LRSAuthError, "the LRS at {ep} refused the credentials (HTTP 401: nope); check --username/--password or "
                        "VOICETRAINER_LRS_USERNAME/VOICETRAINER_LRS_PASSWORD"),
    (403, LRSAuthError, "the LRS at {ep} refused the credentials (HTTP 403: nope); check --username/--password or "
                        "VOICETRAINER_LRS_USERNAME/VOICETRAINER_LRS_PASSWORD"),
    (404, LRSRejected, "no xAPI statements resource at {ep}/statements (HTTP 404); --endpoint must be the LRS's "
                       "xAPI base URL, e.g. https://lrs.example.com/xAPI"),
    (400, LRSRejected, "the LRS at {ep} refused the request (HTTP 400: nope)"),
])
def test_refusals_are_not_retried(scripted, status, cls, message):
    srv = scripted((status, {}, {"detail": "nope"}))
    c = client(srv.endpoint)
    with pytest.raises(cls) as e:
        c.post_statements(STATEMENTS)
    assert str(e.value) == message.format(ep=srv.endpoint)
    assert len(srv.requests) == 1 and c.waits == []


def test_no_credentials_and_a_401_says_to_give_them(scripted):
    srv = scripted((401, {}, b""))
    with pytest.raises(LRSAuthError, match=r"needs credentials \(HTTP 401\); pass --username and --password"):
        LRSClient(srv.endpoint).post_statements(STATEMENTS)
    assert "Authorization" not in srv.requests[0]["headers"]


def test_more_links_are_followed_to_the_end(scripted):
    a, b, c = STATEMENTS
    srv = scripted((200, {}, {"statements": [a, b], "more": "/xAPI/statements?page=2&x=%2F"}),
                   (200, {}, {"statements": [c], "more": "/xAPI/statements?page=3"}),
                   (200, {}, {"statements": [], "more": "/xAPI/statements?page=4"}))
    got = list(client(srv.endpoint).statements(verb=PASSED, limit="2"))
    assert got == [a, b, c]
    assert [r["path"] for r in srv.requests] == [
        "/xAPI/statements?verb=http%3A%2F%2Fadlnet.gov%2Fexpapi%2Fverbs%2Fpassed&limit=2",
        "/xAPI/statements?page=2&x=%2F", "/xAPI/statements?page=3"]  # an empty page ends it


def test_an_answer_that_is_not_xapi_is_one_line(scripted):
    srv = scripted((200, {}, b"<html>login</html>"))
    with pytest.raises(LRSRejected, match="answered something that is not JSON; is --endpoint the LRS's xAPI base"):
        list(client(srv.endpoint).statements())


def test_a_refused_batch_is_sent_one_by_one_so_one_bad_statement_holds_up_nothing(scripted):
    """The batch gets 409; alone, the second statement gets 409 again and is set aside; the others are sent."""
    runner = CliRunner()
    for kind in ("good", "bad"):
        r = runner.invoke(main, ["practice", "delayed-refund", "--replies",
                                 str(PERSONAS / "scripts" / f"delayed-refund.{kind}.txt"), "--no-audio", "--quiet",
                                 "--no-keep-audio", "--rep", "dana@example.com", "--audio-out",
                                 os.environ["VOICETRAINER_HOME"] + "/lines"])
        assert r.exit_code == 0, r.output
    store = Store(os.environ["VOICETRAINER_HOME"])
    items = outbox.pending(store)
    conflict = {"detail": "Differing statements already exist with the same ID"}
    srv = scripted((409, {}, conflict), (200, {}, [items[0].statement_id]), (409, {}, conflict),
                   (200, {}, [items[2].statement_id]), (200, {}, [items[3].statement_id]))
    report = send_pending(store, client(srv.endpoint))
    assert (report.sent, report.sessions, report.pending, report.refused) == (3, 2, 0, 1)
    assert [len(json.loads(r["body"])) for r in srv.requests] == [4, 1, 1, 1, 1]
    (refused,) = outbox.refused(store)
    assert refused[:3] == (items[1].statement_id, items[1].session_id, "conflict")
    assert "Differing statements already exist" in refused[3]
    assert report.line(srv.endpoint) == (f"Sent 3 statement(s) from 2 session(s) to {srv.endpoint}; 0 pending, 1 "
                                         "refused by the LRS (`voicetrainer sync --refused` lists them).")


# --- a real LRS: Ralph ------------------------------------------------------------------------------------------

LRS = os.environ.get("VOICETRAINER_TEST_LRS")  # the `lrs` fixture (conftest.py) skips or fails without it


def reader(env) -> LRSClient:
    return LRSClient(env["VOICETRAINER_LRS_ENDPOINT"], env["VOICETRAINER_LRS_USERNAME"],
                     env["VOICETRAINER_LRS_PASSWORD"])


def practise(persona, kind, rep):
    r = CliRunner().invoke(main, ["practice", persona, "--replies", str(PERSONAS / "scripts" / f"{persona}.{kind}.txt"),
                                  "--no-audio", "--seed", "1", "--quiet", "--no-keep-audio", "--rep", rep,
                                  "--audio-out", os.environ["VOICETRAINER_HOME"] + "/lines"])
    assert r.exit_code == 0, r.output
    store = Store(os.environ["VOICETRAINER_HOME"])
    return store.session_json(store.latest_session_id())


def sync(env, *args):
    return CliRunner(env=env).invoke(main, ["sync", *args])


def unique(name: str) -> str:
    return f"{name}-{uuid.uuid4().hex[:8]}"  # the CI LRS is shared by every test: each test has its own reps


def in_lrs(env, rep: str, verb: str) -> list[dict]:
    return list(reader(env).statements(agent=json.dumps(actor(rep)), verb=verb, limit="2"))  # pages of 2: `more`


@pytest.mark.lrs
def test_two_reps_are_synced_and_read_back_with_their_scores(lrs):
    dana, sam = unique("dana") + "@example.com", unique("sam")
    sessions = [practise("delayed-refund", "good", dana), practise("wrong-item", "bad", sam),
                practise("wrong-item", "good", sam)]
    r = sync(lrs)
    assert r.exit_code == 0, r.output
    assert r.output == f"Sent 6 statement(s) from 3 session(s) to {LRS}; 0 pending.\n"
    sent = {sid: json.loads(text) for sid, text in
            Store(os.environ["VOICETRAINER_HOME"]).db.execute("SELECT statement_id, statement FROM outbox")}
    judged = in_lrs(lrs, dana, PASSED) + in_lrs(lrs, sam, FAILED) + in_lrs(lrs, sam, PASSED)
    assert len(judged) == 3
    by_session = {st["context"]["extensions"][EXT + "session-id"]: st for st in judged}
    for s in sessions:
        st = by_session[s["session_id"]]
        assert st["result"]["success"] is s["result"]["passed"]
        assert st["result"]["score"]["scaled"] == round(s["result"]["score"], 4)
        assert st["result"]["extensions"][EXT + "dimension-scores"] == s["result"]["dimensions"]
        assert st["result"]["extensions"][EXT + "outcome"] == s["outcome"]
        # What the LRS returns is what we sent, plus what an LRS adds.
        assert {k: v for k, v in st.items() if k not in ("stored", "authority", "version")} == sent[st["id"]]
        assert st["stored"] and st["authority"]
    assert [s["result"]["passed"] for s in sessions] == [True, False, True]
    assert len(in_lrs(lrs, dana, COMPLETED)) == 1 and len(in_lrs(lrs, sam, COMPLETED)) == 2


@pytest.mark.lrs
def test_a_second_sync_sends_nothing_new_and_a_lost_acknowledgement_is_not_a_duplicate(lrs):
    rep = unique("lee") + "@example.com"
    practise("delayed-refund", "good", rep)
    assert sync(lrs).exit_code == 0
    r = sync(lrs)
    assert r.exit_code == 0 and r.output == f"Nothing new to send to {LRS}; 0 pending, 2 sent before.\n"
    # The LRS stored them but the answer never arrived: the outbox still says pending. Re-sending is harmless.
    store = Store(os.environ["VOICETRAINER_HOME"])
    with store.db:
        store.db.execute("UPDATE outbox SET state='pending', sent_at=NULL")
    r = sync(lrs)
    assert r.exit_code == 0 and r.output == f"Sent 2 statement(s) from 1 session(s) to {LRS}; 0 pending.\n"
    assert len(in_lrs(lrs, rep, PASSED)) == 1 and len(in_lrs(lrs, rep, COMPLETED)) == 1


@pytest.mark.lrs
def test_a_changed_statement_under_a_sent_id_is_refused_and_holds_up_nothing(lrs):
    rep = unique("kim")
    first = practise("delayed-refund", "good", rep)
    assert sync(lrs).exit_code == 0
    store = Store(os.environ["VOICETRAINER_HOME"])
    sid, text = store.db.execute("SELECT statement_id, statement FROM outbox WHERE verb='passed'").fetchone()
    changed = json.loads(text)
    # a different score under the same id (the good call may score 1.0 itself, so not 1.0)
    changed["result"]["score"]["scaled"] = 0.0123
    assert changed != json.loads(text)
    with store.db:
        store.db.execute("UPDATE outbox SET state='pending', statement=? WHERE statement_id=?",
                         (json.dumps(changed), sid))
    second = practise("wrong-item", "good", rep)
    r = sync(lrs)
    assert r.exit_code == 0, r.output
    assert r.output == (f"Sent 2 statement(s) from 1 session(s) to {LRS}; 0 pending, 1 sent before, 1 refused by the "
                        "LRS (`voicetrainer sync --refused` lists them).\n")
    listed = sync(lrs, "--refused").output
    assert listed.startswith(f"session {first['session_id']}  conflict   {sid}  the LRS at {LRS} already has a different "
                             "statement under the same id (HTTP 409: Differing statements already exist")
    (kept,) = [s for s in in_lrs(lrs, rep, PASSED) if s["id"] == sid]
    assert kept["result"]["score"]["scaled"] == round(first["result"]["score"], 4)  # the LRS kept the original
    assert second["result"]["passed"]


@pytest.mark.lrs
def test_a_wrong_password_is_one_line_and_loses_nothing(lrs):
    practise("delayed-refund", "good", unique("ana"))
    r = sync({**lrs, "VOICETRAINER_LRS_PASSWORD": "wrong"})
    assert r.exit_code == 1
    assert r.output == (f"Error: the LRS at {LRS} refused the credentials (HTTP 401: Invalid authentication "
                        "credentials); check --username/--password or VOICETRAINER_LRS_USERNAME/"
                        "VOICETRAINER_LRS_PASSWORD. 2 statement(s) still pending in the outbox, nothing lost\n")
    assert outbox.counts(Store(os.environ["VOICETRAINER_HOME"]))["pending"] == 2
    assert sync(lrs).exit_code == 0


def lrs_sh(*args, env=None):
    p = subprocess.run(["bash", str(ROOT / "scripts" / "lrs.sh"), *args], capture_output=True, text=True,
                       timeout=120, env={**os.environ, **(env or {})})
    assert p.returncode == 0, p.stderr + p.stdout
    return p.stdout


def read_env(text: str) -> dict:
    out = {}
    for ln in text.splitlines():
        k, _, v = ln.removeprefix("export ").partition("=")
        out[k] = v
    return out


@pytest.mark.lrs
def test_with_the_lrs_stopped_sessions_stay_pending_and_are_sent_once_it_is_back(lrs, tmp_path):
    """A Ralph of this test's own (scripts/lrs.sh in a temporary folder), stopped and started again."""
    folder = tmp_path / "lrs"
    own = read_env(lrs_sh("start", str(folder)))
    env = {"VOICETRAINER_LRS_ENDPOINT": own["VOICETRAINER_TEST_LRS"],
           "VOICETRAINER_LRS_USERNAME": own["VOICETRAINER_TEST_LRS_USERNAME"],
           "VOICETRAINER_LRS_PASSWORD": own["VOICETRAINER_TEST_LRS_PASSWORD"]}
    ep = env["VOICETRAINER_LRS_ENDPOINT"]
    try:
        rep = unique("max") + "@example.com"
        practise("delayed-refund", "good", rep)
        assert sync(env).output == f"Sent 2 statement(s) from 1 session(s) to {ep}; 0 pending.\n"
        lrs_sh("stop", str(folder))
        practise("wrong-item", "bad", rep)
        r = sync(env, "--retries", "1")
        assert r.exit_code == 1
        assert r.output == (f"Error: cannot reach the LRS at {ep} (connection refused) after 2 tries. 2 statement(s) "
                            "still pending in the outbox, nothing lost; run `voicetrainer sync` again once it is "
                            "back\n")
        assert outbox.counts(Store(os.environ["VOICETRAINER_HOME"])) == {"pending": 2, "sent": 2, "conflict": 0,
                                                                         "rejected": 0}
        again = read_env(lrs_sh("start", str(folder)))
        assert again["VOICETRAINER_TEST_LRS"] == ep  # same folder: same port, same statements
        r = sync(env)
        assert r.exit_code == 0 and r.output == f"Sent 2 statement(s) from 1 session(s) to {ep}; 0 pending, 2 sent " \
                                                "before.\n"
        assert len(in_lrs(env, rep, PASSED)) == 1 and len(in_lrs(env, rep, FAILED)) == 1
    finally:
        lrs_sh("stop", str(folder))
    assert not (Path(folder) / "pid").exists()
