"""``prim::PythonOp``: one custom symbolic for every ``autograd.Function`` without its own.

In TorchScript graphs each ``MyFunction.apply(...)`` was a ``prim::PythonOp``
node. A class with a ``symbolic`` staticmethod exported through it; for the
others, a symbolic registered as ``register_custom_op_symbolic("prim::PythonOp",
fn, opset)`` was called instead of inlining ``forward``. onnxruntime's training
exporter (``com.microsoft::PythonOp``) and deployment toolkits that turn every
Function into a plugin node rely on it. The calling convention was::

    fn(g, *args, name="MyFunction", inplace=0, module="my.module")

with ``args`` the arguments of ``apply`` in order — tensors as graph values, every
other argument as the very Python object passed — and the node itself in
``g.original_node``, whose ``pyobj()`` is the Function class, ``cconv()`` the
calling convention (``"d"`` per tensor argument, ``"c"`` per Python object),
``scalar_args()`` the Python objects and ``outputs()`` the typed outputs.

This module holds that convention; ``autograd_functions`` decides when it applies
(a class without ``symbolic`` while a ``prim::PythonOp`` symbolic serves the opset).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import Any

import onnx_ir as ir
import torch

from onnx_migrate.errors import OnnxMigrateError
from onnx_migrate.legacy_symbolics import scalar_types
from onnx_migrate.legacy_symbolics.graph_context import GraphContext, SourceNode
from onnx_migrate.legacy_symbolics.registry import SymbolicRegistry
from onnx_migrate.legacy_symbolics.values import Value

__all__ = [
    "PYTHON_OP",
    "PythonOpNode",
    "calling_convention",
    "node_attributes",
    "python_op_context",
    "python_op_symbolic",
]

#: The registry name of the symbolic that exports ``autograd.Function`` classes without ``symbolic``.
PYTHON_OP = "prim::PythonOp"


def python_op_symbolic(registry: SymbolicRegistry, opset: int) -> Callable[..., Any] | None:
    """The ``prim::PythonOp`` symbolic serving ``opset`` in ``registry``, or ``None``."""
    entry = registry.lookup(PYTHON_OP, opset).entry
    return entry.fn if entry is not None else None


def calling_convention(args: Sequence[Any]) -> str:
    """Legacy ``cconv``: ``"d"`` for each graph value (tensor), ``"c"`` for each Python object."""
    return "".join("d" if isinstance(arg, Value) else "c" for arg in args)


@dataclasses.dataclass
class PythonOpNode(SourceNode):
    """``g.original_node`` while an ``autograd.Function`` call is exported: a legacy ``prim::PythonOp``.

    Attributes:
        function: the ``autograd.Function`` class (``pyobj()``).
        arguments: the arguments of ``apply`` as the symbolic receives them.
    """

    function: type | None = None
    arguments: Sequence[Any] = ()

    def pyobj(self) -> type | None:
        """The ``autograd.Function`` class, as legacy ``Node.pyobj()`` returned it."""
        return self.function

    def pyname(self) -> str:
        """The class name (legacy ``Node.pyname()``)."""
        return self.function.__name__ if self.function is not None else ""

    def cconv(self) -> str:
        """``"d"`` per tensor argument, ``"c"`` per Python object, in argument order."""
        return calling_convention(self.arguments)

    def scalar_args(self) -> list[Any]:
        """The non-tensor arguments of ``apply``, in order (legacy ``Node.scalar_args()``)."""
        return [arg for arg in self.arguments if not isinstance(arg, Value)]

    def attributeNames(self) -> list[str]:  # legacy name
        return list(self.attributes)

    def kindOf(self, name: str) -> str:  # legacy name
        return "i" if isinstance(self.attributes[name], int) else "s"

    def s(self, name: str) -> str:
        return str(self.attributes[name])

    def i(self, name: str) -> int:
        return int(self.attributes[name])


def _example_outputs(source: SourceNode | None) -> list[Value]:
    """Typed stand-ins for the node's outputs, from the captured example values (FX ``meta["val"]``)."""
    fx_node = getattr(source, "fx_node", None)
    example = fx_node.meta.get("val") if fx_node is not None else None
    tensors = [t for t in (example if isinstance(example, (list, tuple)) else [example]) if isinstance(t, torch.Tensor)]
    outputs = []
    for index, tensor in enumerate(tensors):
        dims = [int(d) if isinstance(d, int) else ir.SymbolicDim(str(d)) for d in tensor.shape]
        try:
            tensor_type = ir.TensorType(scalar_types.dtype_to_ir(tensor.dtype))
        except OnnxMigrateError:  # a dtype ONNX lacks: the output stays untyped, as an unknown legacy type
            tensor_type = None
        value = ir.Value(name=f"{fx_node.name}_out{index}", type=tensor_type, shape=ir.Shape(dims))
        outputs.append(Value.wrap(value))
    return outputs


def python_op_context(g: GraphContext, function: type, arguments: Sequence[Any], *, inplace: bool = False) -> GraphContext:
    """``g`` with ``original_node`` turned into the legacy ``prim::PythonOp`` node of this call."""
    source = g.original_node
    node = PythonOpNode(
        op_kind=PYTHON_OP,
        stack_trace=source.stack_trace if source is not None else "",
        scope=source.scope if source is not None else "",
        fx_node=source.fx_node if source is not None else None,
        input_values=[arg for arg in arguments if isinstance(arg, Value)],
        output_values=_example_outputs(source),
        attributes=node_attributes(function, inplace=inplace),
        function=function,
        arguments=tuple(arguments),
    )
    return dataclasses.replace(g, original_node=node)


def node_attributes(function: type, *, inplace: bool = False) -> dict[str, Any]:
    """The attributes of a legacy ``prim::PythonOp`` node, passed as keyword arguments to its symbolic."""
    return {"name": function.__name__, "inplace": int(inplace), "module": function.__module__}
