"""The legacy ``symbolic_opsetN`` modules, as views of the built-in library.

Legacy code calls built-ins through their module paths
(``torch.onnx.symbolic_opset9.gelu(g, x, "none")``,
``symbolic_opset11.unsqueeze(g, x, 0)``). onnx_migrate stores each built-in
once, with the opset range it serves, in family modules (``ops/``); there are
no per-opset copies. Each ``symbolic_opsetN`` module is a five-line shim whose
attributes this module resolves: ``symbolic_opsetN.foo`` is the built-in
``aten::foo`` that serves opset ``N`` under the legacy dispatch rule — the same
function an export at opset ``N`` would call, never a user override. The few
legacy names that are not op symbolics (``_slice``, ``_cast_Long`` ...) come from
:mod:`~onnx_migrate.legacy_symbolics.opset_view_extras`.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

from onnx_migrate.legacy_symbolics.registry import LookupStatus, SymbolicRegistry

__all__ = ["available_names", "builtin_symbolic_at", "view_attributes"]

_DOMAIN = "aten"


@functools.cache
def _builtins() -> SymbolicRegistry:
    """The built-in library alone (user registrations never show through a view)."""
    return SymbolicRegistry.with_builtins()


def builtin_symbolic_at(name: str, opset: int) -> Callable[..., Any] | None:
    """The built-in symbolic for ``aten::<name>`` that serves ``opset``, or ``None``."""
    entry = _builtins().lookup(f"{_DOMAIN}::{name}", opset).entry
    return entry.fn if entry is not None else None


def available_names(opset: int) -> list[str]:
    """The op names (``unsqueeze``, ``add`` ...) with a built-in serving ``opset``."""
    registry = _builtins()
    prefix = f"{_DOMAIN}::"
    return sorted(
        qualified[len(prefix) :]
        for qualified in registry.all_functions()
        if qualified.startswith(prefix) and registry.is_registered_op(qualified, opset)
    )


def _missing(module_name: str, name: str, opset: int) -> AttributeError:
    found = _builtins().lookup(f"{_DOMAIN}::{name}", opset)
    legacy = f"torch.onnx.symbolic_opset{opset}"
    if found.status == LookupStatus.OPSET_TOO_LOW:
        why = (
            f"the built-in symbolic for {_DOMAIN}::{name} serves opsets {list(found.supported_opsets)} and up, "
            f"not opset {opset}; use symbolic_opset{found.supported_opsets[0]} or a higher opset"
        )
    else:
        why = (
            f"onnx_migrate has no built-in symbolic for {_DOMAIN}::{name}; write one with g.op(...) and register "
            f"it with torch.onnx.register_custom_op_symbolic('{_DOMAIN}::{name}', fn, {opset})"
        )
    return AttributeError(f"module {module_name!r} ({legacy} under onnx_migrate) has no attribute {name!r}: {why}.")


def view_attributes(module_name: str, opset: int) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The module-level ``__getattr__`` and ``__dir__`` of the view for ``opset``.

    Args:
        module_name: the view module's ``__name__`` (for messages and ``dir()``).
        opset: the opset the view serves.
    """

    def __getattr__(name: str) -> Any:
        if name == "__all__":  # ``from symbolic_opsetN import *``
            return available_names(opset)
        if not name.isidentifier():
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
        # No dunder filter: ATen has ops such as ``__and__``; a probe like ``__path__`` just finds nothing.
        fn = builtin_symbolic_at(name, opset)
        if fn is None:
            from onnx_migrate.legacy_symbolics.opset_view_extras import view_extra

            fn = view_extra(name, opset)
        if fn is None:
            raise _missing(module_name, name, opset)
        return fn

    def __dir__() -> list[str]:
        module = sys.modules.get(module_name)
        own = set(vars(module)) if module is not None else set()
        from onnx_migrate.legacy_symbolics.opset_view_extras import view_extra_names

        return sorted(own | set(available_names(opset)) | set(view_extra_names(opset)))

    return __getattr__, __dir__
