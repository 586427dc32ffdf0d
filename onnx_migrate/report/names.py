"""Resolve what a name in user code refers to, and which rule owns that name.

Aliases are what make a text search useless here: ``import torch.onnx as tonnx``,
``from torch.onnx import export as onnx_export`` and ``from torch import onnx``
all reach the same function. libcst's scope analysis (the machinery behind its
``QualifiedNameProvider``) resolves them to ``torch.onnx.export``; this module
adds what libcst leaves open (names that come from ``from M import *``) and the
longest-prefix lookup from a qualified name to the rule that owns it, so that
``torch.onnx.utils.register_custom_op_symbolic`` belongs to the registration
rule and not to the rule for ``torch.onnx.utils``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import libcst as cst
from libcst.helpers import get_full_name_for_node
from libcst.metadata.scope_provider import ImportAssignment, QualifiedNameSource, Scope

__all__ = [
    "STAR_EXPORTS",
    "NameResolver",
    "ResolvedName",
    "TargetIndex",
    "chain_root",
    "collect_star_imports",
    "dotted_name",
]

#: The names ``from M import *`` brought into scope for the modules the rules care
#: about, as the union over the torch releases legacy code was written for (torch
#: 1.x ``torch.onnx.__all__`` exported ``register_custom_op_symbolic`` and friends).
STAR_EXPORTS: Mapping[str, frozenset[str]] = {
    "torch.onnx": frozenset(
        {
            "export",
            "is_in_onnx_export",
            "register_custom_op_symbolic",
            "unregister_custom_op_symbolic",
            "select_model_mode_for_export",
            "export_to_pretty_string",
            "enable_log",
            "disable_log",
            "dynamo_export",
            "ExportOptions",
            "JitScalarType",
            "symbolic_helper",
            "utils",
            "symbolic_caffe2",
            *(f"symbolic_opset{n}" for n in range(7, 21)),
        }
    ),
    "torch.onnx.utils": frozenset(
        {
            "export",
            "is_in_onnx_export",
            "register_custom_op_symbolic",
            "unregister_custom_op_symbolic",
            "select_model_mode_for_export",
            "export_to_pretty_string",
        }
    ),
    "torch.jit": frozenset({"script", "trace", "trace_module", "freeze", "load"}),
    "torch.autograd": frozenset({"Function"}),
    "torch.autograd.function": frozenset({"Function", "InplaceFunction"}),
}


@dataclasses.dataclass(frozen=True)
class ResolvedName:
    """A qualified name a node refers to.

    ``star_module`` is set when the name is only known through ``from M import *``
    (then it is ``M``); ``binding`` is the qualified name of the import that bound
    the chain's root name (``torch`` for ``torch.onnx.export``, ``torch.onnx.symbolic_helper``
    for ``sh.parse_args`` after ``from torch.onnx import symbolic_helper as sh``).
    """

    name: str
    binding: str
    star_module: str | None = None


def dotted_name(node: cst.CSTNode | None) -> str | None:
    """``a.b.c`` for a Name/Attribute chain (and for import names), else ``None``."""
    if node is None:
        return None
    return get_full_name_for_node(node)


def chain_root(node: cst.BaseExpression) -> cst.Name | None:
    """The leftmost Name of an attribute chain (``torch`` in ``torch.onnx.export``)."""
    while isinstance(node, cst.Attribute):
        node = node.value
    return node if isinstance(node, cst.Name) else None


def collect_star_imports(module: cst.Module) -> tuple[str, ...]:
    """Absolute modules star-imported at module level (also inside top-level if/try blocks)."""
    found: list[str] = []

    def walk(statements: Sequence[cst.CSTNode]) -> None:
        for statement in statements:
            if isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    is_star = isinstance(small, cst.ImportFrom) and isinstance(small.names, cst.ImportStar)
                    if is_star and not small.relative and small.module is not None:
                        found.append(dotted_name(small.module) or "")
            elif isinstance(statement, (cst.If, cst.Try, cst.With)):
                walk(statement.body.body)
                for extra in _branches(statement):
                    walk(extra)

    walk(module.body)
    return tuple(name for name in found if name)


def _branches(statement: cst.CSTNode) -> Iterable[Sequence[cst.CSTNode]]:
    if isinstance(statement, cst.If):
        orelse = statement.orelse
        while orelse is not None:
            yield orelse.body.body
            orelse = orelse.orelse if isinstance(orelse, cst.If) else None
    elif isinstance(statement, cst.Try):
        for handler in statement.handlers:
            yield handler.body.body
        if statement.orelse is not None:
            yield statement.orelse.body.body
        if statement.finalbody is not None:
            yield statement.finalbody.body.body


class NameResolver:
    """Qualified names of Name/Attribute nodes, computed on demand and cached.

    Only names bound by imports count: a local ``def export(...)`` or a parameter
    named ``torch`` resolves to nothing here, which is what keeps look-alikes out.
    """

    def __init__(self, scopes: Mapping[cst.CSTNode, Scope | None], star_modules: Sequence[str]) -> None:
        self._scopes = scopes
        self._star_names: dict[str, str] = {}
        for module in star_modules:
            for name in STAR_EXPORTS.get(module, ()):
                self._star_names.setdefault(name, module)
        self._star_modules = tuple(star_modules)
        self._cache: dict[int, tuple[ResolvedName, ...]] = {}
        # Names bound by an import anywhere in the file: a chain whose root is not one of
        # these (nor a star-imported name) cannot resolve to an import, so it is skipped cheaply.
        self._import_bound: set[str] = set(self._star_names)
        for scope in {scope for scope in scopes.values() if scope is not None}:
            for assignment in scope.assignments:
                if isinstance(assignment, ImportAssignment):
                    self._import_bound.add(assignment.name)

    def scope_of(self, node: cst.CSTNode) -> Scope | None:
        return self._scopes.get(node)

    def resolve(self, node: cst.CSTNode) -> tuple[ResolvedName, ...]:
        """The import-derived qualified names of ``node`` (sorted; empty when it is not from an import)."""
        key = id(node)
        cached = self._cache.get(key)
        if cached is None:
            cached = self._resolve(node)
            self._cache[key] = cached
        return cached

    def _resolve(self, node: cst.CSTNode) -> tuple[ResolvedName, ...]:
        if not isinstance(node, (cst.Name, cst.Attribute)):
            return ()
        root = chain_root(node)
        if root is None or root.value not in self._import_bound:
            return ()
        scope = self._scopes.get(node)
        if scope is None:
            return ()
        names = {q.name for q in scope.get_qualified_names_for(node) if q.source is QualifiedNameSource.IMPORT}
        if names:
            bindings = {q.name for q in scope.get_qualified_names_for(root) if q.source is QualifiedNameSource.IMPORT}
            binding = min(bindings) if bindings else root.value
            return tuple(ResolvedName(name, binding) for name in sorted(names) if not name.startswith("."))
        return self._resolve_star(node, root, scope)

    def _resolve_star(self, node: cst.CSTNode, root: cst.Name, scope: Scope) -> tuple[ResolvedName, ...]:
        module = self._star_names.get(root.value)
        if module is None or root.value in scope:
            return ()
        full = dotted_name(node)
        if full is None:
            return ()
        return (ResolvedName(f"{module}.{full}", binding=module, star_module=module),)


@dataclasses.dataclass(frozen=True)
class _Match:
    target: str
    owners: tuple[Any, ...]


class TargetIndex:
    """Maps qualified names to the rules that own them, longest target first.

    A target is a dotted qualified name (it owns itself and everything below it:
    ``torch.onnx.utils`` owns ``torch.onnx.utils.export`` unless a longer target
    claims that) or a plain string prefix ending in ``*`` (``torch._C._jit_pass_onnx*``).
    Several rules may share a target (every ``torch.onnx.export`` keyword rule does).
    """

    def __init__(self, rules: Iterable[Any]) -> None:
        self._exact: dict[str, list[Any]] = {}
        self._wildcards: list[tuple[str, Any]] = []
        for rule in rules:
            for target in rule.TARGETS:
                if target.endswith("*"):
                    self._wildcards.append((target[:-1], rule))
                else:
                    self._exact.setdefault(target, []).append(rule)
        self._cache: dict[str, _Match | None] = {}

    def match(self, qualified_name: str) -> _Match | None:
        """The longest target covering ``qualified_name`` and its rules, or ``None``."""
        if qualified_name in self._cache:
            return self._cache[qualified_name]
        best: _Match | None = None
        parts = qualified_name.split(".")
        for end in range(len(parts), 0, -1):
            prefix = ".".join(parts[:end])
            owners = self._exact.get(prefix)
            if owners:
                best = _Match(prefix, tuple(owners))
                break
        for prefix, rule in self._wildcards:
            if qualified_name.startswith(prefix) and (best is None or len(prefix) > len(best.target)):
                best = _Match(prefix + "*", (rule,))
        self._cache[qualified_name] = best
        return best

    def is_owned(self, qualified_name: str) -> bool:
        return self.match(qualified_name) is not None
