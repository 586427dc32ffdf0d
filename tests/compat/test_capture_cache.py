"""Capture reuse: the same unchanged model exported again skips torch.export, and nothing stale is reused."""

from __future__ import annotations

import gc
import warnings

import numpy as np
import pytest
import torch
from _export_helpers import run_ort

import onnx_migrate
from onnx_migrate.compat.capture_cache import DEFAULT_CACHE
from onnx_migrate.errors import OnnxMigrateWarning


class Net(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 4, 3)
        self.bn = torch.nn.BatchNorm2d(4)
        self.drop = torch.nn.Dropout(0.5)
        self.scale = 2.0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.drop(torch.relu(self.bn(self.conv(x)))) * self.scale


@pytest.fixture(autouse=True)
def _empty_cache():
    DEFAULT_CACHE.clear()
    yield
    DEFAULT_CACHE.clear()


def _export(model: torch.nn.Module, x: torch.Tensor, **kwargs):
    return onnx_migrate.export(model, (x,), None, input_names=["x"], dynamic_axes={"x": {0: "b"}}, **kwargs)


def test_several_opsets_capture_once_and_equal_fresh_exports() -> None:
    """Test: opsets 11, 13, 17 of one model reuse one capture; each file equals a fresh export's."""
    model, x = Net().eval(), torch.randn(2, 3, 8, 8)
    reused = {opset: _export(model, x, opset_version=opset).model_proto for opset in (11, 13, 17)}
    assert DEFAULT_CACHE.hits == 2
    for opset, proto in reused.items():
        DEFAULT_CACHE.clear()
        fresh = _export(model, x, opset_version=opset).model_proto
        assert proto.SerializeToString() == fresh.SerializeToString()


@pytest.mark.parametrize(
    "change",
    [
        lambda m: m.conv.weight.data.mul_(2),  # torch's version counter does not see .data writes
        lambda m: m.bn.running_mean.add_(1),
        lambda m: setattr(m, "scale", 3.0),
        lambda m: m.train(),
    ],
    ids=["data-write", "buffer", "attribute", "training-flag"],
)
def test_a_changed_model_is_captured_again(change) -> None:
    """Test: any change to parameters, buffers, plain attributes or training flags means a new capture."""
    model, x = Net().eval(), torch.randn(2, 3, 8, 8)
    _export(model, x)
    change(model)
    training = onnx_migrate.TrainingMode.PRESERVE if model.training else onnx_migrate.TrainingMode.EVAL
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = _export(model, x, training=training)
    assert DEFAULT_CACHE.hits == 0
    if not model.training:
        (got,) = run_ort(result.model_proto, {"x": x})
        with torch.no_grad():
            np.testing.assert_allclose(got, model(x).numpy(), rtol=1e-4, atol=1e-5)


def test_other_input_values_or_options_are_captured_again() -> None:
    """Test: equal inputs (another tensor object) reuse; other values or other dynamic axes do not."""
    model, x = Net().eval(), torch.randn(2, 3, 8, 8)
    _export(model, x)
    _export(model, x.clone())
    assert DEFAULT_CACHE.hits == 1
    _export(model, x + 1)
    onnx_migrate.export(model, (x + 1,), None, input_names=["x"])
    assert DEFAULT_CACHE.hits == 1


class PaddedToStride(torch.nn.Module):
    """A size torch.export pins at the example's value: the capture warns about it."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        import math

        scale = 64 / torch.sym_min(x.shape[2], x.shape[3])
        resized = torch.nn.functional.interpolate(x, scale_factor=scale, mode="nearest", recompute_scale_factor=True)
        return resized.new_zeros(int(math.ceil(float(resized.shape[2]) / 32) * 32)) + resized.mean()


def test_the_capture_warnings_are_given_again_on_reuse() -> None:
    """Test: a reused capture says what the first one said (a size torch.export pinned)."""
    model, x = PaddedToStride(), torch.randn(1, 2, 8, 10)
    for _ in range(2):
        with pytest.warns(OnnxMigrateWarning, match="fixed sizes that PaddedToStride computes"):
            onnx_migrate.export(model, (x,), None, input_names=["x"], dynamic_axes={"x": {2: "h", 3: "w"}})
    assert DEFAULT_CACHE.hits == 1


def test_models_with_autograd_functions_are_never_reused() -> None:
    class Twice(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def symbolic(g, x):
            return g.op("mydom::Twice", x)

    class UsesTwice(torch.nn.Module):
        def forward(self, x):
            return Twice.apply(x) + 1

    model, x = UsesTwice(), torch.randn(3)
    for _ in range(2):
        proto = onnx_migrate.export(model, (x,), None, custom_opsets={"mydom": 1}).model_proto
        assert [n.op_type for n in proto.graph.node if n.domain == "mydom"] == ["Twice"]
    assert DEFAULT_CACHE.hits == 0


def test_the_cache_does_not_keep_a_model_alive() -> None:
    model = Net().eval()
    _export(model, torch.randn(2, 3, 8, 8))
    assert len(DEFAULT_CACHE._entries) == 1
    del model
    gc.collect()
    assert len(DEFAULT_CACHE._entries) == 0
