"""Speech: Whisper transcription (stt), where models come from (models), the persona's voices (tts, piper).

Importing this package loads no model library: faster_whisper, onnxruntime and pyttsx3 are imported inside the
constructors that need them.
"""

from voicetrainer.speech.models import DEFAULT_MODEL, MODELS, ModelSource, resolve_model
from voicetrainer.speech.piper import PiperSynthesizer
from voicetrainer.speech.stt import FasterWhisperTranscriber, Transcriber, WhisperParams
from voicetrainer.speech.tts import VOICE_ENGINES, PersonaVoice, Pyttsx3Synthesizer, Synthesizer

__all__ = [
    "DEFAULT_MODEL", "MODELS", "VOICE_ENGINES", "FasterWhisperTranscriber", "ModelSource", "PersonaVoice",
    "PiperSynthesizer", "Pyttsx3Synthesizer", "Synthesizer", "Transcriber", "WhisperParams", "resolve_model",
]
