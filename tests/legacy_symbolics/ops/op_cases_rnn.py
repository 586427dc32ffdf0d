"""Test cases for ``ops/rnn.py``: ``lstm``/``gru``/``rnn_*`` (``.input`` overloads) and the cells.

Walked by ``test_op_cases_rnn.py``. Weights and states are graph inputs here
(so the gate regrouping runs in the graph); the export tests in
``test_rnn_exports.py`` cover them as initializers, folded by the exporter.
"""

from __future__ import annotations

import torch
from symbolic_case import SymbolicCase, T, aten

__all__ = ["RNN_CASES"]

_OPSETS = (9, 11, 13, 17)


def _weights(
    gates: int, inputs: int, hidden: int, layers: int = 1, bidirectional: bool = False, bias: bool = True
) -> list[torch.Tensor]:
    """``params`` as ``nn.LSTM/GRU/RNN`` flattens them: per layer and direction ``w_ih, w_hh[, b_ih, b_hh]``."""
    params = []
    for layer in range(layers):
        width = inputs if layer == 0 else hidden * (2 if bidirectional else 1)
        for _ in range(2 if bidirectional else 1):
            params += [T(gates * hidden, width, low=-0.5, high=0.5), T(gates * hidden, hidden, low=-0.5, high=0.5)]
            if bias:
                params += [T(gates * hidden, low=-0.5, high=0.5), T(gates * hidden, low=-0.5, high=0.5)]
    return params


def _states(count: int, layers: int, bidirectional: bool, batch: int, hidden: int) -> list[torch.Tensor]:
    return [T(layers * (2 if bidirectional else 1), batch, hidden, low=-1, high=1) for _ in range(count)]


def _lstm(
    label: str,
    *,
    layers: int = 1,
    bidirectional: bool = False,
    batch_first: bool = False,
    bias: bool = True,
    opsets: tuple[int, ...] = _OPSETS,
) -> SymbolicCase:
    sequence = T(2, 5, 3) if batch_first else T(5, 2, 3)
    return aten(
        "lstm.input",
        label=label,
        input=sequence,
        hx=_states(2, layers, bidirectional, 2, 4),
        params=_weights(4, 3, 4, layers, bidirectional, bias),
        has_biases=bias,
        num_layers=layers,
        dropout=0.0,
        train=False,
        bidirectional=bidirectional,
        batch_first=batch_first,
        opsets=opsets,
    )


def _single_state(
    name: str,
    gates: int,
    label: str,
    *,
    layers: int = 1,
    bidirectional: bool = False,
    batch_first: bool = False,
    bias: bool = True,
    opsets: tuple[int, ...] = _OPSETS,
) -> SymbolicCase:
    sequence = T(3, 6, 5) if batch_first else T(6, 3, 5)
    return aten(
        f"{name}.input",
        label=label,
        input=sequence,
        hx=_states(1, layers, bidirectional, 3, 4)[0],
        params=_weights(gates, 5, 4, layers, bidirectional, bias),
        has_biases=bias,
        num_layers=layers,
        dropout=0.0,
        train=False,
        bidirectional=bidirectional,
        batch_first=batch_first,
        opsets=opsets,
    )


def _cell(name: str, gates: int, label: str, *, states: int = 1, bias: bool = True) -> SymbolicCase:
    hx = [T(3, 4) for _ in range(states)]
    w_ih, w_hh, *biases = _weights(gates, 5, 4, bias=bias)
    return aten(
        f"{name}.default",
        label=label,
        input=T(3, 5),
        hx=hx if states > 1 else hx[0],
        w_ih=w_ih,
        w_hh=w_hh,
        b_ih=biases[0] if bias else None,
        b_hh=biases[1] if bias else None,
        opsets=(9, 13, 17),
    )


RNN_CASES: list[SymbolicCase] = [
    _lstm("one layer"),
    _lstm("two layers bidirectional batch_first", layers=2, bidirectional=True, batch_first=True),
    _lstm("no bias, three layers", layers=3, bias=False, opsets=(9, 13)),
    _single_state("gru", 3, "one layer"),
    _single_state("gru", 3, "two layers bidirectional batch_first", layers=2, bidirectional=True, batch_first=True),
    _single_state("gru", 3, "no bias bidirectional", bidirectional=True, bias=False, opsets=(9, 13)),
    _single_state("rnn_tanh", 1, "two layers bidirectional", layers=2, bidirectional=True),
    _single_state("rnn_tanh", 1, "batch_first", batch_first=True, opsets=(9, 13)),
    _single_state("rnn_relu", 1, "no bias", bias=False),
    _single_state("rnn_relu", 1, "two layers batch_first", layers=2, batch_first=True, opsets=(9, 13)),
    _cell("lstm_cell", 4, "batched", states=2),
    _cell("lstm_cell", 4, "no bias", states=2, bias=False),
    _cell("gru_cell", 3, "batched"),
    _cell("gru_cell", 3, "no bias", bias=False),
    _cell("rnn_tanh_cell", 1, "batched"),
    _cell("rnn_relu_cell", 1, "no bias", bias=False),
]
