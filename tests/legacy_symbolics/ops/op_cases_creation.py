"""Cases for the tensor factories (``ops/creation.py``), walked by ``test_op_cases_extended.py``.

Static sizes give constants; the ``dynamic`` rows take their sizes from a
graph input's dynamic dim, which exercises ``Range`` (opset 11+) and the
``NonZero`` construction that replaces it at opsets 9-10.
"""

from __future__ import annotations

import torch
from extended_case import dynamic_aten
from symbolic_case import Built, Dyn, SymbolicCase, SymSize, T, add_tensor, aten, call_symbolic, custom

from onnx_migrate.legacy_symbolics.graph_context import GraphContext
from onnx_migrate.legacy_symbolics.values import ConstantValue, ListValue

__all__ = ["CREATION_CASES"]

_OPSETS = (9, 11, 13, 17)


def _tensor_of_scalars(g: GraphContext) -> Built:
    """The TorchScript form ``torch.tensor([x.size(0), 4])``: a list mixing graph values and constants."""
    x = T(3, 2)
    value = add_tensor(g, "x", x, dynamic=(0,))
    size = g.op("Gather", g.op("Shape", value), g.op("Constant", value_t=torch.tensor(0)), axis_i=0)
    out = call_symbolic(g, "aten::tensor", data=ListValue([size, ConstantValue(4)]))
    return Built([out], {"x": x}, [torch.tensor([3, 4])])


def _constant_tensor(op: str, dtype: torch.dtype | None) -> Built:
    def build(g: GraphContext) -> Built:
        out = call_symbolic(g, op, data=ConstantValue([[1, 2], [3, 4]]), dtype=ConstantValue(dtype))
        return Built([out], {}, [torch.tensor([[1, 2], [3, 4]], dtype=dtype)])

    return build


_X = {"x": Dyn(T(3, 5), dims=(0, 1))}

CREATION_CASES: list[SymbolicCase] = [
    aten("arange.default", end=5),
    aten("arange.start", start=2, end=9, dtype=torch.float32),
    aten("arange.start_step", start=0, end=2.5, step=0.5),
    aten("arange.start_step", label="negative step", start=5, end=-3, step=-2),
    dynamic_aten("arange.default", inputs=_X, label="dynamic", end=SymSize("x", 1), opsets=_OPSETS),
    dynamic_aten("arange.start", inputs=_X, label="dynamic float", start=0.5, end=SymSize("x", 1), opsets=_OPSETS),
    dynamic_aten(
        "arange.start_step", inputs=_X, label="dynamic step", start=1, end=SymSize("x", 1), step=2, opsets=_OPSETS
    ),
    dynamic_aten(
        "arange.start_step",
        inputs=_X,
        label="dynamic dtype",
        start=0,
        end=SymSize("x", 0),
        step=1,
        dtype=torch.float32,
        opsets=_OPSETS,
    ),
    aten("_dim_arange.default", like=Dyn(T(3, 4), dims=(1,)), dim=1, opsets=_OPSETS),
    aten("zeros.default", size=[2, 3]),
    aten("zeros.default", label="dtype", size=[2, 3], dtype=torch.int32),
    dynamic_aten("zeros.default", inputs=_X, label="dynamic", size=[SymSize("x", 0), 2]),
    aten("ones.default", size=[3], dtype=torch.bool),
    dynamic_aten("ones.default", inputs=_X, label="dynamic causal", size=[SymSize("x", 1), SymSize("x", 1)]),
    aten("empty.memory_format", size=[2, 2], ref=lambda **kw: torch.zeros(kw["size"])),
    aten("empty_strided.default", size=[2, 3], stride=[3, 1], ref=lambda **kw: torch.zeros(kw["size"])),
    aten("full.default", size=[2, 3], fill_value=1.5),
    aten("full.default", label="int", size=[4], fill_value=7),
    aten("full.default", label="bool", size=[4], fill_value=True),
    aten("full.default", label="dtype", size=[2], fill_value=3, dtype=torch.float16),
    dynamic_aten(
        "full.default", inputs=_X, label="dynamic", size=[SymSize("x", 1)], fill_value=float("-inf"), opsets=_OPSETS
    ),
    aten("zeros_like.default", self=T(2, 3)),
    aten("zeros_like.default", label="dtype", self=T(2, 3), dtype=torch.int64),
    aten("ones_like.default", self=Dyn(T(2, 3, dtype=torch.int32))),
    aten("empty_like.default", self=T(2, 3), ref=lambda **kw: torch.zeros_like(kw["self"])),
    aten("full_like.default", self=Dyn(T(2, 3)), fill_value=-2.5),
    aten("full_like.default", label="int", self=T(4, dtype=torch.int64), fill_value=3),
    aten("new_zeros.default", self=T(2, dtype=torch.int32), size=[3, 1]),
    aten("new_ones.default", self=T(2), size=[2, 2]),
    aten("new_full.default", self=T(2, dtype=torch.float64), size=[3], fill_value=4),
    aten("new_empty.default", self=T(2), size=[2], ref=lambda **kw: torch.zeros(kw["size"])),
    aten("fill.Scalar", self=T(2, 3), value=0.25),
    aten("fill.Tensor", self=T(2, 3, dtype=torch.int64), value=torch.tensor(5)),
    aten("zero.default", self=T(2, 3)),
    aten("scalar_tensor.default", s=3),
    aten("scalar_tensor.default", label="dtype", s=2.5, dtype=torch.float64),
    aten("lift.default", self=T(3)),
    custom("aten::tensor", "list of values", _tensor_of_scalars),
    custom("aten::tensor", "constant", lambda g: _constant_tensor("aten::tensor", None)(g)),
    custom("aten::as_tensor", "dtype", lambda g: _constant_tensor("aten::as_tensor", torch.float32)(g)),
    aten("linspace.default", start=-1.0, end=2.0, steps=7),
    aten("linspace.Tensor_Tensor", start=torch.tensor(-1.0), end=torch.tensor(3.0), steps=9, opsets=_OPSETS),
    aten("linspace.default", label="int", start=0, end=10, steps=4, dtype=torch.int64),
    aten("logspace.default", start=0.0, end=2.0, steps=5, base=10.0, tolerance=1e-3),
    aten("logspace.Tensor_Tensor", start=torch.tensor(0.0), end=torch.tensor(1.0), steps=4, base=2.0, opsets=_OPSETS),
    aten("eye.default", n=3),
    aten("eye.m", n=2, m=4, dtype=torch.int64),
    dynamic_aten("eye.m", inputs=_X, label="dynamic", n=SymSize("x", 0), m=SymSize("x", 1)),
    aten("hann_window.default", window_length=8),
    aten("hann_window.periodic", window_length=6, periodic=False),
    dynamic_aten(
        "hann_window.periodic",
        inputs=_X,
        label="dynamic",
        window_length=SymSize("x", 1),
        periodic=True,
        opsets=(11, 13, 17),
    ),
]
