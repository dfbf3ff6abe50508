"""What a rep sees of a live turn, on the virtual sound card with real Whisper (tiny.en) and the fixture replies.

A reply begun as the customer's line ends is kept whole (the handover), the view shows what Whisper heard, the
speaking rate is the same live and from a file, audio-library messages go to the log, and the no-reply wait
(`--no-reply-after`) counts only from the end of the customer's line, never the time spent at a retry prompt.
The device fixtures fail (not skip) with VOICETRAINER_DEVICE_TESTS=required when the device is missing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from .conftest import FIXTURES, ROOT, normalise, wer
from .test_devices import virtual_device  # noqa: F401  (fixture)
from .test_live import MANIFEST, mic, player, reply_text, silero, speak_into_mic  # noqa: F401  (fixtures)

LINE = "It arrived broken, and I want to know what you are going to do about it."
LEAD_S = 0.3   # every fixture reply starts with 0.3 s of silence


@pytest.fixture(scope="module")
def persona_line():
    from voicetrainer.core.persona import Voice
    from voicetrainer.speech.tts import Pyttsx3Synthesizer

    return Pyttsx3Synthesizer().synthesize(LINE, Voice())


def first_words(text: str, n: int = 4) -> list[str]:
    return normalise(text).split()[:n]


# --- the handover: a reply begun before the persona's line has ended ---------------------------------------------


@pytest.mark.device
@pytest.mark.parametrize("name,early_s", [("refund_good_2.wav", 0.3), ("refund_good_3.wav", 0.3),
                                          ("refund_good_3.wav", 0.6)])
def test_a_reply_started_as_the_line_ends_keeps_its_first_words(mic, silero, whisper, player,  # noqa: F811
                                                                 persona_line, name, early_s):
    """The rep starts talking `early_s` before the customer's line ends (the gate has not converged on a device
    with no echo, so what is heard then is ignored as talk-over): the reply is still transcribed whole. Without the
    handover this was "that are warehouse. I will process..." and "The refunds go through today...".
    """
    from voicetrainer.audio.listening import MicReplies

    replies = MicReplies(mic, silero, transcriber=whisper, player=player)
    player.start(persona_line)
    feeder = speak_into_mic(name, persona_line.duration_s - LEAD_S - early_s)
    reply = replies.next_reply(LINE)
    feeder.wait(timeout=30)
    text = reply_text(replies, reply)
    expected = MANIFEST[name]["transcript"]
    assert first_words(text) == first_words(expected), text
    assert wer(expected, text) <= 0.2, text
    assert not replies.stats.barged_in and replies.stats.ended_by == "turn_ended"
    assert replies.stats.handover_frames >= 30   # ~1.28 s heard during the line: its end and the echo tail


class SilentPlayer:
    """A persona line heard until `last_sound_at` (on the FileMic's clock), through a speaker that leaks nothing."""

    playing = False

    def __init__(self, last_sound_at: float):
        self.last_sound_at = last_sound_at

    def index_at(self, t):
        return None

    def reference_from(self, first, n):
        return np.zeros(n, np.float32)

    def reference(self, t0, n):
        return np.zeros(n, np.float32)

    def stop(self):
        pass


@pytest.mark.parametrize("early_s", [0.3, 0.6])
def test_the_handover_keeps_a_reply_begun_before_the_line_ended_on_any_machine(silero, whisper, early_s):  # noqa: F811
    """The same without a device: frames as fast as read, transcriptions at once. Speech starts `early_s` before the
    line's last sample; what is heard until its echo tail is over (0.35 s later) cannot start the turn."""
    from voicetrainer.audio.listening import MicReplies

    from .test_live import FileMic, InlineExecutor

    fmic = FileMic("refund_good_3.wav", lead_s=0.3)           # speech from 0.6 s (the WAV's own 0.3 s of silence)
    replies = MicReplies(fmic, silero, transcriber=whisper, player=SilentPlayer(100.0 + 0.6 + early_s),
                         executor=InlineExecutor())
    text = reply_text(replies, replies.next_reply(LINE))
    assert first_words(text) == first_words(MANIFEST["refund_good_3.wav"]["transcript"]), text
    assert replies.stats.handover_frames == 40 and replies.stats.unconverged_frames > 0


@pytest.mark.device
def test_the_handover_does_not_hear_the_persona_leaking_into_the_mic(mic, silero, whisper, player,  # noqa: F811
                                                                      persona_line):
    """With the speaker looped back into the microphone, the handover frames are the persona's own echo, taken out
    by the gate: no turn starts from them (the rep says nothing)."""
    from voicetrainer.audio.listening import MicReplies

    out = subprocess.run(["pactl", "load-module", "module-loopback", "source=speaker.monitor", "sink=mic_feed",
                          "latency_msec=30", "source_dont_move=true", "sink_dont_move=true"],
                         capture_output=True, text=True, check=True)
    try:
        time.sleep(0.3)
        replies = MicReplies(mic, silero, transcriber=whisper, player=player, no_reply_s=1.0)
        player.start(persona_line)
        reply = replies.next_reply(LINE)
    finally:
        subprocess.run(["pactl", "unload-module", out.stdout.strip()], check=True)
    assert reply_text(replies, reply) == "" and replies.stats.ended_by == "timeout"
    assert "speech_started" not in [k for k, _ in replies.stats.events]


# --- speaking rate: live and from the file ------------------------------------------------------------------------


@pytest.mark.device
@pytest.mark.parametrize("name", ["refund_good_2.wav", "refund_bad_2.wav", "reply_slow_120wpm.wav"])
def test_speaking_rate_live_matches_voicetrainer_score_on_the_same_wav(mic, silero, whisper, name):  # noqa: F811
    from click.testing import CliRunner

    from voicetrainer.audio.acoustics import measure
    from voicetrainer.audio.listening import MicReplies
    from voicetrainer.cli.main import main

    replies = MicReplies(mic, silero, transcriber=whisper)
    feeder = speak_into_mic(name, 0.3)
    reply = replies.next_reply("Where is my refund?")
    feeder.wait(timeout=30)
    live = measure(reply.clip, reply.transcript.words).words_per_minute
    line = json.dumps({"customer": "Where is my refund?", "audio": str(FIXTURES / name)})
    r = CliRunner().invoke(main, ["score"], input=line + "\n")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout.splitlines()[-1])
    scored = out["acoustics"]["words_per_minute"]
    print(f"{name}: live {live:.1f} wpm, voicetrainer score {scored:.1f} wpm")
    assert live == pytest.approx(scored, rel=0.10), (live, scored)
    if len(reply.transcript.words) == len(out["transcript"].split()):
        # Whisper heard as many words both ways: then the two spans agree within the 10 ms analysis hop
        assert live == pytest.approx(scored, rel=0.03), (live, scored)


# --- the no-reply wait ------------------------------------------------------------------------------------------


@pytest.mark.device
def test_no_reply_after_2_s_counts_from_the_end_of_the_line(mic, silero, whisper, player, persona_line):  # noqa: F811
    from voicetrainer.audio.listening import MicReplies

    replies = MicReplies(mic, silero, transcriber=whisper, player=player, no_reply_s=2.0)
    player.start(persona_line)
    reply = replies.next_reply(LINE)
    done = time.monotonic()
    assert reply_text(replies, reply) == "" and replies.stats.ended_by == "timeout"
    # 2 s after the line's last sample (and its 0.35 s of echo tail), not 2 s after listening began
    after_line = done - player.last_sound_at
    assert 2.0 <= after_line < 3.2, after_line


@pytest.mark.device
def test_no_reply_after_off_never_gives_up(mic, silero, whisper):  # noqa: F811
    """`off`: 6 s of silence, then the rep answers, and the answer is the reply (a default 8 s wait would also
    pass this, so it runs with a 2 s default in the params that `None` must override)."""
    from voicetrainer.audio.listening import MicReplies
    from voicetrainer.audio.vad import TurnParams

    replies = MicReplies(mic, silero, TurnParams.adaptive(no_reply_s=2.0), transcriber=whisper, no_reply_s=None)
    feeder = speak_into_mic("refund_bad_3.wav", 6.0)
    t0 = time.monotonic()
    reply = replies.next_reply("Hello?")
    feeder.wait(timeout=30)
    assert time.monotonic() - t0 > 6.0
    assert normalise(reply_text(replies, reply)) == normalise(MANIFEST["refund_bad_3.wav"]["transcript"])


@pytest.mark.device
def test_time_at_the_retry_prompt_does_not_count_towards_the_wait(mic, silero, whisper):  # noqa: F811
    """The rep spends 3 s at the retry prompt with a 2 s wait, then answers 1 s later: the retried turn hears it."""
    from voicetrainer.audio.listening import MicReplies
    from voicetrainer.core.persona import find_persona
    from voicetrainer.core.session import NoMoreReplies, run_session

    class TwoReplies(MicReplies):
        calls = 0

        def next_reply(self, persona_line):
            self.calls += 1
            if self.calls > 2:
                raise NoMoreReplies
            return super().next_reply(persona_line)

    feeders = [speak_into_mic("refund_bad_1.wav", 0.3)]

    def retry(turn):
        if turn.attempt > 1:
            return False
        time.sleep(3.0)                                   # reading the tips at the prompt
        feeders.append(speak_into_mic("refund_good_3.wav", 1.0))
        return True

    replies = TwoReplies(mic, silero, transcriber=whisper, no_reply_s=2.0)
    result = run_session(find_persona("delayed-refund"), replies, transcriber=whisper, seed=1, retry=retry)
    for f in feeders:
        f.wait(timeout=30)
    assert [t.attempt for t in result.turns] == [1, 2]
    assert wer(MANIFEST["refund_good_3.wav"]["transcript"], result.turns[1].reply) <= 0.2, result.turns[1].reply


# --- the CLI as a rep uses it ----------------------------------------------------------------------------------


def drive_practice(args: list[str], plan: list[str], home: Path, prompt_answers: list[str] | None = None,
                   timeout_s: float = 120.0) -> tuple[str, str, int]:
    """Run `voicetrainer practice --mic` on the virtual card and answer like a rep: for each customer line, the
    next WAV in `plan` is spoken into the microphone so that its speech starts 300 ms before the line ends ("-":
    say nothing). At each retry prompt, the next of `prompt_answers` is typed after 3 s. Ctrl-C once the plan
    is done. Returns (stdout, stderr, exit code)."""
    from voicetrainer.core.persona import find_persona
    from voicetrainer.speech.tts import Pyttsx3Synthesizer

    persona = find_persona(args[0])
    synth = Pyttsx3Synthesizer()
    env = {**os.environ, "VOICETRAINER_HOME": str(home), "COLUMNS": "1000", "PYTHONPATH": str(ROOT)}
    p = subprocess.Popen([sys.executable, "-m", "voicetrainer.cli.main", "practice", *args, "--mic", "--seed", "1",
                          "--input-device", "virtual_mic", "--output-device", "virtual_speaker"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1,
                         env=env, cwd=ROOT)
    err: list[str] = []
    threading.Thread(target=lambda: err.extend(p.stderr), daemon=True).start()
    timer = threading.Timer(timeout_s, p.kill)
    timer.start()
    out, plan, answers = [], list(plan), list(prompt_answers or [])
    assert p.stdout is not None and p.stdin is not None
    for line in p.stdout:
        out.append(line)
        if line.startswith("Customer"):
            if not plan:
                p.send_signal(2)   # SIGINT: the rep ends the call
                continue
            step = plan.pop(0)
            if step != "-":
                duration = synth.synthesize(line.split(":", 1)[1].strip(), persona.voice).duration_s
                speak_into_mic(step, max(0.0, duration - LEAD_S - 0.3))
        elif "Press r" in line:
            time.sleep(3.0)
            p.stdin.write((answers.pop(0) if answers else "") + "\n")
            p.stdin.flush()
    p.wait()
    timer.cancel()
    time.sleep(0.2)
    return "".join(out), "".join(err), p.returncode


@pytest.mark.device
def test_practice_shows_what_whisper_heard_for_a_live_turn_and_logs_alsa_messages(virtual_device,  # noqa: F811
                                                                                  tmp_path):
    # a one-sentence reply: a pause between sentences is the end-of-turn policy's business (tests/test_turn.py)
    out, err, code = drive_practice(["delayed-refund", "--no-reply-after", "2", "--no-retry", "-v"],
                                    [str(FIXTURES / "reply_loud.wav")], tmp_path / "home")
    heard = [ln for ln in out.splitlines() if ln.startswith("  heard: ")]
    assert heard, out
    expected = MANIFEST["reply_loud.wav"]["transcript"]
    assert first_words(heard[0][len("  heard: "):]) == first_words(expected), heard
    assert wer(expected, heard[0][len("  heard: "):]) <= 0.2, heard
    assert "ALSA lib" not in out + err
    assert code == 130 and "Interrupted" in err, (code, err)   # Ctrl-C ended it once the plan was done
    log = tmp_path / "home" / "logs" / "audio.log"
    assert f"audio-library messages (they would be written to {log})" in err or f"written to {log}." in err, err


@pytest.mark.device
def test_a_spoken_retry_hears_the_line_again_and_the_prompt_time_does_not_count(virtual_device, tmp_path):  # noqa: F811
    """A weak reply, 'r' typed after 3 s at the prompt (with a 2 s wait), the customer's line again, then the
    better reply spoken as it ends: the retried turn hears it."""
    out, err, code = drive_practice(
        ["delayed-refund", "--no-reply-after", "2", "--retry"],
        [str(FIXTURES / "refund_bad_1.wav"), str(FIXTURES / "reply_loud.wav")], tmp_path / "home",
        prompt_answers=["r"])
    lines = out.splitlines()
    again = [i for i, ln in enumerate(lines) if ln.startswith("Customer (again)")]
    assert again, out
    heard = [ln for ln in lines[again[0]:] if ln.startswith("  heard: ")]
    assert heard and wer(MANIFEST["reply_loud.wav"]["transcript"], heard[0][9:]) <= 0.2, out


# --- audio-library messages ----------------------------------------------------------------------------------

C_STDERR = r"""
import ctypes, ctypes.util, os, sys
from pathlib import Path
from voicetrainer.audio.native_log import NativeStderrLog

with NativeStderrLog(Path(sys.argv[1])) as log:
    libc = ctypes.CDLL(None)
    stream = ctypes.c_void_p.in_dll(libc, "stderr")
    libc.fprintf(stream, b"C-level: fprintf to stderr\n")
    libc.fflush(stream)
    asound = ctypes.CDLL(ctypes.util.find_library("asound") or "libasound.so.2")
    pcm = ctypes.c_void_p()
    # A real ALSA message: "ALSA lib pcm.c:...:(snd_pcm_open_noupdate) Unknown PCM no_such_pcm"
    assert asound.snd_pcm_open(ctypes.byref(pcm), b"no_such_pcm", 0, 0) < 0
    print("python: to sys.stderr", file=sys.stderr)
print(log.summary(), file=sys.stderr)
"""


def test_c_level_stderr_goes_to_the_log_and_python_stderr_to_the_terminal(tmp_path):
    log = tmp_path / "logs" / "audio.log"
    r = subprocess.run([sys.executable, "-c", C_STDERR, str(log)], capture_output=True, text=True, cwd=ROOT,
                       env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=60)
    assert r.returncode == 0, r.stderr
    logged = log.read_text()
    assert "C-level: fprintf to stderr" in logged
    assert "ALSA lib" in logged and "no_such_pcm" in logged
    assert "ALSA lib" not in r.stderr and "C-level" not in r.stderr
    assert r.stderr.splitlines() == ["python: to sys.stderr",
                                     f"2 line(s) of audio-library messages (ALSA, PortAudio) were written to {log}."]


def test_no_reply_after_option_takes_seconds_or_off():
    from click.testing import CliRunner

    from voicetrainer.cli.main import main
    from voicetrainer.cli.practice import NoReplyAfter

    assert NoReplyAfter().convert("2", None, None) == 2.0 and NoReplyAfter().convert("off", None, None) is None
    assert NoReplyAfter().convert("12.5s", None, None) == 12.5
    r = CliRunner().invoke(main, ["practice", "--text", "--no-reply-after", "soon"])
    assert r.exit_code == 2
    assert ("Invalid value for '--no-reply-after': expected seconds between 0 and 3600 (e.g. 8 or 15) or off, "
            "not 'soon'") in r.stderr
