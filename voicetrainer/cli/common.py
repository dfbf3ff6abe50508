"""What every command module shares: errors as one line, the --data-dir option, the store, printing an HTML page.

Only the CLI turns a `VoiceTrainerError` into a one-line message and exit code 1 (`handle_errors`).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from voicetrainer import config
from voicetrainer.errors import VoiceTrainerError
from voicetrainer.store import Store, default_data_dir

F = TypeVar("F", bound=Callable[..., Any])

SESSIONS_HELP = "Where sessions are saved (env VOICETRAINER_HOME)."
PERSONAS_HELP = "Your data folder (env VOICETRAINER_HOME); personas live in its personas/."


def handle_errors(fn: F) -> F:
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

    return wrapper  # type: ignore[return-value]  # functools.wraps keeps the signature click reads


def data_dir_option(help_text: str = SESSIONS_HELP) -> Callable[[F], F]:
    """`--data-dir DIR` (env VOICETRAINER_HOME), passed to the command as `data_dir` (None: the default folder)."""
    return click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), envvar="VOICETRAINER_HOME",
                        default=None, help=help_text)


def data_folder(option: Path | None) -> Path:
    """The data folder: --data-dir / VOICETRAINER_HOME, else the per-user default."""
    return option or default_data_dir()


def user_personas(option: Path | None) -> Path:
    """The user's own persona folder, personas/ in the data folder."""
    return data_folder(option) / "personas"


def open_store(option: Path | None) -> Store:
    return Store(data_folder(option))


def note(msg: str) -> None:
    """A notice on stderr, so stdout keeps only what a script would read."""
    click.echo(msg, err=True)


def show_html(path: Path, open_in_browser: bool) -> None:
    """Print where an HTML page was written and, when asked, open it in the web browser."""
    path = path.resolve()
    click.echo(str(path))
    if open_in_browser:
        import webbrowser

        webbrowser.open(path.as_uri())


def find_persona(name_or_path: str, data_dir: Path | None):
    """`core.persona.find_persona` with the extra folder of $VOICETRAINER_PERSONAS (read here, not in the core)."""
    from voicetrainer.core import persona

    return persona.find_persona(name_or_path, data_dir, config.extra_persona_dir())


def persona_files(data_dir: Path | None) -> dict[str, Path]:
    """`core.persona.persona_files` with the extra folder of $VOICETRAINER_PERSONAS."""
    from voicetrainer.core import persona

    return persona.persona_files(data_dir, config.extra_persona_dir())
