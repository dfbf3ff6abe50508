"""What happens when a practice session ends, for the team: judge it, store the result, queue its statements.

All local: the statements wait in the outbox until `voicetrainer sync`. A session without a rep is judged and stored
but never queued, and one that ended before an outcome is judged (failed) but not stated: it is not a finished call.
"""

from __future__ import annotations

from voicetrainer.team import outbox
from voicetrainer.team.passmark import PassResult, judge


def finish_session(store, session_id: int, persona, rubric, *, homepage: str) -> PassResult:
    """Judge a saved session by the pass rules in force, store the result with it and queue its xAPI statements.

    Args:
        store: the `Store` the session was saved in.
        session_id: the session.
        persona: its `Persona` (its `pass:` block and scenario).
        rubric: the `Rubric` it was scored with (its `pass:` block is the default).
        homepage: account.homePage for an account-name rep.

    Returns:
        The pass result, as stored.
    """
    verdict = judge(store.session_json(session_id), persona.pass_, rubric.rules.pass_)
    store.set_result(session_id, verdict.to_dict())
    outbox.queue_session(store, session_id, homepage=homepage, scenario=persona.scenario)
    return verdict
