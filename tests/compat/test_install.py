"""``install()`` makes unmodified legacy ``torch.onnx`` code run on onnx_migrate, and ``uninstall()`` undoes it exactly."""

from __future__ import annotations

import gc
import sys
import warnings
import weakref
from typing import Any

import numpy as np
import pytest
import torch
import torch.onnx
from _export_helpers import requires_legacy, run_ort
from _legacy_project import check_exported, run_example
from test_torchscript_disabled import torchscript_disabled  # noqa: F401 - fixture used by name

import onnx_migrate
from onnx_migrate import _torch_compat
from onnx_migrate.compat.install import (
    LEGACY_MODULES,
    RoutedError,
    install,
    is_installed,
    routed_exports,
    uninstall,
)
from onnx_migrate.errors import OnnxMigrateWarning, SymbolicRegistrationError
from onnx_migrate.legacy_symbolics.registry import SymbolicRegistry


@pytest.fixture(autouse=True)
def _never_left_installed():
    assert not is_installed()
    yield
    while is_installed():  # a failed test must not leak an install into the next one
        uninstall()


def _snapshot() -> tuple[dict[str, Any], dict[str, Any]]:
    return dict(vars(torch.onnx)), dict(sys.modules)


def _assert_same(before: dict[str, Any], after: dict[str, Any]) -> None:
    assert set(before) == set(after)
    changed = [name for name in before if before[name] is not after[name]]
    assert changed == []


def _use_every_legacy_name() -> None:
    import torch.onnx.symbolic_helper
    import torch.onnx.symbolic_opset11 as opset11
    import torch.onnx.utils
    from torch.onnx import _type_utils, symbolic_opset9
    from torch.onnx.symbolic_helper import parse_args

    assert opset11.unsqueeze is not None and symbolic_opset9.relu is not None
    assert parse_args is torch.onnx.symbolic_helper.parse_args
    assert _type_utils.JitScalarType is torch.onnx.JitScalarType


# -- what resolves where --------------------------------------------------------------------


def test_legacy_names_resolve_to_onnx_migrate_as_imports_and_attributes() -> None:
    """Test: imports and torch.onnx attributes give onnx_migrate's modules and functions."""
    from onnx_migrate.legacy_symbolics import scalar_types, symbolic_helper, symbolic_opset11

    with install():
        import torch.onnx.symbolic_opset11 as opset11
        import torch.onnx.utils as legacy_utils
        from torch.onnx._type_utils import JitScalarType
        from torch.onnx.symbolic_helper import _maybe_get_const, parse_args

        assert opset11 is symbolic_opset11
        assert torch.onnx.symbolic_opset11 is symbolic_opset11
        assert torch.onnx.symbolic_helper is symbolic_helper
        assert parse_args is symbolic_helper.parse_args and _maybe_get_const is symbolic_helper._maybe_get_const
        assert JitScalarType is scalar_types.JitScalarType is torch.onnx.JitScalarType
        assert legacy_utils.export is onnx_migrate.export
        from onnx_migrate.compat.torch_registrations import register_routed_symbolic

        assert torch.onnx.register_custom_op_symbolic is register_routed_symbolic  # rebinds torch-bound symbolics
        for legacy in LEGACY_MODULES:
            assert sys.modules[legacy].__name__.startswith("onnx_migrate.")
        assert {f"torch.onnx.symbolic_opset{n}" for n in range(7, 21)} <= set(LEGACY_MODULES)


def test_uninstall_restores_torch_onnx_and_sys_modules_exactly() -> None:
    """Test: after install + use + uninstall, torch.onnx and sys.modules hold the very same objects."""
    with install():
        _use_every_legacy_name()  # load everything once, so the snapshot below is comparable
    before_attrs, before_modules = _snapshot()
    with install():
        _use_every_legacy_name()
        assert torch.onnx.export is not before_attrs["export"]
    after_attrs, after_modules = _snapshot()
    _assert_same(before_attrs, after_attrs)
    _assert_same(before_modules, after_modules)


def test_it_works_when_torch_no_longer_ships_the_legacy_modules(monkeypatch: pytest.MonkeyPatch) -> None:
    """Test: with torch's legacy names gone, install provides them and uninstall removes them again."""
    for legacy in LEGACY_MODULES:
        monkeypatch.delitem(sys.modules, legacy, raising=False)
        monkeypatch.delattr(torch.onnx, legacy.rsplit(".", 1)[1], raising=False)
    for name in ("register_custom_op_symbolic", "JitScalarType", "TrainingMode", "is_in_onnx_export"):
        monkeypatch.delattr(torch.onnx, name, raising=False)
    before_attrs, before_modules = _snapshot()
    with install():
        _use_every_legacy_name()
        assert torch.onnx.TrainingMode.EVAL == 0
        assert torch.onnx.is_in_onnx_export() is False
    _assert_same(before_attrs, _snapshot()[0])
    assert not any(name in sys.modules for name in LEGACY_MODULES)
    assert set(before_modules) <= set(sys.modules)
    assert not hasattr(torch.onnx, "symbolic_opset11")


def test_nested_installs_are_counted() -> None:
    """Test: two installs need two uninstalls; a third uninstall warns and does nothing."""
    original = torch.onnx.export
    install()
    install()
    uninstall()
    assert is_installed() and torch.onnx.export is not original
    uninstall()
    assert not is_installed() and torch.onnx.export is original
    with pytest.warns(OnnxMigrateWarning, match="not installed"):
        uninstall()
    assert torch.onnx.export is original


def test_a_context_manager_undoes_only_its_own_install() -> None:
    """Test: leaving a with-block undoes one install, even if its handle is also uninstalled by hand."""
    outer = install()
    with install() as inner:
        assert inner.active
    assert is_installed() and not inner.active
    inner.uninstall()  # already undone: no second uninstall
    assert is_installed()
    outer.uninstall()
    assert not is_installed()


# -- torch.onnx.export routing ---------------------------------------------------------------


class _TinyNet(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = torch.nn.Linear(3, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.fc(x)) * 2


@pytest.fixture
def torch_export_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """Stand in for torch's own export (installed over it), so routing tests need no dynamo export."""
    calls: list[tuple[Any, ...]] = []
    monkeypatch.setattr(torch.onnx, "export", lambda *args, **kwargs: calls.append((args, kwargs)) or "torch")
    return calls


@pytest.mark.parametrize(
    ("call", "expected_route"),
    [
        (lambda m, x, f: torch.onnx.export(m, (x,), f, dynamo=False, opset_version=11), "onnx_migrate"),
        (lambda m, x, f: torch.onnx.export(m, (x,), f, opset_version=11, custom_opsets={"mylib": 1}), "onnx_migrate"),
        (lambda m, x, f: torch.onnx.export(m, (x,), f, do_constant_folding=False, opset_version=13), "onnx_migrate"),
        (
            lambda m, x, f: torch.onnx.export(
                m,
                (x,),
                f,
                True,
                False,
                torch.onnx.TrainingMode.EVAL,
                ["x"],
                None,
                torch.onnx.OperatorExportTypes.ONNX,
                11,
            ),
            "onnx_migrate",
        ),
        (lambda m, x, f: torch.onnx.export(m, (x,), f, opset_version=18), "onnx_migrate"),
        (lambda m, x, f: torch.onnx.export(m, (x,), f, opset_version=18, optimize=True), "torch"),
        (lambda m, x, f: torch.onnx.export(m, (x,), f, dynamo=True, training=None), "torch"),
    ],
    ids=["dynamo-false", "custom-opsets", "do-constant-folding", "legacy-positional", "plain", "new-keyword", "dynamo-true"],
)
def test_export_calls_are_routed(call, expected_route: str, torch_export_calls, tmp_path) -> None:
    """Test: legacy-style calls (plain ones included) go to onnx_migrate; new-style calls go to torch."""
    path = tmp_path / "m.onnx"
    with install():
        outcome = call(_TinyNet().eval(), torch.randn(2, 3), str(path))
    last = routed_exports()[-1]
    assert last.route == expected_route and last.model == "_TinyNet"
    assert last.call_site.startswith(__file__)
    if expected_route == "torch":
        assert outcome == "torch" and len(torch_export_calls) == 1 and not path.exists()
    else:
        assert isinstance(outcome, onnx_migrate.ExportResult) and torch_export_calls == []
        assert last.report is outcome.report
        (got,) = run_ort(str(path), {outcome.model_proto.graph.input[0].name: torch.ones(2, 3)})
        assert got.shape == (2, 2)


def test_exported_programs_always_go_to_torch(torch_export_calls) -> None:
    """Test: an ExportedProgram is torch's exporter's business, whatever the keywords."""
    program = torch.export.export(_TinyNet(), (torch.randn(2, 3),))
    with install():
        torch.onnx.export(program, (), None, dynamo=False)
    assert len(torch_export_calls) == 1 and routed_exports()[-1].route == "torch"


def test_failed_exports_are_recorded_and_raised_unchanged(tmp_path) -> None:
    """Test: the user sees onnx_migrate's error as is; the record keeps its type and message for the run report."""
    with install(), pytest.raises(onnx_migrate.OnnxMigrateError) as info:
        torch.onnx.export(_TinyNet(), (torch.randn(2, 3),), str(tmp_path / "m.onnx"), opset_version=99, dynamo=False)
    error = routed_exports()[-1].error
    assert error is not None and error.type == "ExportOptionError" and error.message == str(info.value)
    assert str(error) == f"ExportOptionError: {info.value}"
    assert isinstance(info.value, torch.onnx.errors.OnnxExporterError)


def test_a_routed_error_keeps_a_bounded_message() -> None:
    """Test: a huge message (a whole graph quoted) is cut, saying how much was left out."""
    error = RoutedError.of(RuntimeError("x" * (RoutedError.MAX_MESSAGE + 5)))
    assert error.type == "RuntimeError" and error.message.endswith("x ... [5 more characters]")
    assert len(error.message) < RoutedError.MAX_MESSAGE + 40


class _RefusesToTrace(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = torch.nn.Linear(3, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise RuntimeError("this forward refuses to be traced")


def _export_and_forget(model: torch.nn.Module, example: torch.Tensor) -> None:
    """Export through install(); a failure is caught here, so no frame of this test keeps its traceback."""
    with install():
        try:
            torch.onnx.export(model, (example,), None, opset_version=13, dynamo=False)
        except onnx_migrate.OnnxMigrateError:
            pass


@pytest.mark.parametrize("model_class", [_TinyNet, _RefusesToTrace], ids=["exported", "export-failed"])
def test_routed_exports_do_not_keep_models_or_inputs_alive(model_class: type[torch.nn.Module]) -> None:
    """Test: after an export through install() (a failed one too), the model and its inputs are garbage-collected."""
    model, example = model_class(), torch.randn(2, 3)
    model_ref, example_ref = weakref.ref(model), weakref.ref(example)
    _export_and_forget(model, example)
    assert routed_exports()[-1].model == model_class.__name__
    del model, example
    gc.collect()
    assert model_ref() is None, [type(r).__name__ for r in gc.get_referrers(model_ref())]
    assert example_ref() is None


def test_is_in_onnx_export_is_true_during_the_export_only() -> None:
    """Test: a model branching on torch.onnx.is_in_onnx_export() exports its export-time branch."""

    class Branchy(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x.neg() if torch.onnx.is_in_onnx_export() else x.abs()

    with install():
        result = torch.onnx.export(Branchy(), (torch.randn(2, 3),), None, dynamo=False, opset_version=13)
        assert torch.onnx.is_in_onnx_export() is False
    assert [n.op_type for n in result.model.graph] == ["Neg"]


def test_select_model_mode_for_export_sets_and_restores_the_mode() -> None:
    """Test: the legacy context manager (torch.onnx and torch.onnx.utils) works on onnx_migrate's enums."""
    model = _TinyNet().train()
    with install():
        import torch.onnx.utils

        with torch.onnx.select_model_mode_for_export(model, torch.onnx.TrainingMode.EVAL):
            assert not model.training and not model.fc.training
        with torch.onnx.utils.select_model_mode_for_export(model.eval(), torch.onnx.TrainingMode.TRAINING):
            assert model.training
        assert not model.training


# -- registrations -----------------------------------------------------------------------------


def test_registrations_through_torch_onnx_are_used(default_registry: SymbolicRegistry) -> None:
    """Test: torch.onnx.register_custom_op_symbolic under install overrides the built-in at export."""

    def relu_as_clip(g, x):
        return g.op("Clip", x, g.op("Constant", value_t=torch.tensor(0.0)), g.op("Constant", value_t=torch.tensor(6.0)))

    with install():
        torch.onnx.register_custom_op_symbolic("::relu", relu_as_clip, 11)
        result = torch.onnx.export(_TinyNet(), (torch.randn(2, 3),), None, dynamo=False, opset_version=11)
    assert "Clip" in [n.op_type for n in result.model.graph]
    assert result.report.symbolics["aten::relu"].custom


def test_registering_into_the_onnx_domain_is_a_clear_error() -> None:
    """Test: the onnx domain cannot be overridden; the error says what to register instead."""
    with install(), pytest.raises(SymbolicRegistrationError, match="'onnx' domain cannot be modified") as info:
        torch.onnx.register_custom_op_symbolic("onnx::Relu", lambda g, x: x, 11)
    assert isinstance(info.value, ValueError)


@requires_legacy
@pytest.mark.legacy_reference
def test_registrations_made_with_torch_before_install_are_carried_over() -> None:
    """Test: a symbolic registered with torch's own API before install is used, and dropped at uninstall."""
    if "torch.onnx._internal.torchscript_exporter.registration" not in sys.modules:
        pytest.skip("torch has not loaded its legacy registry")

    def relu_as_sigmoid(g, x):
        return g.op("Sigmoid", x)

    torch.onnx.register_custom_op_symbolic("::relu", relu_as_sigmoid, 9)  # torch's legacy API
    try:
        assert ("aten::relu", 9, relu_as_sigmoid) in _torch_compat.legacy_custom_symbolics()
        with install():
            result = torch.onnx.export(_TinyNet(), (torch.randn(2, 3),), None, dynamo=False, opset_version=11)
        assert "Sigmoid" in [n.op_type for n in result.model.graph]
        assert not SymbolicRegistry.default().lookup("aten::relu", 11).entry.custom
    finally:
        torch.onnx.unregister_custom_op_symbolic("::relu", 9)


# -- the example project --------------------------------------------------------------------------


@pytest.mark.parametrize("opset", [11, 17])
@pytest.mark.parametrize("portable", [False, True], ids=["custom-domain", "portable"])
def test_example_project_exports_unchanged_under_install(
    opset: int, portable: bool, tmp_path, default_registry
) -> None:
    """Test: the legacy example exports at opsets 11 and 17; the portable variant matches eager in ORT."""
    path = tmp_path / "legacy.onnx"
    with install():
        run_example(path, opset, portable=portable)
    check_exported(path, opset, portable=portable)
    report = routed_exports()[-1].report
    assert report.symbolics["legacy_project::fused_bias_gelu"].custom
    assert any(use.origin == "legacy_model.ClampedSoftsign.symbolic" for use in report.symbolics.values())


@pytest.mark.parametrize("opset", [11, 17])
@pytest.mark.usefixtures("torchscript_disabled")
def test_example_project_exports_with_torchscript_disabled(opset: int, tmp_path, default_registry) -> None:
    """Test: the same with torch.jit.trace/script and the ONNX JIT passes raising."""
    path = tmp_path / "legacy.onnx"
    with install():
        run_example(path, opset, portable=True)
    check_exported(path, opset, portable=True)


@requires_legacy
@pytest.mark.legacy_reference
def test_example_project_matches_the_legacy_exporter(tmp_path, default_registry) -> None:
    """Test (reference): without install, torch's TorchScript exporter runs the example to the same numbers."""
    ours, theirs = tmp_path / "ours.onnx", tmp_path / "theirs.onnx"
    with install():
        run_example(ours, 11, portable=True)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            run_example(theirs, 11, portable=True)
    finally:
        torch.onnx.unregister_custom_op_symbolic("legacy_project::fused_bias_gelu", 11)  # torch's registry
    tokens = torch.randn(2, 9, 8)
    (a,) = run_ort(str(ours), {"tokens": tokens})
    (b,) = run_ort(str(theirs), {"tokens": tokens})
    np.testing.assert_allclose(a, b, atol=1e-5)
