"""Helpers for creation ops (``arange``) and layers: batch norm, average pooling, embedding bag.

They are shared by several opset versions of the same symbolic, so they live apart from the
op library. Re-exported by :mod:`onnx_migrate.legacy_symbolics.symbolic_helper`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch

from onnx_migrate.errors import SymbolicValueError
from onnx_migrate.legacy_symbolics import export_context as _export_context
from onnx_migrate.legacy_symbolics._helpers.args import (
    INT64_MAX,
    get_tensor_dim_size,
    get_tensor_sizes,
    is_none,
    is_value,
    maybe_get_const,
)
from onnx_migrate.legacy_symbolics._helpers.errors_and_opsets import (
    onnx_opset_unsupported,
    onnx_unsupported,
    unimplemented,
    unsupported,
)
from onnx_migrate.legacy_symbolics._helpers.reductions import reduce_over, var_mean_helper
from onnx_migrate.legacy_symbolics._helpers.shapes import (
    const,
    int64_list,
    int_arg,
    reshape_helper,
    size_helper,
    slice_helper,
    squeeze_helper,
    unsqueeze_helper,
)
from onnx_migrate.legacy_symbolics._helpers.dtypes import is_fp, kind_scalar_type, static_scalar_type
from onnx_migrate.legacy_symbolics.graph_context import (
    GraphContext,
    add_input_to_block,
    add_op_with_blocks,
    add_output_to_block,
)
from onnx_migrate.legacy_symbolics.scalar_types import JitScalarType, TensorProtoDataType
from onnx_migrate.legacy_symbolics.values import ConstantValue, TensorType

# ==================================================================================
# Creation
# ==================================================================================


def arange_cast_helper(
    g: GraphContext, end: Any, start: Any = None, step: Any = None, dtype: Any = None
) -> tuple[JitScalarType, Any, Any, Any]:
    """The element type of ``arange`` and ``end``/``start``/``step`` cast to it.

    The type is ``dtype`` when given; else int64 when every bound is integral, and
    the default float type otherwise (``torch.arange``'s rule).

    Returns:
        ``(scalar_type, end, start, step)``, absent bounds as ``None``.
    """
    dtype = maybe_get_const(dtype, "i")
    if dtype is None or is_none(dtype):
        bounds = [b for b in (start, end, step) if b is not None and not is_none(b)]
        integral = all(kind_scalar_type(b) in (JitScalarType.INT64, None) for b in bounds)
        scalar_type = JitScalarType.INT64 if integral else JitScalarType.from_dtype(torch.get_default_dtype())
    else:
        scalar_type = JitScalarType(int(dtype))

    def cast(bound: Any) -> Any:
        if bound is None or is_none(bound):
            return None
        if not is_value(bound):
            return const(g, bound, scalar_type.dtype())
        return g.op("Cast", bound, to_i=scalar_type.onnx_type())

    return scalar_type, cast(end), cast(start), cast(step)


def arange_helper(g: GraphContext, *args: Any) -> Any:
    """``torch.arange`` by legacy argument count: ``(end, out)``, ``(end, dtype, layout, device, pin_memory)``,
    ``(start, end, step, out)``, ``(start, end, dtype, layout, device, pin_memory)`` or
    ``(start, end, step, dtype, layout, device, pin_memory)``. Range from opset 11; before, a NonZero construction.
    """
    count = len(args)
    if count == 2 and all(isinstance(a, int) and not isinstance(a, bool) for a in args) and g.opset >= 11:
        return g.op("Range", const(g, args[0], torch.int64), const(g, args[1], torch.int64), const(g, 1, torch.int64))
    if count in (2, 5):
        scalar_type, end, start, step = arange_cast_helper(g, end=args[0], dtype=None if count == 2 else args[1])
    elif count in (4, 7):
        scalar_type, end, start, step = arange_cast_helper(
            g, start=args[0], end=args[1], step=args[2], dtype=None if count == 4 else args[3]
        )
    elif count == 6:
        scalar_type, end, start, step = arange_cast_helper(g, start=args[0], end=args[1], dtype=args[2])
    else:
        unsupported("aten::arange", g.opset, f"no arange overload takes {count} arguments", None)
    if g.opset >= 11:
        start = start if start is not None else const(g, 0, scalar_type.dtype())
        step = step if step is not None else const(g, 1, scalar_type.dtype())
        return g.op("Range", start, end, step)
    # Before Range: the indices of a ones tensor of the right length.
    span = end if start is None else g.op("Sub", end, start)
    if step is not None:
        span = g.op("Div", span, step)
    length = unsqueeze_helper(g, span, [0])
    if is_fp(length):
        length = g.op("Cast", g.op("Ceil", length), to_i=TensorProtoDataType.INT64)
    elif static_scalar_type(length) != JitScalarType.INT64:
        length = g.op("Cast", length, to_i=TensorProtoDataType.INT64)
    ones = g.op("ConstantOfShape", length, value_t=torch.tensor([1], dtype=torch.int64))
    indices = squeeze_helper(g, g.op("NonZero", ones), [0])
    result = g.op("Cast", indices, to_i=scalar_type.onnx_type())
    if step is not None:
        result = g.op("Mul", result, step)
    if start is not None:
        result = g.op("Add", result, start)
    return result


# ==================================================================================
# Normalization, pooling, embedding
# ==================================================================================


def batchnorm_helper(
    g: GraphContext, input: Any, weight: Any, bias: Any, running_mean: Any, running_var: Any
) -> tuple[Any, Any, Any, Any]:
    """Fill in what BatchNormalization needs: unit weight, zero bias, batch statistics.

    Returns:
        ``(weight, bias, running_mean, running_var)``.

    Raises:
        SymbolicValueError: a missing weight/bias with an unknown channel count, or
            missing running stats with an unknown batch or channel size.
    """
    batch_size = get_tensor_dim_size(input, 0)
    channel_size = get_tensor_dim_size(input, 1)
    dtype = JitScalarType.from_value(input, JitScalarType.FLOAT).dtype()

    def filled(value: Any, fill: float, what: str) -> Any:
        if value is not None and not is_none(value):
            return value
        if channel_size is None:
            raise SymbolicValueError(
                f"batch_norm without {what} needs the channel count (dim 1) at export time, but it is dynamic. "
                "Give the input a static channel dim.",
                input,
            )
        return const(g, torch.full((channel_size,), fill, dtype=dtype))

    weight = filled(weight, 1.0, "weight")
    bias = filled(bias, 0.0, "bias")
    if running_mean is None or is_none(running_mean) or running_var is None or is_none(running_var):
        if batch_size is None or channel_size is None:
            raise SymbolicValueError(
                "batch_norm without running statistics needs static batch and channel sizes at export time.", input
            )
        reshaped = reshape_helper(g, input, [batch_size, channel_size, -1])
        transposed = g.op("Transpose", reshaped, perm_i=[0, 2, 1])
        running_var, running_mean = var_mean_helper(g, transposed, ConstantValue([0, 1]), ConstantValue(0), ConstantValue(0))
    return weight, bias, running_mean, running_var


def avgpool_helper(
    tuple_fn: Callable[[Any], Sequence[int]],
    padding: int | Sequence[int],
    kernel_size: Any,
    stride: Any,
    divisor_override: Any,
    name: str,
) -> tuple[int, ...]:
    """The padding tuple of an average pool; ``divisor_override`` has no ONNX equivalent.

    Raises:
        UnsupportedSymbolicError: ``divisor_override`` is set.
    """
    if divisor_override is not None and not is_none(divisor_override):
        override = maybe_get_const(divisor_override, "i")
        if is_value(override) or override:
            unimplemented(name, "divisor_override", divisor_override if is_value(divisor_override) else None)
    return tuple(tuple_fn(padding))


def embedding_bag_helper(
    g: GraphContext,
    embedding_matrix: Any,
    indices: Any,
    offsets: Any,
    scale_grad_by_freq: Any,
    mode: Any,
    sparse: Any,
    per_sample_weights: Any,
    include_last_offset: Any,
    padding_idx: Any,
) -> tuple[Any, None, None, None]:
    """``embedding_bag`` as a Loop over bags (opset 11+): sum (0), mean (1) or max (2) per bag.

    Returns:
        ``(output, None, None, None)``: only the first ATen output is produced.

    Raises:
        UnsupportedSymbolicError: ``scale_grad_by_freq`` in training, or a ``padding_idx``.
    """
    scale_grad_by_freq = bool(maybe_get_const(scale_grad_by_freq, "b"))
    mode = int_arg(mode, "mode")
    include_last_offset = bool(maybe_get_const(include_last_offset, "b"))
    padding_idx = maybe_get_const(padding_idx, "i")
    if scale_grad_by_freq and _export_context.GLOBALS.export_training:
        onnx_unsupported("embedding_bag with scale_grad_by_freq for training mode")
    if padding_idx is not None and not is_value(padding_idx) and padding_idx >= 0:
        unsupported("aten::embedding_bag", g.opset, "padding_idx is not supported", None)
    if g.opset < 11:
        onnx_opset_unsupported("embedding_bag", g.opset, 11, embedding_matrix)

    loop_condition = g.op("Cast", const(g, 1), to_i=TensorProtoDataType.BOOL)
    zero = int64_list(g, [0])
    indices_len = unsqueeze_helper(g, size_helper(g, indices, ConstantValue(0)), [0])
    if not include_last_offset:
        offsets = g.op("Concat", offsets, indices_len, axis_i=0)
    offsets_starts = slice_helper(g, offsets, axes=[0], starts=[0], ends=[INT64_MAX], steps=[1])
    offsets_ends = slice_helper(g, offsets, axes=[0], starts=[1], ends=[INT64_MAX], steps=[1])
    loop_len = size_helper(g, offsets_ends, ConstantValue(0))

    loop, (body,), _ = add_op_with_blocks(g, "Loop", loop_len, loop_condition, n_blocks=1)
    iteration = add_input_to_block(body).setType(TensorType(torch.int64, ()))
    add_input_to_block(body).setType(TensorType(torch.bool, ()))

    start = unsqueeze_helper(body, body.op("Gather", offsets_starts, iteration, axis_i=0), [0])
    end = unsqueeze_helper(body, body.op("Gather", offsets_ends, iteration, axis_i=0), [0])
    bag_indices = body.op("Slice", indices, start, end, zero)
    embeddings = body.op("Gather", embedding_matrix, bag_indices, axis_i=0)
    if per_sample_weights is not None and not is_none(per_sample_weights):
        weights = body.op("Slice", per_sample_weights, start, end, zero)
        embeddings = body.op("Mul", embeddings, unsqueeze_helper(body, weights, [1]))
    reduce_op = {0: "ReduceSum", 1: "ReduceMean"}.get(mode, "ReduceMax")
    embeddings = reduce_over(body, reduce_op, embeddings, [0], 0)
    add_output_to_block(body, body.op("Cast", loop_condition, to_i=TensorProtoDataType.BOOL))
    add_output_to_block(body, embeddings)
    # Per-node inference does not look into the body: state the type (one row per bag).
    embedding_sizes = get_tensor_sizes(embedding_matrix)
    embedding_dim = embedding_sizes[1] if embedding_sizes and len(embedding_sizes) == 2 else None
    loop.setType(TensorType(JitScalarType.from_value(embedding_matrix, JitScalarType.FLOAT).dtype(), [None, embedding_dim]))
    return loop.node().output(), None, None, None
