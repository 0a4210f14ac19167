"""The hostile-input table: each case a file, a folder or an environment set up to break `followup`, and
what must come of it (an error with its place, or a correct message). Run by tests/test_hostile.py and
by `make reliability` (tests/reliability/); `run_case` and `judge` are what both call."""

from __future__ import annotations

import base64
import ctypes
import email
import email.policy
import functools
import json
import os
import re
import resource
import signal
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from tests.runs import NOW, Run, clean_env, ledger_rows, run_followup, send_env, smtp, write_batch
from tests.servers import SmtpServer

MB = 1024 * 1024
PLACE = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): \S")
PERSON = {"name": "Ann Lee", "email": "ann.lee@acme.example", "topics": ["the churn dashboard"]}


# --- the cases ------------------------------------------------------------------------------------------


@dataclass
class Plan:
    """What a case runs and what must come of it.

    expect: "refused" (exit 2, every stderr line `data:line:col: ...`), "error" (exit `code`, one stderr
    line holding `says`), "delivered" (exit 0, `received` messages) or "rejected" (exit 2, one stderr line
    holding `says` and starting with the place in the data, the other `received` messages delivered).
    """

    data: Path
    expect: str
    received: int = 0
    says: str = ""
    code: int = 2
    commands: tuple[tuple[str, ...], ...] = (("check",), ("send",))
    check: Callable[[list[EmailMessage], list[Run]], list[str]] | None = None
    preexec: Callable[[], None] | None = None
    seconds: float = 60.0
    peak_mb: int = 1024
    after: Callable[[], list[str]] | None = None  # a last check once the runs are over


@dataclass(frozen=True)
class Context:
    """What a case builds with: its folder, the server, and a way to run followup there."""

    work: Path
    server: SmtpServer

    @property
    def state(self) -> Path:
        """The ledger every case uses."""
        return self.work / "var" / "followup.db"

    def send(self, data: Path, **kwargs: Any) -> Run:
        """A real send over the data at NOW (for the cases that need a ledger first)."""
        args = ["--data", str(data), "--state", str(self.state), "--now", NOW.isoformat(), "send"]
        return run_followup(args, cwd=self.work, env=send_env(self.server), **kwargs)


@dataclass(frozen=True)
class Case:
    """One hostile input: how to build it, whether it is slow, what it needs of this machine."""

    name: str
    build: Callable[[Context], Plan]
    slow: bool = False
    needs: str = ""  # "no-dac" (permissions that bind us) or "mount" (a tmpfs we may mount)

    def skip_reason(self) -> str:
        """Why this machine cannot run the case ('' when it can)."""
        if self.needs == "no-dac" and not can_drop_dac():
            return "running as root and cannot drop CAP_DAC_OVERRIDE, so permissions do not bind"
        if self.needs == "mount" and not can_mount():
            return "cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN)"
        return ""


CASES: list[Case] = []


def case(name: str, *, slow: bool = False, needs: str = "") -> Callable[[Callable[[Context], Plan]], Any]:
    """Register a case builder under a name."""

    def register(build: Callable[[Context], Plan]) -> Callable[[Context], Plan]:
        CASES.append(Case(name, build, slow, needs))
        return build

    return register


def data_yaml(
    people: list[dict[str, Any]], template: str | None = None, me_email: str = "sam@example.com"
) -> str:
    """A data file with one interview (due at NOW) of these interviewers; values written as JSON strings."""

    def value(v: object) -> str:
        return json.dumps(v, ensure_ascii=False)

    lines = [f"me:\n  name: Sam Rivera\n  email: {value(me_email)}\n  timezone: America/Toronto\n",
             "interviews:\n  - id: acme-analyst\n    company: Acme\n    role: Analyst\n",
             "    start: 2026-11-24 14:00\n    duration: 45m\n    timezone: America/Toronto\n"]  # fmt: skip
    if template:
        lines.append(f"    template: {value(template)}\n")
    lines.append("    interviewers:\n")
    for person in people:
        lines.append("      - " + "\n        ".join(f"{k}: {value(v)}" for k, v in person.items()) + "\n")
    return "".join(lines)


def write(ctx: Context, content: str | bytes, name: str = "interviews.yaml") -> Path:
    """A file in the case's folder."""
    path = ctx.work / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


# Refused by the loader, with the place.

BILLION_LAUGHS = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{','.join([f'*{chr(97 + i)}'] * 9)}]\n" for i in range(9)
)


@case("YAML alias bomb (billion laughs)")
def _alias_bomb(ctx: Context) -> Plan:
    return Plan(write(ctx, BILLION_LAUGHS), "refused", seconds=10, peak_mb=200)


@case("!!python/object/apply tag")
def _python_object(ctx: Context) -> Plan:
    marker = ctx.work / "pwned"
    text = f"me: !!python/object/apply:os.system ['touch {marker}']\n"
    return Plan(write(ctx, text), "refused", after=lambda: [f"{marker} was made"] if marker.exists() else [])


@case("!!python/name and !!binary tags")
def _python_name(ctx: Context) -> Plan:
    return Plan(write(ctx, "policy: !!python/name:os.system\nme: !!binary aGk=\n"), "refused")


@case("duplicate keys")
def _duplicate_keys(ctx: Context) -> Plan:
    text = data_yaml([PERSON]).replace("    role: Analyst\n", "    role: Analyst\n    role: Engineer\n")
    return Plan(write(ctx, text), "refused")


@case("binary garbage")
def _garbage(ctx: Context) -> Plan:
    return Plan(write(ctx, b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 64), "refused")


@case("NUL and control characters in UTF-8 text")
def _controls(ctx: Context) -> Plan:
    return Plan(write(ctx, data_yaml([PERSON]).replace("Acme", "Ac\x00me\x1b[31m")), "refused")


@case("deep nesting (a million brackets)")
def _deep(ctx: Context) -> Plan:
    return Plan(write(ctx, "me: " + "[" * 1_000_000 + "]" * 1_000_000 + "\n"), "refused", seconds=20)


@case("CR/LF in a name (header injection)")
def _crlf_name(ctx: Context) -> Plan:
    person = PERSON | {"name": "Ann Lee\r\nBcc: victim@evil.example"}
    return Plan(write(ctx, data_yaml([person])), "refused")


@case("U+2028 line separator in a company")
def _line_separator(ctx: Context) -> Plan:
    return Plan(
        write(ctx, data_yaml([PERSON]).replace("Acme", "Acme\\u2028Bcc: victim@evil.example")), "refused"
    )


@case("decision_by before the interview")
def _decision_before(ctx: Context) -> Plan:
    text = data_yaml([PERSON]).replace(
        "    duration: 45m\n", "    duration: 45m\n    decision_by: 2026-11-20\n"
    )
    return Plan(write(ctx, text), "refused")


@case("done: [check-in] on an interviewer the check-in does not go to")
def _done_elsewhere(ctx: Context) -> Plan:
    other = PERSON | {"name": "Bo Kim", "email": "bo@acme.example", "done": ["check-in"]}
    text = data_yaml([PERSON, other]).replace(
        "    duration: 45m\n", "    duration: 45m\n    decision_by: 2026-12-04\n"
    )
    return Plan(write(ctx, text), "refused")


@case("decision_by: 2027-02-30")
def _february_30(ctx: Context) -> Plan:
    text = data_yaml([PERSON]).replace(
        "    duration: 45m\n", "    duration: 45m\n    decision_by: 2027-02-30\n"
    )
    return Plan(write(ctx, text), "refused")


@case("a tab followed by spaces")
def _tab_spaces(ctx: Context) -> Plan:
    return Plan(write(ctx, data_yaml([PERSON]).replace("\n    role:", "\n\t    role:")), "refused")


@case("a duplicate key, another problem and a duplicate id, all at once")
def _everything_at_once(ctx: Context) -> Plan:
    one = data_yaml([PERSON]).replace("    role: Analyst\n", "    role: Analyst\n    role: Engineer\n")
    again = "\n".join(data_yaml([PERSON | {"method": "fax"}]).split("\n")[5:])
    return Plan(write(ctx, one + "  " + again.lstrip()), "refused")


@case("timezone: EST (a warning naming the city zone; nothing refused)")
def _fixed_offset(ctx: Context) -> Plan:
    text = data_yaml([PERSON | {"timezone": "EST"}])
    return Plan(write(ctx, text), "error", code=0, says="write America/New_York", commands=(("check",),))


@case("check with 1,000 failing messages (linear, not quadratic)")
def _many_failing(ctx: Context) -> Plan:
    path = write_batch(ctx.work / "interviews.yaml", 1000)
    text = path.read_text(encoding="utf-8").replace("{daily_cap: 1000}", "{email_max_words: 10}")
    return Plan(write(ctx, text), "refused", commands=(("check",),), seconds=20)


# Big files: refused or loaded, in bounded time and memory (the limits are the Plan's).


@case("50 MB: one enormous value")
def _big_value(ctx: Context) -> Plan:
    return Plan(write(ctx, "me:\n  name: " + "A" * (50 * MB) + "\n"), "refused", seconds=30)


@case("50 MB: random bytes")
def _big_random(ctx: Context) -> Plan:
    return Plan(write(ctx, os.urandom(50 * MB)), "refused", seconds=30)


@case("50 MB: a good file and 50 MB of comments")
def _big_comments(ctx: Context) -> Plan:
    line = "# " + "x" * 97 + "\n"
    text = data_yaml([PERSON]) + line * (50 * MB // len(line))
    return Plan(write(ctx, text), "delivered", received=1, commands=(("send",),), seconds=30)


@case("50 MB: 200,000 interviews, none due", slow=True)
def _big_many(ctx: Context) -> Plan:
    path = write_batch(ctx.work / "interviews.yaml", 200_000)
    text = path.read_text(encoding="utf-8").replace("start: 2026-11-24 14:00", "start: 2026-10-01 14:00")
    return Plan(write(ctx, text), "delivered", commands=(("send",),), seconds=240, peak_mb=1500)


# Delivered, and correct when parsed back.


def parts(message: EmailMessage) -> tuple[str, str]:
    """The plain text and the HTML of a received message, decoded."""
    text = message.get_body(("plain",))
    page = message.get_body(("html",))
    assert text is not None and page is not None
    return text.get_content(), page.get_content()


def only_message(
    check: Callable[[EmailMessage], list[str]],
) -> Callable[[list[EmailMessage], list[Run]], list[str]]:
    """A check of the one message a case delivers."""
    return lambda messages, runs: check(messages[0])


@case("HTML and script in names and topics")
def _html(ctx: Context) -> Plan:
    script = "<script>alert(1)</script>"
    person = PERSON | {"name": "Ann <b>Lee</b>", "topics": [script, "<img src=x onerror=alert(2)>"]}

    def check(message: EmailMessage) -> list[str]:
        text, page = parts(message)
        problems = [f"{bad!r} in the HTML" for bad in ("<script", "<img", "<b>") if bad in page.lower()]
        problems += [] if "&lt;script&gt;alert(1)&lt;/script&gt;" in page else ["the script is not escaped"]
        problems += [] if script in text else ["the script is not literal in the text part"]
        return problems

    return Plan(write(ctx, data_yaml([person])), "delivered", received=1, commands=(("send",),),
                check=only_message(check))  # fmt: skip


@case("Markdown link injected through a topic")
def _markdown_link(ctx: Context) -> Plan:
    link = "[click here](http://evil.example/login)"

    def check(message: EmailMessage) -> list[str]:
        text, page = parts(message)
        problems = ["a link in the HTML"] if "<a " in page or "href" in page else []
        return problems + ([] if link in text and link in page else ["the link text is not literal"])

    person = PERSON | {"topics": [link, "**bold** _claims_"]}
    return Plan(write(ctx, data_yaml([person])), "delivered", received=1, commands=(("send",),),
                check=only_message(check))  # fmt: skip


PEOPLE = [
    {"name": "سارة المنصوري", "email": "sara@example.com", "topics": ["لوحة المعلومات"]},  # right to left
    {"name": "Noa \u202eLevi", "email": "noa@example.com", "topics": ["שלום עולם"]},  # an RTL override
    {"name": "Mia 🎉 Chen", "email": "mia@example.com", "topics": ["🚀 launches"]},  # emoji
    {"name": "Zoë Ångström", "email": "zoe@example.com", "topics": ["Größenordnung"]},  # accents
    {"name": "山田 太郎", "email": "taro@example.com", "topics": ["データ"]},  # CJK
    {"name": "Anna Müller", "email": "anna@bücher.example", "topics": ["dashboards"]},  # IDN domain
]


@case("right-to-left, emoji, non-ASCII names and an internationalised domain")
def _international(ctx: Context) -> Plan:
    def check(messages: list[EmailMessage], runs: list[Run]) -> list[str]:
        problems = []
        by_name = {m["To"].addresses[0].display_name: m for m in messages}
        for person in PEOPLE:
            message = by_name.get(person["name"])
            if message is None:
                problems.append(f"no message parses back to {person['name']!r} (got {sorted(by_name)})")
                continue
            local, _, domain = person["email"].partition("@")
            if message["To"].addresses[0].addr_spec != f"{local}@{domain.encode('idna').decode()}":
                problems.append(f"{person['name']}: To is {message['To']}")
            text, page = parts(message)
            if person["topics"][0] not in text or person["topics"][0] not in page:
                problems.append(f"{person['name']}: the topic did not survive")
        return problems

    def envelope() -> list[str]:
        recipients = {to for message in ctx.server.received for to in message.rcpt_tos}
        return [] if "anna@xn--bcher-kva.example" in recipients else [f"the envelope went to {recipients}"]

    return Plan(write(ctx, data_yaml(PEOPLE)), "delivered", received=len(PEOPLE), commands=(("send",),),
                check=check, after=envelope)  # fmt: skip


@case("CR/LF produced by a template's subject (header injection)")
def _crlf_subject(ctx: Context) -> Plan:
    template = write(
        ctx, TEMPLATE.replace("SUBJECT", 'Thanks{{ "\\r\\n" }}Bcc: victim@evil.example'), "own.md"
    )

    def check(messages: list[EmailMessage], runs: list[Run]) -> list[str]:
        message = messages[0]
        problems = ["a Bcc header was injected"] if message["Bcc"] else []
        return problems + ([] if "\n" not in str(message["Subject"]) else ["the subject spans lines"])

    return Plan(write(ctx, data_yaml([PERSON], template=template.name)), "delivered", received=1,
                commands=(("check",), ("send",)), check=check)  # fmt: skip


TEMPLATE = """\
---
subject: SUBJECT
---
Dear {{ interviewer.first_name }},

Thank you for talking with me on {{ interview.day }} about the {{ interview.role }} role at
{{ interview.company }}. I appreciated your time, and I especially enjoyed our conversation about
{{ topics }}. I am excited about the role, and I would welcome the chance to contribute to the team
and to learn from all of you.

I appreciate your consideration, and I look forward to hearing from you.

Best regards,
{{ me.name }}
"""


def b_word(text: str) -> str:
    """Text as an RFC 2047 B-encoded word, written as a name to look like one."""
    return "=?utf-8?b?" + base64.b64encode(text.encode()).decode() + "?="


def q_word(text: str) -> str:
    """Text as an RFC 2047 Q-encoded word."""
    return "=?utf-8?q?" + "".join(f"={byte:02X}" for byte in text.encode()) + "?="


BCC = "Ann\r\nBcc: victim@evil.example"
TWO = "x@y.example, z@w.example"


def exactly(header: str, name: str, address: str) -> Callable[[list[EmailMessage], list[Run]], list[str]]:
    """A check: no Bcc anywhere, one recipient on the envelope, and `header` reads back as written."""

    def check(messages: list[EmailMessage], runs: list[Run]) -> list[str]:
        problems = [f"a Bcc header reached the wire: {m['Bcc']}" for m in messages if m["Bcc"]]
        for message in messages:
            got = [(a.display_name, a.addr_spec) for a in message[header].addresses]
            if got != [(name, address)]:
                problems.append(f"{header} reads back as {got}")
        return problems

    return check


def one_envelope_recipient(ctx: Context) -> Callable[[], list[str]]:
    """An after-check: every message went to exactly one envelope recipient."""
    return lambda: [f"sent to {m.rcpt_tos}" for m in ctx.server.received if len(m.rcpt_tos) != 1]


def _looks_encoded(name: str) -> Callable[[Context], Plan]:
    def build(ctx: Context) -> Plan:
        person = PERSON | {"name": name}
        check = exactly("To", name, PERSON["email"])
        return Plan(write(ctx, data_yaml([person])), "delivered", received=1, check=check,
                    after=one_envelope_recipient(ctx))  # fmt: skip

    return build


for _label, _name in [("B", b_word(BCC)), ("Q", q_word(BCC)), ("B, two addresses", b_word(TWO)),
                      ("Q, two addresses", q_word(TWO)), ("broken, =0D=0A", "=?utf-8?b?=0D=0A")]:  # fmt: skip
    case(f"an interviewer name that looks like an encoded word ({_label}) reaches To as written")(
        _looks_encoded(_name)
    )


@case("me.name that looks like an encoded word (Bcc) reaches From as written")
def _me_looks_encoded(ctx: Context) -> Plan:
    name = b_word(BCC)
    text = data_yaml([PERSON]).replace("name: Sam Rivera", f"name: {json.dumps(name)}", 1)
    return Plan(write(ctx, text), "delivered", received=1, check=exactly("From", name, "sam@example.com"),
                after=one_envelope_recipient(ctx))  # fmt: skip


@case("a long voicemail name that looks like an encoded word reaches the reminder's Subject as written")
def _subject_looks_encoded(ctx: Context) -> Plan:
    name = "Jordan " + q_word(BCC) + " Blake-Montgomery-Fitzgerald of the Analytics Guild " + b_word(TWO)
    person = {"name": name, "phone": "+1 647 555 0188", "method": "voicemail", "topics": ["dashboards"]}

    def check(messages: list[EmailMessage], runs: list[Run]) -> list[str]:
        subject = str(messages[0]["Subject"])
        problems = [] if name in subject else [f"the Subject reads back as {subject!r}"]
        return problems + [f"a Bcc header reached the wire: {m['Bcc']}" for m in messages if m["Bcc"]]

    return Plan(write(ctx, data_yaml([person])), "delivered", received=1, check=check,
                after=one_envelope_recipient(ctx))  # fmt: skip


@case("a 1,500-character ASCII name with spaces is folded into lines of at most 998 bytes")
def _long_name(ctx: Context) -> Plan:
    name = " ".join(["Annabelle"] * 150)  # greeting: says how to greet it (else check asks, rightly)
    person = PERSON | {"name": name, "greeting": "Dear Annabelle,"}
    return Plan(write(ctx, data_yaml([person])), "delivered", received=1,
                check=exactly("To", name, PERSON["email"]))  # fmt: skip


@case("a 1,500-character name with no space is refused with its place; the rest of the panel goes")
def _long_word(ctx: Context) -> Plan:
    people = [PERSON | {"name": "A" * 1500}, PERSON | {"name": "Bo Kim", "email": "bo@acme.example"}]
    return Plan(write(ctx, data_yaml(people)), "rejected", received=1, says="998", commands=(("send",),))


for _char in ("\x00", "\x1b", "\u2028"):
    for _where in ("subject", "body"):

        def _control_in_template(ctx: Context, char: str = _char, where: str = _where) -> Plan:
            subject = f"Thank{char} you" if where == "subject" else "Thank you"
            text = TEMPLATE.replace("SUBJECT", subject)
            if where == "body":
                text = text.replace("I appreciated", f"I{char} appreciated")
            template = write(ctx, text, "own.md")
            line = 2 if where == "subject" else 7
            return Plan(write(ctx, data_yaml([PERSON], template=template.name)), "error",
                        says=f"{template}:{line}:", commands=(("check",), ("send",)))  # fmt: skip

        case(f"U+{ord(_char):04X} in a template's own {_where} (refused at the template's place)")(
            _control_in_template
        )


@case("a company called XXX Media and a topic with TODO are values, not placeholders")
def _placeholder_words(ctx: Context) -> Plan:
    person = PERSON | {"topics": ["the TODO list cleanup"]}
    text = data_yaml([person]).replace("company: Acme", "company: XXX Media")
    return Plan(write(ctx, text), "delivered", received=1)


for _address in (".a..b.@x.example", "b\\c@x.example", "c@x..example", "d@x.example."):
    case(f"the address {_address} (refused at load with its place)")(
        lambda ctx, address=_address: Plan(write(ctx, data_yaml([PERSON | {"email": address}])), "refused")
    )


@case("a non-ASCII local part (refused at load with its place; nothing sent)")
def _non_ascii_local(ctx: Context) -> Plan:
    people = [PERSON, {"name": "Zoë Ångström", "email": "zoë@example.com", "topics": ["forecasts"]}]
    return Plan(write(ctx, data_yaml(people)), "refused")


# Files that are not there, or not readable.


@case("a data file that does not exist")
def _missing(ctx: Context) -> Plan:
    return Plan(ctx.work / "nowhere.yaml", "refused")


@case("a data folder with no YAML in it")
def _empty_folder(ctx: Context) -> Plan:
    folder = ctx.work / "interviews"
    folder.mkdir()
    return Plan(folder, "refused")


@case("a FIFO named interviews/x.yaml (not a hang)")
def _fifo(ctx: Context) -> Plan:
    folder = ctx.work / "interviews"
    folder.mkdir()
    write(ctx, data_yaml([PERSON]), "interviews/a.yaml")
    os.mkfifo(folder / "x.yaml")
    return Plan(folder, "refused", seconds=10)


@case("an unreadable data file (chmod 000)", needs="no-dac")
def _unreadable(ctx: Context) -> Plan:
    path = write(ctx, data_yaml([PERSON]))
    path.chmod(0o000)
    return Plan(path, "refused", preexec=drop_dac)


# The state folder: read-only, or full.


@case("a read-only state folder, no ledger yet", needs="no-dac")
def _readonly_new(ctx: Context) -> Plan:
    ctx.state.parent.mkdir(parents=True)
    ctx.state.parent.chmod(0o555)
    return Plan(write(ctx, data_yaml([PERSON])), "error", says=str(ctx.state), commands=(("send",),),
                preexec=drop_dac)  # fmt: skip


@case("a read-only state folder and ledger", needs="no-dac")
def _readonly_existing(ctx: Context) -> Plan:
    data = write(ctx, data_yaml([PERSON]))
    ctx.send(data)
    data = write(ctx, data_yaml([PERSON, PERSON | {"name": "Bo Kim", "email": "bo@acme.example"}]))
    for path in ctx.state.parent.iterdir():
        path.chmod(0o444)
    ctx.state.parent.chmod(0o555)
    return Plan(data, "error", says=str(ctx.state), received=1, commands=(("send",),), preexec=drop_dac)


@case("a read-only state folder: plan, status and a dry run only read the ledger", needs="no-dac")
def _readonly_readers(ctx: Context) -> Plan:
    data = write(ctx, data_yaml([PERSON]))
    ctx.send(data)
    data = write(ctx, data_yaml([PERSON, PERSON | {"name": "Bo Kim", "email": "bo@acme.example"}]))
    for path in ctx.state.parent.iterdir():
        path.chmod(0o444)
    ctx.state.parent.chmod(0o555)
    dry_run = ("send", "--dry-run", "--outbox", str(ctx.work / "outbox"))
    return Plan(data, "delivered", received=1, commands=(("plan",), ("status",), dry_run), preexec=drop_dac)


@case("a ledger with an extra column")
def _extra_column(ctx: Context) -> Plan:
    data = write(ctx, data_yaml([PERSON]))
    ctx.send(data)
    db = sqlite3.connect(ctx.state)
    db.execute("ALTER TABLE deliveries ADD COLUMN note TEXT")
    db.commit()
    db.close()
    return Plan(data, "error", says="unknown column 'note'", received=1,
                commands=(("status",), ("plan",), ("resolve", "x", "--sent"), ("send",)))  # fmt: skip


@case("a read-only file system under the ledger", needs="mount")
def _readonly_mount(ctx: Context) -> Plan:
    data = write(ctx, data_yaml([PERSON]))
    folder = mount_tmpfs(ctx.state.parent, "1m")
    ctx.send(data)
    subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
    data = write(ctx, data_yaml([PERSON, PERSON | {"name": "Bo Kim", "email": "bo@acme.example"}]))
    return Plan(data, "error", says=str(ctx.state), received=1, commands=(("send",),))


# Follow-ups in the batches that fill the disk mid-way: the ledger writes a chunk of them
# (deliver.CHUNK) in two transactions, so it takes several chunks to outgrow the room left.
MID_BATCH = 200


@case("a full state folder (tmpfs), mid-batch", needs="mount")
def _full_mount(ctx: Context) -> Plan:
    folder = mount_tmpfs(ctx.state.parent, "1m")
    ctx.send(write_batch(ctx.work / "one.yaml", 1))
    data = write_batch(ctx.work / "batch.yaml", MID_BATCH)
    fill(folder, leave=120 * 1024)  # room for a few claims and records: it fills in the middle of the batch
    return Plan(data, "error", says="cannot write the ledger", commands=(("send",),), received=-1,
                after=settles(ctx, data, folder))  # fmt: skip


@case("a file size limit on the ledger (RLIMIT_FSIZE), mid-batch")
def _fsize(ctx: Context) -> Plan:
    ctx.send(write_batch(ctx.work / "one.yaml", 1))
    data = write_batch(ctx.work / "batch.yaml", MID_BATCH)
    limit = 64 * 1024  # no file may grow past this: the ledger's write-ahead log outgrows it mid-batch

    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails instead of killing
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return Plan(data, "error", says="cannot write the ledger", commands=(("send",),), received=-1,
                preexec=limited, after=settles(ctx, data, None))  # fmt: skip


def settles(ctx: Context, data: Path, folder: Path | None) -> Callable[[], list[str]]:
    """Once there is room again, a later run delivers the rest: nothing twice, the cut-off one uncertain."""

    def check() -> list[str]:
        if folder is not None:
            (folder / "filler").unlink()
        run = ctx.send(data)
        states = {state for state, _, _ in ledger_rows(ctx.state).values()}
        counts = ctx.server.message_id_counts()
        problems = [f"a later run: exit {run.code}, {run.err!r}"] if run.code != 0 or run.traceback else []
        problems += [f"ledger states after a later run: {states}"] if states - {"sent", "uncertain"} else []
        return problems + [f"{mid} arrived {n} times" for mid, n in counts.items() if n > 1]

    return check


# Output that cannot be written: the batch still goes to its end, and records every delivery.


def stdout_to_full_disk() -> None:
    """In the child, before exec: standard output is /dev/full (every write fails with ENOSPC)."""
    os.dup2(os.open("/dev/full", os.O_WRONLY), 1)


@case("send > /dev/full (every delivery still goes and is recorded)")
def _full_stdout(ctx: Context) -> Plan:
    people = [PERSON, PERSON | {"name": "Bo Kim", "email": "bo@acme.example"},
              PERSON | {"name": "Cy Park", "email": "cy@acme.example"}]  # fmt: skip

    def recorded() -> list[str]:
        states = sorted(state for state, _, _ in ledger_rows(ctx.state).values())
        return [] if states == ["sent"] * 3 else [f"ledger states {states}"]

    return Plan(write(ctx, data_yaml(people)), "error", code=1, says="could not write all of the output",
                received=3, commands=(("send",),), preexec=stdout_to_full_disk, after=recorded)  # fmt: skip


# An earlier calendar export edited by hand: its broken events start afresh, with one warning.


def edited_calendar(ctx: Context, old: str, new: str) -> Plan:
    """A first export, one line of it edited, and a second export that must end with one warning."""
    data = write(ctx, data_yaml([PERSON]))
    output = ctx.work / "followups.ics"
    args = ["--data", str(data), "--now", NOW.isoformat(), "calendar", "--output", str(output)]
    run_followup(args, cwd=ctx.work, env=clean_env())
    text = output.read_bytes().replace(old.encode(), new.encode(), 1)
    output.write_bytes(text)
    return Plan(data, "error", code=0, says="had no UID or an unusable SEQUENCE",
                commands=(("calendar", "--output", str(output)),))  # fmt: skip


@case("an earlier .ics with SEQUENCE:abc")
def _sequence_text(ctx: Context) -> Plan:
    return edited_calendar(ctx, "SEQUENCE:0", "SEQUENCE:abc")


@case("an earlier .ics with a 20-digit SEQUENCE")
def _sequence_huge(ctx: Context) -> Plan:
    return edited_calendar(ctx, "SEQUENCE:0", "SEQUENCE:99999999999999999999")


@case("an earlier .ics with an event that has no UID")
def _no_uid(ctx: Context) -> Plan:
    return edited_calendar(ctx, "\r\nUID:", "\r\nCOMMENT:")


# --- running a case -------------------------------------------------------------------------------------


@functools.cache
def can_drop_dac() -> bool:
    """Whether permissions can be made to bind: we are not root, or root may drop CAP_DAC_OVERRIDE."""
    if os.geteuid() != 0:
        return True
    try:
        subprocess.run(["true"], preexec_fn=drop_dac, check=True)
    except (OSError, AttributeError, subprocess.SubprocessError):
        return False
    return True


def drop_dac() -> None:
    """In the child, before exec: root without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH obeys file modes."""
    if os.geteuid() != 0:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP: gone from the exec'd program
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


@functools.cache
def can_mount() -> bool:
    """Whether a tmpfs can be mounted here (root with CAP_SYS_ADMIN)."""
    if os.geteuid() != 0:
        return False
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", folder], capture_output=True
        )
        if done.returncode == 0:
            unmount(Path(folder))
        return done.returncode == 0


def mount_tmpfs(folder: Path, size: str) -> Path:
    """A small tmpfs at `folder` (unmount it with `unmount`)."""
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], check=True)
    return folder


def unmount(folder: Path) -> None:
    """Unmount a tmpfs made by mount_tmpfs (lazily, so a straggler cannot keep it)."""
    subprocess.run(["umount", "-l", str(folder)], check=False, capture_output=True)


def fill(folder: Path, leave: int) -> None:
    """Fill a file system but for `leave` bytes."""
    stats = os.statvfs(folder)
    with (folder / "filler").open("wb") as filler:
        filler.write(b"\0" * max(0, stats.f_bavail * stats.f_frsize - leave))


@dataclass
class Result:
    """How a case ended."""

    summary: str
    problems: list[str] = field(default_factory=list)
    tracebacks: int = 0


def run_case(case: Case, work: Path) -> Result:
    """Build the case, run its commands, judge what came of them; unmount whatever it mounted."""
    with smtp(work) as server:
        ctx = Context(work, server)
        try:
            plan = case.build(ctx)
            runs = [
                run_followup(
                    ["--data", str(plan.data), "--state", str(ctx.state), "--now", NOW.isoformat(), *command],
                    cwd=work,
                    env=send_env(server),
                    preexec=plan.preexec,
                    timeout=plan.seconds * 2,
                )
                for command in plan.commands
            ]
            result = judge(plan, runs, server, ctx.state)
            if plan.after is not None:
                result.problems += plan.after()
        finally:
            for folder in mounts_under(work):
                unmount(folder)
    return result


def mounts_under(folder: Path) -> list[Path]:
    """The mount points inside a folder (a case that failed half-way may leave its tmpfs)."""
    with open("/proc/self/mounts", encoding="utf-8") as mounts:
        points = [Path(line.split()[1]) for line in mounts]
    return [point for point in points if point.is_relative_to(folder.resolve())]


def judge(plan: Plan, runs: list[Run], server: SmtpServer, state: Path) -> Result:
    """The generic verdict: no traceback, the expected exit and lines, bounds kept, nothing unclaimed."""
    result = Result("", tracebacks=sum(run.traceback for run in runs))
    for run in runs:
        result.problems += [f"{' '.join(run.args[-1:])}: {p}" for p in _verdict(plan, run)]
        if run.seconds > plan.seconds or run.peak_kb > plan.peak_mb * 1024:
            result.problems.append(f"took {run.seconds:.1f} s and {run.peak_kb // 1024} MB")
    messages = [email.message_from_bytes(m.data, policy=email.policy.default) for m in server.received]
    if plan.received >= 0 and len(messages) != plan.received:
        result.problems.append(f"{len(messages)} messages arrived, expected {plan.received}")
    claimed = {mid for _, mid, _ in ledger_rows(state).values()}
    result.problems += [f"{m['Message-ID']} arrived without a claim" for m in messages
                        if m["Message-ID"] not in claimed]  # fmt: skip
    if plan.check is not None and messages and not result.problems:
        result.problems += plan.check(messages, runs)  # type: ignore[arg-type]
    last = runs[-1]
    line = last.err_lines[0] if last.err_lines else f"{len(messages)} delivered"
    seconds, megabytes = max(r.seconds for r in runs), max(r.peak_kb for r in runs) // 1024
    result.summary = (
        f"exit {last.code}: {line[:100]}; {len(messages)} delivered; {seconds:.1f} s, {megabytes} MB"
    )
    return result


def _verdict(plan: Plan, run: Run) -> list[str]:
    lines = run.err_lines
    if plan.expect == "refused":
        bad = [line for line in lines if not placed(line, plan.data)]
        ok = run.code == 2 and lines and not bad
        return (
            []
            if ok
            else [f"exit {run.code}, expected 2 with {plan.data}:line:col on every line: {run.err!r}"]
        )
    if plan.expect in ("error", "rejected"):
        code = plan.code if plan.expect == "error" else 2
        ok = run.code == code and len(lines) == 1 and plan.says in lines[0]
        ok = ok and (plan.expect == "error" or placed(lines[0], plan.data))
        return (
            [] if ok else [f"exit {run.code}, expected {code} and one line with {plan.says!r}: {run.err!r}"]
        )
    return [] if run.code == 0 and not run.err else [f"exit {run.code}, expected 0 and silence: {run.err!r}"]


def placed(line: str, data: Path) -> bool:
    match = PLACE.match(line)
    return bool(match) and Path(match["path"]).resolve().is_relative_to(data.resolve())
