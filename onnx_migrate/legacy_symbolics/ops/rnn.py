"""Built-in symbolics for recurrent layers: ``nn.LSTM``/``nn.GRU``/``nn.RNN`` and their cells.

``torch.export`` keeps ``nn.LSTM`` as one ``aten::lstm.input`` node whose
weights arrive as a flat list (``w_ih, w_hh[, b_ih, b_hh]`` per layer and
direction) and whose initial states are always present (``aten::zeros`` when
the model passed none). Each layer becomes one ONNX ``LSTM``/``GRU``/``RNN``
node, never an unrolled loop. The work is in the layouts:

* gates: PyTorch stacks LSTM gates as input, forget, cell, output and ONNX as
  input, output, forget, cell; GRU gates as reset, update, new and ONNX as
  update, reset, hidden (with ``linear_before_reset=1``, which is PyTorch's
  formula). The blocks are regrouped with ``Reshape -> Gather -> Reshape``,
  which constant folding turns into plain initializers.
* sequences: ONNX reads ``[seq, batch, feature]`` and writes
  ``[seq, directions, batch, hidden]``; PyTorch wants ``[seq, batch,
  directions * hidden]`` (batch first when ``batch_first``).
* states: ONNX takes and returns ``[directions, batch, hidden]`` per layer,
  PyTorch stacks layers: ``[layers * directions, batch, hidden]``.

Dropout between layers only acts in training mode, which the export of an
``eval()`` model does not have; packed sequences (``.data`` overloads) cannot
be captured by ``torch.export`` and are refused with the fix.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import torch

from onnx_migrate.errors import SymbolicArgError, SymbolicValueError, UnsupportedSymbolicError
from onnx_migrate.legacy_symbolics._helpers.args import get_const, get_tensor_rank, get_tensor_sizes
from onnx_migrate.legacy_symbolics._helpers.shapes import reshape_helper, slice_helper, squeeze_helper, unsqueeze_helper
from onnx_migrate.legacy_symbolics.graph_context import GraphContext
from onnx_migrate.legacy_symbolics.ops.elementwise import is_none
from onnx_migrate.legacy_symbolics.ops.shape import unpack_tensors
from onnx_migrate.legacy_symbolics.marks import builtin_symbolic
from onnx_migrate.legacy_symbolics.values import ConstantValue, ListValue, Value

__all__: list[str] = []


@dataclasses.dataclass(frozen=True)
class _Variant:
    """How one PyTorch recurrent layer maps onto its ONNX op."""

    aten: str  # "aten::lstm"
    onnx_op: str  # "LSTM"
    gates: int  # weight blocks stacked along dim 0
    gate_order: tuple[int, ...] | None  # PyTorch block index of each ONNX block; None: same order
    states: int  # 2 for LSTM (h, c), 1 otherwise
    activation: str | None = None  # the RNN nonlinearity
    attributes: tuple[tuple[str, Any], ...] = ()


_LSTM = _Variant("aten::lstm", "LSTM", 4, (0, 3, 1, 2), 2)
_GRU = _Variant("aten::gru", "GRU", 3, (1, 0, 2), 1, attributes=(("linear_before_reset_i", 1),))
_RNN_TANH = _Variant("aten::rnn_tanh", "RNN", 1, None, 1, activation="Tanh")
_RNN_RELU = _Variant("aten::rnn_relu", "RNN", 1, None, 1, activation="Relu")


def _const_arg(value: Any, desc: str, name: str, op: str) -> Any:
    """A flag or count of the layer (``num_layers``, ``bidirectional``...), which must be known at export time."""
    if isinstance(value, (bool, int, float)):
        return value
    try:
        return get_const(value, desc, name)
    except SymbolicArgError as exc:
        raise SymbolicValueError(f"{op}: {name} must be known at export time ({exc}).", value) from exc


def _hidden_size(weight_hh: Value, op: str) -> int:
    sizes = get_tensor_sizes(weight_hh)
    if not sizes or len(sizes) != 2 or sizes[1] is None:
        raise SymbolicValueError(
            f"{op}: the hidden size (dim 1 of weight_hh, shape {sizes}) must be static.", weight_hh
        )
    return int(sizes[1])


def _onnx_blocks(g: GraphContext, weight: Value, variant: _Variant, hidden: int) -> Value:
    """One PyTorch weight (``[gates*H, K]``) or bias (``[gates*H]``) in ONNX gate order, with a leading unit dim."""
    is_bias = get_tensor_rank(weight) == 1
    if variant.gate_order is not None:
        blocks = reshape_helper(g, weight, [variant.gates, hidden] if is_bias else [variant.gates, hidden, -1])
        weight = g.op("Gather", blocks, g.op("Constant", value_t=_index_tensor(variant.gate_order)), axis_i=0)
    return reshape_helper(g, weight, [1, variant.gates * hidden] if is_bias else [1, variant.gates * hidden, -1])


def _index_tensor(indices: Sequence[int]) -> torch.Tensor:
    return torch.tensor(list(indices), dtype=torch.int64)


def _direction_weights(
    g: GraphContext, weights: Sequence[Value | None], variant: _Variant, hidden: int
) -> tuple[Value, Value, Value | None]:
    """``W``, ``R`` and ``B`` (``[1, ...]``) of one direction from ``w_ih, w_hh[, b_ih, b_hh]``."""
    w_ih, w_hh = weights[0], weights[1]
    assert w_ih is not None and w_hh is not None
    onnx_w = _onnx_blocks(g, w_ih, variant, hidden)
    onnx_r = _onnx_blocks(g, w_hh, variant, hidden)
    b_ih = weights[2] if len(weights) > 2 else None
    b_hh = weights[3] if len(weights) > 3 else None
    if is_none(b_ih) and is_none(b_hh):
        return onnx_w, onnx_r, None
    # ONNX wants both biases, concatenated: [Wb, Rb]; a missing one is zero.
    parts = []
    for bias, like in ((b_ih, b_hh), (b_hh, b_ih)):
        if is_none(bias):
            bias = g.op("Sub", like, like)
        parts.append(_onnx_blocks(g, bias, variant, hidden))
    return onnx_w, onnx_r, g.op("Concat", *parts, axis_i=1)


def _layer_weights(
    g: GraphContext, weights: Sequence[Value | None], directions: int, variant: _Variant, hidden: int
) -> tuple[Value, Value, Value | None]:
    """``W``, ``R``, ``B`` of one layer: the directions' blocks stacked along ONNX's leading directions dim."""
    per_direction = len(weights) // directions
    parts = [
        _direction_weights(g, weights[d * per_direction : (d + 1) * per_direction], variant, hidden)
        for d in range(directions)
    ]
    if directions == 1:
        return parts[0]
    (w_f, r_f, b_f), (w_b, r_b, b_b) = parts
    stacked_bias = None if b_f is None else g.op("Concat", b_f, b_b, axis_i=0)
    return g.op("Concat", w_f, w_b, axis_i=0), g.op("Concat", r_f, r_b, axis_i=0), stacked_bias


def _layer_states(g: GraphContext, state: Value, layer: int, directions: int, layers: int) -> Value:
    if layers == 1:
        return state
    return slice_helper(g, state, axes=[0], starts=[layer * directions], ends=[(layer + 1) * directions])


def _refuse_packed(variant: _Variant, opset: int) -> UnsupportedSymbolicError:
    return UnsupportedSymbolicError(
        f"{variant.aten}.data",
        opset,
        (),
        hint=(
            "packed sequences (torch.nn.utils.rnn.pack_padded_sequence) cannot be captured by torch.export; "
            "feed the padded batch to the layer instead (ONNX RNNs read every step, pad with zeros)"
        ),
    )


def _recurrent(
    g: GraphContext,
    variant: _Variant,
    input: Value,
    hx: Any,
    params: Any,
    has_biases: Any,
    num_layers: Any,
    dropout: Any,
    train: Any,
    bidirectional: Any,
    batch_first: Any,
) -> tuple[Value, ...]:
    """The shared body of ``lstm``/``gru``/``rnn_*`` (``.input`` overloads)."""
    op = variant.aten
    if isinstance(has_biases, (ListValue, list, tuple)):
        raise _refuse_packed(variant, g.opset)  # the ``.data`` overload: (data, batch_sizes, hx, params, ...)
    with_bias = bool(_const_arg(has_biases, "b", "has_biases", op))
    layers = int(_const_arg(num_layers, "i", "num_layers", op))
    directions = 2 if bool(_const_arg(bidirectional, "b", "bidirectional", op)) else 1
    first_is_batch = False if is_none(batch_first) else bool(_const_arg(batch_first, "b", "batch_first", op))
    if bool(_const_arg(train, "b", "train", op)) and float(_const_arg(dropout, "f", "dropout", op)) > 0 and layers > 1:
        raise UnsupportedSymbolicError(
            op,
            g.opset,
            (),
            hint="dropout between layers in training mode has no ONNX form; export the model in eval() mode",
        )
    weights = unpack_tensors(params)
    per_layer = 4 if with_bias else 2
    if len(weights) != layers * directions * per_layer:
        extra = (
            " (an LSTM with proj_size has no ONNX LSTM form; export it with proj_size=0)" if variant.states == 2 else ""
        )
        raise UnsupportedSymbolicError(
            op,
            g.opset,
            (),
            hint=f"expected {layers * directions * per_layer} weights for {layers} layer(s), {directions} "
            f"direction(s), bias={with_bias}, got {len(weights)}{extra}",
        )
    states = unpack_tensors(hx) if variant.states == 2 else [hx]
    hidden = _hidden_size(weights[1], op)

    sequence = g.op("Transpose", input, perm_i=[1, 0, 2]) if first_is_batch else input
    attributes: dict[str, Any] = {"hidden_size_i": hidden, **dict(variant.attributes)}
    if directions == 2:
        attributes["direction_s"] = "bidirectional"
    if variant.activation is not None:
        attributes["activations_s"] = [variant.activation] * directions
    final_states: list[list[Value]] = [[] for _ in range(variant.states)]
    for layer in range(layers):
        first = layer * directions * per_layer
        w, r, b = _layer_weights(g, weights[first : first + directions * per_layer], directions, variant, hidden)
        initial = [_layer_states(g, s, layer, directions, layers) for s in states]
        outputs = g.op(variant.onnx_op, sequence, w, r, b, None, *initial, outputs=1 + variant.states, **attributes)
        y = outputs[0]
        for index in range(variant.states):
            final_states[index].append(outputs[1 + index])
        if directions == 1:
            sequence = squeeze_helper(g, y, [1])
        else:
            # [seq, 2, batch, hidden] -> [seq, batch, 2, hidden] -> [seq, batch, 2 * hidden]
            sequence = reshape_helper(g, g.op("Transpose", y, perm_i=[0, 2, 1, 3]), [0, 0, -1])
    output = g.op("Transpose", sequence, perm_i=[1, 0, 2]) if first_is_batch else sequence
    stacked = [s[0] if layers == 1 else g.op("Concat", *s, axis_i=0) for s in final_states]
    return (output, *stacked)


@builtin_symbolic("aten::lstm")
def aten_lstm(
    g: GraphContext,
    input: Value,
    hx: Any,
    params: Any,
    has_biases: Any,
    num_layers: Any,
    dropout: Any,
    train: Any,
    bidirectional: Any,
    batch_first: Any = False,
) -> tuple[Value, Value, Value]:
    """``lstm.input`` -> one ONNX ``LSTM`` per layer: ``(output, h_n, c_n)`` in PyTorch's layouts."""
    return _recurrent(g, _LSTM, input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first)  # type: ignore[return-value]


@builtin_symbolic("aten::gru")
def aten_gru(
    g: GraphContext,
    input: Value,
    hx: Any,
    params: Any,
    has_biases: Any,
    num_layers: Any,
    dropout: Any,
    train: Any,
    bidirectional: Any,
    batch_first: Any = False,
) -> tuple[Value, Value]:
    """``gru.input`` -> one ONNX ``GRU`` per layer (``linear_before_reset=1``): ``(output, h_n)``."""
    return _recurrent(g, _GRU, input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first)  # type: ignore[return-value]


@builtin_symbolic("aten::rnn_tanh")
def aten_rnn_tanh(
    g: GraphContext,
    input: Value,
    hx: Any,
    params: Any,
    has_biases: Any,
    num_layers: Any,
    dropout: Any,
    train: Any,
    bidirectional: Any,
    batch_first: Any = False,
) -> tuple[Value, Value]:
    """``rnn_tanh.input`` (``nn.RNN``) -> one ONNX ``RNN`` per layer: ``(output, h_n)``."""
    return _recurrent(
        g, _RNN_TANH, input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first
    )  # type: ignore[return-value]


@builtin_symbolic("aten::rnn_relu")
def aten_rnn_relu(
    g: GraphContext,
    input: Value,
    hx: Any,
    params: Any,
    has_biases: Any,
    num_layers: Any,
    dropout: Any,
    train: Any,
    bidirectional: Any,
    batch_first: Any = False,
) -> tuple[Value, Value]:
    """``rnn_relu.input`` (``nn.RNN(nonlinearity="relu")``) -> one ONNX ``RNN`` per layer: ``(output, h_n)``."""
    return _recurrent(
        g, _RNN_RELU, input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first
    )  # type: ignore[return-value]


# -- cells (nn.LSTMCell, nn.GRUCell, nn.RNNCell): one step of the same ONNX ops ----------------


def _cell(
    g: GraphContext,
    variant: _Variant,
    input: Value,
    states: Sequence[Value],
    w_ih: Value,
    w_hh: Value,
    b_ih: Any,
    b_hh: Any,
) -> tuple[Value, ...]:
    """A sequence of length one: ``[batch, in]`` -> ONNX ``[1, batch, in]``; states gain a directions dim.

    ``nn.*Cell`` add the batch dim of an unbatched input before calling the ATen op.
    """
    hidden = _hidden_size(w_hh, variant.aten + "_cell")
    weights: list[Value | None] = [w_ih, w_hh] + ([b_ih, b_hh] if not (is_none(b_ih) and is_none(b_hh)) else [])
    w, r, b = _direction_weights(g, weights, variant, hidden)
    attributes: dict[str, Any] = {"hidden_size_i": hidden, **dict(variant.attributes)}
    if variant.activation is not None:
        attributes["activations_s"] = [variant.activation]
    sequence = unsqueeze_helper(g, input, [0])
    initial = [unsqueeze_helper(g, s, [0]) for s in states]
    outputs = g.op(variant.onnx_op, sequence, w, r, b, None, *initial, outputs=1 + variant.states, **attributes)
    return tuple(squeeze_helper(g, s, [0]) for s in outputs[1:])


def _cell_states(hx: Any, count: int, op: str) -> list[Value]:
    states = unpack_tensors(hx) if isinstance(hx, (ListValue, list, tuple)) else [hx]
    if len(states) != count or any(is_none(s) or isinstance(s, ConstantValue) for s in states):
        raise SymbolicValueError(f"{op}: expected {count} state tensor(s), got {states!r:.120}.", hx)
    return states


@builtin_symbolic("aten::lstm_cell")
def aten_lstm_cell(
    g: GraphContext,
    input: Value,
    hx: Any,
    w_ih: Value,
    w_hh: Value,
    b_ih: Any = None,
    b_hh: Any = None,
) -> tuple[Value, Value]:
    """``nn.LSTMCell`` -> a one-step ONNX ``LSTM``: ``(h_1, c_1)``."""
    states = _cell_states(hx, 2, "aten::lstm_cell")
    return _cell(g, _LSTM, input, states, w_ih, w_hh, b_ih, b_hh)  # type: ignore[return-value]


@builtin_symbolic("aten::gru_cell")
def aten_gru_cell(
    g: GraphContext,
    input: Value,
    hx: Value,
    w_ih: Value,
    w_hh: Value,
    b_ih: Any = None,
    b_hh: Any = None,
) -> Value:
    """``nn.GRUCell`` -> a one-step ONNX ``GRU``: ``h_1``."""
    return _cell(g, _GRU, input, _cell_states(hx, 1, "aten::gru_cell"), w_ih, w_hh, b_ih, b_hh)[0]


@builtin_symbolic("aten::rnn_tanh_cell")
def aten_rnn_tanh_cell(
    g: GraphContext,
    input: Value,
    hx: Value,
    w_ih: Value,
    w_hh: Value,
    b_ih: Any = None,
    b_hh: Any = None,
) -> Value:
    """``nn.RNNCell`` -> a one-step ONNX ``RNN`` (Tanh): ``h_1``."""
    return _cell(g, _RNN_TANH, input, _cell_states(hx, 1, "aten::rnn_tanh_cell"), w_ih, w_hh, b_ih, b_hh)[0]


@builtin_symbolic("aten::rnn_relu_cell")
def aten_rnn_relu_cell(
    g: GraphContext,
    input: Value,
    hx: Value,
    w_ih: Value,
    w_hh: Value,
    b_ih: Any = None,
    b_hh: Any = None,
) -> Value:
    """``nn.RNNCell(nonlinearity="relu")`` -> a one-step ONNX ``RNN`` (Relu): ``h_1``."""
    return _cell(g, _RNN_RELU, input, _cell_states(hx, 1, "aten::rnn_relu_cell"), w_ih, w_hh, b_ih, b_hh)[0]
