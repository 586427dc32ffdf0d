"""onnx_migrate: legacy ``torch.onnx.export`` code, working without TorchScript.

>>> import torch, onnx_migrate
>>> result = onnx_migrate.export(torch.nn.Linear(3, 2), (torch.randn(1, 3),), opset_version=11)
>>> sorted({node.op_type for node in result.model.graph})
['Gemm']

Public names are imported on first use (PEP 562), so ``onnx-migrate report``
and ``--help`` start without importing torch.
"""

from __future__ import annotations

from onnx_migrate._lazy import lazy_attributes
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

#: public name -> module that defines it
_PUBLIC: dict[str, str] = {
    "check": "onnx_migrate.side_by_side.api",
    "ExportResult": "onnx_migrate.compat.export",
    "export": "onnx_migrate.compat.export",
    "ExportReport": "onnx_migrate.compat.export_report",
    "install": "onnx_migrate.compat.install",
    "port": "onnx_migrate.porting.api",
    "PortResult": "onnx_migrate.porting.api",
    "is_installed": "onnx_migrate.compat.install",
    "uninstall": "onnx_migrate.compat.install",
    "OnnxMigrateError": "onnx_migrate.errors",
    "OnnxMigrateWarning": "onnx_migrate.errors",
    "UnsupportedSymbolicError": "onnx_migrate.errors",
    "OperatorExportTypes": "onnx_migrate.legacy_symbolics.export_context",
    "TrainingMode": "onnx_migrate.legacy_symbolics.export_context",
    "SymbolicRegistry": "onnx_migrate.legacy_symbolics.registry",
    "register_custom_op_symbolic": "onnx_migrate.legacy_symbolics.registry",
    "unregister_custom_op_symbolic": "onnx_migrate.legacy_symbolics.registry",
    "JitScalarType": "onnx_migrate.legacy_symbolics.scalar_types",
    "TensorProtoDataType": "onnx_migrate.legacy_symbolics.scalar_types",
}

__all__ = sorted([*_PUBLIC, "__version__"])


__getattr__, __dir__ = lazy_attributes(__name__, globals(), _PUBLIC)


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from onnx_migrate.side_by_side.api import check
    from onnx_migrate.compat.export import ExportResult, export
    from onnx_migrate.compat.export_report import ExportReport
    from onnx_migrate.compat.install import install, is_installed, uninstall
    from onnx_migrate.porting.api import PortResult, port
    from onnx_migrate.errors import OnnxMigrateError, OnnxMigrateWarning, UnsupportedSymbolicError
    from onnx_migrate.legacy_symbolics.export_context import OperatorExportTypes, TrainingMode
    from onnx_migrate.legacy_symbolics.registry import (
        SymbolicRegistry,
        register_custom_op_symbolic,
        unregister_custom_op_symbolic,
    )
    from onnx_migrate.legacy_symbolics.scalar_types import JitScalarType, TensorProtoDataType
