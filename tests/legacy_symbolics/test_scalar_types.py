"""Tests of ``JitScalarType`` / ``TensorProtoDataType`` without ``torch._C._onnx``.

Custom symbolics spell element types as ``JitScalarType`` members, scalar names
(``"Float"``), ONNX numbers (``Cast(to_i=...)``) and ``torch.dtype``; every
member must convert both ways wherever the target type exists, and agree with
the legacy enum while torch still ships it.
"""

from __future__ import annotations

import importlib
from typing import Any

import onnx
import onnx_ir as ir
import pytest
import torch

from onnx_migrate.errors import OnnxMigrateError, SymbolicValueError
from onnx_migrate.legacy_symbolics.graph_context import GraphContext
from onnx_migrate.legacy_symbolics.scalar_types import (
    JitScalarType,
    TensorProtoDataType,
    dtype_to_ir,
    ir_to_dtype,
    onnx_type_code,
)
from onnx_migrate.legacy_symbolics.values import ConstantValue

#: Members that share their ONNX type with another member (the plain one wins the reverse map).
_ONNX_ALIASES = {
    JitScalarType.QINT8: JitScalarType.INT8,
    JitScalarType.QUINT8: JitScalarType.UINT8,
    JitScalarType.QINT32: JitScalarType.INT,
}


#: ONNX element types that have a JitScalarType (STRING, UINT16/32/64 have none).
_KNOWN_CODES = {int(m.onnx_type()) for m in JitScalarType}


@pytest.mark.parametrize("member", list(JitScalarType), ids=lambda m: m.name)
def test_every_member_round_trips(member: JitScalarType) -> None:
    assert JitScalarType._from_name(member.scalar_name()) is member
    assert JitScalarType[member.name] is member
    if member is JitScalarType.UNDEFINED:
        with pytest.raises(OnnxMigrateError, match="no torch dtype"):
            member.dtype()
        assert member.onnx_type() is TensorProtoDataType.UNDEFINED
        assert JitScalarType.from_onnx_type(TensorProtoDataType.UNDEFINED) is member
        assert not member.onnx_compatible()
        return
    assert JitScalarType._from_name(member.torch_name()) is member
    assert JitScalarType.from_dtype(member.dtype()) is member
    if member.onnx_compatible():
        onnx_type = member.onnx_type()
        assert onnx_type is not TensorProtoDataType.UNDEFINED
        assert JitScalarType.from_onnx_type(onnx_type) is _ONNX_ALIASES.get(member, member)
        assert JitScalarType.from_onnx_type(int(onnx_type)) is _ONNX_ALIASES.get(member, member)
        assert dtype_to_ir(member.dtype()) == ir.DataType(int(onnx_type))
    else:
        assert member is JitScalarType.COMPLEX32


def test_legacy_numbering_is_kept() -> None:
    assert [(m.name, int(m)) for m in JitScalarType][:8] == [
        ("UINT8", 0),
        ("INT8", 1),
        ("INT16", 2),
        ("INT", 3),
        ("INT64", 4),
        ("HALF", 5),
        ("FLOAT", 6),
        ("DOUBLE", 7),
    ]
    assert JitScalarType.BOOL == 11 and JitScalarType.BFLOAT16 == 15 and JitScalarType.UNDEFINED == 20


def test_tensor_proto_data_type_matches_onnx() -> None:
    for member in TensorProtoDataType:
        assert onnx.TensorProto.DataType.Value(member.name) == int(member)


def _legacy_module(name: str) -> Any:
    try:
        return importlib.import_module(f"torch.onnx._internal.torchscript_exporter.{name}")
    except ImportError:
        pytest.skip("torch no longer ships the TorchScript exporter (the reference)")


def _outcome(fn: Any) -> Any:
    try:
        result = fn()
    except Exception:  # noqa: BLE001 - both sides raise; only the fact matters
        return "raises"
    return int(result) if isinstance(result, int) else result


@pytest.mark.legacy_reference
def test_agrees_with_legacy_jit_scalar_type() -> None:
    legacy = _legacy_module("_type_utils").JitScalarType
    assert [(m.name, int(m)) for m in legacy] == [(m.name, int(m)) for m in JitScalarType]
    for theirs in legacy:
        ours = JitScalarType[theirs.name]
        for method in ("scalar_name", "torch_name", "dtype", "onnx_type", "onnx_compatible"):
            assert _outcome(getattr(ours, method)) == _outcome(getattr(theirs, method)), (theirs.name, method)
    for dtype in (torch.float32, torch.int64, torch.bool, torch.float16, torch.bfloat16, torch.qint8):
        assert JitScalarType.from_dtype(dtype).name == legacy.from_dtype(dtype).name
    for code in range(1, 21):
        if code in {int(m.onnx_type()) for m in _ONNX_ALIASES}:
            # Deliberate difference: legacy mapped INT8/UINT8/INT32 back to the quantized
            # types (its reverse map let the last row win); the plain type is what ONNX means.
            continue
        assert _outcome(lambda: JitScalarType.from_onnx_type(code).name) == _outcome(
            lambda: legacy.from_onnx_type(code).name
        ), code


@pytest.mark.legacy_reference
def test_agrees_with_torch_tensor_proto_data_type() -> None:
    torch_enum = getattr(torch.onnx, "TensorProtoDataType", None)
    if torch_enum is None:
        pytest.skip("torch.onnx.TensorProtoDataType is gone with TorchScript")
    for name, member in torch_enum.__members__.items():
        assert int(TensorProtoDataType[name]) == int(member)
        assert onnx_type_code(member) == int(member)
        if int(member) in _KNOWN_CODES:
            assert JitScalarType.from_onnx_type(member) is JitScalarType.from_onnx_type(TensorProtoDataType[name])


def test_dtype_and_ir_maps_are_inverse() -> None:
    for dtype in (
        torch.float32,
        torch.float64,
        torch.float16,
        torch.bfloat16,
        torch.int8,
        torch.int16,
        torch.int32,
        torch.int64,
        torch.uint8,
        torch.uint16,
        torch.uint32,
        torch.uint64,
        torch.bool,
        torch.complex64,
        torch.complex128,
        torch.float8_e4m3fn,
        torch.float8_e5m2,
    ):
        assert ir_to_dtype(dtype_to_ir(dtype)) == dtype
    assert dtype_to_ir(torch.quint8) == ir.DataType.UINT8
    assert ir_to_dtype(ir.DataType.STRING) is None and ir_to_dtype(0) is None
    with pytest.raises(OnnxMigrateError, match="no ONNX element type"):
        dtype_to_ir(torch.complex32)


def test_onnx_type_code_accepts_every_spelling() -> None:
    for spelling in (TensorProtoDataType.FLOAT, JitScalarType.FLOAT, torch.float32, ir.DataType.FLOAT, 1):
        assert onnx_type_code(spelling) == 1


def test_from_value() -> None:
    g = GraphContext.create(13)
    x = g.add_input("x", torch.float16, [2])
    assert JitScalarType.from_value(x) is JitScalarType.HALF
    assert JitScalarType.from_value(g.op("Cast", x, to_i=TensorProtoDataType.INT64)) is JitScalarType.INT64
    assert JitScalarType.from_value(torch.zeros(1, dtype=torch.bool)) is JitScalarType.BOOL
    # UINT8 is member 0: a falsy lookup result must still be found.
    assert JitScalarType.from_value(g.add_input("u", torch.uint8, [1])) is JitScalarType.UINT8
    assert JitScalarType.from_value(None, JitScalarType.FLOAT) is JitScalarType.FLOAT
    assert JitScalarType.from_value(ConstantValue(None), JitScalarType.INT64) is JitScalarType.INT64
    unknown = g.op("custom::Foo", x)
    assert JitScalarType.from_value(unknown, JitScalarType.DOUBLE) is JitScalarType.DOUBLE
    with pytest.raises(SymbolicValueError, match=r"default=JitScalarType"):
        JitScalarType.from_value(unknown)
    with pytest.raises(OnnxMigrateError, match=r"default=JitScalarType"):
        JitScalarType.from_value(3)
    with pytest.raises(OnnxMigrateError, match="must be a JitScalarType"):
        JitScalarType.from_value(None, "Float")  # type: ignore[arg-type]


def test_bad_lookups_raise_package_errors() -> None:
    with pytest.raises(OnnxMigrateError, match="Unknown torch or scalar type name 'Quaternion'"):
        JitScalarType._from_name("Quaternion")
    with pytest.raises(OnnxMigrateError, match="cannot be None"):
        JitScalarType._from_name(None)
    with pytest.raises(OnnxMigrateError, match="Unknown dtype"):
        JitScalarType.from_dtype(None)
    with pytest.raises(OnnxMigrateError, match="Unknown ONNX element type"):
        JitScalarType.from_onnx_type(99)
    with pytest.raises(OnnxMigrateError, match="Unknown ONNX element type"):
        JitScalarType.from_onnx_type(TensorProtoDataType.STRING)
