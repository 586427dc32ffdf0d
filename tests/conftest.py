"""Fixtures shared by the whole test suite.

Tests build graphs by hand through ``GraphContext`` and check them with the
real ONNX checker and the real ONNX Runtime; these fixtures hold the few steps
every such test repeats (serialize the graph with its opset imports and local
functions, run it) and hand out registries that cannot leak state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import onnx
import onnx_ir as ir
import onnxruntime as ort
import pytest

from onnx_migrate.legacy_symbolics.graph_context import GraphContext
from onnx_migrate.legacy_symbolics.registry import SymbolicRegistry
from onnx_migrate.legacy_symbolics.values import Value

#: The IR version of the models tests serialize; ONNX Runtime and the checker accept it up to opset 23.
TEST_IR_VERSION = 8

ModelBuilder = Callable[..., onnx.ModelProto]
ModelRunner = Callable[..., list[np.ndarray]]


def _to_model(g: GraphContext, outputs: Sequence[Value], *, check: bool = True) -> onnx.ModelProto:
    """Serialize what ``g`` built, with ``outputs`` as graph outputs, checked by ``onnx.checker``."""
    assert g.builder is not None
    graph = g.graph
    for value in outputs:
        graph.outputs.append(value.ir_value)
    graph.opset_imports[""] = g.opset
    for domain, version in g.builder.used_domains.items():
        graph.opset_imports.setdefault(domain, version)
    model = ir.Model(graph, ir_version=TEST_IR_VERSION, functions=list(g.builder.functions.values()))
    proto = ir.serde.serialize_model(model)
    if check:
        onnx.checker.check_model(proto, full_check=True)
    return proto


def _run(model: onnx.ModelProto, **feeds: Any) -> list[np.ndarray]:
    """Run ``model`` on CPU in ONNX Runtime; ``feeds`` are the graph inputs by name."""
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {name: np.asarray(value) for name, value in feeds.items()})


@pytest.fixture
def to_model() -> ModelBuilder:
    """``to_model(g, [out, ...], check=True)`` -> a checked ``onnx.ModelProto``."""
    return _to_model


@pytest.fixture
def run_model() -> ModelRunner:
    """``run_model(model, x=array, ...)`` -> the outputs ONNX Runtime computes."""
    return _run


@pytest.fixture
def registry() -> SymbolicRegistry:
    """An empty registry of its own, so a test never sees another test's registrations."""
    return SymbolicRegistry()


@pytest.fixture
def default_registry() -> Iterator[SymbolicRegistry]:
    """The process-default registry, with every registration made by the test undone afterwards."""
    registry = SymbolicRegistry.default()
    with registry.scope():
        yield registry
