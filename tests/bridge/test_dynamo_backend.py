"""``onnx_migrate.export(..., backend="dynamo")`` end to end: torch's new exporter with bridged symbolics.

Real ``torch.onnx.export(dynamo=True)``, the ONNX checker and ONNX Runtime. The
dynamo exporter takes about a second per export, so the models are tiny and
each test checks several things of one export.
"""

from __future__ import annotations

import traceback
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxscript
import pytest
import torch
from onnxscript import opset18 as op

import onnx_migrate
from onnx_migrate.errors import OnnxMigrateWarning, TranslationError
from onnx_migrate.legacy_symbolics import symbolic_helper as sh
from onnx_migrate.legacy_symbolics.registry import SymbolicRegistry
from onnx_migrate.legacy_symbolics.scalar_types import JitScalarType


@torch.library.custom_op("onnx_migrate_bridge_test::scaled_add", mutates_args=())
def scaled_add(x: torch.Tensor, y: torch.Tensor, alpha: float = 1.0) -> torch.Tensor:
    return x + alpha * y


@scaled_add.register_fake
def _scaled_add_fake(x: torch.Tensor, y: torch.Tensor, alpha: float = 1.0) -> torch.Tensor:
    return torch.empty_like(x)


@sh.parse_args("v", "v", "f")
def scaled_add_symbolic(g: Any, x: Any, y: Any, alpha: float) -> Any:
    return g.op("Add", x, g.op("Mul", y, alpha))


def contrib_gelu(g: Any, self: Any, approximate: Any) -> Any:
    """onnxruntime's contrib Gelu instead of torchlib's lowering."""
    return g.op("com.microsoft::Gelu", self)


def _op_types(model: onnx.ModelProto) -> list[str]:
    return sorted(f"{n.domain + '::' if n.domain else ''}{n.op_type}" for n in model.graph.node)


def _run(run_model: Any, model: onnx.ModelProto, *tensors: torch.Tensor) -> list[np.ndarray]:
    feeds = {i.name: t.numpy() for i, t in zip(model.graph.input, tensors)}
    return run_model(model, **feeds)


class LibraryOpThenGelu(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.proj = torch.nn.Linear(3, 4)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.proj(torch.nn.functional.gelu(torch.ops.onnx_migrate_bridge_test.scaled_add(x, y, 0.5)))


def test_library_op_and_contrib_gelu_run_in_onnxruntime(
    registry: SymbolicRegistry, run_model: Any, tmp_path: Path
) -> None:
    registry.register("onnx_migrate_bridge_test::scaled_add", 1, scaled_add_symbolic, custom=True)
    registry.register("aten::gelu", 18, contrib_gelu, custom=True)
    model = LibraryOpThenGelu().eval()
    x, y = torch.randn(2, 3), torch.randn(2, 3)
    path = tmp_path / "model.onnx"
    result = onnx_migrate.export(
        model, (x, y), path, backend="dynamo", registry=registry, opset_version=18,
        input_names=["x", "y"], output_names=["out"], dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}},
        verify=True,
    )  # fmt: skip
    saved = onnx.load(path)
    assert _op_types(saved) == ["Add", "Gemm", "Mul", "com.microsoft::Gelu"]
    assert {o.domain: o.version for o in saved.opset_import} == {"": 18, "com.microsoft": 1}
    assert [i.name for i in saved.graph.input] == ["x", "y"] and saved.graph.output[0].name == "out"
    assert saved.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    x3, y3 = torch.randn(3, 3), torch.randn(3, 3)  # another batch size
    (got,) = _run(run_model, saved, x3, y3)
    np.testing.assert_allclose(got, model(x3, y3).detach().numpy(), atol=1e-5, rtol=1e-4)
    custom = {use.op: use.custom for use in result.report.symbolics.values()}
    assert custom == {"onnx_migrate_bridge_test::scaled_add": True, "aten::gelu": True}
    assert result.report.backend == "dynamo" and result.report.status.accuracy is True


def test_builtin_called_from_a_bridged_symbolic(registry: SymbolicRegistry, run_model: Any) -> None:
    try:
        from onnx_migrate.legacy_symbolics import symbolic_opset9 as opset9

        builtin_gelu = opset9.gelu
    except (ImportError, AttributeError):  # the legacy module views are optional here
        builtin_gelu = SymbolicRegistry.default().lookup("aten::gelu", 9).entry.fn
    seen: dict[str, Any] = {}

    def gelu_via_opset9(g: Any, self: Any, approximate: Any) -> Any:
        seen["sizes"] = self.type().sizes()
        seen["approximate"] = sh._maybe_get_const(approximate, "s")
        seen["fx_node"] = g.original_node.fx_node
        seen["opset"] = g.opset
        return builtin_gelu(g, self, "none")

    registry.register("aten::gelu", 18, gelu_via_opset9, custom=True)
    model = torch.nn.GELU().eval()
    x = torch.randn(2, 5)
    result = onnx_migrate.export(model, (x,), backend="dynamo", registry=registry, opset_version=18)
    proto = result.model_proto
    assert "Erf" in _op_types(proto) and "Gelu" not in _op_types(proto)
    assert seen["sizes"] == [2, 5] and seen["approximate"] == "none" and seen["opset"] == 18
    assert isinstance(seen["fx_node"], torch.fx.Node) and seen["fx_node"].target is torch.ops.aten.gelu.default
    np.testing.assert_allclose(_run(run_model, proto, x)[0], model(x).numpy(), atol=1e-5)


class CastViewTopk(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        values, indices = torch.topk(x.to(torch.float64).view(x.shape[0], -1), 2)
        return values, indices


def test_constants_dynamic_sizes_and_several_outputs(registry: SymbolicRegistry, run_model: Any) -> None:
    seen: dict[str, Any] = {}

    def view(g: Any, self: Any, size: Any) -> Any:
        seen["size"] = [type(item).__name__ for item in size.node().inputs()]  # legacy ListConstruct access
        return g.op("Reshape", self, size)

    def to_copy(g: Any, self: Any, dtype: Any, *rest: Any) -> Any:
        seen["dtype"] = dtype.python_value
        onnx_type = JitScalarType(dtype.python_value).onnx_type()
        return g.op("Cast", self, to_i=int(onnx_type))

    @sh.parse_args("v", "i", "i", "i", "i")
    def topk(g: Any, self: Any, k: int, dim: int, largest: int, sorted: int) -> Any:
        seen["k, dim"] = (k, dim)
        return g.op("TopK", self, g.op("Constant", value_t=torch.tensor([k])), axis_i=dim, largest_i=largest, outputs=2)

    registry.register("aten::_to_copy", 18, to_copy, custom=True)
    registry.register("aten::topk", 18, topk, custom=True)
    registry.register("aten::view", 18, view, custom=True)
    model = CastViewTopk()
    result = onnx_migrate.export(
        model, (torch.randn(3, 2, 3),), backend="dynamo", registry=registry, opset_version=18,
        dynamic_axes={"x": {0: "batch"}},
    )  # fmt: skip
    # dtype as a ScalarType number; the dynamic batch size as a graph value next to a constant.
    assert seen == {"dtype": int(JitScalarType.DOUBLE), "k, dim": (2, -1), "size": ["Value", "ConstantValue"]}
    proto = result.model_proto
    assert {"Cast", "TopK"} <= set(_op_types(proto))
    x = torch.randn(5, 2, 3)  # another batch size
    got_values, got_indices = _run(run_model, proto, x)
    want_values, want_indices = model(x)
    np.testing.assert_allclose(got_values, want_values.numpy())
    np.testing.assert_array_equal(got_indices, want_indices.numpy())


class ScaledTanh(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, alpha: float) -> torch.Tensor:
        return torch.tanh(x) * alpha

    @staticmethod
    def symbolic(g: Any, x: Any, alpha: float) -> Any:
        return g.op("Mul", g.op("Tanh", x), alpha)


class UsesAutogradFunction(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return ScaledTanh.apply(x, 3.0) + 1


@pytest.mark.parametrize("backend", ["legacy", "dynamo"])
def test_autograd_function_symbolic_on_both_backends(backend: str, default_registry: SymbolicRegistry) -> None:
    x = torch.randn(2, 4)
    result = onnx_migrate.export(UsesAutogradFunction(), (x,), backend=backend, verify=True)
    assert {"Tanh", "Mul"} <= set(_op_types(result.model_proto))
    assert any("ScaledTanh.symbolic" in use.origin for use in result.report.symbolics.values())


def test_opset_below_18_warns_and_points_to_legacy(registry: SymbolicRegistry) -> None:
    model = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.ReLU()).eval()
    with pytest.warns(OnnxMigrateWarning, match=r"opset_version=11.*opset-18 model.*backend='legacy'"):
        result = onnx_migrate.export(
            model, (torch.randn(1, 3),), backend="dynamo", registry=registry, opset_version=11, export_params=False
        )
    assert result.model.opset_imports[""] == 18 and result.report.opset == 18
    assert len(result.model.graph.initializers) == 0
    assert [v.name for v in result.model.graph.inputs][1:] == ["0.weight", "0.bias"]


def test_symbolic_that_raises_names_the_symbolic_and_the_node(registry: SymbolicRegistry) -> None:
    def exploding_gelu(g: Any, self: Any, approximate: Any) -> Any:
        raise RuntimeError("boom")

    registry.register("aten::gelu", 18, exploding_gelu, custom=True)
    with pytest.raises(TranslationError) as info:
        onnx_migrate.export(torch.nn.GELU(), (torch.randn(2),), backend="dynamo", registry=registry, opset_version=18)
    message = str(info.value)
    assert "exploding_gelu" in message and "aten::gelu" in message and "RuntimeError: boom" in message
    assert "%gelu" in message and "call_function[target=torch.ops.aten.gelu.default]" in message
    assert isinstance(info.value.__cause__, RuntimeError)
    frames = traceback.extract_tb(info.value.__traceback__)
    assert not any("onnxscript" in f.filename or "torch/onnx" in f.filename for f in frames), frames


def test_symbolic_with_too_few_outputs_names_the_symbolic_and_the_node(registry: SymbolicRegistry) -> None:
    def one_output_topk(g: Any, self: Any, k: Any, dim: Any, largest: Any, sorted: Any) -> Any:
        return g.op("Identity", self)

    registry.register("aten::topk", 18, one_output_topk, custom=True)
    with pytest.raises(
        TranslationError, match=r"one_output_topk for aten::topk returned 1 value\(s\), but the op has 2"
    ) as info:
        onnx_migrate.export(CastViewTopk(), (torch.randn(2, 4),), backend="dynamo", registry=registry, opset_version=18)
    assert "%topk" in str(info.value) and "model code:" in str(info.value)


_EXAMPLE_DOMAIN = onnxscript.values.Opset("com.example", 1)


@onnxscript.script(_EXAMPLE_DOMAIN)
def SiluFunction(x):
    return op.Mul(x, op.Sigmoid(x))


def test_onnxscript_function_called_by_a_bridged_symbolic(registry: SymbolicRegistry, run_model: Any) -> None:
    calls: list[str] = []

    def silu(g: Any, self: Any) -> Any:
        out = g.onnxscript_op(SiluFunction, self)
        calls.append(out.node().kind())
        return out

    registry.register("aten::silu", 18, silu, custom=True)
    x = torch.randn(2, 3)
    result = onnx_migrate.export(torch.nn.SiLU(), (x,), backend="dynamo", registry=registry, opset_version=18)
    assert calls == ["com.example::SiluFunction"]
    proto = result.model_proto
    # torch's exporter inlines local functions (its version-conversion step always runs).
    assert _op_types(proto) == ["Mul", "Sigmoid"]
    np.testing.assert_allclose(_run(run_model, proto, x)[0], torch.nn.functional.silu(x).numpy(), atol=1e-6)
