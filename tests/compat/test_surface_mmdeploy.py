"""Replacement ATen symbolics written the way mmcv's ``register_extra_symbolics`` and mmdeploy's rewriters write them.

These projects override built-in ATen symbolics for their backends, leaning on
``symbolic_helper``'s private helpers: ``_get_interpolate_attributes`` +
``_maybe_get_scalar`` + ``_slice_helper`` for ``Resize``, ``_topk_helper``,
``_avgpool_helper``, ``_generate_wrapped_number`` in a layer-norm workaround,
``_repeat_interleave_split_helper``, and ``(out, None)`` returns for ops whose
second output the model ignores. Our own code, the same calls; registered with
``torch.onnx.register_custom_op_symbolic`` under ``install()`` and exported with
``torch.onnx.export(..., dynamo=False)`` at opset 11, as these projects do.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
import torch.onnx
from _surface_helpers import load_checked, nodes, run
from torch.nn.modules.utils import _pair

from onnx_migrate.compat.install import install


def _register_extra_symbolics(opset: int) -> None:
    from torch.onnx import register_custom_op_symbolic
    from torch.onnx import symbolic_helper as sym_help
    from torch.onnx.symbolic_opset9 import add, div, pow, sqrt, sub

    def upsample_bilinear2d(g, input, output_size, *args):
        scales, align_corners = sym_help._get_interpolate_attributes(g, "linear", args)
        align_corners = sym_help._maybe_get_scalar(align_corners)
        mode = "align_corners" if align_corners else "pytorch_half_pixel"
        empty = g.op("Constant", value_t=torch.tensor([], dtype=torch.float32))
        if scales is None:
            batch_and_channels = sym_help._slice_helper(g, g.op("Shape", input), axes=[0], starts=[0], ends=[2])
            output_size = g.op("Cast", output_size, to_i=sym_help.cast_pytorch_to_onnx["Long"])
            sizes = g.op("Concat", batch_and_channels, output_size, axis_i=0)
            return g.op("Resize", input, empty, empty, sizes, coordinate_transformation_mode_s=mode, mode_s="linear")
        return g.op("Resize", input, empty, scales, coordinate_transformation_mode_s=mode, mode_s="linear")

    def topk(g, self, k, dim, largest, sorted, out=None):
        return sym_help._topk_helper(g, self, k, dim, largest=largest, sorted=sorted, out=out)

    @sym_help.parse_args("v", "is")
    def adaptive_max_pool2d(g, input, output_size):
        if output_size == [1] * len(output_size):
            return g.op("GlobalMaxPool", input), None  # the indices are never used by the model
        return sym_help._unimplemented("adaptive_max_pool2d", "output size other than 1")

    @sym_help.parse_args("v", "is", "is", "is", "i", "i", "none")
    def avg_pool2d(g, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override=None):
        padding = sym_help._avgpool_helper(_pair, padding, kernel_size, stride, divisor_override, "avg_pool2d")
        return g.op(
            "AveragePool",
            input,
            kernel_shape_i=kernel_size,
            strides_i=stride or kernel_size,
            pads_i=list(padding) * 2,
            ceil_mode_i=ceil_mode,
            count_include_pad_i=count_include_pad,
        )

    @sym_help.parse_args("v", "is", "v", "v", "f", "none")
    def layer_norm(g, input, normalized_shape, weight, bias, eps, cudnn_enable):
        axes = [-i for i in range(len(normalized_shape), 0, -1)]
        two = sym_help._generate_wrapped_number(g, 2.0)
        eps_value = sym_help._generate_wrapped_number(g, eps)
        centered = sub(g, input, g.op("ReduceMean", input, axes_i=axes))
        variance = g.op("ReduceMean", pow(g, centered, two), axes_i=axes)
        normed = div(g, centered, sqrt(g, add(g, variance, eps_value)))
        if not (weight is None or sym_help._is_none(weight)):
            normed = g.op("Mul", normed, weight)
        if not (bias is None or sym_help._is_none(bias)):
            normed = add(g, normed, bias)
        return normed

    @sym_help.parse_args("v", "i", "i", "none")
    def repeat_interleave(g, self, repeats, dim, output_size=None):
        pieces = sym_help._repeat_interleave_split_helper(g, self, sym_help._get_tensor_dim_size(self, dim), dim)
        repeats_shape = [1] * sym_help._get_tensor_rank(self)
        repeats_shape[dim] = repeats
        tiles = g.op("Constant", value_t=torch.tensor(repeats_shape, dtype=torch.int64))
        return g.op("Concat", *[g.op("Tile", piece, tiles) for piece in pieces], axis_i=dim)

    for fn in (upsample_bilinear2d, topk, adaptive_max_pool2d, avg_pool2d, layer_norm, repeat_interleave):
        register_custom_op_symbolic(f"::{fn.__name__}", fn, opset)


class Neck(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.norm = torch.nn.LayerNorm(32)

    def forward(self, x):
        up = F.interpolate(x, scale_factor=2.0, mode="bilinear", align_corners=False)
        sized = F.interpolate(x, size=(3, 5), mode="bilinear", align_corners=True)
        pooled = F.avg_pool2d(up, kernel_size=2, stride=2, padding=0)
        values, indices = torch.topk(self.norm(pooled.flatten(1)), 3, dim=1)
        gmax = F.adaptive_max_pool2d(x, 1)
        return values, indices, sized, gmax, x.repeat_interleave(2, dim=1)


def test_mmcv_style_replacement_symbolics_export_and_run(registry_scope, tmp_path) -> None:
    """Test: every replacement symbolic runs at opset 11 and ONNX Runtime matches PyTorch."""
    path = tmp_path / "neck.onnx"
    torch.manual_seed(0)
    x = torch.randn(1, 2, 4, 4)
    module = Neck().eval()
    with install():
        _register_extra_symbolics(11)
        torch.onnx.export(module, (x,), str(path), opset_version=11, dynamo=False)
    model = load_checked(path)
    assert len(nodes(model, "Resize")) == 2 and len(nodes(model, "GlobalMaxPool")) == 1
    assert len(nodes(model, "AveragePool")) == 1 and len(nodes(model, "TopK")) == 1
    assert len(nodes(model, "Tile")) == 2 and not nodes(model, "LayerNormalization")
    with torch.no_grad():
        expected = module(x)
    for got, want in zip(run(model, x), expected, strict=True):
        np.testing.assert_allclose(got, want.numpy(), rtol=1e-4, atol=1e-5)
