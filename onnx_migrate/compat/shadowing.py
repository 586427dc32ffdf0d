"""Warn when a custom symbolic does not run because a built-in wins at the target opset.

The legacy registry picks, for a target opset, the function registered at the
highest opset ``<=`` the target, and a custom registration beats a built-in only
from the built-in's key on. So ``register_custom_op_symbolic("aten::gelu", fn, 1)``
was silently ignored by the legacy exporter for every target from 9 on, where its
built-in ``gelu`` is registered — the trap that hid onnxruntime's contrib ``Gelu``
for years. onnx_migrate decides custom-vs-built-in with the legacy library's opset
keys (see ``legacy_symbolics.registry``), so the same registrations lose as in the
legacy exporter; it says so, once per export, for every such registration of an op
the model actually uses: registrations of ops the model does not contain change
nothing and stay quiet.
"""

from __future__ import annotations

import warnings

from onnx_migrate.compat.export_report import ExportReport, ShadowedSymbolic
from onnx_migrate.errors import OnnxMigrateWarning
from onnx_migrate.legacy_symbolics.registry import SymbolicRegistry

__all__ = ["report_shadowed_symbolics", "shadowed_message", "shadowed_symbolics"]


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
    """The custom registrations a built-in beats at ``opset``, optionally only for ``used_ops``.

    >>> registry = SymbolicRegistry.with_builtins()
    >>> registry.register("aten::gelu", 1, lambda g, x, approximate: x, custom=True)
    >>> [(s.op, s.custom_opset, s.legacy_opset, s.override_opsets) for s in shadowed_symbolics(registry, 17)]
    [('aten::gelu', 1, 9, (9, 17))]
    """
    found: list[ShadowedSymbolic] = []
    for entry in registry.shadowed_custom_entries(opset):
        if used_ops is not None and entry.name not in used_ops:
            continue
        serving = registry.lookup(entry.name, opset).entry
        group = registry.get_function_group(entry.name)
        assert serving is not None and group is not None  # shadowed means a built-in serves the opset
        winning = group.custom_override_opsets(opset)
        found.append(
            ShadowedSymbolic(
                entry.name,
                entry.opset,
                entry.origin,
                serving.opset,
                serving.origin,
                legacy_opset=group.deciding_builtin_opset(opset),
                override_opsets=(winning[0], winning[-1]) if winning else None,
            )
        )
    return found


def shadowed_message(item: ShadowedSymbolic, opset: int) -> str:
    """The warning for one shadowed registration: what ran instead, why, and the registration that would win."""
    ours = (
        ""
        if item.builtin_opset == item.legacy_opset
        else f" (onnx_migrate runs its own built-in for that case, registered at opset {item.builtin_opset})"
    )
    message = (
        f"The custom symbolic {item.custom_origin} registered for {item.op} at opset {item.custom_opset} "
        f"was not used at opset {opset}: the built-in {item.builtin_origin} was used instead, as in the legacy "
        f"exporter, whose built-in for {item.op} is registered at opset {item.legacy_opset}{ours} (the legacy "
        "rule: the registration at the highest opset <= the target serves it, a custom one beating a built-in "
        "at the same opset; targets 7 and 8 search upward to 9)."
    )
    if item.override_opsets is not None:
        first, last = item.override_opsets
        span = f"opset {first}" if first == last else f"an opset from {first} to {last}"
        message += (
            f" To use it at opset {opset}, register it at {span}, "
            f"e.g. register_custom_op_symbolic({item.op!r}, fn, {first})."
        )
    return message


def report_shadowed_symbolics(registry: SymbolicRegistry, opset: int, report: ExportReport) -> None:
    """Warn about, and list in ``report``, the shadowed custom symbolics of the ops this export translated.

    Call it after translation, inside the export's warning capture, so the
    warning also lands in ``report.warnings``.
    """
    for item in shadowed_symbolics(registry, opset, _translated_ops(report)):
        report.shadowed_symbolics.append(item)
        warnings.warn(shadowed_message(item, opset), OnnxMigrateWarning, stacklevel=4)
