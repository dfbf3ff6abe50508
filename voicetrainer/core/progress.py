"""How a rep's scores moved over their sessions: per dimension, per scenario, the best and weakest skills, how often
each step of a call happened (from the call scorecards) and how often calls passed (from the pass results).

Pure: takes the session dicts of `Store.all_sessions()` (oldest first) and returns numbers; printing them is cli.py's
and report.py's job. Also flattens sessions into one row per turn attempt for `voicetrainer sessions export`.

Only FIRST attempts count towards progress: a retry is made with the tip in front of the rep, so it measures the
coaching, not the skill. Exports keep every attempt. A dimension's mean and hit rate count only the turns it was due:
a turn whose status (core/feedback.py) is `not_due` (restating before the customer was heard, offering while still
gathering facts) is neither a hit nor a miss; turns saved before statuses existed count by their `hit`. Step and pass
figures count finished calls (any outcome but `abandoned`) that carry a scorecard or a result; sessions saved before
those existed are left out of them.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field

from voicetrainer.core.scorecard import STEPS
from voicetrainer.types import DIMENSIONS

SPARK_CHARS = "▁▂▃▄▅▆▇█"
RECENT_SESSIONS = 5   # "best" and "weakest" look at this many latest sessions, so old habits fade out

# The scorecard's steps and the pass rules' causes, as the terminal and the pages name them.
STEP_LABELS = {"acknowledged": "acknowledged", "restated": "restated the facts", "verified": "verified a detail",
               "offered_accepted_remedy": "offered a remedy they accepted", "committed": "committed (when, how)",
               "closed": "closed the call"}
CAUSE_LABELS = {"not_finished": "ended before an outcome", "no_reply": "no reply scored",
                "below_mark": "below the pass mark", "calm_lost": "calm lost",
                "wrong_fact_uncorrected": "a wrong fact never put right", "not_resolved": "not resolved",
                "escalated": "escalated", "hung_up": "the customer hung up"}


def status_of(score: dict) -> str:
    """A dimension's status in the call: hit | miss | not_due | rejected; by `hit` for a turn saved before statuses."""
    return score.get("status") or ("hit" if score["hit"] else "miss")


@dataclass(frozen=True)
class SessionPoint:
    """One session's averages over its first attempts (scores 0-1)."""

    session_id: int
    started_at: float
    persona: str
    scenario_type: str
    outcome: str
    scores: dict[str, float]        # dimension -> mean score over the turns it was due (absent: never due)
    hits: dict[str, float]          # dimension -> share of those turns that hit it
    turns: int

    @property
    def overall(self) -> float:
        return sum(self.scores.values()) / max(1, len(self.scores))


@dataclass(frozen=True)
class Trend:
    """A series of per-session values (0-1), oldest first, and what they add up to."""

    name: str
    values: tuple[float, ...]
    session_ids: tuple[int, ...]

    @property
    def first(self) -> float:
        return self.values[0]

    @property
    def latest(self) -> float:
        return self.values[-1]

    @property
    def mean(self) -> float:
        return sum(self.values) / len(self.values)

    @property
    def change(self) -> float | None:
        """Mean of the latest sessions minus mean of the earliest (up to 3 each, never overlapping); None for one."""
        n = len(self.values)
        if n < 2:
            return None
        k = min(3, n // 2)
        return sum(self.values[-k:]) / k - sum(self.values[:k]) / k


@dataclass(frozen=True)
class Tip:
    """A tip as it was given: its words and the session, persona and scenario it was given in (a tip quotes that
    scenario's facts, so it is never shown as if it were about another)."""

    text: str
    session_id: int
    persona: str
    scenario_type: str


@dataclass(frozen=True)
class Skill:
    """A dimension judged over the recent sessions, with the rep's latest tip for it."""

    name: str
    recent_mean: float
    recent_hit_rate: float          # over the turns it was due
    sessions: int
    tip: Tip | None = None

    @property
    def latest_tip(self) -> str:
        return self.tip.text if self.tip else ""


@dataclass(frozen=True)
class StepRate:
    """How often one scorecard step happened over the finished calls, and at which turn it usually did."""

    name: str
    happened: int
    calls: int
    median_turn: float | None

    @property
    def label(self) -> str:
        return STEP_LABELS.get(self.name, self.name)

    @property
    def rate(self) -> float:
        return self.happened / self.calls if self.calls else 0.0


@dataclass(frozen=True)
class CallSteps:
    """The call scorecards summed up: each step's rate, and how soon the customer calmed."""

    calls: int                                  # finished calls with a scorecard
    steps: tuple[StepRate, ...]                 # in the scorecard's order
    calmed: int                                 # calls where the customer calmed
    median_turns_until_calm: float | None       # over those calls
    outcomes: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class PassRecord:
    """The pass results summed up: how many passed, the most common causes of a fail, the latest result."""

    judged: int
    passed: int
    causes: tuple[tuple[str, int], ...]         # (failed_by cause, calls), most common first
    latest: dict                                # the latest judged call's result, + session_id, persona, scenario_type


@dataclass(frozen=True)
class Progress:
    sessions: tuple[SessionPoint, ...]
    dimensions: tuple[Trend, ...]
    scenarios: tuple[Trend, ...]                          # overall score per session, per scenario type
    scenario_dimensions: dict[str, dict[str, float]]      # scenario -> dimension -> mean over its sessions
    skills: tuple[Skill, ...]                             # best first
    calls: CallSteps | None = None                        # None: no finished call has a scorecard
    passes: PassRecord | None = None                      # None: no finished call has a pass result
    scenario_passes: dict[str, tuple[int, int]] = field(default_factory=dict)   # scenario -> (passed, judged)

    @property
    def best(self) -> Skill:
        return self.skills[0]

    @property
    def weakest(self) -> Skill:
        return self.skills[-1]


def first_attempts(turns: list[dict]) -> list[dict]:
    """The first attempt at each turn, in turn order (retries are coached; see the module docstring)."""
    seen: dict[int, dict] = {}
    for t in turns:
        if t["index"] not in seen or t.get("attempt", 1) < seen[t["index"]].get("attempt", 1):
            seen[t["index"]] = t
    return [seen[i] for i in sorted(seen)]


def session_point(session: dict) -> SessionPoint | None:
    """Average a session's first attempts per dimension; None when no turn was scored."""
    turns = [t for t in first_attempts(session["turns"]) if t.get("scores")]
    if not turns:
        return None
    scores, hits = {}, {}
    for d in DIMENSIONS:
        vals = [t["scores"][d] for t in turns if d in t["scores"] and status_of(t["scores"][d]) != "not_due"]
        if vals:
            scores[d] = sum(v["score"] for v in vals) / len(vals)
            hits[d] = sum(1 for v in vals if status_of(v) == "hit") / len(vals)
    return SessionPoint(session["session_id"], session["started_at"], session["persona"], session["scenario_type"],
                        session["outcome"], scores, hits, len(turns))


def _latest_tip(sessions: list[dict], dimension: str) -> Tip | None:
    """The newest tip the rep was given for a dimension it missed (or whose offer was turned down)."""
    for s in reversed(sessions):
        for t in reversed(first_attempts(s["turns"])):
            d = t.get("scores", {}).get(dimension)
            if d and status_of(d) in ("miss", "rejected") and d.get("tip"):
                return Tip(d["tip"], s["session_id"], s["persona"], s["scenario_type"])
    return None


def _finished(sessions: list[dict], key: str) -> list[dict]:
    return [s for s in sessions if s.get(key) and s.get("outcome") not in (None, "abandoned")]


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def call_steps(sessions: list[dict]) -> CallSteps | None:
    """Each scorecard step's rate and median turn, and the median turns until calm, over the finished calls.

    Returns:
        None when no finished call carries a scorecard.
    """
    cards = [s["scorecard"] for s in _finished(sessions, "scorecard")]
    if not cards:
        return None
    steps = []
    for name in STEPS:
        at = [c["steps"][name] for c in cards if c.get("steps", {}).get(name) is not None]
        steps.append(StepRate(name, len(at), len(cards), _median(at)))
    calm = [c["calmed_at"] for c in cards if c.get("calmed_at") is not None]
    outcomes: dict[str, int] = {}
    for c in cards:
        outcomes[c.get("outcome", "")] = outcomes.get(c.get("outcome", ""), 0) + 1
    return CallSteps(len(cards), tuple(steps), len(calm), _median(calm), outcomes)


def pass_record(sessions: list[dict]) -> PassRecord | None:
    """How many finished calls passed, why the others failed, and the latest result.

    Returns:
        None when no finished call carries a pass result.
    """
    judged = _finished(sessions, "result")
    if not judged:
        return None
    causes: dict[str, int] = {}
    for s in judged:
        for c in s["result"].get("failed_by", ()):
            causes[c] = causes.get(c, 0) + 1
    last = judged[-1]
    latest = {**last["result"], "session_id": last["session_id"], "persona": last["persona"],
              "scenario_type": last["scenario_type"]}
    return PassRecord(len(judged), sum(1 for s in judged if s["result"]["passed"]),
                      tuple(sorted(causes.items(), key=lambda kv: -kv[1])), latest)


def compute_progress(sessions: list[dict], recent: int = RECENT_SESSIONS) -> Progress | None:
    """Per-dimension and per-scenario trends, and the skills ranked best first.

    Args:
        sessions: `Store.all_sessions()` dicts, oldest first.
        recent: how many latest sessions rank the skills.

    Returns:
        The progress, or None when no session has a scored turn.
    """
    points = [p for p in (session_point(s) for s in sessions) if p is not None]
    if not points:
        return None
    dims = []
    for d in DIMENSIONS:
        pts = [p for p in points if d in p.scores]
        if pts:
            dims.append(Trend(d, tuple(p.scores[d] for p in pts), tuple(p.session_id for p in pts)))
    scenarios, grid = [], {}
    for sc in sorted({p.scenario_type for p in points}):
        pts = [p for p in points if p.scenario_type == sc]
        scenarios.append(Trend(sc, tuple(p.overall for p in pts), tuple(p.session_id for p in pts)))
        grid[sc] = {d: sum(p.scores[d] for p in pts if d in p.scores) / n
                    for d in DIMENSIONS if (n := sum(1 for p in pts if d in p.scores))}
    skills = []
    for d in DIMENSIONS:
        pts = [p for p in points if d in p.scores][-recent:]
        if pts:
            skills.append(Skill(d, sum(p.scores[d] for p in pts) / len(pts),
                                sum(p.hits[d] for p in pts) / len(pts), len(pts), _latest_tip(sessions, d)))
    # Best first; ties keep the rubric's order (sorted is stable).
    skills.sort(key=lambda s: (-round(s.recent_mean, 6), -round(s.recent_hit_rate, 6)))
    passes = {}
    for sc in grid:
        judged = [s for s in _finished(sessions, "result") if s["scenario_type"] == sc]
        if judged:
            passes[sc] = (sum(1 for s in judged if s["result"]["passed"]), len(judged))
    return Progress(tuple(points), tuple(dims), tuple(scenarios), grid, tuple(skills), call_steps(sessions),
                    pass_record(sessions), passes)


def sparkline(values: tuple[float, ...] | list[float], lo: float = 0.0, hi: float = 1.0) -> str:
    """One block character per value on a fixed lo-hi scale (fixed, so 0.9 always looks high)."""
    out = []
    for v in values:
        f = 0.0 if hi <= lo else (min(hi, max(lo, v)) - lo) / (hi - lo)
        out.append(SPARK_CHARS[min(len(SPARK_CHARS) - 1, int(f * len(SPARK_CHARS)))])
    return "".join(out)


def bar(value: float, width: int = 10) -> str:
    """A horizontal bar for a 0-1 value, in eighths of a character."""
    eighths = int(round(max(0.0, min(1.0, value)) * width * 8))
    full, part = divmod(eighths, 8)
    return ("█" * full + (" ▏▎▍▌▋▊▉"[part] if part else "")).ljust(width, "·")


# --- export ------------------------------------------------------------------------------------------------------

EXPORT_FIELDS = (
    ["session_id", "rep", "started_at", "persona", "persona_name", "scenario_type", "outcome", "passed",
     "input_mode", "turn",
     "attempt", "intent", "persona_line", "reply"]
    + [f"{d}_{k}" for d in DIMENSIONS for k in ("score", "hit")]
    + ["total", "mood_before", "mood_after", "words_per_minute", "loudness_db", "relative_loudness_db"]
)


def turn_rows(sessions: list[dict]) -> list[dict]:
    """One flat row per turn attempt (every attempt, not just the first), keys in `EXPORT_FIELDS` order.

    Times are ISO 8601 in UTC; missing values (a typed reply has no pace) are None.
    """
    rows = []
    for s in sessions:
        started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(s["started_at"]))
        for t in s["turns"]:
            result = s.get("result") or {}
            row: dict = {"session_id": s["session_id"], "rep": s.get("rep"), "passed": result.get("passed"),
                         "started_at": started, "persona": s["persona"],
                         "persona_name": s["persona_name"], "scenario_type": s["scenario_type"],
                         "outcome": s["outcome"], "input_mode": s.get("input_mode"), "turn": t["index"],
                         "attempt": t.get("attempt", 1), "intent": t["intent"], "persona_line": t["persona_line"],
                         "reply": t["reply"]}
            scores = t.get("scores", {})
            for d in DIMENSIONS:
                row[f"{d}_score"] = scores[d]["score"] if d in scores else None
                row[f"{d}_hit"] = scores[d]["hit"] if d in scores else None
            vals = [scores[d]["score"] for d in DIMENSIONS if d in scores]
            row["total"] = round(sum(vals) / len(vals), 3) if vals else None
            row["mood_before"] = t["mood_before"]
            row["mood_after"] = t["mood_after"]
            a = t.get("acoustics") or {}
            for k in ("words_per_minute", "loudness_db", "relative_loudness_db"):
                row[k] = a.get(k)
            rows.append({k: row[k] for k in EXPORT_FIELDS})
    return rows
