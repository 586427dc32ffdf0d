"""Capture the exports a script makes, on each side, with what is needed to compare them later.

Two hooks replace ``torch.onnx.export`` while a user's script runs:

* :class:`CandidateHook` (with :func:`onnx_migrate.install` active) lets each
  legacy call go to onnx_migrate exactly as ``onnx-migrate run`` does — the model
  is written where the script asked — and keeps the model and example inputs;
* :class:`ReferenceHook` (plain torch) sends each legacy call to torch's legacy
  exporter into memory; the script's file is not touched.

Calls the install router would leave to torch's new exporter (``dynamo=True``,
an ``ExportedProgram`` ...) go through unchanged on both sides and are listed
as skipped. Both hooks use the router's own rules, so their call numbering agrees.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import inspect
import types
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np
import onnx
import torch
import torch.onnx

from onnx_migrate._torch_compat import pytree
from onnx_migrate.compat import install as _install
from onnx_migrate.side_by_side.legacy_reference import LegacyExporter, rng_neutral
from onnx_migrate.side_by_side.result import SkippedExport
from onnx_migrate.compat.export_report import describe_failure

__all__ = [
    "CandidateHook",
    "CapturedExport",
    "ReferenceHook",
    "example_arrays",
    "export_hook",
    "weights_fingerprint",
]


@dataclasses.dataclass
class CapturedExport:
    """One legacy export call and its outcome on one side.

    Attributes:
        model: the model's class name.
        destination: ``f`` as text (``None``: no file).
        call_site: ``file:line`` in the user's code.
        keywords: the legacy ``export`` keywords of the call (positional legacy arguments named).
        inputs: the example tensors as arrays, in argument order (``None`` if they could not be read).
        fingerprint: a digest of the model's parameters and buffers at the call.
        proto: the exported model (``None`` if the export failed).
        error: ``"Type: message"`` of the failure.
    """

    model: str
    destination: str | None
    call_site: str
    keywords: dict[str, Any]
    inputs: list[np.ndarray] | None
    fingerprint: str | None
    proto: onnx.ModelProto | None = None
    error: str | None = None


# -- what is recorded of a call ------------------------------------------------------------------


def example_arrays(args: Any, kwargs: Mapping[str, Any] | None = None) -> list[np.ndarray] | None:
    """The tensors of ``args`` (and ``kwargs``) in the order exporters make them graph inputs."""
    leaves = pytree.tree_leaves((args, dict(kwargs or {})))
    arrays = []
    try:
        for leaf in leaves:
            if isinstance(leaf, torch.Tensor):
                tensor = leaf.detach().cpu()
                arrays.append((tensor.float() if tensor.dtype == torch.bfloat16 else tensor).numpy().copy())
    except (RuntimeError, TypeError):
        return None
    return arrays


def weights_fingerprint(model: Any) -> str | None:
    """A digest of the model's parameters and buffers: the same script run twice must give the same one."""
    if not isinstance(model, torch.nn.Module):
        return None
    digest = hashlib.sha1(usedforsecurity=False)
    with torch.no_grad():
        for name, tensor in model.state_dict().items():
            if not isinstance(tensor, torch.Tensor):
                continue
            values = tensor.detach().cpu()
            summary = (
                (float(values.double().sum()), float(values.double().abs().sum()))
                if values.is_floating_point()
                or values.dtype in (torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8)
                else ()
            )
            digest.update(f"{name}:{tuple(values.shape)}:{values.dtype}:{summary}".encode())
    return digest.hexdigest()


def _call_site(frame: types.FrameType | None) -> str:
    return f"{frame.f_code.co_filename}:{frame.f_lineno}" if frame is not None else "?"


# -- the hooks -----------------------------------------------------------------------------------


class _Hook:
    """Common part: route like install does, record each call, keep skipped ones apart."""

    def __init__(self) -> None:
        self.exports: list[CapturedExport] = []
        self.skipped: list[SkippedExport] = []

    def __call__(self, model: Any, args: Any = (), f: Any = None, *legacy_args: Any, **kwargs: Any) -> Any:
        frame = inspect.currentframe()
        call_site = _call_site(frame.f_back if frame is not None else None)
        legacy, reason = _install._route(model, legacy_args, kwargs)
        if not legacy:
            self.skipped.append(SkippedExport(type(model).__name__, call_site, reason))
            return self.pass_through(model, args, f, *legacy_args, **kwargs)
        keywords = _install._legacy_keywords(legacy_args, kwargs)
        record = CapturedExport(
            model=type(model).__name__,
            destination=None if f is None else str(f),
            call_site=call_site,
            keywords=keywords,
            inputs=example_arrays(args, keywords.get("kwargs")),
            fingerprint=weights_fingerprint(model),
        )
        self.exports.append(record)
        try:
            return self.export(record, model, args, f, legacy_args, kwargs)
        except BaseException as exc:
            record.error = describe_failure(exc)
            raise

    def pass_through(self, model: Any, args: Any, f: Any, *legacy_args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError

    def export(
        self,
        record: CapturedExport,
        model: Any,
        args: Any,
        f: Any,
        legacy_args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> Any:
        raise NotImplementedError


class CandidateHook(_Hook):
    """Wraps install's router: onnx_migrate exports as under ``onnx-migrate run``, and the model is kept.

    Args:
        router: ``torch.onnx.export`` as install set it.
    """

    def __init__(self, router: Callable[..., Any]) -> None:
        super().__init__()
        self.router = router

    def pass_through(self, model: Any, args: Any, f: Any, *legacy_args: Any, **kwargs: Any) -> Any:
        return self.router(model, args, f, *legacy_args, **kwargs)

    def export(
        self,
        record: CapturedExport,
        model: Any,
        args: Any,
        f: Any,
        legacy_args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> Any:
        with rng_neutral():
            result = self.router(model, args, f, *legacy_args, **kwargs)
        record.proto = result.model_proto
        return result


class ReferenceHook(_Hook):
    """Sends each legacy call to torch's legacy exporter, in memory; returns ``None`` as it did.

    Args:
        exporter: torch's legacy exporter.
        original: torch's ``torch.onnx.export``, for the calls that are not legacy ones.
    """

    def __init__(self, exporter: LegacyExporter, original: Callable[..., Any]) -> None:
        super().__init__()
        self.exporter = exporter
        self.original = original

    def pass_through(self, model: Any, args: Any, f: Any, *legacy_args: Any, **kwargs: Any) -> Any:
        return self.original(model, args, f, *legacy_args, **kwargs)

    def export(
        self,
        record: CapturedExport,
        model: Any,
        args: Any,
        f: Any,
        legacy_args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> Any:
        record.proto = self.exporter.export(model, args, record.keywords)
        return None


@contextlib.contextmanager
def export_hook(hook: Callable[..., Any]) -> Iterator[Callable[..., Any]]:
    """``torch.onnx.export`` replaced by ``hook`` for the block; yields what was there before."""
    namespace = vars(torch.onnx)
    previous = namespace.get("export")
    torch.onnx.export = hook  # type: ignore[assignment]
    try:
        yield previous  # type: ignore[misc]
    finally:
        if previous is None:
            delattr(torch.onnx, "export")
        else:
            torch.onnx.export = previous  # type: ignore[assignment]
