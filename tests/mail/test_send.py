"""`followup send` against real SMTP servers on 127.0.0.1: what arrives, what the ledger says, never twice."""

from __future__ import annotations

import email
import email.policy
import json
import os
import re
import sqlite3
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from batch.cli.main import main
from batch.data import load as loader
from batch.etiquette import schedule
from batch.ledger.store import locked
from batch.letters.compose import compose
from tests.servers import Faults, SmtpServer, use_smtp
from tests.stamps import unstamped

ROOT = Path(__file__).resolve().parents[2]
NOW = "2026-11-24T16:00:00-05:00"
DUE_TO = {"marcus.chen@northwind.example", "sam.rivera@example.com"}  # two reminders go to Sam


def send(work: Path, *args: str, now: str = NOW) -> int:
    return main(["--data", str(work / "interviews.yaml"), "--state", str(work / "var" / "followup.db"),
                 "--now", now, "send", *args])  # fmt: skip


def ledger_rows(work: Path) -> dict[str, tuple[str, str]]:
    db = sqlite3.connect(work / "var" / "followup.db")
    try:
        return {
            key: (state, mid)
            for key, state, mid in db.execute("SELECT key, state, message_id FROM deliveries")
        }
    finally:
        db.close()


def parsed(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


def test_due_follow_ups_arrive_once_each_exactly_as_rendered(
    work: Path, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    use_smtp(monkeypatch, smtp_server)
    assert send(work) == 0
    lines = unstamped(capsys.readouterr().out).splitlines()
    assert len(lines) == 3 and all(line.startswith(("sent ", "reminded ")) for line in lines)
    assert sorted(r.rcpt_tos[0] for r in smtp_server.received) == sorted(
        ["marcus.chen@northwind.example", "sam.rivera@example.com", "sam.rivera@example.com"]
    )
    assert {r.mail_from for r in smtp_server.received} == {"sam.rivera@example.com"}

    data = loader.load([work / "interviews.yaml"])
    items = {i.key: i for i in schedule.plan(data, datetime.fromisoformat(NOW))}
    rows = ledger_rows(work)
    for received in smtp_server.received:
        message = parsed(received.data)
        for header in ("From", "To", "Subject", "Date", "Message-ID", "MIME-Version"):
            assert len(message.get_all(header, [])) == 1, header
        key = next(k for k, (_, mid) in rows.items() if mid == message["Message-ID"])
        assert rows[key][0] == "sent"
        expected = compose(items[key], data).mail
        assert message["Subject"] == expected.subject
        assert message.get_body(("plain",)).get_content().replace("\r\n", "\n") == expected.text
        assert message.get_body(("html",)).get_content().replace("\r\n", "\n") == expected.html
    assert parsed(next(r.data for r in smtp_server.received if "marcus" in r.rcpt_tos[0]))["To"] == (
        "Marcus Chen <marcus.chen@northwind.example>"
    )

    assert send(work) == 0
    assert capsys.readouterr() == ("", "")
    assert len(smtp_server.received) == 3


def test_starttls_with_auth_logs_in_once_and_delivers_the_batch_over_one_connection(
    work: Path, smtp_tls_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_smtp(monkeypatch, smtp_tls_server)
    assert send(work) == 0
    assert len(smtp_tls_server.received) == 3
    assert all(r.tls and r.login == smtp_tls_server.user for r in smtp_tls_server.received)
    assert smtp_tls_server.connections == 1


def test_implicit_tls_with_a_password_file_delivers(
    work: Path, smtp_ssl_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = work / "password"
    secret.write_text(smtp_ssl_server.password + "\n")
    secret.chmod(0o600)
    use_smtp(monkeypatch, smtp_ssl_server)
    monkeypatch.delenv("FOLLOWUP_SMTP_PASSWORD")
    monkeypatch.setenv("FOLLOWUP_SMTP_PASSWORD_FILE", str(secret))
    assert send(work) == 0
    assert len(smtp_ssl_server.received) == 3


def test_a_password_file_others_can_read_is_refused_before_anything_is_sent(
    work: Path,
    smtp_ssl_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    secret = work / "password"
    secret.write_text(smtp_ssl_server.password)
    secret.chmod(0o644)
    use_smtp(monkeypatch, smtp_ssl_server, FOLLOWUP_SMTP_PASSWORD_FILE=str(secret))
    assert send(work) == 2
    err = capsys.readouterr().err
    assert "chmod 600" in err and err.count("\n") == 1
    assert smtp_ssl_server.received == []
    assert not (work / "var" / "followup.db").exists()


def test_a_wrong_password_stops_the_batch_with_one_line_and_a_later_run_delivers(
    work: Path,
    smtp_tls_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    use_smtp(monkeypatch, smtp_tls_server, FOLLOWUP_SMTP_PASSWORD="not-the-password")
    assert send(work) == 1
    err = capsys.readouterr().err
    assert "535" in err and "user name or password" in err
    assert "not-the-password" not in err
    assert smtp_tls_server.received == []
    assert {state for state, _ in ledger_rows(work).values()} <= {"deferred"}
    monkeypatch.setenv("FOLLOWUP_SMTP_PASSWORD", smtp_tls_server.password)
    assert send(work) == 0
    assert len(smtp_tls_server.received) == 3


def test_a_4xx_on_data_defers_and_the_next_run_delivers_with_the_same_message_id(
    work: Path, make_smtp: Callable[..., SmtpServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    server = make_smtp(faults=Faults(data="451 4.3.0 try again later", times=1))
    use_smtp(monkeypatch, server)
    assert send(work) == 1
    first = ledger_rows(work)
    assert sorted(state for state, _ in first.values()) == ["deferred", "deferred", "deferred"]
    assert send(work, now="2026-11-24T16:15:00-05:00") == 0
    assert sorted(r.message_id for r in server.received) == sorted(mid for _, mid in first.values())
    assert all(count == 1 for count in server.message_id_counts().values())


def test_a_5xx_for_one_recipient_fails_that_one_only_and_it_is_never_retried(
    work: Path,
    make_smtp: Callable[..., SmtpServer],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = make_smtp(faults=Faults(rcpt={"marcus.chen@northwind.example": "550 5.1.1 no such user"}))
    use_smtp(monkeypatch, server)
    assert send(work) == 1
    err = capsys.readouterr().err
    assert "550 5.1.1 no such user" in err and "does not exist" in err
    assert len(server.received) == 2
    server.faults = Faults()
    assert send(work, now="2026-11-24T16:15:00-05:00") == 0
    assert len(server.received) == 2
    assert ledger_rows(work)["northwind-data-analyst/thank-you/marcus.chen@northwind.example"][0] == "failed"


def test_a_connection_dropped_before_data_is_reopened_and_the_batch_goes_on(
    work: Path, make_smtp: Callable[..., SmtpServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    server = make_smtp(faults=Faults(drop="MAIL", times=1))
    use_smtp(monkeypatch, server)
    assert send(work) == 0
    assert len(server.received) == 3
    assert server.connections == 2


def test_a_connection_dropped_after_data_leaves_it_uncertain_and_it_is_not_resent(
    work: Path,
    make_smtp: Callable[..., SmtpServer],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = make_smtp(faults=Faults(drop="after_DATA", times=1))
    use_smtp(monkeypatch, server)
    assert send(work) == 1
    assert "followup resolve" in capsys.readouterr().err
    states = sorted(state for state, _ in ledger_rows(work).values())
    assert states == ["sent", "sent", "uncertain"]
    assert send(work, now="2026-11-24T16:30:00-05:00") == 0
    assert len(server.received) == 3  # the uncertain one arrived once, and was not sent again
    uncertain = next(k for k, (s, _) in ledger_rows(work).items() if s == "uncertain")
    state = ["--state", str(work / "var" / "followup.db")]
    assert main([*state, "resolve", uncertain, "--retry"]) == 0
    assert send(work, now="2026-11-24T16:45:00-05:00") == 0
    again = [r for r in server.received if r.message_id == ledger_rows(work)[uncertain][1]]
    assert len(again) == 2  # resent on request, under the same Message-ID so the receiver can de-duplicate
    assert ledger_rows(work)[uncertain][0] == "sent"


def test_a_run_finding_the_lock_held_does_nothing_and_exits_75(
    work: Path, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_smtp(monkeypatch, smtp_server)
    with locked(work / "var" / "followup.db"):
        assert send(work) == 75
    assert smtp_server.received == []


def test_the_daily_cap_holds_the_rest_for_a_later_day(
    work: Path, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (work / "interviews.yaml").read_text().replace("policy: {}", "policy: {daily_cap: 2}")
    (work / "interviews.yaml").write_text(text)
    use_smtp(monkeypatch, smtp_server)
    assert send(work) == 0
    assert "held  1 more" in capsys.readouterr().out
    assert send(work, now="2026-11-24T17:00:00-05:00") == 0
    assert len(smtp_server.received) == 2
    # More than a day on, inside both Marcus's (Toronto) and Priya's (Berlin) working hours
    assert send(work, now="2026-11-26T09:00:00-05:00") == 0
    later = [r.rcpt_tos[0] for r in smtp_server.received[2:]]
    assert sorted(later) == ["marcus.chen@northwind.example", "priya.shah@northwind.example"]


def test_limit_caps_one_run(work: Path, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> None:
    use_smtp(monkeypatch, smtp_server)
    assert send(work, "--limit", "1") == 0
    assert len(smtp_server.received) == 1


def test_a_message_failing_the_etiquette_is_not_sent_and_the_others_go(
    work: Path, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (work / "short.md").write_text("---\nsubject: Thanks\n---\nThanks, {{ interviewer.first_name }}!\n")
    text = (work / "interviews.yaml").read_text()
    text = text.replace("    role: Data Analyst\n", "    role: Data Analyst\n    template: short.md\n")
    (work / "interviews.yaml").write_text(text)
    use_smtp(monkeypatch, smtp_server)
    assert send(work) == 2  # the template needs fixing: input, exit 2; the others still went
    err = capsys.readouterr().err
    assert "not sent" in err and "words" in err and "short.md" in err
    assert [r.rcpt_tos[0] for r in smtp_server.received].count("marcus.chen@northwind.example") == 0
    assert len(smtp_server.received) == 2
    assert main(["--data", str(work / "interviews.yaml"), "--now", NOW, "check"]) == 2


def test_without_smtp_settings_send_is_a_dry_run_into_a_maildir_and_records_nothing(
    work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    outbox = work / "outbox"
    assert send(work, "--outbox", str(outbox)) == 0
    out = unstamped(capsys.readouterr().out).splitlines()
    assert out[0].startswith("dry run, no SMTP settings")
    files = sorted((outbox / "new").iterdir())
    assert len(files) == 3
    subjects = {parsed(f.read_bytes())["Subject"] for f in files}
    assert "Thank you for the Data Analyst interview" in subjects
    assert not (work / "var" / "followup.db").exists()


def test_nothing_due_is_silent(
    work: Path, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    use_smtp(monkeypatch, smtp_server)
    assert send(work, now="2027-03-01T12:00:00-05:00") == 0
    assert capsys.readouterr() == ("", "")
    assert smtp_server.received == []


def test_the_password_appears_in_no_output_ledger_or_outbox(
    work: Path,
    smtp_tls_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    use_smtp(monkeypatch, smtp_tls_server)
    assert send(work) == 0
    sending = capsys.readouterr()
    assert main(["--state", str(work / "var" / "followup.db"), "status", "--json"]) == 0
    captured = capsys.readouterr()
    status = json.loads(captured.out)
    assert {row["state"] for row in status} == {"sent"}
    secret = smtp_tls_server.password.encode()
    assert secret not in (sending.out + sending.err + captured.out + captured.err).encode()
    for path in (work / "var").rglob("*"):
        if path.is_file():
            assert secret not in path.read_bytes(), path
    assert all(secret not in r.data for r in smtp_tls_server.received)


@pytest.mark.parametrize(
    "old, new",
    [
        ("marcus.chen@northwind.example", "m.chen@northwind.example"),  # the email corrected
        ("name: Marcus Chen", "name: Marcus J. Chen"),  # the name corrected
        ("  - id: fabrikam-product-analyst", "  - id: fabrikam-product-analyst\n    notes: moved"),
    ],
)
def test_editing_the_yaml_after_a_delivery_never_sends_it_again(
    work: Path, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch, old: str, new: str
) -> None:
    use_smtp(monkeypatch, smtp_server)
    assert send(work) == 0
    text = (work / "interviews.yaml").read_text()
    assert old in text
    (work / "interviews.yaml").write_text(text.replace(old, new))
    assert send(work, now="2026-11-24T16:20:00-05:00") == 0
    assert len(smtp_server.received) == 3


def test_reordering_the_panel_after_the_check_in_does_not_send_a_second_one(
    work: Path, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_smtp(monkeypatch, smtp_server)
    # Priya's check-in is due, and it is working time in Vancouver too; the thank-yous have expired
    after_decision = "2026-12-08T17:30:00+01:00"
    assert send(work, now=after_decision) == 0
    assert sorted(r.rcpt_tos[0] for r in smtp_server.received) == [
        "dana.okafor@contoso.example",  # Contoso's check-in, due since December 1
        "priya.shah@northwind.example",
    ]
    text = (work / "interviews.yaml").read_text()
    priya = text[text.index("      - name: Priya Shah") : text.index("      - name: Marcus Chen")]
    (work / "interviews.yaml").write_text(
        text.replace(priya, "").replace("      - name: Elena", priya + "      - name: Elena")
    )
    assert send(work, now="2026-12-08T11:00:00+01:00") == 0
    assert len(smtp_server.received) == 2


@pytest.mark.parametrize("smtp", [True, False], ids=["smtp-set", "dry-run"])
def test_the_idle_cron_run_imports_nothing_heavy(work: Path, smtp: bool) -> None:
    """The full idle path (no wake-up note yet): nothing heavy, nor dataclasses (with inspect, ast and dis
    it costs ~8 ms, and each class made with it ~0.5 ms more: records there are NamedTuples)."""
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("FOLLOWUP_")}
    if smtp:
        env |= {
            "FOLLOWUP_SMTP_HOST": "127.0.0.1",
            "FOLLOWUP_SMTP_PORT": "9",
            "FOLLOWUP_SMTP_SECURITY": "none",
        }
    heavy = ("jinja2", "markdown", "yagmail", "ssl", "email.mime", "batch.mail.transport",
             "batch.letters.render", "dataclasses", "inspect")  # fmt: skip
    code = (
        "import sys; from batch.cli.main import main\n"
        f"code = main(['--data', {str(work / 'interviews.yaml')!r}, '--state', {str(work / 'v.db')!r},"
        " '--now', '2027-03-01T12:00:00-05:00', 'send'])\n"
        f"print(code, 'batch.data.load' in sys.modules, sorted(m for m in {heavy!r} if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=ROOT)
    assert done.stdout == "0 True []\n", done.stderr  # True: the data was read, not stopped at a note


# What the first idle run after an edit (no wake-up note) leaves out, each measured on that path (bench idle):
# OpenSSL behind hashlib ~3 ms, importlib.resources with zipfile and tempfile ~8 ms, shutil with its
# compression modules ~2 ms (argparse asks it the terminal's size), the idna codec ~1 ms, threading.
LEFT_OUT = ("hashlib", "_hashlib", "importlib.resources", "zipfile", "tempfile", "shutil", "encodings.idna",
            "threading")  # fmt: skip


def test_the_first_idle_run_after_an_edit_leaves_out_what_it_does_not_use(work: Path) -> None:
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if not k.startswith("FOLLOWUP_")}
    env |= {"FOLLOWUP_SMTP_HOST": "127.0.0.1", "FOLLOWUP_SMTP_PORT": "9", "FOLLOWUP_SMTP_SECURITY": "none"}
    code = (
        "import sys; from batch.cli.main import main\n"
        f"code = main(['--data', {str(work / 'interviews.yaml')!r}, '--state', {str(work / 'v.db')!r},"
        " '--now', '2027-03-01T12:00:00-05:00', 'send'])\n"
        # the recipients' holidays were looked up: the zone table was read
        "import batch.etiquette.workdays as w\n"
        f"print(code, w._zone_countries.cache_info().currsize, w._zone_links.cache_info().currsize,"
        f" sorted(m for m in {LEFT_OUT!r} if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=ROOT)
    assert done.stdout == "0 1 0 []\n", done.stderr  # 0: city zones, so the tz database's links went unread


def test_each_line_send_writes_starts_with_my_local_date_time_and_zone(
    work: Path, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    use_smtp(monkeypatch, smtp_server)
    assert send(work, now="2026-11-24T21:00:00+00:00") == 0  # 16:00 in Toronto, where the data says I live
    out = capsys.readouterr().out
    assert len(out.splitlines()) == 3
    assert all(line.startswith("2026-11-24 16:00 EST ") for line in out.splitlines()), out
    assert all(line.startswith(("sent ", "reminded ")) for line in unstamped(out).splitlines())


def test_a_send_refused_for_bad_data_says_when_too(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = work / "interviews.yaml"
    data.write_text(data.read_text("utf-8").replace("delay: same-day", "delay: same_day", 1), "utf-8")
    assert send(work) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert re.fullmatch(
        rf"\d{{4}}-\d\d-\d\d \d\d:\d\d [^ \n]+ {re.escape(str(data))}:\d+:\d+: delay: [^\n]*\n", err
    ), err


def test_a_stamped_stream_stamps_each_line_once_and_leaves_a_terminals_line_clearing_alone() -> None:
    import io

    from batch.cli.terminal import Stamped

    raw = io.StringIO()
    stream = Stamped(raw, lambda: "2026-11-24 16:00 ")
    print("sent  one", file=stream)  # print writes the text and the newline separately
    stream.write("\r\033[K")
    stream.write("failed  two\nheld  three\n")
    stream.write("")
    assert raw.getvalue() == (
        "2026-11-24 16:00 sent  one\n\r\033[K2026-11-24 16:00 failed  two\n2026-11-24 16:00 held  three\n"
    )


@pytest.mark.parametrize("closed", [1, 2], ids=["stdout", "stderr"])
def test_a_run_started_with_its_output_closed_still_sends_once_and_never_shows_a_traceback(
    tmp_path: Path, smtp_server: SmtpServer, closed: int
) -> None:
    import subprocess
    import sys

    from tests.runs import NOW as DUE_NOW
    from tests.runs import ledger_rows as rows_of
    from tests.runs import send_args, send_env, write_batch

    data, state = write_batch(tmp_path / "batch.yaml", 3), tmp_path / "followup.db"
    done = subprocess.run([sys.executable, "-m", "batch", *send_args(data, state, DUE_NOW)], cwd=tmp_path,
                          env=send_env(smtp_server), capture_output=True, text=True, timeout=120, check=False,
                          preexec_fn=lambda: os.close(closed))  # fmt: skip  # `followup send >&-`
    assert "Traceback" not in done.stdout + done.stderr
    # the run went to its end; the lines it had to say on stdout could not be said (stderr had none)
    assert done.returncode == (1 if closed == 1 else 0)
    assert sorted(smtp_server.message_id_counts().values()) == [1, 1, 1]
    assert sorted(row[0] for row in rows_of(state).values()) == ["sent"] * 3


@pytest.mark.parametrize("command", ["send", "plan", "check"])
def test_a_machine_without_any_time_zone_data_gets_one_line_saying_what_to_install(
    tmp_path: Path, command: str
) -> None:
    import subprocess
    import sys

    hidden = tmp_path / "hide"
    hidden.mkdir()  # the tzdata package hidden, and a zone path with nothing in it
    (hidden / "sitecustomize.py").write_text("import sys\nsys.modules['tzdata'] = None\n", encoding="utf-8")
    (tmp_path / "empty").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOLLOWUP_")}
    env |= {"PYTHONPATH": str(hidden), "PYTHONTZPATH": str(tmp_path / "empty")}
    args = ["--data", str(ROOT / "interviews.yaml"), "--state", str(tmp_path / "f.db"), "--now", NOW, command]
    done = subprocess.run([sys.executable, "-m", "batch", *args], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=60, check=False)  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "install the tzdata package" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("closed", "code"), [(2, 0), (1, 1)], ids=["stderr-nothing-to-say", "stdout-the-plan"]
)
def test_a_closed_stream_counts_against_the_run_only_when_it_had_something_to_say(
    tmp_path: Path, closed: int, code: int
) -> None:
    import subprocess
    import sys

    args = ["--data", str(ROOT / "interviews.yaml"), "--state", str(tmp_path / "f.db"), "--now", NOW, "plan"]
    done = subprocess.run([sys.executable, "-m", "batch", *args], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60, check=False,
                          preexec_fn=lambda: os.close(closed))  # fmt: skip
    assert "Traceback" not in done.stderr
    assert done.returncode == code, done.stderr
