"""What the rep sees in the terminal while practising and at the end of a call (the call scorecard and the pass
result), and the plain-text transcript of a saved session (`sessions show`). Marks follow each dimension's status in
the call (✓ hit, ✗ missed, · not needed yet, ✗ rejected), by the scorer's hit for turns saved before statuses.

Calm by design: one line per thing that happened (the customer's line, what was heard, a compact score line with
the mood), plus ONE transient line that is redrawn in place — the level meter while the rep talks, a spinner while
Whisper transcribes, a progress bar while a model loads. The transient line appears only on a real terminal; in a
pipe, a log or a test the view prints the same lines without the animation, so output stays clean.
`--quiet` turns the live view off. Rich does the rendering; no domain logic here.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import TextIO

from rich.console import Console
from rich.live import Live
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.spinner import Spinner
from rich.text import Text

from voicetrainer.cli.keys import is_retry, read_key, read_line
from voicetrainer.text.safe import printable
from voicetrainer.types import DIMENSIONS

MARK = {True: "✓", False: "✗"}
# A dimension's status in the call (core/feedback.py): not needed yet is neither a hit nor a miss, and an offer the
# customer turned down is never a hit.
STATUS_MARK = {"hit": "✓", "miss": "✗", "not_due": "·", "rejected": "✗"}
STATUS_NOTE = {"not_due": "not needed yet", "rejected": "offer rejected"}
METER_WIDTH = 30
METER_FLOOR_DB = -60.0   # the meter's left end; normal speech into a laptop mic sits around -35..-15 dBFS


def shown(text: str) -> str:
    """Text from a file or a database as the terminal should get it: no escape sequences, no Rich markup."""
    return escape(printable(str(text)))


def mood_word(mood: float) -> str:
    return ("calm" if mood < 25 else "settling" if mood < 45 else "annoyed" if mood < 65
            else "angry" if mood < 85 else "furious")


def mark(score: dict) -> str:
    """✓ / ✗ by the dimension's status when it has one (· not needed yet), else by its hit."""
    return STATUS_MARK.get(score.get("status", ""), MARK[score["hit"]])


def missed(score: dict) -> bool:
    status = score.get("status")
    return status in ("miss", "rejected") if status else not score["hit"]


def _marks(scores: dict) -> list[tuple[str, str, str]]:
    """(dimension, mark, style) in rubric order: ✓ green, ✗ yellow ('✗ rejected' for a turned-down offer), and a dim
    · for a dimension not needed yet (neither a hit nor a miss)."""
    out = []
    for d in DIMENSIONS:
        if d in scores:
            status = scores[d].get("status", "")
            m = mark(scores[d]) + (" rejected" if status == "rejected" else "")
            out.append((d, m, "dim" if status == "not_due" else "yellow" if missed(scores[d]) else "green"))
    return out


def score_line(scores: dict) -> str:
    """'calm ✓  empathy ✗  paraphrase ·  solution ✗ rejected' (plain text; `LiveView` colours it). · is a dimension
    not needed yet; a turn saved before statuses existed shows ✓ / ✗ by its hit."""
    return "  ".join(f"{d} {m}" for d, m, _ in _marks(scores))


def missed_tips(scores: dict) -> list[tuple[str, str]]:
    """(dimension, tip) for each dimension the reply missed, in rubric order."""
    return [(d, scores[d]["tip"]) for d in DIMENSIONS if d in scores and missed(scores[d]) and scores[d]["tip"]]


def level_meter(db: float, speaking: bool, width: int = METER_WIDTH) -> Text:
    """'● speaking ▕██████████····▏ -23 dB': the bar spans METER_FLOOR_DB..0 dBFS."""
    frac = max(0.0, min(1.0, (db - METER_FLOOR_DB) / -METER_FLOOR_DB))
    filled = int(round(frac * width))
    t = Text("  ")
    t.append("● speaking " if speaking else "○ listening", style="bold green" if speaking else "dim")
    t.append(" ▕")
    t.append("█" * filled, style="green" if frac < 0.9 else "yellow")
    t.append("·" * (width - filled), style="dim")
    t.append(f"▏ {db:4.0f} dB", style="dim")
    return t


class LiveView:
    """The live view of a practice session. Every method is a no-op (or one plain line) when `quiet`.

    Args:
        quiet: no live view (summary only).
        stream: where the view writes (stdout; stderr for --json runs).
        animate: redraw the transient line in place; default: only when `stream` is a terminal.
    """

    def __init__(self, quiet: bool = False, stream: TextIO | None = None, animate: bool | None = None):
        self.quiet = quiet
        # stderr is looked up each time it is printed to, not held: while the audio devices are open, descriptor 2
        # goes to the audio log (audio/native_log.py) and sys.stderr to the terminal.
        self.console = (Console(stderr=True, highlight=False) if stream is sys.stderr
                        else Console(file=stream or sys.stdout, highlight=False))
        self.err = Console(stderr=True, highlight=False, soft_wrap=True)
        self.animate = self.console.is_terminal if animate is None else animate
        self._live: Live | None = None
        self._heard_audio = False
        self._typing = False               # the rep types replies (ask() was called): the retry answer is a line
        self._pending: str | None = None   # a reply typed at the retry prompt: it answers the customer's next line

    # --- the transient line ------------------------------------------------------------------------------------

    def _show(self, renderable) -> None:
        if self._live is None:
            self._live = Live(renderable, console=self.console, transient=True, refresh_per_second=15,
                              redirect_stdout=False, redirect_stderr=False)
            self._live.start()
        else:
            self._live.update(renderable)

    def _hide(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None

    # --- notices and slow things -------------------------------------------------------------------------------

    def note(self, msg: str) -> None:
        """A one-line notice on stderr; shown even when quiet (it explains a fallback)."""
        self.err.print(escape(msg))

    def status(self, msg: str):
        """A context manager showing `msg` with a pulsing bar and the time taken, for waits of unknown length
        (loading a model). Nothing in a pipe or when quiet."""
        if self.quiet or not self.animate:
            return contextlib.nullcontext()
        return self._progress(msg, total=None)

    @contextlib.contextmanager
    def _progress(self, msg: str, total: int | None) -> Iterator[Callable[[], None]]:
        self._hide()
        columns = [SpinnerColumn(), TextColumn("{task.description}"), BarColumn(bar_width=30)]
        columns += [MofNCompleteColumn()] if total is not None else []
        with Progress(*columns, TimeElapsedColumn(), console=self.console, transient=True) as bar:
            task = bar.add_task(escape(msg), total=total)
            yield lambda: bar.advance(task)

    def counter(self, msg: str, total: int):
        """A context manager yielding `tick()`, showing a progress bar of `total` steps (batch scoring)."""
        if self.quiet or not self.animate or total <= 0:
            return contextlib.nullcontext(lambda: None)
        return self._progress(msg, total)

    # --- the conversation --------------------------------------------------------------------------------------

    def intro(self, persona) -> None:
        if self.quiet:
            return
        self.console.rule(f"[bold]{escape(persona.name)}[/]")
        self.console.print(escape(persona.scenario))
        self.console.print("[dim]Answer as you would on a real call. Ctrl-C ends the session (it is saved).[/]")
        self.console.print(f"[dim]Marks: ✓ done  ✗ missed  {STATUS_MARK['not_due']} not needed yet  "
                           "✗ rejected: offer turned down[/]\n")

    def ask(self, persona_line: str) -> str | None:
        """A typed reply (None at end of input). An empty Enter asks again: a typed call has no silent turns."""
        self._hide()
        self._typing = True
        if self._pending is not None:
            text, self._pending = self._pending, None
            self.console.print(f"[bold cyan]You:[/] {escape(text)}", soft_wrap=True)
            return text
        undecodable = 0
        while True:
            try:
                line = read_line(self.console, "[bold cyan]You:[/] ")
            except UnicodeDecodeError:  # a strict stdin (not a terminal) and bytes that are not UTF-8
                undecodable += 1
                if undecodable >= 3:
                    return None
                self.note("That reply was not UTF-8 text and was skipped; type it again.")
                continue
            if line is None:
                return None
            text = self._typed(line)
            if text.strip():
                return text
            self.console.print("  [dim](type your reply, then Enter; Ctrl-C ends the session)[/]")

    def _typed(self, text: str) -> str:
        """A typed reply as the session can use it: bytes that were not UTF-8 as U+FFFD, no control characters,
        cut (with a notice) at the reply length cap."""
        from voicetrainer.limits import MAX_REPLY_CHARS

        text = printable(text.encode("utf-8", "surrogateescape").decode("utf-8", "replace"))
        if len(text) > MAX_REPLY_CHARS:
            self.note(f"Your reply was cut to {MAX_REPLY_CHARS:,} characters (about 2 minutes of speech).")
            text = text[:MAX_REPLY_CHARS]
        return text

    def level(self, db: float, speaking: bool) -> None:
        """Called for every microphone frame: redraw the level meter (terminal only)."""
        if self.quiet or not self.animate:
            return
        self._show(level_meter(db, speaking))

    def event(self, e) -> None:
        """Show a session `Event`: persona_line, transcribing, turn, retry, notice (even when quiet), end.

        A spoken turn (`spoken` in the turn event, or a "transcribing" event before it) shows what Whisper heard:
        live replies come already transcribed, with no "transcribing" event.
        """
        if e.kind == "notice":
            self._hide()
            self.note(e.data["text"])
            return
        if self.quiet:
            return
        self._hide()
        if e.kind == "persona_line":
            self._heard_audio = False
            self.console.print(f"\n[bold magenta]Customer[/] [dim]({mood_word(e.data['mood'])})[/]: "
                               f"{shown(e.data['text'])}")
        elif e.kind == "transcribing":
            self._heard_audio = True
            msg = f"transcribing {e.data.get('seconds', 0):.1f} s of speech…"
            if self.animate:
                self._show(Spinner("dots", Text(msg, style="dim")))
            else:
                self.console.print(f"[dim]  {msg}[/]")
        elif e.kind == "turn":
            self._heard_audio = self._heard_audio or bool(e.data.get("spoken"))
            self._turn(e.data["turn"])
        elif e.kind == "retry":
            t = e.data["turn"]
            scores = t.to_dict()["scores"] if t.score else {}
            self.console.print(f"\n[bold]Try turn {t.index} again[/] [dim](attempt {t.attempt + 1})[/] "
                               "with these in mind:")
            for d, tip in missed_tips(scores):
                self.console.print(f"  [yellow]•[/] [bold]{d}[/]: {escape(tip)}")
            self.console.print(f"[bold magenta]Customer[/] [dim](again)[/]: {shown(t.persona_line)}")

    def _turn(self, t) -> None:
        if t.reply:
            if self._heard_audio:  # typed replies are on screen already
                self.console.print(f"  [dim]heard:[/] {shown(t.reply)}")
        else:
            self.console.print("  [dim](nothing heard)[/]")
        scores = t.to_dict()["scores"] if t.score else {}
        marks = "  ".join(f"{d} [{style}]{m}[/]" for d, m, style in _marks(scores))
        total = f"{t.score.total:.2f}" if t.score else "–"
        arrow = "↓" if t.mood_after < t.mood_before else "↑" if t.mood_after > t.mood_before else "="
        self.console.print(f"  {marks}  [dim]│[/] {total}  [dim]│[/] mood {t.mood_before:.0f} {arrow} "
                           f"{t.mood_after:.0f} [dim]({mood_word(t.mood_after)})[/]")
        tips = missed_tips(scores)
        if tips:
            self.console.print(f"  [yellow]tip:[/] {escape(tips[0][1])}")

    def offer_retry(self, turn) -> bool:
        """After a weak reply (any dimension missed): ask whether to retry the turn. True = retry."""
        if turn.score is None or not any(missed(s) for s in turn.to_dict()["scores"].values()):
            return False
        self._hide()
        if not self._typing:  # speaking: one key, no Enter needed (nothing else is being typed)
            self.console.print("  [dim]Press[/] [bold]r[/] [dim]to retry this turn with the tip in front of you, "
                               "Enter to go on.[/]")
            return is_retry(read_key(self.console))
        # Typing: a whole line, so 'r' retries only with Enter and a reply that starts with r is never taken for one.
        self.console.print("  [dim]Type[/] [bold]r[/] [dim]and Enter to retry with the tip in front of you, or Enter "
                           "to go on.[/]")
        answer = read_line(self.console)
        if answer is None or not answer.strip():
            return False
        if is_retry(answer):
            return True
        self._pending = answer
        self.console.print("  [dim](not a retry: that is your reply to what the customer says next)[/]")
        return False

    def summary(self, result, verdict=None) -> None:
        """The end of the session: the outcome, the call scorecard, and the pass result (`verdict`, a PassResult)
        as the last line. Quiet: the outcome and the result, one plain line each."""
        self._hide()
        n = len({t.index for t in result.turns})
        retried = len(result.turns) - n
        if self.quiet:
            self.console.print(f"{result.persona.id}: {result.outcome} after {n} turn(s)"
                               + (f" (session {result.session_id})" if result.session_id else ""))
            if verdict is not None:
                self.console.print(f"result: {verdict.summary}", markup=False, highlight=False, soft_wrap=True)
            return
        self.console.rule()
        self.console.print(f"Outcome: [bold]{result.outcome}[/] after {n} turn(s)"
                           + (f" and {retried} retr{'y' if retried == 1 else 'ies'}." if retried else ".")
                           + (f" Saved as session {result.session_id}; `voicetrainer report` shows it with "
                              + ("charts and your recordings." if any(t.audio_path for t in result.turns)
                                 else "charts.") if result.session_id else ""))
        if result.scorecard is not None:
            lines = scorecard_lines(result.scorecard.to_dict())
            self.console.print(f"[bold]{lines[0]}[/]")
            for line in lines[1:]:
                text = escape(line)
                if line.startswith("  ✓"):
                    text = "  [green]✓[/]" + text[3:]
                elif line.startswith("  ✗"):
                    text = "  [yellow]✗[/]" + text[3:]
                self.console.print(text, soft_wrap=True)
        if verdict is not None:
            word = "[bold green]passed[/]" if verdict.passed else "[bold yellow]failed[/]"
            self.console.print(f"Result: {word}{escape(result_rest(verdict))}", soft_wrap=True)


# --- the call scorecard and the pass result (the end of the live view, `sessions show`) ----------------------------


def scorecard_lines(card: dict) -> list[str]:
    """The call scorecard (`Scorecard.to_dict()`) as plain lines: a heading, each step with the turn it happened at
    (✓) or 'never' (✗), then when the customer calmed, lost calm, stalled turns, offers and the outcome."""
    from voicetrainer.core.progress import STEP_LABELS

    width = max(len(v) for v in STEP_LABELS.values())
    out = [f"Call scorecard ({card.get('turns', 0)} turn(s)):"]
    accepted, rejected = card.get("offers_accepted") or [], card.get("offers_rejected") or []
    for name, label in STEP_LABELS.items():
        at = card.get("steps", {}).get(name)
        when = f"turn {at}" if at is not None else "never"
        extra = f"  ({', '.join(accepted)})" if name == "offered_accepted_remedy" and accepted else ""
        out.append(f"  {'✓' if at is not None else '✗'} {label:{width}}  {when}{extra}")
    calmed = card.get("calmed_at")
    facts = [f"the customer calmed at turn {calmed}" if calmed is not None else "the customer never calmed",
             f"mood {card['start_mood']:.0f} → {card['final_mood']:.0f}"]
    lost = card.get("calm_lost_at") or []
    facts.append("calm lost at turn " + ", ".join(map(str, lost)) if lost else "calm never lost")
    stalled = card.get("stalled_turns", 0)
    facts.append(f"{stalled} stalled turn(s)" if stalled else "no stalled turns")
    out.append("  " + "; ".join(facts)[:1].upper() + "; ".join(facts)[1:] + ".")
    if rejected:
        out.append(f"  Offers turned down: {', '.join(rejected)}.")
    out.append(f"  Outcome: {card.get('outcome', '?')}.")
    return out


def result_rest(verdict) -> str:
    """What follows 'Result: passed' / 'Result: failed' (see `result_line`)."""
    if verdict.passed:
        return f" — score {verdict.score:.2f}, pass mark {verdict.mark:.2f}."
    why = "; ".join(verdict.reasons)
    if {"below_mark", "no_reply"} & set(verdict.failed_by):  # the reasons say the score already
        return f" — {why}."
    return f" — score {verdict.score:.2f} reaches the pass mark {verdict.mark:.2f}, but {why}."


def result_line(verdict) -> str:
    """The pass result in one line (`verdict`: a team.passmark.PassResult), the score against the mark always in it:
    'Result: passed — score 0.74, pass mark 0.50.', 'Result: failed — score 0.44 is below the pass mark 0.50; calm
    lost in turn 2 (...).' or 'Result: failed — score 0.62 reaches the pass mark 0.50, but calm lost in turn 2.'"""
    return f"Result: {'passed' if verdict.passed else 'failed'}{result_rest(verdict)}"


def blockers_line(verdict) -> str:
    from voicetrainer.core.progress import CAUSE_LABELS

    if not verdict.blockers:
        return "No blockers set: the score alone decides."
    named = ", ".join(CAUSE_LABELS.get(b, b) for b in verdict.blockers)
    return f"Blockers (fail a call whatever its score): {named}."


def _dimension_line(d: str, s: dict) -> str:
    note = STATUS_NOTE.get(s.get("status", ""), "")
    ev = f" — \"{'; '.join(s['evidence'])}\"" if s["evidence"] else ""
    return f"    {d:10} {mark(s)} {s['score']:.2f}{f' ({note})' if note else ''}{ev}"


def format_session(data: dict) -> str:
    """A plain-text transcript of a saved session with scores (by status: · not needed yet, ✗ offer rejected),
    evidence and tips, then the call scorecard and the pass result when the session has them."""
    from voicetrainer.team.passmark import PassResult

    final = f"{data['final_mood']:.0f}" if data["final_mood"] is not None else "?"
    out = [f"Session {data['session_id']}: {data['persona_name']} ({data['persona']}) — {data['outcome']}"
           + (f" · rep {data['rep']}" if data.get("rep") else ""),
           f"Mood {data['start_mood']:.0f} → {final}", ""]
    for t in data["turns"]:
        attempt = f" (attempt {t['attempt']})" if t.get("attempt", 1) > 1 else ""
        out.append(f"Turn {t['index']}{attempt} [{t['intent']}]")
        out.append(f"  Customer: {t['persona_line']}")
        out.append(f"  You:      {t['reply'] or '(nothing heard)'}")
        for d in DIMENSIONS:
            s = t["scores"].get(d)
            if not s:
                continue
            out.append(_dimension_line(d, s))
            if s["tip"] and missed(s):
                out.append(f"               tip: {s['tip']}")
        out.append(f"  Mood {t['mood_before']:.0f} → {t['mood_after']:.0f}")
        out.append("")
    if data.get("scorecard"):
        out += scorecard_lines(data["scorecard"]) + [""]
    if data.get("result"):
        verdict = PassResult.from_dict(data["result"])
        out += [result_line(verdict), blockers_line(verdict)]
        if data.get("rubric_hash"):
            out.append(f"Judged by rubric {data['rubric_hash'][:19]}…")
    return "\n".join(out).rstrip("\n")
