"""Run a table of ``SymbolicCase`` s: the pytest parameters and the check, shared by the per-family test modules.

Every case table (``op_cases.py`` and the family tables) is walked by its own
test module through these two functions, so each family's failures show under
its own file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pytest
import torch
from symbolic_case import SymbolicCase

from onnx_migrate.legacy_symbolics.export_context import ExportContext, TrainingMode, active_export
from onnx_migrate.legacy_symbolics.graph_context import GraphContext
from onnx_migrate.legacy_symbolics.values import TensorType

__all__ = ["case_params", "check_case"]


def case_params(cases: Iterable[SymbolicCase]) -> list[Any]:
    """One ``pytest.param(case, opset)`` per case and opset, with the case's skips and xfails."""
    params = []
    for case in cases:
        for opset in case.opsets:
            marks = []
            if opset in case.skips:
                marks.append(pytest.mark.skip(reason=case.skips[opset]))
            if opset in case.xfails:
                marks.append(pytest.mark.xfail(reason=case.xfails[opset], strict=True))
            params.append(pytest.param(case, opset, id=f"{case.name}-opset{opset}", marks=marks))
    return params


def _compare(actual: np.ndarray, expected: torch.Tensor, case: SymbolicCase, index: int) -> None:
    want = expected.detach().numpy()
    if case.check_dtype:
        assert actual.dtype == want.dtype, f"output {index}: ONNX dtype {actual.dtype}, PyTorch {want.dtype}"
    assert actual.shape == want.shape, f"output {index}: ONNX shape {actual.shape}, PyTorch {want.shape}"
    if want.dtype.kind == "f":
        np.testing.assert_allclose(
            actual.astype(np.float64), want.astype(np.float64), rtol=0, atol=case.tolerance, err_msg=f"output {index}"
        )
    else:
        np.testing.assert_array_equal(actual, want, err_msg=f"output {index}")


def check_case(case: SymbolicCase, opset: int, to_model: Callable[..., Any], run_model: Callable[..., Any]) -> None:
    """Build ``case`` at ``opset``, pass the ONNX checker, run ONNX Runtime and compare with PyTorch."""
    context = ExportContext(opset=opset, training=TrainingMode.TRAINING if case.training else TrainingMode.EVAL)
    g = GraphContext.create(opset, export_context=context)
    with active_export(context):
        built = case.build_fn(g)
    for value, expected in zip(built.outputs, built.expected, strict=True):
        # The exporter types graph outputs from the FX graph when per-node inference cannot.
        if value.ir_value.dtype is None or value.ir_value.shape is None:
            value.setType(TensorType(expected.dtype, tuple(expected.shape)))
    model = to_model(g, built.outputs)
    assert [o.version for o in model.opset_import if o.domain == ""] == [opset]
    results = run_model(model, **{name: tensor.numpy() for name, tensor in built.feeds.items()})
    assert len(results) == len(built.expected)
    for index, (actual, expected) in enumerate(zip(results, built.expected, strict=True)):
        _compare(actual, expected, case, index)
