"""The planner, table by table: when each follow-up falls due, when it lapses, and what state it is in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from batch.data import load as loader
from batch.data.fields import zone
from batch.etiquette import schedule
from batch.etiquette.schedule import FollowUp
from batch.model import interview as model

ME = {"name": "Sam Rivera", "email": "sam.rivera@example.com", "timezone": "America/Toronto"}
PRIYA = {"name": "Priya Shah", "email": "priya.shah@northwind.example"}
MARCUS = {"name": "Marcus Chen", "email": "marcus.chen@northwind.example"}
ELENA = {"name": "Elena Torres", "method": "note"}
LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)  # before every case: every state is the calendar's own


class _PlainDumper(yaml.SafeDumper):
    """Writes a shared dict out each time: the loader refuses aliases, as it should."""

    def ignore_aliases(self, data: object) -> bool:
        return True


def interview(**fields: object) -> dict[str, object]:
    """An interview mapping as the YAML holds it; fields override (None removes) a plain Toronto one."""
    base: dict[str, object] = {
        "id": "northwind-data-analyst",
        "company": "Northwind Traders",
        "role": "Data Analyst",
        "start": "2026-11-24 14:00",
        "duration": "45m",
        "interviewers": [PRIYA],
    }
    return {key: value for key, value in (base | fields).items() if value is not None}


def load(tmp_path: Path, *interviews: dict[str, object], name: str = "interviews.yaml", **top: object):
    """Write the interviews to a YAML file and load it through the real loader."""
    path = tmp_path / name
    document = {"me": ME, **top, "interviews": list(interviews)}
    text = yaml.dump(document, Dumper=_PlainDumper, sort_keys=False, allow_unicode=True)
    path.write_text(text, encoding="utf-8")
    return loader.load([path])


def plan(tmp_path: Path, *interviews: dict[str, object], now: datetime = LONG_AGO, **top: object):
    return schedule.plan(load(tmp_path, *interviews, **top), now)


def only(items: list[FollowUp], kind: str) -> FollowUp:
    found = [item for item in items if item.kind == kind]
    assert len(found) == 1, [item.key for item in items]
    return found[0]


# (interview fields, interviewer, due_at, expires_at)
THANK_YOU_CASES = [
    pytest.param(
        {},
        PRIYA,
        "2026-11-24T15:45:00-05:00",
        "2026-11-29T14:45:00-05:00",
        id="same-day-is-an-hour-after-the-interview-ends",
    ),
    pytest.param(
        {"start": "2026-11-27 16:30", "duration": "1h"},
        PRIYA,
        "2026-11-30T08:00:00-05:00",
        "2026-12-02T17:30:00-05:00",
        id="friday-ending-17-30-moves-to-monday-08-00",
    ),
    pytest.param(
        {"start": "2026-11-28 10:00", "duration": None, "end": "2026-11-28 11:00"},
        PRIYA,
        "2026-11-30T08:00:00-05:00",
        "2026-12-03T11:00:00-05:00",
        id="saturday-interview-waits-for-monday-08-00",
    ),
    pytest.param(
        {"start": "2026-11-24 06:00", "duration": "30m"},
        PRIYA,
        "2026-11-24T08:00:00-05:00",
        "2026-11-29T06:30:00-05:00",
        id="early-morning-interview-waits-for-08-00-the-same-day",
    ),
    pytest.param(
        {"start": "2026-11-24 16:00", "duration": "1h"},
        PRIYA,
        "2026-11-25T08:00:00-05:00",
        "2026-11-29T17:00:00-05:00",
        id="18-00-is-already-closed-so-next-morning",
    ),
    # Toronto, spring forward on Sunday 2026-03-08 (EST -05:00 → EDT -04:00)
    pytest.param(
        {"start": "2026-03-05 09:00", "duration": "1h"},
        PRIYA,
        "2026-03-05T11:00:00-05:00",
        "2026-03-10T10:00:00-04:00",
        id="toronto-thursday-before-spring-change-keeps-winter-offset",
    ),
    pytest.param(
        {"start": "2026-03-06 16:30", "duration": "1h"},
        PRIYA,
        "2026-03-09T08:00:00-04:00",
        "2026-03-11T17:30:00-04:00",
        id="toronto-friday-evening-before-spring-change-gives-monday-08-00-summer-offset",
    ),
    pytest.param(
        {"start": "2026-03-10 09:00", "duration": "1h"},
        PRIYA,
        "2026-03-10T11:00:00-04:00",
        "2026-03-15T10:00:00-04:00",
        id="toronto-tuesday-after-spring-change-has-summer-offset",
    ),
    # Toronto, fall back on Sunday 2026-11-01 (EDT -04:00 → EST -05:00)
    pytest.param(
        {"start": "2026-10-29 09:00", "duration": "1h"},
        PRIYA,
        "2026-10-29T11:00:00-04:00",
        "2026-11-03T10:00:00-05:00",
        id="toronto-thursday-before-fall-change-keeps-summer-offset",
    ),
    pytest.param(
        {"start": "2026-10-30 16:30", "duration": "1h"},
        PRIYA,
        "2026-11-02T08:00:00-05:00",
        "2026-11-04T17:30:00-05:00",
        id="toronto-friday-evening-before-fall-change-gives-monday-08-00-winter-offset",
    ),
    pytest.param(
        {"start": "2026-11-03 09:00", "duration": "1h"},
        PRIYA,
        "2026-11-03T11:00:00-05:00",
        "2026-11-08T10:00:00-05:00",
        id="toronto-tuesday-after-fall-change-has-winter-offset",
    ),
    # Kolkata: +05:30 all year
    pytest.param(
        {"start": "2026-11-23 10:00", "duration": "1h", "timezone": "Asia/Kolkata"},
        PRIYA,
        "2026-11-23T12:00:00+05:30",
        "2026-11-28T11:00:00+05:30",
        id="kolkata-same-day-carries-plus-05-30",
    ),
    pytest.param(
        {"start": "2026-03-06 17:00", "duration": "30m", "timezone": "Asia/Kolkata"},
        PRIYA,
        "2026-03-09T08:00:00+05:30",
        "2026-03-11T17:30:00+05:30",
        id="kolkata-friday-evening-gives-monday-08-00-unmoved-by-toronto-dst",
    ),
    # Sydney: daylight time ends Sunday 2026-04-05 (+11 → +10), starts Sunday 2026-10-04 (+10 → +11)
    pytest.param(
        {"start": "2026-04-03 16:30", "duration": "1h", "timezone": "Australia/Sydney"},
        PRIYA,
        "2026-04-06T08:00:00+10:00",
        "2026-04-08T17:30:00+10:00",
        id="sydney-friday-evening-before-april-change-gives-monday-plus-10",
    ),
    pytest.param(
        {"start": "2026-10-02 16:30", "duration": "1h", "timezone": "Australia/Sydney"},
        PRIYA,
        "2026-10-05T08:00:00+11:00",
        "2026-10-07T17:30:00+11:00",
        id="sydney-friday-evening-before-october-change-gives-monday-plus-11",
    ),
    pytest.param(
        {"start": "2026-11-24 11:00", "duration": "1h", "timezone": "Australia/Sydney"},
        PRIYA,
        "2026-11-24T13:00:00+11:00",
        "2026-11-29T12:00:00+11:00",
        id="sydney-same-day-in-summer-carries-plus-11",
    ),
    # Interviewers abroad: their window, their zone
    pytest.param(
        {},
        PRIYA | {"timezone": "Europe/Berlin"},
        "2026-11-25T08:00:00+01:00",
        "2026-11-29T20:45:00+01:00",
        id="berlin-interviewer-whose-day-is-over-gets-it-at-their-next-08-00",
    ),
    pytest.param(
        {"start": "2026-11-27 12:00", "duration": "1h"},
        PRIYA | {"timezone": "Europe/Berlin"},
        "2026-11-30T08:00:00+01:00",
        "2026-12-02T19:00:00+01:00",
        id="berlin-interviewer-after-a-toronto-friday-noon-waits-for-monday",
    ),
    pytest.param(
        {"start": "2026-11-24 08:00", "duration": "1h"},
        PRIYA | {"timezone": "America/Vancouver"},
        "2026-11-24T08:00:00-08:00",
        "2026-11-29T06:00:00-08:00",
        id="vancouver-interviewer-not-yet-at-work-gets-it-at-their-08-00",
    ),
    pytest.param(
        {"start": "2026-11-24 08:30", "duration": "1h", "timezone": "America/Toronto"},
        PRIYA | {"timezone": "Asia/Kolkata"},
        "2026-11-25T08:00:00+05:30",
        "2026-11-29T20:00:00+05:30",
        id="kolkata-interviewer-of-a-toronto-morning-gets-it-their-next-morning",
    ),
    # Delays: 09:00 on the first or second business day, in the recipient's zone
    pytest.param(
        {"delay": "next-day"},
        PRIYA,
        "2026-11-25T09:00:00-05:00",
        "2026-11-29T14:45:00-05:00",
        id="next-day-is-09-00-the-next-business-day",
    ),
    pytest.param(
        {"delay": "next-day", "start": "2026-11-27 10:00"},
        PRIYA,
        "2026-11-30T09:00:00-05:00",
        "2026-12-02T10:45:00-05:00",
        id="next-day-after-a-friday-is-monday-09-00",
    ),
    pytest.param(
        {"delay": "next-day", "start": "2026-03-06 10:00"},
        PRIYA,
        "2026-03-09T09:00:00-04:00",
        "2026-03-11T10:45:00-04:00",
        id="next-day-across-the-spring-change-is-monday-09-00-summer-offset",
    ),
    pytest.param(
        {"delay": "two-days"},
        PRIYA,
        "2026-11-26T09:00:00-05:00",
        "2026-11-29T14:45:00-05:00",
        id="two-days-is-09-00-the-second-business-day",
    ),
    pytest.param(
        {"delay": "two-days", "start": "2026-11-26 10:00"},
        PRIYA,
        "2026-11-30T09:00:00-05:00",
        "2026-12-01T10:45:00-05:00",
        id="two-days-after-a-thursday-is-monday-09-00",
    ),
    pytest.param(
        {"delay": "two-days", "start": "2026-11-27 10:00"},
        PRIYA,
        "2026-12-01T09:00:00-05:00",
        "2026-12-02T10:45:00-05:00",
        id="two-days-after-a-friday-is-tuesday-09-00",
    ),
    pytest.param(
        {"delay": "two-days", "start": "2026-11-25 09:30", "duration": "1h"},
        PRIYA | {"timezone": "Asia/Kolkata"},
        "2026-11-27T09:00:00+05:30",
        "2026-11-30T21:00:00+05:30",
        id="two-days-for-an-interviewer-in-kolkata-is-their-09-00",
    ),
]


@pytest.mark.parametrize(("fields", "person", "due_at", "expires_at"), THANK_YOU_CASES)
def test_thank_you_falls_due_at(tmp_path, fields, person, due_at, expires_at):
    # Windows, zones and daylight time alone: public holidays have their own tests (test_holidays.py)
    no_holidays = {"country": "none"}
    item = only(plan(tmp_path, interview(**fields, interviewers=[person]), policy=no_holidays), "thank-you")
    assert (item.due_at.isoformat(), item.expires_at.isoformat()) == (due_at, expires_at)
    assert item.state == "scheduled"


def test_panel_of_three_gets_one_thank_you_each_with_distinct_keys(tmp_path):
    items = plan(tmp_path, interview(interviewers=[PRIYA, MARCUS, ELENA]))
    thanks = [item for item in items if item.kind == "thank-you"]
    assert sorted(item.interviewer.name for item in thanks) == ["Elena Torres", "Marcus Chen", "Priya Shah"]
    assert sorted(item.key for item in thanks) == [
        "northwind-data-analyst/thank-you/elena-torres",
        "northwind-data-analyst/thank-you/marcus.chen@northwind.example",
        "northwind-data-analyst/thank-you/priya.shah@northwind.example",
    ]
    assert {item.recipient for item in thanks} == {
        "Elena Torres",
        "marcus.chen@northwind.example",
        "priya.shah@northwind.example",
    }
    assert {item.key: item.method for item in thanks}[
        "northwind-data-analyst/thank-you/elena-torres"
    ] == "note"
    assert {item.due_at.isoformat() for item in thanks} == {"2026-11-24T15:45:00-05:00"}


def test_each_panelist_is_scheduled_in_their_own_zone(tmp_path):
    people = [PRIYA | {"timezone": "Europe/Berlin"}, MARCUS, ELENA | {"timezone": "America/Vancouver"}]
    items = plan(tmp_path, interview(interviewers=people))
    due = {item.interviewer.name: item.due_at.isoformat() for item in items}
    assert due == {
        "Priya Shah": "2026-11-25T08:00:00+01:00",
        "Marcus Chen": "2026-11-24T15:45:00-05:00",
        "Elena Torres": "2026-11-24T12:45:00-08:00",
    }


def test_names_without_email_give_distinct_unicode_keys(tmp_path):
    people = [{"name": "李明", "method": "note"}, {"name": "王芳", "method": "note"}, {"name": "José Núñez"}]
    people[2]["method"] = "voicemail"
    keys = [item.key for item in plan(tmp_path, interview(interviewers=people))]
    assert sorted(keys) == [
        "northwind-data-analyst/thank-you/josé-núñez",
        "northwind-data-analyst/thank-you/李明",
        "northwind-data-analyst/thank-you/王芳",
    ]


def test_voicemail_and_note_are_due_when_an_email_would_be(tmp_path):
    people = [PRIYA, {"name": "Jordan Blake", "phone": "+1 647 555 0188", "method": "voicemail"}, ELENA]
    items = plan(tmp_path, interview(interviewers=people, start="2026-11-27 16:30", duration="1h"))
    assert {(item.method, item.due_at.isoformat()) for item in items} == {
        ("email", "2026-11-30T08:00:00-05:00"),
        ("voicemail", "2026-11-30T08:00:00-05:00"),
        ("note", "2026-11-30T08:00:00-05:00"),
    }


def test_interview_method_applies_to_interviewers_without_their_own(tmp_path):
    people = [{"name": "Jordan Blake"}, PRIYA | {"method": "email"}]
    items = plan(tmp_path, interview(method="voicemail", interviewers=people))
    assert {item.interviewer.name: item.method for item in items} == {
        "Jordan Blake": "voicemail",
        "Priya Shah": "email",
    }


# (interview fields, first interviewer, due_at, expires_at, method)
CHECK_IN_CASES = [
    pytest.param(
        {"decision_by": "2026-12-04"},
        PRIYA,
        "2026-12-08T10:00:00-05:00",
        "2026-12-22T10:00:00-05:00",
        "email",
        id="after-a-friday-decision-it-is-the-tuesday-10-00",
    ),
    pytest.param(
        {"decision_by": "2026-12-02"},
        PRIYA,
        "2026-12-04T10:00:00-05:00",
        "2026-12-18T10:00:00-05:00",
        "email",
        id="after-a-wednesday-decision-it-is-the-friday-10-00",
    ),
    pytest.param(
        {"decision_by": "2026-12-05"},
        PRIYA,
        "2026-12-08T10:00:00-05:00",
        "2026-12-22T10:00:00-05:00",
        "email",
        id="after-a-saturday-decision-it-is-the-tuesday-10-00",
    ),
    pytest.param(
        {"decision_by": "2026-12-04"},
        PRIYA | {"timezone": "Europe/Berlin"},
        "2026-12-08T10:00:00+01:00",
        "2026-12-22T10:00:00+01:00",
        "email",
        id="goes-at-10-00-in-the-first-interviewers-zone",
    ),
    pytest.param(
        {"start": "2026-02-27 10:00", "decision_by": "2026-03-06"},
        PRIYA,
        "2026-03-10T10:00:00-04:00",
        "2026-03-24T10:00:00-04:00",
        "email",
        id="after-the-spring-change-it-carries-the-summer-offset",
    ),
    pytest.param(
        {"start": "2026-10-16 10:00", "decision_by": "2026-10-23"},
        PRIYA,
        "2026-10-27T10:00:00-04:00",
        "2026-11-10T10:00:00-05:00",
        "email",
        id="expires-14-days-later-at-the-same-wall-time-across-the-fall-change",
    ),
    pytest.param(
        {"decision_by": "2026-12-04"},
        {"name": "Jordan Blake", "phone": "+1 647 555 0188", "method": "voicemail"},
        "2026-12-08T10:00:00-05:00",
        "2026-12-22T10:00:00-05:00",
        "voicemail",
        id="without-an-email-it-is-a-call",
    ),
]


@pytest.mark.parametrize(("fields", "person", "due_at", "expires_at", "method"), CHECK_IN_CASES)
def test_check_in_falls_due_at(tmp_path, fields, person, due_at, expires_at, method):
    items = plan(tmp_path, interview(**fields, interviewers=[person, MARCUS]))
    item = only(items, "check-in")
    assert (item.due_at.isoformat(), item.expires_at.isoformat()) == (due_at, expires_at)
    assert (item.interviewer.name, item.method, item.state) == (person["name"], method, "scheduled")


def test_no_decision_date_means_no_check_in(tmp_path):
    items = plan(tmp_path, interview(interviewers=[PRIYA, MARCUS]))
    assert [item.kind for item in items] == ["thank-you", "thank-you"]


# The plain interview ends Tue 2026-11-24 14:45 -05:00; its thank-you is due 15:45 and is dropped five
# days after the interview, Sun Nov 29 14:45 (policy.thank_you_within_days): its last working hours
# close Fri Nov 27 18:00, after which nothing is left before it drops.
END = datetime.fromisoformat("2026-11-24T14:45:00-05:00")
FRIDAY_CLOSE = datetime.fromisoformat("2026-11-27T18:00:00-05:00")
STATE_CASES = [
    pytest.param(END, "scheduled", id="scheduled-before-it-is-due"),
    pytest.param(END + timedelta(minutes=59, seconds=59), "scheduled", id="scheduled-a-second-before-due"),
    pytest.param(END + timedelta(hours=1), "due", id="due-from-the-moment-it-falls-due"),
    pytest.param(END + timedelta(days=1), "due", id="due-the-next-working-day"),
    pytest.param(END + timedelta(days=2, hours=1), "due", id="due-two-working-days-after"),
    pytest.param(FRIDAY_CLOSE - timedelta(seconds=1), "due", id="due-a-second-before-its-last-day-closes"),
    pytest.param(FRIDAY_CLOSE, "expired", id="expired-once-no-working-hours-are-left-before-it-drops"),
    pytest.param(END + timedelta(days=5), "expired", id="expired-five-days-after-the-interview"),
    pytest.param(END + timedelta(days=30), "expired", id="expired-long-after"),
    pytest.param(
        datetime.fromisoformat("2026-11-28T00:30:00+01:00"), "expired", id="expired-whatever-zone-now-is-in"
    ),
    pytest.param(
        datetime.fromisoformat("2026-11-27T16:44:00+01:00"), "due", id="due-in-another-zone-before-it-drops"
    ),
]


@pytest.mark.parametrize(("now", "state"), STATE_CASES)
def test_thank_you_state_at(tmp_path, now, state):
    assert only(plan(tmp_path, interview(), now=now), "thank-you").state == state


def test_thank_you_deadline_counts_from_the_interview_so_a_late_delay_does_not_stretch_it(tmp_path):
    # A Friday interview, two days: due Tue 09:00, dropped five days after the interview, Wed 14:45 (the
    # old rule counted two working days from Tue 09:00: Thu, six days on; with holidays, a week).
    item = only(plan(tmp_path, interview(start="2026-11-27 14:00", delay="two-days")), "thank-you")
    assert item.due_at.isoformat() == "2026-12-01T09:00:00-05:00"
    assert item.expires_at.isoformat() == "2026-12-02T14:45:00-05:00"


# (interview fields, interviewer, kind → state)
STATUS_CASES = [
    pytest.param({"status": "open"}, PRIYA, {"thank-you": "scheduled", "check-in": "scheduled"}, id="open"),
    pytest.param({"status": "offer"}, PRIYA, {"thank-you": "cancelled", "check-in": "cancelled"}, id="offer"),
    pytest.param(
        {"status": "rejected"}, PRIYA, {"thank-you": "cancelled", "check-in": "cancelled"}, id="rejected"
    ),
    pytest.param(
        {"status": "withdrawn"}, PRIYA, {"thank-you": "cancelled", "check-in": "cancelled"}, id="withdrawn"
    ),
    pytest.param(
        {"status": "closed"}, PRIYA, {"thank-you": "cancelled", "check-in": "cancelled"}, id="closed"
    ),
    pytest.param(
        {"done": ["thank-you"]},
        PRIYA,
        {"thank-you": "done", "check-in": "scheduled"},
        id="thank-you-done-by-hand-on-the-interview",
    ),
    pytest.param(
        {},
        PRIYA | {"done": ["thank-you"]},
        {"thank-you": "done", "check-in": "scheduled"},
        id="thank-you-done-by-hand-for-the-interviewer",
    ),
    pytest.param(
        {"done": ["thank-you", "check-in"]},
        PRIYA,
        {"thank-you": "done", "check-in": "done"},
        id="both-done-by-hand",
    ),
    pytest.param(
        {"status": "offer", "done": ["thank-you"]},
        PRIYA,
        {"thank-you": "done", "check-in": "cancelled"},
        id="done-stays-done-after-an-offer",
    ),
]


@pytest.mark.parametrize(("fields", "person", "states"), STATUS_CASES)
def test_status_and_done_set_state(tmp_path, fields, person, states):
    items = plan(tmp_path, interview(**fields, decision_by="2026-12-04", interviewers=[person]))
    assert {item.kind: item.state for item in items} == states


def test_done_on_one_interviewer_leaves_the_others_scheduled(tmp_path):
    items = plan(tmp_path, interview(interviewers=[PRIYA | {"done": "thank-you"}, MARCUS]))
    assert {item.interviewer.name: item.state for item in items} == {
        "Priya Shah": "done",
        "Marcus Chen": "scheduled",
    }


PRIYA_KEY = "northwind-data-analyst/thank-you/priya.shah@northwind.example"
MARCUS_KEY = "northwind-data-analyst/thank-you/marcus.chen@northwind.example"
LEDGER_CASES = [
    pytest.param({PRIYA_KEY: "sent"}, {}, END + timedelta(hours=2), "sent", id="sent-beats-due"),
    pytest.param({PRIYA_KEY: "sent"}, {}, END + timedelta(days=9), "sent", id="sent-beats-expired"),
    pytest.param({PRIYA_KEY: "failed"}, {}, END, "failed", id="failed-beats-scheduled"),
    pytest.param(
        {PRIYA_KEY: "sent"}, {"status": "offer"}, END + timedelta(hours=2), "sent", id="sent-beats-cancelled"
    ),
    pytest.param(
        {PRIYA_KEY: "uncertain"}, {"done": ["thank-you"]}, END, "uncertain", id="uncertain-beats-done"
    ),
    pytest.param(
        {PRIYA_KEY: "deferred"}, {}, END + timedelta(hours=2), "due", id="deferred-leaves-the-plans-state"
    ),
    pytest.param(
        {"other/thank-you/x": "sent"}, {}, END + timedelta(hours=2), "due", id="other-keys-change-nothing"
    ),
]


@pytest.mark.parametrize(("ledger", "fields", "now", "state"), LEDGER_CASES)
def test_ledger_state_wins(tmp_path, ledger, fields, now, state):
    data = load(tmp_path, interview(**fields, interviewers=[PRIYA, MARCUS]))
    items = schedule.plan(data, now, delivered=ledger)
    states = {item.key: item.state for item in items}
    assert states[PRIYA_KEY] == state
    assert states[MARCUS_KEY] == schedule.plan(data, now)[1].state  # the other one is untouched


def facts(data: model.Dataset) -> set[tuple[str, str, str, str]]:
    return {
        (item.key, item.due_at.isoformat(), item.expires_at.isoformat(), item.state)
        for item in schedule.plan(data, END)
    }


def reversed_keys(mapping: dict[str, object]) -> dict[str, object]:
    return dict(reversed(list(mapping.items())))


def test_keys_and_times_are_the_same_when_interviews_and_keys_are_reordered(tmp_path):
    berlin = PRIYA | {"timezone": "Europe/Berlin"}
    first = interview(decision_by="2026-12-04", interviewers=[berlin, MARCUS, ELENA])
    second = interview(id="fabrikam-product-analyst", start="2026-11-27 16:00", interviewers=[MARCUS])
    shuffled = reversed_keys(first) | {"interviewers": [reversed_keys(p) for p in (berlin, MARCUS, ELENA)]}
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    one = facts(load(tmp_path / "a", first, second))
    two = facts(load(tmp_path / "b", reversed_keys(second), shuffled))
    assert one == two
    assert len(one) == 5


def test_thank_you_keys_stay_when_the_panel_is_reordered(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    one = facts(load(tmp_path / "a", interview(decision_by="2026-12-04", interviewers=[PRIYA, MARCUS])))
    two = facts(load(tmp_path / "b", interview(decision_by="2026-12-04", interviewers=[MARCUS, PRIYA])))
    assert {f for f in one if "/thank-you/" in f[0]} == {f for f in two if "/thank-you/" in f[0]}
    # The check-in goes to whoever is listed first, but there is one per interview: its key names the
    # interview alone, so reordering the panel after it was sent cannot start a second one.
    for d in "cd":
        (tmp_path / d).mkdir()
    plans = [schedule.plan(load(tmp_path / d, interview(decision_by="2026-12-04", interviewers=people)), END)
             for d, people in (("c", [PRIYA, MARCUS]), ("d", [MARCUS, PRIYA]))]  # fmt: skip
    check_ins = [[(i.key, i.recipient) for i in items if i.kind == "check-in"] for items in plans]
    assert check_ins == [
        [("northwind-data-analyst/check-in", PRIYA["email"])],
        [("northwind-data-analyst/check-in", MARCUS["email"])],
    ]


def test_keys_are_unique_across_the_shipped_example():
    data = loader.load([Path(__file__).parents[2] / "interviews.yaml"])
    keys = [item.key for item in schedule.plan(data, END)]
    assert len(keys) == len(set(keys)) == 8


def test_plan_is_sorted_by_due_time(tmp_path):
    items = plan(
        tmp_path,
        interview(interviewers=[PRIYA | {"timezone": "Europe/Berlin"}, MARCUS], decision_by="2026-12-04"),
        interview(id="early", start="2026-11-23 10:00", interviewers=[MARCUS]),
    )
    moments = [item.due_at.astimezone(UTC) for item in items]
    assert moments == sorted(moments)
    assert items[0].interview.id == "early"


def test_plan_refuses_a_naive_now(tmp_path):
    data = load(tmp_path, interview())
    with pytest.raises(ValueError, match="time zone"):
        schedule.plan(data, datetime(2026, 11, 24, 16, 0))


def test_plan_gives_the_same_states_for_the_same_moment_in_any_zone(tmp_path):
    data = load(tmp_path, interview(interviewers=[PRIYA, MARCUS], decision_by="2026-12-04"))
    moment = END + timedelta(hours=2)
    in_utc = [item.state for item in schedule.plan(data, moment.astimezone(UTC))]
    in_kolkata = [item.state for item in schedule.plan(data, moment.astimezone(zone("Asia/Kolkata")))]
    assert in_utc == in_kolkata == ["due", "due", "scheduled"]


def test_policy_overrides_move_the_window_and_delays(tmp_path):
    policy = {"window_start": "09:30", "window_end": "17:00", "same_day_after_minutes": "30"}
    fields = {"start": "2026-11-24 16:00", "duration": "15m"}
    late = only(plan(tmp_path, interview(**fields), policy=policy), "thank-you")
    assert late.due_at.isoformat() == "2026-11-24T16:45:00-05:00"
    fields = {"start": "2026-11-24 16:30", "duration": "15m"}
    later = only(plan(tmp_path, interview(**fields), policy=policy), "thank-you")
    assert later.due_at.isoformat() == "2026-11-25T09:30:00-05:00"


def test_next_day_counts_from_the_recipients_own_date_of_the_interview(tmp_path):
    # Tue 16:00-17:00 in Toronto is already Wednesday 02:30 in Kolkata: their next day is Thursday.
    person = PRIYA | {"timezone": "Asia/Kolkata"}
    fields = {"start": "2026-11-24 16:00", "duration": "1h", "delay": "next-day"}
    item = only(plan(tmp_path, interview(**fields, interviewers=[person])), "thank-you")
    assert item.due_at.isoformat() == "2026-11-26T09:00:00+05:30"


def test_an_opening_skipped_by_the_spring_change_moves_to_the_first_real_minute(tmp_path):
    # A Sunday workday opening at 02:30: on 2026-03-08 Toronto jumps from 02:00 to 03:00.
    policy = {"workdays": ["sat", "sun"], "window_start": "02:30"}
    fields = {"start": "2026-03-07 20:00", "duration": "1h"}
    item = only(plan(tmp_path, interview(**fields), policy=policy), "thank-you")
    assert item.due_at.isoformat() == "2026-03-08T03:30:00-04:00"


def test_the_plan_lists_each_follow_up_at_the_moment_it_goes_soonest_first() -> None:
    # A thank-you waiting for its recipient's working day goes at their next opening, after the ones due
    # meanwhile; the plan (and its table) showed it at that opening but sorted it by its due time.
    data = loader.load([Path(__file__).resolve().parents[2] / "interviews.yaml"])
    start, waited = datetime(2026, 11, 15, tzinfo=UTC), 0
    for step in range(0, 60 * 24 * 40, 45):
        items = schedule.plan(data, start + timedelta(minutes=step))
        moments = [item.sends_at.astimezone(UTC) for item in items]
        assert moments == sorted(moments)
        waited += any(item.state == "waiting" for item in items)
    assert waited  # the example has follow-ups that wait for an opening
