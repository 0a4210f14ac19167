"""No data file and no `template:` is ever a secret of your settings, by whatever name it is reached: a
link into the folder of your settings (~/.config/followup), a second name of a password file (a hard
link), a file a token command reads. Each is refused at its place, unread; a CA file stays readable."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from batch.cli.main import main
from tests.stamps import unstamped

ROOT = Path(__file__).resolve().parents[2]
SECRET = "Hunter2-s3cret"
NOW = "2026-11-20T09:00:00-05:00"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home folder with the settings' folder init makes: the env file and a password file, 0600."""
    home = tmp_path / "home"
    config = home / ".config" / "followup"
    config.mkdir(parents=True)
    (config / "env").write_text(f"export FOLLOWUP_SMTP_PASSWORD={SECRET}\n", encoding="utf-8")
    (config / "smtp-password").write_text(f"{SECRET}\n", encoding="utf-8")
    for path in config.iterdir():
        path.chmod(0o600)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    for name in [name for name in os.environ if name.startswith("FOLLOWUP_")]:
        monkeypatch.delenv(name)
    return home


def workspace(where: Path) -> Path:
    where.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "interviews.yaml", where / "interviews.yaml")
    return where / "interviews.yaml"


def with_template(data: Path, name: str) -> None:
    text = data.read_text(encoding="utf-8")
    data.write_text(
        text.replace("    role: Data Analyst\n", f"    role: Data Analyst\n    template: {name}\n", 1)
    )


def linked_data_file(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str]:
    """interviews/ holding a link to the settings file: the whole folder is read as data."""
    folder = tmp_path / "ws" / "interviews"
    folder.mkdir(parents=True)
    (folder / "more.yaml").symlink_to(home / ".config" / "followup" / "env")
    return folder, "inside"


def a_template_through_the_home_folder(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, str]:
    """Data kept in the home folder itself: `.config/followup/env` lies under the data's folder."""
    data = workspace(home)
    with_template(data, ".config/followup/env")
    return data, "inside"


def a_hard_link_of_the_password_file(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, str]:
    """A second name, beside the data, of the file FOLLOWUP_SMTP_PASSWORD_FILE names."""
    secret = home / ".config" / "followup" / "smtp-password"
    monkeypatch.setenv("FOLLOWUP_SMTP_PASSWORD_FILE", str(secret))
    data = workspace(tmp_path / "ws")
    os.link(secret, data.parent / "thanks.md")
    with_template(data, "thanks.md")
    return data, "FOLLOWUP_SMTP_PASSWORD_FILE"


def a_file_the_token_command_reads(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, str]:
    """The token file of FOLLOWUP_SMTP_OAUTH2_COMMAND, kept beside the data and read as a data file."""
    data = workspace(tmp_path / "ws")
    token = data.parent / "token.yaml"
    token.write_text(f"refresh_token: {SECRET}\n", encoding="utf-8")
    monkeypatch.setenv("FOLLOWUP_SMTP_OAUTH2_COMMAND", f"oauth2-refresh --from={token} --quiet")
    return token, "FOLLOWUP_SMTP_OAUTH2_COMMAND"


CASES: dict[str, Callable[[Path, Path, pytest.MonkeyPatch], tuple[Path, str]]] = {
    "a data file linked to the settings file": linked_data_file,
    "a template into the settings' folder from a workspace in the home": a_template_through_the_home_folder,
    "a template that is a hard link of the password file": a_hard_link_of_the_password_file,
    "a data file that a token command reads": a_file_the_token_command_reads,
}


@pytest.mark.parametrize("make", CASES.values(), ids=CASES.keys())
def test_a_secret_reached_by_another_name_is_refused_at_its_place_unread(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], make
) -> None:
    data, said = make(home, tmp_path, monkeypatch)
    outbox = tmp_path / "outbox"
    for command in (["check"], ["plan"], ["send", "--dry-run", "--outbox", str(outbox)]):
        assert main(["--data", str(data), "--state", str(tmp_path / "l.db"), "--now", NOW, *command]) == 2
        out, err = capsys.readouterr()
        err = unstamped(err)  # send's lines start with the time
        assert SECRET not in out + err and "Traceback" not in err
        refusal = next(line for line in err.splitlines() if "secrets" in line)
        assert refusal.startswith(str(data if data.is_file() else data / "more.yaml") + ":"), refusal
        assert said in refusal, refusal
    assert not outbox.exists()


def test_a_ca_file_in_the_settings_folder_stays_readable(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = workspace(home)
    ca = home / ".config" / "followup" / "ca.md"  # a CA file as a template: odd, but public
    ca.write_text("---\nsubject: Thanks\n---\nThank you for your time today. Thanks for considering me.\n")
    monkeypatch.setenv("FOLLOWUP_SMTP_CA_FILE", str(ca))
    with_template(data, ".config/followup/ca.md")
    main(["--data", str(data), "--state", str(tmp_path / "l.db"), "--now", NOW, "check"])
    assert "secrets" not in capsys.readouterr().err
