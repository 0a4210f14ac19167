"""A month of cron, every 15 minutes, for a user who travels and for a panel spread over four countries:
every message that reaches the aiosmtpd server on 127.0.0.1 is dated inside its recipient's working
hours, by their clock and their public holidays (yours, for a reminder to you, wherever you are then).

The calendars the messages are held to come straight from the `holidays` package, not from the job.
"""

from __future__ import annotations

import email
import email.policy
import sqlite3
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import pytest

from batch.cli.main import main
from tests.servers import SmtpServer, use_smtp
from tests.stamps import unstamped

ME = "sam.rivera@example.com"
STEP = timedelta(minutes=15)
pytestmark = pytest.mark.slow  # two months of cron, a minute or so each


@cache
def days_off(country: str, subdivision: str | None, year: int) -> holidays.HolidayBase:
    return holidays.country_holidays(country, subdiv=subdivision, years=year)


def is_working_moment(moment: datetime, zone: str, country: str, subdivision: str | None) -> bool:
    """Whether that moment is inside 08:00-18:00 on a weekday that is no public holiday there."""
    local = moment.astimezone(ZoneInfo(zone))
    return (
        time(8) <= local.time() < time(18)
        and local.weekday() < 5
        and local.date() not in days_off(country, subdivision, local.year)
    )


def simulate(
    tmp_path: Path, first: datetime, days: int, edits: dict[datetime, Callable[[Path], None]]
) -> list[tuple[datetime, int]]:
    """`followup send` every 15 minutes with --now stepping (the edits made at their moments): each run's
    moment and exit code."""
    data, state = tmp_path / "interviews.yaml", tmp_path / "var" / "followup.db"
    runs = []
    pending = sorted(edits.items())
    moment = first
    while moment < first + timedelta(days=days):
        while pending and pending[0][0] <= moment:
            pending.pop(0)[1](data)
        code = main(["--data", str(data), "--state", str(state), "--now", moment.isoformat(), "send"])
        runs.append((moment, code))
        moment += STEP
    return runs


def received(server: SmtpServer) -> list[email.message.EmailMessage]:
    return [
        email.message_from_bytes(r.data, policy=email.policy.default)  # type: ignore[misc]
        for r in server.received
    ]


def ledger_states(tmp_path: Path) -> list[str]:
    db = sqlite3.connect(tmp_path / "var" / "followup.db")
    try:
        return [state for (state,) in db.execute("SELECT state FROM deliveries")]
    finally:
        db.close()


# --- travelling ------------------------------------------------------------------------------------------

TRAVEL = """\
me:
  name: Sam Rivera
  email: sam.rivera@example.com
  phone: "+1 514 555 0142"
  timezone: {timezone}
{home}
interviews:
  - id: northwind-analyst
    company: Northwind Traders
    role: Data Analyst
    start: 2026-11-24 14:00
    duration: 45m
    decision_by: 2026-12-04
    interviewers:
      - name: Marc Roy
        email: marc.roy@northwind.example
        topics: [the churn dashboard]
  - id: contoso-engineer
    company: Contoso
    role: Data Engineer
    start: 2026-12-07 11:00
    delay: next-day
    interviewers:
      - name: Dana Wu
        email: dana.wu@contoso.example
        timezone: America/Los_Angeles
        topics: [the nightly load]
{added}"""

ADDED = """\
  - id: fabrikam-analyst
    company: Fabrikam
    role: Product Analyst
    start: 2026-12-09 10:00
    duration: 30m
    method: voicemail
    interviewers:
      - name: Jordan Blake
        phone: "+1 647 555 0188"
        topics: [the product metrics]
  - id: lyon-analyst
    company: Tailspin Toys
    role: Analyst
    start: 2026-12-10 15:00
    timezone: Europe/Paris
    interviewers:
      - name: Claire Petit
        email: claire.petit@tailspin.example
        topics: [the pricing model]
"""


def travel_data(timezone: str, home: str | None = None, added: bool = False) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        text = TRAVEL.format(
            timezone=timezone, home=f"  home: {home}" if home else "", added=ADDED if added else ""
        )
        path.write_text(text, encoding="utf-8")

    return write


TORONTO, PARIS = ZoneInfo("America/Toronto"), ZoneInfo("Europe/Paris")
LEAVES = datetime(2026, 12, 6, 20, 0, tzinfo=TORONTO)  # sets me.timezone: Europe/Paris, nothing else
SEES_IT = datetime(2026, 12, 8, 7, 0, tzinfo=TORONTO)  # reads the refusal, sets me.home
ADDS = datetime(2026, 12, 9, 9, 0, tzinfo=TORONTO)  # adds two interviews from Paris
BACK = datetime(2026, 12, 14, 18, 0, tzinfo=TORONTO)  # home again: me.timezone back, home kept

# Where each address reads mail: zone and holiday calendar (Montréal's people keep Quebec's through
# the zone America/Toronto, which the job places in Ontario: Ontario's and Quebec's do not differ in
# this month)
READERS = {
    "marc.roy@northwind.example": ("America/Toronto", "CA", "ON"),
    "dana.wu@contoso.example": ("America/Los_Angeles", "US", "CA"),
    "claire.petit@tailspin.example": ("Europe/Paris", "FR", None),
}


def where_i_am(moment: datetime) -> tuple[str, str, str | None]:
    if LEAVES <= moment < BACK:
        return "Europe/Paris", "FR", None
    return "America/Toronto", "CA", "ON"


def test_a_month_of_cron_with_a_week_abroad_keeps_everyone_elses_mail_in_their_hours(
    tmp_path: Path,
    smtp_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    use_smtp(monkeypatch, smtp_server)
    edits = {
        datetime(2026, 11, 20, tzinfo=TORONTO): travel_data("America/Toronto"),
        LEAVES: travel_data("Europe/Paris"),
        SEES_IT: travel_data("Europe/Paris", home="America/Toronto"),
        ADDS: travel_data("Europe/Paris", home="America/Toronto", added=True),
        BACK: travel_data("America/Toronto", home="America/Toronto", added=True),
    }
    runs = simulate(tmp_path, datetime(2026, 11, 23, 0, 0, tzinfo=TORONTO), 30, edits)
    err = unstamped(capsys.readouterr().err)

    messages = received(smtp_server)
    for message in messages:
        sent = message["Date"].datetime
        to = message["To"].addresses[0].addr_spec
        reader = where_i_am(sent) if to == ME else READERS[to]
        assert is_working_moment(sent, *reader), (to, message["Subject"], sent, reader)
        mine = ZoneInfo(where_i_am(sent)[0])
        # the Date header: where I am
        assert sent.utcoffset() == sent.astimezone(mine).utcoffset(), (message["Date"], mine)
    assert sorted(m["To"].addresses[0].addr_spec for m in messages) == sorted([
        "marc.roy@northwind.example", "marc.roy@northwind.example",  # thank-you, then check-in
        "dana.wu@contoso.example", ME, "claire.petit@tailspin.example",  # ME: the voicemail reminder
    ])  # fmt: skip
    assert len({m["Message-ID"] for m in messages}) == len(messages)
    assert set(ledger_states(tmp_path)) == {"sent"}
    refused = [moment for moment, code in runs if code == 2]
    assert refused and all(LEAVES <= moment < SEES_IT for moment in refused)  # until me.home was set
    assert all(code == 0 for moment, code in runs if not LEAVES <= moment < SEES_IT)
    assert "northwind-analyst names no timezone: and was planned in America/Toronto" in err
    check_in = next(m for m in messages if "marc.roy" in m["To"] and m["In-Reply-To"])
    assert check_in["Date"].datetime.astimezone(TORONTO).strftime("%a %d %b %H") == "Tue 08 Dec 10"


# --- holidays ---------------------------------------------------------------------------------------------

PANEL = """\
me:
  name: Sam Rivera
  email: sam.rivera@example.com
  timezone: America/Toronto
policy: {country: CA, subdivision: QC}
interviews:
  - id: paris-panel
    company: Tailspin Toys
    role: Analyst
    start: 2026-11-10 10:00
    delay: next-day
    interviewers:
      - name: Claire Petit
        email: claire.petit@tailspin.example
        timezone: Europe/Paris
        topics: [the pricing model]
  - id: mexico-panel
    company: Wide World Importers
    role: Analyst
    start: 2026-11-13 10:00
    delay: next-day
    interviewers:
      - name: Luis Ortega
        email: luis.ortega@wideworld.example
        timezone: America/Mexico_City
        topics: [the import forecasts]
  - id: la-panel
    company: Contoso
    role: Data Engineer
    start: 2026-11-20 11:00
    decision_by: 2026-11-24
    interviewers:
      - name: Dana Wu
        email: dana.wu@contoso.example
        timezone: America/Los_Angeles
        topics: [the nightly load]
  - id: la-next-day
    company: Litware
    role: Analyst
    start: 2026-11-25 10:00
    timezone: America/Los_Angeles  # 10:00 there: Monday 09:00 is within the policy's days after it
    delay: next-day
    interviewers:
      - name: Kim Lee
        email: kim.lee@litware.example
        timezone: America/Los_Angeles
        topics: [the dashboards]
  - id: montreal-panel
    company: Northwind Traders
    role: Data Analyst
    start: 2026-11-20 16:00
    delay: next-day
    interviewers:
      - name: Marc Roy
        email: marc.roy@northwind.example
        topics: [the churn dashboard]
"""

PANEL_READERS = {
    "claire.petit@tailspin.example": ("Europe/Paris", "FR", None),
    "luis.ortega@wideworld.example": ("America/Mexico_City", "MX", None),
    "dana.wu@contoso.example": ("America/Los_Angeles", "US", "CA"),
    "kim.lee@litware.example": ("America/Los_Angeles", "US", "CA"),
    "marc.roy@northwind.example": ("America/Toronto", "CA", "QC"),  # the top level's country refines it
}


def test_a_month_of_cron_keeps_each_recipients_own_holidays_under_a_quebec_policy(
    tmp_path: Path, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_smtp(monkeypatch, smtp_server)
    write = lambda path: path.write_text(PANEL, encoding="utf-8")  # noqa: E731
    runs = simulate(tmp_path, datetime(2026, 11, 2, tzinfo=TORONTO), 30,
                    {datetime(2026, 11, 1, tzinfo=TORONTO): write})  # fmt: skip
    assert {code for _, code in runs} == {0}
    messages = received(smtp_server)
    assert sorted(m["To"].addresses[0].addr_spec for m in messages) == sorted(
        [*PANEL_READERS, "dana.wu@contoso.example"]  # Dana: thank-you and check-in
    )
    assert len({m["Message-ID"] for m in messages}) == len(messages)
    for message in messages:
        sent = message["Date"].datetime
        to = message["To"].addresses[0].addr_spec
        assert is_working_moment(sent, *PANEL_READERS[to]), (to, message["Subject"], sent)
    days = {m["To"].addresses[0].addr_spec + ("/check-in" if m["In-Reply-To"] else ""):
            m["Date"].datetime.astimezone(ZoneInfo(PANEL_READERS[m["To"].addresses[0].addr_spec][0])).date()
            for m in messages}  # fmt: skip
    assert days["claire.petit@tailspin.example"] == date(2026, 11, 12)  # past Armistice Day
    assert days["luis.ortega@wideworld.example"] == date(2026, 11, 17)  # past Revolution Day
    assert days["kim.lee@litware.example"] == date(2026, 11, 30)  # past Thanksgiving and the day after
    assert days["dana.wu@contoso.example/check-in"] == date(2026, 11, 30)
