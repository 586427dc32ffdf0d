"""Built-in symbolics that create tensors: ``arange``, ``zeros``/``ones``/``full`` (and ``*_like``, ``new_*``), ``eye``...

``torch.export`` keeps tensor factories in the graph whenever a size is
dynamic (``torch.arange(x.size(1))`` for position ids, ``torch.ones(T, T)``
for a causal mask), and hands over their sizes as lists mixing Python ints
and 0-d int64 graph values. The symbolics here build those tensors at run
time (``ConstantOfShape``, ``Range``) with PyTorch's dtype rules: ``arange``
is int64 when every bound is integral, ``full`` takes the type of its fill
value, ``*_like`` and ``new_*`` the type of the tensor they copy.

``empty`` is exported as ``zeros``: ONNX has no uninitialized tensor, and
zeros are one valid value of an empty tensor. Device, layout and
pin-memory arguments have no ONNX meaning and are ignored, as the legacy
exporter did.

:func:`iota` (``0, 1, ..., n-1`` for a static or dynamic ``n``, at every
opset) and :func:`shape_vector` are shared with the other op families.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import torch

from onnx_migrate.errors import SymbolicValueError
from onnx_migrate.legacy_symbolics._helpers.args import get_const, get_tensor_dim_size, get_tensor_rank
from onnx_migrate.legacy_symbolics._helpers.shapes import reshape_helper, to_1d_int64
from onnx_migrate.legacy_symbolics.graph_context import GraphContext
from onnx_migrate.legacy_symbolics.ops.elementwise import cast_to, dtype_arg, dtype_of, is_none, python_scalar
from onnx_migrate.legacy_symbolics.marks import builtin_symbolic
from onnx_migrate.legacy_symbolics.values import ConstantValue, ListValue, Value

__all__ = ["bind_overload", "dim_size", "filled", "iota", "shape_vector", "static_number"]


# -- shared helpers ---------------------------------------------------------------------


def static_number(value: Any) -> bool | int | float | None:
    """The Python number an argument holds (a number, a number constant, a 0-d constant tensor), else ``None``."""
    number = python_scalar(value)
    if number is not None:
        return number
    obj = value.python_value if isinstance(value, ConstantValue) else value
    if isinstance(obj, torch.Tensor) and obj.numel() == 1:
        return obj.item()
    if isinstance(value, Value) and not isinstance(value, (ConstantValue, ListValue)):
        const = value.ir_value.const_value
        if const is not None and const.size == 1:
            return const.numpy().reshape(()).item()
    return None


def shape_vector(g: GraphContext, size: Any) -> Value:
    """A size argument (ints, a list with dynamic items, a 1-D tensor) as a 1-D int64 value."""
    return to_1d_int64(g, size, "size")


def dim_size(g: GraphContext, value: Value, dim: int) -> int | Value:
    """The size of ``value`` along ``dim``: an int when static, else a 0-d int64 graph value."""
    size = get_tensor_dim_size(value, dim)
    if size is not None:
        return int(size)
    index = g.op("Constant", value_t=torch.tensor(dim, dtype=torch.int64))
    return g.op("Gather", g.op("Shape", value), index, axis_i=0)


def iota(g: GraphContext, length: int | Value, dtype: torch.dtype = torch.int64) -> Value:
    """``[0, 1, ..., length - 1]`` as a 1-D tensor, for a static or a run-time ``length``.

    ONNX ``Range`` exists from opset 11; before it, the indices of a tensor of
    ones (``NonZero``) give the same sequence.
    """
    if isinstance(length, int):
        return g.op("Constant", value_t=torch.arange(length, dtype=dtype))
    length = cast_to(g, length, torch.int64)
    if g.opset >= 11:
        zero = g.op("Constant", value_t=torch.tensor(0, dtype=torch.int64))
        one = g.op("Constant", value_t=torch.tensor(1, dtype=torch.int64))
        scalar_length = reshape_helper(g, length, []) if get_tensor_rank(length) != 0 else length
        result = g.op("Range", zero, scalar_length, one)
    else:
        ones = g.op("ConstantOfShape", reshape_helper(g, length, [1]), value_t=torch.tensor([1], dtype=torch.int64))
        result = reshape_helper(g, g.op("NonZero", ones), [-1])
    return cast_to(g, result, dtype)


def filled(g: GraphContext, shape: Value, fill: Any, dtype: torch.dtype) -> Value:
    """A tensor of ``shape`` (1-D int64) filled with ``fill`` (a number or a 0-d graph value) as ``dtype``."""
    number = static_number(fill)
    if number is not None:
        return g.op("ConstantOfShape", shape, value_t=torch.tensor([number], dtype=dtype))
    return g.op("Expand", cast_to(g, fill, dtype), shape)


def bind_overload(
    op: str, args: tuple[Any, ...], kwargs: dict[str, Any], forms: dict[int, tuple[str, ...]]
) -> dict[str, Any]:
    """Name the positional arguments of an op whose overloads differ in argument order.

    The translator passes every schema argument positionally, keyword-only ones
    included, so ``eye(n, *, dtype...)`` and ``eye.m(n, m, *, dtype...)`` arrive
    as 5 and 6 values; ``forms`` maps each count to the argument names.
    """
    if args and len(args) not in forms:
        raise SymbolicValueError(f"{op}: no overload takes {len(args)} positional arguments.", None)
    named = dict(zip(forms.get(len(args), ()), args, strict=True)) if args else {}
    named.update(kwargs)
    return named


def _fill_dtype(fill: Any) -> torch.dtype:
    """The dtype ``torch.full`` infers from its fill value."""
    number = python_scalar(fill)
    if isinstance(number, bool):
        return torch.bool
    if isinstance(number, numbers.Integral):
        return torch.int64
    if number is not None:
        return torch.get_default_dtype()
    return dtype_of(fill) or torch.get_default_dtype()


def _dtype_or(dtype: Any, default: torch.dtype | None) -> torch.dtype:
    return dtype_arg(dtype) or default or torch.get_default_dtype()


# -- arange -------------------------------------------------------------------------------

#: Positional arguments of the ``arange`` overloads, by count (the translator passes every schema argument).
_ARANGE_FORMS = {
    1: ("end",),
    2: ("end", "dtype"),
    5: ("end", "dtype", "layout", "device", "pin_memory"),
    6: ("start", "end", "dtype", "layout", "device", "pin_memory"),
    7: ("start", "end", "step", "dtype", "layout", "device", "pin_memory"),
}


def _arange_arguments(args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    if len(args) in (3, 4) and not kwargs:
        # arange.start_step(start, end, step) or the legacy (start, end, step, out) form.
        return dict(zip(("start", "end", "step"), args[:3], strict=True))
    return bind_overload("aten::arange", args, kwargs, _ARANGE_FORMS)


def _is_integral(bound: Any) -> bool:
    number = python_scalar(bound)
    if number is not None:
        return isinstance(number, numbers.Integral)
    dtype = dtype_of(bound)
    return dtype is None or not dtype.is_floating_point


@builtin_symbolic("aten::arange", opset=(9, 11))
def aten_arange(g: GraphContext, *args: Any, **kwargs: Any) -> Value:
    """``arange(end)``, ``arange.start(start, end)``, ``arange.start_step(start, end, step)``.

    The result is int64 when every bound is integral, else the default float
    type, unless ``dtype`` says otherwise. Static bounds give a constant;
    run-time bounds (``torch.arange(x.size(1))``) a ``Range`` from opset 11,
    the indices of a tensor of ones before.
    """
    named = _arange_arguments(args, kwargs)
    start, end, step = named.get("start", 0), named["end"], named.get("step", 1)
    start = 0 if is_none(start) else start
    step = 1 if is_none(step) else step
    bounds = (start, end, step)
    dtype = dtype_arg(named.get("dtype"))
    integral = all(_is_integral(b) for b in bounds)
    if dtype is None:
        dtype = torch.int64 if integral else torch.get_default_dtype()
    numbers_ = [static_number(b) for b in bounds]
    if all(n is not None for n in numbers_):
        return g.op("Constant", value_t=torch.arange(*numbers_, dtype=dtype))
    # Compute in int64 when every bound is integral, in float64 otherwise, then cast to dtype.
    compute = torch.int64 if integral else torch.float64
    first, last, stride = (_as_tensor_bound(g, b, compute) for b in bounds)
    if g.opset >= 11:
        return cast_to(g, g.op("Range", first, last, stride), dtype)
    span = cast_to(g, g.op("Sub", last, first), torch.float64)
    count = g.op("Ceil", g.op("Div", span, cast_to(g, stride, torch.float64)))
    count = g.op("Max", count, g.op("Constant", value_t=torch.tensor(0.0, dtype=torch.float64)))
    steps = cast_to(g, iota(g, cast_to(g, count, torch.int64)), compute)
    return cast_to(g, g.op("Add", g.op("Mul", steps, stride), first), dtype)


def _as_tensor_bound(g: GraphContext, bound: Any, dtype: torch.dtype) -> Value:
    number = static_number(bound)
    if number is not None:
        return g.op("Constant", value_t=torch.tensor(number, dtype=dtype))
    value = cast_to(g, bound, dtype)
    return reshape_helper(g, value, []) if get_tensor_rank(value) not in (0, None) else value


@builtin_symbolic("aten::_dim_arange", opset=(9, 11))
def aten__dim_arange(g: GraphContext, like: Value, dim: Any) -> Value:
    """``arange(like.size(dim))`` (int64)."""
    return iota(g, dim_size(g, like, int(get_const(dim, "i", "dim"))))


# -- filled tensors -------------------------------------------------------------------------


@builtin_symbolic("aten::full")
def aten_full(
    g: GraphContext,
    size: Any,
    fill_value: Any,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    pin_memory: Any = None,
) -> Value:
    """A tensor of ``size`` filled with ``fill_value``; its dtype is that of the fill value unless given."""
    return filled(g, shape_vector(g, size), fill_value, _dtype_or(dtype, _fill_dtype(fill_value)))


def _constant_factory(name: str, fill: int) -> Any:
    def symbolic(
        g: GraphContext,
        size: Any,
        dtype: Any = None,
        layout: Any = None,
        device: Any = None,
        pin_memory: Any = None,
        memory_format: Any = None,
    ) -> Value:
        return filled(g, shape_vector(g, size), fill, _dtype_or(dtype, None))

    symbolic.__name__ = symbolic.__qualname__ = name
    symbolic.__doc__ = f"A tensor of ``size`` filled with {fill} (default float type unless ``dtype``)."
    return symbolic


aten_zeros = builtin_symbolic("aten::zeros")(_constant_factory("aten_zeros", 0))
aten_ones = builtin_symbolic("aten::ones")(_constant_factory("aten_ones", 1))
aten_empty = builtin_symbolic("aten::empty")(_constant_factory("aten_empty", 0))


@builtin_symbolic("aten::empty_strided")
def aten_empty_strided(
    g: GraphContext,
    size: Any,
    stride: Any,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    pin_memory: Any = None,
) -> Value:
    """Zeros of ``size`` (strides describe memory, which ONNX does not expose)."""
    return filled(g, shape_vector(g, size), 0, _dtype_or(dtype, None))


@builtin_symbolic("aten::full_like")
def aten_full_like(
    g: GraphContext,
    self: Value,
    fill_value: Any,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    pin_memory: Any = None,
    memory_format: Any = None,
) -> Value:
    """A tensor shaped like ``self`` filled with ``fill_value``, in ``self``'s dtype unless given."""
    return filled(g, g.op("Shape", self), fill_value, _dtype_or(dtype, dtype_of(self)))


def _like_factory(name: str, fill: int) -> Any:
    def symbolic(
        g: GraphContext,
        self: Value,
        dtype: Any = None,
        layout: Any = None,
        device: Any = None,
        pin_memory: Any = None,
        memory_format: Any = None,
    ) -> Value:
        return filled(g, g.op("Shape", self), fill, _dtype_or(dtype, dtype_of(self)))

    symbolic.__name__ = symbolic.__qualname__ = name
    symbolic.__doc__ = f"A tensor shaped like ``self`` filled with {fill}, in ``self``'s dtype unless given."
    return symbolic


aten_zeros_like = builtin_symbolic("aten::zeros_like")(_like_factory("aten_zeros_like", 0))
aten_ones_like = builtin_symbolic("aten::ones_like")(_like_factory("aten_ones_like", 1))
aten_empty_like = builtin_symbolic("aten::empty_like")(_like_factory("aten_empty_like", 0))


def _new_factory(name: str, fill: int) -> Any:
    def symbolic(
        g: GraphContext,
        self: Value,
        size: Any,
        dtype: Any = None,
        layout: Any = None,
        device: Any = None,
        pin_memory: Any = None,
    ) -> Value:
        return filled(g, shape_vector(g, size), fill, _dtype_or(dtype, dtype_of(self)))

    symbolic.__name__ = symbolic.__qualname__ = name
    symbolic.__doc__ = f"A tensor of ``size`` filled with {fill}, in ``self``'s dtype unless given."
    return symbolic


aten_new_zeros = builtin_symbolic("aten::new_zeros")(_new_factory("aten_new_zeros", 0))
aten_new_ones = builtin_symbolic("aten::new_ones")(_new_factory("aten_new_ones", 1))
aten_new_empty = builtin_symbolic("aten::new_empty")(_new_factory("aten_new_empty", 0))


@builtin_symbolic("aten::new_full")
def aten_new_full(
    g: GraphContext,
    self: Value,
    size: Any,
    fill_value: Any,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    pin_memory: Any = None,
) -> Value:
    """A tensor of ``size`` filled with ``fill_value``, in ``self``'s dtype unless given."""
    return filled(g, shape_vector(g, size), fill_value, _dtype_or(dtype, dtype_of(self)))


@builtin_symbolic("aten::fill")
def aten_fill(g: GraphContext, self: Value, value: Any) -> Value:
    """``fill``/``fill_``: ``self``'s shape and dtype, every element ``value``."""
    return filled(g, g.op("Shape", self), value, dtype_of(self) or torch.get_default_dtype())


@builtin_symbolic("aten::zero")
def aten_zero(g: GraphContext, self: Value) -> Value:
    """``zero``/``zero_``: zeros shaped and typed like ``self``."""
    return filled(g, g.op("Shape", self), 0, dtype_of(self) or torch.get_default_dtype())


@builtin_symbolic("aten::scalar_tensor")
def aten_scalar_tensor(
    g: GraphContext, s: Any, dtype: Any = None, layout: Any = None, device: Any = None, pin_memory: Any = None
) -> Value:
    """A 0-d tensor holding ``s`` (default float type unless ``dtype``)."""
    target = _dtype_or(dtype, None)
    number = static_number(s)
    if number is not None:
        return g.op("Constant", value_t=torch.tensor(number, dtype=target))
    value = cast_to(g, s, target)
    return reshape_helper(g, value, []) if get_tensor_rank(value) != 0 else value


# -- constants and sequences ------------------------------------------------------------------


@builtin_symbolic("aten::tensor")
def aten_tensor(g: GraphContext, data: Any, dtype: Any = None, device: Any = None, requires_grad: Any = None) -> Value:
    """``torch.tensor(data)`` for constant data or a list of 0-d graph values (a legacy TorchScript form)."""
    target = dtype_arg(dtype)
    if isinstance(data, ConstantValue):
        return g.op("Constant", value_t=torch.tensor(data.python_value, dtype=target))
    if not isinstance(data, ListValue):
        return data if target is None else cast_to(g, data, target)
    tensors = [i for i in data.items if not isinstance(i, ConstantValue)]
    target = target or dtype_of(tensors[0]) or torch.get_default_dtype()
    pieces = [
        g.op("Constant", value_t=torch.tensor([item.python_value], dtype=target))
        if isinstance(item, ConstantValue)
        else reshape_helper(g, cast_to(g, item, target), [1])
        for item in data.items
    ]
    return g.op("Concat", *pieces, axis_i=0)


@builtin_symbolic("aten::as_tensor")
def aten_as_tensor(g: GraphContext, data: Any, dtype: Any = None, device: Any = None) -> Value:
    """``torch.as_tensor(data, dtype)``: :func:`aten_tensor` without ``requires_grad``."""
    return aten_tensor(g, data, dtype, device)


@builtin_symbolic("aten::lift")
def aten_lift(g: GraphContext, self: Value) -> Value:
    """Returns its input: ``lift`` only marks a constant as a fresh tensor for autograd."""
    return self


@builtin_symbolic("aten::linspace", opset=(9, 11))
def aten_linspace(
    g: GraphContext,
    start: Any,
    end: Any,
    steps: Any,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    pin_memory: Any = None,
) -> Value:
    """``steps`` evenly spaced values from ``start`` to ``end``.

    PyTorch fills the first half from ``start`` and the second half back from
    ``end``, so that both ends are exact; the run-time form does the same.
    """
    count = int(get_const(steps, "i", "steps"))
    target = _dtype_or(dtype, None)
    first, last = static_number(start), static_number(end)
    if first is not None and last is not None:
        return g.op("Constant", value_t=torch.linspace(first, last, count, dtype=target))
    if count <= 1:
        return reshape_helper(g, cast_to(g, start if first is None else _scalar(g, first), target), [count])
    compute = torch.float64
    low = cast_to(g, start, compute) if first is None else _scalar(g, first, compute)
    high = cast_to(g, end, compute) if last is None else _scalar(g, last, compute)
    step = g.op("Div", g.op("Sub", high, low), _scalar(g, count - 1, compute))
    positions = iota(g, count, compute)
    from_start = g.op("Add", low, g.op("Mul", positions, step))
    from_end = g.op("Sub", high, g.op("Mul", g.op("Sub", _scalar(g, count - 1, compute), positions), step))
    first_half = g.op("Constant", value_t=torch.arange(count) < count // 2)
    return cast_to(g, g.op("Where", first_half, from_start, from_end), target)


def _scalar(g: GraphContext, number: float, dtype: torch.dtype = torch.float64) -> Value:
    return g.op("Constant", value_t=torch.tensor(number, dtype=dtype))


@builtin_symbolic("aten::logspace", opset=(9, 11))
def aten_logspace(
    g: GraphContext,
    start: Any,
    end: Any,
    steps: Any,
    base: Any = 10.0,
    dtype: Any = None,
    layout: Any = None,
    device: Any = None,
    pin_memory: Any = None,
) -> Value:
    """``base ** linspace(start, end, steps)``."""
    exponents = aten_linspace(g, start, end, steps, torch.float64)
    base_number = float(static_number(base) if static_number(base) is not None else 10.0)
    powers = g.op("Pow", _scalar(g, base_number), exponents)
    return cast_to(g, powers, _dtype_or(dtype, None))


_FACTORY_TAIL = ("dtype", "layout", "device", "pin_memory")


@builtin_symbolic("aten::eye")
def aten_eye(g: GraphContext, *args: Any, **kwargs: Any) -> Value:
    """The ``n x m`` identity (``eye(n)``, ``eye.m(n, m)``); sizes may be dynamic (``EyeLike``)."""
    named = bind_overload(
        "aten::eye", args, kwargs, {1: ("n",), 2: ("n", "m"), 5: ("n", *_FACTORY_TAIL), 6: ("n", "m", *_FACTORY_TAIL)}
    )
    n, m = named["n"], named.get("m")
    rows = static_number(n)
    cols = rows if is_none(m) else static_number(m)
    target = _dtype_or(named.get("dtype"), None)
    if rows is not None and cols is not None:
        return g.op("Constant", value_t=torch.eye(int(rows), int(cols), dtype=target))
    width = n if is_none(m) else m
    shape = shape_vector(g, ListValue([n if rows is None else ConstantValue(int(rows)), width]))
    zeros = g.op("ConstantOfShape", shape, value_t=torch.tensor([0], dtype=target))
    return g.op("EyeLike", zeros)


@builtin_symbolic("aten::hann_window", opset=(9, 17))
def aten_hann_window(g: GraphContext, *args: Any, **kwargs: Any) -> Value:
    """The Hann window: a constant for a static length; ``HannWindow`` (opset 17) or ``sin^2`` for a run-time one."""
    named = bind_overload(
        "aten::hann_window",
        args,
        kwargs,
        {
            1: ("window_length",),
            2: ("window_length", "periodic"),
            5: ("window_length", *_FACTORY_TAIL),
            6: ("window_length", "periodic", *_FACTORY_TAIL),
        },
    )
    window_length = named["window_length"]
    target = _dtype_or(named.get("dtype"), None)
    periodic = named.get("periodic")
    is_periodic = True if is_none(periodic) else bool(get_const(periodic, "b", "periodic"))
    length = static_number(window_length)
    if length is not None:
        return g.op("Constant", value_t=torch.hann_window(int(length), periodic=is_periodic, dtype=target))
    if g.opset >= 17:
        size = reshape_helper(g, cast_to(g, window_length, torch.int64), [])
        return cast_to(g, g.op("HannWindow", size, periodic_i=int(is_periodic)), target)
    size = cast_to(g, window_length, torch.float64)
    denominator = size if is_periodic else g.op("Sub", size, _scalar(g, 1.0))
    positions = iota(g, cast_to(g, window_length, torch.int64), torch.float64)
    sine = g.op("Sin", g.op("Div", g.op("Mul", positions, _scalar(g, math.pi)), denominator))
    return cast_to(g, g.op("Mul", sine, sine), target)
