"""Public holidays: a recipient's holiday is not a working day, and the plan says which one it skipped.

The calendars are the real ones of the `holidays` package; each case names dates that the package
itself confirms (see test_the_cases_rest_on_the_packages_own_calendars).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest

from batch.cli.main import main
from batch.data import fields
from batch.data import load as loader
from batch.etiquette import schedule, workdays
from batch.model.policy import LocalPolicy, Policy

from .test_schedule import MARCUS, PRIYA, interview, load, only, plan

ON = {"country": "CA", "subdivision": "ON"}
QC = {"country": "CA", "subdivision": "QC"}
ENG = {"country": "GB", "subdivision": "ENG"}
TOM = {"name": "Tom Okoye", "email": "tom.okoye@northwind.example", "timezone": "Europe/London"}
ROOT = Path(__file__).parents[2]

# Canada Day is Wednesday 2026-07-01; Family Day (Ontario, not Quebec) Monday 2026-02-16; Victoria
# Day (not Quebec) Monday 2026-05-18; the Late Summer Bank Holiday (England, not Scotland) Monday
# 2026-08-31; Christmas Day is a Friday and Boxing Day is observed on Monday 2026-12-28.
PREMISES = [
    ("CA", "ON", date(2026, 7, 1), "Canada Day"),
    ("CA", None, date(2026, 7, 1), "Canada Day"),
    ("CA", "ON", date(2026, 2, 16), "Family Day"),
    ("CA", "QC", date(2026, 2, 16), None),
    ("CA", None, date(2026, 2, 16), None),
    ("CA", "ON", date(2026, 5, 18), "Victoria Day"),
    ("CA", None, date(2026, 5, 18), None),
    ("GB", "ENG", date(2026, 8, 31), "Late Summer Bank Holiday"),
    ("GB", "SCT", date(2026, 8, 31), None),
    ("GB", None, date(2026, 12, 25), "Christmas Day"),
    ("GB", None, date(2026, 12, 28), "Boxing Day (observed)"),
]


@pytest.mark.parametrize(("country", "region", "day", "name"), PREMISES)
def test_the_cases_rest_on_the_packages_own_calendars(country, region, day, name):
    import holidays

    assert (day in holidays.country_holidays(country, subdiv=region)) == (name is not None)
    assert workdays.holiday_calendar(country, region, day.year).get(day) == name


# (top-level policy, interview fields, interviewer, due_at, why)
THANK_YOU_CASES = [
    pytest.param(
        ON,
        {"start": "2026-06-30 17:00", "duration": "30m"},
        PRIYA,
        "2026-07-02T08:00:00-04:00",
        "same day, 60 min after the interview, moved to the next opening of Priya's working day, "
        "past Canada Day (CA)",
        id="same-day-due-on-canada-day-morning-moves-to-thursday-08-00",
    ),
    pytest.param(
        None,
        {"start": "2026-06-30 17:00", "duration": "30m"},
        PRIYA,
        "2026-07-02T08:00:00-04:00",
        "same day, 60 min after the interview, moved to the next opening of Priya's working day, "
        "past Canada Day (CA)",
        id="by-default-the-toronto-zone-implies-ontario-so-canada-day-is-skipped",
    ),
    pytest.param(
        {"country": "none"},
        {"start": "2026-06-30 17:00", "duration": "30m"},
        PRIYA,
        "2026-07-01T08:00:00-04:00",
        "same day, 60 min after the interview, moved to the next opening of Priya's working day",
        id="with-country-none-the-same-thank-you-goes-on-canada-day",
    ),
    pytest.param(
        ON,
        {"start": "2026-06-30 10:00", "delay": "next-day"},
        PRIYA,
        "2026-07-02T09:00:00-04:00",
        "next business day, 09:00, moved past Canada Day (CA)",
        id="next-day-after-june-30-is-july-2-09-00",
    ),
    pytest.param(
        {"country": "CA"},
        {"start": "2026-06-29 10:00", "delay": "two-days"},
        PRIYA,
        "2026-07-02T09:00:00-04:00",
        "second business day, 09:00, moved past Canada Day (CA)",
        id="two-days-after-monday-counts-tuesday-and-thursday",
    ),
    pytest.param(
        ON,
        {"start": "2026-07-01 10:00"},
        PRIYA,
        "2026-07-02T08:00:00-04:00",
        "same day, 60 min after the interview, moved to the next opening of Priya's working day, "
        "past Canada Day (CA)",
        id="an-interview-held-on-canada-day-is-thanked-the-next-morning",
    ),
    pytest.param(
        ON,
        {"start": "2026-02-13 16:30", "duration": "1h"},
        PRIYA,
        "2026-02-17T08:00:00-05:00",
        "same day, 60 min after the interview, moved to the next opening of Priya's working day, "
        "past Family Day (CA-ON)",
        id="ontario-family-day-moves-a-friday-evening-thank-you-to-tuesday",
    ),
    pytest.param(
        QC,
        {"start": "2026-02-13 16:30", "duration": "1h"},
        PRIYA,
        "2026-02-16T08:00:00-05:00",
        "same day, 60 min after the interview, moved to the next opening of Priya's working day",
        id="quebec-works-on-family-day-monday-08-00",
    ),
    pytest.param(
        None,
        {"start": "2026-08-28 11:00", "duration": "1h"},
        TOM | {"policy": ENG},
        "2026-09-01T08:00:00+01:00",
        "same day, 60 min after the interview, moved to the next opening of Tom's working day, "
        "past Late Summer Bank Holiday (GB-ENG)",
        id="london-interviewer-skips-the-english-bank-holiday",
    ),
    pytest.param(
        None,
        {"start": "2026-08-28 11:00", "duration": "1h"},
        TOM | {"policy": {"country": "GB", "subdivision": "SCT"}},
        "2026-08-31T08:00:00+01:00",
        "same day, 60 min after the interview, moved to the next opening of Tom's working day",
        id="scotland-works-on-the-english-bank-holiday",
    ),
    pytest.param(
        {"country": "GB"},
        {"start": "2026-12-24 11:00", "duration": "1h"},
        TOM,
        "2026-12-29T08:00:00+00:00",
        "same day, 60 min after the interview, moved to the next opening of Tom's working day, "
        "past Christmas Day and Boxing Day (observed) (GB)",
        id="christmas-and-the-observed-boxing-day-are-both-named",
    ),
    pytest.param(
        ON,
        {"start": "2026-06-30 17:00", "duration": "30m"},
        PRIYA | {"policy": ENG, "timezone": "Europe/London"},
        "2026-07-01T08:00:00+01:00",
        "same day, 60 min after the interview, moved to the next opening of Priya's working day",
        id="an-interviewer-in-england-gets-it-on-canada-day",
    ),
    pytest.param(
        ON,
        {"start": "2026-06-30 17:00", "duration": "30m", "policy": ENG},
        PRIYA | {"timezone": "Europe/London"},
        "2026-07-01T08:00:00+01:00",
        "same day, 60 min after the interview, moved to the next opening of Priya's working day",
        id="the-interviews-policy-overrides-the-top-level",
    ),
    pytest.param(
        None,
        {"start": "2026-02-13 16:30", "duration": "1h", "policy": ON},
        PRIYA | {"policy": QC},
        "2026-02-16T08:00:00-05:00",
        "same day, 60 min after the interview, moved to the next opening of Priya's working day",
        id="the-interviewers-policy-overrides-the-interviews",
    ),
    pytest.param(
        None,
        {"start": "2026-02-13 16:30", "duration": "1h", "policy": ON},
        PRIYA,
        "2026-02-17T08:00:00-05:00",
        "same day, 60 min after the interview, moved to the next opening of Priya's working day, "
        "past Family Day (CA-ON)",
        id="an-interviewer-without-a-policy-keeps-the-interviews",
    ),
    pytest.param(
        ON,
        {"start": "2026-07-02 10:00"},
        PRIYA,
        "2026-07-02T11:45:00-04:00",
        "same day, 60 min after the interview",
        id="a-holiday-before-the-interview-changes-nothing",
    ),
]


@pytest.mark.parametrize(("top", "fields_", "person", "due_at", "why"), THANK_YOU_CASES)
def test_thank_you_skips_the_recipients_holidays(tmp_path, top, fields_, person, due_at, why):
    policy = {"policy": top} if top else {}
    item = only(plan(tmp_path, interview(**fields_, interviewers=[person]), **policy), "thank-you")
    assert (item.due_at.isoformat(), item.why) == (due_at, why)


# (top-level policy, interview fields, first interviewer, due_at, why)
CHECK_IN_CASES = [
    pytest.param(
        ON,
        {"start": "2026-05-11 14:00", "decision_by": "2026-05-15"},
        PRIYA,
        "2026-05-20T10:00:00-04:00",
        "2 business days after decision_by, moved past Victoria Day (CA-ON)",
        id="after-a-friday-decision-before-victoria-day-it-is-wednesday",
    ),
    pytest.param(
        None,
        {"start": "2026-05-11 14:00", "decision_by": "2026-05-15"},
        PRIYA,
        "2026-05-20T10:00:00-04:00",
        "2 business days after decision_by, moved past Victoria Day (CA-ON)",
        id="by-default-toronto-implies-ontario-so-victoria-day-is-skipped",
    ),
    pytest.param(
        {"country": "none"},
        {"start": "2026-05-11 14:00", "decision_by": "2026-05-15"},
        PRIYA,
        "2026-05-19T10:00:00-04:00",
        "2 business days after decision_by",
        id="with-country-none-it-is-tuesday",
    ),
    pytest.param(
        ON,
        {"start": "2026-05-11 14:00", "decision_by": "2026-05-15"},
        PRIYA | {"policy": QC},
        "2026-05-20T10:00:00-04:00",
        "2 business days after decision_by, moved past National Patriots' Day (CA-QC)",
        id="quebec-has-its-own-name-for-that-monday",
    ),
    pytest.param(
        {"country": "US"},
        {"start": "2026-08-31 14:00", "decision_by": "2026-09-04"},
        PRIYA | {"timezone": "America/New_York"},  # in Toronto she keeps Canada's calendar (test_places)
        "2026-09-09T10:00:00-04:00",
        "2 business days after decision_by, moved past Labor Day (US)",
        id="us-labor-day-after-a-friday-decision",
    ),
    pytest.param(
        ON,
        {"start": "2026-05-11 14:00", "decision_by": "2026-05-15"},
        TOM | {"policy": ENG},
        "2026-05-19T10:00:00+01:00",
        "2 business days after decision_by",
        id="the-first-interviewers-own-calendar-decides",
    ),
]


@pytest.mark.parametrize(("top", "fields_", "person", "due_at", "why"), CHECK_IN_CASES)
def test_check_in_skips_the_recipients_holidays(tmp_path, top, fields_, person, due_at, why):
    policy = {"policy": top} if top else {}
    items = plan(tmp_path, interview(**fields_, interviewers=[person, MARCUS]), **policy)
    item = only(items, "check-in")
    assert (item.due_at.isoformat(), item.why) == (due_at, why)


# Interviews just before Canada Day, Christmas and Family Day: a plan with country: none ignores them all.
NEAR_HOLIDAYS = [
    ("2026-06-30 17:00", "same-day"),
    ("2026-12-24 10:00", "next-day"),
    ("2026-02-13 16:30", "two-days"),
]


@pytest.mark.parametrize(
    "policy", [{"country": "none"}, {"country": "None", "window_start": "08:00"}], ids=["none", "None"]
)
def test_with_country_none_holidays_are_working_days(tmp_path, policy):
    cases = [
        interview(id=f"i{n}", start=start, delay=delay, decision_by="2026-12-24", interviewers=[PRIYA, TOM])
        for n, (start, delay) in enumerate(NEAR_HOLIDAYS)
    ]
    items = plan(tmp_path, *cases, **({} if policy is None else {"policy": policy}))
    due = sorted((item.key, item.due_at.isoformat()) for item in items)
    assert due == [
        ("i0/check-in", "2026-12-28T10:00:00-05:00"),
        ("i0/thank-you/priya.shah@northwind.example", "2026-07-01T08:00:00-04:00"),
        ("i0/thank-you/tom.okoye@northwind.example", "2026-07-01T08:00:00+01:00"),
        ("i1/check-in", "2026-12-28T10:00:00-05:00"),
        ("i1/thank-you/priya.shah@northwind.example", "2026-12-25T09:00:00-05:00"),
        ("i1/thank-you/tom.okoye@northwind.example", "2026-12-25T09:00:00+00:00"),
        ("i2/check-in", "2026-12-28T10:00:00-05:00"),
        ("i2/thank-you/priya.shah@northwind.example", "2026-02-17T09:00:00-05:00"),
        ("i2/thank-you/tom.okoye@northwind.example", "2026-02-17T09:00:00+00:00"),
    ]
    assert not any("past" in item.why for item in items)


BUSINESS_DAY_CASES = [
    pytest.param(Policy(), date(2026, 6, 30), 1, date(2026, 7, 1), id="no-country-counts-canada-day"),
    pytest.param(Policy(country="CA"), date(2026, 6, 30), 1, date(2026, 7, 2), id="canada-skips-it"),
    pytest.param(Policy(country="CA"), date(2026, 12, 24), 1, date(2026, 12, 28), id="ca-christmas-only"),
    pytest.param(
        Policy(country="CA", subdivision="ON"), date(2026, 12, 24), 1, date(2026, 12, 29), id="on-boxing-day"
    ),
    pytest.param(
        Policy(country="GB", subdivision="ENG"), date(2026, 4, 2), 1, date(2026, 4, 7), id="eng-easter"
    ),
    pytest.param(
        Policy(country="GB", subdivision="SCT"), date(2026, 4, 2), 1, date(2026, 4, 6), id="sct-easter"
    ),
]


@pytest.mark.parametrize(("policy", "day", "count", "expected"), BUSINESS_DAY_CASES)
def test_add_business_days_skips_public_holidays(policy, day, count, expected):
    assert workdays.add_business_days(day, count, policy) == expected


def test_recipient_policy_takes_the_nearest_place(tmp_path):
    data = load(
        tmp_path,
        interview(policy=ON, interviewers=[PRIYA | {"policy": QC}, MARCUS]),
        interview(id="other", interviewers=[MARCUS]),
        policy={"country": "GB", "window_start": "09:00"},
    )
    first, second = data.interviews
    places = [
        (p.country, p.subdivision, p.window_start.hour)
        for p in (
            workdays.recipient_policy(data.policy, first, first.interviewers[0]),
            workdays.recipient_policy(data.policy, first, first.interviewers[1]),
            workdays.recipient_policy(data.policy, second, second.interviewers[0]),
        )
    ]
    assert places == [("CA", "QC", 9), ("CA", "ON", 9), ("GB", None, 9)]
    assert first.interviewers[0].policy == LocalPolicy("CA", "QC")


def test_codes_are_read_in_any_case_and_kept_in_the_packages(tmp_path):
    data = load(tmp_path, interview(policy={"country": "ca", "subdivision": "qc"}), policy={"country": "gb"})
    assert data.interviews[0].policy == LocalPolicy("CA", "QC")
    assert (data.policy.country, data.policy.subdivision) == ("GB", None)


def test_plan_json_says_why_the_thank_you_moved(tmp_path, capsys):
    load(tmp_path, interview(start="2026-06-30 10:00", delay="next-day"), policy=ON)
    path = tmp_path / "interviews.yaml"
    now = "2026-06-30T12:00:00-04:00"
    assert main(["--data", str(path), "--now", now, "--state", str(tmp_path / "s.db"), "plan", "--json"]) == 0
    (item,) = json.loads(capsys.readouterr().out)
    assert (item["due_at"], item["why"]) == (
        "2026-07-02T09:00:00-04:00",
        "next business day, 09:00, moved past Canada Day (CA)",
    )


def test_holiday_names_do_not_follow_the_locale_of_the_machine(tmp_path):
    # Without an explicit language, the package would name Canada Day "Fête du Canada" here.
    code = (
        "import locale, sys; from datetime import date;"
        " from batch.etiquette.workdays import holiday_calendar;"
        "print(holiday_calendar('CA', 'QC', 2026)[date(2026, 7, 1)])"
    )
    env = {"LANG": "fr_CA.UTF-8", "LC_ALL": "fr_CA.UTF-8", "LANGUAGE": "fr", "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT)
    assert done.stdout.strip() == "Canada Day", done.stderr


IMPORTS = (
    "import sys; from batch.cli.main import main; code = main(sys.argv[1:]);"
    "print('holidays' in sys.modules, file=sys.stderr); raise SystemExit(code)"
)


@pytest.mark.parametrize(
    ("command", "now", "imported"),
    [
        # cron's run without mail settings (an explicit --dry-run now also previews what comes next)
        (["send", "--outbox", "out"], "2026-11-20T10:00:00-05:00", "False"),
        (["send", "--dry-run", "--outbox", "out"], "2026-11-24T16:00:00-05:00", "True"),
        (["plan"], "2026-11-20T10:00:00-05:00", "True"),
    ],
    ids=[
        "an-idle-send-run-never-loads-the-holiday-data",
        "a-send-with-something-due-does",
        "plan-always-does",
    ],
)
def test_holidays_are_loaded_only_when_a_follow_up_is_being_placed(tmp_path, command, now, imported):
    path = tmp_path / "interviews.yaml"
    path.write_text((ROOT / "interviews.yaml").read_text("utf-8"), "utf-8")
    args = ["--data", str(path), "--now", now, "--state", str(tmp_path / "s.db")]
    done = subprocess.run(
        [sys.executable, "-c", IMPORTS, *args, *command],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().splitlines()[-1] == imported


@pytest.mark.parametrize(("zone_name", "place"), sorted(workdays.ZONE_REGIONS.items()))
def test_every_zone_region_is_a_subdivision_the_holiday_calendars_know(zone_name, place):
    implied = workdays.place_of_zone(zone_name)
    assert implied is not None and implied.subdivision == place
    assert fields.parse_subdivision(implied.country, place) == place


@pytest.mark.parametrize(
    ("zone_name", "implied"),
    [("America/Toronto", ("CA", "ON")), ("Europe/Berlin", ("DE", "BE")), ("America/New_York", ("US", "NY")),
     ("Asia/Kolkata", ("IN", None)), ("Europe/Paris", ("FR", None)), ("UTC", None)],
)  # fmt: skip
def test_a_time_zone_implies_its_country_and_region(zone_name, implied):
    found = workdays.place_of_zone(zone_name)
    assert (found and (found.country, found.subdivision)) == implied


def test_the_shipped_example_skips_victoria_day_without_naming_a_country(tmp_path):
    # The example's panel moved to the Friday evening before Victoria Day (Mon 18 May 2026, Ontario)
    text = (ROOT / "interviews.yaml").read_text("utf-8").replace("2026-11-24 14:00", "2026-05-15 17:00")
    assert "country" not in text
    path = tmp_path / "interviews.yaml"
    path.write_text(text, "utf-8")
    items = schedule.plan(loader.load([path]), datetime.fromisoformat("2026-05-01T09:00:00-04:00"))
    marcus = next(
        i for i in items if i.key == "northwind-data-analyst/thank-you/marcus.chen@northwind.example"
    )
    assert marcus.due_at.isoformat() == "2026-05-19T08:00:00-04:00"
    assert "Victoria Day (CA-ON)" in marcus.why


@pytest.mark.parametrize(
    ("country", "region", "kept"),
    [("CA", None, ("CA", None)), (" gb ", "eng", ("GB", "ENG")), ("fr", "zone a", ("FR", "Zone A"))],
    ids=["a-code", "any-case", "spelt-as-the-package-spells-it"],
)
def test_codes_are_kept_as_the_package_spells_them(country, region, kept):
    code = fields.parse_country(country)
    assert (code, region and fields.parse_subdivision(code, region)) == kept


# (what is written, a fragment of the refusal)
BAD_COUNTRIES = [
    pytest.param("CAN", "did you mean 'CA'?", id="alpha-3-names-its-code"),
    pytest.param("UK", "did you mean 'GB'?", id="uk-is-gb"),
    pytest.param("United Kingdom", "did you mean 'GB'?", id="a-name"),
    pytest.param("Germny", "did you mean 'DE'?", id="a-misspelt-name"),
    pytest.param("ZZ", "a two-letter code such as CA, GB or US", id="nothing-near"),
    pytest.param(["CA"], "expected text, found a list", id="a-list"),
]


@pytest.mark.parametrize(("raw", "refusal"), BAD_COUNTRIES)
def test_an_unknown_country_is_refused_with_the_nearest_code(raw, refusal):
    with pytest.raises(ValueError, match=re.escape(refusal)):
        fields.parse_country(raw)


# (country, what is written, a fragment of the refusal)
BAD_SUBDIVISIONS = [
    pytest.param("CA", "Québec", "did you mean 'QC'? CA has AB, BC, MB,", id="a-name-names-its-code"),
    pytest.param("US", "Californa", "did you mean 'CA'? US has AK, AL,", id="a-misspelt-name"),
    pytest.param("US", "XX", "(US has AK, AL, AR, AS, AZ, CA, CO, CT, DC, DE … (", id="a-long-list-is-cut"),
    pytest.param("IS", "RKV", "the holiday calendar of IS has no subdivisions", id="none-there"),
]


@pytest.mark.parametrize(("country", "raw", "refusal"), BAD_SUBDIVISIONS)
def test_an_unknown_subdivision_is_refused_with_its_countrys_codes(country, raw, refusal):
    with pytest.raises(ValueError, match=re.escape(refusal)):
        fields.parse_subdivision(country, raw)


# An alias (a link in the tz database) names the same place as the zone it links to; zone.tab, where
# the country comes from, lists only the zones. Thu 2026-12-24 10:00, next-day: Christmas is a Friday.
@pytest.mark.parametrize(
    ("alias", "zone_name"),
    [("US/Eastern", "America/New_York"), ("GB", "Europe/London"), ("Asia/Calcutta", "Asia/Kolkata"),
     ("Canada/Eastern", "America/Toronto"), ("US/Michigan", "America/Detroit"), ("NZ", "Pacific/Auckland"),
     # not links, but the rules of a place all the same (a second outside trial): the old US rule names,
     # the tz database's default rules, and posix/'s copy of every zone
     ("EST5EDT", "America/New_York"), ("PST8PDT", "America/Los_Angeles"), ("posixrules", "America/New_York"),
     ("posix/US/Eastern", "America/New_York"), ("posix/GB", "Europe/London")],
)  # fmt: skip
def test_an_interviewer_whose_zone_is_an_alias_keeps_the_holidays_of_the_zone_it_names(
    tmp_path, alias, zone_name
):
    def placed(zone: str):
        fields_ = {
            "start": "2026-12-24 10:00",
            "delay": "next-day",
            "interviewers": [PRIYA | {"timezone": zone}],
        }
        item = only(plan(tmp_path, interview(**fields_)), "thank-you")
        return item.due_at.isoformat(), item.why

    due_at, why = placed(alias)
    assert not due_at.startswith("2026-12-25"), why
    assert ", moved past " in why  # Christmas Day (US), Christmas (IN), Boxing Day (observed) (NZ)…
    assert (due_at, why) == placed(zone_name)


@pytest.mark.parametrize(
    ("alias", "implied"),
    [("US/Eastern", ("US", "NY")), ("US/Michigan", ("US", "MI")), ("Canada/Eastern", ("CA", "ON")),
     ("Europe/Belfast", ("GB", "ENG")), ("Eire", ("IE", None)), ("America/Buenos_Aires", ("AR", None))],
)  # fmt: skip
def test_an_alias_implies_the_country_and_region_of_the_zone_it_links_to(alias, implied):
    found = workdays.place_of_zone(alias)
    assert (found and (found.country, found.subdivision)) == implied


def _tz_database_files() -> tuple[set[str], dict[str, str]]:
    """The zones zone.tab lists and the links tzdata.zi holds, from the copy this Python uses."""
    import importlib.util

    spec = importlib.util.find_spec("tzdata")
    folder = Path(spec.origin).parent / "zoneinfo" if spec and spec.origin else Path("/usr/share/zoneinfo")
    listed = {
        line.split("\t")[2]
        for line in (folder / "zone.tab").read_text("utf-8").splitlines()
        if line and not line.startswith("#")
    }
    links = {
        line.split()[2]: line.split()[1]
        for line in (folder / "tzdata.zi").read_text("utf-8").splitlines()
        if line.startswith("L ")
    }
    return listed, links


_LISTED, _LINKS = _tz_database_files()


# A link listed in zone.tab itself (Europe/Amsterdam, a link to Europe/Brussels) keeps its own country
@pytest.mark.parametrize(
    ("link", "target"),
    sorted((link, target) for link, target in _LINKS.items() if target in _LISTED and link not in _LISTED),
)
def test_every_link_in_the_tz_database_names_the_place_of_its_zone(link, target):
    assert workdays.place_of_zone(target) is not None
    assert workdays.place_of_zone(link) == workdays.place_of_zone(target)


def test_a_link_listed_in_the_zone_table_keeps_its_own_country():
    assert workdays.place_of_zone("Europe/Amsterdam") == LocalPolicy("NL", None)


@pytest.mark.parametrize(
    "init, table",
    [
        ("raise ImportError('a half-removed tzdata')\n", None),
        ("raise RuntimeError('boom')\n", None),  # a stand-in's code may raise anything
        ("", b"\xff\xfe\x00 not a zone table \x81"),  # a zone table that is no text
        ("", b"FR\t+4043-07400\tAmerica/New_York\n"),  # New York in France, whose regions have no NY
    ],
    ids=["import-error", "runtime-error", "binary-zone-table", "zone-in-another-country"],
)
def test_a_tzdata_package_that_fails_to_import_leaves_the_systems_zones_to_say_the_holidays(
    tmp_path, init, table
):
    broken = tmp_path / "site" / "tzdata"
    broken.mkdir(parents=True)
    (broken / "__init__.py").write_text(init, "utf-8")
    if table is not None:
        (broken / "zoneinfo").mkdir()
        (broken / "zoneinfo" / "zone.tab").write_bytes(table)
    fields_ = {
        "start": "2026-12-24 10:00",
        "delay": "next-day",
        "interviewers": [PRIYA | {"timezone": "US/Eastern"}],
    }
    load(tmp_path, interview(**fields_))  # writes interviews.yaml
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("FOLLOWUP_")}
    env["PYTHONPATH"] = f"{tmp_path / 'site'}:{ROOT}"
    code = "import sys; from batch.cli.main import main; sys.exit(main(sys.argv[1:]))"
    args = ["--data", str(tmp_path / "interviews.yaml"), "--now", "2026-12-24T12:00-05:00", "plan", "--json"]
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        check=False,
    )
    assert (done.returncode, "Traceback" in done.stderr) == (0, False), done.stderr
    assert "Christmas Day" in done.stdout


@pytest.mark.parametrize(
    ("name", "says"),
    [("right/US/Eastern", "counts leap seconds"), ("localtime", "names no place"),
     ("Factory", "names no place"), ("posixrules", "default rules")],
)  # fmt: skip
def test_a_zone_that_names_no_place_or_keeps_another_clock_is_warned_about(name, says):
    from batch.data.fields import zone_warning

    warning = zone_warning(name)
    assert warning is not None and says in warning
