"""`followup check` and `followup plan` as a user runs them: through main([...]) and as a process."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from batch.cli.main import main
from batch.data import load as loader
from tests.runs import write_batch

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "interviews.yaml"
NOW = "2026-11-24T16:00:00-05:00"  # the Makefile's DEMO_NOW: inside the example's timeline
FIELDS = ("key", "interview", "kind", "method", "recipient", "due_at", "expires_at", "state")
# The shipped example at NOW, in plan order, one tuple of FIELDS a follow-up.
EXPECTED_PLAN = [
    (
        "contoso-bi-developer/thank-you/dana.okafor@contoso.example",
        "contoso-bi-developer",
        "thank-you",
        "email",
        "dana.okafor@contoso.example",
        "2026-11-23T09:00:00-08:00",
        "2026-11-25T16:00:00-08:00",
        "done",
    ),
    (
        "fabrikam-product-analyst/thank-you/jordan-blake",
        "fabrikam-product-analyst",
        "thank-you",
        "voicemail",
        "Jordan Blake",
        "2026-11-24T11:30:00-05:00",
        "2026-11-29T10:30:00-05:00",
        "due",
    ),
    (
        "northwind-data-analyst/thank-you/elena-torres",
        "northwind-data-analyst",
        "thank-you",
        "note",
        "Elena Torres",
        "2026-11-24T15:45:00-05:00",
        "2026-11-29T14:45:00-05:00",
        "due",
    ),
    (
        "northwind-data-analyst/thank-you/marcus.chen@northwind.example",
        "northwind-data-analyst",
        "thank-you",
        "email",
        "marcus.chen@northwind.example",
        "2026-11-24T15:45:00-05:00",
        "2026-11-29T14:45:00-05:00",
        "due",
    ),
    (
        "northwind-data-analyst/thank-you/priya.shah@northwind.example",
        "northwind-data-analyst",
        "thank-you",
        "email",
        "priya.shah@northwind.example",
        "2026-11-25T08:00:00+01:00",
        "2026-11-29T20:45:00+01:00",
        "scheduled",
    ),
    (
        "adatum-analytics-engineer/thank-you/arjun.mehta@adatum.example",
        "adatum-analytics-engineer",
        "thank-you",
        "email",
        "arjun.mehta@adatum.example",
        "2026-11-27T09:00:00+05:30",
        "2026-11-30T21:00:00+05:30",
        "scheduled",
    ),
    (
        "contoso-bi-developer/check-in",
        "contoso-bi-developer",
        "check-in",
        "email",
        "dana.okafor@contoso.example",
        "2026-12-01T10:00:00-08:00",
        "2026-12-15T10:00:00-08:00",
        "scheduled",
    ),
    (
        "northwind-data-analyst/check-in",
        "northwind-data-analyst",
        "check-in",
        "email",
        "priya.shah@northwind.example",
        "2026-12-08T10:00:00+01:00",
        "2026-12-22T10:00:00+01:00",
        "scheduled",
    ),
]


@pytest.fixture
def state(tmp_path: Path) -> str:
    """A ledger path of the test's own: plan reads the ledger, and must never touch var/."""
    return str(tmp_path / "followup.db")


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> list[dict[str, str]]:
    assert main(list(argv)) == 0
    out, err = capsys.readouterr()
    assert err == ""
    return json.loads(out)


def test_check_on_the_example_exits_0_with_a_one_line_summary(capsys, state):
    assert main(["--data", str(EXAMPLE), "--now", NOW, "--state", state, "check"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert re.fullmatch(r"ok: 4 interviews, 8 follow-ups\b[^\n]*\n", out), out


def test_plan_json_lists_every_follow_up_with_its_fields(capsys, state):
    rows = run_json(capsys, "--data", str(EXAMPLE), "--now", NOW, "--state", state, "plan", "--json")
    assert [tuple(row[name] for name in FIELDS) for row in rows] == EXPECTED_PLAN


def test_plan_json_times_all_carry_an_offset(capsys, state):
    rows = run_json(capsys, "--data", str(EXAMPLE), "--now", NOW, "--state", state, "plan", "--json")
    offset = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")
    assert all(offset.match(row["due_at"]) and offset.match(row["expires_at"]) for row in rows)
    assert len({row["key"] for row in rows}) == len(rows) == 8


@pytest.mark.parametrize(
    ("now", "marcus"),
    [
        pytest.param("2026-11-24T15:44", "scheduled", id="a-minute-before-in-toronto"),
        pytest.param("2026-11-24T15:45", "due", id="at-the-moment-in-toronto"),
        pytest.param("2026-11-24T20:44:00+00:00", "scheduled", id="a-minute-before-given-in-utc"),
        pytest.param("2026-11-24T20:45Z", "due", id="at-the-moment-given-as-z"),
    ],
)
def test_now_without_an_offset_is_taken_in_my_time_zone(capsys, state, now, marcus):
    rows = run_json(capsys, "--data", str(EXAMPLE), "--now", now, "--state", state, "plan", "--json")
    states = {row["key"]: row["state"] for row in rows}
    assert states["northwind-data-analyst/thank-you/marcus.chen@northwind.example"] == marcus


def test_now_without_offset_gives_the_same_plan_as_with_my_offset(capsys, state):
    naive = run_json(capsys, "--data", str(EXAMPLE), "--now", NOW[:19], "--state", state, "plan", "--json")
    aware = run_json(capsys, "--data", str(EXAMPLE), "--now", NOW, "--state", state, "plan", "--json")
    assert naive == aware


@pytest.mark.parametrize("now", ["tomorrow", "2026-13-01T10:00", "24/11/2026 16:00", ""])
def test_bad_now_exits_2_with_one_line(capsys, state, now):
    assert main(["--data", str(EXAMPLE), "--now", now, "--state", state, "plan", "--json"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.splitlines()) == 1
    assert err.startswith("--now: ") and "is not an ISO-8601 time" in err


def test_plan_table_shows_each_follow_up_in_the_recipients_time(capsys, state):
    assert main(["--data", str(EXAMPLE), "--now", NOW, "--state", state, "plan"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 + 8
    assert lines[0].startswith("GOES (their time = yours)")
    priya = next(line for line in lines if "Priya Shah" in line and "thank-you" in line)
    assert priya.startswith("Wed 25 Nov 08:00 CET = 02:00 EST") and "scheduled" in priya
    marcus = next(line for line in lines if "Marcus Chen" in line)  # due since 15:45: it goes at the next run
    assert marcus.startswith("Tue 24 Nov 16:00 EST ") and "due" in marcus


def test_plan_of_bad_data_exits_2_and_prints_nothing_on_stdout(capsys, state):
    bad = ROOT / "tests" / "corpus" / "bad" / "unknown-key-interviewr.yaml"
    assert main(["--data", str(bad), "--now", NOW, "--state", state, "plan", "--json"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [  # sorted by line
        f"{bad}:5:5: an interview needs interviewers:",
        f"{bad}:10:5: unknown key 'interviewr' in an interview (did you mean 'interviewers'?)",
    ]


def run(*argv: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "batch", *argv], cwd=cwd, capture_output=True, text=True, timeout=60
    )


def test_plan_json_as_a_process(state):
    done = run("--data", str(EXAMPLE), "--now", NOW, "--state", state, "plan", "--json")
    assert (done.returncode, done.stderr) == (0, "")
    assert [tuple(row[name] for name in FIELDS) for row in json.loads(done.stdout)] == EXPECTED_PLAN


def test_followup_script_checks_the_default_data_in_the_current_folder(tmp_path):
    script = Path(sys.executable).with_name("followup")
    (tmp_path / "interviews.yaml").write_text(EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    done = subprocess.run(
        [str(script), "--now", NOW, "--state", str(tmp_path / "l.db"), "check"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith("ok: 4 interviews, 8 follow-ups")


def test_check_of_bad_data_as_a_process_is_path_line_col_and_no_traceback(tmp_path):
    bad = tmp_path / "interviews.yaml"
    bad.write_text("me: {name: Sam, email: sam@example.com, timezone: America/Toronot}\n", encoding="utf-8")
    done = run("check", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == (
        f"{bad}:1:51: timezone: unknown time zone 'America/Toronot' (did you mean 'America/Toronto'?)\n"
    )


@pytest.mark.parametrize(
    "rows", [[], [{"a": 1}], [{"key": "x/é", "n": [1, 2], "m": {"k": None}}, {"c": "two"}, {}]]
)
def test_plan_json_written_row_by_row_is_the_text_json_dump_would_write(rows: list[dict]) -> None:
    import io

    from batch.cli.planning import write_json_rows

    out = io.StringIO()
    write_json_rows(iter(rows), out)
    assert out.getvalue() == json.dumps(rows, indent=2, ensure_ascii=False) + "\n"


def test_plan_json_also_answers_to_the_design_notes_names_id_and_deadline(capsys, state):
    rows = run_json(capsys, "--data", str(EXAMPLE), "--now", NOW, "--state", state, "plan", "--json")
    assert all(row["id"] == row["key"] and row["deadline"] == row["expires_at"] for row in rows)


@pytest.mark.parametrize("files", [1, 3])
def test_check_parses_each_file_once_for_the_places_of_any_number_of_failing_messages(
    tmp_path, capsys, monkeypatch, files
):
    paths = []
    for n in range(files):
        path = write_batch(tmp_path / f"batch{n}.yaml", 40)
        text = path.read_text(encoding="utf-8").replace(
            "policy: {daily_cap: 1000}\n", "policy: {email_max_words: 10}\n"
        )
        if n:  # one me: and one policy: in all
            text = "interviews:\n" + text.split("interviews:\n", 1)[1].replace("company-", f"f{n}-company-")
            text = text.replace("company: Company", f"company: F{n} Company")  # not the same interviews again
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    parses = []
    real_locate = loader.locate
    monkeypatch.setattr(loader, "locate", lambda text, wanted: parses.append(1) or real_locate(text, wanted))
    assert main(["--data", str(tmp_path), "--now", NOW, "check"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 40 * files and all("words; keep an email to 10 or fewer" in line for line in lines)
    assert len(parses) == files  # one parse a file, not one a problem
    first = lines[0].split(":")[:3]
    assert first == [str(paths[0]), "14", "9"]  # the place is still the first interviewer's


def test_a_dry_run_writing_to_a_full_disk_still_writes_every_message_and_exits_1(tmp_path):
    outbox = tmp_path / "outbox"
    argv = ["--data", str(EXAMPLE), "--state", str(tmp_path / "followup.db"), "--now", NOW]
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "batch", *argv, "send", "--dry-run", "--outbox", str(outbox)],
            cwd=ROOT,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    assert done.returncode == 1
    assert done.stderr == (
        "could not write all of the output (No space left on device); the run went on to its end regardless\n"
    )
    written = sorted(
        path.read_bytes().split(b"\r\nTo: ")[1].split(b"\r\n")[0] for path in (outbox / "new").iterdir()
    )
    assert written == [
        b"Marcus Chen <marcus.chen@northwind.example>",
        b"Sam Rivera <sam.rivera@example.com>",  # the reminders: call Jordan, write Elena's card
        b"Sam Rivera <sam.rivera@example.com>",
    ]
    assert (outbox / "index.html").exists()


def test_output_cut_by_a_reader_that_went_away_is_no_error_line(tmp_path):
    argv = ["--data", str(EXAMPLE), "--state", str(tmp_path / "followup.db"), "--now", NOW, "plan", "--json"]
    plan = subprocess.Popen([sys.executable, "-m", "batch", *argv], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)  # fmt: skip
    assert plan.stdout is not None and plan.stderr is not None
    plan.stdout.close()  # the reader goes away before the first line
    assert plan.wait(timeout=60) in (0, 1)
    assert plan.stderr.read() == b""


def plan_out(capsys: pytest.CaptureFixture[str], state: str, now: str, *options: str) -> str:
    assert main(["--data", str(EXAMPLE), "--now", now, "--state", state, "plan", *options]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    return out


def test_plan_next_names_the_next_follow_up_in_their_time_and_mine_and_the_time_left(capsys, state):
    out = plan_out(capsys, state, "2026-11-24T16:20", "--next", "--since", "2026-11-24T17:00")
    assert out == (
        "next: thank-you to Priya Shah (northwind-data-analyst) "
        "Wed 25 Nov 08:00 CET = 02:00 EST, in 9 h 40 min\n"
    )


def test_plan_next_of_a_follow_up_due_now_says_the_next_send_run_takes_it(capsys, state):
    out = plan_out(capsys, state, NOW, "--next")
    assert out == (
        "next: thank-you (voicemail: a reminder to you) to Jordan Blake (fabrikam-product-analyst), "
        "due since Tue 24 Nov 11:30 EST: the next send run\n"
    )


def test_plan_next_with_nothing_ahead_says_nothing_scheduled(capsys, state):
    assert plan_out(capsys, state, "2027-01-04T12:00", "--next") == "nothing scheduled\n"
    assert plan_out(capsys, state, "2027-01-04T12:00", "--next", "--json") == "null\n"


def test_plan_next_as_json_is_the_plan_row_of_that_follow_up(capsys, state):
    row = json.loads(plan_out(capsys, state, NOW, "--next", "--json"))
    assert row["key"] == "fabrikam-product-analyst/thank-you/jordan-blake"


def test_plan_until_a_date_lists_what_goes_to_its_end_in_their_time_and_mine(capsys, state):
    lines = plan_out(capsys, state, "2026-11-24T16:20", "--until", "2026-11-25").splitlines()
    assert lines[0] == "4 follow-ups to go from Tue 24 Nov 16:20 to the end of Wed 25 Nov (America/Toronto)"
    assert lines[1].startswith("GOES (their time = yours)")
    assert [line.split()[-1] for line in lines[2:]] == [
        "fabrikam-product-analyst",
        "northwind-data-analyst",
        "northwind-data-analyst",
        "northwind-data-analyst",
    ]
    assert lines[2].startswith("Tue 24 Nov 16:20 EST") and " due " in lines[2]  # due: the next run
    assert lines[5].startswith("Wed 25 Nov 08:00 CET = 02:00 EST") and "Priya Shah" in lines[5]


def test_plan_since_and_until_read_times_without_an_offset_in_my_zone(capsys, state):
    naive = plan_out(capsys, state, NOW, "--since", "2026-11-25T09:00", "--until", "2026-11-28T12:00")
    aware = plan_out(
        capsys, state, NOW, "--since", "2026-11-25T09:00-05:00", "--until", "2026-11-28T17:00+00:00"
    )
    assert naive == aware
    assert "Fri 27 Nov 09:00 IST = Thu 26 Nov 22:30 EST" in naive and "Arjun Mehta" in naive
    assert "Priya Shah" not in naive  # 02:00 EST on the 25th, before --since


@pytest.mark.parametrize(("since", "arjun"), [("2026-11-27T03:30Z", True), ("2026-11-27T03:31Z", False)])
def test_plan_since_takes_an_offset_as_given(capsys, state, since, arjun):
    out = plan_out(capsys, state, NOW, "--since", since, "--until", "2026-11-30")
    assert ("Arjun Mehta" in out) == arjun


def test_plan_until_shows_a_waiting_follow_up_at_its_next_opening(capsys, state):
    lines = plan_out(capsys, state, "2026-11-24T19:00", "--until", "tomorrow").splitlines()
    marcus = next(line for line in lines if "Marcus Chen" in line)
    assert marcus.startswith("Wed 25 Nov 08:00 EST") and " waiting " in marcus
    assert "Priya Shah" in lines[2]  # 02:00 your time: before the waiting ones


def test_plan_until_with_nothing_in_the_span_says_so(capsys, state):
    out = plan_out(capsys, state, NOW, "--since", "2026-11-28", "--until", "2026-11-30")
    assert out == "nothing to go from Sat 28 Nov 00:00 to the end of Mon 30 Nov (America/Toronto)\n"


@pytest.mark.parametrize("flag", ["--until", "--since"])
@pytest.mark.parametrize("value", ["next week", "2026-11-31", "25/11/2026", "3026-01-01"])
def test_a_bad_since_or_until_exits_2_with_one_line(capsys, state, flag, value):
    assert main(["--data", str(EXAMPLE), "--now", NOW, "--state", state, "plan", flag, value]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.splitlines()) == 1 and err.startswith(f"{flag}: {value!r}")


def test_plan_until_as_json_is_the_plan_rows_of_the_span_in_the_order_they_go(capsys, state):
    rows = json.loads(plan_out(capsys, state, "2026-11-24T19:00", "--until", "2026-11-25", "--json"))
    assert [(row["name"], row["state"]) for row in rows] == [
        ("Priya Shah", "scheduled"),
        ("Jordan Blake", "waiting"),
        ("Elena Torres", "waiting"),
        ("Marcus Chen", "waiting"),
    ]


@pytest.mark.parametrize(
    ("minutes", "said"),
    [(0, "0 min"), (40, "40 min"), (60, "1 h"), (580, "9 h 40 min"), (1440, "1 day"), (3060, "2 days 3 h")],
)
def test_the_time_left_reads_in_its_two_largest_units(minutes, said):
    from datetime import timedelta

    from batch.views.agenda import countdown

    assert countdown(timedelta(minutes=minutes)) == said


@pytest.mark.parametrize("columns", ["44", "120"])
def test_help_is_laid_out_for_the_width_the_terminal_gives(columns: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOLLOWUP_")} | {"COLUMNS": columns}
    done = subprocess.run([sys.executable, "-m", "batch", "send", "--help"], env=env, capture_output=True,
                          text=True, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    widest = max(len(line) for line in done.stdout.splitlines())
    assert widest <= int(columns) - 2
    assert widest > 42 if columns == "120" else "--outbox" in done.stdout


def test_each_commands_help_says_what_it_does() -> None:
    from batch.cli.main import _parser

    commands = next(a for a in _parser()._actions if a.dest == "command")
    for name, sub in commands.choices.items():  # type: ignore[union-attr]
        said = next(a.help for a in commands._choices_actions if a.dest == name)  # type: ignore[attr-defined]
        assert sub.description and sub.description.lower().startswith(said.lower()), name
        assert sub.format_help().count("\n\n") >= 2, name  # usage, then what it does, then the options
