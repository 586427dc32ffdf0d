"""``g.original_node``: the model node a symbolic is translating, with the legacy ``torch._C.Node`` API.

Real symbolics read the node they replace while they run: ONNX Runtime's training
registry takes the loss type from ``next(iter(node.outputs())).type()``, its
``PythonOp`` exporter reads ``n.outputs()`` / ``n.outputsSize()`` / ``n.cconv()``,
and custom squeeze rewrites read ``node.inputsAt(0).type().sizes()``. Under the
legacy exporter those were the TorchScript node's own values, typed by tracing.
Here the inputs are the symbolic's arguments (every schema argument, constants as
``prim::Constant``-like values) and the outputs are typed stand-ins built from
``torch.export``'s example values (FX ``meta["val"]``): they answer ``type()``,
``node()`` and ``debugName()``, but are not in the ONNX graph, so feeding one to
``g.op`` is an error (it was meaningless in legacy too).
"""

from __future__ import annotations

import dataclasses
import numbers
from collections.abc import Sequence
from typing import Any

import onnx_ir as ir
import torch

from onnx_migrate.errors import OnnxMigrateError, SymbolicValueError
from onnx_migrate.legacy_symbolics import scalar_types
from onnx_migrate.legacy_symbolics.jit_types import JitType, ListType, TensorType, python_type_of
from onnx_migrate.legacy_symbolics.values import Value

__all__ = ["SourceNode", "SourceOutput", "example_dims", "example_outputs"]


def example_dims(tensor: torch.Tensor) -> list[int | str]:
    """The shape of an FX example tensor: ints, and symbolic dims by their sympy expression (``s0``)."""
    dims: list[int | str] = []
    for size in tensor.shape:
        if isinstance(size, torch.SymInt):
            expr = size.node.expr
            dims.append(int(expr) if expr.is_number else str(expr))
        else:
            dims.append(int(size))
    return dims


class SourceOutput(Value):
    """An output of ``g.original_node``: typed like the model's value, outside the ONNX graph.

    ``node()`` is the source node itself, as a TorchScript value's producer was.
    """

    def __init__(self, ir_value: ir.Value, source: SourceNode, jit_type: JitType | None = None) -> None:
        super().__init__(ir_value)
        self._source = source
        self._jit_type = jit_type

    def type(self) -> JitType:
        return self._jit_type if self._jit_type is not None else super().type()

    def node(self) -> Any:
        return self._source

    def uses(self) -> list[Any]:
        return []

    def __repr__(self) -> str:
        return f"%{self.debugName()} : {self.type()} (output of {self._source.kind()})"


def _tensor_output(name: str, tensor: torch.Tensor, source: SourceNode) -> SourceOutput:
    try:
        tensor_type: ir.TensorType | None = ir.TensorType(scalar_types.dtype_to_ir(tensor.dtype))
    except OnnxMigrateError:  # a dtype ONNX lacks: the type stays unknown, as legacy showed an incomplete type
        tensor_type = None
    dims = [d if isinstance(d, int) else ir.SymbolicDim(d) for d in example_dims(tensor)]
    return SourceOutput(ir.Value(name=name, type=tensor_type, shape=ir.Shape(dims)), source)


def _returns_one_list(fx_node: Any) -> bool:
    """The op returns one ``Tensor[]`` (``aten::split``): one legacy output of list type, not several."""
    schema = getattr(getattr(fx_node, "target", None), "_schema", None)
    returns = getattr(schema, "returns", None)
    return bool(returns) and len(returns) == 1 and isinstance(returns[0].type, torch.ListType)


def example_outputs(fx_node: Any, source: SourceNode) -> list[SourceOutput]:
    """Stand-ins for the outputs of ``fx_node``, typed from its example value (FX ``meta["val"]``)."""
    if fx_node is None or not hasattr(fx_node, "meta"):
        return []
    example = fx_node.meta.get("val")
    if _returns_one_list(fx_node):
        tensors = [t for t in example if isinstance(t, torch.Tensor)] if isinstance(example, (list, tuple)) else []
        element = TensorType.create_from_tensor(tensors[0]).with_sizes(None) if tensors else TensorType()
        return [SourceOutput(ir.Value(name=fx_node.name), source, ListType(element))]
    leaves = list(example) if isinstance(example, (list, tuple)) else [example]
    outputs = []
    for index, leaf in enumerate(leaves):
        name = fx_node.name if len(leaves) == 1 else f"{fx_node.name}_out{index}"
        if isinstance(leaf, torch.Tensor):
            outputs.append(_tensor_output(name, leaf, source))
        elif isinstance(leaf, (torch.SymInt, torch.SymFloat, torch.SymBool, numbers.Number)) or leaf is None:
            plain = {torch.SymInt: 0, torch.SymFloat: 0.0, torch.SymBool: False}.get(type(leaf), leaf)
            outputs.append(SourceOutput(ir.Value(name=name), source, python_type_of(plain)))
    return outputs


@dataclasses.dataclass
class SourceNode:
    """The model node a symbolic is translating (``g.original_node``).

    Carries what the legacy ``torch._C.Node`` told symbolics about the source:
    ``kind()`` (``aten::relu``), ``sourceRange()`` (the model code line),
    ``scopeName()`` (the module path), ``inputs()`` and ``outputs()``.
    ``fx_node`` is the ``torch.fx.Node``; when ``output_values`` is not given,
    the outputs are typed stand-ins built from its example value.
    """

    op_kind: str
    stack_trace: str = ""
    scope: str = ""
    fx_node: Any = None
    input_values: Sequence[Any] = ()
    output_values: Sequence[Any] = ()
    attributes: dict[str, Any] = dataclasses.field(default_factory=dict)
    _stand_ins: list[SourceOutput] | None = dataclasses.field(default=None, init=False, repr=False, compare=False)

    # -- identity and source ----------------------------------------------------------

    def kind(self) -> str:
        return self.op_kind

    def sourceRange(self) -> str:  # noqa: N802 - legacy name
        return self.stack_trace

    def scopeName(self) -> str:  # noqa: N802
        return self.scope

    def mustBeNone(self) -> bool:  # noqa: N802
        return False

    def blocks(self) -> list[Any]:
        return []

    # -- inputs and outputs -----------------------------------------------------------

    def inputs(self) -> list[Any]:
        return list(self.input_values)

    def inputsAt(self, index: int) -> Any:  # noqa: N802
        return self._at(self.inputs(), index, "inputs")

    def input(self, index: int = 0) -> Any:
        return self.inputsAt(index)

    def inputsSize(self) -> int:  # noqa: N802
        return len(self.input_values)

    def outputs(self) -> list[Any]:
        if self.output_values:
            return list(self.output_values)
        if self._stand_ins is None:
            self._stand_ins = example_outputs(self.fx_node, self)
        return list(self._stand_ins)

    def outputsAt(self, index: int) -> Any:  # noqa: N802
        return self._at(self.outputs(), index, "outputs")

    def output(self) -> Any:
        """The only output; legacy asserted a single output, so several are an error here too."""
        outputs = self.outputs()
        if len(outputs) != 1:
            raise SymbolicValueError(
                f"g.original_node.output() needs a node with one output; {self.op_kind} has {len(outputs)}. "
                "Use g.original_node.outputs() (or outputsAt(i))."
            )
        return outputs[0]

    def outputsSize(self) -> int:  # noqa: N802
        return len(self.outputs())

    def hasMultipleOutputs(self) -> bool:  # noqa: N802
        return self.outputsSize() > 1

    def hasUses(self) -> bool:  # noqa: N802
        users = getattr(self.fx_node, "users", None)
        return bool(users) if users is not None else True

    def _at(self, items: list[Any], index: int, what: str) -> Any:
        if not -len(items) <= index < len(items):
            raise SymbolicValueError(f"g.original_node.{what}At({index}): {self.op_kind} has {len(items)} {what}.")
        return items[index]

    # -- attributes (legacy prim::PythonOp nodes carry name / inplace / module) --------

    def hasAttribute(self, name: str) -> bool:  # noqa: N802
        return name in self.attributes

    def hasAttributes(self) -> bool:  # noqa: N802
        return bool(self.attributes)

    def attributeNames(self) -> list[str]:  # noqa: N802
        return list(self.attributes)

    def kindOf(self, name: str) -> str:  # noqa: N802
        value = self._attribute(name)
        if isinstance(value, bool) or isinstance(value, numbers.Integral):
            return "i"
        if isinstance(value, numbers.Real):
            return "f"
        if isinstance(value, torch.Tensor):
            return "t"
        return "s"

    def _attribute(self, name: str) -> Any:
        if name not in self.attributes:
            known = ", ".join(self.attributes) or "none"
            raise SymbolicValueError(f"Node {self.op_kind} has no attribute {name!r} (it has: {known}).")
        return self.attributes[name]

    def __getitem__(self, name: str) -> Any:
        return self._attribute(name)

    def s(self, name: str) -> str:
        return str(self._attribute(name))

    def i(self, name: str) -> int:
        return int(self._attribute(name))

    def f(self, name: str) -> float:
        return float(self._attribute(name))

    def t(self, name: str) -> torch.Tensor:
        return torch.as_tensor(self._attribute(name))

    # -- messages ---------------------------------------------------------------------

    def __str__(self) -> str:
        where = f" at {self.last_source_line()}" if self.stack_trace else ""
        return f"{self.op_kind}{where}"

    def last_source_line(self) -> str:
        """The innermost ``File "...", line N`` of the stack trace, for error messages."""
        lines = [ln.strip() for ln in self.stack_trace.strip().splitlines() if ln.strip().startswith("File ")]
        return lines[-1] if lines else ""
