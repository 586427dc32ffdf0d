"""symbolic_helper: unsupported cases, export settings and the legacy public surface.

``_unimplemented`` and its relatives must always raise (the legacy helper could
return ``None`` and leave a broken graph), with messages that name the op, the
opset and what to do. Settings without a ``g`` come from the running export.
The module's ``__all__`` mirrors torch's legacy ``symbolic_helper.__all__``.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import warnings
from pathlib import Path

import pytest
import torch
import torch.onnx.errors

from onnx_migrate.errors import OnnxMigrateWarning, UnsupportedSymbolicError
from onnx_migrate.legacy_symbolics import symbolic_helper as sh
from onnx_migrate.legacy_symbolics.export_context import (
    ExportContext,
    OperatorExportTypes,
    TrainingMode,
    active_export,
)
from onnx_migrate.legacy_symbolics.graph_context import GraphContext


def test_unimplemented_always_raises_with_op_opset_and_reason() -> None:
    for export_type in OperatorExportTypes:
        with active_export(ExportContext(opset=11, operator_export_type=export_type)):
            with pytest.raises(UnsupportedSymbolicError) as info:
                sh._unimplemented("aten::cumprod", "dtype must be constant")
        message = str(info.value)
        assert "aten::cumprod" in message and "opset version 11" in message and "dtype must be constant" in message
        assert "register_custom_op_symbolic" in message
    assert isinstance(info.value, torch.onnx.errors.OnnxExporterError)


def test_unsupported_errors_describe_the_value() -> None:
    g = GraphContext.create(13)
    x = g.add_input("features", torch.float32, [2])
    with pytest.raises(UnsupportedSymbolicError, match="'features'"):
        sh._onnx_unsupported("aten::foo", x)
    with pytest.raises(UnsupportedSymbolicError) as info:
        sh._onnx_opset_unsupported("cumsum", 9, 11, x)
    assert info.value.opset == 9 and info.value.supported_opsets == (11,)
    assert "opset_version=11" in str(info.value)
    with pytest.raises(UnsupportedSymbolicError, match="Dynamic number of outputs"):
        sh._onnx_opset_unsupported_detailed("unbind", 9, 11, "Dynamic number of outputs not supported", x)


def test_block_list_in_opset() -> None:
    blocked = sh._block_list_in_opset("aten::bernoulli")
    with pytest.raises(UnsupportedSymbolicError, match="opset version 12"):
        blocked(GraphContext.create(12), None)
    with active_export(ExportContext(opset=15)):
        with pytest.raises(UnsupportedSymbolicError, match="opset version 15"):
            blocked()


@pytest.mark.parametrize(
    ("mode", "op_train", "warns"),
    [
        (TrainingMode.EVAL, False, False),
        (TrainingMode.EVAL, True, True),
        (TrainingMode.TRAINING, 0, True),
        (TrainingMode.TRAINING, 1, False),
        (TrainingMode.PRESERVE, True, False),
    ],
)
def test_check_training_mode_reads_the_running_export(mode: TrainingMode, op_train: object, warns: bool) -> None:
    with active_export(ExportContext(training=mode)):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            sh.check_training_mode(op_train, "dropout")
    relevant = [w for w in caught if issubclass(w.category, OnnxMigrateWarning)]
    assert bool(relevant) is warns
    if warns:
        assert "dropout" in str(relevant[0].message) and mode.name in str(relevant[0].message)


def test_settings_globals_follow_the_running_export() -> None:
    with active_export(ExportContext(opset=12, training=TrainingMode.TRAINING)):
        assert sh._export_onnx_opset_version == 12
        assert sh._training_mode == TrainingMode.TRAINING
    with active_export(ExportContext(opset=17)):
        assert sh._export_onnx_opset_version == 17
    assert sh._onnx_main_opset == 23
    assert 9 in sh._onnx_stable_opsets and 23 not in sh._onnx_stable_opsets
    with pytest.raises(AttributeError, match="onnx_migrate.export"):
        sh._set_opset_version(11)
    with pytest.raises(AttributeError):
        sh.no_such_helper  # noqa: B018


def test_all_names_exist_and_intentional_absences_are_explained() -> None:
    for name in sh.__all__:
        assert hasattr(sh, name), name
    assert not set(sh.INTENTIONALLY_ABSENT) & set(sh.__all__)
    assert all(isinstance(reason, str) and reason for reason in sh.INTENTIONALLY_ABSENT.values())


@pytest.mark.legacy_reference
def test_all_matches_torch_legacy_symbolic_helper() -> None:
    try:
        legacy = importlib.import_module("torch.onnx._internal.torchscript_exporter.symbolic_helper")
    except ImportError:
        pytest.skip("torch no longer ships the TorchScript exporter")
    expected = [name for name in legacy.__all__ if name not in sh.INTENTIONALLY_ABSENT]
    assert sh.__all__ == expected
    assert set(sh.INTENTIONALLY_ABSENT) <= set(legacy.__all__)


@pytest.mark.legacy_reference
def test_signatures_accept_the_legacy_parameters() -> None:
    try:
        legacy = importlib.import_module("torch.onnx._internal.torchscript_exporter.symbolic_helper")
    except ImportError:
        pytest.skip("torch no longer ships the TorchScript exporter")
    for name in sh.__all__:
        ours, theirs = getattr(sh, name), getattr(legacy, name)
        if not callable(theirs) or isinstance(theirs, type) or not inspect.isfunction(theirs):
            continue
        their_params = [p for p in inspect.signature(theirs).parameters.values()]
        our_params = inspect.signature(inspect.unwrap(ours)).parameters
        for param in their_params:
            if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
                continue
            assert param.name in our_params or any(
                p.kind == p.VAR_POSITIONAL for p in our_params.values()
            ), f"{name}: missing parameter {param.name!r}"


FORBIDDEN_PREFIXES = (
    "torch.onnx._internal.torchscript_exporter",
    "torch.onnx.symbolic_",
    "torch.onnx.utils",
    "torch._C._onnx",
    "torch.jit",
)


def test_module_uses_no_torchscript() -> None:
    source = Path(sh.__file__).read_text()
    tree = ast.parse(source)
    imported: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.append(node.module)
            imported.extend(f"{node.module}.{alias.name}" for alias in node.names)
    assert not [name for name in imported if name.startswith(FORBIDDEN_PREFIXES)]
    assert "torch.jit" not in source and "_C._onnx" not in source
