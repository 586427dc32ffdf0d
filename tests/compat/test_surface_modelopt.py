"""Quantization export written the way NVIDIA ModelOpt writes it.

ModelOpt's fake-quant ``autograd.Function`` classes carry ``@symbolic_helper.parse_args``
symbolics that read the ``amax`` buffer as a constant tensor (``"t"``), choose
casts with ``inputs.type().scalarType()`` / ``JitScalarType``, emit
``QuantizeLinear`` / ``DequantizeLinear`` with a per-channel ``axis_i``, and for
FP8 emit TensorRT's ``trt::TRT_FP8QuantizeLinear`` with an output type set by
``setType(inputs.type().with_dtype(torch.uint8).with_sizes(...))``. The classes
here are ours, making the same calls; exports go through ``install()`` +
``torch.onnx.export(..., dynamo=False)``.
"""

from __future__ import annotations

import numpy as np
import onnx
import pytest
import torch
import torch.onnx
from _surface_helpers import attribute, extract, load_checked, nodes, run

from onnx_migrate.compat.install import install

_ONNX_TYPES = {"Float": onnx.TensorProto.FLOAT, "Half": onnx.TensorProto.FLOAT16, "BFloat16": onnx.TensorProto.BFLOAT16}


def _export_int8(g, inputs, amax, num_bits, unsigned, high_precision):
    """ModelOpt-style ``export_int8``: per-tensor or per-channel Q/DQ, computing in ``high_precision``."""
    from torch.onnx._type_utils import JitScalarType

    max_bound = (1 << (num_bits - 1 + int(unsigned))) - 1
    if amax.numel() == 1:
        zero_point, axis = torch.tensor(0, dtype=torch.uint8 if unsigned else torch.int8), None
    else:
        amax = amax.squeeze()
        zero_point = torch.zeros_like(amax, dtype=torch.uint8 if unsigned else torch.int8)
        axis = 0
    scale = (amax / max_bound).masked_fill(amax == 0, 1.0)
    input_type = inputs.type().scalarType()
    if JitScalarType.from_value(inputs) != JitScalarType._from_name(high_precision):
        inputs = g.op("Cast", inputs, to_i=_ONNX_TYPES[high_precision])
    scale_v = g.op("Constant", value_t=scale)
    zero_point_v = g.op("Constant", value_t=zero_point)
    quantized = g.op("QuantizeLinear", inputs, scale_v, zero_point_v, axis_i=axis)
    out = g.op("DequantizeLinear", quantized, scale_v, zero_point_v, axis_i=axis)
    if high_precision != input_type:
        out = g.op("Cast", out, to_i=_ONNX_TYPES[input_type])
    return out


class FakeTensorQuant(torch.autograd.Function):
    @staticmethod
    def forward(ctx, inputs, amax, num_bits=8, unsigned=False, high_precision="Float"):
        max_bound = (1 << (num_bits - 1 + int(unsigned))) - 1
        scale = (amax / max_bound).masked_fill(amax == 0, 1.0)
        low = 0 if unsigned else -max_bound - 1
        return (inputs.float() / scale).round().clamp(low, max_bound).mul(scale).to(inputs.dtype)

    @staticmethod
    def symbolic(g, inputs, amax, num_bits=8, unsigned=False, high_precision="Float"):
        from torch.onnx import symbolic_helper

        @symbolic_helper.parse_args("v", "t", "i", "b", "s")
        def parsed(g, inputs, amax, num_bits, unsigned, high_precision):
            return _export_int8(g, inputs, amax, num_bits, unsigned, high_precision)

        return parsed(g, inputs, amax, num_bits, unsigned, high_precision)


class ScaledFP8Quant(torch.autograd.Function):
    """FP8 fake quant: TensorRT-only ops in the graph (ONNX Runtime cannot run them)."""

    @staticmethod
    def forward(ctx, inputs, amax):
        scale = 448.0 / amax
        return (inputs * scale).to(torch.float8_e4m3fn).to(inputs.dtype) / scale

    @staticmethod
    def symbolic(g, inputs, amax):
        from torch.onnx import symbolic_helper

        amax = symbolic_helper._maybe_get_const(amax, "t")
        scale_inv = g.op("Constant", value_t=(amax / 448.0).reshape(()))
        sizes = symbolic_helper._get_tensor_sizes(inputs)
        quantized = g.op("trt::TRT_FP8QuantizeLinear", inputs, scale_inv)
        quantized.setType(inputs.type().with_dtype(torch.uint8).with_sizes(sizes))
        return g.op("trt::TRT_FP8DequantizeLinear", quantized, scale_inv).setType(inputs.type())


class QuantLinear(torch.nn.Module):
    """A linear layer with per-tensor input and per-channel weight fake quantization, ModelOpt style."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.linear = torch.nn.Linear(6, 4)
        self.register_buffer("input_amax", torch.tensor(2.5))
        self.register_buffer("weight_amax", self.linear.weight.detach().abs().amax(dim=1, keepdim=True))

    def forward(self, x):
        x = FakeTensorQuant.apply(x, self.input_amax, 8, False, "Float")
        weight = FakeTensorQuant.apply(self.linear.weight, self.weight_amax, 8, False, "Float")
        out = torch.nn.functional.linear(x, weight, self.linear.bias)
        return out, ScaledFP8Quant.apply(out, self.input_amax)


def test_modelopt_style_quant_export_runs_int8_and_keeps_fp8_plugin_nodes(registry_scope, tmp_path) -> None:
    """Test: per-tensor and per-channel Q/DQ match PyTorch in ONNX Runtime; the trt:: FP8 nodes are typed."""
    path = tmp_path / "quant_linear.onnx"
    x = torch.randn(3, 6) * 2
    module = QuantLinear().eval()
    with install(), pytest.warns(DeprecationWarning, match=r"torch\.onnx\._type_utils\.JitScalarType was removed"):
        torch.onnx.export(module, (x,), str(path), opset_version=13, dynamo=False)
    model = load_checked(path)
    quantize = nodes(model, "QuantizeLinear")
    assert len(quantize) == 2 and len(nodes(model, "DequantizeLinear")) == 2
    assert sorted(attribute(n, "axis") for n in quantize if any(a.name == "axis" for a in n.attribute)) == [0]
    (fp8_q,) = nodes(model, "TRT_FP8QuantizeLinear", "trt")
    (fp8_dq,) = nodes(model, "TRT_FP8DequantizeLinear", "trt")
    types = {v.name: v.type.tensor_type for v in [*model.graph.value_info, *model.graph.output]}
    assert types[fp8_q.output[0]].elem_type == onnx.TensorProto.UINT8
    assert [d.dim_value for d in types[fp8_q.output[0]].shape.dim] == [3, 4]
    assert types[fp8_dq.output[0]].elem_type == onnx.TensorProto.FLOAT
    # ONNX Runtime has no TensorRT plugins: run the int8 part.
    runnable = extract(model, [model.graph.input[0].name], [model.graph.output[0].name])
    (got,) = run(runnable, x)
    with torch.no_grad():
        expected = module(x)[0]
    np.testing.assert_allclose(got, expected.numpy(), rtol=1e-5, atol=1e-5)
