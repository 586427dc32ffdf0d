"""Pins what ``bridge/_onnxscript_compat.py`` assumes about torch's new exporter and onnxscript.

When a torch or onnxscript release changes these internals, these tests fail
first and say which assumption broke, instead of bridged exports breaking in
obscure ways.
"""

from __future__ import annotations

import inspect
import sys
from typing import Any

import onnx_ir as ir
import pytest
import torch
from packaging.version import Version

from onnx_migrate.bridge import _onnxscript_compat as compat
from onnx_migrate.errors import GraphBuildError


def test_torch_is_recent_enough() -> None:
    assert Version(torch.__version__.split("+")[0]) >= compat.MIN_TORCH_VERSION


def test_the_lowering_function_names_its_fx_node_node() -> None:
    module_name, function_name = compat._LOWERING_FRAME
    __import__(module_name)
    function = getattr(sys.modules[module_name], function_name, None)
    assert function is not None, f"{module_name}.{function_name} is gone: update current_fx_node()"
    parameter = inspect.signature(function).parameters.get(compat._FX_NODE_LOCAL)
    assert parameter is not None, f"{function_name} no longer takes {compat._FX_NODE_LOCAL!r}"


def test_torch_records_nodes_and_functions_in_lists_and_dicts() -> None:
    from onnxscript import values
    from torch.onnx._internal.exporter import _building, _constants

    recorder = _building.OpRecorder(values.Opset("", 18), {})
    assert isinstance(recorder.nodes, list) and isinstance(recorder.functions, dict)
    assert compat.TORCHLIB_OPSET == _constants.TORCHLIB_OPSET == 18


def test_outside_an_export_there_is_no_recorder_and_no_node() -> None:
    with pytest.raises(GraphBuildError, match="outside torch.onnx.export"):
        compat.current_recorder()
    assert compat.current_fx_node() is None


def test_old_torch_is_refused_with_the_way_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compat, "_torch_version", lambda: Version("2.5.0"))
    with pytest.raises(GraphBuildError, match="backend='legacy'"):
        compat.current_recorder()


@pytest.mark.filterwarnings("ignore::FutureWarning")  # torch's exporter warns about its own pytree use
def test_a_schema_less_node_recorded_during_a_real_export_lands_in_the_model() -> None:
    seen: dict[str, Any] = {}

    def relu_as_custom_node(x: ir.Value) -> ir.Value:
        recorder = compat.current_recorder()
        seen["fx_node"] = compat.current_fx_node()
        node = ir.Node("pin.test", "NoSchemaOp", [x], num_outputs=1, version=3)
        compat.record_node(recorder, node)
        compat.record_functions(recorder, {})
        return node.outputs[0]

    program = torch.onnx.export(
        torch.nn.ReLU().eval(),
        (torch.randn(2, 3),),
        dynamo=True,
        custom_translation_table={torch.ops.aten.relu.default: relu_as_custom_node},
        opset_version=18,
        verbose=False,
    )
    assert [(n.domain, n.op_type) for n in program.model.graph] == [("pin.test", "NoSchemaOp")]
    assert program.model.opset_imports["pin.test"] == 3  # taken from the node's version
    assert isinstance(seen["fx_node"], torch.fx.Node) and seen["fx_node"].target is torch.ops.aten.relu.default
