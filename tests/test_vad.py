"""The turn detector on scripted probabilities (exact events), and Silero on real speech and on noise."""

import numpy as np
import pytest

from voicetrainer.audio_io import read_audio
from voicetrainer.vad import FRAME, SileroSpeechProb, TurnDetector, TurnParams

from .conftest import FIXTURES, SHARED


def events(probs, params=TurnParams()):
    d = TurnDetector(params)
    return [(e.kind, e.at_sample // FRAME) for p in probs if (e := d.feed(p))]


def test_speech_then_silence_ends_the_turn():
    # 600 ms end silence = 19 frames of 32 ms; 160 ms minimum speech = 5 frames.
    probs = [0.0] * 10 + [0.9] * 20 + [0.1] * 30
    assert events(probs) == [("speech_started", 10), ("turn_ended", 30)]


def test_short_pause_does_not_end_the_turn():
    probs = [0.9] * 10 + [0.1] * 10 + [0.9] * 10 + [0.1] * 25
    assert events(probs) == [("speech_started", 0), ("turn_ended", 30)]


def test_click_shorter_than_min_speech_is_ignored_and_silence_times_out():
    params = TurnParams(no_reply_s=1.0)
    probs = [0.0] * 5 + [0.9] * 3 + [0.0] * 40
    assert events(probs, params) == [("timeout", 31)]


def test_hysteresis_keeps_middling_probabilities_as_speech():
    probs = [0.9] * 6 + [0.4] * 40 + [0.0] * 20
    assert events(probs) == [("speech_started", 0), ("turn_ended", 46)]


def test_max_turn_length():
    params = TurnParams(max_turn_s=1.0)
    assert events([0.9] * 100, params) == [("speech_started", 0), ("max_length", 32)]


def probs_of(samples):
    v = SileroSpeechProb()
    return [v(samples[i:i + FRAME]) for i in range(0, len(samples) - FRAME + 1, FRAME)]


def test_silero_hears_real_speech():
    clip = read_audio(SHARED / "speech" / "librispeech_quilter.wav")
    p = np.array(probs_of(clip.samples))
    assert (p > 0.5).mean() > 0.5


@pytest.mark.parametrize("name", ["silence.wav", "room_tone.wav", "white_noise.wav", "hum.wav", "keyboard.wav"])
def test_silero_never_starts_a_turn_on_noise(name):
    clip = read_audio(FIXTURES / name)
    assert "speech_started" not in [kind for kind, _ in events(probs_of(clip.samples))]
