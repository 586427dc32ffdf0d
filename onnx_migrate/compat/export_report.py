"""What one export did, for the user: ``ExportResult.report``.

Records each legacy keyword used and how it was honoured, each symbolic used
(custom or built-in, which opset's version), decompositions, fallbacks and the
warnings seen, plus a per-stage status. Rendered with ``to_markdown()`` /
``to_json()``; ``verbose=True`` prints it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

from onnx_migrate.errors import VerificationError
from onnx_migrate.legacy_symbolics.registry import SymbolicEntry
from onnx_migrate.legacy_symbolics.schema_checks import UndeclaredAttribute

__all__ = [
    "STAGES",
    "AdoptedSymbolic",
    "ExportReport",
    "ExportStatus",
    "RoutedSymbolic",
    "ShadowedSymbolic",
    "SymbolicUse",
    "UnusedSymbolic",
    "describe_failure",
    "recording_failure",
]

#: The stages of an export, in the order they run.
STAGES = ("capture", "decomposition", "translation", "checker", "onnx_runtime", "accuracy")


@dataclasses.dataclass
class ExportStatus:
    """One flag per stage (:data:`STAGES`, in order).

    ``True``: the stage passed. ``False``: the stage failed, or was not reached
    because an earlier one failed (:attr:`failed_stage` names the one that
    failed). ``None``: not run because this export does not run it (``verify``
    not asked for, no decomposition on ``backend="dynamo"``, no checker verdict
    with ATen fallback or past 2 GB).

    ``translation`` covers building the ONNX model from the captured program
    (the symbolics, then names, dynamic dims and opset imports).
    """

    capture: bool | None = None
    decomposition: bool | None = None
    translation: bool | None = None
    checker: bool | None = None
    onnx_runtime: bool | None = None
    accuracy: bool | None = None

    @property
    def failed_stage(self) -> str | None:
        """The stage that failed (the first ``False``), or ``None``."""
        return next((stage for stage in STAGES if getattr(self, stage) is False), None)

    def mark_failed(self, planned: tuple[str, ...], exc: BaseException) -> None:
        """After ``exc`` ended an export: every planned stage that had not passed becomes ``False``.

        Stages pass in order, so the first of them is the one that failed. A
        :class:`~onnx_migrate.errors.VerificationError` means ONNX Runtime ran
        and its outputs disagree: ``onnx_runtime`` passed, ``accuracy`` failed.
        """
        if isinstance(exc, VerificationError) and self.onnx_runtime is None and "onnx_runtime" in planned:
            self.onnx_runtime = True
        for stage in planned:
            if getattr(self, stage) is None:
                setattr(self, stage, False)

    def marks(self) -> dict[str, str]:
        """``{stage: "passed" | "FAILED" | "not reached" | "not run"}`` for people."""
        failed = self.failed_stage
        marks = {}
        for stage in STAGES:
            flag = getattr(self, stage)
            marks[stage] = {True: "passed", None: "not run"}.get(flag, "FAILED" if stage == failed else "not reached")
        return marks


@dataclasses.dataclass(frozen=True)
class SymbolicUse:
    """Which function translated an op."""

    op: str
    origin: str
    opset: int
    custom: bool


@dataclasses.dataclass(frozen=True)
class ShadowedSymbolic:
    """A custom symbolic the export did not use because, as in the legacy exporter, a built-in wins there.

    The legacy registry picks the registration at the highest opset ``<=`` the
    target, and a custom one overrides a built-in only at the same opset key; so
    ``register_custom_op_symbolic("aten::gelu", fn, 1)`` loses to legacy's built-in
    ``gelu`` registered at opset 9 for every target from 9 on. onnx_migrate decides
    with legacy's keys, then runs its own best built-in.

    Attributes:
        op: the op name (``aten::gelu``).
        custom_opset, custom_origin: the custom registration that lost.
        builtin_opset, builtin_origin: onnx_migrate's built-in that ran instead.
        legacy_opset: the key of legacy's built-in that beat the custom one.
        override_opsets: ``(first, last)``: a custom registration at any opset in between is used.
    """

    op: str
    custom_opset: int
    custom_origin: str
    builtin_opset: int
    builtin_origin: str
    legacy_opset: int | None = None
    override_opsets: tuple[int, int] | None = None


@dataclasses.dataclass(frozen=True)
class RoutedSymbolic:
    """An op torch.export keeps, translated by a custom symbolic of its TorchScript-era name.

    ``aten::conv2d`` nodes go to a custom ``aten::_convolution`` symbolic, called
    with the legacy argument list (see :mod:`onnx_migrate.compat.name_drift`).
    """

    op: str
    legacy: str
    origin: str
    opset: int


@dataclasses.dataclass(frozen=True)
class UnusedSymbolic:
    """A custom symbolic serving the target opset that no node of the model used.

    ``instead``: the ops of the model torch.export keeps for its TorchScript-era
    name (empty when no node matched at all).
    """

    op: str
    opset: int
    origin: str
    instead: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class AdoptedSymbolic:
    """A custom symbolic taken from torch's legacy registry (``torch.onnx.register_custom_op_symbolic``)."""

    op: str
    opset: int
    origin: str


@dataclasses.dataclass
class ExportReport:
    """The runtime migration report of one export."""

    opset: int = 0
    backend: str = "legacy"
    status: ExportStatus = dataclasses.field(default_factory=ExportStatus)
    keywords: dict[str, str] = dataclasses.field(default_factory=dict)
    symbolics: dict[str, SymbolicUse] = dataclasses.field(default_factory=dict)
    op_counts: Counter[str] = dataclasses.field(default_factory=Counter)
    decomposed: list[str] = dataclasses.field(default_factory=list)
    fallbacks: dict[str, str] = dataclasses.field(default_factory=dict)
    warnings: list[str] = dataclasses.field(default_factory=list)
    verification: dict[str, Any] = dataclasses.field(default_factory=dict)
    shadowed_symbolics: list[ShadowedSymbolic] = dataclasses.field(default_factory=list)
    #: Attributes kept on ONNX ops outside their schema (legacy tolerance), with how many nodes carry each.
    undeclared_attributes: Counter[UndeclaredAttribute] = dataclasses.field(default_factory=Counter)
    routed_symbolics: list[RoutedSymbolic] = dataclasses.field(default_factory=list)
    unused_symbolics: list[UnusedSymbolic] = dataclasses.field(default_factory=list)
    adopted_symbolics: list[AdoptedSymbolic] = dataclasses.field(default_factory=list)
    #: ``"Type: message"`` of the exception that ended a failed export (``None``: it did not fail).
    error: str | None = None

    def record_keyword(self, name: str, how: str) -> None:
        self.keywords[name] = how

    def record_symbolic(self, op: str, entry: SymbolicEntry) -> None:
        self.op_counts[op] += 1
        if op not in self.symbolics:
            self.symbolics[op] = SymbolicUse(op, entry.origin, entry.opset, entry.custom)

    def record_route(self, op: str, legacy: str, entry: SymbolicEntry) -> None:
        if not any(r.op == op and r.legacy == legacy for r in self.routed_symbolics):
            self.routed_symbolics.append(RoutedSymbolic(op, legacy, entry.origin, entry.opset))

    def record_fallback(self, op: str, how: str) -> None:
        self.op_counts[op] += 1
        self.fallbacks[op] = how

    def record_undeclared_attributes(self, items: list[UndeclaredAttribute]) -> None:
        self.undeclared_attributes.update(items)

    @property
    def custom_symbolics(self) -> list[SymbolicUse]:
        return [use for use in self.symbolics.values() if use.custom]

    def to_dict(self) -> dict[str, Any]:
        return {
            "opset": self.opset,
            "backend": self.backend,
            "status": dataclasses.asdict(self.status),
            "failed_stage": self.status.failed_stage,
            "error": self.error,
            "keywords": dict(self.keywords),
            "symbolics": [dataclasses.asdict(use) | {"count": self.op_counts[use.op]} for use in self.symbolics.values()],
            "decomposed": list(self.decomposed),
            "fallbacks": dict(self.fallbacks),
            "warnings": list(self.warnings),
            "verification": dict(self.verification),
            "shadowed_symbolics": [dataclasses.asdict(item) for item in self.shadowed_symbolics],
            "undeclared_attributes": [
                {"op_type": i.op_type, "attribute": i.attribute, "opset": i.opset, "source": i.source, "count": n}
                for i, n in self.undeclared_attributes.items()
            ],
            "routed_symbolics": [dataclasses.asdict(item) for item in self.routed_symbolics],
            "unused_symbolics": [dataclasses.asdict(item) for item in self.unused_symbolics],
            "adopted_symbolics": [dataclasses.asdict(item) for item in self.adopted_symbolics],
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, default=str)

    def to_markdown(self) -> str:
        lines = [f"# onnx_migrate export report (opset {self.opset}, backend {self.backend})", ""]
        lines.append("## Stages")
        lines += [f"- {stage}: {mark}" for stage, mark in self.status.marks().items()]
        if self.error is not None:
            failed = self.status.failed_stage
            lines += ["", "## Failure", "", f"The export failed{f' at {failed}' if failed else ''}: {self.error}"]
        if self.keywords:
            lines += ["", "## Legacy keywords", "", "| keyword | how it was honoured |", "|---|---|"]
            lines += [f"| `{k}` | {v} |" for k, v in self.keywords.items()]
        if self.symbolics:
            lines += ["", "## Symbolics used", "", "| op | count | function | opset | custom |", "|---|---|---|---|---|"]
            for use in sorted(self.symbolics.values(), key=lambda u: u.op):
                lines.append(
                    f"| `{use.op}` | {self.op_counts[use.op]} | `{use.origin}` | {use.opset} | {'yes' if use.custom else ''} |"
                )
        if self.shadowed_symbolics:
            lines += ["", "## Custom symbolics shadowed by built-ins", "", "| op | custom (opset) | used instead (opset) |", "|---|---|---|"]
            for item in self.shadowed_symbolics:
                lines.append(
                    f"| `{item.op}` | `{item.custom_origin}` ({item.custom_opset}) | "
                    f"`{item.builtin_origin}` ({item.builtin_opset}) |"
                )
        if self.undeclared_attributes:
            lines += ["", "## Attributes outside the ONNX schema (kept, as legacy did)", "", "| op | attribute | opset | from | nodes |", "|---|---|---|---|---|"]
            for item, count in self.undeclared_attributes.items():
                lines.append(f"| `{item.op_type}` | `{item.attribute}` | {item.opset} | `{item.source}` | {count} |")
        lines += self._registration_lines()
        if self.decomposed:
            lines += ["", "## Decomposed (no symbolic at this opset)", ""] + [f"- `{op}`" for op in self.decomposed]
        if self.fallbacks:
            lines += ["", "## Fallbacks", ""] + [f"- `{op}`: {how}" for op, how in self.fallbacks.items()]
        if self.warnings:
            lines += ["", "## Warnings", ""] + [f"- {w}" for w in self.warnings]
        if self.verification:
            lines += ["", "## Verification", ""] + [f"- {k}: {v}" for k, v in self.verification.items()]
        return "\n".join(lines) + "\n"

    def _registration_lines(self) -> list[str]:
        """Routed, unused and adopted custom symbolics, as markdown sections."""
        lines: list[str] = []
        if self.routed_symbolics:
            lines += ["", "## Ops routed to a custom symbolic of their TorchScript-era name", ""]
            lines += [f"- `{r.op}` -> `{r.legacy}`: `{r.origin}` (opset {r.opset})" for r in self.routed_symbolics]
        if self.unused_symbolics:
            lines += ["", "## Custom symbolics no node used", ""]
            for item in self.unused_symbolics:
                instead = f"the model has {', '.join(f'`{op}`' for op in item.instead)}" if item.instead else "no node matched"
                lines.append(f"- `{item.op}` (opset {item.opset}, `{item.origin}`): {instead}")
        if self.adopted_symbolics:
            lines += ["", "## Custom symbolics taken from torch.onnx.register_custom_op_symbolic", ""]
            lines += [f"- `{a.op}` (opset {a.opset}): `{a.origin}`" for a in self.adopted_symbolics]
        return lines

    def __str__(self) -> str:
        return self.to_markdown()


def _error_text(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


@contextlib.contextmanager
def recording_failure(report: ExportReport, *, verify: bool, checker: bool = True) -> Iterator[None]:
    """Around an export's stages: a failure is written into ``report`` and the report rides on the exception.

    The stage that raised and the planned stages after it become ``False``,
    ``report.error`` keeps the exception's text, and ``exc.report`` is the report,
    so whoever catches the error (``onnx-migrate run``, ``check``, the user's
    ``except``) can say which stage failed.

    Args:
        report: the export's report; ``report.backend`` tells whether decomposition runs.
        verify: whether ONNX Runtime and the accuracy comparison were asked for.
        checker: whether the checker's verdict counts (not with ATen fallback).
    """
    planned = tuple(
        stage
        for stage in STAGES
        if (stage != "decomposition" or report.backend == "legacy")
        and (stage != "checker" or checker)
        and (stage not in ("onnx_runtime", "accuracy") or verify)
    )
    try:
        yield
    except BaseException as exc:
        report.status.mark_failed(planned, exc)
        report.error = _error_text(exc)
        if getattr(exc, "report", None) is None:
            try:
                exc.report = report  # type: ignore[attr-defined]
            except AttributeError:  # an exception type that refuses new attributes keeps its message only
                pass
        raise


def describe_failure(exc: BaseException) -> str:
    """``"Type: message"``, led by the failed stage when the exception carries an export's report."""
    report = getattr(exc, "report", None)
    stage = report.status.failed_stage if isinstance(report, ExportReport) else None
    return f"{stage} failed: {_error_text(exc)}" if stage else _error_text(exc)
