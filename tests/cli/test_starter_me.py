"""The starter's `me:` (Your Name, you@example.com) never signs a real letter: check warns, send refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from batch.cli.main import main
from tests.runs import NOW, write_batch
from tests.servers import SmtpServer
from tests.servers.smtp import use_smtp


def starter_me(path: Path) -> Path:
    text = path.read_text("utf-8").replace("name: Sam Rivera", "name: Your Name")
    path.write_text(text.replace("sam.rivera@example.com", "you@example.com"), "utf-8")
    return path


def test_check_warns_with_its_place_when_me_is_still_the_starters(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = starter_me(write_batch(tmp_path / "interviews.yaml", 1))
    assert (
        main(["--data", str(data), "--state", str(tmp_path / "v.db"), "--now", NOW.isoformat(), "check"]) == 0
    )
    err = capsys.readouterr().err
    assert f"{data}:2:" in err and "starter" in err


def test_a_real_send_refuses_to_sign_with_the_starters_name_and_sends_nothing(
    tmp_path: Path,
    smtp_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    use_smtp(monkeypatch, smtp_server)
    data = starter_me(write_batch(tmp_path / "interviews.yaml", 2))
    argv = ["--data", str(data), "--state", str(tmp_path / "v.db"), "--now", NOW.isoformat(), "send"]
    assert main(argv) == 2
    assert "starter" in capsys.readouterr().err
    assert smtp_server.received == []
