"""Nodes written with ``torch.onnx.ops.symbolic``: the new exporter's way to emit a custom ONNX node.

Libraries that support both exporters pick their emitter at run time: brevitas,
for one, calls its ``autograd.Function`` (with a legacy ``symbolic``) under the
TorchScript trace and ``torch.onnx.ops.symbolic`` under ``torch.export``. We
capture with ``torch.export``, so such models reach us as
``onnx_symbolic::_symbolic`` / ``_symbolic_multi_out`` nodes. They carry everything
the ONNX node needs (op type, domain, domain version, inputs, attributes encoded
as flat typed lists, output dtypes and shapes): this module decodes them and emits
the node at any opset, as torch's new exporter would.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from onnx_migrate.errors import TranslationError
from onnx_migrate.legacy_symbolics.graph_context import GraphContext
from onnx_migrate.legacy_symbolics.values import ConstantValue, ListValue, Value

__all__ = ["SYMBOLICS", "onnx_ops_symbolic", "onnx_ops_symbolic_multi_out"]

#: The attribute type codes of ``torch.onnx.ops`` and the legacy ``g.op`` suffix each maps to.
_SUFFIX = {"i": "i", "f": "f", "s": "s", "is": "i", "fs": "f", "ss": "s"}
_SEQUENCES = frozenset({"is", "fs", "ss"})


def _python(value: Any) -> Any:
    """A node argument as plain Python (constants and lists of constants)."""
    if isinstance(value, ConstantValue):
        return value.python_value
    if isinstance(value, ListValue):
        return [_python(item) for item in value.items]
    return value


def _inputs(value: Any) -> list[Value | None]:
    if isinstance(value, ListValue):
        return [None if isinstance(item, ConstantValue) and item.python_value is None else item for item in value.items]
    items = _python(value)
    return list(items or [])


def decode_attributes(
    keys: Sequence[str],
    types: Sequence[str],
    positions: Sequence[Sequence[int]],
    ints: Sequence[int],
    floats: Sequence[float],
    strings: Sequence[str],
) -> dict[str, Any]:
    """``{"alpha_f": 0.5, "axes_i": [0, 1]}``: the encoded attributes as ``g.op`` keywords."""
    pools = {"i": list(ints), "f": list(floats), "s": list(strings)}
    decoded: dict[str, Any] = {}
    for key, kind, (start, end) in zip(keys, types, positions, strict=True):
        suffix = _SUFFIX.get(kind)
        if suffix is None:
            raise TranslationError(f"torch.onnx.ops.symbolic attribute {key!r} has an unknown type code {kind!r}.")
        values = pools[suffix][start:end]
        decoded[f"{key}_{suffix}"] = values if kind in _SEQUENCES else values[0]
    return decoded


def _emit(g: GraphContext, arguments: dict[str, Any], outputs: int) -> Any:
    domain = _python(arguments["domain"]) or ""
    version = _python(arguments["version"])
    op_type = _python(arguments["op_type"])
    attributes = decode_attributes(
        *(_python(arguments[name]) or [] for name in ("attr_keys", "attr_types", "attr_pos", "attr_ints")),
        _python(arguments["attr_floats"]) or [],
        _python(arguments["attr_strs"]) or [],
    )
    if domain and version is not None and g.builder is not None:
        g.builder.note_domain(domain, int(version))
    name = f"{domain}::{op_type}" if domain else op_type
    return g.op(name, *_inputs(arguments["inputs"]), outputs=outputs, **attributes)


_NAMES = (
    "attr_keys", "attr_types", "attr_pos", "attr_ints", "attr_floats", "attr_strs",
    "metadata_props_keys", "metadata_props_values", "domain", "version",
)  # fmt: skip


def onnx_ops_symbolic(g: GraphContext, inputs: Any, op_type: Any, onnx_dtype: Any, shape: Any, *rest: Any) -> Any:
    """``onnx_symbolic::_symbolic``: one custom node with one output."""
    arguments = {"inputs": inputs, "op_type": op_type, **dict(zip(_NAMES, rest, strict=False))}
    arguments.setdefault("domain", ""), arguments.setdefault("version", None)
    return _emit(g, arguments, 1)


def onnx_ops_symbolic_multi_out(
    g: GraphContext, inputs: Any, op_type: Any, onnx_dtypes: Any, shapes: Any, *rest: Any
) -> Any:
    """``onnx_symbolic::_symbolic_multi_out``: one custom node with one output per dtype."""
    arguments = {"inputs": inputs, "op_type": op_type, **dict(zip(_NAMES, rest, strict=False))}
    arguments.setdefault("domain", ""), arguments.setdefault("version", None)
    count = len(_python(onnx_dtypes) or [])
    result = _emit(g, arguments, count)
    return result if count != 1 else (result,)


SYMBOLICS = {
    "onnx_symbolic::_symbolic": onnx_ops_symbolic,
    "onnx_symbolic::_symbolic_multi_out": onnx_ops_symbolic_multi_out,
}
