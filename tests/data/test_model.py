"""Loading the interviews: every malformed file in the corpus is refused with its message and its line.

Each file in tests/corpus/bad/ starts with one or more `# expect: LINE: message fragment` comments,
one per problem, in the order `check` reports them (`{path}` stands for the file's own path).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from batch.cli.main import main
from batch.data import checks
from batch.data import fields as f
from batch.data.load import data_files, load
from batch.errors import InputError
from batch.model import interview as model

CORPUS = Path(__file__).parents[1] / "corpus"
BAD = sorted((CORPUS / "bad").glob("*.yaml"))
EXPECT = re.compile(rb"^# expect: (\d+): (.+)$")
ME = "me: {name: Sam Rivera, email: sam.rivera@example.com, timezone: America/Toronto}\n"


def expectations(path: Path) -> list[tuple[int, str]]:
    """The (line, fragment) pairs the file's leading comments promise."""
    found = []
    for raw in path.read_bytes().splitlines():
        match = EXPECT.match(raw)
        if not match:
            break
        found.append((int(match[1]), match[2].decode("ascii").replace("{path}", str(path))))
    assert found, f"{path.name} has no '# expect: LINE: message' first line"
    return found


def problems_of(paths: list[Path]) -> list[tuple[str, int, str]]:
    with pytest.raises(InputError) as caught:
        load(paths)
    return [(p.path, p.line, p.message) for p in caught.value.problems]


def test_corpus_has_at_least_thirty_malformed_files():
    assert len(BAD) >= 30


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_malformed_file_is_refused_with_message_and_line(path):
    found = problems_of([path])
    expected = expectations(path)
    assert [line for _, line, _ in found] == [line for line, _ in expected], found
    for (_, _, message), (_, fragment) in zip(found, expected, strict=True):
        assert fragment in message
    assert {where for where, _, _ in found} == {str(path)}


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_check_exits_2_with_path_line_col_and_no_traceback(path, capsys):
    assert main(["--data", str(path), "check"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.splitlines()
    expected = expectations(path)
    assert len(lines) == len(expected), err
    for text, (line, fragment) in zip(lines, expected, strict=True):
        assert re.match(rf"^{re.escape(str(path))}:{line}:\d+: ", text), text
        assert fragment in text
    assert "Traceback" not in err


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def interview_yaml(id_: str, indent: str = "  ") -> str:
    return (
        f"{indent}- id: {id_}\n"
        f"{indent}  company: Northwind Traders\n"
        f"{indent}  role: Data Analyst\n"
        f"{indent}  start: 2026-11-24 14:00\n"
        f"{indent}  interviewers: [{{name: Priya Shah, email: priya.shah@northwind.example}}]\n"
    )


def test_duplicate_id_across_two_files_names_both_places(tmp_path):
    first = write(tmp_path, "a.yaml", ME + "interviews:\n" + interview_yaml("one") + interview_yaml("shared"))
    second = write(tmp_path, "b.yaml", "interviews:\n" + interview_yaml("other") + interview_yaml("shared"))
    assert problems_of([first, second]) == [
        (str(second), 7, f"duplicate id 'shared' (first used at {first}:8)"),
    ]


def test_duplicate_id_with_quoted_keys_in_flow_style_still_names_both_places(tmp_path):
    item = (
        '  - {"id" : x, "company": C, "role": R, "start": 2026-11-24 14:00,'
        ' "interviewers": [{"name": P, "method": note}]}\n'
    )
    path = write(tmp_path, "flow.yaml", ME + "interviews:\n" + item + item.replace("x,", "y,") + item)
    assert problems_of([path]) == [(str(path), 5, f"duplicate id 'x' (first used at {path}:3)")]


def test_me_given_in_two_files_names_the_second_place(tmp_path):
    first = write(tmp_path, "a.yaml", ME)
    second = write(tmp_path, "b.yaml", "# the same person again\n" + ME)
    assert problems_of([first, second]) == [(str(second), 2, f"me: is already given in {first}")]


FOLDER_CASES = [
    pytest.param(
        {
            "a.yaml": ME + "interviews:\n" + interview_yaml("shared"),
            "b.yaml": "interviews:\n" + interview_yaml("other") + interview_yaml("shared"),
        },
        [("b.yaml", 7, "duplicate id 'shared' (first used at {a.yaml}:3)")],
        id="duplicate-id-across-the-folder",
    ),
    pytest.param(
        {
            "a.yaml": ME,
            "b.yaml": "interviews:\n" + interview_yaml("one").replace("Data Analyst", "[Data Analyst]"),
            "c.yml": "interviews:\n  - id: two\n    compnay: Contoso\n",
        },
        [
            ("b.yaml", 4, "role: expected text, found a list"),
            ("c.yml", 2, "an interview needs company:"),
            ("c.yml", 2, "an interview needs role:"),
            ("c.yml", 2, "an interview needs start:"),
            ("c.yml", 2, "an interview needs interviewers:"),
            ("c.yml", 3, "unknown key 'compnay' in an interview (did you mean 'company'?)"),
        ],
        id="every-problem-in-every-file",
    ),
    pytest.param(
        {"a.yaml": "interviews:\n" + interview_yaml("one"), "b.yaml": "interviews: []\n"},
        [("a.yaml", 1, "no me: section")],
        id="no-me-in-any-file",
    ),
    pytest.param(
        {"a.yaml": ME + "policy: {}\n", "b.yaml": "\npolicy: {same_day_after_minutes: 30}\n"},
        [("b.yaml", 2, "policy: is already given in {a.yaml}")],
        id="policy-in-two-files",
    ),
]


@pytest.mark.parametrize(("files", "expected"), FOLDER_CASES)
def test_data_folder_with_several_files(tmp_path, capsys, files, expected):
    folder = tmp_path / "interviews"
    for name, text in files.items():
        write(folder, name, text)

    def place(name: str) -> str:
        return str(folder / name)

    wanted = [
        (place(name), line, re.sub(r"\{(\S+?)\}", lambda m: place(m[1]), message))
        for name, line, message in expected
    ]
    found = problems_of(data_files(folder, tmp_path))
    assert [(path, line) for path, line, _ in found] == [(path, line) for path, line, _ in wanted]
    for (_, _, message), (_, _, fragment) in zip(found, wanted, strict=True):
        assert fragment in message
    assert main(["--data", str(folder), "check"]) == 2
    err = capsys.readouterr().err
    assert [line.split(": ", 1)[0].rsplit(":", 1)[0] for line in err.splitlines()] == [
        f"{path}:{line}" for path, line, _ in wanted
    ]


def test_data_folder_that_is_well_formed_loads_every_file(tmp_path, capsys):
    folder = tmp_path / "interviews"
    write(folder, "me.yaml", ME)
    write(folder, "northwind.yaml", "interviews:\n" + interview_yaml("one"))
    write(folder, "contoso.yml", "interviews:\n" + interview_yaml("two"))
    write(folder, "notes.txt", "not yaml, not read")
    data = load(data_files(folder, tmp_path))
    assert sorted(i.id for i in data.interviews) == ["one", "two"]
    assert len(data.files) == 3
    assert main(["--data", str(folder), "--now", "2026-11-24T16:00", "check"]) == 0
    out = capsys.readouterr().out
    assert re.fullmatch(r"ok: 2 interviews, 2 follow-ups\b[^\n]*\b3 files\)?\n", out), out


def test_data_folder_without_yaml_files_says_so(tmp_path, capsys):
    folder = tmp_path / "empty"
    folder.mkdir()
    write(folder, "README.txt", "nothing here")
    assert main(["--data", str(folder), "check"]) == 2
    assert capsys.readouterr().err == f"{folder}:1:1: no .yaml or .yml files in this folder\n"


def test_default_data_is_interviews_yaml_plus_the_interviews_folder(tmp_path):
    write(tmp_path, "interviews.yaml", ME)
    write(tmp_path / "interviews", "b.yaml", "interviews: []\n")
    write(tmp_path / "interviews", "a.yaml", "interviews: []\n")
    assert data_files(None, tmp_path) == [
        tmp_path / "interviews.yaml",
        tmp_path / "interviews" / "a.yaml",
        tmp_path / "interviews" / "b.yaml",
    ]


def test_missing_data_file_is_one_line(tmp_path, capsys):
    missing = tmp_path / "nowhere.yaml"
    assert main(["--data", str(missing), "check"]) == 2
    assert capsys.readouterr().err == f"{missing}:1:1: cannot read: No such file or directory\n"


def test_shipped_example_loads_with_its_four_interviews():
    data = load([Path(__file__).parents[2] / "interviews.yaml"])
    assert [i.id for i in data.interviews] == [
        "northwind-data-analyst",
        "fabrikam-product-analyst",
        "contoso-bi-developer",
        "adatum-analytics-engineer",
    ]
    panel = data.interviews[0]
    assert [p.name for p in panel.interviewers] == ["Priya Shah", "Marcus Chen", "Elena Torres"]
    assert str(panel.end) == "2026-11-24 14:45:00"


def test_scalars_stay_text_so_no_is_not_false_and_versions_are_not_floats(tmp_path):
    path = write(
        tmp_path,
        "t.yaml",
        "me: {name: 'No', email: no@example.com, timezone: UTC}\n"
        "interviews:\n"
        "  - {id: '1.10', company: 1.10, role: yes, start: 2026-11-24 14:00, "
        "interviewers: [{name: Off, email: off@example.com, topics: [null]}]}\n",
    )
    found = problems_of([path])
    assert found == [(str(path), 3, "topics: expected text, found nothing")]
    path.write_text(path.read_text().replace("[null]", "[on, '5']"))
    interview = load([path]).interviews[0]
    assert (interview.id, interview.company, interview.role) == ("1.10", "1.10", "yes")
    assert interview.interviewers[0].topics == ("on", "5")


def test_byte_order_mark_is_accepted(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes("\ufeff".encode() + ME.encode())
    assert load([path]).me.name == "Sam Rivera"


def test_problems_are_every_problem_of_the_file_in_order(tmp_path):
    path = write(
        tmp_path,
        "many.yaml",
        "me: {name: Sam, email: bad, timezone: Mars/Olympus}\n"
        "interviews:\n"
        "  - {id: a, company: C, role: R, start: soon, interviewers: [{name: P, email: p@x.example}]}\n",
    )
    assert [(line, message.split(":")[0]) for _, line, message in problems_of([path])] == [
        (1, "email"),
        (1, "timezone"),
        (3, "start"),
    ]


@pytest.mark.parametrize("where", ["default", "--data folder", "--data file"])
def test_a_fifo_named_like_a_data_file_is_an_error_with_its_path_not_a_hang(tmp_path, where):
    write(tmp_path, "interviews.yaml", ME)
    folder = tmp_path / "interviews"
    folder.mkdir()
    fifo = folder / "x.yaml"
    os.mkfifo(fifo)
    data = {"default": [], "--data folder": ["--data", str(folder)], "--data file": ["--data", str(fifo)]}
    done = subprocess.run(
        [sys.executable, "-m", "batch", *data[where], "check"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
        env=os.environ | {"PYTHONPATH": str(Path(__file__).parents[2])},
    )
    assert done.returncode == 2
    assert done.stderr.endswith("x.yaml:1:1: is a named pipe (FIFO), not a file (give a .yaml file)\n")
    assert len(done.stderr.splitlines()) == 1


def test_a_folder_named_like_a_data_file_is_an_error_with_its_path(tmp_path, capsys):
    folder = tmp_path / "data"
    (folder / "old.yaml").mkdir(parents=True)
    write(folder, "a.yaml", ME)
    assert main(["--data", str(folder), "check"]) == 2
    assert (
        capsys.readouterr().err == f"{folder / 'old.yaml'}:1:1: is a folder, not a file (give a .yaml file)\n"
    )


def test_done_check_in_is_right_only_on_whoever_receives_the_check_in():
    priya = model.Interviewer("Priya Shah", "priya@northwind.example")
    marcus = model.Interviewer("Marcus Chen", "marcus@northwind.example", done=("check-in",))
    assert list(checks.misplaced_done((), [priya, marcus], True, recipient=1)) == []
    [(where, message)] = checks.misplaced_done((), [priya, marcus], True, recipient=0)
    assert where == ("interviewers", 1, "done") and "goes to Priya Shah, not to Marcus Chen" in message
    assert list(checks.misplaced_done(("check-in",), [priya], True, recipient=0)) == []


def test_decision_by_on_the_day_of_the_interview_is_accepted(tmp_path):
    text = (ME + "interviews:\n" + interview_yaml("acme")).replace(
        "    interviewers:", "    decision_by: 2026-11-24\n    interviewers:", 1
    )
    assert load([write(tmp_path, "d.yaml", text)]).interviews[0].decision_by.isoformat() == "2026-11-24"


@pytest.mark.parametrize(
    ("zone", "city"),
    [
        ("EST", "America/New_York"),
        ("EST5EDT", "America/New_York"),
        ("PST8PDT", "America/Los_Angeles"),
        ("Etc/GMT+5", "the city zone where the person lives"),
    ],
)
def test_a_zone_without_its_daylight_time_is_a_warning_that_names_the_city_zone(tmp_path, capsys, zone, city):
    text = (ME + "interviews:\n" + interview_yaml("acme")).replace(
        "  start:", f"  timezone: {zone}\n    start:", 1
    )
    path = write(tmp_path, "z.yaml", text)
    assert (
        main(["--data", str(path), "--state", str(tmp_path / "f.db"), "--now", "2026-11-24T16:00", "check"])
        == 0
    )
    out, err = capsys.readouterr()
    assert out.startswith("ok: ")
    assert err == f"{path}:6:15: warning: timezone {zone!r} is " + err.split(" is ", 1)[1]
    assert err.count("\n") == 1 and f"write {city}" in err
    assert (
        main(["--data", str(path), "--state", str(tmp_path / "f.db"), "--now", "2026-11-24T16:00", "plan"])
        == 0
    )
    assert capsys.readouterr().err == err


@pytest.mark.parametrize("zone", ["America/New_York", "UTC", "Asia/Kolkata"])
def test_a_city_zone_or_utc_gives_no_warning(zone):
    assert f.zone_warning(zone) is None


# --- addresses: email-validator decides, the everyday address without importing it -------------------


@pytest.mark.parametrize(
    "address",
    ["priya.shah@northwind.example", "o'brien+jobs@mail.acme.co.uk", "zoe@globex.test", "A.B@EXAMPLE.COM",
     "anna@bücher.example", "x@straße.example", "a@xn--bcher-kva.example", "a@b.co"],
)  # fmt: skip
def test_a_good_address_is_kept_as_written(address):
    assert f.parse_email(address) == address


@pytest.mark.parametrize(
    ("address", "reason"),
    [(".a..b.@x.example", "period"), ("b\\c@x.example", "invalid characters"),
     ("c@x..example", "two periods in a row"), ("d@x.example.", "cannot end with a period"),
     ("e@localhost", "period"), ("f@x.invalid", "special-use"), ("g@x.123", "top-level"),
     ("h@-x.example", "hyphen"), ("j@x_y.example", "invalid")],
)  # fmt: skip
def test_a_bad_address_is_refused_with_the_libraries_reason_in_plain_words(address, reason):
    with pytest.raises(ValueError, match=r"is not an email address \(") as caught:
        f.parse_email(address)
    assert reason in str(caught.value)


ATEXT = st.sampled_from(list("abcXYZ019!#$%&'*+/=?^_`{|}~-.@\\\"() éß"))


TLDS = st.sampled_from(["example", "test", "co", "x", "123", "localhost", "onion", "a-b", "xn--p1ai"])


@settings(max_examples=300, deadline=None)
@given(
    local=st.text(ATEXT, min_size=1, max_size=12), domain=st.text(ATEXT, min_size=1, max_size=14), tld=TLDS
)
def test_the_quick_path_accepts_only_what_email_validator_accepts(local, domain, tld):
    from email_validator import EmailNotValidError, validate_email

    address = f"{local}@{domain}.{tld}"
    try:
        validate_email(address, check_deliverability=False, test_environment=True, allow_smtputf8=False)
        library = True
    except EmailNotValidError:
        library = False
    try:
        ours = f.parse_email(address) == address
    except ValueError:
        ours = False
    assert ours == library, address


def test_loading_everyday_addresses_does_not_import_email_validator():
    code = (
        "import sys; from batch.data.load import load; load(['interviews.yaml']); "
        "print('email_validator' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=CORPUS.parent.parent, capture_output=True, text=True
    )
    assert done.stdout.strip() == "False", done.stderr
