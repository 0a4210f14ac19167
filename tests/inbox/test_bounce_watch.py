"""Bounces while they matter: after a thank-you email goes, the mailbox (dovecot on 127.0.0.1) is looked
at every half hour at most, until the thank-you could no longer be sent again; a bounce is said once,
at the next run, and the check-in to that address is held. The idle run's wake-up note never sleeps
through a look that is due."""

from __future__ import annotations

import json
import os
import time
from datetime import datetime
from pathlib import Path

import pytest

from tests.inbox.mailbox import Mailbox, mailbox, thanked, work  # noqa: F401  (fixtures)
from tests.inbox.test_replies import FRIDAY, MONDAY, NORTHWIND, PANEL, check_ins_sent


def aged(folder: Path) -> None:
    """Every file of the workspace written a while ago, so that an idle run leaves its wake-up note
    (a file changed within the last two seconds could change again unseen: no note then)."""
    past = time.time() - 10
    for path in [folder, *folder.rglob("*")]:
        os.utime(path, (past, past))


def at(clock: str) -> str:
    """A time on Monday, the day the thank-yous went at 13:30."""
    return f"2026-11-23T{clock}:00-05:00"


def test_a_bounced_thank_you_is_said_within_half_an_hour_once_and_its_check_in_is_held(
    mailbox: Mailbox,  # noqa: F811
) -> None:
    mailbox.look()
    assert mailbox.send(at("13:40")) == (0, "", "")  # looked: nothing there yet
    mailbox.bounce(datetime.fromisoformat(at("13:45")))
    aged(mailbox.work)
    assert mailbox.send(at("13:55")) == (0, "", "")  # the next look is at 14:10
    assert (mailbox.work / "var" / "followup.db.wake").exists()  # an idle run: it left its wake-up note
    code, _, err = mailbox.send(at("14:15"))  # the wake-up note must not sleep past it
    assert code == 1
    assert err.startswith(
        f"bounced  thank-you to Priya Shah <{PANEL[0]}> ({NORTHWIND}): the server said 550 5.1.1"
    )
    assert (
        err.rstrip().endswith(f"correct the address in {mailbox.work / 'interviews.yaml'}")
        and err.count("\n") == 1
    )
    assert mailbox.send(at("14:50")) == (0, "", "")  # said once
    mailbox.shut()  # what happened is in the ledger now
    plan = mailbox.plan(at("15:00"))  # no check-in due: the mailbox is not read
    assert plan[f"{NORTHWIND}/check-in"]["state"] == "bounced"  # not `scheduled` to an address that bounced
    mailbox.look()

    assert mailbox.run("status", "--json", now=at("14:55")) == 0
    rows = {row["key"]: row for row in json.loads(mailbox.capsys.readouterr().out)}
    assert rows[f"{NORTHWIND}/thank-you/{PANEL[0]}"]["state"] == "bounced"
    plan = mailbox.plan(FRIDAY)
    assert plan[f"{NORTHWIND}/thank-you/{PANEL[0]}"]["state"] == "bounced"
    assert plan[f"{NORTHWIND}/check-in"]["state"] == "bounced"  # held: it would bounce too
    assert mailbox.run("calendar", "--output", "-", now=FRIDAY) == 0
    calendar = mailbox.capsys.readouterr().out.replace("\r\n ", "")  # unfolded
    assert f"thank-you email to Priya Shah <{PANEL[0]}> came back undelivered (bounced)" in calendar
    assert "Correct the address in" in calendar
    assert mailbox.send(FRIDAY)[0] == 0
    assert PANEL[0] not in check_ins_sent(mailbox.smtp)


def test_the_mailbox_is_not_opened_for_bounces_once_the_thank_you_could_not_go_again(
    mailbox: Mailbox,  # noqa: F811
) -> None:
    mailbox.shut()  # nothing answers: a look would say so
    code, _, err = mailbox.send(at("13:40"))
    assert code == 0 and err.startswith("bounces  cannot look for bounces") and err.count("\n") == 1
    assert mailbox.send(at("14:20")) == (0, "", "")  # the same reason: said once
    # Thursday: every thank-you of Monday is past its expiry, no check-in is due: no look, no line
    assert mailbox.send("2026-11-26T10:00:00-05:00") == (0, "", "")
    assert MONDAY  # the thank-yous went then (the fixture)


FIXED = "priya.shah@northwind-traders.example"


@pytest.mark.parametrize(
    ("fixed_at", "goes"),
    [(at("16:00"), True), ("2026-11-30T12:00:00-05:00", False)],  # past the policy's days after it
    ids=["corrected the same afternoon: the thank-you goes", "corrected past its expiry: it does not"],
)
def test_a_corrected_address_sends_the_bounced_thank_you_while_it_is_timely_and_the_check_in_follows(
    fixed_at: str,
    goes: bool,
    mailbox: Mailbox,  # noqa: F811
) -> None:
    mailbox.bounce(datetime.fromisoformat(at("13:45")))
    mailbox.look()
    assert mailbox.send(at("14:00"))[0] == 1  # the bounce, said
    data = mailbox.work / "interviews.yaml"
    data.write_text(data.read_text().replace(PANEL[0], FIXED))
    code, _, _ = mailbox.send(fixed_at)
    assert code == 0
    assert (FIXED in mailbox.recipients()) is goes
    if goes:
        plan = mailbox.plan(FRIDAY)
        assert plan[f"{NORTHWIND}/thank-you/{FIXED}"]["state"] == "sent"
        assert mailbox.send(FRIDAY)[0] == 0
        assert FIXED in check_ins_sent(mailbox.smtp) and PANEL[0] not in check_ins_sent(mailbox.smtp)
