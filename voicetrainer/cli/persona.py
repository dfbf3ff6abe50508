"""`voicetrainer persona ...`: the trainer's tools for persona files.

list, check (errors and unreachable lines/outcomes), new (a skeleton), preview (hear every line), record (the lines in
the trainer's own voice), simulate (a scripted conversation), export/import (share as one archive) and schema (JSON
Schema for editors). Parsing and printing only: the work is done in voicetrainer.authoring and core.session, imported
inside each command so `import voicetrainer.cli.main` stays light.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from voicetrainer.cli.common import (
    PERSONAS_HELP,
    SEED,
    allow_download_option,
    data_dir_option,
    data_folder,
    handle_errors,
    note,
    user_personas,
    writable_dir,
)
from voicetrainer.errors import VoiceTrainerError
from voicetrainer.types import INTENTS

persona_data_dir_option = data_dir_option(PERSONAS_HELP)


@click.group()
def persona():
    """Personas: the simulated customers, and the tools to write, record, preview and test them."""


# --- list ------------------------------------------------------------------------------------------------------


@persona.command("list")
@persona_data_dir_option
def persona_list(data_dir):
    """List the personas you can practise with."""
    from voicetrainer.cli.common import persona_files
    from voicetrainer.core.persona import load_persona

    files = persona_files(data_folder(data_dir))
    if not files:
        click.echo("No personas found.")
        return
    for pid, path in files.items():
        try:
            p = load_persona(path)
            click.echo(f"{pid:24} {p.scenario_type:20} {p.name}")
        except VoiceTrainerError:
            click.echo(f"{pid:24} {'INVALID':20} run `voicetrainer persona check {path}`")


# --- check -----------------------------------------------------------------------------------------------------


def _check_targets(args: tuple[str, ...], data_dir: Path) -> list[Path]:
    from voicetrainer.cli.common import persona_files

    known = persona_files(data_dir)
    if not args:
        return list(known.values())
    out: list[Path] = []
    for a in args:
        p = Path(a)
        if p.is_dir():
            out.extend(sorted(p.glob("*.yaml")))
        elif p.exists() or p.suffix in (".yaml", ".yml") or "/" in a:
            out.append(p)
        elif a in known:
            out.append(known[a])
        else:
            raise VoiceTrainerError(f"'{a}' is neither a file nor a known persona; expected a path or one of: "
                                    f"{', '.join(sorted(known))}")
    return out


@persona.command("check")
@click.argument("paths", nargs=-1)
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too (unreachable lines or outcomes).")
@persona_data_dir_option
@handle_errors
def persona_check(paths, strict, data_dir):
    """Validate persona files (PATH, folder or persona name; default: all of them).

    Prints `file:line: field: problem` for each error, and `file:line: warning: field: ...` for lines that can never
    be said and outcomes that can never happen. Exit 1 on errors (on warnings too with --strict).
    """
    from voicetrainer import config
    from voicetrainer.authoring import check_file

    files = _check_targets(paths, data_folder(data_dir))
    n_err = n_warn = 0
    for f in files:
        if not f.is_file():
            click.echo(f"{f}: persona file not found")
            n_err += 1
            continue
        errors, warnings = check_file(f, config.rubric_path())
        for line in errors + warnings:
            click.echo(line)
        n_err += len(errors)
        n_warn += len(warnings)
    note(f"{len(files)} persona file(s) checked: {n_err} error(s), {n_warn} warning(s)")
    if n_err or (strict and n_warn):
        raise SystemExit(1)


# --- new -------------------------------------------------------------------------------------------------------


@persona.command("new")
@click.argument("name")
@click.option("--scenario-type", default="other", show_default=True,
              help="One of the scenario types (see docs/personas.md), e.g. delayed_refund.")
@click.option("--dir", "folder", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Write it here instead of your persona folder.")
@persona_data_dir_option
@handle_errors
def persona_new(name, scenario_type, folder, data_dir):
    """Write a commented skeleton for a new persona NAME (it validates as it is; then edit it)."""
    from voicetrainer.authoring import skeleton_text

    text = skeleton_text(name, scenario_type)
    folder = folder or user_personas(data_dir)
    path = folder / f"{name}.yaml"
    if path.exists():
        raise VoiceTrainerError(f"{path} already exists; pick another name or edit that file")
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    click.echo(str(path))
    note(f"Next: edit it, then `voicetrainer persona check {path}`")


# --- preview ---------------------------------------------------------------------------------------------------


@persona.command("preview")
@click.argument("name")
@click.option("--intent", type=click.Choice(INTENTS), default=None, help="Only this intent's lines.")
@click.option("--no-audio", is_flag=True, help="Write one WAV per line instead of playing them.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for the WAV files (default: in your data folder).")
@click.option("--output-device", default=None, help="Speaker name or number.")
@persona_data_dir_option
@handle_errors
def persona_preview(name, intent, no_audio, out, output_device, data_dir):
    """Speak every line of persona NAME (recordings where there are, text-to-speech otherwise)."""
    from voicetrainer.audio import devices
    from voicetrainer.audio.files import write_wav
    from voicetrainer.cli.common import find_persona
    from voicetrainer.speech.tts import PersonaVoice

    home = data_folder(data_dir)
    p = find_persona(name, home)
    player = None if no_audio else devices.open_player(output_device, note)
    no_audio = player is None
    out = out or home / "persona-audio" / f"preview-{p.id}-{time.strftime('%Y%m%d-%H%M%S')}"
    if no_audio:
        writable_dir(out, "--out")
    voice = PersonaVoice()
    try:
        for i in INTENTS:
            if intent not in (None, i):
                continue
            for n, line in enumerate(p.lines_for(i), 1):
                clip = voice.render(p, line)
                if player is not None:
                    src = "recording" if line.audio else "tts"
                    click.echo(f"{i}-{n} ({src}): {line.text}")
                    player.play(clip)
                else:
                    click.echo(str(write_wav(out / f"{i}-{n}.wav", clip)))
    finally:
        if player is not None:
            player.close()


# --- record ----------------------------------------------------------------------------------------------------


@persona.command("record")
@click.argument("name")
@click.option("--intent", type=click.Choice(INTENTS), default=None, help="Only this intent's lines.")
@click.option("--index", "n", type=int, default=None, help="With --intent: only line N (from 1) of it.")
@click.option("--from-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Import <intent>-<n>.wav files recorded elsewhere instead of using the microphone.")
@click.option("--redo", is_flag=True, help="Also record lines that already have a recording.")
@click.option("--input-device", default=None, help="Microphone name or number.")
@persona_data_dir_option
@handle_errors
def persona_record(name, intent, n, from_dir, redo, input_device, data_dir):
    """Record the lines of persona NAME in your own voice; sessions then play them instead of text-to-speech.

    Shows each line, records it until you pause (or press Enter), trims the silence, evens out the loudness, saves
    recordings/<id>/<intent>-<n>.wav beside the persona file and adds `audio:` to the line.
    """
    from voicetrainer.authoring import recording
    from voicetrainer.cli.common import find_persona
    from voicetrainer.core.persona import load_persona

    p = find_persona(name, data_folder(data_dir))
    refs = recording.select_lines(p, intent, n, redo=redo or from_dir is not None or intent is not None)
    if not refs:
        note("Every line already has a recording; use --intent/--index to re-record one, or --redo for all.")
        return
    if from_dir is None:
        from voicetrainer.audio import devices

        problem = devices.check_input(input_device)
        if problem:
            raise VoiceTrainerError(f"no microphone ({problem}); record the lines elsewhere as <intent>-<n>.wav "
                                    "(e.g. opening-1.wav) and import them with --from-dir DIR")
    else:
        recording.find_takes(from_dir, refs)  # fail before copying anything
    from voicetrainer.audio.vad import SileroSpeechProb

    target = recording.writable_persona_file(p, user_personas(data_dir))
    if target.notice:
        note(target.notice)
    written: list[str] = []
    try:  # if nothing gets recorded (quit, Ctrl-C, an error), a copy made just now is removed again
        p = load_persona(target.path)
        if from_dir is not None:
            written = recording.import_dir(target.path, p.id, refs, from_dir, SileroSpeechProb(), say=click.echo)
        else:
            from voicetrainer.audio.devices import SoundDeviceMicrophone
            from voicetrainer.cli.keys import KeyboardLines

            keys = KeyboardLines()
            with SoundDeviceMicrophone(input_device) as mic:
                written = recording.record_walk(target.path, p.id, refs, mic, SileroSpeechProb(), SileroSpeechProb(),
                                                ask=keys.ask, say=click.echo, stop=keys.pressed)
    finally:
        target.undo_copy()
    click.echo(f"{len(written)} recording(s) saved; {target.path} refers to them.")


# --- simulate --------------------------------------------------------------------------------------------------


def _format_turn(turn, reasons) -> str:
    from voicetrainer.cli.view import score_line

    mood = f"{turn.mood_before:g}→{turn.mood_after:g}"
    scores = score_line(turn.to_dict()["scores"]) if turn.score else ""
    out = (f"{turn.index:>4}  {mood:>9}  {turn.next_intent:12}  {scores}"
           f"\n      you: {turn.reply}\n      why: {'; '.join(reasons) or 'nothing moved'}")
    if turn.call is not None:  # the customer's needs after the reply, and what the rep did (core/scorecard.py)
        needs = " ".join(f"{n} {'✓' if ok else '·'}" for n, ok in turn.call.needs.items())
        acts = ", ".join(a.kind + (f"({a.detail})" if a.detail else "") for a in turn.call.acts) or "-"
        out += f"\n      needs: {needs}  [{turn.call.phase}]\n      acts: {acts}"
    return out


@persona.command("simulate")
@click.argument("name")
@click.option("--replies", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="One reply per line (or a path to a WAV file, transcribed by Whisper); '#' starts a comment.")
@click.option("--seed", type=SEED, default=0, show_default=True, help="Fixes the persona's choices of lines.")
@click.option("--json", "as_json", is_flag=True, help="Print the session as JSON (the same as `practice --json`).")
@click.option("--model", default=None, envvar="VOICETRAINER_MODEL", help="Whisper model for audio replies.")
@allow_download_option()
@persona_data_dir_option
@handle_errors
def persona_simulate(name, replies, seed, as_json, model, allow_download, data_dir):
    """Run a scripted conversation with persona NAME: mood before→after each reply, the intent chosen, the outcome.

    Nothing is played or saved.
    """
    from voicetrainer import config
    from voicetrainer.audio.scripted import ScriptedReplies
    from voicetrainer.cli.common import find_persona
    from voicetrainer.core.session import run_session
    from voicetrainer.scoring import load_rubric

    p = find_persona(name, data_folder(data_dir))
    rubric = load_rubric(config.rubric_path(), p.rubric)
    source = ScriptedReplies.from_file(replies)
    transcriber = None
    if any(ln.lower().endswith(ScriptedReplies.AUDIO_SUFFIXES) for ln in source):
        from voicetrainer.speech.stt import FasterWhisperTranscriber

        transcriber = FasterWhisperTranscriber(model, allow_download=allow_download)

    def on_event(ev):
        if as_json:
            return
        if ev.kind == "persona_line":
            click.echo(f"      {p.name} ({ev.data['intent']}, mood {ev.data['mood']:g}): {ev.data['text']}")
        elif ev.kind == "turn":
            click.echo(_format_turn(ev.data["turn"], ev.data["reasons"]))

    if not as_json:
        click.echo("turn  mood       intent        scores")
    result = run_session(p, source, transcriber=transcriber, seed=seed, rubric=rubric, on_event=on_event,
                         model_name=getattr(transcriber, "name", None), input_mode="replies")
    from voicetrainer.team.passmark import judge  # would this script pass? (the same judge as practice)

    verdict = judge(result.to_dict(), p.pass_, rubric.rules.pass_)
    if as_json:
        click.echo(json.dumps({**result.to_dict(), "rep": None, "result": verdict.to_dict()}, ensure_ascii=False))
        return
    final = result.turns[-1].mood_after if result.turns else p.mood.start
    click.echo(f"result: {verdict.summary}")
    click.echo(f"outcome: {result.outcome} after {len({t.index for t in result.turns})} turn(s), "
               f"mood {p.mood.start:g} → {final:g}")


# --- upgrade ---------------------------------------------------------------------------------------------------


@persona.command("upgrade")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the v2 file here instead of rewriting FILE.")
@handle_errors
def persona_upgrade(file, out):
    """Rewrite a schema_version 1 persona FILE as version 2 (comments kept; review the facts it starts)."""
    from voicetrainer.authoring.upgrade import upgrade_file

    click.echo(str(upgrade_file(file, out)))
    note(f"Next: review its facts: and answers:, then `voicetrainer persona check {out or file}`")


# --- export / import -------------------------------------------------------------------------------------------


@persona.command("export")
@click.argument("name")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Archive to write: .zip (default <id>.zip here) or .tar.gz.")
@click.option("--force", is_flag=True, help="Overwrite an existing archive.")
@persona_data_dir_option
@handle_errors
def persona_export(name, out, force, data_dir):
    """Write persona NAME, its recordings and a manifest (with sha256 of each file) to one archive."""
    from voicetrainer.authoring import export_persona
    from voicetrainer.cli.common import find_persona

    p = find_persona(name, data_folder(data_dir))
    click.echo(str(export_persona(p, out or Path(f"{p.id}.zip"), force)))


@persona.command("import")
@click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a persona of the same id (yours, or hide a bundled one).")
@persona_data_dir_option
@handle_errors
def persona_import(archive, force, data_dir):
    """Install a persona archive made by `persona export` into your persona folder (after checking all of it)."""
    from voicetrainer.authoring import import_archive
    from voicetrainer.core.persona import persona_files

    path = import_archive(archive, user_personas(data_dir), force, known=persona_files(data_folder(data_dir)))
    click.echo(str(path))


# --- schema ----------------------------------------------------------------------------------------------------


@persona.command("schema")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file instead of printing.")
@handle_errors
def persona_schema(out):
    """Print the JSON Schema of a persona file, for editor completion and validation."""
    from voicetrainer.core.persona import json_schema

    text = json.dumps(json_schema(), indent=2, ensure_ascii=False) + "\n"
    if out is None:
        sys.stdout.write(text)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    click.echo(str(out))
