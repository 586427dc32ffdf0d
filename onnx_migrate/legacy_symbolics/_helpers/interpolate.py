"""Interpolation helpers: sizes and scales to ONNX ``Resize`` inputs, across opsets.

``upsample_*`` / ``interpolate`` symbolics pass sizes or scale factors; ``Resize`` wants
scales or sizes as inputs whose form changed at opsets 10, 11 and 13.
Re-exported by :mod:`onnx_migrate.legacy_symbolics.symbolic_helper`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import torch

from onnx_migrate.errors import OnnxMigrateWarning, SymbolicValueError
from onnx_migrate.legacy_symbolics import export_context as _export_context
from onnx_migrate.legacy_symbolics._helpers.args import (
    INT64_MAX,
    get_tensor_rank,
    get_tensor_sizes,
    is_constant,
    is_list,
    is_none,
    is_packed_list,
    is_value,
    maybe_get_const,
    maybe_get_scalar,
    scalar_item,
)
from onnx_migrate.legacy_symbolics._helpers.decorators import quantized_args
from onnx_migrate.legacy_symbolics._helpers.errors_and_opsets import unsupported
from onnx_migrate.legacy_symbolics._helpers.shapes import (
    const,
    optional_input_placeholder_tensor,
    slice_helper,
    to_1d_int64,
    unsqueeze_helper,
)
from onnx_migrate.legacy_symbolics.graph_context import GraphContext
from onnx_migrate.legacy_symbolics.scalar_types import TensorProtoDataType

# ==================================================================================
# Interpolation
# ==================================================================================


def interpolate_warning(interpolate_mode: str, opset: int | None = None) -> None:
    """Warn that Upsample/Resize before opset 11 may not match PyTorch's interpolation.

    ``opset`` defaults to the running export's.
    """
    opset = _export_context.GLOBALS.export_onnx_opset_version if opset is None else opset
    onnx_op = "onnx:Resize" if opset >= 10 else "onnx:Upsample"
    warnings.warn(
        f"Exporting interpolate (mode {interpolate_mode!r}) with {onnx_op} for ONNX opset {opset}: the result may "
        "differ from PyTorch, because Upsample/Resize only gained PyTorch's coordinate modes in opset 11. "
        "Export with opset_version>=11 for models using interpolation.",
        OnnxMigrateWarning,
        stacklevel=2,
    )


def interpolate_size_to_scales(g: GraphContext, input: Any, output_size: Any, dim: int) -> Any:
    """The Resize/Upsample scales ``[1, 1, out/in ...]`` for a target ``output_size``."""
    output_size = maybe_get_const(output_size, "is")
    if is_value(output_size):
        offsets = const(g, torch.ones(2, dtype=torch.float32))
        dividend = g.op("Cast", to_1d_int64(g, output_size, "output_size"), to_i=TensorProtoDataType.FLOAT)
        divisor = slice_helper(g, g.op("Shape", input), axes=[0], starts=[2], ends=[INT64_MAX])
        divisor = g.op("Cast", divisor, to_i=TensorProtoDataType.FLOAT)
        return g.op("Concat", offsets, g.op("Div", dividend, divisor), axis_i=0)
    sizes = get_tensor_sizes(input)
    if sizes is None or any(s is None for s in sizes[2:]):
        raise SymbolicValueError(
            "interpolate to a constant output size needs the input's spatial sizes at export time; they are dynamic. "
            "Pass scale_factor instead, or give the input static spatial dims.",
            input,
        )
    scales = [1.0 if i < 2 else float(output_size[-(dim - i)]) / float(sizes[-(dim - i)]) for i in range(dim)]  # type: ignore[arg-type]
    return const(g, torch.tensor(scales, dtype=torch.float32))


def interpolate_get_scales_if_available(g: GraphContext, scales: Sequence[Any]) -> Any:
    """``[1, 1, *scales]`` when the scale arguments carry scales, else ``None``."""
    if not scales:
        return None
    first = scales[0]
    if first is None or is_none(first):
        return None
    value = maybe_get_const(first, "fs")
    if not is_value(value):
        if value in (-1, [-1], [-1.0], -1.0) or value == []:
            return None
        scales_value = const(g, torch.tensor(value, dtype=torch.float32))
    else:
        scales_value = g.op("Cast", value, to_i=TensorProtoDataType.FLOAT)
    offsets = const(g, torch.ones(2, dtype=torch.float32))
    return g.op("Concat", offsets, scales_value, axis_i=0)


def get_interpolate_attributes(g: GraphContext, mode: str, args: Sequence[Any]) -> tuple[Any, Any]:
    """``(scales, align_corners)`` out of the trailing interpolate arguments (nearest has no align_corners)."""
    if mode == "nearest":
        align_corners = None
        scales = list(args[0:])
    else:
        align_corners = args[0]
        scales = list(args[1:])
    return interpolate_get_scales_if_available(g, scales), align_corners


def interpolate_get_scales(g: GraphContext, scale_factor: Any, dim: int) -> Any:
    """``[1, 1, s, s, ...]`` (float) from a scalar or per-dim ``scale_factor`` for a rank-``dim`` input."""
    offsets = const(g, torch.ones(2, dtype=torch.float32))
    static = maybe_get_const(scale_factor, "fs") if is_constant(scale_factor) else scale_factor
    if not is_value(static):
        factors = list(static) if isinstance(static, (list, tuple)) else [float(static)]
        if len(factors) == 1:
            factors = factors * (dim - 2)
        return const(g, torch.tensor([1.0, 1.0, *factors], dtype=torch.float32))
    rank = get_tensor_rank(scale_factor)
    if is_list(scale_factor) or (rank is not None and rank > 0):
        factors = g.op("Cast", scale_factor, to_i=TensorProtoDataType.FLOAT)
        return g.op("Concat", offsets, factors, axis_i=0)
    factor = g.op("Cast", unsqueeze_helper(g, scale_factor, [0]), to_i=TensorProtoDataType.FLOAT)
    return g.op("Concat", offsets, *([factor] * (dim - 2)), axis_i=0)


def interpolate_get_scales_and_mode(
    g: GraphContext, input: Any, size: Any, scale_factor: Any, mode: Any, align_corners: Any
) -> tuple[Any, str]:
    """Scales and ONNX mode for Upsample (opset 9) / Resize (opset 10) of ``interpolate``.

    Raises:
        UnsupportedSymbolicError: ``align_corners=True``, an unknown input rank, or no size nor scale.
    """
    mode = maybe_get_const(mode, "s")
    if "linear" in mode:
        mode = "linear"
    if "cubic" in mode:
        mode = "cubic"
    interpolate_warning(mode, g.opset)
    align_corners = maybe_get_const(align_corners, "b")
    if isinstance(align_corners, bool) and align_corners:
        unsupported("interpolate", g.opset, "align_corners=True needs opset 11", None, [11])
    dim = get_tensor_rank(input)
    if not dim:
        unsupported("interpolate", g.opset, "the input rank is unknown at export time", input)
    if not is_none(scale_factor):
        return interpolate_get_scales(g, scale_factor, dim), mode
    if not is_none(size):
        if not is_packed_list(size) and get_tensor_rank(size) == 0:
            size = unsqueeze_helper(g, size, [0])
            size = g.op("Concat", *([size] * (dim - 2)), axis_i=0)
        return interpolate_size_to_scales(g, input, size, dim), mode
    unsupported("interpolate", g.opset, "both size and scale_factor are None", input)


def resize_placeholders(g: GraphContext, count: int) -> list[Any]:
    """Omitted ``roi``/``scales`` inputs of Resize: empty names from opset 13, empty tensors before."""
    if g.opset >= 13:
        return [optional_input_placeholder_tensor(g) for _ in range(count)]
    return [const(g, torch.tensor([], dtype=torch.float32)) for _ in range(count)]


def coordinate_mode(mode: str, align_corners: Any) -> str:
    if mode == "nearest":
        return "asymmetric"
    return "align_corners" if align_corners else "half_pixel"


def interpolate_helper(name: str, dim: int, interpolate_mode: str) -> Callable[..., Any]:
    """The legacy ``upsample_<mode><dim>d`` symbolic (opset 11+ Resize): ``(g, input, output_size, *args)``."""

    @quantized_args(True, False, False)
    def symbolic_fn(g: GraphContext, input: Any, output_size: Any, *args: Any) -> Any:
        scales, align_corners = get_interpolate_attributes(g, interpolate_mode, args)
        align_corners = maybe_get_scalar(align_corners)
        align = bool(scalar_item(align_corners)) if isinstance(align_corners, torch.Tensor) else bool(
            align_corners is not None and not is_none(align_corners) and maybe_get_const(align_corners, "b")
        )
        attributes = {
            "coordinate_transformation_mode_s": coordinate_mode(interpolate_mode, align),
            "cubic_coeff_a_f": -0.75,
            "mode_s": interpolate_mode,
            "nearest_mode_s": "floor",
        }
        if scales is None:
            input_size_beg = slice_helper(g, g.op("Shape", input), axes=[0], starts=[0], ends=[2])
            target = g.op("Concat", input_size_beg, to_1d_int64(g, output_size, "output_size"), axis_i=0)
            roi, empty_scales = resize_placeholders(g, 2)
            return g.op("Resize", input, roi, empty_scales, target, **attributes)
        (roi,) = resize_placeholders(g, 1)
        return g.op("Resize", input, roi, scales, **attributes)

    symbolic_fn.__name__ = name
    return symbolic_fn


def resize_interpolate(
    g: GraphContext,
    input: Any,
    size: Any,
    scale_factor: Any,
    mode: Any,
    align_corners: Any,
    recompute_scale_factor: Any,
) -> Any:
    """``F.interpolate`` as Resize (opset 11+), from an output ``size`` or a ``scale_factor``.

    Raises:
        UnsupportedSymbolicError: the input rank is unknown.
    """
    mode = maybe_get_const(mode, "s")
    if "linear" in mode:
        mode = "linear"
    if "cubic" in mode:
        mode = "cubic"
    align_corners = maybe_get_const(align_corners, "b")
    align_corners = align_corners if isinstance(align_corners, bool) else False
    attributes = {
        "coordinate_transformation_mode_s": coordinate_mode(mode, align_corners),
        "cubic_coeff_a_f": -0.75,
        "mode_s": mode,
        "nearest_mode_s": "floor",
    }
    rank = get_tensor_rank(input)
    if not is_none(size):
        input_size = slice_helper(g, g.op("Shape", input), axes=[0], starts=[0], ends=[2])
        if not is_packed_list(size) and get_tensor_rank(size) == 0:
            if rank is None:
                unsupported(
                    "interpolate", g.opset, "a scalar output_size needs the input rank; pass a list of sizes", input
                )
            size = unsqueeze_helper(g, size, [0])
            size = g.op("Concat", *([size] * (rank - 2)), axis_i=0)
        size = to_1d_int64(g, size, "size")
        target = g.op("Concat", input_size, size, axis_i=0)
        roi, empty_scales = resize_placeholders(g, 2)
        return g.op("Resize", input, roi, empty_scales, target, **attributes)
    if rank is None:
        unsupported("interpolate", g.opset, "scales need the input rank, which is unknown at export time", input)
    (roi,) = resize_placeholders(g, 1)
    return g.op("Resize", input, roi, interpolate_get_scales(g, scale_factor, rank), **attributes)
