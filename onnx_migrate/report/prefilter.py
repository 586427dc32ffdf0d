"""Which files cannot hold a finding, decided on their text alone (no parse), from the rules' own data.

A finding comes either from a qualified name the engine resolved through an
import, or from a code shape. A resolved name is spelled out in the file: its
root is the module named by an ``import``/``from ... import`` statement, and its
last part is written there or in the attribute chain (``from torch.onnx import
utils as u; u.export`` spells ``torch`` and ``export``). So a file can hold a
name-based finding only if it contains the root and the last part of one of
the rules' ``TARGETS``/``RESOLVES`` names (the part before ``*`` for prefix
targets); and a shape-based finding only if it matches one of the rules'
``SHAPES``. Everything else is decoded and dropped without a parse, which is
most files of an ordinary repository.

A file that passes the text test is then read with Python's own parser (``ast``,
in C, twenty times faster than libcst's tree plus its scope analysis) for the
same facts in syntax: an import of an owned name, an attribute chain that an
import turns into one (scopes ignored: any binding of the root anywhere counts),
or a function whose first parameter emits ``.op(...)``. Code that imports
``torch`` but never reaches a legacy name (most of torch's own ``torch/onnx``)
stops there. Both tests are conservative: they may let a file through that has
no finding, never the reverse; a file ``ast`` cannot parse goes through, so its
error is reported as before.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Sequence

from onnx_migrate.report.names import STAR_EXPORTS, TargetIndex
from onnx_migrate.report.rules.base import Rule
from onnx_migrate.report.rules.symbolics import EMITTING_METHODS, SymbolicFunction

__all__ = ["Prefilter", "prefilter_for"]


class Prefilter:
    """``may_match(text)``: false only when no rule of the set can report anything in ``text``."""

    def __init__(self, rules: Sequence[type[Rule]]) -> None:
        names = [name for rule in rules for name in (*rule.TARGETS, *rule.RESOLVES)]
        # Whole identifiers, except the last part of a prefix target (``_jit_pass_onnx*``).
        self._roots = _any_of({rf"\b{re.escape(name.partition('.')[0])}\b" for name in names})
        self._lasts = _any_of({_last_part(name) for name in names})
        shapes = [shape for rule in rules for shape in rule.SHAPES]
        self._shapes = re.compile("|".join(f"(?:{shape})" for shape in shapes)) if shapes else None
        self._index = TargetIndex(rules)
        self._resolves = frozenset(name for rule in rules for name in rule.RESOLVES)
        self.emitting = frozenset(EMITTING_METHODS) if shapes else frozenset()
        # The syntax test knows one shape, the symbolic function's; another rule's shape passes on its text.
        self._shapes_known = all(rule is SymbolicFunction for rule in rules if rule.SHAPES)

    def may_match(self, text: str) -> bool:
        """The text test, then (if it passes) the syntax test."""
        by_name = bool(
            self._roots is not None
            and self._lasts is not None
            and self._roots.search(text)
            and self._lasts.search(text)
        )
        by_shape = self._shapes is not None and self._shapes.search(text) is not None
        if not (by_name or by_shape):
            return False
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return True  # the libcst parse reports what is wrong
        if by_shape and not self._shapes_known:
            return True
        return _SyntaxCheck(self, by_name, by_shape).run(tree)

    def owns(self, qualified_name: str) -> bool:
        return self._index.is_owned(qualified_name) or qualified_name in self._resolves


class _SyntaxCheck:
    """One walk of a file's ``ast``: does it import, reach or emit anything a rule reports?"""

    def __init__(self, prefilter: Prefilter, by_name: bool, by_shape: bool) -> None:
        self._prefilter = prefilter
        self._by_name = by_name
        self._by_shape = by_shape
        self._bindings: dict[str, set[str]] = {}  # local name -> qualified names imports give it
        self._chains: list[str] = []  # dotted Name/Attribute chains, checked once the imports are known
        self._first_params: set[str] = set()
        self._receivers: set[str] = set()  # `x` of every `x.op(...)` call

    def run(self, tree: ast.AST) -> bool:
        for node in ast.walk(tree):
            if self._by_name and self._visit_name_facts(node):
                return True
            if self._by_shape:
                self._visit_shape_facts(node)
        if self._receivers & self._first_params:
            return True
        return self._by_name and any(self._reaches(chain) for chain in self._chains)

    def _visit_name_facts(self, node: ast.AST) -> bool:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if self._prefilter.owns(alias.name):
                    return True
                if alias.asname:
                    self._bind(alias.asname, alias.name)
                else:  # `import a.b` binds `a` (and libcst also records `a.b`)
                    parts = alias.name.split(".")
                    for end in range(1, len(parts) + 1):
                        self._bind(".".join(parts[:end]), ".".join(parts[:end]))
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            for alias in node.names:
                if alias.name == "*":
                    if self._prefilter.owns(node.module):
                        return True
                    for name in STAR_EXPORTS.get(node.module, ()):
                        self._bind(name, f"{node.module}.{name}")
                    continue
                qualified = f"{node.module}.{alias.name}"
                if self._prefilter.owns(qualified):
                    return True
                self._bind(alias.asname or alias.name, qualified)
        elif isinstance(node, (ast.Attribute, ast.Name)):
            chain = _dotted(node)
            if chain is not None:
                self._chains.append(chain)
        return False

    def _visit_shape_facts(self, node: ast.AST) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            positional = [*node.args.posonlyargs, *node.args.args]
            if positional:
                self._first_params.add(positional[0].arg)
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in self._prefilter.emitting:
                if isinstance(func.value, ast.Name):
                    self._receivers.add(func.value.id)

    def _bind(self, name: str, qualified: str) -> None:
        self._bindings.setdefault(name, set()).add(qualified)

    def _reaches(self, chain: str) -> bool:
        """Whether some import binding of the chain's root (or of a dotted prefix) makes it an owned name."""
        parts = chain.split(".")
        for end in range(len(parts), 0, -1):
            for qualified in self._bindings.get(".".join(parts[:end]), ()):
                rest = parts[end:]
                if self._prefilter.owns(".".join([qualified, *rest])):
                    return True
        return False


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _last_part(name: str) -> str:
    """The last part of ``name`` as a whole identifier (only its start for a prefix target ``a.b_*``)."""
    last = re.escape(name.rstrip("*").rpartition(".")[2])
    return rf"\b{last}" if name.endswith("*") else rf"\b{last}\b"


def _any_of(patterns: set[str]) -> re.Pattern[str] | None:
    return re.compile("|".join(sorted(patterns))) if patterns else None


@functools.lru_cache(maxsize=32)
def prefilter_for(rules: tuple[type[Rule], ...]) -> Prefilter:
    """The prefilter of a rule selection (built once per selection)."""
    return Prefilter(rules)
