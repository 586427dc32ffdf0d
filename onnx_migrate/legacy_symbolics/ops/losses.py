"""Built-in symbolics for loss functions: ``mse_loss``, ``nll_loss``, ``cross_entropy_loss``, BCE with logits, ``kl_div``.

Losses show up when a model returns its training loss (a forward that takes
labels, as many NLP models do). ``nll_loss`` and ``cross_entropy_loss``
map to ONNX ``NegativeLogLikelihoodLoss`` and ``SoftmaxCrossEntropyLoss``
(opset 12, as in the legacy exporter); the others are composed from
elementwise ops at every opset. ``reduction`` is PyTorch's enum: 0 none,
1 mean, 2 sum.
"""

from __future__ import annotations

from typing import Any

import torch

from onnx_migrate.errors import SymbolicValueError, UnsupportedSymbolicError
from onnx_migrate.legacy_symbolics._helpers.args import get_const, get_tensor_rank
from onnx_migrate.legacy_symbolics._helpers.shapes import reshape_helper, squeeze_helper, unsqueeze_helper
from onnx_migrate.legacy_symbolics.graph_context import GraphContext
from onnx_migrate.legacy_symbolics.ops import activations
from onnx_migrate.legacy_symbolics.ops.creation import static_number
from onnx_migrate.legacy_symbolics.ops.elementwise import cast_to, dtype_of, is_none, promote_operands, to_float
from onnx_migrate.legacy_symbolics.ops.reduction import reduce_value
from onnx_migrate.legacy_symbolics.marks import builtin_symbolic
from onnx_migrate.legacy_symbolics.values import Value

__all__: list[str] = []

_REDUCTIONS = {0: "none", 1: "mean", 2: "sum"}


def _reduction(value: Any) -> str:
    code = 1 if is_none(value) else int(get_const(value, "i", "reduction"))
    if code not in _REDUCTIONS:
        raise SymbolicValueError(f"reduction must be 0 (none), 1 (mean) or 2 (sum), got {code}.", value)
    return _REDUCTIONS[code]


def _reduce(g: GraphContext, loss: Value, reduction: str) -> Value:
    if reduction == "none":
        return loss
    return reduce_value(g, "ReduceMean" if reduction == "mean" else "ReduceSum", loss, None, False)


def _constant(g: GraphContext, number: float, dtype: torch.dtype) -> Value:
    return g.op("Constant", value_t=torch.tensor(number, dtype=dtype))


@builtin_symbolic("aten::mse_loss", opset=(9, 13, 18))
def aten_mse_loss(g: GraphContext, self: Value, target: Value, reduction: Any = 1) -> Value:
    """The squared difference, reduced."""
    (self, target), _ = promote_operands(g, self, target)
    difference = g.op("Sub", self, target)
    return _reduce(g, g.op("Mul", difference, difference), _reduction(reduction))


@builtin_symbolic("aten::binary_cross_entropy_with_logits", opset=(9, 13, 18))
def aten_binary_cross_entropy_with_logits(
    g: GraphContext, self: Value, target: Value, weight: Any = None, pos_weight: Any = None, reduction: Any = 1
) -> Value:
    """``(1 - t) * x + w_pos * (log1p(exp(-|x|)) + max(-x, 0))`` (PyTorch's stable form), weighted and reduced."""
    (x, target), _ = promote_operands(g, to_float(g, self), target)
    dtype = dtype_of(x) or torch.float32
    one, zero = _constant(g, 1.0, dtype), _constant(g, 0.0, dtype)
    softplus_neg = g.op(
        "Add",
        g.op("Log", g.op("Add", one, g.op("Exp", g.op("Neg", g.op("Abs", x))))),
        g.op("Max", g.op("Neg", x), zero),
    )
    if not is_none(pos_weight):
        log_weight = g.op("Add", g.op("Mul", g.op("Sub", cast_to(g, pos_weight, dtype), one), target), one)
        softplus_neg = g.op("Mul", log_weight, softplus_neg)
    loss = g.op("Add", g.op("Mul", g.op("Sub", one, target), x), softplus_neg)
    if not is_none(weight):
        loss = g.op("Mul", loss, cast_to(g, weight, dtype))
    return _reduce(g, loss, _reduction(reduction))


@builtin_symbolic("aten::kl_div", opset=(9, 13, 18))
def aten_kl_div(g: GraphContext, self: Value, target: Value, reduction: Any = 1, log_target: Any = False) -> Value:
    """``target * (log(target) - self)`` (0 where ``target`` is 0), or ``exp(t) * (t - self)`` for log targets."""
    (self, target), _ = promote_operands(g, to_float(g, self), target)
    dtype = dtype_of(self) or torch.float32
    if not is_none(log_target) and bool(get_const(log_target, "b", "log_target")):
        loss = g.op("Mul", g.op("Exp", target), g.op("Sub", target, self))
    else:
        zero = _constant(g, 0.0, dtype)
        product = g.op("Mul", target, g.op("Sub", g.op("Log", target), self))
        loss = g.op(
            "Where",
            g.op("Equal", target, zero)
            if g.opset >= 11
            else g.op("Not", g.op("Or", g.op("Less", target, zero), g.op("Greater", target, zero))),
            zero,
            product,
        )
    return _reduce(g, loss, _reduction(reduction))


def _class_loss(
    g: GraphContext, op_type: str, op: str, self: Value, target: Value, weight: Any, reduction: Any, ignore_index: Any
) -> Value:
    if g.opset < 12:
        raise UnsupportedSymbolicError(op, g.opset, (12,), hint=f"ONNX {op_type} needs opset 12.")
    mode = _reduction(reduction)
    ignored = -100 if is_none(ignore_index) else int(get_const(ignore_index, "i", "ignore_index"))
    scores = to_float(g, self)
    target = cast_to(g, target, torch.int64)
    unbatched = get_tensor_rank(scores) == 1
    if unbatched:
        scores = unsqueeze_helper(g, scores, [0])
        target = unsqueeze_helper(g, target, [0])
    inputs = [scores, target] + ([] if is_none(weight) else [cast_to(g, weight, dtype_of(scores) or torch.float32)])
    loss = g.op(op_type, *inputs, reduction_s=mode, ignore_index_i=ignored)
    if unbatched and mode == "none":
        loss = squeeze_helper(g, loss, [0])
    return loss


@builtin_symbolic("aten::nll_loss", opset=12)
def aten_nll_loss(
    g: GraphContext, self: Value, target: Value, weight: Any = None, reduction: Any = 1, ignore_index: Any = -100
) -> Value:
    """ONNX ``NegativeLogLikelihoodLoss`` (opset 12), for ``(C)``, ``(N, C)`` and ``(N, C, d...)`` inputs."""
    return _class_loss(g, "NegativeLogLikelihoodLoss", "aten::nll_loss", self, target, weight, reduction, ignore_index)


@builtin_symbolic("aten::nll_loss2d", opset=12)
def aten_nll_loss2d(
    g: GraphContext, self: Value, target: Value, weight: Any = None, reduction: Any = 1, ignore_index: Any = -100
) -> Value:
    return _class_loss(
        g, "NegativeLogLikelihoodLoss", "aten::nll_loss2d", self, target, weight, reduction, ignore_index
    )


@builtin_symbolic("aten::nll_loss_nd", opset=12)
def aten_nll_loss_nd(
    g: GraphContext, self: Value, target: Value, weight: Any = None, reduction: Any = 1, ignore_index: Any = -100
) -> Value:
    """What ``F.nll_loss`` records for any input rank."""
    return _class_loss(
        g, "NegativeLogLikelihoodLoss", "aten::nll_loss_nd", self, target, weight, reduction, ignore_index
    )


@builtin_symbolic("aten::cross_entropy_loss", opset=12)
def aten_cross_entropy_loss(
    g: GraphContext,
    self: Value,
    target: Value,
    weight: Any = None,
    reduction: Any = 1,
    ignore_index: Any = -100,
    label_smoothing: Any = 0.0,
) -> Value:
    """``SoftmaxCrossEntropyLoss`` (opset 12) for class indices; class probabilities are composed by hand."""
    smoothing = 0.0 if is_none(label_smoothing) else float(static_number(label_smoothing))  # type: ignore[arg-type]
    if smoothing:
        raise UnsupportedSymbolicError(
            "aten::cross_entropy_loss",
            g.opset,
            (),
            hint="label_smoothing > 0 has no ONNX SoftmaxCrossEntropyLoss form.",
        )
    target_dtype = dtype_of(target)
    if target_dtype is not None and target_dtype.is_floating_point:
        # Class probabilities: -sum(target * log_softmax(self)) over the class dim.
        log_probs = activations.aten_log_softmax(g, to_float(g, self), 1 if get_tensor_rank(self) != 1 else 0)
        terms = g.op("Mul", log_probs, cast_to(g, target, dtype_of(log_probs) or torch.float32))
        if not is_none(weight):
            rank = get_tensor_rank(self) or 2
            shape = [1] * rank
            shape[1 if rank > 1 else 0] = -1
            terms = g.op(
                "Mul", terms, reshape_helper(g, cast_to(g, weight, dtype_of(terms) or torch.float32), shape)
            )
        class_axis = 1 if get_tensor_rank(self) != 1 else 0
        loss = g.op("Neg", reduce_value(g, "ReduceSum", terms, [class_axis], False))
        return _reduce(g, loss, _reduction(reduction))
    return _class_loss(
        g, "SoftmaxCrossEntropyLoss", "aten::cross_entropy_loss", self, target, weight, reduction, ignore_index
    )
