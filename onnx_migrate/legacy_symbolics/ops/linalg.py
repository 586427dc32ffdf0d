"""Built-in symbolics for matrix products: ``linear``, ``addmm``, ``mm``, ``bmm``, ``matmul``, ``t``.

``torch.export`` keeps ``nn.Linear`` as ``aten::linear`` and, after core-ATen
decomposition, writes it as ``t`` + ``addmm``; both reach ONNX as one ``Gemm``
when the input is a matrix and as ``MatMul`` (+ ``Add``) otherwise, which is
what the legacy exporter emitted.
"""

from __future__ import annotations

from typing import Any

import torch

from onnx_migrate.legacy_symbolics._helpers.args import get_const, get_tensor_rank
from onnx_migrate.legacy_symbolics.graph_context import GraphContext
from onnx_migrate.legacy_symbolics.ops.elementwise import dtype_of, is_none, promote_operands, python_scalar
from onnx_migrate.legacy_symbolics.marks import builtin_symbolic
from onnx_migrate.legacy_symbolics.values import ConstantValue, Value

__all__: list[str] = []

#: Element types ONNX Runtime's Gemm kernels take; others go through MatMul + Add.
_GEMM_DTYPES = (torch.float32, torch.float64, torch.float16, torch.bfloat16)


def _scalar_factor(value: Any, name: str) -> float:
    if is_none(value):
        return 1.0
    number = python_scalar(value)
    return float(get_const(value, "f", name) if number is None else number)


def _transposed(g: GraphContext, weight: Value) -> Value:
    rank = get_tensor_rank(weight)
    if rank is not None and rank < 2:
        return weight
    return g.op("Transpose", weight, perm_i=[1, 0])


@builtin_symbolic("aten::linear")
def aten_linear(g: GraphContext, input: Value, weight: Value, bias: Any = None) -> Value:  # noqa: A002 - ATen name
    """``input @ weight.T + bias``: one ``Gemm(transB=1)`` for a matrix input, ``MatMul`` + ``Add`` otherwise."""
    has_bias = not is_none(bias)
    if (
        get_tensor_rank(input) == 2
        and get_tensor_rank(weight) == 2
        and dtype_of(input) in _GEMM_DTYPES
        and (has_bias and get_tensor_rank(bias) == 1 or not has_bias and g.opset >= 11)
    ):
        return g.op("Gemm", input, weight, bias if has_bias else None, transB_i=1)
    out = g.op("MatMul", input, _transposed(g, weight))
    return g.op("Add", out, bias) if has_bias else out


@builtin_symbolic("aten::addmm")
def aten_addmm(g: GraphContext, self: Value, mat1: Value, mat2: Value, beta: Any = 1, alpha: Any = 1) -> Value:
    """``beta * self + alpha * (mat1 @ mat2)`` as one ``Gemm`` (``MatMul`` + ``Add`` for integer types)."""
    alpha_f, beta_f = _scalar_factor(alpha, "alpha"), _scalar_factor(beta, "beta")
    if dtype_of(mat1) in _GEMM_DTYPES or dtype_of(mat1) is None:
        return g.op("Gemm", mat1, mat2, self, alpha_f=alpha_f, beta_f=beta_f)
    product = g.op("MatMul", mat1, mat2)
    if alpha_f != 1:
        product = g.op("Mul", product, alpha)
    if beta_f != 1:
        self = g.op("Mul", self, beta)
    return g.op("Add", product, self)


def _matmul(g: GraphContext, self: Value, other: Value) -> Value:
    (self, other), _ = promote_operands(g, self, other)
    return g.op("MatMul", self, other)


@builtin_symbolic("aten::mm")
def aten_mm(g: GraphContext, self: Value, mat2: Value) -> Value:
    return _matmul(g, self, mat2)


@builtin_symbolic("aten::bmm")
def aten_bmm(g: GraphContext, self: Value, mat2: Value) -> Value:
    return _matmul(g, self, mat2)


@builtin_symbolic("aten::matmul")
def aten_matmul(g: GraphContext, self: Value, other: Value) -> Value:
    """``MatMul`` follows ``numpy.matmul``, as ``torch.matmul`` does (1-D operands and batch broadcasting)."""
    return _matmul(g, self, other)


@builtin_symbolic("aten::mv")
def aten_mv(g: GraphContext, self: Value, vec: Value) -> Value:
    return _matmul(g, self, vec)


@builtin_symbolic("aten::dot")
def aten_dot(g: GraphContext, self: Value, tensor: Value) -> Value:
    return _matmul(g, self, tensor)


@builtin_symbolic("aten::baddbmm")
def aten_baddbmm(g: GraphContext, self: Value, batch1: Value, batch2: Value, beta: Any = 1, alpha: Any = 1) -> Value:
    """``beta * self + alpha * (batch1 @ batch2)``."""
    alpha_f, beta_f = _scalar_factor(alpha, "alpha"), _scalar_factor(beta, "beta")
    product = g.op("MatMul", batch1, batch2)
    if alpha_f != 1:
        product = g.op("Mul", product, ConstantValue(alpha_f))
    if beta_f == 0:
        return product
    scaled = self if beta_f == 1 else g.op("Mul", self, ConstantValue(beta_f))
    return g.op("Add", product, scaled)


@builtin_symbolic("aten::t")
def aten_t(g: GraphContext, self: Value) -> Value:
    """Transpose a matrix; 0-d and 1-D tensors are their own transpose."""
    rank = get_tensor_rank(self)
    if rank is not None and rank < 2:
        return self
    return g.op("Transpose", self, perm_i=[1, 0])
