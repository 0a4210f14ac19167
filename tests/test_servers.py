"""The local mail servers of tests/servers/, proved with nothing but the standard library as the client."""

from __future__ import annotations

import imaplib
import os
import smtplib
import ssl
import threading
import time
from collections import Counter
from collections.abc import Callable

import pytest

from tests.servers import (
    IMAP_PASSWORD,
    SMTP_PASSWORD,
    SMTP_USER,
    Faults,
    ImapServer,
    SmtpServer,
    imap_login,
)

FROM = "candidate@example.test"
ANN = "ann@example.test"
BOB = "bob@example.test"
# CRLF line ends as on the wire; lines that start with a dot prove the dot-stuffing round trip.
RAW = (
    b"From: Candidate <candidate@example.test>\r\n"
    b"To: Ann <ann@example.test>\r\n"
    b"Subject: Thank you\r\n"
    b"Message-ID: <thanks-1@followup.test>\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: 8bit\r\n"
    b"\r\n"
    b"Gr\xc3\xbc\xc3\x9fe, thank you for your time.\r\n"
    b".a line that starts with a dot\r\n"
    b"..and one with two\r\n"
)
MakeSmtp = Callable[..., SmtpServer]


def with_message_id(message_id: str) -> bytes:
    return RAW.replace(b"<thanks-1@followup.test>", message_id.encode())


def send(server: SmtpServer, raw: bytes = RAW, to: tuple[str, ...] = (ANN,), timeout: float = 5) -> dict:
    """Deliver over one plain connection the way a careful client does: EHLO, (AUTH), MAIL, RCPT, DATA."""
    with smtplib.SMTP(server.host, server.port, timeout=timeout) as client:
        if server.auth:
            client.login(server.user, server.password)
        return client.sendmail(FROM, list(to), raw)


def test_plain_server_keeps_each_message_byte_exact_with_its_envelope(smtp_server: SmtpServer) -> None:
    refused = send(smtp_server, to=(ANN, BOB))

    assert refused == {}
    [message] = smtp_server.received
    assert message.data == RAW
    assert (message.mail_from, message.rcpt_tos) == (FROM, (ANN, BOB))
    assert message.message_id == "<thanks-1@followup.test>"
    assert message.peer[0] == "127.0.0.1"
    assert (message.login, message.tls) == (None, False)
    assert smtp_server.connections == 1
    assert smtp_server.ca_file is None


def test_starttls_then_login_with_the_fixture_ca_delivers(smtp_tls_server: SmtpServer) -> None:
    server = smtp_tls_server
    with smtplib.SMTP(server.host, server.port, timeout=5) as client:
        client.starttls(context=ssl.create_default_context(cafile=str(server.ca_file)))
        client.login(SMTP_USER, SMTP_PASSWORD)
        client.sendmail(FROM, [ANN], RAW)

    [message] = server.received
    assert (message.data, message.login, message.tls) == (RAW, SMTP_USER, True)


def test_tls_server_wants_starttls_then_auth_before_mail(smtp_tls_server: SmtpServer) -> None:
    server = smtp_tls_server
    with smtplib.SMTP(server.host, server.port, timeout=5) as client:
        assert client.ehlo()[0] == 250
        assert not client.has_extn("auth")  # AUTH only over TLS
        assert client.mail(FROM)[0] == 530
        client.starttls(context=server.client_context())
        client.ehlo()
        assert client.has_extn("auth")
        assert client.mail(FROM)[0] == 530

    assert server.received == []


def test_wrong_password_gets_535(smtp_tls_server: SmtpServer) -> None:
    server = smtp_tls_server
    with smtplib.SMTP(server.host, server.port, timeout=5) as client:
        client.starttls(context=server.client_context())
        with pytest.raises(smtplib.SMTPAuthenticationError) as refused:
            client.login(SMTP_USER, "not-" + SMTP_PASSWORD)

    assert refused.value.smtp_code == 535


def test_implicit_tls_server_delivers_after_login(smtp_ssl_server: SmtpServer) -> None:
    server = smtp_ssl_server
    with smtplib.SMTP_SSL(server.host, server.port, timeout=5, context=server.client_context()) as client:
        client.login(SMTP_USER, SMTP_PASSWORD)
        client.sendmail(FROM, [ANN], RAW)

    [message] = server.received
    assert (message.data, message.login, message.tls) == (RAW, SMTP_USER, True)


@pytest.mark.parametrize(
    ("faults", "auth", "error", "code"),
    [
        (Faults(greeting="421 4.3.2 Service not available"), False, smtplib.SMTPConnectError, 421),
        (
            Faults(auth="535 5.7.8 Username and Password not accepted"),
            True,
            smtplib.SMTPAuthenticationError,
            535,
        ),
        (Faults(mail="451 4.3.0 Try again later"), False, smtplib.SMTPSenderRefused, 451),
        (Faults(data="451 4.3.0 Try again later"), False, smtplib.SMTPDataError, 451),
        (Faults(data="452 4.3.1 Insufficient system storage"), False, smtplib.SMTPDataError, 452),
        (Faults(data="554 5.7.1 Message rejected"), False, smtplib.SMTPDataError, 554),
    ],
    ids=["421-greeting", "535-auth", "451-mail", "451-data", "452-data", "554-data"],
)
def test_each_scripted_reply_reaches_the_client_with_its_code(
    make_smtp: MakeSmtp, faults: Faults, auth: bool, error: type[smtplib.SMTPException], code: int
) -> None:
    server = make_smtp(faults=faults, auth=auth)

    with pytest.raises(error) as refused:
        send(server)

    assert refused.value.smtp_code == code
    assert server.received == []


@pytest.mark.parametrize("reply", ["451 4.3.0 Try again later", "452 4.5.3 Too many recipients"])
def test_a_refusal_of_every_recipient_raises_with_each_code(make_smtp: MakeSmtp, reply: str) -> None:
    server = make_smtp(faults=Faults(rcpt={"*": reply}))

    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        send(server, to=(ANN, BOB))

    assert {rcpt: code for rcpt, (code, _) in refused.value.recipients.items()} == {
        ANN: int(reply[:3]),
        BOB: int(reply[:3]),
    }
    assert server.received == []


def test_a_partial_refusal_is_returned_and_the_rest_delivered(make_smtp: MakeSmtp) -> None:
    server = make_smtp(faults=Faults(rcpt={BOB.upper(): "550 5.1.1 No such user"}))

    refused = send(server, to=(ANN, BOB))

    assert refused == {BOB: (550, b"5.1.1 No such user")}
    [message] = server.received
    assert message.rcpt_tos == (ANN,)


@pytest.mark.parametrize("point", ["greeting", "AUTH", "MAIL", "RCPT", "DATA"])
def test_a_dropped_connection_keeps_nothing(make_smtp: MakeSmtp, point: str) -> None:
    server = make_smtp(faults=Faults(drop=point), auth=point == "AUTH")

    with pytest.raises(smtplib.SMTPServerDisconnected):
        send(server)

    assert server.received == []


def test_a_drop_after_data_keeps_the_message_the_client_never_hears_of(make_smtp: MakeSmtp) -> None:
    server = make_smtp(faults=Faults(drop="after_DATA"))

    with pytest.raises(smtplib.SMTPServerDisconnected):
        send(server)

    assert [message.data for message in server.received] == [RAW]


@pytest.mark.parametrize("point", ["greeting", "DATA"])
def test_a_stall_makes_a_client_with_a_one_second_timeout_give_up(make_smtp: MakeSmtp, point: str) -> None:
    server = make_smtp(faults=Faults(stall=(point, 5.0)))
    started = time.monotonic()

    with pytest.raises(smtplib.SMTPServerDisconnected) as gave_up:
        send(server, timeout=1)

    # smtplib wraps the socket timeout; the cause is still there to see.
    assert isinstance(gave_up.value.__context__, TimeoutError)
    assert 0.9 < time.monotonic() - started < 3
    assert server.received == []


def test_stop_hangs_up_on_a_client_stuck_in_a_stall(make_smtp: MakeSmtp) -> None:
    server = make_smtp(faults=Faults(stall=("DATA", 60.0)))
    outcome: list[BaseException] = []

    def client() -> None:
        try:
            send(server, timeout=30)
        except Exception as error:
            outcome.append(error)

    thread = threading.Thread(target=client, daemon=True)
    thread.start()
    assert server.reached("DATA")  # the message is in; the stall holds the reply back
    started = time.monotonic()
    server.stop()
    thread.join(timeout=5)

    assert time.monotonic() - started < 2
    assert not thread.is_alive()
    assert [type(error) for error in outcome] == [smtplib.SMTPServerDisconnected]
    server.stop()  # twice is fine: the fixture's teardown does it again


def test_faults_hit_only_the_first_times_connections_and_can_be_changed(make_smtp: MakeSmtp) -> None:
    server = make_smtp(faults=Faults(data="451 4.3.0 Try again later", times=1))

    with pytest.raises(smtplib.SMTPDataError):
        send(server)
    send(server)
    server.faults = Faults(data="554 5.7.1 Rejected")
    with pytest.raises(smtplib.SMTPDataError) as refused:
        send(server)

    assert refused.value.smtp_code == 554
    assert len(server.received) == 1
    assert server.connections == 3


@pytest.mark.parametrize(
    ("security", "tls", "error"),
    [
        ("starttls", "untrusted", ssl.SSLCertVerificationError),
        ("starttls", "garbage", ssl.SSLError),
        ("ssl", "untrusted", ssl.SSLCertVerificationError),
        ("ssl", "garbage", ssl.SSLError),
    ],
)
def test_a_failing_tls_handshake_raises_an_ssl_error(
    make_smtp: MakeSmtp, security: str, tls: str, error: type[ssl.SSLError]
) -> None:
    server = make_smtp(security=security, faults=Faults(tls=tls))
    context = server.client_context()

    with pytest.raises(error):
        if security == "ssl":
            smtplib.SMTP_SSL(server.host, server.port, timeout=5, context=context).close()
        else:
            with smtplib.SMTP(server.host, server.port, timeout=5) as client:
                client.starttls(context=context)

    assert server.received == []


def test_deliveries_are_counted_per_message_id(smtp_server: SmtpServer) -> None:
    for message_id in ("<a@followup.test>", "<b@followup.test>", "<a@followup.test>"):
        send(smtp_server, raw=with_message_id(message_id), to=(ANN, BOB))

    assert smtp_server.message_id_counts() == Counter({"<a@followup.test>": 2, "<b@followup.test>": 1})


def test_a_misspelt_fault_point_is_refused_at_once() -> None:
    with pytest.raises(ValueError, match="drop='data'"):
        Faults(drop="data")


REPLY = (
    b"From: Ann <ann@example.test>\r\n"
    b"To: candidate@example.test\r\n"
    b"Subject: Re: Thank you\r\n"
    b"Message-ID: <reply-1@example.test>\r\n"
    b"In-Reply-To: <thanks-1@followup.test>\r\n"
    b"References: <thanks-1@followup.test>\r\n"
    b"\r\n"
    b"Thank you, we will be in touch.\r\n"
)
UNRELATED = (
    b"From: news@example.test\r\nSubject: Weekly digest\r\nMessage-ID: <n-1@example.test>\r\n\r\nNews.\r\n"
)


def test_a_delivered_reply_is_found_by_in_reply_to_in_a_read_only_session(imap_server: ImapServer) -> None:
    imap_server.deliver(UNRELATED)
    path = imap_server.deliver(REPLY)
    client = imap_login(imap_server)
    try:
        status, [count] = client.select("INBOX", readonly=True)  # EXAMINE
        _, [by_reply] = client.search(None, "HEADER", "In-Reply-To", "<thanks-1@followup.test>")
        _, [by_sender] = client.search(None, "FROM", "ann@example.test")
        _, fetched = client.fetch(by_reply, "(FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
    finally:
        client.logout()

    assert (status, count) == ("OK", b"2")
    assert by_reply == by_sender == b"2"
    assert b"<reply-1@example.test>" in fetched[0][1]
    assert b"\\Seen" not in fetched[0][0]
    assert path.parent.name == "new"
    if os.geteuid() == 0:
        assert path.stat().st_uid != 0  # dovecot's mail processes never run as root


def test_each_test_gets_an_empty_inbox_and_a_wrong_password_costs_no_penalty(imap_server: ImapServer) -> None:
    client = imaplib.IMAP4(imap_server.host, imap_server.port, timeout=5)
    started = time.monotonic()
    with pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
        client.login(imap_server.user, "not-" + IMAP_PASSWORD)
    client.shutdown()
    client = imap_login(imap_server)
    try:
        assert client.select("INBOX", readonly=True) == ("OK", [b"0"])
    finally:
        client.logout()

    # dovecot answers a wrong password after ~0.5 s; without the config's anvil tweak the next login
    # would wait 4 s more.
    assert time.monotonic() - started < 2.5
