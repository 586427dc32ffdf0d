"""Export code written the way detectron2 writes it, and models that branch on ``torch.onnx.is_in_onnx_export()``.

detectron2's ``export_onnx_model`` checks the model is in eval mode, then calls
``torch.onnx.export(model, inputs, io.BytesIO(), operator_export_type=
OperatorExportTypes.ONNX_ATEN_FALLBACK)`` and reads the bytes back; its
post-processing takes an export-friendly path (fixed-size outputs instead of
data-dependent filtering) when ``torch.onnx.is_in_onnx_export()`` is true. The
legacy exporter set that flag for the whole export; so must onnx_migrate, on
both backends, and clear it afterwards.
"""

from __future__ import annotations

import io

import numpy as np
import onnx
import pytest
import torch
import torch.onnx
from _surface_helpers import run

import onnx_migrate
from onnx_migrate.compat.install import install


class Postprocess(torch.nn.Module):
    """Scores boxes; eager mode filters by score, export mode zeroes low scores (a fixed-size output)."""

    def __init__(self, threshold: float = 0.5) -> None:
        super().__init__()
        self.threshold = threshold
        self.head = torch.nn.Linear(4, 1)

    def forward(self, boxes: torch.Tensor) -> torch.Tensor:
        scores = self.head(boxes).sigmoid().squeeze(-1)
        if torch.onnx.is_in_onnx_export():
            return torch.where(scores > self.threshold, scores, torch.zeros_like(scores))
        return scores[scores > self.threshold]


def _export_branch(model: Postprocess, boxes: torch.Tensor) -> np.ndarray:
    with torch.no_grad():
        scores = model.head(boxes).sigmoid().squeeze(-1)
        return torch.where(scores > model.threshold, scores, torch.zeros_like(scores)).numpy()


def _model_and_boxes() -> tuple[Postprocess, torch.Tensor]:
    torch.manual_seed(0)
    return Postprocess().eval(), torch.randn(8, 4)


def test_detectron2_style_export_to_bytes_takes_the_export_branch(registry_scope) -> None:
    """Test: ONNX_ATEN_FALLBACK export into a BytesIO (detectron2's export_onnx_model) exports the export-time branch."""
    model, boxes = _model_and_boxes()
    model.apply(lambda module: not module.training or pytest.fail("detectron2 exports eval models only"))
    with install(), torch.no_grad(), io.BytesIO() as f:
        torch.onnx.export(
            model,
            (boxes,),
            f,
            opset_version=11,
            operator_export_type=torch.onnx.OperatorExportTypes.ONNX_ATEN_FALLBACK,
        )
        exported = onnx.load_from_string(f.getvalue())
        assert torch.onnx.is_in_onnx_export() is False
    assert not any(n.op_type in ("Compress", "NonZero") for n in exported.graph.node)
    (got,) = run(exported, boxes)
    assert got.shape == (8,)
    np.testing.assert_allclose(got, _export_branch(model, boxes), rtol=1e-6, atol=1e-6)
    assert model(boxes).shape[0] < 8  # eager PyTorch still filters


@pytest.mark.parametrize("backend", ["legacy", "dynamo"])
def test_is_in_onnx_export_is_true_during_either_backend_and_false_after(backend: str) -> None:
    """Test: onnx_migrate.export (no install) sets torch.onnx.is_in_onnx_export() on both backends."""
    model, boxes = _model_and_boxes()
    result = onnx_migrate.export(model, (boxes,), opset_version=18, backend=backend)
    assert torch.onnx.is_in_onnx_export() is False
    (got,) = run(result.model_proto, boxes)
    np.testing.assert_allclose(got, _export_branch(model, boxes), rtol=1e-6, atol=1e-6)


def test_select_model_mode_for_export_as_detectron2_scripts_use_it() -> None:
    """Test: torch.onnx.select_model_mode_for_export under install() switches a training model to eval and back."""
    model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Dropout(0.5)).train()
    with install(), torch.onnx.select_model_mode_for_export(model, torch.onnx.TrainingMode.EVAL):
        assert not model.training
    assert model.training
