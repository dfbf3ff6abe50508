"""The live terminal view: its lines in a plain stream, its animated meter and spinner on a terminal, and retrying a
weak turn in `practice` (typed replies; scripted and --json runs never ask)."""

from __future__ import annotations

import io
import json
import os
import re
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from voicetrainer.cli.main import main
from voicetrainer.core.session import Event
from voicetrainer.store import Store
from voicetrainer.types import DimensionScore, Turn, TurnScore
from voicetrainer.cli.view import (LiveView, format_session, level_meter, missed_tips, mood_word, result_line,
                                   score_line, scorecard_lines)
from voicetrainer.team.passmark import PassResult

from .conftest import PERSONAS, ROOT

GOOD = ("I'm so sorry, that sounds really frustrating. So you sent the headphones back three weeks ago and the "
        "eighty nine dollar refund still hasn't reached your card. I will process your refund today.")
FOLLOW_THROUGH = "Yes, absolutely. You'll get a confirmation email within the hour."


def make_turn(hits=(True, False, True, False), attempt=1, reply="ok then"):
    dims = tuple(DimensionScore(d, 1.0 if h else 0.0, h, (), "" if h else f"{d} tip")
                 for d, h in zip(("calm", "empathy", "paraphrase", "solution"), hits))
    return Turn(index=1, persona_line="Where is my refund?", intent="opening", reply=reply, score=TurnScore(dims),
                mood_before=70, mood_after=55, attempt=attempt)


def plain_view(quiet=False):
    buf = io.StringIO()
    return LiveView(quiet=quiet, stream=buf), buf


@pytest.mark.parametrize("mood,word", [(0, "calm"), (24.9, "calm"), (25, "settling"), (50, "annoyed"),
                                       (70, "angry"), (85, "furious"), (100, "furious")])
def test_mood_word(mood, word):
    assert mood_word(mood) == word


def test_score_line_and_missed_tips():
    scores = make_turn().score.to_dict()
    assert score_line(scores) == "calm ✓  empathy ✗  paraphrase ✓  solution ✗"
    assert missed_tips(scores) == [("empathy", "empathy tip"), ("solution", "solution tip")]


def status_turn(statuses, hits=(True, False, False, True)):
    dims = tuple(DimensionScore(d, 1.0 if h else 0.0, h, (), "" if st in ("hit", "not_due") else f"{d} tip", st)
                 for d, h, st in zip(("calm", "empathy", "paraphrase", "solution"), hits, statuses))
    return Turn(index=1, persona_line="Where is my refund?", intent="opening", reply="ok then", score=TurnScore(dims),
                mood_before=70, mood_after=75)


def test_marks_follow_the_status_not_the_hit():
    """A dimension not needed yet is neither ✓ nor ✗; a turned-down offer is never ✓ (its line alone hit)."""
    scores = status_turn(("hit", "not_due", "miss", "rejected")).score.to_dict()
    assert score_line(scores) == "calm ✓  empathy ·  paraphrase ✗  solution ✗ rejected"
    assert missed_tips(scores) == [("paraphrase", "paraphrase tip"), ("solution", "solution tip")]
    view, buf = plain_view()
    view.console.width = 100  # (at 80 columns rich wraps this line before "(angry)")
    view.event(Event("turn", {"turn": status_turn(("hit", "not_due", "miss", "rejected")), "reasons": []}))
    assert buf.getvalue().splitlines()[0] == (
        "  calm ✓  empathy ·  paraphrase ✗  solution ✗ rejected  │ 0.50  │ mood 70 ↑ 75 (angry)")
    view, buf = plain_view()
    view.intro(type("P", (), {"name": "X", "scenario": "Y"})())
    assert "Marks: ✓ done  ✗ missed  · not needed yet  ✗ rejected: offer turned down" in buf.getvalue()


CARD = {"steps": {"acknowledged": 1, "restated": 3, "verified": 1, "offered_accepted_remedy": 4, "committed": None,
                  "closed": None}, "calmed_at": None, "turns_until_calm": None, "outcome": "turn_limit", "turns": 8,
        "start_mood": 70.0, "final_mood": 48.4, "needs": {}, "calm_lost_at": [2], "stalled_turns": 3,
        "offers_accepted": ["refund"], "offers_rejected": ["store credit"]}


def test_scorecard_lines():
    assert scorecard_lines(CARD) == [
        "Call scorecard (8 turn(s)):",
        "  ✓ acknowledged                    turn 1",
        "  ✓ restated the facts              turn 3",
        "  ✓ verified a detail               turn 1",
        "  ✓ offered a remedy they accepted  turn 4  (refund)",
        "  ✗ committed (when, how)           never",
        "  ✗ closed the call                 never",
        "  The customer never calmed; mood 70 → 48; calm lost at turn 2; 3 stalled turn(s).",
        "  Offers turned down: store credit.",
        "  Outcome: turn_limit."]


@pytest.mark.parametrize("result,line", [
    (PassResult(True, 0.74, 0.5, ("calm_lost",), (), ("score 0.74 reaches the pass mark 0.50",)),
     "Result: passed — score 0.74, pass mark 0.50."),
    (PassResult(False, 0.31, 0.5, ("calm_lost",), ("below_mark", "calm_lost"),
                ("score 0.31 is below the pass mark 0.50", "calm lost in turn 2 ('relax')")),
     "Result: failed — score 0.31 is below the pass mark 0.50; calm lost in turn 2 ('relax')."),
    (PassResult(False, 0.62, 0.5, ("calm_lost",), ("calm_lost",), ("calm lost in turn 2 ('relax')",)),
     "Result: failed — score 0.62 reaches the pass mark 0.50, but calm lost in turn 2 ('relax')."),
])
def test_result_line_always_says_the_score_against_the_mark(result, line):
    assert result_line(result) == line


def test_format_session_shows_statuses_the_scorecard_and_the_result():
    turn = status_turn(("hit", "not_due", "miss", "rejected")).to_dict()
    data = {"session_id": 7, "persona": "delayed-refund", "persona_name": "Dana", "outcome": "turn_limit",
            "start_mood": 70.0, "final_mood": 48.375, "rep": "sam.k", "rubric_hash": "sha256:" + "ab" * 32,
            "turns": [turn], "scorecard": CARD,
            "result": PassResult(False, 0.62, 0.5, ("calm_lost", "wrong_fact_uncorrected"), ("calm_lost",),
                                 ("calm lost in turn 2 ('relax')",)).to_dict()}
    lines = format_session(data).splitlines()
    assert lines[:2] == ["Session 7: Dana (delayed-refund) — turn_limit · rep sam.k", "Mood 70 → 48"]
    assert "    empathy    · 0.00 (not needed yet)" in lines
    assert "    solution   ✗ 1.00 (offer rejected)" in lines and "               tip: solution tip" in lines
    assert lines[lines.index("Call scorecard (8 turn(s)):"):][:len(scorecard_lines(CARD))] == scorecard_lines(CARD)
    assert lines[-3:] == ["Result: failed — score 0.62 reaches the pass mark 0.50, but calm lost in turn 2 ('relax').",
                          "Blockers (fail a call whatever its score): calm lost, a wrong fact never put right.",
                          "Judged by rubric sha256:abababababab…"]
    old = {**data, "scorecard": None, "result": None, "rep": None}  # saved before scorecards and pass marks
    for s in old["turns"][0]["scores"].values():
        s.pop("status")
    text = format_session(old)
    assert "Call scorecard" not in text and "Result:" not in text and "not needed yet" not in text
    assert "    empathy    ✗ 0.00" in text.splitlines()


def test_practice_ends_with_the_scorecard_and_the_result():
    r = CliRunner().invoke(main, ["practice", "delayed-refund", "--replies",
                                  str(PERSONAS / "scripts" / "delayed-refund.realistic.txt"), "--no-audio", "--seed",
                                  "1", "--no-keep-audio"])
    assert r.exit_code == 0, r.output
    store = Store(os.environ["VOICETRAINER_HOME"])
    data = store.session_json(store.latest_session_id())
    lines = r.stdout.splitlines()
    start = lines.index(next(ln for ln in lines if ln.startswith("Call scorecard")))
    card = scorecard_lines(data["scorecard"])
    assert lines[start:start + len(card)] == card
    assert lines[start + len(card)] == result_line(PassResult.from_dict(data["result"]))
    assert "not needed yet" in r.stdout  # the intro's legend; the realistic call has such turns
    r = CliRunner().invoke(main, ["practice", "delayed-refund", "--replies",
                                  str(PERSONAS / "scripts" / "delayed-refund.good.txt"), "--no-audio", "--seed", "1",
                                  "--no-keep-audio", "--quiet"])
    assert r.exit_code == 0, r.output
    saved = store.session_json(store.latest_session_id())
    turns = len({t["index"] for t in saved["turns"]})
    assert r.stdout.splitlines()[-2:] == [
        f"delayed-refund: {saved['outcome']} after {turns} turn(s) (session {saved['session_id']})",
        f"result: {PassResult.from_dict(saved['result']).summary}"]


@pytest.mark.parametrize("db,speaking,expected", [
    (-60, False, "  ○ listening ▕··························▏  -60 dB"),
    (-30, True, "  ● speaking  ▕█████████████·············▏  -30 dB"),
    (0, True, "  ● speaking  ▕██████████████████████████▏    0 dB"),
    (-90, True, "  ● speaking  ▕··························▏  -90 dB"),
])
def test_level_meter(db, speaking, expected):
    assert level_meter(db, speaking, width=26).plain == expected


def test_plain_stream_shows_each_step_as_one_line_and_no_animation():
    view, buf = plain_view()
    assert view.animate is False
    view.event(Event("persona_line", {"text": "Where is my refund?", "intent": "opening", "mood": 70}))
    view.level(-20, True)  # a meter in a log would be noise
    view.event(Event("transcribing", {"seconds": 3.24}))
    view.event(Event("turn", {"turn": make_turn(), "reasons": []}))
    assert buf.getvalue() == (
        "\nCustomer (angry): Where is my refund?\n"
        "  transcribing 3.2 s of speech…\n"
        "  heard: ok then\n"
        "  calm ✓  empathy ✗  paraphrase ✓  solution ✗  │ 0.50  │ mood 70 ↓ 55 (annoyed)\n"
        "  tip: empathy tip\n")


def test_a_live_turn_shows_what_whisper_heard_without_a_transcribing_step():
    """Live replies come transcribed while the rep talks: the turn event says the reply was spoken."""
    view, buf = plain_view()
    view.event(Event("persona_line", {"text": "Where is my refund?", "intent": "opening", "mood": 70}))
    view.event(Event("turn", {"turn": make_turn(), "reasons": [], "spoken": True}))
    assert buf.getvalue().splitlines()[2] == "  heard: ok then"


def test_typed_reply_is_not_echoed_back():
    view, buf = plain_view()
    view.event(Event("persona_line", {"text": "Hello?", "intent": "opening", "mood": 30}))
    view.event(Event("turn", {"turn": make_turn(hits=(True,) * 4), "reasons": []}))
    assert "heard:" not in buf.getvalue() and "tip:" not in buf.getvalue()


def test_quiet_view_prints_nothing_live():
    view, buf = plain_view(quiet=True)
    view.intro(type("P", (), {"name": "X", "scenario": "Y"})())
    view.event(Event("persona_line", {"text": "Where is my refund?", "intent": "opening", "mood": 70}))
    view.level(-20, True)
    view.event(Event("turn", {"turn": make_turn(), "reasons": []}))
    with view.status("Loading"):
        pass
    with view.counter("Scoring", 3) as tick:
        tick()
    assert buf.getvalue() == ""


def test_retry_event_shows_every_missed_tip_and_the_line_again():
    view, buf = plain_view()
    view.event(Event("retry", {"turn": make_turn()}))
    assert buf.getvalue() == ("\nTry turn 1 again (attempt 2) with these in mind:\n"
                              "  • empathy: empathy tip\n  • solution: solution tip\n"
                              "Customer (again): Where is my refund?\n")


def test_terminal_redraws_the_meter_and_spinner_in_place():
    buf = io.StringIO()
    view = LiveView(stream=buf, animate=True)
    view.console = Console(file=buf, force_terminal=True, width=80, highlight=False)
    view.level(-30, True)
    view.level(-20, True)
    view._live.refresh()
    assert "● speaking" in buf.getvalue()
    view.event(Event("transcribing", {"seconds": 2.0}))
    view._live.refresh()
    assert "transcribing 2.0 s of speech" in buf.getvalue()
    view.event(Event("turn", {"turn": make_turn(), "reasons": []}))
    assert view._live is None  # the transient line is gone before the turn's lines are printed
    with view.counter("Scoring", 2) as tick:
        tick()
        tick()
    assert "Scoring" in buf.getvalue() and "2/2" in buf.getvalue()


def test_offer_retry_only_after_a_weak_reply(monkeypatch):
    view, buf = plain_view()
    monkeypatch.setattr("sys.stdin", io.StringIO("r\n"))
    assert view.offer_retry(make_turn(hits=(True,) * 4)) is False
    assert buf.getvalue() == ""  # a strong reply is not interrupted
    assert view.offer_retry(make_turn()) is True
    assert "Press r to retry this turn with the tip in front of you, Enter to go on." in buf.getvalue()
    monkeypatch.setattr("sys.stdin", io.StringIO("\n"))
    assert view.offer_retry(make_turn()) is False
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert view.offer_retry(make_turn()) is False  # end of input goes on


KEY_SCRIPT = """
import sys
from rich.console import Console
from voicetrainer.cli.keys import read_key
print("ready", flush=True)
try:
    print(repr(read_key(Console())), flush=True)
except KeyboardInterrupt:
    print("interrupted", flush=True)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
@pytest.mark.parametrize("typed,expected", [(b"r", "'r'"), (b"\r", "'\\r'"), (b"\x03", "interrupted")])
def test_read_key_takes_one_key_on_a_terminal(typed, expected):
    """On a real terminal (a pty here) one key is read without Enter, through click.getchar; Ctrl-C interrupts."""
    import pty
    import subprocess

    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-c", KEY_SCRIPT], stdin=slave, stdout=subprocess.PIPE,
                            cwd=Path(__file__).resolve().parent.parent)
    os.close(slave)
    assert proc.stdout.readline() == b"ready\n"
    time.sleep(0.5)  # getchar switches the terminal to raw mode, which drops input typed before it
    os.write(master, typed)
    out, _ = proc.communicate(timeout=30)
    os.close(master)
    assert out.decode().strip().splitlines()[-1] == expected


class PtyCommand:
    """A command on a pseudo-terminal (as a rep at a real terminal runs it): what it printed, escape codes stripped,
    and keys typed into it."""

    ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\r")

    def __init__(self, args: list[str]):
        import pty
        import subprocess

        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen(args, stdin=slave, stdout=slave, stderr=slave, cwd=ROOT, start_new_session=True)
        os.close(slave)
        self.raw = b""
        self.seen = 0

    def _read(self, timeout_s: float) -> None:
        import select

        ready, _, _ = select.select([self.master], [], [], timeout_s)
        if ready:
            try:
                self.raw += os.read(self.master, 65536)
            except OSError:  # the command ended and closed its side
                time.sleep(timeout_s)

    @property
    def text(self) -> str:
        return self.ANSI.sub("", self.raw.decode("utf-8", "replace"))

    def expect(self, what: str, timeout_s: float = 60) -> str:
        """Wait until `what` is printed (after whatever was expected before); return what came up to it."""
        end = time.monotonic() + timeout_s
        while what not in self.text[self.seen:]:
            assert time.monotonic() < end, f"never printed {what!r}; got:\n{self.text[self.seen:]}"
            self._read(0.2)
        i = self.text.index(what, self.seen) + len(what)
        before, self.seen = self.text[self.seen:i], i
        return before

    def quiet_for(self, seconds: float) -> str:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self._read(0.1)
        return self.text[self.seen:]

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def end_input(self, timeout_s: float = 60) -> int:
        """Ctrl-D at every prompt until the command exits (end of input on a terminal is not sticky)."""
        end = time.monotonic() + timeout_s
        while self.proc.poll() is None:
            assert time.monotonic() < end, self.text[-2000:]
            self.type("\x04")
            self.quiet_for(0.5)
        os.close(self.master)
        return self.proc.returncode


PRACTICE_TYPED = [sys.executable, "-c", "import sys; from voicetrainer.cli.main import main; sys.exit(main())",
                  "practice", "--text", "--no-audio", "--seed", "1", "--no-keep-audio"]
WEAK = "Okay, let me look into that."
R_REPLY = "right, I'm so sorry. So the 89 dollars for the headphones never reached your card."


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_typing_at_a_terminal_empty_enter_asks_again_and_r_needs_enter():
    """At a real terminal (a pty) in typed practice: an empty Enter asks again; at the retry prompt the 'r' of a reply
    starting with r retries nothing (no Enter yet), and the whole line is the reply to the customer's next line."""
    cmd = PtyCommand(PRACTICE_TYPED)
    cmd.expect("You:")
    cmd.type("\r")
    cmd.expect("(type your reply, then Enter; Ctrl-C ends the session)")
    cmd.expect("You:")
    cmd.type(WEAK + "\r")
    cmd.expect("Type r and Enter to retry")
    cmd.type("r")
    assert "Try turn" not in cmd.quiet_for(1.5)  # one key is not an answer on a terminal
    cmd.type(R_REPLY[1:] + "\r")
    cmd.expect("(not a retry: that is your reply to what the customer says next)")
    assert "Customer" in cmd.expect(f"You: {R_REPLY}")
    assert cmd.end_input() == 0
    store = Store(os.environ["VOICETRAINER_HOME"])
    turns = store.turns(store.latest_session_id())
    assert [(t["index"], t["attempt"], t["reply"]) for t in turns][:2] == [(1, 1, WEAK), (2, 1, R_REPLY)]
    assert "Try turn" not in cmd.text


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")
def test_typing_at_a_terminal_r_then_enter_retries():
    cmd = PtyCommand(PRACTICE_TYPED)
    cmd.expect("You:")
    cmd.type(WEAK + "\r")
    cmd.expect("Type r and Enter to retry")
    cmd.type("r")
    assert "Try turn" not in cmd.quiet_for(1.0)
    cmd.type("\r")
    cmd.expect("Try turn 1 again (attempt 2)")
    cmd.expect("You:")
    cmd.type(GOOD + "\r")
    cmd.expect("mood")
    assert cmd.end_input() == 0
    store = Store(os.environ["VOICETRAINER_HOME"])
    turns = store.turns(store.latest_session_id())
    assert [(t["index"], t["attempt"], t["reply"]) for t in turns][:2] == [(1, 1, WEAK), (1, 2, GOOD)]


# --- retry in practice ---------------------------------------------------------------------------------------------


def turns_saved():
    store = Store(os.environ["VOICETRAINER_HOME"])
    return [(t["index"], t["attempt"]) for t in store.turns(store.latest_session_id())]


def test_typed_practice_retries_a_weak_turn_with_the_tips_shown():
    # After accepting the refund the customer asks how it will know (issue 10); the follow-through resolves the call.
    r = CliRunner().invoke(main, ["practice", "--text", "--retry", "--no-audio", "--seed", "1"],
                           input=f"Calm down.\nr\n{GOOD}\n{FOLLOW_THROUGH}\n\n")
    assert r.exit_code == 0, r.output
    out = r.output
    assert out.count("Type r and Enter to retry with the tip") == 1  # the second, strong attempt is not offered one
    prompt, retry = out.index("Type r and Enter to retry"), out.index("Try turn 1 again (attempt 2)")
    assert prompt < retry < out.index("calm ✓  empathy ✓")
    assert "• calm: 'Calm down' cost calm" in out
    assert turns_saved()[:2] == [(1, 1), (1, 2)]
    assert "and 1 retry." in out


def test_typed_practice_goes_on_with_enter():
    r = CliRunner().invoke(main, ["practice", "--text", "--retry", "--no-audio", "--seed", "1"],
                           input="Calm down.\n\n")
    assert r.exit_code == 0, r.output
    assert "Type r and Enter to retry" in r.output and "Try turn" not in r.output
    assert turns_saved() == [(1, 1)]


def test_a_typed_reply_that_starts_with_r_is_a_reply_not_a_retry():
    """At the retry prompt a line other than 'r' goes on, and it is the rep's reply to the customer's next line."""
    reply = "right, I'm so sorry. So the 89 dollars for the headphones never reached your card."
    r = CliRunner().invoke(main, ["practice", "--text", "--retry", "--no-audio", "--seed", "1"],
                           input=f"Okay, let me look into that.\n{reply}\n\n")
    assert r.exit_code == 0, r.output
    assert "Type r and Enter to retry" in r.output and "Try turn" not in r.output
    assert "(not a retry: that is your reply to what the customer says next)" in r.output
    assert f"You: {reply}" in r.output  # shown after the customer's next line, as it is taken
    saved = Store(os.environ["VOICETRAINER_HOME"]).turns(Store(os.environ["VOICETRAINER_HOME"]).latest_session_id())
    assert [(t["index"], t["attempt"], t["reply"]) for t in saved][:2] == [(1, 1, "Okay, let me look into that."),
                                                                           (2, 1, reply)]


@pytest.mark.parametrize("answer,retried", [("r", True), ("R", True), ("  r  ", True), ("", False),
                                            ("r sorry", False), ("retry", False)])
def test_only_r_alone_asks_for_a_retry(answer, retried):
    from voicetrainer.cli.keys import is_retry

    assert is_retry(answer) is retried


def test_an_empty_enter_asks_again_instead_of_a_silent_turn():
    r = CliRunner().invoke(main, ["practice", "--text", "--no-retry", "--no-audio", "--seed", "1"],
                           input=f"\n   \n{GOOD}\n")
    assert r.exit_code == 0, r.output
    assert r.output.count("(type your reply, then Enter; Ctrl-C ends the session)") == 2
    saved = Store(os.environ["VOICETRAINER_HOME"]).turns(Store(os.environ["VOICETRAINER_HOME"]).latest_session_id())
    assert saved[0]["reply"] == GOOD and saved[0]["intent"] == "opening"  # no silent turn came first
    assert "still there" not in r.output.lower()


@pytest.mark.parametrize("extra", [[], ["--json"]])
def test_scripted_runs_never_offer_a_retry(tmp_path, extra):
    script = tmp_path / "r.txt"
    script.write_text("I'm sorry about the refund.\nr\nFine.\n")
    r = CliRunner().invoke(main, ["practice", "--replies", str(script), "--no-audio", "--seed", "1", *extra])
    assert r.exit_code == 0, r.output
    assert "to retry this turn" not in r.output
    assert all(attempt == 1 for _, attempt in turns_saved())
    if extra:
        assert json.loads(r.stdout)["turns"][1]["reply"] == "r"  # "r" was just the next scripted reply


def test_piped_typed_replies_are_not_eaten_by_a_retry_prompt():
    r = CliRunner().invoke(main, ["practice", "wrong-item", "--text", "--no-audio", "--seed", "1"],
                           input="What is your order number?\nI'm sorry, I'll refund you today.\n")
    assert r.exit_code == 0, r.output
    assert "to retry this turn" not in r.output
    assert [t["reply"] for t in Store(os.environ["VOICETRAINER_HOME"]).turns(
        Store(os.environ["VOICETRAINER_HOME"]).latest_session_id())][:2] == [
        "What is your order number?", "I'm sorry, I'll refund you today."]


def test_json_typed_run_never_offers_a_retry():
    r = CliRunner().invoke(main, ["practice", "--text", "--no-audio", "--seed", "1", "--json"],
                           input="I'm sorry about the refund.\nr\n")
    assert r.exit_code == 0, r.output
    assert "to retry this turn" not in r.output
    assert turns_saved()[:2] == [(1, 1), (2, 1)]
