"""Models that branch on tensor values: each branch decided by the example inputs, as the legacy trace did."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
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


class RoundedSizes(torch.nn.Module):
    """torchvision's detection transform: image sizes scaled by a float (``math.trunc`` in the graph)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        scale = 64 / torch.sym_min(x.shape[2], x.shape[3])
        return torch.nn.functional.interpolate(x, scale_factor=scale, mode="nearest", recompute_scale_factor=True)


def test_math_trunc_of_float_sizes_translates() -> None:
    """Test: ``math.trunc`` on a float size becomes an int64 size; ORT matches at other sizes."""
    model = RoundedSizes()
    result = onnx_migrate.export(
        model, (torch.randn(1, 2, 8, 10),), None, opset_version=11, input_names=["x"],
        dynamic_axes={"x": {2: "h", 3: "w"}},
    )  # fmt: skip
    for x in (torch.randn(1, 2, 8, 10), torch.randn(1, 2, 13, 9)):
        (got,) = run_ort(result.model_proto, {"x": x})
        want = model(x).numpy()
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-5)


class SplitByCounts(torch.nn.Module):
    """Detection heads split boxes per feature level by counts computed from the input."""

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        first = x.shape[0] // 2
        return x.split([first, x.shape[0] - first], dim=0)


def test_split_with_dynamic_sizes_slices_at_opset_11() -> None:
    """Test: ``split_with_sizes`` with sizes known only at run time exports as ``Slice``s (opset 11)."""
    model = SplitByCounts()
    result = onnx_migrate.export(
        model, (torch.randn(6, 3),), None, opset_version=11, input_names=["x"], dynamic_axes={"x": {0: "n"}}
    )
    assert "Slice" in {n.op_type for n in result.model_proto.graph.node}
    for x in (torch.randn(6, 3), torch.randn(9, 3)):
        got = run_ort(result.model_proto, {"x": x})
        for g, w in zip(got, model(x), strict=True):
            np.testing.assert_array_equal(g, w.numpy())


class WeightsByAddress(torch.nn.Module):
    """brevitas' QCDQ export: integer weights looked up by ``weight[:].data_ptr()`` in ``forward``."""

    def __init__(self) -> None:
        super().__init__()
        self.weight = torch.nn.Parameter(torch.randn(4, 3))
        self.integer_weights = {self.weight.data_ptr(): torch.round(self.weight.detach() * 8)}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x @ self.integer_weights[self.weight[:].data_ptr()].t() / 8


def test_lookup_by_a_weights_address_sees_the_real_weight() -> None:
    """Test: ``data_ptr()`` of a parameter (or a view of one) during capture is the real weight's address."""
    model = WeightsByAddress()
    x = torch.randn(2, 3)
    result = onnx_migrate.export(model, (x,), None, input_names=["x"], dynamic_axes={"x": {0: "n"}})
    for sample in (x, torch.randn(5, 3)):
        (got,) = run_ort(result.model_proto, {"x": sample})
        np.testing.assert_allclose(got, model(sample).detach().numpy(), rtol=1e-5, atol=1e-6)
    assert "data_ptr" not in vars(torch.Tensor)


class PaddedToStride(torch.nn.Module):
    """torchvision's ``batch_images``: a resized size rounded up to a stride with ``int(math.ceil(...))``."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        import math

        scale = 64 / torch.sym_min(x.shape[2], x.shape[3])
        resized = torch.nn.functional.interpolate(x, scale_factor=scale, mode="nearest", recompute_scale_factor=True)
        padded = int(math.ceil(float(resized.shape[2]) / 32) * 32)
        return resized.new_zeros(padded) + resized.mean()


def test_a_size_torch_export_fixes_from_dynamic_inputs_is_warned() -> None:
    """Test: the graph holds only while the computed size equals the example's; the warning says which."""
    with pytest.warns(OnnxMigrateWarning, match=r"fixed sizes that PaddedToStride computes .*== 64"):
        onnx_migrate.export(
            PaddedToStride(), (torch.randn(1, 2, 8, 10),), None, input_names=["x"], dynamic_axes={"x": {2: "h", 3: "w"}}
        )


def test_a_failed_first_capture_does_not_dump_the_graph_on_stderr(capfd) -> None:
    """Test: torch.export prints the partial graph when it meets a data-dependent value; the draft
    capture then succeeds, so the user's terminal must not get a page of FX code."""

    class CountsPositives(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            kept = x[x > 0]
            return kept * 2 if kept.numel() > 2 else kept

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        onnx_migrate.export(CountsPositives(), (torch.tensor([1.0, -2.0, 3.0, 4.0]),), None)
    assert "def forward" not in capfd.readouterr().err
