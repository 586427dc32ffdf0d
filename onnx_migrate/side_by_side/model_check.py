"""Pair the two sides of one export and give it a :class:`ModelCheck`: compare, then judge.

Missing or failed sides are verdicts too: onnx_migrate failing where the
reference exported is ``different``; no reference at all is an ``error``
(nothing was proven either way).
"""

from __future__ import annotations

import numpy as np

from onnx_migrate.side_by_side.compare import compare_models
from onnx_migrate.side_by_side.exports import CapturedExport
from onnx_migrate.side_by_side.result import ModelCheck, Verdict
from onnx_migrate.side_by_side.verdict import Contract, judge

__all__ = ["check_pair"]


def check_pair(
    index: int, reference: CapturedExport | None, candidate: CapturedExport | None, reference_label: str
) -> ModelCheck:
    """The check of export number ``index`` (1-based).

    Args:
        reference: the reference side of the call (``None``: the reference run never made it).
        candidate: onnx_migrate's side (``None``: the onnx_migrate run never made it).
        reference_label: what the reference is, for the report.
    """
    known = candidate or reference
    assert known is not None, "a pair needs at least one side"
    check = ModelCheck(
        index=index,
        model=known.model,
        destination=known.destination,
        call_site=known.call_site,
        reference=reference_label,
        verdict=Verdict.ERROR,
    )
    if candidate is None:
        check.reasons.append(
            "the script made this export only in the reference run; it stopped earlier with onnx_migrate"
        )
        return check
    if reference is None:
        check.reasons.append("no reference: the reference run of the script did not reach this export")
        return check
    if reference.error is not None:
        check.reasons.append(
            f"no reference: torch's legacy exporter failed on this export: {reference.error} "
            "(a symbolic registered only with onnx_migrate is unknown to it; compare with a saved model "
            "via --reference instead)"
        )
        if candidate.error is not None:
            check.notes.append(f"onnx_migrate failed too: {candidate.error}")
        return check
    if candidate.error is not None or candidate.proto is None:
        check.verdict = Verdict.DIFFERENT
        check.reasons.append(f"onnx_migrate failed to export a model the reference exporter handled: {candidate.error}")
        return check
    assert reference.proto is not None
    _note_run_differences(check, reference, candidate)
    comparison = compare_models(reference.proto, candidate.proto, candidate.inputs)
    judgement = judge(comparison, Contract.from_keywords(candidate.keywords))
    check.comparison = comparison
    check.verdict = judgement.verdict
    check.reasons.extend(judgement.reasons)
    check.notes.extend(judgement.notes)
    return check


def _note_run_differences(check: ModelCheck, reference: CapturedExport, candidate: CapturedExport) -> None:
    """Flag when the two runs of the script did not export the same thing (unseeded randomness...)."""
    if reference.model != candidate.model:
        check.notes.append(
            f"the reference run exported a {reference.model} here, the onnx_migrate run a {candidate.model}"
        )
    if reference.fingerprint and candidate.fingerprint and reference.fingerprint != candidate.fingerprint:
        check.notes.append(
            "the model's weights differ between the two runs of the script (randomness the check could not "
            "reset?): numeric differences may come from the weights, not the exporters"
        )
    if reference.inputs is not None and candidate.inputs is not None:
        same = len(reference.inputs) == len(candidate.inputs) and all(
            a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
            for a, b in zip(reference.inputs, candidate.inputs, strict=False)
        )
        if not same:
            check.notes.append(
                "the example inputs differ between the two runs of the script; both models were run on onnx_migrate's"
            )
