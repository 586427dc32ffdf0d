"""``ops/control_flow.py`` against eager PyTorch (table in ``op_cases_control_flow.py``) and its coverage."""

from __future__ import annotations

import pytest
from model_export_check import export_and_compare, op_counts
from op_cases_control_flow import CONTROL_FLOW_CASES, ModelCase

from onnx_migrate.legacy_symbolics.ops import control_flow
from onnx_migrate.legacy_symbolics.registry import builtin_marks


@pytest.mark.parametrize(
    ("case", "opset"),
    [pytest.param(case, opset, id=f"{case.name}-opset{opset}") for case in CONTROL_FLOW_CASES for opset in case.opsets],
)
def test_control_flow_symbolic_matches_eager(case: ModelCase, opset: int) -> None:
    """The exported If/Loop passes the checker and computes what PyTorch computes on every input set."""
    first, *more = case.inputs
    proto = export_and_compare(case.build(), first, opset, more_inputs=more)
    assert op_counts(proto)[case.onnx_op] == 1, f"{case.op} must become one {case.onnx_op}, not be inlined"


def test_every_control_flow_builtin_has_a_case() -> None:
    registered = {name for obj in vars(control_flow).values() for name, _, _ in builtin_marks(obj)}
    assert registered and sorted(registered - {case.op for case in CONTROL_FLOW_CASES}) == []
