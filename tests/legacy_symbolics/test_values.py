"""Tests of the ``torch._C.Value`` / ``Node`` / ``TensorType`` facade symbolics call.

Real custom symbolics (torchvision's, onnxruntime's, mmcv's) read
``x.type().sizes()``, ``x.node().kind()``, ``x.node()["value"]`` and
``x.node().mustBeNone()``; the facades must answer those calls for graph
values, Python constants (``prim::Constant``) and lists (``prim::ListConstruct``).
"""

from __future__ import annotations

from typing import Any

import onnx_ir as ir
import pytest
import torch

from onnx_migrate.errors import OnnxMigrateError, SymbolicValueError
from onnx_migrate.legacy_symbolics.graph_context import GraphContext
from onnx_migrate.legacy_symbolics.values import (
    BoolType,
    ConstantValue,
    FloatType,
    IntType,
    ListType,
    ListValue,
    NoneType,
    StringType,
    TensorType,
    Value,
    as_value,
)


@pytest.fixture
def g() -> GraphContext:
    return GraphContext.create(13)


# -- types -------------------------------------------------------------------------------------


def test_static_tensor_type(g: GraphContext) -> None:
    x = g.add_input("x", torch.float32, [2, 3])
    t = x.type()
    assert isinstance(t, TensorType)
    assert t.sizes() == [2, 3] and t.varyingSizes() == [2, 3] and t.symbolic_sizes() == [2, 3]
    assert t.dim() == 2
    assert t.scalarType() == "Float" and t.dtype() == torch.float32
    assert t.isCompleteTensor() and x.isCompleteTensor()
    assert t.strides() == [3, 1]
    assert str(t) == "Float(2, 3)"
    assert t.kind() == "TensorType"


def test_dynamic_tensor_type(g: GraphContext) -> None:
    x = g.add_input("x", torch.int64, ["batch", 3])
    t = x.type()
    assert t.varyingSizes() == [None, 3] and t.symbolic_sizes() == [-1, 3]
    assert t.dim() == 2 and t.scalarType() == "Long"
    assert not t.isCompleteTensor()
    assert t.strides() is None
    with pytest.raises(SymbolicValueError, match=r"varyingSizes\(\)") as info:
        t.sizes()
    assert isinstance(info.value, OnnxMigrateError)


def test_unknown_tensor_type(g: GraphContext) -> None:
    out = g.op("custom::Foo", g.add_input("x", torch.float32, [2]))
    t = out.type()
    assert t.dtype() is None and t.scalarType() is None
    assert t.dim() is None and t.varyingSizes() is None
    assert not t.isCompleteTensor()
    assert str(t) == "Tensor"


def test_with_sizes_and_with_dtype_make_new_types(g: GraphContext) -> None:
    t = g.add_input("x", torch.float32, [2, 3]).type()
    assert isinstance(t, TensorType)
    resized = t.with_sizes([4, None])
    retyped = t.with_dtype(torch.float16)
    assert resized.varyingSizes() == [4, None] and resized.dtype() == torch.float32
    assert retyped.sizes() == [2, 3] and retyped.scalarType() == "Half"
    assert t.sizes() == [2, 3] and t.dtype() == torch.float32
    assert t.with_sizes(None).dim() is None
    assert t == TensorType(torch.float32, (2, 3)) and hash(t) == hash(TensorType(torch.float32, (2, 3)))
    assert t != retyped
    assert TensorType.create_from_tensor(torch.zeros(1, 5, dtype=torch.bool)) == TensorType(torch.bool, (1, 5))


def test_set_type_writes_dtype_and_shape(g: GraphContext) -> None:
    x = g.add_input("x", torch.float32, [2, "n"])
    out = g.op("custom::Foo", x)
    assert out.setType(x.type()) is out
    assert out.ir_value.dtype == ir.DataType.FLOAT
    assert out.type().varyingSizes() == [2, None]
    assert out.type() == x.type()  # symbolic dim names survive the round trip
    out.setType(out.type().with_dtype(torch.int32).with_sizes([5]))
    assert out.type().sizes() == [5] and out.type().dtype() == torch.int32
    out.inferTypeFrom(torch.zeros(3, 4, dtype=torch.float64))
    assert out.type() == TensorType(torch.float64, (3, 4))
    with pytest.raises(SymbolicValueError, match=r"setType\(\) takes a tensor type"):
        out.setType(IntType())


def test_non_tensor_types_answer_tensor_queries_with_unknown() -> None:
    for jit_type in (IntType(), FloatType(), BoolType(), StringType(), NoneType(), ListType.ofInts()):
        assert jit_type.scalarType() is None and jit_type.dtype() is None and jit_type.dim() is None
        assert jit_type.varyingSizes() is None and not jit_type.isCompleteTensor()
    assert ListType.ofInts().getElementType() == IntType()
    assert str(ListType.ofTensors()) == "Tensor[]"
    assert IntType().isSubtypeOf(IntType()) and not IntType().isSubtypeOf(FloatType())
    assert TensorType.get() == TensorType()


# -- nodes of graph values -----------------------------------------------------------------------


def test_graph_input_is_a_param_node(g: GraphContext) -> None:
    x = g.add_input("x", torch.float32, [2])
    node = x.node()
    assert node.kind() == "prim::Param"
    assert node.inputs() == [] and node.outputs() == [x]
    assert not node.mustBeNone() and node.sourceRange() == ""


def test_op_node_inputs_outputs_are_the_same_facades(g: GraphContext) -> None:
    x = g.add_input("x", torch.float32, [4])
    y = g.add_input("y", torch.float32, [4])
    out = g.op("Add", x, y)
    node = out.node()
    assert node.kind() == "onnx::Add"
    inputs = node.inputs()
    assert inputs[0] is x and inputs[1] is y
    assert node.outputs() == [out] and node.output() is out
    assert node.inputsSize() == 2 and node.outputsSize() == 1 and node.input(1) is y
    assert Value.wrap(out.ir_value) is out
    assert [(user.kind(), index) for user, index in x.uses()] == [("onnx::Add", 0)]
    assert not node.hasAttributes() and node.attributeNames() == []


def test_output_of_a_multi_output_node_needs_outputs(g: GraphContext) -> None:
    x = g.add_input("x", torch.float32, [4])
    values, _ = g.op("TopK", x, [2], outputs=2)
    with pytest.raises(SymbolicValueError, match=r"onnx::TopK has 2"):
        values.node().output()
    assert values.offset() == 0 and _.offset() == 1


def test_node_attribute_accessors(g: GraphContext) -> None:
    x = g.add_input("x", torch.float32, [1, 1, 4, 4])
    out = g.op(
        "custom::Attrs",
        x,
        count_i=3,
        ratio_f=0.5,
        mode_s="linear",
        axes_i=[1, 2],
        scales_f=[1.0, 2.0],
        names_s=["a", "b"],
        weight_t=torch.tensor([1.0, 2.0]),
    )
    node = out.node()
    assert node.i("count") == 3 and node.f("ratio") == 0.5 and node.s("mode") == "linear"
    assert node.is_("axes") == [1, 2] and node.fs("scales") == [1.0, 2.0] and node.ss("names") == ["a", "b"]
    assert torch.equal(node.t("weight"), torch.tensor([1.0, 2.0]))
    assert torch.equal(node["weight"], torch.tensor([1.0, 2.0]))
    assert node["axes"] == [1, 2] and node["count"] == 3
    kinds = {name: node.kindOf(name) for name in node.attributeNames()}
    assert kinds == {
        "axes": "is",
        "count": "i",
        "mode": "s",
        "names": "ss",
        "ratio": "f",
        "scales": "fs",
        "weight": "t",
    }
    assert node.hasAttribute("count") and not node.hasAttribute("missing")
    with pytest.raises(SymbolicValueError, match=r"custom::Attrs has no attribute 'missing'"):
        node.i("missing")


def test_constant_node_value(g: GraphContext) -> None:
    const = g.op("Constant", value_t=torch.tensor([3, 4]))
    node = const.node()
    assert node.kind() == "onnx::Constant" and node.kindOf("value") == "t"
    assert torch.equal(node["value"], torch.tensor([3, 4]))
    assert torch.equal(node.t("value"), torch.tensor([3, 4]))
    assert torch.equal(const.toIValue(), torch.tensor([3, 4]))
    assert not node.mustBeNone()
    assert g.add_input("x", torch.float32, [1]).toIValue() is None


# -- Python constants (prim::Constant) ------------------------------------------------------------


@pytest.mark.parametrize(
    ("python_value", "jit_type", "kind_of"),
    [
        (3, IntType(), "i"),
        (True, BoolType(), "i"),
        (0.5, FloatType(), "f"),
        ("mean", StringType(), "s"),
        ([1, 2], ListType(IntType()), "ival"),
        (torch.tensor([1.0, 2.0]), TensorType(torch.float32, (2,)), "t"),
    ],
)
def test_constant_value_node(python_value: Any, jit_type: Any, kind_of: str) -> None:
    value = ConstantValue(python_value)
    node = value.node()
    # Legacy symbolics saw non-None constants as onnx::Constant (TorchScript had converted them).
    assert node.kind() == "onnx::Constant"
    assert not node.mustBeNone() and node.hasAttribute("value") and node.attributeNames() == ["value"]
    assert node.kindOf("value") == kind_of
    assert value.type() == jit_type
    got = node["value"]
    assert torch.equal(got, python_value) if isinstance(python_value, torch.Tensor) else got == python_value
    assert value.toIValue() is python_value
    assert node.outputs() == [value]


def test_constant_value_typed_accessors() -> None:
    assert ConstantValue(3).node().i("value") == 3
    assert ConstantValue(2).node().f("value") == 2.0
    assert ConstantValue("sum").node().s("value") == "sum"
    assert ConstantValue([1, 2]).node().is_("value") == [1, 2]
    assert ConstantValue([1, 2]).node().fs("value") == [1.0, 2.0]
    assert torch.equal(ConstantValue(1.5).node().t("value"), torch.tensor(1.5))
    assert ConstantValue(torch.float16).node()["value"] == 5  # a dtype is its ScalarType number
    assert ConstantValue(torch.float16).node().i("value") == 5
    assert ConstantValue(2).is_scalar() and not ConstantValue([2]).is_scalar()


def test_none_constant_must_be_none() -> None:
    none = ConstantValue(None)
    node = none.node()
    assert node.kind() == "prim::Constant"
    assert node.mustBeNone() and not node.hasAttribute("value") and node.attributeNames() == []
    assert none.type() == NoneType()
    with pytest.raises(SymbolicValueError, match="no attribute 'value'"):
        node["value"]


def test_constant_value_names_and_set_type_are_harmless() -> None:
    value = ConstantValue(1)
    name = value.debugName()
    assert name.startswith("const")
    assert value.setDebugName("other") is value and value.debugName() == name
    assert value.setType(TensorType(torch.float32, ())) is value and value.type() == IntType()
    assert value.uses() == []
    with pytest.raises(SymbolicValueError, match="not in the graph"):
        _ = value.ir_value


# -- lists (prim::ListConstruct) ------------------------------------------------------------------


def test_list_value_of_tensors(g: GraphContext) -> None:
    x = g.add_input("x", torch.float32, [2])
    y = g.add_input("y", torch.float32, [2])
    items = ListValue([x, y])
    node = items.node()
    assert node.kind() == "prim::ListConstruct"
    assert node.inputs() == [x, y] and node.outputs() == [items]
    assert items.type() == ListType(TensorType())
    assert items.toIValue() is None and not node.mustBeNone()


def test_list_value_of_ints_with_a_dynamic_size(g: GraphContext) -> None:
    x = g.add_input("x", torch.float32, ["n", 3])
    n = g.op("Gather", g.op("Shape", x), g.op("Constant", value_t=torch.tensor(0)), axis_i=0)
    sizes = ListValue([n, ConstantValue(3)])
    assert sizes.is_int_list() and sizes.type() == ListType(IntType())
    assert sizes.toIValue() is None
    static = ListValue([ConstantValue(1), ConstantValue(2)])
    assert static.toIValue() == [1, 2] and static.type() == ListType(IntType())
    assert not ListValue([ConstantValue(1.5)]).is_int_list()


def test_as_value_wraps_what_symbolics_pass_around(g: GraphContext) -> None:
    x = g.add_input("x", torch.float32, [2])
    assert as_value(x) is x
    assert as_value(x.ir_value) is x
    listed = as_value([x, None, 3])
    assert isinstance(listed, ListValue)
    assert listed.items[0] is x and listed.items[1] is None
    assert isinstance(listed.items[2], ConstantValue) and listed.items[2].python_value == 3
    constant = as_value([1, 2])
    assert isinstance(constant, ConstantValue) and constant.python_value == [1, 2]


# -- names ---------------------------------------------------------------------------------------


def test_debug_names(g: GraphContext) -> None:
    x = g.add_input("input_0", torch.float32, [2])
    assert x.debugName() == "input_0"
    out = g.op("Relu", x)
    assert out.debugName() == out.ir_value.name
    assert out.setDebugName("activation") is out
    assert out.debugName() == "activation" and out.ir_value.name == "activation"
    assert isinstance(out.unique(), int) and out.unique() != x.unique()
    assert repr(out) == "%activation : Float(2)"
