"""The keys of interviews.yaml: for each, how its value is read, whether it must be there, what it means.

One table, read by the loader (`checks`), the guide's reference (`site.reference`) and the JSON Schema
(`schema`), so the three cannot drift apart. A key's `parse` takes the raw YAML value and returns it
typed or raises ValueError; `describe(parse)` says in words what it takes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import time
from typing import Generic, NamedTuple, TypeVar

from batch.data import fields as f
from batch.model.interview import DELAYS, KINDS, METHODS, STATUSES, Interview, Interviewer, Me
from batch.model.policy import DESCRIPTIONS, WEEKDAYS, Policy

T = TypeVar("T")
Parser = Callable[[object], object]


class Key(NamedTuple):  # a NamedTuple, as every record of the idle cron path (see errors.Problem)
    """One key of a mapping in interviews.yaml: its parser, whether it is required, what it is for."""

    parse: Parser
    required: bool = False
    meaning: str = ""


Spec = dict[str, Key]


# The parsers below are plain classes, not dataclasses (errors.Problem says why) nor NamedTuples (mypy
# does not take a NamedTuple with __call__ for a Callable). Told apart by isinstance, never compared.
class OneOf:
    """A value that is one of these words; a typo is answered with the nearest one."""

    __slots__ = ("choices",)

    def __init__(self, choices: tuple[str, ...]) -> None:
        self.choices = choices

    def __call__(self, raw: object) -> str:
        value = f.parse_text(raw)
        if value not in self.choices:
            hint = f.closest(value, self.choices)
            more = f"did you mean {hint!r}?" if hint else "one of " + ", ".join(self.choices)
            raise ValueError(f"{value!r} is not allowed here ({more})")
        return value

    def describe(self) -> str:
        """The words it takes, as the guide lists them."""
        return "one of " + ", ".join(f"`{choice}`" for choice in self.choices)


class ListOf(Generic[T]):
    """A list whose every item goes through `item`; a single value is a list of one."""

    __slots__ = ("item",)

    def __init__(self, item: Callable[[object], T]) -> None:
        self.item = item

    def __call__(self, raw: object) -> tuple[T, ...]:
        items = raw if isinstance(raw, list) else [raw]
        return tuple(self.item(value) for value in items)

    def describe(self) -> str:
        """A list, and what each item takes."""
        return "a list, each " + describe(self.item)


def one_of(*choices: str) -> OneOf:
    """A parser that accepts only these words, and names the nearest one on a typo."""
    return OneOf(choices)


def list_of(item: Callable[[object], T]) -> ListOf[T]:
    """A parser for a list whose every item goes through `item`; a single value is a list of one."""
    return ListOf(item)


def describe(parse: Callable[[object], object]) -> str:
    """What a key's parser accepts, in the parser's own words (the first clause of its docstring)."""
    if isinstance(parse, OneOf | ListOf):
        return parse.describe()
    first = re.split(r": |;", (parse.__doc__ or "").strip().splitlines()[0])[0].strip().rstrip(".")
    return re.sub(r"'([^']+)'", r"`\1`", first[0].lower() + first[1:])


def parse_people(raw: object) -> object:
    """A list of mappings; each one interviewer, read by its own keys (checks.build_interviewer)."""
    return raw


def parse_weekday(raw: object) -> int:
    """A day of the week: its first three letters in any case (mon, Monday)."""
    name = _WEEKDAY(raw.strip().lower()[:3] if isinstance(raw, str) else raw)
    return WEEKDAYS.index(name)


_WEEKDAY = one_of(*WEEKDAYS)

# The starter's own `me:` (followup init writes it): a real send refuses to sign letters with it.
STARTER_ME = ("Your Name", "you@example.com")

ME: Spec = {
    "name": Key(f.parse_text, True, "Your name; it signs every message."),
    "email": Key(f.parse_email, True, "Your address. Emails go out from it and reminders come to it."),
    "timezone": Key(
        f.parse_zone,
        True,
        "Where you are now: your reminders, the Date of your mail and your log go by its clock. "
        "Travelling, change this one; it never moves anyone else's mail.",
    ),
    "home": Key(
        f.parse_zone,
        False,
        "Where your interviews are: every interview without a `timezone:` of its own is in this zone. "
        "Default: `timezone`; set it before you change `timezone` for a trip.",
    ),
    "phone": Key(
        f.parse_text, False, "Your number, put under your name and read out at the end of a voicemail."
    ),
    "reply_to": Key(f.parse_email, False, "Where replies should go, when that is not `email`."),
    "language": Key(
        f.parse_text,
        False,
        "The language of your reminders, and of every message unless an interview or an interviewer "
        "names another: `en` (the default), `fr` or `es`, or a regional code such as `fr-CA`.",
    ),
}
INTERVIEWER: Spec = {
    "name": Key(
        f.parse_text,
        True,
        "Their full name, a title first if you use one (`Dr. Helen Park`, `Mme Sylvie Bédard`, "
        "`Dra. Ana Fernández`): the letter greets them as its language does (see Greetings below).",
    ),
    "greeting": Key(
        f.parse_text,
        False,
        "The letter's first line exactly as you want it (`Dear Mary Ann,`, `Estimada María José:`), "
        "when their name does not say it: a compound given name, a nickname, the family name first.",
    ),
    "email": Key(f.parse_email, False, "Needed when they are thanked by email."),
    "title": Key(f.parse_text, False, "Their job title, shown in note reminders."),
    "timezone": Key(f.parse_zone, False, "Where they read their mail. Default: the interview's."),
    "phone": Key(f.parse_text, False, "Their number, put in the voicemail reminder."),
    "method": Key(
        one_of(*METHODS), False, "`email`, `voicemail` or `note` for this person. Default: the interview's."
    ),
    "topics": Key(
        list_of(f.parse_text),
        False,
        "What you talked about, in the letter's language; the message mentions it.",
    ),
    "done": Key(list_of(one_of(*KINDS)), False, "Follow-ups you made by hand to this person."),
    "policy": Key(
        f.parse_mapping,
        False,
        "Where this person works, when not where the interview says: `{country: GB, subdivision: ENG}`.",
    ),
    "check_in": Key(
        f.parse_flag,
        False,
        "`true` on the one person the check-in goes to. Default: the first listed, fixed once "
        "the thank-yous are out.",
    ),
    "new_person": Key(
        f.parse_flag,
        False,
        "`true` when this person is not the thanked one who left the panel in the same edit "
        "(until then their thank-you is held).",
    ),
    "address": Key(
        f.parse_address,
        False,
        "Where a card to them is posted, as on the envelope (at most 6 lines, under `address: |`); "
        "the note reminder and its calendar event show it.",
    ),
    "note": Key(
        f.parse_text,
        False,
        "One or two sentences in your own words (something they said, an answer you want to add), in "
        "the letter's language; their thank-you carries it as written.",
    ),
    "language": Key(f.parse_text, False, "The language of this person's messages, when not the interview's."),
}
INTERVIEW: Spec = {
    "id": Key(
        f.parse_id,
        True,
        "A short name, unique across all your files. The ledger remembers deliveries by it: "
        "keep it once something was sent.",
    ),
    "company": Key(f.parse_text, True, "The employer."),
    "role": Key(f.parse_text, True, "The job, as its title reads."),
    "start": Key(f.parse_wall_time, True, "When the interview began, by the clock of its `timezone`."),
    "duration": Key(
        f.parse_duration,
        False,
        "How long it lasted (`45m`, `1h30m`). Give this or `end:`; with neither, 1 h.",
    ),
    "end": Key(f.parse_wall_time, False, "When it ended, instead of `duration:`."),
    "timezone": Key(
        f.parse_zone,
        False,
        "Where the interview took place. Default: `me.home` (else `me.timezone`), never where you travel.",
    ),
    "delay": Key(
        one_of(*DELAYS),
        False,
        "When the thank-you goes: `same-day`, `next-day` or `two-days` (see the rules).",
    ),
    "method": Key(one_of(*METHODS), False, "How the panel is thanked, unless an interviewer says otherwise."),
    "decision_by": Key(
        f.parse_date, False, "The date they said they would decide by; it enables the check-in."
    ),
    "status": Key(
        one_of(*STATUSES), False, "`open` while you wait; anything else cancels what has not gone out yet."
    ),
    "done": Key(
        list_of(one_of(*KINDS)), False, "Follow-ups you made by hand, so the job skips them for everyone."
    ),
    "template": Key(
        f.parse_text,
        False,
        "A template file of your own for this interview's thank-you, relative to the YAML file.",
    ),
    "notes": Key(f.parse_long_text, False, "Anything you want to remember. Never sent."),
    "policy": Key(
        f.parse_mapping,
        False,
        "Where the panel works, for its public holidays: `{country: CA, subdivision: ON}`. "
        "Default: the top-level `policy:`.",
    ),
    "language": Key(
        f.parse_text,
        False,
        "The language of this interview's messages: `en`, `fr-FR`, `fr-CA`, `es-MX`, `es-ES`; a bare `fr` or "
        "`es` is France's or Québec's, Mexico's or Spain's by the reader's time zone (else fr-FR, es-MX). "
        "Another language needs `template:` of your own. Default: `me.language`.",
    ),
    "interviewers": Key(
        parse_people, True, "The people you met: a list, one message each (their keys are below)."
    ),
}
# An interview or an interviewer sets only where its recipients are; the etiquette stays the user's.
LOCAL_POLICY: Spec = {
    "country": Key(f.parse_country, False, DESCRIPTIONS.get("country", "")),
    "subdivision": Key(f.parse_text, False, DESCRIPTIONS.get("subdivision", "")),
}
_POLICY_PARSERS: dict[type, Parser] = {int: f.parse_count, float: f.parse_seconds}


def _policy_key(name: str, default: object) -> Key:
    """A key of the top-level policy:, read by the type of its default."""
    if name in LOCAL_POLICY:
        return LOCAL_POLICY[name]
    if isinstance(default, tuple):
        parse: Parser = list_of(parse_weekday)
    elif isinstance(default, time):
        parse = f.parse_clock
    else:
        parse = _POLICY_PARSERS[type(default)]
    return Key(parse, False, DESCRIPTIONS.get(name, ""))


POLICY: Spec = {name: _policy_key(name, default) for name, default in Policy._field_defaults.items()}
# Keys a release renamed: a file that still has one is told the new name, not just "unknown key".
RENAMED = {"expire_after_business_days": "thank_you_within_days, now counted in days from the interview"}

# The top level's sections, and what each is for.
TOP = {
    "me": "Who you are: the follow-ups come from you, and reminders come to you.",
    "policy": "The etiquette numbers, when the defaults do not suit (see the guide's rules page).",
    "interviews": "The interviews you are waiting to hear back from, one item each.",
}
TOP_KEYS = tuple(TOP)

# The mappings the guide's reference lists, each with the defaults of its record (a field without one,
# such as a required key's, is absent).
SECTIONS: dict[str, Spec] = {"me": ME, "interviews": INTERVIEW, "interviewers": INTERVIEWER}
DEFAULTS: dict[str, dict[str, object]] = {
    "me": Me._field_defaults,
    "interviews": Interview._field_defaults,
    "interviewers": Interviewer._field_defaults,
}
