"""The `voicetrainer` command: parse options, build the real stages, run them, print. No domain logic here.

Only this module turns a `VoiceTrainerError` into a one-line message and exit code 1.
"""

from __future__ import annotations

import functools
import json
import sys
import time
from pathlib import Path

import click

from voicetrainer.errors import VoiceTrainerError
from voicetrainer.store import Store, default_data_dir

DEFAULT_PERSONA = "delayed-refund"


def handle_errors(fn):
    """Show a VoiceTrainerError as one line ('Error: ...'), never a traceback; Ctrl-C exits 130."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except VoiceTrainerError as e:
            raise click.ClickException(str(e)) from None
        except KeyboardInterrupt:
            click.echo("\nInterrupted; everything said so far is saved.", err=True)
            sys.exit(130)

    return wrapper


def data_dir_option(fn):
    return click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), envvar="VOICETRAINER_HOME",
                        default=None, help="Where sessions are saved (env VOICETRAINER_HOME).")(fn)


def open_store(data_dir: Path | None) -> Store:
    return Store(data_dir or default_data_dir())


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="voicetrainer")
def main():
    """Rehearse difficult customer conversations out loud, offline."""


# --- practice --------------------------------------------------------------------------------------------------


@main.command()
@click.argument("persona", default=DEFAULT_PERSONA)
@click.option("--mic", "mode", flag_value="mic", help="Answer out loud (default when a microphone exists).")
@click.option("--text", "mode", flag_value="text", help="Type each reply.")
@click.option("--replies", type=click.Path(dir_okay=False, path_type=Path),
              help="Non-interactive: each line is a reply, or a path to a WAV file to transcribe.")
@click.option("--seed", type=int, default=None, help="Fix the persona's choices of lines.")
@click.option("--no-audio", is_flag=True, help="Write the persona's speech to WAV files instead of playing it.")
@click.option("--audio-out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder for --no-audio WAV files (default: in the data folder).")
@click.option("--json", "as_json", is_flag=True, help="Print the whole session as one JSON object on stdout.")
@click.option("--model", default=None, envvar="VOICETRAINER_MODEL",
              help="Whisper model: tiny.en (bundled, default), base (if installed) or a local model folder.")
@click.option("--input-device", default=None, help="Microphone name or number (see --list-devices).")
@click.option("--output-device", default=None, help="Speaker name or number (see --list-devices).")
@click.option("--list-devices", is_flag=True, help="List audio devices and exit.")
@click.option("--no-barge-in", is_flag=True,
              help="Don't stop the customer when you talk over it (the microphone is ignored while it speaks).")
@click.option("--retry/--no-retry", default=None,
              help="Offer to retry a weak turn (default: when typing or speaking at a terminal).")
@click.option("--no-keep-audio", is_flag=True, help="Don't keep the recordings of your replies.")
@click.option("--quiet", "-q", is_flag=True, help="No live view; print only the result.")
@click.option("--rep", default=None, envvar="VOICETRAINER_REP", metavar="ID",
              help="Who is practising: an email address or account name (env VOICETRAINER_REP; default: "
                   "`voicetrainer config set rep ID`). Sessions with a rep are sent by `voicetrainer sync`.")
@data_dir_option
@handle_errors
def practice(persona, mode, replies, seed, no_audio, audio_out, as_json, model, input_device, output_device,
             list_devices, no_barge_in, retry, no_keep_audio, quiet, rep, data_dir):
    """Practise a conversation with PERSONA (a name from `persona list` or a path to a persona file)."""
    from voicetrainer.audio import io as audio_io
    from voicetrainer.core.persona import find_persona
    from voicetrainer.core.session import ScriptedReplies, TypedReplies, run_session
    from voicetrainer.cli.view import LiveView

    if list_devices:
        click.echo(audio_io.list_devices())
        return
    store = open_store(data_dir)
    p = find_persona(persona, store.data_dir)
    # Team (voicetrainer/team): who practises, and the rubric in force, whose hash and pass mark go with the session.
    from voicetrainer.cli.team import practice_end, practice_rep, print_verdict
    from voicetrainer.scoring.scorer import load_rubric

    rep = practice_rep(rep, store.data_dir)
    rubric = load_rubric(overrides=p.rubric)
    view = LiveView(quiet=quiet or as_json, stream=sys.stderr if as_json else sys.stdout)
    say = view.note

    # Where replies come from.
    transcriber = None
    if replies is not None:
        source = ScriptedReplies.from_file(replies)
        input_mode = "replies"
        needs_model = any(ln.lower().endswith(ScriptedReplies.AUDIO_SUFFIXES) for ln in source)
    else:
        if mode is None:
            problem = audio_io.check_input(input_device)
            mode = "mic" if problem is None else "text"
            if problem:
                say(f"No microphone: {problem}. Type your replies instead (--text).")
        elif mode == "mic":
            problem = audio_io.check_input(input_device)
            if problem:
                raise VoiceTrainerError(f"{problem}; plug one in, pick one with --input-device, or use --text")
        input_mode = mode
        needs_model = mode == "mic"
        source = TypedReplies(view.ask) if mode == "text" else None
    if needs_model:
        with view.status(f"Loading speech recognition ({model or 'tiny.en'})…"):
            from voicetrainer.speech.stt import FasterWhisperTranscriber

            transcriber = FasterWhisperTranscriber(model)

    # Where the persona's voice goes.
    from voicetrainer.speech.tts import PersonaVoice

    voice = PersonaVoice()
    player = None if no_audio else audio_io.open_player(output_device, say)
    no_audio = player is None
    out_dir = None
    if no_audio:
        out_dir = audio_out or store.data_dir / "persona-audio" / time.strftime("%Y%m%d-%H%M%S")
    counter = iter(range(1, 10_000))

    def speak(persona_, line, intent):
        if player is None:
            audio_io.write_wav(out_dir / f"{next(counter):02d}-{intent}.wav", voice.render(persona_, line))
        elif input_mode == "mic":
            # Returns once the first sentence is queued: the mic listens while the customer speaks (barge-in).
            player.start(voice.stream(persona_, line))
        else:
            player.play(voice.stream(persona_, line))

    def measure(clip, transcript, baseline_db):
        from voicetrainer.audio.acoustics import measure as measure_acoustics

        return measure_acoustics(clip, transcript.words, baseline_db)

    mic = None
    try:
        if input_mode == "mic":
            from voicetrainer.audio.listening import MicReplies
            from voicetrainer.audio.vad import SileroSpeechProb

            mic = audio_io.SoundDeviceMicrophone(input_device).__enter__()
            source = MicReplies(mic, SileroSpeechProb(), transcriber=transcriber, player=player,
                                barge_in=not no_barge_in, on_level=view.level)
        view.intro(p)
        # Retrying a turn is for a rep at the keyboard who can see the tip: not for scripts, piped input, --json
        # or --quiet (piped replies would be eaten by the retry prompt).
        interactive = input_mode in ("text", "mic") and not view.quiet
        offer = interactive and (sys.stdin.isatty() if retry is None else retry)
        retry = view.offer_retry if offer else None
        result = run_session(p, source, transcriber=transcriber, speak=speak, store=store, seed=seed,
                             measure=measure, keep_audio=not no_keep_audio, on_event=view.event, retry=retry,
                             model_name=getattr(transcriber, "name", None), input_mode=input_mode,
                             rubric=rubric, rep=rep)
    finally:
        if mic is not None:
            mic.__exit__(None, None, None)
            source.close()
        if player is not None:
            player.close()
    verdict = practice_end(store, result, p, rubric)  # judged, stored, queued for `voicetrainer sync`
    if as_json:
        click.echo(json.dumps({**result.to_dict(), "rep": rep, "result": verdict.to_dict()}, ensure_ascii=False))
    else:
        view.summary(result)
        print_verdict(view, verdict)
        if out_dir is not None:
            say(f"The customer's lines are in {out_dir}")


# --- sessions --------------------------------------------------------------------------------------------------


@main.group()
def sessions():
    """Saved practice sessions."""


@sessions.command("list")
@click.option("--limit", type=int, default=20, show_default=True)
@click.option("--rep", default=None, metavar="ID", help="Only this rep's sessions.")
@data_dir_option
@handle_errors
def sessions_list(limit, rep, data_dir):
    """List recent sessions, newest first, with who practised and whether the call passed."""
    rows = open_store(data_dir).list_sessions(limit, rep=rep)
    if not rows:
        click.echo(f"No sessions by {rep}." if rep else "No sessions yet. Start one with `voicetrainer practice`.")
        return
    click.echo(f"{'ID':>4}  {'WHEN':16}  {'PERSONA':22}  {'TURNS':>5}  {'OUTCOME':10}  {'MOOD':7}  {'RESULT':6}  REP")
    for r in rows:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(r.started_at))
        mood = f"{r.start_mood:.0f}→{r.final_mood:.0f}" if r.final_mood is not None else f"{r.start_mood:.0f}"
        passed = json.loads(r.result)["passed"] if r.result else None
        result = "–" if passed is None else "passed" if passed else "failed"
        click.echo(f"{r.id:>4}  {when:16}  {r.persona_id[:22]:22}  {r.turn_count:>5}  {r.outcome or 'abandoned':10}  "
                   f"{mood:7}  {result:6}  {r.rep or '–'}")


@sessions.command("show")
@click.argument("session_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the session as JSON.")
@data_dir_option
@handle_errors
def sessions_show(session_id, as_json, data_dir):
    """Show one session turn by turn: what was said, the scores, their evidence and tips."""
    from voicetrainer.cli.view import format_session

    data = open_store(data_dir).session_json(session_id)
    click.echo(json.dumps(data, ensure_ascii=False, indent=2) if as_json else format_session(data))


@sessions.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file instead of stdout.")
@data_dir_option
@handle_errors
def sessions_export(fmt, out, data_dir):
    """Export every saved turn attempt, one row each, for a trainer or manager (CSV or JSON)."""
    from voicetrainer.core.progress import EXPORT_FIELDS, turn_rows

    store = open_store(data_dir)
    rows = turn_rows(store.all_sessions())
    if not rows:
        store.latest_session_id()  # raises the "no sessions saved yet" error when there are none
        raise VoiceTrainerError("no saved turns yet: every session ended before the first reply")
    if fmt == "json":
        text = json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    else:
        import csv
        import io

        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=EXPORT_FIELDS, lineterminator="\n")
        w.writeheader()
        for row in rows:  # hits as 1/0 so a spreadsheet can sum them; missing values as empty cells
            w.writerow({k: ("" if v is None else int(v) if isinstance(v, bool) else v) for k, v in row.items()})
        text = buf.getvalue()
    if out is None:
        click.echo(text, nl=False)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as e:
        raise VoiceTrainerError(f"cannot write {out} ({e}); pass another --out") from None
    click.echo(f"Wrote {len(rows)} turn(s) to {out}")


# --- report, progress ------------------------------------------------------------------------------------------


def show_html(path: Path, open_in_browser: bool) -> None:
    """Print where an HTML page was written and, when asked, open it in the web browser."""
    path = path.resolve()
    click.echo(str(path))
    if open_in_browser:
        import webbrowser

        webbrowser.open(path.as_uri())


@main.command()
@click.argument("session_id", type=int, required=False)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the HTML (default: reports/ in the data folder).")
@click.option("--open", "open_", is_flag=True, help="Open the report in the web browser.")
@data_dir_option
@handle_errors
def report(session_id, out, open_, data_dir):
    """Write SESSION_ID's report (default: the latest) as one self-contained HTML file and print its path."""
    from voicetrainer.reports.html import write_session_report

    show_html(write_session_report(open_store(data_dir), session_id, out), open_)


@main.command()
@click.option("--html", "as_html", is_flag=True, help="Write the same as a self-contained HTML file and print its path.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="With --html: where to write it (default: reports/progress.html in the data folder).")
@click.option("--open", "open_", is_flag=True, help="With --html: open it in the web browser.")
@click.option("--rep", default=None, metavar="ID", help="Only this rep's sessions.")
@data_dir_option
@handle_errors
def progress(as_html, out, open_, rep, data_dir):
    """How your scores moved over your sessions, per skill and per scenario; your best and weakest skills."""
    from voicetrainer.core.progress import compute_progress
    from voicetrainer.reports.html import write_progress_report
    from voicetrainer.cli.view import print_progress

    store = open_store(data_dir)
    if as_html:
        show_html(write_progress_report(store, out, rep=rep), open_)
        return
    result = compute_progress(store.all_sessions(rep=rep))
    if result is None:
        if rep:
            raise VoiceTrainerError(f"no scored sessions by {rep}; `voicetrainer sessions list` shows who practised")
        store.latest_session_id()  # raises the "no sessions saved yet" error when there are none
        raise VoiceTrainerError("no scored turns yet: every session ended before the first reply")
    print_progress(result)


# --- persona, score, rubric ------------------------------------------------------------------------------------

from voicetrainer.cli.persona import persona  # noqa: E402  (the group lives in its own module; it only registers commands)

main.add_command(persona)

from voicetrainer.cli.team import config, sync, team  # noqa: E402  (team practice: cli/team.py, docs/team.md)

for _command in (sync, team, config):
    main.add_command(_command)


@main.command()
@click.argument("file", type=click.File("r", encoding="utf-8"), default="-")
@click.option("--model", default=None, envvar="VOICETRAINER_MODEL", help="Whisper model for audio lines.")
@click.option("--rubric", "rubric_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="A rubric file to use instead of the built-in one.")
@handle_errors
def score(file, model, rubric_path):
    """Score replies in JSON Lines (FILE or stdin): {"customer": ..., "reply": ...} or {"customer": ..., "audio": WAV}."""
    from voicetrainer.batch import score_lines
    from voicetrainer.scoring.scorer import load_rubric

    rubric = load_rubric(rubric_path)
    transcriber = None

    def transcribe(clip):  # the model loads on the first audio line only
        nonlocal transcriber
        from voicetrainer.speech.stt import FasterWhisperTranscriber

        if transcriber is None:
            transcriber = FasterWhisperTranscriber(model)
        return transcriber.transcribe(clip)

    from voicetrainer.cli.view import LiveView

    # A progress bar on stderr only when the results go to a file and the input is a file we can count first
    # (stdin is streamed line by line, and results scrolling by on screen are progress enough).
    view, total = LiveView(stream=sys.stderr), 0
    if view.animate and not sys.stdout.isatty() and file.seekable():
        total = sum(1 for ln in file if ln.strip())
        file.seek(0)
    with view.counter("Scoring", total) as tick:
        for out in score_lines(file, rubric, transcribe):
            click.echo(json.dumps(out, ensure_ascii=False))
            tick()


@main.group()
def rubric():
    """The scoring rubric."""


@rubric.command("show")
@click.option("--persona", default=None, help="Show the rubric with this persona's overrides applied.")
@click.option("--rubric", "rubric_path", type=click.Path(dir_okay=False, path_type=Path), default=None)
@data_dir_option
@handle_errors
def rubric_show(persona, rubric_path, data_dir):
    """Print the rubric in force: phrases, patterns, weights and thresholds."""
    from voicetrainer.batch import format_rubric
    from voicetrainer.core.persona import find_persona
    from voicetrainer.scoring.scorer import load_rubric

    overrides = find_persona(persona, data_dir or default_data_dir()).rubric if persona else None
    click.echo(format_rubric(load_rubric(rubric_path, overrides)))


@main.command()
@handle_errors
def voices():
    """List the text-to-speech voices installed on this machine (for a persona's voice.voice_id)."""
    from voicetrainer.speech.tts import Pyttsx3Synthesizer

    for vid, name in Pyttsx3Synthesizer().voices():
        click.echo(f"{vid}\t{name}")


if __name__ == "__main__":
    main()
