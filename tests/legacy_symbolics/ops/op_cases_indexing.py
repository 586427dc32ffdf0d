"""Cases for advanced indexing and scatter/gather (``ops/indexing.py``, ``ops/scatter_gather.py``).

Index lists with ``None`` items (dims kept whole) go through
``extended_case.dynamic_aten``; the rest through ``symbolic_case.aten``.
"""

from __future__ import annotations

import torch
from extended_case import dynamic_aten
from symbolic_case import FROM_11, Dyn, SymbolicCase, T, aten

__all__ = ["INDEXING_CASES", "SCATTER_GATHER_CASES"]

_ALL = (9, 11, 13, 17)
_I = torch.tensor([2, 0, -1])
_MASK = torch.tensor([[True, False, True, False], [False, False, True, True], [True, True, False, False]])


def _put(**kw: object) -> torch.Tensor:
    """The eager reference of index_put on a copy (the op is functional, the values arrive as they are)."""
    return torch.ops.aten.index_put.default(**kw)  # type: ignore[arg-type]


INDEXING_CASES: list[SymbolicCase] = [
    aten("index.Tensor", self=T(5, 3), indices=[_I], opsets=_ALL),
    aten("index.Tensor", label="2-d index", self=T(5, 3), indices=[torch.tensor([[0, 4], [1, 1]])], opsets=_ALL),
    dynamic_aten("index.Tensor", label="middle dim", self=T(2, 5, 3), indices=[None, _I], opsets=_ALL),
    aten(
        "index.Tensor",
        label="two adjacent",
        self=T(4, 5, 3),
        indices=[torch.tensor([0, 3, 1]), torch.tensor([[1], [4]])],
        opsets=_ALL,
    ),
    dynamic_aten(
        "index.Tensor",
        label="two adjacent after a kept dim",
        self=T(2, 4, 5, 3),
        indices=[None, torch.tensor([0, 3]), torch.tensor([-1, 2])],
        opsets=_ALL,
    ),
    dynamic_aten(
        "index.Tensor",
        label="two apart",
        self=T(4, 2, 5),
        indices=[torch.tensor([0, 3, 1]), None, torch.tensor([4, 0, 2])],
        opsets=_ALL,
    ),
    aten("index.Tensor", label="bool mask", self=T(3, 4), indices=[_MASK], opsets=_ALL),
    aten("index.Tensor", label="bool rows", self=T(3, 4), indices=[torch.tensor([True, False, True])], opsets=_ALL),
    dynamic_aten(
        "index.Tensor", label="bool on dim 1", self=T(2, 3, 4), indices=[None, torch.tensor([False, True, True])]
    ),
    aten("index.Tensor", label="int32 dynamic", self=Dyn(T(6, 2)), indices=[torch.tensor([5, 1], dtype=torch.int32)]),
    aten("index_put.default", self=T(5, 3), indices=[_I], values=T(3, 3), opsets=(9, 11, 13, 16, 17)),
    aten(
        "index_put.default",
        label="broadcast value",
        self=T(5, 3),
        indices=[_I],
        values=torch.tensor(2.0),
        opsets=FROM_11,
    ),
    aten(
        "index_put.default", label="mask scalar", self=T(3, 4), indices=[_MASK], values=torch.tensor(-1.0), opsets=_ALL
    ),
    aten("index_put.default", label="mask values", self=T(3, 4), indices=[_MASK], values=T(6), opsets=FROM_11),
    aten(
        "index_put.default",
        label="two indices",
        self=T(4, 5),
        indices=[torch.tensor([0, 3]), torch.tensor([1, -1])],
        values=T(2),
        opsets=FROM_11,
    ),
    dynamic_aten(
        "index_put.default",
        label="middle dim",
        self=T(2, 5, 3),
        indices=[None, torch.tensor([4, 1])],
        values=T(2, 1, 3),
        opsets=FROM_11,
    ),
    dynamic_aten(
        "index_put.default",
        label="two apart",
        self=T(4, 2, 5),
        indices=[torch.tensor([0, 3]), None, torch.tensor([4, 0])],
        values=T(2, 2),
        opsets=FROM_11,
    ),
    aten(
        "index_put.default",
        label="accumulate repeated",
        self=T(5, 3),
        indices=[torch.tensor([1, 3, 1])],
        values=T(3, 3),
        accumulate=True,
        opsets=(16, 17),
    ),
    aten(
        "index_put.default",
        label="accumulate unique",
        self=T(5, 3),
        indices=[torch.tensor([1, 3, 0])],
        values=T(3, 3),
        accumulate=True,
        opsets=(11, 13, 16),
    ),
    aten(
        "_index_put_impl_.default",
        self=T(5, 3),
        indices=[torch.tensor([4, 0])],
        values=T(2, 3),
        accumulate=False,
        unsafe=False,
        ref=lambda **kw: torch.ops.aten._index_put_impl_.default(**{**kw, "self": kw["self"].clone()}),
        opsets=(9, 11, 17),
    ),
    aten("masked_fill.Scalar", self=T(3, 4), mask=_MASK, value=-1e9),
    aten("masked_fill.Scalar", label="int", self=T(3, 4, dtype=torch.int64), mask=_MASK[0], value=7),
    aten("masked_fill.Tensor", self=T(3, 4), mask=_MASK, value=torch.tensor(0.5)),
    aten(
        "masked_fill.Scalar",
        label="-inf broadcast mask",
        self=T(2, 3, 4),
        mask=_MASK[:, None, 0:1].expand(3, 1, 4)[0],
        value=float("-inf"),
    ),
    aten("masked_select.default", self=T(3, 4), mask=_MASK),
    aten("masked_select.default", label="broadcast", self=T(3, 4), mask=_MASK[1]),
    aten("masked_scatter.default", self=T(3, 4), mask=_MASK, source=T(4, 4), opsets=FROM_11),
    aten("masked_scatter.default", label="broadcast mask", self=T(3, 4), mask=_MASK[0], source=T(6), opsets=FROM_11),
    aten("nonzero.default", self=torch.tensor([[0.0, 1.0, 0.0], [2.0, 0.0, 3.0]])),
    aten("nonzero_numpy.default", self=torch.tensor([[0, 1, 0], [2, 0, 3]])),
    aten("take.default", self=T(3, 4), index=torch.tensor([[0, 11], [-1, 5]]), opsets=_ALL),
    aten("select_scatter.default", self=T(3, 4), src=T(3), dim=1, index=2, opsets=_ALL),
    aten("select_scatter.default", label="negative", self=T(3, 4), src=T(4), dim=0, index=-1, opsets=_ALL),
    aten("slice_scatter.default", self=T(6, 4), src=T(2, 4), dim=0, start=1, end=5, step=2, opsets=_ALL),
    aten("slice_scatter.default", label="open end", self=T(3, 6), src=T(3, 2), dim=1, start=-2, end=None, opsets=_ALL),
    aten("copy.default", self=T(3, 4), src=T(4, dtype=torch.float64)),
]

_G = torch.tensor([[0, 2, 1, 2], [1, 0, 0, 2]])

SCATTER_GATHER_CASES: list[SymbolicCase] = [
    aten("gather.default", self=T(2, 3), dim=1, index=_G, opsets=(9, 10, 11, 13, 17)),
    aten(
        "gather.default",
        label="dim 0 smaller index",
        self=T(3, 4),
        dim=0,
        index=torch.tensor([[2, 0], [1, 1]]),
        opsets=(9, 11, 13),
    ),
    aten("gather.default", label="int", self=T(2, 3, dtype=torch.int64), dim=-1, index=_G, opsets=(9, 11)),
    aten("scatter.src", self=T(2, 4), dim=1, index=torch.tensor([[3, 0], [1, 2]]), src=T(2, 2), opsets=(9, 11, 13, 17)),
    aten(
        "scatter.src",
        label="larger src",
        self=T(3, 4),
        dim=0,
        index=torch.tensor([[2, 0, 1, 0]]),
        src=T(2, 5),
        opsets=(9, 11, 17),
    ),
    aten("scatter.value", self=T(2, 4), dim=1, index=torch.tensor([[3], [1]]), value=-2.0, opsets=(9, 11, 17)),
    aten(
        "scatter.reduce",
        self=T(2, 4),
        dim=1,
        index=torch.tensor([[3, 3], [1, 0]]),
        src=T(2, 2),
        reduce="add",
        opsets=(16, 17),
    ),
    aten(
        "scatter.value_reduce",
        self=T(2, 4),
        dim=1,
        index=torch.tensor([[3, 3]]),
        value=2.0,
        reduce="multiply",
        opsets=(16,),
    ),
    aten(
        "scatter_add.default",
        self=T(3, 4),
        dim=1,
        index=torch.tensor([[0, 0, 3, 0]] * 3),
        src=T(3, 4),
        opsets=(9, 11, 13, 16, 17),
    ),
    aten(
        "scatter_add.default",
        label="dim 0",
        self=T(3, 2),
        dim=0,
        index=torch.tensor([[2, 0], [2, 2]]),
        src=T(2, 2),
        opsets=(11, 16),
    ),
    aten(
        "scatter_reduce.two",
        self=T(3, 4),
        dim=1,
        index=torch.tensor([[0, 0, 3, 0]] * 3),
        src=T(3, 4),
        reduce="sum",
        opsets=(16, 17),
    ),
    aten(
        "scatter_reduce.two",
        label="prod excl",
        self=T(3, 4),
        dim=1,
        index=torch.tensor([[1, 1, 3, 0]] * 3),
        src=T(3, 4),
        reduce="prod",
        include_self=False,
        opsets=(16,),
    ),
    aten(
        "scatter_reduce.two",
        label="amax",
        self=T(3, 4),
        dim=0,
        index=torch.tensor([[1, 1, 2, 0]] * 2),
        src=T(2, 4),
        reduce="amax",
        opsets=(18,),
    ),
    aten(
        "scatter_reduce.two",
        label="amin excl",
        self=T(3, 4),
        dim=0,
        index=torch.tensor([[1, 1, 2, 0]] * 2),
        src=T(2, 4),
        reduce="amin",
        include_self=False,
        opsets=(18,),
    ),
    aten(
        "scatter_reduce.two",
        label="mean",
        self=T(3, 4),
        dim=1,
        index=torch.tensor([[0, 0, 3, 0]] * 3),
        src=T(3, 4),
        reduce="mean",
        opsets=(16, 18),
    ),
    aten(
        "scatter_reduce.two",
        label="mean excl",
        self=T(3, 4),
        dim=1,
        index=torch.tensor([[0, 0, 3, 0]] * 3),
        src=T(3, 4),
        reduce="mean",
        include_self=False,
        opsets=(16,),
    ),
    aten("index_select.default", self=T(3, 4), dim=1, index=torch.tensor([3, 0, 0])),
    aten("index_select.default", label="0-d index", self=T(3, 4), dim=0, index=torch.tensor(2)),
    aten("index_fill.int_Scalar", self=T(3, 4), dim=1, index=torch.tensor([0, 2]), value=-1.0, opsets=(9, 11, 13)),
    aten(
        "index_fill.int_Tensor",
        self=T(3, 4, dtype=torch.int64),
        dim=0,
        index=torch.tensor([-1]),
        value=torch.tensor(9),
        opsets=(9, 11),
    ),
    aten("index_copy.default", self=T(3, 4), dim=1, index=torch.tensor([3, 0]), source=T(3, 2), opsets=(9, 11, 13)),
    aten(
        "index_add.default",
        self=T(3, 4),
        dim=1,
        index=torch.tensor([3, 0, 3]),
        source=T(3, 3),
        opsets=(9, 11, 13, 16, 17),
    ),
    aten(
        "index_add.default",
        label="alpha dim 0",
        self=T(4, 2),
        dim=0,
        index=torch.tensor([1, 1]),
        source=T(2, 2),
        alpha=2.0,
        opsets=(9, 16),
    ),
]
