"""Name drift: custom symbolics of TorchScript-era names (``aten::_convolution``) serve the ops torch.export keeps.

Real torch.export, onnx checker and ONNX Runtime; the legacy exporter only as the
reference for the argument list a custom ``_convolution`` symbolic received.
"""

from __future__ import annotations

import io
import warnings

import numpy as np
import onnx
import pytest
import torch
from _surface_helpers import run

import onnx_migrate
from onnx_migrate.compat.name_drift import ROUTES
from onnx_migrate.errors import UnusedSymbolicWarning
from onnx_migrate.legacy_symbolics import symbolic_helper

_CONV_DESCRIPTORS = ("v", "v", "v", "is", "is", "is", "i", "is", "i", "i", "i", "i", "i")


def _recording_convolution(seen: list[tuple], helper=symbolic_helper):
    """A custom ``_convolution`` like ONNX Runtime training's: parsed arguments, a custom node."""

    @helper.parse_args(*_CONV_DESCRIPTORS)
    def _convolution(g, input, weight, bias, stride, padding, dilation, transposed, output_padding, groups,
                     benchmark, deterministic, cudnn_enabled, allow_tf32=None):  # fmt: skip
        seen.append((stride, padding, dilation, transposed, output_padding, groups, benchmark, deterministic,
                     cudnn_enabled, allow_tf32))  # fmt: skip
        return g.op("mydom::Conv", input, weight, bias)

    return _convolution


def _domains(result: onnx_migrate.ExportResult) -> list[tuple[str, str]]:
    return [(n.domain, n.op_type) for n in result.model.graph]


_CONV_MODELS = {
    "conv1d": (lambda: torch.nn.Conv1d(3, 4, 3, stride=2), (1, 3, 9)),
    "conv2d": (lambda: torch.nn.Conv2d(3, 4, 3, padding=1, dilation=1), (1, 3, 8, 8)),
    "conv3d": (lambda: torch.nn.Conv3d(3, 4, 3, bias=False), (1, 3, 5, 6, 6)),
    "conv_transpose2d": (lambda: torch.nn.ConvTranspose2d(3, 4, 3, stride=2, output_padding=1), (1, 3, 5, 5)),
    "grouped": (lambda: torch.nn.Conv2d(4, 4, 3, groups=2, dilation=2), (1, 4, 9, 9)),
}


@pytest.mark.parametrize("case", sorted(_CONV_MODELS))
def test_custom_convolution_symbolic_is_used_for_conv_layers(registry_scope, case) -> None:
    """Test: a custom aten::_convolution translates Conv*d/ConvTranspose*d, which torch.export keeps as conv2d..."""
    factory, shape = _CONV_MODELS[case]
    seen: list[tuple] = []
    onnx_migrate.register_custom_op_symbolic("aten::_convolution", _recording_convolution(seen), 11)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnusedSymbolicWarning)
        result = onnx_migrate.export(factory().eval(), (torch.randn(*shape),), None, opset_version=13)
    assert _domains(result) == [("mydom", "Conv")]
    assert len(seen) == 1
    (routed,) = result.report.routed_symbolics
    assert routed.legacy == "aten::_convolution" and routed.op.startswith("aten::conv")
    assert result.report.custom_symbolics
    assert not [u for u in result.report.unused_symbolics if u.op == "aten::_convolution"]


@pytest.mark.legacy_reference
@pytest.mark.parametrize("case", sorted(_CONV_MODELS))
def test_convolution_arguments_match_the_legacy_exporter(registry_scope, case) -> None:
    """Test: the routed symbolic receives the same 13 arguments the TorchScript exporter passed."""
    legacy_api = pytest.importorskip("torch.onnx._internal.torchscript_exporter.symbolic_helper")
    factory, shape = _CONV_MODELS[case]
    model, args = factory().eval(), (torch.randn(*shape),)
    ours: list[tuple] = []
    onnx_migrate.register_custom_op_symbolic("aten::_convolution", _recording_convolution(ours), 11)
    onnx_migrate.export(model, args, None, opset_version=13)
    theirs: list[tuple] = []
    torch.onnx.register_custom_op_symbolic("aten::_convolution", _recording_convolution(theirs, legacy_api), 11)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(model, args, io.BytesIO(), opset_version=13, dynamo=False)
    finally:
        torch.onnx.unregister_custom_op_symbolic("aten::_convolution", 11)
    assert ours == theirs and len(ours) == 1


def test_padding_mode_conv_routes_to_convolution_mode(registry_scope) -> None:
    """Test: Conv2d(padding='same') reaches a custom aten::_convolution_mode with the string padding."""
    seen = []

    @symbolic_helper.parse_args("v", "v", "v", "is", "s", "is", "i")
    def _convolution_mode(g, input, weight, bias, stride, padding, dilation, groups):
        seen.append((stride, padding, dilation, groups))
        return g.op("mydom::ConvSame", input, weight, bias)

    onnx_migrate.register_custom_op_symbolic("aten::_convolution_mode", _convolution_mode, 9)
    result = onnx_migrate.export(torch.nn.Conv2d(3, 4, 3, padding="same"), (torch.randn(1, 3, 8, 8),), None, opset_version=13)
    assert _domains(result) == [("mydom", "ConvSame")]
    assert seen == [([1, 1], "same", [1, 1], 1)]


class _Inverse(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.inverse(x) * 2


def test_custom_linalg_inv_serves_torch_inverse_and_runs(registry_scope) -> None:
    """Test: torch.inverse (aten::inverse under torch.export) uses a custom aten::linalg_inv; ORT matches PyTorch."""

    def linalg_inv(g, self):
        return g.op("com.microsoft::Inverse", self).setType(self.type())

    onnx_migrate.register_custom_op_symbolic("aten::linalg_inv", linalg_inv, 1)
    x = torch.randn(2, 3, 3) + 3 * torch.eye(3)
    result = onnx_migrate.export(_Inverse(), (x,), None, opset_version=13)
    assert ("com.microsoft", "Inverse") in _domains(result)
    (got,) = run(result.model_proto, x)
    np.testing.assert_allclose(got, _Inverse()(x).numpy(), rtol=1e-4, atol=1e-5)


class _SizeUser(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.reshape(x.size(0), -1)


def test_custom_size_serves_sym_size_on_dynamic_dims(registry_scope) -> None:
    """Test: with dynamic_axes, x.size(0) (aten::sym_size.int) is translated by a custom aten::size."""
    calls = []

    def size(g, self, dim):
        calls.append(symbolic_helper._maybe_get_const(dim, "i"))
        shape = g.op("Shape", self)
        return g.op("Gather", shape, dim, axis_i=0)

    onnx_migrate.register_custom_op_symbolic("aten::size", size, 13)
    x = torch.randn(3, 2, 4)
    result = onnx_migrate.export(
        _SizeUser(), (x,), None, opset_version=13, input_names=["x"], dynamic_axes={"x": {0: "batch"}}
    )
    assert calls == [0]
    assert any(r.legacy == "aten::size" for r in result.report.routed_symbolics)
    (got,) = run(result.model_proto, torch.randn(5, 2, 4))
    assert got.shape == (5, 8)


def test_own_custom_symbolic_wins_and_the_unused_one_is_reported(registry_scope) -> None:
    """Test: a custom aten::conv2d beats a custom aten::_convolution; the latter warns, naming aten::conv2d."""
    seen: list[tuple] = []
    onnx_migrate.register_custom_op_symbolic("aten::_convolution", _recording_convolution(seen), 9)
    onnx_migrate.register_custom_op_symbolic("aten::conv2d", lambda g, x, w, b, *rest: g.op("mydom::Conv2d", x, w), 9)
    with pytest.warns(UnusedSymbolicWarning, match=r"aten::_convolution.*not used.*aten::conv2d") as record:
        result = onnx_migrate.export(torch.nn.Conv2d(3, 4, 3), (torch.randn(1, 3, 6, 6),), None, opset_version=13)
    assert "custom symbolic of its own" in str(record[0].message)
    assert _domains(result) == [("mydom", "Conv2d")] and not seen
    (unused,) = [u for u in result.report.unused_symbolics if u.op == "aten::_convolution"]
    assert (unused.op, unused.instead) == ("aten::_convolution", ("aten::conv2d",))
    assert "the model has `aten::conv2d`" in result.report.to_markdown()


def test_registrations_for_ops_the_model_lacks_are_listed_without_a_warning(registry_scope) -> None:
    """Test: many unrelated registrations (as onnxruntime's register() makes) stay quiet, but are in the report."""
    onnx_migrate.register_custom_op_symbolic("aten::grid_sampler", lambda g, *a: g.op("com.microsoft::GridSample", *a[:2]), 1)
    onnx_migrate.register_custom_op_symbolic("mydom::unused_op", lambda g, x: x, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnusedSymbolicWarning)
        result = onnx_migrate.export(torch.nn.ReLU(), (torch.randn(2, 3),), None, opset_version=13)
    listed = {(u.op, u.instead) for u in result.report.unused_symbolics}
    assert {("aten::grid_sampler", ()), ("mydom::unused_op", ())} <= listed
    assert "no node matched" in result.report.to_markdown()


def test_no_route_when_nothing_custom_is_registered() -> None:
    """Test: without custom registrations, conv2d is translated by the built-in, nothing is routed or listed."""
    result = onnx_migrate.export(torch.nn.Conv2d(3, 4, 3), (torch.randn(1, 3, 6, 6),), None, opset_version=13)
    assert _domains(result) == [("", "Conv")]
    assert not result.report.routed_symbolics


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.produced}->{r.legacy}")
def test_every_route_names_real_ops_and_builds_the_full_legacy_argument_list(route) -> None:
    """Test: both names of each route exist in torch, and the builder fills every argument of the legacy schema."""
    packet = getattr(torch.ops.aten, route.produced.split("::")[1])
    assert route.overloads <= set(packet.overloads())
    legacy_packet = getattr(torch.ops.aten, route.legacy.split("::")[1])
    legacy_overload = "int" if "int" in legacy_packet.overloads() else "default"  # aten::size(self, dim) is size.int
    legacy_schema = getattr(legacy_packet, legacy_overload)._schema
    (overload,) = route.overloads
    schema = getattr(packet, overload)._schema
    graph = torch.fx.Graph()
    weight = graph.placeholder("weight")
    weight.meta["val"] = torch.empty(4, 3, 3, 3)
    bound = {a.name: (weight if a.name == "weight" else (a.default_value if a.has_default_value() else 1)) for a in schema.arguments}
    node = graph.call_function(getattr(packet, overload), (), {})
    node.args = (bound.get("input", bound.get("self")), weight)
    assert len(route.arguments(bound, node)) == len(legacy_schema.arguments)
