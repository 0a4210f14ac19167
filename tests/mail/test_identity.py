"""One interview, one identity: a thanked interview under a new id, or copied into a second file, is held
with a line naming the earlier id (plan, check, send), never thanked twice; `new_person: true` says it is
someone else. Addresses compare in the form mail goes to (IDNA 2008), everywhere the ledger compares them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from batch.cli.main import main
from tests.servers import SmtpServer, use_smtp
from tests.stamps import unstamped

NOW, LATER = "2026-11-24T16:00:00-05:00", "2026-11-24T16:20:00-05:00"
ME = "me:\n  name: Sam Rivera\n  email: sam@example.com\n  timezone: America/Toronto\n"


def interview(
    id_: str, *, company: str = "Acme", email: str = "ann.lee@acme.example", extra: str = "",
    start: str = "2026-11-24 14:00",
) -> str:  # fmt: skip
    """One interview that ended 14:45 on NOW's day (its thank-you due at NOW), with Ann Lee alone."""
    return (
        f"  - id: {id_}\n    company: {company}\n    role: Analyst\n    start: {start}\n"
        "    duration: 45m\n    timezone: America/Toronto\n    interviewers:\n"
        f"      - name: Ann Lee\n        email: {email}\n        topics: [the churn dashboard]\n{extra}"
        "        note: I enjoyed hearing how your team moved its reports off spreadsheets this year.\n"
    )


def write(path: Path, *interviews: str, me: bool = True) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text((ME if me else "") + "interviews:\n" + "".join(interviews), encoding="utf-8")
    return path


def run(work: Path, data: Path, now: str, *args: str) -> int:
    return main(["--data", str(data), "--state", str(work / "var" / "followup.db"), "--now", now, *args])


def received(server: SmtpServer) -> list[str]:
    return [r.rcpt_tos[0] for r in server.received]


# Each: the data after the first thank-you went (under id acme-analyst in interviews/a.yaml).
AGAIN = {
    "the id renamed": lambda folder: [write(folder / "a.yaml", interview("acme-2"))],
    "the id renamed, the company in capitals": lambda folder: [
        write(folder / "a.yaml", interview("acme-2", company="ACME"))
    ],
    "the interview copied into a second file under another id": lambda folder: [
        write(folder / "b.yaml", interview("acme-copy"), me=False)
    ],
    "moved to a second file, renamed": lambda folder: [
        write(folder / "a.yaml"),
        write(folder / "b.yaml", interview("acme-2"), me=False),
    ],
    "renamed, the address's case changed": lambda folder: [
        write(folder / "a.yaml", interview("acme-2", email="Ann.Lee@ACME.example"))
    ],
    "renamed, the start corrected by 30 minutes": lambda folder: [
        write(folder / "a.yaml", interview("acme-2", start="2026-11-24 13:30"))
    ],
    "renamed, the company respelt with a legal suffix": lambda folder: [
        write(folder / "a.yaml", interview("acme-2", company="Acme Corp"))
    ],
    "renamed, the company with accents, punctuation and S.A.": lambda folder: [
        write(folder / "a.yaml", interview("acme-2", company="ÀCME, S.A."))
    ],
    "renamed, the start a day earlier and the company respelt": lambda folder: [
        write(folder / "a.yaml", interview("acme-2", company="acme inc.", start="2026-11-23 14:00"))
    ],
}


@pytest.mark.parametrize("edit", AGAIN.values(), ids=AGAIN.keys())
def test_a_thanked_interview_under_another_id_is_held_and_never_thanked_twice(
    tmp_path: Path, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], edit: object,
) -> None:  # fmt: skip
    folder = tmp_path / "interviews"
    write(folder / "a.yaml", interview("acme-analyst"))
    use_smtp(monkeypatch, smtp_server)
    assert run(tmp_path, folder, NOW, "send") == 0
    assert received(smtp_server) == ["ann.lee@acme.example"]
    edit(folder)  # type: ignore[operator]
    capsys.readouterr()
    assert run(tmp_path, folder, LATER, "send") == 0
    assert received(smtp_server) == ["ann.lee@acme.example"]  # not twice
    said = unstamped(capsys.readouterr().err)
    assert "held" in said and "'acme-analyst'" in said and "new_person: true" in said
    assert len(said.strip().splitlines()) == 1
    assert run(tmp_path, folder, LATER, "plan") == 0
    plan = capsys.readouterr()
    assert " held " in plan.out and "'acme-analyst'" in plan.err
    assert run(tmp_path, folder, LATER, "check") == 0
    warning = capsys.readouterr().err
    assert f"{folder}/" in warning and ": warning: " in warning and "'acme-analyst'" in warning


def test_new_person_true_says_it_is_another_interview_and_it_goes(
    tmp_path: Path, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = write(tmp_path / "interviews.yaml", interview("acme-analyst"))
    use_smtp(monkeypatch, smtp_server)
    assert run(tmp_path, data, NOW, "send") == 0
    write(data, interview("acme-2"))
    assert run(tmp_path, data, LATER, "send") == 0
    assert len(smtp_server.received) == 1
    write(data, interview("acme-2", extra="        new_person: true\n"))
    assert run(tmp_path, data, LATER, "send") == 0
    assert received(smtp_server) == ["ann.lee@acme.example"] * 2


def test_another_interview_at_the_same_time_with_the_same_person_but_another_company_goes(
    tmp_path: Path, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = write(tmp_path / "interviews.yaml", interview("acme-analyst"))
    use_smtp(monkeypatch, smtp_server)
    assert run(tmp_path, data, NOW, "send") == 0
    write(data, interview("acme-analyst"), interview("globex", company="Globex"))
    assert run(tmp_path, data, LATER, "send") == 0
    assert len(smtp_server.received) == 2


def test_the_same_interview_twice_in_the_data_is_thanked_once_and_check_names_both_places(
    tmp_path: Path,
    smtp_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = tmp_path / "interviews"
    write(folder / "a.yaml", interview("acme-analyst"))
    write(folder / "b.yaml", interview("acme-copy", email="ANN.LEE@acme.example"), me=False)
    assert run(tmp_path, folder, NOW, "check") == 0
    err = capsys.readouterr().err
    warnings = [line for line in err.splitlines() if "the same interview as 'acme-analyst'" in line]
    assert (
        warnings
        and warnings[0].startswith(f"{folder / 'b.yaml'}:")
        and f"{folder / 'a.yaml'}:" in warnings[0]
    )
    use_smtp(monkeypatch, smtp_server)
    assert run(tmp_path, folder, NOW, "send") == 0
    assert received(smtp_server) == ["ann.lee@acme.example"]
    assert run(tmp_path, folder, LATER, "send") == 0
    assert len(smtp_server.received) == 1


@pytest.mark.parametrize(
    ("first", "then"),
    [
        ("ann@bücher.example", "ann@xn--bcher-kva.example"),
        ("ann@xn--bcher-kva.example", "Ann@BÜCHER.example"),
        ("ann@straße.example", "ann@xn--strae-oqa.example"),  # IDNA 2008: ß stays (2003 made it ss)
    ],
)
def test_an_internationalised_domain_in_either_form_is_the_same_person(
    tmp_path: Path, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch, first: str, then: str
) -> None:
    data = write(tmp_path / "interviews.yaml", interview("acme-analyst", email=first))
    use_smtp(monkeypatch, smtp_server)
    assert run(tmp_path, data, NOW, "send") == 0
    assert len(smtp_server.received) == 1
    write(data, interview("acme-analyst", email=then))  # a correction of the spelling: the same person
    assert run(tmp_path, data, LATER, "send") == 0
    write(data, interview("acme-2", email=then))  # and renamed as well
    assert run(tmp_path, data, LATER, "send") == 0
    assert len(smtp_server.received) == 1


def test_renamed_with_the_address_corrected_in_the_same_edit_is_still_recognised_by_the_name(
    tmp_path: Path, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = write(tmp_path / "interviews.yaml", interview("acme-analyst", email="ann.le@acme.example"))
    use_smtp(monkeypatch, smtp_server)
    assert run(tmp_path, data, NOW, "send") == 0
    write(data, interview("acme-2", email="ann.lee@acme.example"))
    assert run(tmp_path, data, LATER, "send") == 0
    assert received(smtp_server) == ["ann.le@acme.example"]


def test_a_check_in_already_sent_under_the_old_id_is_held_after_a_rename(
    work: Path, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = work / "interviews.yaml"
    use_smtp(monkeypatch, smtp_server)
    after_decision = "2026-12-08T17:30:00+01:00"
    assert run(work, data, after_decision, "send") == 0
    assert "priya.shah@northwind.example" in received(smtp_server)
    before = len(smtp_server.received)
    data.write_text(data.read_text().replace("id: northwind-data-analyst", "id: northwind-renamed"))
    capsys.readouterr()
    assert run(work, data, "2026-12-08T17:45:00+01:00", "send") == 0
    assert len(smtp_server.received) == before
    assert "check-in to Priya Shah (northwind-renamed)" in capsys.readouterr().err


def test_a_rename_with_a_corrected_start_is_held_by_check_at_its_place_with_how_to_say_it_is_new(
    tmp_path: Path, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    data = write(tmp_path / "interviews.yaml", interview("acme-analyst"))
    use_smtp(monkeypatch, smtp_server)
    assert run(tmp_path, data, NOW, "send") == 0
    write(data, interview("acme-2", company="Acme Corporation", start="2026-11-24 14:30"))
    capsys.readouterr()
    assert run(tmp_path, data, LATER, "send") == 0
    said = unstamped(capsys.readouterr().err)
    assert f"held  thank-you to Ann Lee (acme-2) at {data}:" in said and "new_person: true" in said
    assert run(tmp_path, data, LATER, "check") == 0
    held = [line for line in capsys.readouterr().err.splitlines() if "acme-2/thank-you" in line]
    assert held and held[0].startswith(f"{data}:") and "within a day" in held[0]
    assert "'acme-analyst'" in held[0] and "new_person: true" in held[0]
    write(data, interview("acme-2", company="Acme Corporation", start="2026-11-24 14:30",
                          extra="        new_person: true\n"))  # fmt: skip
    assert run(tmp_path, data, LATER, "send") == 0
    assert received(smtp_server) == ["ann.lee@acme.example"] * 2


@pytest.mark.parametrize(
    ("company", "start"),
    [
        ("Acme", "2026-11-25 15:00"),  # more than a day later
        ("Acme Labs", "2026-11-24 14:30"),  # another company (Labs is no legal suffix)
    ],
)
def test_a_renamed_interview_further_than_a_day_or_at_another_company_is_another_interview(
    tmp_path: Path, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch, company: str, start: str
) -> None:
    data = write(tmp_path / "interviews.yaml", interview("acme-analyst"))
    use_smtp(monkeypatch, smtp_server)
    assert run(tmp_path, data, NOW, "send") == 0
    write(data, interview("acme-2", company=company, start=start))
    assert run(tmp_path, data, "2026-11-25T17:00:00-05:00", "send") == 0
    assert received(smtp_server) == ["ann.lee@acme.example"] * 2


def test_a_next_round_the_next_day_with_the_same_person_goes_while_the_first_round_is_listed(
    tmp_path: Path, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = write(tmp_path / "interviews.yaml", interview("acme-analyst"))
    use_smtp(monkeypatch, smtp_server)
    assert run(tmp_path, data, NOW, "send") == 0
    write(data, interview("acme-analyst"), interview("acme-round-2", start="2026-11-25 10:00"))
    assert run(tmp_path, data, "2026-11-25T16:00:00-05:00", "send") == 0
    assert received(smtp_server) == ["ann.lee@acme.example"] * 2
