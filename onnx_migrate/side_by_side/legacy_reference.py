"""torch's own TorchScript exporter, used only as the reference ``check`` compares against.

onnx_migrate never imports the legacy exporter. The reference is produced the
way a user's script produced it: through the public ``torch.onnx.export``
function with ``dynamo=False``. While :func:`onnx_migrate.install` is active,
``torch.onnx.export`` is onnx_migrate's router, so the function torch had before
the install is used (install keeps it to put it back).

When torch no longer ships the TorchScript exporter, :func:`legacy_exporter`
raises :class:`LegacyExporterUnavailable`, whose message says to compare
against a saved model instead (``--reference``).
"""

from __future__ import annotations

import contextlib
import importlib.util
import inspect
import io
import random
import sys
import warnings
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import onnx
import torch

from onnx_migrate.compat import install as _install
from onnx_migrate.errors import LegacyExporterUnavailable

__all__ = ["LegacyExporter", "LegacyExporterUnavailable", "legacy_exporter", "rng_neutral"]

#: The package of torch's TorchScript exporter; only looked up (find_spec), never imported here.
_LEGACY_PACKAGE = "torch.onnx._internal.torchscript_exporter"



class LegacyExporter:
    """Calls torch's ``torch.onnx.export(..., dynamo=False)`` and keeps the model in memory.

    Args:
        export_function: torch's own ``torch.onnx.export`` (not onnx_migrate's router).
    """

    def __init__(self, export_function: Callable[..., Any]) -> None:
        self.export_function = export_function

    def export(self, model: Any, args: Any, keywords: Mapping[str, Any]) -> onnx.ModelProto:
        """The legacy exporter's model for ``model(*args)`` with the legacy ``keywords``; no file is written.

        Warnings the legacy exporter emits (its own deprecation, tracer warnings)
        are silenced: the user did not ask for this export. The random number
        generators are left as they were, so the script's next draws do not change.
        """
        buffer = io.BytesIO()
        with warnings.catch_warnings(), rng_neutral():
            warnings.simplefilter("ignore")
            self.export_function(model, args, buffer, **dict(keywords), dynamo=False)
        return onnx.load_from_string(buffer.getvalue())


def _torch_export_function() -> Callable[..., Any] | None:
    """torch's own ``torch.onnx.export``, also while onnx_migrate is installed."""
    if _install.is_installed():
        # install saves what it replaced; reading it is the only way back to torch's function.
        saved = _install._STATE.saved_attributes.get("export")
        return saved if callable(saved) else None
    candidate = vars(torch.onnx).get("export")
    return candidate if callable(candidate) else None


def legacy_exporter() -> LegacyExporter:
    """torch's legacy exporter, or :class:`LegacyExporterUnavailable` saying why it is missing."""
    function = _torch_export_function()
    hint = (
        "Compare onnx_migrate's export with a model saved earlier instead: onnx-migrate check --reference model.onnx."
    )
    if function is None:
        raise LegacyExporterUnavailable(f"torch {torch.__version__} has no torch.onnx.export. {hint}")
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):
        parameters = {}
    if parameters and "dynamo" not in parameters and not any(p.kind is p.VAR_KEYWORD for p in parameters.values()):
        raise LegacyExporterUnavailable(
            f"torch.onnx.export of torch {torch.__version__} has no dynamo= switch: the TorchScript exporter is gone. {hint}"
        )
    if not hasattr(torch, "jit") or importlib.util.find_spec(_LEGACY_PACKAGE) is None:
        raise LegacyExporterUnavailable(
            f"torch {torch.__version__} no longer ships the TorchScript-based exporter. {hint}"
        )
    return LegacyExporter(function)


@contextlib.contextmanager
def rng_neutral() -> Iterator[None]:
    """Restore torch's, Python's and (if loaded) NumPy's random state on exit.

    An export may draw random numbers (tracing runs the model); a check runs
    each export twice, and must not shift the draws the script makes afterwards.
    """
    with rng_snapshot() as restore:
        try:
            yield
        finally:
            restore()


@contextlib.contextmanager
def rng_snapshot() -> Iterator[Callable[[], None]]:
    """Yield a function that puts the random state back to what it was on entry (callable many times)."""
    torch_state = torch.random.get_rng_state()
    python_state = random.getstate()
    numpy = sys.modules.get("numpy")
    numpy_state = numpy.random.get_state() if numpy is not None else None

    def restore() -> None:
        torch.random.set_rng_state(torch_state)
        random.setstate(python_state)
        if numpy is not None and numpy_state is not None:
            numpy.random.set_state(numpy_state)

    yield restore
