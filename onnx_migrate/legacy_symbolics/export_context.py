"""Export-wide settings that symbolics may read, held in a context object.

The legacy exporter kept them in a mutable module global (``GLOBALS``) that
symbolics read directly. Here they live in a frozen :class:`ExportContext`
bound to a ``contextvars.ContextVar`` for the duration of one export, so
concurrent exports (threads, asyncio tasks) each see their own settings.
``GLOBALS`` stays available as a read-only proxy for code that reads it.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import enum
from collections.abc import Iterator, Mapping
from typing import Any

from onnx_migrate.errors import ExportOptionError

__all__ = [
    "DEFAULT_OPSET",
    "GLOBALS",
    "ExportContext",
    "OperatorExportTypes",
    "TrainingMode",
    "active_export",
    "current_export",
]

#: The opset used when the caller does not ask for one (as torch's legacy exporter).
DEFAULT_OPSET = 20


class _LegacyEnum(enum.IntEnum):
    """An IntEnum that also accepts torch's pybind enum members and names."""

    @classmethod
    def coerce(cls, value: Any, *, keyword: str) -> Any:
        if isinstance(value, cls):
            return value
        name = getattr(value, "name", None)
        if isinstance(value, str):
            name = value
        if isinstance(name, str) and name.upper() in cls.__members__:
            return cls[name.upper()]
        if isinstance(value, int) and not isinstance(value, bool):
            try:
                return cls(value)
            except ValueError:
                pass
        choices = ", ".join(f"{cls.__name__}.{m}" for m in cls.__members__)
        raise ExportOptionError(f"{keyword}={value!r} is not valid; use one of {choices}.")


class TrainingMode(_LegacyEnum):
    """``training=`` of the legacy export: which mode the model is exported in."""

    EVAL = 0
    PRESERVE = 1
    TRAINING = 2


class OperatorExportTypes(_LegacyEnum):
    """``operator_export_type=``: what to do with ops that have no ONNX symbolic."""

    ONNX = 0
    ONNX_ATEN = 1
    ONNX_ATEN_FALLBACK = 2
    ONNX_FALLTHROUGH = 3


@dataclasses.dataclass(frozen=True)
class ExportContext:
    """What one export asked for; read by symbolics through ``g`` or ``GLOBALS``."""

    opset: int = DEFAULT_OPSET
    training: TrainingMode = TrainingMode.EVAL
    operator_export_type: OperatorExportTypes = OperatorExportTypes.ONNX
    onnx_shape_inference: bool = True
    do_constant_folding: bool = True
    custom_opsets: Mapping[str, int] = dataclasses.field(default_factory=dict)
    export_modules_as_functions: bool = False
    autograd_inlining: bool = True

    @property
    def training_mode(self) -> TrainingMode:
        return self.training


_CURRENT: contextvars.ContextVar[ExportContext | None] = contextvars.ContextVar(
    "onnx_migrate_export_context", default=None
)


def current_export() -> ExportContext | None:
    """The context of the export running in this thread/task, if any."""
    return _CURRENT.get()


@contextlib.contextmanager
def active_export(context: ExportContext) -> Iterator[ExportContext]:
    """Bind ``context`` for the duration of an export."""
    token = _CURRENT.set(context)
    try:
        yield context
    finally:
        _CURRENT.reset(token)


class _GlobalsProxy:
    """Read-only view with the legacy ``GLOBALS`` attribute names."""

    def _context(self) -> ExportContext:
        return _CURRENT.get() or ExportContext()

    @property
    def export_onnx_opset_version(self) -> int:
        return self._context().opset

    @property
    def operator_export_type(self) -> OperatorExportTypes:
        return self._context().operator_export_type

    @property
    def training_mode(self) -> TrainingMode:
        return self._context().training

    @property
    def onnx_shape_inference(self) -> bool:
        return self._context().onnx_shape_inference

    @property
    def autograd_inlining(self) -> bool:
        return self._context().autograd_inlining

    @property
    def export_training(self) -> bool:
        return self._context().training == TrainingMode.TRAINING

    @property
    def in_onnx_export(self) -> bool:
        return _CURRENT.get() is not None

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(
            f"GLOBALS.{name} is read-only in onnx_migrate: pass the setting to onnx_migrate.export() instead."
        )

    def __repr__(self) -> str:
        return f"GLOBALS({self._context()!r})"


GLOBALS = _GlobalsProxy()
