"""``check``: does onnx_migrate give the same ONNX models the legacy exporter gave?

Each export is made by torch's legacy TorchScript exporter (the reference, or a
saved model when that exporter is gone) and by onnx_migrate, and the two models
are compared: opset imports, input/output signature with dynamic dim names, the
op histogram per domain after constant folding, custom-domain nodes with their
attributes, initializers, and the numbers ONNX Runtime computes on the example
inputs (and on inputs of another size along dynamic dims). Each model gets a
verdict — identical, equivalent or different — with the reasons.

* :func:`check` — one model from Python;
* :func:`check_script` — every export a script makes (``onnx-migrate check script.py``).

Modules: ``compare`` and ``numeric`` measure, ``verdict`` judges, ``formats``
shows, ``exports``/``script``/``api`` capture the two sides; the CLI is :mod:`onnx_migrate.cli.check`.
Names are imported on first use (PEP 562), so that ``onnx-migrate --help`` can
load the ``check`` subcommand without importing torch.
"""

from __future__ import annotations

from onnx_migrate._lazy import lazy_attributes
from typing import TYPE_CHECKING, Any

#: public name -> module that defines it
_PUBLIC: dict[str, str] = {
    "check": "onnx_migrate.side_by_side.api",
    "check_script": "onnx_migrate.side_by_side.script",
    "CheckResult": "onnx_migrate.side_by_side.result",
    "ModelCheck": "onnx_migrate.side_by_side.result",
    "ModelComparison": "onnx_migrate.side_by_side.result",
    "Verdict": "onnx_migrate.side_by_side.result",
    "LegacyExporterUnavailable": "onnx_migrate.side_by_side.legacy_reference",
    "ReferenceModelError": "onnx_migrate.side_by_side.reference_file",
}

__all__ = [
    "CheckResult",
    "LegacyExporterUnavailable",
    "ModelCheck",
    "ModelComparison",
    "ReferenceModelError",
    "Verdict",
    "check",
    "check_script",
]


__getattr__, __dir__ = lazy_attributes(__name__, globals(), _PUBLIC)


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from onnx_migrate.side_by_side.api import check
    from onnx_migrate.side_by_side.legacy_reference import LegacyExporterUnavailable
    from onnx_migrate.side_by_side.reference_file import ReferenceModelError
    from onnx_migrate.side_by_side.result import CheckResult, ModelCheck, ModelComparison, Verdict
    from onnx_migrate.side_by_side.script import check_script
