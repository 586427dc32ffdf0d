"""Built-in symbolics for attention: ``scaled_dot_product_attention`` and the CPU kernels ``torch.export`` may show.

``torch.export`` keeps ``F.scaled_dot_product_attention`` as one ATen node
(BERT, GPT and ViT blocks written with it, and ``nn.TransformerEncoderLayer``).
The legacy exporter never saw it; here it becomes plain ONNX ops, the same
computation as PyTorch's reference ("math") implementation:

    softmax((q * sqrt(s)) @ (k * sqrt(s))^T + mask) @ v,   s = scale or 1/sqrt(E)

with a boolean ``attn_mask`` (``True`` = attend), a float one (added to the
scores), ``is_causal`` (a lower-triangular mask, sizes static or dynamic),
``enable_gqa`` (key/value heads repeated to the query heads) and
``dropout_p`` (a ``Dropout`` only when exporting in training mode). ONNX
opset 23 has an ``Attention`` op; these plain ops are kept there too, as they
run on every opset and runtime.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from onnx_migrate.errors import SymbolicValueError
from onnx_migrate.legacy_symbolics._helpers.args import get_const, get_tensor_dim_size, get_tensor_rank
from onnx_migrate.legacy_symbolics._helpers.shapes import slice_helper, unsqueeze_helper
from onnx_migrate.legacy_symbolics.export_context import TrainingMode
from onnx_migrate.legacy_symbolics.graph_context import GraphContext
from onnx_migrate.legacy_symbolics.ops.creation import dim_size, iota, static_number
from onnx_migrate.legacy_symbolics.ops.elementwise import cast_to, dtype_of, is_none
from onnx_migrate.legacy_symbolics.ops.reduction import reduce_value
from onnx_migrate.legacy_symbolics.marks import builtin_symbolic
from onnx_migrate.legacy_symbolics.values import Value

__all__ = ["attention"]


def _rank(value: Value, op: str, opset: int) -> int:
    rank = get_tensor_rank(value)
    if rank is None or rank < 2:
        raise SymbolicValueError(f"{op} needs query/key/value of known rank >= 2 (opset {opset}).", value)
    return rank


def _number(value: Any, name: str, default: float) -> float:
    if is_none(value):
        return default
    number = static_number(value)
    if number is None:
        raise SymbolicValueError(f"scaled_dot_product_attention: {name} must be a constant.", value)
    return float(number)


def _scalar(g: GraphContext, number: float, dtype: torch.dtype) -> Value:
    return g.op("Constant", value_t=torch.tensor(number, dtype=dtype))


def _sqrt_scale(g: GraphContext, query: Value, scale: Any, dtype: torch.dtype, rank: int) -> Value:
    """``sqrt(scale)`` (PyTorch scales query and key by it each, for range), default ``scale = 1/sqrt(E)``."""
    if not is_none(scale):
        return _scalar(g, math.sqrt(_number(scale, "scale", 1.0)), dtype)
    depth = dim_size(g, query, rank - 1)
    if isinstance(depth, int):
        return _scalar(g, 1.0 / math.sqrt(math.sqrt(depth)), dtype)
    return g.op("Reciprocal", g.op("Sqrt", g.op("Sqrt", cast_to(g, depth, dtype))))


def _repeat_heads(g: GraphContext, value: Value, groups: int, rank: int) -> Value:
    """Each key/value head repeated ``groups`` times in place (grouped-query attention)."""
    if groups == 1:
        return value
    head_axis = rank - 3
    expanded = unsqueeze_helper(g, value, [head_axis + 1])
    repeats = [1] * (rank + 1)
    repeats[head_axis + 1] = groups
    tiled = g.op("Tile", expanded, g.op("Constant", value_t=torch.tensor(repeats, dtype=torch.int64)))
    shape = g.op("Shape", value)
    before = slice_helper(g, shape, axes=[0], starts=[0], ends=[head_axis])
    after = slice_helper(g, shape, axes=[0], starts=[head_axis + 1], ends=[rank])
    merged = g.op("Concat", before, g.op("Constant", value_t=torch.tensor([-1])), after, axis_i=0)
    return g.op("Reshape", tiled, merged)


def _causal_allowed(g: GraphContext, query: Value, key: Value, rank: int) -> Value:
    """``[L, S]`` booleans, true where query position ``i`` may attend key position ``j`` (``j <= i``)."""
    rows, cols = dim_size(g, query, rank - 2), dim_size(g, key, rank - 2)
    if isinstance(rows, int) and isinstance(cols, int):
        return g.op("Constant", value_t=torch.ones(rows, cols, dtype=torch.bool).tril())
    row_ids = unsqueeze_helper(g, iota(g, rows), [1])
    col_ids = unsqueeze_helper(g, iota(g, cols), [0])
    return g.op("Not", g.op("Greater", col_ids, row_ids))


def _masked(g: GraphContext, scores: Value, allowed: Value, dtype: torch.dtype) -> Value:
    return g.op("Where", allowed, scores, _scalar(g, float("-inf"), dtype))


def attention(
    g: GraphContext,
    query: Value,
    key: Value,
    value: Value,
    attn_mask: Any = None,
    dropout_p: Any = 0.0,
    is_causal: Any = False,
    scale: Any = None,
    enable_gqa: Any = False,
    op: str = "aten::scaled_dot_product_attention",
) -> tuple[Value, Value]:
    """The attention output and the masked, scaled scores (for kernels that also return their logsumexp)."""
    rank = _rank(query, op, g.opset)
    dtype = dtype_of(query) or torch.float32
    factor = _sqrt_scale(g, query, scale, dtype, rank)
    if not is_none(enable_gqa) and bool(get_const(enable_gqa, "b", "enable_gqa")):
        query_heads, key_heads = get_tensor_dim_size(query, rank - 3), get_tensor_dim_size(key, rank - 3)
        if query_heads is None or key_heads is None:
            raise SymbolicValueError(f"{op}: enable_gqa needs static head counts (opset {g.opset}).", query)
        key = _repeat_heads(g, key, query_heads // key_heads, rank)
        value = _repeat_heads(g, value, query_heads // key_heads, rank)
    perm = list(range(rank - 2)) + [rank - 1, rank - 2]
    key_t = g.op("Transpose", g.op("Mul", key, factor), perm_i=perm)
    scores = g.op("MatMul", g.op("Mul", query, factor), key_t)
    if not is_none(is_causal) and bool(get_const(is_causal, "b", "is_causal")):
        scores = _masked(g, scores, _causal_allowed(g, query, key, rank), dtype)
    if not is_none(attn_mask):
        if dtype_of(attn_mask) == torch.bool:
            scores = _masked(g, scores, attn_mask, dtype)
        else:
            scores = g.op("Add", scores, cast_to(g, attn_mask, dtype))
    weights = g.op("Softmax", scores, axis_i=rank - 1)
    probability = _number(dropout_p, "dropout_p", 0.0)
    if probability > 0 and g.export_context.training == TrainingMode.TRAINING and g.opset >= 12:
        ratio = _scalar(g, probability, dtype)
        weights = g.op("Dropout", weights, ratio, g.op("Constant", value_t=torch.tensor(True)), outputs=2)[0]
    return g.op("MatMul", weights, value), scores


@builtin_symbolic("aten::scaled_dot_product_attention")
def aten_scaled_dot_product_attention(
    g: GraphContext,
    query: Value,
    key: Value,
    value: Value,
    attn_mask: Any = None,
    dropout_p: Any = 0.0,
    is_causal: Any = False,
    scale: Any = None,
    enable_gqa: Any = False,
) -> Value:
    """``F.scaled_dot_product_attention`` as MatMul/Softmax/MatMul with masks, causal flag, scale and GQA."""
    return attention(g, query, key, value, attn_mask, dropout_p, is_causal, scale, enable_gqa)[0]


@builtin_symbolic("aten::_scaled_dot_product_flash_attention_for_cpu")
def aten__scaled_dot_product_flash_attention_for_cpu(
    g: GraphContext,
    query: Value,
    key: Value,
    value: Value,
    dropout_p: Any = 0.0,
    is_causal: Any = False,
    attn_mask: Any = None,
    scale: Any = None,
) -> tuple[Value, Value]:
    """The CPU flash kernel: ``(output, logsumexp)``, the logsumexp of the scores over the keys."""
    op = "aten::_scaled_dot_product_flash_attention_for_cpu"
    output, scores = attention(g, query, key, value, attn_mask, dropout_p, is_causal, scale, False, op)
    rank = _rank(query, op, g.opset)
    return output, reduce_value(g, "ReduceLogSumExp", scores, [rank - 1], False)


@builtin_symbolic("aten::_scaled_dot_product_efficient_attention")
def aten__scaled_dot_product_efficient_attention(
    g: GraphContext,
    query: Value,
    key: Value,
    value: Value,
    attn_bias: Any = None,
    compute_log_sumexp: Any = False,
    dropout_p: Any = 0.0,
    is_causal: Any = False,
    scale: Any = None,
) -> tuple[Value, Value | None, None, None]:
    """The memory-efficient kernel: ``(output, logsumexp, None, None)`` (the random-state outputs have no ONNX form)."""
    op = "aten::_scaled_dot_product_efficient_attention"
    output, scores = attention(g, query, key, value, attn_bias, dropout_p, is_causal, scale, False, op)
    rank = _rank(query, op, g.opset)
    wanted = not is_none(compute_log_sumexp) and bool(get_const(compute_log_sumexp, "b", "compute_log_sumexp"))
    log_sum = reduce_value(g, "ReduceLogSumExp", scores, [rank - 1], False) if wanted else None
    return output, log_sum, None, None
