"""The package's structure, checked: no import cycles (imports inside functions count),
and dependencies that point one way: the command line and the MkDocs plugin on top,
then the capabilities, the core at the bottom (docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "sopdocs"

# What each part may import (besides itself and the standard library / third parties).
ALLOWED = {
    "core": {"errors"},
    "lint": {"core", "errors"},
    "export": {"core", "lint", "errors"},
    "run": {"core", "lint", "export", "errors"},
    "health": {"core", "run", "errors"},
    "author": {"core", "lint", "errors"},
    "site": {"core", "lint", "health", "run", "errors"},
    "lsp": {"core", "lint", "errors"},
    "cli": {"core", "lint", "export", "run", "health", "author", "site", "lsp", "errors"},
    "errors": set(),
    "__main__": {"cli"},
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(path: Path, name: str, known: set[str]) -> set[str]:
    """The package's modules that ``path`` imports, anywhere in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def graph() -> dict[str, set[str]]:
    found = modules()
    known = set(found)
    return {name: imports_of(path, name, known) - {"sopdocs"} for name, path in found.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    result: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(edges.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                result.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return result


def part(module: str) -> str:
    pieces = module.split(".")
    return pieces[1] if len(pieces) > 1 else ""


def test_no_import_cycles():
    assert cycles(graph()) == []


def test_the_check_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_dependencies_point_one_way():
    wrong = []
    for module, targets in graph().items():
        here = part(module)
        for target in targets:
            there = part(target)
            if there != here and there not in ALLOWED.get(here, set()):
                wrong.append(f"{module} -> {target}")
    assert wrong == []


@pytest.mark.parametrize("name", sorted(n for n in ALLOWED if n not in ("errors", "__main__")))
def test_every_part_is_a_package(name):
    assert (PACKAGE / name / "__init__.py").is_file()
