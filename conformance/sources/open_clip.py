"""open-clip-torch: image and text towers of small configs, ``pretrained=None`` (random weights)."""

from __future__ import annotations

from functools import partial
from typing import Any

from conformance.case import Built, Case
from conformance.sources._util import missing

SOURCE = "open_clip"
CONFIGS = ("RN50", "ViT-S-32-alt", "MobileCLIP-S1")


def available() -> str | None:
    return missing("open_clip_torch")


def _tower(model: Any, which: str) -> Any:
    import torch

    class Tower(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.clip = model

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.clip.encode_image(x) if which == "image" else self.clip.encode_text(x)

    return Tower()


def _build(config: str, which: str) -> Built:
    import open_clip
    import torch

    model = open_clip.create_model(config, pretrained=None).eval()
    if which == "image":
        size = model.visual.image_size
        size = size[0] if isinstance(size, (tuple, list)) else size
        args, other = (torch.randn(2, 3, size, size),), (torch.randn(3, 3, size, size),)
        axes = {"input": {0: "batch"}, "output": {0: "batch"}}
    else:
        length = model.context_length
        args, other = (torch.randint(0, 400, (2, length)),), (torch.randint(0, 400, (3, length)),)
        axes = {"input": {0: "batch"}, "output": {0: "batch"}}
    return Built(model=_tower(model, which), args=args, other_args=other, input_names=["input"],
                 output_names=["output"], dynamic_axes=axes, opset=17, atol=1e-3)


def cases() -> list[Case]:
    return [Case(SOURCE, f"{config}_{which}", partial(_build, config, which))
            for config in CONFIGS for which in ("image", "text")]
