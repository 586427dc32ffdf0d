"""symbolic_helper: element types, casts and promotion.

Legacy symbolics ask for the element type of values (``_try_get_scalar_type``,
``_is_fp``), promote like PyTorch (``_type_promote_from_values``) and insert
casts around ops that ONNX restricts to floats at old opsets
(``_op_with_optional_float_cast``). Python scalars have no type of their own:
they take the type of the tensor they meet.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

from onnx_migrate.errors import SymbolicValueError
from onnx_migrate.legacy_symbolics import symbolic_helper as sh
from onnx_migrate.legacy_symbolics.graph_context import GraphContext
from onnx_migrate.legacy_symbolics.scalar_types import JitScalarType, TensorProtoDataType
from onnx_migrate.legacy_symbolics.values import ConstantValue, ListValue, Value


@pytest.fixture
def g() -> GraphContext:
    return GraphContext.create(13)


def _input(g: GraphContext, dtype: torch.dtype, shape: list[int] | None = None) -> Value:
    return g.add_input(f"in{len(g.graph.inputs)}", dtype, [2] if shape is None else shape)


def test_try_get_scalar_type(g: GraphContext) -> None:
    f = _input(g, torch.float32)
    i = _input(g, torch.int32)
    unknown = g.op("mydomain::Opaque", f)
    assert sh._try_get_scalar_type(unknown, i, f) == JitScalarType.INT
    assert sh._try_get_scalar_type(ConstantValue(2.5), f) == JitScalarType.FLOAT
    assert sh._try_get_scalar_type(ConstantValue(torch.tensor([1], dtype=torch.int8))) == JitScalarType.INT8
    assert sh._try_get_scalar_type(torch.zeros(1, dtype=torch.float64)) == JitScalarType.DOUBLE
    assert sh._try_get_scalar_type(unknown, 3) is None


# dtypes of tensor operands (shape (2,) unless noted), Python scalars -> torch.result_type's answer
PROMOTION_CASES: list[tuple[list[Any], torch.dtype | None]] = [
    ([torch.int32, torch.float16], torch.float16),
    ([torch.int64, 2.5], torch.float32),
    ([torch.float16, 2.5], torch.float16),
    ([torch.bool, 3], torch.int64),
    ([torch.uint8, torch.int8], torch.int16),
    ([torch.int32, ("0d", torch.float64)], torch.float64),
    ([torch.float32, ("0d", torch.float64)], torch.float32),
    ([2, 2.5], torch.float32),
    ([True], torch.bool),
    ([], None),
]


@pytest.mark.parametrize(("operands", "expected"), PROMOTION_CASES)
def test_type_promote_from_values_follows_torch(g: GraphContext, operands: list[Any], expected: torch.dtype | None) -> None:
    args: list[Any] = []
    torch_args: list[Any] = []
    for operand in operands:
        if isinstance(operand, torch.dtype):
            args.append(_input(g, operand))
            torch_args.append(torch.zeros(2, dtype=operand))
        elif isinstance(operand, tuple):
            args.append(_input(g, operand[1], []))
            torch_args.append(torch.zeros((), dtype=operand[1]))
        else:
            args.append(ConstantValue(operand))
            torch_args.append(operand)
    result = sh._type_promote_from_values(*args)
    if expected is None:
        assert result == JitScalarType.UNDEFINED
        return
    assert result.dtype() == expected
    if len(torch_args) == 2 and any(isinstance(a, torch.Tensor) for a in torch_args):
        assert torch.result_type(*torch_args) == expected


@pytest.mark.parametrize(
    ("make", "is_fp", "is_bool"),
    [
        (lambda g: _input(g, torch.float16), True, False),
        (lambda g: _input(g, torch.bfloat16), True, False),
        (lambda g: _input(g, torch.int64), False, False),
        (lambda g: _input(g, torch.bool), False, True),
        (lambda g: ConstantValue(1.5), True, False),
        (lambda g: ConstantValue(True), False, True),
        (lambda g: ConstantValue(3), False, False),
        (lambda g: ConstantValue([0.5, 1.0]), True, False),
        (lambda g: ListValue([_input(g, torch.float64)]), True, False),
        (lambda g: ConstantValue(None), False, False),
        (lambda g: g.op("mydomain::Opaque", _input(g, torch.float32)), False, False),
    ],
)
def test_is_fp_and_is_bool(g: GraphContext, make: Any, is_fp: bool, is_bool: bool) -> None:
    value = make(g)
    assert sh._is_fp(value) is is_fp
    assert sh._is_bool(value) is is_bool


def test_is_in_type_group_and_complex(g: GraphContext) -> None:
    c = _input(g, torch.complex64)
    assert sh.is_complex_value(c)
    assert not sh.is_complex_value(_input(g, torch.float32))
    assert sh._is_in_type_group(c, {JitScalarType.COMPLEX64})
    assert not sh._is_in_type_group(None, {JitScalarType.FLOAT})
    assert sh._is_in_type_group(torch.zeros(1, dtype=torch.int8), {JitScalarType.INT8})
    with pytest.raises(SymbolicValueError):
        sh.is_complex_value(3)


def test_if_scalar_type_as(g: GraphContext) -> None:
    half = _input(g, torch.float16)
    retyped = sh._if_scalar_type_as(torch.tensor(2.0, dtype=torch.float64), half)
    assert retyped.dtype == torch.float16
    assert sh._if_scalar_type_as(3, half).dtype == torch.float16
    assert sh._if_scalar_type_as(half, ConstantValue(1)) is half
    constant = ConstantValue(2)
    assert sh._if_scalar_type_as(constant, half) is constant
    unknown = g.op("mydomain::Opaque", half)
    assert sh._if_scalar_type_as(5, unknown) == 5


def test_args_have_same_dtype(g: GraphContext) -> None:
    a, b, c = _input(g, torch.float32), _input(g, torch.float32), _input(g, torch.int64)
    assert sh.args_have_same_dtype([a, b])
    assert not sh.args_have_same_dtype([a, c])
    with pytest.raises(SymbolicValueError):
        sh.args_have_same_dtype([])


def _output_dtype(value: Value) -> torch.dtype | None:
    return value.type().dtype()


def test_casting_helpers(g: GraphContext) -> None:
    i32 = _input(g, torch.int32)
    f32 = _input(g, torch.float32)
    assert _output_dtype(sh._maybe_cast_to_type(g, i32, JitScalarType.FLOAT)) == torch.float32
    assert sh._maybe_cast_to_type(g, f32, JitScalarType.FLOAT) is f32
    assert _output_dtype(sh._maybe_cast_reduce_op_input(g, i32)) == torch.int64
    assert sh._maybe_cast_reduce_op_input(g, f32) is f32
    i64 = _input(g, torch.int64)
    assert sh._maybe_cast_reduce_op_input(g, i64) is i64


def test_generate_wrapped_number(g: GraphContext) -> None:
    assert _output_dtype(sh._generate_wrapped_number(g, 1.5)) == torch.float64
    assert _output_dtype(sh._generate_wrapped_number(g, 2)) == torch.int64
    assert _output_dtype(sh._generate_wrapped_number(g, ConstantValue(True))) == torch.bool
    with pytest.raises(SymbolicValueError):
        sh._generate_wrapped_number(g, torch.tensor(1.0))


@pytest.mark.parametrize(("opset", "casts"), [(11, True), (12, False), (13, False)])
def test_op_with_optional_float_cast(run_graph: Any, opset: int, casts: bool) -> None:
    x = np.array([-5, 0, 3, 9], np.int32)
    seen: dict[str, Any] = {}

    def build(g: GraphContext, x: Value) -> Value:
        low = g.op("Constant", value_t=torch.tensor(-1, dtype=torch.int32))
        high = g.op("Constant", value_t=torch.tensor(4, dtype=torch.int32))
        out = sh._op_with_optional_float_cast(g, "Clip", x, low, high, opset_before=12)
        seen["ops"] = [node.op_type for node in g.graph]
        return out

    (result,) = run_graph(opset, build, {"x": x})
    np.testing.assert_array_equal(result, np.clip(x, -1, 4))
    assert result.dtype == np.int32
    assert ("Cast" in seen["ops"]) is casts


def test_op_with_optional_float_cast_rejects_mixed_types(g: GraphContext) -> None:
    a, b = _input(g, torch.int32), _input(g, torch.int64)
    with pytest.raises(SymbolicValueError, match="same element type"):
        sh._op_with_optional_float_cast(g, "Max", a, b)


def test_legacy_type_tables() -> None:
    assert sh.cast_pytorch_to_onnx["Float"] == TensorProtoDataType.FLOAT
    assert sh.scalar_type_to_onnx[int(JitScalarType.QUINT8)] == TensorProtoDataType.UINT8
    assert sh.scalar_type_to_onnx[int(JitScalarType.COMPLEX32)] == TensorProtoDataType.UNDEFINED
    assert sh.scalar_type_to_pytorch_type[int(JitScalarType.BOOL)] is torch.bool
    assert sh.pytorch_name_to_type["Long"] is torch.int64
    assert sh.scalar_name_to_pytorch["int64_t"] == "Long"
    assert len(sh.scalar_type_to_onnx) == len(sh.scalar_type_to_pytorch_type) == 16


@pytest.mark.legacy_reference
def test_legacy_type_tables_match_torch() -> None:
    legacy = pytest.importorskip("torch.onnx._internal.torchscript_exporter.symbolic_helper")
    assert [int(t) for t in legacy.scalar_type_to_onnx] == [int(t) for t in sh.scalar_type_to_onnx]
    assert {k: int(v) for k, v in legacy.cast_pytorch_to_onnx.items()} == {
        k: int(v) for k, v in sh.cast_pytorch_to_onnx.items()
    }
    assert legacy.scalar_type_to_pytorch_type == sh.scalar_type_to_pytorch_type
    assert legacy.pytorch_name_to_type == sh.pytorch_name_to_type
    assert legacy.scalar_name_to_pytorch == sh.scalar_name_to_pytorch
