"""``bridge.translation_table``: which overloads get which legacy symbolic (no export runs here)."""

from __future__ import annotations

import warnings

import pytest
import torch

from onnx_migrate.bridge import translation_table
from onnx_migrate.bridge.translation_table import op_overloads
from onnx_migrate.errors import GraphBuildError, OnnxMigrateWarning, UnsupportedSymbolicError
from onnx_migrate.legacy_symbolics.registry import SymbolicRegistry


def _relu(g, self):
    return g.op("Relu", self)


def _relu_inplace(g, self):
    return g.op("Relu", self)


def _entry(fn):
    return fn.onnx_migrate_entry


def test_every_overload_and_the_inplace_variant(registry: SymbolicRegistry) -> None:
    registry.register("aten::add", 9, lambda g, self, other, alpha: g.op("Add", self, other), custom=True)
    table = translation_table(registry)
    assert torch.ops.aten.add.Tensor in table and torch.ops.aten.add.Scalar in table
    assert torch.ops.aten.add_.Tensor in table and torch.ops.aten.add_.Scalar in table
    assert len(table) == len(torch.ops.aten.add.overloads()) + len(torch.ops.aten.add_.overloads())
    assert {_entry(fn).name for fn in table.values()} == {"aten::add"}


def test_inplace_name_registered_on_its_own_keeps_its_symbolic(registry: SymbolicRegistry) -> None:
    registry.register("aten::relu", 9, _relu, custom=True)
    registry.register("aten::relu_", 9, _relu_inplace, custom=True)
    table = translation_table(registry)
    assert _entry(table[torch.ops.aten.relu.default]).fn is _relu
    assert _entry(table[torch.ops.aten.relu_.default]).fn is _relu_inplace


def test_legacy_opset_dispatch_picks_the_entry(registry: SymbolicRegistry) -> None:
    def old(g, self):
        return g.op("Relu", self)

    def new(g, self):
        return g.op("Relu", self)

    registry.register("aten::relu", 11, old, custom=True)
    registry.register("aten::relu", 19, new, custom=True)
    assert _entry(translation_table(registry, opset=18)[torch.ops.aten.relu.default]).fn is old
    assert _entry(translation_table(registry, opset=20)[torch.ops.aten.relu.default]).fn is new


def test_custom_symbolic_hidden_by_a_higher_builtin_warns(registry: SymbolicRegistry) -> None:
    """Legacy registered relu's built-in at opset 9: a custom one at opset 1 loses to it, as in legacy."""
    registry.register("aten::relu", 9, _relu, custom=False)
    registry.register("aten::relu", 1, _relu_inplace, custom=True)
    hint = r"aten::relu at opset 1 was not used.*register_custom_op_symbolic\('aten::relu', fn, 9\).*torch's own"
    with pytest.warns(OnnxMigrateWarning, match=hint):
        table = translation_table(registry)
    assert table == {}


def test_a_builtin_key_legacy_lacked_does_not_hide_a_custom_symbolic(registry: SymbolicRegistry) -> None:
    """Our built-in at 13 is no legacy key for relu (legacy: 9 only), so the custom at 9 still wins, as in legacy."""
    registry.register("aten::relu", 13, _relu, custom=False)
    registry.register("aten::relu", 9, _relu_inplace, custom=True)
    table = translation_table(registry)
    assert _entry(table[torch.ops.aten.relu.default]).fn is _relu_inplace


def test_include_builtins_by_name(registry: SymbolicRegistry) -> None:
    registry.register("aten::relu", 9, _relu, custom=False)
    assert translation_table(registry) == {}
    table = translation_table(registry, include_builtins=["::relu"])
    assert _entry(table[torch.ops.aten.relu.default]).fn is _relu
    with pytest.raises(UnsupportedSymbolicError, match="aten::silu"):
        translation_table(registry, include_builtins=["aten::silu"])


def test_names_that_are_not_torch_ops_are_skipped(registry: SymbolicRegistry) -> None:
    registry.register("prim::PythonOp", 9, _relu, custom=True)
    registry.register("nosuchlib::nosuchop", 9, _relu, custom=True)
    assert translation_table(registry) == {}
    assert op_overloads("aten::no_such_op") == []


def test_opset_below_what_torch_builds_is_raised_with_a_warning(registry: SymbolicRegistry) -> None:
    registry.register("aten::relu", 9, _relu, custom=True)
    with pytest.warns(OnnxMigrateWarning, match="backend='legacy'"):
        table = translation_table(registry, opset=11)
    assert torch.ops.aten.relu.default in table


def test_bridged_function_outside_torch_export_says_how_to_use_it(registry: SymbolicRegistry) -> None:
    registry.register("aten::relu", 9, _relu, custom=True)
    fn = translation_table(registry)[torch.ops.aten.relu.default]
    assert fn.__name__ == "bridged_aten__relu"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(GraphBuildError, match="custom_translation_table"):
            fn(None)


BRIDGE_MODULES = (
    "onnx_migrate.bridge",
    "onnx_migrate.bridge._onnxscript_compat",
    "onnx_migrate.bridge.arguments",
    "onnx_migrate.bridge.bridged_symbolic",
    "onnx_migrate.bridge.dynamo_backend",
    "onnx_migrate.bridge.graph_context",
    "onnx_migrate.bridge.translation_table",
)


def test_public_surface_of_the_bridge() -> None:
    import importlib

    import onnx_migrate.bridge

    assert onnx_migrate.bridge.__all__ == ["translation_table"]
    for name in BRIDGE_MODULES:
        module = importlib.import_module(name)
        assert (module.__doc__ or "").strip(), f"{name} needs a docstring"
        missing = [attr for attr in module.__all__ if not hasattr(module, attr)]
        assert missing == [], f"{name}.__all__ names missing attributes: {missing}"
