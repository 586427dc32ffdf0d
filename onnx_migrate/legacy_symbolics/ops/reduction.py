"""Built-in symbolics for reductions: ``sum``, ``mean``, ``prod``, ``amax``/``amin``, ``max``/``min``, ``argmax``.

ONNX moved the ``axes`` of ``ReduceSum`` from an attribute to an input at
opset 13 and those of the other ``Reduce*`` ops at opset 18; each symbolic is
registered again at the opset where its op changed and emits the form valid
at ``g.opset``. PyTorch sums integers and booleans in int64 and honours a
``dtype=`` argument; both are reproduced with casts.
"""

from __future__ import annotations

from typing import Any

import torch

from onnx_migrate.errors import SymbolicValueError
from onnx_migrate.legacy_symbolics._helpers.args import get_const, get_tensor_rank
from onnx_migrate.legacy_symbolics._helpers.shapes import reshape_helper
from onnx_migrate.legacy_symbolics.graph_context import GraphContext
from onnx_migrate.legacy_symbolics.ops import elementwise
from onnx_migrate.legacy_symbolics.ops.elementwise import accumulating_input, is_none
from onnx_migrate.legacy_symbolics.ops.shape import int_list
from onnx_migrate.legacy_symbolics.marks import builtin_symbolic
from onnx_migrate.legacy_symbolics.values import Value

__all__ = ["reduce_value"]

#: The opset from which each ``Reduce*`` op takes its axes as an input.
_AXES_AS_INPUT_FROM = {"ReduceSum": 13}
_DEFAULT_AXES_AS_INPUT_FROM = 18


def reduce_value(g: GraphContext, onnx_op: str, self: Value, dims: list[int] | None, keepdim: bool) -> Value:
    """``onnx_op`` over ``dims`` (every dim when ``None`` or empty), in the form valid at ``g.opset``."""
    keep = int(bool(keepdim))
    if not dims:
        return g.op(onnx_op, self, keepdims_i=keep)
    if g.opset >= _AXES_AS_INPUT_FROM.get(onnx_op, _DEFAULT_AXES_AS_INPUT_FROM):
        axes = g.op("Constant", value_t=torch.tensor(dims, dtype=torch.int64))
        return g.op(onnx_op, self, axes, keepdims_i=keep)
    return g.op(onnx_op, self, axes_i=dims, keepdims_i=keep)


def _dims(dim: Any, op: str, value: Value) -> list[int] | None:
    if is_none(dim):
        return None
    dims = int_list(dim, "dim")
    if dims is None:
        raise SymbolicValueError(f"{op} needs constant dims to reduce over.", value)
    return dims


def _keepdim(keepdim: Any) -> bool:
    return False if is_none(keepdim) else bool(get_const(keepdim, "b", "keepdim"))


@builtin_symbolic("aten::sum", opset=(9, 13))
def aten_sum(g: GraphContext, self: Value, dim: Any = None, keepdim: Any = False, dtype: Any = None) -> Value:
    """``sum`` and ``sum.dim_IntList`` (ReduceSum's axes became an input at opset 13)."""
    source = accumulating_input(g, self, dtype)
    return reduce_value(g, "ReduceSum", source, _dims(dim, "aten::sum", self), _keepdim(keepdim))


@builtin_symbolic("aten::mean", opset=(9, 18))
def aten_mean(g: GraphContext, self: Value, dim: Any = None, keepdim: Any = False, dtype: Any = None) -> Value:
    """``mean`` and ``mean.dim`` (ReduceMean's axes became an input at opset 18)."""
    source = accumulating_input(g, self, dtype)
    return reduce_value(g, "ReduceMean", source, _dims(dim, "aten::mean", self), _keepdim(keepdim))


@builtin_symbolic("aten::prod", opset=(9, 18))
def aten_prod(g: GraphContext, self: Value, dim: Any = None, keepdim: Any = False, dtype: Any = None) -> Value:
    """``prod`` and ``prod.dim_int``."""
    source = accumulating_input(g, self, dtype)
    return reduce_value(g, "ReduceProd", source, _dims(dim, "aten::prod", self), _keepdim(keepdim))


@builtin_symbolic("aten::amax", opset=(9, 18))
def aten_amax(g: GraphContext, self: Value, dim: Any = None, keepdim: Any = False) -> Value:
    """The maximum over ``dim`` (``dim=[]`` means every dim)."""
    return reduce_value(g, "ReduceMax", self, _dims(dim, "aten::amax", self), _keepdim(keepdim))


@builtin_symbolic("aten::amin", opset=(9, 18))
def aten_amin(g: GraphContext, self: Value, dim: Any = None, keepdim: Any = False) -> Value:
    return reduce_value(g, "ReduceMin", self, _dims(dim, "aten::amin", self), _keepdim(keepdim))


def _extreme(
    g: GraphContext, reduce_op: str, arg_op: str, self: Value, other: Any, keepdim: Any, dim: Any, elementwise: Any
) -> Any:
    """``max``/``min`` in their three forms: of everything, against ``other``, or along ``dim`` with indices."""
    if is_none(dim) and not is_none(other) and not is_none(keepdim):
        dim, other = other, None  # the legacy positional form max(g, self, dim, keepdim)
    if not is_none(other):
        return elementwise(g, self, other)
    if is_none(dim):
        return reduce_value(g, reduce_op, self, None, False)
    axis = int(get_const(dim, "i", "dim"))
    keep = _keepdim(keepdim)
    values = reduce_value(g, reduce_op, self, [axis], keep)
    indices = g.op(arg_op, self, axis_i=axis, keepdims_i=int(keep))
    return values, indices


@builtin_symbolic("aten::max", opset=(9, 18))
def aten_max(g: GraphContext, self: Value, other: Any = None, keepdim: Any = None, *, dim: Any = None) -> Any:
    """``max()``, ``max.other`` (elementwise) and ``max.dim`` (values and indices)."""
    return _extreme(g, "ReduceMax", "ArgMax", self, other, keepdim, dim, elementwise.aten_maximum)


@builtin_symbolic("aten::min", opset=(9, 18))
def aten_min(g: GraphContext, self: Value, other: Any = None, keepdim: Any = None, *, dim: Any = None) -> Any:
    """``min()``, ``min.other`` (elementwise) and ``min.dim`` (values and indices)."""
    return _extreme(g, "ReduceMin", "ArgMin", self, other, keepdim, dim, elementwise.aten_minimum)


def _arg_extreme(g: GraphContext, onnx_op: str, self: Value, dim: Any, keepdim: Any) -> Value:
    keep = _keepdim(keepdim)
    extra = {"select_last_index_i": 0} if g.opset >= 12 else {}
    if not is_none(dim):
        axis = int(get_const(dim, "i", "dim"))
        return g.op(onnx_op, self, axis_i=axis, keepdims_i=int(keep), **extra)
    # No dim: the index into the flattened tensor.
    flat = reshape_helper(g, self, [-1])
    index = g.op(onnx_op, flat, axis_i=0, keepdims_i=0, **extra)
    if not keep:
        return index
    rank = get_tensor_rank(self)
    if rank is None:
        ones = g.op("ConstantOfShape", g.op("Shape", g.op("Shape", self)), value_t=torch.tensor([1], dtype=torch.int64))
        return g.op("Reshape", index, ones)
    return reshape_helper(g, index, [1] * rank)


@builtin_symbolic("aten::argmax", opset=(9, 12))
def aten_argmax(g: GraphContext, self: Value, dim: Any = None, keepdim: Any = False) -> Value:
    """Index of the first maximum (``select_last_index=0`` from opset 12)."""
    return _arg_extreme(g, "ArgMax", self, dim, keepdim)


@builtin_symbolic("aten::argmin", opset=(9, 12))
def aten_argmin(g: GraphContext, self: Value, dim: Any = None, keepdim: Any = False) -> Value:
    return _arg_extreme(g, "ArgMin", self, dim, keepdim)
