"""Built-in symbolics for activation functions and softmax.

Many activations became ONNX ops only in later opsets (``HardSwish`` at 14,
``Mish`` at 18, ``Gelu`` at 20); below those opsets the symbolic composes the
same function from older ops, so each has an opset-9 registration and a
registration at the opset where the fused op appeared. ``softmax`` changed
meaning at opset 13 (before it, ONNX normalised over all dims from ``axis``
on), so the opset-9 variant moves the softmax dim last when it is not.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from onnx_migrate.errors import SymbolicValueError
from onnx_migrate.legacy_symbolics._helpers.args import (
    get_const,
    get_tensor_dim_size,
    get_tensor_rank,
    get_tensor_sizes,
    maybe_get_const,
)
from onnx_migrate.legacy_symbolics._helpers.shapes import squeeze_helper, unsqueeze_helper
from onnx_migrate.legacy_symbolics.graph_context import GraphContext
from onnx_migrate.legacy_symbolics.ops.elementwise import (
    cast_to,
    clamp_value,
    dtype_arg,
    dtype_of,
    is_none,
    python_scalar,
    to_float,
)
from onnx_migrate.legacy_symbolics.ops.shape import normalize_dim, split_value
from onnx_migrate.legacy_symbolics.marks import builtin_symbolic
from onnx_migrate.legacy_symbolics.values import ConstantValue, Value

__all__: list[str] = []


def _number(value: Any, name: str, default: float) -> float:
    if is_none(value):
        return default
    number = python_scalar(value)
    if number is None:
        number = get_const(value, "f", name)
    return float(number)


# -- rectifiers ---------------------------------------------------------------------------


@builtin_symbolic("aten::relu")
def aten_relu(g: GraphContext, self: Value) -> Value:
    """``Relu``; integer tensors use ``Max(x, 0)`` (opset 12+) or go through float.

    ONNX ``Relu`` takes integers from opset 14, but ONNX Runtime implements it for floats only.
    """
    dtype = dtype_of(self)
    if dtype is not None and not dtype.is_floating_point:
        if g.opset >= 12:
            return g.op("Max", self, ConstantValue(0))
        return cast_to(g, g.op("Relu", to_float(g, self)), dtype)
    return g.op("Relu", self)


@builtin_symbolic("aten::relu6", opset=(9, 11, 12))
def aten_relu6(g: GraphContext, self: Value) -> Value:
    return clamp_value(g, self, 0, 6)


@builtin_symbolic("aten::hardtanh", opset=(9, 11, 12))
def aten_hardtanh(g: GraphContext, self: Value, min_val: Any = -1.0, max_val: Any = 1.0) -> Value:
    return clamp_value(g, self, _number(min_val, "min_val", -1.0), _number(max_val, "max_val", 1.0))


@builtin_symbolic("aten::leaky_relu")
def aten_leaky_relu(g: GraphContext, self: Value, negative_slope: Any = 0.01, inplace: Any = False) -> Value:
    return g.op("LeakyRelu", self, alpha_f=_number(negative_slope, "negative_slope", 0.01))


@builtin_symbolic("aten::rrelu")
def aten_rrelu(
    g: GraphContext,
    self: Value,
    lower: Any = 1.0 / 8.0,
    upper: Any = 1.0 / 3.0,
    training: Any = False,
    generator: Any = None,
) -> Value:
    """Randomized leaky ReLU: the mean slope in eval mode, slopes drawn from ``[lower, upper)`` when training."""
    low, high = _number(lower, "lower", 1.0 / 8.0), _number(upper, "upper", 1.0 / 3.0)
    if is_none(training) or not bool(get_const(training, "b", "training")):
        return g.op("LeakyRelu", self, alpha_f=(low + high) / 2.0)
    slopes = g.op("RandomUniformLike", self, low_f=low, high_f=high)
    return g.op("PRelu", self, slopes)


@builtin_symbolic("aten::elu")
def aten_elu(g: GraphContext, self: Value, alpha: Any = 1.0, scale: Any = 1.0, input_scale: Any = 1.0) -> Value:
    """``scale * (x if x > 0 else alpha * (exp(input_scale * x) - 1))``; plain ``Elu`` for the defaults."""
    alpha_f = _number(alpha, "alpha", 1.0)
    scale_f = _number(scale, "scale", 1.0)
    input_scale_f = _number(input_scale, "input_scale", 1.0)
    if input_scale_f == 1.0:
        out = g.op("Elu", self, alpha_f=alpha_f)
    else:
        negative = g.op(
            "Mul",
            g.op("Sub", g.op("Exp", g.op("Mul", self, ConstantValue(input_scale_f))), ConstantValue(1.0)),
            ConstantValue(alpha_f),
        )
        out = g.op("Where", g.op("Greater", self, ConstantValue(0.0)), self, negative)
    return out if scale_f == 1.0 else g.op("Mul", out, ConstantValue(scale_f))


@builtin_symbolic("aten::selu")
def aten_selu(g: GraphContext, self: Value) -> Value:
    return g.op("Selu", self)


@builtin_symbolic("aten::celu", opset=(9, 12))
def aten_celu(g: GraphContext, self: Value, alpha: Any = 1.0) -> Value:
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``; ONNX ``Celu`` (float32 only) from opset 12."""
    alpha_f = _number(alpha, "alpha", 1.0)
    if g.opset >= 12 and dtype_of(self) == torch.float32:
        return g.op("Celu", self, alpha_f=alpha_f)
    exp_part = g.op("Sub", g.op("Exp", g.op("Div", self, ConstantValue(alpha_f))), ConstantValue(1.0))
    negative = g.op("Min", g.op("Mul", exp_part, ConstantValue(alpha_f)), _zeros_like_scalar(g, self))
    return g.op("Add", g.op("Relu", self), negative)


def _zeros_like_scalar(g: GraphContext, self: Value) -> Value:
    return g.op("Constant", value_t=torch.tensor(0, dtype=dtype_of(self) or torch.float32))


@builtin_symbolic("aten::prelu")
def aten_prelu(g: GraphContext, self: Value, weight: Value) -> Value:
    """``PRelu``; a per-channel weight ``[C]`` is reshaped to ``[C, 1, ...]`` to broadcast over ``NC...``."""
    rank = get_tensor_rank(self)
    weight_sizes = get_tensor_sizes(weight)
    if rank is not None and rank > 2 and weight_sizes is not None and len(weight_sizes) == 1:
        weight = unsqueeze_helper(g, weight, list(range(1, rank - 1)))
    elif rank == 0 and weight_sizes == [1]:
        weight = squeeze_helper(g, weight, [0])
    return g.op("PRelu", self, weight)


@builtin_symbolic("aten::_prelu_kernel")
def aten__prelu_kernel(g: GraphContext, self: Value, weight: Value) -> Value:
    """The decomposed ``prelu``: ``weight`` already broadcasts against ``self``."""
    return g.op("PRelu", self, weight)


@builtin_symbolic("aten::threshold")
def aten_threshold(g: GraphContext, self: Value, threshold: Any, value: Any) -> Value:
    """``x if x > threshold else value``."""
    return g.op("Where", g.op("Greater", self, threshold), self, value)


@builtin_symbolic("aten::hardshrink")
def aten_hardshrink(g: GraphContext, self: Value, lambd: Any = 0.5) -> Value:
    return g.op("Shrink", self, lambd_f=_number(lambd, "lambd", 0.5), bias_f=0.0)


@builtin_symbolic("aten::softshrink")
def aten_softshrink(g: GraphContext, self: Value, lambd: Any = 0.5) -> Value:
    amount = _number(lambd, "lambd", 0.5)
    return g.op("Shrink", self, lambd_f=amount, bias_f=amount)


# -- smooth activations --------------------------------------------------------------------


@builtin_symbolic("aten::gelu", opset=(9, 20))
def aten_gelu(g: GraphContext, self: Value, approximate: Any = "none") -> Value:
    """GELU, exact (``erf``) or ``approximate="tanh"``; ONNX ``Gelu`` from opset 20."""
    mode = "none" if is_none(approximate) else str(maybe_get_const(approximate, "s"))
    if mode not in ("none", "tanh"):
        raise SymbolicValueError(f"aten::gelu: approximate must be 'none' or 'tanh', got {mode!r}.", self)
    if g.opset >= 20:
        return g.op("Gelu", self, approximate_s=mode)
    if mode == "none":
        inner = g.op("Erf", g.op("Div", self, ConstantValue(math.sqrt(2.0))))
    else:
        cube = g.op("Mul", self, g.op("Mul", self, self))
        poly = g.op("Add", self, g.op("Mul", cube, ConstantValue(0.044715)))
        inner = g.op("Tanh", g.op("Mul", poly, ConstantValue(math.sqrt(2.0 / math.pi))))
    return g.op("Mul", g.op("Mul", self, g.op("Add", inner, ConstantValue(1.0))), ConstantValue(0.5))


@builtin_symbolic("aten::silu")
def aten_silu(g: GraphContext, self: Value) -> Value:
    return g.op("Mul", self, g.op("Sigmoid", self))


@builtin_symbolic("aten::mish", opset=(9, 18))
def aten_mish(g: GraphContext, self: Value) -> Value:
    """``x * tanh(softplus(x))``; ONNX ``Mish`` from opset 18."""
    if g.opset >= 18:
        return g.op("Mish", self)
    return g.op("Mul", self, g.op("Tanh", g.op("Softplus", self)))


@builtin_symbolic("aten::hardsigmoid")
def aten_hardsigmoid(g: GraphContext, self: Value) -> Value:
    return g.op("HardSigmoid", self, alpha_f=1.0 / 6.0, beta_f=0.5)


@builtin_symbolic("aten::hardswish", opset=(9, 14))
def aten_hardswish(g: GraphContext, self: Value) -> Value:
    """``x * hardsigmoid(x)``; ONNX ``HardSwish`` from opset 14."""
    if g.opset >= 14:
        return g.op("HardSwish", self)
    return g.op("Mul", self, aten_hardsigmoid(g, self))


@builtin_symbolic("aten::softplus")
def aten_softplus(g: GraphContext, self: Value, beta: Any = 1.0, threshold: Any = 20.0) -> Value:
    """``softplus(beta * x) / beta`` (PyTorch's switch to ``x`` past ``threshold`` changes < 1e-8)."""
    beta_f = _number(beta, "beta", 1.0)
    if beta_f == 1.0:
        return g.op("Softplus", self)
    scaled = g.op("Mul", self, ConstantValue(beta_f))
    return g.op("Div", g.op("Softplus", scaled), ConstantValue(beta_f))


@builtin_symbolic("aten::log_sigmoid")
def aten_log_sigmoid(g: GraphContext, self: Value) -> Value:
    """``-softplus(-x)``, stable for large ``|x|``."""
    return g.op("Neg", g.op("Softplus", g.op("Neg", self)))


@builtin_symbolic("aten::tanhshrink")
def aten_tanhshrink(g: GraphContext, self: Value) -> Value:
    return g.op("Sub", self, g.op("Tanh", self))


@builtin_symbolic("aten::softsign")
def aten_softsign(g: GraphContext, self: Value) -> Value:
    return g.op("Softsign", self)


@builtin_symbolic("aten::glu", opset=(9, 13))
def aten_glu(g: GraphContext, self: Value, dim: Any = -1) -> Value:
    """``a * sigmoid(b)`` for the two halves of ``dim``."""
    axis = normalize_dim(int(get_const(dim, "i", "dim")), get_tensor_rank(self), "aten::glu", self, g.opset)
    size = get_tensor_dim_size(self, axis)
    if size is None:
        raise SymbolicValueError(f"aten::glu needs the static size of dim {axis} (opset {g.opset}).", self)
    if size % 2:
        raise SymbolicValueError(f"aten::glu: dim {axis} has odd size {size}; it must split in halves.", self)
    first, second = split_value(g, self, [size // 2, size // 2], axis)
    return g.op("Mul", first, g.op("Sigmoid", second))


# -- softmax ------------------------------------------------------------------------------


def _softmax_dim(g: GraphContext, self: Value, dim: Any) -> tuple[int, int | None]:
    rank = get_tensor_rank(self)
    axis = int(get_const(dim, "i", "dim"))
    if axis < 0 and rank is not None:
        axis += rank
    return axis, rank


def _softmax_by_hand(g: GraphContext, self: Value, axis: int, log: bool) -> Value:
    """``exp(x - max) / sum(exp(x - max))`` over ``axis`` (rank unknown before opset 13)."""
    shifted = g.op("Sub", self, g.op("ReduceMax", self, axes_i=[axis], keepdims_i=1))
    exp = g.op("Exp", shifted)
    total = g.op("ReduceSum", exp, axes_i=[axis], keepdims_i=1)
    if log:
        return g.op("Sub", shifted, g.op("Log", total))
    return g.op("Div", exp, total)


def _softmax_opset9(g: GraphContext, self: Value, dim: Any, dtype: Any, log: bool) -> Value:
    onnx_op = "LogSoftmax" if log else "Softmax"
    target = dtype_arg(dtype)
    if target is not None:
        self = cast_to(g, self, target)
    axis, rank = _softmax_dim(g, self, dim)
    if g.opset >= 13:
        return g.op(onnx_op, self, axis_i=axis)
    if rank is None:
        if axis < 0:
            raise SymbolicValueError(
                f"aten::{'log_' if log else ''}softmax: a negative dim needs the input rank before opset 13.", self
            )
        return _softmax_by_hand(g, self, axis, log)
    if rank == 0:
        return _scalar_softmax(g, self, log)
    if axis == rank - 1:
        return g.op(onnx_op, self, axis_i=axis)
    # Before opset 13 ONNX normalises over every dim from `axis` on: move `axis` last.
    perm = list(range(rank))
    perm[axis], perm[-1] = perm[-1], perm[axis]
    moved = g.op("Transpose", self, perm_i=perm)
    return g.op("Transpose", g.op(onnx_op, moved, axis_i=rank - 1), perm_i=perm)


def _scalar_softmax(g: GraphContext, self: Value, log: bool) -> Value:
    """Softmax of a 0-d tensor is 1 (log-softmax 0)."""
    return g.op("Add", g.op("Mul", self, ConstantValue(0.0)), ConstantValue(0.0 if log else 1.0))


@builtin_symbolic("aten::softmax")
def aten_softmax(g: GraphContext, self: Value, dim: Any, dtype: Any = None) -> Value:
    """Softmax over ``dim`` (opset 9-12 semantics: ``axis`` means "this dim and all after")."""
    return _softmax_opset9(g, self, dim, dtype, log=False)


@builtin_symbolic("aten::softmax", opset=13)
def aten_softmax_opset13(g: GraphContext, self: Value, dim: Any, dtype: Any = None) -> Value:
    """Softmax over ``dim``: ONNX ``Softmax(axis=dim)`` means exactly that from opset 13."""
    target = dtype_arg(dtype)
    if target is not None:
        self = cast_to(g, self, target)
    if get_tensor_rank(self) == 0:
        return _scalar_softmax(g, self, log=False)
    return g.op("Softmax", self, axis_i=int(get_const(dim, "i", "dim")))


@builtin_symbolic("aten::log_softmax")
def aten_log_softmax(g: GraphContext, self: Value, dim: Any, dtype: Any = None) -> Value:
    return _softmax_opset9(g, self, dim, dtype, log=True)


@builtin_symbolic("aten::log_softmax", opset=13)
def aten_log_softmax_opset13(g: GraphContext, self: Value, dim: Any, dtype: Any = None) -> Value:
    target = dtype_arg(dtype)
    if target is not None:
        self = cast_to(g, self, target)
    if get_tensor_rank(self) == 0:
        return _scalar_softmax(g, self, log=True)
    return g.op("LogSoftmax", self, axis_i=int(get_const(dim, "i", "dim")))


def _half_to_float(g: GraphContext, self: Value, half_to_float: Any) -> Value:
    if not is_none(half_to_float) and bool(maybe_get_const(half_to_float, "b")) and dtype_of(self) == torch.float16:
        return cast_to(g, self, torch.float32)
    return self


@builtin_symbolic("aten::_softmax", opset=(9, 13))
def aten__softmax(g: GraphContext, self: Value, dim: Any, half_to_float: Any = False) -> Value:
    """The decomposed ``softmax`` ``torch.export`` emits (``half_to_float`` upcasts float16)."""
    self = _half_to_float(g, self, half_to_float)
    if g.opset >= 13:
        return aten_softmax_opset13(g, self, dim)
    return aten_softmax(g, self, dim)


@builtin_symbolic("aten::_log_softmax", opset=(9, 13))
def aten__log_softmax(g: GraphContext, self: Value, dim: Any, half_to_float: Any = False) -> Value:
    self = _half_to_float(g, self, half_to_float)
    if g.opset >= 13:
        return aten_log_softmax_opset13(g, self, dim)
    return aten_log_softmax(g, self, dim)
