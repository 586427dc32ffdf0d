"""The export must work with TorchScript gone: tracing, scripting and the ONNX JIT passes all raise."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from _export_helpers import run_ort

import onnx_migrate


def _forbid(*args, **kwargs):
    raise AssertionError("TorchScript was used during an onnx_migrate export")


@pytest.fixture
def torchscript_disabled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every TorchScript entry point the legacy exporter relied on raise."""
    if hasattr(torch, "jit"):
        for name in ("trace", "script", "trace_module", "freeze"):
            if hasattr(torch.jit, name):
                monkeypatch.setattr(torch.jit, name, _forbid)
    jit_passes = [name for name in dir(torch._C) if name.startswith(("_jit_pass_onnx", "_jit_onnx"))]
    for name in jit_passes:
        monkeypatch.setattr(torch._C, name, _forbid)
    assert jit_passes or not hasattr(torch._C, "_jit_pass_onnx"), "expected the legacy ONNX passes to exist"


class Net(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, 3)
        self.fc = torch.nn.Linear(4, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv(x)
        y.relu_()
        y = y.mean(dim=(2, 3)) * 2 + 1
        return self.fc(y)


def test_export_succeeds_without_torchscript(torchscript_disabled: None, tmp_path) -> None:
    """Test: a CNN with in-place and scalar ops exports and runs with TorchScript disabled."""
    model = Net().eval()
    x = torch.randn(2, 3, 8, 8)
    path = tmp_path / "net.onnx"
    onnx_migrate.export(model, (x,), path, opset_version=13, input_names=["x"], dynamic_axes={"x": {0: "n"}})
    x5 = torch.randn(5, 3, 8, 8)
    (got,) = run_ort(str(path), {"x": x5})
    np.testing.assert_allclose(got, model(x5).detach().numpy(), atol=1e-4)
