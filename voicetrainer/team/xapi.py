"""xAPI 1.0.3 statements for a finished session, and reading them back.

Pure: a session dict (`Store.session_json`, with its rep and pass result) in, statements out; no network.

Two statements per finished session, as cmi5 (ADL's xAPI profile for LMS-launched training) pairs them, so an LMS
that counts completions and one that counts passes both see the session (docs/team.md explains the choice):
  completed          result.completion true, result.duration
  passed | failed    result.success, result.score.scaled, result.duration
Both carry the same result extensions (the four dimension scores, outcome, turns) and context (registration = the
session, rubric hash, app version), so either one read alone tells the whole story.

Ids are deterministic (uuid5 of the project's namespace, the store's install id, the session id and its start time),
so sending a statement twice is never a duplicate: a conformant LRS answers the second POST 204 (same content) or
409 (different content under the same id), never stores it twice.
"""

from __future__ import annotations

import math
import uuid
from datetime import datetime, timezone
from urllib.parse import quote, unquote

from voicetrainer.team.config import DEFAULT_HOMEPAGE
from voicetrainer.types import DIMENSIONS

XAPI_VERSION = "1.0.3"
BASE = "https://voicetrainer.dev/xapi"
PERSONAS = f"{BASE}/personas/"
APP_ACTIVITY = f"{BASE}/voicetrainer"          # every session's grouping: one query finds all of them
EXT = f"{BASE}/extensions/"
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, BASE)

COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
PASSED = "http://adlnet.gov/expapi/verbs/passed"
FAILED = "http://adlnet.gov/expapi/verbs/failed"
VERB_NAMES = {COMPLETED: "completed", PASSED: "passed", FAILED: "failed"}
SIMULATION = "http://adlnet.gov/expapi/activities/simulation"
COURSE = "http://adlnet.gov/expapi/activities/course"


def actor(rep: str, homepage: str = DEFAULT_HOMEPAGE) -> dict:
    """The rep as an xAPI Agent: `mbox` for an email address, `account` {homePage, name} for an account name."""
    if "@" in rep:
        return {"objectType": "Agent", "mbox": f"mailto:{rep}"}
    return {"objectType": "Agent", "account": {"homePage": homepage, "name": rep}}


def rep_of(agent: dict) -> str | None:
    """The rep id back from an Agent (inverse of `actor`); None for an agent we did not write."""
    if agent.get("mbox", "").startswith("mailto:"):
        return agent["mbox"][len("mailto:"):]
    account = agent.get("account") or {}
    return account.get("name")


def persona_iri(persona_id: str) -> str:
    return PERSONAS + quote(persona_id, safe="-._~")


def iso_duration(seconds: float) -> str:
    """ISO 8601 duration to the centisecond, as xAPI asks ('PT3M12.35S', 'PT1H0M5S')."""
    cs = max(0, round(seconds * 100))
    h, rest = divmod(cs, 360_000)
    m, cs = divmod(rest, 6_000)
    s = f"{cs // 100}" + (f".{cs % 100:02d}".rstrip("0") if cs % 100 else "")
    return "PT" + (f"{h}H" if h else "") + (f"{m}M" if h or m else "") + f"{s}S"


def iso_timestamp(epoch_s: float) -> str:
    """UTC, millisecond precision, 'Z' suffix: '2026-12-01T10:00:00.123Z'."""
    return datetime.fromtimestamp(epoch_s, tz=timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def registration(install_id: str, session: dict) -> str:
    """One id per session across machines: a store's sessions are numbered from 1, hence the install id; the start
    time keeps two copies of one data folder (a laptop restored from a backup) from reusing an id."""
    return str(uuid.uuid5(NAMESPACE, f"{install_id}/{session['session_id']}/{session['started_at']!r}"))


def build_statements(session: dict, *, install_id: str, app_version: str, homepage: str = DEFAULT_HOMEPAGE,
                     scenario: str | None = None) -> list[dict]:
    """The completed and passed/failed statements of one finished, judged session with a rep.

    Args:
        session: `Store.session_json(...)`: needs session_id, rep, persona, persona_name, scenario_type, outcome,
            started_at, ended_at, result (a `PassResult.to_dict()`), rubric_hash, input_mode, turns.
        install_id: `Store.install_id()`.
        app_version: voicetrainer's version.
        homepage: account.homePage for an account-name rep.
        scenario: the persona's scenario text, for the activity's description.

    Raises:
        ValueError: the session has no rep, no pass result or never ended (a caller's mistake, not the user's).
    """
    result = session.get("result")
    if not session.get("rep") or not result or session.get("ended_at") is None:
        raise ValueError(f"session {session.get('id')} has no rep, result or end; nothing to state")
    reg = registration(install_id, session)
    definition = {"type": SIMULATION, "name": {"en-US": session["persona_name"]}}
    if scenario:
        definition["description"] = {"en-US": scenario}
    turns = len({t["index"] for t in session["turns"]})
    dims = result.get("dimensions", {})
    extensions = {
        EXT + "dimension-scores": {d: dims[d] for d in DIMENSIONS if d in dims},
        EXT + "outcome": session["outcome"],
        EXT + "turns": turns,
    }
    common = {
        "actor": actor(session["rep"], homepage),
        "object": {"objectType": "Activity", "id": persona_iri(session["persona"]), "definition": definition},
        "context": {
            "registration": reg,
            "platform": "voicetrainer",
            "language": "en",
            "contextActivities": {"grouping": [{"objectType": "Activity", "id": APP_ACTIVITY, "definition": {
                "type": COURSE, "name": {"en-US": "voicetrainer: difficult customer calls"}}}]},
            "extensions": {
                EXT + "rubric-hash": session.get("rubric_hash") or "",
                EXT + "app-version": app_version,
                EXT + "session-id": session["session_id"],
                EXT + "scenario-type": session["scenario_type"],
                EXT + "input-mode": session.get("input_mode") or "",
            },
        },
        "timestamp": iso_timestamp(session["ended_at"]),
    }
    duration = iso_duration(session["ended_at"] - session["started_at"])
    judged_verb = PASSED if result["passed"] else FAILED
    completed = {
        "id": str(uuid.uuid5(NAMESPACE, f"{reg}/completed")),
        **common,
        "verb": {"id": COMPLETED, "display": {"en-US": "completed"}},
        "result": {"completion": True, "duration": duration, "extensions": extensions},
    }
    judged = {
        # One id for passed or failed: a session judged twice can only conflict, never state both.
        "id": str(uuid.uuid5(NAMESPACE, f"{reg}/judged")),
        **common,
        "verb": {"id": judged_verb, "display": {"en-US": VERB_NAMES[judged_verb]}},
        "result": {"score": {"scaled": _scaled(result["score"])}, "success": bool(result["passed"]),
                   "duration": duration,
                   "extensions": {**extensions, EXT + "pass-mark": result["mark"],
                                  EXT + "blockers": list(result["blockers"]),
                                  EXT + "failed-by": list(result["failed_by"]),
                                  EXT + "reasons": list(result["reasons"])}},
    }
    return [completed, judged]


def _scaled(score: float) -> float:
    if not math.isfinite(score):
        return 0.0
    return round(min(1.0, max(0.0, score)), 4)


def read_judged(statement: dict) -> dict | None:
    """One practised call from a passed/failed statement we wrote, as plain data; None for anything else."""
    verb = statement.get("verb", {}).get("id")
    obj = statement.get("object", {})
    if verb not in (PASSED, FAILED) or not str(obj.get("id", "")).startswith(PERSONAS):
        return None
    rep = rep_of(statement.get("actor", {}))
    res = statement.get("result", {})
    ext = res.get("extensions", {})
    if rep is None or "score" not in res:
        return None
    return {
        "id": statement.get("id"),
        "rep": rep,
        "persona": unquote(obj["id"][len(PERSONAS):]),
        "persona_name": (obj.get("definition", {}).get("name") or {}).get("en-US") or obj["id"][len(PERSONAS):],
        "timestamp": statement.get("timestamp", ""),
        "passed": verb == PASSED,
        "score": float(res["score"].get("scaled", 0.0)),
        "dimensions": dict(ext.get(EXT + "dimension-scores", {})),
        "outcome": ext.get(EXT + "outcome", ""),
        "turns": ext.get(EXT + "turns"),
        "reasons": list(ext.get(EXT + "reasons", [])),
        "mark": ext.get(EXT + "pass-mark"),
    }
