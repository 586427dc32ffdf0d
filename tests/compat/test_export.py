"""onnx_migrate.export end to end: real torch.export, the ONNX checker and ONNX Runtime."""

from __future__ import annotations

import collections
import io

import numpy as np
import onnx
import pytest
import torch
from _export_helpers import assert_parity, op_types, requires_legacy, run_ort

import onnx_migrate
from onnx_migrate.errors import CaptureError, ExportOptionError, OnnxMigrateError, OnnxMigrateWarning, TranslationError
from onnx_migrate.legacy_symbolics.registry import SymbolicRegistry


class SmallCNN(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv1 = torch.nn.Conv2d(3, 8, 3, padding=1)
        self.bn1 = torch.nn.BatchNorm2d(8)
        self.conv2 = torch.nn.Conv2d(8, 8, 3, stride=2)
        self.pool = torch.nn.MaxPool2d(2)
        self.fc = torch.nn.Linear(8 * 3 * 3, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.relu(self.bn1(self.conv1(x)))
        x = self.pool(torch.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        return torch.softmax(self.fc(x), dim=1)


class MLP(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.layers = torch.nn.Sequential(torch.nn.Linear(10, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x).mean(dim=-1, keepdim=True)


class InplaceScalars(torch.nn.Module):
    def forward(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        z = x * 2.5 - 1
        z.relu_()
        z.add_(y, alpha=2)
        w = (z / 3).transpose(0, 1).reshape(-1)
        return z, torch.cat([w, y.view(-1)]) + 0.5


def _bn_with_stats(model: torch.nn.Module) -> torch.nn.Module:
    torch.manual_seed(0)
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
    return model.eval()


MODELS = {
    "cnn": (lambda: _bn_with_stats(SmallCNN()), lambda: (torch.randn(2, 3, 16, 16),)),
    "mlp": (MLP, lambda: (torch.randn(4, 10),)),
    "inplace_scalars": (InplaceScalars, lambda: (torch.randn(3, 4), torch.randn(3, 4))),
}


@pytest.mark.parametrize("opset", [9, 13, 17, 20])
@pytest.mark.parametrize("name", sorted(MODELS))
def test_parity_at_requested_opset(name: str, opset: int) -> None:
    """Test: each model at each opset runs in ORT with eager's numbers and opset_import == opset."""
    make_model, make_args = MODELS[name]
    torch.manual_seed(0)
    assert_parity(make_model().eval(), make_args(), opset_version=opset)


@requires_legacy
@pytest.mark.legacy_reference
@pytest.mark.parametrize("name", sorted(MODELS))
def test_same_op_multiset_as_legacy_exporter(name: str) -> None:
    """Test: the legacy exporter and onnx_migrate emit the same op types after folding."""
    import warnings

    make_model, make_args = MODELS[name]
    model, args = make_model().eval(), make_args()
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, args, buffer, dynamo=False, opset_version=13)
    legacy = onnx.load_from_string(buffer.getvalue())
    ours = onnx_migrate.export(model, args, opset_version=13).model_proto
    assert collections.Counter(op_types(ours)) == collections.Counter(op_types(legacy))


def test_dynamic_axes_run_at_other_sizes_with_named_dims() -> None:
    """Test: dynamic_axes on batch and sequence; ORT runs other sizes; dim_params carry the names."""

    class Seq(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.proj = torch.nn.Linear(8, 8)

        def forward(self, tokens: torch.Tensor) -> torch.Tensor:
            return torch.softmax(self.proj(tokens), dim=-1) * tokens.shape[1]

    model = Seq().eval()
    result = onnx_migrate.export(
        model,
        (torch.randn(2, 5, 8),),
        opset_version=13,
        input_names=["tokens"],
        output_names=["scores"],
        dynamic_axes={"tokens": {0: "batch", 1: "seq"}, "scores": {0: "batch", 1: "seq"}},
    )
    proto = result.model_proto
    in_dims = [d.dim_param or d.dim_value for d in proto.graph.input[0].type.tensor_type.shape.dim]
    out_dims = [d.dim_param or d.dim_value for d in proto.graph.output[0].type.tensor_type.shape.dim]
    assert in_dims == ["batch", "seq", 8]
    assert out_dims == ["batch", "seq", 8]
    for shape in [(1, 3, 8), (7, 11, 8)]:
        x = torch.randn(*shape)
        (got,) = run_ort(proto, {"tokens": x})
        np.testing.assert_allclose(got, model(x).detach().numpy(), atol=1e-5)


def test_dynamic_axes_list_form_gets_legacy_names() -> None:
    """Test: dynamic_axes={'x': [0]} names the dim 'x_dynamic_axes_1', as the legacy exporter did."""
    result = onnx_migrate.export(
        torch.nn.ReLU(), (torch.randn(1, 3),), opset_version=13, input_names=["x"], dynamic_axes={"x": [0]}
    )
    dim = result.model_proto.graph.input[0].type.tensor_type.shape.dim[0]
    assert dim.dim_param == "x_dynamic_axes_1"
    (got,) = run_ort(result.model_proto, {"x": np.ones((4, 3), np.float32)})
    assert got.shape == (4, 3)


def test_custom_symbolic_for_library_op_with_custom_opset(registry_scope: SymbolicRegistry) -> None:
    """Test: a torch.library op exported through a registered custom-domain symbolic."""

    @torch.library.custom_op("omtest::scaled_tanh", mutates_args=())
    def scaled_tanh(x: torch.Tensor, scale: float) -> torch.Tensor:
        return torch.tanh(x) * scale

    @scaled_tanh.register_fake
    def _(x: torch.Tensor, scale: float) -> torch.Tensor:
        return torch.empty_like(x)

    def symbolic(g, x, scale):
        from onnx_migrate.legacy_symbolics import symbolic_helper

        return g.op("omdomain::ScaledTanh", x, scale_f=symbolic_helper._maybe_get_const(scale, "f"))

    onnx_migrate.register_custom_op_symbolic("omtest::scaled_tanh", symbolic, 11)

    class M(torch.nn.Module):
        def forward(self, x):
            return torch.ops.omtest.scaled_tanh(x, 3.0) + 1

    proto = onnx_migrate.export(M(), (torch.randn(2, 3),), opset_version=13, custom_opsets={"omdomain": 2}).model_proto
    node = next(n for n in proto.graph.node if n.op_type == "ScaledTanh")
    assert node.domain == "omdomain"
    assert onnx.helper.get_attribute_value(node.attribute[0]) == pytest.approx(3.0)
    assert {o.domain: o.version for o in proto.opset_import} == {"": 13, "omdomain": 2}


def test_custom_symbolic_overrides_builtin_aten_op(registry_scope: SymbolicRegistry) -> None:
    """Test: a custom aten::gelu symbolic wins over the built-in and over decomposition."""

    def gelu_as_contrib(g, self, approximate="none"):
        return g.op("com.microsoft::Gelu", self)

    onnx_migrate.register_custom_op_symbolic("::gelu", gelu_as_contrib, 13)
    result = onnx_migrate.export(torch.nn.GELU(), (torch.randn(2, 4),), opset_version=13)
    assert op_types(result.model_proto) == ["com.microsoft::Gelu"]
    assert result.report.symbolics["aten::gelu"].custom
    x = torch.randn(2, 4)
    (got,) = run_ort(result.model_proto, {result.model_proto.graph.input[0].name: x})
    np.testing.assert_allclose(got, torch.nn.functional.gelu(x).numpy(), atol=1e-4)


def test_registrations_do_not_leak_between_exports() -> None:
    """Test: a registration made in a scope is gone for the next export."""
    registry = SymbolicRegistry.default()
    with registry.scope():
        onnx_migrate.register_custom_op_symbolic("::relu", lambda g, self: g.op("Sigmoid", self), 9)
        inside = op_types(onnx_migrate.export(torch.nn.ReLU(), (torch.randn(2),), opset_version=13).model_proto)
    outside = op_types(onnx_migrate.export(torch.nn.ReLU(), (torch.randn(2),), opset_version=13).model_proto)
    assert inside == ["Sigmoid"]
    assert outside == ["Relu"]


def test_export_writes_path_and_file_object(tmp_path) -> None:
    """Test: f as str path, PathLike and binary file object give the same model."""
    model, args = MLP().eval(), (torch.randn(2, 10),)
    path = tmp_path / "m.onnx"
    onnx_migrate.export(model, args, path, opset_version=13)
    onnx_migrate.export(model, args, str(tmp_path / "m2.onnx"), opset_version=13)
    buffer = io.BytesIO()
    onnx_migrate.export(model, args, buffer, opset_version=13)
    assert onnx.load(path).graph.node and onnx.load_from_string(buffer.getvalue()).graph.node
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.onnx", "m2.onnx"]


def test_training_mode_restored_and_params_unchanged() -> None:
    """Test: the model's training flags and parameters are as before, whatever the mode exported."""
    model = SmallCNN().train()
    model.bn1.eval()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    for mode in (onnx_migrate.TrainingMode.EVAL, onnx_migrate.TrainingMode.TRAINING, onnx_migrate.TrainingMode.PRESERVE):
        onnx_migrate.export(model, (torch.randn(2, 3, 16, 16),), opset_version=13, training=mode)
        assert model.training and not model.bn1.training and model.conv1.training
        for key, value in model.state_dict().items():
            assert torch.equal(value, before[key]), key


def test_verify_reports_numbers() -> None:
    """Test: verify=True runs ONNX Runtime and records the differences in the report."""
    result = onnx_migrate.export(MLP().eval(), (torch.randn(3, 10),), opset_version=17, verify=True)
    assert result.report.status.accuracy is True
    assert result.report.verification


def test_input_and_output_names_and_params_as_inputs() -> None:
    """Test: input_names/output_names apply; export_params=False lists parameters as inputs."""
    model = MLP().eval()
    proto = onnx_migrate.export(
        model, (torch.randn(2, 10),), opset_version=13, input_names=["features"], output_names=["score"], export_params=False
    ).model_proto
    names = [i.name for i in proto.graph.input]
    assert names[0] == "features"
    assert "layers.0.weight" in names and not proto.graph.initializer
    assert [o.name for o in proto.graph.output] == ["score"]
    kept = onnx_migrate.export(model, (torch.randn(2, 10),), opset_version=13, keep_initializers_as_inputs=True).model_proto
    assert {i.name for i in kept.graph.initializer} <= {i.name for i in kept.graph.input}


# -- operator_export_type ---------------------------------------------------------------


def _unsupported_model() -> torch.nn.Module:
    class M(torch.nn.Module):
        def forward(self, x):
            return torch.special.bessel_j0(x) + 1

    return M()


def test_unsupported_op_error_names_op_opset_and_line(registry_scope: SymbolicRegistry) -> None:
    """Test: an op without symbolic raises UnsupportedSymbolicError with op, opset and model line."""
    with pytest.raises(onnx_migrate.UnsupportedSymbolicError) as info:
        onnx_migrate.export(_unsupported_model(), (torch.rand(3),), opset_version=13)
    message = str(info.value)
    assert "aten::special_bessel_j0" in message and "opset version 13" in message
    assert "test_export.py" in message and "register_custom_op_symbolic" in message
    assert isinstance(info.value, torch.onnx.errors.OnnxExporterError)


def test_aten_fallback_and_fallthrough_keep_the_op() -> None:
    """Test: ONNX_ATEN_FALLBACK emits org.pytorch.aten::ATen; ONNX_FALLTHROUGH keeps aten::op."""
    fallback = onnx_migrate.export(
        _unsupported_model(), (torch.rand(3),), opset_version=13,
        operator_export_type=onnx_migrate.OperatorExportTypes.ONNX_ATEN_FALLBACK,
    ).model_proto  # fmt: skip
    aten = next(n for n in fallback.graph.node if n.op_type == "ATen")
    assert aten.domain == "org.pytorch.aten"
    assert {a.name: onnx.helper.get_attribute_value(a) for a in aten.attribute}["operator"] == b"special_bessel_j0"
    through = onnx_migrate.export(
        _unsupported_model(), (torch.rand(3),), opset_version=13,
        operator_export_type=torch.onnx.OperatorExportTypes.ONNX_FALLTHROUGH,
    ).model_proto  # fmt: skip
    assert any(n.op_type == "special_bessel_j0" and n.domain == "org.pytorch.aten" for n in through.graph.node)


# -- bad input ---------------------------------------------------------------------------


def _no_file_written(tmp_path) -> None:
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"opset_version": 6}, "opsets 7 to 23"),
        ({"opset_version": 24}, "opsets 7 to 23"),
        ({"input_names": ["a", "b", "c"]}, "input_names has 3 names"),
        ({"output_names": ["a", "b"]}, "output_names has 2 names"),
        ({"dynamic_axes": {"nope": {0: "batch"}}}, "'nope'"),
        ({"input_names": ["x"], "dynamic_axes": {"x": {3: "batch"}}}, "axis 3"),
        ({"dynamic_axes": {"x": {"0": "batch"}}}, "axis indices"),
        ({"training": "sometimes"}, "TrainingMode"),
        ({"custom_opsets": {"d": 0}}, "custom_opsets"),
    ],
)
def test_bad_keywords_raise_clear_errors(tmp_path, kwargs, needle) -> None:
    """Test: each bad keyword raises ExportOptionError naming it, and no file is written."""
    with pytest.raises(ExportOptionError) as info:
        onnx_migrate.export(MLP(), (torch.randn(2, 10),), tmp_path / "m.onnx", **kwargs)
    assert needle in str(info.value)
    _no_file_written(tmp_path)


def test_script_module_is_refused_with_the_fix(tmp_path) -> None:
    """Test: a TorchScript module gets an error that says to pass the eager module."""
    if not hasattr(torch, "jit"):
        pytest.skip("torch has no TorchScript")
    scripted = torch.jit.script(torch.nn.ReLU())
    with pytest.raises(ExportOptionError, match="eager nn.Module"):
        onnx_migrate.export(scripted, (torch.randn(2),), tmp_path / "m.onnx")
    _no_file_written(tmp_path)


def test_unwritable_destination_fails_before_exporting(tmp_path) -> None:
    """Test: a missing folder or a directory as f fails fast with ExportIOError."""
    with pytest.raises(OnnxMigrateError, match="does not exist"):
        onnx_migrate.export(MLP(), (torch.randn(2, 10),), tmp_path / "missing" / "m.onnx")
    with pytest.raises(OnnxMigrateError, match="is a directory"):
        onnx_migrate.export(MLP(), (torch.randn(2, 10),), tmp_path)


def test_symbolic_that_raises_names_symbolic_and_node(tmp_path, registry_scope: SymbolicRegistry) -> None:
    """Test: a failing symbolic gives TranslationError naming the function and the FX node; no file."""

    def broken_relu(g, self):
        raise ValueError("boom")

    onnx_migrate.register_custom_op_symbolic("::relu", broken_relu, 9)
    target = tmp_path / "m.onnx"
    with pytest.raises(TranslationError) as info:
        onnx_migrate.export(torch.nn.ReLU(), (torch.randn(2),), target, opset_version=13)
    message = str(info.value)
    assert "broken_relu" in message and "aten::relu" in message and "boom" in message and "relu" in message
    _no_file_written(tmp_path)


def test_failed_export_keeps_existing_file(tmp_path, registry_scope: SymbolicRegistry) -> None:
    """Test: an export that fails leaves a previous good file untouched."""
    target = tmp_path / "m.onnx"
    onnx_migrate.export(torch.nn.ReLU(), (torch.randn(2),), target, opset_version=13)
    good = target.read_bytes()
    onnx_migrate.register_custom_op_symbolic("::relu", lambda g, self: None, 9)
    with pytest.raises(TranslationError, match="returned None"):
        onnx_migrate.export(torch.nn.ReLU(), (torch.randn(2),), target, opset_version=13)
    assert target.read_bytes() == good
    assert [p.name for p in tmp_path.iterdir()] == ["m.onnx"]


def test_data_dependent_control_flow_follows_the_example_with_a_warning() -> None:
    """Test: branching on tensor values takes the example's branch, as the legacy trace did, and warns with torch.cond.

    (Where this torch's draft_export cannot decide the branch from real values, it is a CaptureError saying so.)
    """

    class Branchy(torch.nn.Module):
        def forward(self, x):
            if x.sum() > 0:
                return x + 1
            return x - 1

    x = torch.ones(3)
    try:
        with pytest.warns(OnnxMigrateWarning, match=r"decided by the example inputs.*torch\.cond"):
            result = onnx_migrate.export(Branchy(), (x,), opset_version=13)
    except CaptureError as exc:
        assert "torch.cond" in str(exc)
        return
    assert [n.op_type for n in result.model_proto.graph.node if n.op_type in ("Add", "Sub")] == ["Add"]


def test_is_in_onnx_export_branch_is_exported() -> None:
    """Test: torch.onnx.is_in_onnx_export() is True during the export (the export-time branch is taken), False after."""

    class ExportAware(torch.nn.Module):
        def forward(self, x):
            if torch.onnx.is_in_onnx_export():
                return x * 2
            return x * 3

    model = ExportAware()
    proto = onnx_migrate.export(model, (torch.ones(2),), opset_version=13).model_proto
    (got,) = run_ort(proto, {proto.graph.input[0].name: np.ones(2, np.float32)})
    np.testing.assert_allclose(got, [2.0, 2.0])
    assert not torch.onnx.is_in_onnx_export()


def test_unused_custom_opsets_are_dropped_and_none_means_default() -> None:
    """Test: as in the legacy exporter, custom_opsets of unused domains are left out; None keywords mean the default."""
    proto = onnx_migrate.export(
        torch.nn.ReLU(), (torch.randn(2),), opset_version=13, custom_opsets={"unused": 3},
        operator_export_type=None, training=None,
    ).model_proto  # fmt: skip
    assert {o.domain: o.version for o in proto.opset_import} == {"": 13}


def test_opset_7_and_8_find_the_base_symbolics() -> None:
    """Test: exports at opsets 7 and 8 use the opset-9 symbolics (searching upward), dynamic sizes included."""
    for opset in (7, 8):
        result = onnx_migrate.export(
            torch.nn.Flatten(), (torch.randn(2, 3, 4),), opset_version=opset, input_names=["x"], dynamic_axes={"x": [0]}
        )
        assert {o.domain: o.version for o in result.model_proto.opset_import}[""] == opset


def test_boolean_where_runs_in_onnx_runtime() -> None:
    """Test: torch.where on bool tensors (ORT has no bool Where kernel) exports as logic ops and matches eager."""

    class BoolWhere(torch.nn.Module):
        def forward(self, c, a, b):
            return torch.where(c, a, b)

    args = (torch.tensor([True, False, True]), torch.tensor([True, True, False]), torch.tensor([False, True, True]))
    assert_parity(BoolWhere(), args, opset_version=13)
