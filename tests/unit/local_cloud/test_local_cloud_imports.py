"""The local cloud's modules and the operator's tools import each other without a cycle, counting
every import: at module level, inside functions and under TYPE_CHECKING alike, so that no module
needs a late import to load and each can be read knowing only what it imports. The tools use the
local cloud (its settings, its template reader); the local cloud never imports the tools."""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

import shop_local
import shop_tools

PACKAGE_DIRS = (Path(shop_local.__file__).parent, Path(shop_tools.__file__).parent)


def module_name(path: Path) -> str:
    package_dir = next(directory for directory in PACKAGE_DIRS if path.is_relative_to(directory))
    parts = path.relative_to(package_dir.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(tree: ast.AST, modules: set[str]) -> set[str]:
    """The package's modules named by the imports of a module (`from a.b import c` names a.b.c if
    c is a module, else a.b)."""
    named: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            named.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                inner = f"{node.module}.{alias.name}"
                named.add(inner if inner in modules else node.module)
    return named & modules


def import_graph() -> dict[str, set[str]]:
    paths = {
        module_name(path): path for directory in PACKAGE_DIRS for path in sorted(directory.rglob("*.py"))
    }
    modules = set(paths)
    return {
        name: imported_modules(ast.parse(path.read_text()), modules) - {name} for name, path in paths.items()
    }


def test_the_graph_sees_the_imports_of_the_package() -> None:
    graph = import_graph()
    assert len(graph) > 40
    assert any(graph.values()), "no import between the package's modules was found"


def test_the_local_cloud_has_no_import_cycle() -> None:
    try:
        order = list(TopologicalSorter(import_graph()).static_order())
    except CycleError as exc:
        pytest.fail(f"import cycle: {' -> '.join(exc.args[1])}")
    assert set(order) == set(import_graph())


def test_the_local_cloud_does_not_import_the_tools() -> None:
    uses = {
        f"{name} -> {used}"
        for name, imported in import_graph().items()
        if name.startswith("shop_local")
        for used in imported
        if used.startswith("shop_tools")
    }
    assert not uses
    assert any(used.startswith("shop_local") for used in import_graph()["shop_tools.cli"])


def test_a_cycle_would_be_found() -> None:
    cyclic = (
        ast.parse("from shop_local.b import x\n"),
        ast.parse("def f():\n    from shop_local.a import y\n"),
    )
    modules = {"shop_local.a", "shop_local.b"}
    graph = {
        "shop_local.a": imported_modules(cyclic[0], modules),
        "shop_local.b": imported_modules(cyclic[1], modules),
    }
    with pytest.raises(CycleError):
        list(TopologicalSorter(graph).static_order())
