"""Built-in symbolics that rearrange elements without arithmetic on them.

Triangles (``triu``/``tril``: ``Trilu`` from opset 14, an index comparison
before), reversals and rotations (``flip``, ``roll``), repetitions
(``repeat``, ``tile``, ``repeat_interleave``), block moves between channels
and space (``pixel_shuffle``/``pixel_unshuffle``), views that pick a
pattern of elements (``unfold``, ``diagonal``, ``as_strided``,
``unflatten``) and the list helpers (``hstack``, ``vstack``, ``atleast_nd``,
``broadcast_tensors``, ``meshgrid``, ``tensor_split``, ``unsafe_split``).

Sizes may be dynamic: where a symbolic needs one it uses the static size
when the captured shape has it, and ``Shape``/``Gather`` arithmetic
otherwise, so the exported model follows the input it is given.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import torch

from onnx_migrate.errors import SymbolicValueError, UnsupportedSymbolicError
from onnx_migrate.legacy_symbolics._helpers.args import (
    get_const,
    get_tensor_dim_size,
    get_tensor_rank,
    get_tensor_sizes,
)
from onnx_migrate.legacy_symbolics._helpers.shapes import reshape_helper, slice_helper, unsqueeze_helper
from onnx_migrate.legacy_symbolics.graph_context import GraphContext
from onnx_migrate.legacy_symbolics.ops import shape as shape_ops
from onnx_migrate.legacy_symbolics.ops.creation import dim_size, iota, shape_vector, static_number
from onnx_migrate.legacy_symbolics.ops.elementwise import (
    INT64_MAX,
    cast_to,
    dtype_of,
    int64_constant,
    is_none,
    known_rank,
    where_value,
)
from onnx_migrate.legacy_symbolics.ops.reduction import reduce_value
from onnx_migrate.legacy_symbolics.ops.shape import int_list, split_value, unpack_tensors
from onnx_migrate.legacy_symbolics.marks import builtin_symbolic
from onnx_migrate.legacy_symbolics.values import ConstantValue, ListValue, Value

__all__ = ["concat_shape"]

Size = int | Value


def _int(value: Any, name: str) -> int:
    return int(get_const(value, "i", name))


def concat_shape(g: GraphContext, pieces: Sequence[Size | Sequence[int]]) -> Value:
    """A 1-D int64 shape from pieces: ints, lists of ints, 0-d or 1-D int64 values."""
    if all(isinstance(p, int) for p in pieces):
        return int64_constant(g, list(pieces))  # type: ignore[arg-type]
    parts = []
    for piece in pieces:
        if isinstance(piece, int):
            parts.append(int64_constant(g, [piece]))
        elif isinstance(piece, (list, tuple)):
            parts.append(int64_constant(g, list(piece)))
        elif get_tensor_rank(piece) == 0:
            parts.append(reshape_helper(g, piece, [1]))
        else:
            parts.append(piece)
    return parts[0] if len(parts) == 1 else g.op("Concat", *parts, axis_i=0)


def _shape_range(g: GraphContext, value: Value, start: int, end: int) -> list[Size] | Value:
    """Dims ``start:end`` of ``value``: a list of ints when static, else a 1-D slice of its shape."""
    sizes = get_tensor_sizes(value)
    if sizes is not None and None not in sizes[start:end]:
        return [int(s) for s in sizes[start:end]]
    return slice_helper(g, g.op("Shape", value), axes=[0], starts=[start], ends=[end])


def _times(g: GraphContext, size: Size, factor: Size) -> Size:
    if isinstance(size, int) and isinstance(factor, int):
        return size * factor
    as_value = [int64_constant(g, s) if isinstance(s, int) else s for s in (size, factor)]
    return g.op("Mul", *as_value)


def _divided(g: GraphContext, size: Size, factor: int) -> Size:
    return size // factor if isinstance(size, int) else g.op("Div", size, int64_constant(g, factor))


def _pieces(shape: list[Size] | Value) -> list[Any]:
    """Shape pieces for :func:`concat_shape` (a static list spreads into ints)."""
    return list(shape) if isinstance(shape, list) else [shape]


# -- triangles -------------------------------------------------------------------------------


def _triangle(g: GraphContext, self: Value, diagonal: Any, upper: bool, out: Any = None) -> Value:
    op = "aten::triu" if upper else "aten::tril"
    if not is_none(out):
        raise UnsupportedSymbolicError(op, g.opset, (), hint="the out= argument has no ONNX form.")
    rank = known_rank(self, op, g.opset)
    if rank < 2:
        raise SymbolicValueError(f"{op} needs a tensor of at least 2 dims, got rank {rank}.", self)
    offset = 0 if is_none(diagonal) else static_number(diagonal)
    if g.opset >= 14:
        if offset == 0:
            return g.op("Trilu", self, upper_i=int(upper))
        k = (
            int64_constant(g, int(offset))
            if offset is not None
            else reshape_helper(g, cast_to(g, diagonal, torch.int64), [])
        )
        return g.op("Trilu", self, k, upper_i=int(upper))
    rows = unsqueeze_helper(g, iota(g, dim_size(g, self, rank - 2)), [1])
    cols = unsqueeze_helper(g, iota(g, dim_size(g, self, rank - 1)), [0])
    distance = g.op("Sub", cols, rows)  # col - row: 0 on the diagonal, >0 above it
    k = int64_constant(g, int(offset)) if offset is not None else cast_to(g, diagonal, torch.int64)
    outside = g.op("Less", distance, k) if upper else g.op("Greater", distance, k)
    zero = g.op("Constant", value_t=torch.tensor(0, dtype=dtype_of(self) or torch.float32))
    return where_value(g, outside, zero, self)


@builtin_symbolic("aten::triu", opset=(9, 14))
def aten_triu(g: GraphContext, self: Value, diagonal: Any = 0, out: Any = None) -> Value:
    """The upper triangle (``Trilu`` from opset 14; a row/column comparison before)."""
    return _triangle(g, self, diagonal, upper=True, out=out)


@builtin_symbolic("aten::tril", opset=(9, 14))
def aten_tril(g: GraphContext, self: Value, diagonal: Any = 0, out: Any = None) -> Value:
    """The lower triangle (``Trilu`` from opset 14; a row/column comparison before)."""
    return _triangle(g, self, diagonal, upper=False, out=out)


# -- flips and rolls ----------------------------------------------------------------------------


@builtin_symbolic("aten::flip", opset=(9, 10))
def aten_flip(g: GraphContext, self: Value, dims: Any) -> Value:
    """Reverse along ``dims``: a ``Slice`` with step -1 from opset 10, a reversed ``Gather`` before."""
    axes = int_list(dims, "dims")
    if axes is None:
        raise SymbolicValueError(f"aten::flip needs constant dims (opset {g.opset}).", self)
    if not axes:
        return self
    rank = known_rank(self, "aten::flip", g.opset)
    axes = [a % rank for a in axes]
    if g.opset >= 10:
        count = len(axes)
        return slice_helper(g, self, axes=axes, starts=[-1] * count, ends=[-INT64_MAX] * count, steps=[-1] * count)
    result = self
    for axis in axes:
        size = dim_size(g, self, axis)
        last = int64_constant(g, size - 1) if isinstance(size, int) else g.op("Sub", size, int64_constant(g, 1))
        result = g.op("Gather", result, g.op("Sub", last, iota(g, size)), axis_i=axis)
    return result


def _roll_one(g: GraphContext, value: Value, shift: int, axis: int) -> Value:
    size = get_tensor_dim_size(value, axis)
    if size is not None:
        shift = shift % size if size else 0
        if shift == 0:
            return value
    # The last `shift` elements move to the front (a negative shift works the same way, |shift| < size).
    tail = slice_helper(g, value, axes=[axis], starts=[-shift], ends=[INT64_MAX])
    head = slice_helper(g, value, axes=[axis], starts=[0], ends=[-shift])
    return g.op("Concat", tail, head, axis_i=axis)


@builtin_symbolic("aten::roll")
def aten_roll(g: GraphContext, self: Value, shifts: Any, dims: Any = None) -> Value:
    """Rotate along ``dims`` by ``shifts`` (the flattened tensor when ``dims`` is empty)."""
    amounts = int_list(shifts, "shifts")
    axes = [] if is_none(dims) else int_list(dims, "dims")
    if amounts is None or axes is None:
        raise SymbolicValueError(f"aten::roll needs constant shifts and dims (opset {g.opset}).", self)
    if not axes:
        flat = reshape_helper(g, self, [-1])
        return g.op("Reshape", _roll_one(g, flat, amounts[0], 0), g.op("Shape", self))
    rank = known_rank(self, "aten::roll", g.opset)
    result = self
    for amount, axis in zip(amounts, axes, strict=True):
        result = _roll_one(g, result, amount, axis % rank)
    return result


# -- repetition ---------------------------------------------------------------------------------


def _tiled(g: GraphContext, self: Value, repeats: Any, op: str) -> Value:
    rank = known_rank(self, op, g.opset)
    static = int_list(repeats, "repeats")
    count = len(static) if static is not None else len(repeats.items) if isinstance(repeats, ListValue) else None
    if count is None:
        raise SymbolicValueError(f"{op} needs the number of repeats at export time (opset {g.opset}).", self)
    if count > rank:
        self = unsqueeze_helper(g, self, list(range(count - rank)))
    return g.op("Tile", self, shape_vector(g, repeats))


@builtin_symbolic("aten::repeat")
def aten_repeat(g: GraphContext, self: Value, repeats: Any) -> Value:
    """``Tile`` (extra repeats add leading dims, as in PyTorch)."""
    return _tiled(g, self, repeats, "aten::repeat")


@builtin_symbolic("aten::tile")
def aten_tile(g: GraphContext, self: Value, dims: Any) -> Value:
    """``torch.tile``: like ``repeat``, with missing leading repeats taken as 1."""
    rank = known_rank(self, "aten::tile", g.opset)
    static = int_list(dims, "dims")
    if static is not None and len(static) < rank:
        dims = ConstantValue([1] * (rank - len(static)) + static)
    elif isinstance(dims, ListValue) and len(dims.items) < rank:
        dims = ListValue([ConstantValue(1)] * (rank - len(dims.items)) + list(dims.items))
    return _tiled(g, self, dims, "aten::tile")


def _interleave_by_one_count(g: GraphContext, self: Value, repeats: Any, axis: int, rank: int) -> Value:
    """Each slice along ``axis`` repeated ``repeats`` times in place (one count for all)."""
    count = static_number(repeats)
    expanded = unsqueeze_helper(g, self, [axis + 1])
    factors: list[Any] = [1] * (rank + 1)
    factors[axis + 1] = int(count) if count is not None else repeats
    tiled = g.op(
        "Tile", expanded, concat_shape(g, [f if isinstance(f, int) else cast_to(g, f, torch.int64) for f in factors])
    )
    target = [*_pieces(_shape_range(g, self, 0, axis)), -1, *_pieces(_shape_range(g, self, axis + 1, rank))]
    return g.op("Reshape", tiled, concat_shape(g, target))


def _interleaved_positions(g: GraphContext, repeats: Value, length: Size) -> Value:
    """``repeat_interleave(arange(length), repeats)``: the source position of every output element."""
    const = repeats.ir_value.const_value if not isinstance(repeats, ConstantValue) else None
    if const is not None and isinstance(length, int):
        counts = torch.as_tensor(const.numpy()).to(torch.int64).reshape(-1).expand(length)
        return int64_constant(g, torch.repeat_interleave(torch.arange(length), counts).tolist())
    if g.opset < 11:
        raise UnsupportedSymbolicError(
            "aten::repeat_interleave",
            g.opset,
            (11,),
            hint="repeat counts known only at run time need CumSum (opset 11).",
        )
    counts = g.op("Expand", cast_to(g, reshape_helper(g, repeats, [-1]), torch.int64), concat_shape(g, [length]))
    ends = g.op("CumSum", counts, int64_constant(g, 0))  # where each source element's copies stop
    outputs = iota(g, reduce_value(g, "ReduceSum", counts, None, False))
    passed = g.op("Not", g.op("Less", unsqueeze_helper(g, outputs, [1]), unsqueeze_helper(g, ends, [0])))
    return reduce_value(g, "ReduceSum", cast_to(g, passed, torch.int64), [1], False)


@builtin_symbolic("aten::repeat_interleave", opset=(9, 11))
def aten_repeat_interleave(
    g: GraphContext, self: Any = None, repeats: Any = None, dim: Any = None, output_size: Any = None
) -> Value:
    """``repeat_interleave.self_int``/``.self_Tensor`` (per-element counts) and ``.Tensor`` (counts only).

    A single count tiles a new dim and merges it back; per-element counts
    become a ``Gather`` of computed source positions (``CumSum``, opset 11,
    unless the counts are constants).
    """
    if self is None or (is_none(repeats) and is_none(dim) and is_none(output_size)):
        counts = repeats if self is None else self  # .Tensor(repeats, output_size)
        length = dim_size(g, counts, 0)
        return _interleaved_positions(g, counts, length)
    if is_none(dim):
        self = reshape_helper(g, self, [-1])
        axis = 0
    else:
        axis = _int(dim, "dim")
    rank = known_rank(self, "aten::repeat_interleave", g.opset)
    axis %= rank
    single = static_number(repeats) is not None or (
        isinstance(repeats, Value) and get_tensor_sizes(repeats) in ([], [1])
    )
    if single:
        value = repeats if static_number(repeats) is None else static_number(repeats)
        if isinstance(value, Value):
            value = reshape_helper(g, value, [1])
        return _interleave_by_one_count(g, self, value, axis, rank)
    positions = _interleaved_positions(g, repeats, dim_size(g, self, axis))
    return g.op("Gather", self, positions, axis_i=axis)


# -- channels and space ------------------------------------------------------------------------


def _block_move(g: GraphContext, self: Value, factor: int, to_space: bool, op: str) -> Value:
    """pixel_shuffle (``to_space``) or pixel_unshuffle as reshape, transpose, reshape (any rank >= 3)."""
    rank = known_rank(self, op, g.opset)
    if rank < 3:
        raise SymbolicValueError(f"{op} needs a tensor of at least 3 dims, got rank {rank}.", self)
    lead = _pieces(_shape_range(g, self, 0, rank - 3)) if rank > 3 else []
    width = rank - 3
    channels, height, wide = (dim_size(g, self, d) for d in range(rank - 3, rank))
    if to_space:
        split = [*lead, _divided(g, channels, factor * factor), factor, factor, height, wide]
        perm = [0, 3, 1, 4, 2]
        merged = [*lead, _divided(g, channels, factor * factor), _times(g, height, factor), _times(g, wide, factor)]
    else:
        split = [*lead, channels, _divided(g, height, factor), factor, _divided(g, wide, factor), factor]
        perm = [0, 2, 4, 1, 3]
        merged = [*lead, _times(g, channels, factor * factor), _divided(g, height, factor), _divided(g, wide, factor)]
    blocks = g.op("Reshape", self, concat_shape(g, split))
    moved = g.op("Transpose", blocks, perm_i=list(range(width)) + [width + p for p in perm])
    return g.op("Reshape", moved, concat_shape(g, merged))


@builtin_symbolic("aten::pixel_shuffle", opset=(9, 11))
def aten_pixel_shuffle(g: GraphContext, self: Value, upscale_factor: Any) -> Value:
    """``(*, C*r*r, H, W) -> (*, C, H*r, W*r)``: ``DepthToSpace(mode="CRD")`` for 4-D inputs from opset 11."""
    factor = _int(upscale_factor, "upscale_factor")
    if g.opset >= 11 and get_tensor_rank(self) == 4:
        return g.op("DepthToSpace", self, blocksize_i=factor, mode_s="CRD")
    return _block_move(g, self, factor, to_space=True, op="aten::pixel_shuffle")


@builtin_symbolic("aten::pixel_unshuffle")
def aten_pixel_unshuffle(g: GraphContext, self: Value, downscale_factor: Any) -> Value:
    """``(*, C, H*r, W*r) -> (*, C*r*r, H, W)`` (ONNX ``SpaceToDepth`` orders channels differently)."""
    return _block_move(g, self, _int(downscale_factor, "downscale_factor"), to_space=False, op="aten::pixel_unshuffle")


# -- views that pick a pattern ------------------------------------------------------------------


@builtin_symbolic("aten::unflatten")
def aten_unflatten(g: GraphContext, self: Value, dim: Any, sizes: Any) -> Value:
    """Split one dim into ``sizes`` (one of them may be -1)."""
    rank = known_rank(self, "aten::unflatten", g.opset)
    axis = _int(dim, "dim") % rank
    static = int_list(sizes, "sizes")
    if static is not None:
        middle: list[Any] = list(static)
    elif isinstance(sizes, ListValue):
        middle = [int(i.python_value) if isinstance(i, ConstantValue) else i for i in sizes.items]
    else:
        middle = [sizes]
    target = [*_pieces(_shape_range(g, self, 0, axis)), *middle, *_pieces(_shape_range(g, self, axis + 1, rank))]
    return g.op("Reshape", self, concat_shape(g, target))


@builtin_symbolic("aten::unfold", opset=(9, 11))
def aten_unfold(g: GraphContext, self: Value, dimension: Any, size: Any, step: Any) -> Value:
    """Windows of ``size`` every ``step`` along ``dimension``, as a new last dim (a ``Gather`` of window positions)."""
    rank = known_rank(self, "aten::unfold", g.opset)
    axis = _int(dimension, "dimension") % rank if rank else 0
    width, stride = _int(size, "size"), _int(step, "step")
    length = dim_size(g, self, axis)
    if isinstance(length, int):
        count: Size = (length - width) // stride + 1
        starts = int64_constant(g, [[i * stride] for i in range(count)])
    else:
        count = g.op(
            "Add",
            g.op("Div", g.op("Sub", length, int64_constant(g, width)), int64_constant(g, stride)),
            int64_constant(g, 1),
        )
        starts = unsqueeze_helper(g, g.op("Mul", iota(g, count), int64_constant(g, stride)), [1])
    windows = g.op("Add", starts, int64_constant(g, [list(range(width))]))  # [count, width]
    picked = g.op("Gather", self, windows, axis_i=axis)  # dims: ..., count, width, ...
    perm = [d for d in range(rank + 1) if d != axis + 1] + [axis + 1]
    return picked if perm == list(range(rank + 1)) else g.op("Transpose", picked, perm_i=perm)


@builtin_symbolic("aten::diagonal")
def aten_diagonal(g: GraphContext, self: Value, offset: Any = 0, dim1: Any = 0, dim2: Any = 1) -> Value:
    """The diagonal of the ``dim1``/``dim2`` planes, as a new last dim (sizes of those dims must be static)."""
    rank = known_rank(self, "aten::diagonal", g.opset)
    first, second = _int(dim1, "dim1") % rank, _int(dim2, "dim2") % rank
    shift = 0 if is_none(offset) else _int(offset, "offset")
    rows, cols = get_tensor_dim_size(self, first), get_tensor_dim_size(self, second)
    if rows is None or cols is None:
        raise SymbolicValueError(
            f"aten::diagonal needs static sizes for dims {first} and {second} (opset {g.opset}).", self
        )
    others = [d for d in range(rank) if d not in (first, second)]
    moved = g.op("Transpose", self, perm_i=[*others, first, second])
    flat = g.op("Reshape", moved, concat_shape(g, [*_pieces(_shape_range(g, moved, 0, rank - 2)), rows * cols]))
    if shift >= 0:
        count = max(0, min(rows, cols - shift))
        positions = [i * cols + i + shift for i in range(count)]
    else:
        count = max(0, min(rows + shift, cols))
        positions = [(i - shift) * cols + i for i in range(count)]
    return g.op("Gather", flat, int64_constant(g, positions), axis_i=rank - 2)


@builtin_symbolic("aten::as_strided")
def aten_as_strided(g: GraphContext, self: Value, size: Any, stride: Any, storage_offset: Any = None) -> Value:
    """The elements a strided view of ``self``'s contiguous storage would show (static sizes and strides)."""
    sizes, strides = int_list(size, "size"), int_list(stride, "stride")
    if sizes is None or strides is None:
        raise SymbolicValueError(f"aten::as_strided needs constant sizes and strides (opset {g.opset}).", self)
    offset = 0 if is_none(storage_offset) else _int(storage_offset, "storage_offset")
    positions = torch.full(sizes, offset, dtype=torch.int64)
    for axis, (count, step) in enumerate(zip(sizes, strides, strict=True)):
        shape = [1] * len(sizes)
        shape[axis] = count
        positions = positions + torch.arange(count, dtype=torch.int64).reshape(shape) * step
    flat = reshape_helper(g, self, [-1])
    return g.op("Gather", flat, g.op("Constant", value_t=positions), axis_i=0)


# -- list helpers ------------------------------------------------------------------------------


def _at_least(g: GraphContext, value: Value, dims: int) -> Value:
    rank = known_rank(value, f"aten::atleast_{dims}d", g.opset)
    if rank >= dims:
        return value
    if rank == 0:
        return reshape_helper(g, value, [1] * dims)
    if rank == 1:
        return unsqueeze_helper(g, value, [0] if dims == 2 else [0, 2])
    return unsqueeze_helper(g, value, [2])


def _at_least_symbolic(dims: int) -> Any:
    def symbolic(g: GraphContext, self: Any = None, tensors: Any = None) -> Any:
        items = tensors if self is None else self
        if isinstance(items, (ListValue, list, tuple)):
            return tuple(_at_least(g, t, dims) for t in unpack_tensors(items))
        return _at_least(g, items, dims)

    symbolic.__name__ = symbolic.__qualname__ = f"aten_atleast_{dims}d"
    symbolic.__doc__ = f"Unit dims added until the rank is {dims} (one tensor, or each of a list)."
    return symbolic


aten_atleast_1d = builtin_symbolic("aten::atleast_1d")(_at_least_symbolic(1))
aten_atleast_2d = builtin_symbolic("aten::atleast_2d")(_at_least_symbolic(2))
aten_atleast_3d = builtin_symbolic("aten::atleast_3d")(_at_least_symbolic(3))


@builtin_symbolic("aten::hstack")
def aten_hstack(g: GraphContext, tensors: Any) -> Value:
    """Concatenate along dim 1 (dim 0 for 1-D tensors)."""
    items = [_at_least(g, t, 1) for t in unpack_tensors(tensors)]
    axis = 0 if all(get_tensor_rank(t) == 1 for t in items) else 1
    return shape_ops.aten_cat(g, ListValue(items), axis)


@builtin_symbolic("aten::vstack")
def aten_vstack(g: GraphContext, tensors: Any) -> Value:
    """Concatenate along dim 0 after making every tensor at least 2-D."""
    return shape_ops.aten_cat(g, ListValue([_at_least(g, t, 2) for t in unpack_tensors(tensors)]), 0)


def _common_shape(g: GraphContext, items: list[Value]) -> Value:
    shapes = [get_tensor_sizes(t) for t in items]
    if all(s is not None and None not in s for s in shapes):
        return int64_constant(g, list(torch.broadcast_shapes(*[tuple(s) for s in shapes])))  # type: ignore[misc]
    common = g.op("Shape", items[0])
    for item in items[1:]:
        common = g.op("Shape", g.op("Expand", item, common))
    return common


@builtin_symbolic("aten::broadcast_tensors")
def aten_broadcast_tensors(g: GraphContext, tensors: Any) -> tuple[Value, ...]:
    """Every tensor expanded to the shape they broadcast to together."""
    items = unpack_tensors(tensors)
    common = _common_shape(g, items)
    return tuple(g.op("Expand", t, common) for t in items)


@builtin_symbolic("aten::meshgrid")
def aten_meshgrid(g: GraphContext, tensors: Any, indexing: Any = None) -> tuple[Value, ...]:
    """Coordinate grids from 1-D tensors (``indexing="ij"`` by default, ``"xy"`` swaps the first two)."""
    mode = "ij" if is_none(indexing) else str(get_const(indexing, "s", "indexing"))
    items = [reshape_helper(g, t, [-1]) for t in unpack_tensors(tensors)]
    swap = mode == "xy" and len(items) > 1
    if swap:
        items[0], items[1] = items[1], items[0]
    count = len(items)
    full = concat_shape(g, [dim_size(g, t, 0) for t in items])
    grids = []
    for position, item in enumerate(items):
        shape = [1] * count
        shape[position] = -1
        grids.append(g.op("Expand", reshape_helper(g, item, shape), full))
    if swap:
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


@builtin_symbolic("aten::tensor_split", opset=(9, 13))
def aten_tensor_split(
    g: GraphContext,
    self: Value,
    indices_or_sections: Any = None,
    dim: Any = 0,
    *,
    sections: Any = None,
    indices: Any = None,
    tensor_indices_or_sections: Any = None,
) -> tuple[Value, ...]:
    """``tensor_split.sections`` (near-equal pieces) and ``.indices`` (split points); the dim size must be static."""
    for named in (sections, indices, tensor_indices_or_sections):
        if named is not None:
            indices_or_sections = named
    rank = known_rank(self, "aten::tensor_split", g.opset)
    axis = _int(dim, "dim") % rank
    length = get_tensor_dim_size(self, axis)
    spec = indices_or_sections
    obj = spec.python_value if isinstance(spec, ConstantValue) else None
    if length is None:
        raise SymbolicValueError(f"aten::tensor_split needs the static size of dim {axis} (opset {g.opset}).", self)
    if isinstance(obj, int) or (
        isinstance(spec, Value) and get_tensor_rank(spec) == 0 and static_number(spec) is not None
    ):
        sections = int(obj if isinstance(obj, int) else static_number(spec))  # type: ignore[arg-type]
        small, extra = divmod(length, sections)
        sizes = [small + 1] * extra + [small] * (sections - extra)
    else:
        points = int_list(spec, "indices")
        if points is None:
            raise SymbolicValueError(f"aten::tensor_split needs constant split points (opset {g.opset}).", self)
        bounds = [0, *[min(max(p if p >= 0 else p + length, 0), length) for p in points], length]
        sizes = [max(b - a, 0) for a, b in itertools.pairwise(bounds)]
    return split_value(g, self, sizes, axis)


@builtin_symbolic("aten::unsafe_split", opset=(9, 13))
def aten_unsafe_split(g: GraphContext, self: Value, split_size: Any, dim: Any = 0) -> tuple[Value, ...]:
    """``split`` without the autograd view checks: the same pieces."""
    return shape_ops.aten_split(g, self, split_size, dim)


@builtin_symbolic("aten::unsafe_split_with_sizes", opset=(9, 13))
def aten_unsafe_split_with_sizes(g: GraphContext, self: Value, split_sizes: Any, dim: Any = 0) -> tuple[Value, ...]:
    return shape_ops.aten_split_with_sizes(g, self, split_sizes, dim)


@builtin_symbolic("aten::unsafe_chunk", opset=(9, 13))
def aten_unsafe_chunk(g: GraphContext, self: Value, chunks: Any, dim: Any = 0) -> tuple[Value, ...]:
    return shape_ops.aten_chunk(g, self, chunks, dim)
