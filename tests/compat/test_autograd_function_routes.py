"""Every road to an ``autograd.Function`` with ``symbolic`` ends in its custom node, on every torch.

torch 2.14 moved ``Function.apply`` into C, and a hook on a Python ``apply`` silently
stopped seeing calls: the custom node was traced through. These tests pin each road
(``Cls.apply``, an alias taken at import, a class born during the export, a
``setup_context``-style class; ``export()``, ``install()`` and ``onnx-migrate run``),
and ``forward``s that only run on real tensors, as the legacy exporter ran them.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import onnx
import pytest
import torch
from _export_helpers import op_types, run_ort

import onnx_migrate
from onnx_migrate.compat import autograd_interception
from onnx_migrate.errors import CaptureError


class Twice(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def symbolic(g, x):
        return g.op("mydom::Twice", x)


twice = Twice.apply  # taken at import, before any export or install()


class TwiceModel(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return twice(x) + Twice.apply(x)


def _custom_nodes(proto: onnx.ModelProto) -> list[str]:
    return [f"{n.domain}::{n.op_type}" for n in proto.graph.node if n.domain not in ("", "ai.onnx")]


def test_alias_and_class_call_both_export_the_custom_node() -> None:
    """Test: ``twice = Twice.apply`` at import and ``Twice.apply`` each give ``mydom::Twice``."""
    result = onnx_migrate.export(TwiceModel(), (torch.randn(3),), None, opset_version=13)
    assert _custom_nodes(result.model_proto) == ["mydom::Twice", "mydom::Twice"]
    assert "Mul" not in op_types(result.model_proto)


def test_a_lambda_over_the_alias_exports_the_custom_node() -> None:
    """Test: the issue's example, a plain function as the model."""
    result = onnx_migrate.export(lambda x: Twice.apply(x), (torch.randn(3),), None, opset_version=13)
    assert _custom_nodes(result.model_proto) == ["mydom::Twice"]


def test_under_install_legacy_torch_onnx_export_keeps_the_custom_node(tmp_path: Path) -> None:
    """Test: unmodified ``torch.onnx.export(..., dynamo=False)`` under ``install()``."""
    path = tmp_path / "twice.onnx"
    with onnx_migrate.install(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(TwiceModel(), (torch.randn(3),), str(path), opset_version=13, dynamo=False)
    assert _custom_nodes(onnx.load(str(path))) == ["mydom::Twice", "mydom::Twice"]


def test_onnx_migrate_run_keeps_the_custom_node(tmp_path: Path) -> None:
    """Test: ``onnx-migrate run script.py`` on a script whose alias is taken at import."""
    script = tmp_path / "export_twice.py"
    out = tmp_path / "twice.onnx"
    script.write_text(
        textwrap.dedent(
            f"""
            import torch

            class Twice(torch.autograd.Function):
                @staticmethod
                def forward(ctx, x):
                    return x * 2

                @staticmethod
                def symbolic(g, x):
                    return g.op("mydom::Twice", x)

            twice = Twice.apply

            class Model(torch.nn.Module):
                def forward(self, x):
                    return twice(x) + 1

            torch.onnx.export(Model(), (torch.randn(3),), {str(out)!r}, opset_version=13, dynamo=False)
            """
        )
    )
    done = subprocess.run(
        [sys.executable, "-m", "onnx_migrate", "run", str(script)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert _custom_nodes(onnx.load(str(out))) == ["mydom::Twice"]


def test_a_class_defined_during_the_export_is_routed() -> None:
    """Test: a Function class created inside forward (after interception started) still exports its node."""

    class Model(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            class Late(torch.autograd.Function):
                @staticmethod
                def forward(ctx, y):
                    return y + 1

                @staticmethod
                def symbolic(g, y):
                    return g.op("mydom::Late", y)

            return Late.apply(x)

    result = onnx_migrate.export(Model(), (torch.randn(3),), None, opset_version=13)
    assert _custom_nodes(result.model_proto) == ["mydom::Late"]


class SetupContextScale(torch.autograd.Function):
    """The ``setup_context`` style: torch calls ``forward(x, k)`` without ``ctx``."""

    @staticmethod
    def forward(x, k):
        return x * k

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.k = inputs[1]

    @staticmethod
    def symbolic(g, x, k):
        return g.op("mydom::Scale", x, k_f=k)


scale = SetupContextScale.apply


def test_setup_context_style_functions_get_their_arguments() -> None:
    """Test: the symbolic receives the apply arguments (no ctx) with raw Python scalars."""
    result = onnx_migrate.export(lambda x: scale(x, 3.0), (torch.randn(2),), None, opset_version=13)
    (node,) = [n for n in result.model_proto.graph.node if n.domain == "mydom"]
    assert node.op_type == "Scale" and onnx.helper.get_attribute_value(node.attribute[0]) == pytest.approx(3.0)


class ValueCheckingQuantizer(torch.autograd.Function):
    """A quantizer whose forward branches on tensor values: it cannot run on fake tensors."""

    @staticmethod
    def forward(ctx, x, amax, bits):
        if amax.min() < 0:
            raise ValueError("amax must be non-negative")
        levels = 2 ** (bits - 1) - 1
        keep = int((x.abs() <= amax).sum().item())  # data-dependent, as real calibration code is
        assert keep >= 0
        return torch.round(x * levels / amax).clamp(-levels, levels) * amax / levels

    @staticmethod
    def symbolic(g, x, amax, bits):
        levels = 2 ** (bits - 1) - 1
        scale = g.op("Div", amax, g.op("Constant", value_t=torch.tensor(float(levels))))
        zero = g.op("Constant", value_t=torch.tensor(0, dtype=torch.int8))
        return g.op("DequantizeLinear", g.op("QuantizeLinear", x, scale, zero), scale, zero)


quantize = ValueCheckingQuantizer.apply


class QuantizedLinear(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("amax", torch.tensor(2.5))
        self.linear = torch.nn.Linear(6, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(quantize(x, self.amax, 8))


@pytest.mark.parametrize("opset", [13, 17])
def test_a_forward_that_reads_values_exports_with_dynamic_batch(opset: int) -> None:
    """Test: forward runs on the real inputs; the batch stays dynamic; ORT matches eager."""
    torch.manual_seed(0)
    model = QuantizedLinear().eval()
    example = torch.randn(2, 6)
    rng_before = torch.get_rng_state()
    result = onnx_migrate.export(
        model,
        (example,),
        None,
        opset_version=opset,
        input_names=["x"],
        output_names=["y"],
        dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}},
    )
    assert torch.equal(rng_before, torch.get_rng_state()), "the eager run must not advance the user's RNG"
    proto = result.model_proto
    assert op_types(proto).count("QuantizeLinear") == 1
    output_dims = [d.dim_param or d.dim_value for d in proto.graph.output[0].type.tensor_type.shape.dim]
    assert output_dims == ["batch", 3]
    x5 = torch.randn(5, 6)
    (got,) = run_ort(proto, {"x": x5})
    with torch.no_grad():
        np.testing.assert_allclose(got, model(x5).numpy(), atol=1e-5)


def test_a_forward_that_fails_for_real_too_names_both_failures() -> None:
    """Test: a forward that fails on fake tensors and on the real inputs is a CaptureError saying so."""
    model = QuantizedLinear()
    model.amax.fill_(-1.0)
    with pytest.raises(CaptureError) as info:
        onnx_migrate.export(model, (torch.randn(2, 6),), None, opset_version=13)
    assert "amax must be non-negative" in "\n".join([str(info.value), *getattr(info.value, "__notes__", [])])


def test_strict_capture_refuses_to_drop_a_symbolic() -> None:
    """Test: strict=True (dynamo traces forward) fails loudly naming the class, never silently inlines."""
    with pytest.raises(CaptureError, match=r"strict=True .*autograd\.Function .*Twice.*strict=False"):
        onnx_migrate.export(TwiceModel(), (torch.randn(3),), None, opset_version=13, strict=True)


def test_strict_capture_without_symbolic_classes_still_works() -> None:
    """Test: the strict-mode check costs one eager run and lets ordinary models through."""
    result = onnx_migrate.export(torch.nn.Linear(3, 2), (torch.randn(4, 3),), None, opset_version=13, strict=True)
    assert op_types(result.model_proto) == ["Gemm"]


def test_interception_leaves_every_class_as_it_was() -> None:
    """Test: after an export, Function.apply and every user class's dict are exactly as before."""
    owner = autograd_interception.apply_owner()
    classes = [Twice, SetupContextScale, ValueCheckingQuantizer]
    before = [dict(vars(owner))] + [dict(vars(cls)) for cls in classes]
    onnx_migrate.export(TwiceModel(), (torch.randn(3),), None, opset_version=13)
    onnx_migrate.export(QuantizedLinear(), (torch.randn(2, 6),), None, opset_version=13)
    assert [dict(vars(owner))] + [dict(vars(cls)) for cls in classes] == before
    assert torch.equal(twice(torch.ones(2)), torch.full((2,), 2.0))


def test_the_dynamo_backend_gets_real_forward_outputs_too() -> None:
    """Test: backend="dynamo" captures through the same route, so a value-reading forward exports there too."""
    model = QuantizedLinear().eval()
    result = onnx_migrate.export(
        model, (torch.randn(2, 6),), None, opset_version=18, backend="dynamo",
        input_names=["x"], dynamic_axes={"x": {0: "batch"}},
    )  # fmt: skip
    assert op_types(result.model_proto).count("QuantizeLinear") == 1
    x3 = torch.randn(3, 6)
    (got,) = run_ort(result.model_proto, {result.model_proto.graph.input[0].name: x3})
    with torch.no_grad():
        np.testing.assert_allclose(got, model(x3).numpy(), atol=1e-5)


class DataReadingQuantizer(torch.nn.Module):
    """NVIDIA ModelOpt's TensorQuantizer: reads its amax buffer through ``.data`` in forward."""

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("amax", torch.tensor(2.5))
        self.linear = torch.nn.Linear(6, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.linear(quantize(x, self.amax.data, 8))


def test_a_buffer_read_through_data_in_forward_exports() -> None:
    """Test: ``.data`` is traced as a detach (as the TorchScript trace did), not captured as a fake constant."""
    model = DataReadingQuantizer().eval()
    result = onnx_migrate.export(
        model, (torch.randn(2, 6),), None, opset_version=13, input_names=["x"], dynamic_axes={"x": {0: "b"}}
    )
    assert op_types(result.model_proto).count("QuantizeLinear") == 1
    x = torch.randn(4, 6)
    (got,) = run_ort(result.model_proto, {"x": x})
    with torch.no_grad():
        np.testing.assert_allclose(got, model(x).numpy(), atol=1e-5)
    assert "data" not in vars(torch.Tensor), "the .data shim is removed after the capture"


def _legacy_symbolic_helper():
    import importlib.util

    if importlib.util.find_spec("torch.onnx._internal.torchscript_exporter") is None:
        pytest.skip("torch no longer ships the legacy exporter")
    import torch.onnx.symbolic_helper as torch_symbolic_helper

    return torch_symbolic_helper


def test_a_symbolic_decorated_with_torchs_own_parse_args_runs_without_install() -> None:
    """Test: ModelOpt binds ``from torch.onnx import symbolic_helper`` at import; its parse_args still works."""
    torch_helper = _legacy_symbolic_helper()

    class Scale(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, amax):
            return x / amax

        @staticmethod
        @torch_helper.parse_args("v", "t")  # "t": the amax buffer as a constant tensor, as ModelOpt reads it
        def symbolic(g, x, amax):
            return g.op("mydom::Scale", x, amax_f=float(amax))

    class Model(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.register_buffer("amax", torch.tensor(1.5))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return Scale.apply(x, self.amax)

    result = onnx_migrate.export(Model(), (torch.randn(3),), None, opset_version=13)
    (node,) = [n for n in result.model_proto.graph.node if n.domain == "mydom"]
    assert onnx.helper.get_attribute_value(node.attribute[0]) == pytest.approx(1.5)
