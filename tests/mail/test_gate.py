"""The working-hours gate made at the moment of sending, pinned at its edges through the real send path.

Each case plans at one moment (`now`, when the follow-up is due) and lets the gate see another (the run's
clock, as when a long batch or a slow server carries a message past the edge): the message reaches the
aiosmtpd server on 127.0.0.1 only when the clock's moment lies inside the working hours of the place
the gate looks at (the recipient's for an email, yours for a reminder), to the second.
"""

from __future__ import annotations

import email
import email.policy
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest

from batch.account.settings import mail_settings
from batch.data.load import load
from batch.mail.deliver import send_due
from batch.mail.transport import Smtp
from tests.servers import SmtpServer, smtp_env

# You are in Paris; Léa reads her mail in Toronto (six hours behind in December and in July).
DATA = """\
me:
  name: Sam Rivera
  email: sam.rivera@example.com
  phone: "+1 416 555 0142"
  timezone: Europe/Paris
interviews:
  - id: gate
    company: Northwind Traders
    role: Data Analyst
    start: {start}
    duration: 45m
    timezone: America/Toronto
    interviewers:
      - name: Léa Martin
        email: lea.martin@northwind.example
        method: {method}
        phone: "+1 647 555 0188"
        topics: [the churn dashboard]
"""


def run_gate(tmp: Path, server: SmtpServer, start: str, method: str, plan_at: str, gate_at: str) -> str:
    """Plan at `plan_at`, let the gate see `gate_at`, send for real: the outcome's state."""
    path = tmp / "interviews.yaml"
    path.write_text(DATA.format(start=start, method=method), encoding="utf-8")
    data = load([path])
    smtp, _ = mail_settings(smtp_env(server))
    assert smtp is not None
    gate = datetime.fromisoformat(gate_at)
    result = send_due(data, datetime.fromisoformat(plan_at), state=tmp / "followup.db",
                      transport=lambda: Smtp(smtp), dry_run=False, clock=lambda: gate, env={})  # fmt: skip
    assert len(result.outcomes) == 1, result.outcomes
    state = result.outcomes[0].state
    assert (state == "sent") == (len(server.received) == 1), (state, server.received)
    return state


# (what is pinned, interview start in Toronto, method, planned at, the gate's moment, expected)
# A same-day thank-you falls due an hour after the interview ends; the interview is dated so it is due
# at `planned at`. An email's gate is Toronto's; a voicemail reminder's is yours (Paris).
CASES = [
    ("their window's end is exclusive", "2026-12-03 16:00", "email",
     "2026-12-03T17:59:00-05:00", "2026-12-03T18:00:00-05:00", "waiting"),
    ("their window's last second is open", "2026-12-03 16:00", "email",
     "2026-12-03T17:59:00-05:00", "2026-12-03T17:59:59-05:00", "sent"),
    ("their window's start is inclusive", "2026-12-03 06:00", "email",
     "2026-12-03T08:00:00-05:00", "2026-12-03T08:00:00-05:00", "sent"),
    ("the second before their window opens is closed", "2026-12-03 06:00", "email",
     "2026-12-03T08:00:00-05:00", "2026-12-03T07:59:59-05:00", "waiting"),
    ("their Saturday is closed though their clock says 10:00", "2026-12-04 15:00", "email",
     "2026-12-04T17:00:00-05:00", "2026-12-05T10:00:00-05:00", "waiting"),
    ("their public holiday is closed (Christmas, Friday)", "2026-12-24 15:00", "email",
     "2026-12-24T17:00:00-05:00", "2026-12-25T10:00:00-05:00", "waiting"),
    ("their province's own holiday is closed (Family Day in Ontario)",
     "2027-02-12 15:00", "email", "2027-02-12T17:00:00-05:00", "2027-02-15T10:00:00-05:00", "waiting"),
    ("an email goes by their clock when yours is closed (22:00 in Paris)", "2026-12-03 14:00", "email",
     "2026-12-03T16:00:00-05:00", "2026-12-03T16:00:00-05:00", "sent"),
    ("an email waits by their clock when yours is open (13:59 in Paris)", "2026-12-03 06:00", "email",
     "2026-12-03T08:00:00-05:00", "2026-12-03T07:59:00-05:00", "waiting"),
    ("your reminder's window ends at 18:00:00 in Paris", "2026-12-03 08:00", "voicemail",
     "2026-12-03T11:59:00-05:00", "2026-12-03T12:00:00-05:00", "waiting"),
    ("your reminder's last second is 17:59:59 in Paris", "2026-12-03 08:00", "voicemail",
     "2026-12-03T11:59:00-05:00", "2026-12-03T11:59:59-05:00", "sent"),
    ("your reminder opens at 08:00:00 in Paris", "2026-12-02 16:00", "voicemail",
     "2026-12-03T02:00:00-05:00", "2026-12-03T02:00:00-05:00", "sent"),
    ("your reminder is closed at 07:59:59 in Paris", "2026-12-02 16:00", "voicemail",
     "2026-12-03T02:00:00-05:00", "2026-12-03T01:59:59-05:00", "waiting"),
    ("your Saturday closes your reminder", "2026-12-04 08:00", "voicemail",
     "2026-12-04T11:00:00-05:00", "2026-12-05T04:00:00-05:00", "waiting"),
    ("your public holiday closes your reminder (Christmas in Paris)", "2026-12-24 08:00", "voicemail",
     "2026-12-24T11:00:00-05:00", "2026-12-25T04:00:00-05:00", "waiting"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("start", "method", "plan_at", "gate_at", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_the_gate_at_the_moment_of_sending_holds_each_edge_of_the_working_window(
    tmp_path: Path,
    smtp_server: SmtpServer,
    start: str,
    method: str,
    plan_at: str,
    gate_at: str,
    expected: str,
) -> None:
    assert run_gate(tmp_path, smtp_server, start, method, plan_at, gate_at) == expected


def test_a_message_let_through_the_gate_is_dated_inside_its_window(
    tmp_path: Path, smtp_server: SmtpServer
) -> None:
    run_gate(tmp_path, smtp_server, "2026-12-03 16:00", "email",
             "2026-12-03T17:59:00-05:00", "2026-12-03T17:59:59-05:00")  # fmt: skip
    message = email.message_from_bytes(smtp_server.received[0].data, policy=email.policy.default)
    assert message["Date"] == "Thu, 03 Dec 2026 23:59:59 +0100"  # your zone, the gate's very moment


def test_the_edge_passed_while_the_claim_was_taken_holds_the_message_back(
    tmp_path: Path, smtp_server: SmtpServer
) -> None:
    """The clock reads 17:59:59 in Toronto until the claim is in the ledger, then 18:00:00: the gate made
    right before the message is handed over sees the closed window, and the claim is let go."""
    path, state = tmp_path / "interviews.yaml", tmp_path / "followup.db"
    path.write_text(DATA.format(start="2026-12-03 16:00", method="email"), encoding="utf-8")
    inside, outside = (datetime.fromisoformat(f"2026-12-03T{t}-05:00") for t in ("17:59:59", "18:00:00"))

    def clock() -> datetime:
        if not state.exists():
            return inside
        db = sqlite3.connect(state)
        try:
            claimed = db.execute("SELECT count(*) FROM deliveries WHERE state = 'sending'").fetchone()[0]
        finally:
            db.close()
        return outside if claimed else inside

    smtp, _ = mail_settings(smtp_env(smtp_server))
    assert smtp is not None
    result = send_due(load([path]), inside, state=state, transport=lambda: Smtp(smtp), dry_run=False,
                      clock=clock, env={})  # fmt: skip
    assert [o.state for o in result.outcomes] == ["waiting"]
    assert smtp_server.received == []
    db = sqlite3.connect(state)
    try:
        assert db.execute("SELECT count(*) FROM deliveries").fetchone()[0] == 0  # released: never claimed
    finally:
        db.close()
