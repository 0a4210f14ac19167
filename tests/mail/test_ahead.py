"""Composing ahead of the sender (batch/ahead.py): in a forked child on Linux, on a thread elsewhere.
Both give the same messages; the child holds none of the parent's files; a child that dies or stalls
leaves the rest to the parent, and each follow-up still goes exactly once."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from batch.account.settings import SmtpSettings
from batch.data import load as loader
from batch.etiquette import schedule
from batch.ledger.store import Ledger
from batch.letters.compose import Composed, compose
from batch.mail import ahead, deliver
from batch.mail.transport import Smtp
from batch.model import interview as model
from tests.runs import NOW, ledger_rows, write_batch
from tests.servers import SmtpServer

SIZE = 12


def deliver_batch(
    tmp_path: Path, server: SmtpServer, one: Callable[[schedule.FollowUp], Composed] | None = None
) -> list[deliver.Outcome]:
    """deliver_due over SIZE due thank-yous, with a real ledger and the real SMTP transport."""
    tmp_path.mkdir(exist_ok=True)
    data = loader.load([write_batch(tmp_path / "batch.yaml", SIZE)])
    items = schedule.select(schedule.plan(data, NOW))
    transport = Smtp(SmtpSettings(server.host, server.port, security="none", timeout=5))
    with Ledger(tmp_path / "followup.db") as ledger:
        return deliver.deliver_due(items, data, transport, ledger, NOW, compose_one=one)


def bodies(server: SmtpServer) -> list[bytes]:
    """What the server got, without the two headers made per delivery (Message-ID, Date)."""
    kept = []
    for message in server.received:
        lines = message.data.split(b"\r\n")
        kept.append(b"\r\n".join(x for x in lines if not x.startswith((b"Message-ID:", b"Date:"))))
    return sorted(kept)


def test_a_child_and_a_thread_compose_the_same_messages(
    tmp_path: Path, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert ahead.IN_CHILD  # Linux: the child is what these tests exercise
    outcomes = deliver_batch(tmp_path / "child", smtp_server)
    by_child = bodies(smtp_server)
    smtp_server.received.clear()
    monkeypatch.setattr(ahead, "IN_CHILD", False)
    assert [o.state for o in deliver_batch(tmp_path / "thread", smtp_server)] == [o.state for o in outcomes]
    assert [o.state for o in outcomes] == ["sent"] * SIZE
    assert bodies(smtp_server) == by_child


def test_the_child_holds_none_of_the_parents_files(tmp_path: Path, smtp_server: SmtpServer) -> None:
    parent = os.getpid()
    data = loader.load([write_batch(tmp_path / "batch.yaml", SIZE)])

    def one(item: schedule.FollowUp) -> Composed:  # in the child: say which files it holds, as a problem
        composed = compose(item, data)
        if os.getpid() == parent:
            return composed
        held = []
        for fd in os.listdir("/proc/self/fd"):
            with contextlib.suppress(OSError):  # the listing's own, closed by now
                held.append(os.readlink(f"/proc/self/fd/{fd}") if int(fd) > 2 else "")
        return Composed(composed.item, composed.words, composed.mail, (f"held: {held}",))

    outcomes = deliver_batch(tmp_path, smtp_server, one)
    assert {o.state for o in outcomes} == {"rejected"}  # composed in the child, every one
    lines = " ".join(o.line for o in outcomes)
    assert "followup.db" not in lines and ".lock" not in lines and "socket:" not in lines
    assert "held: [" in lines


def test_the_child_composes_at_the_lowest_priority_and_the_sender_keeps_its_own(
    tmp_path: Path, smtp_server: SmtpServer
) -> None:
    # Composing fills the sender's waits on the server; it must never take the core from the sender.
    parent, before = os.getpid(), os.getpriority(os.PRIO_PROCESS, 0)
    data = loader.load([write_batch(tmp_path / "batch.yaml", SIZE)])

    def one(item: schedule.FollowUp) -> Composed:  # in the child: say its priority, as a problem
        composed = compose(item, data)
        if os.getpid() == parent:
            return composed
        nice = os.getpriority(os.PRIO_PROCESS, 0)
        return Composed(composed.item, composed.words, composed.mail, (f"nice {nice}",))

    outcomes = deliver_batch(tmp_path, smtp_server, one)
    assert [o.line.rpartition(": ")[2].partition(" (")[0] for o in outcomes] == ["nice 19"] * SIZE
    assert os.getpriority(os.PRIO_PROCESS, 0) == before


def in_the_child_at(nth: int, act: Callable[[], object], data: model.Dataset) -> Callable[..., Composed]:
    """A compose_one that does `act` in the child, at the child's nth follow-up, and composes as usual."""
    parent, done = os.getpid(), [0]

    def one(item: schedule.FollowUp) -> Composed:
        done[0] += 1
        if os.getpid() != parent and done[0] == nth:
            act()
        return compose(item, data)

    return one


def test_a_child_that_dies_leaves_the_rest_to_the_parent(tmp_path: Path, smtp_server: SmtpServer) -> None:
    data = loader.load([write_batch(tmp_path / "batch.yaml", SIZE)])
    outcomes = deliver_batch(tmp_path, smtp_server, in_the_child_at(4, lambda: os._exit(1), data))
    assert [o.state for o in outcomes] == ["sent"] * SIZE
    assert sorted(smtp_server.message_id_counts().values()) == [1] * SIZE
    assert {row[0] for row in ledger_rows(tmp_path / "followup.db").values()} == {"sent"}


def test_a_child_that_stalls_is_stopped_and_the_parent_goes_on(
    tmp_path: Path, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ahead, "STALLED", 0.5)
    data = loader.load([write_batch(tmp_path / "batch.yaml", SIZE)])
    began = time.monotonic()
    outcomes = deliver_batch(tmp_path, smtp_server, in_the_child_at(3, lambda: time.sleep(60), data))
    assert time.monotonic() - began < 30
    assert [o.state for o in outcomes] == ["sent"] * SIZE
    assert sorted(smtp_server.message_id_counts().values()) == [1] * SIZE


def test_an_error_composing_is_raised_in_the_parent_and_nothing_after_it_is_claimed(
    tmp_path: Path, smtp_server: SmtpServer
) -> None:
    data = loader.load([write_batch(tmp_path / "batch.yaml", SIZE)])

    def one(item: schedule.FollowUp) -> Composed:
        if item.interview.id == "company-004":  # in the child first; then again in the parent
            raise RuntimeError("composing broke")
        return compose(item, data)

    with pytest.raises(RuntimeError, match="composing broke"):
        deliver_batch(tmp_path, smtp_server, one)
    rows = ledger_rows(tmp_path / "followup.db")  # what went before it (the first chunk), recorded
    assert all(key < "company-004" and row == "sent" for key, (row, _, _) in rows.items())
    assert sorted(message.message_id for message in smtp_server.received) == sorted(
        i for _, i, _ in rows.values()
    )


def made_so_far(log: Path) -> int:
    """How many follow-ups the composer has made, as its `make` logged them (one line each)."""
    return len(log.read_text().splitlines()) if log.exists() else 0


def test_the_child_runs_ahead_of_the_sender_by_at_most_ahead_follow_ups(tmp_path: Path) -> None:
    # Far enough to keep a chunk ready while the server answers (a 64 KiB pipe held only ~16 messages,
    # and the sender waited on the child after every chunk), never further: what it makes waits.
    count = 3 * ahead.AHEAD
    data = loader.load([write_batch(tmp_path / "batch.yaml", count)])
    items = schedule.select(schedule.plan(data, NOW))
    log = tmp_path / "made.log"

    def make(item: Composed | schedule.FollowUp, index: int) -> ahead.Ready:
        assert isinstance(item, schedule.FollowUp)
        composed = compose(item, data)
        with log.open("a") as out:  # from the child: each line one follow-up made
            out.write(f"{item.key}\n")
        return ahead.Ready(composed, None, None, index, True)

    def settled(expected: int) -> int:  # the count once it reached `expected` (or gave up), and a while more
        deadline = time.monotonic() + 30  # a child at nice 19 on a busy machine may wait for a core
        while made_so_far(log) < expected and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # time to go past it, were it not held
        return made_so_far(log)

    stream = ahead.compose_ahead(items, make)
    try:
        first = next(stream)
        assert first.composed.item.key == items[0].key
        assert settled(ahead.AHEAD) == ahead.AHEAD  # held there while the sender takes none
        taken = [first] + [next(stream) for _ in range(ahead.STEP)]
        assert settled(ahead.AHEAD + ahead.STEP) == ahead.AHEAD + ahead.STEP
        taken += list(stream)
    finally:
        stream.close()
    assert [made.composed.item.key for made in taken] == [item.key for item in items]
    assert made_so_far(log) == count  # each made once
