"""Element types of graph values: lookup, promotion, casts and the legacy type tables.

Symbolics ask for a value's scalar type (``try_get_scalar_type``), promote mixed inputs
(``type_promote_from_values``) and insert casts around ops ONNX defines for floats only
(``op_with_optional_float_cast``). The deprecated 1.x tables (``cast_pytorch_to_onnx`` ...)
stay for old code. Re-exported by :mod:`onnx_migrate.legacy_symbolics.symbolic_helper`.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from onnx_migrate.errors import SymbolicValueError
from onnx_migrate.legacy_symbolics._helpers.args import (
    NOT_CONSTANT,
    constant_number,
    describe,
    get_tensor_rank,
    is_none,
    is_value,
)
from onnx_migrate.legacy_symbolics.graph_context import GraphContext
from onnx_migrate.legacy_symbolics.scalar_types import JitScalarType, TensorProtoDataType
from onnx_migrate.legacy_symbolics.values import ConstantValue, ListValue, TupleValue, Value

FLOATING_TYPES = frozenset(
    {JitScalarType.FLOAT, JitScalarType.DOUBLE, JitScalarType.HALF, JitScalarType.BFLOAT16}
)
COMPLEX_TYPES = frozenset({JitScalarType.COMPLEX32, JitScalarType.COMPLEX64, JitScalarType.COMPLEX128})

# ==================================================================================
# Element types
# ==================================================================================


def static_scalar_type(value: Any) -> JitScalarType | None:
    """The element type of a typed tensor (graph value, tensor constant, torch.Tensor); ``None`` otherwise.

    Python numbers have no type of their own: they take the type of the tensor they meet.
    """
    if isinstance(value, torch.Tensor):
        return JitScalarType.from_dtype(value.dtype)
    if isinstance(value, ConstantValue):
        obj = value.python_value
        return JitScalarType.from_dtype(obj.dtype) if isinstance(obj, torch.Tensor) else None
    if not isinstance(value, Value) or isinstance(value, (ListValue, TupleValue)):
        return None
    found = JitScalarType.from_value(value, JitScalarType.UNDEFINED)
    return None if found == JitScalarType.UNDEFINED else found


def kind_scalar_type(value: Any) -> JitScalarType | None:
    """Like ``static_scalar_type`` but numbers get the type TorchScript gave them (bool, int64, double)."""
    found = static_scalar_type(value)
    if found is not None:
        return found
    number = constant_number(value)
    if number is NOT_CONSTANT:
        return None
    if isinstance(number, (bool, np.bool_)):
        return JitScalarType.BOOL
    if isinstance(number, numbers.Integral):
        return JitScalarType.INT64
    return JitScalarType.DOUBLE


def try_get_scalar_type(*args: Any) -> JitScalarType | None:
    """The element type of the first argument whose type is known, or ``None``."""
    for arg in args:
        found = static_scalar_type(arg)
        if found is not None:
            return found
    return None


def type_promote_from_values(*args: Any) -> JitScalarType:
    """The type PyTorch's promotion gives ``args`` (tensors, 0-d tensors, then numbers).

    Values whose type is unknown are skipped; ``UNDEFINED`` when nothing is known.
    """
    accumulated: Any = NOT_CONSTANT
    for arg in args:
        operand: Any
        found = static_scalar_type(arg)
        if found is not None:
            rank = get_tensor_rank(arg)
            operand = torch.empty((1,) if rank is None or rank > 0 else (), dtype=found.dtype())
        else:
            number = constant_number(arg)
            if number is NOT_CONSTANT:
                continue
            operand = number.item() if isinstance(number, (np.number, np.bool_)) else number
        if accumulated is NOT_CONSTANT:
            accumulated = operand
        elif isinstance(accumulated, torch.Tensor) or isinstance(operand, torch.Tensor):
            dtype = torch.result_type(accumulated, operand)
            dims = max(
                (t.dim() for t in (accumulated, operand) if isinstance(t, torch.Tensor)), default=0
            )
            accumulated = torch.empty((1,) * dims, dtype=dtype)
        else:
            accumulated = accumulated + operand if not (isinstance(accumulated, bool) and isinstance(operand, bool)) else (accumulated or operand)
    if accumulated is NOT_CONSTANT:
        return JitScalarType.UNDEFINED
    if isinstance(accumulated, torch.Tensor):
        return JitScalarType.from_dtype(accumulated.dtype)
    return JitScalarType.from_dtype(torch.tensor(accumulated).dtype)


def is_in_type_group(value: Any, scalar_types: set[JitScalarType] | frozenset[JitScalarType]) -> bool:
    """Whether the element type of ``value`` is one of ``scalar_types``.

    Lists answer for their first item; numbers for the type TorchScript gave them;
    values of unknown type and ``None`` answer ``False``.
    """
    if value is None or is_none(value):
        return False
    if isinstance(value, ListValue) and not isinstance(value, TupleValue):
        items = [item for item in value.items if item is not None]
        return bool(items) and is_in_type_group(items[0], scalar_types)
    if isinstance(value, ConstantValue) and isinstance(value.python_value, (list, tuple)):
        return bool(value.python_value) and is_in_type_group(value.python_value[0], scalar_types)
    if isinstance(value, (list, tuple)):
        return bool(value) and is_in_type_group(value[0], scalar_types)
    return kind_scalar_type(value) in scalar_types


def is_fp(value: Any) -> bool:
    """Whether ``value`` holds floating point data (a float number counts)."""
    return is_in_type_group(value, FLOATING_TYPES)


def is_bool(value: Any) -> bool:
    """Whether ``value`` holds booleans."""
    return is_in_type_group(value, {JitScalarType.BOOL})


def is_complex_value(x: Any) -> bool:
    """Whether the graph value ``x`` has a complex element type."""
    if not is_value(x):
        raise SymbolicValueError(f"is_complex_value expects a graph value, got {describe(x)}.")
    return kind_scalar_type(x) in COMPLEX_TYPES


def if_scalar_type_as(self: Any, tensor: Any) -> Any:
    """Give a constant scalar (``torch.Tensor`` or number) the element type of ``tensor``.

    Graph values come back unchanged: only constants can be retyped without a Cast.
    """
    if is_value(self):
        return self
    scalar_type = static_scalar_type(tensor)
    if scalar_type is None:
        return self
    if isinstance(self, torch.Tensor):
        return self.to(scalar_type.dtype())
    if constant_number(self) is not NOT_CONSTANT:
        return torch.tensor(self, dtype=scalar_type.dtype())
    return self


def maybe_cast_to_type(g: GraphContext, value: Any, jit_type: JitScalarType) -> Any:
    """``value`` cast to ``jit_type`` unless it already has that type."""
    if kind_scalar_type(value) != jit_type:
        return g.op("Cast", value, to_i=jit_type.onnx_type())
    return value


def args_have_same_dtype(args: Sequence[Any]) -> bool:
    """Whether every value of ``args`` has the element type of the first.

    Raises:
        SymbolicValueError: ``args`` is empty, or a type is unknown.
    """
    if not args:
        raise SymbolicValueError("args_have_same_dtype needs at least one value.")
    base = JitScalarType.from_value(args[0])
    return all(JitScalarType.from_value(arg) == base for arg in args)


def maybe_cast_reduce_op_input(g: GraphContext, self: Any) -> Any:
    """Cast integral inputs of reductions to int64, as PyTorch reduces them."""
    scalar_type = static_scalar_type(self)
    if scalar_type is not None and not is_fp(self) and scalar_type != JitScalarType.INT64:
        return g.op("Cast", self, to_i=TensorProtoDataType.INT64)
    return self


def op_with_optional_float_cast(g: GraphContext, op_name: str, *args: Any, **kwargs: Any) -> Any:
    """Emit ``op_name`` in float for non-float inputs, casting back, below ``opset_before``.

    Some ONNX ops (Clip, Min, Max, Pad... at old opsets) only take floats, while
    PyTorch takes any numeric type: ``Cast<int>(Op<float>(Cast<float>(x)))``.

    Keyword Args:
        opset_before: cast only when ``g.opset`` is below it (always when ``None``).
        target_float_t: the float type to compute in (``JitScalarType.FLOAT``).
        Other keywords are attributes of ``op_name``.

    Raises:
        SymbolicValueError: the inputs have different element types.
    """
    opset_before = kwargs.pop("opset_before", None)
    target_float_t = kwargs.pop("target_float_t", JitScalarType.FLOAT)
    inputs = list(args)
    dtype_0 = JitScalarType.from_value(inputs[0])
    require_cast = not is_fp(inputs[0]) and (opset_before is None or g.opset < opset_before)
    if require_cast:
        for value in inputs:
            if is_value(value) and value.isCompleteTensor():
                value_type = JitScalarType.from_value(value)
                if value_type != dtype_0:
                    raise SymbolicValueError(
                        f"Inputs of {op_name} must have the same element type; got {dtype_0.scalar_name()} "
                        f"and {value_type.scalar_name()}. Cast them to one type before calling {op_name}.",
                        value,
                    )
        for index, value in enumerate(inputs):
            if is_value(value) and not isinstance(value, ConstantValue) and value.isCompleteTensor() and not is_fp(value):
                inputs[index] = g.op("Cast", value, to_i=target_float_t.onnx_type())
    result = g.op(op_name, *inputs, **kwargs)
    if require_cast:
        result = g.op("Cast", result, to_i=dtype_0.onnx_type())
    return result


def generate_wrapped_number(g: GraphContext, scalar: Any) -> Value:
    """A 0-d constant for a Python number: double for floats, the number's own type otherwise.

    (A "wrapped number" is how PyTorch passes a Python scalar as a tensor.)

    Raises:
        SymbolicValueError: ``scalar`` is a tensor.
    """
    if isinstance(scalar, ConstantValue):
        scalar = scalar.python_value
    if isinstance(scalar, torch.Tensor):
        raise SymbolicValueError("_generate_wrapped_number takes a Python number, not a tensor.")
    if isinstance(scalar, float):
        return g.op("Constant", value_t=torch.tensor(scalar, dtype=torch.double))
    return g.op("Constant", value_t=torch.tensor(scalar))


# ==================================================================================
# Legacy type tables (deprecated in torch too; JitScalarType is the better API)
# ==================================================================================

#: Scalar name -> ONNX element type.
cast_pytorch_to_onnx: dict[str, TensorProtoDataType] = {
    "Byte": TensorProtoDataType.UINT8,
    "Char": TensorProtoDataType.INT8,
    "Double": TensorProtoDataType.DOUBLE,
    "Float": TensorProtoDataType.FLOAT,
    "Half": TensorProtoDataType.FLOAT16,
    "Int": TensorProtoDataType.INT32,
    "Long": TensorProtoDataType.INT64,
    "Short": TensorProtoDataType.INT16,
    "Bool": TensorProtoDataType.BOOL,
    "ComplexFloat": TensorProtoDataType.COMPLEX64,
    "ComplexDouble": TensorProtoDataType.COMPLEX128,
    "BFloat16": TensorProtoDataType.BFLOAT16,
    "Undefined": TensorProtoDataType.UNDEFINED,
}

#: C++ type name -> scalar name.
scalar_name_to_pytorch: dict[str, str] = {
    "uint8_t": "Byte",
    "int8_t": "Char",
    "double": "Double",
    "float": "Float",
    "half": "Half",
    "int": "Int",
    "int64_t": "Long",
    "int16_t": "Short",
    "bool": "Bool",
    "complex64": "ComplexFloat",
    "complex128": "ComplexDouble",
    "qint8": "QInt8",
    "quint8": "QUInt8",
    "qint32": "QInt32",
    "bfloat16": "BFloat16",
}

#: ScalarType number (0..15) -> torch dtype.
scalar_type_to_pytorch_type: list[torch.dtype] = [JitScalarType(i).dtype() for i in range(16)]

#: Scalar name -> torch dtype.
pytorch_name_to_type: dict[str, torch.dtype] = {
    name: JitScalarType._from_name(name).dtype() for name in scalar_name_to_pytorch.values()
}

#: ScalarType number (0..15) -> ONNX element type (complex32 has none: UNDEFINED).
scalar_type_to_onnx: list[TensorProtoDataType] = [
    TensorProtoDataType.UNDEFINED if JitScalarType(i) == JitScalarType.COMPLEX32 else JitScalarType(i).onnx_type()
    for i in range(16)
]
