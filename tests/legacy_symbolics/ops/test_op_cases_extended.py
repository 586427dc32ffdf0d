"""The later op families (creation, indexing, rearranging, sorting, statistics, attention...) against eager PyTorch.

Like ``test_op_cases.py`` for the first families: each case of the tables
``op_cases_*.py`` builds a tiny graph by calling the built-in symbolic as the
translator does, passes ``onnx.checker.check_model(full_check=True)``, runs
in ONNX Runtime and matches PyTorch in values and dtypes.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from op_cases_attention import ATTENTION_CASES, EMBEDDING_CASES, TENSOR_ALGEBRA_CASES
from op_cases_creation import CREATION_CASES
from op_cases_direct_calls import DIRECT_CALL_CASES
from op_cases_indexing import INDEXING_CASES, SCATTER_GATHER_CASES
from op_cases_pointwise_losses import LOSS_CASES, PATCH_CASES, POINTWISE_CASES
from op_cases_rearrange import REARRANGE_CASES
from op_cases_sort_stats import SORT_SCAN_CASES, STATISTICS_CASES
from symbolic_case import SymbolicCase

from onnx_migrate.legacy_symbolics.export_context import ExportContext, TrainingMode, active_export
from onnx_migrate.legacy_symbolics.graph_context import GraphContext
from onnx_migrate.legacy_symbolics.registry import builtin_marks
from onnx_migrate.legacy_symbolics.values import TensorType

#: The family modules these tables cover, by module name.
FAMILIES = (
    "creation",
    "indexing",
    "scatter_gather",
    "rearrange",
    "sort_scan",
    "statistics",
    "attention",
    "tensor_algebra",
    "embedding",
    "pointwise",
    "losses",
    "patches",
)

EXTENDED_CASES: list[SymbolicCase] = [
    *CREATION_CASES,
    *INDEXING_CASES,
    *SCATTER_GATHER_CASES,
    *REARRANGE_CASES,
    *SORT_SCAN_CASES,
    *STATISTICS_CASES,
    *ATTENTION_CASES,
    *TENSOR_ALGEBRA_CASES,
    *EMBEDDING_CASES,
    *POINTWISE_CASES,
    *LOSS_CASES,
    *PATCH_CASES,
    *DIRECT_CALL_CASES,
]


def _params() -> list[object]:
    params = []
    for case in EXTENDED_CASES:
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
            actual.astype(np.float64),
            want.astype(np.float64),
            rtol=0,
            atol=case.tolerance,
            equal_nan=True,
            err_msg=f"output {index}",
        )
    else:
        np.testing.assert_array_equal(actual, want, err_msg=f"output {index}")


@pytest.mark.parametrize(("case", "opset"), _params())
def test_extended_symbolic_matches_eager(case: SymbolicCase, opset: int, to_model, run_model) -> None:
    """The symbolic's ONNX graph passes the checker and computes what PyTorch computes."""
    context = ExportContext(opset=opset, training=TrainingMode.TRAINING if case.training else TrainingMode.EVAL)
    g = GraphContext.create(opset, export_context=context)
    with active_export(context):
        built = case.build_fn(g)
    for value, expected in zip(built.outputs, built.expected, strict=True):
        if value.ir_value.dtype is None or value.ir_value.shape is None:
            value.setType(TensorType(expected.dtype, tuple(expected.shape)))
    model = to_model(g, built.outputs)
    results = run_model(model, **{name: tensor.numpy() for name, tensor in built.feeds.items()})
    assert len(results) == len(built.expected)
    for index, (actual, expected) in enumerate(zip(results, built.expected, strict=True)):
        _compare(actual, expected, case, index)


def test_every_extended_builtin_has_a_case() -> None:
    """Each op these families register is exercised by at least one case of the tables."""
    from onnx_migrate.legacy_symbolics import ops

    families = [getattr(ops, name) for name in FAMILIES]
    registered = {name for family in families for obj in vars(family).values() for name, _, _ in builtin_marks(obj)}
    covered = {case.op for case in EXTENDED_CASES}
    assert sorted(registered - covered) == []
