"""The conformance harness's own logic: facts read from real ONNX models, and the verdict rules."""

from __future__ import annotations

import copy

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from conformance.facts import model_facts
from conformance.numerics import _compare_outputs
from conformance.verdict import judge


def _model(custom_alpha: float | None = None, extra_identity: bool = False, opset: int = 17) -> onnx.ModelProto:
    """x[batch, 4] -> Relu (-> mylib::Scale) (-> Identity) -> y[batch, 4]."""
    nodes = [helper.make_node("Relu", ["x"], ["r"])]
    last = "r"
    if custom_alpha is not None:
        nodes.append(helper.make_node("Scale", [last], ["s"], domain="mylib", alpha=custom_alpha))
        last = "s"
    if extra_identity:
        nodes.append(helper.make_node("Identity", [last], ["i"]))
        last = "i"
    nodes.append(helper.make_node("Neg", [last], ["y"]))
    graph = helper.make_graph(
        nodes, "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 4])],
    )
    imports = [helper.make_opsetid("", opset)] + ([helper.make_opsetid("mylib", 1)] if custom_alpha is not None else [])
    return helper.make_model(graph, opset_imports=imports)


def _result(model: onnx.ModelProto, numbers_ok: bool | None = True) -> dict:
    numerics = {} if numbers_ok is None else {"example": {"ok": numbers_ok, "detail": "max abs error 1", "max_abs_err": 1.0}}
    return {"status": "ok", "facts": model_facts(model), "numerics": numerics, "routed_exports": 1}


def test_facts_separate_compute_ops_from_plumbing_and_keep_custom_attributes():
    facts = model_facts(_model(custom_alpha=2.0, extra_identity=True))
    assert facts["ops"] == {"Identity": 1, "Neg": 1, "Relu": 1, "mylib::Scale": 1}
    assert facts["compute_ops"] == {"Neg": 1, "Relu": 1, "mylib::Scale": 1}
    assert facts["custom_nodes"] == [{"op": "mylib::Scale", "attributes": {"alpha": 2.0}}]
    assert facts["inputs"][0] == {"name": "x", "dtype": "FLOAT", "rank": 2, "dims": ["batch", 4]}
    assert facts["opsets"] == {"": 17, "mylib": 1}


def test_same_graph_is_identical():
    verdict = judge(_result(_model()), _result(_model()), {"batch"})
    assert verdict == {"verdict": "identical", "reason": "", "legacy_ok": True}


def test_plumbing_only_difference_is_equivalent():
    verdict = judge(_result(_model(extra_identity=True)), _result(_model()), {"batch"})
    assert verdict["verdict"] == "equivalent"
    assert "plumbing" in verdict["reason"]


def test_lost_custom_node_is_different_even_when_numbers_match():
    verdict = judge(_result(_model(custom_alpha=2.0)), _result(_model()), {"batch"})
    assert verdict["verdict"] == "different"
    assert "custom node lost: mylib::Scale" in verdict["reason"]


def test_custom_attribute_change_is_different():
    verdict = judge(_result(_model(custom_alpha=2.0)), _result(_model(custom_alpha=3.0)), {"batch"})
    assert verdict["verdict"] == "different"
    assert "attributes" in verdict["reason"]


def test_renamed_dynamic_dim_is_different():
    ours = _model()
    ours.graph.input[0].type.tensor_type.shape.dim[0].dim_param = "s0"
    verdict = judge(_result(_model()), _result(ours), {"batch"})
    assert verdict["verdict"] == "different"
    assert "input 0" in verdict["reason"]


def test_numeric_regression_is_different_but_not_when_legacy_was_wrong_too():
    assert judge(_result(_model()), _result(_model(), numbers_ok=False), {"batch"})["verdict"] == "different"
    assert judge(_result(_model(), numbers_ok=False), _result(_model(), numbers_ok=False), {"batch"})["verdict"] == "identical"


def test_compute_difference_without_numbers_is_different():
    legacy = _result(_model(opset=17), numbers_ok=None)
    ours = copy.deepcopy(legacy)
    ours["facts"]["compute_ops"] = {"Neg": 1, "Sigmoid": 1}
    ours["facts"]["ops"] = {"Neg": 1, "Sigmoid": 1}
    assert judge(legacy, ours, {"batch"})["verdict"] == "different"


def test_export_failure_and_unrouted_export_are_failed():
    failed = {"status": "export-error", "error": {"type": "SymbolicValueError", "message": "aten::unbind ..."}}
    verdict = judge(_result(_model()), failed, {"batch"})
    assert verdict["verdict"] == "failed" and verdict["legacy_ok"] is True
    assert "aten::unbind" in verdict["reason"]
    unrouted = _result(_model()) | {"routed_exports": 0}
    assert judge(_result(_model()), unrouted, {"batch"})["verdict"] == "failed"


def test_legacy_failure_is_not_counted_as_legacy_exportable():
    failed = {"status": "export-error", "error": {"type": "TypeError", "message": "boom"}}
    verdict = judge(failed, _result(_model()), {"batch"})
    assert verdict["legacy_ok"] is False and verdict["verdict"] == "equivalent"


@pytest.mark.parametrize(
    ("got", "ok"),
    [(np.array([1.0, 2.0], dtype=np.float32), True), (np.array([1.0, 2.5], dtype=np.float32), False),
     (np.array([1.0, 2.0, 3.0], dtype=np.float32), False)],
)
def test_output_comparison(got, ok):
    assert _compare_outputs([got], [np.array([1.0, 2.0], dtype=np.float32)], 1e-3, 1e-4)["ok"] is ok


def test_missing_output_fails_the_comparison():
    want = [np.zeros(2, dtype=np.float32), np.ones(2, dtype=np.float32)]
    assert _compare_outputs([np.zeros(2, dtype=np.float32)], want, 1e-3, 1e-4)["ok"] is False


def test_compute_difference_is_equivalent_when_ort_outputs_match_the_legacy_file():
    """Test: with no eager numbers, ORT outputs of both files on the same input decide (ultralytics' exporter)."""
    legacy = _result(_model(custom_alpha=2.0), numbers_ok=None)
    ours = _result(_model(custom_alpha=2.0, extra_identity=True), numbers_ok=None)
    legacy["facts"]["compute_ops"] = {"Add": 1}
    ours["facts"]["compute_ops"] = {"Add": 2}
    fingerprint = {"outputs": [{"shape": [2, 3], "mean": 0.5, "std": 0.1, "head": [0.1, 0.2, 0.3]}]}
    legacy["ort_fingerprint"] = ours["ort_fingerprint"] = fingerprint
    verdict = judge(legacy, ours, {"batch"})
    assert verdict["verdict"] == "equivalent" and "equal the legacy file's" in verdict["reason"]
    ours["ort_fingerprint"] = {"outputs": [{"shape": [2, 3], "mean": 0.5, "std": 0.1, "head": [0.1, 0.2, 0.9]}]}
    assert judge(legacy, ours, {"batch"})["verdict"] == "different"


def test_both_off_from_eager_compare_with_each_other_through_ort_outputs():
    """Test: when legacy's file also disagrees with eager (NMS ties on random weights), ORT outputs of the
    two files decide; a graph that does not run where legacy's runs is different even then."""
    legacy = _result(_model(), numbers_ok=False)
    ours = _result(_model(extra_identity=True), numbers_ok=False)
    legacy["facts"]["compute_ops"], ours["facts"]["compute_ops"] = {"Add": 1}, {"Add": 2}
    fingerprint = {"outputs": [{"shape": [2], "mean": 0.5, "std": 0.1, "head": [0.4, 0.6]}]}
    legacy["ort_fingerprint"] = ours["ort_fingerprint"] = fingerprint
    assert judge(legacy, ours, {"batch"})["verdict"] == "equivalent"
    for result, detail in ((legacy, "output 0: max abs error 9"), (ours, "ORT run failed: ScatterElements")):
        result["numerics"]["other"] = {"ok": False, "detail": detail, "max_abs_err": None}
    verdict = judge(legacy, ours, {"batch"})
    assert verdict["verdict"] == "different" and "ORT run failed" in verdict["reason"]
