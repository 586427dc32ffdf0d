"""Whole models with recurrent layers, exported through ``onnx_migrate.export`` and run in ONNX Runtime."""

from __future__ import annotations

import collections

import pytest
import torch
from model_export_check import export_and_compare, legacy_exporter_available, legacy_op_counts, op_counts

torch.manual_seed(0)


class LSTMTagger(torch.nn.Module):
    """A sequence tagger: token features -> bidirectional LSTM -> per-token tag scores (no initial state given)."""

    def __init__(self, features: int = 8, hidden: int = 6, tags: int = 5) -> None:
        super().__init__()
        self.lstm = torch.nn.LSTM(features, hidden, batch_first=True, bidirectional=True)
        self.head = torch.nn.Linear(2 * hidden, tags)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        encoded, _ = self.lstm(tokens)
        return self.head(encoded).log_softmax(-1)


class GRUEncoder(torch.nn.Module):
    """Two bidirectional GRU layers, batch first, with the initial state as an input; returns output and h_n."""

    def __init__(self) -> None:
        super().__init__()
        self.gru = torch.nn.GRU(4, 5, num_layers=2, batch_first=True, bidirectional=True, dropout=0.25)

    def forward(self, x: torch.Tensor, h0: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.gru(x, h0)


class StackedLSTMWithState(torch.nn.Module):
    """A two-layer LSTM given (h0, c0), returning every output and state, then an nn.RNN(relu) on top."""

    def __init__(self) -> None:
        super().__init__()
        self.lstm = torch.nn.LSTM(3, 4, num_layers=2)
        self.rnn = torch.nn.RNN(4, 3, nonlinearity="relu")

    def forward(self, x: torch.Tensor, h0: torch.Tensor, c0: torch.Tensor) -> tuple[torch.Tensor, ...]:
        out, (h, c) = self.lstm(x, (h0, c0))
        top, h_top = self.rnn(out)
        return top, h, c, h_top


@pytest.mark.parametrize("opset", [11, 13, 17])
def test_lstm_tagger(opset: int) -> None:
    proto = export_and_compare(LSTMTagger(), (torch.randn(2, 7, 8),), opset)
    counts = op_counts(proto)
    assert counts["LSTM"] == 1 and counts["Loop"] == 0 and counts["Scan"] == 0
    # The gate regrouping is folded into the weights: no Gather/Concat of weights left in the graph.
    assert counts["Gather"] == 0


@pytest.mark.filterwarnings("ignore:dynamic_axes\\['tokens'\\]\\[1\\]")
def test_lstm_tagger_with_dynamic_batch_and_sequence() -> None:
    """torch.export fixes an LSTM's sequence length (its ATen kernel specializes it, and the capture warns);
    the ONNX input still declares it dynamic, as the legacy exporter did, and the ONNX LSTM runs any length."""
    export_and_compare(
        LSTMTagger(),
        (torch.randn(2, 7, 8),),
        13,
        more_inputs=[(torch.randn(3, 4, 8),), (torch.randn(1, 11, 8),)],
        input_names=["tokens"],
        dynamic_axes={"tokens": {0: "batch", 1: "sequence"}},
    )


def test_lstm_declares_the_time_axis_dynamic_in_inputs_and_outputs() -> None:
    """Test: with dynamic batch and time, both the input and the output declare the names, as legacy did,
    and the time axis stays dynamic in the capture itself (one LSTM op, no unrolled shape function:
    no "fixed to" warning), so ORT runs other lengths."""
    import warnings

    import onnx_migrate
    from onnx_migrate.errors import OnnxMigrateWarning

    model = torch.nn.LSTM(8, 16, num_layers=2, batch_first=True).eval()
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        result = onnx_migrate.export(
            model, (torch.randn(2, 5, 8),), None, opset_version=14, input_names=["x"], output_names=["y"],
            dynamic_axes={"x": {0: "b", 1: "t"}, "y": {0: "b", 1: "t"}},
        )  # fmt: skip
    assert not [w for w in seen if issubclass(w.category, OnnxMigrateWarning)]
    dims = {v.name: [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]
            for v in [*result.model_proto.graph.input, *result.model_proto.graph.output]}  # fmt: skip
    assert dims["x"] == ["b", "t", 8] and dims["y"] == ["b", "t", 16]


@pytest.mark.parametrize("layer", [torch.nn.LSTM, torch.nn.GRU, torch.nn.RNN])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_recurrent_layers_with_dynamic_time_match_eager_at_other_lengths(layer, bidirectional: bool) -> None:
    """Test: LSTM/GRU/RNN (2 layers, either direction, with initial state) at lengths other than the example's."""
    torch.manual_seed(0)
    model = layer(4, 6, num_layers=2, bidirectional=bidirectional).eval()
    directions = 2 if bidirectional else 1
    state = torch.randn(2 * directions, 3, 6)
    hx = (state, torch.randn(2 * directions, 3, 6)) if layer is torch.nn.LSTM else state
    export_and_compare(
        model, (torch.randn(7, 3, 4), hx), 14,
        more_inputs=[(torch.randn(2, 3, 4), hx), (torch.randn(11, 3, 4), hx)],
        input_names=["x"], dynamic_axes={"x": {0: "time"}},
    )  # fmt: skip


def test_fixed_time_axis_is_named_in_outputs_the_user_did_not_name() -> None:
    """Test: an output whose time axis the user left undeclared gets the input's name, not the example's
    length (torchaudio's DeepSpeech: ``['batch', 'time', 10]`` as from the legacy exporter, not ``20``)."""
    import warnings

    import onnx_migrate

    model = torch.nn.LSTM(8, 16, batch_first=True).eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = onnx_migrate.export(
            model, (torch.randn(2, 5, 8),), None, opset_version=14, input_names=["x"], output_names=["y"],
            dynamic_axes={"x": {0: "b", 1: "t"}, "y": {0: "b"}},
        )  # fmt: skip
    (output,) = [v for v in result.model_proto.graph.output if v.name == "y"]
    assert [d.dim_param or d.dim_value for d in output.type.tensor_type.shape.dim] == ["b", "t", 16]


@pytest.mark.parametrize("opset", [9, 11, 13, 17])
def test_bidirectional_two_layer_gru_with_initial_state(opset: int) -> None:
    proto = export_and_compare(GRUEncoder(), (torch.randn(3, 6, 4), torch.randn(4, 3, 5)), opset)
    assert op_counts(proto)["GRU"] == 2


@pytest.mark.parametrize("opset", [11, 17])
def test_stacked_lstm_with_states_and_relu_rnn(opset: int) -> None:
    proto = export_and_compare(
        StackedLSTMWithState(), (torch.randn(5, 2, 3), torch.randn(2, 2, 4), torch.randn(2, 2, 4)), opset
    )
    counts = op_counts(proto)
    assert counts["LSTM"] == 2 and counts["RNN"] == 1


def test_lstm_cell_loop_model() -> None:
    """nn.LSTMCell / nn.GRUCell stepped in Python: one ONNX LSTM / GRU per step."""

    class Stepper(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.cell = torch.nn.LSTMCell(3, 4)
            self.gru = torch.nn.GRUCell(4, 4)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            h = c = torch.zeros(x.shape[1], 4)
            for step in range(x.shape[0]):
                h, c = self.cell(x[step], (h, c))
                h = self.gru(h, c)
            return h

    proto = export_and_compare(Stepper(), (torch.randn(3, 2, 3),), 13)
    counts = op_counts(proto)
    assert counts["LSTM"] == 3 and counts["GRU"] == 3


#: Ops the legacy exporter spent on zero initial states sized from the traced batch (torch.export gives a
#: constant shape, so onnx_migrate writes one ConstantOfShape per state).
_LEGACY_STATE_SIZING = {"Constant", "Shape", "Gather", "Unsqueeze", "Concat", "Expand"}


@pytest.mark.legacy_reference
@pytest.mark.skipif(not legacy_exporter_available(), reason="torch no longer ships the TorchScript exporter")
def test_same_onnx_ops_as_the_legacy_exporter() -> None:
    """The GRU encoder matches op for op; the tagger differs only in how the zero states are sized."""
    gru_args = (torch.randn(3, 6, 4), torch.randn(4, 3, 5))
    assert op_counts(export_and_compare(GRUEncoder(), gru_args, 13)) == legacy_op_counts(GRUEncoder(), gru_args, 13)
    tagger, tagger_args = LSTMTagger(), (torch.randn(2, 7, 8),)
    ours, legacy = op_counts(export_and_compare(tagger, tagger_args, 13)), legacy_op_counts(tagger, tagger_args, 13)
    assert not ours - legacy - collections.Counter({"ConstantOfShape": 2})
    assert set(legacy - ours) <= _LEGACY_STATE_SIZING


def test_recurrent_layers_survive_the_selective_decomposition() -> None:
    """When another op has no symbolic the program is decomposed, and aten::lstm/gru stay whole (not unrolled)."""

    class Mixed(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lstm = torch.nn.LSTM(3, 4)
            self.gru = torch.nn.GRU(4, 4)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            y = self.gru(self.lstm(x)[0])[0]
            return torch.logaddexp(y, y * 0.5)  # no built-in symbolic (when this test was written)

    proto = export_and_compare(Mixed(), (torch.randn(5, 2, 3),), 13)
    counts = op_counts(proto)
    assert counts["LSTM"] == 1 and counts["GRU"] == 1 and counts["Loop"] == 0
