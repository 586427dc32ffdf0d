"""Extra case builders for the op tables of the later families (creation, indexing, attention...).

``symbolic_case.aten()`` passes every keyword to both the symbolic and the
eager op. Factories such as ``arange(x.size(1))`` need a graph input that
only supplies a dynamic size: :func:`dynamic_aten` adds such inputs without
passing them to the op, and resolves :class:`~symbolic_case.SymSize` items on
both sides (a 0-d int64 graph value for the symbolic, the int for PyTorch).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch
from symbolic_case import DEFAULT_OPSETS, Built, Dyn, SymbolicCase, SymSize, add_tensor, build_call, builtin_registry

from onnx_migrate.legacy_symbolics.graph_context import GraphContext
from onnx_migrate.legacy_symbolics.values import ConstantValue, ListValue, Value

__all__ = ["dynamic_aten", "size_of"]


def size_of(g: GraphContext, value: Value, dim: int) -> Value:
    """``value.size(dim)`` as the 0-d int64 graph value a SymInt becomes."""
    shape = g.op("Shape", value)
    return g.op("Gather", shape, g.op("Constant", value_t=torch.tensor(dim)), axis_i=0)


def dynamic_aten(
    target: str,
    /,
    *,
    inputs: Mapping[str, Dyn] | None = None,
    label: str = "",
    ref: Callable[..., Any] | None = None,
    opsets: Sequence[int] = DEFAULT_OPSETS,
    tolerance: float = 1e-4,
    check_dtype: bool = True,
    **call: Any,
) -> SymbolicCase:
    """A case for ``torch.ops.aten.<target>`` whose sizes come from the dynamic dims of ``inputs``.

    ``inputs`` are graph inputs only (fed at run time, not passed to the op);
    ``call`` items that are ``SymSize`` (or lists holding some) become dynamic sizes,
    and lists mixing tensors with ``None`` (``index``'s ``Tensor?[]``) become list values.
    ``target`` is positional-only, so ops with an argument named ``target`` (losses) fit.
    """
    inputs = inputs or {}
    name, _, overload = target.partition(".")
    overload_fn = getattr(getattr(torch.ops.aten, name), overload or "default")
    reference = ref or overload_fn
    qualified = f"aten::{name}"

    def build_fn(g: GraphContext) -> Built:
        feeds: dict[str, torch.Tensor] = {}
        values = {key: add_tensor(g, key, dyn.tensor, dyn.dims) for key, dyn in inputs.items()}
        for key, dyn in inputs.items():
            feeds[key] = dyn.tensor

        def resolve(item: Any, key: str = "") -> tuple[Any, Any]:
            if isinstance(item, (torch.Tensor, Dyn)):
                tensor, dims = (item.tensor, item.dims) if isinstance(item, Dyn) else (item, ())
                feeds[key] = tensor
                return add_tensor(g, key, tensor, dims), tensor
            if item is None:
                return ConstantValue(None), None
            if isinstance(item, SymSize):
                return size_of(g, values[item.input], item.dim), feeds[item.input].shape[item.dim]
            return ConstantValue(item), item

        symbolic: dict[str, Any] = {}
        eager: dict[str, Any] = {}
        plain = {k: v for k, v in call.items() if not _is_dynamic(v)}
        built, plain_eager = build_call(g, plain, feeds)
        symbolic.update(built)
        eager.update(plain_eager)
        for key, arg in call.items():
            if key in plain:
                continue
            if isinstance(arg, (list, tuple)):
                pairs = [resolve(a, f"{key}_{i}") for i, a in enumerate(arg)]
                symbolic[key] = ListValue([p[0] for p in pairs])
                eager[key] = [p[1] for p in pairs]
            else:
                symbolic[key], eager[key] = resolve(arg)
        lookup = builtin_registry().lookup(qualified, g.opset)
        assert lookup.entry is not None, lookup.reason
        produced = lookup.entry.fn(g, **symbolic)
        expected = reference(**eager)
        produced = list(produced) if isinstance(produced, (list, tuple)) else [produced]
        expected = list(expected) if isinstance(expected, (list, tuple)) else [expected]
        return Built(produced, feeds, [torch.as_tensor(e) for e in expected])

    test_id = f"{qualified}.{overload or 'default'}" + (f"[{label}]" if label else "")
    return SymbolicCase(test_id, build_fn, tuple(opsets), tolerance, op=qualified, check_dtype=check_dtype)


def _is_dynamic(arg: Any) -> bool:
    if isinstance(arg, SymSize):
        return True
    if not isinstance(arg, (list, tuple)):
        return False
    return any(isinstance(a, SymSize) for a in arg) or (
        any(a is None for a in arg) and any(isinstance(a, (torch.Tensor, Dyn)) for a in arg)
    )
