"""Translate a captured FX graph into ONNX by running legacy symbolic functions.

Per ``call_function`` node: find the symbolic (exact name, then the in-place
name stripped: ``aten::relu_`` -> ``aten::relu``), build its arguments as the
legacy exporter passed them (every schema argument, in schema order, defaults
filled in; tensors as values, non-tensors as ``prim::Constant``-like values,
lists as ``prim::ListConstruct``-like values), call it with a ``GraphContext``,
and check what it returns. Ops with no symbolic follow ``operator_export_type``.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import numbers
from collections.abc import Callable, Sequence
from typing import Any

import onnx_ir as ir
import torch
import torch.fx
from onnx_migrate._torch_compat import pytree

from onnx_migrate.compat import fx_nodes, name_drift
from onnx_migrate.compat.capture import CapturedModel
from onnx_migrate.compat.export_report import ExportReport
from onnx_migrate.compat.fx_symbolics import NO_OUTPUT
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
from onnx_migrate.legacy_symbolics.values import ConstantValue, ListValue, Value, as_value

__all__ = ["TranslatedGraph", "fit_to_signature", "legacy_constant", "translate"]


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


@dataclasses.dataclass(frozen=True)
class _Signature:
    """What a symbolic accepts after ``g``: how many positionals, and which names by keyword."""

    positional: int | None  # None: any number (*args)
    keywords: frozenset[str]
    any_keyword: bool  # **kwargs


@functools.lru_cache(maxsize=2048)
def _signature(fn: Callable[..., Any]) -> _Signature | None:
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return None
    kinds = inspect.Parameter
    positional = [p for p in params if p.kind in (kinds.POSITIONAL_ONLY, kinds.POSITIONAL_OR_KEYWORD)]
    return _Signature(
        positional=None if any(p.kind == kinds.VAR_POSITIONAL for p in params) else max(len(positional) - 1, 0),
        keywords=frozenset(p.name for p in params[1:] if p.kind in (kinds.POSITIONAL_OR_KEYWORD, kinds.KEYWORD_ONLY)),
        any_keyword=any(p.kind == kinds.VAR_KEYWORD for p in params),
    )


def fit_to_signature(
    fn: Callable[..., Any], values: Sequence[Any], explicit: Sequence[bool], names: Sequence[str] | None = None
) -> tuple[list[Any], dict[str, Any]]:
    """``(args, kwargs)`` calling ``fn`` with ``values`` (one per schema argument, in schema order).

    TorchScript nodes carried every argument positionally, keyword-only ones
    included, and legacy symbolics take them so. A symbolic written for fewer
    arguments than the schema has still runs, as in legacy: trailing arguments
    left at their schema default are dropped, and an argument the call did give
    beyond ``fn``'s positionals goes by its schema name when ``fn`` takes that
    name (``def sym(g, self, dtype=None, **kwargs)`` for ``_to_copy(self, *,
    dtype, layout, device, ...)``).
    """
    fitted = list(values)
    signature = _signature(fn)
    if signature is None or signature.positional is None or signature.positional >= len(fitted):
        return fitted, {}
    capacity = signature.positional
    keywords: dict[str, Any] = {}
    for index in range(len(fitted) - 1, capacity - 1, -1):
        if not explicit[index]:
            continue
        name = names[index] if names is not None else None
        if name is None or not (signature.any_keyword or name in signature.keywords):
            return fitted[: index + 1], dict(reversed(keywords.items()))
        keywords[name] = fitted[index]
    return fitted[:capacity], dict(reversed(keywords.items()))


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
        watched = _watched_inputs([*args, *kwargs.values()])
        try:
            result = entry.fn(g, *args, **kwargs)
        except OnnxMigrateError as exc:
            exc.add_note(self._where(node, info, entry))
            raise
        except Exception as exc:
            raise TranslationError(
                f"The symbolic function {entry.origin} for {info.qualified} (opset {self.opset}) raised "
                f"{type(exc).__name__}: {exc}\n{self._where(node, info, entry)}"
            ) from exc
        self._check_inputs_untouched(watched, node, info, entry)
        return self._check_result(result, node, info, entry)

    def _check_inputs_untouched(
        self, watched: list[tuple[ir.Value, str | None, ir.DataType | None]], node: torch.fx.Node,
        info: fx_nodes.NodeInfo, entry: SymbolicEntry,
    ) -> None:
        """A symbolic must not retype its inputs or rename graph inputs: the model would lie about them."""
        for irv, name, dtype in watched:
            changes = []
            if dtype is not None and irv.dtype != dtype:
                changes.append(f"element type {dtype.name} -> {irv.dtype.name if irv.dtype is not None else None}")
            if irv.name != name and (irv.is_graph_input() or name in self.params):  # parameters: initializers later
                changes.append(f"name {name!r} -> {irv.name!r}")
            if changes:
                raise TranslationError(
                    f"The symbolic function {entry.origin} for {info.qualified} (opset {self.opset}) changed its "
                    f"input {name!r} ({'; '.join(changes)}). Symbolics must not modify the values they receive; "
                    "build a new value instead, e.g. g.op('Cast', x, to_i=...) for another element type.\n"
                    f"{self._where(node, info, entry)}"
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

    def _where(self, node: torch.fx.Node, info: fx_nodes.NodeInfo, entry: SymbolicEntry | None) -> str:
        parts = [f"While translating node {node.format_node()}"]
        line = fx_nodes.source_line(node)
        if line:
            parts.append(f"  model code: {line}")
        if entry is not None:
            parts.append(f"  symbolic: {entry.origin} (registered at opset {entry.opset}{', custom' if entry.custom else ''})")
        return "\n".join(parts)

    def _check_result(self, result: Any, node: torch.fx.Node, info: fx_nodes.NodeInfo, entry: SymbolicEntry) -> Any:
        if result is NO_OUTPUT:
            return None
        expected = fx_nodes.output_count(node)
        example = fx_nodes.example_value(node)
        multi = isinstance(example, (list, tuple))
        if result is None:
            raise TranslationError(
                f"The symbolic function {entry.origin} for {info.qualified} returned None; it must return the "
                f"output value{'s' if multi else ''} built with g.op(...).\n{self._where(node, info, entry)}"
            )
        if isinstance(result, ListValue) and multi:
            result = tuple(result.items)
        if multi:
            if not isinstance(result, (list, tuple)) or len(result) < expected:
                got = len(result) if isinstance(result, (list, tuple)) else 1
                raise TranslationError(
                    f"The symbolic function {entry.origin} for {info.qualified} returned {got} value(s), but the op "
                    f"has {expected} outputs; return a tuple of {expected} values (None for outputs the model does "
                    f"not use).\n{self._where(node, info, entry)}"
                )
            outputs = tuple(self._as_output(r, node, info, entry) for r in list(result)[:expected])
            for value, ex in zip(outputs, example, strict=True):
                _set_type_from_example(value, ex)
            return outputs
        if isinstance(result, (list, tuple)):
            # Legacy symbolics may return (out, None) for single-output ops with unused extras.
            if not result or result[0] is None:
                raise TranslationError(
                    f"The symbolic function {entry.origin} for {info.qualified} returned {result!r}; "
                    f"it must return one value.\n{self._where(node, info, entry)}"
                )
            result = result[0]
        value = self._as_output(result, node, info, entry)
        _set_type_from_example(value, example)
        return value

    def _as_output(self, result: Any, node: torch.fx.Node, info: fx_nodes.NodeInfo, entry: SymbolicEntry) -> Any:
        if isinstance(result, Value) and not isinstance(result, (ConstantValue, ListValue)):
            owner = result.ir_value.graph
            if owner is not None and not any(owner is block for block in self._blocks):
                raise TranslationError(
                    f"The symbolic function {entry.origin} for {info.qualified} returned a value of another graph "
                    "(built with a different GraphContext, or inside a sub-block); build it with the g the symbolic "
                    f"receives: g.op(...).\n{self._where(node, info, entry)}"
                )
        if result is None or isinstance(result, Value):
            return result
        if isinstance(result, ir.Value):
            return Value.wrap(result)
        if isinstance(result, (numbers.Number, torch.Tensor)):
            return as_value(result)
        raise TranslationError(
            f"The symbolic function {entry.origin} for {info.qualified} returned a {type(result).__name__} "
            f"({result!r:.80}); it must return values built with g.op(...).\n{self._where(node, info, entry)}"
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


def _watched_inputs(args: Sequence[Any]) -> list[tuple[ir.Value, str | None, ir.DataType | None]]:
    """The graph values among a symbolic's arguments, with the name and element type they had."""
    watched = []
    for arg in args:
        for item in arg.items if isinstance(arg, ListValue) else (arg,):
            if isinstance(item, Value) and not isinstance(item, (ConstantValue, ListValue)):
                watched.append((item.ir_value, item.ir_value.name, item.ir_value.dtype))
    return watched


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
