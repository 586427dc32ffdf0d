"""Read the names torch's legacy exporter exposes, from its source files (``ast``, never imported).

The surface manifest test compares the manifest with what torch ships: a name a
legacy module defines at top level (function, class, assignment) or a member of
a legacy class (field, method, property, enum member, attribute set in
``__init__``). Imports are not part of a module's surface. When torch no longer
ships the legacy files, :func:`legacy_dir` is ``None`` and the comparison is skipped.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import pathlib

import torch.onnx

#: Where torch 2.9+ keeps the legacy exporter (relative to the ``torch.onnx`` package).
LEGACY_PACKAGE = "torch.onnx._internal.torchscript_exporter"


@functools.cache
def legacy_dir() -> pathlib.Path | None:
    """The directory of torch's legacy exporter sources, or ``None`` if torch dropped it."""
    candidate = pathlib.Path(torch.onnx.__file__).parent / "_internal" / "torchscript_exporter"
    return candidate if (candidate / "symbolic_helper.py").is_file() else None


@dataclasses.dataclass(frozen=True)
class LegacyName:
    """A top-level name of a legacy module.

    Attributes:
        name: the name.
        kind: ``"def"``, ``"class"`` or ``"assign"``.
        registered_as: the ``domain::op`` names its decorators registered it for (symbolic_opsetN).
    """

    name: str
    kind: str
    registered_as: tuple[str, ...] = ()


def _source(module: str) -> ast.Module:
    directory = legacy_dir()
    assert directory is not None, "torch no longer ships the legacy exporter"
    return ast.parse((directory / f"{module}.py").read_text(encoding="utf-8"))


def _registrations(node: ast.FunctionDef | ast.ClassDef) -> tuple[str, ...]:
    names = []
    for decorator in node.decorator_list:
        if isinstance(decorator, ast.Call):
            for arg in decorator.args[:1]:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and "::" in arg.value:
                    names.append(arg.value)
    return tuple(names)


@functools.cache
def module_names(module: str) -> dict[str, LegacyName]:
    """Top-level names defined by legacy module ``module`` (``"symbolic_opset9"``), imports and ``__all__`` excluded."""
    found: dict[str, LegacyName] = {}
    for node in _source(module).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            kind = "class" if isinstance(node, ast.ClassDef) else "def"
            found[node.name] = LegacyName(node.name, kind, _registrations(node))
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name) and target.id != "__all__":
                    found.setdefault(target.id, LegacyName(target.id, "assign"))
    return found


@functools.cache
def class_members(module: str, class_name: str) -> set[str]:
    """Fields, methods, properties, enum members and ``self.x`` attributes of a legacy class (dunders excluded)."""
    for node in _source(module).body:
        if isinstance(node, ast.ClassDef) and node.name == class_name:
            break
    else:
        raise LookupError(f"{module}.{class_name} not found in torch's legacy exporter")
    members: set[str] = set()
    for item in node.body:
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
            members.add(item.name)
            if item.name == "__init__":
                for sub in ast.walk(item):
                    if (
                        isinstance(sub, ast.Attribute)
                        and isinstance(sub.value, ast.Name)
                        and sub.value.id == "self"
                        and isinstance(sub.ctx, ast.Store)
                    ):
                        members.add(sub.attr)
        elif isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            members.add(item.target.id)
        elif isinstance(item, ast.Assign):
            members.update(t.id for t in item.targets if isinstance(t, ast.Name))
    return {m for m in members if not (m.startswith("__") and m.endswith("__")) or m == "__getattr__"}
