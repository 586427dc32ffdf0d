"""The verdict for one case from its legacy and onnx_migrate results.

* ``identical``  - both exported; same opsets, same custom-domain nodes (with attributes),
  same full op histogram, same inputs/outputs, and ORT matches eager PyTorch wherever
  it matched for legacy;
* ``equivalent`` - same opsets, custom nodes and inputs/outputs, ORT matches eager
  wherever it matched for legacy; the ops may differ (named in the reason). When
  neither model could be checked numerically, the compute-op multiset must match too;
* ``different``  - both exported but something above differs; a custom-domain node
  that legacy emits and onnx_migrate does not is always ``different``;
* ``failed``     - onnx_migrate did not export (or did not run in ORT) the case.

``legacy_ok`` says whether the case counts among the legacy-exportable ones.
"""

from __future__ import annotations

import collections
from typing import Any

from conformance.numerics import same_fingerprint

__all__ = ["VERDICTS", "judge"]

VERDICTS = ("identical", "equivalent", "different", "failed")


def _failure(result: dict[str, Any] | None) -> str | None:
    if result is None:
        return "not run"
    if result.get("status") == "ok":
        return None
    error = result.get("error") or {}
    text = f"{error.get('type', '')}: {error.get('message', '')}".strip(": ")
    return f"{result.get('status')}: {text}" if text else str(result.get("status"))


def _custom_multiset(facts: dict[str, Any], with_attributes: bool) -> collections.Counter:
    return collections.Counter(
        (c["op"], repr(sorted(c["attributes"].items()))) if with_attributes else c["op"]
        for c in facts["custom_nodes"]
    )


def _dims_match(legacy: list[Any] | None, ours: list[Any] | None, names: set[str]) -> bool:
    """Static sizes and the user's dim names must agree; legacy's unnamed/unknown dims accept anything."""
    if legacy is None or ours is None:
        return legacy is None and ours is None
    if len(legacy) != len(ours):
        return False
    for mine, theirs in zip(ours, legacy):
        if isinstance(theirs, str) and theirs not in names:
            continue
        if isinstance(mine, str) and mine not in names and isinstance(theirs, int):
            continue  # ours left dynamic what legacy fixed: the other-size numbers decide
        if mine != theirs:
            return False
    return True


def _io_differences(legacy: dict[str, Any], ours: dict[str, Any], names: set[str]) -> list[str]:
    """Inputs/outputs compared by position: dtype, rank and dims (see :func:`_dims_match`)."""
    problems = []
    for kind in ("inputs", "outputs"):
        if len(legacy[kind]) != len(ours[kind]):
            problems.append(f"{len(ours[kind])} {kind} vs legacy's {len(legacy[kind])}")
            continue
        for index, (theirs, mine) in enumerate(zip(legacy[kind], ours[kind])):
            if theirs["dtype"] != mine["dtype"] or not _dims_match(theirs["dims"], mine["dims"], names):
                problems.append(f"{kind[:-1]} {index}: {mine['dtype']}{mine['dims']} vs legacy's "
                                f"{theirs['dtype']}{theirs['dims']}")
    return problems


def _numbers(result: dict[str, Any]) -> dict[str, bool | None]:
    numerics = result.get("numerics") or {}
    return {k: v.get("ok") for k, v in numerics.items() if isinstance(v, dict)}


def _diff(a: dict[str, int], b: dict[str, int]) -> str:
    parts = []
    for op in sorted(set(a) | set(b)):
        delta = b.get(op, 0) - a.get(op, 0)
        if delta:
            parts.append(f"{'+' if delta > 0 else ''}{delta} {op}")
    return ", ".join(parts[:8]) + (" ..." if len(parts) > 8 else "")


_NOT_RUN = ("ORT cannot load", "ORT run failed")


def _did_not_run(result: dict[str, Any], label: str) -> bool:
    entry = (result.get("numerics") or {}).get(label)
    return isinstance(entry, dict) and str(entry.get("detail", "")).startswith(_NOT_RUN)


def _numeric_regressions(legacy: dict[str, Any], ours: dict[str, Any]) -> list[str]:
    """Sizes where ours disagrees with eager and legacy's did not, or where ours does not run and legacy's does
    (legacy's detection graphs run but disagree with eager on NMS ties: not running is still worse)."""
    reasons = []
    legacy_numbers, our_numbers = _numbers(legacy), _numbers(ours)
    for label, ok in our_numbers.items():
        worse = legacy_numbers.get(label) is not False or (_did_not_run(ours, label) and not _did_not_run(legacy, label))
        if ok is False and worse:
            detail = ours["numerics"][label]["detail"]
            reasons.append(f"ORT vs eager at the {label} size: {detail}")
    return reasons


def _structural(legacy: dict[str, Any], ours: dict[str, Any], dim_names: set[str]) -> list[str]:
    lf, of = legacy["facts"], ours["facts"]
    reasons = []
    lost = _custom_multiset(lf, False) - _custom_multiset(of, False)
    if lost:
        reasons.append("custom node lost: " + ", ".join(sorted(lost)))
    elif _custom_multiset(lf, True) != _custom_multiset(of, True):
        reasons.append("custom node attributes or count differ")
    if lf["opsets"] != of["opsets"]:
        reasons.append(f"opset imports {lf['opsets']} vs {of['opsets']}")
    io = _io_differences(lf, of, dim_names)
    if io:
        reasons.append("; ".join(io)[:400])
    return reasons


def judge(legacy: dict[str, Any] | None, ours: dict[str, Any] | None, dim_names: set[str] | None = None) -> dict[str, Any]:
    """``{"verdict", "reason", "legacy_ok"}`` for one case."""
    dim_names = dim_names or set()
    legacy_failure, our_failure = _failure(legacy), _failure(ours)
    legacy_ok = legacy_failure is None
    if our_failure is None and ours.get("routed_exports") == 0:
        our_failure = "not routed: torch.onnx.export did not reach onnx_migrate under install()"
    if our_failure is not None:
        prefix = "" if legacy_ok else f"legacy also failed ({legacy_failure}); "
        return {"verdict": "failed", "reason": prefix + our_failure, "legacy_ok": legacy_ok}
    if not legacy_ok:
        numbers = _numbers(ours)
        if numbers and all(v is True for v in numbers.values()):
            return {"verdict": "equivalent", "legacy_ok": False,
                    "reason": f"legacy failed ({legacy_failure}); ours exports and matches eager PyTorch"}
        return {"verdict": "different", "legacy_ok": False,
                "reason": f"legacy failed ({legacy_failure}); ours exports but is not verified against eager"}
    reasons = _structural(legacy, ours, dim_names) + _numeric_regressions(legacy, ours)
    if reasons:
        return {"verdict": "different", "reason": "; ".join(reasons), "legacy_ok": True}
    lf, of = legacy["facts"], ours["facts"]
    checked = any(v is True for v in _numbers(legacy).values()) and any(v is True for v in _numbers(ours).values())
    if lf["ops"] == of["ops"]:
        return {"verdict": "identical", "reason": "", "legacy_ok": True}
    cross_checked = same_fingerprint(legacy.get("ort_fingerprint"), ours.get("ort_fingerprint"))
    if cross_checked is False:
        return {"verdict": "different", "legacy_ok": True,
                "reason": "ONNX Runtime gives other outputs than on the legacy exporter's file for the same input"}
    if lf["compute_ops"] != of["compute_ops"] and not checked and not cross_checked:
        return {"verdict": "different", "legacy_ok": True,
                "reason": "compute ops differ and ORT could not check the numbers: "
                + _diff(lf["compute_ops"], of["compute_ops"])}
    note = _diff(lf["compute_ops"], of["compute_ops"]) or "only shape plumbing differs"
    if cross_checked and not checked:
        note += " (numbers: ORT outputs equal the legacy file's on the example input)"
    return {"verdict": "equivalent", "reason": f"ops: {note}", "legacy_ok": True}
