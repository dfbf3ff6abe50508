"""Text-to-speech: the persona's line as audio.

The only module that imports pyttsx3 (lazily). On Linux we call espeak-ng through pyttsx3's own binding in
synchronous mode (see `_EspeakNg` for why); on Windows (SAPI5) and macOS (NSSpeechSynthesizer) pyttsx3's engine writes
a WAV. Either way we get samples and play them ourselves through one output stream: pyttsx3's own `say()` blocks on
an external player on Linux.

`PersonaVoice` picks the engine per persona (`voice.engine`) by name from `VOICE_ENGINES`: pyttsx3 here, or the
optional Piper neural voice in piper.py. The names and where each engine lives are one table in
voicetrainer/registry.py (the persona schema checks names against it without importing any engine).
"""

from __future__ import annotations

import ctypes
import importlib
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from voicetrainer import registry
from voicetrainer.audio.files import read_audio, resample
from voicetrainer.core.persona import Voice
from voicetrainer.errors import AudioDeviceError, AudioInputError, VoiceTrainerError
from voicetrainer.types import SAMPLE_RATE, AudioClip


class Synthesizer(Protocol):
    def synthesize(self, text: str, voice: Voice) -> AudioClip: ...


def _factory(target: str) -> Callable[[], Synthesizer]:
    """A synthesiser factory for a registry entry ("module:Class"), importing the module only when called."""

    def make() -> Synthesizer:
        module, _, attr = target.partition(":")
        synth: Synthesizer = getattr(importlib.import_module(module), attr)()
        return synth

    make.__qualname__ = make.__name__ = f"make_{target.rpartition(':')[2]}"
    return make


# name -> factory, one entry per engine in voicetrainer/registry.py
VOICE_ENGINES: Mapping[str, Callable[[], Synthesizer]] = {
    name: _factory(target) for name, target in registry.VOICE_ENGINES.items()}


class _EspeakNg:
    """espeak-ng through pyttsx3's own ctypes binding, in synchronous mode (Linux).

    pyttsx3's Engine drives espeak-ng in asynchronous retrieval mode, and its event loop can end before synthesis does
    (its queued end-of-loop command runs straight after `save_to_file`, which never marks the driver busy): the first
    line came back missing, its audio landed in the next line's file, and queued rate changes were lost. Synchronous
    mode makes `Synth` return only when the audio is complete, in 2-5 ms a line, with no temporary files.
    """

    _instance: _EspeakNg | None = None

    def __init__(self):
        from pyttsx3.drivers import _espeak

        self._espeak = _espeak
        self.sample_rate = _espeak.Initialize(_espeak.AUDIO_OUTPUT_SYNCHRONOUS, 0, None, 0)
        if self.sample_rate <= 0:
            raise AudioDeviceError("espeak-ng failed to start; reinstall it "
                                   "(Debian: apt install espeak-ng libespeak-ng1)")
        self._chunks: list[bytes] = []
        _espeak.SetSynthCallback(self._on_audio)  # pyttsx3 keeps the ctypes callback alive

    @classmethod
    def get(cls) -> _EspeakNg:
        # espeak-ng can be initialised only once per process.
        if cls._instance is None:
            cls._instance = cls()
        return cls._instance

    def _on_audio(self, wav, numsamples, events) -> int:
        if numsamples > 0:
            self._chunks.append(ctypes.string_at(wav, numsamples * 2))
        return 0

    def voices(self) -> list[tuple[str, str]]:
        return [(v.identifier.decode().lower(), v.name.decode()) for v in self._espeak.ListVoices(None)]

    def synthesize(self, text: str, voice: Voice) -> np.ndarray:
        es = self._espeak
        if voice.voice_id and es.SetVoiceByName(voice.voice_id.encode()) != 0:
            raise AudioDeviceError(f"voice '{voice.voice_id}' is not installed; `voicetrainer voices` lists them")
        es.SetParameter(es.RATE, int(voice.rate), 0)
        es.SetParameter(es.VOLUME, int(round(voice.volume * 100)), 0)
        self._chunks = []
        es.Synth(text.encode("utf-8"), flags=es.ENDPAUSE | es.CHARS_UTF8)
        pcm = np.frombuffer(b"".join(self._chunks), dtype="<i2")
        return pcm.astype(np.float32) / 32768.0


class Pyttsx3Synthesizer:
    """pyttsx3's voices as AudioClips (16 kHz mono): espeak-ng on Linux, SAPI5 on Windows, NSSpeechSynthesizer on
    macOS."""

    def __init__(self):
        self._tmp: tempfile.TemporaryDirectory[str] | None = None   # SAPI5 / NSSpeechSynthesizer write WAVs here
        self._n = 0
        self._espeak: _EspeakNg | None = None   # Linux: espeak-ng through ctypes
        self._engine: Any = None                # elsewhere: a pyttsx3 engine (untyped)
        try:
            if sys.platform.startswith("linux"):
                self._espeak = _EspeakNg.get()
            else:
                import pyttsx3

                self._engine = pyttsx3.init()
                self._tmp = tempfile.TemporaryDirectory(prefix="voicetrainer-tts-")
        except (ImportError, OSError, RuntimeError) as e:  # no espeak-ng library / no SAPI
            raise AudioDeviceError(
                f"text-to-speech is unavailable ({e}); install espeak-ng (Debian: apt install espeak-ng "
                "libespeak-ng1)") from None

    def voices(self) -> list[tuple[str, str]]:
        if self._espeak is not None:
            return self._espeak.voices()
        return [(v.id, v.name) for v in self._engine.getProperty("voices")]

    def synthesize(self, text: str, voice: Voice) -> AudioClip:
        if self._espeak is not None:
            samples = self._espeak.synthesize(text, voice)
            rate = self._espeak.sample_rate
        else:
            samples, rate = self._synthesize_with_engine(text, voice)
        if len(samples) == 0:
            raise AudioDeviceError(f"text-to-speech produced no audio for {text[:40]!r}; check the voice settings")
        return AudioClip(resample(samples, rate, SAMPLE_RATE), SAMPLE_RATE)

    def _synthesize_with_engine(self, text: str, voice: Voice) -> tuple[np.ndarray, int]:
        e = self._engine
        if voice.voice_id:
            if voice.voice_id not in {v.id for v in e.getProperty("voices")}:
                raise AudioDeviceError(f"voice '{voice.voice_id}' is not installed; `voicetrainer voices` lists them")
            e.setProperty("voice", voice.voice_id)
        e.setProperty("rate", voice.rate)
        e.setProperty("volume", voice.volume)
        assert self._tmp is not None   # made with the engine
        self._n += 1
        out = Path(self._tmp.name) / f"line{self._n}.wav"
        e.save_to_file(text, str(out))
        e.runAndWait()
        try:
            clip = read_audio(out)
        except AudioInputError as err:
            raise AudioDeviceError(f"text-to-speech produced no audio ({err})") from None
        out.unlink(missing_ok=True)
        return clip.samples, clip.sample_rate


class PersonaVoice:
    """Speaks a persona's lines: the trainer's recording when the line has one, synthesis otherwise.

    The persona's `voice.engine` picks the synthesiser from `VOICE_ENGINES`: pyttsx3 (default) or piper (piper.py,
    optional; a missing voice package is a one-line error naming the pip command). An injected synthesizer is used
    for all.
    """

    def __init__(self, synthesizer: Synthesizer | None = None):
        self._synth = synthesizer
        self._engines: dict[str, Synthesizer] = {}
        self._cache: dict[tuple, AudioClip] = {}

    def _synthesizer(self, engine: str) -> Synthesizer:
        if self._synth is not None:
            return self._synth
        if engine not in self._engines:
            if engine not in VOICE_ENGINES:  # personas are checked on load; this is for a hand-made Voice
                raise VoiceTrainerError(f"unknown voice engine '{engine}'; expected one of: {', '.join(VOICE_ENGINES)}")
            self._engines[engine] = VOICE_ENGINES[engine]()
        return self._engines[engine]

    def _for(self, persona) -> Synthesizer:
        return self._synthesizer(persona.voice.engine)

    def _key(self, persona, line) -> tuple:
        return (persona.id, line.text, str(persona.audio_path(line)))

    def render(self, persona, line) -> AudioClip:
        """The whole line as one clip (cached per persona and line)."""
        key = self._key(persona, line)
        if key not in self._cache:
            path = persona.audio_path(line)
            if path is not None:
                self._cache[key] = read_audio(path)
            else:
                self._cache[key] = self._for(persona).synthesize(line.text, persona.voice)
        return self._cache[key]

    def stream(self, persona, line) -> Iterator[AudioClip]:
        """The line in playable pieces: sentence by sentence from a synthesiser that streams (Piper), otherwise one
        clip. The first piece is ready as soon as its sentence is; the joined line is cached like `render()`'s."""
        key = self._key(persona, line)
        synth = None
        if key not in self._cache and persona.audio_path(line) is None:
            synth = self._for(persona)
        if synth is None or not hasattr(synth, "stream"):
            yield self.render(persona, line)
            return
        pieces = []
        for clip in synth.stream(line.text, persona.voice):
            pieces.append(clip)
            yield clip
        self._cache[key] = AudioClip(np.concatenate([c.samples for c in pieces]), pieces[0].sample_rate)
