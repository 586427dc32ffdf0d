"""One way to call a symbolic, the same on both backends (:mod:`onnx_migrate.compat.symbolic_call`).

The legacy exporter let a symbolic return ``None`` for an output the model never
reads (its own ``embedding_bag`` and adaptive max pool did) and failed when the
model read that output. Both backends must do the same: export the model that
reads only the built outputs, and fail with a located error when it reads the
missing one. Real ``torch.export``, the real ONNX checker and ONNX Runtime.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import onnx_migrate
from onnx_migrate.errors import TranslationError
from onnx_migrate.legacy_symbolics import symbolic_helper as sh
from onnx_migrate.legacy_symbolics.registry import SymbolicRegistry

BACKENDS = ["legacy", "dynamo"]


def topk_values_only(g: Any, self: Any, k: Any, dim: Any, largest: Any, sorted: Any) -> Any:
    """Builds the values of ``topk`` and leaves its indices to ``None``, as legacy symbolics may."""
    count = g.op("Constant", value_t=torch.tensor([sh._maybe_get_const(k, "i")]))
    values, _ = g.op("TopK", self, count, axis_i=sh._maybe_get_const(dim, "i"), outputs=2)
    return values, None


class TopValues(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.topk(x, 2).values


class TopIndices(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.topk(x, 2).indices


@pytest.fixture
def with_topk_values_only(default_registry: SymbolicRegistry) -> SymbolicRegistry:
    # Opset 11: the highest key of the built-in topk, where a custom registration wins the tie.
    default_registry.register("aten::topk", 11, topk_values_only, custom=True)
    return default_registry


@pytest.mark.parametrize("backend", BACKENDS)
def test_none_for_an_output_the_model_does_not_read_is_accepted(
    backend: str, with_topk_values_only: SymbolicRegistry, run_model: Any
) -> None:
    x = torch.randn(3, 5)
    result = onnx_migrate.export(TopValues(), (x,), backend=backend, registry=with_topk_values_only, opset_version=18)
    assert any("topk_values_only" in use.origin for use in result.report.symbolics.values())
    proto = result.model_proto
    assert [n.op_type for n in proto.graph.node if n.op_type == "TopK"] == ["TopK"]
    (values,) = run_model(proto, **{proto.graph.input[0].name: x.numpy()})
    np.testing.assert_allclose(values, torch.topk(x, 2).values.numpy(), rtol=1e-6)


@pytest.mark.parametrize("backend", BACKENDS)
def test_none_for_an_output_the_model_reads_names_the_output_the_op_and_the_line(
    backend: str, with_topk_values_only: SymbolicRegistry
) -> None:
    with pytest.raises(TranslationError) as info:
        onnx_migrate.export(
            TopIndices(), (torch.randn(3, 5),), backend=backend, registry=with_topk_values_only, opset_version=18
        )
    message = str(info.value)
    assert "topk_values_only for aten::topk" in message
    assert "returned None for output 1, which the model uses" in message
    assert "%topk" in message and "torch.topk(x, 2).indices" in message  # the FX node and the model line


def retyping_relu(g: Any, self: Any) -> Any:
    """Changes the element type of the value it received instead of casting it."""
    self.setType(self.type().with_dtype(torch.int64))
    return g.op("Relu", self)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_symbolic_that_retypes_its_input_fails_on_both_backends(
    backend: str, default_registry: SymbolicRegistry
) -> None:
    default_registry.register("aten::relu", 18, retyping_relu, custom=True)
    with pytest.raises(TranslationError) as info:
        onnx_migrate.export(torch.nn.ReLU(), (torch.randn(2, 3),), backend=backend, registry=default_registry, opset_version=18)
    message = str(info.value)
    assert "retyping_relu for aten::relu (opset 18) changed its input" in message
    assert "element type FLOAT -> INT64" in message and "g.op('Cast'" in message
