"""Templates → rendered follow-ups: a subject, a plain-text body and its HTML.

A template is Markdown with a YAML front matter (the subject) and Jinja2 placeholders. Values are
data, never markup: the body is rendered a second time with every value replaced by an inert token,
that skeleton is converted to HTML once (and cached: the Markdown converter is the slow part), and
the values go into the HTML escaped. The plain text is the template rendered with the real values,
and it must equal the skeleton with the values put back, which proves the two parts say the same.
Past 400 lines: the two renderings, the template's sandbox and its file checks must agree, so stay together.
"""

from __future__ import annotations

import html
import os
import re
import secrets
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, cast

from batch.data.checks import MAX_TEMPLATE_BYTES, template_allowed
from batch.data.fields import zone
from batch.data.load import place_of
from batch.errors import InputError, Problem
from batch.etiquette.schedule import FollowUp
from batch.etiquette.workdays import place_of_zone
from batch.letters import measure, templating, typography
from batch.letters.address import greeting
from batch.letters.apostrophes import curly_values
from batch.letters.phrasing import day_words, decision_words, process_phrasing
from batch.letters.words import CONTROL, WORD_CHAR, count_words, join_words, value_words
from batch.model.interview import Dataset, Interview
from batch.model.languages import base_language, fallbacks, variant
from batch.model.rounds import round_for

if TYPE_CHECKING:
    import jinja2

STOCK = Path(__file__).resolve().parents[1] / "templates"  # batch/templates/<language>/, package data
_NONCE = secrets.token_hex(4)
_TOKEN = re.compile(rf"zq{_NONCE}x(\d+)qz")
_FRONT = re.compile(r"\A---\r?\n(.*?)\r?\n---\r?\n", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Rendered:
    """One follow-up's words: subject (emails), plain text and HTML."""

    template: str  # the template's path, for messages
    subject: str
    text: str
    html: str
    own: str | None = None  # the template's own words, every value left out (None: all are its own)
    kind: str = "thank-you"  # which follow-up the words are (the check-in has its own word limit)
    language: str = "en"  # the language they are written in (the lint finds the thanks in it)
    words: int | None = None  # words.count_words(text), when counted as it was made (None: not yet)
    body_own: tuple[str, ...] | None = None  # the body's own words, each stretch between two values
    # the words (body) and characters (subject) of each name, role, company, topic put in (see measure)
    body_values: tuple[int, ...] = ()
    subject_values: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Template:
    """A parsed template file: its subject and body as compiled Jinja templates."""

    path: str
    subject: Callable[..., str] | None
    body: Callable[..., str]
    body_line: int  # the line of the file where the body starts
    subject_line: int = 1  # the line of the file that holds `subject:`
    # the parts written several ways, and how many ways: (("opening", 3), ("interest", 3), ("close", 3))
    variants: tuple[tuple[str, int], ...] = ()
    # the names the body's comparisons, tests and indexes read (None: they read more than names)
    reads: frozenset[str] | None = None
    subject_reads: frozenset[str] | None = None  # the same for the subject


def template_name(item: FollowUp) -> str:
    """Which stock template a follow-up uses."""
    if item.method == "email":
        return item.kind
    return item.method


def language_of(item: FollowUp, data: Dataset) -> str:
    """The language variant of a follow-up: the interviewer's, else the interview's, else yours (default
    en); a bare fr or es takes the variant of the country of the reader's time zone (see languages)."""
    code = item.interviewer.language or item.interview.language or data.me.language or "en"
    return variant(code, _country(item.interviewer.timezone or item.interview.timezone or data.me.timezone))


@lru_cache(maxsize=256)
def _country(where: str) -> str | None:
    place = place_of_zone(where)
    return place.country if place is not None else None


def template_path(item: FollowUp, language: str = "en") -> Path:
    """The template file of a follow-up: the interview's own `template:` for its thank-you, else stock."""
    own = item.interview.template
    if own and item.kind == "thank-you":
        return Path(item.interview.source).parent / own
    return _stock_file(language, template_name(item))[0]


@lru_cache(maxsize=64)  # a path built and looked for once per language and template, not per message
def _stock_file(language: str, name: str) -> tuple[Path, bool]:
    """The stock template of a variant, from the first of its folders that has it (see fallbacks)."""
    for folder in fallbacks(language):
        path = STOCK / folder / f"{name}.md"
        if path.exists():
            return path, True
    return STOCK / language / f"{name}.md", False


def stock_path(item: FollowUp, data: Dataset) -> Path:
    """The template a follow-up uses; a stock one missing in its language is an InputError at its place."""
    language = language_of(item, data)
    if item.interview.template and item.kind == "thank-you":
        path = template_path(item, language)
        if not template_allowed(path, item.interview.source):  # checked at load; a link may have moved since
            where = place_of(item.interview)
            raise InputError(Problem(*where, f"template: {item.interview.template} is outside the folder "
                                     "of your data: keep your templates beside it"))  # fmt: skip
        return path
    path, exists = _stock_file(language, template_name(item))
    if not exists:
        where = place_of(item.interview, item.interviewer)
        raise InputError(Problem(*where, f"language {language}: no stock {template_name(item)} template "
                                 f"in it (shipped: {', '.join(shipped_languages())}); write the "
                                 "interview's template: yourself, or pick a shipped language"))  # fmt: skip
    return path


def reminder_language(data: Dataset) -> str:
    """The language variant of the reminders to you: yours, by your zone's country for a bare fr or es."""
    return variant(data.me.language or "en", _country(data.me.timezone))


def reminder_path(data: Dataset) -> Path:
    """The reminder to you, in your language."""
    return _stock_file(reminder_language(data), "reminder")[0]


def shipped_languages() -> tuple[str, ...]:
    """The languages the stock templates are written in (one folder each)."""
    return tuple(sorted(p.name for p in STOCK.iterdir() if p.is_dir() and not p.name.startswith("_")))


@lru_cache(maxsize=64)
def load_template(path: Path) -> Template:
    """Read and compile a template; an InputError names the file and line of any mistake."""

    try:
        source = _read_template(path)
    except (OSError, UnicodeDecodeError) as exc:
        why = getattr(exc, "strerror", None) or "not UTF-8 text"
        raise InputError(Problem(str(path), 1, 1, f"cannot read the template ({why})")) from None
    _refuse_control(source, str(path))
    front, body, body_line = _split_front_matter(source, str(path))
    env = templating.environment()
    subject_text, subject_line = front.get("subject", ("", 1))
    subject, subject_reads = (
        _compile(env, subject_text, str(path), subject_line) if "subject" in front else (None, None)
    )
    compiled, reads = _compile(env, body, str(path), body_line)
    variants = _variants(front, str(path)) if "variants" in front else ()
    return Template(str(path), subject, compiled, body_line, subject_line, variants, reads, subject_reads)


def _read_template(path: Path) -> str:
    """A template's text: a regular file of a letter's size only (the loader checked it; it may have
    changed since), so a device or an endless file is never read."""

    with path.open("rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_TEMPLATE_BYTES:
            raise OSError(0, "not a regular file of a letter's size")
        return handle.read(MAX_TEMPLATE_BYTES + 1).decode("utf-8-sig")  # a byte order mark is no text


def _variants(front: dict[str, tuple[str, int]], path: str) -> tuple[tuple[str, int], ...]:
    """`variants: opening 3, interest 3, close 3`: each part's name and how many phrasings it has."""
    text, line = front["variants"]
    found = []
    for part in text.split(","):
        name, _, count = part.strip().partition(" ")
        if not name.isidentifier() or not count.strip().isdigit() or int(count) < 1:
            raise InputError(Problem(path, line, 1, "variants: write each part as 'name count', "
                                     "e.g. 'variants: opening 3, close 2'"))  # fmt: skip
        found.append((name, int(count)))
    return tuple(found)


def _refuse_control(source: str, path: str) -> None:
    """A control character in a template would go out raw in every message: refuse it at its place."""

    found = CONTROL.search(source)
    if found is None:
        return
    line = source.count("\n", 0, found.start()) + 1
    col = found.start() - source.rfind("\n", 0, found.start())
    what = f"U+{ord(found[0][0]):04X}"
    raise InputError(Problem(path, line, col, f"template: a control character ({what}); take it out"))


def _compile(
    env: jinja2.Environment, source: str, path: str, first_line: int
) -> tuple[Callable[..., str], frozenset[str] | None]:
    # late: jinja2 stays off the idle cron path
    import jinja2

    try:
        reads = templating.check(env, source)
        return _renderer(env.from_string(source)), reads
    except jinja2.TemplateSyntaxError as exc:
        line = first_line + (exc.lineno or 1) - 1
        raise InputError(Problem(path, line, 1, f"template: {exc.message}")) from None
    except templating.Bound as exc:
        line = first_line + exc.line - 1
        raise InputError(
            Problem(path, line, 1, f"template: {exc.what}: a letter's template stays simpler")
        ) from None
    except templating.Refused as exc:
        line = first_line + exc.line - 1
        what = (
            f"template: {exc.what} is not for a letter (write {{{{ values }}}} and {{% if %}} choices only)"
        )
        raise InputError(Problem(path, line, 1, what)) from None
    except Exception as exc:  # anything else Jinja or Python's compiler meets in the user's text
        raise InputError(
            Problem(path, first_line, 1, f"template: cannot be compiled ({_said(exc)})")
        ) from None


def _renderer(compiled: jinja2.Template) -> Callable[..., str]:
    """`compiled.render`, its globals copied once rather than merged from a ChainMap on every call (the
    same context: the environment is made for this template alone and never changed)."""
    base, env, root = dict(compiled.globals), compiled.environment, compiled.root_render_func

    def render(**values: object) -> str:
        context = compiled.new_context({**base, **values}, shared=True)
        try:
            return env.concat(_bounded(root(context)))
        except templating.TooLarge:
            raise
        except Exception:
            env.handle_exception()  # re-raised with the template's lines in the traceback, as render does

    return render


def _bounded(pieces: Iterator[str]) -> Iterator[str]:
    """The pieces of a rendering, TooLarge once they pass MAX_OUTPUT characters (before they are joined)."""
    size = 0
    for piece in pieces:
        size += len(piece)
        if size > templating.MAX_OUTPUT:
            raise templating.TooLarge
        yield piece


def _said(exc: BaseException) -> str:
    """An error of the user's template in a few words: its kind and what Python says."""
    text = " ".join(str(exc).split())[:200]
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _split_front_matter(source: str, path: str) -> tuple[dict[str, tuple[str, int]], str, int]:
    match = _FRONT.match(source)
    if not match:
        return {}, source, 1
    front: dict[str, tuple[str, int]] = {}
    for number, line in enumerate(match[1].splitlines(), start=2):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, sep, value = line.partition(":")
        if not sep or name.strip() not in ("subject", "variants"):
            raise InputError(
                Problem(path, number, 1, "front matter takes only 'subject: …' and 'variants: …'")
            )
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":  # quoted as YAML would be
            value = value[1:-1]
        front[name.strip()] = (value, number)
    return front, source[match.end() :], match[0].count("\n") + 1


def context_for(item: FollowUp, data: Dataset, moment: datetime | None = None) -> dict[str, object]:
    """The values a template may use, all plain text (or lists of text), the day said as of `moment`.

    `moment` is when the words reach the reader (the run's time when it sends; by default the moment the
    plan says it goes). The day is said in the reader's zone: "today" there, not in yours.
    """
    person, interview, me = item.interviewer, item.interview, data.me
    topics = list(person.topics)
    language = language_of(item, data)
    reader = zone(person.timezone or interview.where(me))
    held = _held_on(interview.start, interview.where(me), reader)
    read = (moment or item.sends_at).astimezone(reader).date()
    day = day_words(language, held, read, item.method != "note")
    decided = interview.decision_by
    late = item.kind == "thank-you" and read > item.due_at.astimezone(reader).date()
    context = {
        "me": {"name": me.name, "first_name": me.name.split()[0], "email": me.email,
               "phone": me.phone or ""},
        "interviewer": {"name": person.name, "first_name": person.name.split()[0],
                        "title": person.title or "", "email": person.email or "",
                        "phone": person.phone or "", "topics": topics, "note": person.note or ""},
        "interview": {"company": interview.company, "role": interview.role,
                      "day": day.weekday, "date": day.date},
        "day": {"when": day.when, "of": day.of, "weekday": day.weekday, "date": day.date},
        "late": late,
        "greeting": greeting(person, language),
        "decision_date": decision_words(language, decided, read) if decided else "",
        "round": round_for(interview, person, data.interviews),
        "short": 0,  # 1 or 2 when the subject must be shorter (see _within)
        "topics": join_words(topics, language),
        "kind": item.kind,
        "method": item.method,
        "language": base_language(language),
        "variant": language,
        "due": _due_words(item.due_at, item.due_at.tzinfo),
    }  # fmt: skip
    return curly_values(context) if base_language(language) == "fr" else context


@lru_cache(maxsize=4096)  # keyed by the zone too: one instant in two zones reads two ways
def _due_words(due: datetime, where: tzinfo | None) -> str:
    return due.strftime("%A %d %B, %H:%M %Z")


@lru_cache(maxsize=4096)
def _held_on(start: datetime, where: str, reader: tzinfo) -> date:
    """The interview's day by the reader's clock (it may be the next day for someone far east)."""
    return start.replace(tzinfo=zone(where)).astimezone(reader).date()


def panel_phrasing(
    item: FollowUp, template: Template, interviews: Sequence[Interview] = ()
) -> dict[str, int]:
    """Which phrasing of each of the template's parts this panelist's letter uses (opening=1 …): none
    that anyone met earlier in the hiring process got, when `interviews` (all of them) are given."""
    return process_phrasing(item.interview, item.interviewer, interviews, template.variants)


def render(template: Template, context: dict[str, object]) -> Rendered:
    """The template filled in: subject, text and HTML (values escaped in the HTML)."""
    if template.variants:  # a part whose phrasing no one chose reads its first one
        context = {**{name: 0 for name, _ in template.variants}, **context}
    shape, values = _tokenize(context)
    try:
        subject, subject_parts = _subject(template, context, shape, values) if template.subject else ("", ())
    except Exception as exc:  # the user's template, whatever it raised: one line at its place
        raise InputError(_failed(template, exc, template.subject_line)) from None
    try:
        text_parts, html_parts, own, same, literal_words = _skeleton(template, shape)
        text = _fill(text_parts, values) if same else _tidy(template.body(**context))
        filled = text if same else _fill(text_parts, values)
        body_html = _fill(html_parts, values, _escape)
    except Exception as exc:  # as above
        raise InputError(_failed(template, exc, template.body_line)) from None
    if filled != text:
        raise InputError(
            Problem(
                template.path,
                template.body_line,
                1,
                "template: a value is changed "
                "inside {{ }} (by a filter such as upper); write values as they are",
            )
        )
    kind = str(context.get("kind", "thank-you"))
    language = str(context.get("variant", context.get("language", "en")))
    words = None
    if typography.has_marks(text) or typography.has_marks(subject):  # joined words change the count
        subject, text, body_html = (typography.resolve(part, language) for part in (subject, text, body_html))
        literal_words, words = None, count_words(text)
    subject, text = typography.typeset(subject, language), typography.typeset(text, language)
    body_html = typography.typeset(body_html, language, html=True)
    if literal_words is not None:
        used = cast("tuple[int, ...]", text_parts[1::2])
        words = literal_words + sum([value_words(values[n]) for n in used])
    body_own = tuple(cast("tuple[str, ...]", text_parts[0::2]))
    names = measure.inserted(shape)
    in_body = measure.body_values(cast("tuple[int, ...]", text_parts[1::2]), values, names)
    in_subject = measure.subject_values(_named(template, shape, subject_parts), values, names)
    return Rendered(template.path, subject, text, body_html, own, kind, language, words, body_own, in_body,
                    in_subject)  # fmt: skip


def render_follow_up(
    item: FollowUp, data: Dataset, extra: dict[str, object] | None = None, moment: datetime | None = None
) -> Rendered:
    """Render the template a follow-up uses with its context (and any extra values), as of `moment`."""
    context = context_for(item, data, moment)
    template = load_template(stock_path(item, data))
    context.update(panel_phrasing(item, template, data.interviews))
    if extra:
        context.update(extra)
    return _within(template, context, data.policy.subject_max_chars)


# The shorter forms a subject may take (the `short` it reads): 1 names the company instead of the role,
# 2 neither. The stock subjects all have them, so a long role or company never gets a stock letter
# refused; a subject that reads no `short` stays as written, and the lint says how to shorten it.
_SHORTER = (1, 2)


def _within(template: Template, context: dict[str, object], limit: int) -> Rendered:
    """The letter, its subject in the first of its forms that keeps to `limit` characters (else its
    shortest): each panelist keeps their own phrasing of that form."""
    rendered = render(template, context)
    for short in _SHORTER:
        if len(rendered.subject) <= limit or template.subject is None:
            break
        rendered = render(template, {**context, "short": short})
    return rendered


def _own_words(template: Template, shape: tuple[object, ...], text_parts: Parts) -> str:
    """The template's own words in subject and body: the literal parts, each value left out."""
    subject = template.subject(**_token_context(shape)) if template.subject else ""
    return "\n".join([*_split_tokens(subject)[0::2], *text_parts[0::2]])  # type: ignore[list-item]


def _tidy(text: str) -> str:
    return text.strip() + "\n"


# Fixed words a template may compare against (`{% if method == "voicemail" %}`); never markup.
_PLAIN = frozenset({"kind", "method", "language", "variant"})


def _tokenize(context: dict[str, object]) -> tuple[tuple[object, ...], list[str]]:
    """The context's shape (each text value as its index, or "" when empty) and its text values.

    Contexts of one shape render the same skeleton, so the shape keys the cache of skeletons.
    """
    values: list[str] = []
    keep = values.append

    def swap(value: object) -> object:  # list comprehensions, not generators: this runs per message
        if isinstance(value, str):
            keep(value)
            return len(values) - 1 if value else ""
        if isinstance(value, dict):
            return ("dict", tuple([(k, swap(v)) for k, v in value.items()]))
        if isinstance(value, list):
            return ("list", tuple([swap(v) for v in value]))
        return ("raw", type(value), value)

    shape = tuple([(k, ("raw", type(v), v) if k in _PLAIN else swap(v)) for k, v in context.items()])
    return shape, values


def _tokens(shape: object) -> object:
    """The context a shape stands for, every text value replaced by its inert token."""
    if isinstance(shape, int):
        return f"zq{_NONCE}x{shape}qz"
    if shape == "":
        return ""
    kind, inner = shape[0], shape[-1]  # type: ignore[index]
    if kind == "dict":
        return {k: _tokens(v) for k, v in inner}
    if kind == "list":
        return [_tokens(v) for v in inner]
    return inner


Parts = tuple[str | int, ...]  # literal text at even places, the index of a value at odd ones


Skeleton = tuple[Parts, Parts, str, bool, int | None]


def _skeleton(template: Template, shape: tuple[object, ...]) -> Skeleton:
    """The tokenized body, its HTML, split at the tokens, the template's own words (see _own_words), and
    whether the body with the values put back is the body rendered with them (see _same_with_values),
    and the words of its own text when each value's words can be counted apart (see _literal_words);
    cached by shape (a batch has few shapes)."""
    try:
        hash(shape)
    except TypeError:  # a value that cannot be hashed: render it without the cache
        return _render_skeleton(template, shape)
    return _cached_skeleton(template, shape)


def _render_skeleton(template: Template, shape: tuple[object, ...]) -> Skeleton:
    skeleton = _tidy(template.body(**_token_context(shape)))
    text_parts = _split_tokens(skeleton)
    own = _own_words(template, shape, text_parts)
    html_parts = _split_tokens(markdown_skeleton(skeleton))
    return text_parts, html_parts, own, _same_with_values(template, shape), _literal_words(text_parts)


def _literal_words(parts: Parts) -> int | None:
    """The words of the body's own text, when each value sits between two characters no word holds
    (a space, a comma): no word then runs from the text into a value, and the body's words are these
    plus each value's own. None when a value touches a letter, a quote or a hyphen, or another value."""

    literal = cast("tuple[str, ...]", parts[0::2])
    last = len(literal) - 1
    for n, (left, right) in enumerate(pairwise(literal)):
        if (not left and n > 0) or (not right and n + 1 < last):  # two values touch
            return None
        if (left and WORD_CHAR.match(left[-1])) or (right and WORD_CHAR.match(right[0])):
            return None
    return sum(count_words(text) for text in literal)


def _subject(
    template: Template, context: dict[str, object], shape: tuple[object, ...], values: list[str]
) -> tuple[str, Parts | None]:
    """The subject on one line: its skeleton with the values put back when that is the subject rendered
    with them (see _same_with_values), else rendered; and its parts (None when rendered)."""
    assert template.subject is not None
    try:
        parts = _subject_parts(template, shape)
    except TypeError:  # a value that cannot be hashed: rendered
        parts = None
    raw = _fill(parts, values) if parts is not None else template.subject(**context)
    return " ".join(raw.split()), parts


@lru_cache(maxsize=256)
def _subject_parts(template: Template, shape: tuple[object, ...]) -> Parts | None:
    if not _reads_plain(template.subject_reads, shape):
        return None
    assert template.subject is not None
    return _split_tokens(template.subject(**_token_context(shape)))


def _named(template: Template, shape: tuple[object, ...], parts: Parts | None) -> Parts:
    """The subject's parts; for a subject rendered whole, those of its skeleton (which values it names)."""
    if parts is not None or template.subject is None:
        return parts or ()
    try:
        return _split_tokens(template.subject(**_token_context(shape)))
    except Exception:  # a comparison the tokens cannot answer: no value is known to be in it
        return ()


def _same_with_values(template: Template, shape: tuple[object, ...]) -> bool:
    """Whether the body rendered with the values is, for every context of this shape, the skeleton with
    the values put back, so that it need not be rendered again for each message.

    The letter's subset (templating) has no filter, call or operator: a value is printed as it is or
    asked whether it is empty, which a token answers alike (an empty text stays empty in the shape).
    Only a comparison, a test or an index reads a text; when each reads plain names whose values are
    the same in the skeleton (numbers, booleans, the fixed words of _PLAIN), both render alike.
    """
    return _reads_plain(template.reads, shape)


def _reads_plain(reads: frozenset[str] | None, shape: tuple[object, ...]) -> bool:
    """Whether every name a template's comparisons read is a value the skeleton renders as it is."""
    if reads is None:
        return False
    kinds = {name: value for name, value in cast("tuple[tuple[str, object], ...]", shape)}
    return all(isinstance(kinds.get(name), tuple) and kinds[name][0] == "raw" for name in reads)  # type: ignore[index]


def _token_context(shape: tuple[object, ...]) -> dict[str, object]:
    """The template's values as tokens, from a shape (the context's (name, value) pairs, see _tokenize)."""
    pairs = cast("tuple[tuple[str, object], ...]", shape)
    return {name: _tokens(value) for name, value in pairs}


def _split_tokens(text: str) -> Parts:
    parts: list[str | int] = _TOKEN.split(text)
    parts[1::2] = [int(index) for index in parts[1::2]]
    return tuple(parts)


def _fill(parts: Parts, values: list[str], escape: Callable[[str], str] | None = None) -> str:
    """The text of split parts with every token replaced by its value (what `_TOKEN.sub` would give)."""
    filled = list(parts)
    used = [values[index] for index in parts[1::2]]  # type: ignore[index]
    if sum(map(len, used)) + sum(map(len, parts[0::2])) > templating.MAX_OUTPUT:  # type: ignore[arg-type]
        raise templating.TooLarge
    filled[1::2] = used if escape is None else [escape(value) for value in used]
    return "".join(filled)  # type: ignore[arg-type]


_cached_skeleton = lru_cache(maxsize=256)(_render_skeleton)


def _escape(value: str) -> str:
    return html.escape(value).replace("\n", "<br>\n")


@lru_cache(maxsize=256)
def markdown_skeleton(skeleton: str) -> str:
    """HTML of a tokenized body; cached, as the same few shapes recur across a batch."""
    converter = _converter()
    converter.reset()
    return str(converter.convert(skeleton)) + "\n"


@lru_cache(maxsize=1)
def _converter():  # type: ignore[no-untyped-def]
    # late: markdown stays off the idle cron path
    import markdown

    return markdown.Markdown(extensions=["nl2br", "sane_lists"], output_format="html")


def _failed(template: Template, exc: Exception, first_line: int) -> Problem:
    """What went wrong while the template was filled in, at the line of the template where it did."""
    # late: jinja2 stays off the idle cron path
    import jinja2

    # Jinja puts a frame named <template> in the traceback, at the line of the template that failed.
    line, tb = first_line, exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = first_line + tb.tb_lineno - 1
        tb = tb.tb_next
    if isinstance(exc, jinja2.UndefinedError):
        said = f"{exc} (check the spelling of the placeholder)"
    elif isinstance(exc, templating.NotText | templating.TooLarge | jinja2.TemplateError):
        said = str(exc)  # the sandbox's SecurityError among them
    elif isinstance(exc, RecursionError | MemoryError):
        said = f"too much to work out ({type(exc).__name__}): make it simpler"
    else:
        said = f"fails when filled in ({_said(exc)})"
    return Problem(template.path, line, 1, f"template: {said}")
