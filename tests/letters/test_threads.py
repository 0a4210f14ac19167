"""The thank-you a check-in will answer, foreseen before it goes: the ledger's, else the one the plan
sends first; nothing for a check-in whose thank-you will not go by email."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from batch.data.load import load
from batch.etiquette import schedule
from batch.letters.compose import compose
from batch.letters.threads import FORESEEN_ID, answered
from batch.model.interview import Dataset
from tests.letters.test_thread import CHECK_IN_AT, INTERVIEW, ME, THANK_YOU_AT, entry

BEFORE = datetime.fromisoformat("2026-11-24T09:00:00-05:00")  # the morning of the interview


def dataset(tmp_path: Path, method: str = "email") -> Dataset:
    path = tmp_path / "interviews.yaml"
    path.write_text(ME + INTERVIEW.format(method=method), encoding="utf-8")
    return load([path])


def kinds(items: list[schedule.FollowUp]) -> dict[str, schedule.FollowUp]:
    return {item.kind: item for item in items}


def test_a_check_in_after_a_thank_you_still_to_go_answers_its_subject(tmp_path: Path) -> None:
    data = dataset(tmp_path)
    items = schedule.plan(data, BEFORE)
    check_in, thank_you = kinds(items)["check-in"], kinds(items)["thank-you"]
    found = answered(check_in, data, (), items, check_in.sends_at)
    assert found == (FORESEEN_ID, compose(thank_you, data, thank_you.sends_at).mail.subject)
    assert found is not None and found.subject


def test_the_ledgers_sent_thank_you_wins_over_the_plan(tmp_path: Path) -> None:
    data = dataset(tmp_path)
    items = schedule.plan(data, BEFORE)
    check_in = kinds(items)["check-in"]
    sent = entry(subject="Thank you, as sent", message_id="<sent@example.com>")
    assert answered(check_in, data, [sent], items, check_in.sends_at) == (
        "<sent@example.com>",
        "Thank you, as sent",
    )


@pytest.mark.parametrize(
    ("method", "now", "why"),
    [
        ("voicemail", BEFORE, "the thank-you is a call: the check-in starts its own thread"),
        ("note", BEFORE, "the thank-you is a card"),
        ("email", datetime.fromisoformat(CHECK_IN_AT), "the thank-you was never sent and has lapsed"),
    ],
)
def test_a_check_in_whose_thank_you_will_not_go_by_email_answers_nothing(
    tmp_path: Path, method: str, now: datetime, why: str
) -> None:
    data = dataset(tmp_path, method)
    items = schedule.plan(data, now)
    check_in = kinds(items)["check-in"]
    assert answered(check_in, data, (), items, check_in.sends_at) is None, why


def test_a_thank_you_is_never_threaded(tmp_path: Path) -> None:
    data = dataset(tmp_path)
    items = schedule.plan(data, BEFORE)
    thank_you = kinds(items)["thank-you"]
    assert answered(thank_you, data, (), items, datetime.fromisoformat(THANK_YOU_AT)) is None
