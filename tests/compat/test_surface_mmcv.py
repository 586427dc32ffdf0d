"""Symbolics written the way mmcv and mmdeploy write them.

mmcv's ops are ``autograd.Function`` classes whose ``symbolic`` gets raw Python
arguments (an ``output_size`` tuple, a pool mode string) and, without the mmcv
custom-op library, falls back to ONNX ops through ``symbolic_helper._slice_helper``,
``symbolic_opset9.squeeze`` / ``sub`` and ``Cast(to_i=TensorProtoDataType.INT64)``.
Its extra symbolics (registered through torch 1.x's ``symbolic_registry.register_op``)
use ``_get_tensor_dim_size``, ``_get_tensor_rank``, ``_reshape_helper``,
``input.type().scalarType()`` and ``weight.node().mustBeNone()``. mmdeploy's
TensorRT plugins are Functions returning ``g.op("mmdeploy::...", outputs=2)``.
The code here is ours, making the same calls; exports go through ``install()``
and the unmodified ``torch.onnx.export(..., dynamo=False)``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import torch.onnx
from _surface_helpers import attribute, extract, load_checked, nodes, run

from onnx_migrate.compat.install import install


class RoIAlignFunction(torch.autograd.Function):
    """mmcv-style RoIAlign: exact here for inputs constant over each (batch, channel) plane."""

    @staticmethod
    def forward(ctx, input, rois, output_size, spatial_scale, sampling_ratio, pool_mode, aligned):
        plane = input.mean(dim=(2, 3))[rois[:, 0].long()]
        return plane[:, :, None, None].expand(-1, -1, *output_size).contiguous()

    @staticmethod
    def symbolic(g, input, rois, output_size, spatial_scale, sampling_ratio, pool_mode, aligned):
        from torch.onnx import TensorProtoDataType
        from torch.onnx.symbolic_helper import _slice_helper
        from torch.onnx.symbolic_opset9 import squeeze, sub

        batch_indices = squeeze(g, _slice_helper(g, rois, axes=[1], starts=[0], ends=[1]), 1)
        batch_indices = g.op("Cast", batch_indices, to_i=TensorProtoDataType.INT64)
        boxes = _slice_helper(g, rois, axes=[1], starts=[1], ends=[5])
        if aligned:
            offset = g.op("Constant", value_t=torch.tensor([0.5 / spatial_scale], dtype=torch.float32))
            boxes = sub(g, boxes, offset)
        return g.op(
            "RoiAlign",
            input,
            boxes,
            batch_indices,
            output_height_i=output_size[0],
            output_width_i=output_size[1],
            spatial_scale_f=spatial_scale,
            sampling_ratio_i=max(0, sampling_ratio),
            mode_s=pool_mode,
        )


class BatchedNMS(torch.autograd.Function):
    """mmdeploy-style TensorRT plugin: a stand-in forward, a custom-domain node with two outputs."""

    @staticmethod
    def forward(ctx, boxes, scores, iou_threshold, score_threshold, keep_top_k):
        batch = boxes.shape[0]
        dets = boxes.new_zeros(batch, keep_top_k, 5)
        labels = torch.zeros(batch, keep_top_k, dtype=torch.int32)
        return dets, labels

    @staticmethod
    def symbolic(g, boxes, scores, iou_threshold, score_threshold, keep_top_k):
        from torch.onnx.symbolic_helper import _get_tensor_dim_size

        return g.op(
            "mmdeploy::TRTBatchedNMS",
            boxes,
            scores,
            num_classes_i=_get_tensor_dim_size(scores, 2),
            iou_threshold_f=iou_threshold,
            score_threshold_f=score_threshold,
            topk_i=scores.type().sizes()[1],
            keep_topk_i=keep_top_k,
            is_normalized_i=False,
            outputs=2,
        )


def _group_norm_symbolic():
    """mmcv's group_norm symbolic: InstanceNormalization over groups, then the affine part."""
    from torch.onnx.symbolic_helper import (
        _get_tensor_dim_size,
        _get_tensor_rank,
        _reshape_helper,
        _unimplemented,
        _unsqueeze_helper,
        parse_args,
    )

    @parse_args("v", "i", "v", "v", "f", "i")
    def group_norm(g, input, num_groups, weight, bias, eps, cudnn_enabled):
        channels = _get_tensor_dim_size(input, 1)
        assert channels is None or channels % num_groups == 0
        rank = _get_tensor_rank(input)
        if rank is None:
            return _unimplemented("group_norm", "unknown input rank")
        type_name = "torch." + input.type().scalarType() + "Tensor"
        grouped = _reshape_helper(g, input, g.op("Constant", value_t=torch.LongTensor([0, num_groups, -1])))
        ones = g.op("Constant", value_t=torch.tensor([1.0] * num_groups).type(type_name))
        zeros = g.op("Constant", value_t=torch.tensor([0.0] * num_groups).type(type_name))
        normed = g.op("InstanceNormalization", grouped, ones, zeros, epsilon_f=eps)
        normed = _reshape_helper(g, normed, g.op("Shape", input))
        if weight is None or weight.node().mustBeNone():
            weight = g.op("Constant", value_t=torch.tensor([1.0]).type(type_name))
        if bias is None or bias.node().mustBeNone():
            bias = g.op("Constant", value_t=torch.tensor([0.0]).type(type_name))
        from torch.onnx.symbolic_opset9 import add, mul

        axes = list(range(1, rank - 1))
        return add(g, mul(g, normed, _unsqueeze_helper(g, weight, axes)), _unsqueeze_helper(g, bias, axes))

    return group_norm


class Head(torch.nn.Module):
    def __init__(self, affine: bool) -> None:
        super().__init__()
        self.norm = torch.nn.GroupNorm(2, 4, affine=affine)

    def forward(self, x, planes, rois, boxes, scores):
        pooled = RoIAlignFunction.apply(planes, rois, (2, 2), 0.5, 0, "avg", False)
        dets, labels = BatchedNMS.apply(boxes, scores, 0.5, 0.05, 10)
        return self.norm(x), pooled, dets, labels


def _args() -> tuple[torch.Tensor, ...]:
    torch.manual_seed(0)
    # Constant (batch, channel) planes: where the stand-in RoIAlign forward is exact.
    planes = torch.arange(2 * 4, dtype=torch.float32).reshape(2, 4, 1, 1).expand(2, 4, 6, 6).contiguous()
    rois = torch.tensor([[1, 0, 0, 4, 4], [0, 2, 2, 10, 10]], dtype=torch.float32)
    return torch.randn(2, 4, 3, 5), planes, rois, torch.rand(1, 20, 4), torch.rand(1, 20, 3)


@pytest.mark.parametrize("affine", [True, False])
def test_mmcv_style_functions_and_extra_symbolics_export_and_run(registry_scope, tmp_path, affine) -> None:
    """Test: RoIAlign falls back to ONNX RoiAlign, group_norm (symbolic_registry.register_op) runs, TRT plugin kept."""
    path = tmp_path / "head.onnx"
    model_module = Head(affine).eval()
    if affine:
        with torch.no_grad():
            model_module.norm.weight.copy_(torch.tensor([1.0, 2.0, 0.5, -1.0]))
            model_module.norm.bias.copy_(torch.tensor([0.0, 0.1, -0.2, 0.3]))
    args = _args()
    with install():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # symbolic_registry is a removed path
            from torch.onnx.symbolic_registry import _registry, register_op

            register_op("group_norm", _group_norm_symbolic(), "", 11)
            assert "group_norm" in _registry[("", 11)]
        torch.onnx.export(model_module, args, str(path), opset_version=11, dynamo=False)
    model = load_checked(path)
    assert len(nodes(model, "InstanceNormalization")) == 1
    (roi_node,) = nodes(model, "RoiAlign")
    assert attribute(roi_node, "mode") == "avg" and attribute(roi_node, "output_width") == 2
    (plugin,) = nodes(model, "TRTBatchedNMS", "mmdeploy")
    assert attribute(plugin, "num_classes") == 3 and attribute(plugin, "topk") == 20
    assert attribute(plugin, "keep_topk") == 10 and attribute(plugin, "is_normalized") == 0
    assert len(plugin.output) == 2
    # ONNX Runtime cannot run the TensorRT plugin: run the sub-model that computes the other outputs.
    runnable = extract(model, [i.name for i in model.graph.input[:3]], [o.name for o in model.graph.output[:2]])
    with torch.no_grad():
        expected = model_module(*args)[:2]
    for got, want in zip(run(runnable, *args[:3]), expected, strict=True):
        np.testing.assert_allclose(got, want.numpy(), rtol=1e-4, atol=1e-4)


def test_symbolic_registry_view_unregisters_on_delete(registry_scope) -> None:
    """Test: mmdeploy's undo through torch 1.x's private ``_registry`` dict removes the registration."""
    from onnx_migrate.legacy_symbolics.registry import SymbolicRegistry

    with install(), warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        from torch.onnx import symbolic_registry

        symbolic_registry.register_op("my_op", lambda g, x: x, "mylib", 11)
        assert symbolic_registry.is_registered_op("my_op", "mylib", 13)
        del symbolic_registry._registry[("mylib", 11)]["my_op"]
        assert not SymbolicRegistry.default().is_registered_op("mylib::my_op", 13)
        assert ("mylib", 11) not in symbolic_registry._registry
