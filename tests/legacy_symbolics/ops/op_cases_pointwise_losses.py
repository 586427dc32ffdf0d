"""Cases for ``ops/pointwise.py``, ``ops/losses.py`` and ``ops/patches.py``."""

from __future__ import annotations

import torch
from extended_case import dynamic_aten
from symbolic_case import Built, SymbolicCase, T, add_tensor, aten, call_symbolic, custom, positive

from onnx_migrate.legacy_symbolics.graph_context import GraphContext

__all__ = ["LOSS_CASES", "PATCH_CASES", "POINTWISE_CASES"]

_ALL = (9, 11, 13, 17)
_SPECIAL = torch.tensor([1.0, float("nan"), float("inf"), -float("inf"), -2.5])
_INTS = torch.tensor([-9, -1, 0, 5, 100])


def _weight_norm(g: GraphContext) -> Built:
    """``_weight_norm(v, g, dim)`` called positionally: its ATen argument ``g`` clashes with the graph context."""
    v, magnitude = T(4, 3, 2), positive(4, 1, 1)
    out = call_symbolic(
        g, "aten::_weight_norm", v=add_tensor(g, "v", v), magnitude=add_tensor(g, "m", magnitude), dim=0
    )
    return Built([out], {"v": v, "m": magnitude}, [torch._weight_norm(v, magnitude, 0)])


POINTWISE_CASES: list[SymbolicCase] = [
    aten("lerp.Scalar", self=T(3, 4), end=T(3, 4), weight=0.3),
    aten("lerp.Scalar", label="past half", self=T(3, 4), end=T(4), weight=0.75),
    aten("lerp.Tensor", self=T(3, 4), end=T(3, 4), weight=T(3, 4, low=0, high=1)),
    aten("logit.default", self=T(3, 4, low=0.05, high=0.95)),
    aten("logit.default", label="eps", self=torch.tensor([0.0, 0.3, 1.0]), eps=1e-3),
    aten("nan_to_num.default", self=_SPECIAL),
    aten("nan_to_num.default", label="given", self=_SPECIAL, nan=-1.0, posinf=9.0, neginf=-9.0),
    aten("nan_to_num.default", label="int", self=_INTS),
    aten("bitwise_left_shift.Tensor_Scalar", self=_INTS, other=2, opsets=_ALL),
    aten("bitwise_left_shift.Tensor", self=_INTS, other=torch.tensor([0, 1, 2, 3, 4]), opsets=_ALL),
    aten("bitwise_right_shift.Tensor_Scalar", self=_INTS, other=1, opsets=_ALL),
    aten(
        "bitwise_right_shift.Tensor_Scalar",
        label="uint8",
        self=torch.tensor([255, 7, 8], dtype=torch.uint8),
        other=2,
        opsets=(11, 17),
    ),
    aten("__lshift__.Scalar", self=_INTS.to(torch.int32), other=3),
    aten("__rshift__.Tensor", self=_INTS, other=torch.tensor([1, 1, 2, 0, 3])),
    aten("__lshift__.Scalar", label="legacy name", symbolic="aten::__lshift_", self=_INTS, other=1),
    aten("__rshift__.Scalar", label="legacy name", symbolic="aten::__rshift_", self=_INTS, other=1),
    aten("_conj.default", self=T(3), ref=lambda **kw: kw["self"]),
    aten("conj_physical.default", self=T(3)),
    aten("resolve_conj.default", self=T(3)),
    aten("resolve_neg.default", self=T(3)),
    aten(
        "floor_divide.default",
        label="legacy name",
        symbolic="aten::_floor_divide",
        self=_INTS,
        other=torch.tensor([2, 2, 3, -2, 7]),
    ),
    aten("item.default", self=torch.tensor([2.5]), ref=lambda **kw: kw["self"].reshape(())),
    aten("_local_scalar_dense.default", self=torch.tensor(3), ref=lambda **kw: kw["self"]),
    aten("bucketize.Tensor", self=T(3, 4), boundaries=torch.tensor([-1.0, 0.0, 0.5, 2.0])),
    aten(
        "bucketize.Tensor",
        label="right int32",
        self=torch.tensor([-1.0, 0.0, 1.0, 3.0]),
        boundaries=torch.tensor([-1.0, 0.0, 2.0]),
        right=True,
        out_int32=True,
    ),
    aten("cosine_similarity.default", x1=T(3, 4), x2=T(3, 4)),
    aten("cosine_similarity.default", label="broadcast dim -1", x1=T(2, 3, 4), x2=T(4), dim=-1),
    aten("pairwise_distance.default", x1=T(3, 4), x2=T(3, 4)),
    aten("pairwise_distance.default", label="p 1 keepdim", x1=T(3, 4), x2=T(4), p=1.0, keepdim=True),
    aten("cdist.default", x1=T(2, 3, 4), x2=T(2, 5, 4)),
    aten("cdist.default", label="p 1", x1=T(3, 4), x2=T(2, 4), p=1.0),
    custom("aten::_weight_norm", "dim 0", _weight_norm),
]

_LOGITS, _CLASSES = T(4, 5), torch.tensor([0, 4, 2, 2])

LOSS_CASES: list[SymbolicCase] = [
    dynamic_aten("mse_loss.default", self=T(3, 4), target=T(3, 4), opsets=(9, 13, 18)),
    dynamic_aten("mse_loss.default", label="none", self=T(3, 4), target=T(3, 4), reduction=0),
    dynamic_aten("mse_loss.default", label="sum", self=T(3, 4), target=T(4), reduction=2, opsets=(9, 13, 18)),
    dynamic_aten(
        "binary_cross_entropy_with_logits.default", self=T(3, 4), target=T(3, 4, low=0, high=1), opsets=(9, 13, 18)
    ),
    dynamic_aten(
        "binary_cross_entropy_with_logits.default",
        label="weights",
        self=T(3, 4),
        target=T(3, 4, low=0, high=1),
        weight=positive(4),
        pos_weight=positive(4),
        reduction=0,
    ),
    dynamic_aten("kl_div.default", self=T(3, 4), target=torch.tensor([[0.0, 0.2, 0.3, 0.5]] * 3), opsets=_ALL),
    dynamic_aten("kl_div.default", label="log target sum", self=T(3, 4), target=T(3, 4), reduction=2, log_target=True),
    dynamic_aten("nll_loss.default", self=_LOGITS.log_softmax(1), target=_CLASSES, opsets=(12, 13, 17)),
    dynamic_aten(
        "nll_loss.default",
        label="weight ignore",
        self=_LOGITS.log_softmax(1),
        target=_CLASSES,
        weight=positive(5),
        reduction=1,
        ignore_index=2,
        opsets=(12, 17),
    ),
    dynamic_aten(
        "nll_loss2d.default",
        self=T(2, 3, 4, 4),
        target=torch.randint(0, 3, (2, 4, 4), generator=torch.Generator().manual_seed(1)),
        reduction=2,
        opsets=(12, 17),
    ),
    dynamic_aten(
        "nll_loss_nd.default",
        self=T(2, 3, 5),
        target=torch.tensor([[0, 1, 2, 2, 1], [1, 1, 0, 0, 2]]),
        reduction=0,
        opsets=(12, 17),
    ),
    dynamic_aten("nll_loss_nd.default", label="unbatched", self=T(5), target=torch.tensor(3), opsets=(12,)),
    dynamic_aten("cross_entropy_loss.default", self=_LOGITS, target=_CLASSES, opsets=(12, 13, 17)),
    dynamic_aten(
        "cross_entropy_loss.default",
        label="none weight",
        self=_LOGITS,
        target=_CLASSES,
        weight=positive(5),
        reduction=0,
        opsets=(12, 17),
    ),
    dynamic_aten(
        "cross_entropy_loss.default",
        label="probabilities",
        self=_LOGITS,
        target=T(4, 5, low=0, high=1).softmax(1),
        opsets=(12, 13, 17),
    ),
]

PATCH_CASES: list[SymbolicCase] = [
    aten("im2col.default", self=T(2, 3, 5, 6), kernel_size=[2, 3], dilation=[1, 1], padding=[1, 0], stride=[1, 2]),
    aten(
        "im2col.default",
        label="dilation",
        self=T(1, 2, 6, 6),
        kernel_size=[2, 2],
        dilation=[2, 1],
        padding=[0, 0],
        stride=[1, 1],
    ),
    aten(
        "col2im.default",
        self=T(2, 12, 12),
        output_size=[4, 5],
        kernel_size=[2, 2],
        dilation=[1, 1],
        padding=[0, 0],
        stride=[1, 1],
    ),
    aten(
        "col2im.default",
        label="stride padding",
        self=T(1, 8, 16),
        output_size=[6, 6],
        kernel_size=[2, 2],
        dilation=[1, 1],
        padding=[1, 1],
        stride=[2, 2],
    ),
    aten("conv_tbc.default", self=T(7, 2, 3), weight=T(3, 3, 4), bias=T(4), pad=1, tolerance=1e-3),
    aten("affine_grid_generator.default", theta=T(2, 2, 3), size=[2, 3, 4, 5], align_corners=False, opsets=(9, 13, 20)),
    aten(
        "affine_grid_generator.default",
        label="corners",
        theta=T(1, 2, 3),
        size=[1, 1, 3, 3],
        align_corners=True,
        opsets=(9, 20),
    ),
]
