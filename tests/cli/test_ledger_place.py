"""The ledger belongs to the data: found beside it from any directory, never started afresh while
follow-ups are past due, and never used again where `init --from` moved it away."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from batch.cli.common import data_home
from tests.runs import EXAMPLE, FOLLOWUP, NOW, send_env, write_batch
from tests.servers.smtp import SmtpServer


def followup(cwd: Path, server: SmtpServer, *args: str) -> subprocess.CompletedProcess[str]:
    """`followup ARGS` as a process run from `cwd`, pointed at the server."""
    return subprocess.run([*FOLLOWUP, *args], cwd=cwd, env=send_env(server), capture_output=True, text=True,
                          timeout=120, check=False)  # fmt: skip


@pytest.fixture
def places(tmp_path: Path) -> tuple[Path, Path]:
    """A folder holding the example data, and another folder to run from."""
    data, elsewhere = tmp_path / "ws", tmp_path / "elsewhere"
    data.mkdir()
    elsewhere.mkdir()
    shutil.copy(EXAMPLE, data / "interviews.yaml")
    return data, elsewhere


def test_send_from_another_directory_uses_the_ledger_beside_the_data(
    places: tuple[Path, Path], smtp_server: SmtpServer
) -> None:
    data, elsewhere = places
    first = followup(data, smtp_server, "--state", "var/followup.db", "--now", NOW.isoformat(), "send")
    assert first.returncode == 0, first.stderr
    sent = len(smtp_server.received)
    assert sent > 0
    second = followup(elsewhere, smtp_server, "--data", str(data / "interviews.yaml"), "--now",
                      NOW.isoformat(), "send")  # fmt: skip
    assert second.returncode == 0, second.stderr
    assert len(smtp_server.received) == sent, "the run from elsewhere sent again"
    assert not (elsewhere / "var").exists()


def test_a_new_ledger_sends_nothing_while_follow_ups_are_past_due_until_told(
    places: tuple[Path, Path], smtp_server: SmtpServer
) -> None:
    data, elsewhere = places
    args = ["--data", str(data / "interviews.yaml"), "--now", NOW.isoformat(), "send"]
    refused = followup(elsewhere, smtp_server, *args)
    assert refused.returncode == 2
    assert "no ledger here yet" in refused.stderr and "--new-ledger" in refused.stderr
    assert refused.stderr.count("\n") == 1, refused.stderr
    assert smtp_server.received == []
    assert not (data / "var" / "followup.db").exists()
    told = followup(elsewhere, smtp_server, *args, "--new-ledger")
    assert told.returncode == 0, told.stderr
    assert smtp_server.received
    assert (data / "var" / "followup.db").exists()


def test_a_new_ledger_starts_quietly_when_nothing_is_due_yet(
    places: tuple[Path, Path], smtp_server: SmtpServer
) -> None:
    data, elsewhere = places
    early = (NOW - timedelta(days=30)).isoformat()
    run = followup(elsewhere, smtp_server, "--data", str(data / "interviews.yaml"), "--now", early, "send")
    assert run.returncode == 0, run.stderr
    assert smtp_server.received == []


def test_a_ledger_moved_away_by_init_refuses_to_send_and_says_where(
    places: tuple[Path, Path], smtp_server: SmtpServer
) -> None:
    data, _elsewhere = places
    (data / "var").mkdir()
    (data / "var" / "followup.db.moved").write_text("/somewhere/new/var/followup.db\n", encoding="utf-8")
    run = followup(data, smtp_server, "--now", NOW.isoformat(), "send", "--new-ledger")
    assert run.returncode == 2
    assert "moved to /somewhere/new/var/followup.db" in run.stderr
    assert smtp_server.received == []


@pytest.mark.parametrize(
    ("given", "home"),
    [
        (None, "."),
        ("interviews.yaml", "."),
        ("ws/interviews.yaml", "ws"),
        ("ws/interviews", "ws"),
        ("ws/interviews/acme.yaml", "ws"),
        ("ws/other", "ws/other"),
        ("ws/other/acme.yaml", "ws/other"),
        ("link.yaml", "ws/other"),  # a link to ws/other/acme.yaml: the ledger is beside the data itself
        ("linked", "ws"),  # a link to the folder ws/interviews
        ("linked/acme.yaml", "ws"),
    ],
)
def test_the_data_home_is_the_folder_the_data_belongs_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, given: str | None, home: str
) -> None:
    monkeypatch.chdir(tmp_path)
    for folder in ("ws/interviews", "ws/other"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "ws/other/acme.yaml").write_text("", encoding="utf-8")
    (tmp_path / "link.yaml").symlink_to(tmp_path / "ws/other/acme.yaml")
    (tmp_path / "linked").symlink_to(tmp_path / "ws/interviews")
    assert data_home(None if given is None else Path(given)) == (tmp_path / home).resolve()


def test_the_default_data_linked_from_another_folder_has_its_ledger_beside_the_data_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "ws").mkdir()
    (tmp_path / "ws/interviews.yaml").write_text("", encoding="utf-8")
    (tmp_path / "home2").mkdir()
    (tmp_path / "home2/interviews.yaml").symlink_to(tmp_path / "ws/interviews.yaml")
    monkeypatch.chdir(tmp_path / "home2")
    assert data_home(None) == (tmp_path / "ws").resolve()


def respelt(source: Path, copy: Path) -> None:
    """A copy of the data with each company given a legal suffix and each start an hour earlier."""
    text = re.sub(r"(?m)^(    company: .+)$", r"\1, Inc.", source.read_text(encoding="utf-8"))
    text = re.sub(r"start: (\S+) (\d\d)", lambda m: f"start: {m[1]} {int(m[2]) - 1:02d}", text)
    copy.write_text(text, encoding="utf-8")


# How the same interviews are reached from a second folder: each must never be sent from two ledgers.
REACHED = {
    "a symlink": lambda source, link: link.symlink_to(source),
    "a hard link": lambda source, link: os.link(source, link),
    "a copy": lambda source, link: shutil.copy(source, link),
    "a copy with each company respelt and each start moved by an hour": lambda source, link: respelt(
        source, link
    ),
}


@pytest.mark.parametrize("reach", REACHED.values(), ids=REACHED.keys())
def test_the_same_interviews_reached_from_another_folder_are_never_sent_from_two_ledgers(
    tmp_path: Path, smtp_server: SmtpServer, reach: Callable[[Path, Path], object]
) -> None:
    ws, home2 = tmp_path / "ws", tmp_path / "home2"
    ws.mkdir()
    home2.mkdir()
    shutil.copy(EXAMPLE, ws / "interviews.yaml")
    reach(ws / "interviews.yaml", home2 / "interviews.yaml")
    early = (NOW - timedelta(days=30)).isoformat()
    assert followup(ws, smtp_server, "--now", early, "send").returncode == 0  # nothing due: a ledger starts
    quiet = followup(home2, smtp_server, "--now", early, "send")  # a hard link is caught here already
    first = followup(ws, smtp_server, "--now", NOW.isoformat(), "send")
    assert first.returncode == 0, first.stderr
    sent = len(smtp_server.received)
    assert sent > 0
    again = followup(home2, smtp_server, "--now", (NOW + timedelta(minutes=15)).isoformat(), "send")
    assert len(smtp_server.received) == sent, f"sent again from the second folder: {again.stdout}"
    if (home2 / "interviews.yaml").is_symlink():
        assert quiet.returncode == again.returncode == 0
        assert not (home2 / "var").exists()  # the one ledger is beside the data itself
        return
    refused = again if quiet.returncode == 0 else quiet
    assert refused.returncode == 2, refused.stderr
    assert refused.stderr.count("\n") == 1 and "--new-ledger" in refused.stderr, refused.stderr
    assert str((ws / "var" / "followup.db").resolve()) in refused.stderr
    told = followup(
        home2, smtp_server, "--now", (NOW + timedelta(minutes=30)).isoformat(), "send", "--new-ledger"
    )
    assert told.returncode == 0, told.stderr  # said once: this ledger is the one from now on
    back = followup(ws, smtp_server, "--now", (NOW + timedelta(minutes=45)).isoformat(), "send")
    assert back.returncode == 2 and "home2" in back.stderr  # and the first one no longer sends on its own


def test_a_ledger_last_used_with_other_data_refuses_until_told(
    places: tuple[Path, Path], smtp_server: SmtpServer
) -> None:
    data, elsewhere = places
    state = str(data / "var" / "followup.db")
    assert followup(data, smtp_server, "--state", state, "--now", NOW.isoformat(), "send").returncode == 0
    sent = len(smtp_server.received)
    assert sent > 0
    other = write_batch(elsewhere / "other.yaml", 2)  # another job search: other interviews
    later = (NOW + timedelta(minutes=15)).isoformat()
    refused = followup(elsewhere, smtp_server, "--data", str(other), "--state", state, "--now", later, "send")
    assert refused.returncode == 2
    assert "last used with other data" in refused.stderr and str(data / "interviews.yaml") in refused.stderr
    assert refused.stderr.count("\n") == 1 and len(smtp_server.received) == sent
    told = followup(elsewhere, smtp_server, "--data", str(other), "--state", state, "--now", later, "send",
                    "--new-ledger")  # fmt: skip
    assert told.returncode == 0, told.stderr


def test_the_same_interviews_renamed_into_another_file_go_on_with_their_ledger(
    places: tuple[Path, Path], smtp_server: SmtpServer
) -> None:
    data, _elsewhere = places
    assert followup(data, smtp_server, "--now", NOW.isoformat(), "send", "--new-ledger").returncode == 0
    sent = len(smtp_server.received)
    assert sent > 0
    (data / "interviews").mkdir()
    shutil.copy(data / "interviews.yaml", data / "interviews" / "all.yaml")  # split into a folder, rewritten
    (data / "interviews.yaml").unlink()
    later = (NOW + timedelta(minutes=15)).isoformat()
    run = followup(data, smtp_server, "--now", later, "send")
    assert run.returncode == 0, run.stderr
    assert len(smtp_server.received) == sent
