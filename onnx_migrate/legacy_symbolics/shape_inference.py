"""Node-by-node ONNX type and shape inference, as the legacy exporter ran it.

Symbolics read ``x.type().sizes()`` of values produced by earlier ``g.op``
calls, so every node's outputs get their element type and shape right after
the node is built. ONNX's own per-node inference does the work; this module
only feeds it (input types, small constant inputs) and copies the answers back.
"""

from __future__ import annotations

import functools

import onnx
import onnx.defs
import onnx.shape_inference
import onnx_ir as ir

__all__ = ["get_schema", "infer_node"]

#: Constant inputs up to this many elements are passed as data, so that ops like
#: Reshape(x, Constant([2, -1])) get a static output shape.
_MAX_CONST_ELEMENTS = 1024


@functools.lru_cache(maxsize=4096)
def get_schema(op_type: str, opset: int, domain: str = "") -> onnx.defs.OpSchema | None:
    """The schema of ``op_type`` valid at ``opset``, or ``None`` if ONNX has none."""
    try:
        return onnx.defs.get_schema(op_type, opset, domain)
    except onnx.defs.SchemaError:
        return None


def _type_proto(value: ir.Value) -> onnx.TypeProto | None:
    if value.type is None:
        return None
    proto = onnx.TypeProto()
    ir.serde.serialize_type_into(proto, value.type)
    if value.shape is not None and proto.HasField("tensor_type"):
        ir.serde.serialize_shape_into(proto, value.shape)
    return proto


def _data_of(value: ir.Value) -> onnx.TensorProto | None:
    const = value.const_value
    if const is None or const.size > _MAX_CONST_ELEMENTS:
        return None
    try:
        return ir.serde.serialize_tensor(const)
    except Exception:  # noqa: BLE001 - inference is best effort
        return None


def infer_node(node: ir.Node, opset: int) -> None:
    """Fill in the missing types and shapes of ``node``'s outputs, when ONNX can tell.

    Inference failures are not errors here: the legacy exporter tolerated
    unknown shapes, and the final model is checked as a whole later.
    """
    if node.domain not in ("", "ai.onnx"):
        return
    if all(out.type is not None and out.shape is not None for out in node.outputs):
        return
    schema = get_schema(node.op_type, opset)
    if schema is None:
        return
    input_types: dict[str, onnx.TypeProto] = {}
    input_data: dict[str, onnx.TensorProto] = {}
    for value in node.inputs:
        if value is None or not value.name:
            continue
        proto = _type_proto(value)
        if proto is None:
            return  # ONNX inference needs every input type
        input_types[value.name] = proto
        data = _data_of(value)
        if data is not None:
            input_data[value.name] = data
    try:
        node_proto = ir.serde.serialize_node(node)
        inferred = onnx.shape_inference.infer_node_outputs(
            schema,
            node_proto,
            input_types,
            input_data,
            opset_imports=[onnx.helper.make_opsetid("", opset)],
        )
    except Exception:  # noqa: BLE001 - inference is best effort
        return
    for out in node.outputs:
        proto = inferred.get(out.name or "")
        if proto is None or not proto.HasField("tensor_type"):
            continue
        tensor_type = proto.tensor_type
        if out.type is None and tensor_type.elem_type:
            out.dtype = ir.DataType(tensor_type.elem_type)
        if out.shape is None and tensor_type.HasField("shape"):
            dims: list[int | str | None] = []
            for dim in tensor_type.shape.dim:
                if dim.HasField("dim_value"):
                    dims.append(dim.dim_value)
                elif dim.HasField("dim_param"):
                    dims.append(dim.dim_param)
                else:
                    dims.append(None)
            out.shape = ir.Shape(dims)
