"""Random sampling symbolics (``ops/sampling.py``): right shapes, dtypes and ranges in ONNX Runtime.

Values cannot match PyTorch's generator, so each case states what every
sample must satisfy instead.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from op_cases_sampling import CASES, SAMPLE_X, Check
from symbolic_case import add_tensor, call_symbolic

from onnx_migrate.legacy_symbolics.graph_context import GraphContext
from onnx_migrate.legacy_symbolics.registry import builtin_marks
from onnx_migrate.legacy_symbolics.values import TensorType


@pytest.mark.parametrize("opset", [9, 13, 17])
@pytest.mark.parametrize(
    ("op", "label", "call", "shape", "dtype", "check"), CASES, ids=[f"{c[0]}[{c[1]}]" for c in CASES]
)
def test_random_symbolic_samples(
    opset: int, op: str, label: str, call: Any, shape: tuple[int, ...], dtype: type, check: Check, to_model, run_model
) -> None:
    """The sampler passes the checker and draws values of the right shape, dtype and range."""
    g = GraphContext.create(opset)
    x = add_tensor(g, "x", SAMPLE_X, dynamic=(0,))
    kwargs = call(g, x)
    out = call_symbolic(g, op, **kwargs)
    if out.ir_value.shape is None or out.ir_value.dtype is None:
        out.setType(TensorType(torch.from_numpy(np.zeros(0, dtype)).dtype, shape))
    feeds = {"x": SAMPLE_X.numpy()}
    if "p" in [i.name for i in g.graph.inputs]:
        feeds["p"] = np.array([0.0, 1.0, 0.0], dtype=np.float32)
    model = to_model(g, [out])
    (result,) = run_model(model, **{k: v for k, v in feeds.items() if k in [i.name for i in g.graph.inputs]})
    assert result.shape == shape
    assert result.dtype == dtype
    assert check(result)


def test_every_sampling_builtin_has_a_case() -> None:
    from onnx_migrate.legacy_symbolics.ops import sampling

    registered = {name for obj in vars(sampling).values() for name, _, _ in builtin_marks(obj)}
    assert sorted(registered - {c[0] for c in CASES}) == []
