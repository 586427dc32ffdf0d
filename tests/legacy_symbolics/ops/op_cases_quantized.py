"""Test cases for ``ops/quantized.py``: fake quantization and quantize/dequantize as Q/DQ pairs.

Walked by ``test_op_cases_quantized.py``. Tensor qparams given as ``T(...)``
arrive as graph inputs (qparams computed at run time); the ``constant qparams``
cases build them as constants, which is how a QAT model's buffers arrive (and
what the fused observer's enable flags must be). The tolerance is a fraction of
one quantization step: ONNX divides by the scale where PyTorch multiplies by
its inverse, so a value within an ulp of a rounding tie may land one step apart.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import torch
from symbolic_case import Built, SymbolicCase, T, add_tensor, aten, call_symbolic, custom

from onnx_migrate.legacy_symbolics.graph_context import GraphContext
from onnx_migrate.legacy_symbolics.values import ConstantValue

__all__ = ["QUANTIZED_CASES"]

_PER_TENSOR = (10, 11, 13, 17)
_PER_CHANNEL = (13, 17)
_X = T(2, 3, 4) * 2

# Scales chosen so that x / scale stays well away from rounding ties for these inputs.
_SCALE = 0.0371
_SCALES = torch.tensor([0.0213, 0.0437, 0.0311])


def _constants(
    op: str,
    kwargs: Mapping[str, Any],
    constants: Mapping[str, torch.Tensor],
    reference: Callable[..., Any],
) -> Callable[[GraphContext], Built]:
    """A build function: ``x`` as the graph input, ``constants`` as ``Constant`` nodes (module buffers)."""

    def build(g: GraphContext) -> Built:
        x = kwargs["self"]
        call: dict[str, Any] = {"self": add_tensor(g, "x", x)}
        call.update({name: g.op("Constant", value_t=value) for name, value in constants.items()})
        call.update({k: ConstantValue(v) for k, v in kwargs.items() if k != "self"})
        produced = call_symbolic(g, op, **call)
        expected = reference(**{**kwargs, **constants})
        produced = list(produced) if isinstance(produced, tuple) else [produced]
        expected = list(expected) if isinstance(expected, (tuple, list)) else [expected]
        return Built(produced[: len(expected)], {"x": x}, expected)

    return build


def _fused(
    observer_on: int, fake_quant_on: int, per_row: bool, name: str = "aten::fused_moving_avg_obs_fake_quant"
) -> Callable[[GraphContext], Built]:
    """``fused_moving_avg_obs_fake_quant`` with its buffers as constants (the observer off, as for export)."""
    channels = 3
    scale = _SCALES.clone() if per_row else torch.tensor([_SCALE])
    zero_point = torch.tensor([0, 0, 0] if per_row else [66], dtype=torch.int32)
    buffers = {
        "observer_on": torch.tensor([observer_on], dtype=torch.uint8),
        "fake_quant_on": torch.tensor([fake_quant_on], dtype=torch.uint8),
        "running_min": torch.full((channels,) if per_row else (), -1.0),
        "running_max": torch.full((channels,) if per_row else (), 1.0),
        "scale": scale,
        "zero_point": zero_point,
    }
    qrange = (-128, 127) if per_row else (0, 127)
    settings = {
        "averaging_const": 0.01,
        "quant_min": qrange[0],
        "quant_max": qrange[1],
        "ch_axis": 1 if per_row else -1,
        "per_row_fake_quant": per_row,
        "symmetric_quant": per_row,
    }

    def reference(**kwargs: Any) -> torch.Tensor:
        copies = {k: v.clone() if isinstance(v, torch.Tensor) else v for k, v in kwargs.items()}
        return torch.ops.aten.fused_moving_avg_obs_fake_quant.default(**copies)

    def build(g: GraphContext) -> Built:
        x = _X
        call: dict[str, Any] = {"self": add_tensor(g, "x", x)}
        call.update({k: g.op("Constant", value_t=v) for k, v in buffers.items()})
        call.update({k: ConstantValue(v) for k, v in settings.items()})
        produced = call_symbolic(g, name, **call)
        first = produced[0] if isinstance(produced, tuple) else produced
        return Built([first], {"x": x}, [reference(self=x, **buffers, **settings)])

    return build


@contextlib.contextmanager
def _quantized_tensors_deprecated() -> Iterator[None]:
    """torch deprecates quint8/qint8 tensors (the reference still computes with them)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*quantized tensor creation functions.*deprecated")
        yield


def _quantize_then_dequantize(g: GraphContext) -> Built:
    """``quantize_per_tensor`` -> ``dequantize``: the qparams travel with the quantized value."""
    x = _X
    value = add_tensor(g, "x", x)
    quantized = call_symbolic(
        g,
        "aten::quantize_per_tensor",
        self=value,
        scale=ConstantValue(_SCALE),
        zero_point=ConstantValue(10),
        dtype=ConstantValue(torch.quint8),
    )
    out = call_symbolic(g, "aten::dequantize", self=quantized)
    with _quantized_tensors_deprecated():
        expected = torch.quantize_per_tensor(x, _SCALE, 10, torch.quint8).dequantize()
    return Built([out], {"x": x}, [expected])


def _quantize_per_channel_then_dequantize(g: GraphContext) -> Built:
    x = _X
    value = add_tensor(g, "x", x)
    zero_points = torch.tensor([0, -3, 5])
    quantized = call_symbolic(
        g,
        "aten::quantize_per_channel",
        self=value,
        scales=g.op("Constant", value_t=_SCALES),
        zero_points=g.op("Constant", value_t=zero_points),
        axis=ConstantValue(1),
        dtype=ConstantValue(torch.qint8),
    )
    out = call_symbolic(g, "aten::dequantize", self=quantized)
    with _quantized_tensors_deprecated():
        expected = torch.quantize_per_channel(x, _SCALES.double(), zero_points, 1, torch.qint8).dequantize()
    return Built([out], {"x": x}, [expected])


def _decomposed_pair(qmin: int, qmax: int, dtype: torch.dtype) -> Callable[[GraphContext], Built]:
    """The PT2E ``quantized_decomposed`` pair; the integer tensor in the middle is an output too."""

    def build(g: GraphContext) -> Built:
        import torch.ao.quantization.fx._decomposed

        x = _X
        value = add_tensor(g, "x", x)
        args = {
            "scale": ConstantValue(_SCALE),
            "zero_point": ConstantValue(3),
            "quant_min": ConstantValue(qmin),
            "quant_max": ConstantValue(qmax),
            "dtype": ConstantValue(dtype),
        }
        quantized = call_symbolic(g, "quantized_decomposed::quantize_per_tensor", input=value, **args)
        out = call_symbolic(g, "quantized_decomposed::dequantize_per_tensor", input=quantized, **args)
        ops = torch.ops.quantized_decomposed
        q = ops.quantize_per_tensor.default(x, _SCALE, 3, qmin, qmax, dtype)
        return Built(
            [quantized, out], {"x": x}, [q, ops.dequantize_per_tensor.default(q, _SCALE, 3, qmin, qmax, dtype)]
        )

    return build


_STEP = 0.05  # more than an ulp, less than the smallest scale: a one-step slip still fails

QUANTIZED_CASES: list[SymbolicCase] = [
    aten(
        "fake_quantize_per_tensor_affine.default",
        self=_X,
        scale=_SCALE,
        zero_point=3,
        quant_min=-128,
        quant_max=127,
        opsets=_PER_TENSOR,
    ),
    aten(
        "fake_quantize_per_tensor_affine.default",
        label="uint8",
        self=_X,
        scale=_SCALE,
        zero_point=100,
        quant_min=0,
        quant_max=255,
        opsets=_PER_TENSOR,
    ),
    aten(
        "fake_quantize_per_tensor_affine.default",
        label="reduce_range (0, 127)",
        self=_X,
        scale=_SCALE,
        zero_point=60,
        quant_min=0,
        quant_max=127,
        opsets=_PER_TENSOR,
    ),
    aten(
        "fake_quantize_per_tensor_affine.default",
        label="narrow (-127, 127)",
        self=_X * 3,
        scale=_SCALE,
        zero_point=0,
        quant_min=-127,
        quant_max=127,
        opsets=_PER_TENSOR,
    ),
    aten(
        "fake_quantize_per_tensor_affine.default",
        label="4-bit in int8",
        self=_X,
        scale=0.4,
        zero_point=0,
        quant_min=-8,
        quant_max=7,
        opsets=_PER_TENSOR,
    ),
    aten(
        "fake_quantize_per_tensor_affine.default",
        label="int16",
        self=_X,
        scale=0.001,
        zero_point=0,
        quant_min=-32768,
        quant_max=32767,
        opsets=(21, 23),
    ),
    aten(
        "fake_quantize_per_tensor_affine.tensor_qparams",
        self=_X,
        scale=torch.tensor(_SCALE),
        zero_point=torch.tensor(-5, dtype=torch.int32),
        quant_min=-128,
        quant_max=127,
        opsets=_PER_TENSOR,
    ),
    custom(
        "aten::fake_quantize_per_tensor_affine",
        "constant qparams of shape [1]",
        _constants(
            "aten::fake_quantize_per_tensor_affine",
            {"self": _X, "quant_min": 0, "quant_max": 255},
            {"scale": torch.tensor([_SCALE]), "zero_point": torch.tensor([128], dtype=torch.int32)},
            torch.ops.aten.fake_quantize_per_tensor_affine.tensor_qparams,
        ),
        opsets=_PER_TENSOR,
        tolerance=_STEP,
    ),
    aten(
        "fake_quantize_per_tensor_affine_cachemask.default",
        self=_X,
        scale=_SCALE,
        zero_point=3,
        quant_min=-128,
        quant_max=127,
        opsets=_PER_TENSOR,
    ),
    aten(
        "_fake_quantize_per_tensor_affine_cachemask_tensor_qparams.default",
        self=_X,
        scale=torch.tensor([_SCALE]),
        zero_point=torch.tensor([3], dtype=torch.int32),
        fake_quant_enabled=1,
        quant_min=0,
        quant_max=127,
        opsets=_PER_TENSOR,
        ref=lambda fake_quant_enabled, **kw: torch.ops.aten._fake_quantize_per_tensor_affine_cachemask_tensor_qparams(
            fake_quant_enabled=torch.tensor([fake_quant_enabled], dtype=torch.long), **kw
        ),
    ),
    aten(
        "fake_quantize_per_channel_affine.default",
        self=_X,
        scale=_SCALES,
        zero_point=torch.tensor([0, 4, -9], dtype=torch.int32),
        axis=1,
        quant_min=-128,
        quant_max=127,
        opsets=_PER_CHANNEL,
    ),
    aten(
        "fake_quantize_per_channel_affine.default",
        label="uint8 axis 2",
        self=_X,
        scale=torch.full((4,), _SCALE),
        zero_point=torch.tensor([128, 120, 100, 140], dtype=torch.int32),
        axis=2,
        quant_min=0,
        quant_max=255,
        opsets=_PER_CHANNEL,
    ),
    aten(
        "fake_quantize_per_channel_affine.default",
        label="(0, 127)",
        self=_X,
        scale=_SCALES,
        zero_point=torch.tensor([60, 64, 70], dtype=torch.int32),
        axis=1,
        quant_min=0,
        quant_max=127,
        opsets=(*_PER_CHANNEL, 21),
    ),
    custom(
        "aten::fake_quantize_per_channel_affine",
        "constant qparams",
        _constants(
            "aten::fake_quantize_per_channel_affine",
            {"self": _X, "axis": 1, "quant_min": -127, "quant_max": 127},
            {"scale": _SCALES, "zero_point": torch.zeros(3, dtype=torch.int32)},
            torch.ops.aten.fake_quantize_per_channel_affine.default,
        ),
        opsets=_PER_CHANNEL,
        tolerance=_STEP,
    ),
    aten(
        "fake_quantize_per_channel_affine_cachemask.default",
        self=_X,
        scale=_SCALES,
        zero_point=torch.tensor([0, 4, -9], dtype=torch.int32),
        axis=1,
        quant_min=-128,
        quant_max=127,
        opsets=_PER_CHANNEL,
    ),
    custom(
        "aten::_fake_quantize_learnable_per_tensor_affine",
        "float zero point",
        _constants(
            "aten::_fake_quantize_learnable_per_tensor_affine",
            {"self": _X, "quant_min": 0, "quant_max": 255},
            {"scale": torch.tensor([_SCALE]), "zero_point": torch.tensor([127.6])},
            torch.ops.aten._fake_quantize_learnable_per_tensor_affine.default,
        ),
        opsets=_PER_TENSOR,
        tolerance=_STEP,
    ),
    custom(
        "aten::_fake_quantize_learnable_per_channel_affine",
        "float zero points",
        _constants(
            "aten::_fake_quantize_learnable_per_channel_affine",
            {"self": _X, "axis": 1, "quant_min": -128, "quant_max": 127},
            {"scale": _SCALES, "zero_point": torch.tensor([0.2, -3.7, 140.0])},
            torch.ops.aten._fake_quantize_learnable_per_channel_affine.default,
        ),
        opsets=_PER_CHANNEL,
        tolerance=_STEP,
    ),
    custom(
        "aten::fused_moving_avg_obs_fake_quant",
        "per tensor (0, 127)",
        _fused(0, 1, False),
        opsets=_PER_TENSOR,
        tolerance=_STEP,
    ),
    custom(
        "aten::fused_moving_avg_obs_fake_quant", "per channel", _fused(0, 1, True), opsets=_PER_CHANNEL, tolerance=_STEP
    ),
    custom("aten::fused_moving_avg_obs_fake_quant", "fake quant off", _fused(0, 0, False), opsets=(10, 13)),
    custom(
        "aten::_fused_moving_avg_obs_fq_helper_functional",
        "after decomposition",
        _fused(0, 1, False, "aten::_fused_moving_avg_obs_fq_helper_functional"),
        opsets=(10, 13),
        tolerance=_STEP,
    ),
    custom(
        "aten::_fused_moving_avg_obs_fq_helper",
        "per channel",
        _fused(0, 1, True, "aten::_fused_moving_avg_obs_fq_helper"),
        opsets=(13,),
        tolerance=_STEP,
    ),
    custom(
        "aten::quantize_per_tensor", "then dequantize", _quantize_then_dequantize, opsets=_PER_TENSOR, tolerance=_STEP
    ),
    custom("aten::dequantize", "of quantize_per_tensor", _quantize_then_dequantize, opsets=(10, 13), tolerance=_STEP),
    custom(
        "aten::quantize_per_channel",
        "then dequantize",
        _quantize_per_channel_then_dequantize,
        opsets=_PER_CHANNEL,
        tolerance=_STEP,
    ),
    custom(
        "quantized_decomposed::quantize_per_tensor",
        "uint8 pair",
        _decomposed_pair(0, 255, torch.uint8),
        opsets=_PER_TENSOR,
        tolerance=_STEP,
    ),
    custom(
        "quantized_decomposed::dequantize_per_tensor",
        "narrow int8 pair",
        _decomposed_pair(-127, 127, torch.int8),
        opsets=_PER_TENSOR,
        tolerance=_STEP,
    ),
]
