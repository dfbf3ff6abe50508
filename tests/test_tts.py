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
