"""Loading: which files to read, each read and checked (`checks`), the whole checked across files.

Across files: one me: and one policy:, ids unique everywhere. `place_of` finds an interview's line
again, for messages about it after loading.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterable, Sequence
from pathlib import Path

from batch.data import fields as f
from batch.data import spec
from batch.data.checks import Checker, build_interview, build_me, build_policy
from batch.data.secrets import Secrets
from batch.data.source import Key, iter_entries, locate, read_text
from batch.errors import InputError, Problem
from batch.model.interview import Dataset, Interview, Interviewer, Me
from batch.model.policy import Policy
from batch.model.rounds import doubts, round_of
from batch.model.twins import Twins


class DataError(InputError):
    """The data's problems, and the zone its `me:` names when that much could be read: the lines that
    report them carry your time, as every time you see does."""

    def __init__(self, problems: list[Problem], timezone: str | None) -> None:
        super().__init__(problems)
        self.timezone = timezone


def data_files(data: Path | None, cwd: Path) -> list[Path]:
    """The files to read: --data (a file, or every *.yaml in a folder), else the default places. A folder
    that cannot be listed, or a place that cannot be looked at, is an InputError with its place: never
    skipped, so no interview is left out without a word."""
    if data is not None:
        if _kind(data) == "folder":
            found = _yaml_in(data)  # read_text refuses what is no file
            if not found:
                raise InputError(Problem(str(data), 1, 1, "no .yaml or .yml files in this folder"))
            return found
        return [data]
    found = [cwd / "interviews.yaml"] if _kind(cwd / "interviews.yaml") else []
    folder = cwd / "interviews"
    if _kind(folder) == "folder":
        found += _yaml_in(folder)
    return found or [cwd / "interviews.yaml"]


def _kind(path: Path) -> str:
    """ "folder", "other" (a file, or anything that is not a folder) or "" when nothing is there."""
    try:
        return "folder" if stat.S_ISDIR(os.stat(path).st_mode) else "other"
    except FileNotFoundError:
        return ""
    except OSError as exc:  # a folder on the way you may not enter, a name too long …
        raise InputError(Problem(str(path), 1, 1, f"cannot look at it: {exc.strerror}")) from None


def _yaml_in(folder: Path) -> list[Path]:
    """The .yaml and .yml files of a folder, sorted; an InputError when it cannot be listed."""
    try:
        names = os.listdir(folder)
    except OSError as exc:
        raise InputError(Problem(str(folder), 1, 1, f"cannot list the folder: {exc.strerror}")) from None
    return sorted(folder / name for name in names if name.endswith((".yaml", ".yml")))


def load(paths: Iterable[Path], secrets: Secrets | Iterable[Path] = ()) -> Dataset:
    """Read and check every file; an InputError lists every problem in every file, by file and line.
    `secrets` are the places no data file and no template may be (secrets.py: a password file, the
    folder of your settings), or just the files of the FOLLOWUP_*_FILE settings."""
    secrets = secrets if isinstance(secrets, Secrets) else Secrets(secrets)
    problems: list[Problem] = []
    warnings: list[Problem] = []
    me: tuple[Me, str] | None = None
    policy: tuple[Policy, str] | None = None
    interviews: list[Interview] = []
    ids: list[tuple[str, str, int]] = []
    files = [str(p) for p in paths]
    for path in files:
        if why := secrets.why(path):  # never parsed: an error would quote its text back
            problems.append(Problem(path, 1, 1, f"this is {why}, not interviews data"))
            continue
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
        me = me or (read.me and (read.me, path))
        policy = policy or (read.policy and (read.policy, path))
        interviews += read.interviews
        ids += [(id_, path, index) for id_, index in read.ids]
    problems += _duplicate_ids(ids)  # from every interview, those with problems of their own too
    problems += _secret_templates(interviews, secrets)
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
        raise DataError(problems, me[0].timezone if me else None)
    assert me is not None
    policy_value = policy[0] if policy else Policy()
    warnings += twin_warnings(interviews) + round_warnings(interviews)
    return Dataset(me[0], policy_value, tuple(interviews), tuple(files), tuple(warnings))


def _secret_templates(interviews: Sequence[Interview], secrets: Secrets) -> list[Problem]:
    """A problem at each `template:` that is a secret (whatever link, spelling or second name leads there)."""
    found = []
    for interview in interviews:
        if interview.template is None or not secrets:
            continue
        if why := secrets.why(Path(interview.source).parent / interview.template):
            key = (("interviews", interview.index, "template"), False)
            line, col = locate(read_text(Path(interview.source)), {key}).get(key, (1, 1))
            said = f"template: {interview.template} is {why}"
            found.append(Problem(interview.source, line, col, said + ": name your letter's template"))
    return found


def twin_warnings(interviews: Sequence[Interview]) -> list[Problem]:
    """A warning at each interviewer who repeats an earlier interview of the data (the same company,
    start and person under another id: twins.py), naming both places; plan and send hold the second."""
    twins = Twins(interviews)
    by_id = {interview.id: interview for interview in interviews}
    found = [
        (interview, person, first)
        for interview in interviews
        for person in interview.interviewers
        if (earlier := twins.earlier(interview, person, "thank-you")) is not None
        for first in (by_id[earlier],)
    ]
    if not found:
        return []
    places = places_of([(i, p) for i, p, _ in found] + [(f, None) for _, _, f in found])
    warnings = []
    for n, (interview, person, first) in enumerate(found):
        path, line, _ = places[len(found) + n]
        said = (f"warning: {interview.id}: the same interview as {first.id!r} at {path}:{line} (same "
                f"company, start and {person.name}): its follow-ups to {person.name} are held; remove one of "
                "them, or if this is someone else, add new_person: true under them")  # fmt: skip
        warnings.append(Problem(*places[n], said))
    return warnings


def round_warnings(interviews: Sequence[Interview]) -> list[Problem]:
    """A warning at each interview whose hiring process is a guess (rounds.doubts): the shared person
    that joined two company names, or one company's other role kept apart, with what to write if wrong."""
    found = doubts(interviews)
    if not found:
        return []
    places = places_of([(d.later, d.person) for d in found] + [(d.earlier, None) for d in found])
    warnings = []
    for n, doubt in enumerate(found):
        later, earlier, person = doubt
        path, line, _ = places[len(found) + n]
        if person is not None:
            said = (f"warning: {later.id}: {person.email} was also in {earlier.id!r} at {path}:{line}, whose "
                    f"company is written {earlier.company!r}, not {later.company!r}: taken as round "
                    f"{round_of(later, interviews)} of the same hiring process (its check-in replaces the "
                    "earlier one); write the company the same way in both")  # fmt: skip
        else:
            said = (f"warning: {later.id}: the same company as {earlier.id!r} at {path}:{line}, for another "
                    "role and with none of the same people: taken as another application, whose check-in "
                    f"does not replace {earlier.id!r}'s; if it is a later round, write the role as "
                    "there")  # fmt: skip
        warnings.append(Problem(*places[n], said))
    return warnings


class _FileRead:  # a plain class, not a dataclass: dataclasses stays off the idle cron path (errors.Problem)
    """What one file gave: its sections, the id of every interview in it, its problems and warnings."""

    __slots__ = ("ids", "interviews", "me", "policy", "problems", "warnings")

    def __init__(self) -> None:
        self.me: Me | None = None
        self.policy: Policy | None = None
        self.interviews: list[Interview] = []
        self.ids: list[tuple[str, int]] = []
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []


def _load_file(path: str) -> _FileRead:
    text = read_text(Path(path))
    check = Checker(path)
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


def _read_entry(check: Checker, read: _FileRead, key: Key, raw: object) -> None:
    if key[0] == "interviews" and len(key) == 2:
        if isinstance(raw, dict) and "id" in raw:
            with contextlib.suppress(ValueError):  # a bad id is a problem `mapping` notes
                read.ids.append((f.parse_id(raw["id"]), key[1]))  # type: ignore[arg-type]
        interview = build_interview(check, raw, key)
        if interview is not None:
            read.interviews.append(interview)
    elif key == ("me",):
        read.me = build_me(check, raw, key)
    elif key == ("policy",):
        read.policy = build_policy(check, raw, key)
    elif key == ("interviews",):
        if raw is not None and not isinstance(raw, list):  # empty: no interviews yet
            check.fail(key, "interviews: must be a list (each item starts with '- ')")
    else:
        hint = f.closest(str(key[0]), spec.TOP_KEYS)
        more = f"did you mean {hint!r}?" if hint else "expected me, policy or interviews"
        check.fail(key, f"unknown key {key[0]!r} ({more})", at_key=True)


def _key_place(path: str, name: str) -> tuple[int, int]:
    wanted = ((name,), True)
    return locate(read_text(Path(path)), {wanted}).get(wanted, (1, 1))


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
        wanted: set[tuple[Key, bool]] = {(("interviews", i, "id"), False) for s, i in places if s == source}
        for (key, _), place in locate(text, wanted).items():
            lines[(source, int(key[1]))] = place
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
