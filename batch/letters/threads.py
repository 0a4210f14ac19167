"""The thank-you a check-in will answer when it goes, for letters shown before they go.

A real send answers the thank-you email the ledger holds as sent (`compose.thread_of`): "Re: " its
subject, In-Reply-To its Message-ID. The preview's coming letters and the guide's examples are shown
before that thank-you has gone, while the plan still sends it first: the check-in is shown as it will
then read, "Re: " the subject that thank-you will carry. Its Message-ID is made only when it goes, so
a stand-in holds its place; nothing built from a foreseen thread is ever sent.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from batch.etiquette.schedule import FollowUp
from batch.ledger.reads import Thread
from batch.ledger.schema import Entry
from batch.letters.compose import compose, thread_of
from batch.model.interview import Dataset
from batch.model.keys import address_key

# Never a real Message-ID (.invalid is reserved): the one the thank-you gets is made when it goes.
FORESEEN_ID = "<thank-you-not-sent-yet@followup.invalid>"
# The plan's states of a follow-up that still goes by itself (as views.agenda.PENDING).
_GOING = ("due", "waiting", "scheduled")


def answered(
    item: FollowUp, data: Dataset, entries: Iterable[Entry], planned: Iterable[FollowUp], moment: datetime
) -> Thread | None:
    """The thread a check-in going at `moment` answers: the ledger's sent thank-you, else the thank-you
    email the plan sends the same person before then; None for anything that starts its own thread."""
    found = thread_of(item, entries)
    if found is not None or item.kind != "check-in" or not item.sends_email or not item.interviewer.email:
        return found
    to = address_key(item.interviewer.email)
    for other in planned:
        if (
            other.kind == "thank-you" and other.sends_email and other.state in _GOING
            and other.interview.id == item.interview.id and other.sends_at < moment
            and address_key(other.interviewer.email or "") == to
        ):  # fmt: skip
            thanks = compose(other, data, other.sends_at)  # the subject it will carry when it goes
            return Thread(FORESEEN_ID, thanks.mail.subject) if thanks.mail.subject else None
    return None
