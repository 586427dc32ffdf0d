"""The facts the verdict is drawn from, read from one exported ONNX file.

Facts are plain JSON (they are cached per case and mode), so the comparison
never needs both models in one process.
"""

from __future__ import annotations

import collections
from typing import Any

import onnx

__all__ = ["PLUMBING_OPS", "model_facts", "ONNX_DOMAINS"]

#: Default-domain ops that move shapes, indices and constants around rather than compute.
#: Exporters differ most in these (folded or not, Reshape vs Flatten, Gather vs Slice), so the
#: compute-op multiset leaves them out; the full histogram is kept for "identical".
PLUMBING_OPS = frozenset(
    {
        "Shape", "Size", "Gather", "Unsqueeze", "Squeeze", "Concat", "Reshape", "Flatten",
        "Constant", "ConstantOfShape", "Cast", "CastLike", "Identity", "Slice", "Range",
        "Expand", "Split",
    }
)

ONNX_DOMAINS = ("", "ai.onnx")


def _attribute_value(attribute: onnx.AttributeProto) -> Any:
    value = onnx.helper.get_attribute_value(attribute)
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, list):
        return [v.decode("utf-8", "replace") if isinstance(v, bytes) else v for v in value]
    if isinstance(value, (int, float, str)):
        return value
    return f"<{type(value).__name__}>"


def _walk(graph: onnx.GraphProto):
    for node in graph.node:
        yield node
        for attribute in node.attribute:
            if attribute.type == onnx.AttributeProto.GRAPH:
                yield from _walk(attribute.g)
            elif attribute.type == onnx.AttributeProto.GRAPHS:
                for sub in attribute.graphs:
                    yield from _walk(sub)


def _signature(value: onnx.ValueInfoProto) -> dict[str, Any]:
    tensor = value.type.tensor_type
    dims: list[Any] | None = None
    if tensor.HasField("shape"):
        dims = [d.dim_value if d.HasField("dim_value") else (d.dim_param or "?") for d in tensor.shape.dim]
    return {
        "name": value.name,
        "dtype": onnx.TensorProto.DataType.Name(tensor.elem_type) if tensor.elem_type else "?",
        "rank": None if dims is None else len(dims),
        "dims": dims,
    }


def _op_key(node: onnx.NodeProto) -> str:
    domain = "" if node.domain in ONNX_DOMAINS else node.domain
    return f"{domain}::{node.op_type}" if domain else node.op_type


def model_facts(model: onnx.ModelProto) -> dict[str, Any]:
    """Opsets, op histograms, custom-domain nodes with attributes, I/O signature, node count."""
    nodes = list(_walk(model.graph))
    histogram = collections.Counter(_op_key(n) for n in nodes)
    compute = {k: v for k, v in histogram.items() if k not in PLUMBING_OPS}
    custom = [
        {"op": _op_key(n), "attributes": {a.name: _attribute_value(a) for a in n.attribute}}
        for n in nodes
        if n.domain not in ONNX_DOMAINS
    ]
    initializers = {i.name for i in model.graph.initializer}
    return {
        "opsets": {(o.domain or ""): o.version for o in model.opset_import},
        "ops": dict(sorted(histogram.items())),
        "compute_ops": dict(sorted(compute.items())),
        "custom_nodes": sorted(custom, key=lambda c: (c["op"], repr(c["attributes"]))),
        "inputs": [_signature(v) for v in model.graph.input if v.name not in initializers],
        "outputs": [_signature(v) for v in model.graph.output],
        "node_count": len(nodes),
    }
