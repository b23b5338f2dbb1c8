"""The direction of dependencies between the package's modules, read from their source.

Every import counts: at module level, inside a function or method, and under
``if TYPE_CHECKING:`` too, since a type a module names is a dependency of its own. The
facades' lazy public re-exports (what ``fastapi_maintenance`` and
``fastapi_maintenance.backends`` import when a name is first used) appear as the imports
their ``TYPE_CHECKING`` blocks make for type checkers; they close no cycle because no module
of the core imports a facade.

The core's modules sit in layers, and an import goes down the layers or stays inside one: see
``LAYERS``.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]

#: The core package, and every first-party plugin package next to it.
PACKAGES = {
    path.parent.name: path.parent
    for pattern in ("core", "plugins/*", "plugins/*/src")
    for path in sorted(ROOT.glob(f"{pattern}/fastapi_maintenance*/__init__.py"))
}
CORE = "fastapi_maintenance"
#: The modules that re-export names defined elsewhere, for users and plugins.
FACADES = frozenset({"fastapi_maintenance", "fastapi_maintenance.backends"})
#: Names a facade defines itself rather than re-exports: importing one drags in nothing.
OWN_NAMES = {"fastapi_maintenance": frozenset({"__version__"})}

#: The core's layers, lowest first: each names its modules by their first part after
#: ``fastapi_maintenance.`` (a sub-package, or a public module). A module imports from lower
#: ranks and from its own layer only; layers of one rank stand side by side and ignore each
#: other. The package itself (``""``) re-exports everything and sits on top.
LAYERS: list[dict[str, frozenset[str]]] = [
    {"support": frozenset({"_support"})},
    {"model": frozenset({"_model"})},
    {"plugins": frozenset({"_plugins", "hookspecs"})},
    {"state": frozenset({"_state"})},
    {"drivers": frozenset({"drivers", "remote"})},
    {"request": frozenset({"_request", "decorators", "responses", "middleware"})},
    {"admin": frozenset({"_admin", "admin"}), "cli": frozenset({"_cli", "cli"})},
    {"entry": frozenset({"", "backends", "testing", "pytest_plugin"})},
]


@dataclass(frozen=True)
class Import:
    """One import statement's dependency of a module on another module of the graph."""

    target: str
    line: int
    #: The name imported from ``target`` by ``from target import name``; ``None`` otherwise.
    name: str | None = None


def modules_of(package: str, folder: Path) -> dict[str, Path]:
    """Every module of ``package`` by dotted name, its ``__init__`` as the package itself."""
    found = {}
    for path in sorted(folder.rglob("*.py")):
        parts = path.relative_to(folder).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join((package, *parts))] = path
    return found


def imports_of(module: str, path: Path, known: Mapping[str, Path]) -> list[Import]:
    """What ``module`` imports among the ``known`` modules, relative imports resolved.

    ``from package import name`` depends on the submodule ``package.name`` when there is
    one, else on ``package`` itself.
    """
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [Import(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            source = node.module or ""
            if node.level:
                parts = package.split(".")
                source = ".".join([*parts[: len(parts) - node.level + 1], *filter(None, [source])])
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                if submodule in known:
                    found.append(Import(submodule, node.lineno))
                else:
                    found.append(Import(source, node.lineno, alias.name))
    return sorted(
        (i for i in found if i.target in known and i.target != module),
        key=lambda i: (i.line, i.target, i.name or ""),
    )


def import_graph(packages: Mapping[str, Path]) -> dict[str, list[Import]]:
    """Each module of ``packages`` and its imports of modules of ``packages``."""
    known = {
        name: path
        for package, folder in packages.items()
        for name, path in modules_of(package, folder).items()
    }
    return {name: imports_of(name, path, known) for name, path in known.items()}


@dataclass(frozen=True)
class Tangle:
    """Modules that import one another, directly or not."""

    #: One cycle among them, in import order, back to its first module.
    cycle: list[str]
    #: The group's other modules, sorted.
    others: list[str]


def tangles(graph: Mapping[str, list[Import]]) -> list[Tangle]:
    """Each strongly connected group of modules, with one cycle in it."""
    targets = {name: sorted({i.target for i in imports}) for name, imports in graph.items()}
    found = []
    for group in _strongly_connected(targets):
        if len(group) > 1:
            cycle = _cycle_in(group, targets)
            found.append(Tangle(cycle, sorted(group - set(cycle))))
    return found


def _strongly_connected(targets: Mapping[str, list[str]]) -> list[set[str]]:
    """Tarjan's algorithm, without recursion."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []
    for start in sorted(targets):
        if start in index:
            continue
        work = [(start, iter(targets[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(targets[successor])))
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.add(member)
                        if member == node:
                            break
                    groups.append(group)
    return groups


def _cycle_in(group: set[str], targets: Mapping[str, list[str]]) -> list[str]:
    """The shortest path from the group's first module back to it, inside the group."""
    start = min(group)
    came_from: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for successor in targets[node]:
                if successor not in group or successor in came_from:
                    continue
                came_from[successor] = node
                if successor == start:
                    path = [start]
                    while path[-1] != start or len(path) == 1:
                        path.append(came_from[path[-1]])
                    return path[::-1]
                following.append(successor)
        frontier = following
    raise AssertionError(f"no cycle through {start} in {sorted(group)}")


def _described(tangle: Tangle, graph: Mapping[str, list[Import]]) -> str:
    steps = [tangle.cycle[0]]
    for source, target in pairwise(tangle.cycle):
        line = min(i.line for i in graph[source] if i.target == target)
        steps.append(f"-> {target} (line {line} of {source})")
    others = f"; tangled with them: {', '.join(tangle.others)}" if tangle.others else ""
    return " ".join(steps) + others


@pytest.fixture(scope="module")
def graph() -> dict[str, list[Import]]:
    return import_graph(PACKAGES)


def test_no_module_imports_one_that_imports_it_back(graph: dict[str, list[Import]]) -> None:
    found = [_described(tangle, graph) for tangle in tangles(graph)]
    assert not found, "import cycles:\n" + "\n".join(found)


def test_no_module_of_the_core_imports_a_facade(graph: dict[str, list[Import]]) -> None:
    found = [
        f"{module} imports {f'{i.name} from ' if i.name else ''}{i.target} (line {i.line})"
        for module, imports in graph.items()
        if module.partition(".")[0] == CORE and module not in FACADES
        for i in imports
        if i.target in FACADES and i.name not in OWN_NAMES.get(i.target, ())
    ]
    assert not found, (
        "a module of the core imports a name from the module that defines it, never from a "
        "facade that re-exports it:\n" + "\n".join(found)
    )


@dataclass(frozen=True)
class Place:
    """Where a module sits among the layers."""

    rank: int
    layer: str


def places(layers: list[dict[str, frozenset[str]]]) -> dict[str, Place]:
    """Each first part of a module's name after the package's, and its layer."""
    return {
        part: Place(rank, layer)
        for rank, named in enumerate(layers)
        for layer, parts in named.items()
        for part in parts
    }


def place_of(module: str, where: Mapping[str, Place]) -> Place | None:
    """The layer of a module of the core (``None`` for one no layer names)."""
    package, _, rest = module.partition(".")
    return where.get(rest.partition(".")[0]) if package == CORE else None


def upward_imports(
    graph: Mapping[str, list[Import]], layers: list[dict[str, frozenset[str]]]
) -> list[str]:
    """Every import of the core going up the layers, or across to a side-by-side layer."""
    where = places(layers)
    found = []
    for module, imports in graph.items():
        source = place_of(module, where)
        for i in imports:
            target = place_of(i.target, where)
            if source is None or target is None or i.name in OWN_NAMES.get(i.target, ()):
                continue
            if target.rank > source.rank or (
                target.rank == source.rank and target.layer != source.layer
            ):
                found.append(
                    f"{module} ({source.layer}) imports {i.target} ({target.layer}), line {i.line}"
                )
    return found


def test_every_module_of_the_core_sits_in_a_layer(graph: dict[str, list[Import]]) -> None:
    where = places(LAYERS)
    found = [m for m in graph if m.partition(".")[0] == CORE and place_of(m, where) is None]
    assert not found, "modules no layer names (add them to LAYERS):\n" + "\n".join(found)


def test_imports_go_down_the_layers(graph: dict[str, list[Import]]) -> None:
    found = upward_imports(graph, LAYERS)
    assert not found, "imports against the direction of the layers:\n" + "\n".join(found)


def test_an_import_up_or_across_the_layers_is_found() -> None:
    layers = [
        {"low": frozenset({"_low"})},
        {"left": frozenset({"_left"}), "right": frozenset({"_right"})},
        {"top": frozenset({""})},
    ]
    graph = {
        "fastapi_maintenance": [Import("fastapi_maintenance._low.a", 1)],
        "fastapi_maintenance._low.a": [
            Import("fastapi_maintenance._low.b", 1),
            Import("fastapi_maintenance._left.c", 2),
            Import("fastapi_maintenance", 3, "__version__"),
        ],
        "fastapi_maintenance._low.b": [],
        "fastapi_maintenance._left.c": [
            Import("fastapi_maintenance._low.a", 1),
            Import("fastapi_maintenance._right.d", 2),
        ],
        "fastapi_maintenance._right.d": [Import("fastapi_maintenance", 4, "admin_router")],
    }

    assert upward_imports(graph, layers) == [
        "fastapi_maintenance._low.a (low) imports fastapi_maintenance._left.c (left), line 2",
        "fastapi_maintenance._left.c (left) imports fastapi_maintenance._right.d (right), line 2",
        "fastapi_maintenance._right.d (right) imports fastapi_maintenance (top), line 4",
    ]


def test_plugins_import_only_public_modules_of_the_core(graph: dict[str, list[Import]]) -> None:
    found = [
        f"{module} imports {i.target} (line {i.line})"
        for module, imports in graph.items()
        if module.partition(".")[0] != CORE
        for i in imports
        if i.target.partition(".")[0] == CORE
        and any(part.startswith("_") for part in i.target.split("."))
    ]
    assert not found, "plugins import private modules of the core:\n" + "\n".join(found)


def test_the_graph_counts_every_import_and_names_its_module(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("VERSION = 1\n")
    (package / "sub" / "__init__.py").write_text("")
    (package / "low.py").write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from . import high\n"
        "def late():\n"
        "    from .sub import leaf\n"
    )
    (package / "high.py").write_text("import os, pkg.low\nfrom . import VERSION\n")
    (package / "sub" / "leaf.py").write_text(
        "class A:\n    def f(self):\n        from ..high import x\n"
    )

    graph = import_graph({"pkg": package})

    assert graph["pkg.low"] == [Import("pkg.high", 3), Import("pkg.sub.leaf", 5)]
    assert graph["pkg.high"] == [Import("pkg.low", 1), Import("pkg", 2, "VERSION")]
    assert graph["pkg.sub.leaf"] == [Import("pkg.high", 3, "x")]
    assert tangles(graph) == [Tangle(["pkg.high", "pkg.low", "pkg.high"], ["pkg.sub.leaf"])]


@given(st.dictionaries(st.sampled_from("abcdef"), st.sets(st.sampled_from("abcdef"))))
def test_modules_are_tangled_when_each_reaches_the_other(edges: dict[str, set[str]]) -> None:
    graph = {
        name: [Import(to, 1) for to in sorted(edges.get(name, set()) - {name})] for name in "abcdef"
    }
    reach = {name: _reachable(name, graph) for name in graph}

    found = tangles(graph)

    groups = [{*tangle.cycle, *tangle.others} for tangle in found]
    expected = {frozenset(b for b in graph if a in reach[b] and b in reach[a]) | {a} for a in graph}
    assert sorted(map(sorted, groups)) == sorted(sorted(g) for g in expected if len(g) > 1)
    for tangle in found:
        assert tangle.cycle[0] == tangle.cycle[-1]
        for source, target in pairwise(tangle.cycle):
            assert target in {i.target for i in graph[source]}


def _reachable(start: str, graph: Mapping[str, list[Import]]) -> set[str]:
    """The modules ``start`` imports, directly or not (itself only through a cycle)."""
    seen: set[str] = set()
    todo = [i.target for i in graph[start]]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += [i.target for i in graph[name]]
    return seen
