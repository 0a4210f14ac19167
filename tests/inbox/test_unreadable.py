"""Outside mail is data, never a crash: one odd message in the mailbox is read or skipped with one line,
and the run goes on (an unrelated thank-you due in the same run is sent).

The readers of autoreply.py are total (an answer, or Unreadable saying what and why) over generated and
mutated messages; the whole job is run against dovecot holding a corpus of malformed mail
(tests/corpus/mailbox/, fictional) and a fuzzed inbox of thousands of messages, and against a proxy
that makes dovecot announce a literal no client should try to hold.
"""

from __future__ import annotations

import random
import re
from datetime import UTC, date, datetime
from email.parser import HeaderParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from batch.inbox import autoreply, plainbounce
from tests.inbox.mailbox import MAILBOX, Mailbox, corpus, mailbox, thanked, work  # noqa: F401  (fixtures)
from tests.inbox.test_replies import ARJUN, FRIDAY, NORTHWIND, PANEL
from tests.servers.imapproxy import imap_proxy

REPLIES = Path(__file__).parents[1] / "corpus" / "replies"
SEEDS = sorted([*MAILBOX.glob("*.eml"), *REPLIES.glob("*.eml")])


def read_all(raw: bytes) -> None:
    """Every reader, as replies.py calls them: each answers, or raises Unreadable (nothing else)."""
    headers = HeaderParser().parsestr(raw.decode("utf-8", "replace"))
    for reader in (
        lambda: autoreply.is_delivery_report(headers),
        lambda: autoreply.is_auto_reply(headers),
        lambda: autoreply.subject_of(headers),
        lambda: autoreply.read_report(raw),
        lambda: plainbounce.is_plain_bounce(headers),
        lambda: plainbounce.read_plain_bounce(raw),
        lambda: autoreply.return_date(autoreply.body_text(raw), date(2026, 11, 24)),
    ):
        try:
            reader()
        except autoreply.Unreadable as exc:
            assert str(exc).startswith("cannot read ") and "\n" not in str(exc)


# Pieces that broke the readers once, or are known to break mail parsers
NASTY = [b"*", b"=", b";", b'"', b"'", b"%", b"%ff", b"\\", b"\x00", b"\r", b"\n", b"\n\n", b"=?", b"?=",
         b"=?utf-8?B?", b"=?x?Q?=FF?=", b"{99999999999}", b"9999", b"--", b"<", b">", b"charset*",
         b"boundary*", b"*0*=", b"*1=", b"''", b"\xff\xfe", "é".encode(), b"\t", b" "]  # fmt: skip


def mutate(raw: bytes, rnd: random.Random, times: int) -> bytes:
    """The message with a few slices deleted, doubled or replaced by a nasty piece."""
    data = bytearray(raw)
    for _ in range(times):
        at = rnd.randrange(len(data) + 1)
        end = min(len(data), at + rnd.randrange(12))
        choice = rnd.randrange(3)
        if choice == 0:
            del data[at:end]
        elif choice == 1:
            data[at:at] = data[at:end]
        else:
            data[at:end] = rnd.choice(NASTY)
    return bytes(data)


@settings(max_examples=2000, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.sampled_from(SEEDS), noise=st.randoms(use_true_random=False), times=st.integers(1, 8))
def test_every_reader_answers_or_says_why_on_mutated_real_world_mail(
    seed: Path, noise: random.Random, times: int
) -> None:
    read_all(mutate(corpus(seed), noise, times))


HEADER_NAMES = ["From", "Subject", "Date", "Content-Type", "Content-Transfer-Encoding", "In-Reply-To",
                "References", "Auto-Submitted", "X-Autoreply", "Precedence", "MIME-Version"]  # fmt: skip
TYPES = ["text/plain", "text/html", "multipart/report", "multipart/alternative", "message/delivery-status",
         "message/rfc822", "text/rfc822-headers", "multipart/mixed"]  # fmt: skip
PARAMS = st.lists(
    st.tuples(
        st.sampled_from(
            ["charset", "boundary", "report-type", "charset*", "charset*0*", "boundary*1", "*", ""]
        ),
        st.sampled_from(["", "=", "=utf-8", '="', "=''", "=utf-8''%E9", "=delivery-status", "=b", '="b"']),
    ),
    max_size=4,
)


BODY_LINES = ["--b", "--b--", "Action: failed", "Final-Recipient: rfc822; x@y", "", "back on 8 December",
              "Content-Type: message/delivery-status", "back on 9999-12-31", "jusqu'au 31/12",
              "Message-ID: <t@example.com>"]  # fmt: skip


@st.composite
def messages(draw: st.DrawFn) -> bytes:
    """A message of headers and parts a server might hold, some of them ill-formed."""
    kind = draw(st.sampled_from(TYPES))
    params = "".join(f"; {name}{value}" for name, value in draw(PARAMS))
    lines = [f"Content-Type: {kind}{params}"]
    for name in draw(st.lists(st.sampled_from(HEADER_NAMES), max_size=6)):
        lines.append(f"{name}: {draw(st.text(max_size=30))}")
    body = draw(st.lists(st.sampled_from(BODY_LINES), max_size=12))
    text = "\n".join(lines) + "\n\n" + "\n".join(body) + draw(st.text(max_size=40))
    return text.encode("utf-8", "surrogatepass")


@settings(max_examples=1000, suppress_health_check=[HealthCheck.too_slow])
@given(raw=messages())
def test_every_reader_answers_or_says_why_on_generated_mail(raw: bytes) -> None:
    read_all(raw)


@settings(max_examples=1000)
@given(text=st.text(max_size=200), written=st.dates())
def test_a_return_date_is_read_or_not_for_any_text_on_any_day(text: str, written: date) -> None:
    for sample in (text, f"back on {text}", f"back on 9999-12-31 {text}", f"until 31 December {text}"):
        found = autoreply.return_date(sample, written)
        assert found is None or (found[0] >= written and found[1] in ("back", "until"))


def test_a_return_date_at_the_end_of_the_calendar_is_no_crash() -> None:
    assert autoreply.return_date("I will be back on 9999-12-31.", date(9999, 12, 20)) == (
        date(9999, 12, 31),
        "back",
    )


# The whole job against dovecot: each odd message on its own, then all of them and thousands more.
def odd_ones() -> list[Path]:
    return sorted(MAILBOX.glob("*.eml"))


@pytest.mark.parametrize("path", odd_ones(), ids=[p.stem for p in odd_ones()])
def test_one_odd_message_never_stops_plan_or_send_and_the_thank_you_due_goes(
    path: Path,
    mailbox: Mailbox,  # noqa: F811
) -> None:
    mailbox.put(corpus(path, mailbox.thank_you()))
    mailbox.look()
    mailbox.capsys.readouterr()
    rows = mailbox.plan()  # exit 0, asserted there
    assert rows[f"{NORTHWIND}/check-in"]["state"] in ("due", "replied", "bounced", "scheduled")
    code, out, err = mailbox.send()
    assert "Traceback" not in out + err
    assert code in (0, 1)  # 1 only for a bounce found (said in its line)
    assert code == 0 or "bounced  thank-you" in err
    assert ARJUN in mailbox.recipients()  # the unrelated thank-you went
    for line in err.splitlines():
        assert line.startswith(("skipped  message UID ", "bounced  ", "replied  ")), line


@pytest.mark.parametrize("name", ["ooo-charset-star.eml", "ooo-boundary-star.eml"])
def test_a_message_that_cannot_be_read_is_skipped_with_one_line_saying_which_and_why(
    name: str,
    mailbox: Mailbox,  # noqa: F811
) -> None:
    mailbox.put_odd(name)
    mailbox.look()
    code, _, err = mailbox.send()
    assert code == 0
    [line] = err.splitlines()
    assert re.fullmatch(
        r"skipped  message UID \d+ in the mailbox \(from 'Priya Shah <priya.shah@northwind.example>', "
        r"subject '[^']+'\): cannot read its text \(IndexError: [^)]*\); the run goes on without it",
        line,
    ), line
    assert ARJUN in mailbox.recipients()


def test_a_literal_of_any_announced_size_is_refused_and_the_run_goes_on(
    mailbox: Mailbox,  # noqa: F811
) -> None:
    mailbox.put(corpus(REPLIES / "ooo-outlook-en.eml", mailbox.thank_you()))

    def huge(line: bytes) -> bytes:  # the server announces 93 GB for a message's headers
        return re.sub(rb"\{\d+\}\r\n$", b"{99999999999}\r\n", line) if b" FETCH (" in line else line

    with imap_proxy(mailbox.imap, huge) as proxy:
        mailbox.look(PORT=str(proxy.port))
        code, out, err = mailbox.send()
    assert "Traceback" not in out + err
    assert code == 1  # check-ins held, as for any mailbox that cannot be read
    [line] = err.splitlines()
    assert line.startswith("held  due check-ins, not sent blindly: cannot look for replies: ")
    assert "announced 99999999999 bytes in one answer" in line
    assert ARJUN in mailbox.recipients()


FUZZED = 2000


def test_a_fuzzed_inbox_of_thousands_of_messages_gives_no_traceback(
    mailbox: Mailbox,  # noqa: F811
) -> None:
    rnd = random.Random(22)
    thank_you = mailbox.thank_you()
    seeds = [corpus(path, thank_you) for path in SEEDS]
    for _ in range(FUZZED):  # every one threads to Priya's thank-you, so every one is fetched and read
        raw = mutate(rnd.choice(seeds), rnd, rnd.randrange(1, 6))
        mailbox.put(b"In-Reply-To: " + thank_you.encode() + b"\r\n" + raw)
    mailbox.look(TIMEOUT="30")
    mailbox.capsys.readouterr()
    mailbox.plan()
    code, out, err = mailbox.send(FRIDAY)
    assert "Traceback" not in out + err
    assert code in (0, 1)
    assert ARJUN in mailbox.recipients()
    assert all(line.startswith(("skipped  ", "bounced  ", "replied  ")) for line in err.splitlines())
    assert datetime.now(UTC)  # the run ended: no hang


def test_a_server_that_never_stops_talking_is_cut_off_and_the_run_goes_on(
    mailbox: Mailbox,  # noqa: F811
) -> None:
    flood = b"* OK " + b"x" * 8000 + b"\r\n"

    def endless(line: bytes) -> bytes:  # before each search result, 70 MB of untagged lines
        return flood * 9000 + line if line.startswith(b"* SEARCH") else line

    with imap_proxy(mailbox.imap, endless) as proxy:
        mailbox.look(PORT=str(proxy.port))
        code, out, err = mailbox.send()
    assert "Traceback" not in out + err
    assert code == 1  # check-ins held, as for any mailbox that cannot be read
    [line] = err.splitlines()
    assert "the server sent more than 64 MB in one session" in line
    assert ARJUN in mailbox.recipients()


def test_a_delivery_report_whose_status_part_cannot_be_found_is_skipped_with_one_line(
    mailbox: Mailbox,  # noqa: F811
) -> None:
    """A boundary whose quote is never closed hides every part: said, not passed over in silence."""
    mailbox.put_odd("report-unclosed-boundary.eml")
    mailbox.look()
    code, _, err = mailbox.send()
    assert code == 0
    [line] = err.splitlines()
    assert line.startswith("skipped  message UID ") and "no delivery-status part can be found" in line, line
    assert ARJUN in mailbox.recipients()


@pytest.mark.parametrize(
    "name, why",
    [
        ("reply-by-sender-unreadable-date.eml", "cannot read its date 'Fri, 31 Dec 9999 23:59:60 +9999'"),
        ("reply-by-sender-no-date.eml", "it has no date"),
    ],
    ids=["year 9999 and an unknown charset", "no Date header"],
)
def test_mail_from_the_panel_whose_date_cannot_be_read_is_no_reply_and_is_skipped_with_one_line(
    name: str,
    why: str,
    mailbox: Mailbox,  # noqa: F811
) -> None:
    """By its sender alone, mail is a reply only if it came after the thank-you: unknowable here."""
    mailbox.put(corpus(MAILBOX / name, recipient=PANEL[0]))
    mailbox.look()
    code, out, err = mailbox.send()
    assert code == 0
    [line] = err.splitlines()
    assert line.startswith("skipped  message UID ") and why in line, line
    assert line.endswith("so nothing tells it came after the thank-you; the run goes on without it"), line
    assert f"check-in to Priya Shah <{PANEL[0]}>" in out  # not cancelled by a message we cannot read
