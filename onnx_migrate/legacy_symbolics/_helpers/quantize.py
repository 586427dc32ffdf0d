"""Quantize / dequantize helpers for symbolics of quantized ops.

Quantized tensors travel as ``(value, scale, zero_point[, axis])`` tuples; these helpers
turn them into ONNX ``QuantizeLinear`` / ``DequantizeLinear`` nodes (opset 10+).
Re-exported by :mod:`onnx_migrate.legacy_symbolics.symbolic_helper`.
"""

from __future__ import annotations

from typing import Any

import torch

from onnx_migrate.errors import SymbolicValueError
from onnx_migrate.legacy_symbolics._helpers.args import get_const, is_none, unpack_quantized_tensor
from onnx_migrate.legacy_symbolics._helpers.errors_and_opsets import onnx_opset_unsupported_detailed
from onnx_migrate.legacy_symbolics._helpers.dtypes import static_scalar_type
from onnx_migrate.legacy_symbolics.graph_context import GraphContext
from onnx_migrate.legacy_symbolics.scalar_types import JitScalarType, TensorProtoDataType
from onnx_migrate.legacy_symbolics.values import TupleValue

# ==================================================================================
# Quantization
# ==================================================================================


def require_quantize_opset(g: GraphContext, op: str, value: Any) -> None:
    if g.opset < 10:
        onnx_opset_unsupported_detailed(op, g.opset, 10, f"{op} was added in opset 10", value)


def dequantize_helper(
    g: GraphContext, qtensor: Any, qdtype: Any = None
) -> tuple[Any, Any, Any, Any]:
    """Append the DequantizeLinear of a quantized tensor tuple.

    Args:
        g: the graph context.
        qtensor: ``(tensor, scale, zero_point[, axis])`` as a tuple value; the axis
            (per-channel quantization) needs opset 13.
        qdtype: the ONNX element type of the quantized data (uint8 or int8); by
            default the tensor's own type.

    Returns:
        ``(dequantized, scale, zero_point, axis)``.

    Raises:
        UnsupportedSymbolicError: before opset 10, or an axis before opset 13.
    """
    items = unpack_quantized_tensor(qtensor)
    tensor, scale, zero_point = items[:3]
    axis = items[3] if len(items) >= 4 else None
    axis_i = get_const(axis, "i", "axis")
    require_quantize_opset(g, "DequantizeLinear", qtensor)
    if axis_i is not None and g.opset < 13:
        onnx_opset_unsupported_detailed("DequantizeLinear", g.opset, 13, "per-channel quantization (axis)", qtensor)
    if qdtype is None:
        input_type = static_scalar_type(tensor)
        qdtype = input_type.onnx_type() if input_type is not None else TensorProtoDataType.UINT8
    value = g.op("Cast", tensor, to_i=qdtype)
    scale = g.op("Cast", scale, to_i=TensorProtoDataType.FLOAT)
    zero_point = g.op("Cast", zero_point, to_i=qdtype)
    return g.op("DequantizeLinear", value, scale, zero_point, axis_i=axis_i), scale, zero_point, axis


def quantize_helper(g: GraphContext, tensor: Any, scale: Any, zero_point: Any, axis: Any = None) -> TupleValue:
    """Append the QuantizeLinear of ``tensor`` and return the quantized tensor tuple.

    Args:
        g: the graph context.
        tensor: the float tensor to quantize.
        scale: the scale (cast to float when needed).
        zero_point: the zero point (cast to uint8 unless it is uint8 or int8).
        axis: the channel axis for per-channel quantization (opset 13+), else ``None``.

    Returns:
        ``(quantized, scale, zero_point[, axis])`` as a tuple value.

    Raises:
        UnsupportedSymbolicError: before opset 10, or an axis before opset 13.
        SymbolicValueError: ``scale`` or ``zero_point`` is missing.
    """
    has_axis = axis is not None and not is_none(axis)
    require_quantize_opset(g, "QuantizeLinear", tensor)
    if has_axis and g.opset < 13:
        onnx_opset_unsupported_detailed("QuantizeLinear", g.opset, 13, "per-channel quantization (axis)", tensor)
    if scale is None:
        raise SymbolicValueError("quantize_helper needs a scale.", tensor)
    if zero_point is None:
        raise SymbolicValueError("quantize_helper needs a zero point.", tensor)
    if static_scalar_type(scale) != JitScalarType.FLOAT:
        scale = g.op("Cast", scale, to_i=TensorProtoDataType.FLOAT)
    if static_scalar_type(zero_point) not in (JitScalarType.UINT8, JitScalarType.INT8):
        zero_point = g.op("Cast", zero_point, to_i=TensorProtoDataType.UINT8)
    output = g.op("QuantizeLinear", tensor, scale, zero_point, axis_i=get_const(axis, "i", "axis") if has_axis else None)
    return TupleValue([output, scale, zero_point, *([axis] if has_axis else [])])


def requantize_bias_helper(g: GraphContext, bias: Any, input_scale: Any, weight_scale: Any, axis: Any = None) -> TupleValue:
    """Quantize a float bias to int32 with scale ``input_scale * weight_scale`` (regular ops: QuantizeLinear has no int32).

    Returns:
        ``(q_bias, bias_scale, bias_zero_point[, axis])`` as a tuple value.
    """
    bias_scale = g.op("Mul", weight_scale, input_scale)
    bias_zero_point = g.op(
        "ConstantOfShape", g.op("Shape", bias_scale), value_t=torch.tensor([0], dtype=torch.int32)
    )
    q_bias = g.op("Cast", g.op("Div", bias, bias_scale), to_i=TensorProtoDataType.INT32)
    extra = [axis] if axis is not None and not is_none(axis) else []
    return TupleValue([q_bias, bias_scale, bias_zero_point, *extra])
