"""``autograd.Function`` subclasses with ``symbolic`` export as one node each, with the legacy calling convention."""

from __future__ import annotations

import gc
import weakref
from typing import Any, ClassVar

import numpy as np
import onnx
import pytest
import torch
from _export_helpers import assert_parity, op_types, run_ort

import onnx_migrate
from onnx_migrate.compat import autograd_interception
from onnx_migrate import _torch_compat
from onnx_migrate.errors import CaptureError, TranslationError

OPSETS = [11, 17]


class ScaleShift(torch.autograd.Function):
    """Two outputs, every kind of non-tensor argument; the symbolic records what it received."""

    received: ClassVar[list[dict[str, Any]]] = []

    @staticmethod
    def forward(ctx, x, weight, alpha, negate, mode, dims, nothing, thing):
        scaled = x * weight * alpha
        return (scaled.neg() if negate else scaled), x - weight

    @staticmethod
    def backward(ctx, grad_scaled, grad_diff):  # pragma: no cover - not exported
        return grad_scaled, -grad_diff, None, None, None, None, None, None

    @staticmethod
    def symbolic(g, x, weight, alpha, negate, mode, dims, nothing, thing):
        ScaleShift.received.append(
            {
                "alpha": alpha,
                "negate": negate,
                "mode": mode,
                "dims": dims,
                "nothing": nothing,
                "thing": thing,
                "x": x,
                "weight": weight,
            }
        )
        alpha_c = g.op("Constant", value_t=torch.tensor(alpha, dtype=torch.float32))
        scaled = g.op("Mul", g.op("Mul", x, weight), alpha_c)
        if negate:
            scaled = g.op("Neg", scaled)
        return scaled, g.op("Sub", x, weight)


class Marker:
    """An arbitrary object passed to apply: the symbolic must get this very object."""


MARKER = Marker()
scale_shift = ScaleShift.apply  # a module-level alias taken before any export, as legacy code does


class Inner(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.weight = torch.nn.Parameter(torch.randn(4))  # requires grad

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a, b = scale_shift(x, self.weight, 1.5, True, "fast", [0, 1], None, MARKER)
        return a + b.relu()


class Outer(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.inner = torch.nn.Sequential(Inner())
        self.fc = torch.nn.Linear(4, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.inner(self.fc(x))
        a, _ = ScaleShift.apply(y, self.inner[0].weight, 0.5, False, "slow", [2], None, MARKER)
        return a


@pytest.fixture(autouse=True)
def _clear_received():
    ScaleShift.received.clear()
    yield


@pytest.mark.parametrize("opset", OPSETS)
def test_each_apply_becomes_the_symbolic_with_raw_python_arguments(opset: int) -> None:
    """Test: nested modules, two calls, two outputs, inputs requiring grad; ORT matches eager."""
    model = Outer()
    x = torch.randn(3, 4, requires_grad=True)
    result = onnx_migrate.export(model, (x,), opset_version=opset, input_names=["x"], dynamic_axes={"x": {0: "n"}})
    x5 = torch.randn(5, 4)
    (got,) = run_ort(result.model_proto, {"x": x5})
    with torch.no_grad():
        np.testing.assert_allclose(got, model(x5).numpy(), atol=1e-5)
    ScaleShift.received[2:] = []  # the eager run above went through forward only
    assert len(ScaleShift.received) == 2
    first, second = ScaleShift.received
    assert (first["alpha"], first["negate"], first["mode"], first["dims"]) == (1.5, True, "fast", [0, 1])
    assert (second["alpha"], second["negate"], second["mode"], second["dims"]) == (0.5, False, "slow", [2])
    for call in (first, second):
        assert call["nothing"] is None and call["thing"] is MARKER
        assert type(call["alpha"]) is float and type(call["negate"]) is bool and type(call["dims"]) is list
        assert type(call["x"]).__name__ == "Value" and call["x"].type().varyingSizes() == [None, 4]
    ops = op_types(result.model_proto)
    assert ops.count("Neg") == 1 and ops.count("Sub") == 1  # the 2nd call's unused output is pruned
    use = next(u for u in result.report.symbolics.values() if u.op.startswith("onnx_migrate_autograd::"))
    assert use.origin.endswith("ScaleShift.symbolic") and use.custom
    assert result.report.op_counts[use.op] == 2


class ToDomain(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, k):
        return x.clamp(-k, k)

    @staticmethod
    def symbolic(g, x, k):
        out = g.op("mydomain::Bound", x, k_f=k)
        out.setType(x.type())
        return out


def test_custom_domain_node_keeps_its_attributes_and_type() -> None:
    """Test: the symbolic's custom node is in its domain, with its attribute and the input's type."""

    class Model(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return ToDomain.apply(x, 2.0) + 1

    result = onnx_migrate.export(Model(), (torch.randn(2, 5),), opset_version=13, custom_opsets={"mydomain": 2})
    proto = result.model_proto
    (node,) = [n for n in proto.graph.node if n.domain == "mydomain"]
    assert node.op_type == "Bound" and onnx.helper.get_attribute_value(node.attribute[0]) == 2.0
    assert {o.domain: o.version for o in proto.opset_import}["mydomain"] == 2


class NoSymbolic(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x.sigmoid() * 3

    @staticmethod
    def backward(ctx, grad):  # pragma: no cover
        return grad


def test_classes_without_symbolic_are_traced_through_and_reported() -> None:
    """Test: no symbolic -> the forward's ops are exported, and the report says so."""

    class Model(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return NoSymbolic.apply(x)

    result = assert_parity(Model(), (torch.randn(2, 3),), opset_version=11)
    assert "Sigmoid" in op_types(result.model_proto)
    assert any("NoSymbolic has no symbolic" in w for w in result.report.warnings)


def test_the_class_and_the_model_are_unchanged_after_export() -> None:
    """Test: after export the class's dict, torch's apply and autograd through the class are as before."""
    owner = autograd_interception.apply_owner()
    before_owner, before_class = dict(vars(owner)), dict(vars(ScaleShift))
    model = Outer()
    before_params = {k: v.detach().clone() for k, v in model.state_dict().items()}
    onnx_migrate.export(model, (torch.randn(3, 4),), opset_version=11)
    assert dict(vars(owner)) == before_owner
    assert dict(vars(ScaleShift)) == before_class
    assert all(torch.equal(v, before_params[k]) for k, v in model.state_dict().items())
    x = torch.randn(3, 4, requires_grad=True)
    model(x).sum().backward()  # eager autograd through the real Function still works
    assert x.grad is not None and model.inner[0].weight.grad is not None
    ScaleShift.received.clear()
    model(torch.randn(3, 4))
    assert ScaleShift.received == [], "eager calls never reach the symbolic"


def test_the_hook_is_removed_when_capture_fails() -> None:
    """Test: a forward that raises fails the export, and apply is restored all the same."""

    class Exploding(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            raise RuntimeError("boom in forward")

        @staticmethod
        def symbolic(g, x):  # pragma: no cover
            return x

    class Model(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return Exploding.apply(x)

    owner = autograd_interception.apply_owner()
    before_owner, before_class = dict(vars(owner)), dict(vars(Exploding))
    with pytest.raises(CaptureError, match="boom in forward"):
        onnx_migrate.export(Model(), (torch.randn(2),), opset_version=11)
    assert dict(vars(owner)) == before_owner and dict(vars(Exploding)) == before_class


def _export_with(symbolic) -> None:
    class Bad(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x + 1, x - 1

    Bad.symbolic = staticmethod(symbolic)

    class Model(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> Any:
            return Bad.apply(x)

    onnx_migrate.export(Model(), (torch.randn(2),), opset_version=11)


def test_a_symbolic_that_raises_is_named_in_the_error() -> None:
    """Test: the user's exception is chained to a TranslationError naming the Function and the opset."""

    def symbolic(g, x):
        raise KeyError("no such thing")

    with pytest.raises(TranslationError, match=r"autograd\.Function .*Bad raised KeyError.*opset 11") as info:
        _export_with(symbolic)
    assert isinstance(info.value.__cause__, KeyError)


@pytest.mark.parametrize(
    ("symbolic", "told"),
    [
        (lambda g, x: g.op("Neg", x), "returned 1 value"),
        (lambda g, x: (g.op("Neg", x), g.op("Abs", x), x), "returned 3 value"),
        (lambda g, x: None, "returned None"),
        (lambda g, x: (g.op("Neg", x), None), "including None"),
    ],
    ids=["too-few", "too-many", "none", "a-none-item"],
)
def test_a_wrong_number_of_outputs_is_a_clear_error(symbolic, told: str) -> None:
    """Test: the symbolic must return one value per tensor output of forward."""
    with pytest.raises(TranslationError, match=f"{told}.*forward returns 2 tensor"):
        _export_with(symbolic)


class WithSize(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, n):
        return x * n

    @staticmethod
    def symbolic(g, x, n):
        return g.op("Mul", x, g.op("Cast", n, to_i=onnx.TensorProto.FLOAT))


def test_dynamic_sizes_arrive_as_graph_values() -> None:
    """Test: a dynamic dim passed to apply is a 0-d int64 value in the symbolic, computed at run time."""

    class Model(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return WithSize.apply(x, x.shape[0])

    result = onnx_migrate.export(
        Model(), (torch.randn(3, 2),), opset_version=13, input_names=["x"], dynamic_axes={"x": {0: "n"}}
    )
    x = np.random.rand(5, 2).astype(np.float32)
    (got,) = run_ort(result.model_proto, {"x": x})
    np.testing.assert_allclose(got, x * 5, rtol=1e-6)


def test_onnx_migrate_keeps_no_reference_to_the_class() -> None:
    """Test: after export, a local Function class can be garbage collected (the op cache holds it weakly)."""

    def export_once() -> weakref.ref:
        class Local(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def symbolic(g, x):
                return g.op("Add", x, x)

        class Model(torch.nn.Module):
            def forward(self, x: torch.Tensor) -> torch.Tensor:
                return Local.apply(x)

        result = onnx_migrate.export(Model(), (torch.randn(2),), opset_version=13)
        assert [n.op_type for n in result.model.graph] == ["Add"]
        return weakref.ref(Local)

    ref = export_once()
    gc.collect()
    assert ref() is None
