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
from onnx_migrate.compat import fx_nodes
from onnx_migrate.errors import CaptureError
from onnx_migrate.legacy_symbolics.registry import SymbolicRegistry

__all__ = ["decompose_unsupported", "unsupported_ops"]

#: Handled by the translator itself.
_TRANSLATOR_NAMES = frozenset({"_operator::getitem"})


def _has_symbolic(registry: SymbolicRegistry, name: str, opset: int) -> bool:
    if name in _TRANSLATOR_NAMES or registry.is_registered_op(name, opset):
        return True
    base = fx_nodes.NodeInfo(name, "default").inplace_base
    return base is not None and registry.is_registered_op(base, opset)


def unsupported_ops(program: torch.export.ExportedProgram, registry: SymbolicRegistry, opset: int) -> list[str]:
    """Qualified names of the ops in the program with no symbolic at ``opset``.

    The branches of ``torch.cond``/``while_loop`` are submodules; their ops count too.
    """
    missing: dict[str, None] = {}
    graphs = [m.graph for m in program.graph_module.modules() if isinstance(m, torch.fx.GraphModule)]
    for node in (node for graph in graphs for node in graph.nodes):
        if node.op != "call_function":
            continue
        info = fx_nodes.describe(node)
        if not _has_symbolic(registry, info.name, opset):
            missing[info.qualified] = None
    return list(missing)


def decompose_unsupported(
    program: torch.export.ExportedProgram, registry: SymbolicRegistry, opset: int
) -> tuple[torch.export.ExportedProgram, list[str]]:
    """Decompose the ops that lack a symbolic; returns the program and what was decomposed."""
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
