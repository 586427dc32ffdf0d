"""Cases for ``ops/sort_scan.py`` (topk, sort, scans) and ``ops/statistics.py`` (var/std, norms, any/all)."""

from __future__ import annotations

import torch
from symbolic_case import FROM_11, Dyn, SymbolicCase, T, aten, positive

__all__ = ["SORT_SCAN_CASES", "STATISTICS_CASES"]

_ALL = (9, 11, 13, 17)
_RED = (9, 13, 18)
_D = torch.tensor([[3.0, 1.0, 2.0, 1.0], [0.0, -1.0, 5.0, 5.0]])  # ties, to check the stable order

SORT_SCAN_CASES: list[SymbolicCase] = [
    aten("topk.default", self=T(3, 6), k=2, opsets=(9, 10, 11, 17)),
    aten("topk.default", label="smallest dim 0", self=T(5, 3), k=3, dim=0, largest=False, opsets=(9, 10, 11, 17)),
    aten("topk.default", label="int", self=torch.randperm(14).reshape(2, 7), k=2, dim=-1, opsets=(9, 11)),
    aten("sort.default", self=T(3, 5), opsets=(9, 10, 11, 17)),
    aten("sort.default", label="descending dim 0", self=T(4, 3), dim=0, descending=True, opsets=(9, 10, 11)),
    aten("sort.default", label="dynamic", self=Dyn(T(2, 6), dims=(1,)), dim=1, opsets=(10, 11, 13)),
    aten("sort.stable", self=_D, stable=True, dim=-1, descending=False, opsets=(9, 11, 17)),
    aten("argsort.default", self=T(3, 5), dim=1, opsets=(9, 11, 17)),
    aten("argsort.stable", label="descending ties", self=_D, stable=True, dim=1, descending=True, opsets=(11, 17)),
    aten("cumsum.default", self=T(3, 4), dim=1, opsets=(9, 10, 11, 13, 17)),
    aten("cumsum.default", label="int32 widens", self=T(3, 4, dtype=torch.int32), dim=0, opsets=(9, 11, 13)),
    aten("cumsum.default", label="dtype dynamic", self=Dyn(T(5, 2)), dim=0, dtype=torch.float64, opsets=(9, 11)),
    aten("cumprod.default", self=T(3, 4), dim=1, opsets=_ALL),
    aten("cumprod.default", label="int", self=T(2, 5, dtype=torch.int64), dim=1, opsets=(9, 13)),
    aten(
        "cumprod.default",
        label="dynamic with zeros",
        self=Dyn(torch.tensor([[1.5, -2.0, 0.5, 0.0, 3.0], [-1.0, -1.0, 2.0, 4.0, -0.5]]), dims=(1,)),
        dim=1,
        opsets=FROM_11,
        tolerance=1e-5,
    ),
    aten("logcumsumexp.default", self=T(3, 4), dim=1, opsets=_ALL),
    aten(
        "_unique2.default",
        self=torch.tensor([[3, 1, 3], [2, 1, 0]]),
        sorted=True,
        return_inverse=True,
        return_counts=True,
        opsets=FROM_11,
    ),
    aten("_unique2.default", label="values only", self=torch.tensor([2.0, -1.0, 2.0]), opsets=FROM_11, outputs=[0]),
    aten("_unique.default", self=torch.tensor([4, 4, 1, 0]), return_inverse=True, opsets=FROM_11),
    aten(
        "unique_dim.default",
        self=torch.tensor([[1, 2], [0, 5], [1, 2]]),
        dim=0,
        return_inverse=True,
        return_counts=True,
        opsets=FROM_11,
    ),
]

STATISTICS_CASES: list[SymbolicCase] = [
    aten("var.default", self=T(3, 4), opsets=_RED),
    aten("var.dim", self=T(3, 4, 2), dim=[1], unbiased=False, keepdim=True, opsets=_RED),
    aten("var.correction", self=T(3, 4, 2), dim=[0, 2], correction=2, keepdim=False, opsets=_RED),
    aten("var.correction", label="dynamic", self=Dyn(T(5, 3)), dim=[0], opsets=_RED),
    aten("std.dim", self=T(3, 4), dim=[-1], unbiased=True, keepdim=False, opsets=_RED),
    aten("std.correction", self=T(6), opsets=_RED),
    aten("var_mean.correction", self=T(3, 4), dim=[1], correction=0, keepdim=True, opsets=_RED),
    aten("var_mean.dim", self=T(3, 4), dim=[0], opsets=_RED),
    aten("std_mean.correction", self=T(2, 3, 4), dim=[1, 2], opsets=_RED),
    aten("std_mean.default", self=T(2, 3)),
    aten("linalg_vector_norm.default", self=T(3, 4), opsets=_RED),
    aten("linalg_vector_norm.default", label="ord 1 dim", self=T(3, 4), ord=1, dim=[1], keepdim=True, opsets=_RED),
    aten("linalg_vector_norm.default", label="ord inf", self=T(3, 4), ord=float("inf"), dim=[0], opsets=_RED),
    aten("linalg_vector_norm.default", label="ord -inf", self=T(3, 4), ord=float("-inf"), opsets=_RED),
    aten("linalg_vector_norm.default", label="ord 0", self=torch.tensor([[0.0, 1.0], [2.0, 0.0]]), ord=0, dim=[1]),
    aten("linalg_vector_norm.default", label="ord 3 dtype", self=T(3, 4), ord=3, dim=[-1], dtype=torch.float64),
    aten("norm.Scalar", self=T(3, 4), p=2),
    aten("norm.ScalarOpt_dim", self=T(3, 4), p=1, dim=[1], keepdim=False, opsets=_RED),
    aten("norm.ScalarOpt_dim_dtype", self=T(3, 4), p=2, dim=[0], keepdim=True, dtype=torch.float64),
    aten("frobenius_norm.dim", self=T(3, 4, 2), dim=[1, 2], keepdim=False, opsets=_RED),
    aten("linalg_norm.default", self=T(3, 4), opsets=_RED),
    aten("linalg_norm.default", label="matrix ord 1", self=T(3, 4), ord=1),
    aten("linalg_norm.default", label="vector ord 3", self=T(3, 4), ord=3, dim=[1], keepdim=True),
    aten("linalg_norm.ord_str", self=T(2, 3, 4), ord="fro", dim=[1, 2]),
    aten("linalg_matrix_norm.default", self=T(2, 3, 4), ord=float("inf"), opsets=_RED),
    aten("linalg_matrix_norm.default", label="-1 keepdim", self=T(3, 4), ord=-1, keepdim=True),
    aten("linalg_matrix_norm.str_ord", self=T(2, 3, 4), ord="fro", dim=[0, 2]),
    aten("logsumexp.default", self=T(3, 4), dim=[1], opsets=_RED),
    aten("logsumexp.default", label="int keepdim", self=T(3, 4, dtype=torch.int64), dim=[0, 1], keepdim=True),
    aten("any.default", self=T(3, 4, dtype=torch.bool), opsets=(9, 13)),
    aten("any.dim", self=T(3, 4) > 2.0, dim=1, keepdim=True, opsets=(9, 13)),
    aten("any.dims", self=torch.tensor([[0, 0, 2], [0, 0, 0]]), dim=[1], opsets=(9, 13)),
    aten("all.default", self=positive(3, 4), opsets=(9, 13)),
    aten("all.dim", self=T(3, 4, dtype=torch.bool), dim=0, opsets=(9, 13)),
    aten("all.dims", self=T(2, 3, 4) > -2.5, dim=[0, 2], keepdim=False, opsets=(9, 13)),
    aten("aminmax.default", self=T(3, 4), opsets=_RED),
    aten("aminmax.default", label="dim", self=T(3, 4), dim=1, keepdim=True, opsets=_RED),
]
