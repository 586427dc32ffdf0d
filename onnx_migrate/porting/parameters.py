"""The signature of a generated translation function: the op's schema, as torch's new exporter calls it.

torch's exporter calls a ``custom_translation_table`` function with the FX node's
arguments: positionally as the model gave them, keywords by schema name, tensors
as symbolic values, everything else as Python values (element types as
``onnx_ir.DataType``). So the generated function takes every schema argument
under its schema name; its annotations say which are attributes
(``int``, ``float`` ...) and which are tensor inputs (no annotation), which is
what the exporter reads from them.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from typing import Any

import torch

from onnx_migrate.compat.symbolic_recording import ArgumentRecord

__all__ = ["SchemaParameter", "function_parameters", "op_parameters", "render_signature"]


@dataclasses.dataclass(frozen=True)
class SchemaParameter:
    """One parameter of a generated function.

    Attributes:
        name: the op schema's argument name (torch passes keywords by it).
        annotation: the annotation text: ``None`` for a tensor input; ``"int"``, ``"float"``, ``"bool"``,
            ``"str"``, ``"Sequence[int]"``, ``"Optional[int]"`` ... for a Python value.
        default: Python source of the schema default (``"None"``, ``"1.0"``), ``None`` when required.
        keyword_only: the schema makes it keyword-only.
    """

    name: str
    annotation: str | None
    default: str | None = None
    keyword_only: bool = False


#: Schema types -> annotation (``None``: a tensor input).
_SCALAR_ANNOTATIONS = {
    "int": "int",
    "SymInt": "int",
    "float": "float",
    "bool": "bool",
    "str": "str",
    "Scalar": "float",
    "ScalarType": "ir.DataType",
    "Layout": "str",
    "Device": "str",
    "MemoryFormat": "str",
}


def _annotation(schema_type: str) -> str | None:
    optional = schema_type.endswith("?")
    base = schema_type.rstrip("?")
    if base.startswith("Tensor"):
        return None
    listed = re.fullmatch(r"(\w+)\[\d*\]", base)
    if listed:
        inner = _SCALAR_ANNOTATIONS.get(listed.group(1), "Any")
        text = f"Sequence[{inner}]"
    else:
        text = _SCALAR_ANNOTATIONS.get(base, "Any")
    return f"Optional[{text}]" if optional else text


def _default_source(argument: Any) -> str | None:
    if not argument.has_default_value():
        return None
    value = argument.default_value
    if isinstance(value, (bool, int, float, str)) or value is None:
        return repr(value)
    if isinstance(value, (list, tuple)) and all(isinstance(v, (int, float, bool)) for v in value):
        return repr(list(value))
    return "None"


def op_parameters(schema: Any) -> list[SchemaParameter]:
    """The parameters of a translation function for an op with this ``torch.FunctionSchema``."""
    return [
        SchemaParameter(
            name=_safe_name(argument.name),
            annotation=_annotation(str(argument.type)),
            default=_default_source(argument),
            keyword_only=bool(argument.kwarg_only),
        )
        for argument in schema.arguments
    ]


def function_parameters(arguments_per_call: Sequence[Sequence[ArgumentRecord]]) -> list[SchemaParameter]:
    """The parameters of the custom op standing for an ``autograd.Function`` (from the calls seen).

    ``apply``'s arguments have no schema: a tensor in every call is a tensor input;
    otherwise the Python types seen decide (``None`` in some calls makes it ``Optional``).
    """
    first = arguments_per_call[0]
    parameters = []
    for index, record in enumerate(first):
        seen = [call[index] for call in arguments_per_call if index < len(call)]
        if all(r.kind == "tensor" for r in seen):
            parameters.append(SchemaParameter(_safe_name(record.name), None))
            continue
        types = {type(r.value) for r in seen if r.kind == "value" and r.value is not None}
        optional = any(r.kind == "value" and r.value is None for r in seen) or any(r.kind == "tensor" for r in seen)
        text = _python_annotation(types, seen)
        parameters.append(SchemaParameter(_safe_name(record.name), f"Optional[{text}]" if optional else text))
    return parameters


def _python_annotation(types: set[type], seen: Sequence[ArgumentRecord]) -> str:
    if any(r.kind == "tensor" for r in seen):
        return "torch.Tensor"
    if types == {bool}:
        return "bool"
    if types and types <= {int}:
        return "int"
    if types and types <= {int, float}:
        return "float"
    if types == {str}:
        return "str"
    if types == {torch.dtype}:
        return "torch.dtype"
    if types and types <= {list, tuple}:
        items = {type(v) for r in seen if isinstance(r.value, (list, tuple)) for v in r.value}
        return "Sequence[float]" if float in items else "Sequence[int]"
    return "int"  # only None seen: the commonest optional argument of a quantizer (an axis)


def _safe_name(name: str) -> str:
    return name + "_" if name in ("lambda", "def", "class", "from", "import", "in", "is", "not", "and", "or") else name


def render_signature(name: str, parameters: Sequence[SchemaParameter]) -> str:
    """``def name(a, b: int = 1, *, c: str = 'x'):`` for ``parameters``."""
    pieces: list[str] = []
    star_added = False
    for parameter in parameters:
        if parameter.keyword_only and not star_added:
            pieces.append("*")
            star_added = True
        text = parameter.name if parameter.annotation is None else f"{parameter.name}: {parameter.annotation}"
        if parameter.default is not None:
            text += f" = {parameter.default}" if parameter.annotation is not None else f"={parameter.default}"
        pieces.append(text)
    line = f"def {name}({', '.join(pieces)}):"
    if len(line) <= 100:
        return line
    return f"def {name}(\n" + "".join(f"    {piece},\n" for piece in pieces) + "):"
