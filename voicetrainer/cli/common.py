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
    """Show a VoiceTrainerError as one line ('Error: ...'), never a traceback; Ctrl-C exits 130, SIGTERM 143.

    Last guards, for what no module turned into a VoiceTrainerError: a file that cannot be read or written
    (OSError) and running out of memory are one line too.
    """

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from voicetrainer.cli.signals import Terminated, interrupts

        try:
            with interrupts():
                return fn(*args, **kwargs)
        except VoiceTrainerError as e:
            raise click.ClickException(str(e)) from None
        except KeyboardInterrupt as e:
            click.echo("\nInterrupted; everything said so far is saved.", err=True)
            sys.exit(143 if isinstance(e, Terminated) else 130)
        except OSError as e:
            where = f"{e.filename}: " if e.filename else ""
            raise click.ClickException(f"{where}{e.strerror or e}; check the path, its permissions and the free "
                                       "space") from None
        except MemoryError:
            raise click.ClickException("out of memory; the input is too big (docs/robustness.md lists the "
                                       "limits)") from None

    return wrapper  # type: ignore[return-value]  # functools.wraps keeps the signature click reads


def _data_dir_path(ctx: click.Context, param: click.Parameter, value: str | None) -> Path | None:
    """--data-dir as a Path; an empty one is refused (it silently meant the current folder)."""
    if value is None:
        return None
    if not value.strip():
        raise click.BadParameter("an empty path would put your sessions in the current folder; give a folder "
                                 "(`--data-dir .` for this one) or leave the option out")
    return Path(value)


def allow_download_option() -> Callable[[F], F]:
    """`--allow-download`: a Whisper model not on this machine may be fetched from the hub (never by default)."""
    return click.option("--allow-download", is_flag=True,
                        help="Allow fetching a --model that is not installed from the Hugging Face hub (network).")


# Whole numbers that SQLite stores (signed 64 bits): a session id, a seed. Bigger ones are refused in one line.
SESSION_ID = click.IntRange(1, 2**63 - 1)
SEED = click.IntRange(0, 2**63 - 1)


def data_dir_option(help_text: str = SESSIONS_HELP) -> Callable[[F], F]:
    """`--data-dir DIR` (env VOICETRAINER_HOME), passed to the command as `data_dir` (None: the default folder)."""
    return click.option("--data-dir", type=click.Path(file_okay=False), envvar="VOICETRAINER_HOME",
                        default=None, help=help_text, callback=_data_dir_path)


def data_folder(option: Path | None) -> Path:
    """The data folder: --data-dir / VOICETRAINER_HOME, else the per-user default."""
    return option or default_data_dir()


def user_personas(option: Path | None) -> Path:
    """The user's own persona folder, personas/ in the data folder."""
    return data_folder(option) / "personas"


def open_store(option: Path | None, read_only_ok: bool = False) -> Store:
    """The session store, its notices (a row skipped, a turn kept in the journal) printed on stderr as they happen.

    Args:
        read_only_ok: the command only reads: a store on read-only media is opened read-only instead of refused.
    """
    store = Store(data_folder(option), read_only_ok=read_only_ok)
    for msg in store.notices:  # what opening it found (a journal replayed)
        note(msg)
    store.on_notice = note
    return store


def writable_dir(path: Path, option: str) -> Path:
    """`path` as a folder we can write into (made if missing), checked before any work is done.

    Raises:
        OutputError: it cannot be made or written (read-only, a file in its place, no permission, disk full).
    """
    import tempfile

    from voicetrainer.errors import OutputError

    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as e:
        raise OutputError(f"cannot write to {path} ({e.strerror or e}); choose a writable folder for "
                          f"{option}") from None
    return path


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
