"""One ledger per set of interviews, however the data is reached: a real send whose interviews another
ledger records (the same file through a hard link or another path, or a copy of interviews it already
sent) or whose ledger was last used with other data is refused with one line (exit 2), until the user
says with `send --new-ledger` that this ledger is the one. The registry of ledgers is registry.py.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from batch.errors import FollowUpError, InputError
from batch.ledger.reads import read_entries
from batch.ledger.registry import Use, data_identities, file_ids, live, read_uses, sent_identities, write_uses
from batch.model.keys import is_self_test
from batch.model.twins import start_key

if TYPE_CHECKING:
    from batch.model.interview import Dataset


def registry_path(env: Mapping[str, str]) -> Path:
    """The registry of ledgers: followup/ledgers.json in your state folder (XDG_STATE_HOME, else
    ~/.local/state), one for every workspace of yours on this machine."""
    base = env.get("XDG_STATE_HOME") or ""
    folder = Path(base) if os.path.isabs(base) else Path(env.get("HOME") or Path.home()) / ".local" / "state"
    return folder / "followup" / "ledgers.json"


def refuse_another_ledger(registry: Path, state: Path, data: Dataset, acknowledged: bool) -> None:
    """Stop a real send whose interviews another ledger records, or whose ledger was last used with other
    data; `acknowledged` (send --new-ledger) makes this ledger the one for this data from now on."""
    me = os.path.realpath(state)
    paths, inodes = file_ids(Path(name) for name in data.files)
    people = data_identities(
        (i.company, start_key(i), p.email or "") for i in data.interviews for p in i.interviewers
    )
    uses = live(read_uses(registry))
    own = uses.get(me, Use())
    test = is_self_test(data.interviews, data.me.email)  # letters to yourself: on any copy, any ledger
    if test and own.data:
        raise InputError(
            f"{state}: every email of this data goes to you, a test, and this is the ledger of your real "
            f"data ({own.data[0]}): nothing sent; leave --state out (a test is recorded in var/test.db "
            "beside the data) or name a ledger of its own"
        )
    clashes = _clashes(me, own._replace(data=()) if test else own, paths, inodes, people, uses)
    if clashes and not acknowledged:
        raise InputError(
            f"{state}: {clashes[0][1]}: nothing sent, as the same interviews would be sent twice (run where "
            "that ledger is, or name it with --state; if this ledger is the one to use from now on, say so "
            "once with followup send --new-ledger, or make send ARGS=--new-ledger)"
        )
    over = tuple(sorted({*own.over, *(ledger for ledger, _ in clashes if ledger != me)}))
    if test:  # the data it is used with stays the real one
        paths, inodes = (own.data, own.files) if own.data else ((), ())
    uses[me] = Use(paths, inodes, _sent(state, own), over)
    if uses[me] != own:
        write_uses(registry, uses)


def _clashes(
    me: str, own: Use, paths: tuple[str, ...], inodes: tuple[str, ...], people: set[str], uses: dict[str, Use]
) -> list[tuple[str, str]]:
    """(the other ledger, what it says) for each ledger that records these interviews besides this one,
    and this one if it was last used with other data."""
    found = []
    for ledger, use in sorted(uses.items()):
        if ledger == me or ledger in own.over:
            continue
        if set(use.data) & set(paths) or set(use.files) & set(inodes):  # the same file, or a hard link to it
            found.append((ledger, f"the ledger {ledger} records this same data (as {use.data[0]})"))
        elif sent := len(set(use.sent) & people):
            said = f"the ledger {ledger} already sent these interviews' follow-ups to {sent} of the people"
            found.append((ledger, said + " (is this a copy of that data?)"))
    if _elsewhere(own, paths, inodes, people):
        found.append((me, f"this ledger was last used with other data ({', '.join(own.data)})"))
    return found


def _elsewhere(own: Use, paths: tuple[str, ...], inodes: tuple[str, ...], people: set[str]) -> bool:
    """Whether this ledger belongs to other data: last used with other files, it sent follow-ups and none
    of them to these interviews (a --state naming another job search's ledger). Data renamed or split
    into files keeps some interview the ledger sent, and goes on."""
    if not own.data or set(own.data) & set(paths) or set(own.files) & set(inodes):
        return False
    return bool(own.sent) and not set(own.sent) & people


def record_sent(registry: Path, state: Path) -> None:
    """Note in the registry what this ledger has delivered, by the interviews' identity (after a send)."""
    me = os.path.realpath(state)
    uses = read_uses(registry)
    own = uses.get(me, Use())
    sent = _sent(state, own)
    if sent != own.sent:
        uses[me] = own._replace(sent=sent)
        write_uses(registry, live(uses))


def _sent(state: Path, own: Use) -> tuple[str, ...]:
    """The identities of what the ledger delivered; what the registry said when it cannot be read (the
    send itself says what is wrong with it)."""
    try:
        return tuple(sorted(sent_identities(read_entries(state))))
    except FollowUpError:
        return own.sent
