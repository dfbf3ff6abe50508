"""`voicetrainer progress` in the terminal: a table per skill and per scenario with sparklines, how often each step of
a call happened (the call scorecards), how many calls passed and why the others failed, then the best skill and the
one to work on next with its latest tip, named by the scenario it was given in. The numbers are core/progress.py's.
"""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from voicetrainer.cli.view import result_rest, shown


def _change(v: float | None) -> str:
    if v is None:
        return "[dim]–[/]"
    if abs(v) < 0.005:
        return "[dim]= 0.00[/]"
    return f"[green]▲ {v:+.2f}[/]" if v > 0 else f"[yellow]▼ {v:+.2f}[/]"


def _trend_table(first: str, last: str) -> Table:
    """A progress table: its name column, sessions/first/latest/change (numbers, right-aligned), trend, `last`."""
    t = Table(header_style="dim", show_edge=False, pad_edge=False)
    t.add_column(first)
    for name in ("Sessions", "First", "Latest", "Change"):
        t.add_column(name, justify="right")
    t.add_column("Trend")
    t.add_column(last)
    return t


def print_progress(progress, console: Console | None = None) -> None:
    """`voicetrainer progress` in the terminal: a table per skill and per scenario with sparklines, then the
    best and weakest skills. `progress` is a `progress.Progress`."""
    from voicetrainer.core.progress import bar, sparkline

    console = console or Console(highlight=False)
    pts = progress.sessions
    console.print(f"[bold]Progress over {len(pts)} session(s)[/] [dim](scores 0–1, first attempts only; "
                  "the trend runs oldest → newest)[/]")
    t = _trend_table("Skill", "Recent")
    skills = {k.name: k for k in progress.skills}
    for d in progress.dimensions:
        recent = skills[d.name].recent_mean
        t.add_row(d.name, str(len(d.values)), f"{d.first:.2f}", f"{d.latest:.2f}", _change(d.change),
                  sparkline(d.values[-24:]), f"{bar(recent)} {recent:.2f}")
    console.print(t)
    console.print()
    t = _trend_table("Scenario", "Weakest here")
    for sc in progress.scenarios:
        grid = progress.scenario_dimensions[sc.name]
        low = min(grid, key=grid.get) if grid else ""
        t.add_row(shown(sc.name.replace("_", " ")), str(len(sc.values)), f"{sc.first:.2f}", f"{sc.latest:.2f}",
                  _change(sc.change), sparkline(sc.values[-24:]), f"{low} {grid[low]:.2f}" if low else "")
    console.print(t)
    console.print()
    if progress.calls is not None:
        print_call_steps(progress.calls, console)
    if progress.passes is not None:
        print_passes(progress.passes, progress.scenario_passes, console)
    best, weak = progress.best, progress.weakest
    # Each skill over its own recent sessions: a dimension never due in a call has no score there.
    console.print(f"[green]Best skill:[/] [bold]{best.name}[/] — mean {best.recent_mean:.2f}, hit in "
                  f"{best.recent_hit_rate:.0%} of the turns it was due over the last {best.sessions} session(s).")
    console.print(f"[yellow]Work on next:[/] [bold]{weak.name}[/] — mean {weak.recent_mean:.2f}, hit in "
                  f"{weak.recent_hit_rate:.0%} of the turns it was due over the last {weak.sessions} session(s).")
    if weak.tip:
        console.print(f"  [yellow]latest tip[/] [dim]({tip_source(weak.tip)})[/][yellow]:[/] {shown(weak.tip.text)}")
    if len(pts) < 2:
        console.print("[dim]One session so far: the trend shows from the second one.[/]")


def tip_source(tip) -> str:
    """Where a tip was given: 'delayed refund, delayed-refund, session 3' (a tip quotes its own scenario's facts)."""
    return f"{tip.scenario_type.replace('_', ' ')}, {tip.persona}, session {tip.session_id}"


def print_call_steps(calls, console: Console) -> None:
    """How often each scorecard step happened over the finished calls, at which turn, and how soon calm came."""
    from voicetrainer.core.progress import bar

    t = Table(header_style="dim", show_edge=False, pad_edge=False,
              title=f"The call, step by step ({calls.calls} finished call(s))", title_justify="left",
              title_style="bold")
    t.add_column("Step")
    t.add_column("Calls", justify="right")
    t.add_column("Share")
    t.add_column("Usually at", justify="right")
    for st in calls.steps:
        t.add_row(st.label, f"{st.happened}/{st.calls}", f"{bar(st.rate)} {st.rate:.0%}",
                  f"turn {st.median_turn:g}" if st.median_turn is not None else "–")
    console.print(t)
    if calls.median_turns_until_calm is not None:
        console.print(f"The customer calmed in {calls.calmed} of {calls.calls} call(s), after a median of "
                      f"{calls.median_turns_until_calm:g} turn(s).")
    else:
        console.print(f"The customer calmed in none of {calls.calls} call(s).")
    console.print()


def print_passes(passes, by_scenario: dict, console: Console) -> None:
    """How many finished calls passed (per scenario too), the most common causes of a fail, and the latest result
    with its reasons."""
    from voicetrainer.core.progress import CAUSE_LABELS
    from voicetrainer.team.passmark import PassResult

    line = f"[bold]Passed {passes.passed} of {passes.judged} call(s)[/]"
    if len(by_scenario) > 1:
        line += " (" + ", ".join(f"{sc.replace('_', ' ')} {p}/{n}" for sc, (p, n) in by_scenario.items()) + ")"
    line += "." + (" Failed by: " + ", ".join(f"{CAUSE_LABELS.get(c, c)} ({n})" for c, n in passes.causes) + "."
                   if passes.causes else "")
    console.print(line)
    latest = PassResult.from_dict(passes.latest)
    console.print(f"  latest, session {passes.latest['session_id']} "
                  f"({escape(passes.latest['scenario_type'].replace('_', ' '))}): "
                  f"{'passed' if latest.passed else 'failed'}{escape(result_rest(latest))}")
    console.print()
