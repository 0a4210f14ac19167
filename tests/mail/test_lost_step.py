"""A server that fails one message and then loses track of the conversation: the rest of the batch goes.

aiosmtpd answers 500 when its handler fails (a full disk, a missing folder) and keeps the envelope, so
the next MAIL FROM gets "503 nested MAIL command". A newcomer's local sink did exactly that: the next
message was taken for an account refusal ("check the login and me: email") and the batch stopped.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from batch.cli.main import main
from tests.runs import NOW, write_batch
from tests.servers.net import HOST, free_port


class FailsFirst:
    """Keeps every message but the first, whose handler fails (aiosmtpd answers 500 and keeps state)."""

    def __init__(self) -> None:
        self.calls, self.kept = 0, []  # type: ignore[var-annotated]

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.calls += 1
        if self.calls == 1:
            raise FileNotFoundError("the sink's folder is gone")
        self.kept.append(envelope)
        return "250 OK"


@pytest.fixture
def sink() -> FailsFirst:
    handler = FailsFirst()
    controller = Controller(handler, hostname=HOST, port=free_port())
    controller.start()
    handler.port = controller.port  # type: ignore[attr-defined]
    yield handler  # type: ignore[misc]
    controller.stop()


def test_after_a_failed_message_the_rest_of_the_batch_goes(
    tmp_path: Path, sink: FailsFirst, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data = write_batch(tmp_path / "interviews.yaml", 3)
    monkeypatch.setenv("FOLLOWUP_SMTP_HOST", HOST)
    monkeypatch.setenv("FOLLOWUP_SMTP_PORT", str(sink.port))  # type: ignore[attr-defined]
    monkeypatch.setenv("FOLLOWUP_SMTP_SECURITY", "none")
    code = main(["--data", str(data), "--state", str(tmp_path / "v.db"), "--now", NOW.isoformat(), "send"])
    out, err = capsys.readouterr()
    assert code == 1  # one failed
    assert len(sink.kept) == 2, err
    assert "account" not in err and "me: email" not in err
    assert out.count(" sent ") == 2
