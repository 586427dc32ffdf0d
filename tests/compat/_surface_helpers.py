"""Helpers of the legacy-surface tests: load what a legacy ``torch.onnx.export`` call wrote, check it, run it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnx.utils
import onnxruntime as ort
import torch


def load_checked(path: Path | str) -> onnx.ModelProto:
    """The model written at ``path``, after ``onnx.checker``."""
    model = onnx.load(str(path))
    onnx.checker.check_model(model)
    return model


def nodes(model: onnx.ModelProto, op_type: str, domain: str = "") -> list[onnx.NodeProto]:
    """The nodes of ``model``'s main graph with this op type and domain."""
    return [n for n in model.graph.node if n.op_type == op_type and n.domain == domain]


def attribute(node: onnx.NodeProto, name: str) -> Any:
    """One attribute's Python value (strings decoded)."""
    for attr in node.attribute:
        if attr.name == name:
            value = onnx.helper.get_attribute_value(attr)
            return value.decode() if isinstance(value, bytes) else value
    raise KeyError(f"{node.op_type} has no attribute {name!r}")


def run(model: onnx.ModelProto, *inputs: torch.Tensor | np.ndarray) -> list[np.ndarray]:
    """Run ``model`` on CPU in ONNX Runtime, feeding ``inputs`` to the graph inputs in order."""
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    feeds = {n: (v.numpy() if isinstance(v, torch.Tensor) else np.asarray(v)) for n, v in zip(names, inputs, strict=True)}
    return session.run(None, feeds)


def extract(model: onnx.ModelProto, inputs: list[str], outputs: list[str]) -> onnx.ModelProto:
    """The sub-model computing ``outputs`` from ``inputs`` (to run a model holding ops ONNX Runtime lacks)."""
    return onnx.utils.Extractor(model).extract_model(inputs, outputs)
