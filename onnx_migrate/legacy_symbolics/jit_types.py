"""The TorchScript type facades symbolics read: ``x.type()`` and what it answers.

Legacy symbolics query ``x.type().scalarType()``, ``.sizes()``, ``.dim()``,
``.varyingSizes()`` and build types for ``setType`` with ``with_dtype`` /
``with_sizes``. These classes answer those calls from what ``onnx_ir`` knows
(element type, shape with symbolic dims) or from a Python constant; the value
facades in :mod:`onnx_migrate.legacy_symbolics.values` hand them out.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import onnx_ir as ir
import torch

from onnx_migrate.errors import SymbolicValueError
from onnx_migrate.legacy_symbolics import scalar_types

__all__ = [
    "BoolType",
    "DeviceObjType",
    "Dim",
    "FloatType",
    "IntType",
    "JitType",
    "ListType",
    "NoneType",
    "StringType",
    "TensorType",
    "TupleType",
    "python_type_of",
]

Dim = int | str | None

class JitType:
    """Base of the legacy type facades (``x.type()`` returns one)."""

    _kind = "AnyType"

    def kind(self) -> str:
        return self._kind

    def isSubtypeOf(self, other: Any) -> bool:  # noqa: N802 - legacy name
        return isinstance(self, type(other) if isinstance(other, JitType) else other)

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and vars(self) == vars(other)

    def __hash__(self) -> int:
        return hash(type(self))

    def __repr__(self) -> str:
        return self.__str__()

    def __str__(self) -> str:
        return self._kind.replace("Type", "")

    # Non-tensor types answer the tensor queries the way torch._C did: unknown.
    def scalarType(self) -> str | None:  # noqa: N802
        return None

    def dtype(self) -> torch.dtype | None:
        return None

    def dim(self) -> int | None:
        return None

    def varyingSizes(self) -> list[int | None] | None:  # noqa: N802
        return None

    def isCompleteTensor(self) -> bool:  # noqa: N802
        return False

    def containedTypes(self) -> list[JitType]:  # noqa: N802
        return []

    @property
    def annotation_str(self) -> str:
        return str(self)

    def str(self) -> str:
        return self.__str__()


class NoneType(JitType):
    _kind = "NoneType"


class IntType(JitType):
    _kind = "IntType"


class FloatType(JitType):
    _kind = "FloatType"


class BoolType(JitType):
    _kind = "BoolType"


class StringType(JitType):
    _kind = "StringType"


class DeviceObjType(JitType):
    _kind = "DeviceObjType"


class ListType(JitType):
    """``List[T]``; ``getElementType()`` as in torch._C."""

    _kind = "ListType"

    def __init__(self, element: JitType) -> None:
        self._element = element

    def getElementType(self) -> JitType:  # noqa: N802
        return self._element

    def containedTypes(self) -> list[JitType]:  # noqa: N802
        return [self._element]

    def __str__(self) -> str:
        return f"{self._element}[]"

    @staticmethod
    def ofInts() -> ListType:  # noqa: N802
        return ListType(IntType())

    @staticmethod
    def ofFloats() -> ListType:  # noqa: N802
        return ListType(FloatType())

    @staticmethod
    def ofTensors() -> ListType:  # noqa: N802
        return ListType(TensorType())


class TupleType(JitType):
    """``Tuple[T1, T2, ...]``; ``elements()`` as in torch._C."""

    _kind = "TupleType"

    def __init__(self, elements: Sequence[JitType]) -> None:
        self._elements = tuple(elements)

    def elements(self) -> list[JitType]:
        return list(self._elements)

    def containedTypes(self) -> list[JitType]:  # noqa: N802
        return list(self._elements)

    def __str__(self) -> str:
        return f"({', '.join(str(e) for e in self._elements)})"


class TensorType(JitType):
    """A tensor type with optionally known element type and shape.

    ``sizes()`` raises unless every dim is a known integer, as in torch._C;
    ``varyingSizes()`` gives ``None`` for unknown or symbolic dims.
    Symbolic dims keep their names internally so that ``setType`` round-trips.
    """

    _kind = "TensorType"

    def __init__(self, dtype: torch.dtype | None = None, shape: Sequence[Dim] | None = None) -> None:
        self._dtype = dtype
        self._shape: tuple[Dim, ...] | None = None if shape is None else tuple(shape)

    # construction
    @classmethod
    def create_from_tensor(cls, tensor: torch.Tensor) -> TensorType:
        return cls(tensor.dtype, tuple(tensor.shape))

    @classmethod
    def get(cls) -> TensorType:
        return cls()

    @classmethod
    def from_ir(cls, value: ir.Value) -> TensorType:
        dtype = scalar_types.ir_to_dtype(value.dtype) if value.dtype is not None else None
        shape = None
        if value.shape is not None:
            shape = tuple(_dim_from_ir(d) for d in value.shape.dims)
        return cls(dtype, shape)

    # legacy queries
    def scalarType(self) -> str | None:  # noqa: N802
        if self._dtype is None:
            return None
        return scalar_types.JitScalarType.from_dtype(self._dtype).scalar_name()

    def dtype(self) -> torch.dtype | None:
        return self._dtype

    def dim(self) -> int | None:
        return None if self._shape is None else len(self._shape)

    def sizes(self) -> list[int]:
        if self._shape is None or not all(isinstance(d, int) for d in self._shape):
            raise SymbolicValueError(
                f"sizes() needs a fully static shape, but this tensor's shape is {self._describe_shape()}. "
                "Use varyingSizes() (None marks a dynamic dim) or symbolic_helper._get_tensor_sizes()."
            )
        return [int(d) for d in self._shape]  # type: ignore[arg-type]

    def varyingSizes(self) -> list[int | None] | None:  # noqa: N802
        if self._shape is None:
            return None
        return [d if isinstance(d, int) else None for d in self._shape]

    def symbolic_sizes(self) -> list[int] | None:
        """Sizes with -1 for dynamic dims, as torch._C's symbolic_sizes()."""
        if self._shape is None:
            return None
        return [d if isinstance(d, int) else -1 for d in self._shape]

    def shape_dims(self) -> tuple[Dim, ...] | None:
        """The dims with symbolic names kept (our extension)."""
        return self._shape

    def strides(self) -> list[int] | None:
        sizes = self.varyingSizes()
        if sizes is None or any(s is None for s in sizes):
            return None
        strides, running = [], 1
        for size in reversed(sizes):
            strides.append(running)
            running *= max(int(size), 1)  # type: ignore[arg-type]
        return list(reversed(strides))

    def isCompleteTensor(self) -> bool:  # noqa: N802
        return self._dtype is not None and self._shape is not None and all(isinstance(d, int) for d in self._shape)

    def device(self) -> torch.device | None:
        return torch.device("cpu")

    def requires_grad(self) -> bool:
        return False

    def with_sizes(self, sizes: Sequence[Dim] | None) -> TensorType:
        return TensorType(self._dtype, None if sizes is None else tuple(sizes))

    def with_dtype(self, dtype: torch.dtype | None) -> TensorType:
        return TensorType(dtype, self._shape)

    def with_device(self, device: torch.device | None) -> TensorType:
        """The same type: ONNX values carry no device (legacy kept it only for tracing)."""
        return self

    def contiguous(self) -> TensorType:
        return self

    def undefined(self) -> bool | None:
        """Whether the tensor is undefined (an omitted optional tensor): never for a typed graph value."""
        return False if self._dtype is not None else None

    @classmethod
    def getInferred(cls) -> TensorType:  # noqa: N802
        return cls()

    def _describe_shape(self) -> str:
        if self._shape is None:
            return "unknown"
        return "(" + ", ".join("?" if d is None else str(d) for d in self._shape) + ")"

    def __str__(self) -> str:
        name = self.scalarType() or "Tensor"
        if self._shape is None:
            return name
        return f"{name}({', '.join('*' if d is None else str(d) for d in self._shape)})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TensorType) and (self._dtype, self._shape) == (other._dtype, other._shape)

    def __hash__(self) -> int:
        return hash((self._dtype, self._shape))


def _dim_from_ir(dim: Any) -> Dim:
    if isinstance(dim, int):
        return dim
    if isinstance(dim, ir.SymbolicDim):
        return dim.value
    return None


def python_type_of(obj: Any) -> JitType:
    if obj is None:
        return NoneType()
    if isinstance(obj, bool):
        return BoolType()
    if isinstance(obj, numbers.Integral):
        return IntType()
    if isinstance(obj, numbers.Real):
        return FloatType()
    if isinstance(obj, str):
        return StringType()
    if isinstance(obj, torch.device):
        return DeviceObjType()
    if isinstance(obj, torch.Tensor):
        return TensorType.create_from_tensor(obj)
    if isinstance(obj, (list, tuple)):
        element = python_type_of(obj[0]) if obj else IntType()
        return ListType(element)
    if isinstance(obj, torch.dtype):
        return IntType()  # dtypes were ints (ScalarType) in TorchScript graphs
    return JitType()
