"""A scripted IMAP server on 127.0.0.1 that writes its answers in forms RFC 3501 allows and dovecot never
uses: FETCH items in another order (UID after the body's literal), a body as a quoted string or NIL,
SEARCH results over several untagged lines, no search in any charset but US-ASCII
(`NO [BADCHARSET]`, as RFC 3501 lets a server answer); and hostile ones: a BYE that echoes the LOGIN
line it received (on the second UID SEARCH of a session), an EXPUNGE in the middle of a UID FETCH answer
(RFC 3501 7.4.1 allows it: the messages after it are renumbered), and FETCH answers dripped a byte at a
time (``.drip`` seconds apart).

``OddImap(quirks)``: any login is good; the folder holds ``.messages`` (bytes, CRLF), UIDs 1..n.
UID SEARCH evaluates FROM, HEADER, BODY, TEXT, SINCE (ignored: every message counts as recent), ALL and
CHARSET; UID FETCH answers for the item asked (a header fetch gets the whole header). ``.commands``
keeps each command line received, ``.literals`` each literal.
"""

from __future__ import annotations

import contextlib
import re
import socket
import time
from collections.abc import Iterable

from .raw import _Listening

QUIRKS = ("uid-after-body", "quoted-body", "nil-body", "split-search", "ascii-search-only", "bye-echo",
          "expunge-mid", "drip")  # fmt: skip


class OddImap(_Listening):
    """An IMAP folder behind a server with the given quirks (QUIRKS)."""

    def __init__(self, quirks: Iterable[str] = ()) -> None:
        self.quirks = set(quirks)
        assert self.quirks <= set(QUIRKS), self.quirks
        self.messages: list[bytes] = []
        self.commands: list[bytes] = []
        self.literals: list[bytes] = []
        self.host, self.user, self.password = "127.0.0.1", "sam", "any"
        self.drip = 0.2
        self.vanish: set[int] = set()  # UIDs a FETCH leaves out, as if deleted since the search
        self._login = b""
        self._searches = 0
        self._listen()

    def deliver(self, raw: bytes) -> None:
        """A message into the folder, with CRLF line ends."""
        self.messages.append(raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))

    def _serve(self, conn: socket.socket) -> None:
        with contextlib.suppress(OSError), conn, conn.makefile("rb") as lines:
            conn.sendall(b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] odd ready\r\n")
            while line := lines.readline():
                words = self._words(conn, lines, line)
                self.commands.append(line)
                tag, command = words[0].decode(), words[1].upper() if len(words) > 1 else b""
                if command == b"LOGIN":
                    self._login, self._searches = line.rstrip(b"\r\n"), 0  # counted per session
                answer = self._answer(tag, command, words[2:])
                if answer.startswith(b"* BYE idle"):
                    conn.sendall(answer)
                    return
                if "drip" in self.quirks and b" FETCH (" in answer:
                    for byte in answer:
                        conn.sendall(bytes([byte]))
                        time.sleep(self.drip)
                else:
                    conn.sendall(answer)
                if command == b"LOGOUT":
                    return

    def _words(self, conn: socket.socket, lines: object, line: bytes) -> list[bytes]:
        """A command's words, its quoted strings and literals read whole (a literal is one word)."""
        words: list[bytes] = []
        while True:
            found = re.search(rb"\{(\d+)\+?\}\r\n$", line)
            head = line[: found.start()] if found else line
            words += [w.replace(b'\\"', b'"') for w in _split(head)]
            if found is None:
                return words
            if not head.endswith(b"+}"):
                conn.sendall(b"+ go on\r\n")
            literal: bytes = lines.read(int(found[1]))  # type: ignore[attr-defined]
            self.literals.append(literal)
            words.append(literal)
            line = lines.readline()  # type: ignore[attr-defined]

    def _answer(self, tag: str, command: bytes, args: list[bytes]) -> bytes:
        if command == b"CAPABILITY":
            return f"* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n{tag} OK done\r\n".encode()
        if command in (b"SELECT", b"EXAMINE"):
            n = len(self.messages)
            return (f"* {n} EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 7] ok\r\n* FLAGS (\\Seen)\r\n"
                    f"{tag} OK [READ-ONLY] done\r\n").encode()  # fmt: skip
        if command == b"UID" and args and args[0].upper() == b"SEARCH":
            self._searches += 1
            if "bye-echo" in self.quirks and self._searches == 2:
                return b"* BYE idle session ended: " + self._login + b"\r\n"
            return self._search(tag, args[1:])
        if command == b"UID" and args and args[0].upper() == b"FETCH":
            return self._fetch(tag, args[1], b" ".join(args[2:]))
        if command == b"LOGOUT":
            return f"* BYE bye\r\n{tag} OK done\r\n".encode()
        return f"{tag} OK done\r\n".encode()

    def _search(self, tag: str, criteria: list[bytes]) -> bytes:
        if criteria and criteria[0].upper() == b"CHARSET":
            if "ascii-search-only" in self.quirks and criteria[1].upper() != b"US-ASCII":
                return f"{tag} NO [BADCHARSET (US-ASCII)] charset not supported\r\n".encode()
            criteria = criteria[2:]
        found = [str(n) for n, raw in enumerate(self.messages, 1) if _matches(raw, criteria)]
        if "split-search" in self.quirks:  # an empty line, then one UID a line
            lines = "* SEARCH\r\n" + "".join(f"* SEARCH {uid}\r\n" for uid in found)
        else:
            lines = f"* SEARCH {' '.join(found)}\r\n".replace(" \r\n", "\r\n")
        return f"{lines}{tag} OK done\r\n".encode()

    def _fetch(self, tag: str, uids: bytes, what: bytes) -> bytes:
        out = bytearray()
        headers_only = b"HEADER" in what.upper()
        item = b"BODY[HEADER.FIELDS (FROM)]" if headers_only else b"BODY[]<0>"
        gone = 0  # messages expunged during this answer: the later ones are renumbered
        for uid in _uids(uids, len(self.messages)):
            if "expunge-mid" in self.quirks and out and not gone:
                out += b"* 1 EXPUNGE\r\n"  # another client deleted message 1
                gone = 1
            if uid in self.vanish:
                continue
            raw = self.messages[uid - 1]
            body = raw.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n" if headers_only else raw[:65536]
            literal = b"%s {%d}\r\n%s" % (item, len(body), body)
            if "uid-after-body" in self.quirks:
                out += b"* %d FETCH (%s FLAGS (\\Recent) UID %d)\r\n" % (uid - gone, literal, uid)
            elif "quoted-body" in self.quirks:
                quoted = body.replace(b"\\", b"\\\\").replace(b'"', b'\\"').replace(b"\r\n", b"\n")
                quoted = quoted.replace(b"\n", b" ")  # a quoted string holds no line break
                out += b'* %d FETCH (UID %d %s "%s")\r\n' % (uid, uid, item, quoted)
            elif "nil-body" in self.quirks:
                out += b"* %d FETCH (UID %d %s NIL)\r\n" % (uid, uid, item)
            else:
                out += b"* %d FETCH (UID %d %s)\r\n" % (uid - gone, uid, literal)
        return bytes(out) + f"{tag} OK done\r\n".encode()


def _split(text: bytes) -> list[bytes]:
    """Words of a command line: quoted strings whole, without their quotes."""
    return [m[1] if m[1] is not None else m[2] for m in re.finditer(rb'"((?:[^"\\]|\\.)*)"|(\S+)', text)]


def _uids(spec: bytes, count: int) -> list[int]:
    found: list[int] = []
    for part in spec.decode().split(","):
        first, _, last = part.partition(":")
        end = count if last == "*" else int(last or first)
        found += range(int(first), end + 1)
    return [uid for uid in found if 1 <= uid <= count]


def _matches(raw: bytes, criteria: list[bytes]) -> bool:
    """Whether a message meets every criterion (substring matches, without case, as servers do)."""
    head, _, body = raw.partition(b"\r\n\r\n")
    unfolded = re.sub(rb"\r\n[ \t]+", b" ", head).lower()
    words, at = [w for w in criteria], 0
    while at < len(words):
        key = words[at].upper()
        if key == b"ALL":
            at += 1
        elif key == b"SINCE":
            at += 2
        elif key == b"FROM":
            if not _header_has(unfolded, b"from", words[at + 1]):
                return False
            at += 2
        elif key == b"HEADER":
            if not _header_has(unfolded, words[at + 1].lower(), words[at + 2]):
                return False
            at += 3
        elif key in (b"BODY", b"TEXT"):
            if words[at + 1].lower() not in (body if key == b"BODY" else raw).lower():
                return False
            at += 2
        else:
            return False
    return True


def _header_has(unfolded: bytes, name: bytes, value: bytes) -> bool:
    return any(
        line.partition(b":")[2].find(value.lower()) >= 0
        for line in unfolded.split(b"\r\n")
        if line.partition(b":")[0].strip() == name
    )


class ReplayImap(_Listening):
    """An IMAP server on 127.0.0.1 that answers every UID command with ``.answer`` (untagged lines, as
    bytes on the wire), then its tagged OK: for property tests of how an answer is read."""

    def __init__(self) -> None:
        self.answer = b""
        self._listen()

    def _serve(self, conn: socket.socket) -> None:
        with contextlib.suppress(OSError), conn, conn.makefile("rb") as lines:
            conn.sendall(b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] replay ready\r\n")
            while line := lines.readline():
                tag, _, rest = line.decode("ascii", "replace").partition(" ")
                said = self.answer if rest.upper().startswith("UID ") else b""
                conn.sendall(said + f"{tag} OK done\r\n".encode())
                if rest.upper().startswith("LOGOUT"):
                    return
