"""The outbox: xAPI statements waiting in the local store for the Learning Record Store.

A finished session with a rep is judged and its statements are queued here at once (`queue_session`), offline;
`voicetrainer sync` sends them later (team/sync.py). A statement is frozen when queued, so every re-send is the same
bytes under the same id. States: pending → sent, or conflict / rejected when the LRS refuses that one statement
(it stays here with the LRS's reason; nothing is deleted). The table is created by the store's migration 1→2.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from voicetrainer.team.xapi import VERB_NAMES, build_statements


@dataclass(frozen=True)
class OutboxItem:
    statement_id: str
    session_id: int
    verb: str
    statement: dict


def app_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("voicetrainer")
    except PackageNotFoundError:  # running from a checkout that was never installed
        return "0+unknown"


def queue_session(store, session_id: int, *, homepage: str, scenario: str | None = None) -> int:
    """Queue the statements of a finished, judged session with a rep; returns how many were new (0 when already
    queued, or when the session has no rep or never reached an outcome: such sessions stay on this machine)."""
    session = store.session_json(session_id)
    if not session.get("rep") or not session.get("result") or session["outcome"] == "abandoned":
        return 0
    statements = build_statements(session, install_id=store.install_id(), app_version=app_version(),
                                  homepage=homepage, scenario=scenario)
    now = time.time()
    with store.db:
        cur = store.db.executemany(
            "INSERT OR IGNORE INTO outbox (statement_id, session_id, verb, statement, created_at) VALUES (?,?,?,?,?)",
            [(s["id"], session_id, VERB_NAMES[s["verb"]["id"]], json.dumps(s, ensure_ascii=False, sort_keys=True),
              now) for s in statements])
    return cur.rowcount


def pending(store, limit: int | None = None) -> list[OutboxItem]:
    """Statements not yet sent, oldest first."""
    q = "SELECT statement_id, session_id, verb, statement FROM outbox WHERE state='pending' ORDER BY created_at, rowid"
    rows = store.db.execute(q + (f" LIMIT {int(limit)}" if limit else ""))
    return [OutboxItem(r[0], r[1], r[2], json.loads(r[3])) for r in rows]


def mark_sent(store, statement_ids: list[str], when: float | None = None) -> None:
    when = time.time() if when is None else when
    with store.db:
        store.db.executemany("UPDATE outbox SET state='sent', sent_at=?, attempts=attempts+1, last_error=NULL "
                             "WHERE statement_id=?", [(when, i) for i in statement_ids])


def mark_refused(store, statement_id: str, state: str, error: str) -> None:
    """The LRS refused this one statement for good: 'conflict' (another statement has its id) or 'rejected'."""
    assert state in ("conflict", "rejected")
    with store.db:
        store.db.execute("UPDATE outbox SET state=?, attempts=attempts+1, last_error=? WHERE statement_id=?",
                         (state, error, statement_id))


def note_failure(store, statement_ids: list[str], error: str) -> None:
    """A try that did not get through (network, server): the statements stay pending."""
    with store.db:
        store.db.executemany("UPDATE outbox SET attempts=attempts+1, last_error=? WHERE statement_id=? "
                             "AND state='pending'",
                             [(error, i) for i in statement_ids])


def counts(store) -> dict[str, int]:
    """Statements per state: pending, sent, conflict, rejected (all four keys, zero when none)."""
    out = {"pending": 0, "sent": 0, "conflict": 0, "rejected": 0}
    for state, n in store.db.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state"):
        out[state] = n
    return out


def refused(store) -> list[tuple[str, int, str, str]]:
    """(statement_id, session_id, state, the LRS's reason) of every statement the LRS refused."""
    return [tuple(r) for r in store.db.execute(
        "SELECT statement_id, session_id, state, last_error FROM outbox WHERE state IN ('conflict','rejected') "
        "ORDER BY created_at")]
