"""In-place writes that only the written tensor sees, made safe to translate out of place without a second trace.

Symbolics translate in-place ops out of place (``relu_`` as ``relu``, ``add_`` as
``add``): the ONNX node produces a new value and the old one stays as it was. That
is exact when nothing reads the written tensor *after* the write, or when every
later reader is pointed at the write's result. For a tensor the graph computed
itself (not an input, parameter or buffer, not a view of another tensor, with no
view taken of it), :func:`redirect_later_readers` does exactly that on the FX
graph: readers after the write read the write's output. Only the writes it cannot
make local (through views, into inputs or buffers) still need torch's
functionalization (``run_decompositions``), which re-traces the whole program and
dominated export time on ordinary CNNs with ``inplace=True`` activations and
residual adds.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable

import torch
import torch.fx

from onnx_migrate import _torch_compat
from onnx_migrate.compat import fx_nodes

__all__ = ["has_nonlocal_writes", "local_write_target", "redirect_later_readers", "written_arguments"]


def written_arguments(node: torch.fx.Node) -> list[torch.fx.Node]:
    """The graph values an op writes in place (``self`` of ``relu_``); empty for functional ops."""
    schema = _torch_compat.op_schema(node.target) if node.op == "call_function" else None
    if schema is None or not schema.is_mutable:
        return []
    by_name = {argument.name: argument for argument in schema.arguments}
    written = []
    for name, value, _ in fx_nodes.bind_schema_arguments(schema, node.args, node.kwargs):
        alias = by_name[name].alias_info
        if alias is not None and alias.is_write and isinstance(value, torch.fx.Node):
            written.append(value)
    return written


def _returns_alias(node: torch.fx.Node) -> bool:
    schema = _torch_compat.op_schema(node.target) if node.op == "call_function" else None
    return schema is not None and any(r.alias_info is not None for r in schema.returns)


def _viewed_argument(node: torch.fx.Node) -> torch.fx.Node | None:
    """The tensor a view op (``flatten``, ``transpose`` ...) shares storage with, from its schema."""
    schema = _torch_compat.op_schema(node.target) if node.op == "call_function" else None
    if schema is None:
        return None
    aliased = [a.name for a in schema.arguments if a.alias_info is not None and not a.alias_info.is_write]
    if len(aliased) != 1:
        return None
    for name, value, _ in fx_nodes.bind_schema_arguments(schema, node.args, node.kwargs):
        if name == aliased[0] and isinstance(value, torch.fx.Node):
            return value
    return None


def _is_private(value: torch.fx.Node) -> bool:
    """Whether ``value`` is a tensor the graph made itself and nothing else can observe through shared storage.

    The result of an in-place write of a private tensor is that tensor again, so it is private too;
    so is a view that is the only user of a private tensor (``dropout_`` on ``flatten``'s output in
    EfficientNet's classifier): no other reader can see the write through the base.
    """
    while True:
        if value.op != "call_function" or value.target is operator.getitem:
            return False
        if not _returns_alias(value):
            return True
        written = written_arguments(value)
        if len(written) == 1:
            value = written[0]
            continue
        base = _viewed_argument(value) if not written else None
        if base is None or len(base.users) != 1:
            return False  # a view others can see through, or a multi-write op
        value = base


def local_write_target(node: torch.fx.Node) -> torch.fx.Node | None:
    """The one private tensor ``node`` writes in place, if no view of it exists; ``None`` otherwise."""
    written = written_arguments(node)
    if len(written) != 1:
        return None
    target = written[0]
    if not _is_private(target):
        return None
    if any(user is not node and _returns_alias(user) and not written_arguments(user) for user in target.users):
        return None  # a view of the tensor would see the write
    return target


def redirect_later_readers(graph_modules: Iterable[torch.fx.GraphModule]) -> int:
    """Point every reader of a locally written tensor that comes after the write at the write's result.

    Returns how many writes were made local. The graph's meaning is unchanged: in
    PyTorch those readers saw the written tensor, which is what the write returns.
    """
    made_local = 0
    for graph_module in graph_modules:
        order = {node: index for index, node in enumerate(graph_module.graph.nodes)}
        for node in list(graph_module.graph.nodes):
            target = local_write_target(node)
            if target is None:
                continue
            for user in list(target.users):
                if user is not node and order[user] > order[node]:
                    user.replace_input_with(target, node)
            made_local += 1
        if made_local:
            graph_module.recompile()
    return made_local


def has_nonlocal_writes(graph_modules: Iterable[torch.fx.GraphModule]) -> bool:
    """Whether some in-place write reaches a tensor others can see (an input, a buffer, a view, a later reader)."""
    for graph_module in graph_modules:
        order = {node: index for index, node in enumerate(graph_module.graph.nodes)}
        for node in graph_module.graph.nodes:
            for target in written_arguments(node):
                if local_write_target(node) is not target:
                    return True
                if any(user is not node and order[user] > order[node] for user in target.users):
                    return True
    return False
