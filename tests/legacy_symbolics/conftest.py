"""Fixtures for the legacy_symbolics tests: build a graph with helpers, check it, run it.

Most symbolic_helper tests repeat the same steps: a ``GraphContext`` at some
opset, graph inputs for a few arrays, helper calls, then the ONNX checker and
ONNX Runtime. ``run_graph`` does those steps so each test states only the
helper calls and the expected numbers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import onnx_ir as ir
import pytest
import torch

from onnx_migrate.legacy_symbolics.graph_context import GraphContext

GraphRunner = Callable[..., list[np.ndarray]]


@pytest.fixture
def run_graph(to_model: Callable[..., Any], run_model: Callable[..., list[np.ndarray]]) -> GraphRunner:
    """``run_graph(opset, build, feeds, dynamic={})`` -> what ONNX Runtime computes.

    ``build(g, *inputs)`` receives one graph input per entry of ``feeds`` (in
    order, typed and shaped like the array; ``dynamic[name]`` overrides the shape,
    strings naming dynamic dims) and returns the output value or a sequence of them.
    The model is checked with ``onnx.checker.check_model(full_check=True)``.

    The checker wants a rank on every graph output. Per-node inference cannot
    always give one (a Reshape to a computed shape); ``output_ranks`` then gives
    those outputs symbolic dims, as the exporter does from the captured model.
    """

    def run(
        opset: int,
        build: Callable[..., Any],
        feeds: Mapping[str, np.ndarray],
        dynamic: Mapping[str, Sequence[int | str]] | None = None,
        output_ranks: Sequence[int] | None = None,
    ) -> list[np.ndarray]:
        g = GraphContext.create(opset)
        dynamic = dynamic or {}
        inputs = [
            g.add_input(name, torch.from_numpy(np.asarray(array)).dtype, dynamic.get(name, np.asarray(array).shape))
            for name, array in feeds.items()
        ]
        result = build(g, *inputs)
        outputs = list(result) if isinstance(result, (list, tuple)) else [result]
        for index, output in enumerate(outputs):
            if output.ir_value.shape is None and output_ranks is not None:
                output.ir_value.shape = ir.Shape([f"out{index}_d{d}" for d in range(output_ranks[index])])
        model = to_model(g, outputs)
        return run_model(model, **feeds)

    return run
