"""Selective decomposition: decompose only the ops that have no symbolic.

A registered symbolic (custom or built-in) must win over torch's decomposition
of the same op — a custom ``aten::gelu`` symbolic is the reason users register
it. So the program is decomposed only when some op lacks a symbolic at the
target opset, and then with a table from which every op that *has* one was removed.
"""

from __future__ import annotations

import warnings

import torch
import torch.fx

from onnx_migrate import _torch_compat
from onnx_migrate.compat import fx_nodes, name_drift
from onnx_migrate.errors import CaptureError
from onnx_migrate.legacy_symbolics.registry import SymbolicRegistry

__all__ = ["decompose_unsupported", "functionalize_aliased_writes", "unsupported_ops", "writes_through_alias"]

#: Handled by the translator itself.
_TRANSLATOR_NAMES = frozenset({"_operator::getitem"})


def _has_symbolic(registry: SymbolicRegistry, name: str, opset: int) -> bool:
    if name in _TRANSLATOR_NAMES or registry.is_registered_op(name, opset):
        return True
    if name_drift.has_route(registry, name, opset):  # served by a custom symbolic of its TorchScript-era name
        return True
    base = fx_nodes.NodeInfo(name, "default").inplace_base
    return base is not None and registry.is_registered_op(base, opset)


def unsupported_ops(program: torch.export.ExportedProgram, registry: SymbolicRegistry, opset: int) -> list[str]:
    """Qualified names of the ops in the program with no symbolic at ``opset``.

    The branches of ``torch.cond``/``while_loop`` are submodules; their ops count too.
    """
    missing: dict[str, None] = {}
    graphs = [m.graph for m in _graph_modules(program)]
    for node in (node for graph in graphs for node in graph.nodes):
        if node.op != "call_function":
            continue
        info = fx_nodes.describe(node)
        if not _has_symbolic(registry, info.name, opset):
            missing[info.qualified] = None
    return list(missing)


def _graph_modules(program: torch.export.ExportedProgram) -> list[torch.fx.GraphModule]:
    return [m for m in program.graph_module.modules() if isinstance(m, torch.fx.GraphModule)]


def writes_through_alias(program: torch.export.ExportedProgram) -> bool:
    """Whether an in-place op writes to a tensor that something else can see.

    Symbolics translate in-place ops out of place (``relu_`` as ``relu``), which
    is exact only when the written tensor has no other reader: not a graph input
    or buffer, not a view of another tensor (``x[:, 0] = 1`` is ``select`` +
    ``fill_``), and not read by any other node.
    """
    for graph_module in _graph_modules(program):
        for node in graph_module.graph.nodes:
            schema = _torch_compat.op_schema(node.target) if node.op == "call_function" else None
            if schema is None or not schema.is_mutable:
                continue
            for name, value, _ in fx_nodes.bind_schema_arguments(schema, node.args, node.kwargs):
                argument = next(a for a in schema.arguments if a.name == name)
                if argument.alias_info is None or not argument.alias_info.is_write:
                    continue
                if not isinstance(value, torch.fx.Node):
                    continue
                if value.op != "call_function" or len(value.users) > 1:
                    return True
                producer = _torch_compat.op_schema(value.target)
                if producer is not None and any(r.alias_info is not None for r in producer.returns):
                    return True
    return False


def functionalize_aliased_writes(program: torch.export.ExportedProgram) -> torch.export.ExportedProgram:
    """A functional program (``select_scatter``, ``copy`` ...) when in-place writes reach other tensors.

    ``run_decompositions({})`` decomposes nothing; it only removes mutation, so
    every write lands where PyTorch puts it.
    """
    if not writes_through_alias(program):
        return program
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            return program.run_decompositions({})
    except Exception as exc:
        raise CaptureError(
            f"The model writes in place through a view or to an input, and making its graph functional failed: "
            f"{type(exc).__name__}: {exc}. Replace the in-place write (e.g. x[:, 0] = v) with an out-of-place "
            "form (torch.where, torch.cat, index_put)."
        ) from exc


def decompose_unsupported(
    program: torch.export.ExportedProgram, registry: SymbolicRegistry, opset: int
) -> tuple[torch.export.ExportedProgram, list[str]]:
    """Decompose the ops that lack a symbolic; returns the program and what was decomposed.

    Writes through views are made functional first (see :func:`functionalize_aliased_writes`).
    """
    program = functionalize_aliased_writes(program)
    missing = unsupported_ops(program, registry, opset)
    if not missing:
        return program, []
    table = torch.export.default_decompositions()
    for op in list(table.keys()):
        schema = _torch_compat.op_schema(op)
        if schema is not None and _has_symbolic(registry, schema.name, opset):
            table.pop(op)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            decomposed = program.run_decompositions(table)
    except Exception as exc:
        raise CaptureError(
            f"Decomposing {', '.join(missing)} (no symbolic at opset {opset}) failed: {type(exc).__name__}: {exc}. "
            "Register a symbolic for these ops with onnx_migrate.register_custom_op_symbolic."
        ) from exc
    return decomposed, missing
