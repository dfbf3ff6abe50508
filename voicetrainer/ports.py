"""The ports between the layers: what the pure core asks of the edges, as Protocols.

The core (`core/session.py`) is written against these and never imports an adapter; the CLI builds the adapters
(`speech/`, `audio/`, `store.py`) and injects them. Tests pass small fakes that satisfy the same Protocols.
Standard library only.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

from voicetrainer.types import AudioClip, Reply, Transcript, Turn

if TYPE_CHECKING:  # typing only: the port names the record, the core owns it
    from voicetrainer.core.persona import Line, Persona, Voice


class NoMoreReplies(Exception):
    """The reply source is exhausted (end of a script, end of typed input): the session ends there."""


@runtime_checkable
class ReplySource(Protocol):
    """Where the rep's replies come from (adapters: `audio.listening.MicReplies`, `audio.scripted.ScriptedReplies`,
    `core.session.TypedReplies`)."""

    def next_reply(self, persona_line: str) -> Reply: ...


@runtime_checkable
class Transcriber(Protocol):
    """Speech to text (adapter: `speech.stt.FasterWhisperTranscriber`)."""

    def transcribe(self, clip: AudioClip) -> Transcript: ...


@runtime_checkable
class Synthesizer(Protocol):
    """Text to speech for one voice engine (adapters in `speech/`, chosen by name from its registry)."""

    def synthesize(self, text: str, voice: Voice) -> AudioClip: ...


@runtime_checkable
class PersonaSpeech(Protocol):
    """A persona line as audio: recorded by a trainer, or synthesised in the persona's voice, piece by piece."""

    def stream(self, persona: Persona, line: Line) -> Iterator[AudioClip]: ...


@runtime_checkable
class Player(Protocol):
    """The speaker (adapter: `audio.devices.SoundDevicePlayer`, or a WAV-file writer when there is none)."""

    def play(self, clip: AudioClip | Iterable[AudioClip]) -> None: ...

    def stop(self) -> None: ...

    def close(self) -> None: ...


@runtime_checkable
class Microphone(Protocol):
    """The microphone: 16 kHz mono float32 frames (adapter: `audio.devices.SoundDeviceMicrophone`).

    Used as a context manager, so a failure while opening it reaches the user as its own error.
    """

    def __enter__(self) -> Microphone: ...

    def __exit__(self, *exc: object) -> None: ...

    def frames(self, timeout_s: float = 2.0) -> Iterator[np.ndarray]: ...


@runtime_checkable
class SessionStore(Protocol):
    """Where a session is saved turn by turn (adapter: `store.Store`, SQLite)."""

    def start_session(self, persona: Persona, seed: int | None, model: str | None, input_mode: str) -> int: ...

    def add_turn(self, session_id: int, turn: Turn) -> None: ...

    def finish_session(self, session_id: int, outcome: str, final_mood: float) -> None: ...

    def save_audio(self, session_id: int, name: str, clip: AudioClip) -> Path: ...
