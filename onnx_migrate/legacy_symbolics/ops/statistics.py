"""Built-in symbolics for statistics and norms: ``var``/``std`` (and ``*_mean``), ``norm``s, ``logsumexp``, ``any``/``all``.

``var`` and ``std`` honour PyTorch's ``correction`` (``unbiased`` in the
older overloads): the sum of squared deviations divided by ``N - correction``,
with ``N`` taken from the static shape or computed at run time. Vector
norms use ``ReduceL1``/``ReduceL2`` where ONNX has them and powers otherwise;
matrix norms cover what needs no decomposition (Frobenius, 1, -1, inf, -inf).
``any``/``all`` count through ``ReduceSum`` on int64, which every opset and
ONNX Runtime type-checks.

The ATen overloads of these ops differ in argument order (``var.dim(self,
dim, unbiased, keepdim)`` against ``var.correction(self, dim, *,
correction, keepdim)``), and the translator passes all of them positionally,
so the symbolics take ``*args`` and tell the forms apart.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import torch

from onnx_migrate.errors import SymbolicValueError, UnsupportedSymbolicError
from onnx_migrate.legacy_symbolics._helpers.args import get_const, get_tensor_sizes
from onnx_migrate.legacy_symbolics._helpers.shapes import squeeze_helper, unsqueeze_helper
from onnx_migrate.legacy_symbolics.graph_context import GraphContext
from onnx_migrate.legacy_symbolics.ops import elementwise
from onnx_migrate.legacy_symbolics.ops.creation import static_number
from onnx_migrate.legacy_symbolics.ops.elementwise import cast_to, dtype_arg, dtype_of, is_none, known_rank, to_float
from onnx_migrate.legacy_symbolics.ops.reduction import reduce_value
from onnx_migrate.legacy_symbolics.ops.shape import int_list
from onnx_migrate.legacy_symbolics.marks import builtin_symbolic
from onnx_migrate.legacy_symbolics.values import ConstantValue, Value

__all__ = ["vector_norm"]


def _dims(dim: Any, rank: int) -> list[int] | None:
    """Reduction dims, non-negative; ``None`` (or ``[]``) means every dim."""
    if is_none(dim):
        return None
    dims = int_list(dim, "dim")
    if dims is None:
        raise SymbolicValueError("The reduction dims must be constants.", dim)
    return sorted({d % rank for d in dims}) if rank else None


def _flag(value: Any, name: str, default: bool = False) -> bool:
    return default if is_none(value) else bool(get_const(value, "b", name))


def _constant(g: GraphContext, number: float, dtype: torch.dtype) -> Value:
    return g.op("Constant", value_t=torch.tensor(number, dtype=dtype))


def _count(g: GraphContext, self: Value, dims: list[int] | None, dtype: torch.dtype) -> Value:
    """How many elements each reduction takes, as a 0-d ``dtype`` (static when the shape is)."""
    sizes = get_tensor_sizes(self)
    picked = range(len(sizes)) if sizes is not None and dims is None else dims
    if sizes is not None and all(sizes[d] is not None for d in picked):  # type: ignore[union-attr]
        return _constant(g, float(math.prod(sizes[d] for d in picked)), dtype)  # type: ignore[misc]
    shape = g.op("Shape", self)
    if dims is not None:
        shape = g.op("Gather", shape, g.op("Constant", value_t=torch.tensor(dims, dtype=torch.int64)), axis_i=0)
    return cast_to(g, g.op("ReduceProd", shape, keepdims_i=0), dtype)


# -- variance and standard deviation -------------------------------------------------------------

_VAR_FORMS = {1: ("unbiased",), 3: ("dim", "unbiased_or_correction", "keepdim")}


def _variance_arguments(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, float, bool]:
    """``(dim, correction, keepdim)`` from any of the ``var``/``std`` overloads."""
    if len(args) == 1 and not isinstance(_python(args[0]), bool) and not is_none(args[0]):
        named: dict[str, Any] = {"dim": args[0]}
    elif args and len(args) not in _VAR_FORMS:
        raise SymbolicValueError(f"var/std: no overload takes {len(args)} positional arguments.", None)
    else:
        named = dict(zip(_VAR_FORMS.get(len(args), ()), args, strict=True))
    named.update(kwargs)
    ambiguous = named.pop("unbiased_or_correction", None)
    if ambiguous is not None and not is_none(ambiguous):
        named["unbiased" if isinstance(_python(ambiguous), bool) else "correction"] = ambiguous
    if not is_none(named.get("correction")):
        correction = float(static_number(named["correction"]))  # type: ignore[arg-type]
    else:
        correction = 1.0 if _flag(named.get("unbiased"), "unbiased", True) else 0.0
    return named.get("dim"), correction, _flag(named.get("keepdim"), "keepdim")


def _python(value: Any) -> Any:
    return value.python_value if isinstance(value, ConstantValue) else value


def variance(g: GraphContext, self: Value, dim: Any, correction: float, keepdim: bool) -> tuple[Value, Value]:
    """``(var, mean)`` of ``self`` over ``dim`` with ``correction``."""
    rank = known_rank(self, "aten::var", g.opset)
    dims = _dims(dim, rank)
    if dims is not None and not dims:
        dims = None
    x = to_float(g, self)
    dtype = dtype_of(x) or torch.float32
    mean = reduce_value(g, "ReduceMean", x, dims, True)
    deviation = g.op("Sub", x, mean)
    squares = g.op("Mul", deviation, deviation)
    if correction == 0:
        var = reduce_value(g, "ReduceMean", squares, dims, keepdim)
    else:
        total = reduce_value(g, "ReduceSum", squares, dims, keepdim)
        var = g.op("Div", total, g.op("Sub", _count(g, self, dims, dtype), _constant(g, correction, dtype)))
    if not keepdim:
        mean = reduce_value(g, "ReduceMean", x, dims, False)
    return var, mean


@builtin_symbolic("aten::var", opset=(9, 13, 18))
def aten_var(g: GraphContext, self: Value, *args: Any, **kwargs: Any) -> Value:
    """``var``, ``var.dim`` (``unbiased``) and ``var.correction``."""
    return variance(g, self, *_variance_arguments(args, kwargs))[0]


@builtin_symbolic("aten::std", opset=(9, 13, 18))
def aten_std(g: GraphContext, self: Value, *args: Any, **kwargs: Any) -> Value:
    """The square root of :func:`aten_var`."""
    return g.op("Sqrt", variance(g, self, *_variance_arguments(args, kwargs))[0])


@builtin_symbolic("aten::var_mean", opset=(9, 13, 18))
def aten_var_mean(g: GraphContext, self: Value, *args: Any, **kwargs: Any) -> tuple[Value, Value]:
    """``(var, mean)`` in one pass."""
    return variance(g, self, *_variance_arguments(args, kwargs))


@builtin_symbolic("aten::std_mean", opset=(9, 13, 18))
def aten_std_mean(g: GraphContext, self: Value, *args: Any, **kwargs: Any) -> tuple[Value, Value]:
    """``(std, mean)`` in one pass."""
    var, mean = variance(g, self, *_variance_arguments(args, kwargs))
    return g.op("Sqrt", var), mean


# -- norms ---------------------------------------------------------------------------------------


def vector_norm(g: GraphContext, self: Value, order: float, dims: list[int] | None, keepdim: bool) -> Value:
    """The ``order``-norm over ``dims`` (every element when ``None``)."""
    x = to_float(g, self)
    if order == 2:
        return reduce_value(g, "ReduceL2", x, dims, keepdim)
    if order == 1:
        return reduce_value(g, "ReduceL1", x, dims, keepdim)
    if math.isinf(order):
        return reduce_value(g, "ReduceMax" if order > 0 else "ReduceMin", g.op("Abs", x), dims, keepdim)
    dtype = dtype_of(x) or torch.float32
    if order == 0:
        nonzero = cast_to(g, elementwise.aten_ne(g, x, _constant(g, 0, dtype)), dtype)
        return reduce_value(g, "ReduceSum", nonzero, dims, keepdim)
    powered = reduce_value(g, "ReduceSum", g.op("Pow", g.op("Abs", x), _constant(g, order, dtype)), dims, keepdim)
    return g.op("Pow", powered, _constant(g, 1.0 / order, dtype))


def _cast_input(g: GraphContext, self: Value, dtype: Any) -> Value:
    target = dtype_arg(dtype)
    return self if target is None else cast_to(g, self, target)


def _order(value: Any, default: float = 2.0) -> float:
    if is_none(value):
        return default
    number = static_number(value)
    if number is None:
        raise SymbolicValueError("The norm order must be a constant.", value)
    return float(number)


@builtin_symbolic("aten::linalg_vector_norm", opset=(9, 13, 18))
def aten_linalg_vector_norm(
    g: GraphContext, self: Value, ord: Any = 2, dim: Any = None, keepdim: Any = False, dtype: Any = None
) -> Value:
    """``torch.linalg.vector_norm`` for any ``ord`` (inf, -inf, 0, 1, 2, p)."""
    source = _cast_input(g, self, dtype)
    rank = known_rank(source, "aten::linalg_vector_norm", g.opset)
    dims = _dims(dim, rank)
    return vector_norm(g, source, _order(ord), dims or None, _flag(keepdim, "keepdim"))


_NORM_FORMS = {1: ("p",), 2: ("p", "dtype"), 3: ("p", "dim", "keepdim"), 4: ("p", "dim", "keepdim", "dtype")}


@builtin_symbolic("aten::norm", opset=(9, 13, 18))
def aten_norm(g: GraphContext, self: Value, *args: Any, **kwargs: Any) -> Value:
    """``norm.Scalar``, ``norm.ScalarOpt_dim`` and their ``dtype`` forms (``p`` may be ``"fro"``)."""
    named = dict(zip(_NORM_FORMS.get(len(args), ()), args, strict=False))
    named.update(kwargs)
    source = _cast_input(g, self, named.get("dtype"))
    rank = known_rank(source, "aten::norm", g.opset)
    p = _python(named.get("p"))
    order = 2.0 if p is None or p in ("fro",) else _order(named.get("p"))
    if p == "nuc":
        raise UnsupportedSymbolicError(
            "aten::norm", g.opset, (), hint="the nuclear norm needs an SVD, which ONNX lacks."
        )
    dims = _dims(named.get("dim"), rank)
    return vector_norm(g, source, order, dims or None, _flag(named.get("keepdim"), "keepdim"))


@builtin_symbolic("aten::frobenius_norm", opset=(9, 18))
def aten_frobenius_norm(g: GraphContext, self: Value, dim: Any = None, keepdim: Any = False) -> Value:
    """The square root of the sum of squares over ``dim``."""
    rank = known_rank(self, "aten::frobenius_norm", g.opset)
    return vector_norm(g, self, 2.0, _dims(dim, rank) or None, _flag(keepdim, "keepdim"))


def _matrix_norm(g: GraphContext, self: Value, order: Any, dims: list[int], keepdim: bool) -> Value:
    if order in ("fro", None):
        return vector_norm(g, self, 2.0, dims, keepdim)
    if order == "nuc" or order in (2, -2, 2.0, -2.0):
        raise UnsupportedSymbolicError(
            "aten::linalg_matrix_norm", g.opset, (), hint=f"ord={order!r} needs singular values, which ONNX lacks."
        )
    value = float(order)
    if abs(value) not in (1.0, math.inf):
        raise SymbolicValueError(f"aten::linalg_matrix_norm: ord={order!r} is not a matrix norm.", self)
    rows, cols = dims
    summed_over, then_over = (rows, cols) if abs(value) == 1 else (cols, rows)
    sums = reduce_value(g, "ReduceSum", g.op("Abs", to_float(g, self)), [summed_over], True)
    result = reduce_value(g, "ReduceMax" if value > 0 else "ReduceMin", sums, [then_over], True)
    if not keepdim:
        result = squeeze_helper(g, result, sorted(dims))
    return result


@builtin_symbolic("aten::linalg_matrix_norm", opset=(9, 13, 18))
def aten_linalg_matrix_norm(
    g: GraphContext, self: Value, ord: Any = "fro", dim: Any = None, keepdim: Any = False, dtype: Any = None
) -> Value:
    """Matrix norms over two dims: ``"fro"``, 1, -1, inf, -inf (2, -2 and ``"nuc"`` need an SVD)."""
    source = _cast_input(g, self, dtype)
    rank = known_rank(source, "aten::linalg_matrix_norm", g.opset)
    order = _python(ord)
    order = order if isinstance(order, str) else _order(ord)
    return _matrix_norm(g, source, order, _ordered(dim, rank), _flag(keepdim, "keepdim"))


def _ordered(dim: Any, rank: int) -> list[int]:
    """The two matrix dims in the order given (``[rows, cols]``), made non-negative."""
    given = [-2, -1] if is_none(dim) else (int_list(dim, "dim") or [-2, -1])
    return [d % rank for d in given]


@builtin_symbolic("aten::linalg_norm", opset=(9, 13, 18))
def aten_linalg_norm(
    g: GraphContext, self: Value, ord: Any = None, dim: Any = None, keepdim: Any = False, dtype: Any = None
) -> Value:
    """``torch.linalg.norm``: a vector norm, or a matrix norm for a string ``ord`` or two ``dim``s with an ``ord``."""
    source = _cast_input(g, self, dtype)
    rank = known_rank(source, "aten::linalg_norm", g.opset)
    order = _python(ord)
    keep = _flag(keepdim, "keepdim")
    dims = None if is_none(dim) else _ordered(dim, rank)
    if isinstance(order, str) or (order is not None and dims is not None and len(dims) == 2):
        return _matrix_norm(
            g, source, order if isinstance(order, str) else _order(ord), dims or _ordered(None, rank), keep
        )
    if order is not None and dims is None and rank == 2:
        return _matrix_norm(g, source, _order(ord), [0, 1], keep)
    return vector_norm(g, source, 2.0 if order is None else _order(ord), dims, keep)


@builtin_symbolic("aten::logsumexp", opset=(9, 18))
def aten_logsumexp(g: GraphContext, self: Value, dim: Any, keepdim: Any = False) -> Value:
    """``ReduceLogSumExp`` over ``dim`` (integers computed in the default float type)."""
    rank = known_rank(self, "aten::logsumexp", g.opset)
    source = to_float(g, self)
    if rank == 0:
        return source
    return reduce_value(g, "ReduceLogSumExp", source, _dims(dim, rank) or None, _flag(keepdim, "keepdim"))


# -- any / all / aminmax ---------------------------------------------------------------------------


def _truth(g: GraphContext, self: Value) -> Value:
    if dtype_of(self) == torch.bool:
        return self
    return elementwise.aten_ne(g, self, _constant(g, 0, dtype_of(self) or torch.float32))


def _any_dims(dim: Any, rank: int) -> list[int] | None:
    if is_none(dim):
        return None
    value = _python(dim)
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return [int(value) % rank] if rank else None
    return _dims(dim, rank) or None


def _count_true(g: GraphContext, truth: Value, dims: list[int] | None, keepdim: bool) -> Value:
    return reduce_value(g, "ReduceSum", cast_to(g, truth, torch.int64), dims, keepdim)


@builtin_symbolic("aten::any", opset=(9, 13))
def aten_any(g: GraphContext, self: Value, dim: Any = None, keepdim: Any = False) -> Value:
    """Whether some element is non-zero (``any``, ``any.dim``, ``any.dims``)."""
    rank = known_rank(self, "aten::any", g.opset)
    counted = _count_true(g, _truth(g, self), _any_dims(dim, rank), _flag(keepdim, "keepdim"))
    return g.op("Greater", counted, g.op("Constant", value_t=torch.tensor(0, dtype=torch.int64)))


@builtin_symbolic("aten::all", opset=(9, 13))
def aten_all(g: GraphContext, self: Value, dim: Any = None, keepdim: Any = False) -> Value:
    """Whether every element is non-zero (``all``, ``all.dim``, ``all.dims``)."""
    rank = known_rank(self, "aten::all", g.opset)
    falses = _count_true(g, g.op("Not", _truth(g, self)), _any_dims(dim, rank), _flag(keepdim, "keepdim"))
    return g.op("Equal", falses, g.op("Constant", value_t=torch.tensor(0, dtype=torch.int64)))


@builtin_symbolic("aten::aminmax", opset=(9, 18))
def aten_aminmax(g: GraphContext, self: Value, dim: Any = None, keepdim: Any = False) -> tuple[Value, Value]:
    """``(min, max)`` over ``dim`` (or everything)."""
    rank = known_rank(self, "aten::aminmax", g.opset)
    dims = _any_dims(dim, rank)
    keep = _flag(keepdim, "keepdim")
    return reduce_value(g, "ReduceMin", self, dims, keep), reduce_value(g, "ReduceMax", self, dims, keep)


# -- distances and weight norm ------------------------------------------------------------------------


@builtin_symbolic("aten::cosine_similarity", opset=(9, 18))
def aten_cosine_similarity(g: GraphContext, x1: Value, x2: Value, dim: Any = 1, eps: Any = 1e-8) -> Value:
    """``sum(x1/|x1| * x2/|x2|)`` over ``dim``, each norm clamped below at ``eps`` (PyTorch's formula)."""
    (x1, x2), _ = elementwise.promote_operands(g, to_float(g, x1), to_float(g, x2))
    rank = max(known_rank(x1, "aten::cosine_similarity", g.opset), known_rank(x2, "aten::cosine_similarity", g.opset))
    axis = int(get_const(dim, "i", "dim")) % rank
    dtype = dtype_of(x1) or torch.float32
    floor = _constant(g, float(static_number(eps) if not is_none(eps) else 1e-8), dtype)  # type: ignore[arg-type]
    both = g.op("Where", g.op("Constant", value_t=torch.tensor(True)), x1, x2)  # x1 broadcast against x2
    x1 = g.op("Expand", x1, g.op("Shape", both))
    x2 = g.op("Expand", x2, g.op("Shape", both))
    unit1 = g.op("Div", x1, g.op("Max", vector_norm(g, x1, 2.0, [axis], True), floor))
    unit2 = g.op("Div", x2, g.op("Max", vector_norm(g, x2, 2.0, [axis], True), floor))
    return reduce_value(g, "ReduceSum", g.op("Mul", unit1, unit2), [axis], False)


@builtin_symbolic("aten::pairwise_distance", opset=(9, 13, 18))
def aten_pairwise_distance(
    g: GraphContext, x1: Value, x2: Value, p: Any = 2.0, eps: Any = 1e-6, keepdim: Any = False
) -> Value:
    """The ``p``-norm of ``x1 - x2 + eps`` over the last dim."""
    (x1, x2), _ = elementwise.promote_operands(g, to_float(g, x1), to_float(g, x2))
    rank = max(known_rank(x1, "aten::pairwise_distance", g.opset), known_rank(x2, "aten::pairwise_distance", g.opset))
    dtype = dtype_of(x1) or torch.float32
    shift = _constant(g, float(static_number(eps) if not is_none(eps) else 1e-6), dtype)  # type: ignore[arg-type]
    difference = g.op("Add", g.op("Sub", x1, x2), shift)
    return vector_norm(g, difference, _order(p), [rank - 1] if rank else None, _flag(keepdim, "keepdim"))


@builtin_symbolic("aten::cdist", opset=(9, 13, 18))
def aten_cdist(g: GraphContext, x1: Value, x2: Value, p: Any = 2.0, compute_mode: Any = None) -> Value:
    """All pairwise ``p``-distances between the rows of ``x1`` ``[..., P, M]`` and ``x2`` ``[..., R, M]``."""
    rank = known_rank(x1, "aten::cdist", g.opset)
    rows = unsqueeze_helper(g, to_float(g, x1), [rank - 1])  # [..., P, 1, M]
    cols = unsqueeze_helper(g, to_float(g, x2), [rank - 2])  # [..., 1, R, M]
    return vector_norm(g, g.op("Sub", rows, cols), _order(p), [rank], False)


@builtin_symbolic("aten::_weight_norm", opset=(9, 13, 18))
def aten__weight_norm(g: GraphContext, v: Value, magnitude: Value, dim: Any = 0) -> Value:
    """``v * g / ||v||``, the norm taken over every dim but ``dim`` (over everything for ``dim=-1``).

    The ATen argument ``g`` (the magnitude) is renamed ``magnitude``: ``g`` is the graph context.
    """
    rank = known_rank(v, "aten::_weight_norm", g.opset)
    axis = -1 if is_none(dim) else int(get_const(dim, "i", "dim"))
    dims = None if axis == -1 else [d for d in range(rank) if d != axis % rank]
    norm = vector_norm(g, v, 2.0, dims, True)
    return g.op("Mul", v, g.op("Div", magnitude, norm))
