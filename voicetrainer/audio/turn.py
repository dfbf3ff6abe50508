"""A second vote on the end of a turn: Smart Turn v3.2, an audio model that hears whether the rep sounds finished.

Smart Turn v3.2 (pipecat-ai, BSD-2-Clause) is an 8.7 MB int8 ONNX file that ships inside the `pipecat-ai` wheel
(`pip install --no-deps pipecat-ai`). We find the file through the package's location on disk, never importing
pipecat itself (its import pulls a whole framework), and run it on our own onnxruntime session with one thread.

Input: the last 8 s of the turn at 16 kHz, zero-padded in front, z-normalised, as the 80 x 800 Whisper log-mel that
faster-whisper's `FeatureExtractor(chunk_length=8)` makes (no end padding); pipecat's own recipe gives the same
features (max difference ~3e-6, `tests/test_turn.py` checks it). Output: P(the turn is complete).

It is a vote, not a trigger: `vad.TurnDetector` commits early only when it and the text verdict agree, and waits
longer when it says the rep is not finished (see `TurnParams`). When the wheel or the file is missing,
`load_smart_turn()` logs one line and returns None, and the text-only policy holds.

Not here: when to ask it or what to do with the answer (listening.py, vad.py).
"""

from __future__ import annotations

import importlib.util
import logging
import time
from pathlib import Path

import numpy as np

from voicetrainer.types import SAMPLE_RATE

MODEL_FILE = "smart-turn-v3.2-cpu.onnx"
WINDOW_S = 8                       # the model hears the last 8 s
_log = logging.getLogger(__name__)


def smart_turn_model_path() -> Path:
    """The Smart Turn ONNX file inside the installed pipecat-ai wheel, found without importing pipecat.

    Raises:
        ModelUnavailableError: pipecat-ai is not installed, or its wheel has no Smart Turn file.
    """
    from voicetrainer.errors import ModelUnavailableError

    spec = importlib.util.find_spec("pipecat")   # top level only: finds the folder, runs none of its code
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailableError("Smart Turn is not installed; run `pip install --no-deps pipecat-ai` "
                                    "(the end-of-turn model ships inside that wheel)")
    path = Path(list(spec.submodule_search_locations)[0]) / "audio" / "turn" / "smart_turn" / "data" / MODEL_FILE
    if not path.is_file():
        raise ModelUnavailableError(f"no Smart Turn model at {path}; reinstall it: "
                                    "pip install --no-deps --force-reinstall pipecat-ai")
    return path


_extractor = None


def smart_turn_features(samples: np.ndarray) -> np.ndarray:
    """The model's input for a turn: (1, 80, 800) float32 log-mel of its last 8 s (zero-padded in front).

    Args:
        samples: mono float32 audio at 16 kHz, the turn so far (the pause included).
    """
    global _extractor
    if _extractor is None:
        from faster_whisper.feature_extractor import FeatureExtractor

        _extractor = FeatureExtractor(chunk_length=WINDOW_S)
    n = WINDOW_S * SAMPLE_RATE
    x = np.asarray(samples, dtype=np.float32)[-n:]
    if len(x) < n:
        x = np.concatenate([np.zeros(n - len(x), np.float32), x])
    # Zero mean, unit variance over the whole padded window, as transformers' WhisperFeatureExtractor does.
    x = (x - x.mean()) / np.sqrt(x.var() + 1e-7)
    mel = _extractor(x, padding=0)
    return mel[None, :, :800].astype(np.float32)


class SmartTurnVote:
    """P(the turn is complete) for the audio heard so far; one onnxruntime session on one thread.

    Raises:
        ModelUnavailableError: the file is missing or onnxruntime cannot load it.
    """

    name = "smart-turn-v3.2"

    def __init__(self, path: Path | None = None, threads: int = 1):
        from voicetrainer.audio.vad import onnx_session

        path = path or smart_turn_model_path()
        self._session = onnx_session(path, threads, "the Smart Turn model",
                                     "reinstall it: pip install --no-deps --force-reinstall pipecat-ai")
        self.last_features_ms = 0.0
        self.last_inference_ms = 0.0
        self(np.zeros(SAMPLE_RATE, np.float32))   # the first run allocates (~2x slower): not on a turn's path

    def __call__(self, samples: np.ndarray) -> float:
        t0 = time.perf_counter()
        features = smart_turn_features(samples)
        t1 = time.perf_counter()
        out = self._session.run(None, {"input_features": features})
        self.last_features_ms, self.last_inference_ms = 1000 * (t1 - t0), 1000 * (time.perf_counter() - t1)
        return float(np.asarray(out[0]).reshape(-1)[0])


def load_smart_turn(path: Path | None = None) -> SmartTurnVote | None:
    """Smart Turn, or None (with one log line saying why and what to install) when it cannot be loaded."""
    from voicetrainer.errors import ModelUnavailableError

    try:
        return SmartTurnVote(path)
    except ModelUnavailableError as e:
        _log.warning("end of turn by text only: %s", e)
        return None
