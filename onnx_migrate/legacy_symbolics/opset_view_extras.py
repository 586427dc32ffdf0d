"""Names of the legacy ``symbolic_opsetN`` modules that are not ATen op symbolics.

The ``symbolic_opsetN`` views (:mod:`~onnx_migrate.legacy_symbolics._opset_views`)
resolve ``symbolic_opset9.add`` to the built-in ``aten::add``. A few other names
of those modules are still imported by real code, and torch's own compatibility
shims re-export them: the private helpers ``_slice``, ``_prepare_onnx_paddings``,
``_reshape_from_tensor`` and ``_var_mean``. And torch 1.x had
``symbolic_opset9._cast_Long`` and the rest of the ``_cast_<Type>`` family
(the symbolics of TorchScript's ``aten::_cast_*`` ops), which torch removed and
which are served here with a ``DeprecationWarning`` naming ``g.op("Cast", ...)``.

:func:`view_extra` is the views' fallback when no built-in symbolic has the name.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import torch

from onnx_migrate.legacy_symbolics import symbolic_helper as _helper
from onnx_migrate.legacy_symbolics.graph_context import GraphContext
from onnx_migrate.legacy_symbolics.scalar_types import TensorProtoDataType

__all__ = ["CAST_TYPES", "view_extra", "view_extra_names"]

#: Scalar names of the removed ``symbolic_opset9._cast_<Type>`` functions and their ONNX types
#: (the same table as ``symbolic_helper.cast_pytorch_to_onnx``).
CAST_TYPES: dict[str, TensorProtoDataType] = _helper.cast_pytorch_to_onnx


def _cast_symbolic(scalar_name: str) -> Callable[..., Any]:
    to = CAST_TYPES[scalar_name]

    def cast(g: GraphContext, input: Any, non_blocking: Any = False) -> Any:
        return g.op("Cast", input, to_i=int(to))

    cast.__name__ = cast.__qualname__ = f"_cast_{scalar_name}"
    cast.__doc__ = f"The removed ``symbolic_opset9._cast_{scalar_name}``: ``Cast(to={to.name})``."
    return cast


_CASTS: dict[str, Callable[..., Any]] = {f"_cast_{name}": _cast_symbolic(name) for name in CAST_TYPES}


def _slice(
    g: GraphContext, input: Any, axes: Any, starts: Any, ends: Any, steps: Any = None, dynamic_slice: bool = False
) -> Any:
    """Legacy ``symbolic_opset9/10._slice``: :func:`symbolic_helper._slice_helper` (bounds may be values from 10)."""
    return _helper._slice_helper(g, input, axes, starts, ends, steps)


def _var_mean(g: GraphContext, input: Any, dim: Any, correction: Any, keepdim: Any) -> tuple[Any, Any]:
    """Legacy ``symbolic_opset9._var_mean``: ``(var, mean)`` (:func:`symbolic_helper._var_mean_helper`)."""
    return _helper._var_mean_helper(g, input, dim, correction, keepdim)


def _reshape_from_tensor(g: GraphContext, input: Any, shape: Any) -> Any:
    """Legacy ``symbolic_opset9._reshape_from_tensor``: reshape to a shape given as a list of sizes or a tensor."""
    if isinstance(shape, (list, tuple)):
        pieces = [
            _helper._unsqueeze_helper(g, item, [0]) if _helper._get_tensor_rank(item) == 0 else item for item in shape
        ]
        shape = g.op("Concat", *pieces, axis_i=0)
    return _helper._reshape_helper(g, input, shape)


def _paddings_in_onnx_order(rank: int, pad: Sequence[int]) -> list[int]:
    """``F.pad`` order (last dim first, begin/end pairs) -> ONNX order (all begins, then all ends)."""
    padded = list(pad) + [0] * (2 * rank - len(pad))
    begins = padded[0::2][::-1]
    ends = padded[1::2][::-1]
    return begins + ends


def _prepare_onnx_paddings_list(dim: int, pad: Sequence[int]) -> list[int]:
    """Legacy ``symbolic_opset9._prepare_onnx_paddings(dim, pad)``: the ONNX ``pads`` list."""
    return _paddings_in_onnx_order(dim, [int(p) for p in pad])


def _prepare_onnx_paddings_value(g: GraphContext, input: Any, pad: Any) -> Any:
    """Legacy ``symbolic_opset11._prepare_onnx_paddings(g, input, pad)``: the ONNX ``pads`` as an int64 value."""
    rank = _helper._get_tensor_rank(input)
    static = _helper._maybe_get_const(pad, "is")
    if rank is not None and not _helper._is_value(static):
        return g.op("Constant", value_t=torch.tensor(_paddings_in_onnx_order(rank, static), dtype=torch.int64))
    pads = g.op("Cast", pad, to_i=int(TensorProtoDataType.INT64))
    rank_v = (
        g.op("Size", g.op("Shape", input))
        if rank is None
        else g.op("Constant", value_t=torch.tensor(rank, dtype=torch.int64))
    )
    missing = g.op("Sub", g.op("Mul", rank_v, g.op("Constant", value_t=torch.tensor(2))), g.op("Size", pads))
    zeros = g.op("ConstantOfShape", _helper._unsqueeze_helper(g, missing, [0]), value_t=torch.tensor([0]))
    pairs = _helper._reshape_helper(g, g.op("Concat", pads, zeros, axis_i=0), [-1, 2])
    # Last dim first -> first dim first, then begins row and ends row, flattened.
    reversed_pairs = _helper._slice_helper(g, pairs, axes=[0], starts=[-1], ends=[_helper.INT64_MIN], steps=[-1])
    return _helper._reshape_helper(g, g.op("Transpose", reversed_pairs, perm_i=[1, 0]), [-1])


def _prepare_onnx_paddings_for(opset: int) -> Callable[..., Any]:
    return _prepare_onnx_paddings_list if opset < 11 else _prepare_onnx_paddings_value


_HELPERS: dict[str, Callable[[int], Callable[..., Any] | None]] = {
    "_slice": lambda opset: _slice if opset >= 9 else None,
    "_var_mean": lambda opset: _var_mean if opset >= 9 else None,
    "_reshape_from_tensor": lambda opset: _reshape_from_tensor if opset >= 9 else None,
    "_prepare_onnx_paddings": lambda opset: _prepare_onnx_paddings_for(opset) if opset >= 9 else None,
}


@functools.cache
def _cast_warning(name: str) -> str:
    to = CAST_TYPES[name.removeprefix("_cast_")]
    return (
        f"symbolic_opset9.{name} was removed from torch (torch 2.x); onnx_migrate keeps it for old symbolics. "
        f"Write g.op('Cast', x, to_i=TensorProtoDataType.{to.name}) instead "
        "(TensorProtoDataType from onnx_migrate.legacy_symbolics.scalar_types or torch.onnx)."
    )


def view_extra(name: str, opset: int, *, stacklevel: int = 3) -> Callable[..., Any] | None:
    """The non-op legacy name ``name`` of ``symbolic_opset{opset}``, or ``None``.

    The removed ``_cast_<Type>`` functions warn (``DeprecationWarning``) when looked up.
    """
    if name in _CASTS and opset >= 9:
        warnings.warn(_cast_warning(name), DeprecationWarning, stacklevel=stacklevel)
        return _CASTS[name]
    factory = _HELPERS.get(name)
    return factory(opset) if factory is not None else None


def view_extra_names(opset: int) -> list[str]:
    """The names :func:`view_extra` serves for ``opset`` (for ``dir()``; the removed casts are left out)."""
    return sorted(name for name, factory in _HELPERS.items() if factory(opset) is not None)
