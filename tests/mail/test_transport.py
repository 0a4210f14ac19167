"""The SMTP transport through `followup send`, against scripted aiosmtpd servers on 127.0.0.1: only a definite
final reply decides a delivery, a slow server cannot hold a batch, an account problem stops the batch
without failing anything, and nothing we sent to log in ever shows."""

from __future__ import annotations

import base64
import shutil
import sqlite3
import ssl
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from batch.cli.main import main
from tests.mail.test_send import NOW, ledger_rows, send
from tests.runs import NOW as NOW_DUE
from tests.runs import send_args, send_env, write_batch
from tests.servers import Faults, SmtpServer, use_smtp
from tests.stamps import unstamped

LATER = "2026-11-24T16:15:00-05:00"
MARCUS = "marcus.chen@northwind.example"
PASSWORD = "Kx7-qerT-9mZw-Lp2v-Hd4s"  # unique enough that any trace of it is ours


def states(work: Path) -> list[str]:
    return sorted(state for state, _ in ledger_rows(work).values())


def stored_bytes(work: Path) -> bytes:
    """Every file the run left: the ledger with its -wal and -shm, the outbox, anything else."""
    return b"".join(path.read_bytes() for path in sorted(work.rglob("*")) if path.is_file())


# --- Gate 3: exactly once after DATA -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("faults", "expected", "code"),
    [
        (Faults(final="221 2.0.0 bye", times=1), ["sent", "sent", "uncertain"], 1),
        (Faults(final="hello, this is no reply code", times=1), ["sent", "sent", "uncertain"], 1),
        (Faults(final="2", times=1), ["sent", "sent", "uncertain"], 1),
        (Faults(final="354 go on", times=1), ["sent", "sent", "uncertain"], 1),
        (Faults(drop="after_DATA", times=1), ["sent", "sent", "uncertain"], 1),
        (Faults(final="252 2.1.5 cannot verify, will attempt delivery"), ["sent"] * 3, 0),
        (Faults(final="251 2.1.5 user not local, will forward"), ["sent"] * 3, 0),
    ],
    ids=["221", "garbled", "short-line", "354-again", "closed", "252", "251"],
)
def test_only_a_definite_final_reply_decides_and_nothing_goes_twice(
    work: Path,
    make_smtp: Callable[..., SmtpServer],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    faults: Faults,
    expected: list[str],
    code: int,
) -> None:
    server = make_smtp(faults=faults)
    use_smtp(monkeypatch, server)
    assert send(work) == code
    err = capsys.readouterr().err
    assert states(work) == expected
    if "uncertain" in expected:
        assert err.count("\n") == 1 and "followup resolve" in err
    server.faults = Faults()
    assert send(work, now=LATER) == 0
    assert states(work) == expected
    assert len(server.received) == 3
    assert all(count == 1 for count in server.message_id_counts().values())


def test_a_221_after_data_is_uncertain_not_deferred(
    work: Path, make_smtp: Callable[..., SmtpServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    server = make_smtp(faults=Faults(final="221 2.0.0 closing", times=1))
    use_smtp(monkeypatch, server)
    assert send(work) == 1
    assert "deferred" not in states(work)
    assert len(server.received) == 3


def test_a_server_dribbling_its_final_reply_holds_one_message_then_the_batch_stops(
    work: Path,
    make_smtp: Callable[..., SmtpServer],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = make_smtp(faults=Faults(dribble=("DATA", 0.4)))  # each byte well inside the 1 s timeout
    use_smtp(monkeypatch, server, FOLLOWUP_SMTP_TIMEOUT="1")
    started = time.monotonic()
    assert send(work) == 1
    assert time.monotonic() - started < 10
    err = capsys.readouterr().err
    assert "followup resolve" in err and "next run" in err
    rows = ledger_rows(work)
    assert sorted(state for state, _ in rows.values()) == ["deferred", "uncertain"]  # the third: not claimed
    assert len(server.received) == 1
    server.faults = Faults()
    assert send(work, now=LATER) == 0
    assert len(server.received) == 3
    assert all(count == 1 for count in server.message_id_counts().values())


@pytest.mark.parametrize("point", ["greeting", "MAIL", "RCPT"])
def test_a_server_dribbling_before_the_hand_over_stops_the_batch_with_nothing_sent(
    work: Path,
    make_smtp: Callable[..., SmtpServer],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    point: str,
) -> None:
    server = make_smtp(faults=Faults(dribble=(point, 0.4)))
    use_smtp(monkeypatch, server, FOLLOWUP_SMTP_TIMEOUT="1")
    started = time.monotonic()
    assert send(work) == 1
    assert time.monotonic() - started < 10
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "next run" in err
    assert states(work) == ["deferred"]
    assert server.received == []


def test_a_multi_line_reply_is_shown_on_one_line_without_control_characters(
    work: Path,
    make_smtp: Callable[..., SmtpServer],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    final = "250-2.0.0 queued\r\n250-as \x1b[31mred\x1b[0m\x07\r\n250 2.0.0 id 42"
    server = make_smtp(faults=Faults(final=final))
    use_smtp(monkeypatch, server)
    assert send(work) == 0
    out = capsys.readouterr().out
    assert len(out.splitlines()) == 3
    assert "queued" in out and "id 42" in out
    assert "\x1b" not in out and "\x07" not in out
    # The ledger's text, not its file's bytes: SQLite's own record headers may hold any byte
    db = sqlite3.connect(work / "var" / "followup.db")
    replies = [reply for (reply,) in db.execute("SELECT reply FROM deliveries")]
    db.close()
    assert len(replies) == 3 and not any("\x1b" in r or "\x07" in r for r in replies)


def test_control_characters_in_a_refusal_never_reach_the_terminal(
    work: Path,
    make_smtp: Callable[..., SmtpServer],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = make_smtp(faults=Faults(rcpt={MARCUS: "550-5.1.1 no \x1b]0;owned\x07 such\r\n550 5.1.1 user"}))
    use_smtp(monkeypatch, server)
    assert send(work) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no " in err and "such" in err and "user" in err
    assert not any(ord(c) < 32 and c != "\n" for c in err)


# --- account problems stop the batch -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("security", "faults"),
    [
        ("none", Faults(mail="530 5.7.0 Authentication required")),
        ("none", Faults(mail="550 5.7.1 sender not owned by this login")),
        ("none", Faults(rcpt={"*": "530 5.7.0 Authentication required"})),
        ("starttls", Faults(auth="535 5.7.8 Username and Password not accepted")),
        ("starttls", Faults(auth="534 5.7.9 Application-specific password required")),
        ("starttls", Faults(auth="530 5.7.0 Authentication required")),
    ],
    ids=["530-mail", "550-mail", "530-rcpt", "535-auth", "534-auth", "530-auth"],
)
def test_an_account_problem_stops_the_batch_and_keeps_every_follow_up_due(
    work: Path,
    make_smtp: Callable[..., SmtpServer],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    security: str,
    faults: Faults,
) -> None:
    server = make_smtp(security=security, faults=faults)
    use_smtp(monkeypatch, server)
    assert send(work) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert states(work) == ["deferred"]  # the one claimed waits; the others were never touched
    assert server.received == []
    server.faults = Faults()
    assert send(work, now=LATER) == 0
    assert states(work) == ["sent"] * 3


# A 421 may come at any moment: the server is closing the channel (an idle timeout during a pause, a
# restart). Read as the answer to our next MAIL, it once made that message deferred and the next went
# on a dead connection, so every other one of a paced batch waited for the next run.
@pytest.mark.parametrize(
    ("faults", "code", "expected", "connections"),
    [
        (Faults(mail="421 4.4.2 idle timeout, closing connection", times=1), 0, ["sent"] * 3, 2),
        (Faults(rcpt={"*": "421 4.3.2 shutting down"}, times=1), 0, ["sent"] * 3, 2),
        (Faults(mail="421 4.7.0 too many connections, closing"), 1, ["deferred"], 2),
    ],
    ids=["once-at-mail", "once-at-rcpt", "every-time"],
)
def test_a_421_before_the_hand_over_is_a_closed_connection_tried_once_more(
    work: Path,
    make_smtp: Callable[..., SmtpServer],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    faults: Faults,
    code: int,
    expected: list[str],
    connections: int,
) -> None:
    server = make_smtp(faults=faults)
    use_smtp(monkeypatch, server)
    assert send(work) == code
    assert states(work) == expected  # every-time: the run stops at the second, the rest untouched
    assert server.connections == connections
    assert len(server.received) == expected.count("sent")
    if code:  # one plain line, the server's words once, no hint nested in a hint
        err = unstamped(capsys.readouterr().err)
        assert err.count("\n") == 1 and err.count("421") == 1 and err.count("(") == 1, err
        assert "closed the connection twice" in err and "421 4.7.0 too many connections, closing" in err


# --- Gate 4: secrets ---------------------------------------------------------------------------------


def secret_traces(user: str, password: str) -> list[bytes]:
    """The password as it could leak: plain, in part, and as AUTH PLAIN or LOGIN put it on the wire."""
    plain = password.encode()
    forms = [plain, base64.b64encode(plain), base64.b64encode(b"\0" + user.encode() + b"\0" + plain)]
    return [*forms, plain[4:12], plain[-8:], forms[1][4:14], forms[2][8:20]]


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
def test_a_server_echoing_the_login_shows_none_of_it_anywhere(
    work: Path,
    make_smtp: Callable[..., SmtpServer],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    mechanism: str,
) -> None:
    server = make_smtp(auth=True, password=PASSWORD, faults=Faults(echo_auth=mechanism))
    use_smtp(monkeypatch, server)
    outbox = ["--outbox", str(work / "var" / "outbox")]
    assert send(work, *outbox, "--dry-run") == 0
    assert send(work, *outbox) == 1
    state = ["--data", str(work / "interviews.yaml"), "--state", str(work / "var" / "followup.db")]
    state += ["--now", NOW]
    assert main([*state, "status"]) == 0
    assert main([*state, "status", "--json"]) == 0
    assert main([*state, "doctor"]) == 1
    out, err = capsys.readouterr()
    assert "535" in err and "Authentication credentials invalid" in err
    assert states(work) == ["deferred"]
    shown = (out + err).encode() + stored_bytes(work)
    for trace in secret_traces(server.user, PASSWORD):
        assert trace not in shown, trace


def test_a_password_outside_ascii_is_explained_in_plain_words(
    work: Path,
    smtp_tls_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    use_smtp(monkeypatch, smtp_tls_server, FOLLOWUP_SMTP_PASSWORD="Pässwörd-Kx7-qerT")
    assert send(work) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert unstamped(err).startswith("FOLLOWUP_SMTP_PASSWORD:") and "outside ASCII" in err
    assert "position" not in err and "\\xe4" not in err and "ä" not in err and "qerT" not in err
    assert not (work / "var" / "followup.db").exists()
    assert smtp_tls_server.received == []


def test_a_latin_1_password_file_is_named_without_its_byte_or_offset(
    work: Path,
    smtp_tls_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    secret = work / "password"
    secret.write_bytes("Pass-caf\xe9-Kx7qerT\n".encode("latin-1"))
    secret.chmod(0o600)
    use_smtp(monkeypatch, smtp_tls_server, FOLLOWUP_SMTP_PASSWORD_FILE=str(secret))
    assert send(work) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert unstamped(err).startswith("FOLLOWUP_SMTP_PASSWORD_FILE:") and "UTF-8" in err
    assert "0xe9" not in err and "position" not in err and "Kx7" not in err
    assert not (work / "var" / "followup.db").exists()


def test_the_outbox_writes_each_message_as_a_maildir_file_as_open_and_write_would(tmp_path: Path) -> None:
    import os

    from batch.letters.mime import Message
    from batch.mail.transport import Outbox

    data = b"From: Sam <sam@example.com>\r\n\r\n" + bytes(range(256)) * 40
    outbox = Outbox(tmp_path / "out")
    lines = [
        outbox.send(Message(f"k{n}", "a@x.example", "b@x.example", "<i@x>", "s", data)) for n in range(3)
    ]
    outbox.close()
    written = sorted((tmp_path / "out" / "new").iterdir())
    assert [line.removeprefix("written to ") for line in lines] == [str(p) for p in written]
    assert not list((tmp_path / "out" / "tmp").iterdir())
    for path in written:
        assert path.read_bytes() == data
        assert os.stat(path).st_mode & 0o777 == 0o600  # a whole message: yours alone (ledger/private.py)
    assert (outbox.tmp, outbox.new) == (-1, -1)  # both folders let go of


# --- What a plain connection costs ----------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("strace") is None, reason="strace is not installed (.ci/run installs it)")
def test_a_connection_without_tls_never_reads_the_systems_certificates(
    tmp_path: Path, smtp_server: SmtpServer
) -> None:
    # Loading the certificate store costs ~20 ms a run; a server spoken to in plain text has no use for it.
    assert smtp_server.security == "none"
    data, state, trace = write_batch(tmp_path / "batch.yaml", 2), tmp_path / "followup.db", tmp_path / "trace"
    command = [str(shutil.which("strace")), "-f", "-e", "trace=open,openat", "-o", str(trace),
               sys.executable, "-m", "batch", *send_args(data, state, NOW_DUE)]  # fmt: skip
    done = subprocess.run(command, cwd=tmp_path, env=send_env(smtp_server), capture_output=True, text=True,
                          timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert len(smtp_server.received) == 2
    paths = ssl.get_default_verify_paths()
    stores = {p for p in (paths.cafile, paths.capath, paths.openssl_cafile, paths.openssl_capath) if p}
    opened = [line for line in trace.read_text().splitlines() if any(f'"{store}' in line for store in stores)]
    assert opened == []


# --- What the hostile trial found in the send path ------------------------------------------------------


def test_a_server_that_never_answers_after_data_leaves_one_uncertain_then_the_batch_waits(
    work: Path, make_smtp: Callable[..., SmtpServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each message timed out in turn over a new connection: all uncertain, the timeout times over.
    server = make_smtp(faults=Faults(stall=("DATA", 3.0)))
    use_smtp(monkeypatch, server, FOLLOWUP_SMTP_TIMEOUT="1")
    assert send(work) == 1
    assert states(work) == ["deferred", "uncertain"]  # the third was never claimed
    server.faults = Faults()
    assert send(work, now=LATER) == 0
    assert states(work) == ["sent", "sent", "uncertain"]
    assert all(count == 1 for count in server.message_id_counts().values())


def test_a_server_out_of_step_with_a_stray_reply_gets_no_command_as_a_message(
    work: Path,
    make_smtp: Callable[..., SmtpServer],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # A second 250 after the first message's: each reply after it answers the command before, so DATA
    # read a 250; it was taken for a refusal, RSET and the next MAIL went as the text of a message.
    server = make_smtp(faults=Faults(final="250 2.0.0 queued\r\n250 2.0.0 and again"))
    use_smtp(monkeypatch, server)
    assert send(work) == 1
    assert "out of step" in capsys.readouterr().err
    assert len(server.received) == 1 and server.received[0].message_id
    assert states(work) == ["deferred", "sent"]
    server.faults = Faults()
    assert send(work, now=LATER) == 0
    assert len(server.received) == 3 and all(m.message_id for m in server.received)
    assert all(count == 1 for count in server.message_id_counts().values())


ATOM = "abcXYZ019!#$%&'*+/=?^_`{|}~.-"


@given(local=st.text(alphabet=ATOM, min_size=1, max_size=20),
       host=st.text(alphabet="abz09.-", min_size=1, max_size=20),
       odd=st.sampled_from(["", " ", '"', "<", ">", "(", ")", ",", ";", ":", "\\", "[", "é"]))  # fmt: skip
def test_the_path_mail_from_and_rcpt_to_take_is_what_smtplib_would_send(
    local: str, host: str, odd: str
) -> None:
    import smtplib

    from batch.mail.transport import _path

    address = f"{local}{odd}@{host}"
    assert _path(address) == smtplib.quoteaddr(address)


@pytest.mark.parametrize(
    "faults",
    [Faults(drop="after_DATA"), Faults(final="354 go on"), Faults(final="221 2.0.0 bye"),
     Faults(final="thanks, got it")],
    ids=["hang-up", "354", "221", "no-code"],
)  # fmt: skip
def test_a_server_that_never_settles_a_message_after_data_stops_the_batch_at_the_second(
    work: Path, make_smtp: Callable[..., SmtpServer], monkeypatch: pytest.MonkeyPatch, faults: Faults
) -> None:
    # a hang-up, or an answer that is neither yes nor no, after every message
    server = make_smtp(faults=faults)
    use_smtp(monkeypatch, server)
    assert send(work) == 1
    assert states(work) == ["deferred", "uncertain", "uncertain"]
    server.faults = Faults()
    assert send(work, now=LATER) == 0
    assert states(work) == ["sent", "uncertain", "uncertain"]
    assert all(count == 1 for count in server.message_id_counts().values())


@pytest.mark.parametrize(
    "body",
    [
        b"plain\r\nlines only\r\n",
        b".starts with a dot\r\nand\r\n.\r\n..two\r\n",
        b"ends\r\n.",
        b"no line end",
    ],
    ids=["no-dots", "dotted-lines", "dot-at-the-end", "no-final-crlf"],
)
def test_the_server_receives_exactly_the_bytes_of_the_message_dots_and_all(
    smtp_server: SmtpServer, body: bytes
) -> None:
    from batch.account.settings import SmtpSettings
    from batch.letters.mime import Message
    from batch.mail.transport import Smtp

    data = b"From: Sam <sam@example.com>\r\nMessage-ID: <d@x.example>\r\n\r\n" + body
    smtp = Smtp(SmtpSettings(smtp_server.host, smtp_server.port, security="none", timeout=5))
    try:
        assert smtp.send(
            Message("k", "sam@example.com", "b@x.example", "<d@x.example>", "s", data)
        ).startswith("250")
    finally:
        smtp.close()
    sent = data if data.endswith(b"\r\n") else data + b"\r\n"  # the line end that closes the last line
    assert [m.data for m in smtp_server.received] == [sent]
