"""IMAP responses read whole, as RFC 3501 allows a server to write them: the items of a FETCH in any
order (UID before or after the body), a body as a literal, a quoted string or NIL, one message's items
spread over several FETCH responses, and SEARCH results over several untagged lines.

Pure and total over what imaplib hands back (bytes lines, and (line, literal) pairs for each line that
ended in a literal): a response that does not parse is left out, never an exception. Bounded: imaplib's
reads are capped (imap.bounded), the work here is linear in what was read, and lists nest at most
_DEPTH deep.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

Value = bytes | None | list["Value"]  # an atom or string, NIL, or a parenthesised list
_DEPTH = 16  # BODYSTRUCTURE nests a few levels; a server nesting deeper sends nothing we read
_NUMBER = re.compile(rb"[0-9]{1,20}")
_LITERAL = re.compile(rb"\{([0-9]+)\+?\}$")
OPEN, CLOSE = "(", ")"  # the parentheses, as tokens no atom or string can equal


@dataclass(frozen=True, slots=True)
class _Text:
    """Part of a response line, as imaplib keeps it (without its CRLF)."""

    data: bytes


@dataclass(frozen=True, slots=True)
class _Literal:
    """The bytes of a literal, which imaplib read after a line ending in {n}."""

    data: bytes


class _Malformed(ValueError):
    """A response that does not parse: left out."""


def searched(data: Iterable[object]) -> set[bytes]:
    """The UIDs of a UID SEARCH, from every untagged SEARCH line (a server may split them, or send
    none); anything but a number (a MODSEQ, a stray word) is not a UID."""
    found: set[bytes] = set()
    for line in data:
        if isinstance(line, bytes):
            found.update(word for word in line.split() if _NUMBER.fullmatch(word) and word.strip(b"0"))
    return found


def fetched(data: Iterable[object]) -> list[tuple[bytes, bytes | None]]:
    """(UID, body) of each message a UID FETCH answered for: the body item's bytes (the first item
    named BODY[…], BINARY[…] or RFC822…), or None when the server sent NIL. Items are matched by name in
    any order and merged by UID (in the order the answer names them), never by message number alone:
    an EXPUNGE in the middle of a UID command (RFC 3501 7.4.1) renumbers the messages after it, so two
    messages may come under one number.
    A response without a UID joins the last message seen under its number (or the next one to come);
    a message without a UID or a body item is left out."""
    uid_of: dict[bytes, bytes] = {}  # message number → the UID last seen under it
    waiting: dict[bytes, bytes | None] = {}  # a body whose UID is still to come, by message number
    bodies: dict[bytes, bytes | None] = {}  # by UID
    seen: dict[bytes, int] = {}  # each UID, in the order the answer named them
    for pieces in _responses(data):
        try:
            number, items = _message_data(pieces)
        except _Malformed:
            continue
        uid = next(
            (v for n, v in items if n == b"UID" and isinstance(v, bytes) and _NUMBER.fullmatch(v)), None
        )
        body = [v for n, v in items if _is_body(n) and not isinstance(v, list)][:1]
        if uid is not None:
            uid_of[number] = uid
            seen.setdefault(uid, len(seen))
            if body:
                bodies.setdefault(uid, body[0])
            elif number in waiting:
                bodies.setdefault(uid, waiting.pop(number))
        elif body and number in uid_of:
            bodies.setdefault(uid_of[number], body[0])
        elif body:
            waiting.setdefault(number, body[0])
    return [(uid, bodies[uid]) for uid in sorted(bodies, key=seen.__getitem__)]


def _is_body(name: bytes) -> bool:
    return name.startswith((b"BODY[", b"BINARY[")) or name in (b"RFC822", b"RFC822.HEADER", b"RFC822.TEXT")


def _responses(data: Iterable[object]) -> Iterator[list[_Text | _Literal]]:
    """imaplib's data as one list of pieces per response: a line that ended in a literal is followed by
    that literal and the rest of the response (the next line); any other line ends it."""
    pieces: list[_Text | _Literal] = []
    for item in data:
        if isinstance(item, tuple) and len(item) == 2 and all(isinstance(i, bytes) for i in item):
            pieces += [_Text(item[0]), _Literal(item[1])]
            continue
        if isinstance(item, bytes):
            pieces.append(_Text(item))
        if pieces:
            yield pieces
        pieces = []
    if pieces:
        yield pieces


def _message_data(pieces: list[_Text | _Literal]) -> tuple[bytes, list[tuple[bytes, Value]]]:
    """`n (NAME value NAME value …)` as the message number and its items, names in upper case."""
    tokens = _Tokens(pieces)
    number = tokens.atom()
    if not _NUMBER.fullmatch(number):
        raise _Malformed("no message number")
    if tokens.next() != OPEN:
        raise _Malformed("no list of items")
    items = []
    while (token := tokens.next()) != CLOSE:
        if not isinstance(token, _Atom):
            raise _Malformed("an item without a name")
        items.append((bytes(token).upper(), _value(tokens, tokens.next(), 0)))
    return number, items


def _value(tokens: _Tokens, token: _Token, depth: int) -> Value:
    if token == OPEN:
        if depth >= _DEPTH:
            raise _Malformed("lists nested too deep")
        found: list[Value] = []
        while (inner := tokens.next()) != CLOSE:
            found.append(_value(tokens, inner, depth + 1))
        return found
    if isinstance(token, _Atom):
        return None if token.upper() == b"NIL" else bytes(token)
    if isinstance(token, bytes):  # a quoted string or a literal: its contents as they are
        return bytes(token)
    raise _Malformed("a value is missing")


class _Atom(bytes):
    """An atom (NIL, a number, an item's name with its [section] and <partial>), not a string."""


_Token = str | _Atom | bytes  # OPEN or CLOSE, an atom, or a string's or literal's contents


class _Tokens:
    """The tokens of one response, in order; _Malformed when it ends before the parser is done."""

    def __init__(self, pieces: list[_Text | _Literal]) -> None:
        self._tokens = self._scan(pieces)

    def next(self) -> _Token:
        token = next(self._tokens, None)
        if token is None:
            raise _Malformed("the response ends early")
        return token

    def atom(self) -> _Atom:
        token = self.next()
        if not isinstance(token, _Atom):
            raise _Malformed("an atom was due")
        return token

    @staticmethod
    def _scan(pieces: list[_Text | _Literal]) -> Iterator[_Token]:
        for index, piece in enumerate(pieces):
            if isinstance(piece, _Literal):
                yield piece.data
                continue
            text = piece.data
            literal = index + 1 < len(pieces) and isinstance(pieces[index + 1], _Literal)
            if literal:  # imaplib read the literal this line announced: its {n} is not a token
                found = _LITERAL.search(text)
                text = text[: found.start()] if found else text
            yield from _scan_text(text)


def _scan_text(text: bytes) -> Iterator[_Token]:
    at, end = 0, len(text)
    while at < end:
        char = text[at : at + 1]
        if char in (b" ", b"\t"):
            at += 1
        elif char in (b"(", b")"):
            yield OPEN if char == b"(" else CLOSE
            at += 1
        elif char == b'"':
            at, string = _quoted(text, at + 1)
            yield string
        else:
            at, atom = _atom(text, at)
            yield _Atom(atom)


def _quoted(text: bytes, at: int) -> tuple[int, bytes]:
    """A quoted string's contents (its backslash escapes undone) and where the text after it starts."""
    out = bytearray()
    while at < len(text):
        char = text[at : at + 1]
        if char == b"\\" and at + 1 < len(text):
            out += text[at + 1 : at + 2]
            at += 2
        elif char == b'"':
            return at + 1, bytes(out)
        else:
            out += char
            at += 1
    raise _Malformed("a quoted string is not closed")


def _atom(text: bytes, at: int) -> tuple[int, bytes]:
    """An atom, a [section] in it read whole (it may hold spaces and parentheses), and where it ends."""
    start = at
    while at < len(text) and text[at : at + 1] not in (b" ", b"(", b")", b'"', b"\t"):
        if text[at : at + 1] == b"[":
            close = text.find(b"]", at)
            if close < 0:
                raise _Malformed("a [section] is not closed")
            at = close
        at += 1
    return at, text[start:at]
