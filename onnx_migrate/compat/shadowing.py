"""Warn when a custom symbolic never runs because a built-in at a higher opset hides it.

The legacy dispatch rule picks, for a target opset, the function registered at
the highest opset ``<=`` the target, and a custom registration beats a built-in
only *at the same opset key*. So ``register_custom_op_symbolic("::gelu", fn, 1)``
is silently ignored for every target from 9 on, where the built-in ``gelu`` is
registered — the trap that hid onnxruntime's contrib ``Gelu`` for years.
onnx_migrate keeps the rule (it is the semantics legacy exports relied on) and
says so, once per export, for every shadowed registration of an op the model
actually uses: registrations of ops the model does not contain change nothing
and stay quiet.
"""

from __future__ import annotations

import warnings

from onnx_migrate.compat.export_report import ExportReport, ShadowedSymbolic
from onnx_migrate.errors import OnnxMigrateWarning
from onnx_migrate.legacy_symbolics.registry import SymbolicRegistry

__all__ = ["report_shadowed_symbolics", "shadowed_symbolics"]


def _translated_ops(report: ExportReport) -> set[str]:
    """Registry names of the ops the export translated (``aten::add.Tensor`` -> ``aten::add``; in-place too)."""
    names: set[str] = set()
    for qualified in report.symbolics:
        name = qualified.split(".", 1)[0]
        names.add(name)
        domain, _, op = name.partition("::")
        if op.endswith("_") and not op.endswith("__") and len(op) > 1:
            names.add(f"{domain}::{op[:-1]}")  # relu_ is served by relu's symbolics
    return names


def shadowed_symbolics(registry: SymbolicRegistry, opset: int, used_ops: set[str] | None = None) -> list[ShadowedSymbolic]:
    """The custom registrations a built-in hides at ``opset``, optionally only for ``used_ops``.

    >>> registry = SymbolicRegistry.with_builtins()
    >>> registry.register("aten::gelu", 1, lambda g, x, approximate: x, custom=True)
    >>> [(s.op, s.custom_opset, s.builtin_opset) for s in shadowed_symbolics(registry, 17)]
    [('aten::gelu', 1, 9)]
    """
    found: list[ShadowedSymbolic] = []
    for entry in registry.shadowed_custom_entries(opset):
        if used_ops is not None and entry.name not in used_ops:
            continue
        serving = registry.lookup(entry.name, opset).entry
        assert serving is not None  # shadowed means a built-in serves the opset
        found.append(ShadowedSymbolic(entry.name, entry.opset, entry.origin, serving.opset, serving.origin))
    return found


def report_shadowed_symbolics(registry: SymbolicRegistry, opset: int, report: ExportReport) -> None:
    """Warn about, and list in ``report``, the shadowed custom symbolics of the ops this export translated.

    Call it after translation, inside the export's warning capture, so the
    warning also lands in ``report.warnings``.
    """
    for item in shadowed_symbolics(registry, opset, _translated_ops(report)):
        report.shadowed_symbolics.append(item)
        warnings.warn(
            f"The custom symbolic {item.custom_origin} registered for {item.op} at opset {item.custom_opset} "
            f"was not used at opset {opset}: the built-in {item.builtin_origin} registered at opset "
            f"{item.builtin_opset} takes precedence (a custom symbolic overrides a built-in only from an opset "
            f">= the built-in's, as in the legacy exporter). To use it, register it at an opset from "
            f"{item.builtin_opset} to {opset}, e.g. "
            f"register_custom_op_symbolic({item.op.replace('aten::', '::', 1)!r}, fn, {opset}).",
            OnnxMigrateWarning,
            stacklevel=4,
        )
