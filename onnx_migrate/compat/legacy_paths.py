"""The legacy ``torch.onnx`` module paths, and serving them from onnx_migrate for one block.

:func:`~onnx_migrate.compat.install.install` serves these paths for as long as it is in
effect; :func:`legacy_modules_routed` serves them around one call (a symbolic registered
through torch's own API that reaches ``torch.onnx.symbolic_opset9.gelu`` when it runs).
Both swap the same ``sys.modules`` entries and ``torch.onnx`` attributes, so they share
:data:`LOCK` and the count of installs in effect (:data:`INSTALLS`). This module sits below
``install`` and ``torch_registrations``: the export pipeline needs the routing, and
``install`` needs the pipeline.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
import threading
import types
from collections.abc import Iterator, Mapping
from typing import Any

import torch
import torch.onnx

from onnx_migrate.compat import removed_paths as _removed_paths

__all__ = ["INSTALLS", "LEGACY_MODULES", "LOCK", "MISSING", "legacy_modules_routed", "resolve", "restore"]

#: Legacy module path -> the onnx_migrate module that stands for it.
LEGACY_MODULES: Mapping[str, str] = types.MappingProxyType(
    {
        "torch.onnx.symbolic_helper": "onnx_migrate.legacy_symbolics.symbolic_helper",
        **{f"torch.onnx.symbolic_opset{n}": f"onnx_migrate.legacy_symbolics.symbolic_opset{n}" for n in range(7, 24)},
        "torch.onnx.utils": "onnx_migrate.compat.legacy_utils",
    }
)

#: Held while ``sys.modules`` / ``torch.onnx`` are swapped (install, uninstall, one routed block).
LOCK = threading.RLock()


class InstallCount:
    """How many ``install()`` calls are in effect: ``install`` counts, :func:`legacy_modules_routed` reads."""

    def __init__(self) -> None:
        self.depth = 0


INSTALLS = InstallCount()


class _Missing:
    """Marks a name that did not exist before install (it is deleted again at uninstall)."""

    def __repr__(self) -> str:
        return "<missing>"


MISSING = _Missing()


def resolve(target: str) -> Any:
    """``"module"`` or ``"module:attr"`` -> the object (imported now)."""
    module_name, _, name = target.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, name) if name else module


def restore(saved_modules: Mapping[str, Any], saved_attributes: Mapping[str, Any]) -> None:
    """Put back what was in ``sys.modules`` and on ``torch.onnx`` (absence included)."""
    for name, saved in saved_modules.items():
        if saved is MISSING:
            sys.modules.pop(name, None)
        else:
            sys.modules[name] = saved
    for name, saved in saved_attributes.items():
        if saved is MISSING:
            if name in vars(torch.onnx):
                delattr(torch.onnx, name)
        else:
            setattr(torch.onnx, name, saved)


@contextlib.contextmanager
def legacy_modules_routed() -> Iterator[None]:
    """For one block, only the legacy module paths resolve to onnx_migrate's stand-ins.

    ``torch.onnx.symbolic_opset9``, ``import torch.onnx.symbolic_helper`` and the
    removed paths: what a symbolic registered through torch's own API reaches at
    call time (``torch.onnx.symbolic_opset9.gelu(g, ...)``). Nothing else of
    :func:`install` happens (no export routing, no registry changes). A no-op while installed.
    """
    with LOCK:
        if INSTALLS.depth > 0:
            yield
            return
        modules = {legacy: resolve(ours) for legacy, ours in LEGACY_MODULES.items()}
        namespace = vars(torch.onnx)
        saved_modules = {name: sys.modules.get(name, MISSING) for name in modules}
        saved_attributes = {name.rsplit(".", 1)[1]: namespace.get(name.rsplit(".", 1)[1], MISSING) for name in modules}
        for legacy, module in modules.items():
            sys.modules[legacy] = module
            setattr(torch.onnx, legacy.rsplit(".", 1)[1], module)
        removed = _removed_paths.activate()
        try:
            yield
        finally:
            _removed_paths.deactivate(removed)
            restore(saved_modules, saved_attributes)
