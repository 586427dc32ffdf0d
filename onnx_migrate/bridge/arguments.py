"""Arguments of a bridged call, as legacy symbolics received them.

torch's new exporter calls a translation function with the FX node's own
``args``/``kwargs``, tensors replaced by ``onnx_ir`` values and a few constants
re-encoded (dtypes as ONNX element types, ``dtype=None`` as ``-1``, layouts and
memory formats as strings). Legacy symbolics expect what the legacy backend
passes (see :mod:`onnx_migrate.compat.translate`): every schema argument in
schema order with defaults filled in, tensors as ``Value`` facades, constants as
``ConstantValue`` (dtypes as ``ScalarType`` numbers), lists holding graph values
as ``ListValue``. This module undoes torch's re-encoding and reuses the legacy
backend's helpers for the rest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import onnx_ir as ir
import torch

from onnx_migrate.compat.fx_nodes import bind_schema_arguments
from onnx_migrate.compat.translate import legacy_constant
from onnx_migrate.legacy_symbolics import scalar_types
from onnx_migrate.legacy_symbolics.values import ConstantValue, ListValue, Value

__all__ = ["legacy_arguments"]


def legacy_arguments(schema: Any, args: Sequence[Any], kwargs: Mapping[str, Any]) -> tuple[list[Value], list[bool]]:
    """``(values, explicit)``: one legacy argument per schema argument, and whether the call gave it.

    Args:
        schema: the op's ``torch.FunctionSchema`` (``None``: arguments kept as given).
        args: the positional arguments torch passed to the translation function.
        kwargs: the keyword arguments torch passed.
    """
    bound = bind_schema_arguments(schema, args, kwargs)
    types = {argument.name: _type_name(argument) for argument in schema.arguments} if schema is not None else {}
    values = [_legacy_value(value, types.get(name, ""), explicit) for name, value, explicit in bound]
    return values, [explicit for _, _, explicit in bound]


def _type_name(argument: Any) -> str:
    """``Optional[ScalarType]``: ``real_type`` keeps the enum names that ``type`` shows as ``int``."""
    return str(getattr(argument, "real_type", argument.type))


def _legacy_value(obj: Any, type_name: str, explicit: bool) -> Value:
    if isinstance(obj, ir.Value):
        return Value.wrap(obj)
    if isinstance(obj, (list, tuple)):
        if any(isinstance(item, ir.Value) for item in obj):
            return ListValue([_legacy_value(item, "", explicit) for item in obj])
        return ConstantValue([legacy_constant(_undo_torch_encoding(item, type_name, explicit)) for item in obj])
    return ConstantValue(legacy_constant(_undo_torch_encoding(obj, type_name, explicit)))


def _undo_torch_encoding(obj: Any, type_name: str, explicit: bool) -> Any:
    """The Python object the FX node held, where torch's exporter re-encoded it.

    Schema defaults (``explicit=False``) never went through torch's encoding.
    """
    if not explicit:
        return obj
    if "ScalarType" in type_name and isinstance(obj, int) and not isinstance(obj, bool):
        if obj < 0:  # torch passes dtype=None as -1
            return None
        return scalar_types.ir_to_dtype(ir.DataType(obj))
    if ("Layout" in type_name or "MemoryFormat" in type_name) and isinstance(obj, str) and obj.startswith("torch."):
        restored = getattr(torch, obj.removeprefix("torch."), None)
        return obj if restored is None else restored
    return obj
