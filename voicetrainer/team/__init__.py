"""When a team practises: who practised, pass marks, xAPI statements, the outbox, the LRS, the manager's report.

    config    the rep's settings file (rep id, LRS endpoint and credentials)
    passmark  judge(session, persona_pass, default_pass) -> PassResult
    xapi      statements for a finished session (deterministic ids), and reading them back
    outbox    statements queued in the local store until they are sent
    finish    at the end of a practice session: judge, store the result, queue the statements
    lrs       the HTTP client (Basic auth, retries with backoff, `more` links): the only network code
    sync      sending the outbox
    report    the team report from the LRS (Jinja2 template in templates/)
See docs/team.md.
"""

from voicetrainer.team.config import check_rep, load_config
from voicetrainer.team.finish import finish_session
from voicetrainer.team.lrs import LRSAuthError, LRSClient, LRSConflict, LRSRejected, LRSUnreachable
from voicetrainer.team.passmark import PassResult, judge
from voicetrainer.team.sync import SyncReport, send_pending
from voicetrainer.team.xapi import build_statements, read_judged

__all__ = ["LRSAuthError", "LRSClient", "LRSConflict", "LRSRejected", "LRSUnreachable", "PassResult", "SyncReport",
           "build_statements", "check_rep", "finish_session", "judge", "load_config", "read_judged", "send_pending"]
