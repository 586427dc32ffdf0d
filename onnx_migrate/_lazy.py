"""Lazy public names for package ``__init__`` modules (PEP 562).

The CLI and ``onnx-migrate report`` must start without importing torch, yet
``onnx_migrate.export`` must work as an attribute. A package lists its public
names and where they live; they are imported on first access.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_attributes"]


def lazy_attributes(
    package: str, namespace: dict[str, Any], public: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package``, importing ``public[name]`` on first use.

    Args:
        package: the package's ``__name__`` (for error messages).
        namespace: the package's ``globals()``; resolved names are cached there.
        public: public name -> module defining it.
    """

    def __getattr__(name: str) -> Any:  # noqa: N807 - module-level protocol name
        module_name = public.get(name)
        if module_name is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module_name), name)
        namespace[name] = value  # later lookups skip __getattr__
        return value

    def __dir__() -> list[str]:  # noqa: N807
        return sorted(set(namespace) | set(public))

    return __getattr__, __dir__
