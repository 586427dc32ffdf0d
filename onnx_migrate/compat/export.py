"""``onnx_migrate.export``: the legacy ``torch.onnx.export`` signature, on ``torch.export``.

Validates the keywords, then runs the export outline (:mod:`onnx_migrate.compat.outline`:
capture, translate, check, verify, save) with the backend asked for: ours
(:mod:`onnx_migrate.compat.legacy_backend`: decompose what has no symbolic,
translate with the legacy symbolics, finalize) or torch's new exporter with the
bridged symbolics (:mod:`onnx_migrate.bridge.dynamo_backend`).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

import torch

from onnx_migrate.compat.legacy_backend import LegacyBackend
from onnx_migrate.compat.options import ExportOptions
from onnx_migrate.compat.outline import ExportBackend, ExportResult, run_export
from onnx_migrate.errors import ExportOptionError
from onnx_migrate.legacy_symbolics.export_context import OperatorExportTypes, TrainingMode
from onnx_migrate.legacy_symbolics.registry import SymbolicRegistry

__all__ = ["ExportResult", "export"]


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
    return run_export(_backend(options.backend), model, args, f, options, kwargs=kwargs, registry=registry)


def _backend(name: str) -> ExportBackend:
    """The strategy for ``backend=``; the dynamo one is imported only when asked for (it loads torch's new exporter)."""
    if name == "dynamo":
        from onnx_migrate.bridge.dynamo_backend import DynamoBackend

        return DynamoBackend()
    return LegacyBackend()


def _check_registry(registry: Any) -> None:
    if registry is not None and not isinstance(registry, SymbolicRegistry):
        raise ExportOptionError(
            "registry must be an onnx_migrate.SymbolicRegistry (e.g. SymbolicRegistry.default().copy() with your "
            f"registrations), or None for the default one; got {type(registry).__name__}."
        )
