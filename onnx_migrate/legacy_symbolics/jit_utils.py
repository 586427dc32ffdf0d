"""The legacy ``torch.onnx._internal.jit_utils`` module (and ``torch.onnx.SymbolicContext``), without TorchScript.

Custom symbolics import ``GraphContext`` from ``jit_utils`` for their type
annotations, call ``jit_utils.add_op_with_blocks`` for control flow and
``parse_node_kind`` / ``is_aten`` to read ``g.original_node.kind()``. torch moved
the module (it is gone from ``torch.onnx._internal``) and will drop it with
TorchScript; ``install()`` serves this module at the old path, with a
``DeprecationWarning`` naming ``onnx_migrate.legacy_symbolics.graph_context``.

``SymbolicContext`` is the context object torch 1.11-1.12 passed as the first
argument to symbolics annotated with it (``def sym(ctx: SymbolicContext, g, x)``);
:func:`adapt_symbolic_context` keeps that calling convention working.
The TorchScript graph plumbing of the legacy module (``_create_node``,
``_add_attribute`` ...) has no counterpart: ``GraphContext.op`` does that work.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import typing
from collections.abc import Callable
from typing import Any

import torch

from onnx_migrate.legacy_symbolics.graph_context import GraphContext, add_op_with_blocks
from onnx_migrate.legacy_symbolics.values import TensorType

__all__ = [
    "GraphContext",
    "SymbolicContext",
    "adapt_symbolic_context",
    "add_op_with_blocks",
    "get_device_from_value",
    "is_aten",
    "is_onnx",
    "is_prim",
    "needs_symbolic_context",
    "parse_node_kind",
]


@dataclasses.dataclass
class SymbolicContext:
    """What torch 1.11-1.12 gave symbolics declaring a ``SymbolicContext`` first parameter.

    Attributes:
        params_dict: initializer name -> tensor (``g.params_dict``).
        env: legacy value environment (``g.env``).
        cur_node: the model node being translated (``g.original_node``).
        onnx_block: where nodes are appended (``g.block``).
    """

    params_dict: dict[str, Any]
    env: dict[Any, Any]
    cur_node: Any
    onnx_block: Any

    @classmethod
    def from_graph_context(cls, g: GraphContext) -> SymbolicContext:
        """The context of the node ``g`` is translating."""
        return cls(params_dict=g.params_dict, env=g.env, cur_node=g.original_node, onnx_block=g.block)


def _add_op(graph_context: GraphContext, opname: str, *args: Any, outputs: int = 1, **kwargs: Any) -> Any:
    """Legacy private spelling of ``g.op`` (some symbolics called it directly)."""
    return graph_context.op(opname, *args, outputs=outputs, **kwargs)


def get_device_from_value(value: Any) -> torch.device | None:
    """The device of a tensor value (``None`` for non-tensors); exported graphs live on the CPU."""
    jit_type = value.type()
    if not isinstance(jit_type, TensorType):
        return None
    return jit_type.device()


def parse_node_kind(kind: str) -> tuple[str, str]:
    """``"aten::relu"`` -> ``("aten", "relu")``.

    Raises:
        ValueError: ``kind`` has no ``::`` or more than one (as the legacy function).
    """
    if "::" not in kind:
        raise ValueError(f"Node kind {kind!r} is invalid: it has no '::' (expected 'domain::op', e.g. 'aten::relu').")
    domain, op_name = kind.split("::", 1)
    if "::" in op_name:
        raise ValueError(f"Node kind {kind!r} is invalid: '::' may appear only once (expected 'domain::op').")
    return domain, op_name


def is_aten(domain: str) -> bool:
    """Whether ``domain`` (from :func:`parse_node_kind`) is PyTorch's ``aten``."""
    return domain == "aten"


def is_prim(domain: str) -> bool:
    """Whether ``domain`` is TorchScript's ``prim``."""
    return domain == "prim"


def is_onnx(domain: str) -> bool:
    """Whether ``domain`` is ``onnx``."""
    return domain == "onnx"


def needs_symbolic_context(fn: Callable[..., Any]) -> bool:
    """Whether ``fn``'s first parameter is annotated ``SymbolicContext`` (the torch 1.11-1.12 convention).

    Such symbolics were called ``fn(ctx, g, *args)``; string annotations count too.
    """
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return False
    if not params:
        return False
    first = params[0]
    try:
        hint = typing.get_type_hints(fn).get(first.name)
    except Exception:  # noqa: BLE001 - unresolvable annotations: fall back to their text
        hint = first.annotation
    if isinstance(hint, str):
        return hint.rsplit(".", 1)[-1] == "SymbolicContext"
    return isinstance(hint, type) and hint.__name__ == "SymbolicContext"


def adapt_symbolic_context(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` itself, or, if it takes a ``SymbolicContext`` first, a symbolic that supplies one.

    The adapted function is called ``(g, *args)`` like every other symbolic and
    calls ``fn(SymbolicContext.from_graph_context(g), g, *args)``.
    """
    if not needs_symbolic_context(fn):
        return fn

    @functools.wraps(fn)
    def with_context(g: GraphContext, *args: Any, **kwargs: Any) -> Any:
        return fn(SymbolicContext.from_graph_context(g), g, *args, **kwargs)

    return with_context
