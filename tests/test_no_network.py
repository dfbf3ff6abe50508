"""Nothing leaves the machine: a practice session, `score`, `report` and `progress` open no internet socket and look up
no host name. Each command runs in a fresh interpreter with an audit hook (PEP 578) that records every socket
created with AF_INET/AF_INET6, every connect and every name lookup; the list must stay empty.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import FIXTURES, ROOT

pytestmark = pytest.mark.slow

GUARD = r"""
import socket, sys
seen = []
def hook(event, args):
    if event == "socket.__new__" and args[1] in (socket.AF_INET, socket.AF_INET6):
        seen.append(event)
    elif event in ("socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr"):
        seen.append(f"{event} {args[1:2]}")
sys.addaudithook(hook)
from voicetrainer.cli.main import main
try:
    main(sys.argv[1:], standalone_mode=False)
finally:
    sys.stderr.write("\nNETWORK:" + repr(seen) + "\n")
"""


def run_guarded(args: list[str], home, stdin: str = "") -> tuple[int, list[str]]:
    out = subprocess.run([sys.executable, "-c", GUARD, *args], cwd=ROOT, input=stdin, text=True,
                         capture_output=True, timeout=600, env={"VOICETRAINER_HOME": str(home), "PATH": "/usr/bin"})
    line = [ln for ln in out.stderr.splitlines() if ln.startswith("NETWORK:")]
    assert line, out.stderr
    return out.returncode, eval(line[-1][len("NETWORK:"):])  # noqa: S307 - our own repr of a list of strings


def test_a_spoken_practice_session_score_report_and_progress_touch_no_network(tmp_path):
    home = tmp_path / "home"
    code, seen = run_guarded(["practice", "delayed-refund", "--replies", str(FIXTURES / "refund_good.txt"),
                              "--no-audio", "--seed", "1"], home)
    assert code == 0 and seen == []
    lines = tmp_path / "replies.jsonl"
    lines.write_text(json.dumps({"customer": "My refund of 89 dollars is three weeks late.",
                                 "reply": "I'm sorry, I'll refund the 89 dollars today."}) + "\n")
    for args in (["score", str(lines)], ["report", "--out", str(tmp_path / "r.html")],
                 ["progress", "--html", "--out", str(tmp_path / "p.html")]):
        code, seen = run_guarded(args, home)
        assert (code, seen) == (0, []), args


def test_the_guard_sees_a_connection_attempt(tmp_path):
    """Control: the same hook reports a socket that is opened, so an empty list above means something."""
    code = ("import socket, sys\nseen=[]\n"
            "sys.addaudithook(lambda e, a: seen.append(e) if e == 'socket.__new__' and a[1] == socket.AF_INET else 0)\n"
            "socket.socket(socket.AF_INET, socket.SOCK_STREAM).close()\nprint(seen)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['socket.__new__']"


def test_a_hub_model_name_is_refused_without_touching_the_network(tmp_path):
    """`--model small` used to try the model hub (a DNS lookup) before failing: now it is one line, offline, unless
    --allow-download is given."""
    home = tmp_path / "home"
    replies = tmp_path / "r.txt"
    replies.write_text(f"{FIXTURES / 'refund_good_1.wav'}\n")
    code, seen = run_guarded(["practice", "delayed-refund", "--replies", str(replies), "--no-audio", "--model",
                              "small"], home)
    assert (code, seen) == (1, [])
    lines = tmp_path / "audio.jsonl"
    lines.write_text(json.dumps({"customer": "Where is my refund?", "audio": str(FIXTURES / "refund_good_1.wav")})
                     + "\n")
    code, seen = run_guarded(["score", "--model", "small.en", str(lines)], home)
    assert (code, seen) == (0, [])
