"""Helpers to run ``examples/legacy_project`` in a test and check the model it exports."""

from __future__ import annotations

import contextlib
import runpy
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import onnx
import torch
from _export_helpers import run_ort

EXAMPLE_DIR = Path(__file__).resolve().parents[2] / "examples" / "legacy_project"
SCRIPT = EXAMPLE_DIR / "export_onnx.py"


def example_argv(output: Path, opset: int, *, portable: bool = False) -> list[str]:
    """The script's arguments (without the script itself)."""
    return ["--opset", str(opset), "--output", str(output)] + (["--portable"] if portable else [])


@contextlib.contextmanager
def example_on_path() -> Iterator[None]:
    """The example's folder importable (``import legacy_model``), as when its script runs."""
    sys.path.insert(0, str(EXAMPLE_DIR))
    try:
        yield
    finally:
        sys.path.remove(str(EXAMPLE_DIR))
        module = sys.modules.get("legacy_model")
        if module is not None:
            module.PORTABLE = False


def run_example(output: Path, opset: int, *, portable: bool = False) -> None:
    """Run the example's export script as ``__main__`` in this process, with whatever ``torch.onnx`` is now."""
    saved_argv = sys.argv
    sys.argv = [str(SCRIPT), *example_argv(output, opset, portable=portable)]
    try:
        with example_on_path():
            runpy.run_path(str(SCRIPT), run_name="__main__")
    finally:
        sys.argv = saved_argv


def eager_model() -> torch.nn.Module:
    """The model with the weights the script exports (it seeds 0 before building it)."""
    with example_on_path():
        import legacy_model

        torch.manual_seed(0)
        return legacy_model.LegacyModel().eval()


def check_exported(path: Path, opset: int, *, portable: bool) -> onnx.ModelProto:
    """Check the custom nodes, their domains and opset imports; with ``portable``, ONNX Runtime parity."""
    model = onnx.load(str(path))
    onnx.checker.check_model(model)
    imports = {o.domain: o.version for o in model.opset_import}
    assert imports[""] == opset
    assert imports["com.microsoft"] == 1
    custom = [(n.domain, n.op_type) for n in model.graph.node if n.domain]
    # Block 1 uses the fused contrib op; block 2 falls back to the built-in gelu.
    assert custom.count(("com.microsoft", "BiasGelu")) == 1
    clamped = [n for n in model.graph.node if (n.domain, n.op_type) == ("legacy_project", "ClampedSoftsign")]
    if portable:
        assert clamped == []
        assert any(n.op_type == "Softsign" for n in model.graph.node)
        _check_runtime_parity(model)
    else:
        assert imports["legacy_project"] == 1
        assert len(clamped) == 2, "one node per ClampedSoftsign.apply call"
        attributes = {a.name: onnx.helper.get_attribute_value(a) for a in clamped[0].attribute}
        assert attributes == {"low": -0.5, "high": 0.75}
    dims = [d.dim_param for d in model.graph.input[0].type.tensor_type.shape.dim[:2]]
    assert dims == ["batch", "seq"], "dynamic_axes name the dims"
    return model


def _check_runtime_parity(model: onnx.ModelProto) -> None:
    eager = eager_model()
    tokens = torch.randn(3, 7, 8)  # other batch and sequence sizes than the export's
    with torch.no_grad():
        expected = eager(tokens).numpy()
    (actual,) = run_ort(model, {"tokens": tokens})
    np.testing.assert_allclose(actual, expected, atol=1e-5, rtol=1e-4)
