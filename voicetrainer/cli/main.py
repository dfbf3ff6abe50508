"""The `voicetrainer` command: the root click group, which registers one module per command group.

    practice                  cli/practice.py    sessions list|show|export   cli/sessions.py
    report, progress          cli/report.py      score, rubric show          cli/score.py
    persona ...               cli/persona.py     voices                      cli/voices.py
    sync, team report, config cli/team.py

Shared helpers (errors as one line, --data-dir, the store) are in cli/common.py. Each command imports what it runs
inside its body, so `import voicetrainer.cli.main` (every `voicetrainer` call) loads no model, device or template.
"""

from __future__ import annotations

import click

from voicetrainer.cli.persona import persona
from voicetrainer.cli.practice import practice
from voicetrainer.cli.report import progress, report
from voicetrainer.cli.score import rubric, score
from voicetrainer.cli.sessions import sessions
from voicetrainer.cli.team import config, sync, team
from voicetrainer.cli.voices import voices


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="voicetrainer")
def main():
    """Rehearse difficult customer conversations out loud, offline."""


for command in (practice, sessions, report, progress, persona, score, rubric, voices, sync, team, config):
    main.add_command(command)


if __name__ == "__main__":
    main()
