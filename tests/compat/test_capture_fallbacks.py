"""Models that branch on tensor values: each branch decided by the example inputs, as the legacy trace did."""

from __future__ import annotations

import warnings

import numpy as np
import torch
from packaging.version import Version
from _export_helpers import run_ort

import onnx_migrate
from onnx_migrate import _torch_compat
from onnx_migrate.errors import CaptureError, OnnxMigrateWarning


class BranchesOnAParameter(torch.nn.Module):
    """brevitas' pattern: ``if (zero_point != 0).any():`` in forward, on a parameter torch.export fakifies."""

    def __init__(self) -> None:
        super().__init__()
        self.zero_point = torch.nn.Parameter(torch.zeros(4), requires_grad=False)
        self.linear = torch.nn.Linear(4, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.linear(x)
        if (self.zero_point != 0).any():
            return y - self.zero_point
        return y * 2


class SizesAsFloats(torch.nn.Module):
    """segment-anything's decoder: a size turned into a float and divided (``torch.sym_float``, ``/``)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        ratio = x.shape[1] / x.shape[0]
        offset = x.shape[1] - 2.5  # a size meets a Python float: float arithmetic, not int64
        return x * ratio - offset


def test_a_branch_on_a_parameter_value_follows_the_example_and_warns() -> None:
    """Test: torch.export alone fails (data-dependent guard); the export takes the branch eager takes.

    torch 2.13's draft_export does not see real parameter values; there the capture is
    checked against eager, and the export fails saying so instead of taking the wrong branch.
    """
    model = BranchesOnAParameter().eval()
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        try:
            result = onnx_migrate.export(
                model, (torch.randn(2, 4),), None, opset_version=13, input_names=["x"], dynamic_axes={"x": {0: "b"}}
            )
        except CaptureError as exc:
            assert "took other branches than the model does" in str(exc)
            assert _torch_compat.TORCH_VERSION < Version("2.15"), "draft_export sees real values from torch 2.15"
            return
    assert any(issubclass(w.category, OnnxMigrateWarning) and "decided by the example" in str(w.message) for w in seen)
    x = torch.randn(3, 4)
    (got,) = run_ort(result.model_proto, {"x": x})
    with torch.no_grad():
        np.testing.assert_allclose(got, model(x).numpy(), atol=1e-6)


def test_sizes_turned_into_floats_translate() -> None:
    """Test: ``sym_float`` and true division of dynamic sizes; ORT matches at other sizes."""
    model = SizesAsFloats()
    result = onnx_migrate.export(
        model, (torch.randn(2, 6),), None, opset_version=17, input_names=["x"], dynamic_axes={"x": {0: "a", 1: "b"}}
    )
    for x in (torch.randn(4, 6), torch.randn(3, 5)):
        (got,) = run_ort(result.model_proto, {"x": x})
        np.testing.assert_allclose(got, model(x).numpy(), rtol=1e-6)
