"""`voicetrainer report` and `voicetrainer progress`: a session's HTML report, and progress over sessions (terminal
tables or HTML).

This is where the pages' data is fetched: the session from the store, the persona's backstory, the recordings'
bytes. `voicetrainer.reports` then lays them out without touching a database or an audio file.
"""

from __future__ import annotations

from pathlib import Path

import click

from voicetrainer.cli.common import SESSION_ID, data_dir_option, handle_errors, open_store, show_html
from voicetrainer.errors import VoiceTrainerError
from voicetrainer.store import Store


def read_recordings(turns: list[dict]) -> dict[str, bytes]:
    """The bytes of each turn's recording that is still on disk, by its audio_path (the report embeds them)."""
    out = {}
    for t in turns:
        path = t.get("audio_path")
        if path:
            try:
                out[path] = Path(path).read_bytes()
            except OSError:
                pass  # deleted since: the report says so
    return out


def write_session_page(store: Store, session_id: int | None = None, out: Path | None = None) -> Path:
    """Fetch a saved session (default: the latest), its persona's backstory and its recordings; write its report.

    Raises:
        StoreError: no sessions, an unknown id, or an unwritable path.
    """
    from voicetrainer.cli.common import find_persona
    from voicetrainer.errors import PersonaError
    from voicetrainer.reports import reports_dir, write_session_report

    sid = store.latest_session_id() if session_id is None else session_id
    session = store.session_json(sid)
    scenario = None
    try:
        scenario = find_persona(session["persona"], store.data_dir).scenario
    except PersonaError:
        pass  # the persona file was renamed or deleted since; the report simply leaves the backstory out
    return write_session_report(session, out or reports_dir(store.data_dir) / f"session-{sid}.html", scenario,
                                read_recordings(session["turns"]))


def write_progress_page(store: Store, out: Path | None = None, rep: str | None = None) -> Path:
    """Compute progress over every saved session (only `rep`'s when given) and write it as HTML
    (default: reports/progress.html).

    Raises:
        StoreError: no scored session yet, or an unwritable path.
    """
    from voicetrainer.core.progress import compute_progress
    from voicetrainer.errors import StoreError
    from voicetrainer.reports import reports_dir, write_progress_report

    progress = compute_progress(store.all_sessions(rep=rep))
    if progress is None:
        raise StoreError(f"no scored sessions by {rep}" if rep else
                         "no scored sessions yet; run `voicetrainer practice` first")
    return write_progress_report(progress, out or reports_dir(store.data_dir) / "progress.html")


@click.command()
@click.argument("session_id", type=SESSION_ID, required=False)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the HTML (default: reports/ in the data folder).")
@click.option("--open", "open_", is_flag=True, help="Open the report in the web browser.")
@data_dir_option()
@handle_errors
def report(session_id, out, open_, data_dir):
    """Write SESSION_ID's report (default: the latest) as one self-contained HTML file and print its path."""
    show_html(write_session_page(open_store(data_dir, read_only_ok=True), session_id, out), open_)


@click.command()
@click.option("--html", "as_html", is_flag=True,
              help="Write the same as a self-contained HTML file and print its path.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="With --html: where to write it (default: reports/progress.html in the data folder).")
@click.option("--open", "open_", is_flag=True, help="With --html: open it in the web browser.")
@click.option("--rep", default=None, metavar="ID", help="Only this rep's sessions.")
@data_dir_option()
@handle_errors
def progress(as_html, out, open_, rep, data_dir):
    """How your scores moved over your sessions, per skill and per scenario; your best and weakest skills."""
    from voicetrainer.cli.progress_view import print_progress
    from voicetrainer.core.progress import compute_progress

    store = open_store(data_dir, read_only_ok=True)
    if as_html:
        show_html(write_progress_page(store, out, rep=rep), open_)
        return
    result = compute_progress(store.all_sessions(rep=rep))
    if result is None:
        if rep:
            raise VoiceTrainerError(f"no scored sessions by {rep}; `voicetrainer sessions list` shows who practised")
        store.latest_session_id()  # raises the "no sessions saved yet" error when there are none
        if store.notices:
            raise VoiceTrainerError("no readable turns: every saved turn is malformed (listed above); "
                                    "`voicetrainer sessions repair` checks the store")
        raise VoiceTrainerError("no scored turns yet: every session ended before the first reply")
    print_progress(result)
