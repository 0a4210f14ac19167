"""Group commit: a chunk claimed in one transaction, sent over one connection, recorded in one; an
orderly stop releases the claims not yet handed over, so the next run sends them, once each."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest

from batch.account.settings import SmtpSettings
from batch.cli.main import main
from batch.data import load as loader
from batch.ledger import wake
from batch.ledger.schema import Entry
from batch.ledger.store import Claim, Ledger
from batch.mail import deliver, pace
from batch.mail.transport import Smtp
from tests.runs import NOW, due_keys, ledger_rows, send_args, write_batch
from tests.servers import Faults, SmtpServer, smtp_env
from tests.servers.smtp import _drop

ROOT = Path(__file__).resolve().parents[2]
SIZE = 8  # due follow-ups: one chunk holds them all


def on_mail(server: SmtpServer, act: Callable[[int, Any], Any]) -> None:
    """Run `act(n, session)` at the n-th MAIL FROM the server sees (1-based), before its usual answer."""
    handler = server._controller.handler  # type: ignore[union-attr]
    usual = handler.handle_MAIL
    seen = 0

    async def handle_mail(session: Any, *args: Any) -> Any:
        nonlocal seen
        seen += 1
        done = await act(seen, session)
        return done if done is not None else await usual(session, *args)

    handler.handle_MAIL = handle_mail


def run_send(work: Path, server: SmtpServer, monkeypatch: pytest.MonkeyPatch, data: Path) -> int:
    for name, value in smtp_env(server).items():
        monkeypatch.setenv(name, value)
    return main(send_args(data, work / "followup.db", NOW))


def test_a_drop_before_data_mid_chunk_leaves_the_rest_due_and_the_next_run_sends_each_once(
    tmp_path: Path, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = write_batch(tmp_path / "batch.yaml", SIZE)
    keys = due_keys(data)

    async def drop_the_third(n: int, session: Any) -> Any:
        return await _drop(session) if n in (3, 4) else None  # 4: the one reconnect's second try

    on_mail(smtp_server, drop_the_third)
    assert run_send(tmp_path, smtp_server, monkeypatch, data) == 1
    rows = ledger_rows(tmp_path / "followup.db")
    assert len(smtp_server.received) == 2
    assert [rows.get(key, ("-",))[0] for key in keys] == ["sent", "sent", "deferred"] + ["-"] * (SIZE - 3)
    deferred_id = rows[keys[2]][1]

    on_mail(smtp_server, lambda n, session: asyncio.sleep(0))  # the fault is gone
    assert run_send(tmp_path, smtp_server, monkeypatch, data) == 0
    rows = ledger_rows(tmp_path / "followup.db")
    assert all(rows[key][0] == "sent" for key in keys)
    assert rows[keys[2]][1] == deferred_id  # the retry kept its Message-ID
    counts = smtp_server.message_id_counts()
    assert len(smtp_server.received) == SIZE and set(counts.values()) == {1}


def test_a_refused_login_releases_the_whole_chunk_as_if_it_had_not_run(
    tmp_path: Path, make_smtp: Callable[..., SmtpServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    server = make_smtp(security="starttls")
    data = write_batch(tmp_path / "batch.yaml", SIZE)
    monkeypatch.setenv("FOLLOWUP_SMTP_PASSWORD", "wrong")
    for name, value in smtp_env(server).items():
        if name != "FOLLOWUP_SMTP_PASSWORD":
            monkeypatch.setenv(name, value)
    assert main(send_args(data, tmp_path / "followup.db", NOW)) == 1
    rows = ledger_rows(tmp_path / "followup.db")
    assert not server.received
    assert sorted(state for state, _, _ in rows.values()) == ["deferred"]  # the one tried; the rest released


def test_ctrl_c_mid_chunk_releases_the_claims_not_handed_over(
    tmp_path: Path, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = write_batch(tmp_path / "batch.yaml", SIZE)
    keys = due_keys(data)
    state = tmp_path / "followup.db"
    third = threading.Event()

    async def stall_the_third(n: int, session: Any) -> Any:
        if n == 3:
            third.set()
            await asyncio.sleep(30)  # the client is interrupted meanwhile
        return None

    on_mail(smtp_server, stall_the_third)
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOLLOWUP_")} | smtp_env(smtp_server, 20)
    proc = subprocess.Popen([sys.executable, "-m", "batch", *send_args(data, state, NOW)], cwd=tmp_path,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert third.wait(timeout=60)
        proc.send_signal(signal.SIGINT)  # what Ctrl-C sends
        _, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    rows = ledger_rows(state)
    # two sent; the third was stopped at MAIL FROM, before its message left (DATA), and the other five
    # were claimed with it but never handed over: all six released, no row
    assert [rows.get(key, ("-",))[0] for key in keys] == ["sent", "sent"] + ["-"] * (SIZE - 2)

    on_mail(smtp_server, lambda n, session: asyncio.sleep(0))
    assert run_send(tmp_path, smtp_server, monkeypatch, data) == 0
    rows = ledger_rows(state)
    assert [rows[key][0] for key in keys] == ["sent"] * SIZE  # nothing flagged: nothing was in doubt
    assert set(smtp_server.message_id_counts().values()) == {1}


# --- the ledger's side ------------------------------------------------------------------------------------

WHEN = datetime(2026, 11, 24, 21, 0, tzinfo=UTC)


def entry(key: str, interview: str = "acme") -> Entry:
    return Entry(key, interview, "thank-you", "email", "ann@acme.example", "Ann", "Thank you", f"<{key}@x>",
                 "sending", 1, "", None, None)  # fmt: skip


def whole_ledger(path: Path) -> list[tuple[object, ...]]:
    db = sqlite3.connect(path)
    try:
        tables = ("deliveries", "check_in_to", "notices")
        return [(table, *row) for table in tables for row in db.execute(f"SELECT * FROM {table} ORDER BY 1")]
    finally:
        db.close()


def test_a_released_claim_leaves_the_ledger_exactly_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "followup.db"
    with Ledger(path) as ledger:
        assert ledger.claim(entry("acme/thank-you/old"), WHEN)
        ledger.record("acme/thank-you/old", "failed", "550 no such user", WHEN)
        assert ledger.claim(entry("acme/thank-you/ann"), WHEN)
        ledger.record("acme/thank-you/ann", "deferred", "451 later", WHEN)
    before = whole_ledger(path)
    with Ledger(path) as ledger:
        claims = [
            Claim(entry("acme/thank-you/ann"), supersedes="acme/thank-you/old", check_in_to=("Ann", "ann@x")),
            Claim(entry("beta/thank-you/bo", "beta"), check_in_to=("Bo", "bo@x")),
        ]
        assert ledger.claim_many(claims, WHEN.replace(hour=22)) == [c.entry.key for c in claims]
        assert whole_ledger(path) != before
        ledger.release(c.entry.key for c in claims)
    assert whole_ledger(path) == before


def test_records_and_releases_of_a_chunk_go_in_one_transaction(tmp_path: Path) -> None:
    path = tmp_path / "followup.db"
    with Ledger(path) as ledger:
        keys = [f"acme/thank-you/{n}" for n in range(5)]
        assert ledger.claim_many([Claim(entry(k)) for k in keys], WHEN) == keys
        assert ledger.claim_many([Claim(entry(keys[0]))], WHEN) == []  # claimed already: never twice
        ledger.record_many(
            [(keys[0], "sent", "250 ok"), (keys[1], "uncertain", "cut")], WHEN, release=keys[2:]
        )
    assert {row[1]: row[9] for row in whole_ledger(path) if row[0] == "deliveries"} == {
        keys[0]: "sent",
        keys[1]: "uncertain",
    }


def test_a_chunk_claims_each_key_once_whatever_it_finds(tmp_path: Path) -> None:
    # One chunk holding a key twice, a key sent before, one deferred, one fresh: the claim is read for
    # the chunk at once, and must still grant a key only once and never one that is not free.
    path = tmp_path / "followup.db"
    with Ledger(path) as ledger:
        for key, state in (("acme/thank-you/sent", "sent"), ("acme/thank-you/later", "deferred")):
            assert ledger.claim(entry(key), WHEN)
            ledger.record(key, state, "250 ok" if state == "sent" else "451 later", WHEN)
        keys = ["acme/thank-you/new", "acme/thank-you/sent", "acme/thank-you/later", "acme/thank-you/new"]
        assert ledger.claim_many([Claim(entry(k)) for k in keys], WHEN) == [keys[0], keys[2]]
        rows = {row[1]: (row[9], row[10]) for row in whole_ledger(path) if row[0] == "deliveries"}
        assert rows == {keys[0]: ("sending", 1), keys[1]: ("sent", 1), keys[2]: ("sending", 2)}
        ledger.release([keys[0], keys[2]])
    rows = {row[1]: (row[9], row[10]) for row in whole_ledger(path) if row[0] == "deliveries"}
    assert rows == {keys[1]: ("sent", 1), keys[2]: ("deferred", 1)}


def test_only_the_rows_of_the_plans_interviews_are_read(tmp_path: Path) -> None:
    with Ledger(tmp_path / "followup.db") as ledger:
        ann = Claim(entry("acme/thank-you/a"), check_in_to=("Ann", "a@x"))
        ledger.claim_many([ann, Claim(entry("beta/thank-you/b", "beta"), check_in_to=("Bo", "b@x"))], WHEN)
        known = ledger.states(["beta"])
        assert list(known.by_key) == ["beta/thank-you/b"] and list(known.check_in_to) == ["beta"]
        assert len(ledger.states().by_key) == 2


def test_a_send_that_finds_nothing_due_leaves_the_ledger_file_as_it_was(tmp_path: Path) -> None:
    data = write_batch(tmp_path / "batch.yaml", 2)
    state = tmp_path / "followup.db"
    with Ledger(state) as ledger:  # a ledger as a real send leaves it
        ledger.claim(entry("company-000/thank-you/x", "company-000"), WHEN)
        ledger.record("company-000/thank-you/x", "sent", "250", WHEN)
    later = datetime.fromisoformat("2026-12-20T03:00:00-05:00")  # everything long past
    env = {"FOLLOWUP_SMTP_HOST": "127.0.0.1", "FOLLOWUP_SMTP_PORT": "9", "FOLLOWUP_SMTP_SECURITY": "none"}
    before = b""
    for run in ("the first, which notes each interview's zone once (places.py)", "every run after it"):
        done = subprocess.run([sys.executable, "-m", "batch", *send_args(data, state, later)],
                              cwd=tmp_path, env={**os.environ, **env}, capture_output=True, text=True,
                              check=False)  # fmt: skip
        assert done.returncode == 0 and not done.stdout, (run, done.stderr)
        before = before or state.read_bytes()
        wake.forget(state)  # the next run a full one, not stopped early by the wake-up note
    assert state.read_bytes() == before
    wal = state.with_name(state.name + "-wal")
    assert not wal.exists() or not wal.stat().st_size


# --- the pause and the send-time gate ----------------------------------------------------------------------


def smtp_transport(server: SmtpServer) -> Smtp:
    return Smtp(SmtpSettings(server.host, server.port, security="none", timeout=5))


def test_with_a_pause_set_each_follow_up_is_claimed_only_once_the_pause_is_over(
    tmp_path: Path, smtp_server: SmtpServer
) -> None:
    path = write_batch(tmp_path / "batch.yaml", 4)
    path.write_text(path.read_text().replace("{daily_cap: 1000}", "{daily_cap: 1000, pause_seconds: 0.5}"))
    state = tmp_path / "followup.db"
    seen: list[list[str]] = []  # the ledger's states at each pause

    def pause(seconds: float) -> None:
        seen.append(sorted(row[0] for row in ledger_rows(state).values()))

    result = deliver.send_due(loader.load([path]), NOW, state=state, dry_run=False, clock=lambda: NOW, env={},
                              transport=lambda: smtp_transport(smtp_server), sleep=pause)  # fmt: skip
    assert [o.state for o in result.outcomes] == ["sent"] * 4
    assert seen == [["sent"], ["sent"] * 2, ["sent"] * 3]  # nothing claimed while it waits


def test_with_a_pause_set_each_email_is_composed_and_dated_once_its_pause_is_over(
    tmp_path: Path, smtp_server: SmtpServer
) -> None:
    # Composed ahead, each would carry the Date of the moment the run began, up to a pause per message
    # before it: a reader sorting by date finds it below mail that came earlier.
    path = write_batch(tmp_path / "batch.yaml", 4)
    path.write_text(path.read_text().replace("{daily_cap: 1000}", "{daily_cap: 1000, pause_seconds: 90}"))
    moment = [NOW]

    def pause(seconds: float) -> None:  # the clock moves on by the pause, as it would
        moment[0] += timedelta(seconds=seconds)

    result = deliver.send_due(loader.load([path]), NOW, state=tmp_path / "followup.db", dry_run=False, env={},
                              clock=lambda: moment[0], transport=lambda: smtp_transport(smtp_server),
                              sleep=pause)  # fmt: skip
    assert [o.state for o in result.outcomes] == ["sent"] * 4
    dates = [parsedate_to_datetime(message_from_bytes(m.data)["Date"]) for m in smtp_server.received]
    assert dates == [NOW + timedelta(seconds=90 * n) for n in range(4)]


def test_an_email_composed_ahead_is_dated_the_moment_it_goes(tmp_path: Path, smtp_server: SmtpServer) -> None:
    # Composed ahead while a slow server answers the ones before it, each would carry the moment it was
    # written: minutes before it went, once a server takes seconds a message (an outside trial saw 304 s).
    path = write_batch(tmp_path / "batch.yaml", 4)
    moment = [NOW]

    class TenMinutesEach(Smtp):  # the real transport, on a clock that moves ten minutes a message
        def send(self, message: Any) -> str:
            reply = super().send(message)
            moment[0] += timedelta(minutes=10)
            return reply

    settings = SmtpSettings(smtp_server.host, smtp_server.port, security="none")
    state = tmp_path / "followup.db"
    result = deliver.send_due(loader.load([path]), NOW, state=state, dry_run=False, env={},
                              clock=lambda: moment[0],
                              transport=lambda: TenMinutesEach(settings))  # fmt: skip
    assert [o.state for o in result.outcomes] == ["sent"] * 4
    dates = [parsedate_to_datetime(message_from_bytes(m.data)["Date"]) for m in smtp_server.received]
    assert dates == [NOW + timedelta(minutes=10 * n) for n in range(4)]


def test_an_email_is_dated_in_your_own_time_zone_whatever_zone_the_clock_reads(
    tmp_path: Path, smtp_server: SmtpServer
) -> None:
    # cron's clock reads UTC; a Date of +0000 would tell the reader the mail came from a machine
    path = write_batch(tmp_path / "batch.yaml", 2)  # me: timezone America/Toronto
    result = deliver.send_due(loader.load([path]), NOW, state=tmp_path / "followup.db", dry_run=False, env={},
                              clock=lambda: NOW.astimezone(UTC),
                              transport=lambda: smtp_transport(smtp_server))  # fmt: skip
    assert [o.state for o in result.outcomes] == ["sent"] * 2
    dates = [message_from_bytes(m.data)["Date"] for m in smtp_server.received]
    assert dates == ["Tue, 24 Nov 2026 16:00:00 -0500"] * 2


def test_with_a_pause_set_no_pause_is_spent_on_what_the_cap_holds(
    tmp_path: Path, smtp_server: SmtpServer
) -> None:
    path = write_batch(tmp_path / "batch.yaml", 5)
    path.write_text(path.read_text().replace("{daily_cap: 1000}", "{daily_cap: 2, pause_seconds: 90}"))
    pauses: list[float] = []
    result = deliver.send_due(loader.load([path]), NOW, state=tmp_path / "followup.db", dry_run=False, env={},
                              clock=lambda: NOW, transport=lambda: smtp_transport(smtp_server),
                              sleep=pauses.append)  # fmt: skip
    assert [o.state for o in result.outcomes] == ["sent", "sent", "held"]
    assert pauses == [90]  # between the two that went; none before the three held


def test_a_slow_server_gets_small_chunks_so_few_claims_wait_on_it(
    tmp_path: Path, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 20 claims at 2 s a reply held results unrecorded for minutes, and a crash left 20 uncertain
    monkeypatch.setattr(pace, "SPAN", 0.3)
    smtp_server.faults = Faults(stall=("DATA", 0.1))  # ~0.1 s a message: about 3 in a span
    path, state = write_batch(tmp_path / "batch.yaml", 12), tmp_path / "followup.db"
    unsettled: list[int] = []  # the claims not yet recorded, as each message goes

    class Watching(Smtp):
        def send(self, message: Any) -> str:
            unsettled.append(sum(row == "sending" for row, _, _ in ledger_rows(state).values()))
            return super().send(message)

    settings = SmtpSettings(smtp_server.host, smtp_server.port, security="none")
    result = deliver.send_due(loader.load([path]), NOW, state=state, dry_run=False, env={}, clock=lambda: NOW,
                              transport=lambda: Watching(settings))  # fmt: skip
    assert [o.state for o in result.outcomes] == ["sent"] * 12
    assert max(unsettled) <= 4, unsettled


def test_a_claimed_follow_up_whose_hours_closed_before_it_went_is_released(
    tmp_path: Path, smtp_server: SmtpServer
) -> None:
    path = write_batch(tmp_path / "batch.yaml", 3)
    state = tmp_path / "followup.db"
    moment = [NOW]

    class ClosingAfterOne(Smtp):  # the real transport; the clock passes 22:00 once the first has gone
        def send(self, message: Any) -> str:
            reply = super().send(message)
            moment[0] = NOW.replace(hour=22)
            return reply

    result = deliver.send_due(
        loader.load([path]), NOW, state=state, dry_run=False, clock=lambda: moment[0], env={},
        transport=lambda: ClosingAfterOne(SmtpSettings(smtp_server.host, smtp_server.port, security="none")),
    )  # fmt: skip
    assert [o.state for o in result.outcomes] == ["sent", "waiting", "waiting"]
    assert sorted(row[0] for row in ledger_rows(state).values()) == ["sent"]  # the other two: no row left
    assert len(smtp_server.received) == 1
