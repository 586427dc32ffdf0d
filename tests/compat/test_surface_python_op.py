"""``prim::PythonOp`` custom symbolics: one symbolic for every ``autograd.Function`` without its own.

Deployment toolkits register a single handler (NVIDIA's DL4AGX ``custom_handler``
style) that dispatches on ``kwargs["name"]`` and reads the node from
``g.original_node`` (``pyobj()``, ``cconv()``, ``scalar_args()``, attributes
through ``symbolic_helper._node_get``). Exports go through ``install()`` +
``torch.onnx.export(..., dynamo=False)``.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pytest
import torch
import torch.onnx
from _surface_helpers import attribute, load_checked, nodes, run

from onnx_migrate.compat.install import install
from onnx_migrate.errors import UnsupportedSymbolicError


class Swish(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, beta):
        return x * torch.sigmoid(beta * x)

    @staticmethod
    def backward(ctx, grad):  # pragma: no cover - not exported
        return grad, None


class Unknown(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x + 1


class HasSymbolic(torch.autograd.Function):
    seen: ClassVar[dict] = {}

    @staticmethod
    def forward(ctx, x):
        return -x

    @staticmethod
    def symbolic(g, x):
        node = g.original_node
        HasSymbolic.seen.update(kind=node.kind(), pyobj=node.pyobj(), cconv=node.cconv())
        return g.op("Neg", x)


HANDLERS = []


def register(callback):
    HANDLERS.append(callback)
    return callback


def custom_handler(g, *args, **kwargs):
    """One symbolic for every Function: the first callback that returns something wins."""
    from torch.onnx import symbolic_helper as sym_help

    for callback in HANDLERS:
        result = callback(g, *args, **kwargs)
        if result is not None:
            return result
    return sym_help._unimplemented(kwargs["name"], "no handler for this autograd.Function")


@register
def swish_handler(g, *args, **kwargs):
    if kwargs["name"] != "Swish":
        return None
    from torch.onnx import symbolic_helper as sym_help

    x, beta = args

    node = g.original_node
    assert node.pyobj() is Swish and node.pyname() == "Swish" and node.cconv() == "dc"
    assert node.scalar_args() == [beta] and isinstance(beta, float)
    assert sym_help._node_get(node, "name") == "Swish" and node.s("module") == __name__ and node.i("inplace") == 0
    (out,) = node.outputs()
    assert out.type().scalarType() == "Float" and out.type().sizes() == [2, 3] and node.outputsSize() == 1
    return g.op("custom::Swish", x, beta_f=beta).setType(x.type())


class Model(torch.nn.Module):
    def forward(self, x):
        return HasSymbolic.apply(Swish.apply(x, 1.5))


def test_a_dispatching_python_op_handler_exports_the_function(registry_scope, tmp_path) -> None:
    """Test: the handler sees the legacy node (pyobj, cconv, scalar_args, attributes, typed outputs)."""
    path = tmp_path / "swish.onnx"
    HasSymbolic.seen.clear()
    with install():
        torch.onnx.register_custom_op_symbolic("prim::PythonOp", custom_handler, 1)
        torch.onnx.export(Model(), (torch.randn(2, 3),), str(path), opset_version=17, dynamo=False)
    model = load_checked(path)
    (swish,) = nodes(model, "Swish", "custom")
    assert attribute(swish, "beta") == 1.5
    assert len(nodes(model, "Neg")) == 1
    assert HasSymbolic.seen == {"kind": "prim::PythonOp", "pyobj": HasSymbolic, "cconv": "d"}


def test_an_unhandled_function_fails_with_the_handlers_error(registry_scope, tmp_path) -> None:
    """Test: the handler's _unimplemented error reaches the user, naming the Function and the handler."""

    class UnknownModel(torch.nn.Module):
        def forward(self, x):
            return Unknown.apply(x)

    with install():
        torch.onnx.register_custom_op_symbolic("prim::PythonOp", custom_handler, 1)
        with pytest.raises(UnsupportedSymbolicError, match="Unknown") as raised:
            torch.onnx.export(UnknownModel(), (torch.randn(2),), str(tmp_path / "x.onnx"), opset_version=17, dynamo=False)
    assert any("prim::PythonOp symbolic" in note and "custom_handler" in note for note in raised.value.__notes__)


def test_a_python_op_symbolic_above_the_export_opset_is_not_used(registry_scope, tmp_path) -> None:
    """Test: registered at opset 13 and exported at 11, nothing serves prim::PythonOp: the Function is inlined."""
    path = tmp_path / "inlined.onnx"
    x = torch.randn(2, 3)
    with install():
        torch.onnx.register_custom_op_symbolic("prim::PythonOp", custom_handler, 13)
        torch.onnx.export(Model(), (x,), str(path), opset_version=11, dynamo=False)
    model = load_checked(path)
    assert not nodes(model, "Swish", "custom") and nodes(model, "Sigmoid")
    np.testing.assert_allclose(run(model, x)[0], Model()(x).numpy(), rtol=1e-5, atol=1e-6)
