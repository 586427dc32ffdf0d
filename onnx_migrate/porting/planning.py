"""From the recorded symbolic calls to the ported symbolics: one translation function each.

Each custom symbolic that ran is ported once: as a general function translated
from its source when it is only ``g.op`` calls (:mod:`~onnx_migrate.porting.general`),
else as a function specialized on its recorded calls
(:mod:`~onnx_migrate.porting.specialized`); an ``autograd.Function`` also gets its
custom op (:mod:`~onnx_migrate.porting.autograd_ops`). What cannot be written is
kept as "needs attention", with the line to edit and why.
"""

from __future__ import annotations

import dataclasses
import hashlib
import inspect
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from onnx_migrate import _torch_compat
from onnx_migrate.compat.symbolic_recording import ExportRecord, SymbolicUse
from onnx_migrate.porting import general
from onnx_migrate.porting.autograd_ops import FunctionOp, function_op, snake_case
from onnx_migrate.porting.module_text import ModulePlan
from onnx_migrate.porting.parameters import SchemaParameter, function_parameters, op_parameters
from onnx_migrate.porting.replay import CustomOpShape, changed_between, custom_op_identifier
from onnx_migrate.porting.specialized import specialized_function

__all__ = ["GENERAL", "NEEDS_ATTENTION", "SPECIALIZED", "PortedSymbolic", "plan_module", "source_location"]

GENERAL = "general"
SPECIALIZED = "specialized"
NEEDS_ATTENTION = "needs attention"

#: The opset torch's new exporter builds its graphs at, at the least.
NEW_EXPORTER_MIN_OPSET = 18


@dataclasses.dataclass
class PortedSymbolic:
    """One custom symbolic and what ``port`` made of it.

    Attributes:
        key: the op (``torchvision::roi_align.default``) or the ``autograd.Function`` (``module.Class``).
        origin: the symbolic, ``module.qualname``.
        location: ``file:line`` of the symbolic (``?`` when unknown).
        uses: its recorded calls.
        function_name: the generated translation function.
        table_key: the expression of its ``custom_translation_table`` key.
        kind: :data:`GENERAL`, :data:`SPECIALIZED` or :data:`NEEDS_ATTENTION`.
        reason: why specialized, or what needs attention.
        specializations: the conditions of each specialized body, as text.
        function_op: the custom op of an ``autograd.Function``.
        status: after verification: ``verified``, ``verified with specialization``, ``needs attention``
            (or ``not verified`` when no export used it in the verification run).
        detail: what verification found, for a symbolic that needs attention.
    """

    key: str
    origin: str
    location: str
    uses: list[SymbolicUse]
    function_name: str
    table_key: str | None = None
    kind: str = SPECIALIZED
    reason: str = ""
    specializations: list[str] = dataclasses.field(default_factory=list)
    function_op: FunctionOp | None = None
    status: str = "not verified"
    detail: str = ""


def source_location(fn: Callable[..., Any]) -> tuple[str, int | None]:
    """``(file, line)`` of a function's definition, the file relative to the working directory when inside it."""
    target = inspect.unwrap(fn) if callable(fn) else fn
    try:
        path = inspect.getsourcefile(target) or "?"
        line = inspect.getsourcelines(target)[1]
    except (OSError, TypeError):
        return "?", None
    try:
        relative = os.path.relpath(path)
        path = relative if not relative.startswith("..") else path
    except ValueError:
        pass
    return path, line


def _group(uses: Sequence[SymbolicUse]) -> list[list[SymbolicUse]]:
    groups: dict[Any, list[SymbolicUse]] = {}
    for use in uses:
        key = ("function", use.function) if use.function is not None else ("op", use.qualified)
        groups.setdefault(key, []).append(use)
    return list(groups.values())


def _function_name(use: SymbolicUse, taken: set[str]) -> str:
    if use.function is not None:
        base = snake_case(use.function.__name__)
    else:
        name, _, overload = use.qualified.partition(".")
        base = re.sub(r"\W+", "_", name.replace("::", "_")).strip("_")
        if overload and overload != "default":
            base += "_" + re.sub(r"\W+", "_", overload)
    name = base
    counter = 2
    while name in taken:
        name, counter = f"{base}_{counter}", counter + 1
    taken.add(name)
    return name


def _op_table_key(use: SymbolicUse) -> str:
    name, _, overload = use.qualified.partition(".")
    qualified = f"{name}.{overload or 'default'}"
    return f"_op({qualified!r})"


def _parameters(uses: Sequence[SymbolicUse]) -> list[SchemaParameter] | str:
    first = uses[0]
    if first.function is not None:
        return function_parameters([u.arguments for u in uses])
    schema = _torch_compat.op_schema(first.target)
    if schema is None:
        return f"{first.qualified} has no op schema torch's new exporter could dispatch on"
    return op_parameters(schema)


def _try_general(
    ported: PortedSymbolic, parameters: Sequence[SchemaParameter], target_opset: int
) -> general.GeneralFunction | str:
    symbolic = ported.uses[0].symbolic
    changed = changed_between([n for u in ported.uses for n in u.nodes], min(u.opset for u in ported.uses), target_opset)
    result = general.translate_general(
        symbolic, ported.function_name, parameters, custom_op_identifier=custom_op_identifier, opset_alias="op"
    )
    if isinstance(result, general.NotGeneral):
        return result.reason
    if changed:
        return f"it emits {', '.join(changed)}, whose ONNX definition changed by opset {target_opset}"
    return result


def _plan_one(
    ported: PortedSymbolic,
    *,
    target_opset: int,
    custom_ops: dict[tuple[str, str], CustomOpShape],
    namespace: str,
    taken_ops: set[str],
) -> str | None:
    """Fill in ``ported``'s code; returns the function source (``None``: it needs attention)."""
    parameters = _parameters(ported.uses)
    if isinstance(parameters, str):
        ported.kind, ported.reason = NEEDS_ATTENTION, parameters
        return None
    first = ported.uses[0]
    if first.function is not None:
        ported.function_op = function_op(ported.uses, parameters, namespace, taken_ops)
        if ported.function_op.problem:
            ported.kind, ported.reason = NEEDS_ATTENTION, ported.function_op.problem
            return None
        ported.table_key = f"_op({f'{namespace}::{ported.function_op.op_name}.default'!r})"
        parameters = [dataclasses.replace(p, annotation=_translation_annotation(p.annotation)) for p in parameters]
    else:
        ported.table_key = _op_table_key(first)
    problems = [u.problem for u in ported.uses if u.problem]
    if problems:
        ported.kind, ported.reason = NEEDS_ATTENTION, problems[0]
        return None
    outcome = _try_general(ported, parameters, target_opset)
    if isinstance(outcome, general.GeneralFunction):
        for use in ported.uses:
            for node in use.nodes:
                if node.domain not in ("", "ai.onnx"):
                    custom_ops.setdefault((node.domain, node.op_type), CustomOpShape(node.domain, node.op_type)).merge_emitted(node)
        ported.kind = GENERAL
        return outcome.source
    header = [
        f"{ported.key}: specialized from {ported.location} ({ported.origin.rsplit('.', 1)[-1]}),",
        f"which is not general: {outcome}.",
        "It repeats the nodes the symbolic emitted for the calls port saw:",
    ]
    specialized = specialized_function(
        ported.function_name,
        parameters,
        ported.uses,
        header=header,
        target_opset=target_opset,
        custom_ops=custom_ops,
        qualified=ported.key,
    )
    if specialized.problem:
        ported.kind, ported.reason = NEEDS_ATTENTION, specialized.problem
        return None
    ported.kind, ported.reason = SPECIALIZED, outcome
    ported.specializations = ["; ".join(c.description for c in conds if c.description) for conds in specialized.specializations]
    return specialized.source


def _translation_annotation(annotation: str | None) -> str | None:
    """A custom op's argument as torch's exporter hands it to the translation function."""
    if annotation in ("torch.Tensor", "Optional[torch.Tensor]"):
        return None
    return (annotation or "").replace("torch.dtype", "ir.DataType") or None


def _attention_block(ported: PortedSymbolic) -> str:
    return "\n".join([
        f"# NEEDS ATTENTION: {ported.key} ({ported.origin}, {ported.location}) is not in the table:",
        f"#   {ported.reason}.",
        "#   Write its translation by hand (see MIGRATION.md, step 2) and add it to custom_translation_table.",
    ])


def plan_module(
    uses: Sequence[SymbolicUse], exports: Sequence[ExportRecord], *, namespace: str, docstring: str
) -> tuple[ModulePlan, list[PortedSymbolic]]:
    """The module to write for ``uses``, and what became of each symbolic."""
    target_opset = max([NEW_EXPORTER_MIN_OPSET, *(u.opset for u in uses)])
    custom_ops: dict[tuple[str, str], CustomOpShape] = {}
    taken: set[str] = set()
    taken_ops: set[str] = set()
    ported_list: list[PortedSymbolic] = []
    functions: list[str] = []
    attention: list[str] = []
    for group in _group(uses):
        first = group[0]
        path, line = source_location(first.symbolic)
        ported = PortedSymbolic(
            key=first.qualified,
            origin=first.origin,
            location=f"{path}:{line}" if line else path,
            uses=group,
            function_name=_function_name(first, taken),
        )
        source = _plan_one(ported, target_opset=target_opset, custom_ops=custom_ops, namespace=namespace, taken_ops=taken_ops)
        ported_list.append(ported)
        if source is None:
            attention.append(_attention_block(ported))
        else:
            functions.append(source)
    domain_versions: dict[str, int] = {}
    for record in exports:
        for domain, version in (record.keywords.get("custom_opsets") or {}).items():
            domain_versions.setdefault(domain, int(version))
    plan = ModulePlan(
        docstring=docstring,
        target_opset=target_opset,
        custom_ops=custom_ops,
        domain_versions=domain_versions,
        function_ops=[p.function_op.source for p in ported_list if p.function_op is not None and not p.function_op.problem],
        functions=functions,
        table=[(p.table_key, p.function_name, f"{p.kind}: {p.origin}") for p in ported_list if p.kind != NEEDS_ATTENTION and p.table_key],
        ported_classes=[
            (p.function_op.class_module, p.function_op.class_qualname, p.function_op.python_name)
            for p in ported_list
            if p.function_op is not None and p.kind != NEEDS_ATTENTION
        ],
        attention=attention,
    )
    return plan, ported_list


def module_namespace(output: Path) -> str:
    """The ``torch.library`` namespace of the generated custom ops: the module's name and a digest of its path.

    torch registers ops once per process: two modules written to different places must not share ops.
    """
    stem = re.sub(r"\W+", "_", output.stem).strip("_") or "translations"
    digest = hashlib.sha1(str(output.resolve()).encode(), usedforsecurity=False).hexdigest()[:6]
    return f"ported_{stem}_{digest}"
