"""The ``torch._C.Value`` / ``Node`` / ``TensorType`` API that symbolics call, over ``onnx_ir``.

Legacy symbolic functions receive every argument as a TorchScript ``Value``:
tensors, but also Python constants (``prim::Constant``) and lists
(``prim::ListConstruct``). They inspect them with ``x.type().sizes()``,
``x.node().kind()``, ``x.node()["value"]``, ``x.node().mustBeNone()`` and so on.
The same calls have three kinds of backing:

* :class:`Value` over an ``onnx_ir.Value`` (a graph input, initializer or node output);
* :class:`ConstantValue` over a Python object (``prim::Constant``), materialized
  as an ONNX ``Constant`` only when a symbolic feeds it to ``g.op``, typed like
  the tensor it meets;
* :class:`ListValue` over a list of values (``prim::ListConstruct``).

This is the public module; the code lives by what it models: :mod:`.graph_values`
(``Value`` / ``Node`` / ``Block`` over the graph), :mod:`.constant_values`
(constants, lists and tuples not in the graph) and :mod:`.jit_types` (the types).
"""

from __future__ import annotations

from onnx_migrate.legacy_symbolics.constant_values import (
    ConstantValue,
    ListValue,
    TupleValue,
    as_value,
    is_python_scalar,
)
from onnx_migrate.legacy_symbolics.graph_values import Block, Node, Value, ir_tensor_to_torch
from onnx_migrate.legacy_symbolics.jit_types import (
    BoolType,
    DeviceObjType,
    FloatType,
    IntType,
    JitType,
    ListType,
    NoneType,
    StringType,
    TensorType,
    TupleType,
    python_type_of,
)

__all__ = [
    "Block",
    "BoolType",
    "ConstantValue",
    "DeviceObjType",
    "FloatType",
    "IntType",
    "JitType",
    "ListType",
    "ListValue",
    "Node",
    "NoneType",
    "StringType",
    "TensorType",
    "TupleType",
    "TupleValue",
    "Value",
    "as_value",
    "ir_tensor_to_torch",
    "is_python_scalar",
    "python_type_of",
]
