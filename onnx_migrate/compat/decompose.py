"""Selective decomposition: decompose only the ops that have no symbolic.

A registered symbolic (custom or built-in) must win over torch's decomposition
of the same op — a custom ``aten::gelu`` symbolic is the reason users register
it. So the program is decomposed only when some op lacks a symbolic at the
target opset, and then with a table from which every op that *has* one was removed.
"""

from __future__ import annotations

import operator
import warnings

import torch
import torch.fx

from onnx_migrate import _torch_compat
from onnx_migrate.compat import fx_nodes, inplace_writes, name_drift
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
    info = fx_nodes.NodeInfo(name, "default")
    # The names the translator also looks under: ``relu`` for ``relu_``, legacy ``__and_`` for ``__and__``.
    return any(
        alias is not None and registry.is_registered_op(alias, opset)
        for alias in (info.inplace_base, info.legacy_dunder_name)
    )


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
    is exact only when the written tensor has no later reader: not a graph input
    or buffer, not a view of another tensor (``x[:, 0] = 1`` is ``select`` +
    ``fill_``), and not read by any node after the write.
    """
    return inplace_writes.has_nonlocal_writes(_graph_modules(program))


def functionalize_aliased_writes(program: torch.export.ExportedProgram) -> torch.export.ExportedProgram:
    """A program whose in-place writes are all safe to translate out of place.

    Writes to tensors the graph made itself are made local on the graph (later
    readers read the write's result, :mod:`~onnx_migrate.compat.inplace_writes`).
    Only when writes through views or into inputs remain is the program made
    functional with ``run_decompositions({})``, which decomposes nothing and only
    removes mutation (``select_scatter``, ``copy`` ...), at the cost of a second trace.
    """
    inplace_writes.redirect_later_readers(_graph_modules(program))
    if not writes_through_alias(program):
        return program
    try:
        # Retracing must not specialize the size-1 dims capture kept dynamic (as capture does).
        with _torch_compat.size_oblivious_dims(), warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            return program.run_decompositions({})
    except Exception as exc:
        raise CaptureError(
            f"The model writes in place through a view or to an input, and making its graph functional failed: "
            f"{type(exc).__name__}: {exc}. Replace the in-place write (e.g. x[:, 0] = v) with an out-of-place "
            "form (torch.where, torch.cat, index_put)."
        ) from exc


#: torch.export's runtime checks of sizes and data-dependent values: ONNX has no assertions.
_ASSERTIONS = frozenset(
    {
        "aten::_assert_scalar",
        "aten::_assert_async",
        "aten::_functional_assert_async",
        "aten::_assert_tensor_metadata",
        "aten::sym_constrain_range",
        "aten::sym_constrain_range_for_size",
    }
)


def drop_runtime_assertions(program: torch.export.ExportedProgram) -> int:
    """Remove torch.export's runtime assertions and the size arithmetic only they read.

    ONNX has no assertions (the legacy exporter had none to drop). Left in place, the
    checks ``draft_export`` adds for a branch decided by the example (``item``,
    ``sym_ite``, comparisons) would become dead ONNX nodes. Returns how many were removed.
    """
    removed = 0
    for graph_module in _graph_modules(program):
        graph = graph_module.graph
        for node in list(graph.nodes):
            if node.op == "call_function" and not node.users and fx_nodes.describe(node).name in _ASSERTIONS:
                graph.erase_node(node)
                removed += 1
        if removed:
            graph.eliminate_dead_code()
            graph_module.recompile()
    return removed


#: ``with torch.no_grad():`` / ``torch.enable_grad()`` regions in ``forward``: a grad mode means nothing in ONNX.
_GRAD_MODE_REGIONS = frozenset({"higher_order::wrap_with_set_grad_enabled"})


def inline_grad_mode_regions(program: torch.export.ExportedProgram) -> int:
    """Put the body of each grad-mode region back into the graph that holds it.

    torch.export wraps a ``forward`` decorated with ``@torch.no_grad()`` (segment-anything's
    ONNX model) in a ``wrap_with_set_grad_enabled`` higher-order op around a submodule.
    Left there, it has no symbolic and the whole program went through ``run_decompositions``
    (a second full trace: 6.7 of 26 s on SAM's decoder) just to inline it. The body's nodes,
    with their metadata, are copied in place of the call here. Returns how many were inlined.
    """
    inlined = 0
    for graph_module in _graph_modules(program):
        graph = graph_module.graph
        for node in list(graph.nodes):
            if node.op != "call_function" or fx_nodes.describe(node).name not in _GRAD_MODE_REGIONS:
                continue
            body_ref, operands = node.args[1], node.args[2:]
            if not isinstance(body_ref, torch.fx.Node) or body_ref.op != "get_attr":
                continue
            body = getattr(graph_module, str(body_ref.target))
            placeholders = [n for n in body.graph.nodes if n.op == "placeholder"]
            if len(placeholders) != len(operands) or any(n.op == "get_attr" for n in body.graph.nodes):
                continue  # a body reading its own attributes (a nested region) is left to run_decompositions
            with graph.inserting_before(node):
                outputs = graph.graph_copy(body.graph, dict(zip(placeholders, operands, strict=True)))
            results = outputs if isinstance(outputs, (tuple, list)) else (outputs,)
            for user in list(node.users):
                if user.op == "call_function" and user.target is operator.getitem:
                    user.replace_all_uses_with(results[user.args[1]])
                    graph.erase_node(user)
            if node.users:
                raise CaptureError(f"Inlining {fx_nodes.describe(node).name} left readers of its tuple; please report this.")
            graph.erase_node(node)
            if not body_ref.users:
                graph.erase_node(body_ref)
            inlined += 1
        if inlined:
            graph.eliminate_dead_code()
            graph_module.recompile()
    return inlined


def decompose_unsupported(
    program: torch.export.ExportedProgram, registry: SymbolicRegistry, opset: int
) -> tuple[torch.export.ExportedProgram, list[str]]:
    """Decompose the ops that lack a symbolic; returns the program and what was decomposed.

    Runtime assertions are dropped, grad-mode regions inlined and writes through views made
    functional first (see :func:`drop_runtime_assertions`, :func:`inline_grad_mode_regions`,
    :func:`functionalize_aliased_writes`).
    """
    drop_runtime_assertions(program)
    inline_grad_mode_regions(program)
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
        with _torch_compat.size_oblivious_dims(), warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            decomposed = program.run_decompositions(table)
    except Exception as exc:
        raise CaptureError(
            f"Decomposing {', '.join(missing)} (no symbolic at opset {opset}) failed: {type(exc).__name__}: {exc}. "
            "Register a symbolic for these ops with onnx_migrate.register_custom_op_symbolic."
        ) from exc
    return decomposed, missing
