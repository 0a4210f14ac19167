"""`followup doctor` against real local servers: one line per check, plain words, the exit a cron run would
have, and never a message delivered."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from batch.cli.main import main
from batch.ledger.store import Ledger
from tests import servers
from tests.servers import Faults, ImapServer, SmtpServer, free_port

ROOT = Path(__file__).resolve().parents[2]
NOW = "2026-11-24T16:00:00-05:00"
CHECKS = ("data", "templates", "state", "smtp", "imap")


def use_smtp(monkeypatch: pytest.MonkeyPatch, server: SmtpServer, **extra: str) -> None:
    """use_smtp with settings named short: PASSWORD="..." for FOLLOWUP_SMTP_PASSWORD."""
    servers.use_smtp(monkeypatch, server, **{f"FOLLOWUP_SMTP_{name}": value for name, value in extra.items()})


def use_imap(monkeypatch: pytest.MonkeyPatch, server: ImapServer, **extra: str) -> None:
    settings = {"HOST": server.host, "PORT": str(server.port), "SECURITY": "none", "USER": server.user,
                "PASSWORD": server.password, "TIMEOUT": "3", **extra}  # fmt: skip
    for name, value in settings.items():
        monkeypatch.setenv(f"FOLLOWUP_IMAP_{name}", value)


def doctor(work: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, str], str]:
    """Run it; the exit code, each check's line by name, and the verdict line."""
    code = main(["--data", str(work / "interviews.yaml"), "--state", str(work / "var" / "followup.db"),
                 "--now", NOW, "doctor"])  # fmt: skip
    out, err = capsys.readouterr()
    assert err == ""
    *lines, last = out.splitlines()
    names = [line.split()[1] for line in lines]
    assert names[: len(CHECKS)] == list(CHECKS)  # one line per check, in order
    assert names[len(CHECKS) :] in ([], ["bounces"]), names  # when the mailbox opened, no bounce
    return code, {line.split()[1]: line for line in lines}, last


def test_everything_in_order_exits_0_and_delivers_nothing(
    work: Path,
    smtp_tls_server: SmtpServer,
    imap_server: ImapServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    Ledger(work / "var" / "followup.db").close()
    use_smtp(monkeypatch, smtp_tls_server)
    use_imap(monkeypatch, imap_server)
    code, lines, last = doctor(work, capsys)
    assert code == 0, lines
    assert all(line.startswith("ok ") for line in lines.values()), lines
    assert "logged in as tester@example.test" in lines["smtp"] and "nothing sent" in lines["smtp"]
    assert "integrity ok" in lines["state"]
    assert "logged in as tester" in lines["imap"] and "INBOX holds 0 messages" in lines["imap"]
    assert lines["bounces"].startswith("ok ") and "for the 0 emails sent" in lines["bounces"]
    assert last == "a cron run would work"
    assert smtp_tls_server.received == []
    assert smtp_tls_server.connections == 1


def test_without_mail_settings_it_says_a_cron_run_would_be_a_dry_run(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines, last = doctor(work, capsys)
    assert code == 0
    assert lines["smtp"].startswith("skip") and "dry run" in lines["smtp"]
    assert lines["imap"].startswith("skip") and "without looking for replies" in lines["imap"]
    assert "does not exist yet" in lines["state"]
    assert "dry run" in last
    assert not (work / "var").exists()  # the doctor creates nothing


SMTP_PROBLEMS = {
    "535": ("starttls", Faults(auth="535 5.7.8 bad credentials"), ["535 5.7.8 bad credentials",
                                                                    "wrong user or password"]),
    "534": ("starttls", Faults(auth="534 5.7.9 Application-specific password required"),
            ["534 5.7.9", "an app password is needed", "2-step verification"]),
    "421 greeting": ("none", Faults(greeting="421 4.7.0 Try again later, closing connection"),
                     ["421 4.7.0", "too many connections"]),
    "454": ("starttls", Faults(auth="454 4.7.0 Too many login attempts, please try again later"),
            ["454 4.7.0", "too many connections"]),
    "untrusted certificate": ("starttls", Faults(tls="untrusted"),
                              ["TLS failed", "not trusted", "FOLLOWUP_SMTP_CA_FILE"]),
    "not TLS at all": ("starttls", Faults(tls="garbage"), ["TLS failed", "FOLLOWUP_SMTP_SECURITY"]),
    "hang-up after the login": ("none", Faults(drop="MAIL"), ["closed the connection"]),
    "sender refused": ("none", Faults(mail="550 5.7.1 Sender address rejected"),
                       ["MAIL FROM sam.rivera@example.com", "550 5.7.1"]),
    "icloud sender": ("none", Faults(mail="550 5.7.0 From address is not one of your addresses"),
                      ["iCloud: the From address is not one of this Apple account's addresses",
                       "fix: set me: email to your iCloud address"]),
    "m365 smtp auth off": ("starttls", Faults(auth="535 5.7.139 Authentication unsuccessful, "
                                                   "SmtpClientAuthentication is disabled for the Tenant."),
                           ["Microsoft 365: SMTP login", "turn on Authenticated SMTP"]),
    "m365 send as": ("none", Faults(mail="554 5.2.252 SendAsDenied; sam not allowed to send as sam.rivera"),
                     ["may not send as the From address", "grant it Send As rights"]),
    "gmail web login": ("starttls", Faults(auth="534 5.7.14 Please log in via your web browser"),
                        ["Gmail: Google wants you to sign in on the web first"]),
    "yahoo": ("starttls", Faults(auth="535 5.7.0 (#AUTH005) Too many bad auth attempts."),
              ["Yahoo / AOL", "make an app password"]),
}  # fmt: skip


@pytest.mark.parametrize("security, faults, words", SMTP_PROBLEMS.values(), ids=SMTP_PROBLEMS.keys())
def test_an_smtp_server_that_refuses_is_explained_in_plain_words_and_exits_1(
    security: str,
    faults: Faults,
    words: list[str],
    work: Path,
    make_smtp: Callable[..., SmtpServer],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = make_smtp(security=security, faults=faults)
    use_smtp(monkeypatch, server)
    code, lines, last = doctor(work, capsys)
    assert code == 1
    assert lines["smtp"].startswith("problem"), lines["smtp"]
    for word in words:
        assert word in lines["smtp"]
    assert server.password not in lines["smtp"]
    assert [name for name, line in lines.items() if line.startswith("problem")] == ["smtp"]
    assert last.startswith("a cron run would fail")
    assert server.received == []


@pytest.mark.parametrize(
    "settings, words",
    [
        ({"PORT": "closed"}, ["connection refused", "FOLLOWUP_SMTP_HOST and FOLLOWUP_SMTP_PORT"]),
        ({"SECURITY": "ssl"}, ["TLS failed", "FOLLOWUP_SMTP_SECURITY may not match the port"]),
        ({"SECURITY": "starttls"}, ["no STARTTLS"]),
    ],
    ids=["nothing listening", "ssl to a plain port", "starttls where none is offered"],
)
def test_a_wrong_host_port_or_security_setting_is_named(
    settings: dict[str, str],
    words: list[str],
    work: Path,
    smtp_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if settings.get("PORT") == "closed":
        settings = {"PORT": str(free_port())}
    use_smtp(monkeypatch, smtp_server, **settings)
    code, lines, _ = doctor(work, capsys)
    assert code == 1 and lines["smtp"].startswith("problem")
    for word in words:
        assert word in lines["smtp"]
    assert smtp_server.received == []


@pytest.mark.parametrize(
    "settings, words",
    [
        ({"PASSWORD": "not-the-password"}, ["login refused", "wrong user or password", "app password"]),
        ({"PORT": "closed"}, ["connection refused", "FOLLOWUP_IMAP_PORT"]),
        ({"FOLDER": "Replies"}, ["no folder 'Replies'", "FOLLOWUP_IMAP_FOLDER"]),
    ],
    ids=["wrong password", "nothing listening", "no such folder"],
)
def test_an_imap_login_that_fails_is_explained_and_exits_1(
    settings: dict[str, str],
    words: list[str],
    work: Path,
    smtp_server: SmtpServer,
    imap_server: ImapServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if settings.get("PORT") == "closed":
        settings = {"PORT": str(free_port())}
    use_smtp(monkeypatch, smtp_server)
    use_imap(monkeypatch, imap_server, **settings)
    code, lines, _ = doctor(work, capsys)
    assert code == 1
    assert lines["smtp"].startswith("ok") and lines["imap"].startswith("problem")
    for word in words:
        assert word in lines["imap"]
    assert "not-the-password" not in lines["imap"]
    assert smtp_server.received == []


def test_bad_data_exits_2_with_its_place_and_the_other_checks_still_run(
    work: Path, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (
        (work / "interviews.yaml").read_text().replace("    role: Data Analyst\n", "    rol: Data Analyst\n")
    )
    (work / "interviews.yaml").write_text(text)
    use_smtp(monkeypatch, smtp_server)
    code, lines, last = doctor(work, capsys)
    assert code == 2
    assert lines["data"].startswith("problem") and f"{work / 'interviews.yaml'}:" in lines["data"]
    assert lines["smtp"].startswith("ok")
    assert "exit 2" in last


def test_a_template_that_does_not_compile_exits_2(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (work / "mine.md").write_text("---\nsubject: Thanks\n---\nThank you, {{ interviewer.first_name }\n")
    text = (work / "interviews.yaml").read_text()
    (work / "interviews.yaml").write_text(
        text.replace("    role: Data Analyst\n", "    role: Data Analyst\n    template: mine.md\n")
    )
    code, lines, _ = doctor(work, capsys)
    assert code == 2
    assert f"{work / 'mine.md'}:4:1" in lines["data"] + lines["templates"]


@pytest.mark.parametrize("damage", ["not a database", "a file where the folder goes", "a bad setting"])
def test_a_state_or_setting_a_cron_run_would_trip_on_is_a_problem(
    damage: str, work: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    if damage == "not a database":
        (work / "var").mkdir()
        (work / "var" / "followup.db").write_bytes(b"this is not SQLite\n" * 100)
        expect, check = 1, "state"
    elif damage == "a file where the folder goes":
        (work / "var").write_text("a file")
        expect, check = 1, "state"
    else:
        monkeypatch.setenv("FOLLOWUP_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("FOLLOWUP_SMTP_SECURITY", "tls")
        expect, check = 2, "smtp"
    code, lines, _ = doctor(work, capsys)
    assert code == expect
    assert [name for name, line in lines.items() if line.startswith("problem")] == [check]


def test_as_a_process_it_prints_the_lines_and_exits_as_a_cron_run_would(work: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOLLOWUP_")}
    env |= {"FOLLOWUP_SMTP_HOST": "127.0.0.1", "FOLLOWUP_SMTP_PORT": str(free_port()),
            "FOLLOWUP_SMTP_SECURITY": "none"}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "batch", "--now", NOW, "doctor"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == len(CHECKS) + 1
    assert lines[3].startswith("problem  smtp") and "connection refused" in lines[3]


def test_the_last_send_run_is_shown_in_your_time_zone(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from datetime import datetime

    from batch.ledger.wake import write_heartbeat

    state = work / "var" / "followup.db"
    Ledger(state).close()
    write_heartbeat(state, datetime.fromisoformat("2026-11-24T21:00:00+00:00"))
    _, lines, _ = doctor(work, capsys)
    assert "last send run Tue 2026-11-24 16:00 EST" in lines["state"]  # the example's me: is in Toronto


def test_a_ledger_no_send_has_run_against_says_a_dry_run_leaves_no_record(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    Ledger(work / "var" / "followup.db").close()
    _, lines, _ = doctor(work, capsys)
    assert "no send run yet (a dry run leaves no record of one)" in lines["state"]


@pytest.mark.parametrize(
    "name, value, words",
    [
        (
            "FOLLOWUP_IMAP_PASWORD",
            "secret",
            ["FOLLOWUP_IMAP_PASWORD: not a setting", "FOLLOWUP_IMAP_PASSWORD"],
        ),
        (
            "FOLLOWUP_IMAP_USER",
            "tester\r\nA999 DELETE INBOX",
            ["FOLLOWUP_IMAP_USER: holds a control character"],
        ),
        ("FOLLOWUP_IMAP_SECURITY", "tls", ["FOLLOWUP_IMAP_SECURITY: 'tls' is not one of"]),
    ],
    ids=["a misspelt imap name", "a line break in the imap user", "a wrong imap security"],
)
def test_an_imap_setting_that_is_wrong_is_shown_on_the_imap_row_never_the_smtp_row(
    name: str,
    value: str,
    words: list[str],
    work: Path,
    smtp_server: SmtpServer,
    imap_server: ImapServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    use_smtp(monkeypatch, smtp_server)
    use_imap(monkeypatch, imap_server)
    monkeypatch.setenv(name, value)
    code, lines, _ = doctor(work, capsys)
    assert code == 2
    assert lines["smtp"].startswith("ok"), lines["smtp"]
    assert lines["imap"].startswith("problem"), lines["imap"]
    for word in words:
        assert word in lines["imap"]


def test_a_wrong_smtp_setting_stays_on_the_smtp_row_while_imap_logs_in(
    work: Path,
    smtp_server: SmtpServer,
    imap_server: ImapServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    use_smtp(monkeypatch, smtp_server)
    use_imap(monkeypatch, imap_server)
    monkeypatch.setenv("FOLLOWUP_SMTP_TIMOUT", "5")
    code, lines, _ = doctor(work, capsys)
    assert code == 2
    assert lines["smtp"].startswith("problem") and "FOLLOWUP_SMTP_TIMOUT: not a setting" in lines["smtp"]
    assert lines["imap"].startswith("ok"), lines["imap"]
