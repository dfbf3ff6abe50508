"""`voicetrainer score` (batch scoring of JSON Lines) and `voicetrainer rubric show`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from voicetrainer.cli.common import allow_download_option, data_dir_option, data_folder, handle_errors


@click.command()
@click.argument("file", type=click.File("rb"), default="-")  # decoded line by line: an error per line
@click.option("--model", default=None, envvar="VOICETRAINER_MODEL", help="Whisper model for audio lines.")
@click.option("--rubric", "rubric_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="A rubric file to use instead of the built-in one.")
@allow_download_option()
@handle_errors
def score(file, model, rubric_path, allow_download):
    """Score replies in JSON Lines (FILE or stdin): {"customer": ..., "reply": ...} or
    {"customer": ..., "audio": WAV}."""
    from voicetrainer import config
    from voicetrainer.batch import read_jsonl, score_lines
    from voicetrainer.scoring import load_rubric

    rubric = load_rubric(rubric_path or config.rubric_path())
    transcriber = None

    def transcribe(clip):  # the model loads on the first audio line only
        nonlocal transcriber
        from voicetrainer.speech.stt import FasterWhisperTranscriber

        if transcriber is None:
            transcriber = FasterWhisperTranscriber(model, allow_download=allow_download)
        return transcriber.transcribe(clip)

    from voicetrainer.cli.view import LiveView

    # A progress bar on stderr only when the results go to a file and the input is a file we can count first
    # (stdin is streamed line by line, and results scrolling by on screen are progress enough).
    view, total = LiveView(stream=sys.stderr), 0
    if view.animate and not sys.stdout.isatty() and file.seekable():
        total = sum(chunk.count(b"\n") for chunk in iter(lambda: file.read(1 << 20), b""))  # bounded memory
        file.seek(0)
    with view.counter("Scoring", total) as tick:
        for out in score_lines(read_jsonl(file), rubric, transcribe):
            click.echo(json.dumps(out, ensure_ascii=False))
            tick()


@click.group()
def rubric():
    """The scoring rubric."""


@rubric.command("show")
@click.option("--persona", default=None, help="Show the rubric with this persona's overrides applied.")
@click.option("--rubric", "rubric_path", type=click.Path(dir_okay=False, path_type=Path), default=None)
@data_dir_option()
@handle_errors
def rubric_show(persona, rubric_path, data_dir):
    """Print the rubric in force: phrases, patterns, weights and thresholds."""
    from voicetrainer import config
    from voicetrainer.batch import format_rubric
    from voicetrainer.cli.common import find_persona
    from voicetrainer.scoring import load_rubric

    overrides = find_persona(persona, data_folder(data_dir)).rubric if persona else None
    click.echo(format_rubric(load_rubric(rubric_path or config.rubric_path(), overrides)))
