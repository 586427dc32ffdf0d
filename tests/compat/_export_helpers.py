"""Helpers for export tests: run an exported model in ONNX Runtime and compare with eager PyTorch."""

from __future__ import annotations

from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch
import torch.utils._pytree as pytree

import onnx_migrate


def run_ort(model: onnx.ModelProto | str, feeds: dict[str, Any]) -> list[np.ndarray]:
    payload = model if isinstance(model, str) else model.SerializeToString()
    session = ort.InferenceSession(payload, providers=["CPUExecutionProvider"])
    return session.run(None, {k: (v.numpy() if isinstance(v, torch.Tensor) else np.asarray(v)) for k, v in feeds.items()})


def eager_outputs(model: torch.nn.Module, args: tuple[Any, ...]) -> list[np.ndarray]:
    with torch.no_grad():
        out = model(*args)
    return [leaf.detach().numpy() for leaf in pytree.tree_leaves(out) if isinstance(leaf, torch.Tensor)]


def assert_parity(
    model: torch.nn.Module, args: tuple[Any, ...], *, atol: float = 1e-4, **export_kwargs: Any
) -> onnx_migrate.ExportResult:
    """Export, check opset_import, run in ONNX Runtime on the example inputs and compare with eager."""
    result = onnx_migrate.export(model, args, **export_kwargs)
    proto = result.model_proto
    onnx.checker.check_model(proto)
    opset = export_kwargs.get("opset_version")
    if opset is not None:
        assert {o.domain: o.version for o in proto.opset_import}[""] == opset
    names = [i.name for i in proto.graph.input]
    tensors = [a for a in pytree.tree_leaves(args) if isinstance(a, torch.Tensor)]
    actual = run_ort(proto, dict(zip(names, tensors)))
    expected = eager_outputs(model, args)
    assert len(actual) == len(expected)
    for got, want in zip(actual, expected):
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, atol=atol, rtol=1e-3)
    return result


def op_types(model: onnx.ModelProto) -> list[str]:
    return sorted(f"{n.domain + '::' if n.domain else ''}{n.op_type}" for n in model.graph.node)


def legacy_exporter_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("torch.onnx._internal.torchscript_exporter") is not None and hasattr(torch, "jit")


requires_legacy = pytest.mark.skipif(not legacy_exporter_available(), reason="torch no longer ships the TorchScript exporter")
