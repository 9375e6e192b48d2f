"""qa's modules import one another without a cycle, and the layers the issue names stay apart.

The graph is read from the source (``ast``), not from a running interpreter, so imports made
inside functions count as much as those at the top of a module: a lazy import hides a cycle from
Python, not from a reader. Imports under ``if TYPE_CHECKING:`` are for the type checker only and do
not count, nor do imports of the package itself (``qa/__init__.py``, the façade that loads the
library's entry points on first use). ``importlib.import_module("qa....")`` with a written name
counts as an import.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "qa"
FACADE = "qa"


def module_name(path: Path) -> str:
    """``qa/translate/auto.py`` -> ``qa.translate.auto``; a package's ``__init__.py`` is the package."""
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST) -> Iterator[ast.AST]:
    """Every import statement and ``importlib.import_module("...")`` call, at any depth, except
    under ``if TYPE_CHECKING:``."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            yield from (found for child in node.orelse for found in _imports_in(child))
            continue
        yield from _imports_in(node)


def _imports_in(node: ast.AST) -> Iterator[ast.AST]:
    named_module = (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "import_module" and bool(node.args)
                    and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str))
    if isinstance(node, ast.Import | ast.ImportFrom) or named_module:
        yield node
    yield from _imports(node)


def _targets(node: ast.AST, importer: str, is_package: bool, known: set[str]) -> Iterator[str]:
    """The qa modules an import names: ``from qa.a import b`` is ``qa.a.b`` when that is a module,
    else ``qa.a``."""
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
    elif isinstance(node, ast.Call):
        yield node.args[0].value  # type: ignore[attr-defined]
    elif isinstance(node, ast.ImportFrom):
        base = node.module or ""
        if node.level:
            package = importer.split(".") if is_package else importer.split(".")[:-1]
            package = package[: len(package) - (node.level - 1)]
            base = ".".join([*package, *([base] if base else [])])
        for alias in node.names:
            yield f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base


@cache
def import_graph() -> dict[str, frozenset[str]]:
    """Each qa module and the qa modules it imports (the façade ``qa`` left out)."""
    found = modules()
    known = set(found)
    graph = {}
    for name, path in found.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        targets = {target for node in _imports(tree)
                   for target in _targets(node, name, path.name == "__init__.py", known)}
        graph[name] = frozenset(target for target in targets if target in known and target not in (FACADE, name))
    return graph


def cycles(graph: dict[str, frozenset[str]]) -> list[set[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def reached(graph: dict[str, frozenset[str]], start: str) -> set[str]:
    """Every module ``start`` imports, directly or through others."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        for target in graph[todo.pop()]:
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def under(modules: set[str], package: str) -> set[str]:
    return {module for module in modules if module == package or module.startswith(package + ".")}


def test_the_scan_sees_lazy_imports_and_skips_type_checking_ones():
    tree = ast.parse("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from qa.b import X\n"
                     "def f():\n    from qa.c import Y\n    import importlib\n    importlib.import_module('qa.d')\n")
    names = {target for node in _imports(tree) for target in _targets(node, "qa.a", False, {"qa.c", "qa.d"})}
    assert {"qa.c", "qa.d"} <= names and "qa.b" not in names


def test_the_modules_of_qa_import_one_another_without_a_cycle():
    found = cycles(import_graph())
    assert found == [], "import cycles: " + "; ".join(" <-> ".join(sorted(group)) for group in found)


def test_where_work_runs_knows_nothing_of_what_runs():
    reach = reached(import_graph(), "qa.distribute")
    assert not reach & {"qa.run", "qa.pipeline", "qa.score", "qa.workers", "qa.session"}


@pytest.mark.parametrize("module", ["qa.results", "qa.corpus.model", "qa.config"])
def test_data_and_settings_import_no_renderer(module):
    assert not under(set(import_graph()[module]), "qa.report")


def test_the_settings_import_nothing_of_the_engines():
    assert not under(set(import_graph()["qa.config"]), "qa.translate")
