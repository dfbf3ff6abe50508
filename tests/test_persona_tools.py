"""The trainer tools: `voicetrainer persona new|check|preview|record|simulate|export|import|schema`.

Real files, real text-to-speech (espeak-ng through pyttsx3), real Silero VAD and real Whisper where audio is heard.
The microphone is a WAV-backed stand-in driving the same recording code; one device test uses the virtual sound card.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import stat
import subprocess
import tarfile
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner

import voicetrainer.authoring as authoring
from voicetrainer.audio.files import read_audio, write_wav
from voicetrainer.authoring import recording
from voicetrainer.cli.keys import KeyboardLines
from voicetrainer.cli.main import main
from voicetrainer.errors import PersonaError
from voicetrainer.core.persona import Voice, find_persona, json_schema, load_persona, persona_errors
from voicetrainer.audio.scripted import ScriptedReplies
from voicetrainer.core.session import run_session
from voicetrainer.types import INTENTS, AudioClip

from .conftest import FIXTURES, PERSONAS, device_tests_required, wer


def run(*args, input=None):
    return CliRunner().invoke(main, [str(a) for a in args], input=input)


def home() -> Path:
    return Path(os.environ["VOICETRAINER_HOME"])


GOOD = """\
I'm so sorry, that's really frustrating. So you ordered a kettle three weeks ago, paid forty dollars, \
it never arrived and nobody called you back.
I'll send a new one today by express delivery, and I'll call you tomorrow to confirm it's on its way.
I'll also refund the forty dollars for the delay, and email you the confirmation today.
"""


@pytest.fixture(scope="module")
def synth():
    from voicetrainer.speech.tts import Pyttsx3Synthesizer

    return Pyttsx3Synthesizer()


@pytest.fixture(scope="module")
def vad():
    from voicetrainer.audio.vad import SileroSpeechProb

    return SileroSpeechProb()


def padded(clip: AudioClip, before_s=1.0, after_s=2.5, gain=0.3, seed=42) -> AudioClip:
    """Speech at a quiet level between stretches of faint noise, as a microphone would hear it."""
    rng = np.random.default_rng(seed)
    noise = lambda s: rng.normal(0, 0.002, int(s * 16000)).astype(np.float32)  # noqa: E731
    return AudioClip(np.concatenate([noise(before_s), clip.samples * gain, noise(after_s)]), 16000)


# --- new -------------------------------------------------------------------------------------------------------


def test_new_writes_a_skeleton_that_checks_clean_and_can_be_practised(tmp_path):
    r = run("persona", "new", "angry-tenant", "--scenario-type", "delayed_refund")
    path = home() / "personas" / "angry-tenant.yaml"
    assert r.exit_code == 0, r.output
    assert r.stdout == f"{path}\n"
    text = path.read_text()
    assert text.startswith("# Angry tenant: ") and "scenario_type: delayed_refund" in text
    r = run("persona", "check", "angry-tenant", "--strict")
    assert (r.exit_code, r.stdout, r.stderr) == (0, "", "1 persona file(s) checked: 0 error(s), 0 warning(s)\n")
    replies = tmp_path / "good.txt"
    replies.write_text(GOOD)
    r = run("practice", "angry-tenant", "--replies", replies, "--no-audio", "--audio-out", tmp_path / "out",
            "--seed", "0", "--json")
    assert r.exit_code == 0, r.output
    result = json.loads(r.stdout.splitlines()[-1])  # (pyttsx3's espeak driver may print "Audio saved to ...")
    assert result["persona"] == "angry-tenant" and result["outcome"] == "resolved"
    assert result["turns"][-1]["mood_after"] < result["start_mood"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir())[0] == "01-opening.wav"


def test_new_refuses_to_overwrite_and_bad_names(tmp_path):
    assert run("persona", "new", "x1", "--dir", tmp_path).exit_code == 0
    r = run("persona", "new", "x1", "--dir", tmp_path)
    assert (r.exit_code, r.stderr) == (1, f"Error: {tmp_path / 'x1.yaml'} already exists; pick another name or "
                                          "edit that file\n")
    r = run("persona", "new", "../evil")
    assert r.exit_code == 1
    assert r.stderr == ("Error: invalid persona name '../evil': use lower-case letters, digits, '-' and '_' "
                        "(e.g. angry-tenant), at most 64 characters\n")
    r = run("persona", "new", "ok", "--scenario-type", "nope")
    assert r.exit_code == 1 and r.stderr.startswith("Error: unknown scenario type 'nope'; expected one of: ")
    assert not (home() / "personas" / "ok.yaml").exists()


def test_the_skeleton_is_schema_v2_and_answers_what_it_knows(tmp_path):
    """temperament, facts, answers and offers with their own lines, all filled in; a rep's questions get the facts."""
    f = tmp_path / "kettle.yaml"
    f.write_text(authoring.skeleton_text("kettle"))
    data = yaml.safe_load(f.read_text())
    assert data["schema_version"] == 2 and "effects" not in data["mood"]
    assert set(data["temperament"]) == {"calms", "flares", "needs_most", "relief", "anger"}
    assert {"order_number", "amount", "problem", "tried", "wants", "email", "phone"} <= set(data["facts"])
    assert set(data["answers"]) == {"given", "again", "confirm", "unknown", "tails"}
    assert all(o["says"] for o in data["solutions"]["reject"])
    assert {"ask_remedy", "ask_commitment"} <= set(data["lines"])
    questions = tmp_path / "q.txt"
    questions.write_text("Can I have your order number, please?\nWhat's your phone number?\nThank you.\n")
    r = run("persona", "simulate", f, "--replies", questions, "--json")
    assert r.exit_code == 0, r.output
    lines = [t["persona_line"] for t in json.loads(r.stdout)["turns"]]
    assert lines[1].startswith("It's order five eight two one.") and lines[2].startswith("It's five five five")


@pytest.mark.parametrize("scenario_type", ["other", "verbal_abuse", "wrong_item"])
def test_skeleton_is_valid_for_any_scenario_type(tmp_path, scenario_type):
    f = tmp_path / "s.yaml"
    f.write_text(authoring.skeleton_text("s", scenario_type))
    assert authoring.check_file(f) == ([], [])


# --- check: errors and reachability ----------------------------------------------------------------------------

BASE = """\
schema_version: 1
name: Test
scenario: A test.
mood:
  start: 50
  effects:
    calm: {hit: -1, miss: 1}
    empathy: {hit: -1, miss: 1}
    paraphrase: {hit: -1, miss: 1}
    solution: {hit: -1, miss: 1}
  offer_accepted: 0
  offer_rejected: 0
  wrong_facts: 0
  silence: 0
outcomes: {resolved_at_or_below: 35, escalate_at_or_above: 90, hang_up_at_or_above: 90, max_turns: 3}
solutions: {accept: [refund]}
lines:
  opening: [Hello, {text: Grr, mood: [80, 100]}]
  pushback: [Not good enough]
  correction: [Wrong]
  accept_offer: [Fine]
  reject_offer: [No thanks]
  soften: [Okay]
  escalate: [Manager]
  still_there: [Are you there]
  resolved:
    - Thanks
    - text: Fine, whatever.
      mood: [50, 100]
  hang_up: [Bye]
"""

DEFAULTS = BASE.replace("""\
  effects:
    calm: {hit: -1, miss: 1}
    empathy: {hit: -1, miss: 1}
    paraphrase: {hit: -1, miss: 1}
    solution: {hit: -1, miss: 1}
  offer_accepted: 0
  offer_rejected: 0
  wrong_facts: 0
  silence: 0
""", "").replace("outcomes: {resolved_at_or_below: 35, escalate_at_or_above: 90, hang_up_at_or_above: 90, "
                 "max_turns: 3}", "outcomes: {max_turns: 8}").replace(
    "solutions: {accept: [refund]}", "solutions: {accept: [refund], reject: [voucher]}").replace(
    ", {text: Grr, mood: [80, 100]}", "").replace("mood: [50, 100]", "mood: [0, 20]")


def write(tmp_path, text, name="p.yaml") -> Path:
    f = tmp_path / name
    f.write_text(text)
    return f


def test_check_flags_unreachable_lines_and_outcomes_with_file_and_line(tmp_path):
    f = write(tmp_path, BASE)
    r = run("persona", "check", f)
    assert r.exit_code == 0
    assert r.stdout.splitlines() == [
        f"{f}:15: warning: outcomes.resolved_at_or_below: the call can never be resolved: the lowest mood reachable "
        "within max_turns (3) once an offer is accepted is 43.4, above resolved_at_or_below (35)",
        f"{f}:15: warning: outcomes.escalate_at_or_above: the customer can never escalate: escalate_at_or_above "
        "equals hang_up_at_or_above (90) and hanging up is checked first",
        f"{f}:15: warning: outcomes.hang_up_at_or_above: never reached: the highest mood reachable within max_turns "
        "(3) is 56.75; they hang up only after 2 silent turns",
        f"{f}:18: warning: lines.opening.1: never said: its mood band [80, 100] holds no mood at which it could be "
        "chosen (opening is only said at mood 50)",
        f"{f}:22: warning: lines.reject_offer: never said: solutions.reject is empty, so no offer is ever turned down",
        f"{f}:24: warning: lines.escalate: never said: the customer can never escalate (see "
        "outcomes.escalate_at_or_above)",
        f"{f}:26: warning: lines.resolved: never said: the call can never be resolved (see "
        "outcomes.resolved_at_or_below)",
    ]
    assert r.stderr == "1 persona file(s) checked: 0 error(s), 7 warning(s)\n"
    assert run("persona", "check", "--strict", f).exit_code == 1


def test_default_numbers_reach_everything(tmp_path):
    assert authoring.check_file(write(tmp_path, DEFAULTS)) == ([], [])


def test_resolved_variant_above_the_resolved_threshold_is_flagged(tmp_path):
    f = write(tmp_path, DEFAULTS.replace("mood: [0, 20]", "mood: [40, 100]"))
    assert authoring.check_file(f) == ([], [
        f"{f}:19: warning: lines.resolved.1: never said: its mood band [40, 100] holds no mood at which it could be "
        "chosen (resolved is said at moods 0-35)"])


def test_variant_above_the_escalation_threshold_is_flagged(tmp_path):
    f = write(tmp_path, DEFAULTS.replace("pushback: [Not good enough]",
                                         "pushback: [Not good enough, {text: Argh, mood: [86, 100]}]"))
    _, warnings = authoring.check_file(f)
    assert warnings == [f"{f}:10: warning: lines.pushback.1: never said: its mood band [86, 100] holds no mood at "
                        "which it could be chosen (pushback is said at moods 0 to just under 85)"]


def test_a_variant_is_reachable_when_no_band_fits_because_any_line_may_then_be_chosen(tmp_path):
    # Both pushback variants are banded; at moods covered by neither, pick_line falls back to every variant.
    f = write(tmp_path, DEFAULTS.replace("pushback: [Not good enough]",
                                         "pushback: [{text: A, mood: [0, 10]}, {text: B, mood: [99, 100]}]"))
    assert authoring.check_file(f) == ([], [])


def test_unreachable_hang_up_threshold_and_too_few_turns_for_the_silences(tmp_path):
    text = BASE.replace("escalate_at_or_above: 90", "escalate_at_or_above: 80").replace(
        "max_turns: 3}", "max_turns: 3, max_silences: 4}")
    f = write(tmp_path, text)
    _, warnings = authoring.check_file(f)
    fields = [w.split(": ")[2] for w in warnings]
    assert fields == ["outcomes.resolved_at_or_below", "outcomes.escalate_at_or_above",
                      "outcomes.hang_up_at_or_above", "lines.opening.1", "lines.reject_offer", "lines.escalate",
                      "lines.resolved", "lines.hang_up"]
    assert warnings[1].endswith("the customer can never escalate: the highest mood reachable within max_turns (3) "
                                "is 56.75")
    assert warnings[2].endswith("never reached: the highest mood reachable within max_turns (3) is 56.75; and 4 silent "
                                "turns in a row never fit within max_turns, so the customer can never hang up")


def test_check_errors_exit_1_and_folders_and_names_work(tmp_path):
    bad = write(tmp_path, BASE.replace("start: 50", "start: 150"), "bad.yaml")
    good = write(tmp_path, DEFAULTS, "good.yaml")
    r = run("persona", "check", tmp_path)
    assert r.exit_code == 1
    assert r.stdout == f"{bad}:5: mood.start: Input should be less than or equal to 100\n"
    assert r.stderr == "2 persona file(s) checked: 1 error(s), 0 warning(s)\n"
    assert run("persona", "check", good, "--strict").exit_code == 0
    r = run("persona", "check", tmp_path / "missing.yaml")
    assert (r.exit_code, r.stdout) == (1, f"{tmp_path / 'missing.yaml'}: persona file not found\n")
    r = run("persona", "check", "no-such-persona")
    assert r.exit_code == 1 and r.stderr.startswith("Error: 'no-such-persona' is neither a file nor a known "
                                                    "persona; expected a path or one of: bad-review-threat, ")


def test_check_without_arguments_checks_every_persona():
    r = run("persona", "check")
    n = len(list(PERSONAS.glob("*.yaml")))
    assert r.stderr.startswith(f"{n} persona file(s) checked: ")


# --- preview ---------------------------------------------------------------------------------------------------


def test_preview_no_audio_writes_one_wav_per_line(tmp_path):
    p = load_persona(PERSONAS / "wrong-item.yaml")
    r = run("persona", "preview", "wrong-item", "--no-audio", "--out", tmp_path)
    assert r.exit_code == 0, r.output
    expected = [tmp_path / f"{i}-{n}.wav" for i in INTENTS for n in range(1, len(p.lines_for(i)) + 1)]
    assert r.stdout.splitlines() == [str(x) for x in expected]
    for x in expected[:3]:
        clip = read_audio(x)
        assert clip.duration_s > 0.5 and np.abs(clip.samples).max() > 0.05


def test_preview_one_intent_and_no_speaker_falls_back_to_files(tmp_path, monkeypatch):
    from voicetrainer.audio import devices as audio_io

    monkeypatch.setattr(audio_io, "check_output", lambda device=None: "no usable speaker (test)")
    r = run("persona", "preview", "wrong-item", "--intent", "hang_up", "--out", tmp_path)
    assert r.exit_code == 0, r.output
    assert r.stderr == "No speaker: no usable speaker (test). Writing the customer's lines to WAV files instead (--no-audio).\n"
    n = len(load_persona(PERSONAS / "wrong-item.yaml").lines_for("hang_up"))
    assert r.stdout.splitlines() == [str(tmp_path / f"hang_up-{k}.wav") for k in range(1, n + 1)]


def test_preview_plays_through_the_speaker_when_there_is_one(monkeypatch):
    from voicetrainer.audio import devices as audio_io

    played = []

    class Player:
        def __init__(self, device=None):
            pass

        def play(self, clip):
            played.append(clip)

        def close(self):
            played.append("closed")

    monkeypatch.setattr(audio_io, "check_output", lambda device=None: None)
    monkeypatch.setattr(audio_io, "SoundDevicePlayer", Player)
    r = run("persona", "preview", "wrong-item", "--intent", "escalate")
    assert r.exit_code == 0, r.output
    lines = load_persona(PERSONAS / "wrong-item.yaml").lines_for("escalate")
    assert r.stdout.splitlines() == [f"escalate-{k} (tts): {ln.text}" for k, ln in enumerate(lines, 1)]
    assert len(played) == len(lines) + 1 and played[-1] == "closed"


# --- record: YAML edits ----------------------------------------------------------------------------------------

DOC = """\
# top comment
lines:
  opening:            # openers
    - Hello there, this is plain.   # trailing comment
    - 'Quoted: line'
    - text: Mapped line
      mood: [0, 50]   # band
    - {text: "Flow, mapped"}
    - text: Has audio
      audio: old.wav
  pushback: [One, "Two, with comma"]
  soften:
    - >-
      Folded
      line
# end
"""


@pytest.mark.parametrize("intent,index,expect", [
    ("opening", 0, "    - text: Hello there, this is plain.\n      audio: rec/a.wav   # trailing comment\n"),
    ("opening", 1, "    - text: 'Quoted: line'\n      audio: rec/a.wav\n"),
    ("opening", 2, "    - text: Mapped line\n      mood: [0, 50]   # band\n      audio: rec/a.wav\n"),
    ("opening", 3, '    - {text: "Flow, mapped", audio: rec/a.wav}\n'),
    ("opening", 4, "    - text: Has audio\n      audio: rec/a.wav\n"),
    ("pushback", 1, '  pushback: [One, {text: "Two, with comma", audio: rec/a.wav}]\n'),
    ("soften", 0, '    - {text: "Folded line", audio: rec/a.wav}\n'),
])
def test_set_line_audio_changes_only_that_line(intent, index, expect):
    out = authoring.set_line_audio(DOC, intent, index, "rec/a.wav")
    data = yaml.safe_load(out)
    item = data["lines"][intent][index]
    assert item["audio"] == "rec/a.wav"
    assert expect in out
    before, after = DOC.splitlines(), out.splitlines()
    assert before[0] == after[0] == "# top comment" and after[-1] == "# end"
    # Every other line is untouched.
    old = yaml.safe_load(DOC)
    for i in old["lines"]:
        for k, v in enumerate(old["lines"][i]):
            if (i, k) != (intent, index):
                assert data["lines"][i][k] == v


def test_set_line_audio_on_a_missing_line_is_one_clear_error():
    with pytest.raises(PersonaError, match=r"^lines.opening has no line 9$"):
        authoring.set_line_audio(DOC, "opening", 8, "x.wav")


# --- record: takes, trimming, loudness -------------------------------------------------------------------------

TEXT = "Thank you. That is all I wanted to hear today."


def test_take_from_a_microphone_is_trimmed_and_normalised(synth, vad):
    speech = synth.synthesize(TEXT, Voice())
    mic = recording.WavFileMicrophone([padded(speech)])
    take = recording.record_take(mic, vad)
    # VAD ended the take about a second after the speech, not at the end of the input.
    assert 1.0 + speech.duration_s < take.duration_s < 1.0 + speech.duration_s + 1.6
    clip = recording.prepare_take(take, vad)
    assert speech.duration_s - 0.5 < clip.duration_s < speech.duration_s + 0.35
    level = recording.dbfs(clip.samples)
    peak = 20 * np.log10(np.abs(clip.samples).max())
    assert peak <= -0.99 and (abs(level + 20) < 0.5 or abs(peak + 1) < 0.01)
    assert level > -23


def test_silence_is_no_take_and_cannot_be_trimmed(vad):
    quiet = padded(AudioClip(np.zeros(16000, np.float32)), 5, 6)
    assert recording.record_take(recording.WavFileMicrophone([quiet]), vad) is None
    with pytest.raises(Exception, match="no speech found in the recording"):
        recording.trim_silence(quiet, vad)


def test_normalise_respects_the_peak_limit():
    t = np.arange(16000) / 16000
    clip = AudioClip((0.01 * np.sin(2 * np.pi * 220 * t)).astype(np.float32))
    out = recording.normalise(clip)
    assert abs(recording.dbfs(out.samples) + 20) < 0.01
    spiky = AudioClip(np.concatenate([clip.samples, [0.5]]).astype(np.float32))
    out = recording.normalise(spiky)
    assert abs(np.abs(out.samples).max() - 10 ** (-1 / 20)) < 1e-4


def _user_copy(name="wrong-item") -> Path:
    dest = home() / "personas"
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(PERSONAS / f"{name}.yaml", dest / f"{name}.yaml")
    return dest / f"{name}.yaml"


def test_record_walk_records_saves_and_references_each_line(synth, vad, whisper):
    from voicetrainer.audio.vad import SileroSpeechProb

    path = _user_copy()
    p = load_persona(path)
    refs = recording.select_lines(p, "resolved")
    takes = [padded(synth.synthesize(r.line.text, p.voice), seed=i) for i, r in enumerate(refs)]
    said = []
    answers = iter([""] * len(refs))
    written = recording.record_walk(path, p.id, refs, recording.WavFileMicrophone(takes), vad, SileroSpeechProb(),
                                    ask=lambda prompt: next(answers), say=said.append)
    assert written == [f"recordings/wrong-item/resolved-{r.n}.wav" for r in refs]
    assert said[0] == f"\n[1/{len(refs)}] resolved 1: {refs[0].line.text}"
    assert said[2].startswith("Saved recordings/wrong-item/resolved-1.wav (")
    assert persona_errors(path) == []
    again = load_persona(path)
    for r in refs:
        line = again.lines_for("resolved")[r.index]
        assert line.audio == f"recordings/wrong-item/resolved-{r.n}.wav" and line.text == r.line.text
    # The comments survived.
    assert path.read_text().splitlines()[0] == (PERSONAS / "wrong-item.yaml").read_text().splitlines()[0]
    heard = whisper.transcribe(read_audio(path.parent / written[0])).text
    assert wer(refs[0].line.text, heard) <= 0.25, heard


def test_record_walk_skip_quit_and_retry_after_silence(synth, vad):
    from voicetrainer.audio.vad import SileroSpeechProb

    path = _user_copy()
    p = load_persona(path)
    refs = recording.select_lines(p, "opening")
    silence = padded(AudioClip(np.zeros(16000, np.float32)), 5, 6)
    answers = iter(["s", "", "q"])
    said = []
    written = recording.record_walk(path, p.id, refs, recording.WavFileMicrophone([silence]), vad,
                                    SileroSpeechProb(), ask=lambda prompt: next(answers), say=said.append)
    assert written == [] and "Heard nothing. Check the microphone (--input-device) and try again." in said
    assert path.read_bytes() == (PERSONAS / "wrong-item.yaml").read_bytes()


def test_keyboard_lines_share_one_queue():
    keys = KeyboardLines(io.StringIO("\ns\n"))
    time.sleep(0.2)
    assert keys.pressed() is True
    assert keys.ask("") == "s"
    assert keys.ask("") is None and keys.ask("") is None


def test_select_lines_errors():
    p = load_persona(PERSONAS / "wrong-item.yaml")
    with pytest.raises(PersonaError, match=r"^--index needs --intent \(e.g. --intent pushback --index 2\)$"):
        recording.select_lines(p, None, 1)
    n = len(p.lines_for("escalate"))
    with pytest.raises(PersonaError, match=rf"^lines.escalate has {n} line\(s\); --index must be 1-{n}$"):
        recording.select_lines(p, "escalate", n + 1)
    assert [r.label for r in recording.select_lines(p, "escalate", 1)] == ["escalate-1"]


@pytest.fixture
def line_wavs(tmp_path, synth):
    """`<intent>-<n>.wav` files for wrong-item's opening and hang_up lines, with silence around the speech."""
    p = load_persona(PERSONAS / "wrong-item.yaml")
    d = tmp_path / "takes"
    for intent in ("opening", "hang_up"):
        for n, line in enumerate(p.lines_for(intent), 1):
            write_wav(d / f"{intent}-{n}.wav", padded(synth.synthesize(line.text, p.voice), seed=n))
    write_wav(d / "stray.wav", AudioClip(np.zeros(1600, np.float32)))
    return d


def test_record_from_dir_copies_a_bundled_persona_to_the_user_folder(line_wavs):
    bundled = PERSONAS / "wrong-item.yaml"
    before = hashlib.sha256(bundled.read_bytes()).hexdigest()
    p = load_persona(bundled)
    r = run("persona", "record", "wrong-item", "--from-dir", line_wavs)
    assert r.exit_code == 0, r.output
    user = home() / "personas" / "wrong-item.yaml"
    assert r.stderr == f"{bundled.resolve()} is bundled with voicetrainer; recording into your copy at {user}\n"
    n_open, n_hang = len(p.lines_for("opening")), len(p.lines_for("hang_up"))
    out = r.stdout.splitlines()
    assert out[0].startswith("opening-1.wav → recordings/wrong-item/opening-1.wav (")
    assert "ignored stray.wav: no such line (names are <intent>-<n>.wav, e.g. opening-1.wav)" in out
    assert out[-1] == f"{n_open + n_hang} recording(s) saved; {user} refers to them."
    assert hashlib.sha256(bundled.read_bytes()).hexdigest() == before
    mine = find_persona("wrong-item", home())
    assert mine.path == user.resolve()
    assert [ln.audio for ln in mine.lines_for("opening")] == [
        f"recordings/wrong-item/opening-{k}.wav" for k in range(1, n_open + 1)]
    assert all(ln.audio is None for ln in mine.lines_for("pushback"))
    assert run("persona", "check", user).exit_code == 0
    # The import trimmed the second of silence before the speech.
    raw, saved = read_audio(line_wavs / "opening-1.wav"), read_audio(user.parent / mine.lines_for("opening")[0].audio)
    assert saved.duration_s < raw.duration_s - 2.5
    # Re-recording one line changes only its audio file, not the YAML.
    text = user.read_text()
    r = run("persona", "record", "wrong-item", "--intent", "opening", "--index", "1", "--from-dir", line_wavs)
    assert r.exit_code == 0 and r.stderr == "" and user.read_text() == text


def test_record_errors_are_one_line(tmp_path, monkeypatch):
    from voicetrainer.audio import devices as audio_io

    monkeypatch.setattr(audio_io, "check_input", lambda device=None: "no usable microphone (test)")
    r = run("persona", "record", "wrong-item")
    assert (r.exit_code, r.stderr) == (1, "Error: no microphone (no usable microphone (test)); record the lines "
                                          "elsewhere as <intent>-<n>.wav (e.g. opening-1.wav) and import them with "
                                          "--from-dir DIR\n")
    r = run("persona", "record", "wrong-item", "--from-dir", tmp_path / "nope")
    assert (r.exit_code, r.stderr) == (1, f"Error: {tmp_path / 'nope'}: folder not found\n")
    (tmp_path / "empty").mkdir()
    r = run("persona", "record", "wrong-item", "--from-dir", tmp_path / "empty")
    assert (r.exit_code, r.stderr) == (1, f"Error: {tmp_path / 'empty'}: no recordings for these lines; name them "
                                          "<intent>-<n>.wav, e.g. opening-1.wav\n")
    r = run("persona", "record", "wrong-item", "--index", "2", "--from-dir", tmp_path)
    assert (r.exit_code, r.stderr) == (1, "Error: --index needs --intent (e.g. --intent pushback --index 2)\n")


def test_sessions_play_the_recording_instead_of_tts(tmp_path, synth, vad):
    from voicetrainer.speech.tts import PersonaVoice

    path = _user_copy()
    p = load_persona(path)
    take = recording.prepare_take(padded(synth.synthesize(p.lines_for("opening")[0].text, p.voice)), vad)
    for ref in recording.select_lines(p, "opening"):
        recording.save_line(path, p.id, ref, take)
    p = load_persona(path)

    class NoSynth:
        def synthesize(self, text, voice):
            raise AssertionError(f"synthesised a recorded line: {text}")

    voice = PersonaVoice(NoSynth())
    spoken = []

    def speak(persona, line, intent):
        if intent == "opening":
            spoken.append(voice.render(persona, line))

    replies = ScriptedReplies(["Sorry about that."])
    run_session(p, replies, speak=speak, seed=0)
    recorded = read_audio(path.parent / p.lines_for("opening")[0].audio)
    assert len(spoken) == 1 and np.array_equal(spoken[0].samples, recorded.samples)


def _virtual_mic_ready() -> str | None:
    from voicetrainer.audio import devices as audio_io

    if shutil.which("paplay") is None:
        return "paplay is not installed"
    if not os.environ.get("PULSE_SERVER"):
        return "no virtual sound card (PULSE_SERVER unset)"
    return audio_io.check_input("virtual_mic")


@pytest.mark.device
def test_record_through_the_virtual_microphone(tmp_path, synth, vad):
    problem = _virtual_mic_ready()
    if problem:
        if device_tests_required():
            pytest.fail(f"device tests are required but the virtual microphone is unusable: {problem}")
        pytest.skip(problem)
    from voicetrainer.audio.devices import SoundDeviceMicrophone
    from voicetrainer.audio.vad import SileroSpeechProb

    path = _user_copy()
    p = load_persona(path)
    refs = recording.select_lines(p, "resolved", 1)
    wav = write_wav(tmp_path / "say.wav", padded(synth.synthesize(TEXT, p.voice), 0.5, 0.2, gain=0.5))

    def ask(prompt):
        # The trainer presses Enter; then "speaks" into the virtual microphone.
        ask.player = subprocess.Popen(["paplay", "-d", "mic_feed", str(wav)])
        return ""

    with SoundDeviceMicrophone("virtual_mic") as mic:
        written = recording.record_walk(path, p.id, refs, mic, vad, SileroSpeechProb(), ask=ask,
                                        say=lambda s: None)
    ask.player.wait(timeout=30)
    assert written == ["recordings/wrong-item/resolved-1.wav"]
    # The take is the line that was spoken: it lines up with the source (trimmed and rescaled, so compare shape,
    # not level). Whisper on espeak speech through the device was too fickle under load to be the check here.
    rec, src = read_audio(path.parent / written[0]).samples, read_audio(wav).samples
    n = len(src) + len(rec)
    lag = int(np.argmax(np.fft.irfft(np.fft.rfft(src, n) * np.conj(np.fft.rfft(rec, n)), n)))
    seg = src[lag:lag + len(rec)]
    rec = rec[:len(seg)]
    corr = float(np.dot(seg, rec) / (np.linalg.norm(seg) * np.linalg.norm(rec)))
    assert corr > 0.9 and len(seg) > 0.6 * len(src), (corr, len(seg), len(src))


# --- simulate --------------------------------------------------------------------------------------------------


def test_simulate_prints_each_turn_and_the_outcome(tmp_path):
    assert run("persona", "new", "kettle").exit_code == 0
    replies = tmp_path / "good.txt"
    replies.write_text(GOOD)
    r = run("persona", "simulate", "kettle", "--replies", replies)
    assert r.exit_code == 0, r.output
    out = r.stdout.splitlines()
    result = run_session(find_persona("kettle", home()), ScriptedReplies.from_file(replies), seed=0)
    assert out[0] == "turn  mood       intent        scores"
    assert out[1].startswith("      Kettle (opening, mood 60): ")
    t1 = result.turns[0]
    mood = f"{t1.mood_before:g}→{t1.mood_after:g}"
    assert out[2].startswith(f"   1  {mood:>9}  {t1.next_intent:12}  calm ")
    assert out[3] == f"      you: {t1.reply}"
    assert out[4].startswith("      why: heard -8; understood ")  # the needs the reply met (issue 10)
    assert out[-1] == (f"outcome: {result.outcome} after {len(result.turns)} turn(s), "
                       f"mood 60 → {result.turns[-1].mood_after:g}")
    assert not (home() / "voicetrainer.db").exists() and not list(home().glob("*.db"))


def test_simulate_json_is_practice_json(tmp_path):
    replies = FIXTURES / "refund_good.txt"
    r = run("persona", "simulate", "delayed-refund", "--replies", replies, "--seed", "3", "--json")
    assert r.exit_code == 0, r.output
    sim = json.loads(r.stdout)
    r = run("practice", "delayed-refund", "--replies", replies, "--seed", "3", "--json", "--no-audio",
            "--audio-out", tmp_path / "a", "--no-keep-audio")
    assert r.exit_code == 0, r.output
    practice = json.loads(r.stdout.splitlines()[-1])
    assert sim["session_id"] is None and practice["session_id"] is not None
    sim.pop("session_id"), practice.pop("session_id")
    for t in practice["turns"]:  # practice measures how the spoken replies sounded; simulate has no such thing
        t.pop("acoustics", None)
    assert sim == practice
    assert sim["outcome"] == "resolved"


def test_simulate_missing_replies_file_is_one_line(tmp_path):
    r = run("persona", "simulate", "wrong-item", "--replies", tmp_path / "none.txt")
    assert r.exit_code == 1 and r.stderr.startswith(f"Error: {tmp_path / 'none.txt'}: cannot read the replies file")
    assert len(r.stderr.splitlines()) == 1


# --- export / import -------------------------------------------------------------------------------------------


@pytest.fixture
def recorded_persona(line_wavs):
    assert run("persona", "record", "wrong-item", "--intent", "hang_up", "--from-dir", line_wavs).exit_code == 0
    return home() / "personas" / "wrong-item.yaml"


@pytest.mark.parametrize("suffix", [".zip", ".tar.gz"])
def test_export_then_import_round_trip(tmp_path, recorded_persona, suffix, monkeypatch):
    out = tmp_path / f"share{suffix}"
    r = run("persona", "export", "wrong-item", "--out", out)
    assert (r.exit_code, r.stdout) == (0, f"{out}\n")
    audio = sorted({ln.audio for ln in load_persona(recorded_persona).lines_for("hang_up")})
    members = _members(out)
    manifest = json.loads(members.pop("manifest.json"))
    assert manifest["persona"] == "wrong-item" and manifest["format"] == "voicetrainer-persona"
    assert [f["path"] for f in manifest["files"]] == ["wrong-item.yaml", *audio]
    for f in manifest["files"]:
        assert hashlib.sha256(members[f["path"]]).hexdigest() == f["sha256"]
    r = run("persona", "export", "wrong-item", "--out", out)
    assert (r.exit_code, r.stderr) == (1, f"Error: {out} already exists; choose another --out or pass --force\n")

    other = tmp_path / "other-home"
    monkeypatch.setenv("VOICETRAINER_HOME", str(other))
    # wrong-item is a bundled persona: installing the archive would hide it, so it takes --force (issue 12).
    r = run("persona", "import", out)
    assert (r.exit_code, r.stderr) == (1, f"Error: persona 'wrong-item' already exists at {PERSONAS / 'wrong-item.yaml'}; "
                                          "the archive would hide it, pass --force to install it over that one\n")
    r = run("persona", "import", out, "--force")
    installed = other / "personas" / "wrong-item.yaml"
    assert (r.exit_code, r.stdout) == (0, f"{installed}\n")
    assert installed.read_bytes() == recorded_persona.read_bytes()
    for a in audio:
        assert (installed.parent / a).read_bytes() == (recorded_persona.parent / a).read_bytes()
    assert find_persona("wrong-item", other).path == installed.resolve()
    r = run("persona", "import", out)
    assert (r.exit_code, r.stderr) == (1, f"Error: persona 'wrong-item' is already installed at {installed}; "
                                          "pass --force to replace it\n")
    assert run("persona", "import", out, "--force").exit_code == 0


def test_export_of_a_bundled_persona_without_recordings(tmp_path):
    out = tmp_path / "w.zip"
    assert run("persona", "export", "wrong-item", "--out", out).exit_code == 0
    assert sorted(_members(out)) == ["manifest.json", "wrong-item.yaml"]
    r = run("persona", "export", "wrong-item", "--out", tmp_path / "w.rar")
    assert (r.exit_code, r.stderr) == (1, f"Error: {tmp_path / 'w.rar'}: the archive name must end .zip or .tar.gz\n")


def _members(path: Path) -> dict[str, bytes]:
    if path.name.endswith(".zip"):
        with zipfile.ZipFile(path) as z:
            return {n: z.read(n) for n in z.namelist()}
    with tarfile.open(path) as t:
        return {m.name: t.extractfile(m).read() for m in t.getmembers() if m.isfile()}


YAML = DEFAULTS.encode()  # a small valid persona, installed as "tiny"


def manifest_for(files: dict[str, bytes], pid="tiny") -> bytes:
    return json.dumps({"format": "voicetrainer-persona", "format_version": 1, "persona": pid,
                       "files": [{"path": p, "sha256": hashlib.sha256(b).hexdigest()} for p, b in files.items()]
                       }).encode()


def make_zip(path: Path, members: dict[str, bytes], symlinks: dict[str, str] | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            z.writestr(info, target)
    return path


def make_tar(path: Path, members: dict[str, bytes], symlinks: dict[str, str] | None = None) -> Path:
    with tarfile.open(path, "w:gz") as t:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
        for name, target in (symlinks or {}).items():
            info = tarfile.TarInfo(name)
            info.type, info.linkname = tarfile.SYMTYPE, target
            t.addfile(info)
    return path


WAV = b"RIFF\x24\x00\x00\x00WAVEfmt "  # content doesn't matter to the checks that should refuse first


def _bad_archives(tmp_path: Path) -> list[tuple[str, Path, str]]:
    ok = {"tiny.yaml": YAML}
    m = manifest_for(ok)
    invalid_yaml = YAML.replace(b"schema_version: 1", b"schema_version: 1\nshout: true")
    escaping = YAML.replace(b"hang_up: [Bye]", b"hang_up: [{text: Bye, audio: ../../../etc/passwd}]")
    return [
        ("absolute path", make_zip(tmp_path / "abs.zip", {"manifest.json": m, **ok, "/tmp/evil.wav": WAV}),
         "member '/tmp/evil.wav' is an absolute path; refusing to install it"),
        ("dot-dot", make_tar(tmp_path / "dots.tar.gz", {"manifest.json": m, **ok, "../../evil.yaml": YAML}),
         "member '../../evil.yaml' is a '..' path; refusing to install it"),
        ("zip symlink", make_zip(tmp_path / "link.zip", {"manifest.json": m, **ok},
                                 {"recordings/tiny/x.wav": "/etc/passwd"}),
         "member 'recordings/tiny/x.wav' is a symbolic link; refusing it"),
        ("tar symlink", make_tar(tmp_path / "link.tar.gz", {"manifest.json": m, **ok},
                                 {"recordings/tiny/x.wav": "/etc/passwd"}),
         "member 'recordings/tiny/x.wav' is a link; refusing it"),
        ("unlisted file", make_zip(tmp_path / "extra.zip",
                                   {"manifest.json": m, **ok, "recordings/tiny/x.wav": WAV}),
         "'recordings/tiny/x.wav' is not listed in the manifest; refusing it"),
        ("hash mismatch", make_zip(tmp_path / "hash.zip",
                                   {"manifest.json": m, "tiny.yaml": YAML.replace(b"Hello", b"Hi")}),
         "'tiny.yaml' does not match its sha256 in the manifest (altered or damaged)"),
        ("no manifest", make_zip(tmp_path / "nomanifest.zip", ok),
         "no manifest.json (make archives with `voicetrainer persona export`)"),
        ("unsafe id", make_zip(tmp_path / "id.zip", {"manifest.json": manifest_for(ok, "../x"), **ok}),
         "persona id '../x' is not a safe name"),
        ("file outside recordings", make_zip(tmp_path / "where.zip", {
            "manifest.json": manifest_for({**ok, "run.sh": b"rm -rf ~"}), **ok, "run.sh": b"rm -rf ~"}),
         "audio 'run.sh' must be a relative path under recordings/ ending .wav/.flac/.ogg, so it can travel with "
         "the persona"),
    ] + [
        ("invalid persona", make_zip(tmp_path / "invalid.zip", {
            "manifest.json": manifest_for({"tiny.yaml": invalid_yaml}), "tiny.yaml": invalid_yaml}),
         "the persona in it is invalid: tiny.yaml:2: shout: unknown field (check the spelling; "
         "`voicetrainer persona schema` lists the fields)"),
        ("audio outside the archive", make_zip(tmp_path / "escape.zip", {
            "manifest.json": manifest_for({"tiny.yaml": escaping}), "tiny.yaml": escaping}),
         None),
    ]


def test_import_refuses_malicious_and_broken_archives(tmp_path):
    dest = home() / "personas"
    for what, archive, message in _bad_archives(tmp_path):
        r = run("persona", "import", archive)
        assert r.exit_code == 1, what
        assert len(r.stderr.splitlines()) == 1, (what, r.stderr)
        if message is None:
            assert "audio" in r.stderr and "passwd" in r.stderr, (what, r.stderr)
        elif what in ("invalid persona",):
            assert r.stderr == f"Error: {archive}: {message}\n", what
        elif what == "file outside recordings":
            assert r.stderr == f"Error: {archive}: {message}\n", what
        else:
            assert r.stderr == f"Error: {archive}: not a persona archive: {message}\n", what
        assert not (dest / "tiny.yaml").exists(), what
    assert not Path("/tmp/evil.wav").exists()
    assert not list(dest.glob("**/*")) if dest.exists() else True


def test_import_refuses_non_archives(tmp_path):
    text = tmp_path / "notes.zip"
    text.write_text("just some text\n")
    r = run("persona", "import", text)
    assert (r.exit_code, r.stderr) == (1, f"Error: {text}: not a persona archive (expected a .zip or .tar.gz made "
                                          "by `voicetrainer persona export`)\n")
    r = run("persona", "import", tmp_path / "missing.zip")
    assert (r.exit_code, r.stderr) == (1, f"Error: {tmp_path / 'missing.zip'}: archive not found\n")


# --- schema ----------------------------------------------------------------------------------------------------


def test_schema_validates_every_shipped_persona_and_rejects_unknown_fields(tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    r = run("persona", "schema")
    assert r.exit_code == 0
    schema = json.loads(r.stdout)
    assert schema == json.loads(json.dumps(json_schema()))
    assert "id" not in schema["properties"] and "path" not in schema["properties"]
    jsonschema.Draft202012Validator.check_schema(schema)
    v = jsonschema.Draft202012Validator(schema)
    for f in sorted(PERSONAS.glob("*.yaml")):
        assert list(v.iter_errors(yaml.safe_load(f.read_text()))) == [], f.name
    data = yaml.safe_load((PERSONAS / "wrong-item.yaml").read_text())
    assert list(v.iter_errors({**data, "shout": True}))
    assert list(v.iter_errors({**data, "mood": {**data["mood"], "start": 150}}))
    out = tmp_path / "persona.schema.json"
    r = run("persona", "schema", "--out", out)
    assert (r.exit_code, r.stdout) == (0, f"{out}\n") and json.loads(out.read_text()) == schema


def test_a_customer_who_gives_up_after_one_polite_stall_is_flagged(tmp_path):
    # Issue 10: a calm question is progress now, never a miss; what can end a call at once is a polite reply that moves
    # nothing on. Default v1 effects upgrade to impatience 2 (x1.25 while needs_most is unmet): 83 -> 85.5.
    f = write(tmp_path, DEFAULTS.replace("start: 50", "start: 83"))
    _, warnings = authoring.check_file(f)
    assert [w.split(": ", 2)[2] for w in warnings if "first turn" in w] == [
        "outcomes.escalate_at_or_above: one polite reply that moves nothing on takes the mood from 83 to 85.5 and the "
        "customer asks for a manager on the first turn; raise the threshold above 85.5 or lower "
        "temperament.anger.impatience"]
    assert not [w for w in authoring.check_file(write(tmp_path, DEFAULTS, "ok.yaml"))[1] if "first turn" in w]
