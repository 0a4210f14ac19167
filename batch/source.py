"""Read YAML into plain values straight from libyaml's event stream.

No node graph is built: that is where PyYAML spends most of its time and memory. Scalars stay
strings (the schema in `model` gives them their types), so `no` is never a boolean and `1.10`
never a float. Duplicate keys, aliases and tags, which PyYAML accepts or acts on, are refused here
with their line and column. Places of values are found again only when something is wrong.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import yaml

from .errors import InputError, Problem

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SAFE_TAGS = frozenset({None, "!", "tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"})
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
Key = tuple[str | int, ...]

_HINTS = {
    "found character '\\t' that cannot start any token": "YAML indents with spaces, not tabs",
    "found a tab character where an indentation space is expected": "indent with spaces",
    "mapping values are not allowed here": "is a colon missing a space, or a value unquoted?",
}


def read_text(path: Path) -> str:
    """The file's text, or an InputError that says where it is not UTF-8."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(Problem(str(path), 1, 1, f"cannot read: {exc.strerror}")) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        raise InputError(Problem(str(path), line, col, "not UTF-8 text (save the file as UTF-8)")) from None


def _problem(path: str, mark: yaml.Mark | None, message: str) -> Problem:
    if mark is None:
        return Problem(path, 1, 1, message)
    return Problem(path, mark.line + 1, mark.column + 1, message)


def _parse_error(path: str, exc: yaml.YAMLError) -> InputError:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    hint = _HINTS.get(problem)
    message = f"YAML syntax: {problem}" + (f" ({hint})" if hint else "")
    if isinstance(exc, yaml.reader.ReaderError):
        message = "the file holds a character YAML does not allow (is it a text file?)"
    return InputError(_problem(path, mark, message))


def iter_entries(text: str, path: str, stream_key: str = "interviews") -> Iterator[tuple[Key, object]]:
    """Yield (key path, value) for each top-level entry; items of `stream_key` one by one.

    Only the item being read is held in memory, so a file of any length costs the size of its
    largest item.
    """
    try:
        yield from _build(yaml.parse(text, Loader=_Loader), path, stream_key)
    except yaml.YAMLError as exc:
        raise _parse_error(path, exc) from None


def _build(events: Iterator[yaml.Event], path: str, stream_key: str) -> Iterator[tuple[Key, object]]:
    # A mapping's frame: [dict, pending key or None, key -> line of first use, own key path];
    # a sequence's: [list, items so far, None, own key path].
    stack: list[list] = []
    documents = 0
    for ev in events:
        kind = type(ev)
        if kind is yaml.ScalarEvent:
            if ev.tag not in _SAFE_TAGS:
                raise InputError(_problem(path, ev.start_mark, _tag_message(ev.tag)))
            value = None if ev.style is None and ev.value in _NULLS else ev.value
            if not stack:
                raise InputError(_problem(path, ev.start_mark, _TOP_MESSAGE))
            item = _attach(stack, value, ev, path, stream_key)
            if item is not None:
                yield item
        elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
            if ev.tag not in _SAFE_TAGS:
                raise InputError(_problem(path, ev.start_mark, _tag_message(ev.tag)))
            if not stack and kind is not yaml.MappingStartEvent:
                raise InputError(_problem(path, ev.start_mark, _TOP_MESSAGE))
            if stack and stack[-1][1] is None and isinstance(stack[-1][0], dict):
                raise InputError(_problem(path, ev.start_mark, "a key must be plain text"))
            own = _child_key(stack) if stack else ()
            if kind is yaml.MappingStartEvent:
                stack.append([{}, None, {}, own])
            else:
                stack.append([[], 0, None, own])
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            frame = stack.pop()
            if stack:
                item = _attach(stack, frame[0], ev, path, stream_key)
                if item is not None:
                    yield item
        elif kind is yaml.AliasEvent:
            raise InputError(
                _problem(path, ev.start_mark, "aliases (*name) are not supported; write the value out")
            )
        elif kind is yaml.DocumentStartEvent:
            documents += 1
            if documents > 1:
                raise InputError(
                    _problem(path, ev.start_mark, "one YAML document per file (remove the second ---)")
                )
        elif kind is yaml.StreamEndEvent and documents == 0:
            raise InputError(Problem(path, 1, 1, "the file is empty (it needs me: or interviews:)"))


_TOP_MESSAGE = "the file must be a mapping of me:, policy: and interviews:"


def _tag_message(tag: str) -> str:
    return f"YAML tags such as {tag!r} are not allowed here (write plain values)"


def _child_key(stack: list[list]) -> Key:
    parent = stack[-1]
    return (*parent[3], parent[1])


def _attach(
    stack: list[list], value: object, ev: yaml.Event, path: str, stream_key: str
) -> tuple[Key, object] | None:
    frame = stack[-1]
    container = frame[0]
    if isinstance(container, list):
        frame[1] += 1
        if len(stack) == 2 and frame[3] == (stream_key,):
            return ((stream_key, frame[1] - 1), value)  # streamed out, not kept
        container.append(value)
        return None
    key = frame[1]
    if key is None:
        if not isinstance(value, str):
            raise InputError(_problem(path, ev.start_mark, "a key must be plain text"))
        seen = frame[2]
        if value in seen:
            raise InputError(
                _problem(path, ev.start_mark, f"duplicate key {value!r} (first at line {seen[value]})")
            )
        seen[value] = ev.start_mark.line + 1
        frame[1] = value
        return None
    frame[1] = None
    if len(stack) == 1:
        return ((key,), value)
    container[key] = value
    return None


def locate(text: str, wanted: set[tuple[Key, bool]]) -> dict[tuple[Key, bool], tuple[int, int]]:
    """Line and column (1-based) of each wanted key path: its key when the flag is set, else its value."""
    found: dict[tuple[Key, bool], tuple[int, int]] = {}
    stack: list[list] = []  # [is_mapping, pending key or count, own key path]
    for ev in yaml.parse(text, Loader=_Loader):
        kind = type(ev)
        if kind in (
            yaml.ScalarEvent,
            yaml.MappingStartEvent,
            yaml.SequenceStartEvent,
            yaml.AliasEvent,
        ):
            here: Key = ()
            if stack:
                frame = stack[-1]
                if frame[0] and frame[1] is None:  # a key
                    key_path = (*frame[2], ev.value) if kind is yaml.ScalarEvent else None
                    if key_path is not None and (key_path, True) in wanted:
                        found[(key_path, True)] = (ev.start_mark.line + 1, ev.start_mark.column + 1)
                    frame[1] = ev.value if kind is yaml.ScalarEvent else ""
                    continue
                here = (*frame[2], frame[1])
                if frame[0]:
                    frame[1] = None
                else:
                    frame[1] += 1
            if (here, False) in wanted:
                found[(here, False)] = (ev.start_mark.line + 1, ev.start_mark.column + 1)
            if kind is yaml.MappingStartEvent:
                stack.append([True, None, here])
            elif kind is yaml.SequenceStartEvent:
                stack.append([False, 0, here])
        elif kind in (yaml.MappingEndEvent, yaml.SequenceEndEvent):
            stack.pop()
    return found
