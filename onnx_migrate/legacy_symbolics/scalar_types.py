"""Scalar types: the legacy ``JitScalarType`` and ``TensorProtoDataType``, without ``torch._C``.

Legacy symbolics name element types three ways: a ``JitScalarType`` member, a
scalar name string (``"Float"``, as ``x.type().scalarType()`` returned), and an
ONNX ``TensorProtoDataType`` integer (``Cast(to_i=...)``). This module keeps all
three spellings and converts between them and ``torch.dtype`` / ``onnx_ir.DataType``.
"""

from __future__ import annotations

import enum
import warnings
from typing import Any, Protocol, runtime_checkable

import onnx_ir as ir
import torch

from onnx_migrate.errors import OnnxMigrateError, SymbolicValueError

__all__ = [
    "JitScalarType",
    "ScalarName",
    "TensorProtoDataType",
    "TorchName",
    "dtype_to_ir",
    "ir_to_dtype",
    "valid_scalar_name",
    "valid_torch_name",
]

#: A legacy scalar name such as ``"Float"`` (``x.type().scalarType()``); the legacy ``_type_utils`` alias.
ScalarName = str
#: A C++ torch type name such as ``"float"`` or ``"int64_t"``; the legacy ``_type_utils`` alias.
TorchName = str


class TensorProtoDataType(enum.IntEnum):
    """ONNX element types, numbered as ``onnx.TensorProto`` numbers them.

    Replaces ``torch._C._onnx.TensorProtoDataType`` (``torch.onnx.TensorProtoDataType``),
    which goes away with TorchScript.
    """

    UNDEFINED = 0
    FLOAT = 1
    UINT8 = 2
    INT8 = 3
    UINT16 = 4
    INT16 = 5
    INT32 = 6
    INT64 = 7
    STRING = 8
    BOOL = 9
    FLOAT16 = 10
    DOUBLE = 11
    UINT32 = 12
    UINT64 = 13
    COMPLEX64 = 14
    COMPLEX128 = 15
    BFLOAT16 = 16
    FLOAT8E4M3FN = 17
    FLOAT8E4M3FNUZ = 18
    FLOAT8E5M2 = 19
    FLOAT8E5M2FNUZ = 20


@runtime_checkable
class _GraphValue(Protocol):
    """What :meth:`JitScalarType.from_value` reads of a value: the ``torch._C.Value`` calls.

    ``values.Value`` has them; naming the calls rather than the class keeps this module
    below the value facade (which types its values with this module).
    """

    def type(self) -> Any: ...

    def node(self) -> Any: ...

    def debugName(self) -> str: ...  # noqa: N802 - the torch._C name

    def setType(self, jit_type: Any) -> Any: ...  # noqa: N802 - the torch._C name


class JitScalarType(enum.IntEnum):
    """Scalar types as the legacy exporter numbered them (c10 ``ScalarType`` order).

    Custom symbolics use it as ``JitScalarType.from_value(x).onnx_type()`` and
    compare members with ``==``; the numbering is kept because some code stores
    the integers (``Cast`` targets in ``_cast_func_template`` style helpers).
    """

    UINT8 = 0
    INT8 = 1
    INT16 = 2
    INT = 3
    INT64 = 4
    HALF = 5
    FLOAT = 6
    DOUBLE = 7
    COMPLEX32 = 8
    COMPLEX64 = 9
    COMPLEX128 = 10
    BOOL = 11
    QINT8 = 12
    QUINT8 = 13
    QINT32 = 14
    BFLOAT16 = 15
    FLOAT8E5M2 = 16
    FLOAT8E4M3FN = 17
    FLOAT8E5M2FNUZ = 18
    FLOAT8E4M3FNUZ = 19
    UNDEFINED = 20

    @classmethod
    def _from_name(cls, name: str | None) -> JitScalarType:
        """Look up a scalar name (``"Float"``) or a C++ torch name (``"float"``, ``"int64_t"``)."""
        if name is None:
            raise OnnxMigrateError("Scalar type name cannot be None.")
        # Not ``a or b``: UINT8 is member 0, which is falsy.
        found = _SCALAR_NAME_TO_TYPE.get(name)
        if found is None:
            found = _TORCH_NAME_TO_TYPE.get(name)
        if found is None:
            raise OnnxMigrateError(
                f"Unknown torch or scalar type name {name!r}; expected one of "
                f"{sorted(_SCALAR_NAME_TO_TYPE)}."
            )
        return found

    @classmethod
    def from_name(cls, name: str | None) -> JitScalarType:
        """torch 1.13's public spelling of :meth:`_from_name`, removed since; kept with a warning."""
        warnings.warn(
            "JitScalarType.from_name was removed from torch; use JitScalarType._from_name(name) "
            "or JitScalarType.from_dtype(dtype).",
            DeprecationWarning,
            stacklevel=2,
        )
        return cls._from_name(name)

    @classmethod
    def from_dtype(cls, dtype: torch.dtype | None) -> JitScalarType:
        """The member for a ``torch.dtype``."""
        found = _DTYPE_TO_TYPE.get(dtype)  # type: ignore[arg-type]
        if found is None:
            raise OnnxMigrateError(f"Unknown dtype {dtype}: it has no ONNX scalar type.")
        return found

    @classmethod
    def from_onnx_type(cls, onnx_type: int | TensorProtoDataType | None) -> JitScalarType:
        """The member for an ONNX element type number (``TensorProtoDataType``)."""
        found = _ONNX_TO_TYPE.get(_onnx_int(onnx_type)) if onnx_type is not None else None
        if found is None:
            raise OnnxMigrateError(f"Unknown ONNX element type {onnx_type!r}.")
        return found

    @classmethod
    def from_value(cls, value: Any, default: JitScalarType | None = None) -> JitScalarType:
        """The element type of a graph value or a tensor.

        Args:
            value: a ``Value`` (our facade), a ``torch.Tensor``, or ``None``.
            default: returned when the type cannot be determined.

        Raises:
            OnnxMigrateError: ``value`` is not a value or tensor and no default was given.
            SymbolicValueError: the value's element type is unknown and no default was given.
        """
        if isinstance(value, torch.Tensor):
            return cls.from_dtype(value.dtype)
        if not isinstance(value, _GraphValue) or value.node().mustBeNone():
            if default is None:
                raise OnnxMigrateError(
                    f"JitScalarType.from_value needs a graph value or a torch.Tensor, got {type(value).__name__}; "
                    "pass default=JitScalarType.<TYPE> to accept other inputs."
                )
            if not isinstance(default, JitScalarType):
                raise OnnxMigrateError("default must be a JitScalarType member.")
            return default
        name = value.type().scalarType()
        if name is not None:
            return cls._from_name(name)
        if default is not None:
            return default
        raise SymbolicValueError(
            "Cannot determine the element type of this value and no default was given; "
            "pass default=JitScalarType.<TYPE> or give the value a type with setType().",
            value,
        )

    def scalar_name(self) -> str:
        """The legacy scalar name, e.g. ``"Float"``."""
        return _TYPE_TO_SCALAR_NAME[self]

    def torch_name(self) -> str:
        """The C++ torch name, e.g. ``"float"``."""
        return _TYPE_TO_TORCH_NAME[self]

    def dtype(self) -> torch.dtype:
        """The ``torch.dtype``."""
        found = _TYPE_TO_DTYPE.get(self)
        if found is None:
            raise OnnxMigrateError(f"Scalar type {self.name} has no torch dtype.")
        return found

    def onnx_type(self) -> TensorProtoDataType:
        """The ONNX element type; raises for types ONNX cannot hold."""
        found = _TYPE_TO_ONNX.get(self)
        if found is None:
            raise OnnxMigrateError(f"Scalar type {self.name} cannot be converted to ONNX.")
        return found

    def onnx_compatible(self) -> bool:
        """Whether ONNX has an element type for this scalar type."""
        return self in _TYPE_TO_ONNX and self not in (JitScalarType.UNDEFINED, JitScalarType.COMPLEX32)


# name, C++ name, dtype, ONNX type: one row per member keeps the four views in step.
_T = JitScalarType
_O = TensorProtoDataType
_TABLE: tuple[tuple[JitScalarType, str, str | None, torch.dtype | None, TensorProtoDataType | None], ...] = (
    (_T.UINT8, "Byte", "uint8_t", torch.uint8, _O.UINT8),
    (_T.INT8, "Char", "int8_t", torch.int8, _O.INT8),
    (_T.INT16, "Short", "int16_t", torch.int16, _O.INT16),
    (_T.INT, "Int", "int", torch.int32, _O.INT32),
    (_T.INT64, "Long", "int64_t", torch.int64, _O.INT64),
    (_T.HALF, "Half", "half", torch.float16, _O.FLOAT16),
    (_T.FLOAT, "Float", "float", torch.float32, _O.FLOAT),
    (_T.DOUBLE, "Double", "double", torch.float64, _O.DOUBLE),
    (_T.COMPLEX32, "ComplexHalf", "complex32", torch.complex32, _O.UNDEFINED),
    (_T.COMPLEX64, "ComplexFloat", "complex64", torch.complex64, _O.COMPLEX64),
    (_T.COMPLEX128, "ComplexDouble", "complex128", torch.complex128, _O.COMPLEX128),
    (_T.BOOL, "Bool", "bool", torch.bool, _O.BOOL),
    (_T.QINT8, "QInt8", "qint8", torch.qint8, _O.INT8),
    (_T.QUINT8, "QUInt8", "quint8", torch.quint8, _O.UINT8),
    (_T.QINT32, "QInt32", "qint32", torch.qint32, _O.INT32),
    (_T.BFLOAT16, "BFloat16", "bfloat16", torch.bfloat16, _O.BFLOAT16),
    (_T.FLOAT8E5M2, "Float8E5M2", "float8_e5m2", torch.float8_e5m2, _O.FLOAT8E5M2),
    (_T.FLOAT8E4M3FN, "Float8E4M3FN", "float8_e4m3fn", torch.float8_e4m3fn, _O.FLOAT8E4M3FN),
    (_T.FLOAT8E5M2FNUZ, "Float8E5M2FNUZ", "float8_e5m2fnuz", torch.float8_e5m2fnuz, _O.FLOAT8E5M2FNUZ),
    (_T.FLOAT8E4M3FNUZ, "Float8E4M3FNUZ", "float8_e4m3fnuz", torch.float8_e4m3fnuz, _O.FLOAT8E4M3FNUZ),
    (_T.UNDEFINED, "Undefined", None, None, _O.UNDEFINED),
)
_TYPE_TO_SCALAR_NAME = {row[0]: row[1] for row in _TABLE}
_SCALAR_NAME_TO_TYPE = {row[1]: row[0] for row in _TABLE}
_TYPE_TO_TORCH_NAME = {row[0]: row[2] for row in _TABLE if row[2] is not None}
_TORCH_NAME_TO_TYPE = {row[2]: row[0] for row in _TABLE if row[2] is not None}
_TYPE_TO_DTYPE = {row[0]: row[3] for row in _TABLE if row[3] is not None}
# Quantized dtypes share ONNX types with plain ints; the plain type wins the reverse map.
_DTYPE_TO_TYPE = {row[3]: row[0] for row in _TABLE if row[3] is not None}
_TYPE_TO_ONNX = {row[0]: row[4] for row in _TABLE if row[4] is not None}
_ONNX_TO_TYPE: dict[int, JitScalarType] = {}
for _row in _TABLE:
    if _row[4] is not None and _row[0] not in (_T.QINT8, _T.QUINT8, _T.QINT32, _T.COMPLEX32):
        _ONNX_TO_TYPE.setdefault(int(_row[4]), _row[0])
_ONNX_TO_TYPE[int(_O.UNDEFINED)] = _T.UNDEFINED

# torch dtypes that ONNX knows beyond the legacy table.
_EXTRA_DTYPE_TO_IR = {
    torch.uint16: ir.DataType.UINT16,
    torch.uint32: ir.DataType.UINT32,
    torch.uint64: ir.DataType.UINT64,
}


def _onnx_int(onnx_type: Any) -> int:
    """Accept our enum, an ``ir.DataType``, an int, or torch's pybind ``TensorProtoDataType``."""
    if isinstance(onnx_type, int):
        return int(onnx_type)
    if hasattr(onnx_type, "value") and isinstance(onnx_type.value, int):
        return int(onnx_type.value)
    return int(onnx_type)


def valid_scalar_name(scalar_name: str) -> bool:
    """Whether ``scalar_name`` is a legacy scalar name (``"Float"``, ``"Long"`` ...)."""
    return scalar_name in _SCALAR_NAME_TO_TYPE


def valid_torch_name(torch_name: str) -> bool:
    """Whether ``torch_name`` is a C++ torch type name (``"float"``, ``"int64_t"`` ...)."""
    return torch_name in _TORCH_NAME_TO_TYPE


def dtype_to_ir(dtype: torch.dtype) -> ir.DataType:
    """Map a ``torch.dtype`` to the ``onnx_ir`` element type (quantized types map to their storage)."""
    if dtype in _EXTRA_DTYPE_TO_IR:
        return _EXTRA_DTYPE_TO_IR[dtype]
    onnx_type = JitScalarType.from_dtype(dtype).onnx_type()
    if onnx_type == TensorProtoDataType.UNDEFINED:
        raise OnnxMigrateError(f"dtype {dtype} has no ONNX element type.")
    return ir.DataType(int(onnx_type))


def ir_to_dtype(data_type: ir.DataType | int) -> torch.dtype | None:
    """Map an ONNX element type to a ``torch.dtype``; ``None`` when torch has none."""
    code = int(data_type)
    for dtype, ir_type in _EXTRA_DTYPE_TO_IR.items():
        if int(ir_type) == code:
            return dtype
    member = _ONNX_TO_TYPE.get(code)
    if member is None or member == JitScalarType.UNDEFINED:
        return None
    return _TYPE_TO_DTYPE.get(member)


def onnx_type_code(value: Any) -> int:
    """An ONNX element type number from any of the spellings legacy code uses.

    Accepts ``TensorProtoDataType`` (ours or torch's), ``JitScalarType``, ``torch.dtype``,
    ``onnx_ir.DataType`` and plain ints (taken as ONNX numbers, as ``Cast(to_i=)`` takes them).
    """
    if isinstance(value, JitScalarType):
        return int(value.onnx_type())
    if isinstance(value, torch.dtype):
        return int(dtype_to_ir(value))
    return _onnx_int(value)
