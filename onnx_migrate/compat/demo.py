"""The demo: export the bundled legacy-style CNN and prove it right (``onnx-migrate demo``, :mod:`onnx_migrate.cli.demo`).

Registers the example's custom symbolic the legacy way, exports with the legacy
keywords (``dynamic_axes``, ``opset_version=13``), checks the file with ONNX
Runtime at two batch sizes against eager PyTorch, prints what happened and
what to try next.
"""

from __future__ import annotations

import time
from pathlib import Path

__all__ = ["NEXT_STEPS", "run_demo"]


#: What a new user does after the demo, printed at its end.
NEXT_STEPS = """\
Next, on your own code:
  onnx-migrate run export.py      run your legacy export script unchanged on onnx_migrate
  onnx-migrate check export.py    compare its models with torch's legacy exporter's
  onnx-migrate report src/        list the legacy ONNX-export code to migrate
"""


def run_demo(output: Path, opset: int | None, *, temporary: bool = False) -> int:
    """Export the example to ``output`` at ``opset`` (``None``: the example's) and compare with PyTorch; the exit code."""
    import numpy as np
    import torch

    import onnx_migrate
    from onnx_migrate.compat.verify import run_onnxruntime
    from onnx_migrate.examples import legacy_cnn

    torch.manual_seed(0)
    model = legacy_cnn.LegacyCNN().eval()
    kwargs = dict(legacy_cnn.EXPORT_KWARGS)
    if opset is not None:
        kwargs["opset_version"] = opset

    registry = onnx_migrate.SymbolicRegistry.default()
    with registry.scope():
        onnx_migrate.register_custom_op_symbolic(f"{legacy_cnn.LIBRARY}::clamp01", legacy_cnn.clamp01_symbolic, 11)
        start = time.perf_counter()
        result = onnx_migrate.export(model, legacy_cnn.example_inputs(), str(output), **kwargs)
        elapsed = time.perf_counter() - start

    where = "a temporary file (keep it with -o FILE)" if temporary else str(output)
    print(f"Exported {type(model).__name__} to {where} in {elapsed:.2f} s (opset {result.report.opset}).")
    ops = sorted({f"{n.domain + '::' if n.domain else ''}{n.op_type}" for n in result.model.graph})
    print(f"ONNX ops: {', '.join(ops)}")
    for use in sorted(result.report.symbolics.values(), key=lambda u: u.op):
        kind = "custom" if use.custom else "built-in"
        print(f"  {use.op:<34} -> {kind} symbolic {use.origin} (opset {use.opset})")
    worst = 0.0
    for batch in (2, 7):
        (x,) = legacy_cnn.example_inputs(batch)
        with torch.no_grad():
            expected = model(x).numpy()
        (actual,) = run_onnxruntime(str(output), {"image": x.numpy()})
        diff = float(np.abs(actual - expected).max())
        worst = max(worst, diff)
        print(f"ONNX Runtime vs PyTorch, batch {batch}: max abs diff {diff:.2e}")
    if worst > 1e-4:
        print("FAILED: the exported model does not match PyTorch.")
        return 1
    print("OK: same numbers as eager PyTorch, at a batch size other than the example's too.")
    print()
    print(NEXT_STEPS, end="")
    return 0
