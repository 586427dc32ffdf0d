"""The public surface is deliberate: each package's ``__all__`` is asserted here.

Adding or removing a public name must be a conscious change to this file (as
httpx does in ``tests/test_exported_members.py``). The error classes are part of
the surface too: every one must be catchable by ``except OnnxExporterError``,
which is what legacy export code already writes.
"""

from __future__ import annotations

import importlib
import inspect

import pytest
import torch.onnx.errors

import onnx_migrate
import onnx_migrate.errors
import onnx_migrate.legacy_symbolics

LEGACY_SYMBOLICS_ALL = {
    "GLOBALS",
    "ExportContext",
    "GraphBuilder",
    "GraphContext",
    "JitScalarType",
    "OperatorExportTypes",
    "SymbolicRegistry",
    "TensorProtoDataType",
    "TensorType",
    "TrainingMode",
    "Value",
    "add_op_with_blocks",
    "custom_onnx_symbolic",
    "get_function_group",
    "is_registered_op",
    "onnx_symbolic",
    "register_custom_op_symbolic",
    "unregister_custom_op_symbolic",
}

#: Modules whose ``__all__`` must name only things they define or re-export.
FOUNDATION_MODULES = (
    "onnx_migrate",
    "onnx_migrate.errors",
    "onnx_migrate.legacy_symbolics",
    "onnx_migrate.legacy_symbolics.attributes",
    "onnx_migrate.legacy_symbolics.export_context",
    "onnx_migrate.legacy_symbolics.graph_context",
    "onnx_migrate.legacy_symbolics.registry",
    "onnx_migrate.legacy_symbolics.scalar_types",
    "onnx_migrate.legacy_symbolics.shape_inference",
    "onnx_migrate.legacy_symbolics.values",
)


def test_legacy_symbolics_exports() -> None:
    assert set(onnx_migrate.legacy_symbolics.__all__) == LEGACY_SYMBOLICS_ALL
    assert len(onnx_migrate.legacy_symbolics.__all__) == len(LEGACY_SYMBOLICS_ALL), "no duplicates"


@pytest.mark.parametrize("module_name", FOUNDATION_MODULES)
def test_all_names_exist(module_name: str) -> None:
    module = importlib.import_module(module_name)
    names = getattr(module, "__all__", None)
    assert names is not None, f"{module_name} must declare __all__"
    missing = [name for name in names if not hasattr(module, name)]
    assert missing == [], f"{module_name}.__all__ names missing attributes: {missing}"


@pytest.mark.parametrize("module_name", FOUNDATION_MODULES)
def test_modules_have_a_docstring(module_name: str) -> None:
    module = importlib.import_module(module_name)
    assert (module.__doc__ or "").strip(), f"{module_name} needs a docstring saying why it exists"


def test_every_error_is_rooted_in_torch_onnx_exporter_error() -> None:
    classes = [getattr(onnx_migrate.errors, name) for name in onnx_migrate.errors.__all__]
    errors = [c for c in classes if inspect.isclass(c) and issubclass(c, BaseException)]
    assert errors, "errors.__all__ must list the error classes"
    for cls in errors:
        if issubclass(cls, Warning):
            continue
        assert issubclass(cls, onnx_migrate.errors.OnnxMigrateError), cls
        assert issubclass(cls, torch.onnx.errors.OnnxExporterError), cls


def test_legacy_except_clauses_keep_catching() -> None:
    from onnx_migrate.errors import SymbolicRegistrationError, UnsupportedSymbolicError

    assert issubclass(SymbolicRegistrationError, ValueError)  # legacy raised ValueError for the onnx domain
    unsupported = UnsupportedSymbolicError("aten::foo", 11, supported_opsets=(13,))
    torch_cls = getattr(torch.onnx.errors, "UnsupportedOperatorError", None)
    if torch_cls is not None:
        assert isinstance(unsupported, torch_cls)
    assert "aten::foo" in str(unsupported) and "opset_version=13" in str(unsupported)


def test_top_level_exports_resolve() -> None:
    for name in onnx_migrate.__all__:
        assert getattr(onnx_migrate, name) is not None, name
    assert onnx_migrate.legacy_symbolics.register_custom_op_symbolic is not None


ONNX_MIGRATE_ALL = {
    "ExportReport",
    "ExportResult",
    "JitScalarType",
    "OnnxMigrateError",
    "OnnxMigrateWarning",
    "OperatorExportTypes",
    "PortResult",
    "SymbolicRegistry",
    "TensorProtoDataType",
    "TrainingMode",
    "UnsupportedSymbolicError",
    "__version__",
    "check",
    "export",
    "install",
    "is_installed",
    "port",
    "register_custom_op_symbolic",
    "uninstall",
    "unregister_custom_op_symbolic",
}


def test_top_level_all_is_deliberate() -> None:
    """Test: onnx_migrate.__all__ is exactly the documented public names."""
    assert set(onnx_migrate.__all__) == ONNX_MIGRATE_ALL


def test_port_is_the_function_even_after_its_package_is_imported() -> None:
    """Test: importing onnx_migrate.porting does not replace the public function onnx_migrate.port."""
    import onnx_migrate.porting.api  # noqa: F401

    assert callable(onnx_migrate.port) and onnx_migrate.port.__module__ == "onnx_migrate.porting.api"
