"""Built-in symbolics for advanced indexing: ``x[idx]``, ``x[i, :, j]``, ``x[mask]`` and their assignments.

``torch.export`` writes every tensor subscript that is not a plain slice as
``aten::index.Tensor(self, indices)`` (``indices`` holds one optional tensor
per leading dim, ``None`` for the dims kept whole) and every subscript
assignment as ``aten::index_put_``. The symbolics here follow PyTorch's
rules: index tensors broadcast together; boolean masks stand for the indices
of their true elements; the indexed dims are replaced by the broadcast index
shape, placed where the first indexed dim was when the indexed dims are
adjacent and in front otherwise.

One index tensor becomes ``Gather``; several become ``GatherND`` from opset
11 (a flat ``Gather`` on the combined index before it). Assignments use
``ScatterND`` (opset 11; ``reduction="add"`` for ``accumulate=True`` from
opset 16). ``masked_fill``/``masked_select``/``masked_scatter``, ``take``,
``nonzero`` and the functional scatters of views (``select_scatter``,
``slice_scatter``) live here too.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import torch

from onnx_migrate.errors import SymbolicValueError, UnsupportedSymbolicError
from onnx_migrate.legacy_symbolics._helpers.args import (
    get_const,
    get_tensor_dim_size,
    get_tensor_rank,
    get_tensor_sizes,
    is_packed_list,
    unpack_list,
)
from onnx_migrate.legacy_symbolics._helpers.shapes import reshape_helper, slice_helper, unsqueeze_helper
from onnx_migrate.legacy_symbolics.graph_context import GraphContext
from onnx_migrate.legacy_symbolics.ops.creation import dim_size, filled, iota, static_number
from onnx_migrate.legacy_symbolics.ops.elementwise import (
    INT64_MAX,
    as_bool,
    cast_to,
    dtype_of,
    int64_constant,
    is_none,
    known_rank,
    where_value,
)
from onnx_migrate.legacy_symbolics.marks import builtin_symbolic
from onnx_migrate.legacy_symbolics.values import ConstantValue, ListValue, Value

__all__ = ["non_negative_index", "scatter_elements"]


def _unsupported(op: str, opset: int, why: str, min_opset: int | None = None) -> UnsupportedSymbolicError:
    hint = f"{why}." if min_opset is None else f"{why}; export with opset_version >= {min_opset}."
    return UnsupportedSymbolicError(op, opset, (min_opset,) if min_opset else (), hint=hint)


def _int(value: Any, name: str) -> int:
    return int(get_const(value, "i", name))


def non_negative_index(g: GraphContext, index: Value, size: int | Value) -> Value:
    """``index`` with negative entries counted from the end of a dim of ``size`` (ONNX ops before 11 need it)."""
    index = cast_to(g, index, torch.int64)
    const = index.ir_value.const_value if isinstance(index, Value) and not isinstance(index, ConstantValue) else None
    if const is not None and (const.numpy() >= 0).all():
        return index
    bound = int64_constant(g, size) if isinstance(size, int) else size
    negative = g.op("Less", index, int64_constant(g, 0))
    return g.op("Where", negative, g.op("Add", index, bound), index)


def scatter_elements(
    g: GraphContext, self: Value, index: Value, src: Value, axis: int, reduction: str = "none"
) -> Value:
    """``Scatter`` (opsets 9-10) or ``ScatterElements`` (11+, with ``reduction`` from 16)."""
    if reduction != "none":
        return g.op("ScatterElements", self, index, src, axis_i=axis, reduction_s=reduction)
    return g.op("Scatter" if g.opset < 11 else "ScatterElements", self, index, src, axis_i=axis)


# -- the index plan: which dims are indexed, by what ---------------------------------------


@dataclasses.dataclass
class _IndexPlan:
    """The advanced indices of a subscript, in the form every indexing symbolic uses.

    Attributes:
        rank: the rank of the indexed tensor.
        dims: the indexed dims, ascending.
        indices: one int64 index tensor per dim of ``dims`` (not yet broadcast together).
        masks: ``(first dim, mask)`` of the boolean indices, for the masked shortcuts.
    """

    rank: int
    dims: list[int]
    indices: list[Value]
    masks: list[tuple[int, Value]]

    @property
    def adjacent(self) -> bool:
        """Whether the indexed dims are consecutive (their result dims then stay in place)."""
        return self.dims == list(range(self.dims[0], self.dims[0] + len(self.dims)))

    @property
    def front_perm(self) -> list[int]:
        """The permutation bringing the indexed dims to the front, the others after them in order."""
        return self.dims + [d for d in range(self.rank) if d not in self.dims]


def _index_items(indices: Any) -> list[Any]:
    if isinstance(indices, ListValue):
        return list(indices.items)
    if isinstance(indices, (list, tuple)):
        return list(indices)
    if isinstance(indices, ConstantValue) and isinstance(indices.python_value, (list, tuple)):
        return [None if v is None else ConstantValue(v) for v in indices.python_value]
    return list(unpack_list(indices)) if is_packed_list(indices) else [indices]


def _plan(g: GraphContext, op: str, self: Value, indices: Any) -> _IndexPlan:
    rank = known_rank(self, op, g.opset)
    dims: list[int] = []
    tensors: list[Value] = []
    masks: list[tuple[int, Value]] = []
    position = 0
    for item in _index_items(indices):
        if item is None or is_none(item):
            position += 1
            continue
        dtype = dtype_of(item)
        if dtype in (torch.bool, torch.uint8):
            mask = as_bool(g, item)
            mask_rank = known_rank(mask, op, g.opset)
            masks.append((position, mask))
            coordinates = g.op("NonZero", mask)
            for offset in range(mask_rank):
                row = g.op("Gather", coordinates, int64_constant(g, offset), axis_i=0)
                dims.append(position + offset)
                tensors.append(row)
            position += mask_rank
        else:
            dims.append(position)
            tensors.append(cast_to(g, item, torch.int64))
            position += 1
    if position > rank:
        raise SymbolicValueError(f"{op}: {position} dims indexed but the tensor has rank {rank}.", self)
    if not dims:
        raise SymbolicValueError(f"{op}: the index list holds no tensor (opset {g.opset}).", self)
    return _IndexPlan(rank, dims, tensors, masks)


def _broadcast_shape(g: GraphContext, tensors: list[Value]) -> Value:
    """The shape the index tensors broadcast to (1-D int64)."""
    shapes = [get_tensor_sizes(t) for t in tensors]
    if all(s is not None and None not in s for s in shapes):
        return int64_constant(g, list(torch.broadcast_shapes(*[tuple(s) for s in shapes])))  # type: ignore[misc]
    total = tensors[0]
    for tensor in tensors[1:]:
        total = g.op("Add", total, tensor)
    return g.op("Shape", total)


def _broadcast_rank(tensors: list[Value], op: str, opset: int) -> int:
    return max(known_rank(t, op, opset) for t in tensors)


def _stacked_indices(g: GraphContext, plan: _IndexPlan, sizes: list[int | Value]) -> tuple[Value, Value]:
    """The indices as one ``[*broadcast, len(dims)]`` tensor for ``GatherND``/``ScatterND``, and the broadcast shape."""
    shape = _broadcast_shape(g, plan.indices)
    depth = _broadcast_rank(plan.indices, "aten::index", g.opset)
    columns = []
    for index, size in zip(plan.indices, sizes, strict=True):
        index = non_negative_index(g, index, size)
        expanded = g.op("Expand", index, shape) if len(plan.indices) > 1 else index
        columns.append(unsqueeze_helper(g, expanded, [depth]))
    stacked = columns[0] if len(columns) == 1 else g.op("Concat", *columns, axis_i=depth)
    return stacked, shape


def _flat_index(g: GraphContext, plan: _IndexPlan, sizes: list[int | Value]) -> Value:
    """The row-major position of each index tuple among the indexed dims (for a flat ``Gather``)."""
    total: Value | None = None
    for index, size in zip(plan.indices, sizes, strict=True):
        index = non_negative_index(g, index, size)
        if total is None:
            total = index
        else:
            total = g.op("Add", g.op("Mul", total, int64_constant(g, size) if isinstance(size, int) else size), index)
    assert total is not None
    return total


def _result_perm(plan: _IndexPlan, index_rank: int) -> list[int] | None:
    """Where the broadcast dims go in PyTorch's result, from ``[*broadcast, *other dims]``."""
    if not plan.adjacent or plan.dims[0] == 0:
        return None
    rest = plan.rank - len(plan.dims)
    first = plan.dims[0]
    perm = (
        [index_rank + i for i in range(first)] + list(range(index_rank)) + [index_rank + i for i in range(first, rest)]
    )
    return None if perm == list(range(len(perm))) else perm


def _transpose(g: GraphContext, value: Value, perm: list[int]) -> Value:
    return value if perm == list(range(len(perm))) else g.op("Transpose", value, perm_i=perm)


def _inverse(perm: list[int]) -> list[int]:
    inverse = [0] * len(perm)
    for position, dim in enumerate(perm):
        inverse[dim] = position
    return inverse


def _gather_indexed(g: GraphContext, self: Value, plan: _IndexPlan) -> Value:
    sizes = [dim_size(g, self, d) for d in plan.dims]
    if len(plan.dims) == 1:
        index = plan.indices[0]
        if g.opset < 11:
            index = non_negative_index(g, index, sizes[0])
        return g.op("Gather", self, index, axis_i=plan.dims[0])
    front = _transpose(g, self, plan.front_perm)
    index_rank = _broadcast_rank(plan.indices, "aten::index", g.opset)
    if g.opset >= 11:
        stacked, _ = _stacked_indices(g, plan, sizes)
        result = g.op("GatherND", front, stacked)
    else:
        count = len(plan.dims)
        tail = slice_helper(g, g.op("Shape", front), axes=[0], starts=[count], ends=[INT64_MAX])
        flat = g.op("Reshape", front, g.op("Concat", int64_constant(g, [-1]), tail, axis_i=0))
        result = g.op("Gather", flat, _flat_index(g, plan, sizes), axis_i=0)
    perm = _result_perm(plan, index_rank)
    return result if perm is None else g.op("Transpose", result, perm_i=perm)


@builtin_symbolic("aten::index", opset=(9, 11))
def aten_index(g: GraphContext, self: Value, indices: Any) -> Value:
    """``self[indices]``: integer and boolean index tensors, ``None`` for dims kept whole."""
    return _gather_indexed(g, self, _plan(g, "aten::index", self, indices))


# -- assignment -------------------------------------------------------------------------------


def _masked_fill_shortcut(g: GraphContext, self: Value, plan: _IndexPlan, values: Value) -> Value | None:
    """``x[mask] = scalar`` as a ``Where`` (no NonZero, valid at every opset)."""
    if len(plan.masks) != 1 or len(plan.indices) != known_rank(plan.masks[0][1], "aten::index_put", g.opset):
        return None
    if get_tensor_rank(values) != 0 and get_tensor_sizes(values) not in ([1],):
        return None
    first, mask = plan.masks[0]
    mask_rank = get_tensor_rank(mask) or 0
    trailing = plan.rank - first - mask_rank
    if trailing:
        mask = unsqueeze_helper(g, mask, list(range(mask_rank, mask_rank + trailing)))
    scalar = reshape_helper(g, cast_to(g, values, dtype_of(self) or torch.float32), [])
    return where_value(g, mask, scalar, self)


def _values_in_front_layout(g: GraphContext, self: Value, plan: _IndexPlan, values: Value, index_shape: Value) -> Value:
    """``values`` broadcast to PyTorch's result shape of ``self[indices]``, then laid out as ``[*broadcast, *others]``."""
    index_rank = _broadcast_rank(plan.indices, "aten::index_put", g.opset)
    others = [d for d in range(plan.rank) if d not in plan.dims]
    other_shape = [g.op("Gather", g.op("Shape", self), int64_constant(g, [d]), axis_i=0) for d in others]
    perm = _result_perm(plan, index_rank)
    if perm is None:
        pieces = [index_shape, *other_shape]
    else:
        first = plan.dims[0]
        pieces = [*other_shape[:first], index_shape, *other_shape[first:]]
    target = pieces[0] if len(pieces) == 1 else g.op("Concat", *pieces, axis_i=0)
    expanded = g.op("Expand", cast_to(g, values, dtype_of(self) or torch.float32), target)
    return expanded if perm is None else g.op("Transpose", expanded, perm_i=_inverse(perm))


def _index_put_before_11(g: GraphContext, self: Value, plan: _IndexPlan, values: Value, accumulate: bool) -> Value:
    """Opsets 9-10 have no ScatterND: one 1-D integer index becomes a ``Scatter`` along its dim."""
    index = plan.indices[0]
    if len(plan.indices) != 1 or plan.masks or get_tensor_rank(index) != 1 or accumulate:
        raise _unsupported(
            "aten::index_put",
            g.opset,
            "ONNX has no ScatterND before opset 11; only x[mask] = scalar and x[1-D index] = values are "
            "expressible (without accumulate)",
            11,
        )
    dim = plan.dims[0]
    index = non_negative_index(g, index, dim_size(g, self, dim))
    shape = g.op("Shape", self)
    before = [slice_helper(g, shape, axes=[0], starts=[0], ends=[dim])] if dim else []
    after = slice_helper(g, shape, axes=[0], starts=[dim + 1], ends=[INT64_MAX])
    updates_shape = g.op("Concat", *before, g.op("Shape", index), after, axis_i=0)
    others = [d for d in range(plan.rank) if d != dim]
    expanded_index = g.op("Expand", unsqueeze_helper(g, index, others) if others else index, updates_shape)
    updates = g.op("Expand", cast_to(g, values, dtype_of(self) or torch.float32), updates_shape)
    return scatter_elements(g, self, expanded_index, updates, dim)


def index_put_value(g: GraphContext, self: Value, indices: Any, values: Value, accumulate: bool) -> Value:
    """``self[indices] = values`` (or ``+=`` when ``accumulate``), as a new tensor."""
    items = _index_items(indices)
    if not any(i is not None and not is_none(i) for i in items):
        return g.op("Add", self, values) if accumulate else g.op("Expand", values, g.op("Shape", self))
    plan = _plan(g, "aten::index_put", self, indices)
    if not accumulate:
        shortcut = _masked_fill_shortcut(g, self, plan, values)
        if shortcut is not None:
            return shortcut
    if g.opset < 11:
        return _index_put_before_11(g, self, plan, values, accumulate)
    sizes = [dim_size(g, self, d) for d in plan.dims]
    front = _transpose(g, self, plan.front_perm)
    stacked, index_shape = _stacked_indices(g, plan, sizes)
    updates = _values_in_front_layout(g, self, plan, values, index_shape)
    if accumulate and g.opset >= 16:
        result = g.op("ScatterND", front, stacked, updates, reduction_s="add")
    elif accumulate:
        # ScatterND learns reduction="add" at opset 16; until then repeated indices add only once.
        zeros = filled(g, g.op("Shape", front), 0, dtype_of(self) or torch.float32)
        result = g.op("Add", front, g.op("ScatterND", zeros, stacked, updates))
    else:
        result = g.op("ScatterND", front, stacked, updates)
    return _transpose(g, result, _inverse(plan.front_perm))


def _flag(value: Any, name: str) -> bool:
    return False if is_none(value) else bool(get_const(value, "b", name))


@builtin_symbolic("aten::index_put", opset=(9, 11, 16))
def aten_index_put(g: GraphContext, self: Value, indices: Any, values: Value, accumulate: Any = False) -> Value:
    """``index_put``/``index_put_``: ``ScatterND`` (add-reduced from opset 16 when accumulating).

    Before opset 16 ``accumulate=True`` adds each repeated index once (as the
    legacy exporter did); opsets 9-10 take only a mask with a scalar or one
    1-D integer index.
    """
    return index_put_value(g, self, indices, values, _flag(accumulate, "accumulate"))


@builtin_symbolic("aten::_index_put_impl_", opset=(9, 11, 16))
def aten__index_put_impl_(
    g: GraphContext, self: Value, indices: Any, values: Value, accumulate: Any = False, unsafe: Any = False
) -> Value:
    """The implementation op behind ``index_put_``; ``unsafe`` only skips PyTorch's bounds checks."""
    return index_put_value(g, self, indices, values, _flag(accumulate, "accumulate"))


# -- masks ------------------------------------------------------------------------------------


@builtin_symbolic("aten::masked_fill")
def aten_masked_fill(g: GraphContext, self: Value, mask: Value, value: Any) -> Value:
    """``Where(mask, value, self)`` with ``value`` (a number or 0-d tensor) in ``self``'s dtype."""
    dtype = dtype_of(self) or torch.float32
    number = static_number(value)
    fill = (
        g.op("Constant", value_t=torch.tensor(number, dtype=dtype)) if number is not None else cast_to(g, value, dtype)
    )
    return where_value(g, as_bool(g, mask), fill, self)


def _broadcast_pair(g: GraphContext, self: Value, mask: Value) -> tuple[Value, Value]:
    """``self`` and ``mask`` broadcast to their common shape."""
    mask = as_bool(g, mask)
    common = g.op("Where", mask, self, self)
    return common, g.op("Expand", mask, g.op("Shape", common))


@builtin_symbolic("aten::masked_select")
def aten_masked_select(g: GraphContext, self: Value, mask: Value) -> Value:
    """The elements of ``self`` where ``mask`` is true, as a 1-D tensor (``Compress`` of both flattened)."""
    values, mask = _broadcast_pair(g, self, mask)
    flat = [reshape_helper(g, v, [-1]) for v in (values, mask)]
    return g.op("Compress", flat[0], flat[1], axis_i=0)


@builtin_symbolic("aten::masked_scatter", opset=11)
def aten_masked_scatter(g: GraphContext, self: Value, mask: Value, source: Value) -> Value:
    """Copy the first elements of ``source`` (row-major) into ``self`` where ``mask`` is true (``ScatterND``)."""
    if g.opset < 11:
        raise _unsupported("aten::masked_scatter", g.opset, "ONNX has no ScatterND before opset 11", 11)
    mask = g.op("Expand", as_bool(g, mask), g.op("Shape", self))
    positions = g.op("Transpose", g.op("NonZero", mask), perm_i=[1, 0])
    flat = reshape_helper(g, cast_to(g, source, dtype_of(self) or torch.float32), [-1])
    count = slice_helper(g, g.op("Shape", positions), axes=[0], starts=[0], ends=[1])
    used = g.op("Slice", flat, int64_constant(g, [0]), count, int64_constant(g, [0]))
    return g.op("ScatterND", self, positions, used)


@builtin_symbolic("aten::nonzero")
def aten_nonzero(g: GraphContext, self: Value) -> Value:
    """The indices of the non-zero elements, one row per element (``[count, rank]``)."""
    return g.op("Transpose", g.op("NonZero", self), perm_i=[1, 0])


@builtin_symbolic("aten::nonzero_numpy")
def aten_nonzero_numpy(g: GraphContext, self: Value) -> tuple[Value, ...]:
    """``nonzero(as_tuple=True)``: one 1-D index tensor per dim."""
    rank = known_rank(self, "aten::nonzero_numpy", g.opset)
    coordinates = g.op("NonZero", self)
    return tuple(g.op("Gather", coordinates, int64_constant(g, d), axis_i=0) for d in range(rank))


@builtin_symbolic("aten::take", opset=(9, 11))
def aten_take(g: GraphContext, self: Value, index: Value) -> Value:
    """``self.flatten()[index]``, shaped like ``index``; negative indices count from the end."""
    flat = reshape_helper(g, self, [-1])
    position = cast_to(g, index, torch.int64)
    if g.opset < 11:
        position = non_negative_index(g, position, g.op("Size", self))
    return g.op("Gather", flat, position, axis_i=0)


# -- scattering views back (functionalized in-place updates) ----------------------------------


def _along(g: GraphContext, positions: Value, rank: int, dim: int, shape: Value) -> Value:
    """1-D ``positions`` along ``dim``, broadcast to ``shape`` (an index for ``ScatterElements``)."""
    others = [d for d in range(rank) if d != dim]
    return g.op("Expand", unsqueeze_helper(g, positions, others) if others else positions, shape)


@builtin_symbolic("aten::select_scatter", opset=(9, 11))
def aten_select_scatter(g: GraphContext, self: Value, src: Value, dim: Any, index: Any) -> Value:
    """``self`` with ``self.select(dim, index)`` replaced by ``src`` (what ``x[:, i] = v`` becomes)."""
    rank = known_rank(self, "aten::select_scatter", g.opset)
    axis = _int(dim, "dim") % rank
    position = static_number(index)
    size = dim_size(g, self, axis)
    if position is not None:
        if position < 0:
            if isinstance(size, int):
                position_value = int64_constant(g, [int(position) + size])
            else:
                position_value = g.op("Add", int64_constant(g, [int(position)]), reshape_helper(g, size, [1]))
        else:
            position_value = int64_constant(g, [int(position)])
    else:
        position_value = reshape_helper(g, non_negative_index(g, index, size), [1])
    updates = unsqueeze_helper(g, cast_to(g, src, dtype_of(self) or torch.float32), [axis])
    return scatter_elements(g, self, _along(g, position_value, rank, axis, g.op("Shape", updates)), updates, axis)


@builtin_symbolic("aten::slice_scatter", opset=(9, 11))
def aten_slice_scatter(
    g: GraphContext,
    self: Value,
    src: Value,
    dim: Any = 0,
    start: Any = None,
    end: Any = None,
    step: Any = 1,
) -> Value:
    """``self`` with ``self[start:end:step]`` along ``dim`` replaced by ``src`` (what ``x[:, 1:3] = v`` becomes)."""
    rank = known_rank(self, "aten::slice_scatter", g.opset)
    axis = _int(dim, "dim") % rank
    size = get_tensor_dim_size(self, axis)
    stride = 1 if is_none(step) else _int(step, "step")
    first = 0 if is_none(start) else static_number(start)
    last = INT64_MAX if is_none(end) else static_number(end)
    count = get_tensor_dim_size(src, axis)
    if first is not None and last is not None and size is not None:
        positions = int64_constant(g, list(range(size))[slice(int(first), int(last), stride)])
    elif first is not None and count is not None and first >= 0:
        positions = int64_constant(g, [int(first) + stride * i for i in range(count)])
    else:
        length = dim_size(g, src, axis)
        offsets = iota(g, length)
        begin = int64_constant(g, int(first)) if first is not None else cast_to(g, start, torch.int64)
        if first is not None and first < 0:
            begin = g.op("Add", begin, dim_size(g, self, axis) if size is None else int64_constant(g, size))
        positions = g.op("Add", g.op("Mul", offsets, int64_constant(g, stride)), begin)
    updates = cast_to(g, src, dtype_of(self) or torch.float32)
    return scatter_elements(g, self, _along(g, positions, rank, axis, g.op("Shape", updates)), updates, axis)


@builtin_symbolic("aten::copy")
def aten_copy(g: GraphContext, self: Value, src: Value, non_blocking: Any = False) -> Value:
    """``self.copy_(src)`` made functional: ``src`` broadcast to ``self``'s shape, in ``self``'s dtype."""
    return g.op("Expand", cast_to(g, src, dtype_of(self) or torch.float32), g.op("Shape", self))
