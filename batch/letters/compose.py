"""A due follow-up → the finished mail that carries it, checked against the etiquette.

An email follow-up goes to the interviewer. A voicemail or a handwritten note cannot be sent by a
program: the mail is a reminder to the candidate, carrying the script or the draft. A check-in to
someone whose thank-you went by email answers it: the same thread, "Re: " its subject.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from batch.data.load import place_of, places_of
from batch.errors import InputError, Problem
from batch.etiquette.schedule import FollowUp
from batch.ledger.reads import Thread, thank_you_thread
from batch.ledger.schema import Entry
from batch.letters import lint as etiquette
from batch.letters import mime
from batch.letters.lint import lint
from batch.letters.render import (
    Rendered,
    context_for,
    load_template,
    reminder_language,
    reminder_path,
    render,
    render_follow_up,
)
from batch.model.interview import Dataset
from batch.model.languages import base_language


@dataclass(frozen=True, slots=True)
class Composed:
    """A follow-up's words, the mail that carries them, and what the lint found wrong."""

    item: FollowUp
    words: Rendered  # what the interviewer reads or hears
    mail: Rendered  # the email: the same as words, or the reminder that carries them
    problems: tuple[str, ...]
    thread: Thread | None = None  # the thank-you email this check-in answers

    @property
    def to(self) -> mime.Address:
        """The interviewer as an address; a reminder goes to the candidate instead (see to_mail)."""
        return (self.item.interviewer.name, self.item.interviewer.email or "")


def compose(
    item: FollowUp, data: Dataset, moment: datetime | None = None, thread: Thread | None = None
) -> Composed:
    """Render and lint one follow-up (no Message-ID or date yet: those belong to delivery).

    `moment` is when it reaches the reader, so the words say the interview's day from there ("today",
    "last Thursday"); without one, the moment the plan says it goes. With `thread` (see thread_of) the
    email answers that thank-you: its subject is "Re: " the thank-you's, which was linted when it went;
    the words keep their own subject for the lint.
    """
    try:
        words = render_follow_up(item, data, moment=moment)
    except InputError as exc:  # this follow-up's template fails: it alone is held, the batch goes on
        return _unrendered(item, exc)
    problems = lint(words, item.method, data.policy)
    mail = words
    if not item.sends_email:
        try:
            mail = render_follow_up_reminder(item, data, words, moment)
        except InputError as exc:
            return _unrendered(item, exc)
        problems += lint(mail, "email", data.policy, is_reminder=True)
        thread = None
    elif thread is not None:
        mail = replace(words, subject=reply_subject(thread.subject))
    # What the gate in to_mail would refuse, found here so that `check` reports it too.
    problems += mime.check_headers(intended(item, data, mail))
    return Composed(item, words, mail, tuple(problems), thread)


def _unrendered(item: FollowUp, exc: InputError) -> Composed:
    """A follow-up whose template could not be filled in: no words, and the problem at its place."""
    where = exc.problems[0].path if exc.problems else ""
    empty = Rendered(where, "", "", "")
    return Composed(item, empty, empty, tuple(str(problem) for problem in exc.problems) or (str(exc),))


_PLACED = re.compile(r"^(.+?):(\d+):(\d+): (.*)$", re.DOTALL)


def is_placed(problem: str) -> bool:
    """Whether a problem names its own place (a template's line) rather than being the lint's word."""
    return _PLACED.match(problem) is not None


@dataclass(frozen=True, slots=True)
class Review:
    """What `check` and `doctor` find in every message the plan would produce, each at its place."""

    problems: list[Problem]  # the etiquette lint, and two panelists with one letter from stock templates
    warnings: list[Problem]  # two panelists with one letter from your own template; lint.advice


def review(data: Dataset, items: list[FollowUp]) -> Review:
    """Compose every follow-up once and lint it, with the panel check; places found in one parse a file."""

    every = [(item, compose(item, data)) for item in items]
    failing = [(item, composed) for item, composed in every if composed.problems]
    rendered = [(item, c.words) for item, c in every if not any(is_placed(p) for p in c.problems)]
    panel = etiquette.panel_problems(rendered)  # a letter that could not be filled in has no words to compare
    advised = [(item, said) for item, words in rendered for said in etiquette.advice(item, words)]
    panel += [(item, said, False) for item, said in _once_each(advised)]
    placed = [item for item, _ in failing] + [item for item, _, _ in panel]
    places = places_of([(item.interview, item.interviewer) for item in placed])
    problems = [
        Problem(path, line, col, f"{item.key}: {problem} (template {composed.words.template})")
        for (item, composed), (path, line, col) in zip(failing, places, strict=False)
        for problem in composed.problems
        if not is_placed(problem)
    ]
    own = {problem for _, composed in failing for problem in composed.problems if is_placed(problem)}
    problems += [_as_problem(problem) for problem in sorted(own)]  # once each, however many use it
    warnings: list[Problem] = []
    for (item, said, error), place in zip(panel, places[len(failing) :], strict=True):
        if error:
            problems.append(Problem(*place, f"{item.key}: {said}"))
        else:
            warnings.append(Problem(*place, f"warning: {item.key}: {said}"))
    return Review(problems, warnings)


def _as_problem(line: str) -> Problem:
    """A placed problem's line as a Problem again (path:line:col: message)."""
    found = _PLACED.match(line)
    assert found is not None  # only placed ones come here
    return Problem(found[1], int(found[2]), int(found[3]), found[4])


def _once_each(advised: list[tuple[FollowUp, str]]) -> list[tuple[FollowUp, str]]:
    """Each piece of advice once per person (their thank-you and check-in would say it twice)."""
    seen: set[tuple[str, str, str]] = set()
    found = []
    for item, said in advised:
        key = (item.interview.id, item.interviewer.name, said)
        if key not in seen:
            seen.add(key)
            found.append((item, said))
    return found


def thread_of(item: FollowUp, entries: Iterable[Entry]) -> Thread | None:
    """The thank-you email a check-in to this person answers, from the ledger's rows; None for the rest."""
    if item.kind != "check-in" or not item.sends_email or not item.interviewer.email:
        return None
    return thank_you_thread(entries, item.interview.id, item.interviewer.email)


_RE = re.compile(r"re:\s*", re.IGNORECASE)


def reply_subject(subject: str) -> str:
    """ "Re: " and the subject answered, once: a subject that starts with Re: already keeps it as it is."""
    return subject if _RE.match(subject) else f"Re: {subject}"


def intended(item: FollowUp, data: Dataset, mail: Rendered, thread: Thread | None = None) -> mime.Intended:
    """Who the mail is from and to, its subject and the message it answers: what its headers must read
    back as."""
    me = (data.me.name, data.me.email)
    to = (item.interviewer.name, item.interviewer.email or "") if item.sends_email else me
    reply_to = (data.me.name, data.me.reply_to) if data.me.reply_to else None
    return mime.Intended(me, to, mail.subject, reply_to, thread.message_id if thread else None)


def render_follow_up_reminder(
    item: FollowUp, data: Dataset, words: Rendered, moment: datetime | None = None
) -> Rendered:
    """The reminder to the candidate (in their language) that carries a voicemail script or a note draft."""
    context = context_for(item, data, moment)
    context["script"] = words.text.strip()
    context["address"] = item.interviewer.address or ""  # where a card is posted
    yours = reminder_language(data)  # the reminder's own words are yours: your typography, your lint
    context["variant"], context["language"] = yours, base_language(yours)
    return render(load_template(reminder_path(data)), context)


def to_mail(composed: Composed, data: Dataset, message_id: str, date: datetime) -> mime.Message:
    """The mail's bytes, with its Message-ID (new, or the ledger's on a retry) and date.

    mime.build parses the headers back before it returns; what it refuses is an InputError at the
    interviewer's place in the data, for that follow-up alone.
    """
    item = composed.item
    meant = intended(item, data, composed.mail, composed.thread)
    try:
        return mime.build(
            key=item.key,
            sender=meant.sender,
            to=meant.to,
            subject=meant.subject,
            text=composed.mail.text,
            html=composed.mail.html,
            message_id=message_id,
            date=date,
            reply_to=meant.reply_to,
            in_reply_to=meant.in_reply_to,
        )
    except InputError as exc:
        path, line, col = place_of(item.interview, item.interviewer)
        text = str(exc).removeprefix(f"{item.key}: ")
        raise InputError(Problem(path, line, col, f"{item.key}: {text}")) from None
