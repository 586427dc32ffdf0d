"""onnx_migrate: legacy ``torch.onnx.export`` code, working without TorchScript.

>>> import torch, onnx_migrate
>>> result = onnx_migrate.export(torch.nn.Linear(3, 2), (torch.randn(1, 3),), opset_version=11)
>>> sorted({node.op_type for node in result.model.graph})
['Gemm']
"""

from __future__ import annotations

__version__ = "0.1.0"

from onnx_migrate.compat.export import ExportResult, export
from onnx_migrate.compat.export_report import ExportReport
from onnx_migrate.compat.install import install, is_installed, uninstall
from onnx_migrate.errors import (
    OnnxMigrateError,
    OnnxMigrateWarning,
    UnsupportedSymbolicError,
)
from onnx_migrate.legacy_symbolics.export_context import OperatorExportTypes, TrainingMode
from onnx_migrate.legacy_symbolics.registry import (
    SymbolicRegistry,
    register_custom_op_symbolic,
    unregister_custom_op_symbolic,
)
from onnx_migrate.legacy_symbolics.scalar_types import JitScalarType, TensorProtoDataType

__all__ = [
    "ExportReport",
    "ExportResult",
    "JitScalarType",
    "OnnxMigrateError",
    "OnnxMigrateWarning",
    "OperatorExportTypes",
    "SymbolicRegistry",
    "TensorProtoDataType",
    "TrainingMode",
    "UnsupportedSymbolicError",
    "__version__",
    "export",
    "install",
    "is_installed",
    "register_custom_op_symbolic",
    "uninstall",
    "unregister_custom_op_symbolic",
]
