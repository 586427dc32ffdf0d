"""Cases for ``ops/attention.py``, ``ops/tensor_algebra.py`` and ``ops/embedding.py``."""

from __future__ import annotations

import torch
from symbolic_case import Dyn, SymbolicCase, T, aten

__all__ = ["ATTENTION_CASES", "EMBEDDING_CASES", "TENSOR_ALGEBRA_CASES"]

_ALL = (9, 11, 13, 17)
_ATT = (9, 11, 13, 17, 23)
_Q, _K, _V = T(2, 2, 5, 8), T(2, 2, 6, 8), T(2, 2, 6, 4)
_PAD = torch.ones(2, 1, 1, 6, dtype=torch.bool)
_PAD[1, ..., 4:] = False


def _causal_float(rows: int, cols: int) -> torch.Tensor:
    return torch.zeros(rows, cols).masked_fill(~torch.ones(rows, cols, dtype=torch.bool).tril(), float("-inf"))


ATTENTION_CASES: list[SymbolicCase] = [
    aten("scaled_dot_product_attention.default", query=_Q, key=_K, value=_V, opsets=_ATT),
    aten(
        "scaled_dot_product_attention.default",
        label="bool padding mask",
        query=_Q,
        key=_K,
        value=_V,
        attn_mask=_PAD,
        opsets=_ATT,
    ),
    aten(
        "scaled_dot_product_attention.default",
        label="float mask",
        query=_Q,
        key=_K,
        value=_V,
        attn_mask=T(5, 6),
        opsets=_ATT,
    ),
    aten(
        "scaled_dot_product_attention.default",
        label="causal",
        query=T(2, 2, 5, 8),
        key=T(2, 2, 5, 8),
        value=T(2, 2, 5, 8),
        is_causal=True,
        opsets=_ATT,
    ),
    aten(
        "scaled_dot_product_attention.default",
        label="causal dynamic scale",
        query=Dyn(T(1, 3, 4, 8), dims=(0, 2)),
        key=Dyn(T(1, 3, 4, 8), dims=(0, 2)),
        value=Dyn(T(1, 3, 4, 8), dims=(0, 2)),
        is_causal=True,
        scale=0.3,
        opsets=_ATT,
    ),
    aten(
        "scaled_dot_product_attention.default",
        label="3-d float causal mask",
        query=T(3, 4, 8),
        key=T(3, 4, 8),
        value=T(3, 4, 2),
        attn_mask=_causal_float(4, 4),
    ),
    aten(
        "scaled_dot_product_attention.default",
        label="gqa",
        query=T(1, 4, 3, 8),
        key=T(1, 2, 5, 8),
        value=T(1, 2, 5, 8),
        enable_gqa=True,
        opsets=(13, 17),
    ),
    aten(
        "_scaled_dot_product_flash_attention_for_cpu.default",
        query=_Q,
        key=_K,
        value=T(2, 2, 6, 8),
        dropout_p=0.0,
        is_causal=False,
        attn_mask=T(5, 6),
        opsets=(13, 17, 18),
    ),
    aten(
        "_scaled_dot_product_flash_attention_for_cpu.default",
        label="causal",
        query=T(1, 2, 4, 8),
        key=T(1, 2, 4, 8),
        value=T(1, 2, 4, 8),
        is_causal=True,
        opsets=(13,),
    ),
    aten(
        "_scaled_dot_product_efficient_attention.default",
        query=_Q,
        key=_K,
        value=_V,
        attn_bias=T(2, 2, 5, 6),
        compute_log_sumexp=False,
        opsets=(13,),
        outputs=[0],
        ref=lambda **kw: torch.nn.functional.scaled_dot_product_attention(
            kw["query"], kw["key"], kw["value"], attn_mask=kw["attn_bias"]
        ),
    ),
]

TENSOR_ALGEBRA_CASES: list[SymbolicCase] = [
    aten("einsum.default", equation="bij,bjk->bik", tensors=[T(2, 3, 4), T(2, 4, 5)], opsets=(12, 13, 17)),
    aten("einsum.default", label="trace-like", equation="ii->i", tensors=[T(4, 4)], opsets=(12, 17)),
    aten(
        "einsum.default",
        label="int",
        equation="i,j->ij",
        tensors=[T(3, dtype=torch.int64), T(2, dtype=torch.int64)],
        opsets=(12,),
    ),
    aten(
        "tensordot.default",
        self=T(2, 3, 4),
        other=T(4, 3, 5),
        dims_self=[1, 2],
        dims_other=[1, 0],
        opsets=(9, 11, 12, 17),
    ),
    aten("outer.default", self=T(3), vec2=T(4)),
    aten("outer.default", label="int float", self=T(3, dtype=torch.int64), vec2=T(2)),
    aten("cross.default", self=T(4, 3), other=T(4, 3)),
    aten("cross.default", label="dim 0 broadcast", self=T(3, 2), other=T(3, 1), dim=0),
    aten("linalg_cross.default", self=T(2, 5, 3), other=T(1, 5, 3)),
    aten("linalg_det.default", A=T(2, 3, 3), opsets=(11, 13, 17)),
    aten("det.default", self=T(4, 4), opsets=(11, 17)),
    aten("logdet.default", self=T(3, 3) + 4 * torch.eye(3), opsets=(11, 17)),
]

_W = T(10, 3)
_BAG_INDICES = torch.tensor([1, 2, 4, 5, 4, 3, 2, 9])
_OFFSETS = torch.tensor([0, 3, 3, 6])

EMBEDDING_CASES: list[SymbolicCase] = [
    aten("embedding.default", weight=_W, indices=torch.tensor([[0, 2, 9], [4, 4, 1]]), opsets=_ALL),
    aten(
        "embedding.default", label="dynamic", weight=_W, indices=Dyn(torch.tensor([3, 1, 7]), dims=(0,)), padding_idx=0
    ),
    aten(
        "embedding_bag.padding_idx",
        weight=_W,
        indices=_BAG_INDICES,
        offsets=_OFFSETS,
        scale_grad_by_freq=False,
        mode=0,
        sparse=False,
        per_sample_weights=None,
        include_last_offset=False,
        padding_idx=None,
        outputs=[0],
        opsets=_ALL,
    ),
    aten(
        "embedding_bag.padding_idx",
        label="mean padding",
        weight=_W,
        indices=_BAG_INDICES,
        offsets=_OFFSETS,
        scale_grad_by_freq=False,
        mode=1,
        sparse=False,
        per_sample_weights=None,
        include_last_offset=False,
        padding_idx=4,
        outputs=[0],
        opsets=_ALL,
    ),
    aten(
        "embedding_bag.padding_idx",
        label="max",
        weight=_W,
        indices=_BAG_INDICES,
        offsets=_OFFSETS,
        scale_grad_by_freq=False,
        mode=2,
        sparse=False,
        per_sample_weights=None,
        include_last_offset=False,
        padding_idx=None,
        outputs=[0],
        opsets=(9, 13),
    ),
    aten(
        "embedding_bag.default",
        label="weights last offset",
        weight=_W,
        indices=_BAG_INDICES,
        offsets=torch.tensor([0, 2, 5, 8]),
        mode=0,
        per_sample_weights=T(8),
        include_last_offset=True,
        outputs=[0],
        opsets=(9, 13),
    ),
    aten(
        "_embedding_bag.default",
        label="2-d mean",
        weight=_W,
        indices=torch.tensor([[1, 2], [0, 9], [3, 3]]),
        offsets=torch.tensor([], dtype=torch.int64),
        mode=1,
        outputs=[0],
        opsets=(9, 13),
        ref=lambda **kw: torch.nn.functional.embedding_bag(kw["indices"], kw["weight"], mode="mean"),
    ),
    aten(
        "embedding_renorm.default",
        self=T(5, 3) * 2,
        indices=torch.tensor([0, 3, 3]),
        max_norm=1.5,
        norm_type=2.0,
        ref=lambda **kw: torch.ops.aten.embedding_renorm.default(**{**kw, "self": kw["self"].clone()}),
    ),
    aten("one_hot.default", self=torch.tensor([[0, 3], [2, 1]]), num_classes=5, opsets=_ALL),
    aten("one_hot.default", label="inferred classes", self=torch.tensor([0, 3, 1]), opsets=_ALL),
]
