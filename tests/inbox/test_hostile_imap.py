"""A hostile IMAP server on 127.0.0.1 (servers/oddimap.py) can neither make the run show the password, nor
hide a reply by renumbering messages in the middle of an answer, nor hold the run past its deadline.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest

from tests.inbox.test_replies import (  # noqa: F401  (work and thanked are fixtures)
    CONTOSO,
    MONDAY,
    NORTHWIND,
    PANEL,
    check_ins_sent,
    deliver,
    mail,
    run,
    sample,
    send_lines,
    thank_you_id,
    thanked,
    use_imap,
    work,
)
from tests.servers import ImapServer, SmtpServer
from tests.servers.oddimap import OddImap

PLANTED = "Planted-Secret-77"


@pytest.fixture
def odd() -> Iterator[Callable[..., OddImap]]:
    started: list[OddImap] = []

    def start(*quirks: str) -> OddImap:
        started.append(OddImap(quirks))
        started[-1].password = PLANTED
        return started[-1]

    yield start
    for server in started:
        server.stop()


@pytest.mark.parametrize("command", ["send", "plan", "doctor"])
def test_a_server_that_echoes_the_login_line_in_its_bye_never_gets_the_password_shown(
    command: str,
    work: Path,  # noqa: F811
    thanked: SmtpServer,  # noqa: F811
    odd: Callable[..., OddImap],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = odd("bye-echo")
    server.deliver(mail("news@jobs.example", subject="Ten jobs for you"))
    use_imap(monkeypatch, server)  # type: ignore[arg-type]
    capsys.readouterr()
    code = run(work, command)
    out, err = capsys.readouterr()
    assert any(b" LOGIN " in c for c in server.commands), server.commands  # it did log in
    assert "idle session ended" in out + err, (server.commands, out, err)  # the server's words are shown …
    assert code != 0 or command == "plan"
    for secret in (PLANTED, PLANTED[:8], PLANTED[-8:]):
        assert secret not in out + err  # … without the password, whole or in part
        assert secret not in "".join(p.read_text("utf-8", "replace") for p in work.rglob("*.log"))


def test_an_expunge_in_the_middle_of_a_fetch_answer_loses_no_reply(
    work: Path,  # noqa: F811
    thanked: SmtpServer,  # noqa: F811
    odd: Callable[..., OddImap],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = odd("expunge-mid")
    before = datetime.fromisoformat("2026-11-20T09:00:00-05:00")  # before the thank-you: no reply
    server.deliver(mail(f"Marcus Chen <{PANEL[1]}>", at=before, subject="Your interview on Monday"))
    server.deliver(mail(f"Marcus Chen <{PANEL[1]}>", subject="We would like to make you an offer"))
    use_imap(monkeypatch, server)  # type: ignore[arg-type]
    code, out, _ = send_lines(work, capsys)
    assert code == 0
    assert f"({NORTHWIND}) not sent: marcus.chen@northwind.example replied" in out, out
    assert check_ins_sent(thanked) == ["dana.okafor@contoso.example"], out  # Northwind's was answered
    assert CONTOSO in out


def test_a_message_the_search_found_and_the_fetch_did_not_return_is_skipped_with_one_line(
    work: Path,  # noqa: F811
    thanked: SmtpServer,  # noqa: F811
    odd: Callable[..., OddImap],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = odd("expunge-mid")
    server.deliver(mail(f"Marcus Chen <{PANEL[1]}>", subject="Next steps"))
    server.vanish = {1}  # deleted by another client between the search and the fetch
    use_imap(monkeypatch, server)  # type: ignore[arg-type]
    code, _, err = send_lines(work, capsys)
    assert code == 0
    [line] = err.splitlines()
    assert line.startswith("skipped  message UID 1 in the mailbox") and "did not send it" in line, line
    assert check_ins_sent(thanked) == ["dana.okafor@contoso.example"]  # Northwind's waits for a full look
    server.vanish = set()  # the next run's look is complete: nothing there is a reply
    code, _, err = send_lines(work, capsys, now="2026-11-27T11:30:00-05:00")
    assert check_ins_sent(thanked) == ["dana.okafor@contoso.example"], err  # "Next steps" answered it


def test_a_server_dripping_its_answer_cannot_hold_the_run_past_its_deadline(
    work: Path,  # noqa: F811
    thanked: SmtpServer,  # noqa: F811
    odd: Callable[..., OddImap],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = odd("drip")  # each FETCH answer a byte every 0.2 s: within the read timeout, for minutes
    server.deliver(mail(f"Marcus Chen <{PANEL[1]}>", subject="Next steps " + "x" * 3000))
    use_imap(monkeypatch, server, TIMEOUT="3")  # type: ignore[arg-type]
    monkeypatch.setenv("FOLLOWUP_RUN_DEADLINE", "4")
    capsys.readouterr()
    started = time.monotonic()
    code = run(work, "send")
    took = time.monotonic() - started
    _, err = capsys.readouterr()
    assert "took longer than FOLLOWUP_RUN_DEADLINE (4 s)" in err, err
    assert code == 1
    assert took < 4 + 2, took  # the deadline, and a moment to close the connection


def test_a_mailer_daemons_delay_notice_citing_the_thank_you_is_no_reply_and_no_bounce(
    work: Path,  # noqa: F811
    thanked: SmtpServer,  # noqa: F811
    odd: Callable[..., OddImap],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = odd()
    thank_you = thank_you_id(work, PANEL[1])
    notice = mail("Mail Delivery System <MAILER-DAEMON@mx.northwind.example>",
                  subject="Warning: message delayed", In_Reply_To=thank_you)  # fmt: skip
    said = b"451 4.4.1 host not reachable; still trying for 4 days."
    server.deliver(notice.replace(b"Thanks, Sam. We will be in touch next week.", said))
    use_imap(monkeypatch, server)  # type: ignore[arg-type]
    code, out, err = send_lines(work, capsys)
    assert (code, err) == (0, "")
    assert "replied" not in out and "bounced" not in out
    assert check_ins_sent(thanked) == ["dana.okafor@contoso.example", PANEL[0]]


def test_a_delivery_report_whose_explanation_fills_the_first_64_kib_is_still_read(
    work: Path,  # noqa: F811
    thanked: SmtpServer,  # noqa: F811
    imap_server: ImapServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    raw = sample("bounce-postfix.eml", thank_you_id(work, PANEL[0]))
    boundary = b"--4CgR1s2qz4z9vNP.1795962727/mail.example.com\r\nContent-Description: Delivery report"
    html = b"<p>" + b"Your message could not be delivered. " * 2000 + b"</p>\r\n"  # 74 KB, as Exchange's
    big = b"--4CgR1s2qz4z9vNP.1795962727/mail.example.com\r\nContent-Type: text/html\r\n\r\n" + html
    assert boundary in raw and len(html) > 70_000
    deliver(imap_server, raw.replace(boundary, big + boundary), at=datetime.fromisoformat(MONDAY))
    use_imap(monkeypatch, imap_server)
    code, _, err = send_lines(work, capsys)
    assert code == 1
    assert err.startswith(f"bounced  thank-you to Priya Shah <{PANEL[0]}> ({NORTHWIND}): the server said 550")
    assert check_ins_sent(thanked) == ["dana.okafor@contoso.example"]
