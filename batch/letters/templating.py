"""The part of Jinja a letter's template may use: values, and choices between words. Nothing else.

A template is the user's own text, but it runs on every cron run, unattended: a loop, a macro calling
itself, a string multiplied a billion times, an include of another file or a reach into Python's
objects would hang the job, fill the memory or put something in a message that no one wrote. So a
template is checked when it is compiled, node by node, against the few kinds a letter needs:
`{{ value }}`, `{{ group.value }}`, `{% if %}`/`{% elif %}`/`{% else %}` with comparisons, `and`, `or`,
`not` and `is` tests, and the few filters that join a word to a value as the language does (`| de`,
see typography). Rendering is then bounded by the template's size. Every value printed must be
text (or a number): printing a whole group (`{{ me }}`) is refused when the template renders.

Three bounds keep a template small however it is written (`bounds`, and render.py for the output):
brackets and `{% if %}` blocks nest at most MAX_DEPTH deep, one `{{ }}` or `{% %}` holds at most
MAX_TAG_TOKENS tokens (Jinja's parser and Python's compiler recurse on both: a hundred brackets ended
in a RecursionError), and a rendered letter is at most MAX_OUTPUT characters (a long value printed
thousands of times). Each is far past any letter; past one, the template is refused with its line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from batch.letters.typography import FILTERS, filters

if TYPE_CHECKING:
    import jinja2
    from jinja2 import nodes

# Node kinds a letter's template may hold (jinja2.nodes class names).
ALLOWED = frozenset(
    {"Template", "Output", "TemplateData", "Name", "Getattr", "Getitem", "Const", "If", "Compare",
     "Operand", "And", "Or", "Not", "CondExpr", "Test", "List", "Tuple"}
)  # fmt: skip
# What the refused kinds are called in the one-line error.
_NAMES = {
    "For": "a {% for %} loop", "Macro": "a {% macro %}", "CallBlock": "a {% call %} block",
    "Include": "an {% include %}", "Import": "an {% import %}", "FromImport": "an {% import %}",
    "Extends": "an {% extends %}", "Block": "a {% block %}", "Assign": "a {% set %}",
    "AssignBlock": "a {% set %}", "FilterBlock": "a {% filter %} block", "With": "a {% with %} block",
    "Filter": "a filter other than de, le, del, al or noun (|)", "Call": "a call ()",
    "Mul": "the operator *", "Pow": "the operator **",
    "Mod": "the operator %", "Div": "the operator /", "FloorDiv": "the operator //",
    "Add": "the operator +", "Sub": "the operator -", "Concat": "the operator ~", "Neg": "a minus sign",
    "Slice": "a slice", "Dict": "a {…} mapping", "Scope": "a scope",
    "ScopedEvalContextModifier": "autoescape",
}  # fmt: skip


MAX_DEPTH = 30  # brackets and {% if %} blocks inside each other
MAX_TAG_TOKENS = 150  # tokens in one {{ }} or {% %} (a letter's longest holds a dozen)
MAX_OUTPUT = 200_000  # characters of one rendered subject or body (a letter is a few thousand)


class TooLarge(Exception):
    """A rendered letter past MAX_OUTPUT characters."""

    def __init__(self) -> None:
        super().__init__(
            f"the letter grows past {MAX_OUTPUT:,} characters when filled in (is a long value printed "
            "many times?)"
        )


class Refused(Exception):
    """A template part outside the letter's subset, with the line it is on (counted within the source)."""

    def __init__(self, what: str, line: int) -> None:
        super().__init__(what)
        self.what, self.line = what, line


class Bound(Refused):
    """A template past one of the bounds on its shape (MAX_DEPTH, MAX_TAG_TOKENS)."""


def environment() -> jinja2.Environment:
    """A sandboxed environment whose every printed value must be text or a number."""
    # late: jinja2 stays off the idle cron path
    import jinja2
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    env = ImmutableSandboxedEnvironment(
        undefined=jinja2.StrictUndefined, autoescape=False, keep_trailing_newline=True, finalize=_text_only
    )
    env.filters.update(filters())
    return env


def check(env: jinja2.Environment, source: str) -> frozenset[str] | None:
    """Refused for the first part of the source outside the subset (TemplateSyntaxError for bad syntax).

    Else the names whose text a part reads (see reads_text): None when a part reads more than names.
    """
    bounds(env, source)
    tree = env.parse(source)
    _walk(tree)
    return reads_text(tree)


_OPEN, _CLOSE = frozenset("([{"), frozenset(")]}")


def bounds(env: jinja2.Environment, source: str) -> None:
    """Refused at the first place past MAX_DEPTH or MAX_TAG_TOKENS, read from the lexer's tokens
    (the lexer does not recurse, the parser does: so this runs before it)."""
    depth = blocks = tokens = 0
    block_name = False  # the next name in a {% %} is the block's own (if, endif)
    for line, kind, value in env.lex(source):
        if kind in ("variable_begin", "block_begin"):
            tokens, block_name = 0, kind == "block_begin"
            continue
        if kind == "whitespace":
            continue
        tokens += 1
        if tokens > MAX_TAG_TOKENS:
            raise Bound(f"a tag of more than {MAX_TAG_TOKENS} parts", line)
        if kind == "operator" and value in _OPEN:
            depth += 1
        elif kind == "operator" and value in _CLOSE:
            depth -= 1
        elif kind == "name" and block_name:
            blocks += {"if": 1, "endif": -1}.get(value, 0)
        block_name = False
        if depth + blocks > MAX_DEPTH:
            raise Bound(f"nesting more than {MAX_DEPTH} deep (brackets and {{% if %}} blocks)", line)


# What reads a value's text, not only whether it is empty: a comparison, a test, an index (a letter of
# a text). Everything else in the subset prints a value or asks if it is empty.
_READS_TEXT = frozenset({"Compare", "Test", "Getitem"})


def reads_text(tree: nodes.Node) -> frozenset[str] | None:
    """The names that a comparison, test or index of the template reads, when each reads only plain
    names and constants (`opening == 1`, `kind == "check-in"`); None when one reads more (a group's
    value: `interviewer.name == "Ann"`)."""
    names: set[str] = set()
    for node in _nodes(tree):
        if type(node).__name__ in _READS_TEXT:
            for inner in _nodes(node):
                kind = type(inner).__name__
                if kind == "Name":
                    names.add(inner.name)  # type: ignore[attr-defined]
                elif kind not in ("Const", "Operand", "List", "Tuple", *_READS_TEXT) or (
                    inner is not node and kind == "Getitem"
                ):
                    return None
    return frozenset(names)


def _nodes(node: nodes.Node) -> list[nodes.Node]:
    found = [node]
    for child in node.iter_child_nodes():
        found += _nodes(child)
    return found


def _walk(node: nodes.Node) -> None:
    kind = type(node).__name__
    if kind == "Filter" and getattr(node, "name", None) in FILTERS:
        pass  # a language's joining word (de, le, del, al): see typography
    elif kind not in ALLOWED:
        what = _NAMES.get(kind, f"{kind} (a Jinja feature letters do not need)")
        raise Refused(what, getattr(node, "lineno", 1) or 1)
    if kind == "Getattr" and str(getattr(node, "attr", "")).startswith("_"):
        raise Refused(f"the name {node.attr!r} (names starting with _ are Python's own)", node.lineno)  # type: ignore[attr-defined]
    for child in node.iter_child_nodes():
        _walk(child)


class NotText(Exception):
    """A {{ }} that prints a group of values, or anything else that is neither text nor a number."""


def _text_only(value: object) -> object:
    # late: jinja2 stays off the idle cron path
    from jinja2 import Undefined

    if isinstance(value, Undefined):
        return value  # it raises as it is printed, naming what is missing
    if value is None or (isinstance(value, str | int | float) and not isinstance(value, bool)):
        return value
    if isinstance(value, dict):
        keys = ", ".join(sorted(str(k) for k in value)[:4])
        raise NotText(f"a {{{{ }}}} prints a whole group of values ({keys} …); print one of them")
    raise NotText(f"a {{{{ }}}} prints a {type(value).__name__}, not text")
