"""Send the outbox to the LRS: batches of pending statements, each marked sent once the LRS has it.

An unreachable LRS or refused credentials stop the run and leave everything not yet sent pending, so nothing is
lost and the next `voicetrainer sync` carries on. A batch the LRS refuses as a whole (409, 400) is split and sent
statement by statement, so one bad statement cannot hold up the others; the one refused stays in the outbox as
'conflict' or 'rejected' with the LRS's reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from voicetrainer.team import outbox
from voicetrainer.team.lrs import LRSClient, LRSConflict, LRSError, LRSRejected

BATCH = 50  # statements per POST: small enough for any LRS's body limit, large enough to be quick


@dataclass(frozen=True)
class SyncReport:
    sent: int                 # statements the LRS took this run
    sessions: int             # sessions those belong to
    pending: int              # still waiting afterwards
    sent_before: int          # sent by earlier runs
    refused: int              # conflict or rejected, ever
    error: LRSError | None = None   # what stopped the run early

    def line(self, endpoint: str) -> str:
        """One line for the rep: what was sent and what is still pending."""
        if self.sent == 0 and self.error is None:
            head = f"Nothing new to send to {endpoint}"
        else:
            head = (f"Sent {self.sent} statement(s) from {self.sessions} session(s) to {endpoint}"
                    if self.sent else "Sent nothing")
        tail = f"; {self.pending} pending"
        if self.sent_before:
            tail += f", {self.sent_before} sent before"
        if self.refused:
            tail += f", {self.refused} refused by the LRS (`voicetrainer sync --refused` lists them)"
        return head + tail + "."


def send_pending(store, client: LRSClient, *, batch: int = BATCH,
                 tick: Callable[[int], None] = lambda n: None) -> SyncReport:
    """Send every pending statement; `tick(n)` after each n statements are settled (for a progress bar)."""
    before = outbox.counts(store)
    items = outbox.pending(store)
    sent: list[outbox.OutboxItem] = []
    error: LRSError | None = None
    for start in range(0, len(items), batch):
        chunk = items[start:start + batch]
        try:
            _send(store, client, chunk, sent)
        except LRSError as e:  # unreachable or credentials refused: stop, keep the rest pending
            outbox.note_failure(store, [i.statement_id for i in chunk], str(e))
            error = e
            break
        tick(len(chunk))
    after = outbox.counts(store)
    return SyncReport(sent=len(sent), sessions=len({i.session_id for i in sent}), pending=after["pending"],
                      sent_before=before["sent"], refused=after["conflict"] + after["rejected"], error=error)


def _send(store, client: LRSClient, chunk: list[outbox.OutboxItem], sent: list[outbox.OutboxItem]) -> None:
    """Send one batch, adding what the LRS now has to `sent`; on a whole-batch refusal, one statement at a time."""
    try:
        client.post_statements([i.statement for i in chunk])
    except (LRSConflict, LRSRejected) as e:
        if len(chunk) == 1:
            outbox.mark_refused(store, chunk[0].statement_id, "conflict" if isinstance(e, LRSConflict)
                                else "rejected", str(e))
            return
        for item in chunk:
            _send(store, client, [item], sent)
        return
    outbox.mark_sent(store, [i.statement_id for i in chunk])
    sent += chunk
