"""What a hostile tester found from outside, each a case that once broke a promise: a template that
reads a device or loops for ever, Jinja's internals in a message, a settings mistake shown as a Python
exception, a control character from a name or a host reaching the terminal. Each runs `followup` as a
process, bounded in time and memory, and expects one line with its place and exit 2."""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers import SmtpServer, smtp_env
from tests.stamps import unstamped

ROOT = Path(__file__).resolve().parent.parent
NOW = "2026-11-24T16:00:00-05:00"
DATA = """\
me:
  name: Sam Rivera
  email: sam.rivera@example.com
  timezone: America/Toronto
interviews:
  - id: acme-analyst
    company: Acme
    role: Analyst
    start: 2026-11-24 14:00
    timezone: America/Toronto
{extra}    interviewers:
      - name: {name}
        email: ann.lee@acme.example
        topics: [the churn dashboard]
"""
FRONT = "---\nsubject: Thank you, {{ interviewer.first_name }}\n---\n"


def write(folder: Path, extra: str = "", name: str = "Ann Lee") -> Path:
    path = folder / "interviews.yaml"
    path.write_text(DATA.format(extra=extra, name=name), encoding="utf-8")
    return path


def followup(folder: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """followup as a process, with 30 s and 1 GiB at most: a case that breaks a bound fails, not hangs."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    base = {k: v for k, v in os.environ.items() if not k.startswith("FOLLOWUP_")}
    command = [sys.executable, "-m", "batch", "--data", str(folder / "interviews.yaml"),
               "--state", str(folder / "var" / "followup.db"), "--now", NOW, *args]  # fmt: skip
    return subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=60, preexec_fn=limit,
        env=base | (env or {}),
    )  # fmt: skip


def one_line_at(done: subprocess.CompletedProcess[str], path: Path, line: int) -> str:
    err = unstamped(done.stderr)
    assert done.returncode == 2, err
    assert "Traceback" not in err and "Error:" not in err, err
    assert err.count("\n") == 1, err
    assert err.startswith(f"{path}:{line}:"), err
    return err


@pytest.mark.parametrize("target", ["/dev/zero", "/dev/urandom"])
def test_a_template_that_is_a_device_is_refused_at_its_place_not_read_for_ever(tmp_path, target):
    path = write(tmp_path, f"    template: {target}\n")
    err = one_line_at(followup(tmp_path, "check"), path, 11)
    assert "not a file" in err


def test_a_template_too_large_for_a_letter_is_refused_at_its_place(tmp_path):
    (tmp_path / "huge.md").write_text(FRONT + "word " * 100_000, encoding="utf-8")
    path = write(tmp_path, "    template: huge.md\n")
    assert "too large" in one_line_at(followup(tmp_path, "check"), path, 11)


def test_a_template_that_is_a_folder_is_refused_at_the_yaml_place(tmp_path):
    (tmp_path / "letters").mkdir()
    path = write(tmp_path, "    template: letters\n")
    assert "a folder" in one_line_at(followup(tmp_path, "check"), path, 11)


TRICKS = [
    pytest.param("{% include '/etc/passwd' %}", "include", id="include"),
    pytest.param("{% import 'x.md' as x %}", "import", id="import"),
    pytest.param("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", "macro", id="endless-macro"),
    pytest.param("{% for i in range(999999999) %}x{% endfor %}", "for", id="endless-loop"),
    pytest.param("{% set x = 'a' * 1000000000 %}{{ x }}", "set", id="huge-string"),
    pytest.param("{{ 'a' * 1000000000 }}", "*", id="huge-string-printed"),
    pytest.param("{{ ''.__class__ }}", "__class__", id="python-internals"),
    pytest.param("{{ '%s' % me }}", "%", id="a-whole-mapping"),
    pytest.param("{{ me }}", "me", id="a-mapping-printed"),
]


@pytest.mark.parametrize(("body", "named"), TRICKS)
def test_template_tricks_are_refused_with_their_place_not_run(tmp_path, body, named):
    template = tmp_path / "trick.md"
    template.write_text(FRONT + "Dear {{ interviewer.first_name }},\n\n" + body + "\n", encoding="utf-8")
    write(tmp_path, "    template: trick.md\n")
    for command in (["check"], ["send", "--dry-run", "--outbox", str(tmp_path / "out")]):
        done = followup(tmp_path, *command)
        err = unstamped(done.stderr)
        assert done.returncode == 2, err
        assert "Traceback" not in err and "RecursionError" not in err and "TypeError" not in err, err
        assert err.startswith(f"{template}:"), err
        assert named in err, err
    assert not (tmp_path / "out" / "new").exists() or not any((tmp_path / "out" / "new").iterdir())


def test_a_missing_ca_file_is_a_settings_error_naming_the_setting(tmp_path, smtp_server: SmtpServer):
    write(tmp_path)
    env = smtp_env(smtp_server) | {
        "FOLLOWUP_SMTP_SECURITY": "starttls",
        "FOLLOWUP_SMTP_CA_FILE": "/nonexistent",
    }
    done = followup(tmp_path, "send", env=env)
    err = unstamped(done.stderr)
    assert done.returncode == 2, err
    assert err.startswith("FOLLOWUP_SMTP_CA_FILE:") and err.count("\n") == 1, err
    assert "FileNotFoundError" not in err and smtp_server.received == []


@pytest.mark.parametrize("host", ["127.0.0.1\r\nX", "smtp.example.com evil", "\x1b[31mred"])
def test_a_host_with_spaces_or_control_characters_is_refused_in_one_line(tmp_path, host):
    write(tmp_path)
    done = followup(tmp_path, "send", env={"FOLLOWUP_SMTP_HOST": host})
    err = unstamped(done.stderr)
    assert done.returncode == 2 and err.startswith("FOLLOWUP_SMTP_HOST:") and err.count("\n") == 1, err
    assert "\x1b" not in err and "\r" not in err


def test_a_bad_imap_port_is_refused_even_when_no_check_in_is_due(tmp_path, smtp_server: SmtpServer):
    write(tmp_path)
    env = smtp_env(smtp_server) | {"FOLLOWUP_IMAP_HOST": "127.0.0.1", "FOLLOWUP_IMAP_USER": "sam",
                                   "FOLLOWUP_IMAP_PORT": "x"}  # fmt: skip
    done = followup(tmp_path, "send", env=env)
    err = unstamped(done.stderr)
    assert done.returncode == 2 and err.startswith("FOLLOWUP_IMAP_PORT:"), err
    assert smtp_server.received == []


@pytest.mark.parametrize("name", ["FOLLOWUP_SMTP_FROM", "FOLLOWUP_SMTP_PASWORD", "FOLLOWUP_IMAP_HOTS"])
def test_an_unknown_followup_setting_is_refused_with_a_hint(tmp_path, name, smtp_server: SmtpServer):
    write(tmp_path)
    done = followup(tmp_path, "send", env=smtp_env(smtp_server) | {name: "x"})
    err = unstamped(done.stderr)
    assert done.returncode == 2 and err.startswith(f"{name}:") and "not a setting" in err, err
    assert smtp_server.received == []


def test_a_right_to_left_override_in_a_name_never_reaches_the_terminal_raw(tmp_path):
    write(tmp_path, name="Ann \u202eeeL")
    done = followup(tmp_path, "send", "--dry-run", "--outbox", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    assert "\u202e" not in done.stdout and "\u202e" not in done.stderr
    assert re.search(r"Ann \\u202eeeL", done.stdout), done.stdout


def test_a_message_refused_by_the_lint_says_its_place_and_the_run_exits_2(tmp_path):
    (tmp_path / "short.md").write_text(FRONT + "Thanks!\n", encoding="utf-8")
    text = (
        DATA.format(extra="", name="Ann Lee")
        + """\
  - id: globex-analyst
    company: Globex
    role: Analyst
    start: 2026-11-24 14:00
    timezone: America/Toronto
    template: short.md
    interviewers:
      - name: Bo Chan
        email: bo.chan@globex.example
"""
    )
    (tmp_path / "interviews.yaml").write_text(text, encoding="utf-8")
    done = followup(tmp_path, "send", "--dry-run", "--outbox", str(tmp_path / "out"))
    assert done.returncode == 2, done.stderr
    assert len(list((tmp_path / "out" / "new").iterdir())) == 1  # the other interview still went
    [line] = [line for line in unstamped(done.stderr).splitlines() if "not sent" in line]
    assert line.startswith(f"{tmp_path / 'interviews.yaml'}:22:"), line  # Bo Chan, whose letter it is


def test_a_ca_file_that_holds_no_certificate_is_a_settings_error_in_plain_words_not_pythons(
    tmp_path, make_smtp
):
    server = make_smtp(security="starttls")
    write(tmp_path)
    env = smtp_env(server) | {"FOLLOWUP_SMTP_CA_FILE": str(tmp_path / "interviews.yaml")}  # no PEM in it
    done = followup(tmp_path, "send", env=env)
    err = unstamped(done.stderr)
    assert done.returncode == 2 and err.startswith("FOLLOWUP_SMTP_CA_FILE:"), (
        err
    )  # not found at the handshake
    assert "SSLError" not in err and "_ssl.c" not in err, err


def test_a_server_that_hangs_up_at_once_is_told_without_a_class_name(tmp_path, make_smtp):
    from tests.servers import Faults

    server = make_smtp(faults=Faults(drop="greeting"))
    write(tmp_path)
    done = followup(tmp_path, "send", env=smtp_env(server))
    err = unstamped(done.stderr)
    assert done.returncode == 1 and "closed the connection" in err, err
    assert "SMTPServerDisconnected" not in err, err
