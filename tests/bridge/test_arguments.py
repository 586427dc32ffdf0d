"""Arguments of a bridged call, rebuilt as the legacy backend passes them (no export runs here).

torch's new exporter hands translation functions the FX node's arguments with
tensors as ``onnx_ir`` values, dtypes as ONNX element types, ``dtype=None`` as
``-1`` and layouts as strings; legacy symbolics expect every schema argument,
defaults filled in, constants as ``ConstantValue`` and dtypes as ScalarType numbers.
"""

from __future__ import annotations

import onnx_ir as ir
import torch

from onnx_migrate.bridge.arguments import legacy_arguments
from onnx_migrate.legacy_symbolics.scalar_types import JitScalarType
from onnx_migrate.legacy_symbolics.values import ConstantValue, ListValue, Value


def _tensor(name: str) -> ir.Value:
    return ir.Value(name=name, type=ir.TensorType(ir.DataType.FLOAT), shape=ir.Shape([2, 3]))


def test_every_schema_argument_in_order_with_defaults() -> None:
    x = _tensor("x")
    values, explicit = legacy_arguments(torch.ops.aten.gelu.default._schema, (x,), {})
    assert explicit == [True, False]
    assert values[0] is Value.wrap(x)
    assert isinstance(values[1], ConstantValue) and values[1].python_value == "none"
    assert values[0].type().sizes() == [2, 3]


def test_dtype_and_layout_come_back_as_legacy_constants() -> None:
    x = _tensor("x")
    schema = torch.ops.aten.sum.dim_IntList._schema
    values, _ = legacy_arguments(schema, (x, [1], True), {"dtype": int(ir.DataType.FLOAT16)})
    assert values[1].python_value == [1] and values[2].python_value is True
    assert values[3].python_value == int(JitScalarType.HALF)
    none_dtype, _ = legacy_arguments(schema, (x, [1]), {"dtype": -1})
    assert none_dtype[3].python_value is None and none_dtype[3].node().mustBeNone()
    empty, _ = legacy_arguments(
        torch.ops.aten.empty.memory_format._schema, ([2, 3],), {"layout": "torch.strided", "device": "cpu"}
    )
    assert empty[2].python_value == 0  # legacy: strided layout is 0
    assert empty[3].python_value == "cpu"


def test_lists_holding_graph_values_are_list_values() -> None:
    x, size = _tensor("x"), ir.Value(name="s", type=ir.TensorType(ir.DataType.INT64), shape=ir.Shape([]))
    values, _ = legacy_arguments(torch.ops.aten.view.default._schema, (x, [size, 3]), {})
    shape = values[1]
    assert isinstance(shape, ListValue)
    assert shape.items[0] is Value.wrap(size) and shape.items[1].python_value == 3
    tensors, _ = legacy_arguments(torch.ops.aten.cat.default._schema, ([x, _tensor("y")],), {})
    assert isinstance(tensors[0], ListValue) and tensors[1].python_value == 0
