"""The torch <= 1.12 ``torch.onnx.symbolic_registry`` API, on onnx_migrate's registry.

Older deployment code registers symbolics per ``(domain, opset)`` with
``symbolic_registry.register_op("roi_align", fn, "", 11)``, queries
``is_registered_op`` / ``get_registered_op``, and some of it edits the private
``_registry`` dict directly to undo a registration. torch removed the module in
1.13; ``install()`` serves this one at ``torch.onnx.symbolic_registry`` with a
``DeprecationWarning`` naming ``torch.onnx.register_custom_op_symbolic``.

The legacy domain ``""`` meant ATen ops, so ``register_op(name, fn, "", 11)`` is
``register_custom_op_symbolic("aten::" + name, fn, 11)``. Registrations are
custom overrides in onnx_migrate's default registry and serve their opset and
the ones above it (the modern rule; torch 1.x registered each opset explicitly,
so code that registered the opset it exported at behaves the same).
``_registry`` is a live view: ``_registry[(domain, opset)]`` maps op names to
the custom symbolics registered exactly at that opset, and deleting from it
unregisters.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator, MutableMapping
from typing import Any

from onnx_migrate.errors import UnsupportedSymbolicError
from onnx_migrate.legacy_symbolics.registry import SymbolicRegistry, validate_custom_op_name

__all__ = [
    "UnsupportedOperatorError",
    "get_op_supported_version",
    "get_ops_in_version",
    "get_registered_op",
    "is_registered_op",
    "is_registered_version",
    "register_op",
    "register_version",
    "unregister_op",
]


#: The legacy module's error for a lookup of an op with no symbolic (a ``RuntimeError``, as it was).
UnsupportedOperatorError = UnsupportedSymbolicError


def _qualified(opname: str, domain: str | None) -> str:
    namespace = "aten" if not domain else domain
    return validate_custom_op_name(f"{namespace}::{opname}")


def _check_key(domain: str | None, version: int | None) -> None:
    if domain is None or version is None:
        warnings.warn(
            "symbolic_registry: the ONNX domain and/or opset version are None; pass domain='' for ATen ops "
            "and the opset you export at.",
            stacklevel=3,
        )


def register_op(opname: str, op: Callable[..., Any], domain: str, version: int) -> None:
    """Register ``op`` for ``domain::opname`` (``""`` = ATen) from opset ``version`` on."""
    _check_key(domain, version)
    SymbolicRegistry.default().register(_qualified(opname, domain), version, op, custom=True)


def unregister_op(opname: str, domain: str, version: int) -> None:
    """Remove what :func:`register_op` registered at exactly ``version``."""
    SymbolicRegistry.default().unregister(_qualified(opname, domain), version)


def is_registered_op(opname: str, domain: str, version: int) -> bool:
    """Whether some symbolic (built-in or custom) serves ``domain::opname`` at ``version``."""
    _check_key(domain, version)
    return SymbolicRegistry.default().is_registered_op(_qualified(opname, domain), version)


def get_registered_op(opname: str, domain: str, version: int) -> Callable[..., Any]:
    """The symbolic serving ``domain::opname`` at ``version``.

    Raises:
        UnsupportedSymbolicError: nothing serves it (a ``RuntimeError``, as legacy raised).
    """
    _check_key(domain, version)
    name = _qualified(opname, domain)
    found = SymbolicRegistry.default().lookup(name, version)
    if found.entry is None:
        raise UnsupportedSymbolicError(name, version, found.supported_opsets)
    return found.entry.fn


def get_op_supported_version(opname: str, domain: str, version: int) -> int | None:
    """The lowest opset above ``version`` with a symbolic for the op, or ``None``."""
    group = SymbolicRegistry.default().get_function_group(_qualified(opname, domain))
    if group is None:
        return None
    higher = sorted(v for v in group.opsets() if v > version)
    return higher[0] if higher else None


def register_version(domain: str, version: int) -> None:
    """A no-op kept for old code: onnx_migrate's registry needs no per-opset tables."""


def is_registered_version(domain: str, version: int) -> bool:
    """Always ``True``: every opset onnx_migrate exports is served."""
    return True


def get_ops_in_version(version: int) -> list[tuple[str, Callable[..., Any]]]:
    """``(op name, symbolic)`` of every ATen op served at ``version`` (custom overrides included)."""
    registry = SymbolicRegistry.default()
    found = []
    for name in sorted(registry.all_functions()):
        domain, _, op = name.partition("::")
        entry = registry.lookup(name, version).entry
        if domain == "aten" and entry is not None:
            found.append((op, entry.fn))
    return found


class _OpsetTable(MutableMapping[str, Callable[..., Any]]):
    """``_registry[(domain, version)]``: the custom symbolics registered exactly at that opset."""

    def __init__(self, domain: str, version: int) -> None:
        self._domain = domain
        self._version = version
        self._prefix = f"{'aten' if not domain else domain}::"

    def _entries(self) -> dict[str, Callable[..., Any]]:
        return {
            entry.name[len(self._prefix) :]: entry.fn
            for entry in SymbolicRegistry.default().custom_entries()
            if entry.opset == self._version and entry.name.startswith(self._prefix)
        }

    def __getitem__(self, opname: str) -> Callable[..., Any]:
        return self._entries()[opname]

    def __setitem__(self, opname: str, fn: Callable[..., Any]) -> None:
        register_op(opname, fn, self._domain, self._version)

    def __delitem__(self, opname: str) -> None:
        if opname not in self._entries():
            raise KeyError(opname)
        unregister_op(opname, self._domain, self._version)

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries())

    def __len__(self) -> int:
        return len(self._entries())


class _RegistryView(MutableMapping[tuple[str, int], _OpsetTable]):
    """The legacy ``_registry`` dict, keyed by ``(domain, opset)``, over the default registry."""

    def _keys(self) -> set[tuple[str, int]]:
        keys = set()
        for entry in SymbolicRegistry.default().custom_entries():
            domain = entry.name.partition("::")[0]
            keys.add(("" if domain == "aten" else domain, entry.opset))
        return keys

    def __getitem__(self, key: tuple[str, int]) -> _OpsetTable:
        domain, version = key
        return _OpsetTable(domain, version)

    def __setitem__(self, key: tuple[str, int], table: Any) -> None:
        current = _OpsetTable(*key)
        for opname in list(current):
            del current[opname]
        for opname, fn in dict(table).items():
            current[opname] = fn

    def __delitem__(self, key: tuple[str, int]) -> None:
        current = _OpsetTable(*key)
        for opname in list(current):
            del current[opname]

    def __contains__(self, key: object) -> bool:
        return key in self._keys()

    def __iter__(self) -> Iterator[tuple[str, int]]:
        return iter(sorted(self._keys()))

    def __len__(self) -> int:
        return len(self._keys())


#: The legacy private registry dict, as a live view of the custom registrations.
_registry = _RegistryView()
