"""``verify=True``: run the exported model in ONNX Runtime and compare with eager PyTorch."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import onnx
import torch
from onnx_migrate._torch_compat import pytree

from onnx_migrate.errors import VerificationError

__all__ = ["OutputComparison", "compare_with_eager", "run_onnxruntime", "tolerance_for"]


@dataclasses.dataclass(frozen=True)
class OutputComparison:
    name: str
    max_abs: float
    max_rel: float
    atol: float
    rtol: float

    @property
    def ok(self) -> bool:
        return self.max_abs <= self.atol + self.rtol * self._scale

    _scale: float = 0.0


def tolerance_for(dtype: np.dtype) -> tuple[float, float]:
    """(atol, rtol) by element type: tight for float32/64, loose for half precision, exact otherwise."""
    if dtype in (np.float16,) or str(dtype) == "bfloat16":
        return 1e-2, 1e-2
    if np.issubdtype(dtype, np.floating):
        return 1e-4, 1e-3
    return 0.0, 0.0


def run_onnxruntime(proto: onnx.ModelProto | str, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    payload = proto if isinstance(proto, str) else proto.SerializeToString()
    session = ort.InferenceSession(payload, options, providers=["CPUExecutionProvider"])
    return session.run(None, feeds)


def _to_numpy(value: Any) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def compare_with_eager(
    proto: onnx.ModelProto | str,
    input_names: list[str],
    inputs: list[torch.Tensor],
    eager_outputs: Any,
    output_names: list[str],
) -> list[OutputComparison]:
    """Run the model on ``inputs`` and compare every output; raises on the worst mismatch."""
    feeds = {name: _to_numpy(t) for name, t in zip(input_names, inputs, strict=False)}
    actual = run_onnxruntime(proto, feeds)
    expected = [_to_numpy(v) for v in pytree.tree_leaves(eager_outputs) if v is not None]
    if len(expected) != len(actual):
        raise VerificationError(
            f"The ONNX model returns {len(actual)} outputs but the PyTorch model returns {len(expected)}."
        )
    results: list[OutputComparison] = []
    for name, want, got in zip(output_names, expected, actual, strict=True):
        if want.shape != got.shape:
            raise VerificationError(f"Output {name!r}: ONNX Runtime gives shape {got.shape}, PyTorch {want.shape}.")
        atol, rtol = tolerance_for(want.dtype)
        diff = np.abs(got.astype(np.float64) - want.astype(np.float64))
        max_abs = float(diff.max()) if diff.size else 0.0
        scale = float(np.abs(want.astype(np.float64)).max()) if want.size else 0.0
        max_rel = max_abs / scale if scale else max_abs
        results.append(OutputComparison(name, max_abs, max_rel, atol, rtol, scale))
    failing = [r for r in results if not r.ok]
    if failing:
        worst = max(failing, key=lambda r: r.max_abs - r.atol - r.rtol * r._scale)
        raise VerificationError(
            f"ONNX Runtime and PyTorch disagree on output {worst.name!r}: max abs diff {worst.max_abs:.3g}, "
            f"max rel diff {worst.max_rel:.3g}, tolerance atol={worst.atol:g} rtol={worst.rtol:g}. "
            "Check the symbolics the report lists for that output's ops."
        )
    return results
