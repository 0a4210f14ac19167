"""What a failing OAuth2 token command says on stderr is shown without the secrets it may hold."""

from __future__ import annotations

import shlex

import pytest

from batch.account.token import fetch_token
from batch.errors import FollowUpError


@pytest.mark.parametrize(
    "said",
    [
        "error: invalid_grant refresh_token=1//SECRETREFRESH",
        "client_secret: GOCSPX-abcdefghijklmnopSECRET",
        "could not refresh ya29.a0AfH6SMBx3kQ9sEcReT0123456789abcdef",
        "Password: SECRETREFRESH",
    ],
)
def test_a_failing_token_command_s_words_are_shown_with_its_secrets_hidden(said: str) -> None:
    command = f"sh -c {shlex.quote(f'echo {shlex.quote(said)} >&2; exit 3')}"
    with pytest.raises(FollowUpError) as refused:
        fetch_token(command, "FOLLOWUP_SMTP_OAUTH2_COMMAND", 5.0)
    line = str(refused.value)
    assert "exit status 3" in line and "[hidden]" in line
    assert "SECRET" not in line and "ya29" not in line


def test_a_data_file_that_is_the_password_file_is_refused_without_quoting_it(
    tmp_path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from batch.cli.main import main

    secret = tmp_path / "smtp-password"
    secret.write_text("Hunter2-s3cret:\n", "utf-8")
    secret.chmod(0o600)
    (tmp_path / "interviews").mkdir()
    (tmp_path / "interviews" / "pw.yaml").symlink_to(secret)
    monkeypatch.setenv("FOLLOWUP_SMTP_PASSWORD_FILE", str(secret))
    for argv in (["--data", str(secret), "check"], ["--data", str(tmp_path / "interviews"), "check"]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "Hunter2" not in err and "secrets" in err
