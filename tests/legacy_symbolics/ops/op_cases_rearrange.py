"""Cases for ``ops/rearrange.py``: triangles, flips, rolls, repeats, pixel shuffles, unfold, list helpers."""

from __future__ import annotations

import torch
from extended_case import dynamic_aten
from symbolic_case import FROM_11, Dyn, SymbolicCase, SymSize, T, aten

__all__ = ["REARRANGE_CASES"]

_ALL = (9, 11, 13, 17)

REARRANGE_CASES: list[SymbolicCase] = [
    aten("triu.default", self=T(4, 5), opsets=(9, 11, 13, 14, 17)),
    aten("triu.default", label="diagonal 1 batched", self=T(2, 4, 4), diagonal=1, opsets=(9, 13, 14, 17)),
    aten("tril.default", self=T(3, 5), diagonal=-1, opsets=(9, 13, 14, 17)),
    aten(
        "tril.default", label="bool dynamic", self=Dyn(T(4, 4, dtype=torch.bool), dims=(0, 1)), opsets=(9, 11, 13, 14)
    ),
    aten("tril.default", label="int", self=T(3, 3, dtype=torch.int64), diagonal=1, opsets=(13, 14)),
    aten("flip.default", self=T(2, 3, 4), dims=[0, -1], opsets=(9, 10, 13, 17)),
    aten("flip.default", label="dynamic", self=Dyn(T(5, 3), dims=(0,)), dims=[0], opsets=(9, 10, 13)),
    aten("roll.default", self=T(4, 5), shifts=[1, -2], dims=[0, 1]),
    aten("roll.default", label="flat", self=T(3, 4), shifts=[5]),
    aten("roll.default", label="larger than size", self=T(3, 4), shifts=[7], dims=[1]),
    aten("roll.default", label="dynamic", self=Dyn(T(6, 2)), shifts=[2], dims=[0], opsets=(10, 13)),
    aten("repeat.default", self=T(2, 3), repeats=[2, 1, 3]),
    dynamic_aten(
        "repeat.default", label="dynamic", inputs={"x": Dyn(T(3, 2))}, self=T(1, 4), repeats=[SymSize("x", 0), 1]
    ),
    aten("tile.default", self=T(2, 3), dims=[2]),
    aten("tile.default", label="more dims", self=T(2, 3), dims=[2, 1, 2]),
    aten("repeat_interleave.self_int", self=T(2, 3), repeats=2, dim=1, opsets=_ALL),
    aten("repeat_interleave.self_int", label="flat", self=T(2, 3), repeats=3, opsets=_ALL),
    aten("repeat_interleave.self_int", label="dynamic", self=Dyn(T(3, 2), dims=(0, 1)), repeats=2, dim=0, opsets=_ALL),
    aten("repeat_interleave.self_Tensor", self=T(3, 2), repeats=torch.tensor([1, 0, 3]), dim=0, opsets=FROM_11),
    aten(
        "repeat_interleave.self_Tensor", label="one count", self=T(3, 2), repeats=torch.tensor([2]), dim=1, opsets=_ALL
    ),
    aten("repeat_interleave.Tensor", repeats=torch.tensor([2, 0, 1, 3]), opsets=FROM_11),
    aten("pixel_shuffle.default", self=T(2, 8, 3, 4), upscale_factor=2, opsets=(9, 10, 11, 13, 17)),
    aten(
        "pixel_shuffle.default",
        label="dynamic batch 5-d",
        self=Dyn(T(2, 1, 9, 2, 2), dims=(0,)),
        upscale_factor=3,
        opsets=(9, 11, 13),
    ),
    aten("pixel_shuffle.default", label="3-d", self=T(8, 2, 3), upscale_factor=2, opsets=(9, 13)),
    aten("pixel_unshuffle.default", self=T(2, 2, 4, 6), downscale_factor=2),
    aten("pixel_unshuffle.default", label="dynamic", self=Dyn(T(1, 3, 6, 3), dims=(0, 2, 3)), downscale_factor=3),
    aten("unflatten.int", self=T(2, 12, 3), dim=1, sizes=[3, -1]),
    aten("unflatten.int", label="dynamic", self=Dyn(T(4, 6), dims=(0,)), dim=-1, sizes=[2, 3]),
    aten("unfold.default", self=T(2, 7), dimension=1, size=3, step=2),
    aten("unfold.default", label="dim 0", self=T(6, 2), dimension=0, size=2, step=1),
    aten("unfold.default", label="dynamic", self=Dyn(T(8, 2), dims=(0,)), dimension=0, size=3, step=2, opsets=FROM_11),
    aten("diagonal.default", self=T(4, 5)),
    aten("diagonal.default", label="offset batched", self=T(2, 4, 5), offset=1, dim1=1, dim2=2),
    aten("diagonal.default", label="negative offset", self=T(4, 3, 2), offset=-1, dim1=0, dim2=1),
    aten("as_strided.default", self=T(4, 4), size=[2, 2], stride=[1, 2], storage_offset=1),
    aten("atleast_1d.default", self=torch.tensor(2.0)),
    aten("atleast_2d.default", self=T(3)),
    aten("atleast_3d.default", self=T(2, 3)),
    aten("atleast_3d.Sequence", tensors=[T(3), torch.tensor(1.0)]),
    aten("hstack.default", tensors=[T(2, 3), T(2, 1)]),
    aten("hstack.default", label="1-d", tensors=[T(2), T(3)]),
    aten("vstack.default", tensors=[T(3), T(2, 3)]),
    aten("broadcast_tensors.default", tensors=[T(3, 1), T(4), T(2, 1, 1)]),
    aten("broadcast_tensors.default", label="dynamic", tensors=[Dyn(T(3, 1)), T(1, 4)]),
    aten("meshgrid.default", tensors=[T(3), T(4)]),
    aten("meshgrid.indexing", tensors=[T(3), T(4), T(2)], indexing="xy"),
    aten("tensor_split.sections", self=T(7, 2), sections=3, opsets=(9, 13)),
    aten("tensor_split.indices", self=T(2, 7), indices=[1, -2], dim=1, opsets=(9, 13)),
    aten("unsafe_split.Tensor", self=T(5, 2), split_size=2, opsets=(9, 13)),
    aten("unsafe_split_with_sizes.default", self=T(5, 2), split_sizes=[1, 4], opsets=(9, 13)),
    aten("unsafe_chunk.default", self=T(2, 6), chunks=3, dim=1, opsets=(9, 13)),
]
