"""A user's template fails alone and small: a mistake that shows only when it is filled in, or a template
past the bounds on its size, is one line at its place in the template; only the follow-ups that use it are
held, and the rest of the batch goes (send exits 2 at the end). `template:` stays inside the data's folder.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from batch.cli.main import main
from batch.letters import templating
from tests.servers import SmtpServer, use_smtp
from tests.stamps import unstamped

ROOT = Path(__file__).resolve().parents[2]
NOW = "2026-11-24T16:00:00-05:00"
OWN = "    role: Data Analyst\n    template: own.md\n"  # Northwind's thank-yous (Marcus's is due at NOW)
GOOD = (
    "Thank you for your time today, {{ interviewer.first_name }}. I remain very interested. "
    "Thanks for considering me.\n"
)


def _run(work: Path, *args: str) -> int:
    return main(["--data", str(work / "interviews.yaml"), "--state", str(work / "var" / "followup.db"),
                 "--now", NOW, *args])  # fmt: skip


LONG_NOTE = "        note: " + "word " * 400 + "\n"  # 2,000 characters, printed thousands of times below


def _with_template(work: Path, body: str) -> Path:
    """Northwind's thank-yous from the user's own template (GOOD on line 4, `body` from line 5), and a
    long note under Marcus."""
    (work / "own.md").write_text(f"---\nsubject: Thanks\n---\n{GOOD}{body}\n", encoding="utf-8")
    path = work / "interviews.yaml"
    text = path.read_text().replace("    role: Data Analyst\n", OWN)
    text = re.sub(r"        note: Your question.*\n", LONG_NOTE, text)
    path.write_text(text, encoding="utf-8")
    return path


# Each is a mistake Jinja finds only when the template is filled in, or a template past a bound:
# (the template's body from line 5, the line named, what the line says).
RUNTIME = {
    "a comparison of text with a number": ("{% if topics < 5 %}x{% endif %}", 5, "TypeError"),
    "a division by zero in a test": ("{{ 3 is divisibleby 0 }}", 5, "ZeroDivisionError"),
    "an index past the end of a list": ("{{ interviewer.topics[7] }}", 5, "no element 7"),
    "a hundred nested brackets": ("{{ " + "(" * 100 + "1" + ")" * 100 + " }}", 5, "nesting more than 30"),
    "a hundred nested if blocks": ("{% if 1 %}" * 100 + "x" + "{% endif %}" * 100, 5, "nesting more than"),
    "a thousand nots": ("{{ " + "not " * 1000 + "1 }}", 5, "a tag of more than 150 parts"),
    "a thousand ands": ("{{ " + " and ".join(["1"] * 1000) + " }}", 5, "a tag of more than"),
    "a number of 5,000 digits": ("{{ " + "9" * 5000 + " }}", 4, "cannot be compiled"),
    "a long value printed thousands of times": ("{{ interviewer.note }}" * 2900, 4, "grows past 200,000"),
}


@pytest.mark.parametrize(("body", "line", "says"), RUNTIME.values(), ids=RUNTIME.keys())
def test_check_names_the_templates_line_for_a_mistake_found_while_filling_it_in(
    work: Path, capsys: pytest.CaptureFixture[str], body: str, line: int, says: str
) -> None:
    _with_template(work, body)
    assert _run(work, "check") == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [said for said in err.splitlines() if said.startswith(str(work / "own.md"))]
    assert len(lines) == 1, err  # one line for the template, however many letters use it
    assert lines[0].startswith(f"{work / 'own.md'}:{line}:1: template: ") and says in lines[0], lines[0]


SENT = ["a comparison of text with a number", "a long value printed thousands of times"]


@pytest.mark.parametrize(("body", "line", "says"), [RUNTIME[name] for name in SENT], ids=SENT)
def test_a_failing_template_holds_only_its_own_follow_ups_and_the_rest_of_the_batch_goes(
    work: Path, smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    body: str, line: int, says: str,
) -> None:  # fmt: skip
    _with_template(work, body)
    use_smtp(monkeypatch, smtp_server)
    assert _run(work, "send") == 2
    err = unstamped(capsys.readouterr().err)
    assert "Traceback" not in err
    failing = [said for said in err.splitlines() if "own.md" in said]
    assert all(said.startswith(f"{work / 'own.md'}:{line}:1: template: ") for said in failing), err
    assert all(says in said and "not sent" in said for said in failing)
    # Northwind's letters from it are held (Marcus's email; Elena's card fails with it, or, short without
    # a long note, goes); Fabrikam's reminder went.
    marcus = "thank-you to Marcus Chen <marcus.chen@northwind.example> (northwind-data-analyst)"
    assert marcus in [said.rsplit("  ", 1)[1] for said in failing]
    received = [r.rcpt_tos[0] for r in smtp_server.received]
    assert "marcus.chen@northwind.example" not in received and "sam.rivera@example.com" in received
    assert len(received) == 3 - len(failing) - ("words" in err)


def test_the_bounds_are_far_past_any_stock_letter() -> None:
    stock = Path(__file__).resolve().parents[2] / "batch" / "templates"
    env = templating.environment()
    for path in stock.rglob("*.md"):
        templating.bounds(env, path.read_text(encoding="utf-8"))  # raises past a bound
    assert templating.MAX_OUTPUT >= 100_000 and templating.MAX_DEPTH >= 20
    assert templating.MAX_TAG_TOKENS >= 100


# `template:` names a file beside the data, or in the stock set: never anywhere else, never a secret.
OUTSIDE = {
    "up and out": lambda work: "../outside.md",
    "an absolute path elsewhere": lambda work: str(work.parent / "outside.md"),
    "a link that leads out": lambda work: _link(work / "letters" / "thanks.md", work.parent / "outside.md"),
    "a folder of links that leads out": lambda work: _link(work / "letters", work.parent) + "/outside.md",
}


def _link(link: Path, target: Path) -> str:
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(target)
    return str(link.relative_to(link.parent.parent if link.name == "thanks.md" else link.parent))


@pytest.mark.parametrize("name", OUTSIDE.values(), ids=OUTSIDE.keys())
def test_a_template_outside_the_datas_folder_is_refused_with_its_place(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: object
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(ROOT / "interviews.yaml", work / "interviews.yaml")
    (tmp_path / "outside.md").write_text(f"---\nsubject: Thanks\n---\n{GOOD}", encoding="utf-8")
    template = name(work)  # type: ignore[operator]
    data = work / "interviews.yaml"
    data.write_text(
        data.read_text().replace(
            "    role: Data Analyst\n", f"    role: Data Analyst\n    template: {template}\n"
        )
    )
    assert _run(work, "check") == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{data}:") and "is outside the folder" in err and "Traceback" not in err, err


def test_a_secrets_file_is_never_a_template_even_beside_the_data(
    work: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = work / "smtp-password"
    secret.write_text("hunter2-not-a-letter\n", encoding="utf-8")
    secret.chmod(0o600)
    monkeypatch.setenv("FOLLOWUP_SMTP_PASSWORD_FILE", str(secret))
    data = work / "interviews.yaml"
    data.write_text(
        data.read_text().replace(
            "    role: Data Analyst\n", "    role: Data Analyst\n    template: ./smtp-password\n"
        )
    )
    for command in (["check"], ["send", "--dry-run", "--outbox", str(work / "outbox")], ["plan"]):
        assert _run(work, *command) == 2
        captured = capsys.readouterr()
        assert "FOLLOWUP_*_FILE" in captured.err and "hunter2" not in captured.out + captured.err
    assert not (work / "outbox").exists()


def test_a_stock_template_may_be_named_by_its_path(work: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stock = ROOT / "batch" / "templates" / "en" / "thank-you.md"
    data = work / "interviews.yaml"
    data.write_text(
        data.read_text().replace(
            "    role: Data Analyst\n", f"    role: Data Analyst\n    template: {stock}\n"
        )
    )
    _run(work, "check")  # (the email thank-you is too long for Elena's card: the lint's own word)
    assert "outside the folder" not in capsys.readouterr().err
