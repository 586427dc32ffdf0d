"""Built-in symbolics for normalization and dropout.

In eval mode ``torch.export`` writes batch norm as ``batch_norm`` or, after
decomposition, ``_native_batch_norm_legit_no_training`` (three outputs, the
last two empty); both become ``BatchNormalization``. In training mode the
statistics of the batch are computed explicitly, which every opset and
ONNX Runtime's inference kernels can run, and the ``_functional`` variant also
returns the updated running statistics. ``layer_norm`` uses ONNX's
``LayerNormalization`` from opset 17 and a composition before; ``group_norm``
goes through ``InstanceNormalization`` on ``[N, groups, -1]`` at every opset
(ONNX's ``GroupNormalization`` of opset 18 scales per group, not per channel).
Dropout is the identity in eval mode.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from onnx_migrate.errors import SymbolicValueError, UnsupportedSymbolicError
from onnx_migrate.legacy_symbolics._helpers.args import get_const, get_tensor_dim_size, get_tensor_rank
from onnx_migrate.legacy_symbolics._helpers.errors_and_opsets import check_training_mode
from onnx_migrate.legacy_symbolics._helpers.shapes import reshape_helper, squeeze_helper, unsqueeze_helper
from onnx_migrate.legacy_symbolics.graph_context import GraphContext
from onnx_migrate.legacy_symbolics.ops.elementwise import cast_to, dtype_of, is_none, python_scalar
from onnx_migrate.legacy_symbolics.ops.reduction import reduce_value
from onnx_migrate.legacy_symbolics.ops.shape import int_list
from onnx_migrate.legacy_symbolics.marks import builtin_symbolic
from onnx_migrate.legacy_symbolics.values import ConstantValue, Value

__all__: list[str] = []


def _float(value: Any, name: str, default: float) -> float:
    if is_none(value):
        return default
    number = python_scalar(value)
    return float(get_const(value, "f", name) if number is None else number)


def _flag(value: Any, name: str) -> bool:
    return False if is_none(value) else bool(get_const(value, "b", name))


def _filled(g: GraphContext, like: Value, shape: Sequence[int], fill: float) -> Value:
    """A constant of ``like``'s dtype (weights and biases the model left out)."""
    return g.op("Constant", value_t=torch.full(list(shape), fill, dtype=dtype_of(like) or torch.float32))


def _channels(g: GraphContext, input: Value, op: str) -> int:  # noqa: A002 - ATen name
    size = get_tensor_dim_size(input, 1)
    if size is None:
        raise SymbolicValueError(
            f"{op} without weight or bias needs the static channel count (dim 1) to build them (opset {g.opset}).",
            input,
        )
    return int(size)


def _affine_defaults(g: GraphContext, input: Value, weight: Any, bias: Any, op: str) -> tuple[Value, Value]:  # noqa: A002
    if is_none(weight):
        weight = _filled(g, input, [_channels(g, input, op)], 1.0)
    if is_none(bias):
        bias = _filled(g, input, [_channels(g, input, op)], 0.0)
    return weight, bias


def _empty(g: GraphContext, like: Value) -> Value:
    """The empty tensors eval-mode batch norm returns for the saved statistics."""
    return g.op("Constant", value_t=torch.zeros(0, dtype=dtype_of(like) or torch.float32))


def _per_channel(g: GraphContext, value: Value, rank: int) -> Value:
    """``[C]`` -> ``[1, C, 1, ...]`` to broadcast over ``N, C, *spatial``."""
    return unsqueeze_helper(g, value, [0, *range(2, rank)])


# -- batch norm ---------------------------------------------------------------------------


def _batch_norm_eval(
    g: GraphContext,
    input: Value,
    weight: Any,
    bias: Any,
    running_mean: Value,
    running_var: Value,  # noqa: A002
    momentum: float,
    eps: float,
    op: str,
) -> Value:
    weight, bias = _affine_defaults(g, input, weight, bias, op)
    dtype = dtype_of(input)
    if dtype is not None and g.opset < 15:
        # Before opset 15 every input of BatchNormalization shares one type (autocast mixes them).
        weight, bias, running_mean, running_var = (
            cast_to(g, v, dtype) for v in (weight, bias, running_mean, running_var)
        )
    return g.op(
        "BatchNormalization", input, weight, bias, running_mean, running_var, epsilon_f=eps, momentum_f=1.0 - momentum
    )


def _batch_statistics(g: GraphContext, input: Value, op: str) -> tuple[Value, Value, list[int], int]:  # noqa: A002
    """Mean and biased variance over every dim but the channels, kept as ``[1, C, 1, ...]``."""
    rank = get_tensor_rank(input)
    if rank is None:
        raise SymbolicValueError(f"{op} in training mode needs the input rank (opset {g.opset}).", input)
    axes = [0, *range(2, rank)]
    mean = reduce_value(g, "ReduceMean", input, axes, True)
    centered = g.op("Sub", input, mean)
    variance = reduce_value(g, "ReduceMean", g.op("Mul", centered, centered), axes, True)
    return mean, variance, axes, rank


def _batch_norm_train(
    g: GraphContext,
    input: Value,
    weight: Any,
    bias: Any,
    eps: float,
    op: str,  # noqa: A002
) -> tuple[Value, Value, Value, Value]:
    """Batch norm with the batch's statistics: ``(out, mean[C], invstd[C], biased_var[C])``."""
    mean, variance, axes, rank = _batch_statistics(g, input, op)
    invstd = g.op("Reciprocal", g.op("Sqrt", g.op("Add", variance, ConstantValue(eps))))
    out = g.op("Mul", g.op("Sub", input, mean), invstd)
    if not is_none(weight):
        out = g.op("Mul", out, _per_channel(g, weight, rank))
    if not is_none(bias):
        out = g.op("Add", out, _per_channel(g, bias, rank))
    squeeze = [0, *range(2, rank)]
    return (
        out,
        squeeze_helper(g, mean, squeeze),
        squeeze_helper(g, invstd, squeeze),
        squeeze_helper(g, variance, squeeze),
    )


def _updated_running_stats(
    g: GraphContext,
    input: Value,
    running_mean: Value,
    running_var: Value,
    mean: Value,
    variance: Value,  # noqa: A002
    momentum: float,
) -> tuple[Value, Value]:
    """PyTorch's running-stat update: ``(1 - m) * running + m * batch`` with the unbiased variance."""
    count = g.op(
        "Div",
        g.op("ReduceProd", g.op("Shape", input), keepdims_i=0),
        g.op("Gather", g.op("Shape", input), g.op("Constant", value_t=torch.tensor(1, dtype=torch.int64)), axis_i=0),
    )
    count = cast_to(g, count, dtype_of(variance) or torch.float32)
    unbiased = g.op("Div", g.op("Mul", variance, count), g.op("Sub", count, ConstantValue(1.0)))
    keep = ConstantValue(1.0 - momentum)
    new_mean = g.op("Add", g.op("Mul", running_mean, keep), g.op("Mul", mean, ConstantValue(momentum)))
    new_var = g.op("Add", g.op("Mul", running_var, keep), g.op("Mul", unbiased, ConstantValue(momentum)))
    return new_mean, new_var


def _native_batch_norm(
    g: GraphContext,
    input: Value,
    weight: Any,
    bias: Any,
    running_mean: Any,
    running_var: Any,  # noqa: A002
    training: bool,
    momentum: Any,
    eps: Any,
    op: str,
) -> tuple[Value, Value, Value]:
    """The batch-norm overloads' shared body; ``momentum`` and ``eps`` arrive as ATen arguments."""
    momentum, eps = _float(momentum, "momentum", 0.1), _float(eps, "eps", 1e-5)
    if training or is_none(running_mean) or is_none(running_var):
        out, mean, invstd, _ = _batch_norm_train(g, input, weight, bias, eps, op)
        return out, mean, invstd
    out = _batch_norm_eval(g, input, weight, bias, running_mean, running_var, momentum, eps, op)
    return out, _empty(g, input), _empty(g, input)


@builtin_symbolic("aten::batch_norm", opset=(9, 15))
def aten_batch_norm(
    g: GraphContext,
    input: Value,
    weight: Any,
    bias: Any,
    running_mean: Any,
    running_var: Any,  # noqa: A002
    training: Any,
    momentum: Any,
    eps: Any,
    cudnn_enabled: Any = None,
) -> Value:
    """``BatchNormalization`` in eval mode; the batch's own statistics in training mode."""
    train = _flag(training, "training")
    check_training_mode(train, "batch_norm")
    out, _, _ = _native_batch_norm(
        g, input, weight, bias, running_mean, running_var, train, momentum, eps, "aten::batch_norm"
    )
    return out


@builtin_symbolic("aten::native_batch_norm", opset=(9, 15))
def aten_native_batch_norm(
    g: GraphContext,
    input: Value,
    weight: Any,
    bias: Any,
    running_mean: Any,
    running_var: Any,  # noqa: A002
    training: Any,
    momentum: Any,
    eps: Any,
) -> tuple[Value, Value, Value]:
    """``(out, save_mean, save_invstd)``; the saved statistics are empty in eval mode, as in PyTorch."""
    return _native_batch_norm(
        g,
        input,
        weight,
        bias,
        running_mean,
        running_var,
        _flag(training, "training"),
        momentum,
        eps,
        "aten::native_batch_norm",
    )


@builtin_symbolic("aten::_native_batch_norm_legit_no_training", opset=(9, 15))
def aten__native_batch_norm_legit_no_training(
    g: GraphContext,
    input: Value,
    weight: Any,
    bias: Any,
    running_mean: Value,
    running_var: Value,  # noqa: A002
    momentum: Any,
    eps: Any,
) -> tuple[Value, Value, Value]:
    """What ``torch.export`` decomposes eval-mode batch norm into: ``BatchNormalization`` and two empty outputs."""
    return _native_batch_norm(
        g,
        input,
        weight,
        bias,
        running_mean,
        running_var,
        False,
        momentum,
        eps,
        "aten::_native_batch_norm_legit_no_training",
    )


@builtin_symbolic("aten::_native_batch_norm_legit", opset=(9, 15))
def aten__native_batch_norm_legit(
    g: GraphContext,
    input: Value,
    weight: Any,
    bias: Any,
    running_mean: Any = None,
    running_var: Any = None,  # noqa: A002
    training: Any = True,
    momentum: Any = 0.1,
    eps: Any = 1e-5,
) -> tuple[Value, Value, Value]:
    """``_native_batch_norm_legit`` and its ``.no_stats`` overload (no running statistics)."""
    return _native_batch_norm(
        g,
        input,
        weight,
        bias,
        running_mean,
        running_var,
        _flag(training, "training"),
        momentum,
        eps,
        "aten::_native_batch_norm_legit",
    )


@builtin_symbolic("aten::_native_batch_norm_legit_functional", opset=(9, 15))
def aten__native_batch_norm_legit_functional(
    g: GraphContext,
    input: Value,
    weight: Any,
    bias: Any,
    running_mean: Value,
    running_var: Value,  # noqa: A002
    training: Any,
    momentum: Any,
    eps: Any,
) -> tuple[Value, Value, Value, Value, Value]:
    """Training-mode batch norm as ``torch.export`` writes it: also returns the updated running statistics."""
    op = "aten::_native_batch_norm_legit_functional"
    m, epsilon = _float(momentum, "momentum", 0.1), _float(eps, "eps", 1e-5)
    if not _flag(training, "training"):
        out = _batch_norm_eval(g, input, weight, bias, running_mean, running_var, m, epsilon, op)
        return out, _empty(g, input), _empty(g, input), running_mean, running_var
    out, mean, invstd, variance = _batch_norm_train(g, input, weight, bias, epsilon, op)
    new_mean, new_var = _updated_running_stats(g, input, running_mean, running_var, mean, variance, m)
    return out, mean, invstd, new_mean, new_var


# -- layer norm ---------------------------------------------------------------------------


def _layer_norm_axes(g: GraphContext, input: Value, normalized_shape: Any, op: str) -> list[int]:  # noqa: A002
    shape = int_list(normalized_shape, "normalized_shape")
    if shape is None:
        raise SymbolicValueError(f"{op}: normalized_shape must be constant.", input)
    rank = get_tensor_rank(input)
    if rank is None:
        if g.opset < 11:
            raise SymbolicValueError(f"{op} needs the input rank at opset {g.opset}.", input)
        return list(range(-len(shape), 0))
    return list(range(rank - len(shape), rank))


def _layer_norm_composed(
    g: GraphContext,
    input: Value,  # noqa: A002
    axes: list[int],
    weight: Any,
    bias: Any,
    eps: float,
) -> tuple[Value, Value, Value]:
    """``(x - mean) / sqrt(var + eps)`` (then the affine), with mean and ``rstd`` for ``native_layer_norm``."""
    mean = reduce_value(g, "ReduceMean", input, axes, True)
    centered = g.op("Sub", input, mean)
    variance = reduce_value(g, "ReduceMean", g.op("Pow", centered, ConstantValue(2.0)), axes, True)
    deviation = g.op("Sqrt", g.op("Add", variance, ConstantValue(eps)))
    out = g.op("Div", centered, deviation)
    if not is_none(weight):
        out = g.op("Mul", out, weight)
    if not is_none(bias):
        out = g.op("Add", out, bias)
    return out, mean, g.op("Reciprocal", deviation)


def _layer_norm(
    g: GraphContext,
    input: Value,
    normalized_shape: Any,
    weight: Any,
    bias: Any,
    eps: Any,
    op: str,  # noqa: A002
) -> tuple[Value, Value, Value]:
    axes = _layer_norm_axes(g, input, normalized_shape, op)
    epsilon = _float(eps, "eps", 1e-5)
    if g.opset < 17:
        return _layer_norm_composed(g, input, axes, weight, bias, epsilon)
    if is_none(weight):
        shape = int_list(normalized_shape, "normalized_shape") or []
        weight = _filled(g, input, shape, 1.0)
    out, mean, invstd = g.op(
        "LayerNormalization",
        input,
        weight,
        None if is_none(bias) else bias,
        axis_i=axes[0],
        epsilon_f=epsilon,
        outputs=3,
    )
    return out, mean, invstd


@builtin_symbolic("aten::layer_norm", opset=(9, 17))
def aten_layer_norm(
    g: GraphContext,
    input: Value,
    normalized_shape: Any,
    weight: Any = None,
    bias: Any = None,  # noqa: A002
    eps: Any = 1e-5,
    cudnn_enable: Any = True,
) -> Value:
    """``LayerNormalization`` from opset 17; mean/variance arithmetic before."""
    out, _, _ = _layer_norm(g, input, normalized_shape, weight, bias, eps, "aten::layer_norm")
    return out


@builtin_symbolic("aten::native_layer_norm", opset=(9, 17))
def aten_native_layer_norm(
    g: GraphContext,
    input: Value,
    normalized_shape: Any,
    weight: Any,
    bias: Any,
    eps: Any,  # noqa: A002
) -> tuple[Value, Value, Value]:
    """``(out, mean, rstd)`` with the normalized dims kept as 1, like PyTorch."""
    return _layer_norm(g, input, normalized_shape, weight, bias, eps, "aten::native_layer_norm")


# -- group and instance norm -------------------------------------------------------------------


def _group_norm(
    g: GraphContext,
    input: Value,
    groups: int,
    weight: Any,
    bias: Any,
    eps: float,
    op: str,  # noqa: A002
) -> tuple[Value, Value, Value]:
    """``(out, mean[N, G], rstd[N, G])`` by normalizing ``[N, G, -1]`` and applying the per-channel affine."""
    rank = get_tensor_rank(input)
    if rank is None:
        raise SymbolicValueError(f"{op} needs the input rank (opset {g.opset}).", input)
    grouped = reshape_helper(g, input, [0, groups, -1])
    ones = _filled(g, input, [groups], 1.0)
    zeros = _filled(g, input, [groups], 0.0)
    normalized = g.op("InstanceNormalization", grouped, ones, zeros, epsilon_f=eps)
    out = g.op("Reshape", normalized, g.op("Shape", input))
    if not is_none(weight):
        out = g.op("Mul", out, _per_channel(g, weight, rank))
    if not is_none(bias):
        out = g.op("Add", out, _per_channel(g, bias, rank))
    mean = reduce_value(g, "ReduceMean", grouped, [2], True)
    centered = g.op("Sub", grouped, mean)
    variance = reduce_value(g, "ReduceMean", g.op("Mul", centered, centered), [2], False)
    rstd = g.op("Reciprocal", g.op("Sqrt", g.op("Add", variance, ConstantValue(eps))))
    return out, squeeze_helper(g, mean, [2]), rstd


@builtin_symbolic("aten::group_norm")
def aten_group_norm(
    g: GraphContext,
    input: Value,
    num_groups: Any,
    weight: Any = None,
    bias: Any = None,  # noqa: A002
    eps: Any = 1e-5,
    cudnn_enabled: Any = True,
) -> Value:
    groups = int(get_const(num_groups, "i", "num_groups"))
    out, _, _ = _group_norm(g, input, groups, weight, bias, _float(eps, "eps", 1e-5), "aten::group_norm")
    return out


@builtin_symbolic("aten::native_group_norm")
def aten_native_group_norm(
    g: GraphContext,
    input: Value,
    weight: Any,
    bias: Any,
    N: Any,
    C: Any,
    HxW: Any,
    group: Any,
    eps: Any,  # noqa: A002, N803
) -> tuple[Value, Value, Value]:
    groups = int(get_const(group, "i", "group"))
    return _group_norm(g, input, groups, weight, bias, _float(eps, "eps", 1e-5), "aten::native_group_norm")


@builtin_symbolic("aten::instance_norm")
def aten_instance_norm(
    g: GraphContext,
    input: Value,
    weight: Any,
    bias: Any,
    running_mean: Any,
    running_var: Any,  # noqa: A002
    use_input_stats: Any,
    momentum: Any,
    eps: Any,
    cudnn_enabled: Any = None,
) -> Value:
    """``InstanceNormalization``; with ``use_input_stats=False`` the running statistics, i.e. eval batch norm."""
    epsilon, m = _float(eps, "eps", 1e-5), _float(momentum, "momentum", 0.1)
    if not _flag(use_input_stats, "use_input_stats") and not is_none(running_mean) and not is_none(running_var):
        return _batch_norm_eval(g, input, weight, bias, running_mean, running_var, m, epsilon, "aten::instance_norm")
    weight, bias = _affine_defaults(g, input, weight, bias, "aten::instance_norm")
    return g.op("InstanceNormalization", input, weight, bias, epsilon_f=epsilon)


# -- dropout ------------------------------------------------------------------------------------


def _train_flag(train: Any) -> bool:
    return False if is_none(train) else bool(get_const(train, "b", "train"))


def _dropout_train(g: GraphContext, input: Value, p: float) -> tuple[Value, Value]:  # noqa: A002
    if g.opset >= 12:
        ratio = g.op("Constant", value_t=torch.tensor(p, dtype=dtype_of(input) or torch.float32))
        mode = g.op("Constant", value_t=torch.tensor(True))
        out, mask = g.op("Dropout", input, ratio, mode, outputs=2)
    else:
        out, mask = g.op("Dropout", input, ratio_f=p, outputs=2)
    return out, mask


@builtin_symbolic("aten::dropout", opset=(9, 12))
def aten_dropout(g: GraphContext, input: Value, p: Any, train: Any) -> Value:  # noqa: A002
    """The identity in eval mode; ONNX ``Dropout`` (training mode input from opset 12) when training."""
    if not _train_flag(train):
        return input
    out, _ = _dropout_train(g, input, _float(p, "p", 0.5))
    return out


@builtin_symbolic("aten::native_dropout", opset=(9, 12))
def aten_native_dropout(g: GraphContext, input: Value, p: Any, train: Any) -> tuple[Value, Value]:  # noqa: A002
    """``(out, mask)``: in eval mode the input and an all-true mask, as PyTorch returns."""
    if not _train_flag(train):
        mask = g.op("ConstantOfShape", g.op("Shape", input), value_t=torch.tensor([True]))
        return input, mask
    return _dropout_train(g, input, _float(p, "p", 0.5))


def _eval_only_dropout(name: str) -> Any:
    def symbolic(g: GraphContext, input: Value, p: Any, train: Any) -> Value:  # noqa: A002
        if _train_flag(train):
            raise UnsupportedSymbolicError(
                f"aten::{name}",
                g.opset,
                hint=f"{name} in training mode has no ONNX equivalent; export with the model in eval mode.",
            )
        return input

    symbolic.__name__ = symbolic.__qualname__ = f"aten_{name}"
    symbolic.__doc__ = f"``{name}``: the identity in eval mode (training mode has no ONNX equivalent)."
    return symbolic


aten_feature_dropout = builtin_symbolic("aten::feature_dropout")(_eval_only_dropout("feature_dropout"))
aten_alpha_dropout = builtin_symbolic("aten::alpha_dropout")(_eval_only_dropout("alpha_dropout"))
aten_feature_alpha_dropout = builtin_symbolic("aten::feature_alpha_dropout")(
    _eval_only_dropout("feature_alpha_dropout")
)
