"""onnxruntime's contrib ``Trilu`` for ``triu``/``tril``, registered at opset 1, is used at opset 11 — as in legacy.

onnxruntime's ``tools/pytorch_export_contrib_ops.register()`` registers ``aten::triu``
and ``aten::tril`` symbolics emitting ``com.microsoft::Trilu`` at opset 1. The legacy
library's built-ins for both start at opset 14, so the legacy exporter used the
custom ones up to opset 13. onnx_migrate's own built-ins start at opset 9; they must
not take over (dispatch decides with legacy's keys).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch
from _export_helpers import legacy_exporter_available, op_types, run_ort

import onnx_migrate
from onnx_migrate.compat.install import install


class Masks(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return torch.triu(x, 1), torch.tril(x)


def _triu(g, self, diagonal):
    return g.op("com.microsoft::Trilu", self, diagonal, upper_i=1).setType(self.type())


def _tril(g, self, diagonal):
    return g.op("com.microsoft::Trilu", self, diagonal, upper_i=0).setType(self.type())


def _contrib_ops() -> object:
    """onnxruntime's own export helper module (imported under ``install()`` where torch dropped the legacy names)."""
    return importlib.import_module("onnxruntime.tools.pytorch_export_contrib_ops")


def _check(model: onnx.ModelProto, x: torch.Tensor) -> list[str]:
    onnx.checker.check_model(model)
    got = run_ort(model, {model.graph.input[0].name: x})
    np.testing.assert_array_equal(got[0], torch.triu(x, 1).numpy())
    np.testing.assert_array_equal(got[1], torch.tril(x).numpy())
    return op_types(model)


def test_custom_trilu_at_opset_1_is_used_at_11_and_builtin_from_14(registry_scope) -> None:
    """Test: registered at opset 1, the customs serve opset 11 (two Trilu); from 14 legacy's built-ins win."""
    x = torch.randn(4, 4)
    onnx_migrate.register_custom_op_symbolic("aten::triu", _triu, 1)
    onnx_migrate.register_custom_op_symbolic("aten::tril", _tril, 1)
    at_11 = onnx_migrate.export(Masks(), (x,), opset_version=11)
    assert _check(at_11.model_proto, x).count("com.microsoft::Trilu") == 2
    assert not at_11.report.shadowed_symbolics
    with pytest.warns(onnx_migrate.OnnxMigrateWarning, match=r"aten::triu at opset 1 was not used at opset 14"):
        at_14 = onnx_migrate.export(Masks(), (x,), opset_version=14)
    assert _check(at_14.model_proto, x).count("Trilu") == 2  # the standard ONNX Trilu of the built-ins
    assert {(s.op, s.legacy_opset) for s in at_14.report.shadowed_symbolics} == {("aten::triu", 14), ("aten::tril", 14)}


def test_onnxruntime_register_under_install_gives_trilu_at_11(registry_scope, tmp_path: Path) -> None:
    """Test: onnxruntime's real ``register()`` through ``install()`` gives the two contrib Trilu nodes at opset 11."""
    x = torch.randn(4, 4)
    with install():
        _contrib_ops().register()
        torch.onnx.export(Masks(), (x,), str(tmp_path / "ours.onnx"), opset_version=11, dynamo=False)
    types = _check(onnx.load(str(tmp_path / "ours.onnx")), x)
    assert types.count("com.microsoft::Trilu") == 2 and "Trilu" not in types


@pytest.mark.legacy_reference
@pytest.mark.skipif(not legacy_exporter_available(), reason="torch no longer ships the TorchScript exporter")
def test_same_custom_nodes_as_the_legacy_exporter(registry_scope, tmp_path: Path) -> None:
    """Test: at opsets 11 and 14, onnx_migrate emits the custom/standard Trilu nodes the legacy exporter emits."""
    x = torch.randn(4, 4)
    contrib = _contrib_ops()
    for opset in (11, 13, 14):
        legacy_path, ours_path = tmp_path / f"legacy{opset}.onnx", tmp_path / f"ours{opset}.onnx"
        contrib.register()  # torch's own registry: the reference
        try:
            torch.onnx.export(Masks(), (x,), str(legacy_path), opset_version=opset, dynamo=False)
        finally:
            contrib.unregister()
        with install():
            contrib.register()
            torch.onnx.export(Masks(), (x,), str(ours_path), opset_version=opset, dynamo=False)
        trilu: Callable[[list[str]], list[str]] = lambda types: [t for t in types if t.endswith("Trilu")]  # noqa: E731
        legacy_types = _check(onnx.load(str(legacy_path)), x)
        assert trilu(_check(onnx.load(str(ours_path)), x)) == trilu(legacy_types), f"opset {opset}"
        assert len(trilu(legacy_types)) == 2
