"""Tests of ``GraphContext``: the ``g`` a legacy symbolic builds the ONNX graph with.

Covers what symbolics rely on beyond attributes: constants typed like the
tensors they meet, omitted optional inputs, multi-output nodes, op-name checks
with useful errors, custom domains, ``g.at``, ``g.onnxscript_op`` and the block
API. Graphs that claim to compute something are run in ONNX Runtime.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import onnx_ir as ir
import pytest
import torch
from onnxscript import opset18, script
from onnxscript.values import Opset

from onnx_migrate.errors import GraphBuildError, OnnxMigrateError
from onnx_migrate.legacy_symbolics.export_context import ExportContext, TrainingMode
from onnx_migrate.legacy_symbolics.graph_context import (
    ATEN_DOMAIN,
    GraphContext,
    SourceNode,
    add_input_to_block,
    add_op_with_blocks,
    add_output_to_block,
    split_op_name,
)
from onnx_migrate.legacy_symbolics.values import ConstantValue, ListValue, TensorType, Value


def _const_dtype(value: Value) -> ir.DataType:
    """The element type of a ``Constant`` node's value."""
    producer = value.ir_value.producer()
    assert producer is not None and producer.op_type == "Constant"
    return producer.attributes["value"].as_tensor().dtype


def _constant_input(out: Value, index: int) -> Value:
    value = out.node().inputs()[index]
    assert value is not None
    return value


# -- constants ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tensor_dtype", "scalar", "constant_dtype", "result_dtype"),
    [
        (torch.float16, 1.5, ir.DataType.FLOAT16, torch.float16),
        (torch.float32, 2, ir.DataType.FLOAT, torch.float32),
        (torch.float64, np.float32(2.0), ir.DataType.DOUBLE, torch.float64),
        (torch.bfloat16, 0.5, ir.DataType.BFLOAT16, torch.bfloat16),
        (torch.int64, 2, ir.DataType.INT64, torch.int64),
        (torch.int32, np.int64(2), ir.DataType.INT32, torch.int32),
        (torch.int8, True, ir.DataType.INT8, torch.int8),
    ],
)
def test_python_scalar_takes_the_type_of_the_tensor_it_meets(
    tensor_dtype: torch.dtype, scalar: Any, constant_dtype: ir.DataType, result_dtype: torch.dtype
) -> None:
    g = GraphContext.create(14)  # Add/Mul take int8 from opset 14
    x = g.add_input("x", tensor_dtype, [2, 3])
    for out in (g.op("Add", x, scalar), g.op("Mul", scalar, x)):
        assert out.type().dtype() == result_dtype
        assert out.type().sizes() == [2, 3]
    assert _const_dtype(_constant_input(g.op("Add", x, scalar), 1)) == constant_dtype
    assert _const_dtype(_constant_input(g.op("Sub", x, ConstantValue(scalar)), 1)) == constant_dtype


def test_int_tensor_meeting_a_python_float_computes_in_float(to_model: Any, run_model: Any) -> None:
    g = GraphContext.create(13)
    xi = g.add_input("xi", torch.int32, [3])
    out = g.op("Mul", xi, 2.5)
    assert out.type().dtype() == torch.float32
    cast = _constant_input(out, 0).node()
    assert cast.kind() == "onnx::Cast" and cast.i("to") == ir.DataType.FLOAT
    (result,) = run_model(to_model(g, [out]), xi=np.array([1, 2, 3], dtype=np.int32))
    np.testing.assert_allclose(result, [2.5, 5.0, 7.5])


def test_float16_scalar_arithmetic_runs(to_model: Any, run_model: Any) -> None:
    g = GraphContext.create(13)
    x = g.add_input("x", torch.float16, [2])
    out = g.op("Div", g.op("Add", x, 1.5), 2)
    (result,) = run_model(to_model(g, [out]), x=np.array([0.5, 2.5], dtype=np.float16))
    assert result.dtype == np.float16
    np.testing.assert_allclose(result, [1.0, 2.0])


@pytest.mark.parametrize(
    ("value", "dtype", "shape"),
    [
        (3, ir.DataType.INT64, ()),
        (3.0, ir.DataType.FLOAT, ()),
        (True, ir.DataType.BOOL, ()),
        ([1, 2], ir.DataType.INT64, (2,)),
        ([1.0, 2.0], ir.DataType.FLOAT, (2,)),
        ((4, 5, 6), ir.DataType.INT64, (3,)),
        (torch.tensor([1, 2], dtype=torch.int32), ir.DataType.INT32, (2,)),
        (torch.zeros(2, 2, dtype=torch.float16), ir.DataType.FLOAT16, (2, 2)),
        (np.array([1, 2, 3], dtype=np.int8), ir.DataType.INT8, (3,)),
        (np.float64(1.0), ir.DataType.FLOAT, ()),
    ],
)
def test_constants_without_peers(value: Any, dtype: ir.DataType, shape: tuple[int, ...]) -> None:
    g = GraphContext.create(13)
    out = g.op("Identity", value)
    constant = _constant_input(out, 0)
    assert _const_dtype(constant) == dtype
    assert out.type().dtype() is not None and tuple(out.type().sizes()) == shape
    expected = value.numpy() if isinstance(value, torch.Tensor) else np.asarray(value)
    np.testing.assert_array_equal(constant.toIValue().numpy(), expected)


def test_list_of_ints_feeds_a_shape_input() -> None:
    g = GraphContext.create(13)
    x = g.add_input("x", torch.float32, [2, 3])
    assert g.op("Reshape", x, [3, 2]).type().sizes() == [3, 2]
    assert g.op("Reshape", x, ListValue([ConstantValue(6), ConstantValue(1)])).type().sizes() == [6, 1]


def test_dtype_input_becomes_its_scalar_type_number() -> None:
    g = GraphContext.create(13)
    out = g.op("Identity", torch.float16)
    assert int(_constant_input(out, 0).toIValue()) == 5  # JitScalarType.HALF


def test_dynamic_size_list_is_concatenated(to_model: Any, run_model: Any) -> None:
    g = GraphContext.create(13)
    x = g.add_input("x", torch.float32, [2, "n"])
    n = g.op("Gather", g.op("Shape", x), g.op("Constant", value_t=torch.tensor(1)), axis_i=0)
    out = g.op("Reshape", x, ListValue([n, ConstantValue(2)]))
    assert _constant_input(out, 1).node().kind() == "onnx::Concat"
    # ONNX cannot infer the rank here; graph outputs need one, so say it as a symbolic would.
    out.setType(out.type().with_sizes([None, None]))
    data = np.arange(6, dtype=np.float32).reshape(2, 3)
    (result,) = run_model(to_model(g, [out]), x=data)
    np.testing.assert_array_equal(result, data.reshape(3, 2))


def test_none_is_an_omitted_optional_input(to_model: Any, run_model: Any) -> None:
    g = GraphContext.create(13)
    x = g.add_input("x", torch.float32, [3])
    clipped = g.op("Clip", x, None, 1.0)
    inputs = clipped.node().inputs()
    assert inputs[1] is None and _const_dtype(inputs[2]) == ir.DataType.FLOAT  # type: ignore[arg-type]
    assert g.op("Clip", x, ConstantValue(None), ConstantValue(None)).node().inputs() == [x]
    assert g.op("Clip", x, None, None).node().inputsSize() == 1
    (result,) = run_model(to_model(g, [clipped]), x=np.array([-5.0, 0.5, 3.0], dtype=np.float32))
    np.testing.assert_array_equal(result, [-5.0, 0.5, 1.0])


def test_bad_inputs_are_refused() -> None:
    g = GraphContext.create(13)
    x = g.add_input("x", torch.float32, [3])
    with pytest.raises(GraphBuildError, match=r"Input 1 of Add is a str.*numbers, lists of numbers or tensors"):
        g.op("Add", x, "two")
    with pytest.raises(GraphBuildError, match=r"list of tensors.*_unpack_list"):
        g.op("Concat", ListValue([x, x]), axis_i=0)


# -- outputs and op names -----------------------------------------------------------------------


def test_multi_output_nodes_return_tuples() -> None:
    g = GraphContext.create(13)
    x = g.add_input("x", torch.float32, [4, 3])
    first, second = g.op("Split", x, [1, 3], axis_i=0, outputs=2)
    assert first.type().sizes() == [1, 3] and second.type().sizes() == [3, 3]
    assert first.node() == second.node() and first.node().outputsSize() == 2
    values, indices = g.op("TopK", x, [2], outputs=2)
    assert values.type().dtype() == torch.float32 and indices.type().dtype() == torch.int64
    single = g.op("Relu", x, outputs=1)
    assert isinstance(single, Value)


@pytest.mark.parametrize("outputs", [0, -1, True, 1.0, "2"])
def test_bad_output_counts(outputs: Any) -> None:
    g = GraphContext.create(13)
    x = g.add_input("x", torch.float32, [3])
    with pytest.raises(GraphBuildError, match="outputs must be an int >= 1") as info:
        g.op("Relu", x, outputs=outputs)
    assert isinstance(info.value, OnnxMigrateError)


def test_unknown_op_suggests_close_names() -> None:
    g = GraphContext.create(13)
    x = g.add_input("x", torch.float32, [3])
    with pytest.raises(GraphBuildError, match=r"'Reluu' is not an ONNX operator\. Did you mean 'Relu'"):
        g.op("Reluu", x)
    with pytest.raises(GraphBuildError, match=r"domain::Op"):
        g.op("MyVeryOwnOperator", x)


@pytest.mark.parametrize(("op", "opset", "since"), [("Gelu", 13, 20), ("LayerNormalization", 9, 17), ("NonZero", 8, 9)])
def test_op_missing_at_the_opset_names_where_it_was_added(op: str, opset: int, since: int) -> None:
    g = GraphContext.create(opset)
    x = g.add_input("x", torch.float32, [3])
    with pytest.raises(GraphBuildError, match=rf"does not exist at opset {opset}; it was added in opset {since}"):
        g.op(op, x)


def test_gelu_exists_at_opset_20() -> None:
    g = GraphContext.create(20)
    x = g.add_input("x", torch.float32, [3])
    assert g.op("Gelu", x, approximate_s="tanh").type().sizes() == [3]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Relu", ("", "Relu")),
        ("onnx::Relu", ("", "Relu")),
        ("ai.onnx::Relu", ("", "Relu")),
        ("aten::foo", (ATEN_DOMAIN, "foo")),
        ("custom::Foo", ("custom", "Foo")),
        ("com.microsoft::Gelu", ("com.microsoft", "Gelu")),
    ],
)
def test_split_op_name(name: str, expected: tuple[str, str]) -> None:
    assert split_op_name(name) == expected


@pytest.mark.parametrize("name", ["", "custom::", "a::b::c", None])
def test_bad_op_names(name: Any) -> None:
    with pytest.raises(GraphBuildError, match="domain::"):
        split_op_name(name)


def test_custom_domain_ops_are_recorded() -> None:
    g = GraphContext.create(11)
    x = g.add_input("x", torch.float32, [2, 3])
    out = g.op("custom::Foo", x, alpha_f=2.0)
    assert out.node().kind() == "custom::Foo"
    assert out.ir_value.producer().domain == "custom"  # type: ignore[union-attr]
    assert out.type().dtype() is None  # ONNX cannot infer a custom op
    out.setType(x.type())
    assert out.type().sizes() == [2, 3] and out.type().dtype() == torch.float32
    a, b = g.op("mylib::Pair", x, outputs=2)
    assert a.node().outputsSize() == 2
    assert g.builder is not None and g.builder.used_domains == {"custom": 1, "mylib": 1}


def test_aten_op_emits_aten_node() -> None:
    g = GraphContext.create(13)
    x = g.add_input("x", torch.float32, [1, 2, 4, 4])
    for out in (
        g.at("upsample_bilinear2d", x, overload_name="vec", align_corners_i=0),
        g.aten_op("upsample_bilinear2d", x, overload_name="vec", align_corners_i=0),
    ):
        node = out.node()
        assert node.kind() == "aten::ATen"
        assert node.ir_node is not None and node.ir_node.domain == "org.pytorch.aten"
        assert node.s("operator") == "upsample_bilinear2d"
        assert node["overload_name"] == "vec"
        assert node.i("align_corners") == 0
    assert g.at("relu", x).node().s("overload_name") == ""
    assert g.builder is not None and "org.pytorch.aten" in g.builder.used_domains


_MYLIB = Opset("com.example", 1)


@script(_MYLIB, default_opset=opset18)
def ScaledRelu(X, alpha: float = 2.0):  # noqa: N802, N803 - onnxscript function style
    return opset18.Mul(opset18.Relu(X), opset18.CastLike(alpha, X))


def test_onnxscript_op_adds_a_local_function(to_model: Any, run_model: Any) -> None:
    g = GraphContext.create(18)
    x = g.add_input("x", torch.float32, [3])
    out = g.onnxscript_op(ScaledRelu, x, alpha_f=3.0).setType(x.type())
    g.onnxscript_op(ScaledRelu, x)  # a second call reuses the function
    assert g.builder is not None
    assert list(g.builder.functions) == [("com.example", "ScaledRelu", "")]
    assert g.builder.used_domains["com.example"] == 1
    assert out.node().kind() == "com.example::ScaledRelu"
    (result,) = run_model(to_model(g, [out]), x=np.array([-1.0, 0.0, 2.0], dtype=np.float32))
    np.testing.assert_allclose(result, [0.0, 0.0, 6.0])


def test_onnxscript_op_refuses_plain_functions() -> None:
    g = GraphContext.create(18)
    x = g.add_input("x", torch.float32, [3])
    with pytest.raises(GraphBuildError, match=r"@onnxscript\.script\(\)"):
        g.onnxscript_op(lambda v: v, x)


# -- blocks ------------------------------------------------------------------------------------


@pytest.mark.parametrize("opset", [11, 13, 20])
def test_if_with_blocks_runs(opset: int, to_model: Any, run_model: Any) -> None:
    g = GraphContext.create(opset)
    cond = g.add_input("cond", torch.bool, [])
    x = g.add_input("x", torch.float32, [3])
    out, (then_ctx, else_ctx), node = add_op_with_blocks(g, "If", cond, outputs=1, n_blocks=2)
    assert node.kind() == "onnx::If" and len(node.blocks()) == 2
    add_output_to_block(then_ctx, then_ctx.op("Add", x, 1.0))
    add_output_to_block(else_ctx, else_ctx.op("Neg", x))
    assert then_ctx.new_nodes and all(n.graph is then_ctx.block for n in then_ctx.new_nodes)
    assert all(n.graph is g.graph for n in g.new_nodes)
    out.setType(x.type())
    model = to_model(g, [out])
    data = np.array([0.0, 1.0, 2.0], dtype=np.float32)
    (taken,) = run_model(model, cond=np.array(True), x=data)
    (other,) = run_model(model, cond=np.array(False), x=data)
    np.testing.assert_array_equal(taken, data + 1)
    np.testing.assert_array_equal(other, -data)


def test_loop_body_gets_inputs_and_outputs(to_model: Any, run_model: Any) -> None:
    g = GraphContext.create(13)
    x = g.add_input("x", torch.float32, [2])
    trip = g.op("Constant", value_t=torch.tensor(3))
    out, (body,), _ = add_op_with_blocks(g, "Loop", trip, None, x, outputs=1, n_blocks=1)
    add_input_to_block(body).setType(TensorType(torch.int64, ()))
    cond_in = add_input_to_block(body).setType(TensorType(torch.bool, ()))
    carried = add_input_to_block(body).setType(x.type())
    add_output_to_block(body, body.op("Identity", cond_in))
    add_output_to_block(body, body.op("Mul", carried, 2.0))
    out.setType(x.type())
    (result,) = run_model(to_model(g, [out]), x=np.array([1.0, 3.0], dtype=np.float32))
    np.testing.assert_array_equal(result, [8.0, 24.0])


def test_block_api_errors() -> None:
    g = GraphContext.create(13)
    x = g.add_input("x", torch.float32, [3])
    with pytest.raises(GraphBuildError, match=r"control-flow ops.*'Add'"):
        add_op_with_blocks(g, "Add", x)
    with pytest.raises(GraphBuildError, match=r"If takes 2 block\(s\).*n_blocks=1"):
        add_op_with_blocks(g, "If", x, n_blocks=1)


# -- the context itself -------------------------------------------------------------------------


def test_create_sets_opset_and_export_context() -> None:
    g = GraphContext.create(11)
    assert g.opset == 11 and g.builder is not None and g.builder.opset == 11
    assert g.export_context == ExportContext(opset=11)
    assert g.export_context.training is TrainingMode.EVAL
    assert g.original_node is None and g.params_dict == {} and g.block is g.graph


def test_values_get_types_and_unique_names() -> None:
    g = GraphContext.create(13)
    a = g.add_input("a", torch.float32, [2, 3])
    b = g.add_input("b", torch.float32, [3, "k"])
    product = g.op("MatMul", a, b)
    assert product.type().varyingSizes() == [2, None]
    assert product.type().dim() == 2 and product.type().scalarType() == "Float"
    names = [v.name for node in g.graph for v in node.outputs]
    assert len(names) == len(set(names))
    assert [n.op_type for n in g.new_nodes] == ["MatMul"]


def test_original_node_is_recorded_on_built_nodes() -> None:
    source = SourceNode(
        "aten::relu",
        stack_trace='File "model.py", line 10, in forward\n    x = self.act(x)\nFile "act.py", line 3, in act',
        scope="model.block.act",
    )
    g = GraphContext.create(13)
    g.original_node = source
    x = g.add_input("x", torch.float32, [3])
    out = g.op("Relu", x)
    assert source.kind() == "aten::relu" and source.scopeName() == "model.block.act"
    assert source.last_source_line() == 'File "act.py", line 3, in act'
    assert str(source) == 'aten::relu at File "act.py", line 3, in act'
    assert out.node().sourceRange() == source.stack_trace
    assert out.node().scopeName() == "model.block.act"


def test_shape_inference_can_be_switched_off() -> None:
    g = GraphContext.create(13)
    assert g.builder is not None
    g.builder.shape_inference = False
    x = g.add_input("x", torch.float32, [3])
    assert g.op("Relu", x).type().dtype() is None
