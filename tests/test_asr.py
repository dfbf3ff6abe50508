"""Whisper (the bundled tiny.en) on real human recordings gives their reference transcripts."""

import json

import pytest

from voicetrainer.audio.files import read_audio

from .conftest import SHARED, normalise, wer

SPEECH = [json.loads(line) for line in (SHARED / "speech" / "manifest.jsonl").read_text().splitlines() if line.strip()]


@pytest.mark.parametrize("entry", SPEECH, ids=[e["file"] for e in SPEECH])
def test_real_recordings_match_reference(whisper, entry):
    heard = whisper.transcribe(read_audio(SHARED / "speech" / entry["file"])).text
    assert normalise(heard) == normalise(entry["transcript"]) or wer(entry["transcript"], heard) <= 0.05, heard


@pytest.mark.parametrize("name", ["silence.wav", "room_tone.wav", "white_noise.wav", "hum.wav", "keyboard.wav",
                                  "cough.wav"])
def test_non_speech_gives_no_words(whisper, name):
    from .conftest import FIXTURES

    assert whisper.transcribe(read_audio(FIXTURES / name)).text == ""
