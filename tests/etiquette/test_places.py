"""Where you are and where they are: your own zone moves nobody else's mail, and the top-level holiday
country is the calendar of the recipients in that country only.

The calendars are the real ones of the `holidays` package: US Thanksgiving is Thursday 2026-11-26 (and
the day after is a holiday in California),
Mexico's Revolution Day is observed Monday 2026-11-16, France's Armistice Day is Wednesday 2026-11-11,
Quebec's Saint-Jean-Baptiste is Wednesday 2026-06-24 (Ontario works).
"""

from __future__ import annotations

import email
import email.policy
import json
import re
from datetime import datetime
from pathlib import Path

import pytest

from batch.cli.main import main
from batch.etiquette import schedule
from tests.servers import use_smtp

from .test_schedule import ME, PRIYA, interview, load, only, plan

QC = {"country": "CA", "subdivision": "QC"}
ABROAD = ME | {"timezone": "Europe/Paris"}


def person(zone: str | None, **more: object) -> dict[str, object]:
    return PRIYA | ({"timezone": zone} if zone else {}) | more


# (top-level policy, interview fields, the recipient, when the thank-you is due)
HOLIDAY_CASES = [
    pytest.param(QC, {"start": "2026-11-25 10:00", "delay": "next-day"}, person("America/Los_Angeles"),
                 "2026-11-30T09:00:00-08:00", id="los-angeles-keeps-thanksgiving-and-the-day-after"),
    pytest.param(QC, {"start": "2026-11-13 10:00", "delay": "next-day"}, person("America/Mexico_City"),
                 "2026-11-17T09:00:00-06:00", id="mexico-city-keeps-revolution-day-under-a-quebec-policy"),
    pytest.param(QC, {"start": "2026-11-10 10:00", "delay": "next-day"}, person("Europe/Paris"),
                 "2026-11-12T09:00:00+01:00", id="paris-keeps-armistice-day-under-a-quebec-policy"),
    pytest.param(QC, {"start": "2026-06-23 10:00", "delay": "next-day"}, person(None),
                 "2026-06-25T09:00:00-04:00", id="a-toronto-zone-recipient-gets-quebecs-own-holiday"),
    pytest.param(None, {"start": "2026-06-23 10:00", "delay": "next-day"}, person(None),
                 "2026-06-24T09:00:00-04:00", id="without-the-policy-toronto-works-on-saint-jean"),
    pytest.param(QC, {"start": "2026-11-25 10:00", "delay": "next-day"},
                 person("America/Los_Angeles", policy=QC),
                 "2026-11-26T09:00:00-08:00", id="a-country-on-the-interviewer-still-wins"),
    pytest.param(QC, {"start": "2026-11-25 10:00", "delay": "next-day", "policy": QC},
                 person("America/Los_Angeles"),
                 "2026-11-26T09:00:00-08:00", id="a-country-on-the-interview-still-wins"),
]  # fmt: skip


@pytest.mark.parametrize(("top", "fields_", "who", "due_at"), HOLIDAY_CASES)
def test_the_top_level_country_refines_only_the_recipients_in_it(tmp_path, top, fields_, who, due_at):
    extra = {"policy": top} if top else {}
    item = only(plan(tmp_path, interview(interviewers=[who], **fields_), **extra), "thank-you")
    assert item.due_at == datetime.fromisoformat(due_at)


def test_check_warns_at_each_recipient_outside_the_top_level_country(tmp_path, capsys):
    load(tmp_path, interview(interviewers=[person("America/Los_Angeles"), person(None, name="Marc Roy",
         email="marc.roy@example.com")]), policy=QC)  # fmt: skip
    data, state = str(tmp_path / "interviews.yaml"), str(tmp_path / "l.db")
    assert main(["--data", data, "--state", state, "check"]) == 0
    err = capsys.readouterr().err.splitlines()
    warned = [line for line in err if "top-level policy's country" in line]
    assert len(warned) == 1, err
    assert warned[0].startswith(f"{tmp_path / 'interviews.yaml'}:")
    assert "Priya Shah reads mail in America/Los_Angeles (US)" in warned[0]
    assert "add policy: {country: CA}" in warned[0]


def test_your_own_zone_moves_no_recipient_once_home_is_set(tmp_path):
    data = [interview(decision_by="2026-12-04", interviewers=[person(None), person("Europe/Berlin",
            name="Lena Vogel", email="lena.vogel@example.com")])]  # fmt: skip
    at_home = schedule.plan(load(tmp_path, *data), datetime(2020, 1, 1).astimezone())
    away = schedule.plan(load(tmp_path, *data, me=ABROAD | {"home": "America/Toronto"}),
                         datetime(2020, 1, 1).astimezone())  # fmt: skip
    assert [(i.key, i.due_at, i.zone.key) for i in at_home] == [(i.key, i.due_at, i.zone.key) for i in away]
    assert {i.zone.key for i in away} == {"America/Toronto", "Europe/Berlin"}


def write(path: Path, me: dict[str, object]) -> None:
    load(path, interview(decision_by="2026-12-04", interviewers=[person(None)]), me=me)


def run(tmp_path: Path, *args: str, now: str = "2026-11-24T16:00:00-05:00") -> int:
    return main(["--data", str(tmp_path / "interviews.yaml"), "--state", str(tmp_path / "ledger.db"),
                 "--now", now, *args])  # fmt: skip


def test_a_zone_less_interview_is_refused_when_me_timezone_alone_moves_it(
    tmp_path, capsys, smtp_server, monkeypatch
):
    write(tmp_path, ME)
    assert run(tmp_path, "send", "--dry-run") == 0  # a dry run remembers nothing
    write(tmp_path, ABROAD)
    assert run(tmp_path, "check") == 0  # no real send has planned it yet: nothing to hold it to
    write(tmp_path, ME)
    use_smtp(monkeypatch, smtp_server)
    assert run(tmp_path, "send") == 0  # the thank-you goes; the ledger notes Toronto
    assert len(smtp_server.received) == 1
    capsys.readouterr()
    assert run(tmp_path, "status") == 0
    assert "2026-11-24 16:00 EST" in capsys.readouterr().out  # each time with its zone

    write(tmp_path, ABROAD)  # off to Paris, and only me.timezone edited: the check-in would move
    for command in (["check"], ["send"], ["send", "--dry-run"]):
        assert run(tmp_path, *command, now="2026-12-08T10:00:00-05:00") == 2, command
        out, err = capsys.readouterr()
        assert "sent" not in out and "written" not in out
        line = next(line for line in err.splitlines() if "names no timezone:" in line)
        assert f"{tmp_path / 'interviews.yaml'}:" in line
        assert "planned in America/Toronto; me.timezone now puts it in Europe/Paris" in line
        assert "add timezone: America/Toronto to the interview, or set me.home: America/Toronto" in line
    assert len(smtp_server.received) == 1
    assert run(tmp_path, "plan", now="2026-12-08T10:00:00-05:00") == 0  # plan shows it, and warns
    assert "warning: northwind-data-analyst names no timezone:" in capsys.readouterr().err

    write(tmp_path, ABROAD | {"home": "America/Toronto"})
    assert run(tmp_path, "check") == 0
    assert run(tmp_path, "send", now="2026-12-08T10:00:00-05:00") == 0  # the check-in, at 10:00 his time
    assert len(smtp_server.received) == 2
    dated = email.message_from_bytes(smtp_server.received[1].data, policy=email.policy.default)["Date"]
    assert dated.startswith("Tue, 08 Dec 2026 16:00:") and dated.endswith(" +0100")  # where you are


def test_the_ledger_keeps_a_default_zone_as_first_seen_and_follows_a_named_one(tmp_path):
    # here, not at the top: on a main without them, the file's other cases still run (and fail)
    from batch.etiquette import places
    from batch.ledger.store import Ledger

    write(tmp_path, ME)
    data = load(tmp_path, interview(), me=ME)
    with Ledger(tmp_path / "ledger.db") as ledger:
        ledger.remember_zones(places.zones_to_remember(data, ledger.zones()), datetime.now().astimezone())
        same = "@northwind traders 2026-11-24 14:00"  # the company and start: a renamed id still finds it
        assert ledger.zones() == {"northwind-data-analyst": "America/Toronto", same: "America/Toronto"}
        moved = load(tmp_path, interview(), me=ABROAD)
        assert places.zones_to_remember(moved, ledger.zones()) == {}  # a default never overwrites
        named = load(tmp_path, interview(timezone="Europe/Paris"), me=ABROAD)
        paris = {"northwind-data-analyst": "Europe/Paris", same: "Europe/Paris"}
        assert places.zones_to_remember(named, ledger.zones()) == paris


def test_an_interview_with_nothing_left_to_send_is_not_held_to_its_zone(tmp_path):
    from batch.etiquette import places  # here, not at the top: see above

    data = load(tmp_path, interview(done=["thank-you"]), me=ABROAD)
    items = schedule.plan(data, datetime.fromisoformat("2026-11-24T16:00:00-05:00"))
    assert places.zone_moves(data, items, {"northwind-data-analyst": "America/Toronto"}) == []


def test_the_plan_table_names_the_zone_of_both_times(tmp_path, capsys):
    write(tmp_path, ABROAD | {"home": "America/Toronto"})
    assert run(tmp_path, "plan", now="2026-11-24T09:00:00-05:00") == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if "thank-you" in line)
    assert row.startswith("Tue 24 Nov 15:45 EST = 21:45 CET  scheduled"), row


# --- a zone-less interview with nothing sent yet ------------------------------------------------------------

MONTREAL = ME | {"timezone": "America/Montreal"}
IN_PARIS = ME | {"timezone": "Europe/Paris"}
BEFORE = "2026-11-20T09:00:00-05:00"  # before the interview: nothing due, nothing sent


def write_montreal(path: Path, me: dict[str, object], *more: dict[str, object]) -> None:
    load(path, interview(decision_by="2026-12-04", interviewers=[person(None, name="Marc Roy",
         email="marc.roy@northwind.example")]), *more, me=me)  # fmt: skip


def marcs_due(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    """plan --json: the thank-you to Marc Roy's due time, and what plan said on stderr."""
    assert run(tmp_path, "plan", "--json", now=BEFORE) == 0
    out, err = capsys.readouterr()
    rows = json.loads(out)
    return next(r["due_at"] for r in rows if r["kind"] == "thank-you"), err


def refused_at_its_place(tmp_path: Path, capsys: pytest.CaptureFixture[str], smtp_server) -> None:
    """check and a real send both refuse, at the interview's line, naming the zone it was noted in."""
    for command in (["check"], ["send"]):
        assert run(tmp_path, *command, now=BEFORE) == 2, command
        err = capsys.readouterr().err
        line = next(line for line in err.splitlines() if "names no timezone:" in line)
        assert re.search(rf"{re.escape(str(tmp_path / 'interviews.yaml'))}:\d+:\d+: ", line), line
        assert "planned in America/Montreal; me.timezone now puts it in Europe/Paris" in line, line
    assert smtp_server.received == []


def test_an_idle_send_notes_the_zone_so_a_later_edit_of_me_timezone_alone_is_refused(
    tmp_path, capsys, smtp_server, monkeypatch
):
    use_smtp(monkeypatch, smtp_server)
    write_montreal(tmp_path, MONTREAL)
    assert run(tmp_path, "send", now=BEFORE) == 0  # cron's first run: nothing due, the ledger is made
    assert smtp_server.received == []
    due, _ = marcs_due(tmp_path, capsys)
    assert due == "2026-11-24T15:45:00-05:00"
    write_montreal(tmp_path, IN_PARIS)  # a trip, and only me.timezone edited
    refused_at_its_place(tmp_path, capsys, smtp_server)
    write_montreal(tmp_path, IN_PARIS | {"home": "America/Montreal"})
    assert marcs_due(tmp_path, capsys)[0] == due  # me.home keeps him where he was


def test_plan_notes_the_zone_in_a_ledger_that_is_there_so_a_later_edit_is_refused(
    tmp_path, capsys, smtp_server, monkeypatch
):
    use_smtp(monkeypatch, smtp_server)
    load(tmp_path, me=MONTREAL)
    assert run(tmp_path, "send", now=BEFORE) == 0  # a ledger, from before this interview was written
    write_montreal(tmp_path, MONTREAL)
    due, err = marcs_due(tmp_path, capsys)  # plan sees it first: the zone is noted now
    assert due == "2026-11-24T15:45:00-05:00" and "names no timezone" not in err
    write_montreal(tmp_path, IN_PARIS)
    refused_at_its_place(tmp_path, capsys, smtp_server)


def test_without_a_ledger_check_and_plan_say_which_interviews_only_follow_where_you_are(tmp_path, capsys):
    write_montreal(tmp_path, MONTREAL, interview(id="paris-analyst", timezone="Europe/Paris"))
    for command in (["check"], ["plan"]):
        assert run(tmp_path, *command, now=BEFORE) == 0, command
        err = capsys.readouterr().err
        warned = [line for line in err.splitlines() if "names no timezone: of its own" in line]
        assert len(warned) == 1, err  # not the Paris interview: it names its own
        place = re.escape(str(tmp_path / "interviews.yaml"))
        said = r"northwind-data-analyst names no timezone: of its own, so it takes me.timezone \(America/Mont"
        assert re.match(rf"{place}:\d+:\d+: warning: {said}", warned[0]), warned[0]
        assert f"no ledger at {tmp_path / 'ledger.db'}" in warned[0]
        fix = "add timezone: America/Montreal to the interview, or set me.home: America/Montreal"
        assert fix in warned[0]
    assert not (tmp_path / "ledger.db").exists()  # plan and check never start a ledger
    write_montreal(tmp_path, MONTREAL | {"home": "America/Montreal"})
    assert run(tmp_path, "plan", now=BEFORE) == 0
    assert "names no timezone" not in capsys.readouterr().err


def test_the_zone_is_noted_once_and_later_runs_only_read(tmp_path, capsys, smtp_server, monkeypatch):
    from batch.ledger import wake  # here, not at the top: see above

    use_smtp(monkeypatch, smtp_server)
    write_montreal(tmp_path, MONTREAL)
    assert run(tmp_path, "send", now=BEFORE) == 0
    files = [tmp_path / name for name in ("ledger.db", "ledger.db-wal")]
    before = [(f.stat().st_mtime_ns, f.stat().st_size) if f.exists() else None for f in files]
    for command in (["plan"], ["check"], ["send"]):
        wake.forget(tmp_path / "ledger.db")  # each a full run: the note would stop an idle send sooner
        assert run(tmp_path, *command, now=BEFORE) == 0, command
    capsys.readouterr()
    assert [(f.stat().st_mtime_ns, f.stat().st_size) if f.exists() else None for f in files] == before


@pytest.mark.parametrize("also_sent", [False, True], ids=["nothing-sent-yet", "after-the-thank-you-went"])
def test_a_renamed_id_keeps_the_zone_its_interview_was_noted_in(
    tmp_path, capsys, smtp_server, monkeypatch, also_sent
):
    use_smtp(monkeypatch, smtp_server)
    write_montreal(tmp_path, MONTREAL)
    if also_sent:
        assert run(tmp_path, "send", now="2026-11-24T16:00:00-05:00") == 0
        assert len(smtp_server.received) == 1
    else:
        assert run(tmp_path, "send", now=BEFORE) == 0  # the zone is noted under the interview's id
    sent = len(smtp_server.received)
    # a trip (only me.timezone edited) and, in the same edit, a new id for the same interview
    load(tmp_path, interview(id="northwind-analyst-2026", decision_by="2026-12-04", interviewers=[
         person(None, name="Marc Roy", email="marc.roy@northwind.example")]), me=IN_PARIS)  # fmt: skip
    for command in (["check"], ["send"]):
        assert run(tmp_path, *command, now=BEFORE if not also_sent else "2026-12-08T10:00:00+01:00") == 2
        line = next(line for line in capsys.readouterr().err.splitlines() if "names no timezone:" in line)
        assert "northwind-analyst-2026 names no timezone: and was planned in America/Montreal" in line, line
    assert len(smtp_server.received) == sent  # nothing more went, at night in Montréal or otherwise
