"""Translate a captured FX graph into ONNX by running legacy symbolic functions.

Per ``call_function`` node: find the symbolic (exact name, then the in-place
name stripped: ``aten::relu_`` -> ``aten::relu``), build its arguments as the
legacy exporter passed them (every schema argument, in schema order, defaults
filled in; tensors as values, non-tensors as ``prim::Constant``-like values,
lists as ``prim::ListConstruct``-like values), call it with a ``GraphContext``
and check what it returns (:mod:`onnx_migrate.compat.symbolic_call`, shared with
the dynamo backend's bridge). Ops with no symbolic follow ``operator_export_type``.
"""

from __future__ import annotations

import dataclasses
import numbers
from collections.abc import Callable, Sequence
from typing import Any

import onnx_ir as ir
import torch
import torch.fx
from onnx_migrate import _torch_compat
from onnx_migrate._torch_compat import pytree

from onnx_migrate.compat import fx_nodes, name_drift, symbolic_recording
from onnx_migrate.compat.capture import CapturedModel
from onnx_migrate.compat.export_report import ExportReport
from onnx_migrate.compat.fx_symbolics import NO_OUTPUT
from onnx_migrate.compat.symbolic_call import (
    ExpectedOutputs,
    SymbolicCall,
    check_inputs_untouched,
    check_outputs,
    fit_to_signature,
    symbolic_errors,
    watch_inputs,
)
from onnx_migrate.errors import (
    CaptureError,
    GraphBuildError,
    OnnxMigrateError,
    TranslationError,
    UnsupportedSymbolicError,
)
from onnx_migrate.legacy_symbolics import scalar_types
from onnx_migrate.legacy_symbolics.export_context import ExportContext, OperatorExportTypes
from onnx_migrate.legacy_symbolics.graph_context import GraphBuilder, GraphContext, SourceNode
from onnx_migrate.legacy_symbolics.registry import SymbolicEntry, SymbolicRegistry
from onnx_migrate.legacy_symbolics.source_node import example_dims as _symbolic_dims
from onnx_migrate.legacy_symbolics.values import ConstantValue, ListValue, Value

__all__ = ["TranslatedGraph", "legacy_constant", "translate"]


@dataclasses.dataclass
class TranslatedGraph:
    """The ONNX graph built from the program, before finalization."""

    builder: GraphBuilder
    user_inputs: list[ir.Value]
    initializers: dict[str, ir.Value]
    outputs: list[ir.Value]
    output_hints: list[str]


def _shape_from_example(example: torch.Tensor, inferred: ir.Shape | None) -> ir.Shape:
    """``inferred`` with every dim it does not know taken from torch.export's example value.

    ONNX per-node inference loses dims that torch.export knew all along (after a
    ``Reshape`` to a computed shape and a ``Transpose``, every dim is ``*``), and
    symbolics need them (``unbind`` needs the static size of its dim). A dim that
    inference knows is kept; a different rank keeps inference's answer, since the
    symbolic may legitimately return another layout.
    """
    dims = [d if isinstance(d, int) else ir.SymbolicDim(d) for d in _symbolic_dims(example)]
    if inferred is None:
        return ir.Shape(dims)
    if len(inferred) != len(dims):
        return inferred
    merged = [
        known if isinstance(known, int) or (isinstance(known, ir.SymbolicDim) and known.value is not None) else ours
        for known, ours in zip(inferred, dims, strict=True)
    ]
    return ir.Shape(merged)


def _set_type_from_example(value: Any, example: Any) -> None:
    """Fill what ONNX inference could not tell from the FX example value (dtype, dims)."""
    if not isinstance(value, Value) or isinstance(value, (ConstantValue, ListValue)):
        return
    if isinstance(example, torch.Tensor):
        irv = value.ir_value
        if irv.dtype is None:
            try:
                irv.dtype = scalar_types.dtype_to_ir(example.dtype)
            except OnnxMigrateError:
                pass
        if irv.shape is None or not irv.shape.is_static():
            irv.shape = _shape_from_example(example, irv.shape)
    elif isinstance(example, (torch.SymInt, int)) and not isinstance(example, bool):
        irv = value.ir_value
        if irv.dtype is None:
            irv.dtype = ir.DataType.INT64
        if irv.shape is None:
            irv.shape = ir.Shape([])


def legacy_constant(obj: Any) -> Any:
    """A non-tensor argument as TorchScript carried it (dtypes are ScalarType numbers)."""
    if isinstance(obj, torch.dtype):
        return int(scalar_types.JitScalarType.from_dtype(obj))
    if isinstance(obj, torch.layout):
        return 0 if obj == torch.strided else 1
    if isinstance(obj, torch.device):
        return str(obj)
    return obj


class _Translator:
    """Walks one FX graph; holds the value environment of the walk."""

    def __init__(
        self,
        captured: CapturedModel,
        registry: SymbolicRegistry,
        context: ExportContext,
        report: ExportReport,
    ) -> None:
        self.program = captured.program
        self.captured = captured
        self.registry = registry
        self.context = context
        self.report = report
        self.opset = context.opset
        self.builder = GraphBuilder(opset=self.opset, shape_inference=context.onnx_shape_inference)
        self.env: dict[torch.fx.Node, Any] = {}
        self.params: dict[str, Any] = {}
        # Where symbolics append: the main graph, then the sub-block of each control-flow subgraph being translated.
        self._blocks: list[ir.Graph] = [self.builder.graph]

    # -- inputs -------------------------------------------------------------------------

    def _placeholders(self) -> tuple[list[ir.Value], dict[str, ir.Value]]:
        signature = self.program.graph_signature
        kinds = {spec.arg.name: spec for spec in signature.input_specs if hasattr(spec.arg, "name")}
        user_inputs: list[ir.Value] = []
        initializers: dict[str, ir.Value] = {}
        specs = iter(self.captured.inputs)
        graph = self.builder.graph
        for node in self.program.graph.nodes:
            if node.op != "placeholder":
                continue
            example = node.meta.get("val")
            spec = kinds.get(node.name)
            kind = spec.kind.name if spec is not None else "USER_INPUT"
            if kind == "USER_INPUT":
                if not isinstance(example, torch.Tensor):
                    self.env[node] = ConstantValue(example)
                    continue
                input_spec = next(specs, None)
                name = input_spec.name if input_spec is not None else node.name
                value = ir.Value(
                    name=name,
                    type=ir.TensorType(scalar_types.dtype_to_ir(example.dtype)),
                    shape=ir.Shape([d if isinstance(d, int) else ir.SymbolicDim(d) for d in _symbolic_dims(example)]),
                )
                graph.inputs.append(value)
                user_inputs.append(value)
                self.env[node] = Value.wrap(value)
            elif kind in ("PARAMETER", "BUFFER", "CONSTANT_TENSOR"):
                target = spec.target
                tensor = self.program.state_dict.get(target)
                if tensor is None:
                    tensor = self.program.constants.get(target)
                if tensor is None:
                    raise TranslationError(f"The captured program has no data for {kind.lower()} {target!r}.")
                tensor = tensor.detach()
                value = ir.Value(
                    name=target,
                    type=ir.TensorType(scalar_types.dtype_to_ir(tensor.dtype)),
                    shape=ir.Shape(list(tensor.shape)),
                    const_value=ir.tensor(tensor.contiguous(), name=target),
                )
                initializers[target] = value
                self.params[target] = tensor
                self.env[node] = Value.wrap(value)
            else:
                raise TranslationError(
                    f"Input {node.name!r} of kind {kind} is not supported by the legacy backend "
                    "(script objects and effect tokens have no ONNX form)."
                )
        return user_inputs, initializers

    # -- arguments ----------------------------------------------------------------------

    def _argument(self, obj: Any) -> Any:
        """One FX argument as legacy symbolics received it."""
        if isinstance(obj, torch.fx.Node):
            return self.env[obj]
        if isinstance(obj, (list, tuple)):
            if any(isinstance(item, torch.fx.Node) for item in obj):
                return ListValue([self._list_item(item) for item in obj])
            return ConstantValue([self._plain(item) for item in obj])
        return ConstantValue(self._plain(obj))

    def _list_item(self, item: Any) -> Value | None:
        converted = self._argument(item)
        if isinstance(converted, tuple):  # a multi-output node used as a list item: not expected
            raise TranslationError(f"List item {item} is a multi-output node; index it first.")
        return converted

    @staticmethod
    def _plain(obj: Any) -> Any:
        return legacy_constant(obj)

    # -- dispatch -----------------------------------------------------------------------

    def _lookup(self, info: fx_nodes.NodeInfo) -> tuple[SymbolicEntry | None, tuple[int, ...]]:
        found = self.registry.lookup(info.name, self.opset)
        supported = found.supported_opsets
        legacy_name = info.legacy_dunder_name
        if legacy_name is not None and (found.entry is None or not found.entry.custom):
            legacy = self.registry.lookup(legacy_name, self.opset)  # what the legacy exporter dispatched
            if legacy.entry is not None:
                return legacy.entry, legacy.supported_opsets
        if found.entry is None and info.inplace_base is not None:
            base = self.registry.lookup(info.inplace_base, self.opset)
            if base.entry is not None:
                return base.entry, base.supported_opsets
            supported = supported or base.supported_opsets
        return found.entry, supported

    def _source(self, node: torch.fx.Node, info: fx_nodes.NodeInfo, arguments: Sequence[tuple[str, Any, bool]]) -> SourceNode:
        """``g.original_node``: inputs are every schema argument as legacy passed them; outputs come from FX examples."""
        return SourceNode(
            op_kind=info.name,
            stack_trace=node.meta.get("stack_trace") or "",
            scope=fx_nodes.module_scope(node),
            fx_node=node,
            input_values=[self._argument(value) for _, value, _ in arguments],
        )

    def _context(self, source: SourceNode) -> GraphContext:
        return GraphContext(
            graph=self.builder.graph,
            block=self._blocks[-1],
            opset=self.opset,
            original_node=source,
            params_dict=self.params,
            builder=self.builder,
            export_context=self.context,
            subgraph_translator=self.translate_subgraph,
        )

    def _call_function(self, node: torch.fx.Node) -> Any:
        info = fx_nodes.describe(node)
        if info.name == "_operator::getitem":
            container, index = node.args
            return self.env[container][index]  # type: ignore[index]
        arguments = fx_nodes.schema_arguments(node)
        entry, supported = self._lookup(info)
        route = None
        if self.context.operator_export_type == OperatorExportTypes.ONNX_ATEN and info.name.startswith("aten::"):
            entry = None
        elif entry is None or not entry.custom:
            route = name_drift.find_route(self.registry, info, self.opset)
        g = self._context(self._source(node, info, arguments))
        kwargs: dict[str, Any] = {}
        if route is not None:
            entry = route[1]
            args = [self._argument(value) for value in name_drift.legacy_arguments(route[0], node)]
            self.report.record_route(info.qualified, route[0].legacy, entry)
        elif entry is None:
            return self._fallback(node, info, arguments, supported, g)
        else:
            args, kwargs = self._fit_arguments(entry.fn, arguments)
        self.report.record_symbolic(info.qualified, entry)
        call = SymbolicCall(entry, info.qualified, self.opset, node)
        watched = watch_inputs([*args, *kwargs.values()])
        recorder = symbolic_recording.active_recorder() if entry.custom else None
        if recorder is not None:
            self._begin_recording(recorder, node, info, entry, arguments)
        with symbolic_errors(call):
            try:
                result = entry.fn(g, *args, **kwargs)
            except BaseException:
                if recorder is not None:
                    recorder.abandon()
                raise
        check_inputs_untouched(call, watched, self.params)
        if recorder is not None:
            recorder.end(g.new_nodes, result)
        if result is NO_OUTPUT:
            return None
        return self._outputs_of(call, check_outputs(call, result, ExpectedOutputs.of_node(node)))

    def _begin_recording(
        self,
        recorder: symbolic_recording.SymbolicRecorder,
        node: torch.fx.Node,
        info: fx_nodes.NodeInfo,
        entry: SymbolicEntry,
        arguments: Sequence[tuple[str, Any, bool]],
    ) -> None:
        """Tell ``port``'s recorder about the custom symbolic call about to run (graph values as the symbolic
        sees them, every other argument as the model passed it)."""
        schema = _torch_compat.op_schema(node.target)
        types = [str(a.type) for a in schema.arguments] if schema is not None else []
        recorder.begin(
            qualified=info.qualified,
            target=node.target,
            symbolic=entry.fn,
            origin=entry.origin,
            registered_opset=entry.opset,
            opset=self.opset,
            arguments=[
                (name, types[i] if i < len(types) else "", self._argument(value) if _holds_node(value) else value, explicit)
                for i, (name, value, explicit) in enumerate(arguments)
            ],
            output_examples=fx_nodes.example_value(node),
        )

    def _fit_arguments(
        self, fn: Callable[..., Any], arguments: Sequence[tuple[str, Any, bool]]
    ) -> tuple[list[Any], dict[str, Any]]:
        """Every schema argument, positionally as far as ``fn`` takes them (see :func:`fit_to_signature`)."""
        return fit_to_signature(
            fn,
            [self._argument(value) for _, value, _ in arguments],
            [explicit for _, _, explicit in arguments],
            [name for name, _, _ in arguments],
        )

    def _outputs_of(self, call: SymbolicCall, checked: Value | tuple[Value | None, ...]) -> Any:
        """The checked result as the walk's environment holds it, typed from torch.export's example values."""
        example = fx_nodes.example_value(call.fx_node)  # type: ignore[arg-type]
        if isinstance(checked, tuple):
            for value, ex in zip(checked, example, strict=True):
                self._check_graph(call, value)
                _set_type_from_example(value, ex)
            return checked
        self._check_graph(call, checked)
        _set_type_from_example(checked, example)
        return checked

    def _check_graph(self, call: SymbolicCall, value: Value | None) -> None:
        """A returned value must belong to the graph being built here (the main graph or the current block)."""
        if isinstance(value, Value) and not isinstance(value, (ConstantValue, ListValue)):
            owner = value.ir_value.graph
            if owner is not None and not any(owner is block for block in self._blocks):
                raise call.error(
                    "returned a value of another graph (built with a different GraphContext, or inside a "
                    "sub-block); build it with the g the symbolic receives: g.op(...)."
                )

    # -- unsupported ops --------------------------------------------------------------------

    def _fallback(
        self,
        node: torch.fx.Node,
        info: fx_nodes.NodeInfo,
        arguments: Sequence[tuple[str, Any, bool]],
        supported: tuple[int, ...],
        g: GraphContext,
    ) -> Any:
        export_type = self.context.operator_export_type
        is_aten = info.name.startswith("aten::")
        if export_type == OperatorExportTypes.ONNX or not is_aten:
            line = fx_nodes.source_line(node)
            raise UnsupportedSymbolicError(
                info.qualified,
                self.opset,
                supported,
                hint=f"Model code: {line}" if line else None,
            )
        op_name = info.name.split("::", 1)[1]
        tensors: list[Any] = []
        attributes: dict[str, Any] = {}
        for name, value, _ in arguments:
            converted = self._argument(value)
            if isinstance(converted, ConstantValue):
                _add_fallback_attribute(attributes, name, converted.python_value)
            elif isinstance(converted, ListValue):
                tensors.extend(converted.items)
            else:
                tensors.append(converted)
        outputs = fx_nodes.output_count(node)
        if export_type in (OperatorExportTypes.ONNX_ATEN_FALLBACK, OperatorExportTypes.ONNX_ATEN):
            result = g.at(op_name, *tensors, overload_name=info.overload if info.overload != "default" else "", outputs=outputs, **attributes)
            self.report.record_fallback(info.qualified, "ATen")
        else:
            result = g.op(f"aten::{op_name}", *tensors, outputs=outputs, **attributes)
            self.report.record_fallback(info.qualified, "fallthrough")
        example = fx_nodes.example_value(node)
        if isinstance(example, (list, tuple)):
            for value, ex in zip(result if isinstance(result, tuple) else (result,), example, strict=False):
                _set_type_from_example(value, ex)
            return result if isinstance(result, tuple) else (result,)
        _set_type_from_example(result, example)
        return result

    # -- the walk -------------------------------------------------------------------------

    def run(self) -> TranslatedGraph:
        user_inputs, initializers = self._placeholders()
        output_node = None
        for node in self.program.graph.nodes:
            if node.op == "call_function":
                self.env[node] = self._call_function(node)
            elif node.op == "output":
                output_node = node
            elif node.op == "get_attr":
                self.env[node] = _submodule(self.program.graph_module, node)
        outputs, hints = self._outputs(output_node)
        return TranslatedGraph(self.builder, user_inputs, initializers, outputs, hints)

    def translate_subgraph(
        self, graph_module: torch.fx.GraphModule, block: GraphContext, inputs: Sequence[Any]
    ) -> list[Any]:
        """Translate a control-flow subgraph (a ``torch.cond`` branch, a ``while_loop`` body) into ``block.block``.

        The hook behind ``GraphContext.translate_subgraph``. ``inputs`` feed the
        subgraph's placeholders in order; its nodes are translated like the main
        graph's (same registry, opset, report), appending to the block. Returns
        the values of its output node, flattened in order.
        """
        placeholders = [node for node in graph_module.graph.nodes if node.op == "placeholder"]
        if len(placeholders) != len(inputs):
            raise TranslationError(
                f"The control-flow subgraph {type(graph_module).__name__} takes {len(placeholders)} input(s), "
                f"the symbolic translating it passed {len(inputs)}."
            )
        self._blocks.append(block.block)
        try:
            outputs: list[Any] = []
            for node in graph_module.graph.nodes:
                if node.op == "placeholder":
                    self.env[node] = inputs[placeholders.index(node)]
                elif node.op == "call_function":
                    self.env[node] = self._call_function(node)
                elif node.op == "get_attr":
                    self.env[node] = _submodule(graph_module, node)
                elif node.op == "output":
                    leaves = pytree.tree_leaves(node.args[0])
                    outputs = [self.env[x] if isinstance(x, torch.fx.Node) else ConstantValue(x) for x in leaves]
        finally:
            self._blocks.pop()
        return outputs

    def _outputs(self, output_node: torch.fx.Node | None) -> tuple[list[ir.Value], list[str]]:
        """The model's outputs, flattened as the legacy exporter flattened nested outputs.

        Program outputs of other kinds (buffers mutated in place) are not model outputs.
        """
        if output_node is None:
            return [], []
        specs = self.program.graph_signature.output_specs
        items = list(output_node.args[0])
        g = self._context(SourceNode("prim::Return"))
        values: list[ir.Value] = []
        hints: list[str] = []
        for spec, item in zip(specs, items, strict=False):
            if spec.kind.name != "USER_OUTPUT":
                continue
            resolved = self.env.get(item) if isinstance(item, torch.fx.Node) else ConstantValue(item)
            if resolved is None or (isinstance(resolved, ConstantValue) and resolved.python_value is None):
                continue  # None outputs have no ONNX value, as in the legacy exporter
            if isinstance(resolved, (ConstantValue, ListValue)):
                try:
                    resolved = g.op("Identity", resolved)
                except GraphBuildError as exc:
                    raise CaptureError(
                        f"Output {len(values)} of the model is a {type(resolved.python_value).__name__} "
                        f"({resolved.python_value!r:.60}), which ONNX cannot hold: model outputs must be tensors or "
                        "numbers. Return only those from forward() (drop the other objects from its result)."
                    ) from exc
            irv = resolved.ir_value
            if irv.is_graph_input() or irv.is_initializer() or irv.is_graph_output() or irv in values:
                irv = g.op("Identity", resolved).ir_value
            values.append(irv)
            hints.append(item.name if isinstance(item, torch.fx.Node) else f"output_{len(values) - 1}")
        return values, hints


def _holds_node(obj: Any) -> bool:
    """Whether an FX argument is a graph value or a list holding one."""
    if isinstance(obj, torch.fx.Node):
        return True
    return isinstance(obj, (list, tuple)) and any(isinstance(item, torch.fx.Node) for item in obj)


def _submodule(root: torch.nn.Module, node: torch.fx.Node) -> Any:
    """What a ``get_attr`` node reads: in torch.export graphs, the ``GraphModule`` of a control-flow branch."""
    target = root
    for part in str(node.target).split("."):
        target = getattr(target, part)
    if isinstance(target, torch.Tensor):
        raise TranslationError(
            f"Node {node.format_node()} reads tensor attribute {node.target!r} inside a control-flow subgraph, "
            "which torch.export leaves without data (it happens to module parameters used by a torch.cond nested "
            "in a while_loop body). Pass the tensor to the subgraph explicitly: as an operand of torch.cond or an "
            "additional_input of while_loop."
        )
    if not isinstance(target, torch.fx.GraphModule):
        raise TranslationError(
            f"Node {node.format_node()} reads {type(target).__name__} attribute {node.target!r}; the legacy backend "
            "reads submodules only as the branches of torch.cond / torch.ops.higher_order.while_loop."
        )
    return target


def _add_fallback_attribute(attributes: dict[str, Any], name: str, value: Any) -> None:
    """Non-tensor arguments of an ATen fallback node become attributes, suffixed by type."""
    if value is None:
        return
    sample = value[0] if isinstance(value, (list, tuple)) and value else value
    if isinstance(value, (list, tuple)) and not value:
        attributes[f"{name}_i"] = []
    elif isinstance(sample, bool) or isinstance(sample, numbers.Integral):
        attributes[f"{name}_i"] = [int(v) for v in value] if isinstance(value, (list, tuple)) else int(value)
    elif isinstance(sample, numbers.Real):
        attributes[f"{name}_f"] = [float(v) for v in value] if isinstance(value, (list, tuple)) else float(value)
    elif isinstance(sample, str):
        attributes[f"{name}_s"] = value
    elif isinstance(sample, torch.Tensor):
        attributes[f"{name}_t"] = value


def translate(
    captured: CapturedModel, registry: SymbolicRegistry, context: ExportContext, report: ExportReport
) -> TranslatedGraph:
    """Translate ``captured.program`` with the symbolics of ``registry``."""
    translated = _Translator(captured, registry, context, report).run()
    report.record_undeclared_attributes(translated.builder.undeclared_attributes)
    return translated
