"""`voicetrainer persona ...`: list, check and work with persona files."""

from __future__ import annotations

from pathlib import Path

import click

from .errors import VoiceTrainerError


def _cli():
    from . import cli

    return cli


@click.group()
def persona():
    """Personas: the simulated customers."""


@persona.command("list")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), envvar="VOICETRAINER_HOME", default=None)
def persona_list(data_dir):
    """List the personas you can practise with."""
    from .persona import load_persona, persona_files
    from .store import default_data_dir

    files = persona_files(data_dir or default_data_dir())
    if not files:
        click.echo("No personas found.")
        return
    for pid, path in files.items():
        try:
            p = load_persona(path)
            click.echo(f"{pid:24} {p.scenario_type:20} {p.name}")
        except VoiceTrainerError:
            click.echo(f"{pid:24} {'INVALID':20} run `voicetrainer persona check {path}`")


@persona.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), envvar="VOICETRAINER_HOME", default=None)
def persona_check(paths, data_dir):
    """Validate persona files (default: all of them). Prints file:line: field: problem."""
    from .persona import persona_errors, persona_files
    from .store import default_data_dir

    files = list(paths) or list(persona_files(data_dir or default_data_dir()).values())
    problems = 0
    for f in files:
        errs = persona_errors(Path(f))
        for e in errs:
            click.echo(e)
        problems += len(errs)
    click.echo(f"{len(files)} persona file(s) checked, {problems} problem(s)", err=True)
    if problems:
        raise SystemExit(1)
