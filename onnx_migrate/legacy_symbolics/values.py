"""The ``torch._C.Value`` / ``Node`` / ``TensorType`` API that symbolics call, over ``onnx_ir``.

Legacy symbolic functions receive every argument as a TorchScript ``Value``:
tensors, but also Python constants (``prim::Constant``) and lists
(``prim::ListConstruct``). They inspect them with ``x.type().sizes()``,
``x.node().kind()``, ``x.node()["value"]``, ``x.node().mustBeNone()`` and so on.
This module gives the same calls three kinds of backing:

* :class:`Value` over an ``onnx_ir.Value`` (a graph input, initializer or node output);
* :class:`ConstantValue` over a Python object (``prim::Constant``), materialized
  as an ONNX ``Constant`` only when a symbolic feeds it to ``g.op``, typed like
  the tensor it meets;
* :class:`ListValue` over a list of values (``prim::ListConstruct``).
"""

from __future__ import annotations

import itertools
import numbers
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import onnx_ir as ir
import torch

from onnx_migrate.errors import SymbolicValueError
from onnx_migrate.legacy_symbolics import scalar_types
from onnx_migrate.legacy_symbolics.jit_types import (
    BoolType,
    DeviceObjType,
    FloatType,
    IntType,
    JitType,
    ListType,
    NoneType,
    StringType,
    TensorType,
    TupleType,
    python_type_of,
)

if TYPE_CHECKING:
    from onnx_migrate.legacy_symbolics.graph_context import GraphContext

__all__ = [
    "BoolType",
    "ConstantValue",
    "DeviceObjType",
    "FloatType",
    "IntType",
    "JitType",
    "ListType",
    "ListValue",
    "Node",
    "NoneType",
    "StringType",
    "TensorType",
    "TupleType",
    "TupleValue",
    "Value",
    "as_value",
]

_META_KEY = "onnx_migrate.value"
_unique_ids = itertools.count(1)




# -- nodes ----------------------------------------------------------------------------


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

    def blocks(self) -> list[Any]:
        from onnx_migrate.legacy_symbolics.graph_context import Block

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


class _ConstantNode(Node):
    """The ``prim::Constant`` node of a :class:`ConstantValue`."""

    def __init__(self, owner: ConstantValue) -> None:
        super().__init__(None)
        self._owner = owner

    def kind(self) -> str:
        # By the time legacy symbolics ran, TorchScript had turned every non-None
        # number, tensor and int/float list constant into an ``onnx::Constant``;
        # only None (and device / string-list constants) stayed ``prim::Constant``.
        # Symbolics branch on that (``dtype.node().kind() == "onnx::Constant"``).
        obj = self._owner.python_value
        if obj is None or isinstance(obj, torch.device):
            return "prim::Constant"
        if isinstance(obj, (list, tuple)) and any(isinstance(v, str) for v in obj):
            return "prim::Constant"
        return "onnx::Constant"

    def outputs(self) -> list[Value]:
        return [self._owner]

    def mustBeNone(self) -> bool:  # noqa: N802
        return self._owner.python_value is None

    def hasAttribute(self, name: str) -> bool:  # noqa: N802
        return name == "value" and self._owner.python_value is not None

    def attributeNames(self) -> list[str]:  # noqa: N802
        return ["value"] if self._owner.python_value is not None else []

    def kindOf(self, name: str) -> str:  # noqa: N802
        obj = self._require_value(name)
        if isinstance(obj, torch.Tensor):
            return "t"
        if isinstance(obj, bool) or isinstance(obj, numbers.Integral):
            return "i"
        if isinstance(obj, numbers.Real):
            return "f"
        if isinstance(obj, str):
            return "s"
        if isinstance(obj, (list, tuple)):
            return "ival"
        return "ival"

    def _require_value(self, name: str) -> Any:
        if name != "value" or self._owner.python_value is None:
            raise SymbolicValueError(f"prim::Constant has no attribute {name!r}.", self._owner)
        return self._owner.python_value

    def __getitem__(self, name: str) -> Any:
        obj = self._require_value(name)
        if isinstance(obj, torch.dtype):
            return int(scalar_types.JitScalarType.from_dtype(obj))
        return obj

    def t(self, name: str) -> torch.Tensor:
        obj = self._require_value(name)
        return obj if isinstance(obj, torch.Tensor) else torch.tensor(obj)

    def i(self, name: str) -> int:
        return int(self[name])

    def f(self, name: str) -> float:
        return float(self._require_value(name))

    def s(self, name: str) -> str:
        return str(self._require_value(name))

    def is_(self, name: str) -> list[int]:
        return [int(v) for v in self._require_value(name)]

    def fs(self, name: str) -> list[float]:
        return [float(v) for v in self._require_value(name)]

    def sourceRange(self) -> str:  # noqa: N802
        return ""

    def __repr__(self) -> str:
        return f"Node({self.kind()} value={self._owner.python_value!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _ConstantNode) and other._owner is self._owner

    def __hash__(self) -> int:
        return id(self._owner)


class _ListNode(Node):
    """The ``prim::ListConstruct`` node of a :class:`ListValue`."""

    def __init__(self, owner: ListValue) -> None:
        super().__init__(None)
        self._owner = owner

    def kind(self) -> str:
        return "prim::ListConstruct"

    def inputs(self) -> list[Value | None]:
        return list(self._owner.items)

    def outputs(self) -> list[Value]:
        return [self._owner]

    def sourceRange(self) -> str:  # noqa: N802
        return ""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _ListNode) and other._owner is self._owner

    def __hash__(self) -> int:
        return id(self._owner)


class _TupleNode(_ListNode):
    """The ``prim::TupleConstruct`` node of a :class:`TupleValue`."""

    def kind(self) -> str:
        return "prim::TupleConstruct"


# -- values ---------------------------------------------------------------------------


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
        other_type = other.type()
        if isinstance(other, ConstantValue) and other.is_scalar():
            other_type = TensorType(torch.tensor(other.python_value).dtype, ())
        return self.setType(other_type)

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


class ConstantValue(Value):
    """A Python constant passed to a symbolic (TorchScript's ``prim::Constant``).

    ``None`` answers ``node().mustBeNone()``; numbers, lists, strings, dtypes and
    tensors answer ``node()["value"]`` and, as legacy symbolics saw them, come from
    an ``onnx::Constant`` node (``node().kind()``). When fed to ``g.op`` it becomes an ONNX
    ``Constant`` (see ``GraphContext``), with scalars typed like the tensors they meet.
    """

    def __init__(self, python_value: Any) -> None:
        super().__init__(None)
        self.python_value = python_value

    def type(self) -> JitType:
        return python_type_of(self.python_value)

    def setType(self, jit_type: JitType) -> Value:  # noqa: N802
        return self

    def node(self) -> Node:
        return _ConstantNode(self)

    def toIValue(self) -> Any:  # noqa: N802
        return self.python_value

    def debugName(self) -> str:  # noqa: N802
        return f"const{self._unique}"

    def setDebugName(self, name: str) -> Value:  # noqa: N802
        return self

    def uses(self) -> list[tuple[Node, int]]:
        return []

    def is_scalar(self) -> bool:
        """A Python number (not a tensor, list or string): typed by what it meets."""
        obj = self.python_value
        return isinstance(obj, (numbers.Number, np.number)) and not isinstance(obj, complex)

    def __repr__(self) -> str:
        return f"%{self.debugName()} : prim::Constant[value={self.python_value!r}]"


class ListValue(Value):
    """A list of values (TorchScript's ``prim::ListConstruct``).

    ``node().inputs()`` gives the items, which is how ``_unpack_list`` reads it.
    """

    def __init__(self, items: Sequence[Value | None]) -> None:
        super().__init__(None)
        self.items: tuple[Value | None, ...] = tuple(items)

    def type(self) -> JitType:
        first = next((i for i in self.items if i is not None), None)
        if first is None:
            return ListType(TensorType())
        element = first.type()
        if isinstance(first, ConstantValue):
            return ListType(element)
        # Graph values of rank 0 holding sizes come from SymInts: an int list.
        if isinstance(element, TensorType) and element.dim() == 0 and element.dtype() == torch.int64 and self.is_int_list():
            return ListType(IntType())
        return ListType(TensorType())

    def is_int_list(self) -> bool:
        """Every item is an int constant or a 0-d int64 graph value (a symbolic size)."""
        for item in self.items:
            if isinstance(item, ConstantValue):
                if not (isinstance(item.python_value, numbers.Integral) and not isinstance(item.python_value, bool)):
                    return False
            elif item is None:
                return False
            else:
                t = item.type()
                if not (isinstance(t, TensorType) and t.dtype() == torch.int64 and t.dim() in (0, 1)):
                    return False
        return True

    def setType(self, jit_type: JitType) -> Value:  # noqa: N802
        return self

    def node(self) -> Node:
        return _ListNode(self)

    def toIValue(self) -> Any:  # noqa: N802
        if all(isinstance(i, ConstantValue) for i in self.items):
            return [i.python_value for i in self.items]  # type: ignore[union-attr]
        return None

    def debugName(self) -> str:  # noqa: N802
        return f"list{self._unique}"

    def setDebugName(self, name: str) -> Value:  # noqa: N802
        return self

    def uses(self) -> list[tuple[Node, int]]:
        return []

    def __repr__(self) -> str:
        return f"%{self.debugName()} : prim::ListConstruct{list(self.items)!r}"


class TupleValue(Value):
    """A tuple of values (TorchScript's ``prim::TupleConstruct``).

    Quantized tensors travel between legacy quantized symbolics as
    ``(tensor, scale, zero_point[, axis])`` tuples; ``node().inputs()`` gives the items.
    """

    def __init__(self, items: Sequence[Value | None]) -> None:
        super().__init__(None)
        self.items: tuple[Value | None, ...] = tuple(items)

    def type(self) -> JitType:
        return TupleType([NoneType() if i is None else i.type() for i in self.items])

    def setType(self, jit_type: JitType) -> Value:  # noqa: N802
        return self

    def node(self) -> Node:
        return _TupleNode(self)  # type: ignore[arg-type]

    def toIValue(self) -> Any:  # noqa: N802
        return None

    def debugName(self) -> str:  # noqa: N802
        return f"tuple{self._unique}"

    def setDebugName(self, name: str) -> Value:  # noqa: N802
        return self

    def uses(self) -> list[tuple[Node, int]]:
        return []

    def __repr__(self) -> str:
        return f"%{self.debugName()} : prim::TupleConstruct{list(self.items)!r}"


def as_value(obj: Any) -> Value:
    """Wrap what a symbolic may receive or return: a facade, an ``ir.Value``, a list or a constant."""
    if isinstance(obj, Value):
        return obj
    if isinstance(obj, ir.Value):
        return Value.wrap(obj)
    if isinstance(obj, (list, tuple)) and any(isinstance(i, (Value, ir.Value)) for i in obj):
        return ListValue([None if i is None else as_value(i) for i in obj])
    return ConstantValue(obj)


def is_python_scalar(obj: Any) -> bool:
    """A Python or numpy number (bools included), not a tensor."""
    return isinstance(obj, (numbers.Number, np.number, np.bool_)) and not isinstance(obj, complex)

