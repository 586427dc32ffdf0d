"""A TorchScript-free runtime for legacy ONNX symbolic functions."""

from __future__ import annotations

from onnx_migrate.legacy_symbolics.export_context import (
    GLOBALS,
    ExportContext,
    OperatorExportTypes,
    TrainingMode,
)
from onnx_migrate.legacy_symbolics.graph_context import GraphBuilder, GraphContext, add_op_with_blocks
from onnx_migrate.legacy_symbolics.registry import (
    SymbolicRegistry,
    custom_onnx_symbolic,
    get_function_group,
    is_registered_op,
    onnx_symbolic,
    register_custom_op_symbolic,
    unregister_custom_op_symbolic,
)
from onnx_migrate.legacy_symbolics.scalar_types import JitScalarType, TensorProtoDataType
from onnx_migrate.legacy_symbolics.values import TensorType, Value

__all__ = [
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
]
