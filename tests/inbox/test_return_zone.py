"""A time moved by an out-of-office carries its zone's name, as every time a person sees does: on the
run that found it and on every run after, which read it back from the ledger (dovecot on 127.0.0.1)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.inbox.test_replies import (  # noqa: F401  (work and thanked are fixtures)
    NORTHWIND,
    PANEL,
    deliver,
    run,
    sample,
    send_lines,
    thank_you_id,
    thanked,
    use_imap,
    work,
)
from tests.servers import ImapServer, SmtpServer

LATER = "2026-11-30T10:30:00-05:00"  # a run after the return was noted: the mailbox is not read again


def test_a_check_in_moved_to_a_return_date_shows_its_zone_name_on_later_runs(
    work: Path,  # noqa: F811
    thanked: SmtpServer,  # noqa: F811
    imap_server: ImapServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    deliver(imap_server, sample("ooo-outlook-en.eml", thank_you_id(work, PANEL[0])))
    use_imap(monkeypatch, imap_server)
    assert send_lines(work, capsys)[0] == 0  # the return is noted in the ledger
    for now in ("2026-11-27T10:45:00-05:00", LATER):
        capsys.readouterr()
        assert run(work, "plan", now=now) == 0
        out = capsys.readouterr().out.splitlines()
        [line] = [line for line in out if "check-in" in line and "Priya Shah" in line and NORTHWIND in line]
        assert line.startswith("Tue 08 Dec 10:00 EST "), line  # the plan table (w23: no year)
        assert not re.search(r"UTC[+-]\d", line), line
    assert run(work, "plan", "--json", now=LATER) == 0
    row = {r["key"]: r for r in json.loads(capsys.readouterr().out)}[f"{NORTHWIND}/check-in"]
    assert row["due_at"] == "2026-12-08T10:00:00-05:00"
