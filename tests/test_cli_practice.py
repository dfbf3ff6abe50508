"""The practice command's modes and its handling of bad input: one clear line, no traceback, the session kept."""

import json
import os
import subprocess
import sys

from click.testing import CliRunner

from voicetrainer.cli.main import main
from voicetrainer.store import Store

from .conftest import FIXTURES, ROOT


def invoke(*args, input=None):
    return CliRunner().invoke(main, list(args), input=input)


def home() -> Store:
    return Store(os.environ["VOICETRAINER_HOME"])


def test_typed_replies_run_a_session():
    r = invoke("practice", "delayed-refund", "--text", "--no-audio", "--seed", "1", "--json",
               input="I'm so sorry. I will refund the eighty nine dollars to your card today.\n")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["turns"][0]["reply"].startswith("I'm so sorry")
    assert data["turns"][0]["scores"]["solution"]["hit"]
    assert data["outcome"] in ("abandoned", "resolved")  # input ended after one reply unless it resolved at once


def test_seed_makes_the_persona_deterministic(tmp_path):
    script = tmp_path / "r.txt"
    script.write_text("Okay.\nWhat do you want me to do?\nFine.\n")
    runs = [json.loads(invoke("practice", "delayed-refund", "--replies", str(script), "--no-audio", "--seed", "7",
                              "--json").stdout) for _ in range(2)]
    assert [t["persona_line"] for t in runs[0]["turns"]] == [t["persona_line"] for t in runs[1]["turns"]]


def test_unknown_persona_is_one_line():
    r = invoke("practice", "nobody", "--text")
    assert r.exit_code == 1
    assert r.output.startswith("Error: unknown persona 'nobody'; expected one of: ")
    assert "Traceback" not in r.output


def test_invalid_persona_file_names_file_line_and_field(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text((ROOT / "personas" / "delayed-refund.yaml").read_text().replace("start: 70", "start: seventy"))
    r = invoke("practice", str(bad), "--text")
    assert r.exit_code == 1
    assert f"{bad}: invalid persona" in r.output and "mood.start: Input should be a valid number" in r.output


def test_corrupt_wav_reply_is_one_line_and_earlier_turns_are_kept(tmp_path):
    script = tmp_path / "r.txt"
    script.write_text(f"I'm sorry about the refund.\n{FIXTURES / 'corrupt.wav'}\n")
    r = invoke("practice", "delayed-refund", "--replies", str(script), "--no-audio", "--quiet")
    assert r.exit_code == 1
    last = r.output.strip().splitlines()[-1]
    assert last.startswith("Error: ") and "corrupt.wav: not a readable audio file" in last
    (s,) = home().list_sessions()
    assert s.turn_count == 1 and s.outcome == "abandoned"
    assert home().turns(s.id)[0]["reply"] == "I'm sorry about the refund."


def test_empty_wav_reply_is_one_line(tmp_path):
    script = tmp_path / "r.txt"
    script.write_text(f"{FIXTURES / 'empty.wav'}\n")
    r = invoke("practice", "delayed-refund", "--replies", str(script), "--no-audio", "--quiet")
    assert r.exit_code == 1 and "empty.wav: the audio file is empty" in r.output


def test_missing_replies_file():
    r = invoke("practice", "delayed-refund", "--replies", "/nonexistent/replies.txt", "--no-audio")
    assert r.exit_code == 1 and r.output.startswith("Error: /nonexistent/replies.txt: cannot read the replies file")


def test_silent_reply_gets_are_you_still_there(tmp_path):
    script = tmp_path / "r.txt"
    script.write_text(f"{FIXTURES / 'silence.wav'}\n{FIXTURES / 'white_noise.wav'}\n")
    data = json.loads(invoke("practice", "delayed-refund", "--replies", str(script), "--no-audio", "--json").stdout)
    first, second = data["turns"]
    assert first["reply"] == "" and first["mood_after"] > first["mood_before"]
    assert second["intent"] == "still_there"
    assert data["outcome"] == "hung_up"  # two silent turns in a row
    assert all(not s["hit"] for s in first["scores"].values())


def test_no_microphone_falls_back_to_typed_replies(tmp_path):
    """In a process that sees no audio server, the default command says so in one line and takes typed replies."""
    env = dict(os.environ, PULSE_SERVER="unix:/nonexistent/pulse", VOICETRAINER_HOME=str(tmp_path / "h"))
    env.pop("ALSA_CONFIG_PATH", None)
    p = subprocess.run([sys.executable, "-m", "voicetrainer.cli.main", "practice", "--seed", "1"], env=env,
                       input="I'm so sorry, I'll refund the eighty nine dollars today.\n", capture_output=True,
                       text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert "Traceback" not in p.stderr
    notices = [ln for ln in p.stderr.splitlines() if ln.startswith("No microphone")]
    assert len(notices) == 1 and "Type your replies instead" in notices[0]
    assert "heard: I'm so sorry" in p.stdout or "calm ✓" in p.stdout
    assert any(ln.startswith("No speaker") for ln in p.stderr.splitlines())


def test_the_summary_promises_recordings_only_when_there_are_some(tmp_path):
    typed = tmp_path / "typed.txt"
    typed.write_text("I'm so sorry. I will refund the eighty nine dollars to your card today.\n")
    spoken = tmp_path / "spoken.txt"
    spoken.write_text(f"{FIXTURES / 'refund_good_1.wav'}\n")
    outputs = [" ".join(invoke("practice", "delayed-refund", "--replies", str(f), "--no-audio", "--seed", "1",
                               "--audio-out", str(tmp_path / "lines")).stdout.split()) for f in (typed, spoken)]
    assert "shows it with charts." in outputs[0] and "recordings" not in outputs[0]
    assert "shows it with charts and your recordings." in outputs[1]
