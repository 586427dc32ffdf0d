"""Values a symbolic receives that are not in the graph: TorchScript's ``prim::Constant``, ``ListConstruct``, ``TupleConstruct``.

* :class:`ConstantValue` over a Python object, materialized as an ONNX ``Constant``
  only when a symbolic feeds it to ``g.op``, typed like the tensor it meets;
* :class:`ListValue` / :class:`TupleValue` over a sequence of values.

Each answers ``node()`` with a pseudo node (``prim::Constant`` ...) so that legacy
inspection (``x.node().kind()``, ``x.node()["value"]``, ``_unpack_list``) works.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
import onnx_ir as ir
import torch

from onnx_migrate.errors import SymbolicValueError
from onnx_migrate.legacy_symbolics import scalar_types
from onnx_migrate.legacy_symbolics.graph_values import Node, Value
from onnx_migrate.legacy_symbolics.jit_types import (
    IntType,
    JitType,
    ListType,
    NoneType,
    TensorType,
    TupleType,
    python_type_of,
)

__all__ = ["ConstantValue", "ListValue", "TupleValue", "as_value", "is_python_scalar"]


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

    def _type_to_share(self) -> JitType:
        if self.is_scalar():
            return TensorType(torch.tensor(self.python_value).dtype, ())
        return self.type()

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
