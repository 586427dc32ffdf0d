"""Symbolics registered through torch's own API are used by ``onnx_migrate.export``, or fail with the fix.

Never a silent decomposition: a registration either yields its custom node or a
``TorchBoundSymbolicError`` that says to call ``onnx_migrate.install()`` first or to
use ``onnx-migrate run``. Every test leaves torch's legacy registry as it found it.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator

import numpy as np
import pytest
import torch
from _surface_helpers import run

import onnx_migrate
from onnx_migrate import _torch_compat
from onnx_migrate.compat.install import install
from onnx_migrate.errors import TorchBoundSymbolicError

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("torch.onnx._internal.torchscript_exporter") is None,
    reason="torch no longer ships its legacy registry",
)


@pytest.fixture
def torch_registry() -> Iterator[list[tuple[str, int]]]:
    """Registrations made through torch's API; each is unregistered from torch's registry afterwards."""
    made: list[tuple[str, int]] = []
    before = {(name, opset) for name, opset, _ in _torch_compat.legacy_custom_symbolics()}
    try:
        yield made
    finally:
        for name, opset in made:
            torch.onnx.unregister_custom_op_symbolic(name, opset)
        after = {(name, opset) for name, opset, _ in _torch_compat.legacy_custom_symbolics()}
        assert after == before, f"torch's legacy registry was left with {after - before}"


def _register(made: list[tuple[str, int]], name: str, fn, opset: int) -> None:
    torch.onnx.register_custom_op_symbolic(name, fn, opset)
    made.append((name, opset))


def _ops(result) -> list[tuple[str, str]]:
    return [(n.domain, n.op_type) for n in result.model.graph]


class _Gelu(torch.nn.Module):
    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        self.approximate = approximate

    def forward(self, x: torch.Tensor, m: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return torch.nn.functional.gelu(x, approximate=self.approximate), torch.inverse(m)


def _gelu_args() -> tuple[torch.Tensor, torch.Tensor]:
    torch.manual_seed(0)
    return torch.randn(2, 5), torch.randn(3, 3) + 3 * torch.eye(3)


@pytest.fixture
def contrib_ops() -> Iterator[object]:
    """onnxruntime's real contrib-op registration (``register()`` / ``unregister()``), through torch's API."""
    contrib = pytest.importorskip("onnxruntime.tools.pytorch_export_contrib_ops")
    before = {(name, opset) for name, opset, _ in _torch_compat.legacy_custom_symbolics()}
    contrib.register()
    try:
        yield contrib
    finally:
        contrib.unregister()
        assert {(name, opset) for name, opset, _ in _torch_compat.legacy_custom_symbolics()} == before


def test_onnxruntime_contrib_register_without_install_yields_com_microsoft_gelu(contrib_ops) -> None:
    """Test: register() + onnx_migrate.export (no install) gives com.microsoft::Gelu and ::Inverse; ORT matches."""
    args = _gelu_args()
    result = onnx_migrate.export(_Gelu(), args, None, opset_version=13)
    ops = _ops(result)
    assert ("com.microsoft", "Gelu") in ops and ("com.microsoft", "Inverse") in ops
    assert ("", "Erf") not in ops  # not torch's decomposition
    assert any(a.op == "aten::gelu" for a in result.report.adopted_symbolics)
    for got, want in zip(run(result.model_proto, *args), _Gelu()(*args), strict=True):
        np.testing.assert_allclose(got, want.numpy(), rtol=1e-4, atol=1e-5)


def test_onnxruntime_gelu_fallback_to_symbolic_opset9_runs_on_our_library(contrib_ops) -> None:
    """Test: the tanh gelu calls torch.onnx.symbolic_opset9.gelu inside its body; it reaches our built-in."""
    args = _gelu_args()
    result = onnx_migrate.export(_Gelu("tanh"), args, None, opset_version=13)
    assert ("com.microsoft", "Gelu") not in _ops(result) and ("", "Tanh") in _ops(result)
    for got, want in zip(run(result.model_proto, *args), _Gelu("tanh")(*args), strict=True):
        np.testing.assert_allclose(got, want.numpy(), rtol=1e-4, atol=1e-5)


def test_registered_before_install_is_carried_over_and_rebound(contrib_ops, tmp_path) -> None:
    """Test: register() first, install() later: torch.onnx.export still yields com.microsoft::Gelu."""
    import onnx

    path = tmp_path / "gelu.onnx"
    with install():
        torch.onnx.export(_Gelu(), _gelu_args(), str(path), opset_version=13, dynamo=False)
    assert any(n.op_type == "Gelu" and n.domain == "com.microsoft" for n in onnx.load(str(path)).graph.node)


def test_a_library_imported_before_install_registering_under_it_is_rebound(tmp_path) -> None:
    """Test: a module bound torch's symbolic_helper at import (before install); its register() runs under
    install(): the symbolic reads constants with onnx_migrate's helpers (grid_sampler's mode is an int)."""
    import onnx

    contrib = pytest.importorskip("onnxruntime.tools.pytorch_export_contrib_ops")  # imported before install()

    class Sample(torch.nn.Module):
        def forward(self, x: torch.Tensor, grid: torch.Tensor) -> torch.Tensor:
            return torch.nn.functional.grid_sample(x, grid, mode="nearest", padding_mode="border", align_corners=True)

    path = tmp_path / "sample.onnx"
    with install():
        contrib.register()
        try:
            torch.onnx.export(Sample(), (torch.randn(1, 2, 5, 5), torch.rand(1, 3, 3, 2) * 2 - 1), str(path),
                              opset_version=13, dynamo=False)
        finally:
            contrib.unregister()
    (node,) = [n for n in onnx.load(str(path)).graph.node if n.op_type == "GridSample"]
    assert node.domain == "com.microsoft"
    attributes = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
    assert attributes == {"mode": b"nearest", "padding_mode": b"border", "align_corners": 1}


class _Leaky(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.leaky_relu(x, 0.25)


def test_module_level_torch_helpers_are_rebound_to_onnx_migrate(torch_registry) -> None:
    """Test: a symbolic using torch's symbolic_helper (bound at import, via a helper) reads its constant right."""
    from _torch_registered_symbolics import leaky_relu

    _register(torch_registry, "aten::leaky_relu", leaky_relu, 9)
    result = onnx_migrate.export(_Leaky(), (torch.randn(3),), None, opset_version=13)
    (node,) = list(result.model.graph)
    assert (node.domain, node.op_type) == ("mydom", "LeakyRelu")
    assert node.attributes["alpha"].value == pytest.approx(0.25)


def test_torch_parse_args_is_rebuilt_with_ours(torch_registry) -> None:
    """Test: a symbolic decorated by torch's legacy parse_args gets parsed arguments from our parse_args."""
    from _torch_registered_symbolics import leaky_relu_parsed

    _register(torch_registry, "aten::leaky_relu", leaky_relu_parsed, 9)
    result = onnx_migrate.export(_Leaky(), (torch.randn(3),), None, opset_version=13)
    (node,) = list(result.model.graph)
    assert node.op_type == "LeakyReluParsed" and node.attributes["alpha"].value == pytest.approx(0.25)


def test_onnx_migrate_registration_wins_over_torch_registration(torch_registry, registry_scope) -> None:
    """Test: at the same name and opset, onnx_migrate's own registration is used, as under install()."""
    from _torch_registered_symbolics import leaky_relu

    _register(torch_registry, "aten::leaky_relu", leaky_relu, 9)
    onnx_migrate.register_custom_op_symbolic("aten::leaky_relu", lambda g, x, s: g.op("mydom::Ours", x), 9)
    result = onnx_migrate.export(_Leaky(), (torch.randn(3),), None, opset_version=13)
    assert _ops(result) == [("mydom", "Ours")]
    assert not [a for a in result.report.adopted_symbolics if a.op == "aten::leaky_relu"]


class _Relu(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(x)


@pytest.mark.parametrize("fixture", ["relu_quantized", "relu_via_torch_internals"])
def test_symbolics_bound_to_torch_internals_fail_with_the_install_fix(torch_registry, fixture) -> None:
    """Test: an unwrappable torch decorator, or a call into torch's legacy helpers, fails naming both fixes."""
    module = importlib.import_module("_torch_registered_symbolics")
    _register(torch_registry, "aten::relu", getattr(module, fixture), 9)
    with pytest.raises(TorchBoundSymbolicError) as info:
        onnx_migrate.export(_Relu(), (torch.randn(3),), None, opset_version=13)
    message = str(info.value)
    assert "aten::relu" in message and fixture in message
    assert "onnx_migrate.install()" in message and "onnx-migrate run" in message


def test_torch_registrations_for_absent_ops_change_nothing(torch_registry) -> None:
    """Test: an unrunnable registration for an op the model lacks does not fail the export."""
    from _torch_registered_symbolics import relu_quantized

    _register(torch_registry, "aten::relu", relu_quantized, 9)
    result = onnx_migrate.export(_Leaky(), (torch.randn(3),), None, opset_version=13)
    assert [n.op_type for n in result.model.graph] == ["LeakyRelu"]


def test_same_function_under_both_names_is_reported_without_a_warning(contrib_ops) -> None:
    """Test: onnxruntime's Inverse, registered for aten::inverse and aten::linalg_inv, ran once: no warning."""
    import warnings

    from onnx_migrate.errors import UnusedSymbolicWarning

    with warnings.catch_warnings():
        warnings.simplefilter("error", UnusedSymbolicWarning)
        result = onnx_migrate.export(_Gelu(), _gelu_args(), None, opset_version=13)
    assert ("aten::linalg_inv", ("aten::inverse",)) in {(u.op, u.instead) for u in result.report.unused_symbolics}
