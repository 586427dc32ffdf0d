"""Built-in symbolics for random sampling: ``rand``/``randn`` (and ``*_like``), ``randint``, ``normal``, ``bernoulli``...

ONNX samples with ``RandomUniform``/``RandomNormal`` (static shapes), their
``*Like`` forms (any shape, here fed a tensor of the wanted shape) and
``Multinomial``. The exported model draws new numbers on every run, as the
PyTorch model does; it cannot reproduce PyTorch's generator, so tests check
shapes, dtypes and ranges, not values. Generators passed to the ATen ops are
ignored (ONNX takes an optional ``seed`` attribute instead).
"""

from __future__ import annotations

from typing import Any

import torch

from onnx_migrate.errors import UnsupportedSymbolicError
from onnx_migrate.legacy_symbolics._helpers.args import get_const, get_tensor_rank
from onnx_migrate.legacy_symbolics._helpers.shapes import squeeze_helper, unsqueeze_helper
from onnx_migrate.legacy_symbolics.graph_context import GraphContext
from onnx_migrate.legacy_symbolics.ops.creation import bind_overload, shape_vector, static_number
from onnx_migrate.legacy_symbolics.ops.elementwise import cast_to, dtype_arg, dtype_of, is_none
from onnx_migrate.legacy_symbolics.marks import builtin_symbolic
from onnx_migrate.legacy_symbolics.scalar_types import JitScalarType
from onnx_migrate.legacy_symbolics.values import Value

__all__: list[str] = []

_TAIL = ("dtype", "layout", "device", "pin_memory")


def _float_dtype(dtype: torch.dtype | None) -> torch.dtype:
    return dtype if dtype is not None and dtype.is_floating_point else torch.get_default_dtype()


def _onnx_type(dtype: torch.dtype) -> int:
    return JitScalarType.from_dtype(dtype).onnx_type()


def _template(g: GraphContext, size: Any, dtype: torch.dtype) -> Value:
    """A tensor of ``size`` (static or dynamic) for the ``*Like`` samplers to take their shape from."""
    return g.op("ConstantOfShape", shape_vector(g, size), value_t=torch.tensor([0], dtype=dtype))


def _uniform(g: GraphContext, like: Value, dtype: torch.dtype, low: float = 0.0, high: float = 1.0) -> Value:
    return g.op("RandomUniformLike", like, dtype_i=_onnx_type(dtype), low_f=low, high_f=high)


def _normal(g: GraphContext, like: Value, dtype: torch.dtype, mean: float = 0.0, scale: float = 1.0) -> Value:
    return g.op("RandomNormalLike", like, dtype_i=_onnx_type(dtype), mean_f=mean, scale_f=scale)


def _named(op: str, args: tuple[Any, ...], kwargs: dict[str, Any], lead: tuple[str, ...]) -> dict[str, Any]:
    forms = {len(lead): lead, len(lead) + 4: (*lead, *_TAIL), len(lead) + 5: (*lead, "generator", *_TAIL)}
    forms[len(lead) + 1] = (*lead, "generator") if "generator" not in lead else (*lead, "dtype")
    return bind_overload(op, args, kwargs, forms)


@builtin_symbolic("aten::rand")
def aten_rand(g: GraphContext, *args: Any, **kwargs: Any) -> Value:
    """Uniform samples in ``[0, 1)`` of ``size`` (``rand``, ``rand.generator``)."""
    named = _named("aten::rand", args, kwargs, ("size",))
    dtype = _float_dtype(dtype_arg(named.get("dtype")))
    return _uniform(g, _template(g, named["size"], dtype), dtype)


@builtin_symbolic("aten::randn")
def aten_randn(g: GraphContext, *args: Any, **kwargs: Any) -> Value:
    """Standard normal samples of ``size`` (``randn``, ``randn.generator``)."""
    named = _named("aten::randn", args, kwargs, ("size",))
    dtype = _float_dtype(dtype_arg(named.get("dtype")))
    return _normal(g, _template(g, named["size"], dtype), dtype)


def _like_dtype(self: Value, named: dict[str, Any]) -> torch.dtype:
    return dtype_arg(named.get("dtype")) or dtype_of(self) or torch.get_default_dtype()


_LIKE_FORMS = {0: (), 5: (*_TAIL, "memory_format"), 6: ("generator", *_TAIL, "memory_format")}


@builtin_symbolic("aten::rand_like")
def aten_rand_like(g: GraphContext, self: Value, *args: Any, **kwargs: Any) -> Value:
    """Uniform samples in ``[0, 1)`` shaped like ``self``."""
    named = bind_overload("aten::rand_like", args, kwargs, _LIKE_FORMS)
    return _uniform(g, self, _float_dtype(_like_dtype(self, named)))


@builtin_symbolic("aten::randn_like")
def aten_randn_like(g: GraphContext, self: Value, *args: Any, **kwargs: Any) -> Value:
    """Standard normal samples shaped like ``self``."""
    named = bind_overload("aten::randn_like", args, kwargs, _LIKE_FORMS)
    return _normal(g, self, _float_dtype(_like_dtype(self, named)))


def _integers(g: GraphContext, like: Value, low: Any, high: Any, dtype: torch.dtype) -> Value:
    """Integers uniform in ``[low, high)``: the floor of uniform floats in that range."""
    low_number, high_number = static_number(low), static_number(high)
    if low_number is None or high_number is None:
        raise UnsupportedSymbolicError(
            "aten::randint",
            g.opset,
            (),
            hint="the bounds become attributes of RandomUniformLike; they must be constants.",
        )
    samples = _uniform(g, like, torch.float64, float(low_number), float(high_number))
    return cast_to(g, g.op("Floor", samples), dtype)


@builtin_symbolic("aten::randint")
def aten_randint(g: GraphContext, *args: Any, **kwargs: Any) -> Value:
    """``randint(high, size)``, ``randint.low(low, high, size)`` (and their generator forms); int64 by default."""
    forms = {
        2: ("high", "size"),
        3: ("low", "high", "size"),
        4: ("low", "high", "size", "dtype"),  # the legacy randint(g, low, high, shapes, dtype, *options)
        5: ("low", "high", "size", "dtype", "layout"),
        6: ("high", "size", *_TAIL),
        7: ("low", "high", "size", *_TAIL),
        8: ("low", "high", "size", "generator", *_TAIL),
    }
    named = bind_overload("aten::randint", args, kwargs, forms)
    dtype = dtype_arg(named.get("dtype")) or torch.int64
    like = _template(g, named["size"], torch.float64)
    return _integers(g, like, named.get("low", 0), named["high"], dtype)


@builtin_symbolic("aten::randint_like")
def aten_randint_like(g: GraphContext, self: Value, *args: Any, **kwargs: Any) -> Value:
    """Integers in ``[low, high)`` shaped like ``self`` (``randint_like``, ``.low_dtype``), in ``self``'s dtype."""
    forms = {
        1: ("high",),
        2: ("low", "high"),
        6: ("high", *_TAIL, "memory_format"),
        7: ("low", "high", *_TAIL, "memory_format"),
    }
    named = bind_overload("aten::randint_like", args, kwargs, forms)
    return _integers(g, self, named.get("low", 0), named["high"], _like_dtype(self, named))


@builtin_symbolic("aten::normal")
def aten_normal(g: GraphContext, mean: Any, std: Any = 1.0, *args: Any, **kwargs: Any) -> Value:
    """Normal samples: ``normal.Tensor_float``/``float_Tensor``/``Tensor_Tensor`` (shaped by the tensors) and ``float_float(size)``."""
    tensors = [v for v in (mean, std) if isinstance(v, Value) and static_number(v) is None]
    if not tensors:
        named = bind_overload(
            "aten::normal",
            args,
            kwargs,
            {0: (), 1: ("size",), 2: ("size", "generator"), 6: ("size", "generator", *_TAIL)},
        )
        dtype = _float_dtype(dtype_arg(named.get("dtype")))
        return _normal(
            g, _template(g, named["size"], dtype), dtype, float(static_number(mean)), float(static_number(std))
        )  # type: ignore[arg-type]
    like = tensors[0] if len(tensors) == 1 else g.op("Add", mean, std)
    dtype = _float_dtype(dtype_of(like))
    standard = _normal(g, like, dtype)
    return g.op("Add", g.op("Mul", standard, std), mean)


@builtin_symbolic("aten::bernoulli")
def aten_bernoulli(g: GraphContext, self: Value, p: Any = None, generator: Any = None, out: Any = None) -> Value:
    """1 where a uniform sample falls below the probability (``self``, or ``p`` for ``.p``/``.Tensor``), else 0."""
    if not is_none(out):
        raise UnsupportedSymbolicError("aten::bernoulli", g.opset, (), hint="the out= argument has no ONNX form.")
    dtype = dtype_of(self) or torch.float32
    probability = self if is_none(p) else p
    samples = _uniform(g, self, _float_dtype(dtype))
    number = static_number(probability)
    threshold = (
        g.op("Constant", value_t=torch.tensor(number, dtype=_float_dtype(dtype)))
        if number is not None
        else cast_to(g, probability, _float_dtype(dtype))
    )
    return cast_to(g, g.op("Less", samples, threshold), dtype)


@builtin_symbolic("aten::uniform")
def aten_uniform(g: GraphContext, self: Value, low: Any = 0.0, high: Any = 1.0, generator: Any = None) -> Value:
    """``uniform_``: samples in ``[low, high)`` shaped like ``self``."""
    bounds = [static_number(b) for b in (low, high)]
    if None in bounds:
        raise UnsupportedSymbolicError("aten::uniform", g.opset, (), hint="the bounds must be constants.")
    return _uniform(g, self, _float_dtype(dtype_of(self)), float(bounds[0]), float(bounds[1]))  # type: ignore[arg-type]


@builtin_symbolic("aten::multinomial")
def aten_multinomial(
    g: GraphContext, self: Value, num_samples: Any, replacement: Any = False, generator: Any = None
) -> Value:
    """ONNX ``Multinomial`` on the log-probabilities; it draws with replacement, so without it only 1 sample."""
    count = int(get_const(num_samples, "i", "num_samples"))
    with_replacement = not is_none(replacement) and bool(get_const(replacement, "b", "replacement"))
    if count > 1 and not with_replacement:
        raise UnsupportedSymbolicError(
            "aten::multinomial", g.opset, (), hint="ONNX Multinomial samples with replacement; pass replacement=True."
        )
    logits = g.op("Log", cast_to(g, self, _float_dtype(dtype_of(self))))
    single = get_tensor_rank(self) == 1
    if single:
        logits = unsqueeze_helper(g, logits, [0])
    samples = g.op("Multinomial", logits, dtype_i=_onnx_type(torch.int64), sample_size_i=count)
    return squeeze_helper(g, samples, [0]) if single else samples
