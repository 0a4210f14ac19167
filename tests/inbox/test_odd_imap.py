"""Answers in every form RFC 3501 allows are read, from a scripted server on 127.0.0.1 (servers/oddimap.py):
FETCH items in any order, a body as a literal, a quoted string or NIL, SEARCH results over several lines,
and a server that searches in US-ASCII only. A reply, an auto-reply or a bounce is found whatever the form;
a message whose content the server withholds is skipped with one line, never passed over in silence.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest

from tests.inbox.test_replies import (  # noqa: F401  (work and thanked are fixtures)
    ARJUN,
    CONTOSO,
    MONDAY,
    NORTHWIND,
    PANEL,
    check_ins_sent,
    mail,
    plan_states,
    run,
    sample,
    send_lines,
    thank_you_id,
    thanked,
    use_imap,
    work,
)
from tests.servers import SmtpServer
from tests.servers.oddimap import OddImap


@pytest.fixture
def odd() -> Iterator[Callable[..., OddImap]]:
    started: list[OddImap] = []

    def start(*quirks: str) -> OddImap:
        started.append(OddImap(quirks))
        return started[-1]

    yield start
    for server in started:
        server.stop()


# What each message is, and what the plan shows once it is read.
FINDS: dict[str, tuple[Callable[[Path], bytes], Callable[[dict[str, dict[str, str]]], bool]]] = {
    "a reply": (
        lambda w: mail("Lee Recruiter <lee@northwind.example>", In_Reply_To=thank_you_id(w, PANEL[1])),
        lambda rows: rows[f"{NORTHWIND}/check-in"]["state"] == "replied",
    ),
    "an out-of-office with a return date": (
        lambda w: sample("ooo-outlook-en.eml", thank_you_id(w, PANEL[0])),
        lambda rows: rows[f"{NORTHWIND}/check-in"]["due_at"] == "2026-12-08T10:00:00-05:00",
    ),
    "a bounce": (
        lambda w: sample("bounce-postfix.eml", thank_you_id(w, PANEL[0])),
        lambda rows: rows[f"{NORTHWIND}/thank-you/{PANEL[0]}"]["state"] == "bounced",
    ),
}


@pytest.mark.parametrize("quirk", ["uid-after-body", "split-search"])
@pytest.mark.parametrize("kind", FINDS, ids=FINDS.keys())
def test_a_reply_auto_reply_or_bounce_is_found_in_any_order_or_split_a_server_may_answer(
    kind: str,
    quirk: str,
    work: Path,  # noqa: F811
    thanked: SmtpServer,  # noqa: F811
    odd: Callable[..., OddImap],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    message, shows = FINDS[kind]
    server = odd(quirk)
    server.deliver(mail("news@jobs.example", subject="Ten jobs for you"))
    server.deliver(message(work))
    use_imap(monkeypatch, server)  # type: ignore[arg-type]  # host, port, user and password, as dovecot's
    capsys.readouterr()
    rows = plan_states(work, capsys)
    assert shows(rows), rows
    assert rows[f"{CONTOSO}/check-in"]["state"] == "due"
    assert any(b" UID FETCH " in c for c in server.commands)  # it was read from there


@pytest.mark.parametrize(
    "quirk, why",
    [
        ("quoted-body", "it has no date, so nothing tells it came after the thank-you"),
        ("nil-body", "the server sent NIL"),
    ],
)
def test_a_body_sent_as_a_quoted_string_or_nil_is_read_or_skipped_with_one_line_never_in_silence(
    quirk: str,
    why: str,
    work: Path,  # noqa: F811
    thanked: SmtpServer,  # noqa: F811
    odd: Callable[..., OddImap],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = odd(quirk)
    server.deliver(f"From: {PANEL[1]}\r\n\r\nNext steps\r\n".encode())  # its header fits a quoted string
    use_imap(monkeypatch, server)  # type: ignore[arg-type]
    code, _, err = send_lines(work, capsys)
    assert code == 0
    [line] = err.splitlines()
    assert line.startswith("skipped  message UID 1 in the mailbox (") and why in line, line
    assert check_ins_sent(thanked) == ["dana.okafor@contoso.example", PANEL[0]]  # no reply was read


def add_to_contoso(folder: Path, name: str, address: str) -> None:
    data = folder / "interviews.yaml"
    dana = "        topics: [the Power BI migration]\n"
    extra = f"      - name: {name}\n        email: {address}\n        method: note\n"
    data.write_text(data.read_text().replace(dana, dana + extra))


@pytest.fixture
def idn_panel(
    work: Path,  # noqa: F811
    smtp_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
) -> SmtpServer:
    """Contoso's panel has Anna at bücher.example; Monday's thank-yous have gone."""
    add_to_contoso(work, "Anna Bücher", "anna@bücher.example")
    for name, value in {"HOST": smtp_server.host, "PORT": str(smtp_server.port), "SECURITY": "none"}.items():
        monkeypatch.setenv(f"FOLLOWUP_SMTP_{name}", value)
    assert run(work, "send", now=MONDAY) == 0
    return smtp_server


def test_a_server_that_searches_in_ascii_only_holds_no_check_in_for_an_international_address(
    work: Path,  # noqa: F811
    idn_panel: SmtpServer,
    odd: Callable[..., OddImap],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = odd("ascii-search-only")
    server.deliver(mail("Marcus Chen <marcus.chen@northwind.example>", subject="Next steps"))
    use_imap(monkeypatch, server)  # type: ignore[arg-type]
    code, _, err = send_lines(work, capsys)
    assert (code, err) == (0, "")
    assert check_ins_sent(idn_panel) == ["dana.okafor@contoso.example"]  # Northwind's was answered
    assert ARJUN in [r.rcpt_tos[0] for r in idn_panel.received]
    searched = b"\n".join(server.commands)
    assert b'FROM "anna@xn--bcher-kva.example"' in searched  # the ASCII form is searched for


@pytest.mark.parametrize(
    "writes", ["anna@bücher.example", "anna@xn--bcher-kva.example"], ids=["in Unicode", "in ASCII"]
)
def test_a_reply_from_an_international_address_is_found_on_a_server_that_searches_in_ascii_only(
    writes: str,
    work: Path,  # noqa: F811
    idn_panel: SmtpServer,
    odd: Callable[..., OddImap],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = odd("ascii-search-only")
    server.deliver(mail(f"Anna Bücher <{writes}>", at=datetime.fromisoformat("2026-11-24T09:15:00-05:00")))
    use_imap(monkeypatch, server)  # type: ignore[arg-type]
    capsys.readouterr()
    rows = plan_states(work, capsys)
    assert rows[f"{CONTOSO}/check-in"]["state"] == "replied"
    assert "anna@bücher.example replied" in rows[f"{CONTOSO}/check-in"]["why"]
    assert rows[f"{NORTHWIND}/check-in"]["state"] == "due"
