"""FOLLOWUP_SMTP_* and FOLLOWUP_IMAP_* settings through the CLI: a bad one is one line naming it, exit 2, and
nothing sent or recorded."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from batch.cli import main
from tests.servers import SmtpServer, use_smtp
from tests.stamps import unstamped
from tests.test_send import NOW, send


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("FOLLOWUP_SMTP_PORT", "²"),
        ("FOLLOWUP_SMTP_PORT", "٢٥"),
        ("FOLLOWUP_SMTP_PORT", "70000"),
        ("FOLLOWUP_SMTP_TIMEOUT", "0"),
        ("FOLLOWUP_SMTP_TIMEOUT", "nan"),
        ("FOLLOWUP_SMTP_TIMEOUT", "inf"),
        ("FOLLOWUP_SMTP_TIMEOUT", "-1"),
        ("FOLLOWUP_SMTP_TIMEOUT", "1e300"),
        ("FOLLOWUP_SMTP_OAUTH2_FILE", "{missing}"),
        ("FOLLOWUP_SMTP_OAUTH2_FILE", "{not-json}"),
        ("FOLLOWUP_SMTP_OAUTH2_FILE", "{no-token}"),
        ("FOLLOWUP_SMTP_OAUTH2_FILE", "{folder}"),
    ],
)
def test_a_bad_smtp_setting_is_one_line_naming_it_and_nothing_is_recorded(
    work: Path,
    smtp_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    setting: str,
    value: str,
) -> None:
    (work / "not-json").write_text("client_id = x\n")
    (work / "no-token").write_text(json.dumps({"google_client_id": "x", "google_client_secret": "y"}))
    (work / "folder").mkdir()
    files = {name: work / name for name in ("not-json", "no-token", "folder")}
    value = value.format(missing=work / "missing.json", **files)
    login = {"FOLLOWUP_SMTP_USER": "sam.rivera@example.com"} if "OAUTH2" in setting else {}
    use_smtp(monkeypatch, smtp_server, **login, **{setting: value})
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # a prompt would read nothing and fail
    assert send(work) == 2
    out, err = capsys.readouterr()
    err = unstamped(err)
    assert out == "" and err.count("\n") == 1, err
    assert err.startswith(f"{setting}:")
    assert "Traceback" not in err and "Error" not in err
    assert not (work / "var" / "followup.db").exists()
    assert smtp_server.received == []


@pytest.mark.parametrize(
    ("setting", "value"),
    [("FOLLOWUP_IMAP_PORT", "¹⁴³"), ("FOLLOWUP_IMAP_TIMEOUT", "nan"), ("FOLLOWUP_IMAP_TIMEOUT", "0")],
)
def test_a_bad_imap_setting_is_named_by_doctor_with_exit_2(
    work: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], setting: str, value: str
) -> None:
    for name, text in {"HOST": "127.0.0.1", "SECURITY": "none", "USER": "tester", "PASSWORD": "x"}.items():
        monkeypatch.setenv(f"FOLLOWUP_IMAP_{name}", text)
    monkeypatch.setenv(setting, value)
    code = main(["--data", str(work / "interviews.yaml"), "--state", str(work / "var" / "followup.db"),
                 "--now", NOW, "doctor"])  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 2 and err == ""
    [line] = [line for line in out.splitlines() if line.split()[1:2] == ["imap"]]
    assert f"{setting}:" in line


def test_the_settings_as_shown_in_a_traceback_or_a_log_never_carry_the_password() -> None:
    from batch.settings import ImapSettings, SmtpSettings

    smtp = SmtpSettings("smtp.example.com", 587, "starttls", "sam@example.com", "hunter2-secret")
    imap = ImapSettings("imap.example.com", 993, "ssl", "sam@example.com", "hunter2-secret")
    for settings in (smtp, imap):
        for shown in (repr(settings), str(settings), f"{settings}", str([settings]), str({"s": settings})):
            assert "hunter2" not in shown and "sam@example.com" in shown, shown
    assert repr(smtp).startswith("SmtpSettings(host='smtp.example.com', port=587,")
