"""``ops/rnn.py`` against eager PyTorch (table in ``op_cases_rnn.py``), its coverage, and its refusals."""

from __future__ import annotations

import pytest
import torch
from op_case_runner import case_params, check_case
from op_cases_rnn import RNN_CASES
from symbolic_case import SymbolicCase, T, add_tensor, call_symbolic

from onnx_migrate.errors import UnsupportedSymbolicError
from onnx_migrate.legacy_symbolics.graph_context import GraphContext
from onnx_migrate.legacy_symbolics.ops import rnn
from onnx_migrate.legacy_symbolics.registry import builtin_marks
from onnx_migrate.legacy_symbolics.values import ConstantValue, ListValue


@pytest.mark.parametrize(("case", "opset"), case_params(RNN_CASES))
def test_rnn_symbolic_matches_eager(case: SymbolicCase, opset: int, to_model, run_model) -> None:
    """The ONNX LSTM/GRU/RNN graph computes PyTorch's outputs and final states, in PyTorch's layouts."""
    check_case(case, opset, to_model, run_model)


def test_every_rnn_builtin_has_a_case() -> None:
    registered = {name for obj in vars(rnn).values() for name, _, _ in builtin_marks(obj)}
    assert sorted(registered - {case.op for case in RNN_CASES}) == []


def test_layers_become_single_onnx_ops_not_loops() -> None:
    """Two bidirectional LSTM layers: two ONNX ``LSTM`` nodes, no ``Loop``/``Scan``."""
    g = GraphContext.create(13)
    params = [
        add_tensor(g, f"w{i}", torch.zeros(s))
        for i, s in enumerate([(16, 3), (16, 4), (16,), (16,)] * 2 + [(16, 8), (16, 4), (16,), (16,)] * 2)
    ]
    states = [add_tensor(g, f"h{i}", torch.zeros(4, 2, 4)) for i in range(2)]
    call_symbolic(
        g, "aten::lstm", input=add_tensor(g, "x", T(5, 2, 3)), hx=ListValue(states), params=ListValue(params),
        has_biases=ConstantValue(True), num_layers=ConstantValue(2), dropout=ConstantValue(0.5), train=ConstantValue(False),
        bidirectional=ConstantValue(True), batch_first=ConstantValue(False),
    )  # fmt: skip
    ops = [node.op_type for node in g.graph]
    assert ops.count("LSTM") == 2 and "Loop" not in ops and "Scan" not in ops
    attributes = [node.attributes for node in g.graph if node.op_type == "LSTM"]
    assert all(a["direction"].as_string() == "bidirectional" and a["hidden_size"].as_int() == 4 for a in attributes)


def _lstm_call(g: GraphContext, **overrides: object) -> dict[str, object]:
    call: dict[str, object] = {
        "input": add_tensor(g, "x", T(5, 2, 3)),
        "hx": ListValue([add_tensor(g, "h", torch.zeros(1, 2, 4)), add_tensor(g, "c", torch.zeros(1, 2, 4))]),
        "params": ListValue([add_tensor(g, f"w{i}", torch.zeros(s)) for i, s in enumerate([(16, 3), (16, 4), (16,), (16,)])]),
        "has_biases": ConstantValue(True), "num_layers": ConstantValue(1), "dropout": ConstantValue(0.0),
        "train": ConstantValue(False), "bidirectional": ConstantValue(False), "batch_first": ConstantValue(False),
    }  # fmt: skip
    call.update({k: v if isinstance(v, (ListValue, ConstantValue)) else ConstantValue(v) for k, v in overrides.items()})
    return call


def test_packed_sequences_are_refused_with_the_fix() -> None:
    """``lstm.data`` (positional: data, batch_sizes, hx, params, ...) names the overload and the way out."""
    g = GraphContext.create(13)
    call = _lstm_call(g)
    packed = [
        call["input"],
        add_tensor(g, "sizes", torch.tensor([2, 2, 1])),
        call["hx"],
        call["params"],
        True,
        1,
        0.0,
        False,
        False,
    ]
    with pytest.raises(UnsupportedSymbolicError, match=r"(?s)aten::lstm\.data.*pack_padded_sequence.*padded batch"):
        rnn.aten_lstm(g, *[p if not isinstance(p, (bool, int, float)) else ConstantValue(p) for p in packed])


def test_lstm_with_projections_is_refused() -> None:
    g = GraphContext.create(13)
    call = _lstm_call(g)
    call["params"] = ListValue([*call["params"].items, add_tensor(g, "w_hr", torch.zeros(3, 4))])  # type: ignore[union-attr]
    with pytest.raises(UnsupportedSymbolicError, match=r"(?s)expected 4 weights.*got 5.*proj_size"):
        call_symbolic(g, "aten::lstm", **call)


def test_dropout_in_training_mode_is_refused() -> None:
    g = GraphContext.create(13)
    call = _lstm_call(g, train=True, dropout=0.3, num_layers=2)
    with pytest.raises(UnsupportedSymbolicError, match=r"(?s)dropout between layers in training mode.*eval\(\)"):
        call_symbolic(g, "aten::lstm", **call)
