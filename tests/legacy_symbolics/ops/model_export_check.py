"""Export a small model through ``onnx_migrate.export`` and compare ONNX Runtime with eager PyTorch.

Shared by the model-level tests of the RNN, resampling/padding, QAT and
control-flow families (``test_*_exports.py``).
"""

from __future__ import annotations

import collections
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
import torch

import onnx_migrate

__all__ = ["export_and_compare", "legacy_exporter_available", "legacy_op_counts", "op_counts"]


def _flat(result: Any) -> list[torch.Tensor]:
    if isinstance(result, torch.Tensor):
        return [result]
    return [t for item in result for t in _flat(item)]


def export_and_compare(
    model: torch.nn.Module,
    args: tuple[Any, ...],
    opset: int,
    *,
    tolerance: float = 1e-4,
    more_inputs: Sequence[tuple[Any, ...]] = (),
    ort_graph_optimizations: bool | Any = True,
    **export_options: Any,
) -> onnx.ModelProto:
    """Export ``model`` at ``opset`` (checked by the exporter), run it on ``args`` and ``more_inputs``, compare.

    ``ort_graph_optimizations=False`` runs ONNX Runtime without its graph rewrites (some insert ops the
    model's opset lacks, e.g. its Q/DQ bias quantization adds ``Round``, which opset 10 does not have);
    an ``ort.GraphOptimizationLevel`` picks the level (``True``: ORT's default, all).
    """
    model.eval()
    with warnings.catch_warnings():
        # torch.export warns about nn.RNN's flat weights list, which it handles.
        warnings.filterwarnings("ignore", message=".*were assigned during export.*")
        result = onnx_migrate.export(model, args, opset_version=opset, **export_options)
    proto = result.model_proto
    onnx.checker.check_model(proto, full_check=True)
    assert [o.version for o in proto.opset_import if o.domain == ""] == [opset]
    options = ort.SessionOptions()
    if ort_graph_optimizations is False:
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    elif ort_graph_optimizations is not True:  # a GraphOptimizationLevel
        options.graph_optimization_level = ort_graph_optimizations
    session = ort.InferenceSession(proto.SerializeToString(), options, providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    for inputs in (args, *more_inputs):
        flat = _flat(inputs)
        actual = session.run(None, dict(zip(names, (t.numpy() for t in flat), strict=True)))
        with torch.no_grad():
            expected = _flat(model(*inputs))
        assert len(actual) == len(expected)
        for index, (got, want) in enumerate(zip(actual, expected, strict=True)):
            assert got.shape == tuple(want.shape), f"output {index}: {got.shape} vs {tuple(want.shape)}"
            np.testing.assert_allclose(
                got, want.numpy(), rtol=0, atol=tolerance, err_msg=f"output {index} at opset {opset}"
            )
    return proto


def op_counts(proto: onnx.ModelProto) -> collections.Counter[str]:
    """How many nodes of each op type the main graph holds."""
    return collections.Counter(node.op_type for node in proto.graph.node)


def legacy_exporter_available() -> bool:
    """Whether torch still ships the TorchScript exporter (the reference the op multisets are compared with)."""
    import importlib.util

    return importlib.util.find_spec("torch.onnx._internal.torchscript_exporter") is not None and hasattr(torch, "jit")


def legacy_op_counts(model: torch.nn.Module, args: tuple[Any, ...], opset: int) -> collections.Counter[str]:
    """The op types torch's legacy exporter writes for ``model`` (a reference only; never used by the package)."""
    import io

    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model.eval(), args, buffer, dynamo=False, opset_version=opset)
    return op_counts(onnx.load_from_string(buffer.getvalue()))
