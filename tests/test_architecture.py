"""The package's layers point one way: no import cycle, no reaching into another package's privates.

The import graph is read statically with :mod:`ast` (module-level and function-level imports,
relative imports resolved), so a lazy ``import`` inside a function that closes a circle counts
as much as one at the top: it is the same dependency, only hidden. Imports under
``if TYPE_CHECKING:`` never run and are left out. A cycle makes the layers
unreadable (nothing can be understood, tested or moved on its own) and turns import order into
behaviour.
"""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

import onnx_migrate

PACKAGE = "onnx_migrate"
ROOT = Path(onnx_migrate.__file__).resolve().parent


@dataclasses.dataclass(frozen=True)
class ImportEdge:
    """One ``import`` statement of ``importer``: the module it loads and the names it takes."""

    importer: str
    target: str
    names: tuple[str, ...]
    line: int


def _module_names() -> dict[str, Path]:
    """Every module of the package by dotted name (a package is its ``__init__``)."""
    modules: dict[str, Path] = {}
    for path in sorted(ROOT.rglob("*.py")):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _resolve(importer: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute module an ``ImportFrom`` names, relative levels resolved."""
    if not node.level:
        return node.module or ""
    base = importer.split(".")
    if not is_package:
        base = base[:-1]
    if node.level > 1:
        base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _is_type_checking(node: ast.AST) -> bool:
    """``if TYPE_CHECKING:`` / ``if typing.TYPE_CHECKING:``."""
    if not isinstance(node, ast.If):
        return False
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node that can run: all of the module, functions included, but no ``if TYPE_CHECKING:`` body.

    Imports for type checkers never execute, so they cannot make an import cycle; the
    ``else:`` branch of such an ``if`` does run and is kept.
    """
    found: list[ast.AST] = []
    pending = [tree]
    while pending:
        node = pending.pop()
        found.append(node)
        if _is_type_checking(node):
            pending.extend(node.orelse)  # type: ignore[attr-defined]
            pending.append(node.test)  # type: ignore[attr-defined]
            continue
        pending.extend(ast.iter_child_nodes(node))
    return found


def _edges(modules: dict[str, Path]) -> list[ImportEdge]:
    """Every import of a package module by a package module, wherever in the file it runs."""
    edges: list[ImportEdge] = []
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.split(".")[0] == PACKAGE:
                        edges.append(ImportEdge(name, alias.name, (), node.lineno))
            elif isinstance(node, ast.ImportFrom):
                target = _resolve(name, is_package, node)
                if target.split(".")[0] != PACKAGE:
                    continue
                # ``from pkg import submodule`` depends on the submodule only (running ``pkg``'s
                # ``__init__`` first is how every import of a submodule works, not a dependency).
                plain = tuple(a.name for a in node.names if f"{target}.{a.name}" not in modules)
                if plain:
                    edges.append(ImportEdge(name, target, plain, node.lineno))
                edges.extend(
                    ImportEdge(name, f"{target}.{a.name}", (), node.lineno)
                    for a in node.names
                    if f"{target}.{a.name}" in modules
                )
    return edges


def _graph(modules: dict[str, Path], edges: list[ImportEdge]) -> dict[str, set[str]]:
    """Module -> the package modules it imports (importing ``a.b.c`` runs ``a`` and ``a.b`` too,
    but those are the package's own ``__init__`` files and a cycle through them shows on its own)."""
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for edge in edges:
        target = edge.target
        while target and target not in modules:  # ``import a.b.name`` where ``name`` is not a module
            target = target.rpartition(".")[0]
        if target and target != edge.importer:
            graph[edge.importer].add(target)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each as one cycle path."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = 0

    def visit(root: str) -> None:
        nonlocal counter
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(sorted(component))

    for name in sorted(graph):
        if name not in index:
            visit(name)
    return [_one_cycle(graph, set(component)) + [f"({len(component)} modules in the circle)"]
            for component in components]


def _one_cycle(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """A concrete import path that goes round inside ``component`` (shortest back to its start)."""
    start = min(component)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for child in sorted(graph[node] & component):
                if child == start:
                    return [*paths[node], start]
                if child not in paths:
                    paths[child] = [*paths[node], child]
                    following.append(child)
        frontier = following
    return sorted(component)


def _describe(cycle: list[str]) -> str:
    return " -> ".join(cycle)


def test_the_import_graph_is_read() -> None:
    """The walker finds the package's modules and imports (a walker that sees nothing passes anything)."""
    modules = _module_names()
    edges = _edges(modules)
    assert "onnx_migrate.legacy_symbolics.registry" in modules
    assert len(modules) > 100
    graph = _graph(modules, edges)
    assert "onnx_migrate.errors" in graph["onnx_migrate.legacy_symbolics.registry"]


def test_lazy_and_type_checking_imports() -> None:
    """A function-level import is an edge; an ``if TYPE_CHECKING:`` one is not; relative imports resolve."""
    modules = _module_names()
    graph = _graph(modules, _edges(modules))
    # SymbolicRegistry.with_builtins() imports the library inside the function.
    assert "onnx_migrate.legacy_symbolics.ops" in graph["onnx_migrate.legacy_symbolics.registry"]
    # The check formats name the result types for type checkers only; the results call the formats.
    assert "onnx_migrate.side_by_side.result" not in graph["onnx_migrate.side_by_side.formats"]
    assert "onnx_migrate.side_by_side.formats" in graph["onnx_migrate.side_by_side.result"]
    relative = ast.parse("from ..values import Value\nfrom . import ops").body
    assert _resolve("onnx_migrate.legacy_symbolics.ops.shape", False, relative[0]) == "onnx_migrate.legacy_symbolics.values"  # type: ignore[arg-type]
    assert _resolve("onnx_migrate.legacy_symbolics", True, relative[1]) == "onnx_migrate.legacy_symbolics"  # type: ignore[arg-type]


def test_the_private_import_check_finds_one() -> None:
    """A private name taken from another package is reported; one taken inside its own package is not."""
    modules = _module_names()
    edges = [
        ImportEdge("onnx_migrate.compat.export", "onnx_migrate.legacy_symbolics._helpers.args", ("_x", "get_const"), 1),
        ImportEdge("onnx_migrate.legacy_symbolics._helpers.shapes", "onnx_migrate.legacy_symbolics._helpers.args", ("_x",), 2),
    ]
    assert _private_imports(modules, edges) == [
        "onnx_migrate.compat.export:1 imports onnx_migrate.legacy_symbolics._helpers.args._x"
    ]


def test_the_cycle_finder_finds_a_cycle() -> None:
    """The finder reports a known circle, with the path round it."""
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c", "a", "(3 modules in the circle)"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def _package_cycles() -> list[list[str]]:
    modules = _module_names()
    return _cycles(_graph(modules, _edges(modules)))


def test_no_import_cycle() -> None:
    """No module of the package imports, directly or through others, a module that imports it back."""
    cycles = _package_cycles()
    assert not cycles, "import cycles:\n" + "\n".join(_describe(c) for c in cycles)


def _subpackage(module: str, modules: dict[str, Path]) -> str:
    """The package a module belongs to (itself when it is a package)."""
    if modules[module].name == "__init__.py":
        return module
    return module.rpartition(".")[0]


def _private_imports(modules: dict[str, Path] | None = None, edges: list[ImportEdge] | None = None) -> list[str]:
    """``from onnx_migrate.a.b import _x`` where the importer is outside ``a`` (the package of ``b``)."""
    modules = _module_names() if modules is None else modules
    found = []
    for edge in _edges(modules) if edges is None else edges:
        target = edge.target
        if target not in modules:
            continue
        home = _subpackage(target, modules)
        if edge.importer == home or edge.importer.startswith(home + "."):
            continue
        for name in edge.names:
            if name.startswith("_") and not name.startswith("__"):
                found.append(f"{edge.importer}:{edge.line} imports {target}.{name}")
    return found


def test_no_private_imports_across_packages() -> None:
    """A package's underscore names are its own; another package (the bridge too) calls its public names."""
    found = _private_imports()
    assert not found, "private names imported across packages:\n" + "\n".join(found)


MAX_FILE_LINES = 800
MAX_FUNCTION_LINES = 80


def _function_lengths(source: str) -> list[tuple[int, str, int]]:
    """``(line, name, length)`` of every function and method, its docstring not counted.

    A docstring explains why; it is not the logic a reader has to hold in their head, so a
    long explanation never forces a split.
    """
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        length = node.end_lineno - node.lineno + 1  # type: ignore[operator]
        first = node.body[0]
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
            length -= first.end_lineno - first.lineno + 1  # type: ignore[operator]
        found.append((node.lineno, node.name, length))
    return found


def test_the_length_check_measures_functions() -> None:
    """Body lines count, the docstring does not (a measure that sees nothing passes anything)."""
    body = "\n".join(f"    x{i} = {i}" for i in range(81))
    doc = '    """' + "\n" * 40 + '    """\n'
    source = f"def long():\n{body}\n\ndef short():\n{doc}    return 1\n"
    assert _function_lengths(source) == [(1, "long", 82), (84, "short", 2)]


def test_no_file_over_the_size_limit() -> None:
    """No module over ~800 lines: past that a file holds more than one job."""
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_FILE_LINES:
            found.append(f"{path.relative_to(ROOT.parent)}: {lines} lines")
    assert not found, f"files over {MAX_FILE_LINES} lines:\n" + "\n".join(found)


def test_no_function_over_the_size_limit() -> None:
    """No function over ~80 lines (docstring not counted): a longer one is several steps to name."""
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        for line, name, length in _function_lengths(path.read_text(encoding="utf-8")):
            if length > MAX_FUNCTION_LINES:
                found.append(f"{path.relative_to(ROOT.parent)}:{line} {name}() {length} lines")
    assert not found, f"functions over {MAX_FUNCTION_LINES} lines:\n" + "\n".join(found)


def _package_dirs() -> list[str]:
    """Every folder of the package (code or data), as ``onnx_migrate/a/b/``."""
    return [
        f"{path.relative_to(ROOT.parent).as_posix()}/"
        for path in sorted([ROOT, *ROOT.rglob("*")])
        if path.is_dir() and path.name != "__pycache__"
    ]


def test_the_architecture_doc_names_every_package() -> None:
    """``docs/architecture.md`` maps every package: a new one fails here until it is documented."""
    doc = (Path(__file__).resolve().parents[1] / "docs" / "architecture.md").read_text(encoding="utf-8")
    packages = _package_dirs()
    assert "onnx_migrate/legacy_symbolics/ops/" in packages
    missing = [package for package in packages if f"`{package}`" not in doc]
    assert not missing, "packages missing from docs/architecture.md's map:\n" + "\n".join(missing)
