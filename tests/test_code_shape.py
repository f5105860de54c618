"""The shape the answering package promises: small modules and functions, no import loop, language as data."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "assistant"
ANSWERING = sorted((ROOT / "answering").glob("*.py"))
_SWEDISH_WORD = re.compile(r"\b\w*[åäöÅÄÖ]\w*\b")
_CHAR_CLASS = re.compile(r"\[[^\]]*\]")


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", ANSWERING, ids=lambda p: p.name)
def test_answering_modules_and_functions_are_small(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").count("\n")
    assert lines <= 400, f"{path.name}: {lines} lines"
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            assert length <= 60, f"{path.name}: {node.name} is {length} lines"


def _docstrings(tree: ast.Module) -> set[int]:
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                out.add(id(first.value))
    return out


@pytest.mark.parametrize("path", ANSWERING, ids=lambda p: p.name)
def test_no_swedish_words_in_answering_code(path: Path) -> None:
    """Words and messages live in assistant/language/data; docstrings and comments may quote examples."""
    tree = _tree(path)
    docs = _docstrings(tree)
    found = [(node.lineno, node.value) for node in ast.walk(tree)
             if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs
             and _SWEDISH_WORD.search(_CHAR_CLASS.sub("", node.value))]
    assert found == []


def _imports(path: Path) -> set[str]:
    """The assistant modules a module imports at its top level (imports inside functions are deferred)."""
    out = set()
    for node in _tree(path).body:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("assistant"):
            out.add(node.module)
            out |= {f"{node.module}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("assistant")}
    return out


def _module_names() -> dict[str, Path]:
    names = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        names[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return names


def test_no_import_loop() -> None:
    modules = _module_names()
    graph = {name: {m for m in _imports(path) if m in modules and m != name} for name, path in modules.items()}
    for name in graph:  # a package imports its own modules' names: the edge package → package.module is fine
        graph[name] = {m for m in graph[name] if not (m.startswith(f"{name}.") and m.count(".") == name.count(".") + 1
                                                      and name.startswith("assistant."))}
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in graph[node]:
            assert state.get(nxt) != 1, "import loop: " + " → ".join([*path, node, nxt])
            if nxt not in state:
                visit(nxt, [*path, node])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [])
