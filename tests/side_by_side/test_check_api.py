"""``check(model, args, **export_kwargs)``: one model through both exporters, from Python."""

from __future__ import annotations

import pytest
import torch
from _export_helpers import requires_legacy
from test_export import MODELS

import onnx_migrate
from onnx_migrate.side_by_side import Verdict, check
from onnx_migrate.examples import legacy_cnn

pytestmark = [requires_legacy, pytest.mark.legacy_reference]

_NAMES = {"cnn": (["x"], ["probs"]), "mlp": (["x"], ["score"]), "inplace_scalars": (["x", "y"], ["z", "flat"])}


@pytest.mark.parametrize("opset", [9, 13, 17])
@pytest.mark.parametrize("name", sorted(MODELS))
def test_export_models_are_identical_with_names_pinned(name: str, opset: int) -> None:
    """Test: the export tests' models check identical at each opset; the numbers are measured."""
    make_model, make_args = MODELS[name]
    torch.manual_seed(0)
    inputs, outputs = _NAMES[name]
    result = check(make_model().eval(), make_args(), opset_version=opset, input_names=inputs, output_names=outputs)
    (model,) = result.models
    assert model.verdict is Verdict.IDENTICAL, model.reasons
    (run,) = model.comparison.numbers  # no dynamic axes: no run at other sizes
    assert run.ok and [o.name for o in run.outputs] == outputs
    assert all(o.max_abs < 1e-5 for o in run.outputs)
    assert result.exit_code == 0


def test_auto_generated_names_make_the_model_equivalent_not_identical() -> None:
    """Test: without input_names the exporters pick different names; same numbers -> equivalent, with the hint."""
    make_model, make_args = MODELS["mlp"]
    result = check(make_model().eval(), make_args(), opset_version=13)
    (model,) = result.models
    assert model.verdict is Verdict.EQUIVALENT
    assert any("auto-generated input names differ" in r and "input_names=" in r for r in model.reasons)
    assert model.comparison.numbers[0].ok and result.ok


def test_dynamic_axes_are_run_at_another_size() -> None:
    """Test: with dynamic_axes, the second ORT run grows the named dim; dim names are compared."""
    make_model, make_args = MODELS["cnn"]
    result = check(
        make_model().eval(), make_args(), opset_version=13, input_names=["x"], output_names=["probs"],
        dynamic_axes={"x": {0: "batch"}, "probs": {0: "batch"}},
    )  # fmt: skip
    (model,) = result.models
    assert model.verdict is Verdict.IDENTICAL, model.reasons
    example, other = model.comparison.numbers
    assert (
        example.ok and other.label == "other sizes (batch 2->3)" and other.input_shapes == [(3, 3, 16, 16)] and other.ok
    )
    assert model.comparison.candidate_inputs[0].shape == ("batch", 3, 16, 16)


def test_demo_cnn_with_a_custom_op_registered_for_both_exporters(default_registry) -> None:
    """Test: the demo CNN, its custom op registered with each exporter, is identical at opset 13."""

    def clamp01(g, x):  # written against the legacy g.op API only, so both exporters can call it
        return g.op("Clip", x, g.op("Constant", value_t=torch.tensor(0.0)), g.op("Constant", value_t=torch.tensor(1.0)))

    name = f"{legacy_cnn.LIBRARY}::clamp01"
    torch.onnx.register_custom_op_symbolic(name, clamp01, 11)  # torch's registry: the reference
    try:
        onnx_migrate.register_custom_op_symbolic(name, clamp01, 11)
        torch.manual_seed(0)
        result = check(legacy_cnn.LegacyCNN().eval(), legacy_cnn.example_inputs(), **legacy_cnn.EXPORT_KWARGS)
    finally:
        torch.onnx.unregister_custom_op_symbolic(name, 11)
    (model,) = result.models
    assert model.verdict is Verdict.IDENTICAL, model.reasons
    assert [run.ok for run in model.comparison.numbers] == [True, True]
    assert {(op.op_type, op.reference, op.candidate) for op in model.comparison.ops} >= {("Clip", 1, 1), ("Conv", 2, 2)}


def test_a_registered_override_emitting_another_op_is_different(default_registry) -> None:
    """Test: overriding aten::relu with Sigmoid (in a registry scope) -> different, naming Relu and Sigmoid."""
    onnx_migrate.register_custom_op_symbolic("::relu", lambda g, self: g.op("Sigmoid", self), 9)
    make_model, make_args = MODELS["cnn"]
    torch.manual_seed(0)
    result = check(make_model().eval(), make_args(), opset_version=13, input_names=["x"], output_names=["probs"])
    (model,) = result.models
    assert model.verdict is Verdict.DIFFERENT and result.exit_code == 1
    ops = {op.op_type: (op.reference, op.candidate) for op in model.comparison.differing_ops}
    assert ops == {"Relu": (2, 0), "Sigmoid": (0, 2)}
    assert any("Relu 2->0, Sigmoid 0->2" in r for r in model.reasons)
    assert any("output 'probs' on example inputs: max abs diff" in r for r in model.reasons)


def test_onnx_migrate_failing_where_legacy_exports_is_different(default_registry) -> None:
    """Test: a symbolic that raises in onnx_migrate only -> different, with the error."""

    def broken(g, self):
        raise ValueError("broken on purpose")

    onnx_migrate.register_custom_op_symbolic("::relu", broken, 9)
    make_model, make_args = MODELS["mlp"]
    result = check(make_model().eval(), make_args(), opset_version=13)
    (model,) = result.models
    assert model.verdict is Verdict.DIFFERENT and model.comparison is None
    assert "onnx_migrate failed" in model.reasons[0] and "broken on purpose" in model.reasons[0]


def test_check_writes_only_onnx_migrates_model(tmp_path) -> None:
    """Test: f receives onnx_migrate's model; nothing else is written."""
    make_model, make_args = MODELS["mlp"]
    check(make_model().eval(), make_args(), tmp_path / "m.onnx", opset_version=13)
    assert [p.name for p in tmp_path.iterdir()] == ["m.onnx"]
