"""The mark that makes a library function a built-in symbolic, read when a registry is filled.

The library (``ops/``) only marks its functions; it never imports the registry.
The registry sits above the library: :meth:`SymbolicRegistry.with_builtins`
calls ``ops.register_builtins``, which reads these marks. Keeping the mark in this
leaf module is what lets the two point one way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from onnx_migrate.legacy_symbolics.opsets import BASE_OPSET

__all__ = ["builtin_marks", "builtin_symbolic"]

_F = TypeVar("_F", bound=Callable[..., Any])
_BUILTIN_MARK = "__onnx_migrate_symbolics__"


def builtin_symbolic(
    name: str,
    opset: int | Sequence[int] = BASE_OPSET,
    decorate: Sequence[Callable[[Callable[..., Any]], Callable[..., Any]]] | None = None,
) -> Callable[[_F], _F]:
    """Mark a library function as the built-in symbolic for ``name`` from ``opset`` on.

    Nothing is registered at import time: ``ops.register_builtins(registry)``
    collects the marks from the family modules listed in ``ops.ALL_FAMILIES``.
    """
    opsets = (opset,) if isinstance(opset, int) else tuple(opset)

    def wrapper(func: _F) -> _F:
        decorated: Callable[..., Any] = func
        for decorator in decorate or ():
            decorated = decorator(decorated)
        marks = list(getattr(func, _BUILTIN_MARK, ()))
        marks.extend((name, version, decorated) for version in opsets)
        setattr(func, _BUILTIN_MARK, marks)
        return func

    return wrapper


def builtin_marks(func: Any) -> list[tuple[str, int, Callable[..., Any]]]:
    """The ``(name, opset, function)`` marks set by :func:`builtin_symbolic`."""
    return list(getattr(func, _BUILTIN_MARK, ()))
