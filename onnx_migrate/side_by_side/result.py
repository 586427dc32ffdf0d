"""What ``check`` found: one :class:`ModelCheck` per export, gathered in a :class:`CheckResult`.

These are plain data, kept apart from how they are computed (``compare``,
``numeric``, ``verdict``) and how they are shown (``formats``), so that the JSON
output, the tables and the Python API all read the same fields. :class:`Verdict`
lives in the leaf :mod:`.outcome` (``formats`` names it without importing the results).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from onnx_migrate.side_by_side.outcome import Verdict

__all__ = [
    "CheckResult",
    "CustomNode",
    "InitializerStats",
    "ModelCheck",
    "ModelComparison",
    "NumericRun",
    "OpCount",
    "OutputDiff",
    "SkippedExport",
    "TensorSignature",
    "Verdict",
]


@dataclasses.dataclass(frozen=True)
class TensorSignature:
    """One graph input or output: name, element type and shape (``str`` dims are named, ``None`` unknown)."""

    name: str
    elem_type: str
    shape: tuple[int | str | None, ...] | None

    def shape_text(self) -> str:
        if self.shape is None:
            return "?"
        return "[" + ", ".join("?" if d is None else str(d) for d in self.shape) + "]"

    def text(self) -> str:
        return f"{self.name}: {self.elem_type}{self.shape_text()}"


@dataclasses.dataclass(frozen=True)
class OpCount:
    """How often one op type occurs on each side, after constant folding."""

    domain: str
    op_type: str
    reference: int
    candidate: int

    @property
    def qualified(self) -> str:
        return f"{self.domain}::{self.op_type}" if self.domain else self.op_type

    @property
    def delta(self) -> int:
        return self.candidate - self.reference


@dataclasses.dataclass(frozen=True)
class CustomNode:
    """A node outside the ONNX domain, with its attributes (what a deployment runtime implements)."""

    domain: str
    op_type: str
    attributes: tuple[tuple[str, Any], ...]

    def text(self) -> str:
        attrs = ", ".join(f"{k}={v!r}" for k, v in self.attributes)
        return f"{self.domain}::{self.op_type}({attrs})"


@dataclasses.dataclass(frozen=True)
class InitializerStats:
    """Initializer count and total bytes of one model, as exported (before our folding)."""

    count: int
    total_bytes: int


@dataclasses.dataclass(frozen=True)
class OutputDiff:
    """One output compared between the two models on the same inputs.

    ``max_rel`` is ``max_abs`` divided by the largest magnitude in the reference
    output, so a near-zero element does not make it explode.
    """

    name: str
    max_abs: float
    max_rel: float
    atol: float
    rtol: float
    ok: bool
    reference_shape: tuple[int, ...]
    candidate_shape: tuple[int, ...]


@dataclasses.dataclass
class NumericRun:
    """Both models run in ONNX Runtime on one set of inputs."""

    label: str
    input_shapes: list[tuple[int, ...]]
    outputs: list[OutputDiff] = dataclasses.field(default_factory=list)
    reference_error: str | None = None
    candidate_error: str | None = None
    skipped: str | None = None

    @property
    def compared(self) -> bool:
        """Whether both models ran, so the outputs were compared."""
        return self.skipped is None and self.reference_error is None and self.candidate_error is None

    @property
    def ok(self) -> bool:
        return self.compared and all(o.ok for o in self.outputs)


@dataclasses.dataclass
class ModelComparison:
    """Everything measured on a pair of models; the verdict is drawn from it."""

    reference_opsets: dict[str, int]
    candidate_opsets: dict[str, int]
    reference_inputs: list[TensorSignature]
    candidate_inputs: list[TensorSignature]
    reference_outputs: list[TensorSignature]
    candidate_outputs: list[TensorSignature]
    ops: list[OpCount]
    reference_custom_nodes: list[CustomNode]
    candidate_custom_nodes: list[CustomNode]
    reference_initializers: InitializerStats
    candidate_initializers: InitializerStats
    numbers: list[NumericRun]
    notes: list[str] = dataclasses.field(default_factory=list)

    @property
    def differing_ops(self) -> list[OpCount]:
        return [op for op in self.ops if op.delta]


@dataclasses.dataclass(frozen=True)
class SkippedExport:
    """A ``torch.onnx.export`` call that was not compared (a new-style call torch's exporter handles)."""

    model: str
    call_site: str
    reason: str


@dataclasses.dataclass
class ModelCheck:
    """The check of one exported model.

    Attributes:
        index: 1-based position among the script's legacy export calls.
        model: the model's class name.
        destination: where the script asked onnx_migrate's model to go (``None``: in memory).
        call_site: ``file:line`` of the export call.
        reference: what the model was compared with (``"torch legacy exporter"`` or a file path).
        verdict: see :class:`Verdict`.
        reasons: why the verdict is not ``identical`` (for ``equivalent``: the explained differences).
        notes: facts worth knowing that did not change the verdict.
        comparison: the measurements (``None`` when a side has no model).
    """

    index: int
    model: str
    destination: str | None
    call_site: str
    reference: str
    verdict: Verdict
    reasons: list[str] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)
    comparison: ModelComparison | None = None

    @property
    def title(self) -> str:
        target = f" -> {self.destination}" if self.destination else ""
        return f"[{self.index}] {self.model}{target}"


@dataclasses.dataclass
class CheckResult:
    """The outcome of a check: every model's verdict, plus errors that stopped the check itself.

    ``exit_code`` is what the CLI returns: ``2`` when something could not be
    checked (an error, a script that failed, no export at all), else ``1`` when
    a model is ``different``, else ``0``.
    """

    models: list[ModelCheck] = dataclasses.field(default_factory=list)
    errors: list[str] = dataclasses.field(default_factory=list)
    skipped: list[SkippedExport] = dataclasses.field(default_factory=list)
    script: str | None = None

    @property
    def exit_code(self) -> int:
        if self.errors or not self.models or any(m.verdict is Verdict.ERROR for m in self.models):
            return 2
        return 0 if all(m.verdict.passes for m in self.models) else 1

    @property
    def ok(self) -> bool:
        """Whether every model is identical or equivalent and nothing failed."""
        return self.exit_code == 0

    @property
    def verdict(self) -> Verdict:
        """The worst verdict over all models (``ERROR`` when there is none or the check failed)."""
        if self.errors or not self.models:
            return Verdict.ERROR
        order = [Verdict.ERROR, Verdict.DIFFERENT, Verdict.EQUIVALENT, Verdict.IDENTICAL]
        return min((m.verdict for m in self.models), key=order.index)

    def to_dict(self) -> dict[str, Any]:
        from onnx_migrate.side_by_side.formats import to_dict

        return to_dict(self)

    def to_json(self) -> str:
        from onnx_migrate.side_by_side.formats import to_json

        return to_json(self)

    def to_markdown(self) -> str:
        from onnx_migrate.side_by_side.formats import to_markdown

        return to_markdown(self)

    def to_html(self) -> str:
        from onnx_migrate.side_by_side.formats import to_html

        return to_html(self)

    def __str__(self) -> str:
        from onnx_migrate.side_by_side.formats import to_plain_text

        return to_plain_text(self)
