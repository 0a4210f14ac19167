"""The house's own checks, beside the import-linter contracts: no circle between modules, no long module
without its reason, no function-level import without the reason it is there. `make lint` runs them."""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LONGEST = 400  # lines; a longer module says why in its docstring ("Past 400 lines: ...")


def import_graph(package: str = "batch") -> dict[str, set[str]]:
    """Each module of the package and the modules of the package it imports (any depth of the code)."""
    import grimp

    graph = grimp.build_graph(package)
    return {
        m: {i for i in graph.find_modules_directly_imported_by(m) if i in graph.modules}
        for m in graph.modules
    }


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        found.append(sorted(group))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                work.append((child, iter(sorted(edges[child]))))
            elif child in stack:
                low[node] = min(low[node], index[child])
    return found


def long_modules(root: Path = ROOT / "batch") -> list[str]:
    """Modules past LONGEST lines whose docstring gives no reason for their length."""
    found = []
    for path in sorted(root.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > LONGEST and f"Past {LONGEST} lines" not in (
            ast.get_docstring(ast.parse(text)) or ""
        ):
            found.append(
                f"{path.relative_to(ROOT)}: {text.count(chr(10))} lines and no 'Past {LONGEST} lines' reason"
            )
    return found


def function_imports(root: Path = ROOT / "batch") -> Iterator[tuple[Path, int, bool]]:
    """Each run of imports inside a function: its file, first line, and whether a comment says why."""
    for path in sorted(root.rglob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        starts = set()
        for function in ast.walk(ast.parse("\n".join(lines))):
            if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                starts |= {
                    node.lineno
                    for node in ast.walk(function)
                    if isinstance(node, ast.Import | ast.ImportFrom)
                }
        previous = -10
        for line in sorted(starts):
            between = lines[previous : line - 1]
            if not all(
                not text.strip() or text.strip().startswith(("from ", "import ", "#", ")"))
                for text in between
            ):
                previous = -10
            if previous < 0:
                above = lines[line - 2].strip() if line > 1 else ""
                yield path, line, "#" in lines[line - 1] or above.startswith("#")
            previous = line


def problems() -> list[str]:
    """Everything the house's checks find, one line each."""
    found = [" -> ".join(group) + ": a circle" for group in circles(import_graph())]
    found += long_modules()
    found += [
        f"{path.relative_to(ROOT)}:{line}: an import inside a function with no comment saying why"
        for path, line, said in function_imports()
        if not said
    ]
    return found


def package_edges(edges: dict[str, set[str]]) -> set[tuple[str, str]]:
    """Which package of batch imports which (a module at the top, such as errors, counts as a package)."""

    def package(module: str) -> str:
        return module.split(".")[1] if module.count(".") else module

    return {
        (package(a), package(b))
        for a, targets in edges.items()
        for b in targets
        if a != "batch" and b != "batch" and package(a) != package(b)
    }


def reduced(pairs: set[tuple[str, str]]) -> list[tuple[str, str]]:
    """The pairs less those another path already implies (the transitive reduction of an acyclic graph)."""

    def reaches(start: str, goal: str, skip: tuple[str, str]) -> bool:
        seen, todo = {start}, [start]
        while todo:
            node = todo.pop()
            for a, b in pairs:
                if a == node and (a, b) != skip and b not in seen:
                    if b == goal:
                        return True
                    seen.add(b)
                    todo.append(b)
        return False

    return sorted(pair for pair in pairs if not reaches(*pair, skip=pair))


BEGIN, END = "<!-- house: begin (make architecture) -->", "<!-- house: end -->"


def picture() -> str:
    """The packages and their imports as a Mermaid flowchart, drawn from the import graph."""
    pairs = package_edges(import_graph())
    lines = ["```mermaid", "flowchart TD"]
    lines += [f"    {a} --> {b}" for a, b in reduced(pairs) if a != "__main__"]
    lines.append("```")
    return "\n".join(lines)


def redraw(path: Path = ROOT / "ARCHITECTURE.md") -> str:
    """ARCHITECTURE.md's text with the picture between its markers drawn afresh."""
    text = path.read_text(encoding="utf-8")
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return f"{head}{BEGIN}\n{picture()}\n{END}{tail}"


if __name__ == "__main__":
    if sys.argv[1:] == ["--draw"]:
        (ROOT / "ARCHITECTURE.md").write_text(redraw(), encoding="utf-8")
        print("redrew ARCHITECTURE.md's picture from the import graph")
        sys.exit(0)
    lines = problems()
    print(
        "\n".join(lines) or "house: no circle, no long module without its reason, every late import explained"
    )
    sys.exit(1 if lines else 0)
