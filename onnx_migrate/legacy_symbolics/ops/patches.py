"""Built-in symbolics for sliding windows and sampling grids: ``im2col``, ``col2im``, ``conv_tbc``, ``affine_grid_generator``.

``F.unfold`` (``im2col``) is a grouped convolution with one-hot kernels:
each output channel copies one kernel position of one input channel.
``F.fold`` (``col2im``) is the transposed convolution with the same kernels,
which sums overlapping windows as PyTorch does (ONNX ``Col2Im`` exists from
opset 18; the convolution form runs at every opset). ``conv_tbc`` is a 1-D
convolution on a time-batch-channel layout. ``affine_grid_generator`` is ONNX
``AffineGrid`` from opset 20 and a product with a constant base grid before.
"""

from __future__ import annotations

from typing import Any

import torch

from onnx_migrate.errors import SymbolicValueError
from onnx_migrate.legacy_symbolics._helpers.args import get_const, get_tensor_dim_size, get_tensor_rank
from onnx_migrate.legacy_symbolics._helpers.shapes import reshape_helper, squeeze_helper, to_1d_int64, unsqueeze_helper
from onnx_migrate.legacy_symbolics.graph_context import GraphContext
from onnx_migrate.legacy_symbolics.ops.elementwise import dtype_of, is_none
from onnx_migrate.legacy_symbolics.ops.shape import int_list
from onnx_migrate.legacy_symbolics.marks import builtin_symbolic
from onnx_migrate.legacy_symbolics.values import Value

__all__: list[str] = []


def _pair(value: Any, name: str) -> list[int]:
    items = int_list(value, name)
    if items is None:
        raise SymbolicValueError(f"{name} must be constant.", value)
    return items * 2 if len(items) == 1 else items


def _one_hot_kernels(channels: int, kernel: list[int], dtype: torch.dtype) -> torch.Tensor:
    """``[channels * kh * kw, 1, kh, kw]``: output channel ``c*kh*kw + i*kw + j`` copies position ``(i, j)``."""
    kh, kw = kernel
    weight = torch.zeros(channels * kh * kw, 1, kh, kw, dtype=dtype)
    for c in range(channels):
        for i in range(kh):
            for j in range(kw):
                weight[c * kh * kw + i * kw + j, 0, i, j] = 1
    return weight


def _channels(value: Value, axis: int, op: str) -> int:
    size = get_tensor_dim_size(value, axis)
    if size is None:
        raise SymbolicValueError(f"{op} needs a static channel count (dim {axis}).", value)
    return int(size)


@builtin_symbolic("aten::im2col")
def aten_im2col(g: GraphContext, self: Value, kernel_size: Any, dilation: Any, padding: Any, stride: Any) -> Value:
    """``F.unfold``: ``(N, C, H, W) -> (N, C*kh*kw, L)`` as a grouped convolution with one-hot kernels."""
    kernel, dilations, pads, strides = (
        _pair(v, n)
        for v, n in ((kernel_size, "kernel_size"), (dilation, "dilation"), (padding, "padding"), (stride, "stride"))
    )
    batched = get_tensor_rank(self) == 4
    source = self if batched else unsqueeze_helper(g, self, [0])
    channels = _channels(source, 1, "aten::im2col")
    weight = g.op("Constant", value_t=_one_hot_kernels(channels, kernel, dtype_of(self) or torch.float32))
    patches = g.op(
        "Conv",
        source,
        weight,
        kernel_shape_i=kernel,
        dilations_i=dilations,
        pads_i=pads + pads,
        strides_i=strides,
        group_i=channels,
    )
    columns = reshape_helper(g, patches, [0, channels * kernel[0] * kernel[1], -1])
    return columns if batched else squeeze_helper(g, columns, [0])


@builtin_symbolic("aten::col2im")
def aten_col2im(
    g: GraphContext, self: Value, output_size: Any, kernel_size: Any, dilation: Any, padding: Any, stride: Any
) -> Value:
    """``F.fold``: ``(N, C*kh*kw, L) -> (N, C, H, W)``, overlapping windows summed (a transposed convolution)."""
    size, kernel, dilations, pads, strides = (
        _pair(v, n)
        for v, n in (
            (output_size, "output_size"),
            (kernel_size, "kernel_size"),
            (dilation, "dilation"),
            (padding, "padding"),
            (stride, "stride"),
        )
    )
    batched = get_tensor_rank(self) == 3
    source = self if batched else unsqueeze_helper(g, self, [0])
    depth = _channels(source, 1, "aten::col2im")
    channels = depth // (kernel[0] * kernel[1])
    blocks = [(size[d] + 2 * pads[d] - dilations[d] * (kernel[d] - 1) - 1) // strides[d] + 1 for d in range(2)]
    grid = reshape_helper(g, source, [0, depth, blocks[0], blocks[1]])
    weight = g.op("Constant", value_t=_one_hot_kernels(channels, kernel, dtype_of(self) or torch.float32))
    covered = [strides[d] * (blocks[d] - 1) + dilations[d] * (kernel[d] - 1) + 1 - 2 * pads[d] for d in range(2)]
    image = g.op(
        "ConvTranspose",
        grid,
        weight,
        kernel_shape_i=kernel,
        dilations_i=dilations,
        pads_i=pads + pads,
        strides_i=strides,
        group_i=channels,
        output_padding_i=[size[d] - covered[d] for d in range(2)],
    )
    return image if batched else squeeze_helper(g, image, [0])


@builtin_symbolic("aten::conv_tbc")
def aten_conv_tbc(g: GraphContext, self: Value, weight: Value, bias: Value, pad: Any = 0) -> Value:
    """1-D convolution of a ``(time, batch, channels)`` input with a ``(k, C_in, C_out)`` weight."""
    padding = 0 if is_none(pad) else int(get_const(pad, "i", "pad"))
    source = g.op("Transpose", self, perm_i=[1, 2, 0])
    kernel = g.op("Transpose", weight, perm_i=[2, 1, 0])
    width = get_tensor_dim_size(weight, 0)
    extra = {} if width is None else {"kernel_shape_i": [int(width)]}
    out = g.op("Conv", source, kernel, bias, pads_i=[padding, padding], **extra)
    return g.op("Transpose", out, perm_i=[2, 0, 1])


def _base_grid(size: list[int], align_corners: bool, dtype: torch.dtype) -> torch.Tensor:
    """``[*spatial, dims + 1]``: the normalized coordinates of each output point (x first), then a 1."""

    def line(count: int) -> torch.Tensor:
        if count <= 1:
            return torch.zeros(max(count, 1), dtype=dtype)
        steps = torch.linspace(-1, 1, count, dtype=dtype)
        return steps if align_corners else steps * (count - 1) / count

    spatial = size[2:]
    axes = [line(n) for n in spatial]
    mesh = torch.meshgrid(*axes, indexing="ij")
    coords = [m for m in reversed(mesh)]  # x (last spatial dim) first
    return torch.stack([*coords, torch.ones_like(mesh[0])], dim=-1)


@builtin_symbolic("aten::affine_grid_generator", opset=(9, 20))
def aten_affine_grid_generator(g: GraphContext, theta: Value, size: Any, align_corners: Any) -> Value:
    """Sampling grids for ``F.affine_grid``: ``AffineGrid`` from opset 20, ``base @ theta^T`` before (static size)."""
    corners = bool(get_const(align_corners, "b", "align_corners"))
    if g.opset >= 20:
        return g.op("AffineGrid", theta, to_1d_int64(g, size, "size"), align_corners_i=int(corners))
    sizes = int_list(size, "size")
    if sizes is None:
        raise SymbolicValueError(
            f"aten::affine_grid_generator needs a constant size before opset 20 (opset {g.opset}).", theta
        )
    base = _base_grid(sizes, corners, dtype_of(theta) or torch.float32)
    points = int(torch.tensor(sizes[2:]).prod())
    flat = g.op("Constant", value_t=base.reshape(points, -1))  # [points, dims + 1]
    grid = g.op("MatMul", flat, g.op("Transpose", theta, perm_i=[0, 2, 1]))  # [N, points, dims]
    return reshape_helper(g, grid, [sizes[0], *sizes[2:], len(sizes) - 2])
