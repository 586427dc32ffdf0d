"""The two backends share the export outline by calling it, never by reaching into each other.

Read from the source with ``ast`` (imports inside functions count too, since a
lazy import is still a dependency): no module imports another subpackage's
private names, and ``compat`` (the export pipeline) and ``bridge`` (the dynamo
backend) do not import each other in a cycle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import onnx_migrate

PACKAGE_ROOT = Path(onnx_migrate.__file__).parent


def _module_name(path: Path) -> str:
    parts = ("onnx_migrate", *path.relative_to(PACKAGE_ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in sorted(PACKAGE_ROOT.rglob("*.py"))}


def _subpackage(module: str) -> str:
    """``compat`` for ``onnx_migrate.compat.export``; ``""`` for modules of the root package."""
    parts = module.split(".")
    is_package = MODULES.get(module, Path()).name == "__init__.py"
    return parts[1] if len(parts) > 2 or (is_package and len(parts) == 2) else ""


def _executed_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node, except what is under ``if TYPE_CHECKING:`` (never imported at run time)."""
    for child in ast.iter_child_nodes(tree):
        if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
            yield from (node for item in child.orelse for node in [item, *_executed_nodes(item)])
            continue
        yield child
        yield from _executed_nodes(child)


def _imports(module: str, *, typing_too: bool = False) -> Iterator[tuple[ast.ImportFrom | ast.Import, str]]:
    """Every import statement of ``module`` that runs (``typing_too``: and those for type checkers), absolute."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    package = module if MODULES[module].name == "__init__.py" else module.rsplit(".", 1)[0]
    for node in ast.walk(tree) if typing_too else _executed_nodes(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            yield node, base


def _dependencies(module: str) -> set[str]:
    """The package's modules ``module`` imports (``from pkg import mod`` names the submodule)."""
    found = set()
    for node, target in _imports(module):
        if not target.startswith("onnx_migrate"):
            continue
        names = [f"{target}.{alias.name}" for alias in node.names] if isinstance(node, ast.ImportFrom) else []
        submodules = [name for name in names if name in MODULES]
        found.update(submodules)
        if target in MODULES and len(submodules) < len(names) or not names:
            found.add(target)  # names defined by the module itself, or a plain ``import``
    found.discard(module)
    return found


def _reachable(start: str, graph: dict[str, set[str]]) -> set[str]:
    seen: set[str] = set()
    stack = list(graph[start])
    while stack:
        current = stack.pop()
        if current not in seen:
            seen.add(current)
            stack.extend(graph.get(current, ()))
    return seen


def test_no_module_imports_another_subpackages_private_names() -> None:
    offenders = []
    for module in MODULES:
        own = _subpackage(module)
        for node, target in _imports(module, typing_too=True):
            if not isinstance(node, ast.ImportFrom) or not target.startswith("onnx_migrate."):
                continue
            other = _subpackage(target) if target in MODULES else target.split(".")[1]
            if other in ("", own):
                continue
            private_module = [p for p in target.split(".")[2:] if p.startswith("_") and not p.startswith("__")]
            private_names = [a.name for a in node.names if a.name.startswith("_") and not a.name.startswith("__")]
            if private_module or private_names:
                offenders.append(f"{module}: from {target} import {', '.join(a.name for a in node.names)}")
    assert offenders == [], "\n".join(offenders)


#: ``install()`` routes ``torch.onnx.export`` to ours: the one edge into the entry point from below
#: it (compat-internal, reached through the adoption of torch's registrations; not the bridge's).
INSTALL_ROUTING = ("onnx_migrate.compat.install", "onnx_migrate.compat.export")


def test_the_export_pipeline_and_the_bridge_do_not_import_each_other_in_a_cycle() -> None:
    graph = {module: _dependencies(module) for module in MODULES}
    assert "onnx_migrate.bridge.dynamo_backend" in graph["onnx_migrate.compat.export"]  # the check sees lazy imports
    bridge = [module for module in MODULES if _subpackage(module) == "bridge"]
    assert [m for m in bridge if "onnx_migrate.compat.export" in graph[m]] == []
    graph[INSTALL_ROUTING[0]].discard(INSTALL_ROUTING[1])
    back = [module for module in bridge if "onnx_migrate.compat.export" in _reachable(module, graph)]
    assert back == [], f"these bridge modules lead back to compat.export: {back}"
