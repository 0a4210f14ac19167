"""FETCH and SEARCH answers are read in every form RFC 3501 allows, and never raise on any other.

Generated answers go over a real socket to imaplib (servers/oddimap.py's ReplayImap on 127.0.0.1) and
come back through imap.fetch and imap.search: items in any order, a body as a literal, a quoted string
or NIL, a message's items over two responses, unsolicited lines between, SEARCH over several lines. The
parser alone is total over anything shaped like imaplib's data.
"""

from __future__ import annotations

import imaplib
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from batch.inbox.imap import fetch, search
from batch.inbox.responses import fetched, searched
from tests.servers.oddimap import ReplayImap

EXTRAS = [b"FLAGS (\\Seen \\Recent)", b"RFC822.SIZE 1234", b'INTERNALDATE "24-Nov-2026 09:15:00 -0500"',
          b'BODYSTRUCTURE ("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 12 1)',
          b"MODSEQ (12345)", b"X-GM-LABELS (\\Inbox \"a (b)\")"]  # fmt: skip
NAMES = [b"BODY[HEADER.FIELDS (FROM IN-REPLY-TO DATE)]", b"BODY[]<0>", b"BODY[TEXT]", b"RFC822.HEADER"]
QUOTABLE = st.binary(max_size=80).map(lambda b: bytes(c for c in b if c not in (0, 10, 13) and c < 128))


@st.composite
def answers(draw: st.DrawFn) -> tuple[bytes, list[bytes], list[tuple[bytes, bytes | None]]]:
    """A UID FETCH answer on the wire, the UIDs asked for, and what reading it must give."""
    uids = draw(st.lists(st.integers(1, 10**9), min_size=1, max_size=6, unique=True))
    wire, expected = b"", []
    for seq, uid in enumerate(uids, 1):
        form = draw(st.sampled_from(["literal", "quoted", "nil"]))
        body: bytes | None
        if form == "literal":
            body = draw(st.binary(max_size=300))
            value = b"{%d}\r\n%s" % (len(body), body)
        elif form == "quoted":
            body = draw(QUOTABLE)
            value = b'"' + body.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'
        else:
            body, value = None, b"NIL"
        items = [b"UID %d" % uid, draw(st.sampled_from(NAMES)) + b" " + value]
        items += draw(st.lists(st.sampled_from(EXTRAS), max_size=3))
        items = draw(st.permutations(items))
        if draw(st.booleans()):  # the UID in a response of its own, before or after the rest
            alone = b"* %d FETCH (UID %d)\r\n" % (seq, uid)
            rest = [i for i in items if not i.startswith(b"UID ")]
            line = b"* %d FETCH (%s)\r\n" % (seq, b" ".join(rest))
            wire += alone + line if draw(st.booleans()) else line + alone
        else:
            wire += b"* %d FETCH (%s)\r\n" % (seq, b" ".join(items))
        if draw(st.booleans()):
            wire += draw(
                st.sampled_from(
                    [b"* 9 EXISTS\r\n", b"* 3 FETCH (FLAGS (\\Seen))\r\n", b"* OK still here\r\n"]
                )
            )
        expected.append((str(uid).encode(), body))
    return wire, [str(u).encode() for u in uids], expected


@pytest.fixture(scope="module")
def replay() -> Iterator[tuple[ReplayImap, imaplib.IMAP4]]:
    server = ReplayImap()
    client = imaplib.IMAP4("127.0.0.1", server.port, timeout=5)
    client.login("sam", "any")
    client.select("INBOX", readonly=True)
    yield server, client
    client.logout()
    server.stop()


@settings(max_examples=400, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(answer=answers())
def test_a_fetch_answer_in_any_order_and_form_gives_each_uid_its_body(
    answer: tuple[bytes, list[bytes], list[tuple[bytes, bytes | None]]],
    replay: tuple[ReplayImap, imaplib.IMAP4],
) -> None:
    server, client = replay
    server.answer, uids, expected = answer
    assert fetch(client, uids, "(BODY.PEEK[]<0.65536>)") == expected


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(groups=st.lists(st.lists(st.integers(1, 10**9), max_size=5), max_size=5))
def test_search_results_over_several_lines_are_all_found(
    groups: list[list[int]], replay: tuple[ReplayImap, imaplib.IMAP4]
) -> None:
    server, client = replay
    server.answer = b"".join(b"* SEARCH" + b"".join(b" %d" % n for n in group) + b"\r\n" for group in groups)
    found = search(client, ("SINCE",), "23-Nov-2026")
    assert found == {str(n).encode() for group in groups for n in group}


def test_a_fetch_answer_with_the_uid_after_the_body_and_a_quoted_body_is_read() -> None:
    """RFC 3501's example orders, as imaplib hands them over (a tuple for each line ending in a literal)."""
    data = [
        (b"1 (BODY[HEADER.FIELDS (FROM)] {10}", b"From: a@b\r\n"),
        b" UID 7)",
        b'2 (UID 8 BODY[] "x \\"y\\"")',
    ]
    assert fetched(data) == [(b"7", b"From: a@b\r\n"), (b"8", b'x "y"')]
    assert searched([b"", b"4 5", b"6 (MODSEQ 917162500)"]) == {b"4", b"5", b"6"}


PIECES = st.sampled_from([b"1", b" ", b"(", b")", b'"', b"\\", b"UID", b"BODY[", b"]", b"NIL", b"{3}", b"7",
                          b"BODY[HEADER.FIELDS (FROM)]", b"FETCH", b"\x00", b"\xff"])  # fmt: skip
LINE = st.lists(PIECES, max_size=20).map(b"".join)


@settings(max_examples=1000)
@given(
    data=st.lists(st.one_of(LINE, st.tuples(LINE, st.binary(max_size=20)), st.none(), st.binary(max_size=30)))
)
def test_reading_any_answer_never_raises(data: list[object]) -> None:
    for uid, body in fetched(data):
        assert uid.isdigit() and (body is None or isinstance(body, bytes))
    assert all(uid.isdigit() for uid in searched(data))


def test_two_messages_under_one_number_after_an_expunge_are_both_read_by_their_uids() -> None:
    """RFC 3501 7.4.1: an EXPUNGE may come during a UID FETCH; the message after it takes the number."""
    data = [(b"1 (UID 4 BODY[] {3}", b"abc"), b")", (b"1 (UID 5 BODY[] {3}", b"def"), b")"]
    assert fetched(data) == [(b"4", b"abc"), (b"5", b"def")]
