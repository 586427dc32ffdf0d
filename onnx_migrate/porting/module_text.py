"""The text of the module ``port`` writes: imports, custom-op declarations, functions, the table, ``export()``.

The module is the user's from then on: it imports only torch, onnx, onnxscript,
onnx_ir and numpy (never onnx_migrate), and reads top to bottom as a person would
write it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from onnx_migrate.porting.replay import CustomOpShape, custom_op_identifier

__all__ = ["ModulePlan", "render_module"]


@dataclasses.dataclass
class ModulePlan:
    """Everything the module holds, already rendered piece by piece.

    Attributes:
        docstring: the module docstring's text.
        target_opset: the opset of the ``op`` the functions call.
        custom_ops: custom-domain op declarations needed, with their domain versions.
        domain_versions: custom domain -> opset version.
        function_ops: the ``torch.library.custom_op`` definitions of ``autograd.Function`` classes.
        functions: the translation functions, in order.
        table: ``(key expression, function name, comment)`` of each table entry.
        ported_classes: ``(module, qualname, op expression)`` for ``ported_autograd_functions``.
        attention: comment blocks for symbolics left for the user.
    """

    docstring: str
    target_opset: int
    custom_ops: Mapping[tuple[str, str], CustomOpShape]
    domain_versions: Mapping[str, int]
    function_ops: Sequence[str]
    functions: Sequence[str]
    table: Sequence[tuple[str, str, str]]
    ported_classes: Sequence[tuple[str, str, str]]
    attention: Sequence[str]


_IMPORTS = """\
from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterator, Sequence
from typing import Any, Optional

import numpy as np
import onnx_ir as ir
import torch
from onnx import defs as onnx_defs
from onnxscript import opset{opset} as op
from onnxscript import values as onnxscript_values
"""

_CUSTOM_OP_HELPER = '''

def _custom_op(domain: str, version: int, name: str, inputs: int, outputs: int, attributes: dict[str, str],
               optional_from: int | None = None) -> onnxscript_values.Op:
    """An onnxscript op of a custom domain: ONNX has no schema for it, so one is declared here."""
    all_types = [f"tensor({t})" for t in ("float", "double", "float16", "bfloat16", "int64", "int32", "int16",
                                          "int8", "uint64", "uint32", "uint16", "uint8", "bool", "string")]
    optional = onnx_defs.OpSchema.FormalParameterOption.Optional
    single = onnx_defs.OpSchema.FormalParameterOption.Single
    schema = onnx_defs.OpSchema(
        name, domain, version,
        inputs=[onnx_defs.OpSchema.FormalParameter(f"input_{i}", f"T{i}", param_option=(
            optional if optional_from is not None and i >= optional_from else single)) for i in range(inputs)],
        outputs=[onnx_defs.OpSchema.FormalParameter(f"output_{i}", f"T{inputs + i}") for i in range(outputs)],
        type_constraints=[(f"T{i}", all_types, "") for i in range(inputs + outputs)],
        attributes=[onnx_defs.OpSchema.Attribute(attr, getattr(onnx_defs.OpSchema.AttrType, kind), "")
                    for attr, kind in attributes.items()],
    )
    return onnxscript_values.Op(onnxscript_values.Opset(domain, version), name, schema)
'''

_NOT_SEEN_HELPER = '''

def _not_seen_by_port(op_name: str, **arguments: Any) -> NotImplementedError:
    """The error of a specialized function called with arguments port never saw."""
    def describe(value: Any) -> str:
        if isinstance(value, ir.Value):
            rank = "?" if value.shape is None else len(value.shape)
            return f"{value.dtype.name.lower() if value.dtype is not None else 'tensor'} rank {rank}"
        return repr(value)

    shown = ", ".join(f"{name}={describe(value)}" for name, value in arguments.items())
    return NotImplementedError(
        f"The translation of {op_name} was specialized by `onnx-migrate port` on the calls it saw (listed in the "
        f"comment of its function), and this call is different: {shown}. Run `onnx-migrate port` on a script "
        "that exports this call, or extend the function by hand."
    )
'''

_FUNCTION_HELPERS = '''

def _function_class(module: str, qualname: str) -> type:
    """The autograd.Function class, imported when first needed (importing this module imports nothing of yours)."""
    found: Any = importlib.import_module(module)
    for part in qualname.split("."):
        found = getattr(found, part)
    return found


#: Function.apply as torch defines it (a classmethod), whatever apply a ported class points at meanwhile.
_ORIGINAL_APPLY = torch.autograd.Function.__dict__["apply"]


def _run_function(module: str, qualname: str, *args: Any) -> Any:
    """The class's own forward (through the original apply), outputs copied as custom ops must return new tensors."""
    with torch.no_grad():
        outputs = _ORIGINAL_APPLY.__get__(None, _function_class(module, qualname))(*args)
    if isinstance(outputs, (tuple, list)):
        return tuple(output.clone() for output in outputs)
    return outputs.clone()
'''


_TABLE_FUNCTION = '''def translation_table() -> dict[Any, Any]:
    """The ``custom_translation_table``: op -> translation function.

    Built when called, because the ops must exist by then: import the module that defines them (your
    model's, a C++ extension ...) first. ``custom_translation_table`` (a module attribute) calls it.
    """
    return {{{entries}
    }}


def _op(qualified: str) -> Any:
    """``torch.ops.namespace.name.overload``, with a clear error when the op is not loaded yet."""
    name, _, overload = qualified.partition(".")
    namespace, _, op_name = name.partition("::")
    try:
        return getattr(getattr(getattr(torch.ops, namespace), op_name), overload or "default")
    except (AttributeError, RuntimeError) as exc:
        raise LookupError(
            f"torch has no op {{qualified}} yet: import the module that defines it (your model's, or the library "
            "that registers it) before exporting with this translation table."
        ) from exc


def __getattr__(name: str) -> Any:
    if name == "custom_translation_table":
        return translation_table()
    raise AttributeError(f"module {{__name__!r}} has no attribute {{name!r}}")'''


_EXPORT_FUNCTION = '''def export(model: torch.nn.Module, args: Any = (), f: Any = None, **kwargs: Any) -> Any:
    """``torch.onnx.export(..., dynamo=True)`` with this module's translation table and custom ops.

    When ``torch.export`` stops at a size only known at run time (detection post-processing after NMS),
    the model is captured again with ``torch.export.draft_export``, which records such sizes instead.
    """
    table = translation_table()
    with ported_autograd_functions():
        try:
            return torch.onnx.export(model, args, f, dynamo=True, custom_translation_table=table, **kwargs)
        except Exception as exc:
            if not _data_dependent(exc):
                raise
        args = args if isinstance(args, tuple) else (args,)
        program = torch.export.draft_export(
            model, args, kwargs=kwargs.get("kwargs"), dynamic_shapes=_dynamic_shapes(args, kwargs)
        )
        rest = {k: v for k, v in kwargs.items() if k not in ("kwargs", "dynamic_axes", "dynamic_shapes")}
        return torch.onnx.export(program, f=f, dynamo=True, custom_translation_table=table, **rest)


def _data_dependent(exc: BaseException) -> bool:
    """Whether torch.export failed on a data-dependent size (anywhere in the chain of wrapped errors)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if "DataDependent" in type(exc).__name__ or "data-dependent" in str(exc):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _dynamic_shapes(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """``dynamic_axes`` (by input name) as ``torch.export`` dynamic shapes over ``args`` (tensors in order)."""
    if kwargs.get("dynamic_shapes") is not None:
        return kwargs["dynamic_shapes"]
    axes, names = kwargs.get("dynamic_axes") or {}, list(kwargs.get("input_names") or [])
    if not axes:
        return None
    position = iter(range(1 << 30))

    def spec(value: Any) -> Any:
        if isinstance(value, torch.Tensor):
            index = next(position)
            name = names[index] if index < len(names) else None
            dims = axes.get(name, ()) if name is not None else ()
            return {int(d): torch.export.Dim.AUTO for d in dims} or None
        if isinstance(value, (list, tuple)):
            return type(value)(spec(v) for v in value)
        if isinstance(value, dict):
            return {k: spec(v) for k, v in value.items()}
        return None

    return spec(args)'''


def _custom_op_lines(plan: ModulePlan) -> list[str]:
    if not plan.custom_ops:
        return []
    lines = ["", "", "# -- ops of custom domains (declared so that onnxscript can call them) " + "-" * 30, ""]
    for (domain, op_type), shape in plan.custom_ops.items():
        attributes = "{" + ", ".join(f"{name!r}: {kind.name!r}" for name, kind in shape.attributes.items()) + "}"
        optional = f", optional_from={shape.min_inputs}" if shape.min_inputs is not None and shape.min_inputs < shape.inputs else ""
        version = plan.domain_versions.get(domain, 1)
        lines.append(
            f"{custom_op_identifier(domain, op_type)} = _custom_op({domain!r}, {version}, {op_type!r}, "
            f"inputs={shape.inputs}, outputs={shape.outputs}, attributes={attributes}{optional})"
        )
    return lines


def _ported_functions_lines(plan: ModulePlan) -> list[str]:
    entries = "".join(f"\n    ({module!r}, {qualname!r}, {op}),"for module, qualname, op in plan.ported_classes)
    return [
        "",
        "",
        f"_PORTED_FUNCTIONS = [{entries}\n]" if entries else "_PORTED_FUNCTIONS: list[tuple[str, str, Any]] = []",
        "",
        "",
        "@contextlib.contextmanager",
        "def ported_autograd_functions() -> Iterator[None]:",
        '    """While inside, each ported autograd.Function\'s ``apply`` calls its custom op (restored after)."""',
        "    saved = []",
        "    try:",
        "        for module, qualname, custom_op in _PORTED_FUNCTIONS:",
        "            cls = _function_class(module, qualname)",
        '            saved.append((cls, cls.__dict__.get("apply")))',
        "            cls.apply = staticmethod(custom_op)",
        "        yield",
        "    finally:",
        "        for cls, original in reversed(saved):",
        "            if original is None:",
        "                del cls.apply",
        "            else:",
        "                cls.apply = original",
        "",
        "",
        *_EXPORT_FUNCTION.splitlines(),
    ]


def render_module(plan: ModulePlan) -> str:
    """The whole module text."""
    parts = ['"""' + plan.docstring.rstrip() + '\n"""\n', _IMPORTS.format(opset=plan.target_opset)]
    helpers = [_CUSTOM_OP_HELPER if plan.custom_ops else "", _NOT_SEEN_HELPER, _FUNCTION_HELPERS if plan.function_ops else ""]
    parts.append("".join(h for h in helpers if h))
    body: list[str] = _custom_op_lines(plan)
    if plan.function_ops:
        body += ["", "", "# -- autograd.Function classes as custom ops " + "-" * 54]
        for source in plan.function_ops:
            body += ["", "", source.rstrip("\n")]
    body += ["", "", "# -- translation functions " + "-" * 72]
    for source in plan.functions:
        body += ["", "", source.rstrip("\n")]
    for block in plan.attention:
        body += ["", "", block.rstrip("\n")]
    entries = "".join(f"\n        {key}: {name},  # {comment}" for key, name, comment in plan.table)
    body += ["", "", *_TABLE_FUNCTION.format(entries=entries).splitlines()]
    body += _ported_functions_lines(plan)
    return "".join(parts) + "\n".join(body) + "\n"
