"""The later families refuse what ONNX cannot express, naming the op, the opset and the way out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import torch
from symbolic_case import Dyn, T, build_call, builtin_registry

from onnx_migrate.errors import OnnxMigrateError, SymbolicValueError, UnsupportedSymbolicError
from onnx_migrate.legacy_symbolics.graph_context import GraphContext
from onnx_migrate.legacy_symbolics.values import ConstantValue


def _call(op: str, opset: int, **kwargs: Any) -> Callable[[], Any]:
    def run() -> Any:
        g = GraphContext.create(opset)
        symbolic, _ = build_call(g, kwargs, {})
        entry = builtin_registry().lookup(op, opset).entry
        assert entry is not None
        return entry.fn(g, **symbolic)

    return run


ERROR_CASES = [
    pytest.param(
        _call("aten::index_put", 9, self=T(4, 5), indices=[torch.tensor([0, 1]), torch.tensor([2, 3])], values=T(2)),
        UnsupportedSymbolicError,
        ["aten::index_put", "9", "opset_version >= 11"],
        id="index_put with two indices before ScatterND",
    ),
    pytest.param(
        _call("aten::scatter", 13, self=T(2, 4), dim=1, index=torch.tensor([[0], [1]]), src=T(2, 1), reduce="multiply"),
        UnsupportedSymbolicError,
        ["aten::scatter", "13", "opset 16"],
        id="scatter reduce before opset 16",
    ),
    pytest.param(
        _call("aten::scatter_reduce", 17, self=T(3), dim=0, index=torch.tensor([0]), src=T(1), reduce="amax"),
        UnsupportedSymbolicError,
        ["aten::scatter_reduce", "17", "opset 18"],
        id="scatter_reduce amax before opset 18",
    ),
    pytest.param(
        _call("aten::diagonal", 13, self=Dyn(T(3, 3), dims=(0, 1))),
        SymbolicValueError,
        ["aten::diagonal", "static sizes"],
        id="diagonal of dynamic dims",
    ),
    pytest.param(
        _call("aten::multinomial", 13, self=T(2, 3, low=0.1, high=1), num_samples=2),
        UnsupportedSymbolicError,
        ["aten::multinomial", "replacement=True"],
        id="multinomial without replacement",
    ),
    pytest.param(
        _call("aten::cross_entropy_loss", 13, self=T(2, 3), target=torch.tensor([0, 2]), label_smoothing=0.1),
        UnsupportedSymbolicError,
        ["aten::cross_entropy_loss", "label_smoothing"],
        id="cross entropy with label smoothing",
    ),
    pytest.param(
        _call("aten::linalg_matrix_norm", 13, self=T(3, 3), ord=2),
        UnsupportedSymbolicError,
        ["aten::linalg_matrix_norm", "singular values"],
        id="spectral matrix norm",
    ),
    pytest.param(
        _call("aten::topk", 9, self=T(4), k=Dyn(torch.tensor(2), dims=())),
        UnsupportedSymbolicError,
        ["aten::topk", "9", "10"],
        id="run-time k before opset 10",
    ),
    pytest.param(
        _call("aten::cumprod", 10, self=Dyn(T(3, 4), dims=(1,)), dim=1),
        UnsupportedSymbolicError,
        ["aten::cumprod", "10", "opset 11"],
        id="cumprod over a dynamic dim before CumSum",
    ),
]


@pytest.mark.parametrize(("call", "error", "fragments"), ERROR_CASES)
def test_unsupported_forms_raise_helpful_errors(call: Callable[[], Any], error: type, fragments: list[str]) -> None:
    with pytest.raises(error) as raised:
        call()
    assert isinstance(raised.value, OnnxMigrateError)
    message = str(raised.value)
    for fragment in fragments:
        assert fragment in message, message


@pytest.mark.parametrize(
    ("op", "opset", "serving"),
    [
        ("aten::einsum", 11, None),
        ("aten::einsum", 13, 12),
        ("aten::masked_scatter", 10, None),
        ("aten::triu", 13, 9),
        ("aten::triu", 14, 14),
        ("aten::scatter_reduce", 17, 16),
        ("aten::scatter_reduce", 20, 18),
        ("aten::nll_loss", 11, None),
        ("aten::index_put", 17, 16),
        ("aten::topk", 10, 10),
        ("aten::linalg_det", 11, 11),
    ],
)
def test_opset_variants_of_the_later_families(op: str, opset: int, serving: int | None) -> None:
    """Ops that need a newer ONNX op are not registered below it, so an export decomposes them instead."""
    entry = builtin_registry().lookup(op, opset).entry
    assert (entry.opset if entry is not None else None) == serving


def test_python_constant_list_is_not_a_tensor_index() -> None:
    g = GraphContext.create(13)
    x = g.add_input("x", torch.float32, [3])
    entry = builtin_registry().lookup("aten::index", 13).entry
    assert entry is not None
    with pytest.raises(SymbolicValueError, match="no tensor"):
        entry.fn(g, x, ConstantValue([None]))
