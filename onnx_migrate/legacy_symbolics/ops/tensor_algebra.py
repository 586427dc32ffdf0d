"""Built-in symbolics for tensor products beyond matmul: ``einsum``, ``tensordot``, ``outer``, ``cross``, ``det``.

``einsum`` maps to ONNX ``Einsum`` (opset 12); ``tensordot`` uses it too
from opset 12 and a transpose-reshape-``MatMul`` before. ``cross`` is built
from two cyclic shifts of the three components; ``det`` is ONNX ``Det``
(opset 11).
"""

from __future__ import annotations

import string
from typing import Any

import torch

from onnx_migrate.errors import SymbolicValueError, UnsupportedSymbolicError
from onnx_migrate.legacy_symbolics._helpers.args import get_const, get_tensor_rank, get_tensor_sizes
from onnx_migrate.legacy_symbolics._helpers.shapes import reshape_helper, unsqueeze_helper
from onnx_migrate.legacy_symbolics.graph_context import GraphContext
from onnx_migrate.legacy_symbolics.ops.elementwise import cast_to, dtype_of, is_none, promote_operands
from onnx_migrate.legacy_symbolics.ops.shape import int_list, unpack_tensors
from onnx_migrate.legacy_symbolics.marks import builtin_symbolic
from onnx_migrate.legacy_symbolics.values import Value

__all__: list[str] = []


def _rank(value: Value, op: str, opset: int) -> int:
    rank = get_tensor_rank(value)
    if rank is None:
        raise SymbolicValueError(f"{op} needs the rank of its inputs at export time (opset {opset}).", value)
    return rank


def _needs(op: str, opset: int, minimum: int, what: str) -> None:
    if opset < minimum:
        raise UnsupportedSymbolicError(op, opset, (minimum,), hint=f"{what} needs opset {minimum}.")


def _einsum_operands(g: GraphContext, operands: list[Value]) -> tuple[list[Value], torch.dtype | None]:
    """One common dtype; booleans computed as int64 (``Einsum`` takes numbers only)."""
    promoted, dtype = promote_operands(g, *operands)
    if dtype == torch.bool:
        promoted = [cast_to(g, t, torch.int64) for t in promoted]
    return promoted, dtype


@builtin_symbolic("aten::einsum", opset=12)
def aten_einsum(g: GraphContext, equation: Any, tensors: Any, path: Any = None) -> Value:
    """ONNX ``Einsum`` (opset 12) with PyTorch's equation, operands promoted to one dtype."""
    _needs("aten::einsum", g.opset, 12, "ONNX Einsum")
    text = str(get_const(equation, "s", "equation"))
    operands, dtype = _einsum_operands(g, unpack_tensors(tensors))
    result = g.op("Einsum", *operands, equation_s=text)
    return cast_to(g, result, torch.bool) if dtype == torch.bool else result


@builtin_symbolic("aten::tensordot", opset=(9, 12))
def aten_tensordot(g: GraphContext, self: Value, other: Value, dims_self: Any, dims_other: Any) -> Value:
    """Sum over the paired dims: ``Einsum`` from opset 12, transpose + reshape + ``MatMul`` (static sizes) before."""
    left_rank, right_rank = _rank(self, "aten::tensordot", g.opset), _rank(other, "aten::tensordot", g.opset)
    left_dims = [d % left_rank for d in int_list(dims_self, "dims_self") or []]
    right_dims = [d % right_rank for d in int_list(dims_other, "dims_other") or []]
    (self, other), _ = promote_operands(g, self, other)
    left_free = [d for d in range(left_rank) if d not in left_dims]
    right_free = [d for d in range(right_rank) if d not in right_dims]
    if g.opset >= 12:
        letters = iter(string.ascii_letters)
        left = [next(letters) for _ in range(left_rank)]
        right = [next(letters) for _ in range(right_rank)]
        for a, b in zip(left_dims, right_dims, strict=True):
            right[b] = left[a]
        output = [left[d] for d in left_free] + [right[d] for d in right_free]
        return g.op("Einsum", self, other, equation_s=f"{''.join(left)},{''.join(right)}->{''.join(output)}")
    left_sizes, right_sizes = get_tensor_sizes(self), get_tensor_sizes(other)
    if left_sizes is None or right_sizes is None or None in left_sizes or None in right_sizes:
        raise UnsupportedSymbolicError("aten::tensordot", g.opset, (12,), hint="dynamic sizes need Einsum (opset 12).")
    contracted = int(torch.tensor([left_sizes[d] for d in left_dims], dtype=torch.int64).prod())
    left = g.op("Transpose", self, perm_i=left_free + left_dims)
    right = g.op("Transpose", other, perm_i=right_dims + right_free)
    left = reshape_helper(g, left, [-1, contracted])
    right = reshape_helper(g, right, [contracted, -1])
    product = g.op("MatMul", left, right)
    return reshape_helper(g, product, [left_sizes[d] for d in left_free] + [right_sizes[d] for d in right_free])


@builtin_symbolic("aten::outer")
def aten_outer(g: GraphContext, self: Value, vec2: Value) -> Value:
    """``self[:, None] * vec2[None, :]`` (a logical and for booleans)."""
    (self, vec2), dtype = promote_operands(g, self, vec2)
    column = unsqueeze_helper(g, self, [1])
    return g.op("And" if dtype == torch.bool else "Mul", column, vec2)


def _cross(g: GraphContext, self: Value, other: Value, dim: Any, op: str) -> Value:
    (self, other), _ = promote_operands(g, self, other)
    sizes = [get_tensor_sizes(self), get_tensor_sizes(other)]
    if sizes[0] is None or sizes[1] is None:
        raise SymbolicValueError(f"{op} needs the input ranks (opset {g.opset}).", self)
    rank = max(len(sizes[0]), len(sizes[1]))
    if is_none(dim):
        shape = [s for s in sizes[0]] if len(sizes[0]) == rank else [s for s in sizes[1]]
        axis = next((d for d, s in enumerate(shape) if s == 3), None)
        if axis is None:
            raise SymbolicValueError(f"{op}: no dim of size 3 to take the cross product over.", self)
    else:
        axis = int(get_const(dim, "i", "dim")) % rank
    next_one = g.op("Constant", value_t=torch.tensor([1, 2, 0], dtype=torch.int64))
    next_two = g.op("Constant", value_t=torch.tensor([2, 0, 1], dtype=torch.int64))

    def shifted(value: Value, order: Value) -> Value:
        return g.op("Gather", value, order, axis_i=axis - rank + (get_tensor_rank(value) or rank))

    first = g.op("Mul", shifted(self, next_one), shifted(other, next_two))
    second = g.op("Mul", shifted(self, next_two), shifted(other, next_one))
    return g.op("Sub", first, second)


@builtin_symbolic("aten::cross")
def aten_cross(g: GraphContext, self: Value, other: Value, dim: Any = None) -> Value:
    """The 3-vector cross product along ``dim`` (the first dim of size 3 when omitted)."""
    return _cross(g, self, other, dim, "aten::cross")


@builtin_symbolic("aten::linalg_cross")
def aten_linalg_cross(g: GraphContext, self: Value, other: Value, dim: Any = -1) -> Value:
    """The 3-vector cross product along ``dim`` (default the last)."""
    return _cross(g, self, other, -1 if is_none(dim) else dim, "aten::linalg_cross")


def _determinant(g: GraphContext, value: Value, op: str) -> Value:
    _needs(op, g.opset, 11, "ONNX Det")
    dtype = dtype_of(value)
    return g.op("Det", value if dtype is None or dtype.is_floating_point else cast_to(g, value, torch.float32))


@builtin_symbolic("aten::linalg_det", opset=11)
def aten_linalg_det(g: GraphContext, A: Value) -> Value:
    """``Det`` (opset 11) of the last two dims."""
    return _determinant(g, A, "aten::linalg_det")


@builtin_symbolic("aten::det", opset=11)
def aten_det(g: GraphContext, self: Value) -> Value:
    return _determinant(g, self, "aten::det")


@builtin_symbolic("aten::logdet", opset=11)
def aten_logdet(g: GraphContext, self: Value) -> Value:
    """``log(det(x))``: NaN for a negative determinant, as in PyTorch."""
    return g.op("Log", _determinant(g, self, "aten::logdet"))
