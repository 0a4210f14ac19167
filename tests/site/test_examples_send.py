"""The guide's examples and the dry run's preview against a real send: the example interview sent
through `send` to a real aiosmtpd on 127.0.0.1, moment by moment, as cron would.

The check-in of the example answers Nadia's thank-you: "Re: " its subject, in its thread. The
Examples page and a preview made before anything went must show that subject, not the check-in's own.
"""

from __future__ import annotations

import email
import email.policy
import html
import re
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

from batch.cli.main import main
from batch.data import load as loader
from batch.etiquette import schedule
from batch.letters.compose import compose
from batch.site import examples
from tests.servers import SmtpServer, use_smtp

NADIA = "nadia.brooks@lakeside.example"


def parse(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


def write(work: Path) -> Path:
    data = work / "example.yaml"
    data.write_text(examples.EXAMPLE_YAML, encoding="utf-8")
    return data


def run(data: Path, now: datetime, *args: str) -> int:
    state = data.parent / "var" / "followup.db"
    return main(["--data", str(data), "--state", str(state), "--now", now.isoformat(), *args])


def planned() -> list[schedule.FollowUp]:
    return schedule.plan(examples.example(), examples.EXAMPLE_NOW)


def shown_check_in() -> tuple[str, str]:
    """The Examples page's check-in email: its subject line and its text, as the hook writes them."""
    email_tab = examples.part_example_check_in().split('=== "Voicemail"')[0]
    subject = re.search(r"\*\*Subject:\*\* (.+)", email_tab)
    text = re.search(r"```[^\n]*\n(.*?)\n\s*```", email_tab, re.S)
    assert subject and text
    return subject[1], "\n".join(line.removeprefix("    ") for line in text[1].splitlines())


def sent_by_cron(work: Path, smtp: SmtpServer) -> list[EmailMessage]:
    """Every follow-up of the example sent for real, a run at each moment the plan says one goes."""
    data = write(work)
    moments = sorted({item.sends_at for item in planned() if item.sends_email})
    for moment in moments:
        assert run(data, moment, "send") == 0
    return [parse(message.data) for message in smtp.received]


@pytest.fixture
def smtp(smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch, work: Path) -> SmtpServer:
    use_smtp(monkeypatch, smtp_server)
    return smtp_server


def test_the_examples_check_in_is_the_one_a_real_send_delivers(work: Path, smtp: SmtpServer) -> None:
    received = sent_by_cron(work, smtp)
    to_nadia = [m for m in received if NADIA in str(m["To"])]
    thank_you, check_in = to_nadia  # the thank-you, then the check-in, and nothing else
    subject, text = shown_check_in()
    assert check_in["Subject"] == subject == "Re: " + thank_you["Subject"]
    assert check_in["In-Reply-To"] == thank_you["Message-ID"]
    body = check_in.get_body(("plain",))
    assert body is not None
    assert body.get_content().replace("\r\n", "\n").strip() == text.strip()


def test_a_preview_made_before_the_thank_you_shows_the_check_in_as_it_will_go(
    work: Path, smtp: SmtpServer
) -> None:
    data = write(work)
    outbox = work / "outbox"
    last = max(item.sends_at for item in planned())
    until = (last + timedelta(days=1)).isoformat()
    preview = ("send", "--dry-run", "--outbox", str(outbox), "--until", until)
    assert run(data, examples.EXAMPLE_NOW, *preview) == 0
    page = (outbox / "index.html").read_text(encoding="utf-8")
    assert not smtp.received
    received = sent_by_cron(work, smtp)
    check_in = next(m for m in received if NADIA in str(m["To"]) and m["In-Reply-To"])
    assert html.escape(str(check_in["Subject"]), quote=False) in page
    own = loader.load([data])  # the check-in's subject of its own, which a real send never uses here
    item = next(i for i in schedule.plan(own, examples.EXAMPLE_NOW) if i.kind == "check-in")
    assert html.escape(compose(item, own).words.subject, quote=False) not in page
