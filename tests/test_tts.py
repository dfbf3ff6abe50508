"""pyttsx3 synthesis: every line comes back complete and in its own clip, however many are made in one process."""

from voicetrainer.core.persona import Voice
from voicetrainer.speech.tts import PersonaVoice, Pyttsx3Synthesizer

from .conftest import wer

LINES = [
    "You charged me twice for my grocery order on the twelfth. The second charge overdrew my account.",
    "I want a refund today.",
    "Hello? Are you still there?",
]


def test_consecutive_lines_are_each_complete(whisper):
    for synth in (Pyttsx3Synthesizer(), Pyttsx3Synthesizer()):  # a second synthesizer reuses the one engine
        for text in LINES:
            clip = synth.synthesize(text, Voice(rate=170))
            assert clip.sample_rate == 16_000
            heard = whisper.transcribe(clip).text
            # espeak-ng through tiny.en mishears a word or two ("Hello? Are you" once came back "The load are")
            # a clip holding another line's audio (the bug this guards against) is nearer to that line
            assert wer(text, heard) < min(wer(o, heard) for o in LINES if o != text) and wer(text, heard) <= 0.6, heard


def test_rate_changes_duration():
    synth = Pyttsx3Synthesizer()
    slow = synth.synthesize(LINES[0], Voice(rate=120)).duration_s
    fast = synth.synthesize(LINES[0], Voice(rate=240)).duration_s
    assert fast < slow * 0.7


def test_persona_voice_uses_a_recorded_line_instead_of_tts(tmp_path):
    import numpy as np

    from voicetrainer.audio.files import write_wav
    from voicetrainer.core.persona import find_persona
    from voicetrainer.types import AudioClip

    p = find_persona("delayed-refund")
    rec = AudioClip(np.full(8000, 0.25, dtype=np.float32))
    write_wav(tmp_path / "opening.wav", rec)
    line = p.lines.opening[0].model_copy(update={"audio": "opening.wav"})
    p = p.model_copy(update={"path": tmp_path / "p.yaml"})
    clip = PersonaVoice().render(p, line)
    assert len(clip.samples) == 8000 and abs(float(clip.samples.mean()) - 0.25) < 1e-3


# --- engines by name -------------------------------------------------------------------------------------------


def test_every_registered_voice_engine_names_a_synthesizer_class():
    import importlib

    from voicetrainer import registry
    from voicetrainer.speech.tts import VOICE_ENGINES

    assert list(VOICE_ENGINES) == list(registry.VOICE_ENGINES) and registry.DEFAULT_VOICE_ENGINE in VOICE_ENGINES
    for name, target in registry.VOICE_ENGINES.items():
        module, _, attr = target.partition(":")
        cls = getattr(importlib.import_module(module), attr)   # the module imports without its optional voice
        assert callable(getattr(cls, "synthesize", None)), name


def test_persona_voice_builds_the_engine_its_persona_names(monkeypatch):
    from voicetrainer.core.persona import find_persona
    from voicetrainer.speech import tts
    from voicetrainer.types import AudioClip

    made = []

    class Beep:
        def synthesize(self, text, voice):
            import numpy as np

            return AudioClip(np.full(160, 0.5, np.float32))

    monkeypatch.setitem(tts.VOICE_ENGINES, "pyttsx3", lambda: made.append("beep") or Beep())
    p = find_persona("delayed-refund")
    assert p.voice.engine == "pyttsx3"
    voice = PersonaVoice()
    clip = voice.render(p, p.lines.opening[0])
    voice.render(p, p.lines.pushback[0])
    assert len(clip.samples) == 160 and made == ["beep"]    # built once, from the registry entry


def test_a_persona_naming_an_unknown_voice_engine_is_one_clear_error(tmp_path):
    import shutil

    from voicetrainer.core.persona import persona_errors

    from .conftest import PERSONAS

    f = tmp_path / "p.yaml"
    shutil.copy(PERSONAS / "delayed-refund.yaml", f)
    text = f.read_text()
    assert "voice: {" in text
    f.write_text(text.replace("voice: {", "voice: {engine: festival, ", 1))
    (err,) = persona_errors(f)
    assert err.endswith("voice.engine: unknown voice engine 'festival'; expected one of: pyttsx3, piper"), err


def test_the_persona_schema_lists_the_registered_engines():
    from voicetrainer import registry
    from voicetrainer.core.persona import json_schema

    engine = json_schema()["$defs"]["Voice"]["properties"]["engine"]
    assert engine["enum"] == list(registry.VOICE_ENGINES) and engine["default"] == registry.DEFAULT_VOICE_ENGINE
