"""Tests of the legacy attribute keywords of ``g.op`` (``alpha_f=``, ``axes_i=[...]``).

Every suffix the legacy exporter understood (``_i _f _s _t _z _g _ty``) must
give the same ONNX attribute type, lists must give the plural type, and a bad
key or value must fail with a ``GraphBuildError`` that says how to fix it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import onnx_ir as ir
import pytest
import torch

from onnx_migrate.errors import GraphBuildError, OnnxMigrateError
from onnx_migrate.legacy_symbolics.attributes import convert_attributes
from onnx_migrate.legacy_symbolics.graph_context import GraphContext, add_op_with_blocks
from onnx_migrate.legacy_symbolics.scalar_types import JitScalarType, TensorProtoDataType
from onnx_migrate.legacy_symbolics.values import TensorType

A = ir.AttributeType


def _one(key: str, value: Any) -> ir.Attr:
    attrs = convert_attributes({key: value}, op="Test")
    assert len(attrs) == 1
    return attrs[0]


@pytest.mark.parametrize(
    ("key", "value", "expected_type", "expected"),
    [
        ("axis_i", 1, A.INT, 1),
        ("keepdims_i", True, A.INT, 1),
        ("axis_i", np.int32(-1), A.INT, -1),
        ("axis_i", np.int64(2), A.INT, 2),
        ("axis_i", torch.tensor(3), A.INT, 3),
        ("axis_i", torch.tensor([4]), A.INT, 4),
        ("alpha_f", 0.5, A.FLOAT, 0.5),
        ("alpha_f", 2, A.FLOAT, 2.0),
        ("alpha_f", np.float32(0.25), A.FLOAT, 0.25),
        ("alpha_f", np.float16(0.5), A.FLOAT, 0.5),
        ("alpha_f", torch.tensor(1.5), A.FLOAT, 1.5),
        ("mode_s", "nearest", A.STRING, "nearest"),
        ("mode_s", b"linear", A.STRING, "linear"),
        ("axes_i", [0, 2], A.INTS, [0, 2]),
        ("axes_i", (1,), A.INTS, [1]),
        ("axes_i", range(3), A.INTS, [0, 1, 2]),
        ("axes_i", np.array([1, 2]), A.INTS, [1, 2]),
        ("axes_i", [np.int64(1), torch.tensor(2)], A.INTS, [1, 2]),
        ("axes_i", [], A.INTS, []),
        ("scales_f", [1.0, 2], A.FLOATS, [1.0, 2.0]),
        ("scales_f", np.array([0.5, 1.5], dtype=np.float32), A.FLOATS, [0.5, 1.5]),
        ("scales_f", [], A.FLOATS, []),
        ("names_s", ["a", b"b"], A.STRINGS, ["a", "b"]),
        ("names_s", [], A.STRINGS, []),
    ],
)
def test_scalar_and_list_suffixes(key: str, value: Any, expected_type: ir.AttributeType, expected: Any) -> None:
    attr = _one(key, value)
    assert attr.name == key.rsplit("_", 1)[0]
    assert attr.type == expected_type
    got = list(attr.value) if isinstance(expected, list) else attr.value
    assert got == expected


@pytest.mark.parametrize(
    ("value", "dtype", "shape"),
    [
        (torch.tensor([1.0, 2.0]), ir.DataType.FLOAT, (2,)),
        (torch.tensor([[1, 2]], dtype=torch.int32), ir.DataType.INT32, (1, 2)),
        (torch.tensor(3.0, dtype=torch.float16), ir.DataType.FLOAT16, ()),
        (np.array([1, 2, 3], dtype=np.int64), ir.DataType.INT64, (3,)),
        (7, ir.DataType.INT64, ()),
        (torch.ones(2, requires_grad=True), ir.DataType.FLOAT, (2,)),
    ],
)
def test_tensor_suffix(value: Any, dtype: ir.DataType, shape: tuple[int, ...]) -> None:
    attr = _one("value_t", value)
    assert attr.type == A.TENSOR
    tensor = attr.as_tensor()
    assert tensor.dtype == dtype and tuple(tensor.shape) == shape
    expected = value.detach().numpy() if isinstance(value, torch.Tensor) else np.asarray(value)
    np.testing.assert_array_equal(tensor.numpy(), expected)


@pytest.mark.parametrize(
    "value",
    [torch.tensor([2.5]), torch.tensor(2.5), 2.5, np.float32(2.5), np.array([2.5], dtype=np.float32)],
)
def test_zero_dim_suffix_stores_a_scalar_tensor(value: Any) -> None:
    attr = _one("value_z", value)
    assert attr.type == A.TENSOR
    tensor = attr.as_tensor()
    assert tuple(tensor.shape) == ()
    assert float(tensor.numpy()) == 2.5


def test_tensor_lists_make_plural_attributes() -> None:
    attr = _one("values_t", [torch.tensor([1.0]), np.array([2, 3])])
    assert attr.type == A.TENSORS
    assert [tuple(t.shape) for t in attr.value] == [(1,), (2,)]
    scalars = _one("values_z", [torch.tensor([1.0]), 2.0])
    assert scalars.type == A.TENSORS and all(tuple(t.shape) == () for t in scalars.value)
    assert _one("values_t", []).type == A.TENSORS


def test_graph_suffix_takes_blocks_and_ir_graphs() -> None:
    g = GraphContext.create(13)
    cond = g.add_input("cond", torch.bool, [])
    _, (then_ctx, else_ctx), node = add_op_with_blocks(g, "If", cond, outputs=1, n_blocks=2)
    assert node.kindOf("then_branch") == "g"
    graph = ir.Graph([], [], nodes=[], name="body")
    assert _one("body_g", graph).type == A.GRAPH
    assert _one("body_g", graph).value is graph
    attr = _one("branches_g", [then_ctx.block, else_ctx.block])
    assert attr.type == A.GRAPHS and len(attr.value) == 2


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (torch.float16, ir.DataType.FLOAT16),
        (TensorType(torch.int64, (2,)), ir.DataType.INT64),
        (ir.TensorType(ir.DataType.BOOL), ir.DataType.BOOL),
    ],
)
def test_type_suffix(value: Any, expected: ir.DataType) -> None:
    attr = _one("dtype_ty", value)
    assert attr.type == A.TYPE_PROTO
    assert attr.value.dtype == expected
    plural = _one("dtypes_ty", [value, torch.float32])
    assert plural.type == A.TYPE_PROTOS and [t.dtype for t in plural.value] == [expected, ir.DataType.FLOAT]


@pytest.mark.parametrize(
    "to",
    [TensorProtoDataType.FLOAT, JitScalarType.FLOAT.onnx_type(), 1],
    ids=["ours", "from-JitScalarType", "int"],
)
def test_cast_to_accepts_our_onnx_type_enum(to: Any) -> None:
    assert _one("to_i", to).value == 1


def test_cast_to_accepts_torch_tensor_proto_data_type() -> None:
    torch_enum = getattr(torch.onnx, "TensorProtoDataType", None)
    if torch_enum is None:
        pytest.skip("torch.onnx.TensorProtoDataType is gone with TorchScript")
    assert _one("to_i", torch_enum.FLOAT16).value == int(TensorProtoDataType.FLOAT16)
    g = GraphContext.create(13)
    x = g.add_input("x", torch.float32, [2])
    assert g.op("Cast", x, to_i=torch_enum.INT64).type().dtype() == torch.int64


def test_none_and_legacy_skipped_keys_are_dropped() -> None:
    attrs = convert_attributes({"alpha_f": None, "axes_i": [1], "inplace": True, "aten": True}, op="Test")
    assert [a.name for a in attrs] == ["axes"]


def test_attributes_reach_the_node() -> None:
    g = GraphContext.create(11)
    x = g.add_input("x", torch.float32, [1, 2, 3])
    y = g.op("LeakyRelu", x, alpha_f=0.2)
    s = g.op("Squeeze", x, axes_i=[0])
    assert y.node().f("alpha") == pytest.approx(0.2)
    assert s.node().is_("axes") == [0]
    assert s.type().sizes() == [2, 3]


# -- bad keys and values ----------------------------------------------------------------------


def test_key_without_suffix_says_how_to_fix() -> None:
    g = GraphContext.create(13)
    x = g.add_input("x", torch.float32, [2])
    with pytest.raises(GraphBuildError) as info:
        g.op("LeakyRelu", x, alpha=0.2)
    message = str(info.value)
    assert "'alpha'" in message and "LeakyRelu" in message
    assert "alpha_f=0.2" in message and "_i (int)" in message
    assert isinstance(info.value, OnnxMigrateError)


@pytest.mark.parametrize("key", ["_i", "alpha_x", "alpha_F", "alpha_ints", "alpha"])
def test_invalid_suffixes(key: str) -> None:
    with pytest.raises(GraphBuildError, match="type suffix"):
        convert_attributes({key: 1}, op="Test")


@pytest.mark.parametrize(
    ("key", "value", "hint"),
    [
        ("axis_i", 1.5, r"int\(\.\.\.\)"),
        ("axis_i", "1", r"int\(\.\.\.\)"),
        ("axis_i", object(), r"int\(\.\.\.\)"),
        ("axes_i", [1, 2.5], r"int\(\.\.\.\)"),
        ("axes_i", torch.tensor([1, 2]), r"tolist\(\)"),
        ("alpha_f", "0.5", r"float\(\.\.\.\)"),
        ("alpha_f", torch.tensor([1.0, 2.0]), r"tolist\(\)"),
        ("mode_s", 3, r"str\(\.\.\.\)"),
        ("value_t", "abc", "torch.Tensor"),
        ("value_t", [1, "a"], "torch.Tensor"),
        ("value_z", torch.ones(2), "_t suffix"),
        ("body_g", 3, "add_op_with_blocks"),
        ("dtype_ty", 3, r"torch\.dtype"),
        ("dtype_ty", TensorType(), "known element type"),
    ],
)
def test_wrong_value_types(key: str, value: Any, hint: str) -> None:
    with pytest.raises(GraphBuildError, match=hint) as info:
        convert_attributes({key: value}, op="MyOp")
    assert key in str(info.value) and "MyOp" in str(info.value)
