"""Custom ops with symbolics written the way torchvision's ``ops/_register_onnx_ops.py`` writes them.

torchvision registers ``torchvision::nms`` and ``torchvision::roi_align`` with
``torch.onnx.register_custom_op_symbolic`` at opsets 11 and 16, and its
symbolics call ``parse_args``, ``symbolic_opset11.unsqueeze/squeeze/select``,
``Cast(to_i=torch.onnx.TensorProtoDataType...)`` and pick attributes by opset.
Our ops live in a test namespace (torchvision is not a dependency); the
symbolics are our own code making the same calls. Each test exports through
``install()`` + the unmodified ``torch.onnx.export(..., dynamo=False)`` and runs
the result in ONNX Runtime.
"""

from __future__ import annotations

import sys

import pytest
import torch
import torch.onnx
from _surface_helpers import attribute, load_checked, nodes, run

from onnx_migrate.compat.install import install


@torch.library.custom_op("surfacevision::nms", mutates_args=())
def nms(boxes: torch.Tensor, scores: torch.Tensor, iou_threshold: float) -> torch.Tensor:
    """Greedy non-maximum suppression: kept box indices, best score first."""
    x1, y1, x2, y2 = boxes.unbind(1)
    area = (x2 - x1) * (y2 - y1)
    suppressed = torch.zeros(len(boxes), dtype=torch.bool)
    keep = []
    for i in scores.argsort(descending=True).tolist():
        if suppressed[i]:
            continue
        keep.append(i)
        width = (torch.minimum(x2[i], x2) - torch.maximum(x1[i], x1)).clamp(min=0)
        height = (torch.minimum(y2[i], y2) - torch.maximum(y1[i], y1)).clamp(min=0)
        inter = width * height
        suppressed |= inter / (area[i] + area - inter) > iou_threshold
    return torch.tensor(keep, dtype=torch.int64)


@nms.register_fake
def _nms_fake(boxes: torch.Tensor, scores: torch.Tensor, iou_threshold: float) -> torch.Tensor:
    return boxes.new_empty((torch.library.get_ctx().new_dynamic_size(),), dtype=torch.int64)


@torch.library.custom_op("surfacevision::roi_align", mutates_args=())
def roi_align(
    input: torch.Tensor,
    rois: torch.Tensor,
    spatial_scale: float,
    pooled_height: int,
    pooled_width: int,
    sampling_ratio: int,
    aligned: bool,
) -> torch.Tensor:
    """Stand-in forward, exact for inputs constant over each (batch, channel) plane: the plane's value."""
    batch = rois[:, 0].long()
    plane = input.mean(dim=(2, 3))[batch]
    return plane[:, :, None, None].expand(-1, -1, pooled_height, pooled_width).contiguous()


@roi_align.register_fake
def _roi_align_fake(input, rois, spatial_scale, pooled_height, pooled_width, sampling_ratio, aligned):
    return input.new_empty((rois.shape[0], input.shape[1], pooled_height, pooled_width))


def _register_torchvision_style_symbolics() -> None:
    """What ``torchvision.ops._register_onnx_ops._register_custom_op()`` does, with our own code."""
    from torch.onnx import register_custom_op_symbolic
    from torch.onnx import symbolic_opset11 as opset11
    from torch.onnx.symbolic_helper import parse_args

    @parse_args("v", "v", "f")
    def symbolic_multi_label_nms(g, boxes, scores, iou_threshold):
        boxes = opset11.unsqueeze(g, boxes, 0)
        scores = opset11.unsqueeze(g, opset11.unsqueeze(g, scores, 0), 0)
        max_per_class = g.op("Constant", value_t=torch.tensor([sys.maxsize], dtype=torch.long))
        threshold = g.op("Constant", value_t=torch.tensor([iou_threshold], dtype=torch.float))
        float_type = torch.onnx.TensorProtoDataType.FLOAT
        selected = g.op(
            "NonMaxSuppression",
            g.op("Cast", boxes, to_i=float_type),
            g.op("Cast", scores, to_i=float_type),
            max_per_class,
            threshold,
        )
        box_column = g.op("Constant", value_t=torch.tensor([2], dtype=torch.long))
        return opset11.squeeze(g, opset11.select(g, selected, 1, box_column), 1)

    def batch_indices_of(g, rois):
        first_column = g.op("Constant", value_t=torch.tensor([0], dtype=torch.long))
        indices = opset11.squeeze(g, opset11.select(g, rois, 1, first_column), 1)
        return g.op("Cast", indices, to_i=torch.onnx.TensorProtoDataType.INT64)

    def boxes_of(g, rois):
        return opset11.select(g, rois, 1, g.op("Constant", value_t=torch.tensor([1, 2, 3, 4], dtype=torch.long)))

    @parse_args("v", "v", "f", "i", "i", "i", "i")
    def roi_align_opset11(g, input, rois, spatial_scale, pooled_height, pooled_width, sampling_ratio, aligned):
        return g.op(
            "RoiAlign",
            input,
            boxes_of(g, rois),
            batch_indices_of(g, rois),
            spatial_scale_f=spatial_scale,
            output_height_i=pooled_height,
            output_width_i=pooled_width,
            sampling_ratio_i=max(sampling_ratio, 0),
        )

    @parse_args("v", "v", "f", "i", "i", "i", "i")
    def roi_align_opset16(g, input, rois, spatial_scale, pooled_height, pooled_width, sampling_ratio, aligned):
        return g.op(
            "RoiAlign",
            input,
            boxes_of(g, rois),
            batch_indices_of(g, rois),
            coordinate_transformation_mode_s="half_pixel" if aligned else "output_half_pixel",
            spatial_scale_f=spatial_scale,
            output_height_i=pooled_height,
            output_width_i=pooled_width,
            sampling_ratio_i=max(sampling_ratio, 0),
        )

    register_custom_op_symbolic("surfacevision::nms", symbolic_multi_label_nms, 11)
    register_custom_op_symbolic("surfacevision::roi_align", roi_align_opset11, 11)
    register_custom_op_symbolic("surfacevision::roi_align", roi_align_opset16, 16)


class Detector(torch.nn.Module):
    """Pools each box's features, then keeps the boxes NMS selects."""

    def forward(self, features: torch.Tensor, rois: torch.Tensor, scores: torch.Tensor):
        pooled = torch.ops.surfacevision.roi_align(features, rois, 0.5, 2, 2, 0, True)
        keep = torch.ops.surfacevision.nms(rois[:, 1:], scores, 0.5)
        return pooled, keep


def _example() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    # Every (batch, channel) plane is constant, so RoiAlign must give the plane's value for any box.
    features = torch.arange(2 * 3, dtype=torch.float32).reshape(2, 3, 1, 1).expand(2, 3, 8, 8).contiguous()
    rois = torch.tensor(
        [[1, 0, 0, 10, 10], [0, 1, 1, 11, 11], [1, 4, 4, 14, 14], [0, 0, 0, 9, 10]], dtype=torch.float32
    )
    scores = torch.tensor([0.9, 0.8, 0.7, 0.95])
    return features, rois, scores


@pytest.mark.parametrize(("opset", "mode"), [(11, None), (17, "half_pixel")])
def test_torchvision_style_nms_and_roi_align_export_and_run(registry_scope, tmp_path, opset, mode) -> None:
    """Test: both symbolics run at opset 11 and 17 (RoiAlign from its opset-16 registration), ORT matches."""
    path = tmp_path / "detector.onnx"
    args = _example()
    with install():
        _register_torchvision_style_symbolics()
        torch.onnx.export(Detector(), args, str(path), opset_version=opset, dynamo=False)
    model = load_checked(path)
    (roi_node,) = nodes(model, "RoiAlign")
    assert attribute(roi_node, "output_height") == 2 and attribute(roi_node, "spatial_scale") == 0.5
    if mode is None:
        assert "coordinate_transformation_mode" not in {a.name for a in roi_node.attribute}
    else:
        assert attribute(roi_node, "coordinate_transformation_mode") == mode
    assert len(nodes(model, "NonMaxSuppression")) == 1
    pooled, keep = run(model, *args)
    expected_pooled, expected_keep = Detector()(*args)
    torch.testing.assert_close(torch.from_numpy(pooled), expected_pooled)
    assert keep.tolist() == expected_keep.tolist() == [3, 2]
