"""What ``g.op`` checks against the ONNX schema of the op it builds, and what it tolerates.

A wrong attribute type or a wrong input count fails at the ``g.op`` call, naming
the fix, rather than later in the checker of the whole model. An attribute the
schema does not declare is different: the legacy exporter kept it, its own model
check passed, and ONNX Runtime runs such models (ONNX Runtime training's
``LayerNormalization`` symbolic adds ``operator_s`` / ``overload_name_s``). So it
is kept too, with an :class:`~onnx_migrate.errors.UndeclaredAttributeWarning`
and an entry in the export report, because other runtimes may reject it.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Sequence

import onnx.defs
import onnx_ir as ir

from onnx_migrate.errors import GraphBuildError

__all__ = ["UndeclaredAttribute", "check_attributes", "strip_undeclared_attributes", "undeclared_attribute_message"]

#: The legacy keyword suffix that makes each attribute type, for error messages.
_SUFFIX_OF_TYPE = {
    ir.AttributeType.FLOAT: "_f", ir.AttributeType.INT: "_i", ir.AttributeType.STRING: "_s",
    ir.AttributeType.TENSOR: "_t", ir.AttributeType.GRAPH: "_g", ir.AttributeType.FLOATS: "_f (a list)",
    ir.AttributeType.INTS: "_i (a list)", ir.AttributeType.STRINGS: "_s (a list)",
    ir.AttributeType.TENSORS: "_t (a list)", ir.AttributeType.GRAPHS: "_g (a list)",
    ir.AttributeType.TYPE_PROTO: "_ty", ir.AttributeType.TYPE_PROTOS: "_ty (a list)",
}  # fmt: skip


@dataclasses.dataclass(frozen=True)
class UndeclaredAttribute:
    """An attribute kept on an ONNX op although the op's schema at the target opset does not declare it.

    Attributes:
        op_type: the ONNX op (``LayerNormalization``).
        attribute: the attribute name (``operator``).
        opset: the target opset whose schema was consulted.
        source: the model op whose symbolic built the node (``aten::layer_norm``), or ``""``.
        known: the attributes the schema does declare, sorted.
    """

    op_type: str
    attribute: str
    opset: int
    source: str = ""
    known: tuple[str, ...] = ()


def check_attributes(
    schema: onnx.defs.OpSchema | None, opname: str, opset: int, attributes: Sequence[ir.Attr]
) -> list[ir.Attr]:
    """Check ``attributes`` against ``schema``; return the ones it does not declare.

    Raises:
        GraphBuildError: a declared attribute is given a value of another type.
    """
    if schema is None:
        return []
    undeclared = []
    for attr in attributes:
        formal = schema.attributes.get(attr.name)
        if formal is None:
            undeclared.append(attr)
            continue
        expected = ir.AttributeType(int(formal.type))
        if attr.type != expected:
            suffix = _SUFFIX_OF_TYPE.get(expected, "")
            raise GraphBuildError(
                f"g.op({opname!r}): attribute {attr.name!r} of {schema.name} (opset {opset}) is of type "
                f"{expected.name}, but the value given makes {attr.type.name}; write it as {attr.name}{suffix}=..."
            )
    return undeclared


def undeclared_attribute_message(item: UndeclaredAttribute) -> str:
    """The warning for one undeclared attribute: what was kept, why, and what to do about a typo."""
    close = difflib.get_close_matches(item.attribute, item.known, n=2)
    suggestion = f" If you meant {' or '.join(repr(c) for c in close)}, rename it." if close else ""
    source = f" (symbolic for {item.source})" if item.source else ""
    return (
        f"g.op({item.op_type!r}){source}: attribute {item.attribute!r} is not in the ONNX schema of "
        f"{item.op_type} at opset {item.opset} (its attributes: {', '.join(item.known) or 'none'}). It is kept, as "
        "the legacy exporter kept it, and the export's own checks allow it; but runtimes that check attributes "
        "(ONNX Runtime does, for most ops) may refuse the model: drop the attribute, or use a custom domain."
        f"{suggestion}"
    )


def strip_undeclared_attributes(proto: onnx.ModelProto, opset: int) -> onnx.ModelProto:
    """A copy of ``proto`` without the attributes that default-domain ops' schemas do not declare."""
    stripped = onnx.ModelProto()
    stripped.CopyFrom(proto)
    _strip_graph(stripped.graph, opset)
    return stripped


def _strip_graph(graph: onnx.GraphProto, opset: int) -> None:
    for node in graph.node:
        for attr in node.attribute:
            for sub in ([attr.g] if attr.HasField("g") else []) + list(attr.graphs):
                _strip_graph(sub, opset)
        if node.domain not in ("", "ai.onnx"):
            continue
        try:
            declared = onnx.defs.get_schema(node.op_type, opset, "").attributes
        except onnx.defs.SchemaError:
            continue
        kept = [attr for attr in node.attribute if attr.name in declared]
        if len(kept) != len(node.attribute):
            del node.attribute[:]
            node.attribute.extend(kept)
