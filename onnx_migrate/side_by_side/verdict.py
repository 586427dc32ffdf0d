"""Turn a :class:`ModelComparison` into a verdict with reasons a reviewer can act on.

Two kinds of difference:

* **breaking** ones make the verdict ``different`` whatever the numbers say:
  what callers depend on (names they asked for, input types and shapes, dims
  they named in ``dynamic_axes``, output types), the custom-domain nodes a
  deployment runtime implements, the default opset, and any numeric mismatch;
* **explainable** ones (the op histogram, initializer layout, auto-generated
  names, opset imports of unused domains) make it ``equivalent`` when ONNX
  Runtime showed the numbers agree, and ``different`` when it could not run them.

No difference at all is ``identical``.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from onnx_migrate.side_by_side.compare import standard_domain
from onnx_migrate.side_by_side.result import ModelComparison, NumericRun, TensorSignature, Verdict

__all__ = ["Contract", "Judgement", "judge"]


@dataclasses.dataclass(frozen=True)
class Contract:
    """What the export call pinned down, so that differences there break callers.

    Attributes:
        input_names: ``input_names`` was given (else names are the exporter's choice).
        output_names: ``output_names`` was given.
        dim_names: dim names given through ``dynamic_axes``.
    """

    input_names: bool = False
    output_names: bool = False
    dim_names: frozenset[str] = frozenset()

    @classmethod
    def from_keywords(cls, keywords: Mapping[str, Any]) -> Contract:
        """From the legacy ``export`` keywords of the call."""
        dims: set[str] = set()
        dynamic_axes = keywords.get("dynamic_axes") or {}
        if isinstance(dynamic_axes, Mapping):
            for axes in dynamic_axes.values():
                if isinstance(axes, Mapping):
                    dims.update(str(name) for name in axes.values())
        return cls(bool(keywords.get("input_names")), bool(keywords.get("output_names")), frozenset(dims))


@dataclasses.dataclass
class Judgement:
    """The verdict, the reasons behind it, and notes that did not change it."""

    verdict: Verdict
    reasons: list[str]
    notes: list[str]


@dataclasses.dataclass
class _Findings:
    breaking: list[str] = dataclasses.field(default_factory=list)
    explained: list[str] = dataclasses.field(default_factory=list)
    notes: list[str] = dataclasses.field(default_factory=list)


def judge(comparison: ModelComparison, contract: Contract | None = None) -> Judgement:
    """The verdict on one pair of models (see the module docstring for the rules).

    Args:
        comparison: the measurements.
        contract: what the export call pinned down (default: nothing, every name is the exporter's).
    """
    contract = contract or Contract()
    found = _Findings(notes=list(comparison.notes))
    _opset_imports(comparison, found)
    _signature("input", comparison.reference_inputs, comparison.candidate_inputs, contract, found)
    _signature("output", comparison.reference_outputs, comparison.candidate_outputs, contract, found)
    _custom_nodes(comparison, found)
    _ops(comparison, found)
    _initializers(comparison, found)
    numbers_verified = _numbers(comparison.numbers, found)
    breaking, explained, notes = found.breaking, found.explained, found.notes
    if breaking:
        return Judgement(Verdict.DIFFERENT, breaking + explained, notes)
    if not explained:
        return Judgement(Verdict.IDENTICAL, [], notes)
    if numbers_verified:
        return Judgement(Verdict.EQUIVALENT, explained, notes)
    return Judgement(
        Verdict.DIFFERENT,
        ["the graphs differ and ONNX Runtime could not run both models to show the numbers agree", *explained],
        notes,
    )


# -- the rules ---------------------------------------------------------------------------------


def _opset_imports(comparison: ModelComparison, found: _Findings) -> None:
    ref, ours = comparison.reference_opsets, comparison.candidate_opsets
    if ref.get("") != ours.get(""):
        found.breaking.append(f"default opset: reference {ref.get('')}, onnx_migrate {ours.get('')}")
    used = {op.domain for op in comparison.ops if op.reference and op.candidate}
    for domain in sorted((set(ref) | set(ours)) - {""}):
        if ref.get(domain) == ours.get(domain):
            continue
        text = (
            f"opset import {domain!r}: reference {_or_none(ref.get(domain))}, onnx_migrate {_or_none(ours.get(domain))}"
        )
        (found.breaking if domain in used else found.explained).append(text)


def _signature(
    kind: str,
    reference: Sequence[TensorSignature],
    candidate: Sequence[TensorSignature],
    contract: Contract,
    found: _Findings,
) -> None:
    if len(reference) != len(candidate):
        found.breaking.append(
            f"{kind} count: reference {len(reference)} ({_names(reference)}), "
            f"onnx_migrate {len(candidate)} ({_names(candidate)})"
        )
        return
    names_pinned = contract.input_names if kind == "input" else contract.output_names
    renamed = [(r.name, c.name) for r, c in zip(reference, candidate, strict=True) if r.name != c.name]
    if renamed:
        pairs = ", ".join(f"{r!r} -> {c!r}" for r, c in renamed)
        if names_pinned:
            found.breaking.append(f"{kind} names differ from the {kind}_names asked for: {pairs}")
        else:
            found.explained.append(f"auto-generated {kind} names differ: {pairs} (pass {kind}_names= to pin them)")
    for ref, ours in zip(reference, candidate, strict=True):
        label = f"{kind} {ours.name!r}"
        if ref.elem_type != ours.elem_type:
            found.breaking.append(f"{label} element type: reference {ref.elem_type}, onnx_migrate {ours.elem_type}")
        _shape(label, ref, ours, contract, found, is_input=kind == "input")


def _shape(
    label: str, ref: TensorSignature, ours: TensorSignature, contract: Contract, found: _Findings, *, is_input: bool
) -> None:
    """Shapes: static sizes and named dims callers rely on must agree; auto-named dims may differ.

    An output dim the reference left symbolic under an exporter-made name (or
    unknown) where onnx_migrate states the size is a refinement: noted only.
    """
    if ref.shape == ours.shape:
        return
    text = f"{label} shape: reference {ref.shape_text()}, onnx_migrate {ours.shape_text()}"
    if ref.shape is None or ours.shape is None:
        (found.notes if ref.shape is None and not is_input else found.explained).append(text)
        return
    if len(ref.shape) != len(ours.shape):
        found.breaking.append(text)
        return
    refined = False
    for a, b in zip(ref.shape, ours.shape, strict=True):
        if a == b:
            continue
        pinned = (isinstance(a, str) and a in contract.dim_names) or (isinstance(b, str) and b in contract.dim_names)
        if isinstance(a, int) and isinstance(b, int):
            found.breaking.append(text)  # two static sizes that disagree
            return
        if pinned:
            found.breaking.append(text + " (a dim named in dynamic_axes)")
            return
        if is_input and (isinstance(a, int) or isinstance(b, int)):
            found.breaking.append(text + " (one accepts other sizes, the other does not)")
            return
        if not is_input and isinstance(b, int):
            refined = True  # the reference's auto-named or unknown dim; onnx_migrate states the size
            continue
        found.explained.append(text + " (auto-named or unknown dims)")
        return
    if refined:
        found.notes.append(text + " (onnx_migrate states sizes the reference left symbolic)")


def _custom_nodes(comparison: ModelComparison, found: _Findings) -> None:
    ref = Counter(node.text() for node in comparison.reference_custom_nodes)
    ours = Counter(node.text() for node in comparison.candidate_custom_nodes)
    if ref == ours:
        return
    missing = ref - ours
    extra = ours - ref
    parts = []
    if missing:
        parts.append("only in the reference: " + "; ".join(_counted(missing)))
    if extra:
        parts.append("only in onnx_migrate's: " + "; ".join(_counted(extra)))
    found.breaking.append("custom-domain nodes differ (" + " | ".join(parts) + ")")


def _ops(comparison: ModelComparison, found: _Findings) -> None:
    differing = [op for op in comparison.differing_ops if standard_domain(op.domain)]
    if differing:
        changes = ", ".join(f"{op.qualified} {op.reference}->{op.candidate}" for op in differing)
        found.explained.append(f"op histogram after constant folding differs (reference->onnx_migrate): {changes}")


def _initializers(comparison: ModelComparison, found: _Findings) -> None:
    ref, ours = comparison.reference_initializers, comparison.candidate_initializers
    if ref != ours:
        found.explained.append(
            f"initializers: reference {ref.count} ({_bytes(ref.total_bytes)}), "
            f"onnx_migrate {ours.count} ({_bytes(ours.total_bytes)})"
        )


def _numbers(runs: Iterable[NumericRun], found: _Findings) -> bool:
    """Add the numeric findings; returns whether the numbers were compared on the example inputs."""
    breaking, explained, notes = found.breaking, found.explained, found.notes
    verified = False
    for index, run in enumerate(runs):
        first = index == 0
        if run.skipped:
            notes.append(f"numbers on {run.label}: not compared ({run.skipped})")
            continue
        if run.reference_error and run.candidate_error:
            why = (
                run.reference_error
                if run.reference_error == run.candidate_error
                else f"reference: {run.reference_error}; onnx_migrate: {run.candidate_error}"
            )
            notes.append(f"numbers on {run.label}: ONNX Runtime ran neither model ({why})")
            continue
        if run.candidate_error:
            breaking.append(f"on {run.label}, the reference runs but onnx_migrate's model fails: {run.candidate_error}")
            continue
        if run.reference_error:
            text = f"on {run.label}, onnx_migrate's model runs but the reference fails: {run.reference_error}"
            if first:
                notes.append(text + "; numbers not compared")
            else:
                explained.append(text)
            continue
        verified = verified or first
        for output in run.outputs:
            if output.ok:
                continue
            if output.reference_shape != output.candidate_shape:
                breaking.append(
                    f"output {output.name!r} on {run.label}: shape {list(output.reference_shape)} in the reference, "
                    f"{list(output.candidate_shape)} in onnx_migrate's"
                )
            else:
                breaking.append(
                    f"output {output.name!r} on {run.label}: max abs diff {output.max_abs:.3g}, "
                    f"max rel diff {output.max_rel:.3g} (tolerance atol={output.atol:g}, rtol={output.rtol:g})"
                )
    return verified


# -- text helpers ------------------------------------------------------------------------------


def _or_none(version: int | None) -> str:
    return "none" if version is None else str(version)


def _names(values: Sequence[TensorSignature]) -> str:
    return ", ".join(repr(v.name) for v in values) or "none"


def _counted(counter: Counter[str]) -> list[str]:
    return [f"{count} x {text}" if count > 1 else text for text, count in sorted(counter.items())]


def _bytes(size: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024  # type: ignore[assignment]
    return f"{size} B"
