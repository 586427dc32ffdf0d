"""Measure two ONNX models side by side: signature, opsets, op histogram, custom nodes, weights, numbers.

The reference is what torch's legacy exporter produced (or a saved file); the
candidate is onnx_migrate's model for the same call. Both are constant-folded
with onnxscript's optimizer before their ops are counted, so that a constant
one exporter folded and the other did not does not show up as a difference.
"""

from __future__ import annotations

import collections
from collections.abc import Sequence

import numpy as np
import onnx
import onnx_ir as ir

from onnx_migrate.side_by_side import numeric
from onnx_migrate.side_by_side.result import (
    CustomNode,
    InitializerStats,
    ModelComparison,
    OpCount,
    TensorSignature,
)

__all__ = ["compare_models", "signature_of", "standard_domain"]

#: Domains that are ONNX itself: their nodes are counted, but they are not "custom".
_ONNX_DOMAINS = ("", "ai.onnx")


def standard_domain(domain: str) -> bool:
    """Whether ``domain`` is the ONNX default domain."""
    return domain in _ONNX_DOMAINS


def compare_models(
    reference: onnx.ModelProto, candidate: onnx.ModelProto, example_inputs: Sequence[np.ndarray] | None
) -> ModelComparison:
    """Every measurement ``check`` draws its verdict from.

    Args:
        reference: the model to compare with.
        candidate: onnx_migrate's model.
        example_inputs: the tensors the export was called with, in argument order; ``None`` skips the numbers.
    """
    notes: list[str] = []
    reference_ops = _folded_histogram(reference, "reference", notes)
    candidate_ops = _folded_histogram(candidate, "onnx_migrate", notes)
    keys = sorted(set(reference_ops) | set(candidate_ops), key=lambda k: (not standard_domain(k[0]), k[0], k[1]))
    ops = [
        OpCount(domain, op, reference_ops.get((domain, op), 0), candidate_ops.get((domain, op), 0))
        for domain, op in keys
    ]
    if example_inputs is None:
        numbers = []
        notes.append("Numbers not compared: the example inputs are not known.")
    else:
        numbers = numeric.compare_numbers(reference, candidate, list(example_inputs))
    return ModelComparison(
        reference_opsets=_opsets(reference),
        candidate_opsets=_opsets(candidate),
        reference_inputs=_graph_inputs(reference),
        candidate_inputs=_graph_inputs(candidate),
        reference_outputs=[signature_of(v) for v in reference.graph.output],
        candidate_outputs=[signature_of(v) for v in candidate.graph.output],
        ops=ops,
        reference_custom_nodes=_custom_nodes(reference),
        candidate_custom_nodes=_custom_nodes(candidate),
        reference_initializers=_initializer_stats(reference),
        candidate_initializers=_initializer_stats(candidate),
        numbers=numbers,
        notes=notes,
    )


# -- signature ---------------------------------------------------------------------------------


def signature_of(value: onnx.ValueInfoProto) -> TensorSignature:
    """Name, element type and shape of a graph input or output (named dims as ``str``)."""
    tensor_type = value.type.tensor_type if value.type.HasField("tensor_type") else None
    if tensor_type is None:
        kind = value.type.WhichOneof("value") or "unknown"
        return TensorSignature(value.name, kind, None)
    elem_type = onnx.TensorProto.DataType.Name(tensor_type.elem_type) if tensor_type.elem_type else "UNDEFINED"
    if not tensor_type.HasField("shape"):
        return TensorSignature(value.name, elem_type, None)
    dims: list[int | str | None] = []
    for dim in tensor_type.shape.dim:
        if dim.HasField("dim_value"):
            dims.append(int(dim.dim_value))
        elif dim.HasField("dim_param"):
            dims.append(dim.dim_param)
        else:
            dims.append(None)
    return TensorSignature(value.name, elem_type, tuple(dims))


def _graph_inputs(model: onnx.ModelProto) -> list[TensorSignature]:
    """The inputs a caller feeds: initializers listed as inputs (keep_initializers_as_inputs) left out."""
    initializers = {init.name for init in model.graph.initializer}
    return [signature_of(v) for v in model.graph.input if v.name not in initializers]


def _opsets(model: onnx.ModelProto) -> dict[str, int]:
    return {("" if o.domain == "ai.onnx" else o.domain): int(o.version) for o in model.opset_import}


# -- op histogram --------------------------------------------------------------------------------


def _folded_histogram(model: onnx.ModelProto, side: str, notes: list[str]) -> collections.Counter[tuple[str, str]]:
    """``(domain, op_type)`` counts after constant folding, subgraphs and local functions included."""
    ir_model = ir.serde.deserialize_model(model)  # a copy: the caller's proto is left as it is
    try:
        import onnxscript.optimizer as osc_optimizer

        osc_optimizer.fold_constants(ir_model)
        ir.passes.common.RemoveUnusedNodesPass()(ir_model)
    except Exception as exc:  # noqa: BLE001 - folding helps the comparison; counting unfolded still works
        notes.append(
            f"Constant folding of the {side} model failed ({type(exc).__name__}: {exc}); its ops are counted unfolded."
        )
        ir_model = ir.serde.deserialize_model(model)
    counts: collections.Counter[tuple[str, str]] = collections.Counter()
    for node in ir.traversal.RecursiveGraphIterator(ir_model.graph):
        counts[("" if node.domain == "ai.onnx" else node.domain, node.op_type)] += 1
    for function in ir_model.functions.values():
        for node in ir.traversal.RecursiveGraphIterator(function):
            counts[("" if node.domain == "ai.onnx" else node.domain, node.op_type)] += 1
    return counts


# -- custom nodes and weights ------------------------------------------------------------------------


def _custom_nodes(model: onnx.ModelProto) -> list[CustomNode]:
    """Every node outside the ONNX domain with its attributes, sorted (a multiset, order-free)."""
    found: list[CustomNode] = []
    graphs = [model.graph, *(f for f in model.functions)]
    local_functions = {(f.domain, f.name) for f in model.functions}
    for graph in graphs:
        for node in _nodes(graph):
            if standard_domain(node.domain) or (node.domain, node.op_type) in local_functions:
                continue
            attributes = tuple(sorted((a.name, _attribute_value(a)) for a in node.attribute))
            found.append(CustomNode(node.domain, node.op_type, attributes))
    return sorted(found, key=lambda n: (n.domain, n.op_type, repr(n.attributes)))


def _nodes(graph: onnx.GraphProto | onnx.FunctionProto) -> list[onnx.NodeProto]:
    nodes: list[onnx.NodeProto] = []
    for node in graph.node:
        nodes.append(node)
        for attribute in node.attribute:
            if attribute.type == onnx.AttributeProto.GRAPH:
                nodes.extend(_nodes(attribute.g))
            elif attribute.type == onnx.AttributeProto.GRAPHS:
                for subgraph in attribute.graphs:
                    nodes.extend(_nodes(subgraph))
    return nodes


def _attribute_value(attribute: onnx.AttributeProto) -> object:
    """A comparable, printable value: floats as stored (float32), bytes as text, tensors summarized."""
    value = onnx.helper.get_attribute_value(attribute)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, float):
        return float(np.float32(value))
    if isinstance(value, list):
        return tuple(v.decode("utf-8", errors="replace") if isinstance(v, bytes) else v for v in value)
    if isinstance(value, onnx.TensorProto):
        array = onnx.numpy_helper.to_array(value)
        return f"tensor({array.dtype}, shape={list(array.shape)}, sum={float(np.sum(array.astype(np.float64))):.6g})"
    if isinstance(value, onnx.GraphProto):
        return f"graph({len(value.node)} nodes)"
    return value


def _initializer_stats(model: onnx.ModelProto) -> InitializerStats:
    total = 0
    for tensor in model.graph.initializer:
        if tensor.HasField("raw_data") or tensor.data_location == onnx.TensorProto.EXTERNAL:
            size = len(tensor.raw_data)
            if tensor.data_location == onnx.TensorProto.EXTERNAL:
                length = {e.key: e.value for e in tensor.external_data}.get("length")
                size = int(length) if length else size
            total += size
        else:
            total += onnx.numpy_helper.to_array(tensor).nbytes
    return InitializerStats(len(model.graph.initializer), total)
