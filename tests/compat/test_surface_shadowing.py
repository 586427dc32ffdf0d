"""The shadowing warning: a custom symbolic a built-in beats is reported, not silently dropped.

Under the legacy rule a custom registration overrides a built-in only from the
built-in's opset key on, so ``register_custom_op_symbolic("::gelu", fn, 1)`` never
runs at opset 17, where legacy's opset-9 built-in ``gelu`` serves. onnx_migrate
decides with legacy's keys, warns at export for ops the model uses, and lists them
in the report. The hint it gives must name the full op and an opset that wins.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import torch.onnx
from _surface_helpers import load_checked, nodes, run

import onnx_migrate
from onnx_migrate.compat.install import install
from onnx_migrate.compat.shadowing import shadowed_message, shadowed_symbolics
from onnx_migrate.errors import OnnxMigrateWarning
from onnx_migrate.legacy_symbolics.registry import SymbolicRegistry


def contrib_gelu(g, self, approximate="none"):
    """onnxruntime's contrib Gelu, as its export helper registers it."""
    return g.op("com.microsoft::Gelu", self).setType(self.type())


def contrib_triu(g, self, diagonal):
    return g.op("com.microsoft::Trilu", self, diagonal, upper_i=1)


def _export(path, registration_opset: int):
    x = torch.randn(3, 5)
    with install():
        torch.onnx.register_custom_op_symbolic("::gelu", contrib_gelu, registration_opset)
        torch.onnx.register_custom_op_symbolic("::triu", contrib_triu, 1)  # not used by the model: no warning
        result = torch.onnx.export(torch.nn.GELU(), (x,), str(path), opset_version=17, dynamo=False)
    return result, load_checked(path), x


def test_gelu_registered_at_opset_1_is_shadowed_at_17_with_a_warning_and_a_report_entry(registry_scope, tmp_path) -> None:
    """Test: registered at 1 and exported at 17, the built-in runs; one warning names both; the report lists it."""
    with pytest.warns(OnnxMigrateWarning) as caught:
        result, model, x = _export(tmp_path / "shadowed.onnx", 1)
    messages = [str(w.message) for w in caught if "was not used" in str(w.message)]
    assert len(messages) == 1
    assert "aten::gelu at opset 1" in messages[0] and "built-in" in messages[0] and "opset 9" in messages[0]
    assert "as in the legacy exporter" in messages[0]
    assert "register it at an opset from 9 to 17, e.g. register_custom_op_symbolic('aten::gelu', fn, 9)" in messages[0]
    assert not nodes(model, "Gelu", "com.microsoft")
    (shadowed,) = result.report.shadowed_symbolics
    assert (shadowed.op, shadowed.custom_opset, shadowed.builtin_opset) == ("aten::gelu", 1, 9)
    assert (shadowed.legacy_opset, shadowed.override_opsets) == (9, (9, 17))
    assert shadowed.custom_origin.endswith("contrib_gelu")
    assert result.report.to_dict()["shadowed_symbolics"][0]["op"] == "aten::gelu"
    assert "Custom symbolics shadowed by built-ins" in result.report.to_markdown()
    assert any("aten::gelu at opset 1" in w for w in result.report.warnings)
    np.testing.assert_allclose(run(model, x)[0], torch.nn.GELU()(x).numpy(), rtol=1e-5, atol=1e-6)


def test_gelu_registered_at_opset_17_is_used_without_a_warning(registry_scope, tmp_path) -> None:
    """Test: registered at the target opset, the custom symbolic wins and nothing warns."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result, model, x = _export(tmp_path / "custom.onnx", 17)
    assert not [w for w in caught if "was not used" in str(w.message)]
    assert result.report.shadowed_symbolics == []
    assert len(nodes(model, "Gelu", "com.microsoft")) == 1
    np.testing.assert_allclose(run(model, x)[0], torch.nn.GELU()(x).numpy(), rtol=1e-5, atol=1e-6)


def test_shadowed_symbolics_lists_only_hidden_custom_entries() -> None:
    """Test: the query behind the warning: hidden at 17 when registered at 1, not when registered at 17 or at 9."""
    registry = SymbolicRegistry.with_builtins()
    registry.register("aten::gelu", 1, contrib_gelu, custom=True)
    registry.register("mylib::op", 1, contrib_gelu, custom=True)  # no built-in: never shadowed
    assert [(s.op, s.custom_opset) for s in shadowed_symbolics(registry, 17)] == [("aten::gelu", 1)]
    assert shadowed_symbolics(registry, 17, used_ops={"aten::relu"}) == []
    for opset in (9, 17):
        registry = SymbolicRegistry.with_builtins()
        registry.register("aten::gelu", opset, contrib_gelu, custom=True)
        assert shadowed_symbolics(registry, 17) == []


def test_shadowing_also_warns_without_install(tmp_path) -> None:
    """Test: onnx_migrate.export with an explicit registry warns the same way."""
    registry = SymbolicRegistry.default().copy()
    registry.register("aten::gelu", 1, contrib_gelu, custom=True)
    with pytest.warns(OnnxMigrateWarning, match="aten::gelu at opset 1 was not used at opset 17"):
        onnx_migrate.export(torch.nn.GELU(), (torch.randn(2, 2),), opset_version=17, registry=registry)


@pytest.mark.parametrize(
    ("op", "custom_opset", "target"),
    [("aten::gelu", 1, 17), ("aten::gelu", 1, 20), ("aten::tril", 1, 14), ("aten::add", 10, 13), ("aten::bmm", 9, 8)],
)
def test_the_hint_names_the_full_op_and_an_opset_that_wins(op: str, custom_opset: int, target: int) -> None:
    """Test: every opset the hint offers makes the custom symbolic serve the target; the one it shows in full too."""
    registry = SymbolicRegistry.with_builtins()
    registry.register(op, custom_opset, contrib_gelu, custom=True)
    (item,) = shadowed_symbolics(registry, target)
    message = shadowed_message(item, target)
    assert item.override_opsets is not None
    first, last = item.override_opsets
    assert f"register_custom_op_symbolic({op!r}, fn, {first})" in message
    for opset in range(first, last + 1):
        with registry.scope():
            registry.register(op, opset, contrib_triu, custom=True)
            assert registry.lookup(op, target).entry.fn is contrib_triu, opset  # type: ignore[union-attr]
            assert shadowed_symbolics(registry, target) == []
    for opset in {first - 1, last + 1} - {0, 24}:
        with registry.scope():
            registry.register(op, opset, contrib_triu, custom=True)
            assert registry.lookup(op, target).entry.fn is not contrib_triu, opset  # type: ignore[union-attr]
