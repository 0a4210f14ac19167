"""Which ledger records which interviews: a small file of yours (`followup/ledgers.json` in your state
folder) that every real send reads and updates, so that one set of interviews is never sent from two
ledgers.

A ledger lives beside its data, but the same data can be reached from another folder: a hard link, a
copy of the file, a `--state` pointing at another ledger. Each ledger's line says the data it was last
used with (each file's resolved path and its device and inode, which a hard link shares) and what it
delivered, by the interviews' identity (company, day of the start, recipient: twins.py), hashed, so the
file names no one. A run whose data another live ledger records, or whose ledger was last used with
other data, is refused by the CLI (ledgerplace.py) until the user says which ledger is the one.
"""

from __future__ import annotations

import binascii
import contextlib
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import NamedTuple

from batch.ledger.private import make_folder, write_file
from batch.ledger.schema import Entry
from batch.model.keys import DELIVERED, address_key, company_key
from batch.model.twins import near_days


class Use(NamedTuple):
    """What the file says of one ledger: the data it was last used with, what it delivered."""

    data: tuple[str, ...] = ()  # each data file's resolved path
    files: tuple[str, ...] = ()  # each data file's "device:inode"
    sent: tuple[str, ...] = ()  # the identities of what it delivered (hashed)
    over: tuple[str, ...] = ()  # other ledgers the user said this one replaces (send --new-ledger)


def identity(company: str, start: str, who: str) -> str:
    """One interview's person as the registry knows them: company, day of the start, address (or
    name), hashed so that the file names no one."""
    text = "\0".join((company_key(company), start[:10], who)).encode("utf-8")
    # two CRC-32s (forwards, backwards) make 64 bits: no collision among a job search's few hundred
    # people in practice, and binascii is built in where hashlib would load OpenSSL (~3 ms) on a cron run
    return f"{binascii.crc32(text):08x}{binascii.crc32(text[::-1]):08x}"


def data_identities(people: Iterable[tuple[str, str, str]]) -> set[str]:
    """The identities of (company, start, email) of each person of the data that mail goes to, on the
    day of the start and the days either side (a copy whose start was corrected is the same interview,
    as twins.py has it)."""
    return {
        identity(company, day, address_key(email))
        for company, start, email in people
        if email
        for day in near_days([start])
    }


def sent_identities(entries: Iterable[Entry]) -> set[str]:
    """The identities of the emails a ledger delivered (a reminder went to you, not to them; rows from
    before the ledger kept the company have none)."""
    return {
        identity(e.company, e.start, address_key(e.recipient))
        for e in entries
        if e.state in DELIVERED and e.method == "email" and e.recipient and e.company and e.start
    }


def file_ids(paths: Iterable[Path]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(resolved paths, device:inode) of the data files (one that cannot be looked at has no inode)."""
    resolved, inodes = [], []
    for path in paths:
        resolved.append(os.path.realpath(path))
        with contextlib.suppress(OSError):
            info = os.stat(path)
            inodes.append(f"{info.st_dev}:{info.st_ino}")
    return tuple(sorted(resolved)), tuple(sorted(inodes))


def read_uses(path: Path) -> dict[str, Use]:
    """Every ledger the file knows, by its resolved path; an absent or damaged file knows none (it is
    written again whole on the next real send)."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    uses: dict[str, Use] = {}
    if not isinstance(raw, dict):
        return uses
    for ledger, line in raw.items():
        if isinstance(line, dict):
            fields = {name: line.get(name, []) for name in Use._fields}
            if all(isinstance(v, list) and all(isinstance(x, str) for x in v) for v in fields.values()):
                uses[str(ledger)] = Use(**{name: tuple(value) for name, value in fields.items()})
    return uses


def write_uses(path: Path, uses: Mapping[str, Use]) -> None:
    """Write the file whole (readable by you alone); best effort: a state folder that cannot be written
    leaves the check to the next run that can."""
    text = json.dumps({ledger: use._asdict() for ledger, use in sorted(uses.items())}, indent=1)
    with contextlib.suppress(OSError):
        make_folder(path.parent)
        write_file(path, text.encode("utf-8"))


def live(uses: Mapping[str, Use]) -> dict[str, Use]:
    """The uses whose ledger is still there and in use: one deleted, or moved into a workspace by `init
    --from` (its note beside it refuses every run there), sends nothing any more."""
    return {
        ledger: use
        for ledger, use in uses.items()
        if os.path.exists(ledger) and not os.path.exists(ledger + ".moved")
    }
