"""Self-contained HTML pages: the report of one session, and the rep's progress over sessions.

Each page is one file that needs nothing else: inline CSS, inline SVG charts, the rep's recordings embedded as base64
`data:` URIs in `<audio>` elements, system fonts, no JavaScript and no URL of any kind, so it opens offline and can be
mailed to a trainer. The chart data also sits in a JSON block (`<script type="application/json">`, never executed)
for tools and tests.

This module lays out data it is given: a saved session as the store returns it (`Store.session_json`), the bytes of
its recordings, a computed `Progress`. It reads no database and no audio file (the CLI fetches them) and does no
scoring or progress maths (scoring/, core/progress.py). The markup is in templates/ (Jinja2, autoescaped).
"""

from __future__ import annotations

import base64
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

from markupsafe import Markup

from voicetrainer.core.progress import CAUSE_LABELS, STEP_LABELS, Progress, first_attempts, status_of
from voicetrainer.errors import StoreError
from voicetrainer.reports import charts
from voicetrainer.reports.environment import render
from voicetrainer.reports.highlight import highlight
from voicetrainer.types import DIMENSIONS

OUTCOME_TEXT = {"resolved": "Resolved", "escalated": "Escalated to a manager", "hung_up": "Customer hung up",
                "turn_limit": "Ran out of turns", "abandoned": "Ended early",
                "interrupted": "Interrupted"}
INPUT_TEXT = {"mic": "spoken replies", "text": "typed replies", "replies": "scripted replies"}
AUDIO_MIME = {".wav": "audio/wav", ".flac": "audio/flac", ".ogg": "audio/ogg"}
TREND_COLOUR = "#2a6f73"  # a scenario's sparkline (the page's accent colour)
# A dimension's status in a turn: its mark, its CSS class and, for the two that are neither hit nor miss, a note.
STATUS_VIEW = {"hit": ("✓", "hit", ""), "miss": ("✗", "miss", ""), "not_due": ("·", "not-due", "not needed yet"),
               "rejected": ("✗", "rejected", "offer rejected")}


def duration_text(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    return f"{seconds} s" if seconds < 60 else f"{seconds // 60} min {seconds % 60:02d} s"


def when_text(ts: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts)) if ts else "?"


def audio_uri(path: str, data: bytes) -> str:
    """A recording as a data: URI (the type from the file's suffix)."""
    mime = AUDIO_MIME.get(PurePath(path).suffix.lower(), "audio/wav")
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


# --- the session report ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TurnView:
    """One attempt of a turn, as the session template shows it."""

    index: int
    attempt: int
    attempts: int               # attempts at this turn in the session
    label: str                  # "T2", or "T2 #1" when the turn was retried
    persona_line: str
    reply: Markup | None        # the words with their evidence marked; None when nothing was heard
    scores: dict
    # dimension -> {"status", "mark", "css", "note"} (by hit for turns saved before statuses)
    marks: dict
    mood_before: float
    mood_after: float
    pace: dict | None           # words_per_minute, loudness_db, relative_loudness_db, pitch_variability_st
    audio_uri: str | None
    audio_missing: bool         # the turn had a recording that is no longer there

    @property
    def retried(self) -> bool:
        return self.attempt < self.attempts


def _pace(acoustics: dict | None) -> dict | None:
    if not acoustics:
        return None
    return {"words_per_minute": acoustics["words_per_minute"], "loudness_db": acoustics["loudness_db"],
            "relative_loudness_db": acoustics.get("relative_loudness_db", 0.0),
            "pitch_variability_st": acoustics.get("pitch_variability_st", 0)}


def status_view(score: dict) -> dict:
    """How the page marks a dimension of a turn: ✓ hit, ✗ miss, · not needed yet, ✗ offer rejected."""
    status = status_of(score)
    m, css, note = STATUS_VIEW.get(status, STATUS_VIEW["miss"])
    return {"status": status, "mark": m, "css": css, "note": note}


def _turn_view(t: dict, attempts: int, recordings: Mapping[str, bytes]) -> TurnView:
    index, attempt = t["index"], t.get("attempt", 1)
    path = t.get("audio_path")
    return TurnView(
        index=index, attempt=attempt, attempts=attempts,
        label=f"T{index}" + (f" #{attempt}" if attempts > 1 else ""),
        persona_line=t["persona_line"], reply=highlight(t["reply"], t["scores"]) if t["reply"] else None,
        scores=t["scores"], marks={d: status_view(sc) for d, sc in t["scores"].items()},
        mood_before=t["mood_before"], mood_after=t["mood_after"], pace=_pace(t.get("acoustics")),
        audio_uri=audio_uri(path, recordings[path]) if path and path in recordings else None,
        audio_missing=bool(path) and path not in recordings)


def _cards(turns: list[dict]) -> list[dict]:
    """Per dimension, over first attempts (what the rep did unaided) in the turns it was due: turns hit, how many,
    the mean score (n = 0: it was never due in this call)."""
    firsts = [t for t in first_attempts(turns) if t.get("scores")]
    cards = []
    for d in DIMENSIONS:
        scored = [t["scores"][d] for t in firsts if d in t["scores"]]
        vals = [v for v in scored if status_of(v) != "not_due"]
        if scored:
            cards.append({"dim": d, "hits": sum(1 for v in vals if status_of(v) == "hit"), "n": len(vals),
                          "mean": sum(v["score"] for v in vals) / len(vals) if vals else 0.0,
                          "colour": charts.DIM_COLOURS[d]})
    return cards


def _scorecard_view(card: dict | None, counted: dict[int, dict]) -> dict | None:
    """The scorecard as the page shows it: each step with the turn it happened at (and that turn's anchor)."""
    if not card:
        return None
    steps = []
    for name, label in STEP_LABELS.items():
        at = card.get("steps", {}).get(name)
        t = counted.get(at) if at is not None else None
        steps.append({"name": name, "label": label, "turn": at,
                      "anchor": f"turn-{at}-{t.get('attempt', 1)}" if t is not None else None})
    return {**card, "step_rows": steps, "happened": sum(1 for st in steps if st["turn"] is not None)}


def _result_view(result: dict | None) -> dict | None:
    """The pass result with its blockers and causes named for people."""
    if not result:
        return None
    return {**result, "blocker_labels": [CAUSE_LABELS.get(b, b) for b in result.get("blockers", ())],
            "cause_labels": [CAUSE_LABELS.get(c, c) for c in result.get("failed_by", ())]}


def render_session(session: dict, scenario: str | None = None, recordings: Mapping[str, bytes] | None = None) -> str:
    """The HTML report of one session.

    Args:
        session: the saved session, as `Store.session_json()` returns it.
        scenario: the persona's backstory, when the persona file is still around.
        recordings: the bytes of each recording the session kept, by its `audio_path`; a path missing here is
            reported as no longer on disk.

    Returns:
        One self-contained HTML document.
    """
    recordings = recordings or {}
    turns = session["turns"]
    attempts: dict[int, int] = {}
    for t in turns:
        attempts[t["index"]] = max(attempts.get(t["index"], 0), t.get("attempt", 1))
    counted = {t["index"]: t for t in turns if t.get("attempt", 1) == attempts[t["index"]]}  # moved the persona
    outcome = session["outcome"]
    final_mood = session["final_mood"] if session["final_mood"] is not None else (
        counted[max(counted)]["mood_after"] if counted else session["start_mood"])

    points = [("start", float(session["start_mood"]))]
    retried: list[tuple[int, float]] = []
    for i, idx in enumerate(sorted(counted), start=1):
        points.append((f"T{idx}", float(counted[idx]["mood_after"])))
        retried += [(i, float(t["mood_after"])) for t in turns if t["index"] == idx and t is not counted[idx]]

    header = {
        "id": session["session_id"], "persona": session["persona"], "persona_name": session["persona_name"],
        "scenario_type": session["scenario_type"].replace("_", " "), "when": when_text(session["started_at"]),
        "duration": duration_text(session["ended_at"] - session["started_at"]) if session.get("ended_at") else "",
        "input": INPUT_TEXT.get(session["input_mode"], session["input_mode"]) if session.get("input_mode") else "",
        "model": session.get("model") or "", "outcome": outcome, "outcome_text": OUTCOME_TEXT.get(outcome, outcome),
        "start_mood": session["start_mood"], "final_mood": final_mood, "counted": len(counted),
        "retried": len(turns) - len(counted), "rep": session.get("rep") or "",
        "rubric_hash": session.get("rubric_hash") or "",
    }
    chart_data = {
        "session": session["session_id"], "persona": session["persona"], "outcome": outcome,
        "mood": [{"label": label, "mood": m} for label, m in points],
        "turns": [{"turn": t["index"], "attempt": t.get("attempt", 1),
                   "scores": {d: s["score"] for d, s in t["scores"].items()},
                   "hits": {d: s["hit"] for d, s in t["scores"].items()},
                   "status": {d: status_of(s) for d, s in t["scores"].items()},
                   "mood_before": t["mood_before"], "mood_after": t["mood_after"],
                   "words_per_minute": (t.get("acoustics") or {}).get("words_per_minute"),
                   "loudness_db": (t.get("acoustics") or {}).get("loudness_db"),
                   "audio": bool(t.get("audio_path"))} for t in turns],
        "scorecard": session.get("scorecard"), "result": session.get("result"),
    }
    return render(
        "session.html.j2", title=f"Session {session['session_id']} · {session['persona_name']}", data=chart_data,
        s=header, scenario=scenario, cards=_cards(turns), chart=charts.mood_chart(points, retried),
        card=_scorecard_view(session.get("scorecard"), counted), result=_result_view(session.get("result")),
        status_legend=[{**status_view({"status": k, "hit": k == "hit"}), "note": text}
                       for k, text in (("hit", "hit"), ("miss", "missed"), ("not_due", "not needed yet"),
                                       ("rejected", "offer rejected"))],
        turns=[_turn_view(t, attempts[t["index"]], recordings) for t in turns], dims=DIMENSIONS,
        colours=charts.DIM_COLOURS,
        legend_items=[(d, charts.dim_colour(d)) for d in DIMENSIONS] + [("cost points", charts.COST_COLOUR)])


# --- the progress page -------------------------------------------------------------------------------------------


def render_progress(progress: Progress) -> str:
    """The HTML page of `voicetrainer progress --html`: the same numbers as the terminal, with charts."""
    pts = progress.sessions
    series = [(d.name, [p.scores.get(d.name) for p in pts], charts.dim_colour(d.name)) for d in progress.dimensions]
    calls, passes = progress.calls, progress.passes
    data: dict[str, Any] = {
        "sessions": [{"id": p.session_id, "scenario_type": p.scenario_type, "outcome": p.outcome, "scores": p.scores}
                     for p in pts],
        "best": progress.best.name, "weakest": progress.weakest.name,
        "weakest_tip": ({"text": progress.weakest.tip.text, "session": progress.weakest.tip.session_id,
                         "persona": progress.weakest.tip.persona, "scenario_type": progress.weakest.tip.scenario_type}
                        if progress.weakest.tip else None),
        "steps": ({st.name: {"happened": st.happened, "calls": st.calls, "median_turn": st.median_turn}
                   for st in calls.steps} if calls else None),
        "median_turns_until_calm": calls.median_turns_until_calm if calls else None,
        "passed": passes.passed if passes else None, "judged": passes.judged if passes else None}
    latest = None
    if passes:
        r = passes.latest
        latest = {**r, "cause_labels": [CAUSE_LABELS.get(c, c) for c in r.get("failed_by", ())],
                  "scenario": r["scenario_type"].replace("_", " ")}
    return render(
        "progress.html.j2", title="voicetrainer progress", data=data,
        n_sessions=len(pts), first_when=when_text(pts[0].started_at), last_when=when_text(pts[-1].started_at),
        best=progress.best, weakest=progress.weakest, calls=calls, passes=passes, latest=latest,
        scenario_passes=progress.scenario_passes, cause_labels=CAUSE_LABELS,
        chart=charts.line_chart([f"#{p.session_id}" for p in pts], series),
        legend_items=[(d.name, charts.dim_colour(d.name)) for d in progress.dimensions],
        dimensions=[{"trend": t, "spark": charts.spark(t.values, charts.dim_colour(t.name))}
                    for t in progress.dimensions],
        scenarios=[{"trend": t, "spark": charts.spark(t.values, TREND_COLOUR),
                    "grid": progress.scenario_dimensions[t.name]} for t in progress.scenarios],
        dims=DIMENSIONS, colours=charts.DIM_COLOURS)


# --- writing the files -------------------------------------------------------------------------------------------


def reports_dir(data_dir: Path) -> Path:
    """Where pages go by default: reports/ in the data folder."""
    return data_dir / "reports"


def write_page(path: Path, text: str) -> Path:
    """Write a rendered page (making its folder).

    Raises:
        StoreError: the path cannot be written.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as e:
        raise StoreError(f"cannot write the report to {path} ({e}); pass another path with --out") from None
    return path


def write_session_report(session: dict, out: Path, scenario: str | None = None,
                         recordings: Mapping[str, bytes] | None = None) -> Path:
    """Render a saved session (see `render_session`) and write it to `out`.

    Raises:
        StoreError: the path cannot be written.
    """
    return write_page(out, render_session(session, scenario, recordings))


def write_progress_report(progress: Progress, out: Path) -> Path:
    """Render progress over sessions (see `render_progress`) and write it to `out`.

    Raises:
        StoreError: the path cannot be written.
    """
    return write_page(out, render_progress(progress))
