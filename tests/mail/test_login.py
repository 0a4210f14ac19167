"""Any provider's login, never in clear: STARTTLS and the login are ours, checked on the live connection;
OAuth2 through a command that prints a token (XOAUTH2 or OAUTHBEARER, as the server offers); credential
files for your eyes only. Against aiosmtpd with STARTTLS and a test certificate, scripted servers that
offer AUTH before (or without) STARTTLS, and a tap that keeps every byte the client put on the wire."""

from __future__ import annotations

import base64
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.mail.test_send import ledger_rows, send
from tests.servers import SmtpServer, use_smtp
from tests.servers.raw import LineServer, Tap
from tests.servers.smtp import SMTP_TOKEN

MARCUS = "marcus.chen@northwind.example"


def token_command(tmp_path: Path, body: str) -> str:
    """A token helper (a small Python script, as oama or oauth2.py would be), as the setting names it."""
    script = tmp_path / "print-token.py"
    script.write_text(body)
    return f"{sys.executable} {script}"


def printing(token: str) -> str:
    return f"print({token!r})\n"


def secrets_of(user: str, token: str) -> list[bytes]:
    """The token and every base64 form a login would put it in."""
    said = [f"user={user}\x01auth=Bearer {token}\x01\x01", f"auth=Bearer {token}"]
    return [token.encode(), *(base64.b64encode(s.encode()) for s in said)]


@pytest.fixture
def tapped() -> Iterator[Callable[[int], Tap]]:
    taps: list[Tap] = []

    def make(port: int) -> Tap:
        taps.append(Tap(port))
        return taps[-1]

    yield make
    for tap in taps:
        tap.stop()


@pytest.fixture
def line_server() -> Iterator[Callable[..., LineServer]]:
    servers: list[LineServer] = []

    def make(script: dict[str, object], **kwargs: str) -> LineServer:
        servers.append(LineServer(script, **kwargs))  # type: ignore[arg-type]
        return servers[-1]

    yield make
    for server in servers:
        server.stop()


# --- OAuth2 through a token command --------------------------------------------------------------------


@pytest.mark.parametrize(
    "offered", [("XOAUTH2", "OAUTHBEARER"), ("OAUTHBEARER",)], ids=["xoauth2", "oauthbearer"]
)
def test_an_oauth2_command_over_starttls_logs_in_with_the_token_and_nothing_crosses_in_clear(
    work: Path,
    make_smtp: Callable[..., SmtpServer],
    tapped: Callable[[int], Tap],
    monkeypatch: pytest.MonkeyPatch,
    offered: tuple[str, ...],
) -> None:
    server = make_smtp(security="starttls")
    server.oauth = offered
    tap = tapped(server.port)
    use_smtp(monkeypatch, server, FOLLOWUP_SMTP_PORT=str(tap.port),
             FOLLOWUP_SMTP_OAUTH2_COMMAND=token_command(work, printing(SMTP_TOKEN)))  # fmt: skip
    monkeypatch.delenv("FOLLOWUP_SMTP_PASSWORD")
    assert send(work) == 0
    assert len(server.received) == 3 and all(r.tls for r in server.received)
    assert [(m, u) for m, u, _ in server.oauth_logins] == [(offered[0], server.user)]
    wire = bytes(tap.sent)
    assert b"STARTTLS" in wire and b"AUTH" not in wire and b"MAIL FROM" not in wire  # all after the upgrade
    assert not any(secret in wire for secret in secrets_of(server.user, SMTP_TOKEN))


def test_a_refused_token_is_ended_as_the_mechanism_asks_and_stops_the_batch_with_every_follow_up_due(
    work: Path,
    make_smtp: Callable[..., SmtpServer],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = make_smtp(security="starttls")
    stale = "ya29.stale-token-Qw8Lz"
    use_smtp(monkeypatch, server, FOLLOWUP_SMTP_OAUTH2_COMMAND=token_command(work, printing(stale)))
    monkeypatch.delenv("FOLLOWUP_SMTP_PASSWORD")
    assert send(work) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "535" in err and stale not in err
    assert server.oauth_answers == [b""]  # XOAUTH2: an empty line after the error challenge, then the 535
    assert server.received == [] and {s for s, _ in ledger_rows(work).values()} <= {"deferred"}


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (
            "import sys\nsys.stderr.write('oama: no refresh token for you@x\\nmore\\n')\nsys.exit(3)\n",
            "failed with exit status 3 (oama: no refresh token for you@x)",
        ),
        ("pass\n", "printed no token"),
        ("print('two words')\n", "not an access token"),
        ("import time\ntime.sleep(30)\n", "gave no token within 2 s"),
        ("import sys\nsys.stdout.write('x' * 200000)\n", "more than 64 KiB"),
        (
            f"import sys\nprint({SMTP_TOKEN!r})\n"
            f"sys.stderr.write('refreshed {SMTP_TOKEN}\\n')\nsys.exit(1)\n",
            "failed with exit status 1 (refreshed [hidden])",
        ),
    ],
    ids=["exit-status", "empty", "not-a-token", "too-slow", "too-much", "echoes-token"],
)
def test_a_failing_token_command_is_one_line_with_its_status_and_stderr_never_the_token(
    work: Path,
    make_smtp: Callable[..., SmtpServer],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    body: str,
    said: str,
) -> None:
    server = make_smtp(security="starttls")
    use_smtp(monkeypatch, server, timeout=2, FOLLOWUP_SMTP_OAUTH2_COMMAND=token_command(work, body))
    monkeypatch.delenv("FOLLOWUP_SMTP_PASSWORD")
    assert send(work) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "FOLLOWUP_SMTP_OAUTH2_COMMAND" in err and said in err, err
    assert SMTP_TOKEN not in err and server.connections == 0 and server.received == []


def test_an_oauth2_command_that_does_not_parse_is_refused_at_start_with_exit_2(
    work: Path,
    smtp_tls_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    use_smtp(monkeypatch, smtp_tls_server, FOLLOWUP_SMTP_OAUTH2_COMMAND="oama access 'you@x")
    assert send(work) == 2
    assert "FOLLOWUP_SMTP_OAUTH2_COMMAND" in capsys.readouterr().err
    assert smtp_tls_server.connections == 0


# --- TLS before any AUTH, checked on the live connection -----------------------------------------------

EHLO_WITHOUT_STARTTLS = "250-raw.test\r\n250-AUTH PLAIN LOGIN XOAUTH2 OAUTHBEARER\r\n250 8BITMIME"
EHLO_WITH_STARTTLS = "250-raw.test\r\n250-AUTH PLAIN LOGIN XOAUTH2\r\n250-STARTTLS\r\n250 8BITMIME"


@pytest.mark.parametrize(
    ("script", "login"),
    [
        ({"EHLO": EHLO_WITHOUT_STARTTLS}, "password"),
        ({"EHLO": EHLO_WITHOUT_STARTTLS}, "token"),
        (
            {"EHLO": EHLO_WITH_STARTTLS, "STARTTLS": "454 4.7.0 TLS not available due to local problem"},
            "password",
        ),
        (
            {"EHLO": EHLO_WITH_STARTTLS, "STARTTLS": "454 4.7.0 TLS not available due to local problem"},
            "token",
        ),
    ],
    ids=["no-starttls-password", "no-starttls-token", "starttls-refused-password", "starttls-refused-token"],
)
def test_a_server_offering_auth_before_tls_never_gets_an_auth_line_or_a_secret(
    work: Path,
    line_server: Callable[..., LineServer],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    script: dict[str, str],
    login: str,
) -> None:
    server = line_server(script)
    password = "Kx7-qerT-9mZw-Lp2v"
    env = {"FOLLOWUP_SMTP_HOST": "127.0.0.1", "FOLLOWUP_SMTP_PORT": str(server.port),
           "FOLLOWUP_SMTP_SECURITY": "starttls", "FOLLOWUP_SMTP_TIMEOUT": "3",
           "FOLLOWUP_SMTP_USER": "tester@example.test"}  # fmt: skip
    if login == "password":
        env["FOLLOWUP_SMTP_PASSWORD"] = password
    else:
        env["FOLLOWUP_SMTP_OAUTH2_COMMAND"] = token_command(work, printing(SMTP_TOKEN))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert send(work) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and ("clear" in err or "454" in err), err
    wire = bytes(server.received).upper()
    assert b"EHLO" in wire and b"AUTH" not in wire and b"MAIL" not in wire and b"DATA" not in wire
    wire = bytes(server.received)
    assert password.encode() not in wire and base64.b64encode(password.encode()) not in wire
    assert not any(secret in wire for secret in secrets_of("tester@example.test", SMTP_TOKEN))
    assert {s for s, _ in ledger_rows(work).values()} <= {"deferred"}


def test_a_login_without_tls_is_refused_at_start_unless_the_server_is_on_this_machine(
    work: Path, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    use_smtp(monkeypatch, smtp_server, FOLLOWUP_SMTP_HOST="smtp.example.test",
             FOLLOWUP_SMTP_USER="sam@example.test", FOLLOWUP_SMTP_PASSWORD="pw")  # fmt: skip
    assert send(work) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "FOLLOWUP_SMTP_SECURITY" in err and "in clear" in err
    monkeypatch.setenv("FOLLOWUP_SMTP_HOST", "localhost")  # the same server, named as this machine
    monkeypatch.delenv("FOLLOWUP_SMTP_USER")
    assert send(work) == 0
    assert len(smtp_server.received) == 3


# --- credential files ----------------------------------------------------------------------------------


def test_an_oauth2_file_others_can_read_is_refused_as_a_password_file_is(
    work: Path,
    smtp_ssl_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    oauth = work / "oauth2.json"
    oauth.write_text('{"google_client_id": "id", "google_client_secret": "s", "google_refresh_token": "r"}')
    oauth.chmod(0o644)
    use_smtp(monkeypatch, smtp_ssl_server, FOLLOWUP_SMTP_OAUTH2_FILE=str(oauth))
    assert send(work) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "FOLLOWUP_SMTP_OAUTH2_FILE" in err and "chmod 600" in err
    assert smtp_ssl_server.connections == 0


# --- control characters in settings --------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "FOLLOWUP_SMTP_USER",
        "FOLLOWUP_SMTP_PASSWORD",
        "FOLLOWUP_SMTP_HOST",
        "FOLLOWUP_IMAP_USER",
        "FOLLOWUP_IMAP_PASSWORD",
        "FOLLOWUP_IMAP_FOLDER",
    ],
)
def test_a_setting_with_a_line_break_is_refused_at_start_naming_it_and_nothing_is_sent(
    work: Path,
    smtp_tls_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
) -> None:
    use_smtp(monkeypatch, smtp_tls_server)
    for imap, value in {"FOLLOWUP_IMAP_HOST": "127.0.0.1", "FOLLOWUP_IMAP_USER": "sam",
                        "FOLLOWUP_IMAP_PASSWORD": "pw"}.items():  # fmt: skip
        monkeypatch.setenv(imap, value)
    monkeypatch.setenv(name, "sam\r\nA999 DELETE INBOX")
    assert send(work) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{name}: holds a control character" in err
    assert "DELETE" not in err and smtp_tls_server.connections == 0
