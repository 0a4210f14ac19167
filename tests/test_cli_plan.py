"""`followup check` and `followup plan` as a user runs them: through main([...]) and as a process."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from batch import model
from batch.cli import main
from tests.reliability import write_batch

ROOT = Path(__file__).parent.parent
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
        "2026-11-25T09:00:00-08:00",
        "done",
    ),
    (
        "fabrikam-product-analyst/thank-you/jordan-blake",
        "fabrikam-product-analyst",
        "thank-you",
        "voicemail",
        "Jordan Blake",
        "2026-11-24T11:30:00-05:00",
        "2026-11-26T11:30:00-05:00",
        "due",
    ),
    (
        "northwind-data-analyst/thank-you/elena-torres",
        "northwind-data-analyst",
        "thank-you",
        "note",
        "Elena Torres",
        "2026-11-24T15:45:00-05:00",
        "2026-11-26T15:45:00-05:00",
        "due",
    ),
    (
        "northwind-data-analyst/thank-you/marcus.chen@northwind.example",
        "northwind-data-analyst",
        "thank-you",
        "email",
        "marcus.chen@northwind.example",
        "2026-11-24T15:45:00-05:00",
        "2026-11-26T15:45:00-05:00",
        "due",
    ),
    (
        "northwind-data-analyst/thank-you/priya.shah@northwind.example",
        "northwind-data-analyst",
        "thank-you",
        "email",
        "priya.shah@northwind.example",
        "2026-11-25T08:00:00+01:00",
        "2026-11-27T08:00:00+01:00",
        "scheduled",
    ),
    (
        "adatum-analytics-engineer/thank-you/arjun.mehta@adatum.example",
        "adatum-analytics-engineer",
        "thank-you",
        "email",
        "arjun.mehta@adatum.example",
        "2026-11-27T09:00:00+05:30",
        "2026-12-01T09:00:00+05:30",
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
    assert lines[0].startswith("DUE (recipient's time)")
    priya = next(line for line in lines if "Priya Shah" in line and "thank-you" in line)
    assert priya.startswith("Wed 2026-11-25 08:00 CET") and "scheduled" in priya


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

    from batch.cli import write_json_rows

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
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    parses = []
    real_locate = model.locate
    monkeypatch.setattr(model, "locate", lambda text, wanted: parses.append(1) or real_locate(text, wanted))
    assert main(["--data", str(tmp_path), "--now", NOW, "check"]) == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 40 * files and all("words; keep a email to 10 or fewer" in line for line in lines)
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
