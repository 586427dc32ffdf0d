"""Built-in symbolics for ordering and running scans: ``topk``, ``sort``, ``argsort``, ``cumsum``, ``cumprod``...

Ordering maps to ONNX ``TopK``, whose ``k`` became an input at opset 10 and
which learned ``largest``/``sorted`` at opset 11. Before 11 the smallest
elements are found as the largest of the negated tensor, so ascending
``sort`` and ``topk(largest=False)`` export at every opset. ``TopK`` keeps
equal elements in index order, which matches ``sort(stable=True)``.

``CumSum`` starts at opset 11; before it a running sum is a product with a
triangular matrix of ones. ``cumprod`` (no ONNX op) multiplies slice by slice
when the dim size is static, and goes through logarithms (with the signs and
zeros tracked apart) when it is not.
"""

from __future__ import annotations

from typing import Any

import torch

from onnx_migrate.errors import UnsupportedSymbolicError
from onnx_migrate.legacy_symbolics._helpers.args import get_const, get_tensor_dim_size
from onnx_migrate.legacy_symbolics._helpers.shapes import reshape_helper, slice_helper, unsqueeze_helper
from onnx_migrate.legacy_symbolics.graph_context import GraphContext
from onnx_migrate.legacy_symbolics.ops.creation import bind_overload, dim_size, iota, static_number
from onnx_migrate.legacy_symbolics.ops.elementwise import (
    accumulating_input,
    cast_to,
    dtype_of,
    int64_constant,
    is_none,
    known_rank,
    where_value,
)
from onnx_migrate.legacy_symbolics.ops.reduction import reduce_value
from onnx_migrate.legacy_symbolics.marks import builtin_symbolic
from onnx_migrate.legacy_symbolics.values import ConstantValue, Value

__all__ = ["cumulative_sum"]


def _axis(dim: Any, rank: int, default: int = -1) -> int:
    axis = default if is_none(dim) else int(get_const(dim, "i", "dim"))
    return axis % rank if rank else 0


def _flag(value: Any, name: str, default: bool) -> bool:
    return default if is_none(value) else bool(get_const(value, "b", name))


# -- ordering ------------------------------------------------------------------------------------


def top_k(
    g: GraphContext, self: Value, k: Any, axis: int, largest: bool, sorted_: bool, op: str
) -> tuple[Value, Value]:
    """``TopK`` in the form valid at ``g.opset``; the smallest ``k`` before opset 11 via the negated input."""
    count = static_number(k)
    negate = not largest and g.opset < 11
    if negate and dtype_of(self) in (torch.bool, torch.uint8):
        raise UnsupportedSymbolicError(
            op, g.opset, (11,), hint="the smallest elements of an unsigned tensor need TopK(largest=0), opset 11."
        )
    dtype = dtype_of(self)
    # TopK takes only floats before opset 11; integers go through float64 (exact below 2**53).
    widened = g.opset < 11 and dtype is not None and not dtype.is_floating_point
    source = cast_to(g, self, torch.float64) if widened else self
    source = g.op("Neg", source) if negate else source
    if g.opset < 10:
        if count is None:
            raise UnsupportedSymbolicError(op, g.opset, (10,), hint="a k known only at run time needs TopK-10.")
        values, indices = g.op("TopK", source, k_i=int(count), axis_i=axis, outputs=2)
    else:
        k_value = (
            int64_constant(g, [int(count)])
            if count is not None
            else reshape_helper(g, cast_to(g, k, torch.int64), [1])
        )
        if g.opset < 11:
            values, indices = g.op("TopK", source, k_value, axis_i=axis, outputs=2)
        else:
            values, indices = g.op(
                "TopK", source, k_value, axis_i=axis, largest_i=int(largest), sorted_i=int(sorted_), outputs=2
            )
    values = g.op("Neg", values) if negate else values
    return (cast_to(g, values, dtype) if widened else values), indices


@builtin_symbolic("aten::topk", opset=(9, 10, 11))
def aten_topk(
    g: GraphContext,
    self: Value,
    k: Any,
    dim: Any = -1,
    largest: Any = True,
    sorted: Any = True,
    out: Any = None,
) -> tuple[Value, Value]:
    """The ``k`` largest (or smallest) elements along ``dim`` and their indices (``out`` is the legacy ``out=``)."""
    _no_out("aten::topk", g.opset, out)
    rank = known_rank(self, "aten::topk", g.opset)
    return top_k(
        g, self, k, _axis(dim, rank), _flag(largest, "largest", True), _flag(sorted, "sorted", True), "aten::topk"
    )


_SORT_FORMS = {1: ("dim",), 2: ("dim", "descending"), 3: ("stable", "dim", "descending")}


def _no_out(op: str, opset: int, out: Any) -> None:
    if not is_none(out):
        raise UnsupportedSymbolicError(
            op, opset, (), hint="the out= argument has no ONNX form; use the returned values."
        )


def _sorted(
    g: GraphContext, self: Value, args: tuple[Any, ...], kwargs: dict[str, Any], op: str
) -> tuple[Value, Value]:
    first = args[0].python_value if args and isinstance(args[0], ConstantValue) else (args[0] if args else None)
    if len(args) == 3 and isinstance(first, int) and not isinstance(first, bool):
        # The legacy positional form sort(g, self, dim, descending, out).
        _no_out(op, g.opset, args[2])
        args = args[:2]
    named = bind_overload(op, args, kwargs, _SORT_FORMS)
    _no_out(op, g.opset, named.pop("out", None))
    rank = known_rank(self, op, g.opset)
    if rank == 0:
        return self, int64_constant(g, 0)
    axis = _axis(named.get("dim"), rank)
    descending = _flag(named.get("descending"), "descending", False)
    return top_k(g, self, dim_size(g, self, axis), axis, descending, True, op)


@builtin_symbolic("aten::sort", opset=(9, 10, 11))
def aten_sort(g: GraphContext, self: Value, *args: Any, **kwargs: Any) -> tuple[Value, Value]:
    """``sort(self, dim, descending)`` and ``sort.stable(self, *, stable, dim, descending)``: a full-size ``TopK``."""
    return _sorted(g, self, args, kwargs, "aten::sort")


@builtin_symbolic("aten::argsort", opset=(9, 10, 11))
def aten_argsort(g: GraphContext, self: Value, *args: Any, **kwargs: Any) -> Value:
    """The indices that sort ``self`` along ``dim`` (``argsort`` and ``argsort.stable``)."""
    return _sorted(g, self, args, kwargs, "aten::argsort")[1]


# -- running scans -------------------------------------------------------------------------------


def _move_to_last(g: GraphContext, value: Value, axis: int, rank: int) -> tuple[Value, list[int]]:
    perm = [d for d in range(rank) if d != axis] + [axis]
    moved = value if perm == list(range(rank)) else g.op("Transpose", value, perm_i=perm)
    return moved, perm


def cumulative_sum(g: GraphContext, value: Value, axis: int) -> Value:
    """Running sum along ``axis``: ``CumSum`` from opset 11, a product with a triangle of ones before (floats)."""
    if g.opset >= 11:
        return g.op("CumSum", value, int64_constant(g, axis))
    rank = known_rank(value, "aten::cumsum", g.opset)
    dtype = dtype_of(value) or torch.float32
    compute = dtype if dtype.is_floating_point else torch.float64
    length = dim_size(g, value, axis)
    positions = iota(g, length)
    # triangle[i, j] = 1 where source i counts toward output j (i <= j).
    triangle = cast_to(
        g,
        g.op("Not", g.op("Greater", unsqueeze_helper(g, positions, [1]), unsqueeze_helper(g, positions, [0]))),
        compute,
    )
    moved, perm = _move_to_last(g, cast_to(g, value, compute), axis, rank)
    summed = g.op("MatMul", moved, triangle)
    inverse = [perm.index(d) for d in range(rank)]
    restored = summed if perm == list(range(rank)) else g.op("Transpose", summed, perm_i=inverse)
    return cast_to(g, restored, dtype)


@builtin_symbolic("aten::cumsum", opset=(9, 11))
def aten_cumsum(g: GraphContext, self: Value, dim: Any, dtype: Any = None) -> Value:
    """Running sum along ``dim`` (``CumSum`` from opset 11)."""
    source = accumulating_input(g, self, dtype)
    rank = known_rank(source, "aten::cumsum", g.opset)
    if rank == 0:
        return source
    return cumulative_sum(g, source, _axis(dim, rank))


def _cumprod_by_slices(g: GraphContext, value: Value, axis: int, length: int) -> Value:
    running = slice_helper(g, value, axes=[axis], starts=[0], ends=[1])
    pieces = [running]
    for position in range(1, length):
        item = slice_helper(g, value, axes=[axis], starts=[position], ends=[position + 1])
        running = g.op("Mul", running, item)
        pieces.append(running)
    return pieces[0] if len(pieces) == 1 else g.op("Concat", *pieces, axis_i=axis)


def _cumprod_by_logs(g: GraphContext, value: Value, axis: int) -> Value:
    """Running product through logarithms: magnitude, sign parity and "a zero was seen" scanned apart."""
    dtype = dtype_of(value) or torch.float32
    compute = dtype if dtype.is_floating_point else torch.float64
    x = cast_to(g, value, compute)
    zero = g.op("Constant", value_t=torch.tensor(0, dtype=compute))
    one = g.op("Constant", value_t=torch.tensor(1, dtype=compute))
    is_zero = g.op("Equal", x, zero)
    magnitude = g.op("Exp", cumulative_sum(g, g.op("Log", g.op("Where", is_zero, one, g.op("Abs", x))), axis))
    negatives = cumulative_sum(g, cast_to(g, g.op("Less", x, zero), torch.int64), axis)
    odd = g.op("Equal", g.op("Mod", negatives, int64_constant(g, 2)), int64_constant(g, 1))
    signed = g.op("Where", odd, g.op("Neg", magnitude), magnitude)
    zero_seen = g.op("Greater", cumulative_sum(g, cast_to(g, is_zero, torch.int64), axis), int64_constant(g, 0))
    result = g.op("Where", zero_seen, zero, signed)
    if not dtype.is_floating_point:
        result = g.op("Round", result)
    return cast_to(g, result, dtype)


@builtin_symbolic("aten::cumprod", opset=(9, 11))
def aten_cumprod(g: GraphContext, self: Value, dim: Any, dtype: Any = None) -> Value:
    """Running product along ``dim``: exact slice products for a static size, logarithms (opset 11) otherwise."""
    source = accumulating_input(g, self, dtype)
    rank = known_rank(source, "aten::cumprod", g.opset)
    if rank == 0:
        return source
    axis = _axis(dim, rank)
    length = get_tensor_dim_size(source, axis)
    if length is not None:
        return _cumprod_by_slices(g, source, axis, int(length))
    if g.opset < 11:
        raise UnsupportedSymbolicError(
            "aten::cumprod", g.opset, (11,), hint="a running product over a dynamic dim needs CumSum (opset 11)."
        )
    return _cumprod_by_logs(g, source, axis)


@builtin_symbolic("aten::logcumsumexp", opset=(9, 11))
def aten_logcumsumexp(g: GraphContext, self: Value, dim: Any) -> Value:
    """``log(cumsum(exp(x)))``, shifted by the maximum along ``dim`` for range (exact while values stay within ~80 of it)."""
    rank = known_rank(self, "aten::logcumsumexp", g.opset)
    if rank == 0:
        return self
    axis = _axis(dim, rank)
    peak = reduce_value(g, "ReduceMax", self, [axis], True)
    finite_peak = (
        where_value(
            g,
            g.op("IsInf", peak),
            g.op("Constant", value_t=torch.tensor(0, dtype=dtype_of(self) or torch.float32)),
            peak,
        )
        if g.opset >= 10
        else peak
    )
    shifted = g.op("Exp", g.op("Sub", self, finite_peak))
    return g.op("Add", g.op("Log", cumulative_sum(g, shifted, axis)), finite_peak)


# -- unique ----------------------------------------------------------------------------------------


def _unique(
    g: GraphContext, self: Value, axis: int | None, return_inverse: bool, return_counts: bool, op: str
) -> tuple[Value, Value | None, Value | None]:
    """ONNX ``Unique`` (opset 11, sorted): values, inverse indices (shaped as PyTorch returns them), counts."""
    if g.opset < 11:
        raise UnsupportedSymbolicError(op, g.opset, (11,), hint="ONNX Unique needs opset 11.")
    extra = {} if axis is None else {"axis_i": axis}
    values, _, inverse, counts = g.op("Unique", self, sorted_i=1, outputs=4, **extra)
    if axis is None and return_inverse:
        inverse = g.op("Reshape", inverse, g.op("Shape", self))
    return values, inverse if return_inverse else None, counts if return_counts else None


@builtin_symbolic("aten::_unique2", opset=11)
def aten__unique2(
    g: GraphContext, self: Value, sorted: Any = True, return_inverse: Any = False, return_counts: Any = False
) -> tuple[Value, Value | None, Value | None]:
    """``torch.unique``: sorted unique values, inverse indices, counts."""
    return _unique(
        g,
        self,
        None,
        _flag(return_inverse, "return_inverse", False),
        _flag(return_counts, "return_counts", False),
        "aten::_unique2",
    )


@builtin_symbolic("aten::_unique", opset=11)
def aten__unique(
    g: GraphContext, self: Value, sorted: Any = True, return_inverse: Any = False
) -> tuple[Value, Value | None]:
    """The older ``_unique``: values and inverse indices."""
    values, inverse, _ = _unique(g, self, None, _flag(return_inverse, "return_inverse", False), False, "aten::_unique")
    return values, inverse


@builtin_symbolic("aten::unique_dim", opset=11)
def aten_unique_dim(
    g: GraphContext,
    self: Value,
    dim: Any,
    sorted: Any = True,
    return_inverse: Any = False,
    return_counts: Any = False,
) -> tuple[Value, Value | None, Value | None]:
    """Unique slices along ``dim``."""
    rank = known_rank(self, "aten::unique_dim", g.opset)
    return _unique(
        g,
        self,
        _axis(dim, rank),
        _flag(return_inverse, "return_inverse", False),
        _flag(return_counts, "return_counts", False),
        "aten::unique_dim",
    )
