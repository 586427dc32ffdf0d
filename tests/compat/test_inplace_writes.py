"""In-place writes: local ones are made safe on the graph (no second trace), the others are functionalized."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from _export_helpers import run_ort

import onnx_migrate
from onnx_migrate.compat import decompose, inplace_writes


class ResidualInplace(torch.nn.Module):
    """ResNet's pattern: ``relu(inplace=True)`` on a tensor a residual add reads again later."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(4, 4, 3, padding=1)
        self.relu = torch.nn.ReLU(inplace=True)
        self.fc = torch.nn.Linear(4, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = self.relu(x * 1.0)
        y = self.conv(identity)
        y += identity  # torchvision's BasicBlock: `out += identity; out = self.relu(out)`
        y = self.relu(y)  # writes the result of a write: the chain made every ResNet retrace
        y.mul_(2).add_(1)
        return self.fc(torch.flatten(torch.nn.functional.adaptive_avg_pool2d(y, 1), 1))


class ViewThenWrite(torch.nn.Module):
    """A view taken before the write sees it: this one must be functionalized."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = x * 1.0
        first = y[:, 0]
        y.add_(3)
        return first + y.sum(1)


class WriteThroughSoleView(torch.nn.Module):
    """EfficientNet's classifier: ``dropout_``/``relu_`` on ``flatten``'s output, the pooled tensor's only user."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        pooled = torch.nn.functional.adaptive_avg_pool2d(x, 1)
        flat = torch.flatten(pooled, 1)
        flat.relu_()
        return flat * 2


class WriteThroughSharedView(torch.nn.Module):
    """The base is read again after a write through its view: the write is not local."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        base = x * 2.0
        flat = base.flatten(1)
        flat.relu_()
        return base + 1


def _program(model: torch.nn.Module, x: torch.Tensor) -> torch.export.ExportedProgram:
    return torch.export.export(model, (x,))


def test_local_writes_need_no_functionalization() -> None:
    """Test: after the graph rewrite nothing needs run_decompositions for ResNet's in-place pattern."""
    program = _program(ResidualInplace(), torch.randn(2, 4, 5, 5))
    writes = [n for n in program.graph.nodes if inplace_writes.written_arguments(n)]
    assert len(writes) == 5
    assert all(inplace_writes.local_write_target(n) is not None for n in writes)
    assert not decompose.writes_through_alias(program)
    assert decompose.functionalize_aliased_writes(program) is program


def test_a_view_taken_before_the_write_still_goes_through_functionalization() -> None:
    """Test: the write is seen through ``first``; the rewrite leaves it, and functionalization handles it."""
    program = _program(ViewThenWrite(), torch.randn(2, 3))
    inplace_writes.redirect_later_readers([program.graph_module])
    assert decompose.writes_through_alias(program)


@pytest.mark.parametrize("model", [ResidualInplace(), ViewThenWrite()], ids=["residual", "view"])
def test_numbers_match_eager_with_a_batch_of_one_and_dynamic_batch(model: torch.nn.Module) -> None:
    """Test: exported at batch 1 with a dynamic batch, ORT matches eager at batch 3 (no dim specialized)."""
    torch.manual_seed(0)
    shape = (4, 5, 5) if isinstance(model, ResidualInplace) else (3,)
    model.eval()
    result = onnx_migrate.export(
        model, (torch.randn(1, *shape),), None, opset_version=17, input_names=["x"], dynamic_axes={"x": {0: "b"}}
    )
    x = torch.randn(3, *shape)
    (got,) = run_ort(result.model_proto, {"x": x})
    with torch.no_grad():
        np.testing.assert_allclose(got, model(x.clone()).numpy(), atol=1e-5)


def test_torchvision_style_resnet_block_keeps_a_dynamic_batch_of_one() -> None:
    """Test: the ResNet tail (avgpool + flatten + fc) after in-place ReLUs stays dynamic when exported at batch 1.

    Functionalizing with a second trace specialized the batch of 1 into a static Reshape to (1, C).
    """
    model = ResidualInplace().eval()
    result = onnx_migrate.export(model, (torch.randn(1, 4, 5, 5),), None, opset_version=13, input_names=["x"],
                                 output_names=["y"], dynamic_axes={"x": {0: "b"}, "y": {0: "b"}})  # fmt: skip
    dims = [d.dim_param or d.dim_value for d in result.model_proto.graph.output[0].type.tensor_type.shape.dim]
    assert dims == ["b", 2]


def test_a_write_through_the_only_view_of_a_private_tensor_is_local() -> None:
    """Test: no second trace when nothing but the written view can see the base (EfficientNet: 5.6 s -> 2.2 s)."""
    program = _program(WriteThroughSoleView(), torch.randn(2, 3, 4, 4))
    assert decompose.functionalize_aliased_writes(program) is program
    shared = _program(WriteThroughSharedView(), torch.randn(2, 3, 4))
    inplace_writes.redirect_later_readers([shared.graph_module])
    assert decompose.writes_through_alias(shared)


@pytest.mark.parametrize("model", [WriteThroughSoleView(), WriteThroughSharedView()], ids=["sole-view", "shared-view"])
def test_writes_through_views_match_eager(model: torch.nn.Module) -> None:
    x = torch.randn(2, 3, 4, 4) if isinstance(model, WriteThroughSoleView) else torch.randn(2, 3, 4)
    result = onnx_migrate.export(model, (x,), None, opset_version=17, input_names=["x"], dynamic_axes={"x": {0: "b"}})
    other = torch.randn(3, *x.shape[1:])
    (got,) = run_ort(result.model_proto, {"x": other})
    with torch.no_grad():
        np.testing.assert_allclose(got, model(other.clone()).numpy(), atol=1e-6)


class NoGradRegions(torch.nn.Module):
    """segment-anything's ONNX model: ``@torch.no_grad()`` on ``forward`` and a ``with torch.no_grad():`` inside."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = torch.nn.Linear(4, 4)

    @torch.no_grad()
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.linear(x).relu()
        with torch.enable_grad():
            z = y * 2
        return z + x


def test_grad_mode_regions_are_inlined_without_a_second_trace() -> None:
    """Test: torch.export's ``wrap_with_set_grad_enabled`` bodies go back into the graph (nothing decomposed)."""
    model = NoGradRegions().eval()
    x = torch.randn(2, 4)
    program = torch.export.export(model, (x,), strict=False)
    assert decompose.inline_grad_mode_regions(program) == 2
    assert not [n for n in program.graph.nodes if "wrap_with_set_grad_enabled" in str(n.target)]
    result = onnx_migrate.export(model, (x,), None, input_names=["x"], dynamic_axes={"x": {0: "b"}})
    assert result.report.decomposed == []
    other = torch.randn(5, 4)
    (got,) = run_ort(result.model_proto, {"x": other})
    np.testing.assert_allclose(got, model(other).numpy(), rtol=1e-5, atol=1e-6)


class MaskAnd(torch.nn.Module):
    """transformers' attention masks: ``a & b`` is ``aten::__and__.Tensor``, served by legacy's ``__and_``."""

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return torch.where((x > 0) & (y > 0), x, y)


def test_dunder_ops_with_a_legacy_symbolic_are_not_decomposed() -> None:
    """Test: ``__and__`` finds the built-in ``__and_`` before decomposition too (no second trace; distilbert)."""
    model, x, y = MaskAnd(), torch.randn(3, 4), torch.randn(3, 4)
    result = onnx_migrate.export(model, (x, y), None, input_names=["x", "y"], opset_version=17)
    assert result.report.decomposed == []
    (got,) = run_ort(result.model_proto, {"x": x, "y": y})
    np.testing.assert_array_equal(got, model(x, y).numpy())
