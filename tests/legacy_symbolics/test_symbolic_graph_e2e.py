"""End to end: a graph built only by calling legacy-style symbolic functions.

The symbolics below are written the way custom symbolics were written for the
TorchScript exporter: ``g.op`` with Python scalars, several outputs, a custom
domain op with ``setType``, and shapes read with ``x.type().sizes()``. They run
on typed graph inputs (no model capture), and the result must pass the ONNX
checker and compute the same numbers as PyTorch in ONNX Runtime, at opsets 9,
13 and 20.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import onnx
import onnx_ir as ir
import pytest
import torch

from onnx_migrate.legacy_symbolics.graph_context import GraphContext
from onnx_migrate.legacy_symbolics.values import ConstantValue, Value

# -- legacy-style symbolic functions (kwargs named after the ATen schema) --------------------------


def add(g: GraphContext, self: Value, other: Value, alpha: ConstantValue) -> Value:
    """aten::add: ``self + alpha * other`` with ``alpha`` a Python scalar."""
    return g.op("Add", self, g.op("Mul", other, alpha))


def rsub(g: GraphContext, self: Value, other: ConstantValue, alpha: ConstantValue) -> Value:
    """aten::rsub.Scalar: ``other - alpha * self``; an int ``alpha`` meets a float tensor."""
    return g.op("Sub", other, g.op("Mul", self, alpha))


def split_halves(g: GraphContext, self: Value, dim: ConstantValue) -> tuple[Value, Value]:
    """Two halves along ``dim``: several outputs, the split sizes read from the static shape."""
    axis = dim.node().i("value")
    half = self.type().sizes()[axis] // 2
    if g.opset < 13:
        return g.op("Split", self, axis_i=axis, split_i=[half, half], outputs=2)
    return g.op("Split", self, [half, half], axis_i=axis, outputs=2)


def flatten_last_two(g: GraphContext, self: Value) -> Value:
    """Merge the last two dims, reading ``x.type().sizes()`` as many custom symbolics do."""
    sizes = self.type().sizes()
    return g.op("Reshape", self, [*sizes[:-2], sizes[-2] * sizes[-1]])


def fast_gelu(g: GraphContext, self: Value) -> Value:
    """A custom-domain op; legacy advice: give it the input's type so shapes flow on."""
    out = g.op("mylib::FastGelu", self, alpha_f=1.702)
    out.setType(self.type())
    return out


# -- helpers ---------------------------------------------------------------------------------------


def _lower_fast_gelu(graph: ir.Graph) -> int:
    """Replace every ``mylib::FastGelu`` by ``x * Sigmoid(alpha * x)`` so ONNX Runtime can run it."""
    lowered = 0
    for node in list(graph):
        if node.domain != "mylib" or node.op_type != "FastGelu":
            continue
        (x,) = node.inputs
        assert x is not None and x.dtype == ir.DataType.FLOAT
        alpha = ir.tensor(np.array(node.attributes["alpha"].as_float(), dtype=np.float32))
        alpha_node = ir.node("Constant", [], {"value": alpha})
        scaled = ir.node("Mul", [x, alpha_node.outputs[0]])
        gate = ir.node("Sigmoid", [scaled.outputs[0]])
        product = ir.node("Mul", [x, gate.outputs[0]])
        graph.insert_before(node, [alpha_node, scaled, gate, product])
        old, new = node.outputs[0], product.outputs[0]
        new.dtype, new.shape, new.name = old.dtype, old.shape, old.name
        old.name = None
        ir.convenience.replace_all_uses_with(old, new, replace_graph_outputs=True)
        graph.remove(node, safe=True)
        lowered += 1
    graph.opset_imports.pop("mylib", None)
    return lowered


def _expected(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    tx, ty = torch.from_numpy(x), torch.from_numpy(y)
    b = 1.0 - 2 * torch.add(tx, ty, alpha=0.5)
    lo, hi = torch.chunk(b, 2, dim=2)
    return lo.reshape(2, 6).numpy(), (hi * torch.sigmoid(1.702 * hi)).numpy()


@pytest.mark.parametrize("opset", [9, 13, 20])
def test_graph_built_from_symbolics_checks_and_runs(opset: int, to_model: Any, run_model: Any) -> None:
    g = GraphContext.create(opset)
    x = g.add_input("x", torch.float32, [2, 2, 6])
    y = g.add_input("y", torch.float32, [2, 2, 6])

    a = add(g, self=x, other=y, alpha=ConstantValue(0.5))
    b = rsub(g, self=a, other=ConstantValue(1.0), alpha=ConstantValue(2))
    lo, hi = split_halves(g, self=b, dim=ConstantValue(2))
    flat = flatten_last_two(g, self=lo)
    gelu = fast_gelu(g, self=hi)

    # Every value a later symbolic could read knows its type.
    assert b.type().sizes() == [2, 2, 6] and b.type().scalarType() == "Float"
    assert lo.type().sizes() == [2, 2, 3] and hi.type().sizes() == [2, 2, 3]
    assert flat.type().sizes() == [2, 6] and flat.type().dtype() == torch.float32
    assert gelu.type().sizes() == [2, 2, 3] and gelu.node().kind() == "mylib::FastGelu"
    assert g.builder is not None and g.builder.used_domains == {"mylib": 1}
    scalar_types = {
        n.attributes["value"].as_tensor().dtype
        for n in g.graph
        if n.op_type == "Constant" and n.outputs[0].shape == ir.Shape([])
    }
    assert scalar_types == {ir.DataType.FLOAT}, "Python scalars must take the type of the tensor they meet"

    as_built = to_model(g, [flat, gelu], check=False)
    assert {(o.domain, o.version) for o in as_built.opset_import} == {("", opset), ("mylib", 1)}
    onnx.checker.check_model(as_built, full_check=True)  # custom domains are allowed as they are

    assert _lower_fast_gelu(g.graph) == 1
    model = ir.serde.serialize_model(ir.Model(g.graph, ir_version=8))
    onnx.checker.check_model(model, full_check=True)
    assert [o.domain for o in model.opset_import] == [""]

    rng = np.random.default_rng(opset)
    x_data = rng.standard_normal((2, 2, 6)).astype(np.float32)
    y_data = rng.standard_normal((2, 2, 6)).astype(np.float32)
    got_flat, got_gelu = run_model(model, x=x_data, y=y_data)
    want_flat, want_gelu = _expected(x_data, y_data)
    np.testing.assert_allclose(got_flat, want_flat, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(got_gelu, want_gelu, rtol=1e-5, atol=1e-6)
