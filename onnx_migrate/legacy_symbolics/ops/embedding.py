"""Built-in symbolics for lookups: ``embedding``, ``embedding_bag``, ``embedding_renorm``, ``one_hot``.

``embedding`` is a ``Gather`` of rows. ``embedding_bag`` reduces the rows
of each bag (``sum``, ``mean`` or ``max``); the legacy exporter built an
ONNX ``Loop`` over the bags, here each index is assigned to its bag with a
comparison against the offsets and the reduction is one ``MatMul`` (sum,
mean) or a masked ``ReduceMax``, with no loop, at every opset. Indices equal
to ``padding_idx`` take no part, and empty bags give zeros, as in PyTorch.
"""

from __future__ import annotations

from typing import Any

import torch

from onnx_migrate.errors import SymbolicValueError
from onnx_migrate.legacy_symbolics._helpers.args import get_const, get_tensor_rank
from onnx_migrate.legacy_symbolics._helpers.shapes import reshape_helper, slice_helper, unsqueeze_helper
from onnx_migrate.legacy_symbolics.graph_context import GraphContext
from onnx_migrate.legacy_symbolics.ops.creation import dim_size, iota, static_number
from onnx_migrate.legacy_symbolics.ops.elementwise import cast_to, dtype_of, int64_constant, is_none
from onnx_migrate.legacy_symbolics.ops.reduction import reduce_value
from onnx_migrate.legacy_symbolics.ops.statistics import vector_norm
from onnx_migrate.legacy_symbolics.marks import builtin_symbolic
from onnx_migrate.legacy_symbolics.values import Value

__all__: list[str] = []

_SUM, _MEAN, _MAX = 0, 1, 2


def _scalar(g: GraphContext, number: float, dtype: torch.dtype) -> Value:
    return g.op("Constant", value_t=torch.tensor(number, dtype=dtype))


@builtin_symbolic("aten::embedding")
def aten_embedding(
    g: GraphContext,
    weight: Value,
    indices: Value,
    padding_idx: Any = -1,
    scale_grad_by_freq: Any = False,
    sparse: Any = False,
) -> Value:
    """The rows of ``weight`` at ``indices`` (``padding_idx`` only matters to gradients)."""
    return g.op("Gather", weight, cast_to(g, indices, torch.int64), axis_i=0)


def _int(value: Any, name: str, default: int) -> int:
    return default if is_none(value) else int(get_const(value, "i", name))


def _flag(value: Any, name: str) -> bool:
    return False if is_none(value) else bool(get_const(value, "b", name))


def _reduce_bags(g: GraphContext, rows: Value, member: Value, mode: int, dtype: torch.dtype) -> Value:
    """Reduce ``rows`` ``[n, D]`` into bags given by ``member`` ``[bags, n]`` (booleans)."""
    count = reduce_value(g, "ReduceSum", cast_to(g, member, torch.int64), [1], True)  # [bags, 1]
    if mode == _MAX:
        candidates = g.op("Where", unsqueeze_helper(g, member, [2]), rows, _scalar(g, float("-inf"), dtype))
        best = reduce_value(g, "ReduceMax", candidates, [1], False)
        return g.op("Where", g.op("Greater", count, int64_constant(g, 0)), best, _scalar(g, 0.0, dtype))
    total = g.op("MatMul", cast_to(g, member, dtype), rows)
    if mode == _SUM:
        return total
    return g.op("Div", total, g.op("Max", cast_to(g, count, dtype), _scalar(g, 1.0, dtype)))


def embedding_bags(
    g: GraphContext,
    weight: Value,
    indices: Value,
    offsets: Any,
    mode: int,
    per_sample_weights: Any,
    include_last_offset: bool,
    padding_idx: int | None,
) -> Value:
    """The bag reductions of ``embedding_bag`` (``[bags, D]``)."""
    dtype = dtype_of(weight) or torch.float32
    indices = cast_to(g, indices, torch.int64)
    rank = get_tensor_rank(indices)
    if rank == 2:
        # Fixed-size bags: one per row of indices.
        bags = dim_size(g, indices, 0)
        length = dim_size(g, indices, 1)
        flat = reshape_helper(g, indices, [-1])
        bag_of = g.op(
            "Div", iota(g, g.op("Size", indices)), length if not isinstance(length, int) else int64_constant(g, length)
        )
        offsets = None
    elif rank == 1:
        flat = indices
        if is_none(offsets):
            raise SymbolicValueError("aten::embedding_bag with 1-D indices needs offsets.", indices)
        offsets = cast_to(g, offsets, torch.int64)
        if include_last_offset:
            offsets = slice_helper(g, offsets, axes=[0], starts=[0], ends=[-1])
        positions = iota(g, dim_size(g, flat, 0))
        started = g.op(
            "Not", g.op("Less", unsqueeze_helper(g, positions, [1]), unsqueeze_helper(g, offsets, [0]))
        )
        bag_of = g.op(
            "Sub", reduce_value(g, "ReduceSum", cast_to(g, started, torch.int64), [1], False), int64_constant(g, 1)
        )
        bags = dim_size(g, offsets, 0)
    else:
        raise SymbolicValueError(f"aten::embedding_bag needs 1-D or 2-D indices, got rank {rank}.", indices)
    member = g.op("Equal", unsqueeze_helper(g, iota(g, bags), [1]), unsqueeze_helper(g, bag_of, [0]))
    if padding_idx is not None and padding_idx >= 0:
        kept = g.op("Not", g.op("Equal", flat, int64_constant(g, padding_idx)))
        member = g.op("And", member, unsqueeze_helper(g, kept, [0]))
    rows = g.op("Gather", weight, flat, axis_i=0)
    if not is_none(per_sample_weights):
        scale = reshape_helper(g, cast_to(g, per_sample_weights, dtype), [-1, 1])
        rows = g.op("Mul", rows, scale)
    return _reduce_bags(g, rows, member, mode, dtype)


def _bag_symbolic(
    g: GraphContext,
    weight: Value,
    indices: Value,
    offsets: Any,
    mode: Any,
    per_sample_weights: Any,
    include_last_offset: Any,
    padding_idx: Any,
) -> tuple[Value, None, None, None]:
    index = None if is_none(padding_idx) else _int(padding_idx, "padding_idx", -1)
    out = embedding_bags(
        g,
        weight,
        indices,
        offsets,
        _int(mode, "mode", _SUM),
        per_sample_weights,
        _flag(include_last_offset, "include_last_offset"),
        index,
    )
    # offset2bag, bag_size and max_indices serve autograd only; they have no ONNX form here.
    return out, None, None, None


@builtin_symbolic("aten::embedding_bag")
def aten_embedding_bag(
    g: GraphContext,
    weight: Value,
    indices: Value,
    offsets: Any,
    scale_grad_by_freq: Any = False,
    mode: Any = 0,
    sparse: Any = False,
    per_sample_weights: Any = None,
    include_last_offset: Any = False,
    padding_idx: Any = None,
) -> tuple[Value, None, None, None]:
    """``embedding_bag`` and ``embedding_bag.padding_idx``: bags reduced by ``mode`` (0 sum, 1 mean, 2 max)."""
    return _bag_symbolic(g, weight, indices, offsets, mode, per_sample_weights, include_last_offset, padding_idx)


@builtin_symbolic("aten::_embedding_bag")
def aten__embedding_bag(
    g: GraphContext,
    weight: Value,
    indices: Value,
    offsets: Any,
    scale_grad_by_freq: Any = False,
    mode: Any = 0,
    sparse: Any = False,
    per_sample_weights: Any = None,
    include_last_offset: Any = False,
    padding_idx: Any = -1,
) -> tuple[Value, None, None, None]:
    """The implementation op behind ``embedding_bag`` (``padding_idx=-1`` means none)."""
    return _bag_symbolic(g, weight, indices, offsets, mode, per_sample_weights, include_last_offset, padding_idx)


@builtin_symbolic("aten::embedding_renorm")
def aten_embedding_renorm(g: GraphContext, self: Value, indices: Value, max_norm: Any, norm_type: Any) -> Value:
    """``weight`` with the rows at ``indices`` whose ``norm_type``-norm exceeds ``max_norm`` scaled down to it."""
    dtype = dtype_of(self) or torch.float32
    limit = float(static_number(max_norm))  # type: ignore[arg-type]
    order = float(static_number(norm_type) if not is_none(norm_type) else 2.0)  # type: ignore[arg-type]
    norms = vector_norm(g, self, order, [1], True)  # [rows, 1]
    factor = g.op("Div", _scalar(g, limit, dtype), g.op("Add", norms, _scalar(g, 1e-7, dtype)))
    too_long = g.op("Greater", norms, _scalar(g, limit, dtype))
    flat = reshape_helper(g, cast_to(g, indices, torch.int64), [-1])
    hits = g.op(
        "Equal", unsqueeze_helper(g, iota(g, dim_size(g, self, 0)), [1]), unsqueeze_helper(g, flat, [0])
    )
    used = g.op("Greater", reduce_value(g, "ReduceSum", cast_to(g, hits, torch.int64), [1], True), int64_constant(g, 0))
    rescale = g.op("And", too_long, used)
    return g.op("Where", rescale, g.op("Mul", self, factor), self)


@builtin_symbolic("aten::one_hot", opset=(9, 11))
def aten_one_hot(g: GraphContext, self: Value, num_classes: Any = -1) -> Value:
    """int64 one-hot rows; ``num_classes=-1`` takes the largest index plus one (a run-time size)."""
    classes = _int(num_classes, "num_classes", -1)
    index = cast_to(g, self, torch.int64)
    if classes < 0:
        depth: int | Value = g.op("Add", reduce_value(g, "ReduceMax", index, None, False), int64_constant(g, 1))
    else:
        depth = classes
    rank = get_tensor_rank(index) or 0
    return cast_to(g, g.op("Equal", unsqueeze_helper(g, index, [rank]), iota(g, depth)), torch.int64)
