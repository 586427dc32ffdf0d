"""Legacy-style direct calls of the later families' built-ins: positional arguments, ScalarType codes, ``out=None``.

Custom symbolics called built-ins the way the legacy modules defined them,
e.g. ``symbolic_opset11.topk(g, x, k, dim, largest, sorted, None)`` or
``symbolic_opset9.zeros(g, sizes, 6, None, None)`` (6 is ScalarType float).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from symbolic_case import Built, SymbolicCase, T, add_tensor, custom

from onnx_migrate.legacy_symbolics import symbolic_opset9, symbolic_opset11, symbolic_opset14
from onnx_migrate.legacy_symbolics.graph_context import GraphContext
from onnx_migrate.legacy_symbolics.values import ConstantValue

__all__ = ["DIRECT_CALL_CASES"]

_X = T(3, 5)


def _direct(
    build: Callable[[GraphContext, Any], Any], reference: Callable[[torch.Tensor], Any]
) -> Callable[[GraphContext], Built]:
    def build_fn(g: GraphContext) -> Built:
        value = add_tensor(g, "x", _X)
        outputs = build(g, value)
        outputs = list(outputs) if isinstance(outputs, (tuple, list)) else [outputs]
        expected = reference(_X)
        expected = list(expected) if isinstance(expected, (tuple, list)) else [expected]
        return Built(outputs, {"x": _X}, expected)

    return build_fn


_C = ConstantValue

DIRECT_CALL_CASES: list[SymbolicCase] = [
    custom(
        "aten::index_select",
        "positional",
        _direct(
            lambda g, x: symbolic_opset9.index_select(g, x, 1, g.op("Constant", value_t=torch.tensor([4, 0]))),
            lambda x: x[:, [4, 0]],
        ),
    ),
    custom(
        "aten::topk",
        "positional with out",
        _direct(
            lambda g, x: symbolic_opset11.topk(g, x, _C(2), _C(1), _C(True), _C(True), None),
            lambda x: tuple(x.topk(2, 1)),
        ),
        opsets=(11, 13),
    ),
    custom(
        "aten::sort",
        "legacy dim, descending, out",
        _direct(
            lambda g, x: symbolic_opset11.sort(g, x, _C(0), _C(True), None), lambda x: tuple(x.sort(0, descending=True))
        ),
        opsets=(11, 13),
    ),
    custom(
        "aten::arange",
        "legacy end, dtype code",
        _direct(
            lambda g, x: symbolic_opset11.arange(g, _C(4), _C(6), None, None, None),
            lambda x: torch.arange(4, dtype=torch.float32),
        ),
        opsets=(11, 13),
    ),
    custom(
        "aten::zeros",
        "legacy dtype code",
        _direct(
            lambda g, x: symbolic_opset9.zeros(g, _C([2, 2]), _C(4), None, None),
            lambda x: torch.zeros(2, 2, dtype=torch.int64),
        ),
    ),
    custom(
        "aten::triu",
        "legacy out",
        _direct(lambda g, x: symbolic_opset14.triu(g, x, _C(1), None), lambda x: x.triu(1)),
        opsets=(14, 17),
    ),
    custom(
        "aten::masked_fill",
        "python scalar",
        _direct(
            lambda g, x: symbolic_opset9.masked_fill(g, x, g.op("Greater", x, _C(0.0)), 0.5),
            lambda x: x.masked_fill(x > 0, 0.5),
        ),
    ),
]
