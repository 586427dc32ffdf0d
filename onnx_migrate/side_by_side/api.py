"""``check(model, args, **export_kwargs)``: one export, through both exporters, compared.

The Python counterpart of ``onnx-migrate check``: the same model object and
arguments go to torch's legacy exporter (``torch.onnx.export(..., dynamo=False)``,
in memory) and to :func:`onnx_migrate.export`, and the two models are compared.
Custom symbolics are whatever each exporter has registered: torch's registry
for the reference, onnx_migrate's (plus those carried over by ``install()``)
for onnx_migrate.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import IO, Any

import onnx

from onnx_migrate.side_by_side.exports import CapturedExport, example_arrays, weights_fingerprint
from onnx_migrate.side_by_side.legacy_reference import LegacyExporterUnavailable, legacy_exporter, rng_neutral
from onnx_migrate.side_by_side.model_check import check_pair
from onnx_migrate.side_by_side.reference_file import ReferenceModelError, load_reference
from onnx_migrate.side_by_side.result import CheckResult
from onnx_migrate.side_by_side.script import LEGACY_REFERENCE
from onnx_migrate.compat.export_report import describe_failure

__all__ = ["check"]

#: Keywords of onnx_migrate.export that torch's legacy exporter does not have; they only go to onnx_migrate.
_ONNX_MIGRATE_ONLY = frozenset({"backend", "verify", "strict", "registry", "dynamic_shapes"})


def check(
    model: Any,
    args: Any = (),
    f: str | Path | IO[bytes] | None = None,
    *,
    reference: str | Path | onnx.ModelProto | None = None,
    **export_kwargs: Any,
) -> CheckResult:
    """Export ``model`` with onnx_migrate and with the legacy exporter (or compare with ``reference``).

    Args:
        model: the ``nn.Module`` to export.
        args: the example arguments, as for ``torch.onnx.export``.
        f: where to write onnx_migrate's model (``None``: nowhere); the reference is never written.
        reference: a saved model (path or ``ModelProto``) to compare with instead of running
            torch's legacy exporter — for when torch no longer has it.
        **export_kwargs: the legacy ``export`` keywords (``opset_version``, ``dynamic_axes`` ...).

    Returns:
        A :class:`CheckResult` with one model; ``result.ok`` says identical or equivalent.

    Example:
        >>> import torch
        >>> from onnx_migrate.side_by_side import check
        >>> result = check(torch.nn.Linear(3, 2), (torch.randn(4, 3),), opset_version=13,
        ...                input_names=["x"], output_names=["y"])  # doctest: +SKIP
        >>> result.models[0].verdict.value  # doctest: +SKIP
        'identical'
    """
    _check_keywords(export_kwargs)
    result = CheckResult()
    frame = inspect.currentframe()
    caller = frame.f_back if frame is not None else None
    call_site = f"{caller.f_code.co_filename}:{caller.f_lineno}" if caller is not None else "?"
    legacy_keywords = {k: v for k, v in export_kwargs.items() if k not in _ONNX_MIGRATE_ONLY}
    candidate = _capture(model, args, f, legacy_keywords, call_site)
    try:
        saved = _as_model(reference) if reference is not None else None
        exporter = legacy_exporter() if reference is None else None
    except (ReferenceModelError, LegacyExporterUnavailable) as exc:
        result.errors.append(str(exc))
        return result

    from onnx_migrate.compat.export import export as onnx_migrate_export

    try:
        with rng_neutral():
            candidate.proto = onnx_migrate_export(model, args, f, **export_kwargs).model_proto
    except Exception as exc:  # noqa: BLE001 - the failure is the finding
        candidate.error = describe_failure(exc)
    reference_side = _capture(model, args, None, legacy_keywords, call_site)
    if exporter is not None:
        try:
            reference_side.proto = exporter.export(model, args, legacy_keywords)
        except Exception as exc:  # noqa: BLE001 - reported as "no reference"
            reference_side.error = f"{type(exc).__name__}: {exc}"
        label = LEGACY_REFERENCE
    else:
        assert saved is not None
        reference_side.proto, reference_side.inputs = saved, None
        label = reference if isinstance(reference, (str, Path)) else "the given ModelProto"
    result.models.append(check_pair(1, reference_side, candidate, str(label)))
    return result


def _check_keywords(export_kwargs: dict[str, Any]) -> None:
    """Refuse keywords ``onnx_migrate.export`` does not take, before exporting anything."""
    from onnx_migrate.compat.export import export as onnx_migrate_export

    allowed = set(inspect.signature(onnx_migrate_export).parameters) - {"model", "args", "f"}
    unknown = sorted(set(export_kwargs) - allowed)
    if unknown:
        raise TypeError(
            f"check() got unexpected keyword argument(s) {', '.join(map(repr, unknown))}: it takes the keywords of "
            "the legacy torch.onnx.export (opset_version, input_names, dynamic_axes, ...)."
        )


def _capture(model: Any, args: Any, f: Any, keywords: dict[str, Any], call_site: str) -> CapturedExport:
    return CapturedExport(
        model=type(model).__name__,
        destination=None if f is None or not isinstance(f, (str, Path)) else str(f),
        call_site=call_site,
        keywords=dict(keywords),
        inputs=example_arrays(args, keywords.get("kwargs")),
        fingerprint=weights_fingerprint(model),
    )


def _as_model(reference: str | Path | onnx.ModelProto) -> onnx.ModelProto:
    if isinstance(reference, onnx.ModelProto):
        return reference
    return load_reference(reference)
