"""Every edge of the files and the terminal: what cannot be read is an error with its place (never skipped),
a data file has a size bound, and no permission, long name or ASCII-only terminal ends in a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from batch.data.source import MAX_DATA_BYTES
from batch.letters import templating
from tests.hostile_cases import PERSON, can_drop_dac, data_yaml, drop_dac
from tests.runs import NOW, clean_env, run_followup, send_env
from tests.servers import SmtpServer

needs_dac = pytest.mark.skipif(not can_drop_dac(), reason="permissions do not bind here (root keeps them)")
LONG = "x" * 300  # a name past the 255 bytes a file name may have


def _followup(work: Path, *args: str, env: dict[str, str] | None = None, dac: bool = False):  # type: ignore[no-untyped-def]
    return run_followup(["--now", NOW.isoformat(), *args], cwd=work, env=env or clean_env(),
                        preexec=drop_dac if dac else None)  # fmt: skip


def _one_line_with_place(run, place: Path) -> None:  # type: ignore[no-untyped-def]
    assert not run.traceback, run.err
    assert run.code == 2, (run.code, run.err)
    assert run.err_lines and run.err_lines[0].startswith(f"{place}:"), run.err


@needs_dac
def test_an_unreadable_interviews_folder_is_an_error_with_its_place_never_skipped(tmp_path: Path) -> None:
    (tmp_path / "interviews.yaml").write_text(data_yaml([PERSON]), encoding="utf-8")
    folder = tmp_path / "interviews"
    folder.mkdir()
    (folder / "more.yaml").write_text("interviews: []\n", encoding="utf-8")
    folder.chmod(0o000)
    try:
        for command in (["check"], ["plan"], ["send", "--dry-run"]):
            _one_line_with_place(_followup(tmp_path, *command, dac=True), folder)
    finally:
        folder.chmod(0o755)


@needs_dac
@pytest.mark.parametrize(
    "command", [["check"], ["status"], ["plan"], ["send"], ["calendar"], ["resolve", "k", "--sent"]]
)
def test_a_path_you_cannot_enter_is_one_line_with_its_place(
    tmp_path: Path, smtp_server: SmtpServer, command: list[str]
) -> None:
    data = tmp_path / "interviews.yaml"
    data.write_text(data_yaml([PERSON]), encoding="utf-8")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o000)
    try:
        run = _followup(tmp_path, "--data", str(data), "--state", str(locked / "followup.db"), *command,
                        env=send_env(smtp_server), dac=True)  # fmt: skip
        assert not run.traceback, run.err
        if command != ["check"]:  # check leaves the ledger's trouble to status and doctor
            assert run.code == 2 and str(locked) in run.err, run.err
        run = _followup(tmp_path, "--data", str(locked / "interviews.yaml"), *command, dac=True)
        assert not run.traceback, run.err
        if command[0] not in ("status", "resolve"):  # they list the ledger without the data
            assert run.code == 2 and str(locked) in run.err, run.err
    finally:
        locked.chmod(0o755)
    assert len(smtp_server.received) == 0


@pytest.mark.parametrize("where", ["--data", "--state"])
def test_a_name_over_255_bytes_is_one_line_with_its_place(tmp_path: Path, where: str) -> None:
    data = tmp_path / "interviews.yaml"
    data.write_text(data_yaml([PERSON]), encoding="utf-8")
    path = tmp_path / f"{LONG}.yaml"
    args = ["--data", str(path)] if where == "--data" else ["--data", str(data), "--state", str(path)]
    for command in (["check"], ["plan"], ["status"], ["send", "--dry-run"]):
        run = _followup(tmp_path, *args, *command)
        assert not run.traceback, run.err
        skip = ["check"] if where == "--state" else ["status"]  # as for a path you cannot enter, above
        if command != skip:
            assert run.code == 2 and str(path) in run.err, (command, run.err)


def test_a_data_file_past_the_size_bound_is_refused_before_it_fills_the_memory(tmp_path: Path) -> None:
    huge = tmp_path / "interviews.yaml"
    with huge.open("wb") as file:
        file.truncate(150 << 20)  # 150 MB of nothing, sparse: no room taken on the disk
    run = _followup(tmp_path, "--data", str(huge), "check")
    _one_line_with_place(run, huge)
    assert "larger than 100 MB" in run.err
    assert run.peak_kb < 100 * 1024  # it never read it all


TERMINALS = [
    {"PYTHONIOENCODING": "ascii"},
    {"LC_ALL": "C", "PYTHONIOENCODING": "ascii"},
    {"LC_ALL": "C", "PYTHONCOERCECLOCALE": "0", "PYTHONUTF8": "0"},
]


@pytest.mark.parametrize("terminal", TERMINALS)
def test_an_ascii_only_terminal_sees_escapes_never_a_traceback_and_every_letter_goes(
    tmp_path: Path, smtp_server: SmtpServer, terminal: dict[str, str]
) -> None:
    people = [PERSON | {"name": "Zoë Lée"}, PERSON | {"name": "Bjørn Ødegård", "email": "bjorn@acme.example"}]
    data = tmp_path / "interviews.yaml"
    data.write_text(data_yaml(people), encoding="utf-8")
    state = str(tmp_path / "var" / "followup.db")
    for command in (["check"], ["plan"], ["send"], ["status"], ["calendar", "--output", "-"]):
        run = _followup(tmp_path, "--data", str(data), "--state", state, *command,
                        env=send_env(smtp_server) | terminal)  # fmt: skip
        assert not run.traceback and run.code == 0, (command, run.err)
    assert len(smtp_server.received) == 2
    assert "Zo\\u00eb" in run.out or "Zoë" in run.out
    run = _followup(
        tmp_path, "--data", str(data), "--state", state, "plan", "--json", env=clean_env() | terminal
    )
    assert not run.traceback and {row["name"] for row in json.loads(run.out)} == {"Zoë Lée", "Bjørn Ødegård"}


def test_the_guide_names_the_bounds_the_code_has() -> None:
    root = Path(__file__).resolve().parents[2]
    text = (root / "content" / "tool" / "troubleshooting.md").read_text(encoding="utf-8")
    own = (root / "content" / "tool" / "interviews.md").read_text(encoding="utf-8")
    assert f"{MAX_DATA_BYTES >> 20} MB" in text and f"{templating.MAX_OUTPUT:,} characters" in text
    assert f"{templating.MAX_DEPTH} deep" in own and f"| {templating.MAX_TAG_TOKENS} |" in own
    assert f"{templating.MAX_OUTPUT:,} characters" in own
