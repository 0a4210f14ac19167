"""The checks of one interviews file: each YAML mapping made a typed value, every problem noted at its key.

`load` reads the files and hands each entry here; the keys themselves (parsers, required, meaning) are
`spec`'s. A little over 300 lines: an interview's rules that span keys (end after start, one check-in,
languages, its template file) are read together with its people, and belong together.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import cast

from batch.data import fields as f
from batch.data import spec
from batch.data.source import Key, locate
from batch.errors import Problem
from batch.model.interview import Interview, Interviewer, Me
from batch.model.keys import handle
from batch.model.languages import LANGUAGE, NEAREST, base_language, locale_name, normal_code
from batch.model.policy import THANK_YOU_NEVER_DAYS, LocalPolicy, Policy


class Checker:
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

    def mapping(self, raw: object, key: Key, keys: spec.Spec, what: str) -> dict[str, object] | None:
        """Typed values of a mapping that follows keys; None (and problems noted) when it cannot."""
        if not isinstance(raw, dict):
            self.fail(key, f"{what} must be a mapping of keys and values")
            return None
        values: dict[str, object] = {}
        for name, value in raw.items():
            if name not in keys:
                hint = f.closest(name, keys)
                more = f"did you mean {hint!r}?" if hint else "expected " + ", ".join(keys)
                if name in spec.RENAMED and spec.RENAMED[name].split(",")[0] in keys:
                    more = f"renamed {spec.RENAMED[name]}"
                self.fail((*key, name), f"unknown key {name!r} in {what} ({more})", at_key=True)
                continue
            parse = keys[name].parse
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
        for name, wanted in keys.items():
            if wanted.required and name not in raw:
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


def build_interviewer(check: Checker, raw: object, key: Key) -> Interviewer | None:
    """An Interviewer from its YAML mapping, or None when it has problems (they are noted)."""
    before = len(check.found)
    values = check.mapping(raw, key, spec.INTERVIEWER, "an interviewer")
    if values is not None and "policy" in values:
        values["policy"] = build_local_policy(check, values["policy"], (*key, "policy"))
    if values is None or len(check.found) > before:  # a half-read person would only add noise
        return None
    return Interviewer(**values)  # type: ignore[arg-type]


def build_interview(check: Checker, raw: object, key: Key) -> Interview | None:
    """An Interview from its YAML mapping, or None when it has problems (they are noted)."""
    before = len(check.found)
    values = check.mapping(raw, key, spec.INTERVIEW, "an interview")
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
            values["end"] = check.shared(start + (cast(timedelta | None, duration) or timedelta(hours=1)))
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
    for where, message in misplaced_done(
        cast(Sequence[str], values.get("done", ())), people or (), has_check_in, recipient
    ):
        check.fail((*key, *where), message)
    if len(check.found) > before or people is None:
        return None
    return Interview(**values, interviewers=people, source=check.path, index=key[-1])  # type: ignore[arg-type]


def _check_decision_by(check: Checker, values: dict[str, object], key: Key) -> None:
    """A decision date before the interview: the check-in would go out before they ever met."""
    decided, start = values.get("decision_by"), values.get("start")
    if isinstance(decided, date) and isinstance(start, datetime) and decided < start.date():
        check.fail(
            (*key, "decision_by"),
            f"decision_by {decided:%Y-%m-%d} is before the interview on {start:%Y-%m-%d} "
            "(the check-in after it would thank them for a meeting not yet held; is the year right?)",
        )


# The languages of the stock templates (batch/templates/<variant>/); a test holds this to the folders.
SHIPPED_LANGUAGES = ("en", "es-ES", "es-MX", "fr-CA", "fr-FR")
_SHIPPED_BASES = frozenset(base_language(code) for code in SHIPPED_LANGUAGES)


def language_problem(code: str, own_template: bool) -> str | None:
    """What is wrong with a `language:` code, or None: a shipped one, or any known one with your template.
    Letter case aside (fr-ca is fr-CA: language tags are case-insensitive)."""

    if not LANGUAGE.match(code):
        return f"language: {code!r} is not a language code (such as en, fr, fr-CA or es)"
    code = normal_code(code)
    if code in SHIPPED_LANGUAGES or code in _SHIPPED_BASES:
        return None
    if code in NEAREST:
        return (f"language: {code}: write {NEAREST[code]}, the code of its country's variant "
                f"({_variants_of(code)})")  # fmt: skip
    if base_language(code) in _SHIPPED_BASES:
        return _known_locale(code)
    if not own_template:
        shipped = ", ".join(SHIPPED_LANGUAGES)
        return (f"language: {code}: no stock templates in it (shipped: {shipped}); "
                "point the interview's template: at your own, or pick a shipped language")  # fmt: skip
    return _known_locale(code)


def _variants_of(code: str) -> str:
    """The shipped variants of a code's language, as a hint says them."""
    base = base_language(code)
    found = [shipped for shipped in SHIPPED_LANGUAGES if base_language(shipped) == base]
    return f"{base} is written as {' or '.join(found)}; a bare {base} takes one by the reader's time zone"


def _known_locale(code: str) -> str | None:
    # Babel's CLDR file for it, looked for without importing Babel (the idle cron run loads this file)
    from importlib.util import find_spec

    found = find_spec("babel")
    folders = list(found.submodule_search_locations or []) if found else []
    name = locale_name(code)
    if not any((Path(folder) / "locale-data" / f"{name}.dat").exists() for folder in folders):
        base = base_language(code)
        if base in _SHIPPED_BASES:
            return f"language: {code}: no dates or weekdays are known for it ({_variants_of(code)})"
        return f"language: {code}: no dates or weekdays are known for it (try its plain code, {base})"
    return None


def _check_languages(
    check: Checker, values: dict[str, object], people: Sequence[Interviewer], key: Key
) -> None:
    """Each language the interview or a panelist names is one the job can write (or the user's template)."""
    own = values.get("template") is not None
    where: list[tuple[Key, object]] = [(("language",), values.get("language"))]
    where += [(("interviewers", i, "language"), person.language) for i, person in enumerate(people)]
    for place, code in where:
        if isinstance(code, str) and (problem := language_problem(code, own)):
            check.fail((*key, *place), problem)


MAX_TEMPLATE_BYTES = 64 * 1024  # a letter's template is a page at most; more is a wrong file
STOCK = Path(__file__).resolve().parents[1] / "templates"  # batch/templates/: the stock set


def template_allowed(path: Path, data_file: str) -> bool:
    """Whether a template, every link followed, lies in the data file's folder (or below it) or in the
    stock set: `template:` never reaches a file elsewhere (a password file, another user's letter)."""
    real = Path(os.path.realpath(path))
    homes = (Path(os.path.realpath(Path(data_file).parent)), STOCK)
    return any(real.is_relative_to(home) and real != home for home in homes)


def _check_template_file(check: Checker, name: object, key: Key) -> None:
    """A template: names a regular file of a letter's size, read from the data file's folder."""
    if not isinstance(name, str):
        return

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
    elif not template_allowed(path, check.path):
        check.fail(key, f"template: {name} is outside the folder of {Path(check.path).name} (through .., an "
                        "absolute path or a link): keep your templates beside your data, e.g. "
                        "templates/thanks.md")  # fmt: skip


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


def _build_interviewers(check: Checker, raw: object, key: Key) -> tuple[Interviewer, ...] | None:
    if raw is None:
        return None  # `mapping` has said it is missing or empty
    if not isinstance(raw, list) or not raw:
        check.fail(key, "interviewers: must be a list of at least one person")
        return None
    people = [build_interviewer(check, item, (*key, i)) for i, item in enumerate(raw)]
    return None if None in people else tuple(people)  # type: ignore[arg-type]


def build_policy(check: Checker, raw: object, key: Key) -> Policy:
    """The default Policy with the YAML's overrides applied."""
    values = check.mapping(raw if raw is not None else {}, key, spec.POLICY, "policy")
    if not values:
        return Policy()
    _check_subdivision(check, values, key)
    policy = Policy()._replace(**values)  # type: ignore[arg-type]  # typed by each key's parser
    if not policy.workdays:
        check.fail((*key, "workdays"), "workdays: name at least one day (e.g. [mon, tue, wed, thu, fri])")
    if policy.window_end <= policy.window_start:
        where = "window_end" if "window_end" in values else "window_start"
        check.fail(
            (*key, where),
            f"the working day must close after it opens "
            f"(window_start {policy.window_start:%H:%M}, window_end {policy.window_end:%H:%M})",
        )
    _check_thank_you_within(check, policy, key)
    return policy


def _check_thank_you_within(check: Checker, policy: Policy, key: Key) -> None:
    """A thank-you's last day is 1 to 6 days after the interview: never the same moment, never a week."""
    days = policy.thank_you_within_days
    if not 1 <= days < THANK_YOU_NEVER_DAYS:
        check.fail(
            (*key, "thank_you_within_days"),
            f"thank_you_within_days: {days} is out of range (1 to {THANK_YOU_NEVER_DAYS - 1}: "
            "a thank-you a week after the interview has missed its moment)",
        )


def build_local_policy(check: Checker, raw: object, key: Key) -> LocalPolicy | None:
    """The country and subdivision an interview or interviewer sets; None when it sets neither."""
    if isinstance(raw, dict):
        top_only = set(Policy._fields) - spec.LOCAL_POLICY.keys()
        for name in [name for name in raw if name in top_only]:
            where = "set it in the top-level policy: (here only country and subdivision may be set)"
            check.fail((*key, name), f"{name}: {where}", at_key=True)
        raw = {name: value for name, value in raw.items() if name not in top_only}
    values = check.mapping(raw, key, spec.LOCAL_POLICY, "policy") or {}
    _check_subdivision(check, values, key)
    return LocalPolicy(**values) if "country" in values else None  # type: ignore[arg-type]


def _check_subdivision(check: Checker, values: dict[str, object], key: Key) -> None:
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


def build_me(check: Checker, raw: object, key: Key) -> Me | None:
    """The candidate from the me: mapping, or None when it has problems (they are noted)."""
    values = check.mapping(raw, key, spec.ME, "me")
    code = values.get("language") if values is not None else None
    if isinstance(code, str) and (problem := language_problem(code, own_template=False)):
        check.fail((*key, "language"), problem)
        return None
    if not isinstance(raw, dict) or values is None or len(values) != len(raw):
        return None  # a key with a problem: it is noted
    if any(wanted.required and name not in values for name, wanted in spec.ME.items()):
        return None
    if (values.get("name"), values.get("email")) == spec.STARTER_ME or values.get("name") == spec.STARTER_ME[
        0
    ]:
        check.warn((*key, "name"), "me: is still the starter's example (Your Name); put your own name and "
                   "address in (a real send refuses to sign letters with it)")  # fmt: skip
    return Me(**values)  # type: ignore[arg-type]  # each value typed by its key's parser
