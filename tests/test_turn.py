"""The end-of-turn vote: the pure policy (scripted probabilities), Smart Turn's features against pipecat's own recipe,
the model on human speech, and the whole listening path on human replies read from files (no device; the device
tests are in test_live.py)."""

from __future__ import annotations

import importlib.util
import logging
import sys
from pathlib import Path

import numpy as np
import pytest

from voicetrainer.audio.vad import FRAME, TurnDetector, TurnParams, end_silence_ms

from .conftest import ROOT, normalise, wer

VOTED = TurnParams.voted()
ADAPTIVE = TurnParams.adaptive()


# --- the pure policy -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("params,verdict,vote,expected", [
    (VOTED, "finished", 0.9, 250),      # both agree: commit early
    (VOTED, "finished", 0.5, 250),      # at the threshold
    (VOTED, "finished", 0.3, 380),      # in between: the text alone decides
    (VOTED, "finished", 0.05, 780),     # the model hears the rep unfinished: wait 400 ms more
    (VOTED, "finished", None, 380),     # no vote (yet, or no model): the text-only policy
    (VOTED, "trailing", 0.99, 800),     # the model alone never shortens
    (VOTED, "trailing", 0.05, 1200),
    (VOTED, "unknown", 0.95, 600),
    (VOTED, None, 0.05, 1000),          # the vote is back before the text
    (VOTED, None, None, 600),
    (ADAPTIVE, "finished", 0.99, 380),  # text-only params ignore a vote
    (ADAPTIVE, "finished", 0.01, 380),
    (TurnParams(), "finished", 0.99, 600),  # a fixed silence
])
def test_end_silence_by_text_verdict_and_vote(params, verdict, vote, expected):
    assert end_silence_ms(params, verdict, vote) == expected


def _detector_events(params, probs, verdict_at=None, vote_at=None):
    """Feed scripted probabilities; hand back the verdict / vote (frame index, value) when those frames are fed."""
    det = TurnDetector(params, no_reply=False)
    events = []
    for i, p in enumerate(probs):
        ev = det.feed(p)
        if ev:
            events.append((ev.kind, ev.at_sample // FRAME))
        for at, fn in ((verdict_at, det.settle), (vote_at, det.cast_vote)):
            if at is not None and at[0] == i:
                ev = fn(at[1])
                if ev:
                    events.append((ev.kind, ev.at_sample // FRAME))
        if det.done:
            return events, i + 1 - 20   # frames of silence fed when the turn ended
    return events, None


def test_a_vote_that_agrees_with_a_finished_sentence_ends_the_turn_at_250_ms():
    probs = [0.0] * 5 + [0.9] * 15 + [0.1] * 40
    events, silence = _detector_events(VOTED, probs, verdict_at=(24, "finished"), vote_at=(22, 0.92))
    assert events == [("speech_started", 5), ("pause", 22), ("turn_ended", 20)]
    assert silence == 8      # 250 ms


def test_a_vote_that_hears_the_rep_unfinished_holds_the_turn_through_a_long_pause():
    # "Please enter your number ... (700 ms) followed by the pound key.": the text says finished at the pause
    probs = [0.0] * 5 + [0.9] * 15 + [0.1] * 22 + [0.9] * 10 + [0.1] * 40
    events, _ = _detector_events(VOTED, probs, verdict_at=(24, "finished"), vote_at=(22, 0.05))
    assert events[:3] == [("speech_started", 5), ("pause", 22), ("resumed", 42)]
    assert events[-1] == ("turn_ended", 52)
    # the text-only policy cuts in at the pause
    events, _ = _detector_events(ADAPTIVE, probs, verdict_at=(26, "finished"))
    assert events == [("speech_started", 5), ("pause", 25), ("turn_ended", 20)]


def test_a_vote_after_the_rep_carried_on_is_ignored():
    det = TurnDetector(VOTED, no_reply=False)
    for p in [0.9] * 10 + [0.1] * 3 + [0.9]:
        det.feed(p)
    assert not det.paused and det.cast_vote(0.99) is None and det.vote is None


# --- the model ------------------------------------------------------------------------------------------------------


def _pipecat_features():
    """pipecat's own (vendored, numpy-only) feature recipe, loaded from its file without importing pipecat."""
    spec = importlib.util.find_spec("pipecat")
    path = Path(list(spec.submodule_search_locations)[0]) / "audio/turn/smart_turn/_whisper_features.py"
    mod_spec = importlib.util.spec_from_file_location("pipecat_whisper_features", path)
    mod = importlib.util.module_from_spec(mod_spec)
    mod_spec.loader.exec_module(mod)
    return mod.compute_whisper_log_mel_features


@pytest.mark.parametrize("seconds", [0.7, 3.0, 11.0])   # padded in front, exactly 8 s after trimming, cut to 8 s
def test_smart_turn_features_match_the_reference_recipe(seconds):
    from voicetrainer.audio.files import read_audio
    from voicetrainer.audio.turn import smart_turn_features

    speech = read_audio(ROOT.parent / "shared" / "speech" / "jfk.flac").samples
    x = np.resize(speech, int(seconds * 16_000))
    n = 8 * 16_000
    ref_in = x[-n:] if len(x) >= n else np.pad(x, (n - len(x), 0))   # pipecat's truncate / front-pad
    ref = _pipecat_features()(ref_in, do_normalize=True)
    ours = smart_turn_features(x)
    assert ours.shape == (1, 80, 800) and ours.dtype == np.float32
    assert np.abs(ours[0] - ref).max() < 1e-4


def test_without_the_pipecat_wheel_the_vote_is_off_with_one_log_line(monkeypatch, caplog):
    from voicetrainer.audio import turn

    real = importlib.util.find_spec
    monkeypatch.setattr(turn.importlib.util, "find_spec", lambda name: None if name == "pipecat" else real(name))
    with caplog.at_level(logging.WARNING, logger="voicetrainer.audio.turn"):
        assert turn.load_smart_turn() is None
    assert [r.getMessage() for r in caplog.records] == [
        "end of turn by text only: Smart Turn is not installed; run `pip install --no-deps pipecat-ai` "
        "(the end-of-turn model ships inside that wheel)"]


def test_a_missing_model_file_is_one_line_too(tmp_path, caplog):
    from voicetrainer.audio.turn import load_smart_turn

    with caplog.at_level(logging.WARNING, logger="voicetrainer.audio.turn"):
        assert load_smart_turn(tmp_path / "smart-turn-v3.2-cpu.onnx") is None
    (msg,) = [r.getMessage() for r in caplog.records]
    assert msg.startswith(f"end of turn by text only: cannot load the Smart Turn model {tmp_path}")
    assert "\n" not in msg


@pytest.fixture(scope="module")
def human():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from human_replies import build, missing

    if missing():
        pytest.fail(missing())
    return {r.id: r for r in build()}


@pytest.fixture(scope="module")
def vote():
    from voicetrainer.audio.turn import SmartTurnVote

    return SmartTurnVote()


def test_human_replies_are_rebuilt_byte_for_byte(human, tmp_path):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from human_replies import build

    again = {r.id: r for r in build(tmp_path, half="dev")}
    assert set(again) == {k for k, r in human.items() if r.half == "dev"} and len(again) == 12
    for k, r in again.items():
        assert r.path.read_bytes() == human[k].path.read_bytes()
        assert r.licences and all("CC BY" in x or "public domain" in x for x in r.licences)


def test_smart_turn_hears_a_finished_human_sentence_as_complete_and_a_mid_sentence_break_as_not(human, vote):
    from voicetrainer.audio.files import read_audio

    done = read_audio(human["s03"].path).samples[:human["s03"].speech_end_sample + 2 * FRAME]   # 64 ms pause
    r = human["t10"]   # "Please enter your personal identification number | followed by the pound, or hash key."
    cut = read_audio(r.path).samples[:r.pause_ends[0] + 2 * FRAME]
    assert vote(done) >= VOTED.complete_prob
    assert vote(cut) < VOTED.unfinished_prob


# --- the listening path on human replies, from files (no device) ----------------------------------------------------


class _Inline:
    def submit(self, fn, *args, **kwargs):
        from concurrent.futures import Future

        f: Future = Future()
        f.set_result(fn(*args, **kwargs))
        return f

    def shutdown(self, wait=True):
        pass


def _listen(reply, silero, whisper, vote):
    from voicetrainer.audio.files import read_audio
    from voicetrainer.audio.listening import MicReplies

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from turn_thresholds import WavMic

    mic = WavMic(read_audio(reply.path).samples)
    mr = MicReplies(mic, silero, transcriber=whisper, executor=_Inline(), vote=vote, vote_executor=_Inline())
    out = mr.next_reply("")
    return mr, out, (mic.read - reply.speech_end_sample) // FRAME


@pytest.fixture(scope="module")
def silero():
    from voicetrainer.audio.vad import SileroSpeechProb

    return SileroSpeechProb()


def test_the_vote_shortens_a_finished_human_reply_and_without_it_the_old_policy_holds(human, silero, whisper, vote):
    r = human["s03"]   # "I'm sorry, that number is not valid."
    mr, reply, _ = _listen(r, silero, whisper, vote)
    assert mr.params == TurnParams.voted() and mr.stats.verdict == "finished"
    assert mr.stats.vote >= VOTED.complete_prob and mr.stats.end_silence_frames == 8
    assert wer(r.transcript, reply.transcript.text) <= 0.15, reply.transcript.text
    mr, reply, _ = _listen(r, silero, whisper, None)
    assert mr.params == TurnParams.adaptive() and mr.stats.votes == 0 and mr.stats.end_silence_frames == 12


def test_a_hesitant_human_reply_is_not_cut_off_at_its_mid_sentence_pause(human, silero, whisper, vote):
    r = human["t10"]
    mr, reply, after_end = _listen(r, silero, whisper, vote)
    assert after_end >= 0 and "resumed" in [k for k, _ in mr.stats.events]
    text = normalise(reply.transcript.text)   # tiny.en hears "hash key" as "has key"
    assert text.startswith("please enter your personal") and "pound" in text and text.endswith("key"), text
    mr, reply, after_end = _listen(r, silero, whisper, None)     # the text-only policy cuts in there
    assert after_end < 0 and not normalise(reply.transcript.text).endswith("key")


# --- barge-in recovery in the session (pure) -------------------------------------------------------------------------


def test_a_reply_that_continues_the_last_one_is_heard_whole_against_the_line_before():
    from voicetrainer.core.persona import find_persona
    from voicetrainer.core.session import NoMoreReplies, run_session
    from voicetrainer.types import Reply

    lines: list[str] = []

    class CutThenRejoined:
        n = 0

        def next_reply(self, persona_line):
            lines.append(persona_line)
            self.n += 1
            if self.n == 1:
                return Reply(text="I'm so sorry about that.", source="mic")
            if self.n == 2:
                return Reply(text="I'm so sorry about that. I will refund the full amount today.", source="mic",
                             continues=True)
            raise NoMoreReplies

    result = run_session(find_persona("delayed-refund"), CutThenRejoined(), seed=1)
    first, whole = result.turns
    assert (first.index, first.attempt) == (1, 1) and (whole.index, whole.attempt) == (1, 2)
    assert first.persona_line == whole.persona_line == lines[0] != lines[1]   # answered the opening again
    assert whole.mood_before == first.mood_before
    assert whole.reply == "I'm so sorry about that. I will refund the full amount today."
