"""A due follow-up → the mail that carries it: to the interviewer, or a reminder to the candidate."""

from __future__ import annotations

import email
import email.policy
import json
import re
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

import pytest

from batch.cli.main import main
from batch.data.load import load
from batch.errors import InputError
from batch.etiquette.schedule import FollowUp, plan
from batch.ledger.reads import Thread
from batch.letters.compose import Composed, compose, reply_subject, to_mail
from batch.model.interview import Dataset

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime.fromisoformat("2026-11-24T16:00-05:00")
THANK_YOU = "northwind-data-analyst/thank-you/marcus.chen@northwind.example"
CHECK_IN = "contoso-bi-developer/check-in"
VOICEMAIL = "fabrikam-product-analyst/thank-you/jordan-blake"
NOTE = "northwind-data-analyst/thank-you/elena-torres"
MESSAGE_ID = "<20261124160000.00112233aabbccdd@example.com>"

EXAMPLE = load([ROOT / "interviews.yaml"])
ITEMS = {item.key: item for item in plan(EXAMPLE, NOW)}


def mail_of(key: str, data: Dataset = EXAMPLE, item: FollowUp | None = None) -> tuple[Composed, EmailMessage]:
    """Compose a follow-up of the example and parse its mail back the way a mail client would."""
    composed = compose(item or ITEMS[key], data)
    message = to_mail(composed, data, MESSAGE_ID, NOW)
    parsed = email.message_from_bytes(message.data, policy=email.policy.default)
    return composed, parsed  # type: ignore[return-value]


def plain(parsed: EmailMessage) -> str:
    """The text part as the reader sees it, with plain newlines."""
    part = parsed.get_body(("plain",))
    assert part is not None
    return part.get_content().replace("\r\n", "\n")


def addresses(parsed: EmailMessage, name: str) -> list[tuple[str, str]]:
    """The (display name, address) pairs of an address header."""
    return [(a.display_name, a.addr_spec) for a in parsed[name].addresses]


@pytest.mark.parametrize(("key", "method"), [(VOICEMAIL, "voicemail"), (NOTE, "note")])
def test_a_voicemail_or_a_note_becomes_a_reminder_to_me_with_the_words_verbatim(
    key: str, method: str
) -> None:
    composed, parsed = mail_of(key)
    message = to_mail(composed, EXAMPLE, MESSAGE_ID, NOW)
    assert message.envelope_to == "sam.rivera@example.com"
    assert addresses(parsed, "To") == [("Sam Rivera", "sam.rivera@example.com")]
    assert addresses(parsed, "From") == [("Sam Rivera", "sam.rivera@example.com")]
    assert Path(composed.words.template).name == f"{method}.md"
    assert Path(composed.mail.template).name == "reminder.md"
    script = composed.words.text.strip()
    assert script.count("\n") >= 2  # several lines, kept as they are
    assert script in plain(parsed)
    assert composed.mail.text in plain(parsed)
    assert parsed["Subject"] == composed.mail.subject
    assert composed.problems == ()


def test_the_voicemail_reminder_gives_the_number_to_call() -> None:
    _, parsed = mail_of(VOICEMAIL)
    assert parsed["Subject"] == "Reminder: call Jordan Blake"
    assert "call Jordan Blake at +1 647 555 0188" in plain(parsed)


def test_the_note_reminder_names_the_card_and_never_reaches_the_interviewer() -> None:
    _, parsed = mail_of(NOTE)
    assert parsed["Subject"] == "Reminder: a thank-you card for Elena Torres"
    assert "Dear Elena," in plain(parsed)
    assert "Elena" not in str(parsed["To"])


@pytest.mark.parametrize(
    ("key", "to"),
    [(THANK_YOU, ("Marcus Chen", "marcus.chen@northwind.example")),
     (CHECK_IN, ("Dana Okafor", "dana.okafor@contoso.example"))],
)  # fmt: skip
def test_an_email_follow_up_goes_to_the_interviewer_by_name(key: str, to: tuple[str, str]) -> None:
    composed, parsed = mail_of(key)
    message = to_mail(composed, EXAMPLE, MESSAGE_ID, NOW)
    assert composed.mail is composed.words
    assert message.envelope_to == to[1] and message.envelope_from == "sam.rivera@example.com"
    assert addresses(parsed, "To") == [to]
    assert addresses(parsed, "From") == [("Sam Rivera", "sam.rivera@example.com")]
    assert plain(parsed) == composed.words.text
    html = parsed.get_body(("html",))
    assert html is not None and html.get_content().replace("\r\n", "\n") == composed.words.html
    assert parsed["Subject"] == composed.words.subject
    assert parsed["Message-ID"] == MESSAGE_ID == message.message_id
    assert parsed["Date"].datetime == NOW
    assert composed.to == to


@pytest.mark.parametrize("key", [THANK_YOU, VOICEMAIL, NOTE])
def test_reply_to_is_set_only_when_me_has_reply_to(key: str) -> None:
    _, parsed = mail_of(key)
    assert parsed["Reply-To"] is None
    data = EXAMPLE._replace(me=EXAMPLE.me._replace(reply_to="replies@sam.example"))
    _, parsed = mail_of(key, data)
    assert addresses(parsed, "Reply-To") == [("Sam Rivera", "replies@sam.example")]
    assert len(parsed.get_all("Reply-To")) == 1


def test_a_long_interviewer_name_still_gets_its_reminder() -> None:
    # The reminder subject names the interviewer; a long name must not hold the user's reminder back.
    item = ITEMS[NOTE]
    person = item.interviewer._replace(name="Maria Fernanda Rodríguez de la Santísima Trinidad")
    item = item._replace(interviewer=person)
    composed, parsed = mail_of(NOTE, item=item)
    assert len(composed.mail.subject) > 60
    assert composed.problems == ()
    assert parsed["Subject"] == composed.mail.subject
    assert "Dear Maria," in plain(parsed)  # too long to say whole: its first word (and check asks)


def test_a_script_over_its_word_limit_is_reported_against_the_words() -> None:
    data = EXAMPLE._replace(policy=EXAMPLE.policy._replace(voicemail_max_words=20))
    composed = compose(ITEMS[VOICEMAIL], data)
    assert len(composed.problems) == 1
    assert "keep a voicemail to 20 or fewer" in composed.problems[0]


# --- the header gate: refused at the interviewer's place, reported by check, never crashing a run ------

CRASHER = "=?utf-8?b?=0D=0A"  # once a UnicodeEncodeError that stopped every send and dry run


def example_with(tmp_path: Path, old: str, new: str) -> Path:
    """The shipped example with one name changed."""
    text = (ROOT / "interviews.yaml").read_text(encoding="utf-8")
    assert f"name: {old}\n" in text
    path = tmp_path / "interviews.yaml"
    path.write_text(text.replace(f"name: {old}\n", f"name: {json.dumps(new)}\n"), encoding="utf-8")
    return path


def line_of(text: str) -> int:
    """The line of the shipped example where this text stands (the example's lines move as it grows)."""
    lines = (ROOT / "interviews.yaml").read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if text in line)


def test_to_mail_refuses_headers_that_cannot_read_back_at_the_interviewers_place() -> None:
    item = ITEMS[THANK_YOU]
    person = item.interviewer._replace(name="A" * 1500)
    panel = tuple(person if p == item.interviewer else p for p in item.interview.interviewers)
    interview = item.interview._replace(interviewers=panel)
    item = item._replace(interviewer=person, interview=interview)
    composed = compose(item, EXAMPLE)
    assert any("998" in problem for problem in composed.problems)
    with pytest.raises(InputError) as caught:
        to_mail(composed, EXAMPLE, MESSAGE_ID, NOW)
    problem = caught.value.problems[0]
    assert (problem.path, problem.line) == (
        str(ROOT / "interviews.yaml"),
        line_of(f"- name: {ITEMS[THANK_YOU].interviewer.name}"),
    )
    assert problem.message.startswith(f"{THANK_YOU}: a header line of 1,5")


def test_check_reports_a_name_no_header_can_carry_with_its_place(tmp_path: Path, capsys) -> None:
    path = example_with(tmp_path, "Marcus Chen", "A" * 1500)
    assert main(["--data", str(path), "--now", NOW.isoformat(), "check"]) == 2
    err = capsys.readouterr().err
    line = line_of("- name: Marcus Chen")
    assert re.match(
        rf"^{re.escape(str(path))}:{line}:\d+: {re.escape(THANK_YOU)}: a header line of 1,5\d\d bytes", err
    )


@pytest.mark.parametrize("name", [CRASHER, "=?utf-8?q?Ann=0D=0ABcc:_victim@evil.example?="])
def test_a_dry_run_writes_the_name_that_looks_encoded_as_it_is(tmp_path: Path, capsys, name: str) -> None:
    path = example_with(tmp_path, "Marcus Chen", name)
    outbox = tmp_path / "outbox"
    args = ["--data", str(path), "--now", NOW.isoformat(), "send", "--dry-run", "--outbox", str(outbox)]
    assert main(args) == 0, capsys.readouterr().err
    assert main(["--data", str(path), "--now", NOW.isoformat(), "check"]) == 0
    written = [email.message_from_bytes(f.read_bytes(), policy=email.policy.default) for f in
               (outbox / "new").iterdir()]  # fmt: skip
    assert written and all(m["Bcc"] is None for m in written)
    to = {m["To"].addresses[0].addr_spec: m["To"].addresses[0].display_name for m in written}
    assert to["marcus.chen@northwind.example"] == name


@pytest.mark.parametrize(
    ("subject", "answer"),
    [
        ("Thank you for Tuesday's interview", "Re: Thank you for Tuesday's interview"),
        ("Re: Thank you", "Re: Thank you"),  # never "Re: Re:"
        ("RE:Thank you", "RE:Thank you"),
        ("Regarding the role", "Re: Regarding the role"),
    ],
)
def test_a_reply_subject_says_re_once(subject: str, answer: str) -> None:
    assert reply_subject(subject) == answer


def test_a_check_in_that_answers_a_thank_you_carries_its_id_and_subject() -> None:
    thread = Thread("<20261124154500.0123456789abcdef@example.com>", "Thank you for Tuesday's interview")
    composed = compose(ITEMS[CHECK_IN], EXAMPLE, thread=thread)
    message = to_mail(composed, EXAMPLE, MESSAGE_ID, NOW)
    parsed = email.message_from_bytes(message.data, policy=email.policy.default)
    assert parsed["In-Reply-To"] == parsed["References"] == thread.message_id
    assert parsed["Subject"] == message.subject == "Re: Thank you for Tuesday's interview"
    assert composed.words.subject != composed.mail.subject  # the lint saw the check-in's own subject


def test_a_reminder_to_you_never_answers_a_thread() -> None:
    thread = Thread("<20261124154500.0123456789abcdef@example.com>", "Thank you")
    composed = compose(ITEMS[NOTE], EXAMPLE, thread=thread)
    parsed = email.message_from_bytes(
        to_mail(composed, EXAMPLE, MESSAGE_ID, NOW).data, policy=email.policy.default
    )
    assert composed.thread is None and parsed["In-Reply-To"] is None and parsed["References"] is None
