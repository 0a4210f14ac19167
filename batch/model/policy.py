"""The etiquette in numbers: every window, delay and limit the job applies, in one place."""

from __future__ import annotations

from datetime import time
from typing import NamedTuple


class Policy(NamedTuple):  # a NamedTuple, as every record of the idle cron path (see errors.Problem)
    """The etiquette numbers; `policy:` in the YAML may override any of them."""

    window_start: time = time(8, 0)
    window_end: time = time(18, 0)
    workdays: tuple[int, ...] = (0, 1, 2, 3, 4)  # Monday is 0, as in date.weekday()
    same_day_after_minutes: int = 60
    next_day_at: time = time(9, 0)
    # Counted from the interview's end, in days of the calendar: weekends and holidays cannot stretch it,
    # so a thank-you never goes a week after the interview, whatever its delay (at most 6: see checks).
    thank_you_within_days: int = 5
    check_in_after_business_days: int = 2
    check_in_at: time = time(10, 0)
    check_in_expire_after_days: int = 14
    email_min_words: int = 50
    email_max_words: int = 150
    check_in_max_words: int = 90
    voicemail_max_words: int = 75
    note_max_words: int = 80
    subject_max_chars: int = 60
    # A value the user put in (a name, the role, the company, a topic) is charged at most this much against
    # the limits above, so a long job title never makes a letter the user did not write too long.
    value_max_words: int = 3
    value_max_chars: int = 20
    daily_cap: int = 100
    pause_seconds: float = 0.0
    # ISO 3166 code: its public holidays are not working days. None: the recipient's time zone implies
    # it (workdays.place_of_zone); "" (written `none`): no public holidays at all.
    country: str | None = None
    subdivision: str | None = None  # a province, state or region of country, with holidays of its own


class LocalPolicy(NamedTuple):  # immutable like a frozen dataclass, at a tenth of its import cost
    # Never compared with a Policy (which a NamedTuple of the same values would equal).
    """What an interview or an interviewer may set of the policy: where its recipients' holidays come from.

    Given at one level, the two go together: a country set here replaces the one above, with its region.
    """

    country: str
    subdivision: str | None = None


DEFAULT = Policy()

# The article's line: a thank-you a week after the interview has missed its moment. No policy may
# reach it (checks refuses a thank_you_within_days this large).
THANK_YOU_NEVER_DAYS = 7

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# What each policy field means, for `check`'s hints and the guide's rules page.
DESCRIPTIONS: dict[str, str] = {
    "window_start": "the recipient's working day opens (their local time)",
    "window_end": "the recipient's working day closes (their local time)",
    "workdays": "the days that count as working days",
    "same_day_after_minutes": "a same-day thank-you waits this long after the interview ends",
    "next_day_at": "a next-day or two-days thank-you goes at this local time",
    "thank_you_within_days": (
        "a thank-you not delivered this many days after the interview ended is dropped "
        "(at most 6: never a week later)"
    ),
    "check_in_after_business_days": "the check-in waits this many business days past decision_by",
    "check_in_at": "the check-in goes at this local time",
    "check_in_expire_after_days": "a check-in not delivered this many days after it fell due is dropped",
    "email_min_words": "fewest words in an email body",
    "email_max_words": "most words in an email body",
    "check_in_max_words": "most words in a check-in email body (it asks one question, so it stays short)",
    "voicemail_max_words": "most words in a voicemail script (about 30 seconds spoken)",
    "note_max_words": "most words in a handwritten note",
    "subject_max_chars": "most characters in a subject line",
    "value_max_words": (
        "a name, the role, the company or a topic put into a body counts as at most this many words "
        "toward the word limits (your note: counts in full)"
    ),
    "value_max_chars": (
        "a name, the role or the company put into a subject counts as at most this many characters "
        "toward the subject's limit"
    ),
    "daily_cap": "most emails delivered in any rolling 24 hours",
    "pause_seconds": (
        "seconds between two emails of one batch (each is written and dated once its pause is over)"
    ),
    "country": (
        "the recipient's country (a code such as CA or GB): its public holidays are not working days; "
        "by default the one their time zone implies; none for no holidays"
    ),
    "subdivision": "their province, state or region within country (such as ON), for its holidays too",
}


def policy_fields() -> tuple[str, ...]:
    """The names of Policy's fields, in declaration order."""
    return Policy._fields


def format_value(value: object) -> str:
    """Show a policy value the way the YAML would write it."""
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, tuple):
        return "[" + ", ".join(WEEKDAYS[d] for d in value) + "]"
    return str(value)
