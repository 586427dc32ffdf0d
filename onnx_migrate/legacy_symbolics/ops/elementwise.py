"""Built-in symbolics for elementwise arithmetic, comparison and logic.

PyTorch computes ``int_tensor + 2.5`` in float, ``bool * bool`` as a logical
and, and ``int // int`` rounding down, while ONNX ops want operands of one
type and often accept floats only. The symbolics here bridge that gap with
the dtype rules of PyTorch (:func:`result_dtype`, :func:`promote_operands`),
which the other op families reuse, so that an exported model computes what
eager PyTorch computes.

Every symbolic is registered for opset 9 (the base of the library) and again
at the opset where ONNX changed something it relies on; the function emits the
form valid at ``g.opset`` so that a custom symbolic calling, say,
``aten_le`` at any opset still gets a valid node.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import torch

from onnx_migrate.errors import SymbolicValueError, UnsupportedSymbolicError
from onnx_migrate.legacy_symbolics._helpers.args import (
    get_const,
    get_tensor_rank,
    is_none as is_none_value,
    maybe_get_const,
)
from onnx_migrate.legacy_symbolics._helpers.shapes import slice_helper, squeeze_helper
from onnx_migrate.legacy_symbolics.graph_context import GraphContext
from onnx_migrate.legacy_symbolics.marks import builtin_symbolic
from onnx_migrate.legacy_symbolics.scalar_types import JitScalarType
from onnx_migrate.legacy_symbolics.values import ConstantValue, Value

__all__ = [
    "accumulating_input",
    "as_bool",
    "cast_to",
    "clamp_value",
    "dtype_arg",
    "dtype_of",
    "int64_constant",
    "is_none",
    "known_rank",
    "promote_operands",
    "python_scalar",
    "result_dtype",
    "to_float",
    "where_value",
]

#: The ``end`` PyTorch uses for "to the end" in slices, and ONNX Slice understands.
INT64_MAX = 2**63 - 1

_SIGNED_INTS = (torch.int8, torch.int16, torch.int32, torch.int64)


# -- dtype rules shared by the op families ------------------------------------------


def is_none(value: Any) -> bool:
    """Whether an optional argument was omitted (Python ``None`` or a ``None`` constant)."""
    return value is None or is_none_value(value)


def python_scalar(value: Any) -> bool | int | float | None:
    """The Python number a scalar argument holds, or ``None`` if it is a tensor or graph value."""
    if isinstance(value, ConstantValue):
        value = value.python_value
    if isinstance(value, numbers.Number) and not isinstance(value, complex):
        return value  # type: ignore[return-value]
    return None


def dtype_of(value: Any) -> torch.dtype | None:
    """The element type of a graph value or constant tensor; ``None`` when unknown or a Python scalar."""
    if isinstance(value, ConstantValue):
        obj = value.python_value
        return obj.dtype if isinstance(obj, torch.Tensor) else None
    if isinstance(value, torch.Tensor):
        return value.dtype
    if isinstance(value, Value):
        return value.type().dtype()
    return None


def _rank_of(value: Any) -> int | None:
    if isinstance(value, ConstantValue) and isinstance(value.python_value, torch.Tensor):
        return value.python_value.dim()
    if isinstance(value, Value):
        return value.type().dim()
    return None


def result_dtype(*operands: Any) -> torch.dtype | None:
    """The dtype PyTorch computes ``operands`` in, or ``None`` if a tensor's dtype is unknown.

    Follows ``torch.result_type``: dimensioned tensors decide first, 0-d tensors
    only lift the result to a higher category (int -> float), and Python scalars
    last, so ``int32_tensor + 2.5`` is float32 and ``float16_tensor + 1.0`` stays float16.
    """
    dimensioned: list[torch.dtype] = []
    zero_dim: list[torch.dtype] = []
    scalars: list[bool | int | float] = []
    for operand in operands:
        if is_none(operand):
            continue
        scalar = python_scalar(operand)
        if scalar is not None:
            scalars.append(scalar)
            continue
        dtype = dtype_of(operand)
        if dtype is None:
            return None
        (zero_dim if _rank_of(operand) == 0 else dimensioned).append(dtype)
    if not dimensioned and not zero_dim:
        return None

    def fold(dtypes: list[torch.dtype], shape: tuple[int, ...]) -> torch.Tensor | None:
        acc: torch.Tensor | None = None
        for dtype in dtypes:
            sample = torch.empty(shape, dtype=dtype)
            acc = sample if acc is None else torch.empty(shape, dtype=torch.result_type(acc, sample))
        return acc

    acc = fold(dimensioned, (1,))
    zero = fold(zero_dim, ())
    if acc is None:
        acc = zero
    elif zero is not None:
        acc = torch.empty((1,), dtype=torch.result_type(acc, zero))
    assert acc is not None
    for scalar in scalars:
        acc = torch.empty(acc.shape, dtype=torch.result_type(acc, scalar))
    return acc.dtype


def cast_to(g: GraphContext, value: Any, dtype: torch.dtype) -> Any:
    """``value`` as ``dtype``: unchanged when it already is, a ``Cast`` node otherwise.

    Python scalars are returned as they are: ``g.op`` types them after the tensors they meet.
    """
    if python_scalar(value) is not None or dtype_of(value) == dtype:
        return value
    return g.op("Cast", value, to_i=JitScalarType.from_dtype(dtype).onnx_type())


def promote_operands(g: GraphContext, *operands: Any) -> tuple[list[Any], torch.dtype | None]:
    """Cast the tensor operands to the dtype PyTorch would compute in.

    Returns the operands (omitted ones and Python scalars unchanged) and that
    dtype, or the operands untouched and ``None`` when some dtype is unknown.
    """
    target = result_dtype(*operands)
    if target is None:
        return list(operands), None
    return [op if is_none(op) else cast_to(g, op, target) for op in operands], target


def dtype_arg(value: Any) -> torch.dtype | None:
    """A ``ScalarType`` argument as a ``torch.dtype`` (it may arrive as a dtype or a legacy int code)."""
    if is_none(value):
        return None
    obj = value.python_value if isinstance(value, ConstantValue) else maybe_get_const(value, "i")
    if isinstance(obj, torch.dtype):
        return obj
    if isinstance(obj, numbers.Integral):
        return JitScalarType(int(obj)).dtype()
    raise SymbolicValueError(f"Expected a dtype (torch.dtype or ScalarType code), got {obj!r}.", value)


def accumulating_input(g: GraphContext, self: Value, dtype: Any) -> Value:
    """The input of a sum-like op (sum/prod/mean, cumsum/cumprod): cast to ``dtype=`` when given, else
    integers and bools widened to int64, because PyTorch accumulates them there."""
    target = dtype_arg(dtype)
    if target is not None:
        return cast_to(g, self, target)
    current = dtype_of(self)
    if current is not None and not current.is_floating_point and current != torch.int64:
        return cast_to(g, self, torch.int64)
    return self


def known_rank(value: Value, op: str, opset: int) -> int:
    """The rank of ``value``; ops whose ONNX form depends on the rank cannot export without it."""
    rank = get_tensor_rank(value)
    if rank is None:
        raise SymbolicValueError(f"{op} needs the rank of its input at export time (opset {opset}).", value)
    return rank


def int64_constant(g: GraphContext, values: list[int] | int) -> Value:
    """An int64 ``Constant`` (axes, shapes, indices), the dtype every ONNX shape input expects."""
    return g.op("Constant", value_t=torch.tensor(values, dtype=torch.int64))


def to_float(g: GraphContext, value: Value) -> Value:
    """Integer and bool tensors cast to the default float type, as float-only ops need."""
    dtype = dtype_of(value)
    if dtype is not None and not dtype.is_floating_point:
        return cast_to(g, value, torch.get_default_dtype())
    return value


def _scalar_constant(g: GraphContext, scalar: float | int | bool, dtype: torch.dtype) -> Value:
    return g.op("Constant", value_t=torch.tensor(scalar, dtype=dtype))


def _unsupported(op: str, opset: int, why: str, min_opset: int | None = None) -> UnsupportedSymbolicError:
    hint = f"{why}." if min_opset is None else f"{why}; ONNX supports it from opset {min_opset}."
    return UnsupportedSymbolicError(op, opset, (min_opset,) if min_opset else (), hint=hint)


# -- arithmetic ----------------------------------------------------------------------


def _scaled(g: GraphContext, other: Any, alpha: Any) -> Any:
    """``other * alpha``, folded in Python when both are numbers and skipped when alpha is 1."""
    if is_none(alpha):
        return other
    alpha_number = python_scalar(alpha)
    if alpha_number is not None and alpha_number == 1:
        return other
    other_number = python_scalar(other)
    if alpha_number is not None and other_number is not None:
        return ConstantValue(other_number * alpha_number)
    return g.op("Mul", other, alpha)


@builtin_symbolic("aten::add")
def aten_add(g: GraphContext, self: Any, other: Any, alpha: Any = None) -> Value:
    """``self + alpha * other``; booleans add as a logical or, as in PyTorch."""
    (self, other), dtype = promote_operands(g, self, _scaled(g, other, alpha))
    if dtype == torch.bool:
        return g.op("Or", self, other)
    return g.op("Add", self, other)


@builtin_symbolic("aten::sub")
def aten_sub(g: GraphContext, self: Any, other: Any, alpha: Any = None) -> Value:
    """``self - alpha * other``."""
    (self, other), _ = promote_operands(g, self, _scaled(g, other, alpha))
    return g.op("Sub", self, other)


@builtin_symbolic("aten::rsub")
def aten_rsub(g: GraphContext, self: Any, other: Any, alpha: Any = None) -> Value:
    """``other - alpha * self`` (``1 - x`` reaches ONNX as ``rsub(x, 1)``)."""
    (self, other), _ = promote_operands(g, _scaled(g, self, alpha), other)
    return g.op("Sub", other, self)


@builtin_symbolic("aten::mul")
def aten_mul(g: GraphContext, self: Any, other: Any) -> Value:
    """``self * other``; booleans multiply as a logical and."""
    (self, other), dtype = promote_operands(g, self, other)
    if dtype == torch.bool:
        return g.op("And", self, other)
    return g.op("Mul", self, other)


def _true_divide(g: GraphContext, self: Any, other: Any) -> Value:
    dtype = result_dtype(self, other)
    if dtype is not None and not dtype.is_floating_point:
        dtype = torch.get_default_dtype()
    if dtype is not None:
        self, other = cast_to(g, self, dtype), cast_to(g, other, dtype)
    return g.op("Div", self, other)


def trunc_value(g: GraphContext, value: Value) -> Value:
    """Round a float tensor toward zero (ONNX has no Trunc): ceil below zero, floor above."""
    negative = g.op("Less", value, ConstantValue(0))
    return g.op("Where", negative, g.op("Ceil", value), g.op("Floor", value))


def _int_floor_divide(g: GraphContext, self: Any, other: Any) -> Value:
    """Integer division rounding down; ONNX ``Div`` on integers truncates toward zero."""
    quotient = g.op("Div", self, other)
    remainder = g.op("Sub", self, g.op("Mul", quotient, other))
    signs_differ = g.op("Xor", g.op("Less", self, ConstantValue(0)), g.op("Less", other, ConstantValue(0)))
    inexact = g.op("Not", _equal(g, remainder, ConstantValue(0)))
    needs_fix = g.op("And", signs_differ, inexact)
    return g.op("Sub", quotient, cast_to(g, needs_fix, dtype_of(quotient) or torch.int64))


def _divide_rounded(g: GraphContext, self: Any, other: Any, mode: str) -> Value:
    (self, other), dtype = promote_operands(g, self, other)
    if dtype is not None and not dtype.is_floating_point:
        if mode == "trunc":
            return g.op("Div", self, other)
        return _int_floor_divide(g, self, other)
    quotient = g.op("Div", self, other)
    return g.op("Floor", quotient) if mode == "floor" else trunc_value(g, quotient)


@builtin_symbolic("aten::div")
def aten_div(g: GraphContext, self: Any, other: Any, rounding_mode: Any = None) -> Value:
    """True division, or rounded with ``rounding_mode="floor"`` / ``"trunc"`` (``div.Tensor_mode``)."""
    mode = None if is_none(rounding_mode) else get_const(rounding_mode, "s", "rounding_mode")
    if mode is None:
        return _true_divide(g, self, other)
    if mode not in ("floor", "trunc"):
        raise SymbolicValueError(
            f"aten::div: rounding_mode must be None, 'floor' or 'trunc', got {mode!r} (opset {g.opset}).", self
        )
    return _divide_rounded(g, self, other, mode)


@builtin_symbolic("aten::true_divide")
def aten_true_divide(g: GraphContext, self: Any, other: Any) -> Value:
    """Division in floating point, whatever the operand types."""
    return _true_divide(g, self, other)


@builtin_symbolic("aten::floor_divide")
def aten_floor_divide(g: GraphContext, self: Any, other: Any) -> Value:
    """``self // other``, rounding down as PyTorch has done since 1.13."""
    return _divide_rounded(g, self, other, "floor")


@builtin_symbolic("aten::remainder", opset=(9, 10))
def aten_remainder(g: GraphContext, self: Any, other: Any) -> Value:
    """Python-style modulo (the result takes the sign of the divisor).

    Floats use ``a - floor(a / b) * b``; integers use ``Mod`` from opset 10.
    """
    (self, other), dtype = promote_operands(g, self, other)
    if dtype is not None and not dtype.is_floating_point and g.opset >= 10:
        return g.op("Mod", self, other, fmod_i=0)
    if dtype is not None and not dtype.is_floating_point:
        quotient = _int_floor_divide(g, self, other)
    else:
        quotient = g.op("Floor", g.op("Div", self, other))
    return g.op("Sub", self, g.op("Mul", quotient, other))


@builtin_symbolic("aten::fmod", opset=(9, 10))
def aten_fmod(g: GraphContext, self: Any, other: Any) -> Value:
    """C-style modulo (the result takes the sign of the dividend): ``Mod(fmod=1)`` from opset 10."""
    (self, other), dtype = promote_operands(g, self, other)
    if g.opset >= 10:
        return g.op("Mod", self, other, fmod_i=1)
    quotient = g.op("Div", self, other)
    if dtype is None or dtype.is_floating_point:
        quotient = trunc_value(g, quotient)
    return g.op("Sub", self, g.op("Mul", quotient, other))


@builtin_symbolic("aten::pow", opset=(9, 12))
def aten_pow(g: GraphContext, self: Any, exponent: Any) -> Value:
    """``self ** exponent`` for tensor/scalar bases and exponents.

    Before opset 12 ``Pow`` takes one float type for both operands, so integer
    powers are computed in float and cast back.
    """
    target = result_dtype(self, exponent)
    if target is None:
        return g.op("Pow", self, exponent)
    compute = target
    if not target.is_floating_point and g.opset < 12:
        compute = torch.get_default_dtype()
    base = (
        _scalar_constant(g, python_scalar(self), compute)
        if python_scalar(self) is not None
        else cast_to(g, self, compute)
    )
    exponent_scalar = python_scalar(exponent)
    if exponent_scalar is not None:
        exponent_dtype = compute if compute.is_floating_point or g.opset < 12 else torch.int64
        if isinstance(exponent_scalar, float) and not exponent_dtype.is_floating_point:
            exponent_dtype = torch.get_default_dtype()
        power = _scalar_constant(g, exponent_scalar, exponent_dtype)
    else:
        power = cast_to(g, exponent, compute)
    result = g.op("Pow", base, power)
    return cast_to(g, result, target)


@builtin_symbolic("aten::neg")
def aten_neg(g: GraphContext, self: Value) -> Value:
    return g.op("Neg", self)


@builtin_symbolic("aten::abs")
def aten_abs(g: GraphContext, self: Value) -> Value:
    return g.op("Abs", self)


@builtin_symbolic("aten::sign")
def aten_sign(g: GraphContext, self: Value) -> Value:
    return g.op("Sign", self)


@builtin_symbolic("aten::square")
def aten_square(g: GraphContext, self: Value) -> Value:
    return g.op("Mul", self, self)


@builtin_symbolic("aten::addcmul")
def aten_addcmul(g: GraphContext, self: Any, tensor1: Any, tensor2: Any, value: Any = 1) -> Value:
    """``self + value * tensor1 * tensor2``."""
    product = aten_mul(g, tensor1, tensor2)
    return aten_add(g, self, product, alpha=value)


@builtin_symbolic("aten::addcdiv")
def aten_addcdiv(g: GraphContext, self: Any, tensor1: Any, tensor2: Any, value: Any = 1) -> Value:
    """``self + value * tensor1 / tensor2``."""
    quotient = _true_divide(g, tensor1, tensor2)
    return aten_add(g, self, quotient, alpha=value)


# -- float-only unary functions --------------------------------------------------------


def _unary_float(onnx_op: str, name: str) -> Any:
    def symbolic(g: GraphContext, self: Value) -> Value:
        return g.op(onnx_op, to_float(g, self))

    symbolic.__name__ = symbolic.__qualname__ = name
    symbolic.__doc__ = f"ONNX ``{onnx_op}``; integer inputs compute in float, as PyTorch does."
    return symbolic


aten_sqrt = builtin_symbolic("aten::sqrt")(_unary_float("Sqrt", "aten_sqrt"))
aten_exp = builtin_symbolic("aten::exp")(_unary_float("Exp", "aten_exp"))
aten_log = builtin_symbolic("aten::log")(_unary_float("Log", "aten_log"))
aten_reciprocal = builtin_symbolic("aten::reciprocal")(_unary_float("Reciprocal", "aten_reciprocal"))
aten_sin = builtin_symbolic("aten::sin")(_unary_float("Sin", "aten_sin"))
aten_cos = builtin_symbolic("aten::cos")(_unary_float("Cos", "aten_cos"))
aten_tan = builtin_symbolic("aten::tan")(_unary_float("Tan", "aten_tan"))
aten_asin = builtin_symbolic("aten::asin")(_unary_float("Asin", "aten_asin"))
aten_acos = builtin_symbolic("aten::acos")(_unary_float("Acos", "aten_acos"))
aten_atan = builtin_symbolic("aten::atan")(_unary_float("Atan", "aten_atan"))
aten_sinh = builtin_symbolic("aten::sinh")(_unary_float("Sinh", "aten_sinh"))
aten_cosh = builtin_symbolic("aten::cosh")(_unary_float("Cosh", "aten_cosh"))
aten_asinh = builtin_symbolic("aten::asinh")(_unary_float("Asinh", "aten_asinh"))
aten_acosh = builtin_symbolic("aten::acosh")(_unary_float("Acosh", "aten_acosh"))
aten_atanh = builtin_symbolic("aten::atanh")(_unary_float("Atanh", "aten_atanh"))
aten_tanh = builtin_symbolic("aten::tanh")(_unary_float("Tanh", "aten_tanh"))
aten_sigmoid = builtin_symbolic("aten::sigmoid")(_unary_float("Sigmoid", "aten_sigmoid"))
aten_erf = builtin_symbolic("aten::erf")(_unary_float("Erf", "aten_erf"))


@builtin_symbolic("aten::atan2")
def aten_atan2(g: GraphContext, self: Value, other: Value) -> Value:
    """The angle of ``(other, self)``: ``atan(self / other)`` moved by ±pi when ``other < 0``."""
    (y, x), dtype = promote_operands(g, to_float(g, self), to_float(g, other))
    dtype = dtype or torch.get_default_dtype()
    angle = g.op("Atan", g.op("Div", y, x))
    left = g.op("Less", x, ConstantValue(0))
    below = g.op("Less", y, ConstantValue(0))
    shift = g.op("Where", below, _scalar_constant(g, -math.pi, dtype), _scalar_constant(g, math.pi, dtype))
    return g.op("Add", angle, g.op("Where", left, shift, ConstantValue(0.0)))


@builtin_symbolic("aten::rsqrt")
def aten_rsqrt(g: GraphContext, self: Value) -> Value:
    """``1 / sqrt(x)``."""
    return g.op("Reciprocal", g.op("Sqrt", to_float(g, self)))


def _log_base(g: GraphContext, self: Value, base: float) -> Value:
    return g.op("Div", g.op("Log", to_float(g, self)), ConstantValue(math.log(base)))


@builtin_symbolic("aten::log2")
def aten_log2(g: GraphContext, self: Value) -> Value:
    return _log_base(g, self, 2.0)


@builtin_symbolic("aten::log10")
def aten_log10(g: GraphContext, self: Value) -> Value:
    return _log_base(g, self, 10.0)


@builtin_symbolic("aten::log1p")
def aten_log1p(g: GraphContext, self: Value) -> Value:
    """``log(1 + x)`` (ONNX has no fused op; precision near 0 is float's)."""
    return g.op("Log", g.op("Add", to_float(g, self), ConstantValue(1)))


@builtin_symbolic("aten::expm1")
def aten_expm1(g: GraphContext, self: Value) -> Value:
    """``exp(x) - 1``."""
    return g.op("Sub", g.op("Exp", to_float(g, self)), ConstantValue(1))


def _round_float_only(onnx_op: str, name: str) -> Any:
    def symbolic(g: GraphContext, self: Value) -> Value:
        dtype = dtype_of(self)
        if dtype is not None and not dtype.is_floating_point:
            return self  # rounding an integer tensor is the identity in PyTorch
        return g.op(onnx_op, self)

    symbolic.__name__ = symbolic.__qualname__ = name
    symbolic.__doc__ = f"ONNX ``{onnx_op}``; integer tensors pass through unchanged, as in PyTorch."
    return symbolic


aten_floor = builtin_symbolic("aten::floor")(_round_float_only("Floor", "aten_floor"))
aten_ceil = builtin_symbolic("aten::ceil")(_round_float_only("Ceil", "aten_ceil"))


@builtin_symbolic("aten::trunc")
def aten_trunc(g: GraphContext, self: Value) -> Value:
    """Round toward zero."""
    dtype = dtype_of(self)
    if dtype is not None and not dtype.is_floating_point:
        return self
    return trunc_value(g, self)


@builtin_symbolic("aten::round", opset=11)
def aten_round(g: GraphContext, self: Value, decimals: Any = None) -> Value:
    """Round half to even, optionally to ``decimals`` places (``round.decimals``)."""
    dtype = dtype_of(self)
    if dtype is not None and not dtype.is_floating_point:
        return self
    places = 0 if is_none(decimals) else get_const(decimals, "i", "decimals")
    if places == 0:
        return g.op("Round", self)
    scale = ConstantValue(10.0**places)
    return g.op("Div", g.op("Round", g.op("Mul", self, scale)), scale)


@builtin_symbolic("aten::isnan")
def aten_isnan(g: GraphContext, self: Value) -> Value:
    dtype = dtype_of(self)
    if dtype is not None and not dtype.is_floating_point:
        return g.op("Not", g.op("Equal", cast_to(g, self, torch.int64), cast_to(g, self, torch.int64)))
    return g.op("IsNaN", self)


@builtin_symbolic("aten::isinf", opset=10)
def aten_isinf(g: GraphContext, self: Value) -> Value:
    return g.op("IsInf", cast_to(g, self, torch.float64) if dtype_of(self) == torch.float16 else to_float(g, self))


@builtin_symbolic("aten::isfinite", opset=10)
def aten_isfinite(g: GraphContext, self: Value) -> Value:
    as_float = cast_to(g, self, torch.float64) if dtype_of(self) == torch.float16 else to_float(g, self)
    return g.op("Not", g.op("Or", g.op("IsInf", as_float), g.op("IsNaN", as_float)))


# -- min / max / clamp ----------------------------------------------------------------


def _min_max(g: GraphContext, onnx_op: str, self: Any, other: Any) -> Value:
    """``Min``/``Max`` of two operands; before opset 12 ONNX takes floats only."""
    (self, other), dtype = promote_operands(g, self, other)
    if dtype is not None and not dtype.is_floating_point and g.opset < 12:
        result = g.op(onnx_op, to_float(g, self), to_float(g, other) if python_scalar(other) is None else other)
        return cast_to(g, result, dtype)
    return g.op(onnx_op, self, other)


@builtin_symbolic("aten::maximum")
def aten_maximum(g: GraphContext, self: Any, other: Any) -> Value:
    return _min_max(g, "Max", self, other)


@builtin_symbolic("aten::minimum")
def aten_minimum(g: GraphContext, self: Any, other: Any) -> Value:
    return _min_max(g, "Min", self, other)


def _is_scalar_bound(bound: Any, opset: int) -> bool:
    """A bound ``Clip`` takes: a number, or (from opset 11, where bounds became inputs) a 0-d tensor."""
    if python_scalar(bound) is not None:
        return True
    if isinstance(bound, ConstantValue) and isinstance(bound.python_value, torch.Tensor):
        return bound.python_value.dim() == 0
    return opset >= 11 and isinstance(bound, Value) and bound.type().dim() == 0


def clamp_value(g: GraphContext, self: Value, min: Any, max: Any) -> Value:  # noqa: A002 - ATen names
    """``clamp(self, min, max)`` with either bound omitted, a number, or a tensor.

    Number bounds become ``Clip`` (attributes before opset 11, inputs after;
    integer tensors go through float before opset 12). Tensor bounds become
    ``Max``/``Min``, which broadcast as PyTorch does.
    """
    if is_none(min) and is_none(max):
        raise SymbolicValueError(f"aten::clamp needs at least one of min and max (opset {g.opset}).", self)
    dtype = dtype_of(self)
    tensor_bound = not all(is_none(b) or _is_scalar_bound(b, g.opset) for b in (min, max))
    if tensor_bound:
        result = self
        if not is_none(min):
            result = _min_max(g, "Max", result, min)
        if not is_none(max):
            result = _min_max(g, "Min", result, max)
        return result
    integer = dtype is not None and not dtype.is_floating_point
    if g.opset < 11:
        bounds = {}
        for key, bound in (("min_f", min), ("max_f", max)):
            if is_none(bound):
                continue
            number = python_scalar(bound)
            if number is None:
                number = get_const(bound, "f", key[:3])
            bounds[key] = float(number)
        source = to_float(g, self) if integer else self
        return cast_to(g, g.op("Clip", source, **bounds), dtype) if integer else g.op("Clip", source, **bounds)
    compute = torch.get_default_dtype() if integer and g.opset < 12 else dtype
    source = cast_to(g, self, compute) if compute is not None else self
    low = None if is_none(min) else (cast_to(g, min, compute) if compute is not None else min)
    high = None if is_none(max) else (cast_to(g, max, compute) if compute is not None else max)
    result = g.op("Clip", source, low, high)
    return cast_to(g, result, dtype) if dtype is not None else result


@builtin_symbolic("aten::clamp", opset=(9, 11, 12))
def aten_clamp(g: GraphContext, self: Value, min: Any = None, max: Any = None) -> Value:  # noqa: A002
    """``clamp`` with number bounds (``clamp``) or tensor bounds (``clamp.Tensor``)."""
    return clamp_value(g, self, min, max)


@builtin_symbolic("aten::clamp_min", opset=(9, 11, 12))
def aten_clamp_min(g: GraphContext, self: Value, min: Any) -> Value:  # noqa: A002
    return clamp_value(g, self, min, None)


@builtin_symbolic("aten::clamp_max", opset=(9, 11, 12))
def aten_clamp_max(g: GraphContext, self: Value, max: Any) -> Value:  # noqa: A002
    return clamp_value(g, self, None, max)


# -- comparisons ------------------------------------------------------------------------


def _comparable(g: GraphContext, self: Any, other: Any) -> tuple[Any, Any, torch.dtype | None]:
    """Promote two operands for ``Less``/``Greater``, which take no booleans."""
    (self, other), dtype = promote_operands(g, self, other)
    if dtype == torch.bool:
        self, other, dtype = cast_to(g, self, torch.int32), cast_to(g, other, torch.int32), torch.int32
    return self, other, dtype


def _equal(g: GraphContext, self: Any, other: Any) -> Value:
    """``Equal``; before opset 11 it takes only bool/int32/int64, so other types compare otherwise."""
    (self, other), dtype = promote_operands(g, self, other)
    if g.opset >= 11 or dtype in (torch.bool, torch.int32, torch.int64, None):
        return g.op("Equal", self, other)
    if dtype.is_floating_point:
        # Neither less nor greater: equal (NaN compares equal here, the one difference).
        return g.op("Not", g.op("Or", g.op("Less", self, other), g.op("Greater", self, other)))
    return g.op("Equal", cast_to(g, self, torch.int64), cast_to(g, other, torch.int64))


@builtin_symbolic("aten::eq", opset=(9, 11))
def aten_eq(g: GraphContext, self: Any, other: Any) -> Value:
    return _equal(g, self, other)


@builtin_symbolic("aten::ne", opset=(9, 11))
def aten_ne(g: GraphContext, self: Any, other: Any) -> Value:
    return g.op("Not", _equal(g, self, other))


@builtin_symbolic("aten::lt")
def aten_lt(g: GraphContext, self: Any, other: Any) -> Value:
    self, other, _ = _comparable(g, self, other)
    return g.op("Less", self, other)


@builtin_symbolic("aten::gt")
def aten_gt(g: GraphContext, self: Any, other: Any) -> Value:
    self, other, _ = _comparable(g, self, other)
    return g.op("Greater", self, other)


@builtin_symbolic("aten::le", opset=(9, 12))
def aten_le(g: GraphContext, self: Any, other: Any) -> Value:
    """``LessOrEqual`` from opset 12, ``Not(Greater)`` before it."""
    self, other, _ = _comparable(g, self, other)
    if g.opset >= 12:
        return g.op("LessOrEqual", self, other)
    return g.op("Not", g.op("Greater", self, other))


@builtin_symbolic("aten::ge", opset=(9, 12))
def aten_ge(g: GraphContext, self: Any, other: Any) -> Value:
    """``GreaterOrEqual`` from opset 12, ``Not(Less)`` before it."""
    self, other, _ = _comparable(g, self, other)
    if g.opset >= 12:
        return g.op("GreaterOrEqual", self, other)
    return g.op("Not", g.op("Less", self, other))


def as_bool(g: GraphContext, value: Any) -> Any:
    """A condition as a boolean tensor (``Where``, ``And``... take nothing else)."""
    return cast_to(g, value, torch.bool) if dtype_of(value) not in (torch.bool, None) else value


def where_value(g: GraphContext, condition: Value, then: Any, otherwise: Any) -> Value:
    """``Where``, with boolean data as ``And``/``Or`` (ONNX Runtime has no boolean ``Where`` kernel)."""
    if dtype_of(then) == torch.bool and dtype_of(otherwise) == torch.bool:
        picked = g.op("And", condition, then)
        return g.op("Or", picked, g.op("And", g.op("Not", condition), otherwise))
    return g.op("Where", condition, then, otherwise)


@builtin_symbolic("aten::where")
def aten_where(g: GraphContext, condition: Value, self: Any = None, other: Any = None, _outputs: Any = None) -> Any:
    """``where(condition, self, other)``; ``where(condition)`` gives the indices of the true elements."""
    condition = as_bool(g, condition)
    if is_none(self) and is_none(other):
        rank = get_tensor_rank(condition)
        if rank is None:
            raise SymbolicValueError(
                f"aten::where(condition) needs the rank of condition to know how many index tensors "
                f"to return (opset {g.opset}); give the input a static rank.",
                condition,
            )
        indices = g.op("NonZero", condition)
        rows = [
            squeeze_helper(g, slice_helper(g, indices, axes=[0], starts=[i], ends=[i + 1]), [0])
            for i in range(rank)
        ]
        return tuple(rows)
    (self, other), _ = promote_operands(g, self, other)
    return where_value(g, condition, self, other)


# -- logic ------------------------------------------------------------------------------


def _logical(onnx_op: str, name: str) -> Any:
    def symbolic(g: GraphContext, self: Any, other: Any) -> Value:
        return g.op(onnx_op, as_bool(g, self), as_bool(g, other))

    symbolic.__name__ = symbolic.__qualname__ = name
    symbolic.__doc__ = f"ONNX ``{onnx_op}`` on the truth values of both operands."
    return symbolic


aten_logical_and = builtin_symbolic("aten::logical_and")(_logical("And", "aten_logical_and"))
aten_logical_or = builtin_symbolic("aten::logical_or")(_logical("Or", "aten_logical_or"))
aten_logical_xor = builtin_symbolic("aten::logical_xor")(_logical("Xor", "aten_logical_xor"))


@builtin_symbolic("aten::logical_not")
def aten_logical_not(g: GraphContext, self: Any) -> Value:
    return g.op("Not", as_bool(g, self))


@builtin_symbolic("aten::bitwise_not", opset=(9, 18))
def aten_bitwise_not(g: GraphContext, self: Value) -> Value:
    """``~x``: ``Not`` for booleans, ``BitwiseNot`` (opset 18) or ``-x - 1`` for signed integers."""
    dtype = dtype_of(self)
    if dtype == torch.bool:
        return g.op("Not", self)
    if g.opset >= 18:
        return g.op("BitwiseNot", self)
    if dtype in _SIGNED_INTS:
        return g.op("Sub", g.op("Neg", self), ConstantValue(1))
    raise _unsupported("aten::bitwise_not", g.opset, f"bitwise not of a {dtype} tensor needs ONNX BitwiseNot", 18)


def _bitwise(onnx_bool_op: str, onnx_int_op: str, name: str) -> Any:
    def symbolic(g: GraphContext, self: Any, other: Any) -> Value:
        (self, other), dtype = promote_operands(g, self, other)
        if dtype == torch.bool:
            return g.op(onnx_bool_op, self, other)
        if g.opset >= 18:
            return g.op(onnx_int_op, self, other)
        raise _unsupported(f"aten::{name[5:]}", g.opset, f"{name[5:]} of {dtype} tensors needs ONNX {onnx_int_op}", 18)

    symbolic.__name__ = symbolic.__qualname__ = name
    symbolic.__doc__ = f"``{onnx_bool_op}`` for booleans, ``{onnx_int_op}`` for integers (opset 18)."
    return symbolic


aten_bitwise_and = builtin_symbolic("aten::bitwise_and", opset=(9, 18))(
    builtin_symbolic("aten::__and_", opset=(9, 18))(_bitwise("And", "BitwiseAnd", "aten_bitwise_and"))
)
aten_bitwise_or = builtin_symbolic("aten::bitwise_or", opset=(9, 18))(
    builtin_symbolic("aten::__or_", opset=(9, 18))(_bitwise("Or", "BitwiseOr", "aten_bitwise_or"))
)
aten_bitwise_xor = builtin_symbolic("aten::bitwise_xor", opset=(9, 18))(
    builtin_symbolic("aten::__xor_", opset=(9, 18))(_bitwise("Xor", "BitwiseXor", "aten_bitwise_xor"))
)
