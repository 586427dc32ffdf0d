"""The comparison and verdict rules on small hand-built ONNX models (no exporter involved)."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from onnx_migrate.side_by_side.compare import compare_models
from onnx_migrate.side_by_side.numeric import other_size_inputs
from onnx_migrate.side_by_side.result import Verdict
from onnx_migrate.side_by_side.verdict import Contract, judge

X = np.linspace(-2, 2, 12, dtype=np.float32).reshape(3, 4)


def _model(nodes, *, inputs=None, outputs=None, initializers=(), opsets=None) -> onnx.ModelProto:
    inputs = inputs or [helper.make_tensor_value_info("x", TensorProto.FLOAT, [3, 4])]
    outputs = outputs or [helper.make_tensor_value_info("y", TensorProto.FLOAT, [3, 4])]
    graph = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(initializers))
    imports = [helper.make_opsetid(d, v) for d, v in (opsets or {"": 13}).items()]
    return helper.make_model(graph, opset_imports=imports, ir_version=8)


def _relu() -> onnx.ModelProto:
    return _model([helper.make_node("Relu", ["x"], ["y"])])


def _judge(reference, candidate, contract=None, inputs=(X,)):
    comparison = compare_models(reference, candidate, list(inputs))
    return comparison, judge(comparison, contract)


def test_same_model_is_identical_with_zero_difference() -> None:
    comparison, judgement = _judge(_relu(), _relu())
    assert judgement.verdict is Verdict.IDENTICAL and judgement.reasons == []
    assert comparison.numbers[0].outputs[0].max_abs == 0.0


def test_other_ops_with_same_numbers_are_equivalent_and_named() -> None:
    """Test: Relu vs Max(x, 0) -> equivalent; the reason lists both ops."""
    zero = helper.make_tensor("zero", TensorProto.FLOAT, [], [0.0])
    candidate = _model([helper.make_node("Max", ["x", "zero"], ["y"])], initializers=[zero])
    _, judgement = _judge(_relu(), candidate)
    assert judgement.verdict is Verdict.EQUIVALENT
    assert any("Max 0->1, Relu 1->0" in r for r in judgement.reasons)
    assert any(r.startswith("initializers: reference 0 (0 B), onnx_migrate 1 (4 B)") for r in judgement.reasons)


def test_constants_folded_on_one_side_only_do_not_count() -> None:
    """Test: Add(x, Mul(2, 3)) vs Add(x, 6): after folding both have one Add."""
    two, three = (helper.make_tensor(n, TensorProto.FLOAT, [], [v]) for n, v in (("two", 2.0), ("three", 3.0)))
    unfolded = _model(
        [helper.make_node("Mul", ["two", "three"], ["six"]), helper.make_node("Add", ["x", "six"], ["y"])],
        initializers=[two, three],
    )
    six = helper.make_tensor("six", TensorProto.FLOAT, [], [6.0])
    folded = _model([helper.make_node("Add", ["x", "six"], ["y"])], initializers=[six])
    comparison, judgement = _judge(unfolded, folded)
    assert [(op.op_type, op.reference, op.candidate) for op in comparison.ops] == [("Add", 1, 1)]
    assert judgement.verdict is Verdict.EQUIVALENT  # the initializer layout still differs
    assert all("op histogram" not in r for r in judgement.reasons)


def test_different_numbers_are_different_with_the_measure() -> None:
    candidate = _model([helper.make_node("Sigmoid", ["x"], ["y"])])
    _, judgement = _judge(_relu(), candidate)
    assert judgement.verdict is Verdict.DIFFERENT
    assert any("output 'y' on example inputs: max abs diff 1.12, max rel diff 0.56" in r for r in judgement.reasons)


def test_pinned_output_name_that_differs_is_different() -> None:
    """Test: output_names given -> a renamed output breaks callers; not given -> only explained."""
    renamed = _model(
        [helper.make_node("Relu", ["x"], ["out"])],
        outputs=[helper.make_tensor_value_info("out", TensorProto.FLOAT, [3, 4])],
    )
    _, pinned = _judge(_relu(), renamed, Contract(output_names=True))
    assert pinned.verdict is Verdict.DIFFERENT
    assert pinned.reasons[0] == "output names differ from the output_names asked for: 'y' -> 'out'"
    _, free = _judge(_relu(), renamed)
    assert free.verdict is Verdict.EQUIVALENT


def test_dynamic_input_dim_against_static_is_different() -> None:
    dynamic = _model(
        [helper.make_node("Relu", ["x"], ["y"])],
        inputs=[helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])],
        outputs=[helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 4])],
    )
    comparison, judgement = _judge(_relu(), dynamic)
    assert judgement.verdict is Verdict.DIFFERENT
    assert "input 'x' shape: reference [3, 4], onnx_migrate [batch, 4]" in judgement.reasons[0]
    assert comparison.numbers[1].label == "other sizes (batch 3->4)"
    assert comparison.numbers[1].reference_error is not None and comparison.numbers[1].candidate_error is None


def test_renamed_dynamic_axes_dim_is_different_only_when_asked_for() -> None:
    def model(dim: str) -> onnx.ModelProto:
        return _model(
            [helper.make_node("Relu", ["x"], ["y"])],
            inputs=[helper.make_tensor_value_info("x", TensorProto.FLOAT, [dim, 4])],
            outputs=[helper.make_tensor_value_info("y", TensorProto.FLOAT, [dim, 4])],
        )

    _, pinned = _judge(model("batch"), model("N"), Contract(dim_names=frozenset({"batch"})))
    assert pinned.verdict is Verdict.DIFFERENT and "a dim named in dynamic_axes" in pinned.reasons[0]
    _, free = _judge(model("x_dynamic_axes_1"), model("s0"))
    assert free.verdict is Verdict.EQUIVALENT


def test_custom_node_attributes_are_compared_even_when_ort_cannot_run_them() -> None:
    def custom(alpha: float) -> onnx.ModelProto:
        node = helper.make_node("FusedThing", ["x"], ["y"], domain="mylib", alpha=alpha, mode="fast")
        return _model([node], opsets={"": 13, "mylib": 1})

    comparison, same = _judge(custom(0.5), custom(0.5))
    assert same.verdict is Verdict.IDENTICAL
    assert any("ONNX Runtime ran neither model" in n for n in same.notes)
    assert comparison.reference_custom_nodes[0].text() == "mylib::FusedThing(alpha=0.5, mode='fast')"
    _, changed = _judge(custom(0.5), custom(0.25))
    assert changed.verdict is Verdict.DIFFERENT
    assert "only in onnx_migrate's: mylib::FusedThing(alpha=0.25, mode='fast')" in changed.reasons[0]


def test_graph_difference_without_numbers_is_different() -> None:
    """Test: ops differ and ORT cannot run either model -> not proven, so different."""
    custom = helper.make_node("Thing", ["x"], ["t"], domain="mylib")
    a = _model([custom, helper.make_node("Relu", ["t"], ["y"])], opsets={"": 13, "mylib": 1})
    b = _model([custom, helper.make_node("Abs", ["t"], ["y"])], opsets={"": 13, "mylib": 1})
    _, judgement = _judge(a, b)
    assert judgement.verdict is Verdict.DIFFERENT
    assert judgement.reasons[0].startswith("the graphs differ and ONNX Runtime could not run both models")


def test_default_opset_difference_is_different() -> None:
    _, judgement = _judge(_relu(), _model([helper.make_node("Relu", ["x"], ["y"])], opsets={"": 17}))
    assert (
        judgement.verdict is Verdict.DIFFERENT
        and judgement.reasons[0] == "default opset: reference 13, onnx_migrate 17"
    )


def test_nan_in_the_same_places_is_equal() -> None:
    log = _model([helper.make_node("Log", ["x"], ["y"])])
    comparison, judgement = _judge(log, log)
    assert judgement.verdict is Verdict.IDENTICAL and comparison.numbers[0].outputs[0].max_abs == 0.0


@pytest.mark.parametrize(("size", "grown"), [(1, 3), (2, 3), (5, 6)])
def test_other_sizes_repeat_the_data_along_shared_dims(size: int, grown: int) -> None:
    """Test: dims sharing a name grow together; values are the example's, repeated (valid ids stay valid)."""
    model = _model(
        [helper.make_node("Add", ["a", "b"], ["y"])],
        inputs=[
            helper.make_tensor_value_info("a", TensorProto.INT64, ["n", 2]),
            helper.make_tensor_value_info("b", TensorProto.INT64, ["n", 2]),
        ],
        outputs=[helper.make_tensor_value_info("y", TensorProto.INT64, ["n", 2])],
    )
    arrays = [np.arange(size * 2).reshape(size, 2), np.ones((size, 2), np.int64)]
    label, (a, b) = other_size_inputs(model, arrays)
    assert label == f"other sizes (n {size}->{grown})"
    assert a.shape == b.shape == (grown, 2)
    assert set(a.ravel()) <= set(arrays[0].ravel())
