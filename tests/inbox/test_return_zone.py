"""A time moved by an out-of-office carries its zone's name, as every time a person sees does: on the
run that found it and on every run after, which read it back from the ledger (dovecot on 127.0.0.1)."""

from __future__ import annotations

import re

from tests.inbox.mailbox import Mailbox, mailbox, thanked, work  # noqa: F401  (fixtures)
from tests.inbox.test_replies import NORTHWIND

LATER = "2026-11-30T10:30:00-05:00"  # a run after the return was noted: the mailbox is not read again


def test_a_check_in_moved_to_a_return_date_shows_its_zone_name_on_later_runs(
    mailbox: Mailbox,  # noqa: F811
) -> None:
    mailbox.put_sample("ooo-outlook-en.eml")
    mailbox.look()
    assert mailbox.send()[0] == 0  # the return is noted in the ledger
    for now in ("2026-11-27T10:45:00-05:00", LATER):
        mailbox.capsys.readouterr()
        assert mailbox.run("plan", now=now) == 0
        out = mailbox.capsys.readouterr().out.splitlines()
        [line] = [line for line in out if "check-in" in line and "Priya Shah" in line and NORTHWIND in line]
        assert line.startswith("Tue 08 Dec 10:00 EST "), line  # the plan table (w23: no year)
        assert not re.search(r"UTC[+-]\d", line), line
    row = mailbox.plan(LATER)[f"{NORTHWIND}/check-in"]
    assert row["due_at"] == "2026-12-08T10:00:00-05:00"
