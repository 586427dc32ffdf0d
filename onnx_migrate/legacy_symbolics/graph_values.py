"""The graph-backed half of the ``torch._C`` API symbolics call: ``Value``, ``Node``, ``Block`` over ``onnx_ir``.

A :class:`Value` wraps an ``onnx_ir.Value`` (a graph input, initializer or node
output), a :class:`Node` the ``onnx_ir.Node`` that made it, a :class:`Block` a
sub-graph of a control-flow node. The three refer to each other (``value.node()``,
``node.outputs()``, ``node.blocks()``, ``block.nodes()``), so they live together.
Values a symbolic receives that are not in the graph (Python constants, lists,
tuples) are in :mod:`.constant_values`; the types are in :mod:`.jit_types`;
:mod:`.values` is the public module that gathers them.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import onnx_ir as ir
import torch

from onnx_migrate.errors import SymbolicValueError
from onnx_migrate.legacy_symbolics import scalar_types
from onnx_migrate.legacy_symbolics.jit_types import JitType, TensorType

__all__ = ["Block", "Node", "Value", "ir_tensor_to_torch"]

_META_KEY = "onnx_migrate.value"
_unique_ids = itertools.count(1)


class Node:
    """The ``torch._C.Node`` calls symbolics make, over an ``onnx_ir.Node``.

    Graph inputs and initializers have no producer; their ``node()`` is a
    parameter node of kind ``prim::Param``, as in TorchScript graphs.
    """

    def __init__(self, ir_node: ir.Node | None, *, param_of: Value | None = None) -> None:
        self._ir_node = ir_node
        self._param_of = param_of

    @property
    def ir_node(self) -> ir.Node | None:
        """The underlying ``onnx_ir.Node`` (``None`` for parameters)."""
        return self._ir_node

    def kind(self) -> str:
        if self._ir_node is None:
            return "prim::Param"
        domain = self._ir_node.domain
        if domain in ("", "ai.onnx"):
            domain = "onnx"
        elif domain == "org.pytorch.aten":
            domain = "aten"
        return f"{domain}::{self._ir_node.op_type}"

    def inputs(self) -> list[Value | None]:
        if self._ir_node is None:
            return []
        return [None if v is None else Value.wrap(v) for v in self._ir_node.inputs]

    def outputs(self) -> list[Value]:
        if self._ir_node is None:
            return [self._param_of] if self._param_of is not None else []
        return [Value.wrap(v) for v in self._ir_node.outputs]

    def output(self) -> Value:
        outs = self.outputs()
        if len(outs) != 1:
            raise SymbolicValueError(f"node().output() needs a node with one output; {self.kind()} has {len(outs)}.")
        return outs[0]

    def input(self, index: int = 0) -> Value | None:
        return self.inputs()[index]

    def inputsAt(self, index: int) -> Value | None:  # noqa: N802
        return self.inputs()[index]

    def outputsAt(self, index: int) -> Value:  # noqa: N802
        return self.outputs()[index]

    def hasMultipleOutputs(self) -> bool:  # noqa: N802
        return len(self.outputs()) > 1

    def hasUses(self) -> bool:  # noqa: N802
        return any(output.uses() for output in self.outputs())

    def inputsSize(self) -> int:  # noqa: N802
        return len(self.inputs())

    def outputsSize(self) -> int:  # noqa: N802
        return len(self.outputs())

    def mustBeNone(self) -> bool:  # noqa: N802
        return False

    # attributes
    def _attr(self, name: str) -> ir.Attr:
        if self._ir_node is None or name not in self._ir_node.attributes:
            raise SymbolicValueError(f"Node of kind {self.kind()} has no attribute {name!r}.")
        return self._ir_node.attributes[name]

    def hasAttribute(self, name: str) -> bool:  # noqa: N802
        return self._ir_node is not None and name in self._ir_node.attributes

    def hasAttributes(self) -> bool:  # noqa: N802
        return self._ir_node is not None and bool(self._ir_node.attributes)

    def attributeNames(self) -> list[str]:  # noqa: N802
        return [] if self._ir_node is None else list(self._ir_node.attributes)

    def kindOf(self, name: str) -> str:  # noqa: N802
        return _ATTR_KIND_LETTERS[self._attr(name).type]

    def __getitem__(self, name: str) -> Any:
        return _attr_to_python(self._attr(name))

    def t(self, name: str) -> torch.Tensor:
        return _attr_to_python(self._attr(name))

    def i(self, name: str) -> int:
        return int(self._attr(name).as_int())

    def f(self, name: str) -> float:
        return float(self._attr(name).as_float())

    def s(self, name: str) -> str:
        return str(self._attr(name).as_string())

    def is_(self, name: str) -> list[int]:
        return list(self._attr(name).as_ints())

    def fs(self, name: str) -> list[float]:
        return list(self._attr(name).as_floats())

    def ss(self, name: str) -> list[str]:
        return list(self._attr(name).as_strings())

    def ts(self, name: str) -> list[torch.Tensor]:
        return _attr_to_python(self._attr(name))

    # source information (the exported graph keeps what the FX node knew)
    def sourceRange(self) -> str:  # noqa: N802
        if self._ir_node is None:
            return ""
        return self._ir_node.metadata_props.get("pkg.torch.onnx.stack_trace", "")

    def scopeName(self) -> str:  # noqa: N802
        if self._ir_node is None:
            return ""
        return self._ir_node.metadata_props.get("pkg.torch.onnx.name_scopes", "")

    def blocks(self) -> list[Block]:
        if self._ir_node is None:
            return []
        return [Block.of(attr.as_graph()) for attr in self._ir_node.attributes.values() if attr.type == ir.AttributeType.GRAPH]

    def __repr__(self) -> str:
        return f"Node({self.kind()})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Node) and self._ir_node is not None and self._ir_node is other._ir_node

    def __hash__(self) -> int:
        return id(self._ir_node)


_ATTR_KIND_LETTERS = {
    ir.AttributeType.INT: "i",
    ir.AttributeType.FLOAT: "f",
    ir.AttributeType.STRING: "s",
    ir.AttributeType.TENSOR: "t",
    ir.AttributeType.GRAPH: "g",
    ir.AttributeType.INTS: "is",
    ir.AttributeType.FLOATS: "fs",
    ir.AttributeType.STRINGS: "ss",
    ir.AttributeType.TENSORS: "ts",
    ir.AttributeType.GRAPHS: "gs",
    ir.AttributeType.TYPE_PROTO: "ty",
    ir.AttributeType.TYPE_PROTOS: "tys",
}


def ir_tensor_to_torch(tensor: ir.TensorProtocol) -> torch.Tensor:
    """A torch tensor with the data of an ``onnx_ir`` tensor."""
    array = np.asarray(tensor.numpy())
    if array.dtype.kind not in "biuf":  # ml_dtypes storage (bfloat16, float8): go through float32
        target = scalar_types.ir_to_dtype(tensor.dtype) or torch.float32
        return torch.from_numpy(array.astype(np.float32)).to(target)
    return torch.from_numpy(np.array(array, copy=True))


def _attr_to_python(attr: ir.Attr) -> Any:
    if attr.type == ir.AttributeType.TENSOR:
        return ir_tensor_to_torch(attr.as_tensor())
    if attr.type == ir.AttributeType.TENSORS:
        return [ir_tensor_to_torch(t) for t in attr.as_tensors()]
    if attr.type in (ir.AttributeType.INTS, ir.AttributeType.FLOATS, ir.AttributeType.STRINGS):
        return list(attr.value)
    return attr.value


class Value:
    """A graph value with the ``torch._C.Value`` API, backed by an ``onnx_ir.Value``.

    Use :meth:`Value.wrap` rather than the constructor so that one ``ir.Value``
    always has one facade (symbolics compare values with ``is`` and use them as
    dict keys).
    """

    def __init__(self, ir_value: ir.Value | None) -> None:
        self._ir_value = ir_value
        self._unique = next(_unique_ids)

    @classmethod
    def wrap(cls, ir_value: ir.Value) -> Value:
        existing = ir_value.meta.get(_META_KEY)
        if isinstance(existing, Value):
            return existing
        facade = cls(ir_value)
        ir_value.meta[_META_KEY] = facade
        return facade

    @property
    def ir_value(self) -> ir.Value:
        """The backing ``onnx_ir.Value`` (graph values only)."""
        if self._ir_value is None:
            raise SymbolicValueError("This value is not in the graph yet.", self)
        return self._ir_value

    # typing
    def type(self) -> JitType:
        return TensorType.from_ir(self.ir_value)

    def setType(self, jit_type: JitType) -> Value:  # noqa: N802
        """Record the type a custom op produces (as the legacy API advised for shape inference)."""
        if not isinstance(jit_type, TensorType):
            raise SymbolicValueError(
                f"setType() takes a tensor type (value.type().with_dtype(...).with_sizes(...)), got {jit_type!r}.",
                self,
            )
        if jit_type.dtype() is not None:
            self.ir_value.dtype = scalar_types.dtype_to_ir(jit_type.dtype())  # type: ignore[arg-type]
        dims = jit_type.shape_dims()
        self.ir_value.shape = None if dims is None else ir.Shape([d if isinstance(d, int) else ir.SymbolicDim(d) for d in dims])
        return self

    def setTypeAs(self, other: Value) -> Value:  # noqa: N802
        """Give this value ``other``'s type (element type and shape); returns ``self`` as torch._C did.

        Vendor symbolics end with ``return g.op("vendor::Op", x, ...).setTypeAs(x)``
        so that the custom op's output is typed for shape inference downstream.
        """
        if not isinstance(other, Value):
            raise SymbolicValueError(f"setTypeAs() takes a value (another symbolic argument or g.op result), got {other!r}.", self)
        return self.setType(other._type_to_share())

    def _type_to_share(self) -> JitType:
        """The type :meth:`setTypeAs` gives another value (a Python scalar constant answers a 0-d tensor type)."""
        return self.type()

    def inferTypeFrom(self, tensor: torch.Tensor) -> Value:  # noqa: N802
        return self.setType(TensorType.create_from_tensor(tensor))

    def isCompleteTensor(self) -> bool:  # noqa: N802
        return self.type().isCompleteTensor()

    def requires_grad(self) -> bool:
        return False

    def requiresGrad(self) -> bool:  # noqa: N802
        return False

    # structure
    def node(self) -> Node:
        producer = self.ir_value.producer()
        if producer is None:
            return Node(None, param_of=self)
        return Node(producer)

    def offset(self) -> int:
        return (self.ir_value.index() or 0) if self._ir_value is not None else 0

    def uses(self) -> list[tuple[Node, int]]:
        return [(Node(use.node), use.idx) for use in self.ir_value.uses()]

    def toIValue(self) -> Any:  # noqa: N802
        """The constant this value holds, or ``None`` (as torch._C did for non-constants)."""
        const = self.ir_value.const_value
        if const is None:
            producer = self.ir_value.producer()
            if producer is not None and producer.op_type == "Constant" and "value" in producer.attributes:
                const = producer.attributes["value"].as_tensor()
        return None if const is None else ir_tensor_to_torch(const)

    # naming
    def debugName(self) -> str:  # noqa: N802
        return self.ir_value.name or f"{self._unique}"

    def setDebugName(self, name: str) -> Value:  # noqa: N802
        self.ir_value.name = name
        return self

    def unique(self) -> int:
        return self._unique

    def __repr__(self) -> str:
        return f"%{self.debugName()} : {self.type()}"


class Block:
    """A sub-block of a control-flow node (``If`` branch, ``Loop`` body), over an ``ir.Graph``."""

    def __init__(self, graph: ir.Graph, owner: Node | None = None) -> None:
        self.ir_graph = graph
        self._owner = owner

    @classmethod
    def of(cls, graph: ir.Graph) -> Block:
        existing = graph.meta.get("onnx_migrate.block")
        if isinstance(existing, Block):
            return existing
        block = cls(graph)
        graph.meta["onnx_migrate.block"] = block
        return block

    def inputs(self) -> list[Value]:
        return [Value.wrap(v) for v in self.ir_graph.inputs]

    def outputs(self) -> list[Value]:
        return [Value.wrap(v) for v in self.ir_graph.outputs]

    def nodes(self) -> list[Node]:
        return [Node(n) for n in self.ir_graph]

    def owningNode(self) -> Node | None:  # noqa: N802 - legacy name
        return self._owner

    def addInputToBlock(self) -> Value:  # noqa: N802
        value = ir.Value(name=f"{self.ir_graph.name}_in{len(self.ir_graph.inputs)}")
        self.ir_graph.inputs.append(value)
        return Value.wrap(value)

    def registerOutput(self, value: Value) -> int:  # noqa: N802
        self.ir_graph.outputs.append(value.ir_value)
        return len(self.ir_graph.outputs) - 1
