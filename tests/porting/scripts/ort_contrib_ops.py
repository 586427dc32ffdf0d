"""A legacy export script using onnxruntime's contrib-op symbolics (``pytorch_export_contrib_ops.register()``)."""

import sys

import torch
import torch.nn.functional as F
from onnxruntime.tools import pytorch_export_contrib_ops

out_dir = sys.argv[1]
pytorch_export_contrib_ops.register()
torch.manual_seed(0)


class Contrib(torch.nn.Module):
    def forward(self, x, grid):
        y = F.gelu(x * 2.0)
        y = F.grid_sample(y, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
        square = y[:, 0, :4, :4] + 4.0 * torch.eye(4)
        return torch.linalg.inv(square), torch.triu(y[:, 0], 1), torch.tril(y[:, 0], -1)


# Opset 13: torch's own triu/tril (14) and grid_sampler (16) symbolics do not exist yet, register()'s serve.
torch.onnx.export(
    Contrib(), (torch.randn(2, 3, 8, 8), torch.rand(2, 5, 5, 2) * 2 - 1), f"{out_dir}/contrib.onnx", opset_version=13,
    input_names=["x", "grid"], output_names=["inverse", "upper", "lower"],
    dynamic_axes={"x": {0: "batch"}, "grid": {0: "batch"}}, dynamo=False,
)
