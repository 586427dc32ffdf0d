"""onnxruntime's contrib-op symbolics: ``onnxruntime.tools.pytorch_export_contrib_ops.register()``.

``register()`` calls ``torch.onnx.register_custom_op_symbolic`` for ``aten::gelu``,
``grid_sampler``, ``linalg_inv``, ``triu``/``tril`` ... so that the export emits
``com.microsoft`` ops. Each case is a tiny module that uses one of those ops.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from conformance.case import Built, Case
from conformance.sources._util import missing

SOURCE = "ort_contrib"


def available() -> str | None:
    return missing("onnxruntime")


def _module(op: str) -> Any:
    import torch
    import torch.nn.functional as F

    class ContribOp(torch.nn.Module):
        def forward(self, x: torch.Tensor, grid: torch.Tensor | None = None) -> torch.Tensor:
            if op == "gelu":
                return F.gelu(x * 2.0)
            if op == "grid_sampler":
                return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
            if op == "inverse":
                return torch.linalg.inv(x + 4.0 * torch.eye(x.shape[-1]))
            if op == "triu":
                return torch.triu(x, 1)
            return torch.tril(x, -1)

    return ContribOp()


def _build(op: str) -> Built:
    import torch
    from onnxruntime.tools import pytorch_export_contrib_ops

    pytorch_export_contrib_ops.register()
    if op == "grid_sampler":
        args: tuple[Any, ...] = (torch.randn(2, 3, 8, 8), torch.rand(2, 5, 5, 2) * 2 - 1)
        other: tuple[Any, ...] = (torch.randn(3, 3, 8, 8), torch.rand(3, 5, 5, 2) * 2 - 1)
        names, axes = ["x", "grid"], {"x": {0: "batch"}, "grid": {0: "batch"}, "y": {0: "batch"}}
    else:
        size = 6
        args, other = (torch.randn(2, size, size),), (torch.randn(3, size, size),)
        names, axes = ["x"], {"x": {0: "batch"}, "y": {0: "batch"}}
    return Built(model=_module(op), args=args, other_args=other, input_names=names, output_names=["y"],
                 dynamic_axes=axes, opset=17)


def cases() -> list[Case]:
    return [Case(SOURCE, op, partial(_build, op)) for op in ("gelu", "grid_sampler", "inverse", "triu", "tril")]
