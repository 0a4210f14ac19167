"""FOLLOWUP_SMTP_* and FOLLOWUP_IMAP_* settings through the CLI: a bad one is one line naming it, exit 2, and
nothing sent or recorded."""

from __future__ import annotations

import io
import json
import os
import ssl
from collections.abc import Callable
from pathlib import Path

import pytest
import trustme

from batch.cli.main import main
from tests.mail.test_send import NOW, send
from tests.servers import SmtpServer, smtp_env, use_smtp
from tests.stamps import unstamped
from tests.test_outside import followup, write


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
    for name in ("not-json", "no-token"):
        files[name].chmod(0o600)  # for your eyes only: what is wrong is inside
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
    from batch.account.settings import ImapSettings, SmtpSettings

    smtp = SmtpSettings("smtp.example.com", 587, "starttls", "sam@example.com", "hunter2-secret")
    imap = ImapSettings("imap.example.com", 993, "ssl", "sam@example.com", "hunter2-secret")
    for settings in (smtp, imap):
        for shown in (repr(settings), str(settings), f"{settings}", str([settings]), str({"s": settings})):
            assert "hunter2" not in shown and "sam@example.com" in shown, shown
    assert repr(smtp).startswith("SmtpSettings(host='smtp.example.com', port=587,")


def _one_line_naming(setting: str, stderr: str) -> str:
    """The run's error, checked to be one line that starts with the setting's name and shows no Python."""
    err = unstamped(stderr)
    assert err.count("\n") == 1 and err.startswith(f"{setting}:"), err
    assert "Traceback" not in err and "Error" not in err, err
    return err


@pytest.mark.parametrize("kind", ["2 GiB sparse file", "66 KiB file"])
@pytest.mark.parametrize("service", ["SMTP", "IMAP"])
def test_a_password_file_far_larger_than_a_password_is_refused_without_reading_it_whole(
    tmp_path: Path, smtp_server: SmtpServer, kind: str, service: str
) -> None:
    secret = tmp_path / "password"
    with secret.open("wb") as handle:
        if kind.startswith("2 GiB"):
            handle.truncate(2 << 30)  # sparse: costs no disk, but read whole it costs 2 GiB and more
        else:
            handle.write(b"x" * (66 << 10) + b"\n")
    secret.chmod(0o600)
    write(tmp_path)
    setting = f"FOLLOWUP_{service}_PASSWORD_FILE"
    imap = {"FOLLOWUP_IMAP_HOST": "127.0.0.1", "FOLLOWUP_IMAP_SECURITY": "none", "FOLLOWUP_IMAP_USER": "sam"}
    env = smtp_env(smtp_server) | (imap if service == "IMAP" else {}) | {setting: str(secret)}
    done = followup(tmp_path, "send", env=env)  # 1 GiB of address space at most, 60 s at most
    assert done.returncode == 2, done.stderr
    err = _one_line_naming(setting, done.stderr)
    assert "too large" in err and "chmod" not in err, err
    assert smtp_server.received == [] and not (tmp_path / "var" / "followup.db").exists()


@pytest.mark.parametrize("kind", ["folder", "fifo", "/dev/zero", "link to /dev/zero"])
def test_a_password_file_that_is_no_regular_file_is_refused_without_chmod_advice_or_waiting(
    tmp_path: Path, smtp_server: SmtpServer, kind: str
) -> None:
    path = {"folder": tmp_path / "folder", "fifo": tmp_path / "fifo", "/dev/zero": Path("/dev/zero"),
            "link to /dev/zero": tmp_path / "link"}[kind]  # fmt: skip
    if kind == "folder":
        path.mkdir(mode=0o755)
    elif kind == "fifo":
        os.mkfifo(path, 0o644)  # nobody writes to it: a plain open would wait for ever
    elif kind.startswith("link"):
        path.symlink_to("/dev/zero")
    write(tmp_path)
    done = followup(tmp_path, "send", env=smtp_env(smtp_server, FOLLOWUP_SMTP_PASSWORD_FILE=str(path)))
    assert done.returncode == 2, done.stderr
    err = _one_line_naming("FOLLOWUP_SMTP_PASSWORD_FILE", done.stderr)
    assert "not a regular file" in err and "chmod" not in err, err  # chmod 600 /tmp would be harmful advice
    assert smtp_server.received == [] and not (tmp_path / "var" / "followup.db").exists()


def _ca_file(folder: Path, kind: str) -> Path:
    """A file given as the CA file that holds no certificate OpenSSL can read: garbage, nothing, a private
    key alone, a certificate in DER, or a good certificate followed by a broken one."""
    path = folder / f"{kind}.pem"
    if kind == "garbage":
        path.write_text("this is not a certificate\n")
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "private key":
        trustme.CA().private_key_pem.write_to_path(str(path))
    elif kind == "DER":
        path.write_bytes(ssl.PEM_cert_to_DER_cert(trustme.CA().cert_pem.bytes().decode("ascii")))
    else:
        broken = b"-----BEGIN CERTIFICATE-----\nzzzz\n-----END CERTIFICATE-----\n"
        path.write_bytes(trustme.CA().cert_pem.bytes() + broken)
    return path


@pytest.mark.parametrize(
    "kind", ["garbage", "empty", "private key", "DER", "a broken block after a good one"]
)
def test_a_smtp_ca_file_without_a_certificate_is_a_settings_error_before_any_connection(
    tmp_path: Path, make_smtp: Callable[..., SmtpServer], kind: str
) -> None:
    server = make_smtp(security="starttls")
    write(tmp_path)
    env = smtp_env(server, FOLLOWUP_SMTP_CA_FILE=str(_ca_file(tmp_path, kind)))
    done = followup(tmp_path, "send", env=env)
    assert done.returncode == 2, done.stderr
    err = _one_line_naming("FOLLOWUP_SMTP_CA_FILE", done.stderr)
    assert "no certificate" in err and "TLS failed" not in err, err
    assert server.received == [] and server.connections == 0
    assert not (tmp_path / "var" / "followup.db").exists()  # nothing deferred: nothing was tried


def test_a_ca_file_far_larger_than_a_certificate_store_is_refused_from_its_size(
    tmp_path: Path, make_smtp: Callable[..., SmtpServer]
) -> None:
    # 218 MB of good certificates took 52 s and 860 MB to load (a second outside trial)
    server = make_smtp(security="starttls")
    write(tmp_path)
    huge = tmp_path / "huge.pem"
    with huge.open("wb") as handle:
        handle.truncate(64 << 20)  # sparse: the size alone must be enough to refuse it
    done = followup(tmp_path, "send", env=smtp_env(server, FOLLOWUP_SMTP_CA_FILE=str(huge)))
    assert done.returncode == 2, done.stderr
    assert "too large" in _one_line_naming("FOLLOWUP_SMTP_CA_FILE", done.stderr)
    assert server.connections == 0


def test_an_imap_ca_file_without_a_certificate_is_a_settings_error(
    tmp_path: Path, smtp_server: SmtpServer
) -> None:
    imap = {"FOLLOWUP_IMAP_HOST": "127.0.0.1", "FOLLOWUP_IMAP_USER": "sam", "FOLLOWUP_IMAP_PASSWORD": "x",
            "FOLLOWUP_IMAP_CA_FILE": str(_ca_file(tmp_path, "garbage"))}  # fmt: skip
    write(tmp_path)
    done = followup(tmp_path, "send", env=smtp_env(smtp_server) | imap)
    assert done.returncode == 2, done.stderr
    _one_line_naming("FOLLOWUP_IMAP_CA_FILE", done.stderr)
    assert smtp_server.received == []


def test_doctor_names_the_ca_file_setting_not_the_security_when_the_file_has_no_certificate(
    tmp_path: Path, make_smtp: Callable[..., SmtpServer]
) -> None:
    server = make_smtp(security="starttls")
    write(tmp_path)
    done = followup(
        tmp_path, "doctor", env=smtp_env(server, FOLLOWUP_SMTP_CA_FILE=str(_ca_file(tmp_path, "garbage")))
    )
    assert done.returncode == 2, done.stdout + done.stderr
    [line] = [line for line in done.stdout.splitlines() if line.split()[1:2] == ["smtp"]]
    assert "FOLLOWUP_SMTP_CA_FILE:" in line and "FOLLOWUP_SMTP_SECURITY" not in line, line
    assert server.connections == 0
