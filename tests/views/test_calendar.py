"""`followup calendar`: the iCalendar file parsed back, its zones, descriptions, UIDs and cancellations."""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest

from batch.cli.main import main
from batch.data import load as loader
from batch.etiquette import schedule
from batch.letters.compose import compose
from batch.model import interview as model
from batch.views.calendar import PRODID, event_uid, export_calendar

ROOT = Path(__file__).resolve().parents[2]
NOW = "2026-11-24T16:00:00-05:00"  # the Makefile's DEMO_NOW
MOMENT = datetime.fromisoformat(NOW)
JORDAN = "fabrikam-product-analyst/thank-you/jordan-blake"
ELENA = "northwind-data-analyst/thank-you/elena-torres"
MARCUS = "northwind-data-analyst/thank-you/marcus.chen@northwind.example"
ARJUN = "adatum-analytics-engineer/thank-you/arjun.mehta@adatum.example"
DANA_THANKS = "contoso-bi-developer/thank-you/dana.okafor@contoso.example"


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """A copy of the shipped example in a folder of its own."""
    shutil.copy(ROOT / "interviews.yaml", tmp_path / "interviews.yaml")
    return tmp_path


def export(work: Path, *args: str, now: str = NOW, data: str = "interviews.yaml") -> Path:
    """Run `followup calendar` as a user would; the path of the file it wrote."""
    output = work / "var" / "followups.ics"
    argv = ["--data", str(work / data), "--state", str(work / "var" / "followup.db"), "--now", now]
    assert main([*argv, "calendar", "--output", str(output), *args]) == 0
    return output


def events(path: Path) -> dict[str, icalendar.Event]:
    """The events of a file, by their follow-up key."""
    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    return {str(event["X-FOLLOWUP-KEY"]): event for event in calendar.walk("VEVENT")}


def plan_of(work: Path) -> tuple[model.Dataset, list[schedule.FollowUp]]:
    data = loader.load([work / "interviews.yaml"])
    return data, schedule.plan(data, MOMENT)


def test_every_follow_up_is_one_event_and_nothing_else(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = export(work)
    assert capsys.readouterr().out == f"calendar: {path}: 2 calls and cards to do, 5 emails, 1 cancelled\n"
    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    _, items = plan_of(work)
    assert sorted(events(path)) == sorted(item.key for item in items)
    assert len(calendar.walk("VEVENT")) == len(items) == 8
    assert calendar.walk("VTODO") == []
    assert (str(calendar["VERSION"]), str(calendar["PRODID"])) == ("2.0", PRODID)


@pytest.mark.parametrize(
    ("key", "line", "offset"),
    [
        (JORDAN, "DTSTART;TZID=America/Toronto:20261124T113000", timedelta(hours=-5)),
        (ELENA, "DTSTART;TZID=America/Toronto:20261124T154500", timedelta(hours=-5)),
        ("northwind-data-analyst/thank-you/priya.shah@northwind.example",
         "DTSTART;TZID=Europe/Berlin:20261125T080000", timedelta(hours=1)),
        (ARJUN, "DTSTART;TZID=Asia/Kolkata:20261127T090000", timedelta(hours=5, minutes=30)),
        ("contoso-bi-developer/check-in",
         "DTSTART;TZID=America/Vancouver:20261201T100000", timedelta(hours=-8)),
    ],
)  # fmt: skip
def test_each_event_starts_at_the_due_time_in_the_recipients_zone(
    work: Path, key: str, line: str, offset: timedelta
) -> None:
    path = export(work)
    event = events(path)[key]
    assert event.content_line("DTSTART", event["DTSTART"]) == line
    start = event.decoded("DTSTART")
    _, items = plan_of(work)
    assert start == next(item.due_at for item in items if item.key == key)
    assert start.utcoffset() == offset
    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    tzid = line.split("=")[1].split(":")[0]
    assert tzid in {str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")}
    assert calendar.get_missing_tzids() == set()


def test_a_vtimezone_gives_the_same_offset_as_the_zone_database(work: Path) -> None:
    text = export(work).read_bytes().decode()
    # Strip the TZIDs' meaning from the parser: with only the VTIMEZONE to go on, the offsets must hold.
    renamed = text.replace("Europe/Berlin", "Custom-Berlin").replace("Asia/Kolkata", "Custom-Kolkata")
    by_key = events_of_text(renamed)
    priya = by_key["northwind-data-analyst/thank-you/priya.shah@northwind.example"].decoded("DTSTART")
    arjun = by_key[ARJUN].decoded("DTSTART")
    assert not isinstance(priya.tzinfo, ZoneInfo)  # read from the VTIMEZONE, not the zone database
    assert priya.utcoffset() == timedelta(hours=1)
    assert arjun.utcoffset() == timedelta(hours=5, minutes=30)


def events_of_text(text: str) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(text)
    return {str(event["X-FOLLOWUP-KEY"]): event for event in calendar.walk("VEVENT")}


def test_summaries_name_the_action_the_person_and_the_company(work: Path) -> None:
    found = {key: str(event["SUMMARY"]) for key, event in events(export(work)).items()}
    assert found[JORDAN] == "Call Jordan Blake (Fabrikam)"
    assert found[ELENA] == "Write a card to Elena Torres (Northwind Traders)"
    assert found[MARCUS] == "Thank-you email to Marcus Chen (Northwind Traders)"
    assert found["contoso-bi-developer/check-in"] == "Check-in email to Dana Okafor (Contoso)"


@pytest.mark.parametrize("key", [JORDAN, ELENA, MARCUS, ARJUN])
def test_the_description_carries_the_script_draft_or_email_verbatim(work: Path, key: str) -> None:
    event = events(export(work))[key]
    data, items = plan_of(work)
    words = compose(next(item for item in items if item.key == key), data).words
    description = str(event["DESCRIPTION"])
    assert words.text.strip() in description
    assert "\n\n" in description  # real line breaks, not the escaped \n of the file
    if key == JORDAN:
        assert "+1 647 555 0188" in description and str(event["LOCATION"]) == "+1 647 555 0188"
    if key == MARCUS:
        assert f"Subject: {words.subject}" in description


def test_calls_and_cards_block_time_and_ring_while_emails_are_free_time(work: Path) -> None:
    found = events(export(work))
    for key in (JORDAN, ELENA):
        event = found[key]
        assert str(event["TRANSP"]) == "OPAQUE"
        (alarm,) = event.walk("VALARM")
        assert str(alarm["ACTION"]) == "DISPLAY" and alarm.decoded("TRIGGER") == timedelta(0)
    assert found[JORDAN].decoded("DURATION") == timedelta(minutes=15)
    assert found[ELENA].decoded("DURATION") == timedelta(minutes=30)
    assert str(found[MARCUS]["TRANSP"]) == "TRANSPARENT"
    assert found[MARCUS].walk("VALARM") == []
    assert {str(event["CLASS"]) for event in found.values()} == {"PRIVATE"}


def test_uids_come_from_the_keys_and_hold_across_exports_and_a_reordered_file(work: Path) -> None:
    first = {key: str(event["UID"]) for key, event in events(export(work)).items()}
    assert first == {key: event_uid(key) for key in first}
    assert len(set(first.values())) == len(first)
    text = (work / "interviews.yaml").read_text("utf-8")
    head, body = text.split("\ninterviews:\n")
    blocks = body.strip("\n").split("\n\n")
    assert len(blocks) == 4
    (work / "reordered.yaml").write_text(head + "\ninterviews:\n" + "\n\n".join(reversed(blocks)) + "\n")
    later = export(work, now="2026-11-25T09:00:00-05:00", data="reordered.yaml")
    assert {key: str(event["UID"]) for key, event in events(later).items()} == first


def test_dtstamp_is_the_moment_given_in_utc_and_sequence_starts_at_zero(work: Path) -> None:
    for event in events(export(work)).values():
        assert event.decoded("DTSTAMP") == MOMENT.astimezone(UTC)
        assert event.content_line("DTSTAMP", event["DTSTAMP"]).endswith("Z")
        assert event.decoded("SEQUENCE") == 0


def test_sequence_grows_only_for_the_event_whose_content_changed(work: Path) -> None:
    export(work)
    export(work, now="2026-11-24T16:30:00-05:00")
    assert {e.decoded("SEQUENCE") for e in events(work / "var" / "followups.ics").values()} == {0}
    yaml_file = work / "interviews.yaml"
    text = yaml_file.read_text("utf-8")
    yaml_file.write_text(text.replace("the team's move to weekly releases", "the release calendar"))
    path = export(work, now="2026-11-24T17:00:00-05:00")
    changed = {key: e.decoded("SEQUENCE") for key, e in events(path).items() if e.decoded("SEQUENCE")}
    assert changed == {JORDAN: 1}
    assert "the release calendar" in str(events(path)[JORDAN]["DESCRIPTION"])
    export(work, now="2026-11-24T17:30:00-05:00")
    assert events(path)[JORDAN].decoded("SEQUENCE") == 1


def test_follow_ups_that_will_not_happen_are_cancelled_with_the_reason(work: Path) -> None:
    found = events(export(work))
    assert str(found[DANA_THANKS]["STATUS"]) == "CANCELLED"
    assert "done" in str(found[DANA_THANKS]["DESCRIPTION"])
    assert {str(found[key]["STATUS"]) for key in (JORDAN, ELENA, MARCUS, ARJUN)} == {"CONFIRMED"}
    yaml_file = work / "interviews.yaml"
    text = yaml_file.read_text("utf-8")
    yaml_file.write_text(
        text.replace("    method: voicemail\n", "    method: voicemail\n    status: offer\n")
    )
    late = events(export(work, now="2026-12-03T12:00:00-05:00"))
    assert str(late[JORDAN]["STATUS"]) == "CANCELLED" and "offer" in str(late[JORDAN]["DESCRIPTION"])
    assert late[JORDAN].walk("VALARM") == []
    assert str(late[ELENA]["STATUS"]) == "CANCELLED" and "Expired" in str(late[ELENA]["DESCRIPTION"])
    assert late[ELENA].decoded("SEQUENCE") == 1


def test_an_interview_removed_from_the_data_is_cancelled_by_the_next_export(work: Path) -> None:
    before = events(export(work))[ARJUN]
    yaml_file = work / "interviews.yaml"
    text = yaml_file.read_text("utf-8")
    yaml_file.write_text(text[: text.index("\n  # A remote interview")] + "\n")
    after = events(export(work))
    assert ARJUN in after
    gone = after[ARJUN]
    assert str(gone["STATUS"]) == "CANCELLED"
    assert (str(gone["UID"]), gone.decoded("DTSTART")) == (str(before["UID"]), before.decoded("DTSTART"))
    assert gone.decoded("SEQUENCE") == 1
    assert "no longer" in str(gone["DESCRIPTION"])
    again = events(export(work))[ARJUN]
    assert again.decoded("SEQUENCE") == 1 and str(again["STATUS"]) == "CANCELLED"


def test_ledger_states_keep_an_event_live_or_cancel_it(work: Path) -> None:
    data, _ = plan_of(work)
    ledger = {MARCUS: "sent", JORDAN: "sent", ELENA: "uncertain", ARJUN: "replied"}
    raw, counts = export_calendar(schedule.plan(data, MOMENT, ledger), data, MOMENT)
    found = events_of_text(raw.decode())
    assert str(found[MARCUS]["STATUS"]) == "CONFIRMED" and "sent it" in str(found[MARCUS]["DESCRIPTION"])
    assert str(found[JORDAN]["STATUS"]) == "CONFIRMED"  # the reminder went; the call is still to make
    assert str(found[ELENA]["STATUS"]) == "CONFIRMED"
    assert str(found[ARJUN]["STATUS"]) == "CANCELLED" and "replied" in str(found[ARJUN]["DESCRIPTION"])
    assert (counts.to_do, counts.emails, counts.cancelled) == (2, 4, 2)


HOSTILE = """\
me: {name: Zoë Ångström, email: zoe@example.com, timezone: Europe/Paris}
interviews:
  - id: unicode-co
    company: "Ünïcode; Co, Ltd\\\\"
    role: "Ingénieure des données"
    start: 2026-11-24 10:00
    duration: 1h
    method: voicemail
    interviewers:
      - name: "Nguyễn Thị Minh Khai <b>"
        phone: "+33 1 23 45 67 89"
        topics: ["la migration vers dbt, les tests; et l’équipe ☕ — dont la réunion du lundi"]
      - name: Ōtani Shōhei
        email: shohei@example.jp
        timezone: Asia/Tokyo
"""


def test_the_file_is_well_formed_rfc_5545_even_with_unicode_and_special_characters(tmp_path: Path) -> None:
    (tmp_path / "data.yaml").write_text(HOSTILE, "utf-8")
    path = export(tmp_path, data="data.yaml", now="2026-11-24T12:00:00+01:00")
    raw = path.read_bytes()
    assert raw.startswith(b"BEGIN:VCALENDAR\r\n") and raw.endswith(b"END:VCALENDAR\r\n")
    lines = raw.split(b"\r\n")[:-1]
    assert all(b"\n" not in line and b"\r" not in line for line in lines)
    assert max(len(line) for line in lines) <= 75  # octets, folded by the writer
    for line in lines:
        line.decode("utf-8")  # folding never splits a character
    calendar = icalendar.Calendar.from_ical(raw)
    assert calendar.errors == []
    for event in calendar.walk("VEVENT"):
        assert event.errors == []
        for name in ("UID", "DTSTAMP", "DTSTART", "SUMMARY", "SEQUENCE", "STATUS"):
            assert name in event, name
        assert "DTEND" not in event or "DURATION" not in event
    found = events(path)
    call = found["unicode-co/thank-you/nguyễn-thị-minh-khai-b"]
    assert str(call["SUMMARY"]) == "Call Nguyễn Thị Minh Khai <b> (Ünïcode; Co, Ltd\\)"
    assert "l’équipe ☕" in str(call["DESCRIPTION"])
    shohei = found["unicode-co/thank-you/shohei@example.jp"]
    assert event_tzid(shohei) == "Asia/Tokyo" and event_tzid(call) == "Europe/Paris"


def event_tzid(event: icalendar.Event) -> str:
    return str(event["DTSTART"].params["TZID"])


def test_a_dash_writes_the_calendar_to_stdout_and_no_file(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = work / "var" / "followup.db"
    argv = ["--data", str(work / "interviews.yaml"), "--state", str(state), "--now", NOW]
    assert main([*argv, "calendar", "--output", "-"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("BEGIN:VCALENDAR\r\n")
    assert len(icalendar.Calendar.from_ical(out).walk("VEVENT")) == 8
    assert not (work / "var").exists()


def test_a_file_followup_did_not_write_is_left_alone(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mine = work / "mine.ics"
    mine.write_text("BEGIN:VCALENDAR\r\nPRODID:-//Someone//Else//EN\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n")
    before = mine.read_bytes()
    argv = ["--data", str(work / "interviews.yaml"), "--now", NOW, "calendar", "--output", str(mine)]
    assert main(argv) == 2
    assert "not written by followup calendar" in capsys.readouterr().err
    assert mine.read_bytes() == before
    mine.write_text("not a calendar at all")
    assert main(argv) == 2
    assert "not an iCalendar file" in capsys.readouterr().err


def test_the_command_runs_as_a_process_with_the_default_path(work: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "batch", "--now", NOW, "calendar"],
        cwd=work, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("calendar: var/followups.ics: ")
    assert len(events(work / "var" / "followups.ics")) == 8


def edit_first(path: Path, old: str, new: str) -> None:
    """Replace the first line that starts with `old` in an exported file (as a hand edit would)."""
    lines = path.read_bytes().decode("utf-8").split("\r\n")
    at = next(i for i, line in enumerate(lines) if line.startswith(old))
    lines[at] = new
    path.write_bytes("\r\n".join(lines).encode("utf-8"))


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("SEQUENCE:", "SEQUENCE:abc"),
        ("SEQUENCE:", "SEQUENCE:99999999999999999999"),
        ("SEQUENCE:", "SEQUENCE:2147483647"),
        ("SEQUENCE:", "SEQUENCE:-3"),
        ("UID:", "COMMENT:no uid"),
    ],
    ids=["not-a-number", "20-digits", "at-the-limit", "negative", "no-uid"],
)
def test_an_earlier_event_with_a_broken_sequence_or_no_uid_starts_afresh_with_one_warning(
    work: Path, capsys: pytest.CaptureFixture[str], old: str, new: str
) -> None:
    path = export(work)
    edit_first(path, old, new)
    capsys.readouterr()
    export(work, now="2026-11-24T17:00:00-05:00")
    out, err = capsys.readouterr()
    assert err == (
        f"warning: {path}: 1 earlier event had no UID or an unusable SEQUENCE; written afresh "
        "(a calendar app may keep its old copy)\n"
    )
    assert out.startswith(f"calendar: {path}: ")
    found = events(path)
    assert len(found) == 8 and {int(event["SEQUENCE"]) for event in found.values()} == {0}


def test_a_card_event_carries_the_address_to_post_it_to(work: Path) -> None:
    text = (work / "interviews.yaml").read_text(encoding="utf-8")
    after = "      - name: Elena Torres\n        title: Director of Finance\n"
    address = "".join(
        f"{' ' * indent}{line}\n"
        for indent, line in [
            (8, "address: |"),
            (10, "Northwind Traders"),
            (10, "100 King Street West"),
            (10, "Toronto ON"),
        ]
    )
    (work / "interviews.yaml").write_text(text.replace(after, after + address), encoding="utf-8")
    event = events(export(work))[ELENA]
    assert str(event["LOCATION"]) == "Northwind Traders, 100 King Street West, Toronto ON"
    assert "Post it to:\nNorthwind Traders\n100 King Street West\nToronto ON" in str(event["DESCRIPTION"])


def test_a_card_event_without_an_address_has_no_location(work: Path) -> None:
    assert "LOCATION" not in events(export(work))[ELENA]
