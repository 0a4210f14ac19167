"""Read YAML into plain values straight from libyaml's event stream.

No node graph is built: that is where PyYAML spends most of its time and memory. Scalars stay
strings (`spec` gives them their types), so `no` is never a boolean and `1.10`
never a float. Duplicate keys, aliases and tags, which PyYAML accepts or acts on, are refused here
with their line and column. Places of values are found again only when something is wrong.
Past 300 lines: reading values and finding their places again both walk libyaml's events, by the same rules.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol, TypeAlias

import yaml
from yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    DocumentStartEvent,
    Event,
    MappingStartEvent,
    ScalarEvent,
    SequenceStartEvent,
    StreamEndEvent,
)

from batch.errors import InputError, Problem

# libyaml's loader when PyYAML was built with it; the pure-Python one gives the same events.
_Loader: type[yaml.CSafeLoader] | type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SAFE_TAGS = frozenset({None, "!", "tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"})
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
Key = tuple[str | int, ...]
Value: TypeAlias = str | dict[str, "Value"] | list["Value"] | None
Container: TypeAlias = dict[str, Value] | list[Value]
# What waits on the stack while an inner container is read: the enclosing container's locals.
Frame: TypeAlias = tuple[Container | None, bool, str | None, dict[str, "Mark | None"], int, bool]


class Mark(Protocol):
    """A place in the text, as both libyaml's and PyYAML's marks give it (0-based)."""

    line: int
    column: int


_HINTS = {
    "found character '\\t' that cannot start any token": "YAML indents with spaces, not tabs",
    "found a tab character where an indentation space is expected": "indent with spaces",
    "found a tab character that violates indentation": "YAML indents with spaces, not tabs",
    "mapping values are not allowed here": "is a colon missing a space, or a value unquoted?",
    "mapping values are not allowed in this context": "is a colon missing a space, or a value unquoted?",
}
# Errors libyaml finds only where the file ends or the next line begins: shown where the thing opened.
_OPENED = {
    "while scanning a quoted scalar": "the quoted text that starts here is never closed",
    "while parsing a flow sequence": "the [ that starts here is not closed",
    "while parsing a flow mapping": "the { that starts here is not closed",
}


def read_text(path: Path) -> str:
    """The file's text, or an InputError that says where it is not UTF-8 (or that it is no file)."""
    try:
        data = _read_regular(path)
    except OSError as exc:
        raise InputError(Problem(str(path), 1, 1, f"cannot read: {exc.strerror}")) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        col = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", "replace")) + 1
        raise InputError(Problem(str(path), line, col, "not UTF-8 text (save the file as UTF-8)")) from None


# A data file's size, at most: 200,000 interviews take about 50 MB; reading one costs about twice its size
# in memory, so a wrong file (a disk image, a log) is refused before it fills the memory.
MAX_DATA_BYTES = 100 << 20

_NOT_FILES = {stat.S_IFIFO: "a named pipe (FIFO)", stat.S_IFDIR: "a folder", stat.S_IFCHR: "a device",
              stat.S_IFBLK: "a device", stat.S_IFSOCK: "a socket"}  # fmt: skip


def _read_regular(path: Path) -> bytes:
    """The bytes of a regular file; an InputError for anything else, which could block or never end."""
    # O_NONBLOCK: opening a FIFO with no writer would otherwise wait for one, forever
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        info = os.fstat(fd)
    except OSError:
        os.close(fd)
        raise
    kind = stat.S_IFMT(info.st_mode)
    if kind != stat.S_IFREG:
        os.close(fd)
        what = _NOT_FILES.get(kind, "not a regular file")
        raise InputError(Problem(str(path), 1, 1, f"is {what}, not a file (give a .yaml file)"))
    with open(fd, "rb") as file:
        # refused by its size before a byte is read; else read to the bound, not to the end (it may grow)
        data = file.read(MAX_DATA_BYTES + 1) if info.st_size <= MAX_DATA_BYTES else b""
    if info.st_size > MAX_DATA_BYTES or len(data) > MAX_DATA_BYTES:
        raise InputError(Problem(str(path), 1, 1, f"is larger than {MAX_DATA_BYTES >> 20} MB, the most a "
                                 "data file may hold (split it into files under interviews/, or is it the "
                                 "right file?)"))  # fmt: skip
    return data


def _problem(path: str, mark: Mark | None, message: str) -> Problem:
    if mark is None:
        return Problem(path, 1, 1, message)
    return Problem(path, mark.line + 1, mark.column + 1, message)


def _parse_error(path: str, exc: yaml.YAMLError, text: str) -> InputError:
    if isinstance(exc, yaml.reader.ReaderError):
        return InputError(_reader_problem(path, exc, text))
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    opened = _OPENED.get(getattr(exc, "context", None) or "")
    context_mark = getattr(exc, "context_mark", None)
    if opened and context_mark is not None and mark is not None:
        where = f"{problem} at line {mark.line + 1}"
        return InputError(_problem(path, context_mark, f"YAML syntax: {opened} ({where})"))
    hint = _HINTS.get(problem)
    if hint is None and mark is not None and _char_at(text, mark) == "\t":
        hint = "it is a tab: YAML indents with spaces, not tabs"
    message = f"YAML syntax: {problem}" + (f" ({hint})" if hint else "")
    return InputError(_problem(path, mark, message))


def _char_at(text: str, mark: Mark) -> str:
    """The character at a mark's line and column ('' past the end)."""
    lines = text.split("\n", mark.line + 1)
    line = lines[mark.line] if mark.line < len(lines) else ""
    return line[mark.column : mark.column + 1]


def _reader_problem(path: str, exc: yaml.reader.ReaderError, text: str) -> Problem:
    # libyaml reports a byte offset, the pure-Python reader a character index; the character
    # itself is refused anywhere in a file, so its first occurrence is the place either way.
    character = exc.character if isinstance(exc.character, int) else 0
    index = max(text.find(chr(character)), 0)
    line = text.count("\n", 0, index) + 1
    col = index - (text.rfind("\n", 0, index) + 1) + 1
    message = f"the file holds a control character (U+{character:04X}) that YAML does not allow"
    return Problem(path, line, col, message + " (is it a text file?)")


def iter_entries(
    text: str, path: str, stream_key: str = "interviews", problems: list[Problem] | None = None
) -> Iterator[tuple[Key, object]]:
    """Yield (key path, value) for each top-level entry; items of `stream_key` one by one.

    Only the item being read is held in memory, so a file of any length costs the size of its
    largest item. A duplicate key is added to `problems` (its second value skipped) when a list is
    given, so the rest of the file is still read; without one it is raised.
    """
    loader = _Loader(text)
    try:
        yield from _build(loader.get_event, path, stream_key, problems)
    except yaml.YAMLError as exc:
        raise _parse_error(path, exc, text) from None
    finally:
        loader.dispose()


def _build(
    next_event: Callable[[], Event | None], path: str, stream_key: str, problems: list[Problem] | None
) -> Iterator[tuple[Key, object]]:
    # One loop over every event of the file, so it keeps all it touches in local variables: the
    # innermost open container is unpacked into locals, the enclosing ones wait on `stack`.
    scalar, mapping_start, sequence_start = ScalarEvent, MappingStartEvent, SequenceStartEvent
    collection_end = CollectionEndEvent
    safe_tags, nulls = _SAFE_TAGS, _NULLS
    stack: list[Frame] = []
    container: Container | None = None
    is_map = streaming = False  # streaming: the stream_key list, whose items are yielded, not kept
    key: str | None = None  # a mapping's pending key
    seen: dict[str, Mark | None] = {}  # a mapping's keys so far, each with its place
    count = depth = documents = 0
    value: Value
    while True:
        ev = next_event()
        # `type(ev) is` is the fast test, and it tells the type checker what ev is
        if type(ev) is scalar:
            if ev.tag not in safe_tags:
                raise InputError(_problem(path, ev.start_mark, _tag_message(ev.tag)))
            value = ev.value
            # implicit[0]: plain and untagged (libyaml gives plain scalars the style '', PyYAML None)
            if value in nulls and ev.implicit[0]:
                value = None
            if not depth:
                if value is None:  # a document with nothing in it, e.g. only ---
                    raise InputError(Problem(path, 1, 1, _EMPTY_MESSAGE))
                raise InputError(_problem(path, ev.start_mark, _TOP_MESSAGE))
        elif isinstance(ev, collection_end):  # a mapping's or a list's end
            value = container
            container, is_map, key, seen, count, streaming = stack.pop()
            depth -= 1
            if not depth:
                continue
        elif type(ev) is mapping_start or type(ev) is sequence_start:
            if ev.tag not in safe_tags:
                raise InputError(_problem(path, ev.start_mark, _tag_message(ev.tag)))
            opens_map = type(ev) is mapping_start
            if not depth and not opens_map:
                raise InputError(_problem(path, ev.start_mark, _TOP_MESSAGE))
            if is_map and key is None:
                raise InputError(_problem(path, ev.start_mark, "a key must be plain text"))
            stack.append((container, is_map, key, seen, count, streaming))
            streaming = depth == 1 and key == stream_key and not opens_map
            depth += 1
            if opens_map:
                container, is_map, key, seen = {}, True, None, {}
            else:  # a list leaves `seen` as it is: the enclosing mapping's, unused until it returns
                container, is_map, key, count = [], False, None, 0
            continue
        else:
            documents = _other_event(ev, path, documents)
            if documents < 0:
                return
            continue
        # The value (a scalar, or a container just closed) goes into the innermost container.
        if not is_map:
            if streaming:
                count += 1
                yield ((stream_key, count - 1), value)  # streamed out, not kept
            else:
                assert isinstance(container, list)  # not a mapping: a list was opened
                container.append(value)
        elif key is None:
            if not isinstance(value, str):
                raise InputError(_problem(path, ev.start_mark, "a key must be plain text"))
            if value in seen:
                problem = _problem(path, ev.start_mark, f"duplicate key {value!r}{_first_at(seen[value])}")
                if problems is None:
                    raise InputError(problem)
                problems.append(problem)
                _skip_node(next_event)  # the first value stands; the rest of the file is still read
                continue
            seen[value] = ev.start_mark
            key = value
        elif depth == 1:
            entry, key = ((key,), value), None
            yield entry
        else:
            assert isinstance(container, dict)  # a mapping: is_map was set with it
            container[key] = value
            key = None


def _first_at(mark: Mark | None) -> str:
    """Where a duplicated key first appeared, for its message."""
    return "" if mark is None else f" (first at line {mark.line + 1})"


def _skip_node(next_event: Callable[[], Event | None]) -> None:
    """Read past one value (a scalar, or a whole mapping or list), building nothing."""
    depth = 0
    while True:
        ev = next_event()
        if isinstance(ev, CollectionStartEvent):
            depth += 1
        elif isinstance(ev, CollectionEndEvent):
            depth -= 1
        elif isinstance(ev, StreamEndEvent):
            return
        if depth == 0:
            return


def _other_event(ev: Event | None, path: str, documents: int) -> int:
    """The documents seen so far after an event that is neither a scalar nor a container; -1 at the end."""
    if isinstance(ev, AliasEvent):
        raise InputError(
            _problem(path, ev.start_mark, "aliases (*name) are not supported; write the value out")
        )
    if isinstance(ev, DocumentStartEvent):
        if documents >= 1:
            raise InputError(
                _problem(path, ev.start_mark, "one YAML document per file (remove the second ---)")
            )
        return documents + 1
    if isinstance(ev, StreamEndEvent) or ev is None:
        if documents == 0:
            raise InputError(Problem(path, 1, 1, _EMPTY_MESSAGE))
        return -1
    return documents


_TOP_MESSAGE = "the file must be a mapping of me:, policy: and interviews:"
_EMPTY_MESSAGE = "the file is empty (it needs me: or interviews:)"


def _tag_message(tag: str | None) -> str:
    return f"YAML tags such as {tag!r} are not allowed here (write plain values)"


def locate(text: str, wanted: set[tuple[Key, bool]]) -> dict[tuple[Key, bool], tuple[int, int]]:
    """Line and column (1-based) of each wanted key path: its key when the flag is set, else its value."""
    found: dict[tuple[Key, bool], tuple[int, int]] = {}
    with contextlib.suppress(yaml.YAMLError):  # a file broken further on: the places before the break
        _locate(text, wanted, found)
    return found


class _Open:  # a plain class, not a dataclass: dataclasses stays off the idle cron path (errors.Problem)
    """A container open while `_locate` reads: a mapping and its pending key, or a list and its count."""

    __slots__ = ("count", "is_map", "key", "path")

    def __init__(self, is_map: bool, path: Key) -> None:
        self.is_map = is_map
        self.path = path  # the container's own key path
        self.key: str | None = None  # a mapping's key whose value comes next; None while a key is awaited
        self.count = 0  # a list's items so far


def _locate(text: str, wanted: set[tuple[Key, bool]], found: dict[tuple[Key, bool], tuple[int, int]]) -> None:
    stack: list[_Open] = []
    for ev in yaml.parse(text, Loader=_Loader):
        if isinstance(ev, (ScalarEvent, CollectionStartEvent, AliasEvent)):
            here: Key = ()
            if stack:
                frame = stack[-1]
                if frame.is_map and frame.key is None:  # a key
                    if isinstance(ev, ScalarEvent) and ((*frame.path, ev.value), True) in wanted:
                        found.setdefault(((*frame.path, ev.value), True), _place(ev.start_mark))
                    frame.key = ev.value if isinstance(ev, ScalarEvent) else ""
                    continue
                if frame.is_map:
                    here, frame.key = (*frame.path, frame.key or ""), None
                else:
                    here, frame.count = (*frame.path, frame.count), frame.count + 1
            if (here, False) in wanted:
                # setdefault: under a duplicate key the first value is the one read
                found.setdefault((here, False), _place(ev.start_mark))
            if isinstance(ev, CollectionStartEvent):
                stack.append(_Open(isinstance(ev, MappingStartEvent), here))
        elif isinstance(ev, CollectionEndEvent):
            stack.pop()


def _place(mark: Mark | None) -> tuple[int, int]:
    """A mark's line and column, 1-based (libyaml marks every event; the start of the file otherwise)."""
    return (1, 1) if mark is None else (mark.line + 1, mark.column + 1)
