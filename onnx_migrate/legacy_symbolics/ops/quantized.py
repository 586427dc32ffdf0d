"""Built-in symbolics for quantization-aware-trained models: fake quantization as Q/DQ pairs.

Deployment runtimes (TensorRT, ONNX Runtime's quantized kernels) read a QAT
model's quantization from ``QuantizeLinear -> DequantizeLinear`` pairs. The
captured graph holds it as ``aten::fake_quantize_per_tensor_affine`` /
``_per_channel_affine`` (and their ``_cachemask``, ``tensor_qparams`` and
learnable variants), as ``aten::fused_moving_avg_obs_fake_quant`` (what
``torch.ao.quantization``'s default QAT qconfig inserts), as
``aten::quantize_per_tensor`` + ``aten::dequantize``, or as the
``quantized_decomposed::`` ops. Every one becomes a Q/DQ pair:

* the integer type comes from ``(quant_min, quant_max)`` as the legacy exporter
  chose it: ``uint8`` when ``quant_min >= 0``, ``int8`` otherwise; from opset 21
  ``int16``/``uint16`` serve wider ranges;
* a range narrower than the type (PyTorch's ``reduce_range`` ``(0, 127)``, the
  narrow ``(-127, 127)``) adds a ``Clip`` of the integers between Q and DQ (int
  ``Clip`` exists from opset 12; before, the dequantized floats are clamped);
* per-tensor qparams become 0-d constants (ONNX reads a 1-D scale as
  per-axis), per-channel ones need ``QuantizeLinear``'s ``axis`` (opset 13).

Opset 9 has no ``QuantizeLinear``: there the ops have no symbolic and the
exporter decomposes them into float arithmetic.
"""

from __future__ import annotations

import dataclasses
import numbers
from typing import Any

import torch

from onnx_migrate.errors import SymbolicValueError, UnsupportedSymbolicError
from onnx_migrate.legacy_symbolics._helpers.args import constant_payload, get_const, get_tensor_rank
from onnx_migrate.legacy_symbolics._helpers.shapes import reshape_helper
from onnx_migrate.legacy_symbolics.graph_context import GraphContext
from onnx_migrate.legacy_symbolics.ops.elementwise import dtype_arg, dtype_of, is_none
from onnx_migrate.legacy_symbolics.marks import builtin_symbolic
from onnx_migrate.legacy_symbolics.scalar_types import JitScalarType
from onnx_migrate.legacy_symbolics.values import ConstantValue, Value

__all__: list[str] = []

#: Where ``quantize_per_tensor``'s output keeps the qparams for the ``dequantize`` that reads it.
QPARAMS_META = "onnx_migrate.qparams"

#: ONNX quantized types by opset: (dtype, lowest, highest), preferred first.
_TYPES_10 = ((torch.uint8, 0, 255), (torch.int8, -128, 127))
_TYPES_21 = (*_TYPES_10, (torch.uint16, 0, 65535), (torch.int16, -32768, 32767))


@dataclasses.dataclass(frozen=True)
class _QuantSpec:
    """The integer type of one Q/DQ pair and the PyTorch range inside it."""

    dtype: torch.dtype
    quant_min: int
    quant_max: int
    type_min: int
    type_max: int

    @property
    def narrow(self) -> bool:
        return (self.quant_min, self.quant_max) != (self.type_min, self.type_max)


def _int_arg(value: Any, name: str, op: str) -> int:
    if isinstance(value, numbers.Integral):
        return int(value)
    payload = constant_payload(value)
    if isinstance(payload, torch.Tensor) and payload.numel() == 1:
        return int(payload.item())
    if isinstance(payload, numbers.Integral):
        return int(payload)
    raise SymbolicValueError(f"{op}: {name} must be known at export time, got {value!r:.80}.", value)


def _spec(g: GraphContext, op: str, quant_min: Any, quant_max: Any, value: Any) -> _QuantSpec:
    """The ONNX integer type for ``[quant_min, quant_max]`` at ``g.opset``."""
    low, high = _int_arg(quant_min, "quant_min", op), _int_arg(quant_max, "quant_max", op)
    if low > high:
        raise SymbolicValueError(f"{op}: quant_min {low} is above quant_max {high}.", value)
    candidates = _TYPES_21 if g.opset >= 21 else _TYPES_10
    if low < 0:
        candidates = tuple(c for c in candidates if c[1] < 0)
    for dtype, type_min, type_max in candidates:
        if type_min <= low and high <= type_max:
            return _QuantSpec(dtype, low, high, type_min, type_max)
    wider = " (16-bit ranges need opset 21)" if g.opset < 21 else ""
    raise SymbolicValueError(
        f"{op}: the range ({low}, {high}) fits no ONNX QuantizeLinear type at opset {g.opset}: "
        f"use a range inside uint8 (0..255) or int8 (-128..127){wider}.",
        value,
    )


def _require(g: GraphContext, op: str, since: int, why: str) -> None:
    if g.opset < since:
        raise UnsupportedSymbolicError(op, g.opset, (since,), hint=f"{why}; export with opset_version>={since}")


def _onnx_type(dtype: torch.dtype) -> int:
    return JitScalarType.from_dtype(dtype).onnx_type()


def _qparam(
    g: GraphContext,
    value: Any,
    dtype: torch.dtype,
    per_tensor: bool,
    name: str,
    op: str,
    *,
    round_into: tuple[int, int] | None = None,
) -> Value:
    """A scale (``dtype`` float32) or zero point (the quantized type) as ONNX Q/DQ take it.

    Constants are converted at export time (so the graph holds plain initializers,
    which deployment tools expect); per-tensor ones become 0-d. ``round_into``
    rounds a float zero point and clamps it into ``[quant_min, quant_max]`` first,
    as the learnable fake quantizers do.
    """
    payload = value if isinstance(value, (numbers.Number, torch.Tensor)) else constant_payload(value)
    if isinstance(payload, (numbers.Number, torch.Tensor)) and not isinstance(payload, bool):
        tensor = torch.as_tensor(payload).detach()
        if round_into is not None or (not dtype.is_floating_point and tensor.is_floating_point()):
            tensor = tensor.round()
        if round_into is not None:
            tensor = tensor.clamp(*round_into)
        if not dtype.is_floating_point:
            info = torch.iinfo(dtype)
            tensor = tensor.clamp(info.min, info.max)
        tensor = tensor.to(dtype)
        if per_tensor:
            if tensor.numel() != 1:
                raise SymbolicValueError(
                    f"{op}: a per-tensor {name} must have one element, got {tuple(tensor.shape)}.", value
                )
            tensor = tensor.reshape(())
        return g.op("Constant", value_t=tensor)
    if not isinstance(value, Value) or isinstance(value, ConstantValue):
        raise SymbolicValueError(f"{op}: {name} must be a number or a tensor, got {value!r:.80}.", value)
    if round_into is not None and g.opset >= 11:
        value = g.op("Clip", g.op("Round", value), *(torch.tensor(float(bound)) for bound in round_into))
    if dtype_of(value) != dtype:
        value = g.op("Cast", value, to_i=_onnx_type(dtype))
    if per_tensor and get_tensor_rank(value) != 0:
        value = reshape_helper(g, value, [])
    return value


def _clip_integers(g: GraphContext, quantized: Value, spec: _QuantSpec) -> Value:
    low = g.op("Constant", value_t=torch.tensor(spec.quant_min, dtype=spec.dtype))
    high = g.op("Constant", value_t=torch.tensor(spec.quant_max, dtype=spec.dtype))
    return g.op("Clip", quantized, low, high)


def _clamp_floats(g: GraphContext, values: Value, scale: Value, zero_point: Value, spec: _QuantSpec) -> Value:
    """Clamp dequantized values to ``[(quant_min - zp) * s, (quant_max - zp) * s]`` (before int ``Clip``, opset 12)."""
    shift = g.op("Cast", zero_point, to_i=_onnx_type(torch.float32))
    if spec.quant_min > spec.type_min:
        low = g.op("Mul", g.op("Sub", g.op("Constant", value_t=torch.tensor(float(spec.quant_min))), shift), scale)
        values = g.op("Max", values, low)
    if spec.quant_max < spec.type_max:
        high = g.op("Mul", g.op("Sub", g.op("Constant", value_t=torch.tensor(float(spec.quant_max))), shift), scale)
        values = g.op("Min", values, high)
    return values


def _as_float32(g: GraphContext, x: Value) -> tuple[Value, torch.dtype | None]:
    """``x`` in float32 (what QuantizeLinear takes at every opset) and its original dtype if cast."""
    dtype = dtype_of(x)
    if dtype in (None, torch.float32):
        return x, None
    return g.op("Cast", x, to_i=_onnx_type(torch.float32)), dtype


def _fake_quantize(
    g: GraphContext,
    op: str,
    x: Value,
    scale: Any,
    zero_point: Any,
    quant_min: Any,
    quant_max: Any,
    axis: int | None = None,
    *,
    round_zero_point: bool = False,
) -> Value:
    """``DequantizeLinear(QuantizeLinear(x))`` computing PyTorch's fake quantization."""
    _require(g, op, 10, "QuantizeLinear/DequantizeLinear were added in opset 10")
    if axis is not None:
        _require(g, op, 13, "per-channel quantization needs QuantizeLinear's axis")
    spec = _spec(g, op, quant_min, quant_max, x)
    per_tensor = axis is None
    onnx_scale = _qparam(g, scale, torch.float32, per_tensor, "scale", op)
    round_into = (spec.quant_min, spec.quant_max) if round_zero_point else None
    onnx_zero = _qparam(g, zero_point, spec.dtype, per_tensor, "zero_point", op, round_into=round_into)
    data, original = _as_float32(g, x)
    axis_attr = {} if axis is None else {"axis_i": axis}
    quantized = g.op("QuantizeLinear", data, onnx_scale, onnx_zero, **axis_attr)
    if spec.narrow and g.opset >= 12:
        quantized = _clip_integers(g, quantized, spec)
    result = g.op("DequantizeLinear", quantized, onnx_scale, onnx_zero, **axis_attr)
    if spec.narrow and g.opset < 12:
        result = _clamp_floats(g, result, onnx_scale, onnx_zero, spec)
    return result if original is None else g.op("Cast", result, to_i=_onnx_type(original))


def _in_range_mask(
    g: GraphContext, x: Value, scale: Any, zero_point: Any, quant_min: Any, quant_max: Any, axis: int | None, op: str
) -> Value:
    """The ``_cachemask`` output: where ``round(x / scale) + zero_point`` lies in ``[quant_min, quant_max]``."""
    low, high = _int_arg(quant_min, "quant_min", op), _int_arg(quant_max, "quant_max", op)
    float_scale = _qparam(g, scale, torch.float32, axis is None, "scale", op)
    float_zero = _qparam(g, zero_point, torch.float32, axis is None, "zero_point", op)
    if axis is not None:
        rank = get_tensor_rank(x)
        if rank is None:
            raise SymbolicValueError(f"{op}: the mask of per-channel fake quantization needs the input rank.", x)
        shape = [1] * rank
        shape[axis] = -1
        float_scale = reshape_helper(g, float_scale, shape)
        float_zero = reshape_helper(g, float_zero, shape)
    data, _ = _as_float32(g, x)
    ratio = g.op("Div", data, float_scale)
    # Round half to even from opset 11; before, half up (they differ only on exact ties).
    rounded = g.op("Round", ratio) if g.opset >= 11 else g.op("Floor", g.op("Add", ratio, 0.5))
    shifted = g.op("Add", rounded, float_zero)
    above = g.op("Not", g.op("Less", shifted, g.op("Constant", value_t=torch.tensor(float(low)))))
    below = g.op("Not", g.op("Greater", shifted, g.op("Constant", value_t=torch.tensor(float(high)))))
    return g.op("And", above, below)


_PER_TENSOR_OPSETS = (10, 12, 21)
_PER_CHANNEL_OPSETS = (13, 21)


@builtin_symbolic("aten::fake_quantize_per_tensor_affine", opset=_PER_TENSOR_OPSETS)
def aten_fake_quantize_per_tensor_affine(
    g: GraphContext, self: Value, scale: Any, zero_point: Any, quant_min: Any = -128, quant_max: Any = 127
) -> Value:
    """Both overloads: float/int qparams (default) and tensor qparams (``tensor_qparams``)."""
    return _fake_quantize(g, "aten::fake_quantize_per_tensor_affine", self, scale, zero_point, quant_min, quant_max)


@builtin_symbolic("aten::fake_quantize_per_tensor_affine_cachemask", opset=_PER_TENSOR_OPSETS)
def aten_fake_quantize_per_tensor_affine_cachemask(
    g: GraphContext, self: Value, scale: Any, zero_point: Any, quant_min: Any, quant_max: Any
) -> tuple[Value, Value]:
    """``(output, mask)``; the mask (for the backward pass) is computed too, in case the model returns it."""
    op = "aten::fake_quantize_per_tensor_affine_cachemask"
    output = _fake_quantize(g, op, self, scale, zero_point, quant_min, quant_max)
    return output, _in_range_mask(g, self, scale, zero_point, quant_min, quant_max, None, op)


def _flag(value: Any) -> bool:
    return False if is_none(value) else bool(get_const(value, "b", "flag"))


def _enabled(value: Any, name: str, op: str) -> bool:
    """A ``fake_quant_enabled``/``observer_enabled`` flag; it must be a constant (a buffer) to export."""
    payload = constant_payload(value) if not isinstance(value, (bool, int)) else value
    if isinstance(payload, torch.Tensor) and payload.numel() == 1:
        return bool(payload.item())
    if isinstance(payload, (bool, int)):
        return bool(payload)
    raise SymbolicValueError(
        f"{op}: {name} must be known at export time (a buffer of the module), got {value!r:.80}.", value
    )


@builtin_symbolic("aten::_fake_quantize_per_tensor_affine_cachemask_tensor_qparams", opset=_PER_TENSOR_OPSETS)
def aten__fake_quantize_per_tensor_affine_cachemask_tensor_qparams(
    g: GraphContext,
    self: Value,
    scale: Value,
    zero_point: Value,
    fake_quant_enabled: Any,
    quant_min: Any,
    quant_max: Any,
) -> tuple[Value, Value]:
    """``(output, mask)`` with tensor qparams; a disabled fake quantizer passes ``self`` through."""
    op = "aten::_fake_quantize_per_tensor_affine_cachemask_tensor_qparams"
    if not _enabled(fake_quant_enabled, "fake_quant_enabled", op):
        return self, _all_true(g, self)
    output = _fake_quantize(g, op, self, scale, zero_point, quant_min, quant_max)
    return output, _in_range_mask(g, self, scale, zero_point, quant_min, quant_max, None, op)


def _all_true(g: GraphContext, like: Value) -> Value:
    return g.op("ConstantOfShape", g.op("Shape", like), value_t=torch.tensor([True]))


def _axis(value: Any, x: Value, op: str) -> int:
    axis = _int_arg(value, "axis", op)
    rank = get_tensor_rank(x)
    return axis + rank if axis < 0 and rank is not None else axis


@builtin_symbolic("aten::fake_quantize_per_channel_affine", opset=_PER_CHANNEL_OPSETS)
def aten_fake_quantize_per_channel_affine(
    g: GraphContext,
    self: Value,
    scale: Value,
    zero_point: Value,
    axis: Any,
    quant_min: Any = -128,
    quant_max: Any = 127,
) -> Value:
    """Per-channel Q/DQ along ``axis`` (opset 13)."""
    op = "aten::fake_quantize_per_channel_affine"
    return _fake_quantize(g, op, self, scale, zero_point, quant_min, quant_max, _axis(axis, self, op))


@builtin_symbolic("aten::fake_quantize_per_channel_affine_cachemask", opset=_PER_CHANNEL_OPSETS)
def aten_fake_quantize_per_channel_affine_cachemask(
    g: GraphContext, self: Value, scale: Value, zero_point: Value, axis: Any, quant_min: Any, quant_max: Any
) -> tuple[Value, Value]:
    op = "aten::fake_quantize_per_channel_affine_cachemask"
    channel = _axis(axis, self, op)
    output = _fake_quantize(g, op, self, scale, zero_point, quant_min, quant_max, channel)
    return output, _in_range_mask(g, self, scale, zero_point, quant_min, quant_max, channel, op)


@builtin_symbolic("aten::_fake_quantize_learnable_per_tensor_affine", opset=_PER_TENSOR_OPSETS)
def aten__fake_quantize_learnable_per_tensor_affine(
    g: GraphContext,
    self: Value,
    scale: Value,
    zero_point: Value,
    quant_min: Any,
    quant_max: Any,
    grad_factor: Any = 1.0,
) -> Value:
    """``LearnableFakeQuantize`` (LSQ): a float zero point, rounded and saturated first."""
    op = "aten::_fake_quantize_learnable_per_tensor_affine"
    return _fake_quantize(g, op, self, scale, zero_point, quant_min, quant_max, round_zero_point=True)


@builtin_symbolic("aten::_fake_quantize_learnable_per_channel_affine", opset=_PER_CHANNEL_OPSETS)
def aten__fake_quantize_learnable_per_channel_affine(
    g: GraphContext,
    self: Value,
    scale: Value,
    zero_point: Value,
    axis: Any,
    quant_min: Any,
    quant_max: Any,
    grad_factor: Any = 1.0,
) -> Value:
    op = "aten::_fake_quantize_learnable_per_channel_affine"
    channel = _axis(axis, self, op)
    return _fake_quantize(g, op, self, scale, zero_point, quant_min, quant_max, channel, round_zero_point=True)


# -- torch.ao.quantization's fused observer + fake quantizer ------------------------------------


def _fused_observed(
    g: GraphContext,
    op: str,
    x: Value,
    observer_on: Any,
    fake_quant_on: Any,
    running_min: Value,
    running_max: Value,
    scale: Value,
    zero_point: Value,
    averaging_const: Any,
    quant_min: Any,
    quant_max: Any,
    ch_axis: Any,
    per_row_fake_quant: Any,
    symmetric_quant: Any,
) -> tuple[Value, Value]:
    """The fake quantization of ``FusedMovingAvgObsFakeQuantize`` with its observer off: ``(output, mask)``."""
    settings = (
        float(get_const(averaging_const, "f", "averaging_const")),
        _int_arg(quant_min, "quant_min", op),
        _int_arg(quant_max, "quant_max", op),
        _int_arg(ch_axis, "ch_axis", op),
        _flag(per_row_fake_quant),
        _flag(symmetric_quant),
    )
    if _enabled(observer_on, "observer_on", op):
        raise UnsupportedSymbolicError(
            op,
            g.opset,
            (),
            hint=(
                "the observer is still on, so the scale would be recomputed from each input; freeze the qparams "
                "before export with model.apply(torch.ao.quantization.disable_observer)"
            ),
        )
    if not _enabled(fake_quant_on, "fake_quant_on", op):
        return x, _all_true(g, x)
    axis = _axis(ch_axis, x, op) if settings[4] else None
    frozen_scale, frozen_zero = _frozen_qparams(op, x, running_min, running_max, scale, zero_point, settings, axis)
    output = _fake_quantize(g, op, x, frozen_scale, frozen_zero, quant_min, quant_max, axis)
    return output, _in_range_mask(g, x, frozen_scale, frozen_zero, quant_min, quant_max, axis, op)


def _frozen_qparams(
    op: str,
    x: Value,
    running_min: Value,
    running_max: Value,
    scale: Value,
    zero_point: Value,
    settings: tuple[Any, ...],
    axis: int | None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """The scale and zero point the op computes: PyTorch derives them from the running min/max at every call.

    The buffers are constants of the export, so PyTorch itself computes them here,
    on a one-element-per-channel input with the observer off (it updates nothing else).
    """
    buffers = [constant_payload(v) for v in (running_min, running_max, scale, zero_point)]
    if not all(isinstance(b, torch.Tensor) for b in buffers):
        raise SymbolicValueError(
            f"{op}: the observer state (running_min/running_max/scale/zero_point) must be module buffers "
            "known at export time.",
            x,
        )
    rank = get_tensor_rank(x) or 1
    channels = buffers[2].numel()
    probe = torch.zeros([channels if d == axis else 1 for d in range(rank)]) if axis is not None else torch.zeros(1)
    new_scale, new_zero = buffers[2].clone(), buffers[3].clone()
    averaging_const, quant_min, quant_max, ch_axis, per_row, symmetric = settings
    torch.ops.aten.fused_moving_avg_obs_fake_quant(
        probe,
        torch.zeros(1, dtype=torch.uint8),
        torch.ones(1, dtype=torch.uint8),
        buffers[0].clone(),
        buffers[1].clone(),
        new_scale,
        new_zero,
        averaging_const,
        quant_min,
        quant_max,
        ch_axis if axis is None else axis,
        per_row,
        symmetric,
    )
    return new_scale, new_zero


@builtin_symbolic("aten::fused_moving_avg_obs_fake_quant", opset=_PER_TENSOR_OPSETS)
def aten_fused_moving_avg_obs_fake_quant(
    g: GraphContext,
    self: Value,
    observer_on: Any,
    fake_quant_on: Any,
    running_min: Value,
    running_max: Value,
    scale: Value,
    zero_point: Value,
    averaging_const: Any,
    quant_min: Any,
    quant_max: Any,
    ch_axis: Any,
    per_row_fake_quant: Any = False,
    symmetric_quant: Any = False,
) -> Value:
    """The default QAT qconfig's fake quantizer, exported with its frozen qparams (observer disabled)."""
    op = "aten::fused_moving_avg_obs_fake_quant"
    return _fused_observed(
        g, op, self, observer_on, fake_quant_on, running_min, running_max, scale, zero_point,
        averaging_const, quant_min, quant_max, ch_axis, per_row_fake_quant, symmetric_quant,
    )[0]  # fmt: skip


@builtin_symbolic("aten::_fused_moving_avg_obs_fq_helper", opset=_PER_TENSOR_OPSETS)
def aten__fused_moving_avg_obs_fq_helper(
    g: GraphContext,
    self: Value,
    observer_on: Any,
    fake_quant_on: Any,
    running_min: Value,
    running_max: Value,
    scale: Value,
    zero_point: Value,
    averaging_const: Any,
    quant_min: Any,
    quant_max: Any,
    ch_axis: Any,
    per_row_fake_quant: Any = False,
    symmetric_quant: Any = False,
) -> tuple[Value, Value]:
    op = "aten::_fused_moving_avg_obs_fq_helper"
    return _fused_observed(
        g, op, self, observer_on, fake_quant_on, running_min, running_max, scale, zero_point,
        averaging_const, quant_min, quant_max, ch_axis, per_row_fake_quant, symmetric_quant,
    )  # fmt: skip


@builtin_symbolic("aten::_fused_moving_avg_obs_fq_helper_functional", opset=_PER_TENSOR_OPSETS)
def aten__fused_moving_avg_obs_fq_helper_functional(
    g: GraphContext,
    self: Value,
    observer_on: Any,
    fake_quant_on: Any,
    running_min: Value,
    running_max: Value,
    scale: Value,
    zero_point: Value,
    averaging_const: Any,
    quant_min: Any,
    quant_max: Any,
    ch_axis: Any,
    per_row_fake_quant: Any = False,
    symmetric_quant: Any = False,
) -> tuple[Value, ...]:
    """The functional form (after decomposition): the observer state comes back unchanged."""
    op = "aten::_fused_moving_avg_obs_fq_helper_functional"
    output, mask = _fused_observed(
        g, op, self, observer_on, fake_quant_on, running_min, running_max, scale, zero_point,
        averaging_const, quant_min, quant_max, ch_axis, per_row_fake_quant, symmetric_quant,
    )  # fmt: skip
    return output, mask, running_min, running_max, scale, zero_point


# -- real quantized tensors: quantize_per_tensor -> dequantize --------------------------------


_QUANTIZED_DTYPES = {
    torch.quint8: torch.uint8,
    torch.qint8: torch.int8,
    torch.uint8: torch.uint8,
    torch.int8: torch.int8,
}


def _quantized_storage(g: GraphContext, op: str, dtype: Any, value: Any) -> torch.dtype:
    requested = dtype_arg(dtype)
    storage = _QUANTIZED_DTYPES.get(requested) if requested is not None else None
    if storage is None:
        raise SymbolicValueError(
            f"{op}: ONNX QuantizeLinear produces uint8/int8 (quint8/qint8), not {requested}.", value
        )
    return storage


def _quantize(g: GraphContext, op: str, x: Value, scale: Any, zero_point: Any, dtype: Any, axis: int | None) -> Value:
    """A ``QuantizeLinear`` whose output remembers its qparams for ``aten::dequantize``."""
    _require(g, op, 10 if axis is None else 13, "QuantizeLinear" + ("" if axis is None else " with an axis"))
    storage = _quantized_storage(g, op, dtype, x)
    onnx_scale = _qparam(g, scale, torch.float32, axis is None, "scale", op)
    onnx_zero = _qparam(g, zero_point, storage, axis is None, "zero_point", op)
    data, _ = _as_float32(g, x)
    quantized = g.op("QuantizeLinear", data, onnx_scale, onnx_zero, **({} if axis is None else {"axis_i": axis}))
    quantized.ir_value.meta[QPARAMS_META] = (onnx_scale, onnx_zero, axis)
    return quantized


@builtin_symbolic("aten::quantize_per_tensor", opset=10)
def aten_quantize_per_tensor(g: GraphContext, self: Value, scale: Any, zero_point: Any, dtype: Any) -> Value:
    """``torch.quantize_per_tensor`` (both overloads) -> ``QuantizeLinear``."""
    return _quantize(g, "aten::quantize_per_tensor", self, scale, zero_point, dtype, None)


@builtin_symbolic("aten::quantize_per_channel", opset=13)
def aten_quantize_per_channel(
    g: GraphContext, self: Value, scales: Value, zero_points: Value, axis: Any, dtype: Any
) -> Value:
    op = "aten::quantize_per_channel"
    return _quantize(g, op, self, scales, zero_points, dtype, _axis(axis, self, op))


@builtin_symbolic("aten::dequantize", opset=10)
def aten_dequantize(g: GraphContext, self: Value | None = None, qtensor: Value | None = None) -> Value:
    """``Tensor.dequantize()`` of a tensor made by ``quantize_per_tensor``/``_per_channel`` -> ``DequantizeLinear``."""
    value = self if self is not None else qtensor
    qparams = (
        value.ir_value.meta.get(QPARAMS_META)
        if isinstance(value, Value) and not isinstance(value, ConstantValue)
        else None
    )
    if qparams is None:
        raise UnsupportedSymbolicError(
            "aten::dequantize",
            g.opset,
            (),
            hint="only tensors quantized in the model (quantize_per_tensor/quantize_per_channel) can be dequantized",
        )
    scale, zero_point, axis = qparams
    return g.op("DequantizeLinear", value, scale, zero_point, **({} if axis is None else {"axis_i": axis}))


# -- quantized_decomposed:: (the PT2E quantization flow's ops) ---------------------------------


@builtin_symbolic("quantized_decomposed::quantize_per_tensor", opset=_PER_TENSOR_OPSETS)
def quantized_decomposed_quantize_per_tensor(
    g: GraphContext, input: Value, scale: Any, zero_point: Any, quant_min: Any, quant_max: Any, dtype: Any
) -> Value:
    """``clamp(round(x / scale) + zero_point, quant_min, quant_max)`` as ``dtype``: ``QuantizeLinear`` (+ ``Clip``)."""
    op = "quantized_decomposed::quantize_per_tensor"
    _require(g, op, 10, "QuantizeLinear was added in opset 10")
    storage = _quantized_storage(g, op, dtype, input)
    low, high = _int_arg(quant_min, "quant_min", op), _int_arg(quant_max, "quant_max", op)
    limits = torch.iinfo(storage)
    spec = _QuantSpec(storage, max(low, limits.min), min(high, limits.max), limits.min, limits.max)
    onnx_scale = _qparam(g, scale, torch.float32, True, "scale", op)
    onnx_zero = _qparam(g, zero_point, storage, True, "zero_point", op)
    data, _ = _as_float32(g, input)
    quantized = g.op("QuantizeLinear", data, onnx_scale, onnx_zero)
    if spec.narrow:
        if g.opset >= 12:
            quantized = _clip_integers(g, quantized, spec)
        else:  # no integer Clip before opset 12: clamp in float, where Max/Min exist at every opset
            as_float = g.op("Cast", quantized, to_i=_onnx_type(torch.float32))
            clamped = g.op("Min", g.op("Max", as_float, float(spec.quant_min)), float(spec.quant_max))
            quantized = g.op("Cast", clamped, to_i=_onnx_type(storage))
    return quantized


@builtin_symbolic("quantized_decomposed::dequantize_per_tensor", opset=_PER_TENSOR_OPSETS)
def quantized_decomposed_dequantize_per_tensor(
    g: GraphContext,
    input: Value,
    scale: Any,
    zero_point: Any,
    quant_min: Any,
    quant_max: Any,
    dtype: Any,
    out_dtype: Any = None,
) -> Value:
    """``(x - zero_point) * scale`` of an integer tensor -> ``DequantizeLinear``."""
    op = "quantized_decomposed::dequantize_per_tensor"
    _require(g, op, 10, "DequantizeLinear was added in opset 10")
    storage = _quantized_storage(g, op, dtype, input)
    onnx_scale = _qparam(g, scale, torch.float32, True, "scale", op)
    onnx_zero = _qparam(g, zero_point, storage, True, "zero_point", op)
    data = input if dtype_of(input) == storage else g.op("Cast", input, to_i=_onnx_type(storage))
    result = g.op("DequantizeLinear", data, onnx_scale, onnx_zero)
    target = dtype_arg(out_dtype)
    return result if target in (None, torch.float32) else g.op("Cast", result, to_i=_onnx_type(target))
