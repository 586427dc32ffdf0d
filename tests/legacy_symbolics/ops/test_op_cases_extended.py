"""The later op families (creation, indexing, rearranging, sorting, statistics, attention...) against eager PyTorch.

Like ``test_op_cases.py`` for the first families: each case of the tables
``op_cases_*.py`` builds a tiny graph by calling the built-in symbolic as the
translator does, passes ``onnx.checker.check_model(full_check=True)``, runs
in ONNX Runtime and matches PyTorch in values and dtypes.
"""

from __future__ import annotations

import pytest
from op_cases_attention import ATTENTION_CASES, EMBEDDING_CASES, TENSOR_ALGEBRA_CASES
from op_cases_creation import CREATION_CASES
from op_cases_direct_calls import DIRECT_CALL_CASES
from op_cases_indexing import INDEXING_CASES, SCATTER_GATHER_CASES
from op_cases_pointwise_losses import LOSS_CASES, PATCH_CASES, POINTWISE_CASES
from op_cases_rearrange import REARRANGE_CASES
from op_cases_sort_stats import SORT_SCAN_CASES, STATISTICS_CASES
from op_case_runner import case_params, check_case
from symbolic_case import SymbolicCase

from onnx_migrate.legacy_symbolics.registry import builtin_marks

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


@pytest.mark.parametrize(("case", "opset"), case_params(EXTENDED_CASES))
def test_extended_symbolic_matches_eager(case: SymbolicCase, opset: int, to_model, run_model) -> None:
    """The symbolic's ONNX graph passes the checker and computes what PyTorch computes."""
    check_case(case, opset, to_model, run_model)


def test_every_extended_builtin_has_a_case() -> None:
    """Each op these families register is exercised by at least one case of the tables."""
    from onnx_migrate.legacy_symbolics import ops

    families = [getattr(ops, name) for name in FAMILIES]
    registered = {name for family in families for obj in vars(family).values() for name, _, _ in builtin_marks(obj)}
    covered = {case.op for case in EXTENDED_CASES}
    assert sorted(registered - covered) == []
