"""The manager's view: every rep's practice read back from the LRS, as one self-contained HTML page.

`fetch_attempts` reads the passed/failed statements (all our personas in one query per verb: they are grouped under
the app's activity, so `activity=<app>&related_activities=true` finds them), following `more` links; `build_team`
lays them out as reps × personas; `render_team` fills the Jinja2 template (autoescaped) in team/templates/.
The page has inline CSS and SVG, no script, no URL of any kind: it opens offline and can be mailed.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from voicetrainer.core.progress import RECENT_SESSIONS, Trend
from voicetrainer.errors import VoiceTrainerError
from voicetrainer.team.xapi import APP_ACTIVITY, FAILED, PASSED, read_judged
from voicetrainer.types import DIMENSIONS

TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class Attempt:
    """One judged session as the LRS returned it."""

    id: str
    rep: str
    persona: str
    persona_name: str
    when: datetime
    passed: bool
    score: float
    dimensions: dict[str, float] = field(default_factory=dict)
    outcome: str = ""
    reasons: tuple[str, ...] = ()
    mark: float | None = None


@dataclass(frozen=True)
class Cell:
    """One rep on one persona: their attempts, oldest first."""

    attempts: tuple[Attempt, ...]

    @property
    def last(self) -> Attempt:
        return self.attempts[-1]

    @property
    def best(self) -> float:
        return max(a.score for a in self.attempts)

    @property
    def passes(self) -> int:
        return sum(a.passed for a in self.attempts)

    @property
    def change(self) -> float | None:
        """Latest sessions' mean score minus the earliest ones' (progress.Trend's rule); None for one session."""
        return Trend("score", tuple(a.score for a in self.attempts), ()).change


@dataclass(frozen=True)
class RepRow:
    rep: str
    cells: dict[str, Cell]               # persona id -> cell (only personas practised)
    weakest: tuple[str, float] | None    # dimension, mean over the rep's last RECENT_SESSIONS sessions
    last_practised: datetime
    sessions: int
    passes: int


@dataclass(frozen=True)
class Team:
    reps: tuple[RepRow, ...]
    personas: tuple[tuple[str, str], ...]    # (id, name), by name
    sessions: int
    passes: int


def _when(ts: str) -> datetime:
    try:
        return datetime.fromisoformat(ts.replace("Z", "+00:00"))  # Python 3.10 reads no 'Z'
    except ValueError:
        return datetime.fromtimestamp(0, tz=timezone.utc)


def attempt_of(statement: dict) -> Attempt | None:
    """A passed/failed statement we wrote as an Attempt; None for any other statement."""
    d = read_judged(statement)
    if d is None:
        return None
    return Attempt(d["id"], d["rep"], d["persona"], d["persona_name"], _when(d["timestamp"]), d["passed"],
                   d["score"], d["dimensions"], d["outcome"], tuple(d["reasons"]), d["mark"])


def fetch_attempts(client, page_size: int = 100) -> tuple[list[Attempt], int]:
    """Every judged session in the LRS, and how many statements were read to find them."""
    seen: dict[str, Attempt] = {}
    read = 0
    for verb in (PASSED, FAILED):
        for st in client.statements(verb=verb, activity=APP_ACTIVITY, related_activities="true",
                                    limit=str(page_size)):
            read += 1
            a = attempt_of(st)
            if a is not None:
                seen.setdefault(a.id, a)
    return list(seen.values()), read


def build_team(attempts: list[Attempt], recent: int = RECENT_SESSIONS) -> Team:
    """Reps (by id) × personas (by name) with each cell's attempts in time order."""
    attempts = sorted(attempts, key=lambda a: (a.when, a.id))
    names: dict[str, str] = {}
    by_rep: dict[str, dict[str, list[Attempt]]] = {}
    for a in attempts:
        names[a.persona] = a.persona_name  # the latest name wins (a persona may be renamed)
        by_rep.setdefault(a.rep, {}).setdefault(a.persona, []).append(a)
    rows = []
    for rep in sorted(by_rep, key=str.lower):
        cells = {p: Cell(tuple(v)) for p, v in by_rep[rep].items()}
        mine = sorted((a for c in cells.values() for a in c.attempts), key=lambda a: (a.when, a.id))
        latest = mine[-recent:]
        means = {d: sum(a.dimensions[d] for a in latest if d in a.dimensions) / n
                 for d in DIMENSIONS if (n := sum(1 for a in latest if d in a.dimensions))}
        weakest = min(means.items(), key=lambda kv: kv[1]) if means else None  # ties: rubric order
        rows.append(RepRow(rep, cells, weakest, mine[-1].when, len(mine), sum(a.passed for a in mine)))
    personas = tuple(sorted(names.items(), key=lambda kv: (kv[1].lower(), kv[0])))
    return Team(tuple(rows), personas, len(attempts), sum(a.passed for a in attempts))


def spark_points(values: tuple[float, ...], width: int = 96, height: int = 26,
                 pad: int = 3) -> list[tuple[float, float]]:
    """SVG coordinates of a 0-1 series on a fixed scale (so 0.9 always looks high)."""
    n = len(values)
    step = (width - 2 * pad) / max(1, n - 1)
    return [(round(pad + i * step if n > 1 else width / 2, 1), round(pad + (1 - v) * (height - 2 * pad), 1))
            for i, v in enumerate(values)]


def _local(dt: datetime) -> str:
    return dt.astimezone().strftime("%Y-%m-%d %H:%M")


def render_team(team: Team, source: str, generated_at: float | None = None) -> str:
    """The page as a string. `source` names where the statements came from (shown without scheme or credentials)."""
    import jinja2
    import markupsafe

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["local"] = _local
    env.globals["zip"] = zip
    data = {
        "reps": [{"rep": r.rep, "sessions": r.sessions, "passes": r.passes,
                  "weakest": {"dimension": r.weakest[0], "mean": round(r.weakest[1], 4)} if r.weakest else None,
                  "last_practised": r.last_practised.isoformat(),
                  "personas": {p: {"sessions": len(c.attempts), "passes": c.passes, "last_passed": c.last.passed,
                                   "best": round(c.best, 4), "last": round(c.last.score, 4),
                                   "scores": [round(a.score, 4) for a in c.attempts],
                                   "last_practised": c.last.when.isoformat()} for p, c in r.cells.items()}}
                 for r in team.reps],
        "personas": [{"id": p, "name": n} for p, n in team.personas],
    }
    # A JSON block for tools and tests; '<' escaped so no text in it can close the script element.
    data_json = markupsafe.Markup(json.dumps(data, ensure_ascii=False).replace("<", "\\u003c"))
    generated = time.strftime("%Y-%m-%d %H:%M", time.localtime(generated_at or time.time()))
    return env.get_template("team_report.html.j2").render(
        team=team, source=source, generated=generated, data_json=data_json, spark=spark_points,
        dimensions=DIMENSIONS, recent=RECENT_SESSIONS)


def write_team_report(client, out: Path, source: str) -> tuple[Path, Team, int]:
    """Read the LRS, write the page to `out`; returns the path, the team and how many statements were read.

    Raises:
        LRSError: the LRS cannot be read.
        VoiceTrainerError: `out` cannot be written.
    """
    attempts, read = fetch_attempts(client)
    team = build_team(attempts)
    text = render_team(team, source)
    out = Path(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    except OSError as e:
        raise VoiceTrainerError(f"cannot write {out} ({e}); pass another --out") from None
    return out, team, read
