"""brevitas: quantized layers exported with its own ``export_qonnx`` / ``export_onnx_qcdq``
(TorchScript path, ``dynamo=False``), which emit custom ``qonnx`` nodes through
``autograd.Function.symbolic``."""

from __future__ import annotations

from functools import partial
from typing import Any

from conformance.case import Built, Case
from conformance.sources._util import missing

SOURCE = "brevitas"


def available() -> str | None:
    return missing("brevitas")


def _model(kind: str) -> Any:
    import torch
    from brevitas import nn as qnn

    if kind == "linear":
        return torch.nn.Sequential(qnn.QuantIdentity(return_quant_tensor=True), qnn.QuantLinear(16, 8, bias=True),
                                   qnn.QuantReLU())
    return torch.nn.Sequential(qnn.QuantIdentity(return_quant_tensor=True),
                               qnn.QuantConv2d(3, 8, 3, bias=True, weight_bit_width=4), qnn.QuantReLU(bit_width=4))


def _build(kind: str, format_: str) -> Built:
    import torch
    from brevitas.export import export_onnx_qcdq, export_qonnx

    model = _model(kind).eval()
    shape = (2, 16) if kind == "linear" else (2, 3, 16, 16)
    x = torch.randn(*shape)
    other = torch.randn(3, *shape[1:])
    axes = {"inp": {0: "batch"}, "out": {0: "batch"}}

    def export(path: str) -> None:
        function = export_qonnx if format_ == "qonnx" else export_onnx_qcdq
        function(model, x, export_path=path, dynamo=False, input_names=["inp"], output_names=["out"],
                 dynamic_axes=axes, opset_version=13)

    skip = "qonnx custom ops do not run in ONNX Runtime" if format_ == "qonnx" else None
    return Built(model=model, args=(x,), other_args=(other,), input_names=["inp"], output_names=["out"],
                 dynamic_axes=axes, opset=13, export=export, numerics_skip=skip)


def cases() -> list[Case]:
    return [Case(SOURCE, f"{kind}_{fmt}", partial(_build, kind, fmt))
            for kind in ("linear", "conv") for fmt in ("qonnx", "qcdq")]
