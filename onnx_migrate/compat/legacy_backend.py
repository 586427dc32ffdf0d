"""``backend="legacy"`` (the default): our translator runs the legacy symbolics at exactly the opset asked.

The middle step of the export outline (:mod:`onnx_migrate.compat.outline`):
decompose only the ops that have no symbolic at the target opset, translate the
FX graph with the symbolics, report custom symbolics that a built-in shadowed or
that nothing used, and finalize the model as the legacy exporter wrote it.
"""

from __future__ import annotations

import onnx_ir as ir

from onnx_migrate.compat import capture, decompose, finalize, name_drift, shadowing, torch_registrations, translate
from onnx_migrate.compat.export_report import ExportReport
from onnx_migrate.compat.fx_symbolics import register_fx_symbolics
from onnx_migrate.compat.options import ExportOptions
from onnx_migrate.compat.outline import ExportBackend
from onnx_migrate.legacy_symbolics.export_context import ExportContext
from onnx_migrate.legacy_symbolics.registry import SymbolicRegistry

__all__ = ["LegacyBackend"]


class LegacyBackend(ExportBackend):
    """Capture, selective decomposition, our translator, finalization."""

    def prepare(self, symbolics: SymbolicRegistry, report: ExportReport, *, default_registry: bool) -> None:
        """What ``torch.onnx.register_custom_op_symbolic`` registered is used too (default registry only); FX helpers."""
        if default_registry:
            report.adopted_symbolics = torch_registrations.adopt_torch_registrations(symbolics)
        register_fx_symbolics(symbolics)

    def translate(
        self,
        captured: capture.CapturedModel,
        symbolics: SymbolicRegistry,
        context: ExportContext,
        options: ExportOptions,
        report: ExportReport,
    ) -> ir.Model:
        captured.program, report.decomposed = decompose.decompose_unsupported(
            captured.program, symbolics, options.opset_version
        )
        report.status.decomposition = True
        translated = translate.translate(captured, symbolics, context, report)
        shadowing.report_shadowed_symbolics(symbolics, options.opset_version, report)
        name_drift.report_unused_custom_symbolics(symbolics, options.opset_version, report)
        onnx_model = finalize.build_model(translated, captured, options, report)
        report.status.translation = True  # a name mismatch found while building the model fails translation
        return onnx_model
