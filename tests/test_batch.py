"""The JSON contract of `voicetrainer score`: text lines, audio lines (real Whisper), bad lines, rubric output."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from voicetrainer.batch import format_rubric, score_lines
from voicetrainer.errors import ModelUnavailableError
from voicetrainer.scoring import load_rubric
from voicetrainer.types import DIMENSIONS

from .conftest import FIXTURES

CUSTOMER = "I sent those headphones back three weeks ago and I still haven't got my eighty nine dollars."
GOOD = "I'm so sorry. So the headphones you returned three weeks ago still haven't been refunded? I'll refund you today."


@pytest.fixture(scope="module")
def rubric():
    return load_rubric()


@pytest.fixture(scope="module")
def transcribe(whisper):
    """The real bundled tiny.en model, loaded once for the run (conftest's `whisper`)."""
    return whisper.transcribe


def lines(*objs) -> list[str]:
    return [o if isinstance(o, str) else json.dumps(o) for o in objs]


def assert_scores(out: dict):
    assert set(out["scores"]) == set(DIMENSIONS)
    for s in out["scores"].values():
        assert set(s) >= {"score", "hit", "evidence", "tip"}
        assert 0.0 <= s["score"] <= 1.0 and isinstance(s["hit"], bool) and isinstance(s["evidence"], list)
    json.dumps(out)  # every result is JSON-serialisable


def test_text_lines_in_order(rubric):
    out = list(score_lines(lines({"customer": CUSTOMER, "reply": GOOD, "id": "a"},
                                 {"customer": CUSTOMER, "reply": "Calm down."}), rubric, None))
    assert len(out) == 2
    for o in out:
        assert_scores(o)
    assert out[0]["id"] == "a" and all(s["hit"] for s in out[0]["scores"].values())
    assert out[1]["scores"]["calm"] == {"score": 0.4, "hit": False, "evidence": ["Calm down"],
                                        "tip": out[1]["scores"]["calm"]["tip"]}
    assert "transcript" not in out[0]


def test_bad_lines_give_error_objects_and_the_batch_goes_on(rubric, tmp_path):
    out = list(score_lines(lines(
        "{not json",
        {"reply": "hello"},
        {"customer": CUSTOMER},
        {"customer": CUSTOMER, "reply": "x", "audio": "y.wav"},
        ["a list"],
        {"customer": CUSTOMER, "reply": 5},
        {"customer": CUSTOMER, "audio": str(tmp_path / "missing.wav")},
        {"customer": CUSTOMER, "reply": "hi", "colour": "red"},
        "",
        {"customer": CUSTOMER, "reply": GOOD},
    ), rubric, None))
    assert [o.get("error", "ok").split(":")[0] for o in out] == [
        "line 1", "line 2", "line 3", "line 4", "line 5", "line 6", "line 7", "line 8", "ok"]
    assert "not valid JSON" in out[0]["error"]
    assert '"customer" is missing' in out[1]["error"]
    assert "exactly one of" in out[2]["error"] and "exactly one of" in out[3]["error"]
    assert "expected a JSON object" in out[4]["error"]
    assert "audio file not found" in out[6]["error"]
    assert "unknown key(s) 'colour'" in out[7]["error"]
    assert_scores(out[8])


@pytest.mark.parametrize("obj,error", [
    ({"customer": CUSTOMER, "reply": "hi", "offers": ["refund", 3]}, '"offers" must be a list of strings'),
    ({"customer": CUSTOMER, "reply": "hi", "offers": "refund"}, '"offers" must be a list of strings'),
    ({"customer": CUSTOMER, "reply": "hi", "baseline_db": "-24"}, '"baseline_db" must be a number (dBFS), e.g. -24'),
    ({"customer": CUSTOMER, "audio": ""}, '"audio" must be a path to a WAV file'),
    ({"customer": 7, "reply": "hi"}, '"customer" must be a string (the customer\'s last line)'),
    ({"customer": CUSTOMER, "reply": None}, 'give exactly one of "reply" (text) or "audio" (path to a WAV)'),
    ({"customer": 7, "reply": "hi", "tone": "x", "offers": [1, 2]},
     "unknown key(s) 'tone'; expected id, customer, reply, audio, offers, baseline_db; "
     '"customer" must be a string (the customer\'s last line); "offers" must be a list of strings'),
])
def test_each_bad_field_is_named_in_one_error_object(rubric, obj, error):
    assert list(score_lines(lines(obj), rubric, None)) == [{"error": f"line 1: {error}"}]


def test_score_command_prints_one_json_line_per_input_line(tmp_path):
    from click.testing import CliRunner

    from voicetrainer.cli.main import main

    text = "\n".join(lines({"customer": CUSTOMER, "reply": GOOD, "id": 1}, {"customer": CUSTOMER, "offers": 3}))
    r = CliRunner().invoke(main, ["score"], input=text + "\n")
    assert r.exit_code == 0, r.output
    first, second = [json.loads(ln) for ln in r.output.splitlines()]
    assert first["id"] == 1 and all(s["hit"] for s in first["scores"].values())
    assert second == {"error": 'line 2: "offers" must be a list of strings'}


def test_audio_line_is_transcribed_and_measured(rubric, transcribe, tmp_path):
    wav = tmp_path / "reply.wav"
    # tiny.en hears espeak-ng's "refund" reliably at 140 words per minute (it mishears some other wordings).
    subprocess.run(["espeak-ng", "-s", "140", "-w", str(wav), "I am really sorry. Let me process your refund right now."],
                   check=True, capture_output=True)
    out = list(score_lines(lines({"customer": CUSTOMER, "audio": "reply.wav", "baseline_db": -30}), rubric,
                           transcribe, base_dir=tmp_path))
    assert len(out) == 1 and "error" not in out[0], out
    o = out[0]
    assert_scores(o)
    assert "refund" in o["transcript"].lower()
    assert o["scores"]["solution"]["hit"] and o["scores"]["empathy"]["hit"]
    a = o["acoustics"]
    assert a["words_per_minute"] > 60 and a["speech_s"] > 1.0 and a["relative_loudness_db"] > 0


def test_corrupt_audio_becomes_an_error_object_and_the_batch_goes_on(rubric, transcribe):
    corrupt = FIXTURES / "corrupt.wav"
    out = list(score_lines(lines({"customer": CUSTOMER, "audio": str(corrupt)}, {"customer": CUSTOMER, "reply": GOOD}),
                           rubric, transcribe))
    assert out[0]["error"].startswith(f"line 1: {corrupt}: not a readable audio file")
    assert_scores(out[1])


def test_transcriber_errors_become_error_objects(rubric, tmp_path):
    wav = tmp_path / "r.wav"
    subprocess.run(["espeak-ng", "-w", str(wav), "hello"], check=True, capture_output=True)

    def unavailable(clip):  # the model failing to load is what this test is about, not transcription
        raise ModelUnavailableError("the bundled tiny.en model is missing")

    out = list(score_lines(lines({"customer": CUSTOMER, "audio": str(wav)}), rubric, unavailable))
    assert out == [{"error": "line 1: the bundled tiny.en model is missing"}]


def test_audio_without_a_transcriber_is_an_error_line(rubric, tmp_path):
    wav = tmp_path / "r.wav"
    subprocess.run(["espeak-ng", "-w", str(wav), "hello"], check=True, capture_output=True)
    out = list(score_lines(lines({"customer": CUSTOMER, "audio": str(wav)}), rubric, None))
    assert "needs a transcriber" in out[0]["error"]


def test_format_rubric_shows_source_and_yaml(rubric):
    text = format_rubric(rubric)
    assert text.startswith("# rubric in force: ") and "calm down" in text and "shouting_db" in text
    merged = format_rubric(load_rubric(overrides={"solution": {"offers": ["loyalty points"]}}))
    assert "+ overrides" in merged and "loyalty points" in merged
