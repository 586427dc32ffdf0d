"""The built-in symbolic library, one module per op family.

Nothing registers at import time: :func:`register_builtins` walks
:data:`ALL_FAMILIES` and registers every function marked with
``marks.builtin_symbolic`` (the library never imports the registry). A test
checks that every module in this package is listed here.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any, Protocol

from onnx_migrate.legacy_symbolics.ops import activations, conv_pool, elementwise, linalg, norm, reduction, shape
from onnx_migrate.legacy_symbolics.ops import control_flow, interpolate_pad, quantized, rnn
from onnx_migrate.legacy_symbolics.ops import creation, indexing, rearrange, scatter_gather, sort_scan, statistics
from onnx_migrate.legacy_symbolics.ops import attention, embedding, losses, patches, pointwise, sampling, tensor_algebra
from onnx_migrate.legacy_symbolics.marks import builtin_marks

__all__ = ["ALL_FAMILIES", "register_builtins"]

ALL_FAMILIES: tuple[types.ModuleType, ...] = (
    elementwise,
    activations,
    shape,
    linalg,
    reduction,
    conv_pool,
    norm,
    rnn,
    interpolate_pad,
    quantized,
    control_flow,
    creation,
    indexing,
    scatter_gather,
    rearrange,
    sort_scan,
    statistics,
    attention,
    tensor_algebra,
    embedding,
    pointwise,
    losses,
    sampling,
    patches,
)


class Registers(Protocol):
    """What :func:`register_builtins` needs of a registry (``SymbolicRegistry`` sits above the library)."""

    def register(self, name: str, opset: int, func: Callable[..., Any], custom: bool = False) -> None: ...


def register_builtins(registry: Registers) -> None:
    """Register every built-in symbolic of every family into ``registry``.

    ``SymbolicRegistry.with_builtins()`` calls this; the library itself never imports the registry.
    """
    for family in ALL_FAMILIES:
        for obj in vars(family).values():
            for name, opset, fn in builtin_marks(obj):
                registry.register(name, opset, fn, custom=False)
