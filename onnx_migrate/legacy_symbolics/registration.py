"""The legacy ``torch.onnx._internal.registration`` module, backed by onnx_migrate's registry.

Libraries query and extend the legacy registry directly:
``registration.registry.is_registered_op("aten::foo", 11)``,
``registration.registry.get_function_group(name).get(opset)``,
``@registration.onnx_symbolic("mylib::op", opset=11)``. torch removed the module
from ``torch.onnx._internal``; ``install()`` serves this one there, with a
``DeprecationWarning`` naming ``onnx_migrate.legacy_symbolics.registry``.

``registry`` is the process-default :class:`SymbolicRegistry`, looked up on
every access (never a module-level copy), so registrations made through any
API are seen here.
"""

from __future__ import annotations

from typing import Any

from onnx_migrate.legacy_symbolics.registry import (
    SymbolicFunctionGroup,
    SymbolicRegistry,
    custom_onnx_symbolic,
    dispatch_opset_version,
    onnx_symbolic,
)

__all__ = ["SymbolicRegistry", "custom_onnx_symbolic", "onnx_symbolic", "registry"]  # noqa: F822 - registry: module __getattr__

#: The legacy type alias for opset numbers.
OpsetVersion = int

#: Legacy private names of the same objects.
_SymbolicFunctionGroup = SymbolicFunctionGroup
_dispatch_opset_version = dispatch_opset_version


def __getattr__(name: str) -> Any:
    """``registry``: the process-default registry, read at each access."""
    if name == "registry":
        return SymbolicRegistry.default()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
