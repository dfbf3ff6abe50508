"""Acoustic measures on audio with known properties: espeak-ng speech at two rates and two amplitudes, and tones."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from voicetrainer.audio.acoustics import measure, pitch_variability_st, words_per_minute
from voicetrainer.audio.files import read_audio
from voicetrainer.types import AudioClip, Word

SR = 16_000
TEXT = "I am so sorry about the delay with your refund. Let me process it for you today."


def espeak(tmp: Path, name: str, *args: str, text: str = TEXT) -> Path:
    path = tmp / f"{name}.wav"
    subprocess.run(["espeak-ng", *args, "-w", str(path), text], check=True, capture_output=True)
    return path


@pytest.fixture(scope="module")
def transcribe(whisper):
    """The real bundled tiny.en model (conftest's `whisper`), on a file."""
    return lambda path: whisper.transcribe(read_audio(path))


@pytest.fixture(scope="module")
def speech_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("speech")


def test_speaking_rate_over_the_speech_span(transcribe, speech_dir):
    rates = {}
    for wpm in (120, 260):
        path = espeak(speech_dir, f"rate{wpm}", "-s", str(wpm))
        t = transcribe(path)
        rates[wpm] = measure(read_audio(path), t.words).words_per_minute
    assert rates[120] < rates[260]
    # espeak-ng's -s counts its own standard-length "words", a little longer than these, so real word counts run
    # ~1.3x the nominal rate; "roughly right" is within 0.8-1.7x, and the ratio between the two close to 260/120.
    for nominal, got in rates.items():
        assert 0.8 * nominal < got < 1.7 * nominal, rates
    assert 1.6 < rates[260] / rates[120] < 2.8, rates


def test_speaking_rate_fallback_without_timestamps(speech_dir):
    slow = read_audio(espeak(speech_dir, "fb120", "-s", "120"))
    fast = read_audio(espeak(speech_dir, "fb260", "-s", "260"))
    words = [Word(w, 0.0, 0.0) for w in TEXT.split()]
    a_slow, a_fast = measure(slow, words), measure(fast, words)
    assert a_slow.words_per_minute < a_fast.words_per_minute
    assert a_slow.speech_s > a_fast.speech_s > 1.0


def test_relative_loudness_from_two_amplitudes(speech_dir):
    quiet = measure(read_audio(espeak(speech_dir, "a50", "-a", "50")))
    loud_clip = read_audio(espeak(speech_dir, "a200", "-a", "200"))
    loud = measure(loud_clip, baseline_db=quiet.loudness_db)
    # -a 200 is four times the amplitude of -a 50: 20*log10(4) = 12 dB.
    assert loud.relative_loudness_db == pytest.approx(12.0, abs=1.5)
    assert measure(loud_clip).relative_loudness_db == 0.0  # no baseline yet


def test_scaling_samples_changes_loudness_by_the_scale(speech_dir):
    clip = read_audio(espeak(speech_dir, "plain"))
    base = measure(clip)
    half = measure(AudioClip(clip.samples * 0.5, clip.sample_rate), baseline_db=base.loudness_db)
    assert half.relative_loudness_db == pytest.approx(-6.02, abs=0.3)


def test_pure_tone_has_no_pitch_variability():
    t = np.arange(2 * SR) / SR
    tone = (0.3 * np.sin(2 * np.pi * 200 * t)).astype(np.float32)
    a = measure(AudioClip(tone, SR))
    assert a.pitch_variability_st < 0.1
    assert a.loudness_db == pytest.approx(20 * np.log10(0.3 / np.sqrt(2)), abs=0.3)
    assert a.speech_s == pytest.approx(2.0, abs=0.1)


def test_gliding_tone_has_the_expected_pitch_variability():
    t = np.arange(2 * SR) / SR
    f = 150 * 2 ** (t / 2)                         # one octave up over two seconds, even in semitones
    glide = (0.3 * np.sin(2 * np.pi * np.cumsum(f) / SR)).astype(np.float32)
    a = measure(AudioClip(glide, SR))
    # Uniform over 12 semitones: standard deviation 12 / sqrt(12) = 3.46.
    assert a.pitch_variability_st == pytest.approx(3.46, abs=0.4)


def test_espeak_speech_has_moderate_pitch_variability(speech_dir):
    a = measure(read_audio(espeak(speech_dir, "pitch")))
    assert 0.5 < a.pitch_variability_st < 6.0


def test_silence_and_empty_audio():
    assert measure(AudioClip(np.zeros(0, np.float32), SR)).speech_s == 0.0
    a = measure(AudioClip(np.zeros(SR, np.float32), SR))
    assert a.words_per_minute == 0.0 and a.pitch_variability_st == 0.0


def test_pauses_do_not_lower_loudness():
    t = np.arange(SR) / SR
    tone = (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    with_pause = np.concatenate([tone, np.zeros(2 * SR, np.float32), tone])
    assert measure(AudioClip(with_pause, SR)).loudness_db == pytest.approx(measure(AudioClip(tone, SR)).loudness_db,
                                                                           abs=0.5)


def test_words_per_minute_over_a_span():
    assert words_per_minute(3, 2.0) == pytest.approx(90.0)
    assert words_per_minute(0, 3.0) == 0.0 and words_per_minute(3, 0.0) == 0.0


def test_speaking_rate_ignores_silence_around_the_speech():
    """The span runs from the first speech to the last: silence before and after (a live clip's pre-roll and tail,
    a file's lead-in) does not change the rate."""
    t = np.arange(2 * SR) / SR
    tone = (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    words = [Word(w, 0.0, 0.0) for w in "one two three four five six".split()]
    bare = measure(AudioClip(tone, SR), words).words_per_minute
    padded = measure(AudioClip(np.concatenate([np.zeros(SR, np.float32), tone, np.zeros(SR // 2, np.float32)]), SR),
                     words).words_per_minute
    assert bare == pytest.approx(180.0, rel=0.03) and padded == pytest.approx(bare, rel=0.035)  # 10 ms hops, 40 ms frames


def test_pitch_variability_ignores_octave_jumps():
    f0 = np.full(100, 200.0)
    f0[50] = 400.0  # a tracker octave error in one frame
    assert pitch_variability_st(f0) < 0.1
