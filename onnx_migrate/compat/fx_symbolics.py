"""Symbolics for what torch.export graphs hold beyond ATen ops.

TorchScript graphs never had these: dynamic sizes (``aten::sym_size``) and the
Python arithmetic on them (``operator.mul`` on ``SymInt``), and runtime
assertions. Sizes become 0-d int64 tensors computed with ``Shape``/``Gather``,
so a dynamic dim flows into ``Reshape``/``Expand`` the way legacy graphs did it.
They are registered into each export's registry snapshot as built-ins.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from onnx_migrate.compat.onnx_ops_symbolic import SYMBOLICS as onnx_ops_symbolics
from onnx_migrate.legacy_symbolics.graph_context import GraphContext
from onnx_migrate.legacy_symbolics.registry import BASE_OPSET, SymbolicRegistry
from onnx_migrate.legacy_symbolics.values import ConstantValue, Value

__all__ = ["NO_OUTPUT", "register_fx_symbolics"]


class _NoOutput:
    """Marker a symbolic returns for nodes that produce nothing in ONNX (assertions)."""

    def __repr__(self) -> str:
        return "NO_OUTPUT"


NO_OUTPUT = _NoOutput()


def _int_value(g: GraphContext, value: Any) -> Any:
    """A size operand: a graph value as it is, a Python int as an int64 constant."""
    if isinstance(value, ConstantValue):
        value = value.python_value
    if isinstance(value, Value):
        return value
    return g.op("Constant", value_t=_int_tensor(value))


def _int_tensor(value: Any) -> Any:
    import torch

    return torch.tensor(int(value), dtype=torch.int64)


def sym_size(g: GraphContext, self: Value, dim: Any) -> Value:
    index = dim.python_value if isinstance(dim, ConstantValue) else dim
    shape = g.op("Shape", self)
    return g.op("Gather", shape, g.op("Constant", value_t=_int_tensor(index)), axis_i=0)


def sym_numel(g: GraphContext, self: Value) -> Value:
    return g.op("ReduceProd", g.op("Shape", self), keepdims_i=0)


def _is_float(operand: Any) -> bool:
    if isinstance(operand, ConstantValue):
        operand = operand.python_value
    if isinstance(operand, Value):
        dtype = operand.ir_value.dtype
        return dtype is not None and dtype.is_floating_point()
    return isinstance(operand, float)


def _number_value(g: GraphContext, value: Any, as_float: bool) -> Any:
    """An operand of size arithmetic: int64, or float32 when the expression mixes in floats (``sym_float``)."""
    if not as_float:
        return _int_value(g, value)
    if isinstance(value, ConstantValue):
        value = value.python_value
    if isinstance(value, Value):
        return value if _is_float(value) else g.op("Cast", value, to_i=_FLOAT)
    return g.op("Constant", value_t=_float_tensor(float(value)))


def _binary(onnx_op: str) -> Callable[..., Value]:
    def symbolic(g: GraphContext, a: Any, b: Any) -> Value:
        as_float = _is_float(a) or _is_float(b)
        return g.op(onnx_op, _number_value(g, a, as_float), _number_value(g, b, as_float))

    symbolic.__name__ = f"sym_{onnx_op.lower()}"
    return symbolic


def sym_floordiv(g: GraphContext, a: Any, b: Any) -> Value:
    # Sizes are non-negative, where ONNX integer Div (truncation) equals floor division.
    return g.op("Div", _int_value(g, a), _int_value(g, b))


def _negated(onnx_op: str) -> Callable[..., Value]:
    """``a >= b`` as ``Not(a < b)``: ``GreaterOrEqual``/``LessOrEqual`` only exist from opset 12."""

    def symbolic(g: GraphContext, a: Any, b: Any) -> Value:
        return g.op("Not", g.op(onnx_op, _int_value(g, a), _int_value(g, b)))

    symbolic.__name__ = f"sym_not_{onnx_op.lower()}"
    return symbolic


def _select(pick_first_if: str) -> Callable[..., Value]:
    """``torch.sym_min``/``sym_max`` of sizes as ``Where(Less(a, b), a, b)``: ONNX ``Min``/``Max``
    take integers only from opset 12, sizes are int64 at every opset."""

    def symbolic(g: GraphContext, a: Any, b: Any) -> Value:
        first, second = _int_value(g, a), _int_value(g, b)
        return g.op("Where", g.op(pick_first_if, first, second), first, second)

    symbolic.__name__ = "sym_min" if pick_first_if == "Less" else "sym_max"
    return symbolic


def _cast(to: int, name: str) -> Callable[..., Value]:
    """``torch.sym_float``/``sym_int`` of a size: a ``Cast`` (sizes float as float32, as tensors meet them)."""

    def symbolic(g: GraphContext, a: Any) -> Value:
        if isinstance(a, ConstantValue):
            a = a.python_value
        if not isinstance(a, Value):
            import torch

            dtype = torch.float32 if to == _FLOAT else torch.int64
            return g.op("Constant", value_t=torch.tensor(a, dtype=dtype))
        return g.op("Cast", a, to_i=to)

    symbolic.__name__ = name
    return symbolic


def sym_truediv(g: GraphContext, a: Any, b: Any) -> Value:
    """``a / b`` of sizes: a float division (Python's ``/`` on ints gives a float)."""
    return g.op("Div", *(g.op("Cast", _int_value(g, v), to_i=_FLOAT) for v in (a, b)))


_FLOAT, _INT64 = 1, 7  # onnx.TensorProto.FLOAT, INT64


def _float_tensor(value: float) -> Any:
    import torch

    return torch.tensor(value, dtype=torch.float32)


def sym_neg(g: GraphContext, a: Any) -> Value:
    return g.op("Neg", _int_value(g, a))


def sym_trunc(g: GraphContext, a: Any) -> Value:
    """``math.trunc`` of a float size (an image size times a scale): an int64 size again.
    A ``Cast`` to int64 truncates toward zero, so no rounding op is needed."""
    return g.op("Cast", _number_value(g, a, as_float=True), to_i=_INT64)


def no_output(g: GraphContext, *args: Any) -> _NoOutput:
    """Runtime assertions of torch.export: ONNX has no equivalent, so they are dropped."""
    return NO_OUTPUT


_SYMBOLICS: dict[str, Callable[..., Any]] = {
    "aten::sym_size": sym_size,
    "aten::sym_numel": sym_numel,
    "_operator::add": _binary("Add"),
    "_operator::sub": _binary("Sub"),
    "_operator::mul": _binary("Mul"),
    "_operator::floordiv": sym_floordiv,
    "_operator::mod": _binary("Mod"),
    "_operator::neg": sym_neg,
    "_operator::eq": _binary("Equal"),
    "_operator::ne": _negated("Equal"),
    "_operator::truediv": sym_truediv,
    "torch::sym_float": _cast(_FLOAT, "sym_float"),  # segment-anything's mask decoder
    "torch::sym_int": _cast(_INT64, "sym_int"),
    "torch::sym_not": lambda g, a: g.op("Not", a),
    "torch::sym_ite": lambda g, c, a, b: g.op("Where", c, _int_value(g, a), _int_value(g, b)),
    "torch::sym_min": _select("Less"),  # transformers' GPT-Neo / MPT clamp lengths with them
    "torch::sym_max": _select("Greater"),
    "math::trunc": sym_trunc,  # interpolate(scale_factor=, recompute_scale_factor=True): torchvision detection
    "_operator::lt": _binary("Less"),
    "_operator::gt": _binary("Greater"),
    "_operator::ge": _negated("Less"),  # data-dependent sizes (unbacked SymInts) come with x >= 0 checks
    "_operator::le": _negated("Greater"),
    "aten::_assert_scalar": no_output,
    "aten::_assert_async": no_output,
    "aten::_assert_tensor_metadata": no_output,
    "aten::sym_constrain_range": no_output,
    "aten::sym_constrain_range_for_size": no_output,
    "aten::_functional_assert_async": no_output,
}

def register_fx_symbolics(registry: SymbolicRegistry) -> None:
    """Add the FX-level symbolics to an export's registry (skipping names already there)."""
    for name, fn in {**_SYMBOLICS, **onnx_ops_symbolics}.items():
        group = registry.get_function_group(name)
        # At the base opset: targets 7 and 8 search upward to 9, later ones downward.
        if group is None or BASE_OPSET not in group.builtin_opsets():
            registry.register(name, BASE_OPSET, fn, custom=False)
