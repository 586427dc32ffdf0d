"""Built-in symbolics that move data without computing on it: views, reshapes, joins, splits.

``torch.export`` writes ``x.view(n, -1)``, ``x[:, 1:]``, ``torch.cat`` and
friends as ATen ops whose size arguments may mix Python ints with dynamic
sizes (0-d int64 graph values); the symbolics here turn them into
``Reshape``/``Slice``/``Concat``/``Split`` in the form valid at ``g.opset``
(attributes before the opset where ONNX moved an argument to an input).
Identity-like ops (``clone``, ``contiguous``, ``detach`` ...) return their
input, as the legacy exporter did.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from onnx_migrate.errors import SymbolicValueError, UnsupportedSymbolicError
from onnx_migrate.legacy_symbolics._helpers.args import (
    get_const,
    get_tensor_dim_size,
    get_tensor_rank,
    get_tensor_sizes,
    maybe_get_const,
    maybe_get_scalar,
    unpack_list,
)
from onnx_migrate.legacy_symbolics._helpers.shapes import reshape_helper, slice_helper, squeeze_helper, unsqueeze_helper
from onnx_migrate.legacy_symbolics.graph_context import GraphContext
from onnx_migrate.legacy_symbolics.ops.elementwise import (
    INT64_MAX,
    cast_to,
    dtype_arg,
    dtype_of,
    is_none,
    promote_operands,
)
from onnx_migrate.legacy_symbolics.marks import builtin_symbolic
from onnx_migrate.legacy_symbolics.values import ConstantValue, ListValue, Value

__all__ = ["int_list", "normalize_dim", "split_value", "unpack_tensors"]


# -- argument helpers -------------------------------------------------------------------


def int_list(value: Any, name: str) -> list[int] | None:
    """A static list of ints from an int-list argument, or ``None`` if some item is dynamic."""
    if isinstance(value, ListValue):
        static = value.toIValue()
        return None if static is None else [int(v) for v in static]
    if isinstance(value, (list, tuple)):
        return [int(v) for v in value]
    const = maybe_get_const(value, "is")
    if isinstance(const, (list, tuple)):
        return [int(v) for v in const]
    if isinstance(const, int):
        return [const]
    if isinstance(const, torch.Tensor):
        return [int(v) for v in const.reshape(-1).tolist()]
    return None


def _int(value: Any, name: str) -> int:
    return int(get_const(value, "i", name))


def normalize_dim(dim: int, rank: int | None, op: str, value: Value, opset: int) -> int:
    """A non-negative dim (ONNX before opset 11 takes no negative axes)."""
    if dim >= 0:
        return dim
    if rank is None:
        raise SymbolicValueError(
            f"{op}: dim {dim} is negative and the input rank is unknown at opset {opset}; "
            "give the input a static rank or use a non-negative dim.",
            value,
        )
    return dim + rank


def unpack_tensors(tensors: Any) -> list[Value]:
    """The items of a ``Tensor[]`` argument."""
    if isinstance(tensors, ListValue):
        return [t for t in tensors.items if t is not None]
    if isinstance(tensors, (list, tuple)):
        return list(tensors)
    return list(unpack_list(tensors))


# -- reshapes ---------------------------------------------------------------------------


def reshape_value(g: GraphContext, self: Value, shape: Any) -> Value:
    """``Reshape`` to a shape given as ints, a list with dynamic sizes, or a 1-D tensor."""
    static = int_list(shape, "shape")
    if static is not None and 0 in static and g.opset >= 14:
        # PyTorch's 0 is an empty dim, ONNX's 0 copies the input dim unless allowzero is set.
        return reshape_helper(g, self, static, allowzero=1)
    return reshape_helper(g, self, static if static is not None else shape)


@builtin_symbolic("aten::view", opset=(9, 14))
def aten_view(g: GraphContext, self: Value, size: Any) -> Value:
    return reshape_value(g, self, size)


@builtin_symbolic("aten::reshape", opset=(9, 14))
def aten_reshape(g: GraphContext, self: Value, shape: Any) -> Value:
    return reshape_value(g, self, shape)


@builtin_symbolic("aten::_unsafe_view", opset=(9, 14))
def aten__unsafe_view(g: GraphContext, self: Value, size: Any) -> Value:
    return reshape_value(g, self, size)


@builtin_symbolic("aten::view_as")
def aten_view_as(g: GraphContext, self: Value, other: Value) -> Value:
    return g.op("Reshape", self, g.op("Shape", other))


@builtin_symbolic("aten::reshape_as")
def aten_reshape_as(g: GraphContext, self: Value, other: Value) -> Value:
    return g.op("Reshape", self, g.op("Shape", other))


def _shape_slice(g: GraphContext, self: Value, start: int, end: int) -> Value:
    return slice_helper(g, g.op("Shape", self), axes=[0], starts=[start], ends=[end])


@builtin_symbolic("aten::flatten", opset=(9, 11))
def aten_flatten(g: GraphContext, self: Value, start_dim: Any = 0, end_dim: Any = -1) -> Value:
    """Merge dims ``start_dim..end_dim``; dims before and after keep their (possibly dynamic) sizes."""
    start, end = _int(start_dim, "start_dim"), _int(end_dim, "end_dim")
    rank = get_tensor_rank(self)
    if rank is None:
        if start == 1 and end == -1:
            return g.op("Flatten", self, axis_i=1)
        if start == 0 and end == -1:
            return g.op("Reshape", self, g.op("Constant", value_t=torch.tensor([-1])))
        raise SymbolicValueError(
            f"aten::flatten(start_dim={start}, end_dim={end}) needs the input rank (opset {g.opset}).", self
        )
    if rank == 0:
        return g.op("Reshape", self, g.op("Constant", value_t=torch.tensor([1])))
    start, end = start % rank, end % rank
    if start == end:
        return self
    if start == 1 and end == rank - 1:
        return g.op("Flatten", self, axis_i=1)
    sizes = get_tensor_sizes(self) or [None] * rank
    trailing = sizes[end + 1 :]
    if all(s is not None for s in trailing):
        # Leading dims keep their place, so ONNX's 0 ("copy this dim") serves dynamic ones.
        target = [s if s is not None else 0 for s in sizes[:start]] + [-1] + list(trailing)
        return g.op("Reshape", self, g.op("Constant", value_t=torch.tensor(target, dtype=torch.int64)))
    pieces = [_shape_slice(g, self, 0, start)] if start > 0 else []
    pieces.append(g.op("Constant", value_t=torch.tensor([-1], dtype=torch.int64)))
    pieces.append(_shape_slice(g, self, end + 1, rank))
    return g.op("Reshape", self, g.op("Concat", *pieces, axis_i=0))


# -- permutations -----------------------------------------------------------------------


@builtin_symbolic("aten::permute")
def aten_permute(g: GraphContext, self: Value, dims: Any) -> Value:
    perm = int_list(dims, "dims")
    if perm is None:
        raise SymbolicValueError(f"aten::permute needs constant dims (opset {g.opset}).", self)
    perm = [d % len(perm) if len(perm) else d for d in perm]
    if perm == list(range(len(perm))):
        return self
    return g.op("Transpose", self, perm_i=perm)


@builtin_symbolic("aten::transpose")
def aten_transpose(g: GraphContext, self: Value, dim0: Any, dim1: Any) -> Value:
    """Swap two dims (ONNX ``Transpose`` takes the whole permutation, so the rank must be known)."""
    rank = get_tensor_rank(self)
    first, second = _int(dim0, "dim0"), _int(dim1, "dim1")
    if rank is None:
        raise SymbolicValueError(f"aten::transpose needs the input rank (opset {g.opset}).", self)
    if rank < 2:
        return self
    first, second = first % rank, second % rank
    if first == second:
        return self
    perm = list(range(rank))
    perm[first], perm[second] = perm[second], perm[first]
    return g.op("Transpose", self, perm_i=perm)


@builtin_symbolic("aten::numpy_T")
def aten_numpy_t(g: GraphContext, self: Value) -> Value:
    """``x.T``: reverse every dim."""
    rank = get_tensor_rank(self)
    if rank is None:
        raise SymbolicValueError(f"aten::numpy_T needs the input rank (opset {g.opset}).", self)
    return self if rank < 2 else g.op("Transpose", self, perm_i=list(reversed(range(rank))))


@builtin_symbolic("aten::mT")
def aten_mt(g: GraphContext, self: Value) -> Value:
    """``x.mT``: swap the last two dims."""
    return aten_transpose(g, self, -2, -1)


@builtin_symbolic("aten::movedim")
def aten_movedim(g: GraphContext, self: Value, source: Any, destination: Any) -> Value:
    rank = get_tensor_rank(self)
    sources, destinations = int_list(source, "source"), int_list(destination, "destination")
    if rank is None or sources is None or destinations is None:
        raise SymbolicValueError(f"aten::movedim needs the input rank and constant dims (opset {g.opset}).", self)
    sources = [s % rank for s in sources]
    destinations = [d % rank for d in destinations]
    perm = [-1] * rank
    for src, dst in zip(sources, destinations, strict=True):
        perm[dst] = src
    rest = iter(d for d in range(rank) if d not in sources)
    perm = [p if p != -1 else next(rest) for p in perm]
    return self if perm == list(range(rank)) else g.op("Transpose", self, perm_i=perm)


# -- adding and removing unit dims ------------------------------------------------------


@builtin_symbolic("aten::unsqueeze", opset=(9, 11, 13))
def aten_unsqueeze(g: GraphContext, self: Value, dim: Any) -> Value:
    """Insert a unit dim (axes are an attribute before opset 13, an input from 13)."""
    axis = _int(dim, "dim")
    rank = get_tensor_rank(self)
    if axis < 0 and (rank is not None or g.opset < 11):
        axis = normalize_dim(axis, None if rank is None else rank + 1, "aten::unsqueeze", self, g.opset)
    return unsqueeze_helper(g, self, [axis])


def _squeeze_dims(dim: Any) -> list[int] | None:
    if is_none(dim):
        return None
    dims = int_list(dim, "dim")
    if dims is None:
        raise SymbolicValueError("aten::squeeze needs constant dims.", dim)
    return dims


@builtin_symbolic("aten::squeeze", opset=(9, 11, 13))
def aten_squeeze(g: GraphContext, self: Value, dim: Any = None) -> Value:
    """Remove unit dims, serving ``squeeze``, ``squeeze.dim`` and ``squeeze.dims``.

    PyTorch leaves a named dim alone when its size is not 1, while ONNX
    ``Squeeze`` fails on it. Static sizes are decided at export time; a dynamic
    size gets a shape computed at run time (``Compress`` of the non-unit dims).
    """
    dims = _squeeze_dims(dim)
    if dims is None:
        return g.op("Squeeze", self)
    rank = get_tensor_rank(self)
    if rank is None:
        # Nothing to check against: squeeze as asked (ONNX raises at run time if the dim is not 1).
        if any(d < 0 for d in dims) and g.opset < 11:
            raise SymbolicValueError(
                f"aten::squeeze with negative dims {dims} needs the input rank at opset {g.opset}.", self
            )
        return squeeze_helper(g, self, dims)
    if rank == 0:
        return self
    dims = sorted({d % rank for d in dims})
    sizes = get_tensor_sizes(self) or [None] * rank
    if all(sizes[d] is not None for d in dims):
        unit = [d for d in dims if sizes[d] == 1]
        return squeeze_helper(g, self, unit) if unit else self
    shape = g.op("Shape", self)
    targeted = g.op("Constant", value_t=torch.tensor([d in dims for d in range(rank)]))
    is_unit = g.op("Equal", shape, g.op("Constant", value_t=torch.tensor(1, dtype=torch.int64)))
    keep = g.op("Not", g.op("And", targeted, is_unit))
    return g.op("Reshape", self, g.op("Compress", shape, keep, axis_i=0))


# -- broadcasting -----------------------------------------------------------------------


@builtin_symbolic("aten::expand")
def aten_expand(g: GraphContext, self: Value, size: Any, implicit: Any = False) -> Value:
    """Broadcast to ``size``; PyTorch's -1 ("keep this dim") becomes ONNX's 1, which ``Expand`` keeps."""
    static = int_list(size, "size")
    if static is not None:
        target: Any = g.op("Constant", value_t=torch.tensor([1 if s == -1 else s for s in static], dtype=torch.int64))
    elif isinstance(size, ListValue):
        target = ListValue(
            [ConstantValue(1) if isinstance(i, ConstantValue) and i.python_value == -1 else i for i in size.items]
        )
    else:
        minus_one = g.op("Equal", size, g.op("Constant", value_t=torch.tensor(-1, dtype=torch.int64)))
        target = g.op("Where", minus_one, g.op("Constant", value_t=torch.tensor(1, dtype=torch.int64)), size)
    return g.op("Expand", self, target)


@builtin_symbolic("aten::broadcast_to")
def aten_broadcast_to(g: GraphContext, self: Value, size: Any) -> Value:
    return aten_expand(g, self, size)


@builtin_symbolic("aten::expand_as")
def aten_expand_as(g: GraphContext, self: Value, other: Value) -> Value:
    return g.op("Expand", self, g.op("Shape", other))


# -- joining ----------------------------------------------------------------------------


def _is_legacy_empty(value: Value) -> bool:
    """``torch.tensor([])``, which ``torch.cat`` skips whatever the other ranks."""
    sizes = get_tensor_sizes(value) if isinstance(value, Value) else None
    return sizes == [0]


@builtin_symbolic("aten::cat", opset=(9, 11))
def aten_cat(g: GraphContext, tensors: Any, dim: Any = 0) -> Value:
    """``Concat`` after PyTorch's type promotion; 1-D empty tensors are dropped as ``torch.cat`` drops them."""
    items = unpack_tensors(tensors)
    kept = [t for t in items if not _is_legacy_empty(t)] or items[:1]
    axis = _int(dim, "dim")
    ranks = {get_tensor_rank(t) for t in kept} - {None}
    if len(ranks) > 1:
        raise SymbolicValueError(f"aten::cat: the tensors have different ranks {sorted(ranks)}.", kept[0])
    if axis < 0 and (ranks or g.opset < 11):
        axis = normalize_dim(axis, next(iter(ranks), None), "aten::cat", kept[0], g.opset)
    promoted, _ = promote_operands(g, *kept)
    if len(promoted) == 1:
        return promoted[0]
    return g.op("Concat", *promoted, axis_i=axis)


@builtin_symbolic("aten::concat", opset=(9, 11))
def aten_concat(g: GraphContext, tensors: Any, dim: Any = 0) -> Value:
    return aten_cat(g, tensors, dim)


@builtin_symbolic("aten::concatenate", opset=(9, 11))
def aten_concatenate(g: GraphContext, tensors: Any, dim: Any = 0) -> Value:
    return aten_cat(g, tensors, dim)


@builtin_symbolic("aten::stack", opset=(9, 11, 13))
def aten_stack(g: GraphContext, tensors: Any, dim: Any = 0) -> Value:
    """Unsqueeze every tensor at ``dim`` and concatenate there."""
    items = unpack_tensors(tensors)
    axis = _int(dim, "dim")
    rank = get_tensor_rank(items[0])
    if axis < 0:
        axis = normalize_dim(axis, None if rank is None else rank + 1, "aten::stack", items[0], g.opset)
    promoted, _ = promote_operands(g, *items)
    unsqueezed = [unsqueeze_helper(g, t, [axis]) for t in promoted]
    return unsqueezed[0] if len(unsqueezed) == 1 else g.op("Concat", *unsqueezed, axis_i=axis)


# -- splitting --------------------------------------------------------------------------


def split_value(g: GraphContext, self: Value, sizes: Sequence[int], dim: int) -> tuple[Value, ...]:
    """``Split`` into pieces of ``sizes`` along ``dim`` (sizes an attribute before opset 13, an input from 13)."""
    sizes = [int(s) for s in sizes]
    if len(sizes) == 1:
        return (self,)
    if g.opset < 13:
        outputs = g.op("Split", self, axis_i=dim, split_i=sizes, outputs=len(sizes))
    else:
        split = g.op("Constant", value_t=torch.tensor(sizes, dtype=torch.int64))
        outputs = g.op("Split", self, split, axis_i=dim, outputs=len(sizes))
    return tuple(outputs)


def _dim_size(self: Value, dim: int, op: str, opset: int) -> int:
    size = get_tensor_dim_size(self, dim)
    if size is None:
        raise SymbolicValueError(
            f"{op} needs the static size of dim {dim} to know how many pieces to return (opset {opset}); "
            "export with that dim static, or use split_with_sizes.",
            self,
        )
    return int(size)


def _equal_pieces(total: int, piece: int) -> list[int]:
    piece = max(piece, 1)
    sizes = [piece] * (total // piece)
    if total % piece:
        sizes.append(total % piece)
    return sizes or [0]


def _split_spec(value: Any) -> int | list[int] | None:
    """One piece size (``split.Tensor``) or a list of sizes (``split.sizes``)."""
    obj = value.python_value if isinstance(value, ConstantValue) else value
    if isinstance(obj, int) and not isinstance(obj, bool):
        return obj
    return int_list(value, "split_size")


@builtin_symbolic("aten::split", opset=(9, 13))
def aten_split(
    g: GraphContext,
    self: Value,
    split_size: Any = None,
    dim: Any = 0,
    _outputs: int | None = None,
    split_sizes: Any = None,
) -> tuple[Value, ...]:
    """``split.Tensor`` (one piece size), ``split.sizes`` and the legacy ``split(self, int[] split_sizes)``."""
    axis = normalize_dim(_int(dim, "dim"), get_tensor_rank(self), "aten::split", self, g.opset)
    spec = _split_spec(split_sizes if is_none(split_size) else split_size)
    if spec is None:
        raise SymbolicValueError(f"aten::split needs constant split sizes (opset {g.opset}).", self)
    if isinstance(spec, int):
        spec = _equal_pieces(_dim_size(self, axis, "aten::split", g.opset), spec)
    return split_value(g, self, spec, axis)


@builtin_symbolic("aten::split_with_sizes", opset=(9, 13))
def aten_split_with_sizes(
    g: GraphContext, self: Value, split_sizes: Any, dim: Any = 0, _outputs: int | None = None
) -> tuple[Value, ...]:
    sizes = int_list(split_sizes, "split_sizes")
    axis = normalize_dim(_int(dim, "dim"), get_tensor_rank(self), "aten::split_with_sizes", self, g.opset)
    if sizes is None:
        return _split_by_dynamic_sizes(g, self, split_sizes, axis)
    return split_value(g, self, sizes, axis)


def _split_by_dynamic_sizes(g: GraphContext, self: Value, split_sizes: Any, axis: int) -> tuple[Value, ...]:
    """Pieces whose sizes are only known at run time (e.g. per-level box counts in detection heads):
    one ``Slice`` per piece between running sums of the sizes, as the legacy exporter emits them."""
    if g.opset < 10 or not isinstance(split_sizes, ListValue):
        raise SymbolicValueError(
            f"aten::split_with_sizes needs constant sizes at opset {g.opset}; export at opset 11 or later "
            "for sizes computed at run time.",
            self,
        )
    pieces: list[Value] = []
    start: Any = 0
    for item in split_sizes.items:
        size = item.python_value if isinstance(item, ConstantValue) else item
        if isinstance(start, int) and isinstance(size, int):
            end: Any = start + size
        else:
            end = g.op("Add", _as_size_value(g, start), _as_size_value(g, size))
        pieces.append(slice_value(g, self, axis, start, end))
        start = end
    return tuple(pieces)


def _as_size_value(g: GraphContext, size: Any) -> Value:
    return size if isinstance(size, Value) else g.op("Constant", value_t=torch.tensor(int(size), dtype=torch.int64))


@builtin_symbolic("aten::chunk", opset=(9, 13))
def aten_chunk(
    g: GraphContext, self: Value, chunks: Any, dim: Any = 0, _outputs: int | None = None
) -> tuple[Value, ...]:
    """``chunk``: pieces of ``ceil(size / chunks)``; PyTorch may return fewer than ``chunks`` pieces."""
    axis = normalize_dim(_int(dim, "dim"), get_tensor_rank(self), "aten::chunk", self, g.opset)
    total = _dim_size(self, axis, "aten::chunk", g.opset)
    count = _int(chunks, "chunks")
    return split_value(g, self, _equal_pieces(total, -(-total // count)), axis)


@builtin_symbolic("aten::unbind", opset=(9, 13))
def aten_unbind(g: GraphContext, self: Value, dim: Any = 0, _outputs: int | None = None) -> tuple[Value, ...]:
    axis = normalize_dim(_int(dim, "dim"), get_tensor_rank(self), "aten::unbind", self, g.opset)
    total = _dim_size(self, axis, "aten::unbind", g.opset)
    pieces = split_value(g, self, [1] * total, axis)
    return tuple(squeeze_helper(g, piece, [axis]) for piece in pieces)


# -- slicing and selecting --------------------------------------------------------------


def _bound(value: Any, default: int) -> Any:
    """A slice bound: an int (``None`` -> ``default``) or a dynamic 0-d graph value."""
    if is_none(value):
        return default
    const = maybe_get_const(value, "i")
    if isinstance(const, int):
        return const
    return value


def slice_value(g: GraphContext, self: Value, dim: int, start: Any, end: Any, step: int = 1) -> Value:
    """``self[start:end:step]`` along ``dim``; bounds may be ints or dynamic 0-d values."""
    bounds = [[b] if isinstance(b, int) else b for b in (start, end)]
    return slice_helper(g, self, axes=[dim], starts=bounds[0], ends=bounds[1], steps=None if step == 1 else [step])


@builtin_symbolic("aten::slice", opset=(9, 10))
def aten_slice(g: GraphContext, self: Value, dim: Any = 0, start: Any = None, end: Any = None, step: Any = 1) -> Value:
    """``slice.Tensor``: open, negative and dynamic bounds; steps from opset 10."""
    axis = _int(dim, "dim")
    if axis < 0:
        axis = normalize_dim(axis, get_tensor_rank(self), "aten::slice", self, g.opset)
    stride = 1 if is_none(step) else _int(step, "step")
    first, last = _bound(start, 0), _bound(end, INT64_MAX)
    if g.opset < 10 and (stride != 1 or not isinstance(first, int) or not isinstance(last, int)):
        raise UnsupportedSymbolicError(
            "aten::slice",
            g.opset,
            (10,),
            hint="ONNX Slice takes steps and bounds computed at run time only from opset 10.",
        )
    return slice_value(g, self, axis, first, last, stride)


@builtin_symbolic("aten::narrow", opset=(9, 10))
def aten_narrow(g: GraphContext, self: Value, dim: Any, start: Any, length: Any) -> Value:
    axis = normalize_dim(_int(dim, "dim"), get_tensor_rank(self), "aten::narrow", self, g.opset)
    first, count = _bound(start, 0), _bound(length, 0)
    if isinstance(first, int) and isinstance(count, int):
        return slice_value(g, self, axis, first, first + count)
    as_i64 = [ConstantValue(v) if isinstance(v, int) else cast_to(g, v, torch.int64) for v in (first, count)]
    return slice_value(g, self, axis, first, g.op("Add", *as_i64))


@builtin_symbolic("aten::select", opset=(9, 11))
def aten_select(g: GraphContext, self: Value, dim: Any, index: Any) -> Value:
    """Pick one index along ``dim`` and drop the dim (``Gather`` with a 0-d index)."""
    rank = get_tensor_rank(self)
    axis = _int(dim, "dim")
    if axis < 0:
        axis = normalize_dim(axis, rank, "aten::select", self, g.opset)
    # As legacy: a one-value constant is an int index (the dim is dropped); any other index,
    # e.g. a 1-D constant tensor (torchvision's select(g, rois, 1, tensor([1, 2, 3, 4]))), is
    # gathered as it is and keeps the dim.
    scalar = maybe_get_scalar(index)
    position = int(scalar) if isinstance(scalar, torch.Tensor) else index
    if isinstance(position, int):
        if position < 0 and g.opset < 11:
            size = get_tensor_dim_size(self, axis)
            if size is None:
                end = INT64_MAX if position == -1 else position + 1
                return squeeze_helper(g, slice_value(g, self, axis, position, end), [axis])
            position += size
        return g.op("Gather", self, g.op("Constant", value_t=torch.tensor(position, dtype=torch.int64)), axis_i=axis)
    return g.op("Gather", self, cast_to(g, position, torch.int64), axis_i=axis)


# -- identity, casts and sizes -----------------------------------------------------------


def _identity(name: str) -> Any:
    def symbolic(g: GraphContext, self: Value, *args: Any, **kwargs: Any) -> Value:
        return self

    symbolic.__name__ = symbolic.__qualname__ = name
    symbolic.__doc__ = "Returns its input: ONNX values are immutable, so copies and views need no node."
    return symbolic


aten_contiguous = builtin_symbolic("aten::contiguous")(_identity("aten_contiguous"))
aten_clone = builtin_symbolic("aten::clone")(_identity("aten_clone"))
aten_detach = builtin_symbolic("aten::detach")(_identity("aten_detach"))
aten_alias = builtin_symbolic("aten::alias")(_identity("aten_alias"))
aten_lift_fresh_copy = builtin_symbolic("aten::lift_fresh_copy")(_identity("aten_lift_fresh_copy"))
aten_lift_fresh = builtin_symbolic("aten::lift_fresh")(_identity("aten_lift_fresh"))


def _target_dtype(args: Sequence[Any], kwargs: dict[str, Any]) -> torch.dtype | None:
    """The dtype a ``to``-like call asks for: from ``dtype=``, ``other=`` or the legacy positional forms."""
    if not is_none(kwargs.get("dtype")):
        return dtype_arg(kwargs["dtype"])
    other = kwargs.get("other")
    if isinstance(other, Value) and not isinstance(other, ConstantValue):
        return dtype_of(other)
    for arg in args:
        if isinstance(arg, Value) and not isinstance(arg, (ConstantValue, ListValue)):
            return dtype_of(arg)
        obj = arg.python_value if isinstance(arg, ConstantValue) else arg
        if isinstance(obj, torch.dtype) or (isinstance(obj, int) and not isinstance(obj, bool)):
            return dtype_arg(ConstantValue(obj))
    return None


@builtin_symbolic("aten::to")
def aten_to(g: GraphContext, self: Value, *args: Any, **kwargs: Any) -> Value:
    """``to(dtype)`` / ``to(device, dtype)`` / ``to(other)``: a ``Cast`` when the dtype changes, else the input."""
    dtype = _target_dtype(args, kwargs)
    return self if dtype is None else cast_to(g, self, dtype)


@builtin_symbolic("aten::_to_copy")
def aten__to_copy(g: GraphContext, self: Value, dtype: Any = None, **kwargs: Any) -> Value:
    target = dtype_arg(dtype)
    return self if target is None else cast_to(g, self, target)


@builtin_symbolic("aten::type_as")
def aten_type_as(g: GraphContext, self: Value, other: Value) -> Value:
    target = dtype_of(other)
    return self if target is None else cast_to(g, self, target)


@builtin_symbolic("aten::size", opset=(9, 11))
def aten_size(g: GraphContext, self: Value, dim: Any = None) -> Value:
    """The shape (``size()``) or one dim of it as a 0-d int64 (``size.int``)."""
    shape = g.op("Shape", self)
    if is_none(dim):
        return shape
    axis = _int(dim, "dim")
    if axis < 0 and g.opset < 11:
        axis = normalize_dim(axis, get_tensor_rank(self), "aten::size", self, g.opset)
    return g.op("Gather", shape, g.op("Constant", value_t=torch.tensor(axis, dtype=torch.int64)), axis_i=0)


@builtin_symbolic("aten::numel")
def aten_numel(g: GraphContext, self: Value) -> Value:
    """The element count, as a 0-d int64."""
    return g.op("ReduceProd", g.op("Shape", self), keepdims_i=0)
