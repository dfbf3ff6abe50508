"""`voicetrainer sessions list|show|export|repair`: the saved practice sessions, as a table, a transcript, CSV or
JSON, and the recovery of a damaged store."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from voicetrainer.cli.common import SESSION_ID, data_dir_option, handle_errors, open_store
from voicetrainer.errors import VoiceTrainerError


@click.group()
def sessions():
    """Saved practice sessions."""


@sessions.command("list")
@click.option("--limit", type=click.IntRange(0, 10**9), default=20, show_default=True, help="0: all of them.")
@click.option("--rep", default=None, metavar="ID", help="Only this rep's sessions.")
@data_dir_option()
@handle_errors
def sessions_list(limit, rep, data_dir):
    """List recent sessions, newest first, with who practised and whether the call passed."""
    from voicetrainer.text import printable

    rows = open_store(data_dir, read_only_ok=True).list_sessions(limit, rep=rep)
    if not rows:
        click.echo(f"No sessions by {rep}." if rep else "No sessions yet. Start one with `voicetrainer practice`.")
        return
    click.echo(f"{'ID':>4}  {'WHEN':16}  {'PERSONA':22}  {'TURNS':>5}  {'OUTCOME':10}  {'MOOD':7}  {'RESULT':6}  REP")
    for r in rows:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(r.started_at))
        mood = f"{r.start_mood:.0f}→{r.final_mood:.0f}" if r.final_mood is not None else f"{r.start_mood:.0f}"
        passed = json.loads(r.result)["passed"] if r.result else None
        result = "–" if passed is None else "passed" if passed else "failed"
        click.echo(printable(f"{r.id:>4}  {when:16}  {str(r.persona_id)[:22]:22}  {r.turn_count:>5}  "
                             f"{r.outcome or 'interrupted':10}  {mood:7}  {result:6}  {r.rep or '–'}"))


@sessions.command("show")
@click.argument("session_id", type=SESSION_ID)
@click.option("--json", "as_json", is_flag=True, help="Print the session as JSON.")
@data_dir_option()
@handle_errors
def sessions_show(session_id, as_json, data_dir):
    """Show one session turn by turn: what was said, the scores, their evidence and tips."""
    from voicetrainer.cli.view import format_session
    from voicetrainer.text import printable

    data = open_store(data_dir, read_only_ok=True).session_json(session_id)
    click.echo(json.dumps(data, ensure_ascii=False, indent=2) if as_json else printable(format_session(data)))


@sessions.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "rows", "json"]), default="csv", show_default=True,
              help="csv: one row per turn attempt; rows: the same rows as JSON; json: every session in the one "
                   "session shape of practice --json and sessions show --json.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file instead of stdout.")
@data_dir_option()
@handle_errors
def sessions_export(fmt, out, data_dir):
    """Export every saved session for a trainer or manager: turn rows (CSV or JSON) or whole sessions (JSON)."""
    from voicetrainer.core.progress import EXPORT_FIELDS, turn_rows
    from voicetrainer.text import csv_cell

    store = open_store(data_dir, read_only_ok=True)
    sessions = store.all_sessions()
    rows = turn_rows(sessions)
    if not rows:
        store.latest_session_id()  # raises the "no sessions saved yet" error when there are none
        if store.notices:
            raise VoiceTrainerError("no readable turns: every saved turn is malformed (listed above); "
                                    "`voicetrainer sessions repair` checks the store")
        raise VoiceTrainerError("no saved turns yet: every session ended before the first reply")
    if fmt == "json":
        text = json.dumps(sessions, ensure_ascii=False, indent=2) + "\n"
    elif fmt == "rows":
        text = json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    else:
        import csv
        import io

        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=EXPORT_FIELDS, lineterminator="\n")
        w.writeheader()
        for row in rows:  # hits as 1/0 so a spreadsheet can sum them; missing values as empty cells; no formulas
            w.writerow({k: ("" if v is None else int(v) if isinstance(v, bool) else csv_cell(v))
                        for k, v in row.items()})
        text = buf.getvalue()
    if out is None:
        click.echo(text, nl=False)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as e:
        raise VoiceTrainerError(f"cannot write {out} ({e.strerror or e}); pass another --out") from None
    what = f"{len(sessions)} session(s)" if fmt == "json" else f"{len(rows)} turn(s)"
    click.echo(f"Wrote {what} to {out}")


@sessions.command("repair")
@data_dir_option()
@handle_errors
def sessions_repair(data_dir):
    """Check the session store; move a damaged one aside and recover every row it still holds into a new one.

    A healthy store is left as it is (its malformed rows, which readers skip, are listed). Nothing is deleted: the
    damaged file is kept beside the new one. docs/robustness.md describes the recovery.
    """
    from voicetrainer.cli.common import data_folder
    from voicetrainer.store_repair import repair

    for line in repair(data_folder(data_dir)).lines():
        click.echo(line)
