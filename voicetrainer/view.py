"""What the rep sees in the terminal: the persona's line, a level meter, a spinner, the transcript and scores.

Plain text through rich (works in a plain terminal; colours only when the terminal supports them). No domain logic.
"""

from __future__ import annotations

import contextlib
import sys
from typing import TextIO

from rich.console import Console
from rich.markup import escape

from .types import DIMENSIONS

MARK = {True: "✓", False: "✗"}


def mood_word(mood: float) -> str:
    return ("calm" if mood < 25 else "settling" if mood < 45 else "annoyed" if mood < 65
            else "angry" if mood < 85 else "furious")


def score_line(scores: dict) -> str:
    return "  ".join(f"{d} {MARK[scores[d]['hit']]}" for d in DIMENSIONS if d in scores)


class LiveView:
    def __init__(self, quiet: bool = False, stream: TextIO | None = None):
        self.quiet = quiet
        self.console = Console(file=stream or sys.stdout, highlight=False)
        self.err = Console(file=sys.stderr, highlight=False, soft_wrap=True)
        self._meter_shown = False

    def note(self, msg: str) -> None:
        """A one-line notice; shown even when quiet (it explains a fallback)."""
        self.err.print(escape(msg))

    def status(self, msg: str):
        if self.quiet:
            return contextlib.nullcontext()
        return self.console.status(escape(msg))

    def intro(self, persona) -> None:
        if self.quiet:
            return
        self.console.rule(f"[bold]{escape(persona.name)}[/]")
        self.console.print(escape(persona.scenario))
        self.console.print("[dim]Answer as you would on a real call. Ctrl-C ends the session (it is saved).[/]\n")

    def ask(self, persona_line: str) -> str | None:
        try:
            return self.console.input("[bold cyan]You:[/] ")
        except EOFError:
            return None

    def level(self, db: float, speaking: bool) -> None:
        if self.quiet:
            return
        bars = int(max(0, min(30, (db + 60) / 2)))
        label = "speaking " if speaking else "listening"
        self.console.file.write(f"\r  {label} [{'#' * bars:<30}] ")
        self.console.file.flush()
        self._meter_shown = True

    def _clear_meter(self) -> None:
        if self._meter_shown:
            self.console.file.write("\r" + " " * 60 + "\r")
            self._meter_shown = False

    def event(self, e) -> None:
        if self.quiet:
            return
        self._clear_meter()
        if e.kind == "persona_line":
            self.console.print(f"[bold magenta]Customer[/] [dim]({mood_word(e.data['mood'])})[/]: "
                               f"{escape(e.data['text'])}")
        elif e.kind == "transcribing":
            self.console.print("[dim]  transcribing…[/]")
        elif e.kind == "turn":
            t = e.data["turn"]
            if t.reply:
                self.console.print(f"  [dim]heard:[/] {escape(t.reply)}")
            else:
                self.console.print("  [dim](nothing heard)[/]")
            scores = t.score.to_dict() if t.score else {}
            self.console.print(f"  {score_line(scores)}   mood {t.mood_before:.0f} → {t.mood_after:.0f}")
            tips = [scores[d]["tip"] for d in DIMENSIONS if d in scores and not scores[d]["hit"] and scores[d]["tip"]]
            if tips:
                self.console.print(f"  [yellow]tip:[/] {escape(tips[0])}")

    def summary(self, result) -> None:
        if self.quiet:
            self.console.print(f"{result.persona.id}: {result.outcome} after {len(result.turns)} turn(s)"
                               + (f" (session {result.session_id})" if result.session_id else ""))
            return
        self.console.rule()
        self.console.print(f"Outcome: [bold]{result.outcome}[/] after {len(result.turns)} turn(s)."
                           + (f" Saved as session {result.session_id}; `voicetrainer sessions show "
                              f"{result.session_id}` for the details." if result.session_id else ""))


def format_session(data: dict) -> str:
    """A plain-text transcript of a saved session with scores, evidence and tips."""
    out = [f"Session {data['id']}: {data['persona_name']} ({data['persona']}) — {data['outcome']}",
           f"Mood {data['start_mood']:.0f} → {data['final_mood'] if data['final_mood'] is not None else '?'}", ""]
    for t in data["turns"]:
        attempt = f" (attempt {t['attempt']})" if t.get("attempt", 1) > 1 else ""
        out.append(f"Turn {t['index']}{attempt} [{t['intent']}]")
        out.append(f"  Customer: {t['persona_line']}")
        out.append(f"  You:      {t['reply'] or '(nothing heard)'}")
        for d in DIMENSIONS:
            s = t["scores"].get(d)
            if not s:
                continue
            ev = f" — \"{'; '.join(s['evidence'])}\"" if s["evidence"] else ""
            out.append(f"    {d:10} {MARK[s['hit']]} {s['score']:.2f}{ev}")
            if s["tip"] and not s["hit"]:
                out.append(f"               tip: {s['tip']}")
        out.append(f"  Mood {t['mood_before']:.0f} → {t['mood_after']:.0f}")
        out.append("")
    return "\n".join(out)
