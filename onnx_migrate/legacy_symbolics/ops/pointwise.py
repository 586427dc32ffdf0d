"""Built-in symbolics for the elementwise ops beyond arithmetic: ``lerp``, ``logit``, ``nan_to_num``, shifts, ``bucketize``...

These complete ``elementwise.py`` with ops that models use less often but
the legacy exporter covered: interpolation (``lerp``, with PyTorch's
two-sided formula for exact ends), ``logit``, ``nan_to_num`` (infinities
found by comparison with the largest finite value, so it works before
``IsInf`` at opset 10), bit shifts (multiplication and floor division by
powers of two; ONNX ``BitShift`` takes unsigned integers only), the
complex no-ops (``resolve_conj``...) for real tensors, ``item`` and
``bucketize``.
"""

from __future__ import annotations

from typing import Any

import torch

from onnx_migrate.errors import UnsupportedSymbolicError
from onnx_migrate.legacy_symbolics._helpers.args import get_const, get_tensor_rank
from onnx_migrate.legacy_symbolics._helpers.shapes import reshape_helper, unsqueeze_helper
from onnx_migrate.legacy_symbolics.graph_context import GraphContext
from onnx_migrate.legacy_symbolics.ops import elementwise
from onnx_migrate.legacy_symbolics.ops.creation import static_number
from onnx_migrate.legacy_symbolics.ops.elementwise import cast_to, dtype_of, is_none, promote_operands, to_float
from onnx_migrate.legacy_symbolics.ops.reduction import reduce_value
from onnx_migrate.legacy_symbolics.marks import builtin_symbolic
from onnx_migrate.legacy_symbolics.values import Value

__all__: list[str] = []


def _constant(g: GraphContext, number: float, dtype: torch.dtype) -> Value:
    return g.op("Constant", value_t=torch.tensor(number, dtype=dtype))


@builtin_symbolic("aten::lerp")
def aten_lerp(g: GraphContext, self: Value, end: Value, weight: Any) -> Value:
    """``self + weight * (end - self)``, computed from ``end`` when ``weight >= 0.5`` (as PyTorch, for exact ends)."""
    (self, end), dtype = promote_operands(g, self, end)
    dtype = dtype or torch.float32
    difference = g.op("Sub", end, self)
    number = static_number(weight)
    if number is not None:
        if abs(number) < 0.5:
            return g.op("Add", self, g.op("Mul", difference, _constant(g, number, dtype)))
        return g.op("Sub", end, g.op("Mul", difference, _constant(g, 1.0 - number, dtype)))
    weight = cast_to(g, weight, dtype)
    near_start = g.op("Add", self, g.op("Mul", difference, weight))
    near_end = g.op("Sub", end, g.op("Mul", difference, g.op("Sub", _constant(g, 1.0, dtype), weight)))
    small = g.op("Less", g.op("Abs", weight), _constant(g, 0.5, dtype))
    return g.op("Where", small, near_start, near_end)


@builtin_symbolic("aten::logit")
def aten_logit(g: GraphContext, self: Value, eps: Any = None) -> Value:
    """``log(x / (1 - x))``, with ``x`` clamped to ``[eps, 1 - eps]`` when ``eps`` is given."""
    x = to_float(g, self)
    dtype = dtype_of(x) or torch.float32
    if not is_none(eps):
        bound = float(static_number(eps))  # type: ignore[arg-type]
        x = g.op("Max", g.op("Min", x, _constant(g, 1.0 - bound, dtype)), _constant(g, bound, dtype))
    return g.op("Log", g.op("Div", x, g.op("Sub", _constant(g, 1.0, dtype), x)))


@builtin_symbolic("aten::nan_to_num")
def aten_nan_to_num(g: GraphContext, self: Value, nan: Any = None, posinf: Any = None, neginf: Any = None) -> Value:
    """NaN, +inf and -inf replaced (defaults: 0 and the dtype's largest and smallest finite values)."""
    dtype = dtype_of(self)
    if dtype is not None and not dtype.is_floating_point:
        return self
    dtype = dtype or torch.float32
    info = torch.finfo(dtype)
    replace_nan = 0.0 if is_none(nan) else float(static_number(nan))  # type: ignore[arg-type]
    replace_pos = info.max if is_none(posinf) else float(static_number(posinf))  # type: ignore[arg-type]
    replace_neg = info.min if is_none(neginf) else float(static_number(neginf))  # type: ignore[arg-type]
    result = g.op("Where", g.op("IsNaN", self), _constant(g, replace_nan, dtype), self)
    result = g.op(
        "Where", g.op("Greater", self, _constant(g, info.max, dtype)), _constant(g, replace_pos, dtype), result
    )
    return g.op("Where", g.op("Less", self, _constant(g, info.min, dtype)), _constant(g, replace_neg, dtype), result)


# -- bit shifts ----------------------------------------------------------------------------------

_UNSIGNED = (torch.uint8,)


def _power_of_two(g: GraphContext, other: Any, dtype: torch.dtype) -> Value:
    """``2 ** other`` in ``dtype`` (computed in float64: exact for shifts below 53)."""
    number = static_number(other)
    if number is not None:
        return _constant(g, 2 ** int(number), dtype)
    powered = g.op("Pow", _constant(g, 2.0, torch.float64), cast_to(g, other, torch.float64))
    return cast_to(g, powered, dtype)


def _shift(g: GraphContext, self: Any, other: Any, left: bool, op: str) -> Value:
    dtype = dtype_of(self)
    if dtype is None or dtype.is_floating_point or dtype == torch.bool:
        raise UnsupportedSymbolicError(op, g.opset, (), hint=f"shifts are defined for integer tensors, got {dtype}.")
    if dtype in _UNSIGNED and g.opset >= 11:
        amount = (
            cast_to(g, other, dtype) if static_number(other) is None else _constant(g, int(static_number(other)), dtype)
        )  # type: ignore[arg-type]
        return g.op("BitShift", self, amount, direction_s="LEFT" if left else "RIGHT")
    factor = _power_of_two(g, other, dtype)
    if left:
        return elementwise.aten_mul(g, self, factor)
    return elementwise.aten_floor_divide(g, self, factor)


def _shift_symbolic(left: bool, name: str, op: str) -> Any:
    def symbolic(g: GraphContext, self: Any, other: Any) -> Value:
        return _shift(g, self, other, left, op)

    symbolic.__name__ = symbolic.__qualname__ = name
    symbolic.__doc__ = f"``self {'<<' if left else '>>'} other``: " + (
        "a product with ``2 ** other``." if left else "a floor division by ``2 ** other`` (arithmetic shift)."
    )
    return symbolic


aten_bitwise_left_shift = builtin_symbolic("aten::bitwise_left_shift")(
    builtin_symbolic("aten::__lshift__")(
        builtin_symbolic("aten::__lshift_")(
            _shift_symbolic(True, "aten_bitwise_left_shift", "aten::bitwise_left_shift")
        )
    )
)
aten_bitwise_right_shift = builtin_symbolic("aten::bitwise_right_shift")(
    builtin_symbolic("aten::__rshift__")(
        builtin_symbolic("aten::__rshift_")(
            _shift_symbolic(False, "aten_bitwise_right_shift", "aten::bitwise_right_shift")
        )
    )
)


# -- complex no-ops, scalars, buckets ---------------------------------------------------------------


def _real_only(name: str, op: str) -> Any:
    def symbolic(g: GraphContext, self: Value) -> Value:
        if dtype_of(self) is not None and dtype_of(self).is_complex:  # type: ignore[union-attr]
            raise UnsupportedSymbolicError(op, g.opset, (), hint="ONNX has no complex tensors.")
        return self

    symbolic.__name__ = symbolic.__qualname__ = name
    symbolic.__doc__ = "Returns its input: conjugation and negation bits are no-ops on real tensors."
    return symbolic


aten__conj = builtin_symbolic("aten::_conj")(_real_only("aten__conj", "aten::_conj"))
aten_conj_physical = builtin_symbolic("aten::conj_physical")(_real_only("aten_conj_physical", "aten::conj_physical"))
aten_resolve_conj = builtin_symbolic("aten::resolve_conj")(_real_only("aten_resolve_conj", "aten::resolve_conj"))
aten_resolve_neg = builtin_symbolic("aten::resolve_neg")(_real_only("aten_resolve_neg", "aten::resolve_neg"))


@builtin_symbolic("aten::_floor_divide")
def aten__floor_divide(g: GraphContext, self: Any, other: Any) -> Value:
    """The legacy name of ``floor_divide``."""
    return elementwise.aten_floor_divide(g, self, other)


def _scalar_of(g: GraphContext, self: Value) -> Value:
    return self if get_tensor_rank(self) == 0 else reshape_helper(g, self, [])


@builtin_symbolic("aten::item")
def aten_item(g: GraphContext, self: Value) -> Value:
    """The one element of ``self`` as a 0-d tensor (``torch.export`` then uses it as a scalar)."""
    return _scalar_of(g, self)


@builtin_symbolic("aten::_local_scalar_dense")
def aten__local_scalar_dense(g: GraphContext, self: Value) -> Value:
    """What ``item()`` becomes after decomposition: the one element as a 0-d tensor."""
    return _scalar_of(g, self)


@builtin_symbolic("aten::bucketize")
def aten_bucketize(g: GraphContext, self: Any, boundaries: Value, out_int32: Any = False, right: Any = False) -> Value:
    """The bucket of each element among sorted ``boundaries``: how many boundaries lie below it (or at it, ``right``)."""
    (values, edges), _ = promote_operands(g, self, boundaries)
    if static_number(self) is not None:
        values = _constant(g, static_number(self), dtype_of(edges) or torch.float32)  # type: ignore[arg-type]
    rank = get_tensor_rank(values) or 0
    expanded = unsqueeze_helper(g, values, [rank])
    at_right = not is_none(right) and bool(get_const(right, "b", "right"))
    below = g.op("Not", g.op("Less", expanded, edges)) if at_right else g.op("Greater", expanded, edges)
    counted = reduce_value(g, "ReduceSum", cast_to(g, below, torch.int64), [rank], False)
    wants_int32 = not is_none(out_int32) and bool(get_const(out_int32, "b", "out_int32"))
    return cast_to(g, counted, torch.int32) if wants_int32 else counted
