"""The export outline both backends follow, and the steps they share.

An export is always: start the report, capture the model with ``torch.export``
(inside the legacy flags and the ``autograd.Function`` routing), turn the
captured program into an ONNX model, check it, verify it when asked, hand the
warnings seen to the report and to the user, save. Only the middle step differs
between backends: the legacy backend decomposes, runs our translator and
finalizes; the dynamo backend hands the program to torch's new exporter with the
bridged symbolics. An :class:`ExportBackend` supplies that step (and the few
report details that differ); :func:`run_export` runs the outline around it, so
the shared steps are written once and neither backend imports the other.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

import onnx
import onnx_ir as ir
import torch

from onnx_migrate import _torch_compat
from onnx_migrate._torch_compat import pytree
from onnx_migrate.compat import autograd_functions, capture, finalize, save, symbolic_recording, verify
from onnx_migrate.compat.autograd_real_outputs import run_model_eagerly
from onnx_migrate.compat.export_report import ExportReport, recording_failure
from onnx_migrate.compat.options import ExportOptions
from onnx_migrate.errors import OnnxMigrateWarning
from onnx_migrate.legacy_symbolics.export_context import ExportContext, OperatorExportTypes, TrainingMode, active_export
from onnx_migrate.legacy_symbolics.registry import SymbolicRegistry

__all__ = [
    "ExportBackend",
    "ExportResult",
    "check_result",
    "new_report",
    "replay_warnings",
    "run_export",
    "verify_result",
]


#: Room left under protobuf's 2 GB limit for the graph itself when the weights fit in one file.
_HEADROOM = 64 << 20


@dataclasses.dataclass
class ExportResult:
    """What ``export()`` returns; code that ignores it keeps working like the legacy ``None``.

    Attributes:
        model: the exported ``onnx_ir.Model``.
        report: what the export did (:class:`ExportReport`).
    """

    model: ir.Model
    report: ExportReport
    _proto: onnx.ModelProto | None = None

    @property
    def model_proto(self) -> onnx.ModelProto:
        """The model as an ``onnx.ModelProto`` (models past 2 GB: use ``save()`` instead)."""
        if self._proto is None:
            self._proto = finalize.to_proto(self.model)
        return self._proto

    def save(self, f: str | Path | IO[bytes]) -> None:
        """Write the model (atomically): one file, its weights streamed from memory, as the legacy
        exporter wrote it; external data only past protobuf's 2 GB limit."""
        destination = save.check_destination(f)
        assert destination is not None
        external = finalize.initializer_bytes(self.model) >= finalize.PROTOBUF_LIMIT - _HEADROOM
        stubbed = None if external else finalize.stubbed_proto(self.model)
        save.save_model(self.model, stubbed, destination, external=external)

    def __repr__(self) -> str:
        graph = self.model.graph
        return (
            f"ExportResult(opset={self.report.opset}, inputs={[v.name for v in graph.inputs]}, "
            f"outputs={[v.name for v in graph.outputs]}, nodes={len(graph)})"
        )


class ExportBackend:
    """What one backend does differently; the defaults are what both do.

    Subclasses implement :meth:`translate` and override the other hooks where they differ.
    """

    def new_report(self, options: ExportOptions) -> ExportReport:
        """The report, with how each legacy keyword is honoured."""
        return new_report(options)

    def export_context(self, options: ExportOptions) -> ExportContext:
        """What ``GLOBALS`` / ``g.export_context`` tell symbolics during the export."""
        return options.export_context()

    def prepare(self, symbolics: SymbolicRegistry, report: ExportReport, *, default_registry: bool) -> None:
        """Complete the export's own copy of the registry before capture (``default_registry``: none was given)."""

    def translate(
        self,
        captured: capture.CapturedModel,
        symbolics: SymbolicRegistry,
        context: ExportContext,
        options: ExportOptions,
        report: ExportReport,
    ) -> ir.Model:
        """The captured program as a finished ONNX model (not yet checked)."""
        raise NotImplementedError

    def reports_warning(self, message: warnings.WarningMessage) -> bool:
        """Whether a warning seen during the export goes into the report and reaches the user."""
        return True


def run_export(
    backend: ExportBackend,
    model: torch.nn.Module | Any,
    args: Any,
    f: str | Path | IO[bytes] | None,
    options: ExportOptions,
    *,
    kwargs: Mapping[str, Any] | None = None,
    registry: SymbolicRegistry | None = None,
) -> ExportResult:
    """Export ``model`` with ``backend`` doing the translation; every other step is the same for all backends."""
    destination = save.check_destination(f)
    module = capture.as_module(model)
    call_args, call_kwargs = capture.normalize_args(args, kwargs)
    symbolics = (registry or SymbolicRegistry.default()).copy()
    report = backend.new_report(options)
    backend.prepare(symbolics, report, default_registry=registry is None)
    context = backend.export_context(options)
    recorder = symbolic_recording.active_recorder()
    if recorder is not None:
        recorder.export_started(_port_keywords(options), str(destination) if isinstance(destination, (str, Path)) else None)
    with (
        recording_failure(report, verify=options.verify, checker=options.operator_export_type == OperatorExportTypes.ONNX),
        warnings.catch_warnings(record=True) as seen,
        capture.training_mode(module, options.training),
    ):
        warnings.simplefilter("always")
        # autograd.Function calls with a symbolic become one op each during capture; their
        # symbolics join the registry snapshot, so translation starts after capture.
        with (
            active_export(context),
            _torch_compat.onnx_exporting_flag(),
            autograd_functions.routed(symbolics, report),
        ):
            captured = capture.capture(module, call_args, call_kwargs, options)
            report.status.capture = True
            onnx_model = backend.translate(captured, symbolics, context, options, report)
        result = check_result(onnx_model, options, report)
        if options.verify:
            verify_result(result, module, captured, report)
    kept = [w for w in seen if backend.reports_warning(w)]
    report.warnings.extend(str(w.message) for w in kept)
    replay_warnings(kept)
    if destination is not None:
        result.save(destination)
    if options.verbose:
        print(report.to_markdown())
    if recorder is not None and recorder.after_export is not None:
        recorder.after_export(module, call_args, call_kwargs, _port_keywords(options), result)
    return result


def _port_keywords(options: ExportOptions) -> dict[str, Any]:
    """The keywords of an export that torch's new exporter takes too (for ``onnx-migrate port``)."""
    keywords: dict[str, Any] = {"opset_version": options.opset_version}
    if options.input_names:
        keywords["input_names"] = list(options.input_names)
    if options.output_names:
        keywords["output_names"] = list(options.output_names)
    if options.dynamic_axes:
        keywords["dynamic_axes"] = {name: dict(axes) for name, axes in options.dynamic_axes.items()}
    if options.custom_opsets:
        keywords["custom_opsets"] = dict(options.custom_opsets)
    return keywords


def new_report(options: ExportOptions) -> ExportReport:
    """The report of an export, with how each legacy keyword given is honoured."""
    report = ExportReport(opset=options.opset_version, backend=options.backend)
    if options.dynamic_axes:
        report.record_keyword("dynamic_axes", "converted to torch.export dynamic shapes; dims named in the model")
    if options.operator_export_type != OperatorExportTypes.ONNX:
        report.record_keyword("operator_export_type", f"{options.operator_export_type.name}: unsupported ops kept as ATen nodes")
    if options.training != TrainingMode.EVAL:
        report.record_keyword("training", f"{options.training.name}: model captured in that mode and restored after")
    if options.custom_opsets:
        report.record_keyword("custom_opsets", f"opset_import versions {options.custom_opsets}")
    if not options.do_constant_folding:
        report.record_keyword("do_constant_folding", "False: no folding")
    if options.export_modules_as_functions:
        report.record_keyword("export_modules_as_functions", "not supported yet: modules are inlined")
        warnings.warn(
            "export_modules_as_functions is not supported by onnx_migrate yet: the modules are inlined "
            "into the main graph (the numbers are the same).",
            OnnxMigrateWarning,
            stacklevel=3,
        )
    return report


def check_result(onnx_model: ir.Model, options: ExportOptions, report: ExportReport) -> ExportResult:
    """The result, after the ONNX checker passed (models past 1 GB of weights are not checked)."""
    result = ExportResult(onnx_model, report)
    if finalize.initializer_bytes(onnx_model) < finalize.PROTOBUF_LIMIT // 2:
        finalize.check_model(result.model_proto, options)
        report.status.checker = options.operator_export_type == OperatorExportTypes.ONNX or None
    return result


def verify_result(result: ExportResult, module: torch.nn.Module, captured: capture.CapturedModel, report: ExportReport) -> None:
    """``verify=True``: run the model in ONNX Runtime and compare with PyTorch (raises on mismatch)."""
    eager = run_model_eagerly(module, captured.args, captured.kwargs)
    graph = result.model.graph
    user_inputs = [spec.name for spec in captured.inputs]
    comparisons = verify.compare_with_eager(
        result.model_proto,
        user_inputs,
        [spec.example for spec in captured.inputs],
        [leaf for leaf in pytree.tree_leaves(eager) if isinstance(leaf, torch.Tensor)],
        [v.name or "" for v in graph.outputs],
    )
    report.status.onnx_runtime = True
    report.status.accuracy = True
    report.verification = {c.name: f"max abs {c.max_abs:.3g}, max rel {c.max_rel:.3g}" for c in comparisons}


def replay_warnings(seen: list[warnings.WarningMessage]) -> None:
    """Warnings recorded during the export reach the user once, after the report took them."""
    for message in seen:
        if issubclass(message.category, (DeprecationWarning, FutureWarning)) and "torch" in (message.filename or ""):
            continue
        warnings.warn_explicit(message.message, message.category, message.filename, message.lineno)
