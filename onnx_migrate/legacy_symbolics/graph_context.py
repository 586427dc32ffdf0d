"""``GraphContext``: the ``g`` every symbolic receives, building an ``onnx_ir`` graph.

``g.op("custom::Foo", x, alpha_f=2.0, outputs=2)`` appends one node and returns
its outputs as :class:`~onnx_migrate.legacy_symbolics.values.Value` facades,
typed by per-node ONNX inference. Non-value inputs (numbers, lists, tensors,
arrays) become ``Constant`` nodes; Python scalars take the element type of the
tensors they meet, which is what the legacy scalar type analysis did.

Unlike the legacy class there is no blanket ``__getattr__`` relay to a
TorchScript graph: every method a symbolic may call is written out.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import itertools
import numbers
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import onnx.defs
import onnx_ir as ir
import torch

from onnx_migrate.errors import GraphBuildError, UndeclaredAttributeWarning
from onnx_migrate.legacy_symbolics import attributes as _attributes
from onnx_migrate.legacy_symbolics import scalar_types, shape_inference
from onnx_migrate.legacy_symbolics.schema_checks import UndeclaredAttribute, check_attributes, undeclared_attribute_message
from onnx_migrate.legacy_symbolics.export_context import ExportContext
from onnx_migrate.legacy_symbolics.source_node import SourceNode, SourceOutput
from onnx_migrate.legacy_symbolics.values import Block, ConstantValue, ListValue, Node, Value, is_python_scalar

__all__ = [
    "Block",
    "GraphBuilder",
    "GraphContext",
    "SourceNode",
    "add_input_to_block",
    "add_op_with_blocks",
    "add_output_to_block",
    "split_op_name",
]

#: ONNX domain of the ``aten::`` namespace in exported models (as the legacy exporter wrote it).
ATEN_DOMAIN = "org.pytorch.aten"

#: Ops whose inputs PyTorch promotes like arithmetic: an int tensor meeting a Python
#: float computes in float. The legacy scalar type analysis handled the same set.
_PROMOTING_OPS = frozenset(
    {"Add", "Sub", "Mul", "Div", "Gemm", "Pow", "Mod", "Equal", "Greater", "Less", "GreaterOrEqual", "LessOrEqual", "Max", "Min", "Sum", "Mean"}
)

#: Graph attributes that hold the blocks of control-flow ops, in block order.
_BLOCK_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "If": ("then_branch", "else_branch"),
    "Loop": ("body",),
    "Scan": ("body",),
}


def split_op_name(opname: str) -> tuple[str, str]:
    """``"custom::Foo"`` -> ``("custom", "Foo")``; ``"Foo"`` / ``"onnx::Foo"`` -> ``("", "Foo")``."""
    if not isinstance(opname, str) or not opname:
        raise GraphBuildError(f"g.op needs an op name such as 'Add' or 'mydomain::MyOp', got {opname!r}.")
    if "::" not in opname:
        return "", opname
    domain, op_type = opname.split("::", 1)
    if not op_type or "::" in op_type:
        raise GraphBuildError(f"Invalid op name {opname!r}: use 'OpType' or 'domain::OpType'.")
    if domain in ("onnx", "", "ai.onnx"):
        return "", op_type
    if domain == "aten":
        return ATEN_DOMAIN, op_type
    return domain, op_type


@functools.lru_cache(maxsize=1)
def _all_onnx_op_names() -> tuple[str, ...]:
    return tuple(sorted({s.name for s in onnx.defs.get_all_schemas_with_history() if s.domain == ""}))


class GraphBuilder:
    """State shared by every ``GraphContext`` of one export.

    Holds the main graph, the target opset, the custom domains used (for
    ``opset_import``), local functions from ``g.onnxscript_op`` and a name
    counter that keeps value names unique.
    """

    def __init__(self, graph: ir.Graph | None = None, *, opset: int, shape_inference: bool = True) -> None:
        self.graph = graph if graph is not None else ir.Graph([], [], nodes=[], name="main_graph")
        self.opset = opset
        self.shape_inference = shape_inference
        self.used_domains: dict[str, int] = {}
        self.functions: dict[tuple[str, str, str], ir.Function] = {}
        #: Attributes kept although the op's schema does not declare them, one entry per g.op call.
        self.undeclared_attributes: list[UndeclaredAttribute] = []
        self._counter = itertools.count()

    def fresh_name(self, hint: str) -> str:
        return f"{hint}_{next(self._counter)}"

    def note_domain(self, domain: str, version: int = 1) -> None:
        if domain:
            self.used_domains.setdefault(domain, version)

    def note_undeclared(self, item: UndeclaredAttribute) -> bool:
        """Record an attribute kept outside the op's schema; ``True`` the first time it is seen (warn once)."""
        first = item not in self.undeclared_attributes
        self.undeclared_attributes.append(item)
        return first


#: ``translator(graph_module, block_context, inputs) -> outputs``: see :meth:`GraphContext.translate_subgraph`.
SubgraphTranslator = Callable[[Any, "GraphContext", Sequence[Any]], list[Any]]


@dataclasses.dataclass
class GraphContext:
    """The first argument of every symbolic function.

    Attributes:
        graph: the main ``onnx_ir`` graph of the export.
        block: where ``op`` appends nodes (the main graph, or a sub-block).
        opset: the target ONNX opset.
        original_node: the model node being translated, if any.
        params_dict: initializer name -> tensor, as the legacy field.
        env: legacy field kept for symbolics that read it.
        values_in_env: legacy field kept for symbolics that read it.
        new_nodes: the ``onnx_ir`` nodes this context has created.
        builder: the shared export state (domains, functions, names).
        export_context: the export's settings (training mode, export type...).
        subgraph_translator: what :meth:`translate_subgraph` calls; the exporter sets it.
    """

    graph: ir.Graph
    block: ir.Graph
    opset: int
    original_node: SourceNode | None = None
    params_dict: dict[str, Any] = dataclasses.field(default_factory=dict)
    env: dict[Any, Any] = dataclasses.field(default_factory=dict)
    values_in_env: set[Any] = dataclasses.field(default_factory=set)
    new_nodes: list[ir.Node] = dataclasses.field(default_factory=list)
    builder: GraphBuilder | None = None
    export_context: ExportContext | None = None
    subgraph_translator: SubgraphTranslator | None = None

    @classmethod
    def create(
        cls,
        opset: int,
        *,
        builder: GraphBuilder | None = None,
        export_context: ExportContext | None = None,
    ) -> GraphContext:
        """A context over a new, empty graph (or the builder's graph)."""
        builder = builder or GraphBuilder(opset=opset)
        return cls(
            graph=builder.graph,
            block=builder.graph,
            opset=opset,
            builder=builder,
            export_context=export_context or ExportContext(opset=opset),
        )

    def __post_init__(self) -> None:
        if self.builder is None:
            self.builder = GraphBuilder(self.graph, opset=self.opset)

    def translate_subgraph(self, graph_module: Any, inputs: Sequence[Any]) -> list[Any]:
        """Translate an FX ``GraphModule`` (a ``torch.cond`` branch, a ``while_loop`` body) into ``self.block``.

        Control-flow symbolics call it on the contexts :func:`add_op_with_blocks`
        returns. ``inputs`` feed the subgraph's placeholders in order (block inputs,
        or values of enclosing graphs, which ONNX subgraphs may read).

        Returns:
            The values of the subgraph's outputs, in order. A value of an enclosing
            graph comes back as it is; a block output must be made in the block
            (wrap it in ``Identity``).

        Raises:
            GraphBuildError: the context does not belong to an export (no translator).
        """
        if self.subgraph_translator is None:
            raise GraphBuildError(
                "g.translate_subgraph needs the exporter's translator; this GraphContext was built outside an "
                "export (GraphContext.create), so it cannot translate FX subgraphs."
            )
        return self.subgraph_translator(graph_module, self, inputs)

    # -- inputs ----------------------------------------------------------------------

    def add_input(self, name: str, dtype: torch.dtype, shape: Sequence[int | str | None]) -> Value:
        """Add a graph input (used by the exporter and by tests that build graphs by hand)."""
        value = ir.Value(
            name=name,
            type=ir.TensorType(scalar_types.dtype_to_ir(dtype)),
            shape=ir.Shape([d if isinstance(d, int) else ir.SymbolicDim(d) for d in shape]),
        )
        self.graph.inputs.append(value)
        return Value.wrap(value)

    # -- the legacy API ----------------------------------------------------------------

    def op(self, opname: str, *raw_args: Any, outputs: int = 1, **kwargs: Any) -> Any:
        """Append an ONNX node and return its output value (a tuple when ``outputs > 1``).

        Args:
            opname: ``"Add"`` for the default ONNX domain, ``"domain::Op"`` otherwise.
            raw_args: inputs: values, ``None`` for an omitted optional input, or
                constants (numbers, lists of numbers, tensors, numpy arrays).
            outputs: the number of outputs.
            kwargs: attributes with the legacy type suffix, e.g. ``alpha_f=0.5``.

        Raises:
            GraphBuildError: unknown op, bad attribute, bad input or output count.
        """
        domain, op_type = split_op_name(opname)
        if isinstance(outputs, bool) or not isinstance(outputs, int) or outputs < 1:
            raise GraphBuildError(
                f"g.op({opname!r}, ..., outputs={outputs!r}): outputs must be an int >= 1 "
                "(the number of values the op returns)."
            )
        schema = self._checked_schema(domain, op_type, opname)
        attributes = _attributes.convert_attributes(kwargs, op=opname)
        for attr in check_attributes(schema, opname, self.opset, attributes):
            self._note_undeclared(schema, attr.name)
        inputs = self._prepare_inputs(raw_args, op_type, schema)
        _check_arity(schema, opname, self.opset, inputs, outputs)
        result = self._append(domain, op_type, inputs, attributes, outputs)
        if domain == "" and op_type == "Constant" and isinstance(result, Value):
            # Record the payload so constant readers (symbolic_helper._maybe_get_const) see it.
            value_attr = result.ir_value.producer().attributes.get("value")  # type: ignore[union-attr]
            if value_attr is not None and value_attr.type == ir.AttributeType.TENSOR:
                result.ir_value.const_value = value_attr.as_tensor()
        return result

    def aten_op(self, operator: str, *args: Any, overload_name: str = "", **kwargs: Any) -> Any:
        """An ``org.pytorch.aten::ATen`` node that keeps a PyTorch op as it is."""
        return self.op("aten::ATen", *args, operator_s=operator, overload_name_s=overload_name, **kwargs)

    at = aten_op

    def onnxscript_op(self, onnx_fn: Any, *raw_args: Any, outputs: int = 1, **kwargs: Any) -> Any:
        """Call an onnxscript function; its definition lands in the model's local functions."""
        try:
            domain, name, version = onnx_fn.opset.domain, onnx_fn.name, onnx_fn.opset.version
            function_proto = onnx_fn.to_function_proto()
        except AttributeError as exc:
            raise GraphBuildError(
                f"g.onnxscript_op needs an onnxscript function (decorated with @onnxscript.script()), got {onnx_fn!r}."
            ) from exc
        assert self.builder is not None
        key = (domain, name, "")
        if key not in self.builder.functions:
            self.builder.functions[key] = ir.serde.deserialize_function(function_proto)
        self.builder.note_domain(domain, version)
        for opset_id in function_proto.opset_import:
            if opset_id.domain not in ("", "ai.onnx"):
                self.builder.note_domain(opset_id.domain, opset_id.version)
        attributes = _attributes.convert_attributes(kwargs, op=f"{domain}::{name}")
        inputs = self._prepare_inputs(raw_args, name, None)
        return self._append(domain, name, inputs, attributes, outputs)

    # -- internals ---------------------------------------------------------------------

    def _note_undeclared(self, schema: onnx.defs.OpSchema, attribute: str) -> None:
        assert self.builder is not None
        source = self.original_node.kind() if self.original_node is not None else ""
        item = UndeclaredAttribute(schema.name, attribute, self.opset, source, tuple(sorted(schema.attributes)))
        if self.builder.note_undeclared(item):
            # stacklevel 4: warn -> _note_undeclared -> op -> the symbolic that called g.op
            warnings.warn(undeclared_attribute_message(item), UndeclaredAttributeWarning, stacklevel=4)

    def _checked_schema(self, domain: str, op_type: str, opname: str) -> onnx.defs.OpSchema | None:
        if domain != "":
            return None
        schema = shape_inference.get_schema(op_type, self.opset)
        if schema is not None:
            return schema
        names = _all_onnx_op_names()
        if op_type in names:
            since = min(s.since_version for s in onnx.defs.get_all_schemas_with_history() if s.name == op_type and s.domain == "")
            raise GraphBuildError(
                f"ONNX op {op_type!r} does not exist at opset {self.opset}; it was added in opset {since}. "
                f"Export with opset_version>={since}, or emit a different op for opset {self.opset}."
            )
        close = difflib.get_close_matches(op_type, names, n=3)
        suggestion = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise GraphBuildError(
            f"{opname!r} is not an ONNX operator.{suggestion} Ops of another domain are written 'domain::Op', "
            "e.g. g.op('mydomain::MyOp', x)."
        )

    def _prepare_inputs(
        self, raw_args: Sequence[Any], op_type: str, schema: onnx.defs.OpSchema | None
    ) -> list[ir.Value | None]:
        """Turn ``g.op``'s positional arguments into ``ir.Value`` inputs.

        Graph values pass through; ``None`` is an omitted optional input; Python
        scalars are typed after the inputs that share their ONNX type constraint.
        """
        n = len(raw_args)
        constraint = [_constraint_of(schema, i) for i in range(n)]
        resolved: list[ir.Value | None | _PendingScalar] = []
        for index, arg in enumerate(raw_args):
            resolved.append(self._resolve_input(arg, op_type, index))
        # Type the pending scalars after their peers.
        for index, item in enumerate(resolved):
            if not isinstance(item, _PendingScalar):
                continue
            peers = [
                r for j, r in enumerate(resolved)
                if j != index and isinstance(r, ir.Value) and r.dtype is not None
                and (constraint[j] == constraint[index] and constraint[index] is not None)
            ]
            dtype = self._scalar_dtype(item.value, peers, op_type)
            if dtype is not None and op_type in _PROMOTING_OPS and _is_float(dtype):
                # An int tensor meeting a float scalar computes in float, as PyTorch does.
                for j, r in enumerate(resolved):
                    if j != index and isinstance(r, ir.Value) and r.dtype is not None and not _is_float(r.dtype) and constraint[j] == constraint[index]:
                        resolved[j] = self._cast(r, dtype)
            resolved[index] = self._constant(_scalar_tensor(item.value, dtype))
        return [r for r in resolved]  # type: ignore[misc]

    def _scalar_dtype(self, scalar: Any, peers: list[ir.Value], op_type: str) -> ir.DataType:
        peer_dtype = peers[0].dtype if peers else None
        is_float_scalar = isinstance(scalar, (float, np.floating))
        if peer_dtype is not None:
            if is_float_scalar and not _is_float(peer_dtype) and op_type in _PROMOTING_OPS:
                return ir.DataType.FLOAT
            return peer_dtype
        if isinstance(scalar, (bool, np.bool_)):
            return ir.DataType.BOOL
        if isinstance(scalar, numbers.Integral):
            return ir.DataType.INT64
        return ir.DataType.FLOAT

    def _resolve_input(self, arg: Any, op_type: str, index: int) -> ir.Value | None | _PendingScalar:
        if arg is None:
            return None
        if isinstance(arg, ConstantValue):
            if arg.python_value is None:
                return None
            arg = arg.python_value
        elif isinstance(arg, ListValue):
            return self._list_input(arg, op_type, index)
        elif isinstance(arg, SourceOutput):
            raise GraphBuildError(
                f"Input {index} of {op_type} is {arg.debugName()!r}, an output of g.original_node: it describes the "
                "model value this symbolic replaces and is not in the ONNX graph. Read its type() (e.g. "
                "out.setTypeAs(...)), and feed g.op the symbolic's arguments or values g.op returned."
            )
        elif isinstance(arg, Value):
            return arg.ir_value
        elif isinstance(arg, ir.Value):
            return arg
        if is_python_scalar(arg):
            return _PendingScalar(arg)
        if isinstance(arg, torch.dtype):
            return self._constant(_attributes.to_ir_tensor(torch.tensor(int(scalar_types.JitScalarType.from_dtype(arg)))))
        if isinstance(arg, (torch.Tensor, np.ndarray)):
            return self._constant(_attributes.to_ir_tensor(arg))
        if isinstance(arg, (list, tuple)) and all(is_python_scalar(v) for v in arg):
            return self._constant(_attributes.to_ir_tensor(torch.tensor(list(arg))))
        raise GraphBuildError(
            f"Input {index} of {op_type} is a {type(arg).__name__} ({arg!r:.80}); g.op inputs must be graph values, "
            "None (an omitted optional input), numbers, lists of numbers or tensors."
        )

    def _list_input(self, arg: ListValue, op_type: str, index: int) -> ir.Value:
        """A list of ints (some of them graph values, e.g. dynamic sizes) as one 1-D int64 tensor."""
        if not arg.is_int_list():
            raise GraphBuildError(
                f"Input {index} of {op_type} is a list of tensors; ONNX ops take tensors. Pass the items with "
                "symbolic_helper._unpack_list(value) (e.g. g.op('Concat', *items, axis_i=0))."
            )
        static = arg.toIValue()
        if static is not None:
            return self._constant(_attributes.to_ir_tensor(torch.tensor(static, dtype=torch.int64)))
        pieces: list[ir.Value] = []
        for item in arg.items:
            if isinstance(item, ConstantValue):
                pieces.append(self._constant(_attributes.to_ir_tensor(torch.tensor([int(item.python_value)]))))
            else:
                assert item is not None
                value = item.ir_value
                if value.shape is not None and len(value.shape) == 0:
                    shape_const = self._constant(_attributes.to_ir_tensor(torch.tensor([1])))
                    value = self._append("", "Reshape", [value, shape_const], [], 1).ir_value
                pieces.append(value)
        return self._append("", "Concat", pieces, [ir.AttrInt64("axis", 0)], 1).ir_value

    def _constant(self, tensor: ir.TensorProtocol) -> ir.Value:
        out = self._append("", "Constant", [], [ir.AttrTensor("value", tensor)], 1).ir_value
        out.const_value = tensor
        out.dtype = tensor.dtype
        out.shape = ir.Shape(tensor.shape)
        return out

    def _cast(self, value: ir.Value, dtype: ir.DataType) -> ir.Value:
        return self._append("", "Cast", [value], [ir.AttrInt64("to", int(dtype))], 1).ir_value

    def _append(
        self,
        domain: str,
        op_type: str,
        inputs: Sequence[ir.Value | None],
        attributes: Sequence[ir.Attr],
        outputs: int,
    ) -> Any:
        assert self.builder is not None
        self.builder.note_domain(domain)
        # Trailing omitted inputs are dropped; inner ones stay as empty names.
        trimmed = list(inputs)
        while trimmed and trimmed[-1] is None:
            trimmed.pop()
        node = ir.Node(
            domain,
            op_type,
            trimmed,
            attributes,
            num_outputs=outputs,
            graph=self.block,
            name=self.builder.fresh_name(op_type),
        )
        for out in node.outputs:
            out.name = self.builder.fresh_name(f"{op_type}_output")
        if self.original_node is not None:
            node.metadata_props["pkg.torch.onnx.stack_trace"] = self.original_node.stack_trace
            if self.original_node.scope:
                node.metadata_props["pkg.torch.onnx.name_scopes"] = self.original_node.scope
        if self.builder.shape_inference:
            shape_inference.infer_node(node, self.opset)
        self.new_nodes.append(node)
        wrapped = [Value.wrap(v) for v in node.outputs]
        return wrapped[0] if outputs == 1 else tuple(wrapped)


@dataclasses.dataclass(frozen=True)
class _PendingScalar:
    """A Python scalar input whose element type is decided by the inputs it meets."""

    value: Any


def _check_arity(
    schema: onnx.defs.OpSchema | None, opname: str, opset: int, inputs: Sequence[Any], outputs: int
) -> None:
    """The input and output counts the ONNX schema allows (trailing omitted inputs do not count)."""
    if schema is None:
        return
    count = len(inputs)
    while count and inputs[count - 1] is None:
        count -= 1
    if not schema.min_input <= count <= schema.max_input:
        allowed = _count_range(schema.min_input, schema.max_input)
        raise GraphBuildError(
            f"g.op({opname!r}) got {count} input(s), but {schema.name} at opset {opset} takes {allowed}. "
            "Pass the inputs its ONNX definition lists (None for an omitted optional input)."
        )
    if not schema.min_output <= outputs <= schema.max_output:
        allowed = _count_range(schema.min_output, schema.max_output)
        raise GraphBuildError(
            f"g.op({opname!r}, ..., outputs={outputs}): {schema.name} at opset {opset} has {allowed} output(s); "
            "set outputs= accordingly."
        )


def _count_range(low: int, high: int) -> str:
    if low == high:
        return str(low)
    return f"at least {low}" if high >= 2**31 - 1 else f"{low} to {high}"


def _constraint_of(schema: onnx.defs.OpSchema | None, index: int) -> str | None:
    if schema is None:
        return None
    formals = schema.inputs
    if not formals:
        return None
    formal = formals[min(index, len(formals) - 1)]
    if index >= len(formals) and formal.option != onnx.defs.OpSchema.FormalParameterOption.Variadic:
        return None
    return formal.type_str


def _is_float(dtype: ir.DataType) -> bool:
    return dtype.is_floating_point()


def _scalar_tensor(value: Any, dtype: ir.DataType | None) -> ir.TensorProtocol:
    torch_dtype = scalar_types.ir_to_dtype(dtype) if dtype is not None else None
    if isinstance(value, np.generic):
        value = value.item()
    return _attributes.to_ir_tensor(torch.tensor(value, dtype=torch_dtype))


def add_op_with_blocks(
    graph_context: GraphContext,
    opname: str,
    *inputs: Any,
    outputs: int = 1,
    n_blocks: int = 1,
    **attributes: Any,
) -> tuple[Any, tuple[GraphContext, ...], Node]:
    """Create a control-flow node with ``n_blocks`` sub-blocks, legacy style.

    Returns the node's outputs, one ``GraphContext`` per block (``ctx.op`` appends
    inside the block; finish it with :func:`add_output_to_block`), and the node.
    """
    domain, op_type = split_op_name(opname)
    names = _BLOCK_ATTRIBUTES.get(op_type)
    if domain != "" or names is None:
        raise GraphBuildError(
            f"add_op_with_blocks supports the ONNX control-flow ops {sorted(_BLOCK_ATTRIBUTES)}, got {opname!r}."
        )
    if n_blocks != len(names):
        raise GraphBuildError(f"{op_type} takes {len(names)} block(s) ({', '.join(names)}), got n_blocks={n_blocks}.")
    assert graph_context.builder is not None
    blocks = [
        ir.Graph([], [], nodes=[], name=graph_context.builder.fresh_name(f"{op_type}_{attr}")) for attr in names
    ]
    block_attrs = {f"{attr}_g": block for attr, block in zip(names, blocks, strict=True)}
    output_values = graph_context.op(opname, *inputs, outputs=outputs, **attributes, **block_attrs)
    first = output_values[0] if isinstance(output_values, tuple) else output_values
    node = first.node()
    contexts = tuple(dataclasses.replace(graph_context, block=block, new_nodes=[]) for block in blocks)
    return output_values, contexts, node


def add_input_to_block(block: GraphContext | Block | ir.Graph) -> Value:
    """Add an input to a sub-block (legacy ``utils._add_input_to_block``)."""
    return _as_block(block).addInputToBlock()


def add_output_to_block(block: GraphContext | Block | ir.Graph, value: Value) -> int:
    """Register ``value`` as an output of a sub-block (legacy ``utils._add_output_to_block``)."""
    return _as_block(block).registerOutput(value)


def _as_block(block: GraphContext | Block | ir.Graph) -> Block:
    if isinstance(block, GraphContext):
        return Block.of(block.block)
    if isinstance(block, ir.Graph):
        return Block.of(block)
    return block


SymbolicFunction = Callable[..., Any]
