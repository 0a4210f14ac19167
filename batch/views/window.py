"""The preview's window: what goes now and what comes next, each letter composed as it will read then.

A dry run composes only what is due this minute; on most days that is nothing. The preview also shows
the follow-ups that go later, up to `until` (or, without one, at the next moment anything goes), so
the page is worth opening whatever the day. Nothing here sends, writes or records.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from email.utils import format_datetime
from typing import NamedTuple

from batch.data.fields import zone
from batch.etiquette.schedule import FollowUp
from batch.ledger.schema import Entry
from batch.letters.compose import Composed, compose
from batch.letters.lint import counted_words, word_limits
from batch.letters.threads import answered
from batch.letters.words import count_words
from batch.model.interview import Dataset
from batch.views.agenda import upcoming


class Letter(NamedTuple):
    """One letter on the page: composed, the moment it goes, and whether it went to the outbox now."""

    composed: Composed
    goes: datetime
    now: bool


class Window(NamedTuple):
    """What the page shows: the letters due now, those coming, and when the next one goes after now."""

    due: list[Letter]
    coming: list[Letter]
    until: datetime | None  # the end of the window asked for (None: the next moment only)
    next_at: datetime | None  # the first moment after now that anything goes (None: nothing planned)


def window_of(
    due: list[Composed],
    items: Iterable[FollowUp],
    data: Dataset,
    now: datetime,
    until: datetime | None,
    entries: Iterable[Entry] = (),
) -> Window:
    """The letters due now (as the dry run composed them) and those that go after now until `until`."""
    now_keys = {message.item.key for message in due}
    later = [(item, moment) for item, moment in upcoming(items, now, None, until) if item.key not in now_keys]
    later = [(item, moment) for item, moment in later if moment > now]
    beyond = [m for i, m in upcoming(items, now) if i.key not in now_keys and m > now]
    next_at = min(beyond, default=None)
    if until is None:  # the next moment alone, as `plan --next` would name it
        later = [(item, moment) for item, moment in later if moment == next_at]
    rows = list(entries)
    planned = list(items)  # a check-in coming after a thank-you still to go answers that thank-you
    coming = [
        Letter(compose(item, data, moment, answered(item, data, rows, planned, moment)), moment, False)
        for item, moment in later
    ]
    return Window([Letter(message, now, True) for message in due], coming, until, next_at)


def date_header(moment: datetime, data: Dataset) -> str:
    """The Date the email will carry: the moment it goes, on your own clock (as the sender dates it)."""
    return format_datetime(moment.astimezone(zone(data.me.timezone)).replace(microsecond=0))


def word_count(message: Composed, data: Dataset) -> str:
    """'86 words (50 to 150)': the body's words as the lint counts them, with the limits it checks; '96
    words, 84 counted (50 to 90)' when the words are past the limit only by the length of a name, role or
    company put in, which the limit charges at most its allowance (see measure)."""
    words = message.words
    counted = words.words if words.words is not None else count_words(words.text)
    low, high = word_limits(message.item.method, data.policy, words.kind)
    charged = counted_words(words, data.policy)
    said = f", {charged} counted" if counted > high >= charged else ""
    return f"{counted} word{'s' * (counted != 1)}{said} ({low} to {high})"
