"""One legacy symbolic wrapped as a ``custom_translation_table`` function.

torch's new exporter calls the wrapper while it translates an FX node. The
wrapper finds torch's node recorder, rebuilds the legacy arguments, calls the
symbolic with a :class:`~onnx_migrate.bridge.graph_context.BridgeGraphContext`,
and hands torch back ``onnx_ir`` values it may rename (one per output of the
op). Binding, the call, its errors and the checks of what it returned are the
legacy backend's own (:mod:`onnx_migrate.compat.symbolic_call`): when the
symbolic fails, the error names the symbolic, the op and the FX node, and chains
the original exception, instead of surfacing as the last link of torch's and
onnxscript's wrappers.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from typing import Any

import onnx_ir as ir
import torch

from onnx_migrate import _torch_compat
from onnx_migrate.bridge import _onnxscript_compat
from onnx_migrate.bridge.arguments import legacy_arguments
from onnx_migrate.bridge.graph_context import BridgeGraphBuilder, BridgeGraphContext
from onnx_migrate.compat import fx_nodes
from onnx_migrate.compat.export_report import ExportReport
from onnx_migrate.compat.fx_nodes import bind_schema_arguments
from onnx_migrate.compat.symbolic_call import (
    SYMBOLIC_ERROR_MARK,
    ExpectedOutputs,
    SymbolicCall,
    check_inputs_untouched,
    check_outputs,
    fit_to_signature,
    symbolic_errors,
    watch_inputs,
)
from onnx_migrate.legacy_symbolics.export_context import ExportContext, active_export
from onnx_migrate.legacy_symbolics.graph_context import SourceNode
from onnx_migrate.legacy_symbolics.registry import SymbolicEntry
from onnx_migrate.legacy_symbolics.values import ConstantValue, ListValue, Value

__all__ = ["BRIDGE_ERROR_MARK", "BridgeSession", "bridged_symbolic"]

#: Attribute set on errors raised by a bridged symbolic, so the export can find them in torch's chain.
BRIDGE_ERROR_MARK = SYMBOLIC_ERROR_MARK

#: How a bridged call came about, in the location its errors give.
_EXPORTER = " with torch.onnx.export(dynamo=True)"


@dataclasses.dataclass
class BridgeSession:
    """What every function of one translation table shares.

    Attributes:
        opset: the ONNX opset the symbolics run at (the opset torch builds the graph at).
        export_context: what ``GLOBALS`` / ``g.export_context`` report during each call.
        custom_opsets: custom domain -> version, for the nodes' versions and opset imports.
        report: where each use of a symbolic is recorded (``None``: not recorded).
    """

    opset: int
    export_context: ExportContext
    custom_opsets: Mapping[str, int] = dataclasses.field(default_factory=dict)
    report: ExportReport | None = None
    builder: BridgeGraphBuilder = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        self.builder = BridgeGraphBuilder(opset=self.opset, shape_inference=self.export_context.onnx_shape_inference)


def _qualified(overload: Any) -> str:
    schema = _torch_compat.op_schema(overload)
    if schema is None:
        return str(overload)
    return fx_nodes.NodeInfo(schema.name, schema.overload_name or "default").qualified


def bridged_symbolic(overload: Any, entry: SymbolicEntry, session: BridgeSession) -> Callable[..., Any]:
    """The translation function that runs ``entry``'s symbolic for ``overload``.

    Args:
        overload: the ``torch._ops.OpOverload`` the function translates.
        entry: the registered symbolic (for an in-place op, its out-of-place symbolic).
        session: the state shared by the table.
    """
    schema = _torch_compat.op_schema(overload)
    qualified = _qualified(overload)

    def translate(*args: Any, **kwargs: Any) -> Any:
        return _run(qualified, schema, entry, session, args, kwargs)

    # torch infers a signature from the function's name and parameters when it registers it.
    translate.__name__ = "bridged_" + re.sub(r"\W", "_", qualified)
    translate.__qualname__ = translate.__name__
    translate.__doc__ = f"{qualified} translated by the legacy symbolic {entry.origin} (opset {entry.opset})."
    translate.onnx_migrate_entry = entry  # type: ignore[attr-defined]
    return translate


def _source_node(qualified: str, fx_node: torch.fx.Node | None, inputs: list[Value]) -> SourceNode:
    name = qualified.split(".", 1)[0]
    if fx_node is None:
        return SourceNode(name, input_values=[v for v in inputs if type(v) is Value])
    return SourceNode(
        op_kind=name,
        stack_trace=fx_node.meta.get("stack_trace") or "",
        scope=fx_nodes.module_scope(fx_node),
        fx_node=fx_node,
        input_values=[v for v in inputs if type(v) is Value],
    )


def _run(
    qualified: str,
    schema: Any,
    entry: SymbolicEntry,
    session: BridgeSession,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> Any:
    recorder = _onnxscript_compat.current_recorder()
    fx_node = _onnxscript_compat.current_fx_node()
    values, explicit = legacy_arguments(schema, args, kwargs)
    g = BridgeGraphContext.for_call(
        opset=session.opset,
        builder=session.builder,
        recorder=recorder,
        original_node=_source_node(qualified, fx_node, values),
        export_context=session.export_context,
        custom_opsets=session.custom_opsets,
    )
    if session.report is not None:
        session.report.record_symbolic(qualified, entry)
    call = SymbolicCall(entry, qualified, session.opset, fx_node, _EXPORTER)
    expected = ExpectedOutputs.of_node(fx_node) if fx_node is not None else ExpectedOutputs.of_schema(schema)
    with active_export(session.export_context), symbolic_errors(call):
        names = [name for name, _, _ in bind_schema_arguments(schema, args, kwargs)]
        call_args, call_kwargs = fit_to_signature(entry.fn, values, explicit, names)
        watched = watch_inputs([*call_args, *call_kwargs.values()])
        result = entry.fn(g, *call_args, **call_kwargs)
    check_inputs_untouched(call, watched)
    with symbolic_errors(call):
        outputs = _for_torch(check_outputs(call, result, expected), g)
    _onnxscript_compat.record_functions(recorder, session.builder.functions)
    return outputs


def _for_torch(checked: Value | tuple[Value | None, ...], g: BridgeGraphContext) -> ir.Value | tuple[ir.Value, ...]:
    """The checked outputs as torch takes them: values of this call's nodes, each returned once.

    torch renames what a translation returns, so an input or an earlier node's
    output is passed through an ``Identity``; an output the model does not read
    and the symbolic left ``None`` gets a placeholder (removed with the unused nodes).
    """
    used: set[int] = set()
    if not isinstance(checked, tuple):
        return _owned(checked, g, used)
    return tuple(_placeholder(g) if item is None else _owned(item, g, used) for item in checked)


def _placeholder(g: BridgeGraphContext) -> ir.Value:
    return g.op("Constant", value_t=torch.zeros(0)).ir_value


def _owned(item: Value, g: BridgeGraphContext, used: set[int]) -> ir.Value:
    if isinstance(item, (ConstantValue, ListValue)):
        item = g.op("Identity", item)
    value = item.ir_value
    producer = value.producer()
    owned = producer is not None and any(node is producer for node in g.recorded_nodes())
    if not owned or id(value) in used:
        value = g.op("Identity", item).ir_value
    used.add(id(value))
    return value
