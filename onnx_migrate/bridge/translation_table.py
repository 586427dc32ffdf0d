"""``translation_table()``: legacy symbolics as a ``custom_translation_table`` for torch's new exporter.

torch's ``torch.onnx.export(..., dynamo=True)`` ignores symbolics registered with
``register_custom_op_symbolic``; it takes a dict from ``OpOverload`` to a
translation function instead. This module builds that dict from a
:class:`~onnx_migrate.legacy_symbolics.registry.SymbolicRegistry`: every custom
registration, plus built-ins asked for by name, each resolved at the target
opset with the legacy dispatch rule, for every overload of the op and of its
in-place variant (``aten::relu_`` overloads run the ``aten::relu`` symbolic, as
in the legacy exporter).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import torch

from onnx_migrate.bridge._onnxscript_compat import TORCHLIB_OPSET
from onnx_migrate.bridge.bridged_symbolic import BridgeSession, bridged_symbolic
from onnx_migrate.compat.export_report import ExportReport
from onnx_migrate.compat.shadowing import shadowed_message, shadowed_symbolics
from onnx_migrate.errors import OnnxMigrateWarning, UnsupportedSymbolicError
from onnx_migrate.legacy_symbolics.export_context import ExportContext
from onnx_migrate.legacy_symbolics.registry import SymbolicEntry, SymbolicRegistry, validate_custom_op_name

__all__ = ["op_overloads", "translation_table"]

#: Namespaces of registry names that are not ``torch.ops`` operators (FX-level and TorchScript-only names).
_NOT_TORCH_OPS = frozenset({"_operator", "higher_order", "prim", "onnx"})


def op_overloads(name: str) -> list[Any]:
    """Every ``OpOverload`` of ``domain::op`` (``[]`` when torch has no such operator)."""
    namespace, _, op = name.partition("::")
    if not op or namespace in _NOT_TORCH_OPS:
        return []
    try:
        packet = getattr(getattr(torch.ops, namespace), op)
        names = packet.overloads()
    except (AttributeError, RuntimeError):
        return []
    return [getattr(packet, overload) for overload in names]


def _inplace_name(name: str) -> str | None:
    namespace, _, op = name.partition("::")
    if op.endswith("_"):
        return None
    return f"{namespace}::{op}_"


def _selected_entries(
    registry: SymbolicRegistry, opset: int, include_builtins: Iterable[str]
) -> dict[str, SymbolicEntry]:
    selected: dict[str, SymbolicEntry] = {}
    for name in sorted({entry.name for entry in registry.custom_entries()}):
        found = registry.lookup(name, opset)
        if found.entry is None:
            continue  # registered only above the opset: not in effect, as in legacy
        if not found.entry.custom:
            for item in shadowed_symbolics(registry, opset, {name}):
                warnings.warn(
                    f"{shadowed_message(item, opset)} The dynamo backend therefore uses torch's own lowering.",
                    OnnxMigrateWarning,
                    stacklevel=3,
                )
            continue
        selected[name] = found.entry
    for raw in include_builtins:
        name = validate_custom_op_name(raw)
        found = registry.lookup(name, opset)
        if found.entry is None:
            raise UnsupportedSymbolicError(
                name, opset, found.supported_opsets, hint=f"include_builtins asked for {raw!r}: {found.reason}."
            )
        selected[name] = found.entry
    return selected


def translation_table(
    registry: SymbolicRegistry | None = None,
    opset: int = TORCHLIB_OPSET,
    include_builtins: Iterable[str] = (),
    *,
    custom_opsets: Mapping[str, int] | None = None,
    export_context: ExportContext | None = None,
    report: ExportReport | None = None,
) -> dict[Any, Callable[..., Any]]:
    """A ``custom_translation_table`` running legacy symbolics inside torch's new exporter.

    Args:
        registry: where the symbolics come from (default: the process registry, with
            everything ``register_custom_op_symbolic`` registered).
        opset: the opset torch builds the graph at: ``max(opset_version, 18)`` for
            ``torch.onnx.export(..., opset_version=...)``; symbolics dispatch and
            emit ops at this opset. Lower values are raised to 18 with a warning.
        include_builtins: built-in symbolics to use instead of torch's lowering,
            by name (``"aten::gelu"``).
        custom_opsets: version of each custom domain the symbolics emit (default 1).
        export_context: what symbolics read from ``GLOBALS`` (default: this opset, eval mode).
        report: an :class:`ExportReport` recording each symbolic used.

    Returns:
        ``{OpOverload: translation function}`` for every overload of every selected
        op and of its in-place variant.

    Raises:
        UnsupportedSymbolicError: a name in ``include_builtins`` has no symbolic at ``opset``.

    Example:
        >>> import torch, onnx_migrate
        >>> from onnx_migrate.bridge import translation_table
        >>> registry = onnx_migrate.SymbolicRegistry()
        >>> registry.register("aten::relu", 9, lambda g, x: g.op("Relu", x), custom=True)
        >>> table = translation_table(registry)
        >>> torch.ops.aten.relu.default in table and torch.ops.aten.relu_.default in table
        True
    """
    if opset < TORCHLIB_OPSET:
        warnings.warn(
            f"translation_table(opset={opset}): torch's new exporter builds opset-{TORCHLIB_OPSET} graphs, so the "
            f"symbolics run at opset {TORCHLIB_OPSET}. For an opset-{opset} model use "
            "onnx_migrate.export(..., backend='legacy').",
            OnnxMigrateWarning,
            stacklevel=2,
        )
        opset = TORCHLIB_OPSET
    registry = registry if registry is not None else SymbolicRegistry.default()
    context = export_context if export_context is not None else ExportContext(opset=opset)
    session = BridgeSession(opset, context, dict(custom_opsets or context.custom_opsets), report)
    selected = _selected_entries(registry, opset, include_builtins)
    table: dict[Any, Callable[..., Any]] = {}
    for name, entry in selected.items():
        for overload in op_overloads(name):
            table[overload] = bridged_symbolic(overload, entry, session)
    for name, entry in selected.items():
        inplace = _inplace_name(name)
        if inplace is None or inplace in selected:
            continue  # an in-place name registered on its own keeps its own symbolic
        for overload in op_overloads(inplace):
            table.setdefault(overload, bridged_symbolic(overload, entry, session))
    return table
