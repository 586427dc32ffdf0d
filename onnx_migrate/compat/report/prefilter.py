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
most files of an ordinary repository. The test is conservative: it may let a
file through that has no finding, never the reverse.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from onnx_migrate.compat.report.rules.base import Rule

__all__ = ["Prefilter", "prefilter_for"]


class Prefilter:
    """``may_match(text)``: false only when no rule of the set can report anything in ``text``."""

    def __init__(self, rules: Sequence[type[Rule]]) -> None:
        names = [name for rule in rules for name in (*rule.TARGETS, *rule.RESOLVES)]
        # Whole identifiers, except the last part of a prefix target (``_jit_pass_onnx*``).
        self._roots = _any_of({rf"\b{re.escape(name.partition('.')[0])}\b" for name in names})
        self._lasts = _any_of(
            {rf"\b{re.escape(name.rstrip('*').rpartition('.')[2])}" + ("" if name.endswith("*") else r"\b") for name in names}
        )
        shapes = [shape for rule in rules for shape in rule.SHAPES]
        self._shapes = re.compile("|".join(f"(?:{shape})" for shape in shapes)) if shapes else None

    def may_match(self, text: str) -> bool:
        if self._roots is not None and self._lasts is not None:
            if self._roots.search(text) and self._lasts.search(text):
                return True
        return self._shapes is not None and self._shapes.search(text) is not None


def _any_of(patterns: set[str]) -> re.Pattern[str] | None:
    return re.compile("|".join(sorted(patterns))) if patterns else None


@functools.lru_cache(maxsize=32)
def prefilter_for(rules: tuple[type[Rule], ...]) -> Prefilter:
    """The prefilter of a rule selection (built once per selection)."""
    return Prefilter(rules)
