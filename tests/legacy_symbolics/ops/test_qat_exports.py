"""Quantization-aware-trained models exported as Q/DQ pairs through ``onnx_migrate.export``.

Two styles: modules calling ``torch.fake_quantize_per_*_affine`` with their
qparams as buffers (what TensorRT-oriented QAT toolkits do), and a model
prepared with ``torch.ao.quantization.prepare_qat`` (its default qconfig inserts
``fused_moving_avg_obs_fake_quant``), exported with its observers disabled.
The tolerance is one quantization step of the output: a conv sum that lands
within an ulp of a rounding tie may round the other way in ONNX Runtime.

ONNX Runtime runs the models at ``ORT_ENABLE_BASIC``: that level checks the
graph we export (constant folding, no kernel fusion). ``ORT_ENABLE_ALL`` adds
ORT's Q/DQ fusion, which swaps DequantizeLinear->Conv->QuantizeLinear for
integer kernels with their own requantization; with onnxruntime 1.32 that moves
outputs by several quantization steps (max abs diff 0.5) for a graph that is
exact at the basic level, so at that level the test would measure ORT's
fusion, not the export.
"""

from __future__ import annotations

import warnings

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch
from model_export_check import export_and_compare, legacy_exporter_available, op_counts

import onnx_migrate

torch.manual_seed(0)

#: The level that tests the exported graph (see the module docstring).
GRAPH_LEVEL = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC


class FakeQuantConv(torch.nn.Module):
    """int8 per-channel weights (narrow range, as TensorRT wants) and uint8 per-tensor activations."""

    def __init__(self, per_channel: bool = True) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, 3, padding=1)
        self.per_channel = per_channel
        self.register_buffer("act_scale", torch.tensor([0.02]))
        self.register_buffer("act_zero", torch.tensor([128], dtype=torch.int32))
        bound = self.conv.weight.detach().abs().amax(dim=(1, 2, 3))
        self.register_buffer("w_scale", bound / 127)
        self.register_buffer("w_zero", torch.zeros(4, dtype=torch.int32))
        self.w_scale_per_tensor = float(bound.max()) / 127

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.fake_quantize_per_tensor_affine(x, self.act_scale, self.act_zero, 0, 255)
        if self.per_channel:
            w = torch.fake_quantize_per_channel_affine(self.conv.weight, self.w_scale, self.w_zero, 0, -127, 127)
        else:
            w = torch.fake_quantize_per_tensor_affine(self.conv.weight, self.w_scale_per_tensor, 0, -128, 127)
        y = torch.nn.functional.conv2d(x, w, self.conv.bias, padding=1).relu()
        return torch.fake_quantize_per_tensor_affine(y, 0.05, 0, 0, 127)


def _pairs(proto: onnx.ModelProto) -> tuple[int, int]:
    counts = op_counts(proto)
    return counts["QuantizeLinear"], counts["DequantizeLinear"]


@pytest.mark.parametrize("opset", [13, 17])
def test_per_tensor_and_per_channel_fake_quant_model(opset: int) -> None:
    proto = export_and_compare(
        FakeQuantConv(), (torch.rand(2, 3, 8, 8) * 4 - 2,), opset, tolerance=0.0501, ort_graph_optimizations=GRAPH_LEVEL
    )
    assert _pairs(proto) == (3, 3)
    axes = [a.i for n in proto.graph.node if n.op_type == "DequantizeLinear" for a in n.attribute if a.name == "axis"]
    assert axes == [0], "the weight's DequantizeLinear is per output channel"


@pytest.mark.parametrize("opset", [10, 11])
def test_per_tensor_fake_quant_model_at_opset_10(opset: int) -> None:
    """ONNX Runtime's own Q/DQ conv rewrite adds a Round (opset 11) to the graph, so it is switched off at opset 10."""
    model = FakeQuantConv(per_channel=False)
    proto = export_and_compare(
        model, (torch.rand(2, 3, 8, 8) * 4 - 2,), opset, tolerance=0.0501,
        ort_graph_optimizations=GRAPH_LEVEL if opset > 10 else False,
    )
    assert _pairs(proto) == (3, 3)


def test_per_channel_before_opset_13_names_the_opset_to_use() -> None:
    """No per-channel QuantizeLinear before opset 13 (the legacy exporter refused it too)."""
    from onnx_migrate.errors import UnsupportedSymbolicError

    with pytest.raises(
        UnsupportedSymbolicError, match=r"fake_quantize_per_channel_affine.*opset version 11.*added in opset 13"
    ):
        export_and_compare(FakeQuantConv(), (torch.rand(2, 3, 8, 8),), 11)


class TinyQATNet(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.quant = torch.ao.quantization.QuantStub()
        self.conv = torch.nn.Conv2d(3, 4, 3)
        self.relu = torch.nn.ReLU()
        self.fc = torch.nn.Linear(4 * 6 * 6, 5)
        self.dequant = torch.ao.quantization.DeQuantStub()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.relu(self.conv(self.quant(x)))
        return self.dequant(self.fc(x.flatten(1)))


def _prepared_qat_model() -> TinyQATNet:
    model = TinyQATNet().train()
    model.qconfig = torch.ao.quantization.get_default_qat_qconfig("fbgemm")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.ao.quantization.prepare_qat(model, inplace=True)
    for _ in range(3):
        model(torch.randn(4, 3, 8, 8))
    model.apply(torch.ao.quantization.disable_observer)
    return model.eval()


@pytest.mark.parametrize("opset", [13, 17])
def test_torch_ao_prepare_qat_model(opset: int) -> None:
    """torch.ao's default QAT qconfig (fused observer + fake quant) exports as Q/DQ with the trained qparams."""
    model = _prepared_qat_model()
    x = torch.randn(2, 3, 8, 8)
    proto = export_and_compare(model, (x,), opset, tolerance=0.1, ort_graph_optimizations=GRAPH_LEVEL)
    assert _pairs(proto) == (5, 5)  # input, conv weight (per channel), conv output, fc weight, fc output
    constants = {init.name: onnx.numpy_helper.to_array(init) for init in proto.graph.initializer}
    constants.update(
        {n.output[0]: onnx.numpy_helper.to_array(n.attribute[0].t) for n in proto.graph.node if n.op_type == "Constant"}
    )
    scales = [constants[n.input[1]] for n in proto.graph.node if n.op_type == "QuantizeLinear"]
    trained = model.quant.activation_post_process.scale.numpy()
    assert any(s.shape == () and np.isclose(s, trained[0]) for s in scales), "the input's trained scale is in the model"


def test_prepare_qat_model_with_observers_on_is_refused() -> None:
    from onnx_migrate.errors import UnsupportedSymbolicError

    model = _prepared_qat_model()
    model.apply(torch.ao.quantization.enable_observer)
    with pytest.raises(UnsupportedSymbolicError, match="disable_observer"):
        export_and_compare(model, (torch.randn(2, 3, 8, 8),), 13)


class ConstantQparamsFakeQuantConv(torch.nn.Module):
    """Fake quantization with Python-constant qparams: a model the legacy exporter exports too."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, 3, padding=1)
        self.w_scale = float(self.conv.weight.detach().abs().max()) / 127

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.fake_quantize_per_tensor_affine(x, 0.02, 128, 0, 255)
        w = torch.fake_quantize_per_tensor_affine(self.conv.weight, self.w_scale, 0, -128, 127)
        y = torch.nn.functional.conv2d(x, w, self.conv.bias, padding=1).relu()
        return torch.fake_quantize_per_tensor_affine(y, 0.05, 0, 0, 127)


def _run_at(proto: onnx.ModelProto, x: torch.Tensor, level: ort.GraphOptimizationLevel) -> np.ndarray:
    options = ort.SessionOptions()
    options.graph_optimization_level = level
    session = ort.InferenceSession(proto.SerializeToString(), options, providers=["CPUExecutionProvider"])
    return session.run(None, {session.get_inputs()[0].name: x.numpy()})[0]


@pytest.mark.legacy_reference
@pytest.mark.skipif(not legacy_exporter_available(), reason="torch no longer ships the TorchScript exporter")
def test_ort_enable_all_moves_fake_quant_outputs_for_the_legacy_graph_too() -> None:
    """Test: at ORT_ENABLE_ALL our Q/DQ graph gives exactly what the legacy exporter's graph gives.

    Documents why the numeric tests above run at ORT_ENABLE_BASIC: ORT's Q/DQ fusion
    (integer Conv kernels with their own requantization) may move outputs by a few
    quantization steps away from eager PyTorch, for the legacy exporter's graph as for ours.
    At the basic level both graphs match eager.
    """
    import io

    torch.manual_seed(0)
    model = ConstantQparamsFakeQuantConv().eval()
    x = torch.rand(2, 3, 8, 8) * 4 - 2
    ours = onnx_migrate.export(model, (x,), None, opset_version=13).model_proto
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (x,), buffer, dynamo=False, opset_version=13)
    legacy = onnx.load_from_string(buffer.getvalue())
    assert _pairs(ours) == _pairs(legacy) == (3, 3)
    with torch.no_grad():
        eager = model(x).numpy()
    for proto in (ours, legacy):
        np.testing.assert_allclose(_run_at(proto, x, GRAPH_LEVEL), eager, atol=0.0501)
    full = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    np.testing.assert_allclose(_run_at(ours, x, full), _run_at(legacy, x, full), atol=0.0501)
