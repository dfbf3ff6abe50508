"""Live replies: the whole microphone path on the virtual device, and its pure parts without one.

Device tests speak fixture WAVs into the virtual microphone (`paplay -d mic_feed`), record them through
`SoundDeviceMicrophone` → Silero VAD → `MicReplies` → real faster-whisper tiny.en, and check the transcript, that
noise gives no reply, that the persona's own voice leaking into the microphone starts no turn, and barge-in.
"""

from __future__ import annotations

import json
import subprocess
import time
from concurrent.futures import Executor, Future

import numpy as np
import pytest

from voicetrainer.audio.echo import EchoGate
from voicetrainer.audio.listening import join_transcripts, vad_word_times
from voicetrainer.types import AudioClip, Transcript, Word
from voicetrainer.audio.vad import FRAME, TurnParams

from .conftest import FIXTURES, normalise, wer
from .test_devices import MonitorCapture, virtual_device  # noqa: F401  (fixture)

MANIFEST = {e["file"]: e for e in json.loads((FIXTURES / "manifest.json").read_text())}


# --- pure parts ----------------------------------------------------------------------------------------------------


def test_join_transcripts_shifts_word_times_and_joins_text():
    a = Transcript("I'm sorry.", 0.1, 1.0, (Word("I'm", 0.1, 0.3), Word("sorry.", 0.3, 0.8)))
    b = Transcript("Let me fix it.", 0.2, 1.0, (Word("Let", 0.0, 0.2),))
    c = Transcript("", 0.9, 0.5)
    t = join_transcripts([(0, a), (16_000, b), (32_000, c)], 2.5)
    assert t.text == "I'm sorry. Let me fix it."
    assert [(w.text, w.start_s) for w in t.words] == [("I'm", 0.1), ("sorry.", 0.3), ("Let", 1.0)]
    assert t.no_speech_prob == 0.2 and t.duration_s == 2.5  # empty segments don't count


def test_vad_word_times_spread_words_over_the_speech_frames():
    probs = np.array([0.0] * 5 + [0.9] * 10 + [0.0] * 5)
    words = vad_word_times("one two", probs, TurnParams())
    assert [w.text for w in words] == ["one", "two"]
    assert words[0].start_s == pytest.approx(5 * FRAME / 16_000)
    assert words[-1].end_s == pytest.approx(15 * FRAME / 16_000)
    assert vad_word_times("", probs, TurnParams()) == ()


def test_session_uses_a_transcript_made_while_listening_and_transcribes_only_bare_clips():
    from voicetrainer.core.persona import find_persona
    from voicetrainer.core.session import Reply, run_session

    class Inner:  # counts what the session itself transcribes (this test is about the hand-over, not Whisper)
        calls = 0

        def transcribe(self, clip):
            Inner.calls += 1
            return Transcript("from the model")

    class Two:
        n = 0

        def next_reply(self, persona_line):
            Two.n += 1
            clip = AudioClip(np.zeros(1600, np.float32))
            if Two.n == 1:
                return Reply(clip=clip, source="mic", transcript=Transcript("already heard"))
            if Two.n == 2:
                return Reply(clip=clip, source="mic")
            from voicetrainer.core.session import NoMoreReplies

            raise NoMoreReplies

    result = run_session(find_persona("wrong-item"), Two(), transcriber=Inner(), seed=1)
    assert [t.reply for t in result.turns] == ["already heard", "from the model"]
    assert Inner.calls == 1


class _FakePlayer:
    """What a speaker played: `signal` starting at time 0.0 (for the echo gate, without a device)."""

    def __init__(self, signal):
        self.signal = signal

    def index_at(self, t):
        return int(round(t * 16_000))

    def reference(self, t0, n):
        return self.reference_from(self.index_at(t0), n)

    def reference_from(self, i, n):
        out = np.zeros(n, np.float32)
        lo, hi = max(0, i), min(len(self.signal), i + n)
        if lo < hi:
            out[lo - i:hi - i] = self.signal[lo:hi]
        return out


def test_echo_gate_removes_a_delayed_scaled_copy_of_what_was_played():
    rng = np.random.default_rng(42)
    played = rng.normal(0, 0.2, 16_000).astype(np.float32)
    delay = 1_200  # 75 ms from the speaker to the microphone
    gate = EchoGate(_FakePlayer(played))
    start = 8_000
    frame = 0.5 * played[start - delay:start - delay + FRAME]
    residual = gate.clean(frame, start / 16_000)
    assert np.sqrt(np.mean(residual ** 2)) < 0.01 * np.sqrt(np.mean(frame ** 2))
    assert gate.echo_fraction > 0.99 and gate.delay_s == pytest.approx(0.075)


def test_echo_gate_keeps_the_rep_talking_over_the_echo():
    rng = np.random.default_rng(42)
    played = rng.normal(0, 0.2, 16_000).astype(np.float32)
    rep = 0.3 * np.sin(2 * np.pi * 220 * np.arange(FRAME) / 16_000).astype(np.float32)
    gate = EchoGate(_FakePlayer(played))
    frame = 0.5 * played[6_800:6_800 + FRAME] + rep
    residual = gate.clean(frame, 8_000 / 16_000)
    assert np.corrcoef(residual, rep)[0, 1] > 0.95


def test_echo_canceller_primed_with_the_history_equals_one_that_heard_it():
    from voicetrainer.audio.echo import EchoCanceller

    sig = np.random.default_rng(0).standard_normal(FRAME * 40)
    heard = EchoCanceller()
    for k in range(30):
        heard.process(sig[k * FRAME:(k + 1) * FRAME], np.zeros(FRAME), adapt=False)
    primed = EchoCanceller()
    primed.prime(sig[(30 - 17) * FRAME:30 * FRAME])
    assert np.allclose(heard.x, primed.x) and np.allclose(heard._prev, primed._prev)


def test_echo_canceller_learns_a_long_echo_path():
    from voicetrainer.audio.echo import EchoCanceller

    rng = np.random.default_rng(1)
    ref = rng.standard_normal(FRAME * 200) * 0.1
    path = np.zeros(4000)
    path[[600, 1500, 3900]] = [0.5, -0.3, 0.2]          # echoes at 38, 94 and 244 ms: far past the direct fit's reach
    mic = np.convolve(ref, path)[:len(ref)]
    ec = EchoCanceller()
    out = np.concatenate([ec.process(ref[i:i + FRAME], mic[i:i + FRAME]) for i in range(0, len(ref), FRAME)])
    last = slice(len(ref) - 20 * FRAME, len(ref))
    assert 10 * np.log10(np.sum(mic[last] ** 2) / np.sum(out[last] ** 2)) > 30


def test_echo_gate_passes_frames_through_when_nothing_was_played():
    gate = EchoGate(_FakePlayer(np.zeros(16_000, np.float32)))
    frame = np.full(FRAME, 0.1, np.float32)
    assert gate.clean(frame, 0.5) is frame and gate.echo_fraction == 0.0


def test_practice_mic_shows_a_model_that_fails_to_load_as_one_line_and_closes_the_mic(tmp_path, monkeypatch):
    """Silero's model file is missing: the rep sees that, in one line, not a failure to close what never opened."""
    from click.testing import CliRunner

    from voicetrainer.audio import devices, vad
    from voicetrainer.cli.main import main

    events = []

    class Mic:  # the microphone is not what this test is about: it only records being opened and closed
        def __init__(self, device=None):
            pass

        def __enter__(self):
            events.append("opened")
            return self

        def __exit__(self, *exc):
            events.append("closed")

    missing = tmp_path / "silero_vad_v6.onnx"
    monkeypatch.setattr(devices, "check_input", lambda device=None: None)
    monkeypatch.setattr(devices, "SoundDeviceMicrophone", Mic)
    monkeypatch.setattr(vad, "silero_model_path", lambda: missing)
    r = CliRunner().invoke(main, ["practice", "wrong-item", "--mic", "--no-audio", "--quiet",
                                  "--audio-out", str(tmp_path / "out")])
    assert r.exit_code == 1, r.output
    assert r.stderr.startswith(f"Error: cannot load the Silero VAD model {missing} (")
    assert r.stderr.endswith("; reinstall faster-whisper (pip install --force-reinstall faster-whisper)\n")
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.output and "NoneType" not in r.output
    assert events == ["opened", "closed"]


class InlineExecutor(Executor):
    """Runs each transcription at once, in the listening loop: the verdict is in by the next frame on any machine."""

    def submit(self, fn, /, *args, **kwargs):
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as e:  # noqa: B036  (handed to the caller through the future, as an executor does)
            future.set_exception(e)
        return future


class FileMic:
    """A microphone that hears a WAV after `lead_s` of quiet noise, then quiet noise: frames as fast as read."""

    def __init__(self, name: str, lead_s: float = 0.3, tail_s: float = 3.0):
        from voicetrainer.audio.files import read_audio

        speech = read_audio(FIXTURES / name).samples
        lead, tail = np.zeros(int(lead_s * 16_000), np.float32), np.zeros(int(tail_s * 16_000), np.float32)
        noise = np.random.default_rng(3).normal(0, 3e-4, len(lead) + len(speech) + len(tail)).astype(np.float32)
        self.samples = np.concatenate([lead, speech, tail]) + noise
        self.block_time = 0.0

    def drain(self):
        pass

    def frames(self, timeout_s: float = 2.0):
        for i in range(0, len(self.samples) - FRAME + 1, FRAME):
            self.block_time = 100.0 + i / 16_000
            yield self.samples[i:i + FRAME]


@pytest.mark.parametrize("adaptive,silence_frames", [(True, 12), (False, 19)])
def test_a_finished_sentence_ends_the_turn_at_380_ms_and_a_fixed_silence_at_600(silero, whisper, adaptive,
                                                                                 silence_frames):
    from voicetrainer.audio.listening import MicReplies

    params = TurnParams.adaptive() if adaptive else TurnParams()
    replies = MicReplies(FileMic("refund_bad_3.wav"), silero, params, transcriber=whisper, executor=InlineExecutor())
    reply = replies.next_reply("Where is my refund?")
    st = replies.stats
    assert st.ended_by == "turn_ended" and st.end_silence_frames == silence_frames
    assert st.verdict == ("finished" if adaptive else "")
    assert [k for k, _ in st.events] == (["speech_started", "pause", "turn_ended"] if adaptive
                                         else ["speech_started", "turn_ended"])
    assert normalise(reply.transcript.text) == normalise(MANIFEST["refund_bad_3.wav"]["transcript"])


# --- on the virtual device -----------------------------------------------------------------------------------------


def speak_into_mic(name_or_path, delay_s: float = 0.0) -> subprocess.Popen:
    """Play a WAV into the virtual microphone (after `delay_s`), like a rep talking."""
    path = name_or_path if "/" in str(name_or_path) else FIXTURES / name_or_path
    return subprocess.Popen(["sh", "-c", f'sleep {delay_s}; exec paplay -d mic_feed "{path}"'])


@pytest.fixture(scope="module")
def mic(virtual_device):  # noqa: F811
    from voicetrainer.audio.devices import SoundDeviceMicrophone

    with SoundDeviceMicrophone("virtual_mic") as m:
        yield m


@pytest.fixture(scope="module")
def silero():
    from voicetrainer.audio.vad import SileroSpeechProb

    return SileroSpeechProb()


@pytest.fixture
def echo_loop(virtual_device):  # noqa: F811
    """The persona's voice leaks into the microphone: speaker.monitor is looped back into mic_feed."""
    out = subprocess.run(["pactl", "load-module", "module-loopback", "source=speaker.monitor", "sink=mic_feed",
                          "latency_msec=30", "source_dont_move=true", "sink_dont_move=true"],
                         capture_output=True, text=True, check=True)
    index = out.stdout.strip()
    time.sleep(0.3)
    yield
    subprocess.run(["pactl", "unload-module", index], check=True)  # by index: never unload the null sinks


@pytest.fixture
def player(virtual_device):  # noqa: F811
    from voicetrainer.audio.devices import SoundDevicePlayer

    p = SoundDevicePlayer("virtual_speaker")
    yield p
    p.stop()
    p.close()


def reply_text(replies, reply) -> str:
    if reply.clip is None:
        return reply.text or ""
    return reply.transcript.text


@pytest.mark.device
@pytest.mark.parametrize("name", ["refund_good_1.wav", "refund_bad_3.wav", "reply_slow_120wpm.wav",
                                  "reply_quiet.wav"])
def test_reply_spoken_into_the_mic_is_recorded_ended_by_vad_and_transcribed(mic, silero, whisper, name):
    from voicetrainer.audio.listening import MicReplies

    replies = MicReplies(mic, silero, transcriber=whisper)
    feeder = speak_into_mic(name, 0.3)
    reply = replies.next_reply("Where is my refund?")
    feeder.wait(timeout=30)
    assert replies.stats.ended_by == "turn_ended"
    assert reply.source == "mic" and reply.clip is not None
    text = reply_text(replies, reply)
    assert wer(MANIFEST[name]["transcript"], text) <= 0.2, text  # one word in 11 ("today" heard as "to nay")
    # the turn ended by voice-activity detection soon after the speech, not at the end of a timeout
    import soundfile

    assert reply.clip.duration_s < soundfile.info(str(FIXTURES / name)).duration + 1.0


@pytest.mark.device
def test_fixed_silence_mode_records_the_whole_reply_for_the_session_to_transcribe(mic, silero, whisper):
    from voicetrainer.audio.listening import MicReplies

    replies = MicReplies(mic, silero, TurnParams())  # no transcriber: the naive loop
    feeder = speak_into_mic("refund_good_2.wav", 0.3)
    reply = replies.next_reply("Where is my refund?")
    feeder.wait(timeout=30)
    assert [k for k, _ in replies.stats.events] == ["speech_started", "turn_ended"]
    text = whisper.transcribe(reply.clip).text
    assert wer(MANIFEST["refund_good_2.wav"]["transcript"], text) <= 0.15, text


@pytest.mark.device
def test_a_finished_sentence_ends_the_turn_before_the_fixed_silence(mic, silero, whisper):
    """The speculative transcription runs at once (InlineExecutor), so the verdict is in by the next frame on any
    machine: the turn ends at 380 ms of silence (12 frames), not at the 600 ms (19) a fixed silence needs."""
    from voicetrainer.audio.listening import MicReplies

    replies = MicReplies(mic, silero, transcriber=whisper, executor=InlineExecutor())
    feeder = speak_into_mic("refund_bad_3.wav", 0.3)   # "Like I said, just wait."
    replies.next_reply("Where is my refund?")
    feeder.wait(timeout=30)
    (_, start), (_, paused), (kind, end) = replies.stats.events
    assert kind == "turn_ended" and replies.stats.verdict == "finished"
    assert paused - end == 5 * FRAME  # speculation at 160 ms of silence ...
    assert replies.stats.ended_by == "turn_ended"
    assert replies.stats.end_silence_frames == 12      # ... and the end at 380 ms (counted in frames, not timed)
    assert replies.stats.segments == 1


@pytest.mark.device
def test_transcribing_in_the_background_never_holds_the_turn_past_the_fixed_silence(mic, silero, whisper):
    """With the real worker thread the verdict comes back when this machine manages: a finished sentence then ends
    the turn between 380 and 600 ms of silence; a verdict too late (or none) leaves the fixed 600 ms, never more."""
    from voicetrainer.audio.listening import MicReplies

    replies = MicReplies(mic, silero, transcriber=whisper)
    feeder = speak_into_mic("refund_bad_3.wav", 0.3)
    reply = replies.next_reply("Where is my refund?")
    feeder.wait(timeout=30)
    st = replies.stats
    assert [k for k, _ in st.events] == ["speech_started", "pause", "turn_ended"] and st.ended_by == "turn_ended"
    if st.verdict == "finished":
        assert 12 <= st.end_silence_frames < 19, st.end_silence_frames
    else:
        assert st.verdict in ("", "unknown") and st.end_silence_frames == 19, (st.verdict, st.end_silence_frames)
    assert normalise(reply_text(replies, reply)) == normalise(MANIFEST["refund_bad_3.wav"]["transcript"])


@pytest.mark.device
def test_a_pause_mid_reply_closes_a_segment_that_is_transcribed_while_the_rep_goes_on(mic, silero, whisper, tmp_path):
    """Two sentences with a 0.7 s pause, and end-of-turn silences longer than that: the speculation at the pause
    is overruled when the rep carries on, its segment is kept, and only the second is left at the end."""
    from voicetrainer.audio.files import read_audio, write_wav
    from voicetrainer.audio.listening import MicReplies

    a = read_audio(FIXTURES / "refund_bad_3.wav").samples
    b = read_audio(FIXTURES / "refund_good_3.wav").samples
    both = write_wav(tmp_path / "both.wav", AudioClip(np.concatenate([a, np.zeros(1_600, np.float32), b])))
    params = TurnParams.adaptive(finished_end_ms=1200, end_silence_ms=1200, trailing_end_ms=1200)
    replies = MicReplies(mic, silero, params, transcriber=whisper)
    feeder = speak_into_mic(both, 0.3)
    reply = replies.next_reply("Where is my refund?")
    feeder.wait(timeout=30)
    kinds = [k for k, _ in replies.stats.events]
    assert kinds[0] == "speech_started" and kinds[-2:] == ["pause", "turn_ended"] and "resumed" in kinds, kinds
    assert replies.stats.segments >= 2 and replies.stats.discarded >= 1
    expected = MANIFEST["refund_bad_3.wav"]["transcript"] + " " + MANIFEST["refund_good_3.wav"]["transcript"]
    text = reply_text(replies, reply)
    assert wer(expected, text) <= 0.2, text  # "refunds", "I will" for "I'll": both windows do that


@pytest.mark.device
@pytest.mark.parametrize("name", ["room_tone.wav", "white_noise.wav", "hum.wav", "keyboard.wav", "cough.wav",
                                  "silence.wav"])
def test_noise_through_the_mic_gives_no_reply(mic, silero, whisper, name):
    from voicetrainer.audio.listening import MicReplies

    replies = MicReplies(mic, silero, TurnParams.adaptive(no_reply_s=4.0), transcriber=whisper)
    feeder = speak_into_mic(name, 0.2)
    reply = replies.next_reply("Hello?")
    feeder.wait(timeout=30)
    assert reply_text(replies, reply) == ""
    assert replies.stats.ended_by == "timeout"


@pytest.mark.device
def test_long_silence_becomes_are_you_still_there(mic, silero, whisper):
    from voicetrainer.audio.listening import MicReplies
    from voicetrainer.core.persona import find_persona
    from voicetrainer.core.session import NoMoreReplies, run_session

    class OneReply(MicReplies):
        calls = 0

        def next_reply(self, persona_line):
            self.calls += 1
            if self.calls > 1:
                raise NoMoreReplies
            return super().next_reply(persona_line)

    replies = OneReply(mic, silero, TurnParams.adaptive(no_reply_s=2.0), transcriber=whisper)
    result = run_session(find_persona("delayed-refund"), replies, transcriber=whisper, seed=1)
    assert result.turns[0].reply == ""
    assert result.turns[0].next_intent == "still_there"


@pytest.mark.device
def test_persona_voice_leaking_into_the_mic_starts_no_turn(mic, silero, whisper, player, echo_loop, tmp_path):
    from voicetrainer.audio.listening import MicReplies
    from voicetrainer.core.persona import Voice
    from voicetrainer.speech.tts import Pyttsx3Synthesizer

    said = "I have been waiting three weeks for my refund, and nobody has called me back."
    line = Pyttsx3Synthesizer().synthesize(said, Voice())
    # Control: without the echo gate the leaked voice is heard as a reply, so the loopback really leaks.
    leak = MicReplies(mic, silero, TurnParams.adaptive(no_reply_s=1.0), transcriber=whisper)
    player.start(line)
    heard = reply_text(leak, leak.next_reply(""))
    player.wait()
    # tiny.en mishears espeak now and then ("reefers" for "refund"), so ask for shared words, not one exact word.
    shared = set(normalise(said).split()) & set(normalise(heard).split())
    assert len(shared) >= 5, heard

    time.sleep(0.5)
    replies = MicReplies(mic, silero, TurnParams.adaptive(no_reply_s=1.0), transcriber=whisper, player=player)
    player.start(line)
    reply = replies.next_reply("")
    assert reply_text(replies, reply) == "" and replies.stats.ended_by == "timeout"
    assert not replies.stats.barged_in
    assert "speech_started" not in [k for k, _ in replies.stats.events]  # not even a start of speech


@pytest.mark.device
def test_rep_talking_over_the_persona_stops_it_and_is_transcribed(mic, silero, whisper, player, echo_loop, tmp_path):
    from voicetrainer.audio.listening import MicReplies
    from voicetrainer.core.persona import Voice
    from voicetrainer.speech.tts import Pyttsx3Synthesizer

    line = Pyttsx3Synthesizer().synthesize(
        "I have been waiting three weeks for my refund. Nobody called me back, nobody answered my emails, "
        "and every time I phone I get put on hold for an hour.", Voice())
    cap = MonitorCapture(tmp_path / "out.raw")
    replies = MicReplies(mic, silero, transcriber=whisper, player=player)
    player.start(line)
    feeder = speak_into_mic("refund_good_2.wav", 1.5)
    reply = replies.next_reply(line)
    feeder.wait(timeout=30)
    captured = cap.stop()
    assert replies.stats.barged_in
    text = reply_text(replies, reply)
    assert wer(MANIFEST["refund_good_2.wav"]["transcript"], text) <= 0.25, text
    # The persona stopped: far less of its line reached the speaker than it was long.
    loud = np.flatnonzero(np.abs(captured) > 0.02)
    assert (loud[-1] - loud[0]) / 16_000 < line.duration_s * 0.6


@pytest.mark.device
def test_no_barge_in_lets_the_persona_finish(mic, silero, whisper, player, tmp_path):
    from voicetrainer.audio.listening import MicReplies
    from voicetrainer.core.persona import Voice
    from voicetrainer.speech.tts import Pyttsx3Synthesizer

    line = Pyttsx3Synthesizer().synthesize(
        "I have been waiting three weeks for my refund. Nobody called me back about it.", Voice())
    cap = MonitorCapture(tmp_path / "out.raw")
    replies = MicReplies(mic, silero, transcriber=whisper, player=player, barge_in=False)
    player.start(line)
    feeder = speak_into_mic("refund_bad_1.wav", 1.0)
    replies.next_reply(line)
    feeder.wait(timeout=30)
    captured = cap.stop()
    assert not replies.stats.barged_in
    from .test_devices import blocks_matched

    assert blocks_matched(line.samples, captured) >= 0.9  # the whole line was played


# --- the end-of-turn vote (Smart Turn) on the virtual device, with human replies ------------------------------------


@pytest.fixture(scope="module")
def human_replies():
    import sys

    from .conftest import ROOT

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from human_replies import build, missing

    if missing():
        pytest.fail(missing())
    return {r.id: r for r in build()}


@pytest.fixture(scope="module")
def smart_turn():
    from voicetrainer.audio.turn import SmartTurnVote

    return SmartTurnVote()


@pytest.mark.device
def test_the_vote_shortens_a_finished_human_turn_on_the_device(mic, silero, whisper, smart_turn, human_replies):
    """Transcript and vote run at once (inline executors): the turn ends at 250 ms of silence (8 frames), not 380."""
    from voicetrainer.audio.listening import MicReplies

    r = human_replies["s03"]   # "I'm sorry, that number is not valid."
    replies = MicReplies(mic, silero, transcriber=whisper, executor=InlineExecutor(), vote=smart_turn,
                         vote_executor=InlineExecutor())
    feeder = speak_into_mic(r.path, 0.3)
    reply = replies.next_reply("Where is my refund?")
    feeder.wait(timeout=30)
    st = replies.stats
    assert st.verdict == "finished" and st.vote >= TurnParams.voted().complete_prob, (st.verdict, st.vote)
    assert st.end_silence_frames == 8
    assert wer(r.transcript, reply_text(replies, reply)) <= 0.15


@pytest.mark.device
def test_a_hesitant_human_reply_is_not_cut_off_on_the_device(mic, silero, whisper, smart_turn, human_replies):
    """A 700 ms pause mid-sentence: the model hears it unfinished and the turn waits for the rest."""
    from voicetrainer.audio.listening import MicReplies

    r = human_replies["t10"]   # "Please enter your personal identification number | followed by the pound ..."
    replies = MicReplies(mic, silero, transcriber=whisper, vote=smart_turn)   # the real worker threads
    feeder = speak_into_mic(r.path, 0.3)
    reply = replies.next_reply("Where is my refund?")
    feeder.wait(timeout=30)
    assert "resumed" in [k for k, _ in replies.stats.events]
    text = normalise(reply_text(replies, reply))
    assert text.startswith("please enter your personal") and text.endswith("key"), text   # "hash key" -> "has key"


@pytest.mark.device
def test_with_the_model_unavailable_the_text_only_policy_holds_on_the_device(mic, silero, whisper, tmp_path):
    from voicetrainer.audio.listening import MicReplies
    from voicetrainer.audio.turn import load_smart_turn

    vote = load_smart_turn(tmp_path / "missing.onnx")
    assert vote is None
    replies = MicReplies(mic, silero, transcriber=whisper, executor=InlineExecutor(), vote=vote)
    feeder = speak_into_mic("refund_bad_3.wav", 0.3)
    replies.next_reply("Where is my refund?")
    feeder.wait(timeout=30)
    st = replies.stats
    assert replies.params == TurnParams.adaptive() and st.votes == 0
    assert st.verdict == "finished" and st.end_silence_frames == 12   # 380 ms, as before the vote existed


@pytest.mark.device
def test_barge_in_recovery_joins_the_rest_of_a_cut_reply_to_it(mic, silero, whisper, human_replies, player, echo_loop,
                                                                 tmp_path):
    """The turn ends at a pause between sentences (the text is a finished sentence); the persona starts answering;
    the rep carries on: the persona stops, and the rest joins the same reply (`Reply.continues`)."""
    from voicetrainer.audio.listening import MicReplies
    from voicetrainer.core.persona import Voice
    from voicetrainer.speech.tts import Pyttsx3Synthesizer

    synth = Pyttsx3Synthesizer()
    opening = synth.synthesize("I have been waiting three weeks for my refund.", Voice())
    answer = synth.synthesize("Is that all you can say? I have been waiting for weeks and nobody has called me "
                              "back, not once, not even an email.", Voice())
    r = human_replies["d01"]   # "I am sorry, that's not a valid extension. Please try again. | Please check ..."
    # Recovery does not depend on the policy: the text-only one ends this turn at the 500 ms pause as surely.
    replies = MicReplies(mic, silero, TurnParams.adaptive(), transcriber=whisper, player=player,
                         executor=InlineExecutor())
    player.start(opening)      # the echo canceller learns the loop while the customer speaks
    feeder = speak_into_mic(r.path, opening.duration_s + 0.6)
    first = replies.next_reply("")
    assert not first.continues and normalise(first.transcript.text).endswith("try again"), first.transcript.text
    cap = MonitorCapture(tmp_path / "out.raw")
    player.start(answer)       # the session answers what it heard so far ...
    second = replies.next_reply("")   # ... and the rep carries on
    feeder.wait(timeout=30)
    captured = cap.stop()
    st = replies.stats
    assert st.barged_in and st.rejoined and second.continues
    text = normalise(second.transcript.text)
    head = normalise(first.transcript.text)
    rest = text[len(head):].split()
    # the rest of the recording ("... dial again") joined after the first part; how Whisper hears the cut words
    # varies with where the device's blocks fall ("and dial again", "and die again": seen in CI)
    assert text.startswith(head) and rest and rest[-1] == "again", text
    # The first words of the rest ("Please check the") are lost: the barge-in rule needs ~320 ms of speech before
    # it counts (and the microphone's backlog is drained when the persona starts). Not fixed yet.
    loud = np.flatnonzero(np.abs(captured) > 0.02)
    assert (loud[-1] - loud[0]) / 16_000 < answer.duration_s * 0.6     # the persona stopped
