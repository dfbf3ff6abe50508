"""The turn detector on scripted probabilities (exact events), and Silero on real speech and on noise."""

import numpy as np
import pytest

from voicetrainer.audio.files import read_audio
from voicetrainer.audio.vad import FRAME, SileroSpeechProb, TurnDetector, TurnParams

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


def test_no_reply_false_leaves_the_wait_to_the_caller():
    # MicReplies counts the wait from the end of the persona's line, which may outlast no_reply_s.
    d = TurnDetector(TurnParams(no_reply_s=1.0), no_reply=False)
    assert [e for p in [0.0] * 100 if (e := d.feed(p))] == []
    assert [e.kind for p in [0.9] * 6 if (e := d.feed(p))] == ["speech_started"]


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


# --- adaptive end of turn: speculate at a pause, settle by the text's verdict ----------------------------------------

from voicetrainer.audio.vad import ending_verdict  # noqa: E402

ADAPTIVE = TurnParams.adaptive()  # pause 160 ms = 5 frames; finished 380 ms = 12; unknown 600 ms = 19; trailing 800 = 25


def run(script, params=ADAPTIVE):
    """Feed a script of probabilities and ("verdict", v) items; return (kind, frame) of every event."""
    d = TurnDetector(params)
    out = []
    for item in script:
        e = d.settle(item[1]) if isinstance(item, tuple) else d.feed(item)
        if e:
            out.append((e.kind, e.at_sample // FRAME))
    return out


def test_adaptive_params_report_a_pause_and_a_finished_sentence_ends_at_380_ms():
    script = [0.9] * 10 + [0.1] * 5 + [("verdict", "finished")] + [0.1] * 20
    # speech ends at frame 10; pause after 5 silent frames (event at frame 15); turn ends at 12 silent frames
    assert run(script) == [("speech_started", 0), ("pause", 15), ("turn_ended", 10)]
    d = TurnDetector(ADAPTIVE)
    for p in [0.9] * 10 + [0.1] * 5:
        d.feed(p)
    assert d.settle("finished") is None  # 160 ms is not enough yet ...
    assert [d.feed(0.1) for _ in range(7)][-1].kind == "turn_ended"  # ... 12 frames are


def test_verdict_arriving_after_the_silence_ends_the_turn_at_once():
    script = [0.9] * 10 + [0.1] * 14 + [("verdict", "finished")] + [0.1] * 3
    assert run(script) == [("speech_started", 0), ("pause", 15), ("turn_ended", 10)]


def test_trailing_text_waits_800_ms():
    script = [0.9] * 10 + [0.1] * 6 + [("verdict", "trailing")] + [0.1] * 30
    assert run(script) == [("speech_started", 0), ("pause", 15), ("turn_ended", 10)]
    d = TurnDetector(ADAPTIVE)
    events = [(i, e.kind) for i, p in enumerate([0.9] * 10 + [0.1] * 6) if (e := d.feed(p))]
    d.settle("trailing")
    later = [(16 + i, e.kind) for i, p in enumerate([0.1] * 30) if (e := d.feed(p))]
    assert events + later == [(0 + 4, "speech_started"), (14, "pause"), (34, "turn_ended")]  # 25 silent frames


def test_no_verdict_falls_back_to_600_ms():
    d = TurnDetector(ADAPTIVE)
    got = [(i, e.kind) for i, p in enumerate([0.9] * 10 + [0.1] * 30) if (e := d.feed(p))]
    assert got == [(4, "speech_started"), (14, "pause"), (28, "turn_ended")]  # 19 silent frames


def test_rep_carrying_on_after_a_pause_reports_resumed_and_drops_the_verdict():
    script = ([0.9] * 10 + [0.1] * 7 + [0.9] * 10 + [0.1] * 5 + [("verdict", "trailing")] + [0.1] * 40)
    assert run(script) == [("speech_started", 0), ("pause", 15), ("resumed", 17), ("pause", 32), ("turn_ended", 27)]
    d = TurnDetector(ADAPTIVE)
    for p in [0.9] * 10 + [0.1] * 7 + [0.9]:
        d.feed(p)
    assert d.settle("finished") is None and d.verdict is None  # too late: the rep carried on


def test_resumed_reports_how_long_the_pause_was():
    d = TurnDetector(ADAPTIVE)
    got = [(e.kind, e.at_sample // FRAME) for p in [0.9] * 10 + [0.1] * 7 + [0.9] if (e := d.feed(p))]
    assert got == [("speech_started", 0), ("pause", 15), ("resumed", 17)]
    assert d.resumed_after_samples == 7 * FRAME     # frames 10-16 were silent: MicReplies closes a segment on this


def test_dropping_frames_before_the_turn_shifts_the_sample_indexes_with_the_caller_buffer():
    d = TurnDetector(TurnParams(), no_reply=False)
    for p in [0.0] * 20:
        d.feed(p)
    d.drop_frames(15)                                # the caller kept only its last 5 frames
    got = [(e.kind, e.at_sample // FRAME) for p in [0.9] * 5 if (e := d.feed(p))]
    assert got == [("speech_started", 5)]            # frame 5 of the kept buffer, not 20
    with pytest.raises(ValueError):
        d.drop_frames(1)                             # the turn has started: its start must not move


def test_dropping_frames_cannot_cut_into_the_speech_run_being_counted():
    d = TurnDetector(TurnParams(), no_reply=False)
    for p in [0.0] * 6 + [0.9] * 3:
        d.feed(p)
    with pytest.raises(ValueError):
        d.drop_frames(7)
    d.drop_frames(6)
    assert [(e.kind, e.at_sample // FRAME) for p in [0.9] * 2 if (e := d.feed(p))] == [("speech_started", 0)]


def test_fixed_silence_params_report_no_pauses():
    assert run([0.9] * 10 + [0.1] * 7 + [0.9] * 10 + [0.1] * 25, TurnParams()) == [
        ("speech_started", 0), ("turn_ended", 27)]


@pytest.mark.parametrize("text,verdict", [
    ("I'm sorry about that.", "finished"),
    ("Can I have your order number?", "finished"),
    ("That is unacceptable!", "finished"),
    ("I looked at your account and", "trailing"),
    ("I looked at your account and...", "trailing"),
    ("So, um", "trailing"),
    ("So, um...", "trailing"),
    ("Let me check the", "trailing"),
    ("The refund goes through today,", "trailing"),
    ("I'll send it to you.", "finished"),
    ("I'll send it to the.", "trailing"),
    ("I understand", "unknown"),
    ("", "unknown"),
])
def test_ending_verdict(text, verdict):
    assert ending_verdict(text) == verdict
