"""Built-in symbolics refuse what ONNX cannot express with errors that name the op, the opset and the way out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import torch
from symbolic_case import Dyn, T, build_call, builtin_registry

from onnx_migrate.errors import OnnxMigrateError, SymbolicValueError, UnsupportedSymbolicError
from onnx_migrate.legacy_symbolics.graph_context import GraphContext


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
        _call("aten::bitwise_and", 17, self=T(4, dtype=torch.int32), other=T(4, dtype=torch.int32)),
        UnsupportedSymbolicError,
        ["aten::bitwise_and", "17", "opset 18"],
        id="bitwise_and of ints before opset 18",
    ),
    pytest.param(
        _call("aten::adaptive_avg_pool2d", 13, self=T(1, 2, 7, 5), output_size=[3, 2]),
        UnsupportedSymbolicError,
        ["aten::adaptive_avg_pool2d", "output_size [3, 2]"],
        id="adaptive pool with sizes that do not divide",
    ),
    pytest.param(
        _call(
            "aten::max_pool2d",
            9,
            self=T(1, 1, 6, 6),
            kernel_size=[2, 2],
            stride=[1, 1],
            padding=[0, 0],
            dilation=[2, 2],
            ceil_mode=False,
        ),
        UnsupportedSymbolicError,
        ["aten::max_pool2d", "opset 10"],
        id="max_pool dilation at opset 9",
    ),
    pytest.param(
        _call(
            "aten::max_pool2d",
            9,
            self=Dyn(T(1, 1, 6, 6), dims=(2, 3)),
            kernel_size=[2, 2],
            stride=[2, 2],
            padding=[0, 0],
            dilation=[1, 1],
            ceil_mode=True,
        ),
        UnsupportedSymbolicError,
        ["aten::max_pool2d", "ceil_mode", "opset 10"],
        id="ceil_mode with dynamic sizes at opset 9",
    ),
    pytest.param(
        _call("aten::slice", 9, self=T(4, 6), dim=1, start=0, end=6, step=2),
        UnsupportedSymbolicError,
        ["aten::slice", "opset 10"],
        id="slice step at opset 9",
    ),
    pytest.param(
        _call("aten::feature_dropout", 13, input=T(2, 3), p=0.5, train=True),
        UnsupportedSymbolicError,
        ["aten::feature_dropout", "eval mode"],
        id="feature_dropout in training",
    ),
    pytest.param(
        _call("aten::div", 13, self=T(3), other=T(3), rounding_mode="round"),
        SymbolicValueError,
        ["aten::div", "'floor' or 'trunc'"],
        id="unknown rounding mode",
    ),
    pytest.param(
        _call("aten::chunk", 13, self=Dyn(T(4, 2)), chunks=2, dim=0),
        SymbolicValueError,
        ["aten::chunk", "static size of dim 0"],
        id="chunk of a dynamic dim",
    ),
    pytest.param(
        _call("aten::glu", 13, self=T(3, 5), dim=-1),
        SymbolicValueError,
        ["aten::glu", "odd size 5"],
        id="glu of an odd dim",
    ),
    pytest.param(
        _call(
            "aten::batch_norm",
            13,
            input=Dyn(T(2, 3, 4), dims=(1,)),
            weight=None,
            bias=None,
            running_mean=T(3),
            running_var=T(3),
            training=False,
            momentum=0.1,
            eps=1e-5,
            cudnn_enabled=True,
        ),
        SymbolicValueError,
        ["batch_norm", "channel count"],
        id="batch_norm without weight on a dynamic channel dim",
    ),
]


@pytest.mark.parametrize(("call", "error", "fragments"), ERROR_CASES)
def test_unsupported_calls_raise_clear_errors(
    call: Callable[[], Any], error: type[Exception], fragments: list[str]
) -> None:
    """Test: the error is one of ours (a torch OnnxExporterError) and names the op, opset and remedy."""
    with pytest.raises(error) as caught:
        call()
    assert isinstance(caught.value, OnnxMigrateError)
    message = str(caught.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
