"""Small helpers the sources share: package availability and image/sequence inputs."""

from __future__ import annotations

import importlib.metadata
import importlib.util
from typing import Any

from conformance.case import Built


def missing(*distributions: str) -> str | None:
    """``None`` when every distribution is installed, else a reason naming the first missing one."""
    for distribution in distributions:
        try:
            importlib.metadata.version(distribution)
        except importlib.metadata.PackageNotFoundError:
            return f"{distribution} is not installed (pip install {distribution} torch==<the torch in use>)"
    return None


def version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "-"


def image_case(model: Any, size: int = 64, other: int = 48, channels: int = 3, batch: tuple[int, int] = (2, 3),
               spatial: bool = False, opset: int = 17, **extra: Any) -> Built:
    """An image model with a dynamic batch (and, with ``spatial``, dynamic height/width)."""
    import torch

    axes = {0: "batch", 2: "height", 3: "width"} if spatial else {0: "batch"}
    x = torch.randn(batch[0], channels, size, size)
    other_size = other if spatial else size
    y = torch.randn(batch[1], channels, other_size, other_size)
    return Built(
        model=model, args=(x,), other_args=(y,), input_names=["input"], output_names=["output"],
        dynamic_axes={"input": axes, "output": {0: "batch"}}, opset=opset, **extra,
    )
