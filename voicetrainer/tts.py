"""Text-to-speech: the persona's line as audio.

With audio_io.py, the only module that imports pyttsx3 (lazily). On Linux pyttsx3 drives espeak-ng; on Windows SAPI5,
on macOS NSSpeechSynthesizer. We always synthesise to a file and play the samples ourselves through one output stream:
pyttsx3's own `say()` blocks on an external player on Linux, and after a `save_to_file` later `say()` calls were seen
writing to that file.
"""

from __future__ import annotations

import contextlib
import io
import sys
import tempfile
from pathlib import Path
from typing import Protocol

from .audio_io import read_audio
from .errors import AudioDeviceError, AudioInputError
from .persona import Voice
from .types import AudioClip


class Synthesizer(Protocol):
    def synthesize(self, text: str, voice: Voice) -> AudioClip: ...


_ENGINE = None  # one pyttsx3 engine per process, never destroyed (see _engine())


def _engine():
    """The process's pyttsx3 engine.

    pyttsx3's espeak driver registers one global synthesis callback, and a garbage-collected engine clears it
    (`EspeakDriver.destroy`), silently breaking any newer engine: so create one engine and keep it for good.
    """
    global _ENGINE
    if _ENGINE is None:
        try:
            import pyttsx3

            _ENGINE = pyttsx3.init()
        except Exception as e:  # no espeak-ng / no SAPI: pyttsx3 raises assorted errors
            raise AudioDeviceError(
                f"text-to-speech is unavailable ({e}); install espeak-ng (Debian: apt install espeak-ng "
                "libespeak-ng1)") from None
    return _ENGINE


def _wait_for_espeak() -> None:
    """Block until espeak-ng has finished the utterance (Linux only).

    pyttsx3 initialises espeak-ng in asynchronous retrieval mode and its loop can end before synthesis does: its
    queued end-of-loop command runs straight after `save_to_file`, which never marks the driver busy. The audio then
    arrives later, in the next call's file. `espeak_Synchronize` waits for espeak-ng's synthesis thread.
    """
    if sys.platform.startswith("linux"):
        from pyttsx3.drivers import _espeak

        _espeak.Synchronize()


class Pyttsx3Synthesizer:
    """pyttsx3 → WAV in a private temp folder → AudioClip (16 kHz mono)."""

    def __init__(self):
        self._engine = _engine()
        self._tmp = tempfile.TemporaryDirectory(prefix="voicetrainer-tts-")
        self._n = 0
        self._voice_ids = {v.id for v in self._engine.getProperty("voices")}

    def voices(self) -> list[tuple[str, str]]:
        return [(v.id, v.name) for v in self._engine.getProperty("voices")]

    def synthesize(self, text: str, voice: Voice) -> AudioClip:
        e = self._engine
        if voice.voice_id:
            if voice.voice_id not in self._voice_ids:
                raise AudioDeviceError(f"voice '{voice.voice_id}' is not installed; `voicetrainer voices` lists them")
            e.setProperty("voice", voice.voice_id)
        e.setProperty("rate", voice.rate)
        e.setProperty("volume", voice.volume)
        self._n += 1
        out = Path(self._tmp.name) / f"line{self._n}.wav"
        with contextlib.redirect_stdout(io.StringIO()):  # the espeak driver prints "Audio saved to ..."
            e.save_to_file(text, str(out))
            e.runAndWait()
            _wait_for_espeak()
        try:
            clip = read_audio(out)
        except AudioInputError as err:
            raise AudioDeviceError(f"text-to-speech produced no audio ({err})") from None
        out.unlink(missing_ok=True)
        return clip


class PersonaVoice:
    """Speaks a persona's lines: the trainer's recording when the line has one, synthesis otherwise."""

    def __init__(self, synthesizer: Synthesizer | None = None):
        self._synth = synthesizer
        self._cache: dict[tuple, AudioClip] = {}

    def render(self, persona, line) -> AudioClip:
        path = persona.audio_path(line)
        key = (persona.id, line.text, str(path))
        if key not in self._cache:
            if path is not None:
                self._cache[key] = read_audio(path)
            else:
                if self._synth is None:
                    self._synth = Pyttsx3Synthesizer()
                self._cache[key] = self._synth.synthesize(line.text, persona.voice)
        return self._cache[key]
