"""A scripted session from WAV replies through the real Whisper model, scorer, persona engine and pyttsx3 synthesis."""

import json

import pytest
from click.testing import CliRunner

from voicetrainer.audio.files import read_audio
from voicetrainer.cli.main import main

from .conftest import FIXTURES, wer

MANIFEST = {e["file"]: e for e in json.loads((FIXTURES / "manifest.json").read_text())}


def run_practice(tmp_path, home, script: str):
    out = tmp_path / "persona-audio"
    result = CliRunner().invoke(main, ["practice", "delayed-refund", "--data-dir", str(home),
                                       "--replies", str(FIXTURES / script),
                                       "--no-audio", "--audio-out", str(out), "--seed", "3", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout), out


@pytest.fixture(scope="module")
def sessions(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("e2e")
    good = run_practice(tmp / "good", tmp / "home", "refund_good.txt")
    bad = run_practice(tmp / "bad", tmp / "home", "refund_bad.txt")
    return good, bad


@pytest.fixture
def home(sessions, monkeypatch):
    (good, out), _ = sessions
    monkeypatch.setenv("VOICETRAINER_HOME", str(out.parent.parent / "home"))


def test_good_replies_are_transcribed(sessions):
    (good, _), _ = sessions
    for turn, name in zip(good["turns"], ["refund_good_1.wav", "refund_good_2.wav", "refund_good_3.wav"]):
        assert wer(MANIFEST[name]["transcript"], turn["reply"]) <= 0.15, (name, turn["reply"])


def test_good_path_lowers_the_mood_and_resolves(sessions):
    (good, _), _ = sessions
    assert good["outcome"] == "resolved"
    moods = [good["start_mood"]] + [t["mood_after"] for t in good["turns"]]
    assert all(b < a for a, b in zip(moods, moods[1:])), moods
    first = good["turns"][0]["scores"]
    assert first["empathy"]["hit"] and first["paraphrase"]["hit"] and first["calm"]["hit"]
    assert any(t["scores"]["solution"]["hit"] for t in good["turns"])
    assert good["final_intent"] == "resolved" and good["final_line"]


def test_bad_path_escalates_or_hangs_up(sessions):
    _, (bad, _) = sessions
    assert bad["outcome"] in ("escalated", "hung_up")
    assert bad["turns"][-1]["mood_after"] > bad["start_mood"]
    first = bad["turns"][0]
    assert wer(MANIFEST["refund_bad_1.wav"]["transcript"], first["reply"]) <= 0.15
    assert not first["scores"]["calm"]["hit"]
    assert any("should have" in e.lower() or "relax" in e.lower() for e in first["scores"]["calm"]["evidence"])
    assert first["scores"]["calm"]["tip"]


def test_json_contract(sessions):
    (good, _), _ = sessions
    assert set(good) >= {"persona", "outcome", "turns"}
    for t in good["turns"]:
        assert set(t) >= {"persona_line", "intent", "reply", "scores", "mood_before", "mood_after"}
        assert set(t["scores"]) == {"calm", "empathy", "paraphrase", "solution"}
        for s in t["scores"].values():
            assert set(s) >= {"score", "hit", "evidence", "tip", "status"}
            assert 0.0 <= s["score"] <= 1.0 and isinstance(s["hit"], bool) and isinstance(s["evidence"], list)
            assert s["status"] in ("hit", "miss", "not_due", "rejected")
        # What the call made of the reply (issue 10): new keys beside the old ones.
        assert set(t) >= {"acts", "phase", "needs", "needs_met", "mood_reasons", "next_intent", "question"}
        assert all(set(a) == {"act", "detail", "evidence"} for a in t["acts"])
    assert good["turns"][0]["intent"] == "opening"
    assert [a["act"] for a in good["turns"][0]["acts"]][:2] == ["acknowledge", "apologise"]
    card = good["scorecard"]
    assert card["outcome"] == "resolved" and card["steps"]["acknowledged"] == 1 and card["steps"]["restated"] == 1
    assert card["steps"]["offered_accepted_remedy"] is not None and card["calmed_at"] is not None


def test_persona_speech_was_synthesised(sessions):
    (good, out), _ = sessions
    wavs = sorted(out.glob("*.wav"))
    # one line per turn plus the closing line
    assert len(wavs) == len(good["turns"]) + 1
    assert wavs[0].name == "01-opening.wav" and wavs[-1].name.endswith("-resolved.wav")
    clip = read_audio(wavs[0])
    assert clip.duration_s > 2.0 and abs(clip.samples).max() > 0.05


def test_opening_line_synthesis_is_intelligible(sessions, whisper):
    (good, out), _ = sessions
    heard = whisper.transcribe(read_audio(out / "01-opening.wav")).text
    assert wer(good["turns"][0]["persona_line"], heard) <= 0.35, heard


def test_sessions_are_saved_and_listed(sessions, home):
    runner = CliRunner()
    listed = runner.invoke(main, ["sessions", "list"])
    assert listed.exit_code == 0
    assert "resolved" in listed.output and ("escalated" in listed.output or "hung_up" in listed.output)
    (good, _), _ = sessions
    shown = runner.invoke(main, ["sessions", "show", str(good["session_id"]), "--json"])
    saved = json.loads(shown.output)
    assert [t["reply"] for t in saved["turns"]] == [t["reply"] for t in good["turns"]]
    assert saved["outcome"] == "resolved"
    assert saved["scorecard"] == good["scorecard"]  # the store returns what the session made
    assert [t["acts"] for t in saved["turns"]] == [t["acts"] for t in good["turns"]]
    assert all(t.get("audio_path") for t in saved["turns"])
