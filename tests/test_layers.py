"""The layer contract, over the real import graph (docs/ARCHITECTURE.md, "Layers"):

    base (errors, masking, outputs, progress, values) ← project ← data ← text ← word
        ← review, pipeline, intake ← cli, web

A module imports only from its own layer or the layers below it, never upward, with every
import counted: module level, inside functions, under TYPE_CHECKING. Inside a layer the
modules form no import cycle (a TYPE_CHECKING import never runs, so it closes none). A
function-level import of drafter's own code is only for code loaded lazily and says why in a
comment on its line or above its run of imports. There are no exceptions.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "drafter"

LAYERS = {
    "errors": 0,
    "masking": 0,
    "outputs": 0,
    "progress": 0,
    "values": 0,
    "project": 1,
    "data": 2,
    "text": 3,
    "word": 4,
    "review": 5,
    "pipeline": 5,
    "intake": 5,  # a Word report read into a project: reads word/, writes project files
    "builder": 5,  # the old module names of the pipeline's public names
    "batch": 5,
    "linter": 5,
    "sample": 6,
    "lowgc": 6,
    "outcome": 6,
    "cli": 6,
    "web": 6,
    "__init__": 6,  # the public API: names imported on first use
}


def _inside(tree: ast.AST, kind: tuple[type, ...], test: str | None = None) -> set[int]:
    """The imports inside nodes of `kind` (with `test` their condition: `if TYPE_CHECKING:`)."""
    return {
        id(n)
        for f in ast.walk(tree)
        if isinstance(f, kind) and (test is None or ast.unparse(f.test) == test)  # type: ignore[attr-defined]
        for n in ast.walk(f)
        if isinstance(n, (ast.Import, ast.ImportFrom))
    }


def _imports(path: Path, module: str) -> list[tuple[str, int, bool]]:
    """(imported drafter module, line, for typing only) for every import in `path`."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    typing_only = _inside(tree, (ast.If,), "TYPE_CHECKING")
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            names = [base] + [f"{base}.{a.name}" for a in node.names]
        else:
            continue
        for name in names:
            if name.startswith("drafter.") and _exists(name):
                found.append((name, node.lineno, id(node) in typing_only))
    return found


def _exists(name: str) -> bool:
    rel = PACKAGE.joinpath(*name.split(".")[1:])
    return rel.with_suffix(".py").is_file() or (rel / "__init__.py").is_file()


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _layer(module: str) -> int:
    parts = module.split(".")
    return LAYERS[parts[1] if len(parts) > 1 else "__init__"]


def _graph() -> dict[str, list[tuple[str, int, bool]]]:
    return {m: _imports(p, m) for m, p in _modules().items()}


def test_every_module_has_a_layer():
    assert sorted({m.split(".")[1] for m in _modules() if "." in m} - set(LAYERS)) == []


def test_nothing_imports_upward():
    upward = sorted(
        f"{m}:{line} → {target}"
        for m, edges in _graph().items()
        for target, line, _ in edges
        if _layer(target) > _layer(m) and m != "drafter"
    )
    assert upward == []


def test_no_import_cycles_between_modules():
    """Imports under `if TYPE_CHECKING:` are no edge here: they never run."""
    graph = {
        m: {t for t, _, typing in edges if not typing and t not in (m, "drafter")} for m, edges in _graph().items()
    }
    cycles = []
    state: dict[str, int] = {}

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append(
                    " → ".join(stack[stack.index(nxt) :] + [node, nxt]) if nxt in stack else f"{node} → {nxt}"
                )
            elif nxt not in state:
                visit(nxt, [*stack, node])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [])
    assert cycles == []


# What a function-level import of drafter's own code must say for itself.
_LAZY_REASON = re.compile(r"#.*\b(lazy|lazily|heavy|optional)\b", re.IGNORECASE)


def _function_level_imports(tree: ast.AST) -> list[tuple[ast.stmt, ast.stmt]]:
    """(import of a drafter module inside a function, the first import of its run of imports)."""
    found = []
    for func in ast.walk(tree):
        if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for block in ast.walk(func):
            for body in (getattr(block, f, None) for f in ("body", "orelse", "finalbody", "handlers")):
                if not isinstance(body, list):
                    continue
                first = None
                for stmt in body:
                    if not isinstance(stmt, (ast.Import, ast.ImportFrom)):
                        first = None
                        continue
                    first = first or stmt
                    names = [stmt.module or ""] if isinstance(stmt, ast.ImportFrom) else [a.name for a in stmt.names]
                    if getattr(stmt, "level", 0) or any(n == "drafter" or n.startswith("drafter.") for n in names):
                        found.append((stmt, first))
    return found


def test_function_level_imports_of_drafter_say_why_they_are_lazy():
    """The contract: a function-level import only for code loaded lazily (heavy, optional, or
    kept out of a process that does not need it), saying so on its line or above its run of
    imports. An import that only dodged a cycle goes to module level."""
    bare = []
    for module, path in sorted(_modules().items()):
        lines = path.read_text(encoding="utf-8").splitlines()
        for stmt, first in _function_level_imports(ast.parse("\n".join(lines))):
            said = lines[stmt.lineno - 1 : stmt.end_lineno] + [
                line for at in {stmt.lineno, first.lineno} if (line := lines[at - 2].strip()).startswith("#")
            ]
            if not any(_LAZY_REASON.search(line) for line in said):
                bare.append(f"{module}:{stmt.lineno}: {lines[stmt.lineno - 1].strip()}")
    assert bare == []
