"""One legacy symbolic wrapped as a ``custom_translation_table`` function.

torch's new exporter calls the wrapper while it translates an FX node. The
wrapper finds torch's node recorder, rebuilds the legacy arguments, calls the
symbolic with a :class:`~onnx_migrate.bridge.graph_context.BridgeGraphContext`,
and hands torch back ``onnx_ir`` values it may rename (one per output of the
op). When the symbolic fails, the error names the symbolic, the op and the FX
node, and chains the original exception, instead of surfacing as the last link
of torch's and onnxscript's wrappers.
"""

from __future__ import annotations

import dataclasses
import numbers
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
from onnx_migrate.compat.translate import fit_to_signature
from onnx_migrate.errors import OnnxMigrateError, TranslationError
from onnx_migrate.legacy_symbolics.export_context import ExportContext, active_export
from onnx_migrate.legacy_symbolics.graph_context import SourceNode
from onnx_migrate.legacy_symbolics.registry import SymbolicEntry
from onnx_migrate.legacy_symbolics.values import ConstantValue, ListValue, Value, as_value

__all__ = ["BRIDGE_ERROR_MARK", "BridgeSession", "bridged_symbolic"]

#: Attribute set on errors raised by a bridged symbolic, so the export can find them in torch's chain.
BRIDGE_ERROR_MARK = "_onnx_migrate_bridged_symbolic"


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


def _where(qualified: str, fx_node: torch.fx.Node | None, entry: SymbolicEntry) -> str:
    if fx_node is not None:
        parts = [f"While translating node {fx_node.format_node()} with torch.onnx.export(dynamo=True)"]
        line = fx_nodes.source_line(fx_node)
        if line:
            parts.append(f"  model code: {line}")
    else:
        parts = [f"While translating a call of {qualified} with torch.onnx.export(dynamo=True)"]
    parts.append(f"  symbolic: {entry.origin} (registered at opset {entry.opset}{', custom' if entry.custom else ''})")
    return "\n".join(parts)


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
    try:
        with active_export(session.export_context):
            names = [name for name, _, _ in bind_schema_arguments(schema, args, kwargs)]
            call_args, call_kwargs = fit_to_signature(entry.fn, values, explicit, names)
            result = entry.fn(g, *call_args, **call_kwargs)
        outputs = _Outputs(qualified, schema, entry, fx_node, g).check(result)
    except OnnxMigrateError as exc:
        if not getattr(exc, BRIDGE_ERROR_MARK, False):
            exc.add_note(_where(qualified, fx_node, entry))
            setattr(exc, BRIDGE_ERROR_MARK, True)
        raise
    except Exception as exc:
        error = TranslationError(
            f"The symbolic function {entry.origin} for {qualified} (opset {session.opset}) raised "
            f"{type(exc).__name__}: {exc}\n{_where(qualified, fx_node, entry)}"
        )
        setattr(error, BRIDGE_ERROR_MARK, True)
        raise error from exc
    _onnxscript_compat.record_functions(recorder, session.builder.functions)
    return outputs


@dataclasses.dataclass
class _Outputs:
    """Checks what a symbolic returned and turns it into the values torch expects."""

    qualified: str
    schema: Any
    entry: SymbolicEntry
    fx_node: torch.fx.Node | None
    g: BridgeGraphContext

    def _error(self, what: str) -> TranslationError:
        error = TranslationError(
            f"The symbolic function {self.entry.origin} for {self.qualified} {what}\n"
            f"{_where(self.qualified, self.fx_node, self.entry)}"
        )
        setattr(error, BRIDGE_ERROR_MARK, True)
        return error

    def _expected(self) -> tuple[bool, int | None]:
        """``(several outputs?, how many)``, from the FX node's example value, else the schema."""
        if self.fx_node is not None:
            example = self.fx_node.meta.get("val")
            if isinstance(example, (list, tuple)):
                return True, len(example)
            return False, 1
        returns = list(getattr(self.schema, "returns", ()))
        if len(returns) == 1 and str(returns[0].type).endswith("[]"):
            return True, None
        return len(returns) > 1, len(returns) or 1

    def check(self, result: Any) -> Any:
        multi, expected = self._expected()
        if result is None:
            raise self._error(
                f"returned None; it must return the output value{'s' if multi else ''} built with g.op(...)."
            )
        if isinstance(result, ListValue):
            result = tuple(result.items)
        used: set[int] = set()
        if not multi:
            if isinstance(result, (list, tuple)):
                # Legacy symbolics may return (out, None) for single-output ops.
                if not result or result[0] is None:
                    raise self._error(f"returned {result!r:.120}; it must return one value.")
                result = result[0]
            return self._output(result, used)
        if not isinstance(result, (list, tuple)) or (expected is not None and len(result) < expected):
            got = len(result) if isinstance(result, (list, tuple)) else 1
            raise self._error(
                f"returned {got} value(s), but the op has {expected} outputs; return a tuple of {expected} "
                "values (None for outputs the model does not use)."
            )
        items = list(result)[:expected] if expected is not None else list(result)
        unused = self._unused_outputs(len(items))
        outputs = []
        for index, item in enumerate(items):
            if item is None:
                if index not in unused:
                    raise self._error(
                        f"returned None for output {index}, which the model uses; return a value built with g.op(...)."
                    )
                outputs.append(self._placeholder())
            else:
                outputs.append(self._output(item, used))
        return tuple(outputs)

    def _unused_outputs(self, count: int) -> set[int]:
        if self.fx_node is None:
            return set(range(count))  # cannot tell: trust the symbolic, as legacy did
        used = {user.args[1] for user in self.fx_node.users if len(user.args) > 1 and isinstance(user.args[1], int)}
        return set(range(count)) - used

    def _placeholder(self) -> ir.Value:
        """A value for an output nothing reads (removed with the unused nodes)."""
        return self.g.op("Constant", value_t=torch.zeros(0)).ir_value

    def _output(self, item: Any, used: set[int]) -> ir.Value:
        if isinstance(item, ir.Value):
            item = Value.wrap(item)
        elif isinstance(item, (numbers.Number, torch.Tensor)) and not isinstance(item, Value):
            item = as_value(item)
        if not isinstance(item, Value):
            raise self._error(
                f"returned a {type(item).__name__} ({item!r:.80}); it must return values built with g.op(...)."
            )
        if isinstance(item, (ConstantValue, ListValue)):
            item = self.g.op("Identity", item)
        value = item.ir_value
        producer = value.producer()
        owned = producer is not None and any(node is producer for node in self.g.recorded_nodes())
        if not owned or id(value) in used:
            # torch renames what a translation returns: never an input or an earlier node's output.
            value = self.g.op("Identity", item).ir_value
        used.add(id(value))
        return value
