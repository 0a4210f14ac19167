"""The interviews file: its schema, and loading one or many files into checked, typed values."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from . import fields as f
from .errors import InputError, Problem
from .keys import handle
from .policy import WEEKDAYS, LocalPolicy, Policy
from .source import Key, iter_entries, locate, read_text

KINDS = ("thank-you", "check-in")
METHODS = ("email", "voicemail", "note")
DELAYS = ("same-day", "next-day", "two-days")
STATUSES = ("open", "offer", "rejected", "withdrawn", "closed")


@dataclass(frozen=True, slots=True)
class Me:
    """The candidate: who the follow-ups come from."""

    name: str
    email: str
    timezone: str
    phone: str | None = None
    reply_to: str | None = None
    language: str | None = None  # the language of your reminders, and of every message by default


@dataclass(frozen=True, slots=True)
class Interviewer:
    """One person who interviewed the candidate; each gets a message of their own."""

    name: str
    email: str | None = None
    title: str | None = None
    timezone: str | None = None
    phone: str | None = None
    method: str | None = None
    topics: tuple[str, ...] = ()
    done: tuple[str, ...] = ()
    policy: LocalPolicy | None = None  # their public holidays, when not the interview's
    check_in: bool = False  # the check-in goes to them (else to the first interviewer listed)
    new_person: bool = False  # not the thanked person who left the panel (see keys.py)
    address: str | None = None  # where a card is posted: lines parted by newlines (fields.parse_address)
    note: str | None = None  # a line in the user's own words that their message carries
    language: str | None = None  # the language of their messages, when not the interview's


@dataclass(frozen=True, slots=True)
class Interview:
    """One interview the candidate is waiting to hear back from."""

    id: str
    company: str
    role: str
    start: datetime  # naive wall time in `timezone`
    end: datetime
    interviewers: tuple[Interviewer, ...]
    timezone: str | None = None
    delay: str = "same-day"
    method: str = "email"
    decision_by: date | None = None
    status: str = "open"
    done: tuple[str, ...] = ()
    template: str | None = None
    notes: str | None = None
    policy: LocalPolicy | None = None  # its interviewers' public holidays, when not the top level's
    language: str | None = None  # the language of its messages, when not yours
    source: str = ""
    index: int = 0


@dataclass(frozen=True, slots=True)
class Dataset:
    """Everything the job reads: the candidate, the etiquette numbers and the interviews."""

    me: Me
    policy: Policy
    interviews: tuple[Interview, ...]
    files: tuple[str, ...] = ()
    warnings: tuple[Problem, ...] = ()  # what works but is likely not what was meant, with its place


Spec = dict[str, tuple[Callable[[object], object], bool]]  # key -> (parser, required)

ME_SPEC: Spec = {
    "name": (f.parse_text, True),
    "email": (f.parse_email, True),
    "timezone": (f.parse_zone, True),
    "phone": (f.parse_text, False),
    "reply_to": (f.parse_email, False),
    "language": (f.parse_text, False),
}
INTERVIEWER_SPEC: Spec = {
    "name": (f.parse_text, True),
    "email": (f.parse_email, False),
    "title": (f.parse_text, False),
    "timezone": (f.parse_zone, False),
    "phone": (f.parse_text, False),
    "method": (f.one_of(*METHODS), False),
    "topics": (f.list_of(f.parse_text), False),
    "done": (f.list_of(f.one_of(*KINDS)), False),
    "policy": (f.parse_mapping, False),
    "check_in": (f.parse_flag, False),
    "new_person": (f.parse_flag, False),
    "address": (f.parse_address, False),
    "note": (f.parse_text, False),
    "language": (f.parse_text, False),
}
INTERVIEW_SPEC: Spec = {
    "id": (f.parse_id, True),
    "company": (f.parse_text, True),
    "role": (f.parse_text, True),
    "start": (f.parse_wall_time, True),
    "duration": (f.parse_duration, False),
    "end": (f.parse_wall_time, False),
    "timezone": (f.parse_zone, False),
    "delay": (f.one_of(*DELAYS), False),
    "method": (f.one_of(*METHODS), False),
    "decision_by": (f.parse_date, False),
    "status": (f.one_of(*STATUSES), False),
    "done": (f.list_of(f.one_of(*KINDS)), False),
    "template": (f.parse_text, False),
    "notes": (f.parse_long_text, False),
    "policy": (f.parse_mapping, False),
    "language": (f.parse_text, False),
    "interviewers": (lambda raw: raw, True),
}
_POLICY_PARSERS: dict[type, Callable[[object], object]] = {
    int: f.parse_count,
    float: f.parse_seconds,
}
# An interview or an interviewer sets only where its recipients are; the etiquette stays the user's.
LOCAL_POLICY_SPEC: Spec = {"country": (f.parse_country, False), "subdivision": (f.parse_text, False)}
TOP_KEYS = ("me", "policy", "interviews")


class _Checker:
    """Collects the problems of one file as key paths; places are looked up once, at the end."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.found: list[tuple[Key, bool, str]] = []
        self.noted: list[tuple[Key, bool, str]] = []
        # A long file says the same zones, companies, titles, topics and times thousands of times;
        # each distinct value is kept once (the parser makes a new copy of every one).
        self.copies: dict[object, object] = {}

    def fail(self, key: Key, message: str, at_key: bool = False) -> None:
        self.found.append((key, at_key, message))

    def warn(self, key: Key, message: str) -> None:
        """Note something that works but is likely not what was meant (shown, never refused)."""
        self.noted.append((key, False, message))

    def mapping(self, raw: object, key: Key, spec: Spec, what: str) -> dict[str, object] | None:
        """Typed values of a mapping that follows spec; None (and problems noted) when it cannot."""
        if not isinstance(raw, dict):
            self.fail(key, f"{what} must be a mapping of keys and values")
            return None
        values: dict[str, object] = {}
        for name, value in raw.items():
            if name not in spec:
                hint = f.closest(name, spec)
                more = f"did you mean {hint!r}?" if hint else "expected " + ", ".join(spec)
                self.fail((*key, name), f"unknown key {name!r} in {what} ({more})", at_key=True)
                continue
            parse = spec[name][0]
            if value is None:
                self.fail((*key, name), f"{name}: needs a value")
                continue
            try:
                values[name] = self.shared(parse(value))
            except ValueError as exc:
                self.fail((*key, name), f"{name}: {exc}")
                continue
            if parse is f.parse_zone and (note := f.zone_warning(values[name])):  # type: ignore[arg-type]
                self.warn((*key, name), note)
        for name, (_, required) in spec.items():
            if required and name not in raw:
                self.fail(key, f"{what} needs {name}:")
        return values

    def shared(self, value: object) -> object:
        """The file's first copy of a value equal to this text, tuple of texts or naive date and time."""
        kind = type(value)
        if kind is str:
            return self.copies.setdefault(value, value)
        if kind is tuple and all(type(item) is str for item in value):  # type: ignore[attr-defined]
            value = tuple([self.copies.setdefault(item, item) for item in value])  # type: ignore[attr-defined]
        elif kind is not date and (kind is not datetime or value.tzinfo is not None):  # type: ignore[attr-defined]
            return value  # an aware time equals the same instant in another zone: never shared
        return self.copies.setdefault(value, value)

    def problems(self, text: str) -> list[Problem]:
        """The problems, then the warnings, with their places (found in one parse of the text)."""
        wanted = {(key, at_key) for key, at_key, _ in [*self.found, *self.noted]}
        places = locate(text, wanted) if wanted else {}
        result = []
        for key, at_key, message in [*self.found, *self.noted]:
            line, col = places.get((key, at_key), (1, 1))
            result.append(Problem(self.path, line, col, message))
        return result


def build_interviewer(check: _Checker, raw: object, key: Key) -> Interviewer | None:
    """An Interviewer from its YAML mapping, or None when it has problems (they are noted)."""
    before = len(check.found)
    values = check.mapping(raw, key, INTERVIEWER_SPEC, "an interviewer")
    if values is not None and "policy" in values:
        values["policy"] = build_local_policy(check, values["policy"], (*key, "policy"))
    if values is None or len(check.found) > before:  # a half-read person would only add noise
        return None
    return Interviewer(**values)  # type: ignore[arg-type]


def build_interview(check: _Checker, raw: object, key: Key) -> Interview | None:
    """An Interview from its YAML mapping, or None when it has problems (they are noted)."""
    before = len(check.found)
    values = check.mapping(raw, key, INTERVIEW_SPEC, "an interview")
    if values is None:
        return None
    if "policy" in values:
        values["policy"] = build_local_policy(check, values["policy"], (*key, "policy"))
    people = _build_interviewers(check, values.pop("interviewers", None), (*key, "interviewers"))
    start, duration, end = values.get("start"), values.pop("duration", None), values.get("end")
    if duration is not None and end is not None:
        check.fail((*key, "end"), "give duration: or end:, not both")
    elif isinstance(start, datetime):
        if end is None:
            values["end"] = check.shared(start + (duration or timedelta(hours=1)))
        elif end <= start:  # type: ignore[operator]
            check.fail((*key, "end"), f"end {end:%Y-%m-%d %H:%M} is not after start {start:%H:%M}")
    seen: dict[str, Interviewer] = {}
    for i, person in enumerate(people or ()):
        if (person.method or values.get("method", "email")) == "email" and not person.email:
            check.fail(
                (*key, "interviewers", i),
                f"{person.name} has no email: add email:, or method: voicemail or note",
            )
        first = seen.setdefault(handle(person), person)
        if first is not person:  # the two would share one follow-up key, so one would never be sent
            what = "email" if person.email else "name"
            check.fail((*key, "interviewers", i), f"{person.name} has the same {what} as {first.name}")
    marked = [i for i, person in enumerate(people or ()) if person.check_in]
    for i in marked[1:]:
        check.fail((*key, "interviewers", i, "check_in"), "only one interviewer gets the check-in")
    _check_decision_by(check, values, key)
    _check_template_file(check, values.get("template"), (*key, "template"))
    _check_languages(check, values, people or (), key)
    has_check_in = values.get("decision_by") is not None
    recipient = check_in_recipient(people) if people else None
    for where, message in misplaced_done(values.get("done", ()), people or (), has_check_in, recipient):
        check.fail((*key, *where), message)
    if len(check.found) > before or people is None:
        return None
    return Interview(**values, interviewers=people, source=check.path, index=key[-1])  # type: ignore[arg-type]


def _check_decision_by(check: _Checker, values: dict[str, object], key: Key) -> None:
    """A decision date before the interview: the check-in would go out before they ever met."""
    decided, start = values.get("decision_by"), values.get("start")
    if isinstance(decided, date) and isinstance(start, datetime) and decided < start.date():
        check.fail(
            (*key, "decision_by"),
            f"decision_by {decided:%Y-%m-%d} is before the interview on {start:%Y-%m-%d} "
            "(the check-in after it would thank them for a meeting not yet held; is the year right?)",
        )


# The languages of the stock templates (batch/templates/<language>/); a test holds this to the folders.
SHIPPED_LANGUAGES = ("en", "es", "fr")


def language_problem(code: str, own_template: bool) -> str | None:
    """What is wrong with a `language:` code, or None: a shipped one, or any known one with your template."""
    from .letters import LANGUAGE, base_language

    if not LANGUAGE.match(code):
        return f"language: {code!r} is not a language code (such as en, fr, fr-CA or es)"
    if code in SHIPPED_LANGUAGES:
        return None
    if base_language(code) in SHIPPED_LANGUAGES:
        return _known_locale(code)
    if not own_template:
        shipped = ", ".join(SHIPPED_LANGUAGES)
        return (f"language: {code}: no stock templates in it (shipped: {shipped}); "
                "point the interview's template: at your own, or pick a shipped language")  # fmt: skip
    return _known_locale(code)


def _known_locale(code: str) -> str | None:
    # Babel's CLDR file for it, looked for without importing Babel (the idle cron run loads this file)
    from importlib.util import find_spec

    from .letters import locale_name

    spec = find_spec("babel")
    folders = list(spec.submodule_search_locations or []) if spec else []
    name = locale_name(code)
    if not any((Path(folder) / "locale-data" / f"{name}.dat").exists() for folder in folders):
        return f"language: {code}: no dates or weekdays are known for it (try its plain code, such as fr)"
    return None


def _check_languages(
    check: _Checker, values: dict[str, object], people: Sequence[Interviewer], key: Key
) -> None:
    """Each language the interview or a panelist names is one the job can write (or the user's template)."""
    own = values.get("template") is not None
    where = [(("language",), values.get("language"))]
    where += [(("interviewers", i, "language"), person.language) for i, person in enumerate(people)]
    for place, code in where:
        if isinstance(code, str) and (problem := language_problem(code, own)):
            check.fail((*key, *place), problem)


MAX_TEMPLATE_BYTES = 64 * 1024  # a letter's template is a page at most; more is a wrong file


def _check_template_file(check: _Checker, name: object, key: Key) -> None:
    """A template: names a regular file of a letter's size, read from the data file's folder."""
    if not isinstance(name, str):
        return
    import stat

    path = Path(check.path).parent / name
    try:
        mode = path.stat()
    except OSError as exc:
        check.fail(key, f"template: cannot read {path} ({exc.strerror})")
        return
    if stat.S_ISDIR(mode.st_mode):
        check.fail(key, f"template: {path} is a folder, not a file (name the .md file in it)")
    elif not stat.S_ISREG(mode.st_mode):
        check.fail(key, f"template: {path} is not a file (a device, a pipe or a socket): name a .md file")
    elif mode.st_size > MAX_TEMPLATE_BYTES:
        check.fail(key, f"template: {path} is too large for a letter's template ({mode.st_size:,} bytes; "
                        f"at most {MAX_TEMPLATE_BYTES:,})")  # fmt: skip


def check_in_recipient(people: Sequence[Interviewer]) -> int:
    """Which interviewer (by position) the check-in goes to: the one marked check_in: true, else the first
    listed (as keys.check_in_person decides before the ledger has fixed it)."""
    return next((i for i, person in enumerate(people) if person.check_in), 0)


def misplaced_done(
    interview_done: Sequence[str], people: Sequence[Interviewer], has_check_in: bool, recipient: int | None
) -> Iterator[tuple[Key, str]]:
    """Each `done:` that marks a follow-up that does not exist, as (key under the interview, message).

    `recipient` is the position of the interviewer the check-in goes to; a `done: [check-in]` on anyone
    else would be ignored, and the check-in would still go out.
    """
    nothing = "done: check-in: this interview has no check-in (it comes with decision_by:)"
    if "check-in" in interview_done and not has_check_in:
        yield ("done",), nothing
    for i, person in enumerate(people):
        if "check-in" not in person.done:
            continue
        if not has_check_in:
            yield ("interviewers", i, "done"), nothing
        elif recipient is not None and i != recipient:
            to = people[recipient].name
            yield (
                ("interviewers", i, "done"),
                f"done: check-in: the check-in goes to {to}, not to {person.name} "
                f"(write done: [check-in] on {to}, or on the interview)",
            )


def _build_interviewers(check: _Checker, raw: object, key: Key) -> tuple[Interviewer, ...] | None:
    if raw is None:
        return None  # `mapping` has said it is missing or empty
    if not isinstance(raw, list) or not raw:
        check.fail(key, "interviewers: must be a list of at least one person")
        return None
    people = [build_interviewer(check, item, (*key, i)) for i, item in enumerate(raw)]
    return None if None in people else tuple(people)  # type: ignore[arg-type]


def build_policy(check: _Checker, raw: object, key: Key) -> Policy:
    """The default Policy with the YAML's overrides applied."""
    spec: Spec = {}
    for field in dataclasses.fields(Policy):
        default = field.default
        if field.name in LOCAL_POLICY_SPEC:
            spec[field.name] = LOCAL_POLICY_SPEC[field.name]
        elif isinstance(default, tuple):
            spec[field.name] = (f.list_of(_parse_weekday), False)
        elif type(default).__name__ == "time":
            spec[field.name] = (f.parse_clock, False)
        else:
            spec[field.name] = (_POLICY_PARSERS[type(default)], False)
    values = check.mapping(raw if raw is not None else {}, key, spec, "policy")
    if not values:
        return Policy()
    _check_subdivision(check, values, key)
    policy = dataclasses.replace(Policy(), **values)
    if not policy.workdays:
        check.fail((*key, "workdays"), "workdays: name at least one day (e.g. [mon, tue, wed, thu, fri])")
    if policy.window_end <= policy.window_start:
        where = "window_end" if "window_end" in values else "window_start"
        check.fail(
            (*key, where),
            f"the working day must close after it opens "
            f"(window_start {policy.window_start:%H:%M}, window_end {policy.window_end:%H:%M})",
        )
    return policy


def build_local_policy(check: _Checker, raw: object, key: Key) -> LocalPolicy | None:
    """The country and subdivision an interview or interviewer sets; None when it sets neither."""
    if isinstance(raw, dict):
        top_only = Policy.__dataclass_fields__.keys() - LOCAL_POLICY_SPEC
        for name in [name for name in raw if name in top_only]:
            where = "set it in the top-level policy: (here only country and subdivision may be set)"
            check.fail((*key, name), f"{name}: {where}", at_key=True)
        raw = {name: value for name, value in raw.items() if name not in top_only}
    values = check.mapping(raw, key, LOCAL_POLICY_SPEC, "policy") or {}
    _check_subdivision(check, values, key)
    return LocalPolicy(**values) if "country" in values else None  # type: ignore[arg-type]


def _check_subdivision(check: _Checker, values: dict[str, object], key: Key) -> None:
    """The subdivision made its country's own spelling of it, or dropped with a problem noted."""
    if "subdivision" not in values:
        return
    country, given = values.get("country"), values.pop("subdivision")
    if not country:  # with a country that is wrong, that problem is the one to fix first
        if not any(found == (*key, "country") for found, _, _ in check.found):
            check.fail((*key, "subdivision"), "subdivision: needs country: beside it (e.g. country: CA)")
        return
    try:
        values["subdivision"] = f.parse_subdivision(str(country), given)
    except ValueError as exc:
        check.fail((*key, "subdivision"), f"subdivision: {exc}")


def _parse_weekday(raw: object) -> int:
    name = f.one_of(*WEEKDAYS)(str(raw).strip().lower()[:3] if isinstance(raw, str) else raw)
    return WEEKDAYS.index(name)


def data_files(data: Path | None, cwd: Path) -> list[Path]:
    """The files to read: --data (a file, or every *.yaml in a folder), else the default places."""
    if data is not None:
        if data.is_dir():
            found = sorted([*data.glob("*.yaml"), *data.glob("*.yml")])  # read_text refuses what is no file
            if not found:
                raise InputError(Problem(str(data), 1, 1, "no .yaml or .yml files in this folder"))
            return found
        return [data]
    found = [cwd / "interviews.yaml"] if (cwd / "interviews.yaml").exists() else []
    folder = cwd / "interviews"
    if folder.is_dir():
        found += sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])
    return found or [cwd / "interviews.yaml"]


def load(paths: Iterable[Path]) -> Dataset:
    """Read and check every file; an InputError lists every problem in every file, by file and line."""
    problems: list[Problem] = []
    warnings: list[Problem] = []
    me: tuple[Me, str] | None = None
    policy: tuple[Policy, str] | None = None
    interviews: list[Interview] = []
    ids: list[tuple[str, str, int]] = []
    files = [str(p) for p in paths]
    for path in files:
        try:
            read = _load_file(path)
        except InputError as exc:
            problems += exc.problems
            continue
        problems += read.problems
        warnings += read.warnings
        for found, held, name in ((read.me, me, "me"), (read.policy, policy, "policy")):
            if found is not None and held is not None:
                line, col = _key_place(path, name)
                problems.append(Problem(path, line, col, f"{name}: is already given in {held[1]}"))
        me = me or (read.me and (read.me, path))  # type: ignore[assignment]
        policy = policy or (read.policy and (read.policy, path))  # type: ignore[assignment]
        interviews += read.interviews
        ids += [(id_, path, index) for id_, index in read.ids]
    problems += _duplicate_ids(ids)  # from every interview, those with problems of their own too
    if me is None and not problems:
        problems.append(
            Problem(
                files[0] if files else "interviews.yaml",
                1,
                1,
                "no me: section (who you are: name, email, timezone)",
            )
        )
    if problems:
        order = {path: n for n, path in enumerate(files)}
        problems.sort(key=lambda p: (order.get(p.path, len(order)), p.path, p.line, p.col))
        raise InputError(problems)
    assert me is not None
    policy_value = policy[0] if policy else Policy()
    return Dataset(me[0], policy_value, tuple(interviews), tuple(files), tuple(warnings))


@dataclass(slots=True)
class _FileRead:
    """What one file gave: its sections, the id of every interview in it, its problems and warnings."""

    me: Me | None = None
    policy: Policy | None = None
    interviews: list[Interview] = dataclasses.field(default_factory=list)
    ids: list[tuple[str, int]] = dataclasses.field(default_factory=list)
    problems: list[Problem] = dataclasses.field(default_factory=list)
    warnings: list[Problem] = dataclasses.field(default_factory=list)


def _load_file(path: str) -> _FileRead:
    text = read_text(Path(path))
    check = _Checker(path)
    read = _FileRead()
    try:
        for key, raw in iter_entries(text, path, problems=read.problems):
            _read_entry(check, read, key, raw)
    except InputError as exc:  # YAML that cannot be read on: what came before it still counts
        read.problems += exc.problems
    placed = check.problems(text)
    read.problems += placed[: len(check.found)]
    read.warnings = placed[len(check.found) :]
    return read


def _read_entry(check: _Checker, read: _FileRead, key: Key, raw: object) -> None:
    if key[0] == "interviews" and len(key) == 2:
        if isinstance(raw, dict) and "id" in raw:
            with contextlib.suppress(ValueError):  # a bad id is a problem `mapping` notes
                read.ids.append((f.parse_id(raw["id"]), key[1]))  # type: ignore[arg-type]
        interview = build_interview(check, raw, key)
        if interview is not None:
            read.interviews.append(interview)
    elif key == ("me",):
        values = check.mapping(raw, key, ME_SPEC, "me")
        code = values.get("language") if values is not None else None
        if isinstance(code, str) and (problem := language_problem(code, own_template=False)):
            check.fail((*key, "language"), problem)
        elif values is not None and len(values) == len(raw) and not _missing(values, ME_SPEC):  # type: ignore[arg-type]
            read.me = Me(**values)  # type: ignore[arg-type]
    elif key == ("policy",):
        read.policy = build_policy(check, raw, key)
    elif key == ("interviews",):
        if raw is not None and not isinstance(raw, list):  # empty: no interviews yet
            check.fail(key, "interviews: must be a list (each item starts with '- ')")
    else:
        hint = f.closest(str(key[0]), TOP_KEYS)
        more = f"did you mean {hint!r}?" if hint else "expected me, policy or interviews"
        check.fail(key, f"unknown key {key[0]!r} ({more})", at_key=True)


def _key_place(path: str, name: str) -> tuple[int, int]:
    wanted = ((name,), True)
    return locate(read_text(Path(path)), {wanted}).get(wanted, (1, 1))


def _missing(values: dict[str, object], spec: Spec) -> bool:
    return any(required and name not in values for name, (_, required) in spec.items())


def _duplicate_ids(ids: list[tuple[str, str, int]]) -> list[Problem]:
    """A problem at each interview whose id an earlier one has: (id, file, position) of every interview."""
    first: dict[str, tuple[str, int]] = {}
    clashes: list[tuple[str, tuple[str, int], tuple[str, int]]] = []
    for id_, source, index in ids:
        if id_ in first:
            clashes.append((id_, first[id_], (source, index)))
        else:
            first[id_] = (source, index)
    if not clashes:
        return []
    lines = _id_lines({place for _, a, b in clashes for place in (a, b)})
    problems = []
    for id_, a, b in clashes:
        la, lb = lines.get(a, (1, 1)), lines.get(b, (1, 1))
        problems.append(Problem(b[0], lb[0], lb[1], f"duplicate id {id_!r} (first used at {a[0]}:{la[0]})"))
    return problems


def _id_lines(places: set[tuple[str, int]]) -> dict[tuple[str, int], tuple[int, int]]:
    lines: dict[tuple[str, int], tuple[int, int]] = {}
    for source in {source for source, _ in places}:
        text = read_text(Path(source))
        wanted = {(("interviews", i, "id"), False) for s, i in places if s == source}
        for (key, _), place in locate(text, wanted).items():
            lines[(source, key[1])] = place
    return lines


def place_of(interview: Interview, person: Interviewer | None = None) -> tuple[str, int, int]:
    """Path, line and column of an interview (or of one of its interviewers), for messages about it."""
    return places_of([(interview, person)])[0]


def places_of(
    targets: Sequence[tuple[Interview, Interviewer | None]],
) -> list[tuple[str, int, int]]:
    """place_of for many interviews (or interviewers) at once, each file read and parsed once."""
    keys: list[Key] = []
    by_source: dict[str, set[tuple[Key, bool]]] = {}
    for interview, person in targets:
        key: Key = ("interviews", interview.index)
        if person is not None and person in interview.interviewers:
            key = (*key, "interviewers", interview.interviewers.index(person))
        keys.append(key)
        by_source.setdefault(interview.source, set()).add((key, False))
    found: dict[str, dict[tuple[Key, bool], tuple[int, int]]] = {}
    for source, wanted in by_source.items():
        try:
            found[source] = locate(read_text(Path(source)), wanted)
        except InputError:
            found[source] = {}
    places = []
    for (interview, _), key in zip(targets, keys, strict=True):
        line, col = found[interview.source].get((key, False), (1, 1))
        places.append((interview.source, line, col))
    return places
