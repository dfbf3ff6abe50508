"""audio_fixtures/manifest.json describes every fixture truthfully."""

import json

from voicetrainer.audio.files import read_audio

from .conftest import FIXTURES

REQUIRED = {"file", "transcript", "kind", "rate", "made", "license"}


def test_manifest_lists_every_audio_file_and_nothing_else():
    entries = json.loads((FIXTURES / "manifest.json").read_text())
    listed = {e["file"] for e in entries}
    on_disk = {p.name for p in FIXTURES.glob("*.wav")}
    assert listed == on_disk
    for e in entries:
        assert REQUIRED <= set(e), e
        assert e["license"] and e["made"]


def test_manifest_facts_match_the_audio():
    for e in json.loads((FIXTURES / "manifest.json").read_text()):
        if e["kind"] == "broken":
            continue
        clip = read_audio(FIXTURES / e["file"], sample_rate=e["rate"])
        assert clip.duration_s > 0.5, e["file"]
        peak = float(abs(clip.samples).max())
        if e["kind"] == "speech":
            assert e["transcript"] and peak > 0.05, e["file"]
        elif e["file"] == "silence.wav":
            assert peak == 0.0


def test_reply_scripts_point_at_listed_files():
    listed = {e["file"] for e in json.loads((FIXTURES / "manifest.json").read_text())}
    for script in FIXTURES.glob("*.txt"):
        for line in script.read_text().split():
            assert line in listed, (script.name, line)
