"""Built-in symbolics for resampling (``F.interpolate``, ``F.grid_sample``) and padding (``F.pad``).

``F.interpolate`` reaches the captured graph as ``aten::upsample_<mode><n>d``:
the ``.vec`` overload (``output_size`` or ``scale_factors``) before
decomposition, the default overload (``output_size`` plus one optional scale
per spatial dim) after it. Both overloads share one registered name, so each
symbolic here takes the arguments of both (positionally, as the translator
passes them, or by either overload's ATen names).

ONNX learned PyTorch's resampling in steps, and the symbolic emits the form of
``g.opset``:

* opset 9: ``Upsample`` with scales (nearest and linear only, no ``align_corners``);
* opset 10: ``Resize`` with scales, still with asymmetric coordinates, so
  linear modes do not match PyTorch (a warning says so, as the legacy exporter did);
* opset 11: ``Resize`` with ``roi``/``scales``/``sizes`` inputs and coordinate
  modes: every PyTorch mode is exact (``nearest`` is asymmetric + floor,
  ``nearest-exact`` half-pixel + round-prefer-ceil, linear/cubic half-pixel or
  ``align_corners``, cubic with PyTorch's ``a = -0.75``);
* opset 13: omitted ``roi``/``scales`` inputs are written as empty names;
* opset 18: ``antialias`` serves ``_upsample_bilinear2d_aa``/``_upsample_bicubic2d_aa``.

``grid_sampler`` maps to ``GridSample`` (opset 16; opset 20 renamed the modes
and accepts volumes). Padding maps to ``Pad``: attributes at opset 9, inputs
from 11 (so pads known only at run time work), and ``circular`` becomes
``Pad(mode="wrap")`` from opset 19, slices and a concat before.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from onnx_migrate.errors import SymbolicValueError, UnsupportedSymbolicError
from onnx_migrate.legacy_symbolics._helpers.args import get_const, get_tensor_rank, get_tensor_sizes, maybe_get_const
from onnx_migrate.legacy_symbolics._helpers.dtypes import op_with_optional_float_cast
from onnx_migrate.legacy_symbolics._helpers.interpolate import (
    interpolate_size_to_scales,
    interpolate_warning,
    resize_placeholders,
)
from onnx_migrate.legacy_symbolics._helpers.shapes import slice_helper, static_int_list, to_1d_int64
from onnx_migrate.legacy_symbolics.graph_context import GraphContext
from onnx_migrate.legacy_symbolics.ops.elementwise import INT64_MAX, is_none
from onnx_migrate.legacy_symbolics.marks import builtin_symbolic
from onnx_migrate.legacy_symbolics.scalar_types import JitScalarType
from onnx_migrate.legacy_symbolics.values import ConstantValue, ListValue, Value

__all__: list[str] = []

#: PyTorch's cubic convolution coefficient (``upsample_bicubic2d``).
_CUBIC_A = -0.75
#: The coefficient of its antialiased bicubic kernel (``_upsample_bicubic2d_aa``, PIL's).
_CUBIC_A_ANTIALIAS = -0.5


# -- reading the arguments of both overloads --------------------------------------------------


def _tensor_arg(op: str, input: Any, self: Any) -> Value:
    """The data argument: ``input`` for ``.vec``, ``self`` for the default overload."""
    value = self if input is None else input
    if value is None or not isinstance(value, Value) or isinstance(value, ConstantValue):
        raise SymbolicValueError(f"{op}: the input tensor is missing (pass input= or self=).", value)
    return value


def _python(value: Any) -> Any:
    return value.python_value if isinstance(value, ConstantValue) else value


def _scale_list(
    op: str, spatial: int, positional: Sequence[Any], scale_factors: Any, named: Sequence[Any]
) -> list[float] | None:
    """The per-dim scale factors, or ``None`` when the call gives an output size only.

    ``positional`` holds what follows ``output_size`` (and ``align_corners``) in a
    positional call: one list (``.vec``'s ``scale_factors``) or one optional float
    per spatial dim (the default overload). ``named`` are the default overload's
    ``scales_*`` keywords.
    """
    candidates: list[Any]
    if len(positional) == 1 and (isinstance(_python(positional[0]), (list, tuple)) or spatial > 1):
        candidates = [positional[0]]
    else:
        candidates = list(positional)
    if not is_none(scale_factors):
        candidates = [scale_factors]
    elif any(not is_none(n) for n in named):
        candidates = list(named)
    if not candidates:
        return None
    if len(candidates) == 1 and isinstance(_python(candidates[0]), (list, tuple)):
        factors = [float(f) for f in _python(candidates[0])]
    elif len(candidates) == 1 and is_none(candidates[0]):
        return None
    else:
        items = [_python(c) for c in candidates]
        if any(i is None for i in items):
            return None
        if not all(isinstance(i, numbers.Real) for i in items):
            raise SymbolicValueError(f"{op}: scale factors must be constant numbers, got {items!r}.", None)
        factors = [float(i) for i in items]
    if len(factors) == 1 and spatial > 1:
        factors = factors * spatial
    if len(factors) != spatial:
        raise SymbolicValueError(f"{op}: expected {spatial} scale factors, got {factors}.", None)
    return factors


def _flag(value: Any, name: str, default: bool = False) -> bool:
    if is_none(value):
        return default
    return bool(get_const(value, "b", name))


# -- resampling ------------------------------------------------------------------------------


def _unsupported_before(op: str, opset: int, since: int, why: str) -> UnsupportedSymbolicError:
    return UnsupportedSymbolicError(op, opset, (since,), hint=f"{why}; export with opset_version>={since}")


def _resize(
    g: GraphContext,
    op: str,
    x: Value,
    output_size: Any,
    scales: list[float] | None,
    mode: str,
    *,
    align_corners: bool = False,
    nearest_exact: bool = False,
    antialias: bool = False,
) -> Value:
    """``Upsample``/``Resize`` computing what ``aten::upsample_*`` computes, in the form valid at ``g.opset``."""
    rank = get_tensor_rank(x)
    if rank is None:
        raise SymbolicValueError(f"{op}: the input rank must be known at export time (opset {g.opset}).", x)
    if scales is None and is_none(output_size):
        raise SymbolicValueError(f"{op}: neither output_size nor scale factors are given.", x)
    if g.opset < 11:
        return _resize_before_11(g, op, x, output_size, scales, mode, rank, align_corners, nearest_exact)
    if antialias and g.opset < 18:
        raise _unsupported_before(op, g.opset, 18, "antialiased resampling needs Resize's antialias attribute")
    if antialias and align_corners:
        raise UnsupportedSymbolicError(
            op,
            g.opset,
            (),
            hint="antialiased resampling with align_corners=True has no ONNX Resize form; use align_corners=False",
        )
    if nearest_exact:
        coordinates, nearest_mode = "half_pixel", "round_prefer_ceil"
    elif mode == "nearest":
        coordinates, nearest_mode = "asymmetric", "floor"
    else:
        coordinates, nearest_mode = ("align_corners" if align_corners else "half_pixel"), "floor"
    attributes: dict[str, Any] = {
        "coordinate_transformation_mode_s": coordinates,
        "cubic_coeff_a_f": _CUBIC_A,
        "mode_s": mode,
        "nearest_mode_s": nearest_mode,
    }
    if antialias:
        # PyTorch's antialiased kernels follow PIL: weights renormalized inside the image, cubic a = -0.5.
        attributes.update(antialias_i=1, exclude_outside_i=1, cubic_coeff_a_f=_CUBIC_A_ANTIALIAS)
    if scales is not None:
        (roi,) = resize_placeholders(g, 1)
        factors = g.op("Constant", value_t=torch.tensor([1.0, 1.0, *scales], dtype=torch.float32))
        return g.op("Resize", x, roi, factors, **attributes)
    leading = slice_helper(g, g.op("Shape", x), axes=[0], starts=[0], ends=[2])
    sizes = g.op("Concat", leading, to_1d_int64(g, output_size, f"{op} output_size"), axis_i=0)
    roi, no_scales = resize_placeholders(g, 2)
    return g.op("Resize", x, roi, no_scales, sizes, **attributes)


def _resize_before_11(
    g: GraphContext,
    op: str,
    x: Value,
    output_size: Any,
    scales: list[float] | None,
    mode: str,
    rank: int,
    align_corners: bool,
    nearest_exact: bool,
) -> Value:
    """Opset 9 ``Upsample`` / opset 10 ``Resize``: scales only, asymmetric coordinates."""
    if align_corners:
        raise _unsupported_before(op, g.opset, 11, "align_corners=True needs Resize's coordinate modes")
    if nearest_exact or mode == "cubic":
        raise _unsupported_before(
            op, g.opset, 11, f"mode {'nearest-exact' if nearest_exact else 'bicubic'} needs Resize-11"
        )
    if scales is None:
        scales = _static_size_scales(x, output_size)
    if mode != "nearest":
        interpolate_warning(mode, g.opset)
    elif scales is not None and any(s < 1 and abs(1 / s - round(1 / s)) > 1e-4 for s in scales):
        # Resize-10 rounds up when it shrinks: exact for integer ratios only.
        interpolate_warning("nearest (downsampling by a non-integer ratio)", g.opset)
    if scales is None:
        factors = interpolate_size_to_scales(g, x, output_size, rank)
    else:
        if g.opset < 10 and any(s < 1 for s in scales):
            raise _unsupported_before(
                op, g.opset, 10, f"downsampling (scales {scales}) needs Resize; Upsample-9 only enlarges"
            )
        factors = g.op("Constant", value_t=torch.tensor([1.0, 1.0, *scales], dtype=torch.float32))
    return g.op("Upsample" if g.opset < 10 else "Resize", x, factors, mode_s=mode)


def _static_size_scales(x: Value, output_size: Any) -> list[float] | None:
    """``out / in`` per spatial dim, nudged up so that ``floor(in * scale)`` is ``out`` in float32 too.

    ``Upsample``/``Resize-10`` take scales only; 5/3 rounds to a float32 whose
    product with 3 is 4.9999998, which shape inference floors to 4.
    """
    targets = static_int_list(output_size, "output_size") if not is_none(output_size) else None
    sizes = get_tensor_sizes(x)
    if targets is None or sizes is None or any(s is None for s in sizes[2:]):
        return None
    scales = []
    for size, target in zip(sizes[-len(targets) :], targets, strict=True):
        scale = np.float32(target / size)
        while np.floor(np.float32(size) * scale) < target or np.floor(np.float64(size) * np.float64(scale)) < target:
            scale = np.nextafter(scale, np.float32(np.inf))
        scales.append(float(scale))
    return scales


_RESIZE_OPSETS = (9, 10, 11, 13)


@builtin_symbolic("aten::upsample_nearest1d", opset=_RESIZE_OPSETS)
def aten_upsample_nearest1d(
    g: GraphContext,
    input: Any = None,
    output_size: Any = None,
    *trailing: Any,
    self: Any = None,
    scale_factors: Any = None,
    scales: Any = None,
) -> Value:
    """``F.interpolate(mode="nearest")`` on ``[N, C, L]``."""
    op = "aten::upsample_nearest1d"
    factors = _scale_list(op, 1, trailing, scale_factors, () if scales is None else (scales,))
    return _resize(g, op, _tensor_arg(op, input, self), output_size, factors, "nearest")


@builtin_symbolic("aten::upsample_nearest2d", opset=_RESIZE_OPSETS)
def aten_upsample_nearest2d(
    g: GraphContext,
    input: Any = None,
    output_size: Any = None,
    *trailing: Any,
    self: Any = None,
    scale_factors: Any = None,
    scales_h: Any = None,
    scales_w: Any = None,
) -> Value:
    """``F.interpolate(mode="nearest")`` on ``[N, C, H, W]``."""
    op = "aten::upsample_nearest2d"
    factors = _scale_list(op, 2, trailing, scale_factors, (scales_h, scales_w))
    return _resize(g, op, _tensor_arg(op, input, self), output_size, factors, "nearest")


@builtin_symbolic("aten::upsample_nearest3d", opset=_RESIZE_OPSETS)
def aten_upsample_nearest3d(
    g: GraphContext,
    input: Any = None,
    output_size: Any = None,
    *trailing: Any,
    self: Any = None,
    scale_factors: Any = None,
    scales_d: Any = None,
    scales_h: Any = None,
    scales_w: Any = None,
) -> Value:
    """``F.interpolate(mode="nearest")`` on ``[N, C, D, H, W]``."""
    op = "aten::upsample_nearest3d"
    factors = _scale_list(op, 3, trailing, scale_factors, (scales_d, scales_h, scales_w))
    return _resize(g, op, _tensor_arg(op, input, self), output_size, factors, "nearest")


def _nearest_exact(
    g: GraphContext,
    op: str,
    spatial: int,
    x: Any,
    output_size: Any,
    positional: Sequence[Any],
    scale_factors: Any,
    named: Sequence[Any],
) -> Value:
    factors = _scale_list(op, spatial, positional, scale_factors, named)
    return _resize(g, op, x, output_size, factors, "nearest", nearest_exact=True)


@builtin_symbolic("aten::_upsample_nearest_exact1d", opset=(11, 13))
def aten__upsample_nearest_exact1d(
    g: GraphContext,
    input: Any = None,
    output_size: Any = None,
    *trailing: Any,
    self: Any = None,
    scale_factors: Any = None,
    scales: Any = None,
) -> Value:
    """``F.interpolate(mode="nearest-exact")`` on ``[N, C, L]``."""
    op = "aten::_upsample_nearest_exact1d"
    named = () if scales is None else (scales,)
    return _nearest_exact(g, op, 1, _tensor_arg(op, input, self), output_size, trailing, scale_factors, named)


@builtin_symbolic("aten::_upsample_nearest_exact2d", opset=(11, 13))
def aten__upsample_nearest_exact2d(
    g: GraphContext,
    input: Any = None,
    output_size: Any = None,
    *trailing: Any,
    self: Any = None,
    scale_factors: Any = None,
    scales_h: Any = None,
    scales_w: Any = None,
) -> Value:
    """``F.interpolate(mode="nearest-exact")`` on ``[N, C, H, W]``."""
    op = "aten::_upsample_nearest_exact2d"
    return _nearest_exact(
        g, op, 2, _tensor_arg(op, input, self), output_size, trailing, scale_factors, (scales_h, scales_w)
    )


@builtin_symbolic("aten::_upsample_nearest_exact3d", opset=(11, 13))
def aten__upsample_nearest_exact3d(
    g: GraphContext,
    input: Any = None,
    output_size: Any = None,
    *trailing: Any,
    self: Any = None,
    scale_factors: Any = None,
    scales_d: Any = None,
    scales_h: Any = None,
    scales_w: Any = None,
) -> Value:
    """``F.interpolate(mode="nearest-exact")`` on ``[N, C, D, H, W]``."""
    op = "aten::_upsample_nearest_exact3d"
    named = (scales_d, scales_h, scales_w)
    return _nearest_exact(g, op, 3, _tensor_arg(op, input, self), output_size, trailing, scale_factors, named)


def _interpolating(
    g: GraphContext,
    op: str,
    spatial: int,
    mode: str,
    x: Any,
    output_size: Any,
    align_corners: Any,
    positional: Sequence[Any],
    scale_factors: Any,
    named: Sequence[Any],
    antialias: bool = False,
) -> Value:
    factors = _scale_list(op, spatial, positional, scale_factors, named)
    align = _flag(align_corners, "align_corners")
    return _resize(g, op, x, output_size, factors, mode, align_corners=align, antialias=antialias)


@builtin_symbolic("aten::upsample_linear1d", opset=_RESIZE_OPSETS)
def aten_upsample_linear1d(
    g: GraphContext,
    input: Any = None,
    output_size: Any = None,
    align_corners: Any = None,
    *trailing: Any,
    self: Any = None,
    scale_factors: Any = None,
    scales: Any = None,
) -> Value:
    """``F.interpolate(mode="linear")`` on ``[N, C, L]``."""
    op = "aten::upsample_linear1d"
    x = _tensor_arg(op, input, self)
    named = () if scales is None else (scales,)
    return _interpolating(g, op, 1, "linear", x, output_size, align_corners, trailing, scale_factors, named)


@builtin_symbolic("aten::upsample_bilinear2d", opset=_RESIZE_OPSETS)
def aten_upsample_bilinear2d(
    g: GraphContext,
    input: Any = None,
    output_size: Any = None,
    align_corners: Any = None,
    *trailing: Any,
    self: Any = None,
    scale_factors: Any = None,
    scales_h: Any = None,
    scales_w: Any = None,
) -> Value:
    """``F.interpolate(mode="bilinear")`` on ``[N, C, H, W]``."""
    op = "aten::upsample_bilinear2d"
    x = _tensor_arg(op, input, self)
    return _interpolating(
        g, op, 2, "linear", x, output_size, align_corners, trailing, scale_factors, (scales_h, scales_w)
    )


@builtin_symbolic("aten::upsample_trilinear3d", opset=_RESIZE_OPSETS)
def aten_upsample_trilinear3d(
    g: GraphContext,
    input: Any = None,
    output_size: Any = None,
    align_corners: Any = None,
    *trailing: Any,
    self: Any = None,
    scale_factors: Any = None,
    scales_d: Any = None,
    scales_h: Any = None,
    scales_w: Any = None,
) -> Value:
    """``F.interpolate(mode="trilinear")`` on ``[N, C, D, H, W]``."""
    op = "aten::upsample_trilinear3d"
    x = _tensor_arg(op, input, self)
    named = (scales_d, scales_h, scales_w)
    return _interpolating(g, op, 3, "linear", x, output_size, align_corners, trailing, scale_factors, named)


@builtin_symbolic("aten::upsample_bicubic2d", opset=(11, 13))
def aten_upsample_bicubic2d(
    g: GraphContext,
    input: Any = None,
    output_size: Any = None,
    align_corners: Any = None,
    *trailing: Any,
    self: Any = None,
    scale_factors: Any = None,
    scales_h: Any = None,
    scales_w: Any = None,
) -> Value:
    """``F.interpolate(mode="bicubic")`` on ``[N, C, H, W]`` (``Resize`` cubic, ``a = -0.75``)."""
    op = "aten::upsample_bicubic2d"
    x = _tensor_arg(op, input, self)
    return _interpolating(
        g, op, 2, "cubic", x, output_size, align_corners, trailing, scale_factors, (scales_h, scales_w)
    )


@builtin_symbolic("aten::_upsample_bilinear2d_aa", opset=18)
def aten__upsample_bilinear2d_aa(
    g: GraphContext,
    input: Any = None,
    output_size: Any = None,
    align_corners: Any = None,
    *trailing: Any,
    self: Any = None,
    scale_factors: Any = None,
    scales_h: Any = None,
    scales_w: Any = None,
) -> Value:
    """``F.interpolate(mode="bilinear", antialias=True)``: ``Resize(antialias=1)`` (opset 18)."""
    op = "aten::_upsample_bilinear2d_aa"
    x = _tensor_arg(op, input, self)
    named = (scales_h, scales_w)
    return _interpolating(
        g, op, 2, "linear", x, output_size, align_corners, trailing, scale_factors, named, antialias=True
    )


@builtin_symbolic("aten::_upsample_bicubic2d_aa", opset=18)
def aten__upsample_bicubic2d_aa(
    g: GraphContext,
    input: Any = None,
    output_size: Any = None,
    align_corners: Any = None,
    *trailing: Any,
    self: Any = None,
    scale_factors: Any = None,
    scales_h: Any = None,
    scales_w: Any = None,
) -> Value:
    """``F.interpolate(mode="bicubic", antialias=True)``: ``Resize(antialias=1)`` (opset 18)."""
    op = "aten::_upsample_bicubic2d_aa"
    x = _tensor_arg(op, input, self)
    named = (scales_h, scales_w)
    return _interpolating(
        g, op, 2, "cubic", x, output_size, align_corners, trailing, scale_factors, named, antialias=True
    )


# -- grid sampling ----------------------------------------------------------------------------

#: ``F.grid_sample``'s enum codes (``torch.nn.functional.GRID_SAMPLE_*_MODES``) -> ONNX names (opset 16, 20).
_GRID_MODES = {0: ("bilinear", "linear"), 1: ("nearest", "nearest"), 2: ("bicubic", "cubic")}
_GRID_PADDING = {0: "zeros", 1: "border", 2: "reflection"}


def _grid_sample(
    g: GraphContext, op: str, input: Value, grid: Value, interpolation_mode: Any, padding_mode: Any, align_corners: Any
) -> Value:
    mode_code = int(get_const(interpolation_mode, "i", "interpolation_mode"))
    padding_code = int(get_const(padding_mode, "i", "padding_mode"))
    if mode_code not in _GRID_MODES or padding_code not in _GRID_PADDING:
        raise SymbolicValueError(f"{op}: unknown interpolation/padding mode codes {mode_code}/{padding_code}.", input)
    rank = get_tensor_rank(input)
    if g.opset < 20 and rank not in (4, None):
        raise _unsupported_before(op, g.opset, 20, f"GridSample takes {rank}-D inputs (volumes) from opset 20")
    if rank == 5 and mode_code == 2:
        raise SymbolicValueError(f"{op}: bicubic sampling of volumes does not exist in PyTorch nor ONNX.", input)
    mode = _GRID_MODES[mode_code][0 if g.opset < 20 else 1]
    return g.op(
        "GridSample",
        input,
        grid,
        align_corners_i=int(_flag(align_corners, "align_corners")),
        mode_s=mode,
        padding_mode_s=_GRID_PADDING[padding_code],
    )


@builtin_symbolic("aten::grid_sampler", opset=(16, 20))
def aten_grid_sampler(
    g: GraphContext,
    input: Value,
    grid: Value,
    interpolation_mode: Any,
    padding_mode: Any,
    align_corners: Any,
) -> Value:
    """``F.grid_sample`` -> ``GridSample`` (4-D at opset 16; N-D and renamed modes at opset 20)."""
    return _grid_sample(g, "aten::grid_sampler", input, grid, interpolation_mode, padding_mode, align_corners)


@builtin_symbolic("aten::grid_sampler_2d", opset=(16, 20))
def aten_grid_sampler_2d(
    g: GraphContext,
    input: Value,
    grid: Value,
    interpolation_mode: Any,
    padding_mode: Any,
    align_corners: Any,
) -> Value:
    """``grid_sampler`` after decomposition, for 4-D inputs."""
    return _grid_sample(g, "aten::grid_sampler_2d", input, grid, interpolation_mode, padding_mode, align_corners)


@builtin_symbolic("aten::grid_sampler_3d", opset=20)
def aten_grid_sampler_3d(
    g: GraphContext,
    input: Value,
    grid: Value,
    interpolation_mode: Any,
    padding_mode: Any,
    align_corners: Any,
) -> Value:
    """``grid_sampler`` after decomposition, for 5-D inputs (``GridSample`` is N-D from opset 20)."""
    return _grid_sample(g, "aten::grid_sampler_3d", input, grid, interpolation_mode, padding_mode, align_corners)


# -- padding ----------------------------------------------------------------------------------


def _pad_items(op: str, pad: Any) -> list[Any]:
    """The items of PyTorch's ``pad`` list: ints, or 0-d graph values for sizes known at run time."""
    if isinstance(pad, ListValue):
        items: list[Any] = []
        for item in pad.items:
            const = maybe_get_const(item, "i") if item is not None else None
            items.append(int(const) if isinstance(const, numbers.Integral) else item)
        return items
    static = static_int_list(pad, f"{op} pad")
    if static is None:
        raise SymbolicValueError(f"{op}: pad must be a list of ints, got {pad!r:.80}.", pad)
    return list(static)


def _onnx_pads(op: str, rank: int | None, items: Sequence[Any], value: Any) -> list[Any]:
    """PyTorch's ``[last_begin, last_end, prev_begin, prev_end, ...]`` -> ONNX's ``[begins..., ends...]`` (all dims)."""
    if len(items) % 2:
        raise SymbolicValueError(f"{op}: pad needs an even number of values, got {len(items)}.", value)
    if rank is None:
        raise SymbolicValueError(f"{op}: the input rank must be known at export time.", value)
    padded = len(items) // 2
    if padded > rank:
        raise SymbolicValueError(f"{op}: pad covers {padded} dims but the input has {rank}.", value)
    begins: list[Any] = [0] * rank
    ends: list[Any] = [0] * rank
    for k in range(padded):
        begins[rank - 1 - k] = items[2 * k]
        ends[rank - 1 - k] = items[2 * k + 1]
    return begins + ends


def _pads_input(g: GraphContext, op: str, pads: list[Any]) -> Value:
    if all(isinstance(p, int) for p in pads):
        return g.op("Constant", value_t=torch.tensor(pads, dtype=torch.int64))
    return to_1d_int64(g, ListValue([p if isinstance(p, Value) else ConstantValue(p) for p in pads]), f"{op} pads")


def _pad(g: GraphContext, op: str, x: Value, pad: Any, onnx_mode: str, value: Any = None) -> Value:
    """``Pad`` of ``x`` in ``onnx_mode`` (constant, reflect, edge, wrap) at ``g.opset``."""
    pads = _onnx_pads(op, get_tensor_rank(x), _pad_items(op, pad), x)
    if g.opset < 11:
        if not all(isinstance(p, int) for p in pads):
            raise _unsupported_before(op, g.opset, 11, "pad sizes known only at run time need Pad's pads input")
        attributes: dict[str, Any] = {"pads_i": pads, "mode_s": onnx_mode}
        if onnx_mode == "constant":
            attributes["value_f"] = _fill_number(op, value)
        return op_with_optional_float_cast(g, "Pad", x, opset_before=11, **attributes)
    pads_value = _pads_input(g, op, pads)
    if onnx_mode != "constant":
        return g.op("Pad", x, pads_value, mode_s=onnx_mode)
    fill = value if isinstance(value, Value) and not isinstance(value, ConstantValue) else _fill_number(op, value)
    dtype = x.type().dtype()
    if isinstance(fill, Value):
        fill = g.op("Cast", fill, to_i=JitScalarType.from_dtype(dtype).onnx_type()) if dtype is not None else fill
    elif dtype is not None:
        fill = g.op("Constant", value_t=torch.tensor(fill).to(dtype))
    return g.op("Pad", x, pads_value, fill, mode_s="constant")


def _fill_number(op: str, value: Any) -> float:
    if is_none(value):
        return 0.0
    number = maybe_get_const(value, "f")
    if isinstance(number, torch.Tensor) and number.numel() == 1:
        number = number.item()
    if not isinstance(number, numbers.Real):
        raise SymbolicValueError(f"{op}: the fill value must be constant before opset 11, got {value!r:.80}.", value)
    return float(number)


def _circular(g: GraphContext, op: str, x: Value, pad: Any) -> Value:
    """``circular`` padding: ``Pad(mode="wrap")`` from opset 19, slices of the far ends concatenated before."""
    if g.opset >= 19:
        return _pad(g, op, x, pad, "wrap")
    items = _pad_items(op, pad)
    if not all(isinstance(i, int) for i in items):
        raise _unsupported_before(op, g.opset, 19, "circular pad sizes known only at run time need Pad's wrap mode")
    rank = get_tensor_rank(x)
    if rank is None:
        raise SymbolicValueError(f"{op}: the input rank must be known at export time.", x)
    result = x
    for k in range(len(items) // 2):
        axis = rank - 1 - k
        before, after = items[2 * k], items[2 * k + 1]
        core = slice_helper(
            g, result, axes=[axis], starts=[max(0, -before)], ends=[after if after < 0 else INT64_MAX]
        )
        pieces = []
        if before > 0:
            pieces.append(slice_helper(g, core, axes=[axis], starts=[-before], ends=[INT64_MAX]))
        pieces.append(core)
        if after > 0:
            pieces.append(slice_helper(g, core, axes=[axis], starts=[0], ends=[after]))
        result = pieces[0] if len(pieces) == 1 else g.op("Concat", *pieces, axis_i=axis)
    return result


@builtin_symbolic("aten::constant_pad_nd", opset=(9, 11))
def aten_constant_pad_nd(g: GraphContext, self: Value, pad: Any, value: Any = 0) -> Value:
    """``F.pad(mode="constant")`` after decomposition."""
    return _pad(g, "aten::constant_pad_nd", self, pad, "constant", value)


@builtin_symbolic("aten::reflection_pad1d", opset=(9, 11))
def aten_reflection_pad1d(g: GraphContext, self: Value, padding: Any) -> Value:
    return _pad(g, "aten::reflection_pad1d", self, padding, "reflect")


@builtin_symbolic("aten::reflection_pad2d", opset=(9, 11))
def aten_reflection_pad2d(g: GraphContext, self: Value, padding: Any) -> Value:
    return _pad(g, "aten::reflection_pad2d", self, padding, "reflect")


@builtin_symbolic("aten::reflection_pad3d", opset=(9, 11))
def aten_reflection_pad3d(g: GraphContext, self: Value, padding: Any) -> Value:
    return _pad(g, "aten::reflection_pad3d", self, padding, "reflect")


@builtin_symbolic("aten::replication_pad1d", opset=(9, 11))
def aten_replication_pad1d(g: GraphContext, self: Value, padding: Any) -> Value:
    return _pad(g, "aten::replication_pad1d", self, padding, "edge")


@builtin_symbolic("aten::replication_pad2d", opset=(9, 11))
def aten_replication_pad2d(g: GraphContext, self: Value, padding: Any) -> Value:
    return _pad(g, "aten::replication_pad2d", self, padding, "edge")


@builtin_symbolic("aten::replication_pad3d", opset=(9, 11))
def aten_replication_pad3d(g: GraphContext, self: Value, padding: Any) -> Value:
    return _pad(g, "aten::replication_pad3d", self, padding, "edge")


@builtin_symbolic("aten::_pad_circular", opset=(9, 19))
def aten__pad_circular(g: GraphContext, self: Value, pad: Any) -> Value:
    return _circular(g, "aten::_pad_circular", self, pad)


_PAD_MODES = {"constant": "constant", "reflect": "reflect", "replicate": "edge"}


@builtin_symbolic("aten::pad", opset=(9, 11, 19))
def aten_pad(g: GraphContext, self: Value, pad: Any, mode: Any = "constant", value: Any = None) -> Value:
    """``F.pad`` as captured: ``mode`` is constant, reflect, replicate or circular."""
    name = "constant" if is_none(mode) else str(get_const(mode, "s", "mode"))
    if name == "circular":
        return _circular(g, "aten::pad", self, pad)
    if name not in _PAD_MODES:
        raise SymbolicValueError(
            f"aten::pad: unknown padding mode {name!r} (constant, reflect, replicate, circular).", self
        )
    return _pad(g, "aten::pad", self, pad, _PAD_MODES[name], value)
