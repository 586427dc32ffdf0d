"""The nodes one recorded symbolic call emitted, written back as onnxscript statements.

This is how a symbolic that branches in Python (on shapes, dtypes, the opset or
argument values) is ported: the generated function repeats exactly what the
symbolic emitted for the calls ``port`` saw. The recorded nodes are first
brought to the opset torch's new exporter builds its graph at (it builds at
opset 18 or later and converts down at the end): an op whose definition changed
in between (``RoiAlign`` 10 -> 16 changed a default, ``Squeeze`` took its axes
as an input at 13) is rewritten by ONNX's own version converter, so the
generated code means at the new opset what the legacy node meant at the old one.
"""

from __future__ import annotations

import dataclasses
import keyword
import re
from collections.abc import Mapping, Sequence

import numpy as np
import onnx
import onnx.version_converter
import onnx_ir as ir

from onnx_migrate.compat.symbolic_recording import EmittedNode, SymbolicUse, ValueRef

__all__ = ["CustomOpShape", "Replay", "changed_between", "custom_op_identifier", "literal", "replay_use"]

#: Tensor constants larger than this are not written into generated code.
_MAX_LITERAL_ELEMENTS = 4096


@dataclasses.dataclass
class CustomOpShape:
    """What the generated module declares for one custom-domain op: arity and attribute types."""

    domain: str
    op_type: str
    inputs: int = 0
    min_inputs: int | None = None
    outputs: int = 1
    attributes: dict[str, ir.AttributeType] = dataclasses.field(default_factory=dict)

    def merge(self, node: onnx.NodeProto) -> None:
        count = len(node.input)
        self.inputs = max(self.inputs, count)
        self.min_inputs = count if self.min_inputs is None else min(self.min_inputs, count)
        self.outputs = max(self.outputs, len(node.output))
        for attribute in node.attribute:
            self.attributes.setdefault(attribute.name, ir.AttributeType(attribute.type))

    def merge_emitted(self, node: EmittedNode) -> None:
        """Like :meth:`merge`, from a recorded node (used when the function is translated from source)."""
        count = len(node.inputs)
        self.inputs = max(self.inputs, count)
        self.min_inputs = count if self.min_inputs is None else min(self.min_inputs, count)
        self.outputs = max(self.outputs, node.num_outputs)
        for attribute in node.attributes:
            self.attributes.setdefault(attribute.name, attribute.type)


@dataclasses.dataclass
class Replay:
    """Statements repeating one call, or why they cannot be written.

    Attributes:
        lines: the body (no indentation), ending with a ``return``.
        nodes: the nodes the body emits, at the target opset.
        problem: why the call cannot be repeated (``lines`` is then empty).
    """

    lines: list[str]
    nodes: list[onnx.NodeProto]
    problem: str | None = None


def _arg_name(ref: ValueRef) -> str:
    return f"arg{ref.index}" if ref.item < 0 else f"arg{ref.index}_{ref.item}"


def _value_name(ref: ValueRef | None) -> str:
    if ref is None:
        return ""
    if ref.kind == "arg":
        return _arg_name(ref)
    return f"node{ref.index}_{ref.item}"


def _mini_model(use: SymbolicUse) -> onnx.ModelProto:
    """The recorded nodes as a model of their own: arguments as inputs, returned values as outputs."""
    inputs: dict[str, onnx.ValueInfoProto] = {}
    nodes = []
    for index, node in enumerate(use.nodes):
        names = []
        for ref in node.inputs:
            name = _value_name(ref)
            if ref is not None and ref.kind == "arg" and name not in inputs:
                inputs[name] = _input_info(use, ref, name)
            names.append(name)
        nodes.append(
            onnx.helper.make_node(
                node.op_type,
                names,
                [f"node{index}_{j}" for j in range(node.num_outputs)],
                domain=node.domain,
                name=f"node{index}",
            )
        )
        nodes[-1].attribute.extend(ir.serde.serialize_attribute(attr) for attr in node.attributes)
    outputs = [onnx.helper.make_empty_tensor_value_info(_value_name(ref)) for ref in use.outputs if ref is not None]
    for ref in use.outputs:
        if ref is not None and ref.kind == "arg" and _value_name(ref) not in inputs:
            inputs[_value_name(ref)] = _input_info(use, ref, _value_name(ref))
    domains = {node.domain for node in use.nodes if node.domain not in ("", "ai.onnx")}
    graph = onnx.helper.make_graph(nodes, "replay", list(inputs.values()), outputs)
    opsets = [onnx.helper.make_opsetid("", use.opset), *(onnx.helper.make_opsetid(d, 1) for d in sorted(domains))]
    return onnx.helper.make_model(graph, opset_imports=opsets)


def _input_info(use: SymbolicUse, ref: ValueRef, name: str) -> onnx.ValueInfoProto:
    record = use.arguments[ref.index]
    if ref.item < 0 and record.dtype is not None and record.shape is not None:
        return onnx.helper.make_tensor_value_info(name, int(record.dtype), [d if isinstance(d, int) else str(d) for d in record.shape])
    return onnx.helper.make_empty_tensor_value_info(name)


def changed_between(nodes: Sequence[EmittedNode], source: int, target: int) -> list[str]:
    """Default-domain ops whose definition differs between the two opsets."""
    changed = []
    for node in nodes:
        if node.domain not in ("", "ai.onnx"):
            continue
        try:
            before = onnx.defs.get_schema(node.op_type, source, "").since_version
            after = onnx.defs.get_schema(node.op_type, target, "").since_version
        except onnx.defs.SchemaError:
            changed.append(node.op_type)
            continue
        if before != after:
            changed.append(node.op_type)
    return sorted(set(changed))


def _at_opset(use: SymbolicUse, target_opset: int) -> tuple[list[onnx.NodeProto], str | None]:
    model = _mini_model(use)
    changed = changed_between(use.nodes, use.opset, target_opset) if use.opset != target_opset else []
    if not changed:
        return list(model.graph.node), None
    try:
        converted = onnx.version_converter.convert_version(model, target_opset)
    except Exception as exc:  # noqa: BLE001 - the converter raises RuntimeError and others; all mean "cannot"
        message = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        return [], (
            f"it emits {', '.join(changed)} at opset {use.opset}, whose definition changed by opset {target_opset} "
            f"(the opset torch's new exporter builds at), and ONNX's version converter cannot convert it: {message}"
        )
    return list(converted.graph.node), None


def replay_use(
    use: SymbolicUse,
    parameter_names: Sequence[str],
    *,
    target_opset: int,
    custom_ops: dict[tuple[str, str], CustomOpShape],
    identifier: Mapping[tuple[str, str], str] | None = None,
    opset_alias: str = "op",
) -> Replay:
    """The statements that emit what ``use`` emitted, reading the function's parameters.

    ``custom_ops`` collects the arity and attributes of each custom-domain op used;
    ``identifier`` names the module-level object of each (default: :func:`custom_op_identifier`).
    """
    if use.problem:
        return Replay([], [], use.problem)
    nodes, problem = _at_opset(use, target_opset)
    if problem:
        return Replay([], [], problem)
    names = _Names({_arg_name(ValueRef("arg", i, -1)): parameter_names[i] for i in range(len(parameter_names))})
    for index, name in enumerate(parameter_names):
        for item in range(64):
            names.bind(f"arg{index}_{item}", f"{name}[{item}]")
    read = {name for node in nodes for name in node.input if name}
    returned = [_value_name(ref) if ref is not None else None for ref in use.outputs]
    lines = []
    for node in nodes:
        custom = node.domain not in ("", "ai.onnx")
        if custom:
            key = (node.domain, node.op_type)
            custom_ops.setdefault(key, CustomOpShape(node.domain, node.op_type)).merge(node)
            callee = (identifier or {}).get(key) or custom_op_identifier(*key)
        else:
            callee = f"{opset_alias}.{node.op_type}"
        arguments = [names.get(name) if name else "None" for name in node.input]
        try:
            arguments += [f"{a.name}={literal(a)}" for a in node.attribute]
        except ValueError as exc:
            return Replay([], [], f"it emits {node.op_type} with an {exc}, which is not written into code")
        targets = [names.new(name, node.op_type) if (name in read or name in returned) else "_" for name in node.output]
        left = ", ".join(targets) if len(targets) > 1 else targets[0]
        lines.append(f"{left} = {callee}({', '.join(arguments)})")
    values = []
    for index, name in enumerate(returned):
        if name is not None:
            values.append(names.get(name))
            continue
        # The model never reads this output and the symbolic did not build it; torch's exporter still
        # wants one value per output: an empty constant of the output's type, removed as dead code.
        placeholder = names.new(f"unused output {index}", "Unused")
        dtype = _numpy_name_of(use.output_examples[index][0] if index < len(use.output_examples) else None)
        lines.append(f"{placeholder} = {opset_alias}.Constant(value=ir.tensor(np.zeros((0,), dtype={dtype})))  # output {index} is not read")
        values.append(placeholder)
    lines.append("return " + (values[0] if len(values) == 1 else ", ".join(values)))
    return Replay(lines, nodes)


def _numpy_name_of(dtype: object) -> str:
    import torch

    names = {torch.float32: "np.float32", torch.float64: "np.float64", torch.float16: "np.float16", torch.int64: "np.int64",
             torch.int32: "np.int32", torch.int8: "np.int8", torch.uint8: "np.uint8", torch.bool: "np.bool_"}
    return names.get(dtype, "np.float32")  # type: ignore[call-overload]


def custom_op_identifier(domain: str, op_type: str) -> str:
    """The module-level name of the object calling a custom-domain op (``com_microsoft_Gelu``)."""
    return re.sub(r"\W", "_", f"{domain}_{op_type}")


class _Names:
    """Readable, unique local names for the values of one function (``roi_align``, ``mul_1`` ...)."""

    def __init__(self, bound: dict[str, str]) -> None:
        self._bound = dict(bound)
        self._taken = set(bound.values())

    def bind(self, value: str, expression: str) -> None:
        self._bound.setdefault(value, expression)

    def get(self, value: str) -> str:
        return self._bound[value]

    def new(self, value: str, op_type: str) -> str:
        base = re.sub(r"(?<!^)(?=[A-Z][a-z])", "_", op_type).lower()
        base = re.sub(r"\W", "_", base) or "value"
        if keyword.iskeyword(base) or base in ("op", "ir", "np", "torch", "self"):
            base += "_"
        name, counter = base, 1
        while name in self._taken:
            name, counter = f"{base}_{counter}", counter + 1
        self._taken.add(name)
        self._bound[value] = name
        return name


_NUMPY_NAMES = {
    np.dtype(np.float32): "np.float32",
    np.dtype(np.float64): "np.float64",
    np.dtype(np.float16): "np.float16",
    np.dtype(np.int64): "np.int64",
    np.dtype(np.int32): "np.int32",
    np.dtype(np.int16): "np.int16",
    np.dtype(np.int8): "np.int8",
    np.dtype(np.uint8): "np.uint8",
    np.dtype(np.bool_): "np.bool_",
}


def literal(attribute: onnx.AttributeProto) -> str:
    """Python source of an attribute's value, as onnxscript takes it."""
    value = onnx.helper.get_attribute_value(attribute)
    if attribute.type == onnx.AttributeProto.STRING:
        return repr(value.decode("utf-8"))
    if attribute.type == onnx.AttributeProto.STRINGS:
        return repr([v.decode("utf-8") for v in value])
    if attribute.type == onnx.AttributeProto.FLOAT:
        return _float_text(value)
    if attribute.type == onnx.AttributeProto.FLOATS:
        return "[" + ", ".join(_float_text(v) for v in value) + "]"
    if attribute.type in (onnx.AttributeProto.INT, onnx.AttributeProto.INTS):
        return repr(value if isinstance(value, int) else list(value))
    if attribute.type == onnx.AttributeProto.TENSOR:
        array = onnx.numpy_helper.to_array(value)
        dtype = _NUMPY_NAMES.get(array.dtype)
        if dtype is None or array.size > _MAX_LITERAL_ELEMENTS:
            raise ValueError(f"attribute {attribute.name!r} holds a {array.dtype} tensor of {array.size} elements")
        text = _nested_text(array.tolist()) if array.dtype == np.float32 else repr(array.tolist())
        return f"ir.tensor(np.array({text}, dtype={dtype}))"
    raise ValueError(f"attribute {attribute.name!r} has type {onnx.AttributeProto.AttributeType.Name(attribute.type)}")


def _float_text(value: float) -> str:
    """The shortest text that gives back the same float32 (attributes are stored as float32)."""
    number = np.float32(value)
    if not np.isfinite(number):
        return f"float({str(number)!r})"
    text = str(number)
    return text if any(c in text for c in ".en") else text + ".0"


def _nested_text(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_nested_text(v) for v in value) + "]"
    return _float_text(value)  # type: ignore[arg-type]
