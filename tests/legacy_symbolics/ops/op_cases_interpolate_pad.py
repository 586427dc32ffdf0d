"""Test cases for ``ops/interpolate_pad.py``: ``upsample_*``, ``grid_sampler`` and the padding ops.

Walked by ``test_op_cases_interpolate_pad.py`` with the harness of
``symbolic_case.py``. Each upsample op is checked in both overloads torch.export
produces: ``.vec`` (before decomposition: ``output_size`` or ``scale_factors``)
and the default one (after it: ``output_size`` plus per-dim scales). Opset 9
and 10 (``Upsample``/``Resize-10``) only express nearest and, inexactly, linear
upsampling; cases say where that limit applies.
"""

from __future__ import annotations

import torch
from symbolic_case import FROM_11, Built, SymbolicCase, T, add_tensor, aten, call_symbolic, custom

from onnx_migrate.legacy_symbolics.graph_context import GraphContext
from onnx_migrate.legacy_symbolics.values import ConstantValue, ListValue

__all__ = ["INTERPOLATE_PAD_CASES"]

_LOW = (9, 10, 11, 13, 17)
_NEAREST_EXACT = "nearest upsampling by integer factors is exact in Upsample-9/Resize-10"


def _dynamic_size_resize(g: GraphContext) -> Built:
    """``upsample_bilinear2d`` (default overload) to an output size computed from a dynamic input dim."""
    x = T(1, 2, 4, 5)
    value = add_tensor(g, "x", x, dynamic=(2, 3))
    shape = g.op("Shape", value)
    doubled = [
        g.op("Mul", g.op("Gather", shape, g.op("Constant", value_t=torch.tensor(d)), axis_i=0), 2) for d in (2, 3)
    ]
    out = call_symbolic(
        g,
        "aten::upsample_bilinear2d",
        self=value,
        output_size=ListValue(doubled),
        align_corners=ConstantValue(False),
        scales_h=ConstantValue(None),
        scales_w=ConstantValue(None),
    )
    return Built([out], {"x": x}, [torch.ops.aten.upsample_bilinear2d.default(x, [8, 10], False)])


def _positional(op: str, args: tuple[object, ...], reference: torch.Tensor, x: torch.Tensor):
    """A case calling the symbolic positionally, as the translator does (``.default`` scales as trailing args)."""

    def build(g: GraphContext) -> Built:
        value = add_tensor(g, "x", x)
        lookup_args = [ConstantValue(a) for a in args]
        from symbolic_case import builtin_registry

        entry = builtin_registry().lookup(op, g.opset).entry
        assert entry is not None
        return Built([entry.fn(g, value, *lookup_args)], {"x": x}, [reference])

    return build


_X2 = T(1, 2, 4, 5)
_X1 = T(2, 3, 6)
_X3 = T(1, 2, 3, 4, 2)

UPSAMPLE_CASES: list[SymbolicCase] = [
    # nearest: every opset
    aten("upsample_nearest2d.vec", input=_X2, output_size=None, scale_factors=[2.0, 3.0], opsets=_LOW),
    aten("upsample_nearest2d.vec", label="size", input=_X2, output_size=[8, 10], scale_factors=None, opsets=_LOW),
    aten(
        "upsample_nearest2d.vec",
        label="downsample",
        input=T(1, 1, 8, 8),
        output_size=[3, 5],
        scale_factors=None,
        opsets=FROM_11,
    ),
    aten(
        "upsample_nearest2d.vec",
        label="halve",
        input=T(1, 1, 8, 6),
        output_size=[4, 3],
        scale_factors=None,
        opsets=(10, 13),
    ),
    aten("upsample_nearest2d.default", self=_X2, output_size=[8, 15], scales_h=2.0, scales_w=3.0, opsets=_LOW),
    aten("upsample_nearest2d.default", label="size only", self=_X2, output_size=[7, 9], opsets=FROM_11),
    aten("upsample_nearest1d.vec", input=_X1, output_size=None, scale_factors=[2.0], opsets=_LOW),
    aten("upsample_nearest1d.default", self=_X1, output_size=[12], scales=2.0, opsets=_LOW),
    aten("upsample_nearest3d.vec", input=_X3, output_size=None, scale_factors=[2.0, 1.0, 2.0], opsets=_LOW),
    aten("upsample_nearest3d.default", self=_X3, output_size=[5, 7, 3]),
    aten("_upsample_nearest_exact2d.vec", input=_X2, output_size=[7, 3], scale_factors=None, opsets=FROM_11),
    aten("_upsample_nearest_exact1d.vec", input=_X1, output_size=None, scale_factors=[1.5], opsets=FROM_11),
    aten("_upsample_nearest_exact3d.default", self=_X3, output_size=[6, 5, 4], opsets=FROM_11),
    # linear family: exact from opset 11
    aten(
        "upsample_bilinear2d.vec",
        input=_X2,
        output_size=None,
        align_corners=False,
        scale_factors=[2.0, 2.0],
        opsets=FROM_11,
    ),
    aten(
        "upsample_bilinear2d.vec",
        label="align_corners",
        input=_X2,
        output_size=[7, 9],
        align_corners=True,
        scale_factors=None,
        opsets=FROM_11,
    ),
    aten(
        "upsample_bilinear2d.vec",
        label="downsample",
        input=T(1, 2, 9, 8),
        output_size=[4, 3],
        align_corners=False,
        scale_factors=None,
        opsets=FROM_11,
    ),
    aten(
        "upsample_bilinear2d.default",
        self=_X2,
        output_size=[10, 12],
        align_corners=False,
        scales_h=2.5,
        scales_w=2.5,
        opsets=FROM_11,
    ),
    aten(
        "upsample_linear1d.vec", input=_X1, output_size=None, align_corners=False, scale_factors=[2.0], opsets=FROM_11
    ),
    aten("upsample_linear1d.default", self=_X1, output_size=[11], align_corners=True, opsets=FROM_11),
    aten(
        "upsample_trilinear3d.vec",
        input=_X3,
        output_size=None,
        align_corners=False,
        scale_factors=[2.0, 2.0, 2.0],
        opsets=FROM_11,
    ),
    aten("upsample_trilinear3d.default", self=_X3, output_size=[4, 4, 4], align_corners=True, opsets=FROM_11),
    aten(
        "upsample_bicubic2d.vec",
        input=_X2,
        output_size=None,
        align_corners=False,
        scale_factors=[2.0, 1.5],
        opsets=FROM_11,
    ),
    aten("upsample_bicubic2d.default", self=_X2, output_size=[6, 6], align_corners=True, opsets=FROM_11),
    aten(
        "_upsample_bilinear2d_aa.vec",
        input=T(1, 2, 12, 10),
        output_size=[5, 4],
        align_corners=False,
        scale_factors=None,
        opsets=(18, 20),
        tolerance=1e-3,
    ),
    aten(
        "_upsample_bicubic2d_aa.vec",
        input=T(1, 2, 12, 10),
        output_size=[5, 4],
        align_corners=False,
        scale_factors=None,
        opsets=(18, 20),
        tolerance=1e-3,
    ),
    # opset 9/10 linear: exported with a warning, as the legacy exporter did; the values differ.
    aten(
        "upsample_bilinear2d.vec",
        label="opset 10 asymmetric",
        input=_X2,
        output_size=None,
        align_corners=False,
        scale_factors=[2.0, 2.0],
        opsets=(9, 10),
    ).xfail(
        "Upsample-9/Resize-10 use asymmetric coordinates, PyTorch half-pixel ones (the legacy exporter warned the same)"
    ),
    custom("aten::upsample_bilinear2d", "dynamic output size", _dynamic_size_resize, opsets=FROM_11),
    custom(
        "aten::upsample_nearest2d",
        "positional default overload",
        _positional(
            "aten::upsample_nearest2d",
            ([8, 10], 2.0, 2.0),
            torch.ops.aten.upsample_nearest2d.default(_X2, [8, 10], 2.0, 2.0),
            _X2,
        ),
        opsets=(9, 13),
    ),
    custom(
        "aten::upsample_linear1d",
        "positional vec overload",
        _positional(
            "aten::upsample_linear1d",
            (None, False, [3.0]),
            torch.ops.aten.upsample_linear1d.vec(_X1, None, False, [3.0]),
            _X1,
        ),
        opsets=FROM_11,
    ),
]

_GRID_X = T(1, 2, 5, 6)
_GRID = T(1, 4, 3, 2, low=-1.2, high=1.2)

GRID_SAMPLE_CASES: list[SymbolicCase] = [
    aten(
        "grid_sampler.default",
        input=_GRID_X,
        grid=_GRID,
        interpolation_mode=0,
        padding_mode=0,
        align_corners=False,
        opsets=(16, 20),
    ),
    aten(
        "grid_sampler.default",
        label="nearest border",
        input=_GRID_X,
        grid=_GRID,
        interpolation_mode=1,
        padding_mode=1,
        align_corners=True,
        opsets=(16, 20),
    ),
    aten(
        "grid_sampler.default",
        label="bicubic reflection",
        input=_GRID_X,
        grid=_GRID,
        interpolation_mode=2,
        padding_mode=2,
        align_corners=False,
        opsets=(16, 20),
        tolerance=1e-3,
    ),
    aten(
        "grid_sampler_2d.default",
        input=_GRID_X,
        grid=_GRID,
        interpolation_mode=0,
        padding_mode=2,
        align_corners=True,
        opsets=(16, 20),
    ),
    aten(
        "grid_sampler_3d.default",
        input=T(1, 2, 3, 4, 5),
        grid=T(1, 2, 3, 2, 3, low=-1, high=1),
        interpolation_mode=0,
        padding_mode=0,
        align_corners=False,
        opsets=(20,),
    ),
]

_P = T(1, 2, 4, 5)

PAD_CASES: list[SymbolicCase] = [
    aten("constant_pad_nd.default", self=_P, pad=[1, 2, 0, 1], value=0.5, opsets=_LOW),
    aten("constant_pad_nd.default", label="negative crops", self=_P, pad=[-1, 2], value=0.0, opsets=_LOW),
    aten("constant_pad_nd.default", label="int", self=T(2, 5, dtype=torch.int64), pad=[2, 1], value=7, opsets=_LOW),
    aten("constant_pad_nd.default", label="batch dims too", self=T(2, 3), pad=[1, 1, 2, 0], value=-1.0, opsets=_LOW),
    aten("reflection_pad1d.default", self=T(2, 3, 6), padding=[2, 3], opsets=_LOW),
    aten("reflection_pad2d.default", self=_P, padding=[1, 2, 3, 0], opsets=_LOW),
    aten("reflection_pad3d.default", self=T(1, 1, 3, 4, 5), padding=[1, 1, 2, 0, 1, 2], opsets=_LOW),
    aten("replication_pad1d.default", self=T(2, 3, 6), padding=[3, 1], opsets=_LOW),
    aten("replication_pad2d.default", self=_P, padding=[2, 2, 1, 0], opsets=_LOW),
    aten("replication_pad3d.default", self=T(1, 1, 3, 4, 5), padding=[0, 1, 2, 1, 1, 0], opsets=_LOW),
    aten("pad.default", self=_P, pad=[1, 2, 0, 1], mode="constant", value=1.5, opsets=_LOW),
    aten("pad.default", label="default value", self=_P, pad=[1, 1], mode="constant", opsets=_LOW),
    aten("pad.default", label="reflect", self=_P, pad=[2, 1, 1, 2], mode="reflect", opsets=_LOW),
    aten("pad.default", label="replicate", self=T(2, 3, 5), pad=[1, 4], mode="replicate", opsets=_LOW),
    aten("pad.default", label="circular", self=_P, pad=[1, 2, 3, 0], mode="circular", opsets=(9, 11, 13, 18, 19, 20)),
    aten("pad.default", label="circular 1d", self=T(2, 3, 5), pad=[2, 2], mode="circular", opsets=(9, 19)),
    aten("_pad_circular.default", self=T(1, 2, 3, 4, 5), pad=[1, 1, 2, 0, 0, 1], opsets=(9, 13, 19)),
    aten("_pad_circular.default", label="negative", self=_P, pad=[-1, 2, 1, -1], opsets=(9, 13)),
]


def _dynamic_pad(g: GraphContext) -> Built:
    """``constant_pad_nd`` with a pad size known only at run time (a SymInt): ``Pad``'s pads input (opset 11+)."""
    x = T(2, 3, 4)
    value = add_tensor(g, "x", x, dynamic=(1,))
    size = g.op("Gather", g.op("Shape", value), g.op("Constant", value_t=torch.tensor(1)), axis_i=0)
    out = call_symbolic(
        g, "aten::constant_pad_nd", self=value, pad=ListValue([ConstantValue(1), size]), value=ConstantValue(0.25)
    )
    return Built([out], {"x": x}, [torch.ops.aten.constant_pad_nd(x, [1, 3], 0.25)])


PAD_CASES.append(custom("aten::constant_pad_nd", "dynamic pad", _dynamic_pad, opsets=FROM_11))

INTERPOLATE_PAD_CASES: list[SymbolicCase] = [*UPSAMPLE_CASES, *GRID_SAMPLE_CASES, *PAD_CASES]
