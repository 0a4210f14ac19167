"""The Get started pages, followed to the letter: every fenced shell command of each page, in order,
run in a scratch clone, with an aiosmtpd on 127.0.0.1 standing in for the provider.

Two things stand in for what a person does between the commands, where the pages say so in words:
writing their own interview into interviews.yaml (step 3), and the provider's address in the settings
file (step 4: the test server's host, port and certificate instead of smtp.gmail.com's). Every block
runs, `followup init` included: the interview is written into the workspace it makes.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from batch.site import hooks, start
from tests.servers.smtp import SMTP_TOKEN, SmtpServer
from tests.site_fixtures import ROOT

FENCE = re.compile(r"^```(?:sh|bash)\b[^\n]*\n(.*?)^```", re.S | re.M)
ANY_FENCE = re.compile(r"^[ \t]*```(?:sh|bash)\b", re.M)  # at any depth: in a tab, a list, a note
TAB = re.compile(
    r'^=== "([^"]+)"[ \t]*\n((?:(?:    [^\n]*)?\n)*)', re.M
)  # a content tab and its indented body
USER, PASSWORD = "sam.rivera@example.com", "abcd efgh ijkl mnop"  # as the mail step writes them


def get_started_pages() -> list[str]:
    """The pages of the nav's Get started group, in order (mkdocs.yml's own list)."""
    nav = yaml.safe_load(re.sub(r"!ENV \[[^\]]*\]", "''", (ROOT / "mkdocs.yml").read_text("utf-8")))["nav"]
    tool = next(i["Using Follow Up"] for i in nav if isinstance(i, dict) and "Using Follow Up" in i)
    group = next(i["Get started"] for i in tool if isinstance(i, dict) and "Get started" in i)
    return [next(iter(entry.values())) if isinstance(entry, dict) else entry for entry in group]


def expanded(page: str, clone: str) -> str:
    """The page's text, its markers expanded as a build from a checkout of `clone` would."""
    hooks.REPO = start.Repository(clone, None, ROOT / "content")
    return hooks.expand((ROOT / "content" / page).read_text("utf-8"), page)


def tabs(text: str) -> list[tuple[str, str, list[str]]]:
    """Each content tab of a page: its group's first tab's title, its own title, and its shell blocks.

    The tabs of one group are alternatives (a provider each): a reader follows one of them.
    """
    found, first, end = [], "", -1
    for match in TAB.finditer(text):
        if match.start() != end:  # not right after the last tab: a new group
            first = match.group(1)
        body = re.sub(r"^    ", "", match.group(2), flags=re.M)
        found.append((first, match.group(1), FENCE.findall(body)))
        end = match.end()
    return found


def blocks(page: str, clone: str) -> list[str]:
    """The page's shell blocks a reader runs in order: those outside tabs, and each group's first tab's."""
    text = expanded(page, clone)
    chosen, rest = [], TAB.sub(lambda m: f"<tab {m.group(1)}>\n", text)
    groups = {title: body for first, title, body in tabs(text) if first == title}
    for part in re.split(r"^(<tab [^>\n]+>)\n", rest, flags=re.M):
        tab = re.fullmatch(r"<tab (.+)>", part)
        if tab is None:
            chosen += FENCE.findall(part)
        else:
            chosen += groups.get(tab.group(1), [])
    return chosen


def alternatives(page: str, clone: str) -> list[tuple[str, list[str]]]:
    """The tabs a reader may follow instead of their group's first: (title, shell blocks)."""
    return [(title, body) for first, title, body in tabs(expanded(page, clone)) if first != title]


def origin(scratch: Path) -> Path:
    """A repository holding this checkout's files as they are now (committed or not): the remote."""
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True,
                           text=True, check=True).stdout.split("\n")  # fmt: skip
    target = scratch / "origin"
    for name in filter(None, files):
        if (ROOT / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target / name)
    git = ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com"]
    for step in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "the tool"]):
        subprocess.run([*git, *step], cwd=target, check=True, capture_output=True)
    return target


def own_interview(folder: Path) -> None:
    """What a person writes in step 3: themselves, and an interview that ended an hour ago.

    Working hours all day, every day: the test runs at any hour, and the send must not wait for one.
    """
    now = datetime.now(ZoneInfo("America/Toronto")).replace(second=0, microsecond=0)
    started = now - timedelta(hours=2)
    (folder / "interviews.yaml").write_text(f"""\
me: {{name: Sam Rivera, email: {USER}, timezone: America/Toronto}}
policy:
  workdays: [mon, tue, wed, thu, fri, sat, sun]
  window_start: "00:00"
  window_end: "23:59"
  country: none
interviews:
  - id: northwind-data-analyst
    company: Northwind Traders
    role: Data Analyst
    start: {started:%Y-%m-%d %H:%M}
    duration: 45m
    interviewers:
      - name: Priya Shah
        email: priya.shah@northwind.example
        topics: [the quarterly dashboards]
""", "utf-8")  # fmt: skip


def seed_venv(clone: Path) -> None:
    """This checkout's .venv for the clone (building one takes minutes): its editable install runs the
    same code. pyproject.toml is dated before it, so no make target reinstalls into it."""
    (clone / ".venv").symlink_to(ROOT / ".venv")
    os.utime(clone / "pyproject.toml", (1_000_000_000, 1_000_000_000))


def point_at(server: SmtpServer, home: Path) -> None:
    """The provider's address in the settings file, replaced by the local server's (step 4's stand-in)."""
    env = home / ".config" / "followup" / "env"
    text = env.read_text("utf-8")
    assert "FOLLOWUP_SMTP_HOST=smtp.gmail.com" in text and "FOLLOWUP_SMTP_PORT=465" in text
    text = text.replace("smtp.gmail.com", server.host).replace("=465", f"={server.port}")
    env.write_text(text + f"export FOLLOWUP_SMTP_CA_FILE={server.ca_file}\n", "utf-8")


def test_the_get_started_pages_are_the_six_steps_in_order() -> None:
    steps = ["first-dry-run", "your-data", "mail", "first-send", "cron"]
    assert get_started_pages() == ["tool/install.md", *(f"tool/start/{step}.md" for step in steps)]


def test_every_command_of_the_get_started_pages_works_as_written_up_to_a_real_send(
    tmp_path: Path, make_smtp
) -> None:
    server = make_smtp(security="ssl", user=USER, password=PASSWORD)
    home, scratch = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    scratch.mkdir()
    remote = origin(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOLLOWUP_")} | {"HOME": str(home)}
    where, ran = scratch, 0
    for page in get_started_pages():
        if page.endswith("your-data.md"):
            own_interview(where)
        for block in blocks(page, str(remote)):
            script = f"set -e\n{block}\npwd > {tmp_path / 'cwd'}\n"
            done = subprocess.run(["bash", "-c", script], cwd=where, env=env, capture_output=True, text=True,
                                  timeout=300)  # fmt: skip
            assert done.returncode == 0, f"{page}:\n{block}\n{done.stdout}\n{done.stderr}"
            ran += 1
            where = Path((tmp_path / "cwd").read_text().strip())
            if block.startswith("git clone"):
                seed_venv(where)
                clone = where
            if "followup init" in block:
                own_interview(where)  # the workspace's starter, filled in as step 3 asks
            if "cat > ~/.config/followup/env" in block:
                point_at(server, home)
            if "make cron" in block:  # the line must outlive the clone (a newcomer deleted it: nothing went)
                assert str(clone) not in done.stdout, done.stdout
            if "make status" in block:
                assert re.search(r"\bsent\b", done.stdout), done.stdout
    assert ran >= 8
    assert [m.rcpt_tos for m in server.received] == [("priya.shah@northwind.example",)]
    assert where.name == "job-search"  # the workspace step 3 made, where every later step runs


def outside_tabs(page: str, clone: str) -> list[str]:
    """The page's shell blocks that sit in no tab."""
    return FENCE.findall(TAB.sub("", expanded(page, clone)))


def stand_in_for_microsoft(make_smtp, env: Path, tmp_path: Path) -> SmtpServer:
    """Outlook's server and the token helper, replaced by a local STARTTLS server and a script that
    prints the token it takes."""
    server = make_smtp(security="starttls", user=USER)
    helper = tmp_path / "print-token.py"
    helper.write_text(f"print({SMTP_TOKEN!r})\n")
    text = env.read_text("utf-8")
    assert (
        "FOLLOWUP_SMTP_HOST=smtp-mail.outlook.com" in text and "FOLLOWUP_SMTP_OAUTH2_COMMAND='oama " in text
    )
    text = text.replace("smtp-mail.outlook.com", server.host).replace("=587", f"={server.port}")
    text = re.sub(r"OAUTH2_COMMAND='[^']*'", f"OAUTH2_COMMAND='{sys.executable} {helper}'", text)
    env.write_text(text + f"export FOLLOWUP_SMTP_CA_FILE={server.ca_file}\n", "utf-8")
    return server


def stand_in_for_a_local_relay(make_smtp, env: Path, tmp_path: Path) -> SmtpServer:
    """The relay on this machine: a local server with no TLS and no login, on a port of its own."""
    server = make_smtp(security="none", auth=False)
    text = env.read_text("utf-8")
    assert "FOLLOWUP_SMTP_HOST=127.0.0.1" in text and server.host == "127.0.0.1"
    env.write_text(text.replace("FOLLOWUP_SMTP_PORT=25\n", f"FOLLOWUP_SMTP_PORT={server.port}\n"), "utf-8")
    return server


STAND_INS = {
    "Outlook (OAuth2)": stand_in_for_microsoft,
    "Local relay": stand_in_for_a_local_relay,
}


def test_every_shell_block_of_the_get_started_pages_is_run_by_one_of_these_tests() -> None:
    for page in get_started_pages():
        text = expanded(page, "/nowhere")
        main, others = blocks(page, "/nowhere"), alternatives(page, "/nowhere")
        assert len(ANY_FENCE.findall(text)) == len(main) + sum(len(body) for _, body in others), page
    assert {title for title, _ in alternatives("tool/start/mail.md", "/nowhere")} == set(STAND_INS)


@pytest.mark.parametrize("title", sorted(STAND_INS))
def test_each_other_mail_settings_tab_works_as_written_up_to_a_real_send(
    tmp_path: Path, make_smtp, title: str
) -> None:
    home, work = tmp_path / "home", tmp_path / "job-search"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOLLOWUP_")} | {"HOME": str(home)}
    made = subprocess.run([str(ROOT / ".venv" / "bin" / "followup"), "init", str(work)], env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip  # step 3's workspace
    assert made.returncode == 0, made.stderr
    own_interview(work)
    (body,) = [body for name, body in alternatives("tool/start/mail.md", "/nowhere") if name == title]
    server = None
    later = [*outside_tabs("tool/start/mail.md", "/nowhere"), *blocks("tool/start/first-send.md", "/nowhere")]
    for block in [*body, *later]:
        done = subprocess.run(["bash", "-c", f"set -e\n{block}"], cwd=work, env=env, capture_output=True,
                              text=True, timeout=300)  # fmt: skip
        assert done.returncode == 0, f"{title}:\n{block}\n{done.stdout}\n{done.stderr}"
        if server is None:
            server = STAND_INS[title](make_smtp, home / ".config" / "followup" / "env", tmp_path)
        if "make status" in block:
            assert re.search(r"\bsent\b", done.stdout), done.stdout
    assert server is not None
    assert [m.rcpt_tos for m in server.received] == [("priya.shah@northwind.example",)]
