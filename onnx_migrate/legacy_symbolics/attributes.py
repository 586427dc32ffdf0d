"""Legacy attribute keywords (``alpha_f=2.0``, ``axes_i=[1, 2]``) to ``onnx_ir`` attributes.

The suffix names the attribute type: ``_i`` int, ``_f`` float, ``_s`` string,
``_t`` tensor, ``_z`` a one-element tensor stored 0-d, ``_g`` graph, ``_ty``
type. A list or tuple value makes the plural attribute (``INTS`` ...).
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import onnx_ir as ir
from onnx_ir import tensor_adapters
import torch

from onnx_migrate.errors import GraphBuildError
from onnx_migrate.legacy_symbolics import scalar_types
from onnx_migrate.legacy_symbolics.jit_types import TensorType

__all__ = ["convert_attributes", "to_ir_tensor"]

_ATTR_PATTERN = re.compile(r"^(.+)_(([ifstgz])|(ty))$")
#: Keywords the legacy exporter silently dropped.
_SKIPPED = frozenset({"inplace", "aten"})
_SUFFIX_HELP = (
    "_i (int), _f (float), _s (string), _t (tensor), _z (scalar tensor), _g (graph) or _ty (type)"
)


def to_ir_tensor(value: Any, *, name: str | None = None) -> ir.TensorProtocol:
    """A tensor from a torch tensor, numpy array, Python number or list of numbers.

    Concrete types are tested before the ``TensorProtocol`` check, which is a slow
    structural ``isinstance``: this runs for every constant of every export.
    """
    if isinstance(value, torch.Tensor):
        return tensor_adapters.TorchTensor(value.detach().contiguous().cpu(), name=name)
    if isinstance(value, np.ndarray):
        return ir.Tensor(value, name=name)
    if isinstance(value, (ir.Tensor, tensor_adapters.TorchTensor)) or isinstance(value, ir.TensorProtocol):
        return value
    return tensor_adapters.TorchTensor(torch.tensor(value), name=name)


def _is_list(value: Any, kind: str) -> bool:
    """Whether ``value`` makes the plural attribute (``INTS`` ...).

    Lists, tuples and ranges do, as any sequence did for the legacy exporter; so
    does a 1-D numpy array of numbers or strings. Tensors and, for ``_t``/``_z``,
    arrays are single tensor values.
    """
    if isinstance(value, (list, tuple, range)):
        return True
    return isinstance(value, np.ndarray) and value.ndim >= 1 and kind in ("i", "f", "s")


def _numel(value: torch.Tensor | np.ndarray) -> int:
    return value.numel() if isinstance(value, torch.Tensor) else int(value.size)


_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def _as_int(value: Any, key: str, op: str) -> int:
    result = _to_int(value, key, op)
    if not _INT64_MIN <= result <= _INT64_MAX:
        # ONNX stores ints as int64; a larger value would only fail later, when the model is serialized.
        raise GraphBuildError(
            f"Attribute {key} of {op}: the _i suffix stores a 64-bit integer, got a {result.bit_length()}-bit "
            "value. Pass a value between -2**63 and 2**63 - 1."
        )
    return result


def _to_int(value: Any, key: str, op: str) -> int:
    if isinstance(value, (torch.Tensor, np.ndarray)) and _numel(value) != 1:
        raise GraphBuildError(
            f"Attribute {key} of {op}: the _i suffix needs an int or a list of ints, got a "
            f"{type(value).__name__} of shape {tuple(value.shape)}; pass value.tolist()."
        )
    if isinstance(value, (torch.Tensor, np.ndarray)):
        value = value.item()
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if hasattr(value, "__int__") and not isinstance(value, (numbers.Real, str)):
        # Enum-like values such as TensorProtoDataType members (ours or torch's pybind ones).
        return int(value)
    raise GraphBuildError(
        f"Attribute {key}={value!r} of {op}: the _i suffix needs an int or a list of ints, "
        f"got {type(value).__name__}. Convert it (int(...)) or use the suffix of its type."
    )


def _as_float(value: Any, key: str, op: str) -> float:
    if isinstance(value, (torch.Tensor, np.ndarray)) and _numel(value) == 1:
        value = value.item()
    if isinstance(value, numbers.Real):
        try:
            return float(value)
        except OverflowError:
            raise GraphBuildError(
                f"Attribute {key} of {op}: the _f suffix needs a float, and the number given is too large for one. "
                "Pass a value within the float range."
            ) from None
    raise GraphBuildError(
        f"Attribute {key}={value!r} of {op}: the _f suffix needs a float or a list of floats, "
        f"got {type(value).__name__}. Convert it (float(...), or .tolist() for a tensor) or use the suffix of its type."
    )


def _as_str(value: Any, key: str, op: str) -> str:
    if isinstance(value, bytes):
        try:
            return value.decode()
        except UnicodeDecodeError:
            raise GraphBuildError(
                f"Attribute {key}={value!r:.60} of {op}: the _s suffix takes text, and these bytes are not UTF-8. "
                "Pass a str, or bytes encoded as UTF-8."
            ) from None
    if isinstance(value, str):
        try:
            value.encode()  # ONNX stores UTF-8; a lone surrogate would only fail when the model is saved
        except UnicodeEncodeError:
            raise GraphBuildError(
                f"Attribute {key}={value!r:.60} of {op}: the string cannot be encoded as UTF-8 (it holds a lone "
                "surrogate). Pass valid text."
            ) from None
        return value
    raise GraphBuildError(
        f"Attribute {key}={value!r} of {op}: the _s suffix needs a str or a list of str, got {type(value).__name__}. "
        "Convert it with str(...) or use the suffix of its type."
    )


def _as_tensor(value: Any, key: str, op: str, *, zero_dim: bool) -> ir.TensorProtocol:
    if isinstance(value, (numbers.Number, np.number)) or isinstance(value, (torch.Tensor, np.ndarray)):
        if zero_dim:
            tensor = value if isinstance(value, torch.Tensor) else torch.tensor(value)
            if tensor.numel() != 1:
                raise GraphBuildError(
                    f"Attribute {key} of {op}: the _z suffix takes a one-element tensor or a number, "
                    f"got a tensor of shape {tuple(tensor.shape)}; use the _t suffix for tensors."
                )
            return to_ir_tensor(tensor.reshape(()))
        return to_ir_tensor(value)
    raise GraphBuildError(
        f"Attribute {key}={value!r} of {op}: the _{'z' if zero_dim else 't'} suffix needs a torch.Tensor "
        f"(or numpy array), got {type(value).__name__}."
    )


def _as_graph(value: Any, key: str, op: str) -> ir.Graph:
    graph = getattr(value, "ir_graph", value)
    if isinstance(graph, ir.Graph):
        return graph
    raise GraphBuildError(
        f"Attribute {key} of {op}: the _g suffix needs a graph (a block), got {type(value).__name__}. "
        "Build control-flow ops with add_op_with_blocks(g, 'If', ...) to get their blocks."
    )


def _as_type(value: Any, key: str, op: str) -> ir.TypeProtocol:
    if isinstance(value, ir.TypeProtocol):
        return value
    if isinstance(value, TensorType) and value.dtype() is not None:
        return ir.TensorType(scalar_types.dtype_to_ir(value.dtype()))  # type: ignore[arg-type]
    if isinstance(value, torch.dtype):
        return ir.TensorType(scalar_types.dtype_to_ir(value))
    raise GraphBuildError(
        f"Attribute {key} of {op}: the _ty suffix needs a tensor type with a known element type "
        f"(x.type(), a torch.dtype or an onnx_ir type), got {value!r}."
    )


def _convert_one(key: str, value: Any, op: str) -> ir.Attr:
    match = _ATTR_PATTERN.match(key)
    if match is None:
        raise GraphBuildError(
            f"Invalid attribute specifier {key!r} of {op}: attribute names must end with a type suffix, "
            f"{_SUFFIX_HELP}; for example {key}_i={value!r} or {key}_f={value!r}."
        )
    name, kind = match.group(1), match.group(2)
    plural = _is_list(value, kind)
    if kind == "i":
        if plural:
            return ir.AttrInt64s(name, [_as_int(v, key, op) for v in value])
        return ir.AttrInt64(name, _as_int(value, key, op))
    if kind == "f":
        if plural:
            return ir.AttrFloat32s(name, [_as_float(v, key, op) for v in value])
        return ir.AttrFloat32(name, _as_float(value, key, op))
    if kind == "s":
        if plural:
            return ir.AttrStrings(name, [_as_str(v, key, op) for v in value])
        return ir.AttrString(name, _as_str(value, key, op))
    if kind in ("t", "z"):
        if plural:
            return ir.AttrTensors(name, [_as_tensor(v, key, op, zero_dim=kind == "z") for v in value])
        return ir.AttrTensor(name, _as_tensor(value, key, op, zero_dim=kind == "z"))
    if kind == "g":
        if plural:
            return ir.AttrGraphs(name, [_as_graph(v, key, op) for v in value])
        return ir.AttrGraph(name, _as_graph(value, key, op))
    # kind == "ty"
    if plural:
        return ir.AttrTypeProtos(name, [_as_type(v, key, op) for v in value])
    return ir.AttrTypeProto(name, _as_type(value, key, op))


def convert_attributes(kwargs: Mapping[str, Any], *, op: str) -> list[ir.Attr]:
    """Convert ``g.op`` keyword attributes; ``None`` values are dropped, as legacy did.

    Raises:
        GraphBuildError: a key has no type suffix, or a value does not fit its suffix.
    """
    attrs: list[ir.Attr] = []
    for key in sorted(kwargs):
        value = kwargs[key]
        if value is None or key in _SKIPPED:
            continue
        attrs.append(_convert_one(key, value, op))
    return attrs
