"""Reduction helpers: Reduce* ops across opsets, min/max, argmin/argmax, var_mean, norms.

``Reduce*`` ops took ``axes`` as an attribute until opset 13 (ReduceSum) / 18 (the others)
and as an input after; these helpers hide that and handle ``dim=None`` and dtype arguments.
Re-exported by :mod:`onnx_migrate.legacy_symbolics.symbolic_helper`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import torch

from onnx_migrate.legacy_symbolics._helpers.args import (
    get_const,
    get_tensor_dim_size,
    get_tensor_rank,
    is_constant,
    is_none,
    is_value,
    maybe_get_const,
)
from onnx_migrate.legacy_symbolics._helpers.decorators import overload_by_arg_count, parse_args, quantized_args
from onnx_migrate.legacy_symbolics._helpers.errors_and_opsets import onnx_opset_unsupported_detailed, unsupported
from onnx_migrate.legacy_symbolics._helpers.shapes import (
    const,
    int_arg,
    reducesum_helper,
    reshape_helper,
    static_int_list,
    to_1d_int64,
)
from onnx_migrate.legacy_symbolics._helpers.dtypes import (
    maybe_cast_reduce_op_input,
    op_with_optional_float_cast,
    static_scalar_type,
)
from onnx_migrate.legacy_symbolics.graph_context import GraphContext
from onnx_migrate.legacy_symbolics.scalar_types import JitScalarType

# ==================================================================================
# Reductions
# ==================================================================================


def reduce_over(g: GraphContext, op_name: str, input: Any, axes: list[int] | Any | None, keepdims: int) -> Any:
    """``op_name`` over ``axes`` (all when ``None``): axes an attribute before opset 18, an input from 18.

    ReduceSum moved its axes to an input at opset 13; the other Reduce* ops at 18.
    """
    axes_as_input_from = 13 if op_name == "ReduceSum" else 18
    if axes is None:
        return g.op(op_name, input, keepdims_i=keepdims)
    if g.opset < axes_as_input_from:
        static = static_int_list(axes)
        if static is None:
            onnx_opset_unsupported_detailed(
                op_name, g.opset, axes_as_input_from, "axes known only at run time", input
            )
        return g.op(op_name, input, axes_i=static, keepdims_i=keepdims)
    return g.op(op_name, input, to_1d_int64(g, axes, f"{op_name} axes"), keepdims_i=keepdims)


def handle_reduce_dim_none(g: GraphContext, self: Any, op_name: str) -> Any:
    """Reduce over all dims; an empty input keeps its rank (keepdims=1), as ONNX reduces empty tensors so."""
    rank = get_tensor_rank(self)
    if rank is not None and any(get_tensor_dim_size(self, i) == 0 for i in range(rank)):
        return g.op(op_name, self, keepdims_i=1)
    return g.op(op_name, self, keepdims_i=0)


def reduce_op_symbolic_helper(onnx_op_name: str, allow_multi_dim_support: bool = True) -> Callable[..., Any]:
    """A symbolic ``(g, self, dim=None, keepdim=None)`` reducing with ``onnx_op_name``."""

    def symbolic(g: GraphContext, self: Any, dim: Any = None, keepdim: Any = None) -> Any:
        self = maybe_cast_reduce_op_input(g, self)
        if dim is None or is_none(dim) or (isinstance(dim, (list, tuple)) and len(dim) == 0):
            return handle_reduce_dim_none(g, self, onnx_op_name)
        keepdim = get_const(keepdim, "i", "keepdim")
        desc = "is" if allow_multi_dim_support else "i"
        dims: Any = dim
        if is_constant(dim):
            parsed = get_const(dim, desc, "dim")
            dims = parsed if allow_multi_dim_support else [parsed]
            if not dims:
                return handle_reduce_dim_none(g, self, onnx_op_name)
        return reduce_over(g, onnx_op_name, self, dims, keepdim)

    return symbolic


def reduce_with_dtype_helper(onnx_op: str, name: str, allow_multi_dim_support: bool = True) -> Callable[..., Any]:
    """``sum``/``mean``/``prod``-style symbolic: ``(self, dtype)`` or ``(self, dim, keepdim, dtype)``."""
    symbolic = reduce_op_symbolic_helper(onnx_op, allow_multi_dim_support=allow_multi_dim_support)

    def with_dtype(g: GraphContext, self: Any, dtype: Any, reduce: Callable[[Any], Any]) -> Any:
        onnx_dtype = None
        if not is_none(dtype):
            if not is_constant(dtype):
                unsupported(name, g.opset, "a dtype known only at run time", dtype)
            onnx_dtype = JitScalarType(int_arg(dtype, "dtype")).onnx_type()
            self = g.op("Cast", self, to_i=onnx_dtype)
        result = reduce(self)
        if onnx_dtype is not None and static_scalar_type(result) != JitScalarType.from_onnx_type(onnx_dtype):
            result = g.op("Cast", result, to_i=onnx_dtype)
        return result

    @overload_by_arg_count
    def reduce(g: GraphContext, *args: Any, **kwargs: Any) -> tuple[Callable[..., Any], Callable[..., Any]]:
        @quantized_args(True)
        @parse_args("v", "none")
        def reduce_nodim(g: GraphContext, self: Any, dtype: Any) -> Any:
            return with_dtype(g, self, dtype, lambda x: symbolic(g, x))

        @quantized_args(True)
        @parse_args("v", "is" if allow_multi_dim_support else "i", "i", "none")  # type: ignore[arg-type]
        def reduce_dim(g: GraphContext, self: Any, dim: Any, keepdim: Any, dtype: Any) -> Any:
            return with_dtype(g, self, dtype, lambda x: symbolic(g, x, dim, keepdim))

        return reduce_nodim, reduce_dim

    reduce.__name__ = name
    return reduce


def min_max_helper(g: GraphContext, self: Any, dim_or_y: Any, keepdim: Any, which: str) -> Any:
    reduce_op, elementwise_op, arg_op = f"Reduce{which}", which, f"Arg{which}"
    if (dim_or_y is None or is_none(dim_or_y)) and (keepdim is None or is_none(keepdim)):
        return g.op(reduce_op, self, keepdims_i=0)
    if keepdim is None or is_none(keepdim):
        return op_with_optional_float_cast(g, elementwise_op, self, dim_or_y, opset_before=12)
    keepdim = get_const(keepdim, "i", "keepdim")
    dim = get_const(dim_or_y, "i", "dim")
    values = reduce_over(g, reduce_op, self, [dim], keepdim)
    indices = g.op(arg_op, self, axis_i=dim, keepdims_i=keepdim)
    return values, indices


def max_helper(g: GraphContext, self: Any, dim_or_y: Any = None, keepdim: Any = None) -> Any:
    """``torch.max`` in its three forms: all elements, elementwise with another tensor, along a dim."""
    return min_max_helper(g, self, dim_or_y, keepdim, "Max")


def min_helper(g: GraphContext, self: Any, dim_or_y: Any = None, keepdim: Any = None) -> Any:
    """``torch.min`` in its three forms: all elements, elementwise with another tensor, along a dim."""
    return min_max_helper(g, self, dim_or_y, keepdim, "Min")


def argmin_argmax_helper(g: GraphContext, input: Any, dim: Any, keepdim: Any, op_name: str) -> Any:
    """ArgMax/ArgMin along ``dim``, or over the flattened input when ``dim`` is None."""
    keepdim = bool(maybe_get_const(keepdim, "b"))

    def arg_op(x: Any, axis: int, keep: bool) -> Any:
        if g.opset >= 12:
            return g.op(op_name, x, axis_i=axis, keepdims_i=keep, select_last_index_i=False)
        return g.op(op_name, x, axis_i=axis, keepdims_i=keep)

    if dim is None or is_none(dim):
        flattened = reshape_helper(g, input, [-1])
        output = arg_op(flattened, 0, False)
        if keepdim:
            ones_shape = g.op(
                "ConstantOfShape", g.op("Shape", g.op("Shape", input)), value_t=torch.tensor([1], dtype=torch.int64)
            )
            output = g.op("Reshape", output, ones_shape)
        return output
    return arg_op(input, int_arg(dim, "dim"), keepdim)


def numel_helper(g: GraphContext, self: Any) -> Any:
    """The number of elements of ``self`` as a 0-d int64 value."""
    return g.op("ReduceProd", g.op("Shape", self), keepdims_i=0)


@parse_args("v", "is", "i", "i")
def var_mean_helper(g: GraphContext, input: Any, dim: Any, correction: Any, keepdim: Any) -> tuple[Any, Any]:
    """``torch.var_mean``: returns ``(var, mean)``; ``correction`` defaults to 1 (Bessel)."""
    if dim is None:
        mean = g.op("ReduceMean", input, keepdims_i=0)
        t_mean = mean
        num_elements = numel_helper(g, input)
    else:
        mean = reduce_over(g, "ReduceMean", input, dim, keepdim)
        t_mean = reduce_over(g, "ReduceMean", input, dim, 1)
        reduced_dims = g.op("Gather", g.op("Shape", input), const(g, dim, torch.int64), axis_i=0)
        num_elements = g.op("ReduceProd", reduced_dims, keepdims_i=0)
    sub_v = g.op("Sub", input, t_mean)
    sqr_sub = g.op("Mul", sub_v, sub_v)
    var = reduce_over(g, "ReduceMean", sqr_sub, dim, 0 if dim is None else keepdim)
    correction = 1 if correction is None else correction
    if correction != 0:
        float_type = static_scalar_type(input) or JitScalarType.FLOAT
        num_elements = g.op("Cast", num_elements, to_i=float_type.onnx_type())
        one = const(g, correction, float_type.dtype())
        var = g.op("Div", g.op("Mul", var, num_elements), g.op("Sub", num_elements, one))
    return var, mean


def linalg_vector_norm_helper(
    g: GraphContext, self: Any, ord: float, dim: Sequence[int] | None, keepdim: bool, dtype: Any  # noqa: A002
) -> Any:
    """``torch.linalg.vector_norm`` for ``ord`` in {inf, -inf, 0, 1, 2, p}."""
    ord = float(maybe_get_const(ord, "f"))  # noqa: A001
    dim = maybe_get_const(dim, "is")
    keepdim = bool(maybe_get_const(keepdim, "b"))
    if dim is None or is_none(dim) or (isinstance(dim, list) and not dim):
        self = reshape_helper(g, self, [-1])
        dim, keepdim = None, False
    axes = None if dim is None else (dim if is_value(dim) else list(dim))
    if ord == math.inf:
        result = reduce_over(g, "ReduceMax", g.op("Abs", self), axes, keepdim)
    elif ord == -math.inf:
        result = reduce_over(g, "ReduceMin", g.op("Abs", self), axes, keepdim)
    elif ord == 0:
        if g.opset < 11:
            onnx_opset_unsupported_detailed("linalg_vector_norm", g.opset, 11, "ord=0", self)
        zero = const(g, torch.zeros((), dtype=(static_scalar_type(self) or JitScalarType.FLOAT).dtype()))
        nonzero = g.op("Cast", g.op("Not", g.op("Equal", self, zero)), to_i=JitScalarType.from_value(self).onnx_type())
        result = reducesum_helper(g, nonzero, axes_i=axes, keepdims_i=keepdim)
    elif ord == 1:
        result = reduce_over(g, "ReduceL1", self, axes, keepdim)
    elif ord == 2:
        result = reduce_over(g, "ReduceL2", self, axes, keepdim)
    else:
        float_type = (static_scalar_type(self) or JitScalarType.FLOAT).dtype()
        ord_value = const(g, ord, float_type)
        powered = reducesum_helper(g, g.op("Pow", g.op("Abs", self), ord_value), axes_i=axes, keepdims_i=keepdim)
        result = g.op("Pow", powered, g.op("Div", const(g, 1.0, float_type), ord_value))
    if not is_none(dtype):
        result = g.op("Cast", result, to_i=JitScalarType(int_arg(dtype, "dtype")).onnx_type())
    return result
