"""Reading FX nodes the way legacy symbolics expect to see them.

Names (``aten::relu_``, overload ``default``), source lines for error messages,
module scopes for ONNX node names, and the argument list in schema order with
defaults filled in, as TorchScript graphs carried them.
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import torch
import torch.fx

from onnx_migrate import _torch_compat
from onnx_migrate.compat import recurrent_capture

__all__ = ["NodeInfo", "bind_schema_arguments", "describe", "schema_arguments", "source_line"]


@dataclasses.dataclass(frozen=True)
class NodeInfo:
    """The identity of an FX node's operator."""

    name: str  # "aten::relu_"
    overload: str  # "default", "Tensor", ...

    @property
    def qualified(self) -> str:
        """``aten::add.Tensor`` (the name users see in errors)."""
        if not self.overload or self.overload == "default":
            return self.name
        return f"{self.name}.{self.overload}"

    @property
    def inplace_base(self) -> str | None:
        """``aten::relu`` for ``aten::relu_``; ``None`` when the op is not in-place."""
        ns, _, op = self.name.partition("::")
        if op.endswith("_") and not op.endswith("__") and len(op) > 1:
            return f"{ns}::{op[:-1]}"
        return None

    @property
    def legacy_dunder_name(self) -> str | None:
        """``aten::__and_`` for ``aten::__and__``: the legacy exporter dropped one trailing ``_`` of every
        node kind, so its library and users' custom symbolics register the dunder ops under that name."""
        ns, _, op = self.name.partition("::")
        if op.startswith("__") and op.endswith("__") and len(op) > 4:
            return f"{ns}::{op[:-1]}"
        return None


def describe(node: torch.fx.Node) -> NodeInfo:
    """The operator name of a ``call_function`` node."""
    target = node.target
    schema = _torch_compat.op_schema(target)
    if schema is not None:
        namespace, _, op = schema.name.partition("::")
        legacy = recurrent_capture.legacy_name(namespace, op)
        if legacy is not None:
            return NodeInfo(*legacy)
        return NodeInfo(schema.name, schema.overload_name or "default")
    if _torch_compat.is_higher_order_op(target):
        return NodeInfo(f"higher_order::{target.name()}", "default")
    module = getattr(target, "__module__", None) or ""
    name = getattr(target, "__name__", repr(target))
    if module in ("_operator", "operator") or target in vars(operator).values():
        return NodeInfo(f"_operator::{name}", "default")
    return NodeInfo(f"{module.replace('.', '_') or 'python'}::{name}", "default")


#: Frames in onnx_migrate itself (the autograd.Function interception) are never the user's line.
_PACKAGE_DIR = str(Path(__file__).resolve().parent.parent)


def source_line(node: torch.fx.Node) -> str:
    """``File "model.py", line 12, in forward: y = x.relu()`` of the user's code, or ``""``."""
    trace = node.meta.get("stack_trace") or ""
    lines = [ln.rstrip() for ln in trace.splitlines() if ln.strip()]
    for index in range(len(lines) - 1, -1, -1):
        text = lines[index].strip()
        if text.startswith("File ") and "/torch/" not in text and _PACKAGE_DIR not in text:
            code = lines[index + 1].strip() if index + 1 < len(lines) and not lines[index + 1].strip().startswith("File ") else ""
            return f"{text}: {code}" if code else text
    return ""


def module_scope(node: torch.fx.Node) -> str:
    """The dotted path of the innermost module that produced the node (``layer1.0.conv1``)."""
    stack = node.meta.get("nn_module_stack") or {}
    if not stack:
        return ""
    path, _ = list(stack.values())[-1]
    if str(path).startswith("_empty_nn_module_stack"):
        return ""  # torch's placeholder for nodes created outside any module
    return _clean_module_path(str(path))


def _clean_module_path(path: str) -> str:
    # torch.export writes paths like "L['self'].layer1[0].conv1" in strict mode and "layer1.0.conv1" otherwise.
    cleaned = path.replace("L['self'].", "").replace("L['self']", "")
    cleaned = cleaned.replace("[", ".").replace("]", "").replace("'", "")
    return cleaned.strip(".")


def schema_arguments(node: torch.fx.Node) -> list[tuple[str, Any, bool]]:
    """``(name, value, explicit)`` for every schema argument, in schema order.

    ``explicit`` is False when the value is the schema default (not in the graph).
    TorchScript nodes carried every argument, defaults included, so symbolics
    expect all of them.
    """
    return bind_schema_arguments(_torch_compat.op_schema(node.target), node.args, node.kwargs)


def bind_schema_arguments(schema: Any, args: Sequence[Any], kwargs: Mapping[str, Any]) -> list[tuple[str, Any, bool]]:
    """:func:`schema_arguments` for a call given as ``(args, kwargs)`` (``schema`` may be ``None``).

    The dynamo bridge receives the arguments of a call, not its FX node.
    """
    if schema is None:
        return [(f"arg{i}", a, True) for i, a in enumerate(args)] + [(k, v, True) for k, v in kwargs.items()]
    result: list[tuple[str, Any, bool]] = []
    positional = list(args)
    for index, argument in enumerate(schema.arguments):
        if index < len(positional) and not argument.kwarg_only:
            result.append((argument.name, positional[index], True))
        elif argument.name in kwargs:
            result.append((argument.name, kwargs[argument.name], True))
        elif argument.has_default_value():
            result.append((argument.name, argument.default_value, False))
        else:
            result.append((argument.name, None, False))
    return result


def output_count(node: torch.fx.Node) -> int:
    """How many values the node produces (a list/tuple ``meta['val']`` counts its items)."""
    val = node.meta.get("val")
    if isinstance(val, (list, tuple)):
        return len(val)
    return 1


def example_value(node: torch.fx.Node) -> Any:
    return node.meta.get("val")
