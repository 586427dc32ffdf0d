"""Built-in symbolics that read or write along one dim by index: ``gather``, ``scatter*``, ``index_select/fill/copy/add``.

These map to ``Gather``/``GatherElements`` and ``Scatter``/``ScatterElements``
(renamed at opset 11). Two ONNX gaps are bridged:

* ``GatherElements`` starts at opset 11; before it ``gather`` picks with a
  one-hot comparison and a sum, exact for every dtype.
* ``ScatterElements`` adds up repeated indices only from opset 16
  (``reduction="add"``). Before 16, ``scatter_add`` and ``index_add`` sum
  through a one-hot comparison, which handles repeated indices exactly as
  PyTorch does (the legacy exporter's scatter-into-zeros did not).
  ``scatter_reduce`` needs opset 16 (18 for ``amax``/``amin``).
"""

from __future__ import annotations

from typing import Any

import torch

from onnx_migrate.errors import UnsupportedSymbolicError
from onnx_migrate.legacy_symbolics._helpers.args import get_const, get_tensor_rank, get_tensor_sizes
from onnx_migrate.legacy_symbolics._helpers.shapes import reshape_helper, slice_helper, unsqueeze_helper
from onnx_migrate.legacy_symbolics.graph_context import GraphContext
from onnx_migrate.legacy_symbolics.ops.creation import dim_size, filled, iota, static_number
from onnx_migrate.legacy_symbolics.ops.elementwise import cast_to, dtype_of, int64_constant, is_none, known_rank
from onnx_migrate.legacy_symbolics.ops.indexing import non_negative_index, scatter_elements
from onnx_migrate.legacy_symbolics.ops.reduction import reduce_value
from onnx_migrate.legacy_symbolics.marks import builtin_symbolic
from onnx_migrate.legacy_symbolics.values import Value

__all__: list[str] = []

#: PyTorch's reduce names -> ONNX ScatterElements reductions, with the opset each needs.
_SCATTER_REDUCTIONS = {
    "sum": ("add", 16),
    "add": ("add", 16),
    "prod": ("mul", 16),
    "multiply": ("mul", 16),
    "amax": ("max", 18),
    "amin": ("min", 18),
}


def _axis(dim: Any, rank: int) -> int:
    axis = int(get_const(dim, "i", "dim"))
    return axis % rank if rank else 0


def _dtype(value: Value) -> torch.dtype:
    return dtype_of(value) or torch.float32


def _one_hot(g: GraphContext, index: Value, depth: int | Value) -> Value:
    """``index[..., None] == arange(depth)``: a boolean ``[*index.shape, depth]``."""
    rank = get_tensor_rank(index) or 0
    return g.op("Equal", unsqueeze_helper(g, cast_to(g, index, torch.int64), [rank]), iota(g, depth))


def _move_last_to(g: GraphContext, value: Value, rank: int, dim: int) -> Value:
    """Move the last axis of a rank-``rank`` value to position ``dim``."""
    perm = list(range(rank - 1))
    perm.insert(dim, rank - 1)
    return value if perm == list(range(rank)) else g.op("Transpose", value, perm_i=perm)


def _fit_to_index(g: GraphContext, src: Value, index: Value) -> Value:
    """``src`` cut to ``index``'s shape (PyTorch reads only that corner of a larger ``src``)."""
    src_sizes, index_sizes = get_tensor_sizes(src), get_tensor_sizes(index)
    if src_sizes is not None and src_sizes == index_sizes and None not in src_sizes:
        return src
    rank = len(index_sizes) if index_sizes is not None else known_rank(index, "aten::scatter", g.opset)
    if g.opset >= 10:
        return g.op(
            "Slice", src, int64_constant(g, [0] * rank), g.op("Shape", index), int64_constant(g, list(range(rank)))
        )
    if index_sizes is None or None in index_sizes:
        raise UnsupportedSymbolicError(
            "aten::scatter", g.opset, (10,), hint="src larger than a dynamic index needs Slice inputs (opset 10)."
        )
    return slice_helper(g, src, axes=list(range(rank)), starts=[0] * rank, ends=list(index_sizes))


def _scatter_source(g: GraphContext, self: Value, index: Value, src: Any) -> Value:
    """The updates for a scatter: a number expanded to ``index``'s shape, or ``src`` cut to it, in ``self``'s dtype."""
    number = static_number(src)
    if number is not None:
        return g.op("Expand", g.op("Constant", value_t=torch.tensor(number, dtype=_dtype(self))), g.op("Shape", index))
    if get_tensor_rank(src) == 0:
        return g.op("Expand", cast_to(g, src, _dtype(self)), g.op("Shape", index))
    return cast_to(g, _fit_to_index(g, src, index), _dtype(self))


# -- gather -------------------------------------------------------------------------------------


@builtin_symbolic("aten::gather", opset=(9, 11))
def aten_gather(g: GraphContext, self: Value, dim: Any, index: Value, sparse_grad: Any = False) -> Value:
    """``self`` picked along ``dim`` at ``index``: ``GatherElements`` from opset 11, a one-hot sum before."""
    rank = known_rank(self, "aten::gather", g.opset)
    axis = _axis(dim, rank)
    index = cast_to(g, index, torch.int64)
    if g.opset >= 11:
        return g.op("GatherElements", self, index, axis_i=axis)
    self = _cut_to_index(g, self, index, axis)
    depth = dim_size(g, self, axis)
    chosen = _one_hot(g, non_negative_index(g, index, depth), depth)  # [*index.shape, depth]
    # self with the gathered dim moved last (size 1 left in its place), to meet the one-hot along it.
    candidates = g.op("Transpose", unsqueeze_helper(g, self, [axis]), perm_i=_swap_for_gather(rank, axis))
    dtype = _dtype(self)
    summable = torch.int64 if dtype == torch.bool else dtype
    zero = g.op("Constant", value_t=torch.tensor(0, dtype=summable))
    picked = g.op("Where", chosen, cast_to(g, candidates, summable), zero)
    return cast_to(g, reduce_value(g, "ReduceSum", picked, [rank], False), dtype)


def _cut_to_index(g: GraphContext, self: Value, index: Value, axis: int) -> Value:
    """``self`` cut to ``index``'s sizes outside ``axis`` (``gather`` reads only that corner)."""
    self_sizes, index_sizes = get_tensor_sizes(self), get_tensor_sizes(index)
    if self_sizes is None or index_sizes is None:
        return self
    axes = [
        d
        for d, (a, b) in enumerate(zip(self_sizes, index_sizes, strict=True))
        if d != axis and b is not None and a != b
    ]
    if not axes:
        return self
    return slice_helper(g, self, axes=axes, starts=[0] * len(axes), ends=[index_sizes[d] for d in axes])


def _swap_for_gather(rank: int, axis: int) -> list[int]:
    """After unsqueezing at ``axis``, the original dim sits at ``axis + 1``: move it last."""
    order = [d for d in range(rank + 1) if d != axis + 1]
    return order + [axis + 1]


# -- scatter ------------------------------------------------------------------------------------


def _reduction(op: str, reduce: Any, opset: int) -> str:
    if is_none(reduce):
        return "none"
    name = str(get_const(reduce, "s", "reduce"))
    if name not in _SCATTER_REDUCTIONS:
        raise UnsupportedSymbolicError(op, opset, (), hint=f"reduce={name!r} has no ONNX ScatterElements reduction.")
    onnx_name, needed = _SCATTER_REDUCTIONS[name]
    if opset < needed:
        raise UnsupportedSymbolicError(
            op, opset, (needed,), hint=f"ScatterElements reduction={onnx_name!r} needs opset {needed}."
        )
    return onnx_name


@builtin_symbolic("aten::scatter", opset=(9, 11, 16))
def aten_scatter(
    g: GraphContext, self: Value, dim: Any, index: Value, src: Any = None, reduce: Any = None, value: Any = None
) -> Value:
    """``scatter.src``/``.value`` (and ``.reduce`` with ``"add"``/``"multiply"`` from opset 16)."""
    rank = known_rank(self, "aten::scatter", g.opset)
    axis = _axis(dim, rank)
    updates = _scatter_source(g, self, index, value if is_none(src) else src)
    return scatter_elements(
        g, self, cast_to(g, index, torch.int64), updates, axis, _reduction("aten::scatter", reduce, g.opset)
    )


def _one_hot_sum(g: GraphContext, self: Value, axis: int, index: Value, updates: Value) -> Value:
    """``self`` plus ``updates`` summed into the positions ``index`` names along ``axis`` (repeats add up).

    ``index`` and ``updates`` have one shape, equal to ``self``'s except along ``axis``.
    """
    rank = known_rank(self, "aten::scatter_add", g.opset)
    depth = dim_size(g, self, axis)
    chosen = _one_hot(g, non_negative_index(g, index, depth), depth)  # [*index.shape, depth]
    spread = g.op(
        "Where",
        chosen,
        unsqueeze_helper(g, updates, [rank]),
        g.op("Constant", value_t=torch.tensor(0, dtype=_dtype(self))),
    )
    summed = reduce_value(g, "ReduceSum", spread, [axis], False)  # [*index.shape without axis, depth]
    return g.op("Add", self, _move_last_to(g, summed, rank, axis))


def _index_matches_self(self: Value, index: Value, axis: int) -> bool:
    self_sizes, index_sizes = get_tensor_sizes(self), get_tensor_sizes(index)
    if self_sizes is None or index_sizes is None or len(self_sizes) != len(index_sizes):
        return False
    return all(
        d == axis or (a is not None and a == b) for d, (a, b) in enumerate(zip(self_sizes, index_sizes, strict=True))
    )


@builtin_symbolic("aten::scatter_add", opset=(9, 16))
def aten_scatter_add(g: GraphContext, self: Value, dim: Any, index: Value, src: Value) -> Value:
    """``self`` with ``src`` added at ``index`` along ``dim``; repeated indices add up at every opset.

    From opset 16 ``ScatterElements(reduction="add")``; before, a one-hot sum
    when ``index`` covers ``self`` outside ``dim`` (the usual case), else the
    legacy scatter-into-zeros, where a repeated index counts once.
    """
    rank = known_rank(self, "aten::scatter_add", g.opset)
    axis = _axis(dim, rank)
    index = cast_to(g, index, torch.int64)
    updates = _scatter_source(g, self, index, src)
    if g.opset >= 16:
        return scatter_elements(g, self, index, updates, axis, "add")
    if _index_matches_self(self, index, axis):
        return _one_hot_sum(g, self, axis, index, updates)
    zeros = filled(g, g.op("Shape", self), 0, _dtype(self))
    return g.op("Add", self, scatter_elements(g, zeros, index, updates, axis))


@builtin_symbolic("aten::scatter_reduce", opset=(16, 18))
def aten_scatter_reduce(
    g: GraphContext, self: Value, dim: Any, index: Value, src: Value, reduce: Any, include_self: Any = True
) -> Value:
    """``scatter_reduce.two`` with ``sum``/``prod``/``mean`` (opset 16) and ``amax``/``amin`` (opset 18).

    ``include_self=False`` first resets the scattered positions to the
    reduction's neutral start; ``mean`` divides a sum by a count.
    """
    name = str(get_const(reduce, "s", "reduce"))
    rank = known_rank(self, "aten::scatter_reduce", g.opset)
    axis = _axis(dim, rank)
    index = cast_to(g, index, torch.int64)
    updates = _scatter_source(g, self, index, src)
    keep_self = True if is_none(include_self) else bool(get_const(include_self, "b", "include_self"))
    if name == "mean":
        if g.opset < 16:
            raise UnsupportedSymbolicError(
                "aten::scatter_reduce", g.opset, (16,), hint="reduce='mean' needs ScatterElements reduction (opset 16)."
            )
        dtype = _dtype(self)
        base = self if keep_self else scatter_elements(g, self, index, filled(g, g.op("Shape", index), 0, dtype), axis)
        total = scatter_elements(g, base, index, updates, axis, "add")
        ones = filled(g, g.op("Shape", self), 1, dtype)
        count_base = (
            ones if keep_self else scatter_elements(g, ones, index, filled(g, g.op("Shape", index), 0, dtype), axis)
        )
        count = scatter_elements(g, count_base, index, filled(g, g.op("Shape", index), 1, dtype), axis, "add")
        return g.op("Div", total, count)
    reduction = _reduction("aten::scatter_reduce", reduce, g.opset)
    base = self
    if not keep_self:
        start = (
            updates
            if reduction in ("max", "min")
            else filled(g, g.op("Shape", index), int(reduction == "mul"), _dtype(self))
        )
        base = scatter_elements(g, self, index, start, axis)
    return scatter_elements(g, base, index, updates, axis, reduction)


# -- index_* along one dim -----------------------------------------------------------------------


def _one_dim_index(g: GraphContext, index: Value) -> Value:
    index = cast_to(g, index, torch.int64)
    return reshape_helper(g, index, [1]) if get_tensor_rank(index) == 0 else index


def _spread_index(g: GraphContext, index: Value, rank: int, axis: int, shape: Value) -> Value:
    """A 1-D ``index`` along ``axis`` broadcast to ``shape``."""
    others = [d for d in range(rank) if d != axis]
    return g.op("Expand", unsqueeze_helper(g, index, others) if others else index, shape)


@builtin_symbolic("aten::index_select", opset=(9, 11))
def aten_index_select(g: GraphContext, self: Value, dim: Any, index: Value) -> Value:
    """The slices of ``self`` at ``index`` along ``dim`` (a 0-d index keeps the dim, with size 1)."""
    rank = known_rank(self, "aten::index_select", g.opset)
    return g.op("Gather", self, _one_dim_index(g, index), axis_i=_axis(dim, rank))


def _updates_shape(g: GraphContext, self: Value, axis: int, count: Value) -> Value:
    """``self``'s shape with the size along ``axis`` replaced by ``count`` (1-D)."""
    rank = known_rank(self, "aten::index_fill", g.opset)
    shape = g.op("Shape", self)
    pieces = []
    if axis > 0:
        pieces.append(slice_helper(g, shape, axes=[0], starts=[0], ends=[axis]))
    pieces.append(count)
    if axis < rank - 1:
        pieces.append(slice_helper(g, shape, axes=[0], starts=[axis + 1], ends=[rank]))
    return pieces[0] if len(pieces) == 1 else g.op("Concat", *pieces, axis_i=0)


@builtin_symbolic("aten::index_fill", opset=(9, 11))
def aten_index_fill(g: GraphContext, self: Value, dim: Any, index: Value, value: Any) -> Value:
    """``self`` with the slices at ``index`` along ``dim`` set to ``value`` (a number or 0-d tensor)."""
    rank = known_rank(self, "aten::index_fill", g.opset)
    axis = _axis(dim, rank)
    index = non_negative_index(g, _one_dim_index(g, index), dim_size(g, self, axis))
    shape = _updates_shape(g, self, axis, g.op("Shape", index))
    updates = filled(g, shape, value, _dtype(self))
    return scatter_elements(g, self, _spread_index(g, index, rank, axis, shape), updates, axis)


@builtin_symbolic("aten::index_copy", opset=(9, 11))
def aten_index_copy(g: GraphContext, self: Value, dim: Any, index: Value, source: Value) -> Value:
    """``self`` with the slices at ``index`` along ``dim`` replaced by those of ``source``."""
    rank = known_rank(self, "aten::index_copy", g.opset)
    axis = _axis(dim, rank)
    source = cast_to(g, source, _dtype(self))
    if get_tensor_rank(source) != rank:
        source = reshape_helper(g, source, g.op("Shape", self)) if rank == 0 else source
    index = _spread_index(g, _one_dim_index(g, index), rank, axis, g.op("Shape", source))
    return scatter_elements(g, self, index, source, axis)


@builtin_symbolic("aten::index_add", opset=(9, 16))
def aten_index_add(g: GraphContext, self: Value, dim: Any, index: Value, source: Value, alpha: Any = 1) -> Value:
    """``self`` with ``alpha * source`` added to the slices at ``index`` along ``dim``; repeats add up.

    ``ScatterElements(reduction="add")`` from opset 16, a one-hot sum before.
    """
    rank = known_rank(self, "aten::index_add", g.opset)
    axis = _axis(dim, rank)
    source = cast_to(g, source, _dtype(self))
    factor = static_number(alpha)
    if factor is None or factor != 1:
        source = g.op(
            "Mul",
            source,
            alpha if factor is None else g.op("Constant", value_t=torch.tensor(factor, dtype=_dtype(self))),
        )
    index = _one_dim_index(g, index)
    if g.opset >= 16:
        spread = _spread_index(g, index, rank, axis, g.op("Shape", source))
        return scatter_elements(g, self, spread, source, axis, "add")
    depth = dim_size(g, self, axis)
    chosen = _one_hot(g, non_negative_index(g, index, depth), depth)  # [count, depth]
    last = rank - 1
    moved = source if axis == last else g.op("Transpose", source, perm_i=[d for d in range(rank) if d != axis] + [axis])
    zero = g.op("Constant", value_t=torch.tensor(0, dtype=_dtype(self)))
    spread = g.op("Where", chosen, unsqueeze_helper(g, moved, [rank]), zero)  # [..., count, depth]
    summed = reduce_value(g, "ReduceSum", spread, [last], False)  # [..., depth]
    return g.op("Add", self, _move_last_to(g, summed, rank, axis))
