"""``onnx_migrate.export(..., backend="dynamo")``: the legacy signature on torch's new exporter.

:class:`DynamoBackend` is the translation step of the export outline
(:mod:`onnx_migrate.compat.outline`), which captures the model exactly as for
the legacy backend (legacy ``args`` forms, ``training``, ``dynamic_axes``,
``strict``, the capture cache) and checks, verifies and saves the result. The
captured program is handed to the public
``torch.onnx.export(program, dynamo=True, custom_translation_table=...)`` with a
table of every registered legacy symbolic (:func:`~onnx_migrate.bridge.translation_table`),
so torchlib lowers every other op; ``autograd.Function`` classes with a
``symbolic`` staticmethod are kept as one node each, as on the legacy backend.
The legacy keywords torch drops are applied
to the result: ``dynamic_axes`` dim names, ``custom_opsets``,
``export_params`` / ``keep_initializers_as_inputs``.

torch's new exporter builds opset-18 graphs and lowers them to an older opset
only when the ONNX version converter manages to; when the model comes back at a
higher opset than asked, an :class:`~onnx_migrate.errors.OnnxMigrateWarning`
says so and points to ``backend="legacy"``.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

import onnx_ir as ir
import torch

from onnx_migrate.bridge._onnxscript_compat import TORCHLIB_OPSET
from onnx_migrate.bridge.bridged_symbolic import BRIDGE_ERROR_MARK
from onnx_migrate.bridge.translation_table import translation_table
from onnx_migrate.compat import capture as _capture
from onnx_migrate.compat import finalize as _finalize
from onnx_migrate.compat.export_report import ExportReport
from onnx_migrate.compat.logs import quiet_loggers
from onnx_migrate.compat.options import ExportOptions
from onnx_migrate.compat.outline import ExportBackend, ExportResult, new_report, run_export
from onnx_migrate.errors import OnnxMigrateWarning
from onnx_migrate.legacy_symbolics.export_context import ExportContext, OperatorExportTypes
from onnx_migrate.legacy_symbolics.registry import SymbolicRegistry

__all__ = ["DynamoBackend", "export_with_dynamo"]

#: Loggers whose messages about the opset this module replaces with one clear warning.
_OPSET_LOGGERS = ("torch.onnx._internal.exporter._compat", "onnxscript.version_converter")


class DynamoBackend(ExportBackend):
    """torch's new exporter translates; the registered legacy symbolics join it as a translation table."""

    def new_report(self, options: ExportOptions) -> ExportReport:
        """The legacy backend's report, with what the dynamo backend does differently."""
        return _dynamo_report(options)

    def export_context(self, options: ExportOptions) -> ExportContext:
        """Symbolics run at the opset torch builds at (at least torchlib's)."""
        return dataclasses.replace(options.export_context(), opset=max(options.opset_version, TORCHLIB_OPSET))

    def translate(
        self,
        captured: _capture.CapturedModel,
        symbolics: SymbolicRegistry,
        context: ExportContext,
        options: ExportOptions,
        report: ExportReport,
    ) -> ir.Model:
        table = translation_table(
            symbolics, context.opset, custom_opsets=options.custom_opsets, export_context=context, report=report
        )
        program = _run_torch_exporter(captured, table, options)
        onnx_model: ir.Model = program.model
        _apply_legacy_keywords(onnx_model, captured, options)
        _check_opset(onnx_model, options, report)
        report.status.translation = True
        return onnx_model

    def reports_warning(self, message: warnings.WarningMessage) -> bool:
        return not _is_torch_deprecation(message)


def export_with_dynamo(
    model: torch.nn.Module | Any,
    args: Any,
    f: str | Path | IO[bytes] | None,
    options: ExportOptions,
    *,
    kwargs: Mapping[str, Any] | None = None,
    registry: SymbolicRegistry | None = None,
) -> ExportResult:
    """Export with torch's new exporter, registered legacy symbolics included.

    Args:
        model: the eager ``nn.Module`` (or a function).
        args: the legacy ``args`` forms (a tensor, a tuple, a tuple ending in a dict of keyword arguments).
        f: where to save the model (``None``: not saved).
        options: the validated legacy keywords.
        kwargs: keyword arguments of the model.
        registry: the symbolics to bridge (default: the process registry).

    Returns:
        The :class:`ExportResult` (model and report), as the legacy backend returns it.
    """
    return run_export(DynamoBackend(), model, args, f, options, kwargs=kwargs, registry=registry)


def _is_torch_deprecation(message: warnings.WarningMessage) -> bool:
    """torch's exporter warns about its own internals (e.g. pytree deprecations raised from ``copyreg``)."""
    filename = message.filename or ""
    return issubclass(message.category, (DeprecationWarning, FutureWarning)) and (
        "torch" in filename or filename.endswith("copyreg.py")
    )


def _dynamo_report(options: ExportOptions) -> ExportReport:
    """The legacy backend's report, with what the dynamo backend does differently."""
    report = new_report(options)
    if options.operator_export_type != OperatorExportTypes.ONNX:
        report.record_keyword(
            "operator_export_type", f"{options.operator_export_type.name}: ignored by backend='dynamo'"
        )
        warnings.warn(
            f"operator_export_type={options.operator_export_type.name} has no equivalent in torch's new exporter "
            "(backend='dynamo'): ops it cannot lower fail instead of becoming ATen nodes. Use backend='legacy' to "
            "keep them as ATen nodes.",
            OnnxMigrateWarning,
            stacklevel=4,
        )
    if not options.do_constant_folding:
        report.record_keyword("do_constant_folding", "False: torch's graph optimizer not run (optimize=False)")
    if options.export_modules_as_functions:
        report.record_keyword("export_modules_as_functions", "not supported by backend='dynamo': modules are inlined")
    return report


def _run_torch_exporter(captured: _capture.CapturedModel, table: dict[Any, Any], options: ExportOptions) -> Any:
    """``torch.onnx.export(dynamo=True)`` on the captured program; a bridged symbolic's error comes out as itself."""
    # As on the legacy backend: no folding that could bake parameters into new constants.
    optimize = options.do_constant_folding and options.export_params and not options.keep_initializers_as_inputs
    try:
        with quiet_loggers(*_OPSET_LOGGERS):
            return torch.onnx.export(
                captured.program,
                (),
                dynamo=True,
                custom_translation_table=table,
                opset_version=options.opset_version,
                input_names=[spec.name for spec in captured.inputs] or None,
                output_names=list(options.output_names) or None,
                optimize=optimize,
                verbose=False,
            )
    except Exception as exc:
        bridged = _bridged_error(exc)
        if bridged is None:
            raise
        # Drop torch's and onnxscript's wrappers: the message names the symbolic and the FX node.
        raise bridged.with_traceback(None) from bridged.__cause__


def _bridged_error(exc: BaseException) -> BaseException | None:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if getattr(current, BRIDGE_ERROR_MARK, False):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def _apply_legacy_keywords(model: ir.Model, captured: _capture.CapturedModel, options: ExportOptions) -> None:
    """What torch's exporter drops: output name count, dim names, custom opsets, parameters as inputs."""
    graph = model.graph
    _finalize.check_output_names(options, len(graph.outputs))
    _finalize.apply_dim_names(graph, list(graph.inputs), captured, options)
    for domain, version in options.custom_opsets.items():
        model.opset_imports[domain] = version
    parameters = list(graph.initializers.values())
    if not options.export_params:
        for value in parameters:
            graph.initializers.pop(value.name or "")
            value.const_value = None
            graph.inputs.append(value)
    elif options.keep_initializers_as_inputs:
        graph.inputs.extend(parameters)


def _check_opset(model: ir.Model, options: ExportOptions, report: ExportReport) -> None:
    """Warn when torch's exporter could not give the opset asked for."""
    produced = model.opset_imports.get("", options.opset_version)
    report.opset = produced
    if produced == options.opset_version:
        if options.opset_version < TORCHLIB_OPSET:
            report.record_keyword(
                "opset_version",
                f"{options.opset_version}: built at opset {TORCHLIB_OPSET} (symbolics ran there), lowered by the ONNX version converter",
            )
        return
    report.record_keyword("opset_version", f"{options.opset_version} asked, opset {produced} produced")
    warnings.warn(
        f"opset_version={options.opset_version} was asked for, but torch's new exporter (backend='dynamo') produced "
        f"an opset-{produced} model: it builds opset-{TORCHLIB_OPSET} graphs and the ONNX version converter could "
        f"not lower this one. Bridged symbolics ran at opset {max(options.opset_version, TORCHLIB_OPSET)}. "
        f"Export with backend='legacy' to get an opset-{options.opset_version} model.",
        OnnxMigrateWarning,
        stacklevel=4,
    )
