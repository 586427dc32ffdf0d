"""modelopt (NVIDIA ModelOpt): models quantized with ``mtq.quantize`` and a calibration loop,
exported with a plain ``torch.onnx.export(..., dynamo=False)``. Its quantizers are
``autograd.Function`` classes with a ``symbolic`` decorated by torch's own
``symbolic_helper.parse_args``, whose ``forward`` reads ``amax`` values — the pattern
issue 13 is about."""

from __future__ import annotations

from functools import partial
from typing import Any

from conformance.case import Built, Case
from conformance.sources._util import missing

SOURCE = "modelopt"


def available() -> str | None:
    return missing("nvidia-modelopt")


def _model(kind: str) -> tuple[Any, tuple[int, ...]]:
    import torch

    if kind == "cnn":
        model = torch.nn.Sequential(
            torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.ReLU(), torch.nn.Conv2d(8, 8, 3, padding=1),
            torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(8, 4),
        )  # fmt: skip
        return model, (3, 16, 16)
    return torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.GELU(), torch.nn.Linear(32, 8)), (16,)


def _build(kind: str, config: str) -> Built:
    import modelopt.torch.quantization as mtq
    import torch

    model, sample = _model(kind)
    model.eval()
    generator = torch.Generator().manual_seed(0)
    calibration = [torch.randn(4, *sample, generator=generator) for _ in range(4)]

    def forward_loop(quantized: Any) -> None:
        for batch in calibration:
            quantized(batch)

    mtq.quantize(model, getattr(mtq, config), forward_loop)
    axes = {"x": {0: "batch"}, "y": {0: "batch"}}
    return Built(model=model, args=(torch.randn(2, *sample, generator=generator),),
                 other_args=(torch.randn(5, *sample, generator=generator),), input_names=["x"], output_names=["y"],
                 dynamic_axes=axes, opset=17)


def cases() -> list[Case]:
    return [Case(SOURCE, f"{kind}_{config.lower()}", partial(_build, kind, config))
            for kind in ("cnn", "mlp") for config in ("INT8_DEFAULT_CFG",)]
