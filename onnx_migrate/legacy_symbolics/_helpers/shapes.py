"""Opset-dependent shape helpers: unsqueeze, squeeze, slice, reshape, flatten, select, topk ...

ONNX moved many attributes to inputs across opsets (``axes`` of Unsqueeze at 13, ``starts``
of Slice at 10 ...). These helpers emit the right form for ``g.opset`` so symbolics don't
branch on it. Re-exported by :mod:`onnx_migrate.legacy_symbolics.symbolic_helper`.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from onnx_migrate.errors import SymbolicValueError
from onnx_migrate.legacy_symbolics._helpers.args import (
    INT64_MAX,
    as_torch_tensor,
    ConversionError,
    convert_constant,
    descriptor_error,
    get_const,
    get_tensor_dim_size,
    get_tensor_rank,
    is_constant,
    is_none,
    is_packed_list,
    is_value,
    maybe_get_const,
    maybe_get_scalar,
    unpack_list,
)
from onnx_migrate.legacy_symbolics._helpers.errors_and_opsets import (
    onnx_opset_unsupported,
    onnx_opset_unsupported_detailed,
    unsupported,
)
from onnx_migrate.legacy_symbolics._helpers.dtypes import (
    if_scalar_type_as,
    is_fp,
    kind_scalar_type,
    static_scalar_type,
)
from onnx_migrate.legacy_symbolics.graph_context import GraphContext
from onnx_migrate.legacy_symbolics.scalar_types import JitScalarType, TensorProtoDataType
from onnx_migrate.legacy_symbolics.values import ConstantValue, ListValue, Value

# ==================================================================================
# Building blocks used below
# ==================================================================================


def const(g: GraphContext, data: Any, dtype: torch.dtype | None = None) -> Value:
    """An ONNX ``Constant`` holding ``data``."""
    tensor = data.clone().detach() if isinstance(data, torch.Tensor) else torch.tensor(data)
    if dtype is not None:
        tensor = tensor.to(dtype)
    return g.op("Constant", value_t=tensor)


def int64_list(g: GraphContext, values: Sequence[int]) -> Value:
    return const(g, [int(v) for v in values], torch.int64)


def python_ints(obj: Any, what: str) -> list[int]:
    """The ints of a Python number / list / tensor, or a ``SymbolicArgError`` naming ``what``."""
    try:
        return convert_constant(obj, "is")
    except ConversionError as exc:
        raise descriptor_error(obj, "is", reason=str(exc), arg_name=what) from None


def static_int_list(value: Any, what: str = "value") -> list[int] | None:
    """``value`` as a list of ints if known at export time (Python list, constant, constant list), else ``None``."""
    if value is None:
        return None
    if isinstance(value, (list, tuple)) and not any(is_value(v) for v in value):
        return python_ints(value, what)
    if isinstance(value, (list, tuple)):
        value = ListValue([v if is_value(v) else ConstantValue(v) for v in value])
    if not is_value(value):
        return python_ints(value, what)
    if is_none(value):
        return None
    resolved = maybe_get_const(value, "is")
    return None if is_value(resolved) else list(resolved)


def to_1d_int64(g: GraphContext, value: Any, what: str) -> Value:
    """A 1-D int64 graph value from a static int list, a 0-d/1-D tensor value or a list value."""
    static = static_int_list(value, what)
    if static is not None:
        return int64_list(g, static)
    if isinstance(value, (list, tuple)):
        value = ListValue([v if is_value(v) else ConstantValue(v) for v in value])
    if is_packed_list(value):
        pieces = []
        for item in unpack_list(value):
            item_static = static_int_list(item)
            if item_static is not None:
                pieces.append(int64_list(g, item_static))
            else:
                pieces.append(to_1d_int64(g, item, what))
        return g.op("Concat", *pieces, axis_i=0)
    rank = get_tensor_rank(value)
    if rank == 0:
        value = reshape_to(g, value, [1])
    elif rank not in (1, None):
        raise SymbolicValueError(f"{what} must be a 0-d or 1-D tensor, got rank {rank}.", value)
    if static_scalar_type(value) not in (JitScalarType.INT64, None):
        value = g.op("Cast", value, to_i=TensorProtoDataType.INT64)
    return value


def reshape_to(g: GraphContext, value: Any, shape: Sequence[int]) -> Value:
    return g.op("Reshape", value, int64_list(g, shape))


def int_arg(value: Any, name: str) -> int:
    """A required constant int argument."""
    parsed = get_const(value, "i", name)
    if not isinstance(parsed, (numbers.Integral, np.integer)):
        raise descriptor_error(value, "i", reason=f"{parsed!r:.60} is not an int", arg_name=name)
    return int(parsed)


# ==================================================================================
# Shape helpers (opset dependent)
# ==================================================================================


def normalize_axes(axes_i: Any) -> tuple[list[int] | None, Any]:
    """Axes given as a list of ints, a constant, or ``[value]`` -> (static ints, or the axes value)."""
    if isinstance(axes_i, (list, tuple)) and len(axes_i) == 1 and is_value(axes_i[0]) and not is_constant(axes_i[0]):
        return None, axes_i[0]
    static = static_int_list(axes_i)
    if static is not None:
        return static, None
    return None, axes_i


def unsqueeze_helper(g: GraphContext, input: Any, axes_i: Any) -> Any:
    """Unsqueeze ``input`` at ``axes_i``: an attribute before opset 13, an input from 13.

    ``axes_i`` is a list of ints (constants welcome) or ``[axes_value]`` for
    axes known only when the model runs (opset 13+).

    Raises:
        UnsupportedSymbolicError: dynamic axes before opset 13.
    """
    static, dynamic = normalize_axes(axes_i)
    if static is not None:
        if not static:
            return input
        if g.opset >= 13:
            return g.op("Unsqueeze", input, int64_list(g, static))
        return g.op("Unsqueeze", input, axes_i=static)
    if g.opset < 13:
        onnx_opset_unsupported_detailed("Unsqueeze", g.opset, 13, "axes known only at run time need opset 13", input)
    return g.op("Unsqueeze", input, to_1d_int64(g, dynamic, "Unsqueeze axes"))


def squeeze_helper(g: GraphContext, input: Any, axes_i: Any) -> Any:
    """Squeeze ``input`` at ``axes_i``: an attribute before opset 13, an input from 13.

    Raises:
        UnsupportedSymbolicError: dynamic axes before opset 13.
        SymbolicValueError: an axes tensor of rank above 1.
    """
    static, dynamic = normalize_axes(axes_i)
    if static is not None:
        if not static:
            return input
        if g.opset >= 13:
            return g.op("Squeeze", input, int64_list(g, static))
        return g.op("Squeeze", input, axes_i=static)
    if g.opset < 13:
        onnx_opset_unsupported_detailed("Squeeze", g.opset, 13, "axes known only at run time need opset 13", input)
    rank = get_tensor_rank(dynamic)
    if rank is not None and rank > 1:
        raise SymbolicValueError(f"Squeeze axes must be a 0-d or 1-D tensor (ONNX), got rank {rank}.", input)
    return g.op("Squeeze", input, to_1d_int64(g, dynamic, "Squeeze axes"))


def reducesum_helper(
    g: GraphContext,
    input: Any,
    axes_i: Any = None,
    keepdims_i: Any = 1,
    noop_with_empty_axes_i: Any = 0,
) -> Any:
    """ReduceSum over ``axes_i`` (all axes when empty): axes an attribute before opset 13, an input from 13."""
    keepdims_i = maybe_get_const(keepdims_i, "i")
    noop_with_empty_axes_i = maybe_get_const(noop_with_empty_axes_i, "i")
    if g.opset >= 13:
        static, dynamic = normalize_axes(axes_i) if axes_i is not None and not is_none(axes_i) else ([], None)
        if static:
            axes = int64_list(g, static)
        elif dynamic is not None:
            axes = to_1d_int64(g, dynamic, "ReduceSum axes")
        else:
            return g.op("ReduceSum", input, keepdims_i=keepdims_i, noop_with_empty_axes_i=noop_with_empty_axes_i)
        return g.op("ReduceSum", input, axes, keepdims_i=keepdims_i, noop_with_empty_axes_i=noop_with_empty_axes_i)
    axes = None if axes_i is None or is_none(axes_i) else static_int_list(axes_i)
    if axes is None and axes_i is not None and not is_none(axes_i):
        onnx_opset_unsupported_detailed("ReduceSum", g.opset, 13, "axes known only at run time need opset 13", input)
    return g.op("ReduceSum", input, axes_i=axes or None, keepdims_i=keepdims_i)


def slice_helper(
    g: GraphContext,
    input: Any,
    axes: Any,
    starts: Any,
    ends: Any,
    steps: Any = None,
) -> Any:
    """Slice ``input``: constant attributes before opset 10, inputs (values allowed) from 10.

    ``axes``/``starts``/``ends``/``steps`` are lists of ints, constants, 0-d or 1-D
    tensor values, or list values. A slice of everything returns ``input``.

    Raises:
        UnsupportedSymbolicError: non-constant bounds, or steps other than 1, before opset 10.
    """
    static = {name: static_int_list(v) for name, v in (("axes", axes), ("starts", starts), ("ends", ends))}
    static_steps = None if steps is None or is_none(steps) else static_int_list(steps)
    has_steps = not (steps is None or is_none(steps))
    if (
        static["starts"] == [0]
        and static["ends"] == [INT64_MAX]
        and (not has_steps or static_steps == [1])
    ):
        return input
    if g.opset < 10:
        missing = [name for name, v in static.items() if v is None]
        if missing:
            onnx_opset_unsupported_detailed(
                "Slice", g.opset, 10, f"{', '.join(missing)} known only at run time need opset 10", input
            )
        if has_steps and (static_steps is None or any(s != 1 for s in static_steps)):
            onnx_opset_unsupported_detailed("Slice", g.opset, 10, "steps other than 1 need opset 10", input)
        if len(static["starts"]) != len(static["ends"]):  # type: ignore[arg-type]
            raise SymbolicValueError(
                f"Slice needs as many starts as ends, got {static['starts']} and {static['ends']}.", input
            )
        return g.op("Slice", input, axes_i=static["axes"], starts_i=static["starts"], ends_i=static["ends"])
    starts_v = to_1d_int64(g, [0] if is_none(starts) else starts, "Slice starts")
    ends_v = to_1d_int64(g, [INT64_MAX] if is_none(ends) else ends, "Slice ends")
    axes_v = to_1d_int64(g, axes, "Slice axes")
    if not has_steps:
        return g.op("Slice", input, starts_v, ends_v, axes_v)
    return g.op("Slice", input, starts_v, ends_v, axes_v, to_1d_int64(g, steps, "Slice steps"))


def reshape_helper(g: GraphContext, input: Any, shape: Any, allowzero: Any = 0) -> Any:
    """Reshape ``input`` to ``shape`` (ints, a constant, a list value or a shape tensor).

    ``allowzero=1`` (a 0 in ``shape`` means size 0, not "copy") needs opset 14.

    Raises:
        UnsupportedSymbolicError: ``allowzero=1`` before opset 14.
    """
    allowzero = maybe_get_const(allowzero, "i")
    shape = maybe_get_const(shape, "is")
    if not is_value(shape):
        shape = int64_list(g, shape)
    elif is_packed_list(shape):
        shape = to_1d_int64(g, shape, "Reshape shape")
    if g.opset <= 13:
        if allowzero == 1:
            onnx_opset_unsupported("Reshape with allowzero=1", g.opset, 14, input)
        return g.op("Reshape", input, shape)
    return g.op("Reshape", input, shape, allowzero_i=allowzero)


def select_index(g: GraphContext, self: Any, dim: int, index: Any) -> Any:
    """``self.select(dim, index)``: Gather, or Slice+Squeeze for a negative constant index."""
    index = maybe_get_scalar(index)
    if not is_value(index):
        if not isinstance(index, torch.Tensor) or index.dim() != 0:
            return g.op("Gather", self, as_torch_tensor(index).to(torch.int64), axis_i=dim)
        index_value = int(index.item())
        if index_value < 0:
            end = INT64_MAX if index_value == -1 else index_value + 1
            sliced = slice_helper(g, self, axes=[dim], starts=[index_value], ends=[end])
            return squeeze_helper(g, sliced, [dim])
        return g.op("Gather", self, const(g, index_value, torch.int64), axis_i=dim)
    return g.op("Gather", self, index, axis_i=dim)


def size_helper(g: GraphContext, self: Any, dim: Any) -> Any:
    """``self.size(dim)`` as a 0-d int64 value (``dim`` may be negative or a value)."""
    return select_index(g, g.op("Shape", self), 0, dim)


def select_helper(g: GraphContext, self: Any, dim: Any, index: Any, apply_reshape: bool = True) -> Any:
    """Gather ``index`` along ``dim``, keeping the dim (index made 1-D), as ``index_select`` does."""
    dim = int_arg(dim, "dim")
    index_const = maybe_get_scalar(index)
    index_rank = get_tensor_rank(index)
    if not is_value(index_const):
        index = int64_list(g, python_ints(index_const, "index"))
    elif index_rank == 0 and apply_reshape:
        index = reshape_helper(g, index, int64_list(g, [1]))
    if kind_scalar_type(index) not in (JitScalarType.INT64, JitScalarType.INT):
        index = g.op("Cast", index, to_i=TensorProtoDataType.INT64)
    return g.op("Gather", self, index, axis_i=dim)


def flatten_helper(g: GraphContext, input: Any, start_dim: Any, end_dim: Any, dim: Any) -> Any:
    """Flatten dims ``start_dim..end_dim`` of a rank-``dim`` input with a computed shape."""
    start_dim, end_dim, dim = (int_arg(v, n) for v, n in ((start_dim, "start_dim"), (end_dim, "end_dim"), (dim, "dim")))
    input_size = g.op("Shape", input)
    pieces = [
        slice_helper(g, input_size, axes=[0], starts=[0], ends=[start_dim]),
        int64_list(g, [-1]),
    ]
    if end_dim < dim - 1:
        pieces.append(slice_helper(g, input_size, axes=[0], starts=[end_dim + 1], ends=[dim]))
    final_shape = g.op("Concat", *pieces, axis_i=0)
    return reshape_helper(g, input, final_shape)


def flatten(g: GraphContext, input: Any, start_dim: int, end_dim: int) -> Any:
    """``torch.flatten`` (what legacy ``symbolic_opset9.flatten`` emitted)."""
    rank = get_tensor_rank(input)
    if rank is None:
        unsupported("aten::flatten", g.opset, "the input rank must be known at export time", input)
    if rank == 0:
        return reshape_helper(g, input, [1])
    if rank == 1:
        return g.op("Identity", input)
    end_dim = end_dim + rank if end_dim < 0 else end_dim
    start_dim = start_dim + rank if start_dim < 0 else start_dim
    if start_dim == 1 and end_dim == rank - 1:
        return g.op("Flatten", input, axis_i=start_dim)
    if start_dim == 0 and end_dim == rank - 2:
        return g.op("Flatten", input, axis_i=end_dim + 1)
    return flatten_helper(g, input, start_dim, end_dim, rank)


def scatter_elements(g: GraphContext, self: Any, dim: int, index: Any, src: Any) -> Any:
    op = "Scatter" if g.opset <= 10 else "ScatterElements"
    return g.op(op, self, index, src, axis_i=dim)


def index_fill_reshape_helper(g: GraphContext, self: Any, dim: Any, index: Any) -> tuple[Any, Any]:
    """For ``index_fill``: ``index`` reshaped to broadcast along ``dim`` and expanded to ``self``'s shape.

    Returns:
        ``(expanded_index_shape, expanded_index)``: the shape of ``self`` with
        ``dim`` replaced by ``len(index)``, and ``index`` expanded to it.

    Raises:
        UnsupportedSymbolicError: the rank of ``self`` is unknown.
    """
    self_dim = get_tensor_rank(self)
    if self_dim is None:
        unsupported("aten::index_fill", g.opset, "the input rank is not known at export time", self)
    dim_value = int_arg(dim, "dim")
    if dim_value < 0:
        dim_value += self_dim
    unsqueezed_index = unsqueeze_helper(g, index, [i for i in range(self_dim) if i != dim_value])
    expanded_index_shape = scatter_elements(
        g, g.op("Shape", self), 0, int64_list(g, [dim_value]), g.op("Shape", index)
    )
    expanded_index = g.op("Expand", unsqueezed_index, expanded_index_shape)
    return expanded_index_shape, expanded_index


def scatter_helper(g: GraphContext, self: Any, dim: Any, index: Any, src: Any) -> Any:
    """``self.scatter(dim, index, src)``: Scatter before opset 11, ScatterElements from 11.

    A scalar ``src`` is cast to ``self``'s type and expanded to ``index``'s shape.
    """
    dim = int_arg(dim, "dim")
    src_scalar = maybe_get_scalar(src)
    if is_value(src_scalar):
        return scatter_elements(g, self, dim, index, src_scalar)
    self_type = static_scalar_type(self)
    scalar = src_scalar if isinstance(src_scalar, torch.Tensor) else torch.tensor(src_scalar)
    if self_type is not None:
        scalar = scalar.to(self_type.dtype())
    expanded = g.op("Expand", const(g, scalar), g.op("Shape", index))
    return scatter_elements(g, self, dim, index, expanded)


def topk_helper(
    g: GraphContext,
    input: Any,
    k: Any,
    dim: Any,
    largest: Any = True,
    sorted: Any = False,  # noqa: A002 - the ATen argument name
    out: Any = None,
) -> Any:
    """TopK: ``k`` an attribute before opset 10 (must be constant), an input from 10; ``largest``/``sorted`` from 11.

    Returns:
        ``(values, indices)``.

    Raises:
        UnsupportedSymbolicError: ``out=``, smallest-k before opset 11, dynamic k before opset 10.
    """
    if out is not None and not is_none(out):
        unsupported("TopK", g.opset, "the out= argument is not supported", None)
    dim = int_arg(dim, "dim")
    largest = bool(maybe_get_const(largest, "b"))
    sorted_flag = bool(maybe_get_const(sorted, "b"))
    k_const = maybe_get_const(k, "i")
    if g.opset < 10:
        if is_value(k_const):
            onnx_opset_unsupported_detailed("TopK", g.opset, 10, "k known only at run time needs opset 10", input)
        if not largest:
            onnx_opset_unsupported_detailed("TopK", g.opset, 11, "the smallest-k form (largest=False)", input)
        return g.op("TopK", input, k_i=int(k_const), axis_i=dim, outputs=2)
    if not is_value(k_const):
        k_value = int64_list(g, [int(k_const)])
    else:
        k_value = reshape_helper(g, k, int64_list(g, [1]))
        if static_scalar_type(k_value) != JitScalarType.INT64:
            k_value = g.op("Cast", k_value, to_i=TensorProtoDataType.INT64)
    if g.opset <= 10:
        if not largest:
            onnx_opset_unsupported_detailed("TopK", g.opset, 11, "the smallest-k form (largest=False)", input)
        return g.op("TopK", input, k_value, axis_i=dim, outputs=2)
    return g.op("TopK", input, k_value, axis_i=dim, largest_i=largest, sorted_i=sorted_flag, outputs=2)


def sort_helper(g: GraphContext, input: Any, dim: Any, descending: Any = True, out: Any = None) -> Any:
    """Sort along ``dim`` as a TopK of the whole dim; ascending order needs opset 11.

    Returns:
        ``(values, indices)``.

    Raises:
        UnsupportedSymbolicError: ``out=``; ascending before opset 11; a dynamic dim size before opset 10.
    """
    if out is not None and not is_none(out):
        unsupported("Sort", g.opset, "the out= argument is not supported", None)
    dim = int_arg(dim, "dim")
    descending = bool(maybe_get_const(descending, "b"))
    if g.opset <= 10 and not descending:
        onnx_opset_unsupported_detailed("Sort", g.opset, 11, "ascending order", input)
    if g.opset < 10:
        size = get_tensor_dim_size(input, dim)
        if size is None:
            onnx_opset_unsupported_detailed("Sort", g.opset, 10, "a dim whose size is known only at run time", input)
        return g.op("TopK", input, k_i=size, axis_i=dim, outputs=2)
    dim_size = g.op("Gather", g.op("Shape", input), int64_list(g, [dim]))
    if g.opset <= 10:
        return g.op("TopK", input, dim_size, axis_i=dim, outputs=2)
    return g.op("TopK", input, dim_size, axis_i=dim, largest_i=descending, outputs=2)


def unbind_helper(g: GraphContext, self: Any, dim: Any, _outputs: Any) -> Any:
    """``torch.unbind``: Split + Squeeze (a sequence from opset 11 when the output count is unknown)."""
    dim = int_arg(dim, "dim")
    outputs = maybe_get_const(_outputs, "i")
    if outputs is None:
        if g.opset < 11:
            onnx_opset_unsupported_detailed("unbind", g.opset, 11, "a number of outputs unknown at export time", self)
        return g.op("SplitToSequence", self, const(g, 1, torch.int64), axis_i=dim, keepdims_i=0)
    if g.opset < 13:
        pieces = g.op("Split", self, split_i=[1] * outputs, axis_i=dim, outputs=outputs)
    else:
        pieces = g.op("Split", self, int64_list(g, [1] * outputs), axis_i=dim, outputs=outputs)
    pieces = [pieces] if outputs == 1 else list(pieces)
    return [squeeze_helper(g, piece, [dim]) for piece in pieces]


def lt_helper(g: GraphContext, input: Any, other: Any) -> Any:
    """``input < other``; opsets 7-8 compare in float, as their Less only takes floats."""
    other = if_scalar_type_as(maybe_get_scalar(other), input)
    if g.opset <= 8 and not is_fp(input):
        input = g.op("Cast", input, to_i=TensorProtoDataType.FLOAT)
        other = g.op("Cast", other, to_i=TensorProtoDataType.FLOAT)
    return g.op("Less", input, other)


def is_split_static(split_size_or_sizes: Any, _outputs: Any) -> bool:
    """Whether a split has a known number of outputs and constant sizes."""
    if _outputs is None or is_none(_outputs):
        return False
    return not (is_value(split_size_or_sizes) and not is_constant(split_size_or_sizes))


def optional_input_placeholder_tensor(g: GraphContext) -> Value:
    """A placeholder for an omitted optional input (an empty input name in ONNX)."""
    return ConstantValue(None)


def repeat_interleave_split_helper(g: GraphContext, self: Any, reps: Any, dim: Any) -> list[Any]:
    """Split ``self`` into ``reps`` pieces of size 1 along ``dim``: sizes an attribute before 13, an input from 13."""
    reps = int_arg(reps, "reps")
    dim = int_arg(dim, "dim")
    if g.opset <= 12:
        pieces = g.op("Split", self, split_i=[1] * reps, axis_i=dim, outputs=reps)
    else:
        pieces = g.op("Split", self, int64_list(g, [1] * reps), axis_i=dim, outputs=reps)
    return list(pieces) if reps > 1 else [pieces]


def repeat_interleave_single_value_repeat_helper(g: GraphContext, self: Any, repeats: Any, dim: Any) -> Any:
    """``self.repeat_interleave(repeats, dim)`` for one repeat count (a constant or a value).

    Inserts a dim after ``dim``, tiles it ``repeats`` times and merges it back.
    """
    rank = get_tensor_rank(self)
    if rank is None:
        unsupported("aten::repeat_interleave", g.opset, "the input rank must be known at export time", self)
    dim = int_arg(dim, "dim")
    if dim < 0:
        dim += rank
    static_repeats = int_arg(repeats, "repeats") if is_constant(repeats) else None
    unsqueezed = unsqueeze_helper(g, self, [dim + 1])
    if static_repeats is not None:
        per_dim = [1] * (rank + 1)
        per_dim[dim + 1] = static_repeats
        repeats_per_dim = int64_list(g, per_dim)
    else:
        repeats_1d = to_1d_int64(g, repeats, "repeats")
        onehot = g.op(
            "OneHot",
            int64_list(g, [dim + 1]),
            const(g, rank + 1, torch.int64),
            g.op("Concat", int64_list(g, [1]), repeats_1d, axis_i=0),
        )
        repeats_per_dim = flatten(g, onehot, 0, 1)
    tiled = g.op("Tile", unsqueezed, repeats_per_dim)
    return flatten(g, tiled, dim, dim + 1)
