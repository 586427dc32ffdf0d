"""``onnx_migrate.export``: the legacy ``torch.onnx.export`` signature, on ``torch.export``.

The body is a short list of named steps: validate options, capture, decompose
what has no symbolic, translate with the legacy symbolics, finalize, verify,
save. Each step lives in its own module of this package.
"""

from __future__ import annotations

import dataclasses
import functools
import threading
import warnings
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import onnx
import onnx_ir as ir
import torch
from onnx_migrate._torch_compat import pytree

from onnx_migrate import _torch_compat
from onnx_migrate.compat import autograd_functions as _autograd_functions
from onnx_migrate.compat.autograd_real_outputs import run_model_eagerly
from onnx_migrate.compat import capture as _capture
from onnx_migrate.compat import decompose as _decompose
from onnx_migrate.compat import finalize as _finalize
from onnx_migrate.compat import name_drift as _name_drift
from onnx_migrate.compat import save as _save
from onnx_migrate.compat import shadowing as _shadowing
from onnx_migrate.compat import torch_registrations as _torch_registrations
from onnx_migrate.compat import translate as _translate
from onnx_migrate.compat import verify as _verify
from onnx_migrate.compat.export_report import ExportReport, recording_failure
from onnx_migrate.compat.fx_symbolics import register_fx_symbolics
from onnx_migrate.compat.options import ExportOptions
from onnx_migrate.errors import ExportOptionError, OnnxMigrateWarning
from onnx_migrate.legacy_symbolics.export_context import OperatorExportTypes, TrainingMode, active_export
from onnx_migrate.legacy_symbolics.registry import SymbolicRegistry

__all__ = ["ExportResult", "export"]


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
            self._proto = _finalize.to_proto(self.model)
        return self._proto

    def save(self, f: str | Path | IO[bytes]) -> None:
        """Write the model (atomically): one file, its weights streamed from memory, as the legacy
        exporter wrote it; external data only past protobuf's 2 GB limit."""
        destination = _save.check_destination(f)
        assert destination is not None
        external = _finalize.initializer_bytes(self.model) >= _finalize.PROTOBUF_LIMIT - _HEADROOM
        stubbed = None if external else _finalize.stubbed_proto(self.model)
        _save.save_model(self.model, stubbed, destination, external=external)

    def __repr__(self) -> str:
        graph = self.model.graph
        return (
            f"ExportResult(opset={self.report.opset}, inputs={[v.name for v in graph.inputs]}, "
            f"outputs={[v.name for v in graph.outputs]}, nodes={len(graph)})"
        )


#: Room left under protobuf's 2 GB limit for the graph itself when the weights fit in one file.
_HEADROOM = 64 << 20


#: Held for the whole of every export. torch.export is not thread-safe (it pushes process-wide
#: dispatch modes), and an export also sets process-wide state: the is_in_onnx_export flag, the
#: autograd.Function apply hook, warning filters. Concurrent exports therefore run one at a time.
#: Re-entrant, so that a model exporting from inside its own export fails loudly instead of hanging.
_EXPORT_LOCK = threading.RLock()


def _one_at_a_time(fn: Callable[..., ExportResult]) -> Callable[..., ExportResult]:
    @functools.wraps(fn)
    def serialized(*args: Any, **kwargs: Any) -> ExportResult:
        with _EXPORT_LOCK:
            return fn(*args, **kwargs)

    return serialized


@_one_at_a_time
def export(
    model: torch.nn.Module | Any,
    args: tuple[Any, ...] | torch.Tensor | Any = (),
    f: str | Path | IO[bytes] | None = None,
    *,
    kwargs: Mapping[str, Any] | None = None,
    export_params: bool = True,
    verbose: bool = False,
    training: TrainingMode | Any = TrainingMode.EVAL,
    input_names: Sequence[str] | None = None,
    output_names: Sequence[str] | None = None,
    operator_export_type: OperatorExportTypes | Any = OperatorExportTypes.ONNX,
    opset_version: int | None = None,
    do_constant_folding: bool = True,
    dynamic_axes: Mapping[str, Mapping[int, str]] | Mapping[str, Sequence[int]] | None = None,
    keep_initializers_as_inputs: bool | None = None,
    custom_opsets: Mapping[str, int] | None = None,
    export_modules_as_functions: bool | Collection[type[torch.nn.Module]] = False,
    autograd_inlining: bool = True,
    dynamic_shapes: Any = None,
    backend: str = "legacy",
    verify: bool = False,
    strict: bool = False,
    registry: SymbolicRegistry | None = None,
) -> ExportResult:
    """Export ``model`` to ONNX with the legacy ``torch.onnx.export`` keywords, without TorchScript.

    The model is captured with ``torch.export`` and translated by the legacy
    symbolic functions (built-in and registered with ``register_custom_op_symbolic``)
    at exactly ``opset_version``.

    Args:
        model: the eager ``nn.Module`` (or a function).
        args: a tensor, a tuple of arguments, or a tuple ending in a dict of keyword arguments.
        f: where to write the model (path, ``os.PathLike`` or binary file); ``None`` (default)
            writes nothing. Saves are atomic; past 2 GB the weights go to external data.
        opset_version: the opset to export, 7 to 23; default ``None`` = 20 (the legacy exporter's
            default in its last torch versions). The model is built at exactly this opset.
        input_names, output_names: graph input/output names (default: the names of the forward
            arguments and of the captured program's outputs).
        dynamic_axes: ``{name: {axis: "dim_name"}}`` or ``{name: [axes]}``; default none (static shapes).
        do_constant_folding: fold constant subgraphs (default ``True``).
        training: ``TrainingMode.EVAL`` (default), ``PRESERVE`` or ``TRAINING``.
        operator_export_type: ``OperatorExportTypes.ONNX`` (default) or ``ONNX_ATEN_FALLBACK``
            (ops without a symbolic become ``ATen`` nodes).
        custom_opsets: ``{domain: version}`` for custom domains (default: version 1).
        export_modules_as_functions: not supported; modules are inlined with a warning.
        dynamic_shapes: torch.export dynamic shapes, an alternative to ``dynamic_axes``.
        backend: ``"legacy"`` (default: symbolics, any opset 7-23) or ``"dynamo"`` (torch's new exporter
            with the registered symbolics bridged into it).
        verify: run the model in ONNX Runtime and compare with PyTorch; raise on mismatch
            (default ``False``).
        strict: capture with ``torch.export(strict=True)`` (default ``False``: non-strict).
        registry: the symbolics to use (default: the process registry with every registration).
        Other arguments: as in the legacy ``torch.onnx.export``, with its defaults.

    Returns:
        An :class:`ExportResult` with the model and the export report.

    Raises:
        ExportOptionError: an invalid keyword value (opset out of 7-23, malformed ``dynamic_axes``,
            names that do not match the graph ...), before anything is captured. Also a ``ValueError``.
        CaptureError: ``torch.export`` could not capture the model (the message says how to fix it).
        UnsupportedSymbolicError: an op has no symbolic at ``opset_version``; names the op, the
            opsets it is supported at and the model source line.
        SymbolicValueError, SymbolicArgError, TranslationError: a symbolic function failed or got
            arguments it cannot handle.
        ExportIOError: ``f`` cannot be written (also an ``OSError``).
        VerificationError: with ``verify=True``, ONNX Runtime's outputs differ from PyTorch's.
        TypeError: a keyword that neither the legacy exporter nor onnx_migrate knows.

        All but ``TypeError`` are :class:`onnx_migrate.errors.OnnxMigrateError`, a subclass of
        ``torch.onnx.errors.OnnxExporterError`` as the legacy exporter raised.

    Thread safety:
        Exports from several threads are safe and run one at a time: a process-wide lock is held
        for the whole call, because ``torch.export`` and the legacy flags an export sets
        (``torch.onnx.is_in_onnx_export()``, the ``autograd.Function`` hook) are process-global.
        Do not run ``torch.export`` yourself in another thread during an export.

    Example:
        >>> import torch, onnx_migrate
        >>> result = onnx_migrate.export(torch.nn.ReLU(), (torch.randn(2, 3),), opset_version=13)
        >>> result.model.opset_imports[""]
        13
    """
    options = ExportOptions.from_legacy(
        export_params=export_params, verbose=verbose, training=training, input_names=input_names,
        output_names=output_names, operator_export_type=operator_export_type, opset_version=opset_version,
        do_constant_folding=do_constant_folding, dynamic_axes=dynamic_axes,
        keep_initializers_as_inputs=keep_initializers_as_inputs, custom_opsets=custom_opsets,
        export_modules_as_functions=export_modules_as_functions, autograd_inlining=autograd_inlining,
        dynamic_shapes=dynamic_shapes, backend=backend, verify=verify, strict=strict,
    )  # fmt: skip
    _check_registry(registry)
    if options.backend == "dynamo":
        from onnx_migrate.bridge.dynamo_backend import export_with_dynamo

        return export_with_dynamo(model, args, f, options, kwargs=kwargs, registry=registry)
    destination = _save.check_destination(f)
    module = _capture.as_module(model)
    call_args, call_kwargs = _capture.normalize_args(args, kwargs)
    symbolics = (registry or SymbolicRegistry.default()).copy()
    report = _new_report(options)
    if registry is None:  # what torch.onnx.register_custom_op_symbolic registered is used too, never dropped
        report.adopted_symbolics = _torch_registrations.adopt_torch_registrations(symbolics)
    register_fx_symbolics(symbolics)
    with (
        recording_failure(
            report, verify=options.verify, checker=options.operator_export_type == OperatorExportTypes.ONNX
        ),
        warnings.catch_warnings(record=True) as seen,
        _capture.training_mode(module, options.training),
    ):
        warnings.simplefilter("always")
        with (
            active_export(options.export_context()),
            _torch_compat.onnx_exporting_flag(),
            _autograd_functions.routed(symbolics, report),
        ):
            captured = _capture.capture(module, call_args, call_kwargs, options)
            report.status.capture = True
            captured.program, report.decomposed = _decompose.decompose_unsupported(
                captured.program, symbolics, options.opset_version
            )
            report.status.decomposition = True
            translated = _translate.translate(captured, symbolics, options.export_context(), report)
            _shadowing.report_shadowed_symbolics(symbolics, options.opset_version, report)
            _name_drift.report_unused_custom_symbolics(symbolics, options.opset_version, report)
            onnx_model = _finalize.build_model(translated, captured, options, report)
            report.status.translation = True
        result = _check(onnx_model, options, report)
        if options.verify:
            _verify_result(result, module, captured, report)
    report.warnings.extend(str(w.message) for w in seen)
    _replay_warnings(seen)
    if destination is not None:
        result.save(destination)
    if options.verbose:
        print(report.to_markdown())
    return result


def _check_registry(registry: Any) -> None:
    if registry is not None and not isinstance(registry, SymbolicRegistry):
        raise ExportOptionError(
            "registry must be an onnx_migrate.SymbolicRegistry (e.g. SymbolicRegistry.default().copy() with your "
            f"registrations), or None for the default one; got {type(registry).__name__}."
        )


def _new_report(options: ExportOptions) -> ExportReport:
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


def _check(onnx_model: ir.Model, options: ExportOptions, report: ExportReport) -> ExportResult:
    result = ExportResult(onnx_model, report)
    if _finalize.initializer_bytes(onnx_model) < _finalize.PROTOBUF_LIMIT // 2:
        _finalize.check_model(result.model_proto, options)
        report.status.checker = options.operator_export_type == OperatorExportTypes.ONNX or None
    return result


def _verify_result(result: ExportResult, module: torch.nn.Module, captured: _capture.CapturedModel, report: ExportReport) -> None:
    eager = run_model_eagerly(module, captured.args, captured.kwargs)
    graph = result.model.graph
    user_inputs = [spec.name for spec in captured.inputs]
    comparisons = _verify.compare_with_eager(
        result.model_proto,
        user_inputs,
        [spec.example for spec in captured.inputs],
        [leaf for leaf in pytree.tree_leaves(eager) if isinstance(leaf, torch.Tensor)],
        [v.name or "" for v in graph.outputs],
    )
    report.status.onnx_runtime = True
    report.status.accuracy = True
    report.verification = {c.name: f"max abs {c.max_abs:.3g}, max rel {c.max_rel:.3g}" for c in comparisons}


def _replay_warnings(seen: list[warnings.WarningMessage]) -> None:
    """Warnings recorded during the export reach the user once, after the report took them."""
    for message in seen:
        if issubclass(message.category, (DeprecationWarning, FutureWarning)) and "torch" in (message.filename or ""):
            continue
        warnings.warn_explicit(message.message, message.category, message.filename, message.lineno)
