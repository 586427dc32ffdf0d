"""The exceptions and warnings onnx_migrate raises.

Every error is rooted in ``torch.onnx.errors.OnnxExporterError`` so that
``except`` clauses written for the legacy exporter keep catching them. Where
torch still ships the legacy-only classes (``UnsupportedOperatorError``,
``SymbolicValueError``) ours also derive from them, for the same reason.

Hierarchy::

    OnnxExporterError (torch)
     └── OnnxMigrateError
          ├── SymbolicRegistrationError        bad name / opset / function at registration
          │    └── DuplicateSymbolicError      the same built-in registered twice
          ├── UnsupportedSymbolicError         no symbolic for an op at the target opset
          │                                    (also a torch UnsupportedOperatorError)
          ├── SymbolicArgError                 parse_args / constant parsing failed
          ├── SymbolicValueError               misuse of a value (also torch's class)
          ├── GraphBuildError                  g.op called with bad op name / attributes / inputs
          ├── TranslationError                 a symbolic raised or returned a wrong result
          │    └── TorchBoundSymbolicError     a symbolic registered with torch's API needs torch's legacy code
          ├── CaptureError                     torch.export could not capture the model
          ├── ExportOptionError                a keyword of export() has a wrong type or value
          ├── ExportIOError                    the output file could not be written
          ├── VerificationError                verify=True: ONNX Runtime and PyTorch disagree
          ├── ReferenceModelError              check: the reference file is not a readable ONNX model
          └── LegacyExporterUnavailable        check: torch has no TorchScript exporter to compare with

Messages follow one pattern: *which op and opset, why, and what to do*.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from torch.onnx import errors as _torch_errors

__all__ = [
    "CaptureError",
    "DuplicateSymbolicError",
    "ExportIOError",
    "ExportOptionError",
    "GraphBuildError",
    "LegacyExporterUnavailable",
    "OnnxMigrateError",
    "OnnxMigrateWarning",
    "PortError",
    "ReferenceModelError",
    "SymbolicArgError",
    "SymbolicRegistrationError",
    "SymbolicValueError",
    "TorchBoundSymbolicError",
    "TranslationError",
    "UndeclaredAttributeWarning",
    "UnusedSymbolicWarning",
    "UnsupportedSymbolicError",
    "VerificationError",
]

# torch may drop its legacy-only error classes together with TorchScript; derive
# from them only while they exist so legacy ``except`` clauses keep working.
_TorchUnsupportedOperatorError: type[Exception] = getattr(
    _torch_errors, "UnsupportedOperatorError", _torch_errors.OnnxExporterError
)
_TorchSymbolicValueError: type[Exception] = getattr(
    _torch_errors, "SymbolicValueError", _torch_errors.OnnxExporterError
)


class OnnxMigrateWarning(UserWarning):
    """Warnings about legacy behaviour that still works but deserves attention."""


class UndeclaredAttributeWarning(OnnxMigrateWarning):
    """A symbolic gave an ONNX op an attribute its schema does not declare; kept, as the legacy exporter kept it."""


class UnusedSymbolicWarning(OnnxMigrateWarning):
    """A custom symbolic no node of the model used, while the model has an op it was probably meant for."""


class OnnxMigrateError(_torch_errors.OnnxExporterError):
    """Base class of every error raised by onnx_migrate.

    Attributes:
        report: raised by an export, the :class:`~onnx_migrate.ExportReport` of that export, with
            the stage that failed (``report.status.failed_stage``); ``None`` otherwise. Other
            exceptions an export lets through carry it too, when they accept the attribute.
    """

    report: Any = None


class SymbolicRegistrationError(OnnxMigrateError, ValueError):
    """A symbolic function could not be registered (bad name, opset or function).

    Also a ``ValueError``, which the legacy ``register_custom_op_symbolic`` raised
    for the ``onnx`` domain.
    """


class DuplicateSymbolicError(SymbolicRegistrationError):
    """The same built-in symbolic was registered twice for one op and opset.

    Built-ins must be unique; user overrides go through ``custom=True`` or
    ``register_custom_op_symbolic`` instead.
    """


def _format_opsets(opsets: Iterable[int]) -> str:
    return ", ".join(str(o) for o in sorted(set(opsets))) or "none"


class UnsupportedSymbolicError(OnnxMigrateError, _TorchUnsupportedOperatorError):  # type: ignore[misc]
    """No symbolic function exists for an operator at the requested opset.

    Attributes:
        op: the qualified operator name, e.g. ``aten::foo.overload``.
        opset: the target opset.
        supported_opsets: opsets at which a symbolic is registered.
        hint: extra advice, e.g. the model source line.
    """

    def __init__(
        self,
        op: str,
        opset: int,
        supported_opsets: Iterable[int] = (),
        hint: str | None = None,
    ) -> None:
        self.op = op
        self.opset = opset
        self.supported_opsets = tuple(sorted(set(supported_opsets)))
        self.hint = hint
        higher = [o for o in self.supported_opsets if o > opset]
        if higher:
            advice = (
                f"Support for it was added in opset {higher[0]}; export with "
                f"opset_version={higher[0]} or higher, or register a custom symbolic "
                f"with onnx_migrate.register_custom_op_symbolic({op.split('.')[0]!r}, fn, {opset})."
            )
        else:
            advice = (
                "Register a symbolic for it with onnx_migrate.register_custom_op_symbolic"
                f"({op.split('.')[0]!r}, fn, {opset}), or export with "
                "operator_export_type=OperatorExportTypes.ONNX_ATEN_FALLBACK to keep it as an ATen node."
            )
        message = f"Exporting the operator '{op}' to ONNX opset version {opset} is not supported. {advice}"
        if hint:
            message += f"\n{hint}"
        # Bypass torch's own __init__ (its signature is legacy-only).
        Exception.__init__(self, message)


class SymbolicArgError(OnnxMigrateError):
    """An argument of a symbolic function could not be parsed as declared.

    Raised by ``parse_args`` and the ``_get_const`` family when, say, a value
    declared ``"i"`` is not a constant integer.
    """


class SymbolicValueError(OnnxMigrateError, _TorchSymbolicValueError):  # type: ignore[misc]
    """A value was used in a way its type does not allow.

    Args:
        msg: what went wrong and what to do.
        value: the offending value (our ``Value`` facade), described in the message.
    """

    def __init__(self, msg: str, value: Any = None) -> None:
        self.value = value
        if value is not None:
            try:
                kind = value.node().kind()
                msg = f"{msg}  [Caused by the value '{value.debugName()}' (type '{value.type()}'), produced by a node of kind '{kind}'.]"
            except Exception:  # noqa: BLE001 - describing the value is best effort
                msg = f"{msg}  [Caused by the value {value!r}.]"
        Exception.__init__(self, msg)


class GraphBuildError(OnnxMigrateError):
    """``g.op`` (or another GraphContext method) was called with bad arguments."""


class TranslationError(OnnxMigrateError):
    """Translating one node of the captured graph failed.

    The message names the symbolic function and the graph node; the original
    exception is chained as ``__cause__``.
    """


class TorchBoundSymbolicError(TranslationError):
    """A custom symbolic registered through torch's own API cannot run without torch's legacy exporter.

    It is wrapped by, or calls, torch's legacy helpers that need TorchScript values.
    The message says the fix: ``onnx_migrate.install()`` before the registration, or ``onnx-migrate run``.
    """


class CaptureError(OnnxMigrateError):
    """``torch.export`` could not capture the model."""


class ExportOptionError(OnnxMigrateError, ValueError):
    """A keyword argument of ``export()`` has a wrong type or value."""


class ExportIOError(OnnxMigrateError, OSError):
    """The exported model could not be written to its destination."""


class VerificationError(OnnxMigrateError):
    """``verify=True`` found ONNX Runtime's outputs differ from eager PyTorch beyond tolerance."""


class ReferenceModelError(OnnxMigrateError):
    """The reference given to ``check`` cannot be read as an ONNX model."""


class PortError(OnnxMigrateError):
    """``onnx-migrate port`` cannot write a module: nothing to port, the script failed, or the output is unwritable."""


class LegacyExporterUnavailable(OnnxMigrateError):
    """torch has no TorchScript-based exporter to produce a reference model; use ``--reference``."""
