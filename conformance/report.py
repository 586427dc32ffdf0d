"""Write ``docs/conformance.md`` from the cached results."""

from __future__ import annotations

import collections
import re
import datetime
import pathlib
from collections.abc import Sequence
from typing import Any

from conformance import sources, versions
from conformance.case import Case
from conformance.facts import PLUMBING_OPS
from conformance.verdict import VERDICTS, judge

__all__ = ["judge_all", "render", "write"]

REPORT_PATH = pathlib.Path(__file__).parent.parent / "docs" / "conformance.md"


def judge_all(cases: Sequence[Case], results: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per case that has both a legacy and a migrate result."""
    rows = []
    for case in cases:
        modes = results.get(case.id, {})
        if "legacy" not in modes or "migrate" not in modes:
            continue
        legacy, ours, dynamo = modes["legacy"], modes["migrate"], modes.get("dynamo")
        names = set(legacy.get("dim_names") or ours.get("dim_names") or [])
        row = {"case": case.id, "source": case.source, **judge(legacy, ours, names),
               "from_fingerprint": ours.get("from_fingerprint")}
        if case.known_limitation and row["verdict"] in ("failed", "different"):
            row["reason"] = f"{case.known_limitation}. Seen: {row['reason']}"
        for label, result in (("legacy", legacy), ("ours", ours), ("dynamo", dynamo)):
            ok = result is not None and result.get("status") == "ok"
            row[f"{label}_nodes"] = result["facts"]["node_count"] if ok else None
            row[f"{label}_seconds"] = result.get("export_seconds") if ok else None
        rows.append(row)
    return rows


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def _summary(rows: list[dict[str, Any]]) -> list[str]:
    lines = ["| source | cases | " + " | ".join(VERDICTS) + " | legacy exports | identical+equivalent of those |",
             "| --- | ---: | " + " | ".join("---:" for _ in VERDICTS) + " | ---: | ---: |"]
    by_source: dict[str, list[dict[str, Any]]] = collections.defaultdict(list)
    for row in rows:
        by_source[row["source"]].append(row)
    for source, group in sorted(by_source.items()) + [("**all**", rows)]:
        counts = collections.Counter(r["verdict"] for r in group)
        legacy_ok = [r for r in group if r["legacy_ok"]]
        good = sum(r["verdict"] in ("identical", "equivalent") for r in legacy_ok)
        share = f"{good} ({100 * good / len(legacy_ok):.0f} %)" if legacy_ok else "-"
        lines.append(f"| {source} | {len(group)} | " + " | ".join(str(counts[v]) for v in VERDICTS)
                     + f" | {len(legacy_ok)} | {share} |")
    return lines


def _times(rows: list[dict[str, Any]]) -> list[str]:
    both = [r for r in rows if r["legacy_seconds"] is not None and r["ours_seconds"] is not None]
    three = [r for r in both if r["dynamo_seconds"] is not None]
    lines = []
    if both:
        ours, legacy = sum(r["ours_seconds"] for r in both), sum(r["legacy_seconds"] for r in both)
        lines.append(f"- {len(both)} cases both exported: onnx_migrate {ours:.1f} s vs legacy {legacy:.1f} s "
                     f"({ours / legacy:.2f}x); nodes {sum(r['ours_nodes'] for r in both)} vs "
                     f"{sum(r['legacy_nodes'] for r in both)}.")
    if three:
        ours, dynamo = sum(r["ours_seconds"] for r in three), sum(r["dynamo_seconds"] for r in three)
        lines.append(f"- {len(three)} cases all three exported: onnx_migrate {ours:.1f} s vs the new exporter "
                     f"(dynamo=True) {dynamo:.1f} s ({ours / dynamo:.2f}x); nodes {sum(r['ours_nodes'] for r in three)}"
                     f" vs {sum(r['dynamo_nodes'] for r in three)}.")
    return lines or ["- no case has export times from both exporters yet."]


def _top_reasons(rows: list[dict[str, Any]], limit: int = 15) -> list[str]:
    def key(reason: str) -> str:
        if reason.startswith("torch.export limitation"):
            return reason.split(". ", 1)[0][:160]
        if reason.startswith("legacy also failed"):
            reason = "legacy also failed; ours: " + reason.split("); ", 1)[-1]
        else:
            reason = reason.split(";")[0]
        return re.sub(r"\b\w+(Model|Config)\b", "<Model>", reason)[:160]

    counter = collections.Counter(key(r["reason"]) for r in rows if r["verdict"] in ("failed", "different"))
    return [f"{count} x {reason}" for reason, count in counter.most_common(limit)]


def _fingerprint_note(rows: list[dict[str, Any]]) -> list[str]:
    """Which onnx_migrate sources the results describe, when some come from an earlier full run."""
    older = collections.Counter(r["source"] for r in rows if r.get("from_fingerprint"))
    if not older:
        return []
    fallback = versions.FALLBACK_FINGERPRINT[0]
    return ["", f"onnx_migrate results: the current sources (fingerprint {versions.onnx_migrate_fingerprint()}) "
            f"for every case except {sum(older.values())}, whose result comes from the full run of fingerprint "
            f"{fallback} ({', '.join(f'{s} {n}' for s, n in sorted(older.items()))}). "
            "`python -m conformance run` reruns them."]


def _misses(rows: list[dict[str, Any]]) -> list[str]:
    """Each case the legacy exporter exports and onnx_migrate does not match, with its whole reason."""
    misses = [r for r in rows if r["legacy_ok"] and r["verdict"] not in ("identical", "equivalent")]
    return [f"- `{r['case']}` ({r['verdict']}): {_cell(r['reason'][:600])}" for r in misses] or ["- none"]


def render(cases: Sequence[Case], results: dict[str, dict[str, Any]], command: str) -> str:
    rows = judge_all(cases, results)
    env = versions.environment()
    ran = sorted({r["source"] for r in rows})
    not_run = sorted({c.source for c in cases} - set(ran))
    out = ["# Conformance: third-party export code, legacy exporter vs onnx_migrate", "",
           f"Generated by `{command}` on {datetime.date.today().isoformat()} from the cached results "
           "(see [conformance/README.md](../conformance/README.md) for how each case is run and judged).", "",
           f"Sources with results: {', '.join(ran) or 'none'}. Cases in the corpus: {len(cases)}; with both a legacy "
           f"and an onnx_migrate result: {len(rows)}. Sources in the corpus with no result yet: "
           f"{', '.join(not_run) or 'none'}.", *_fingerprint_note(rows), "", "## Versions", "",
           "| package | version |", "| --- | --- |"]
    out += [f"| {name} | {value} |" for name, value in env.items()]
    out += ["", "## Summary per source", ""] + _summary(rows)
    out += ["", "## Export time", ""] + _times(rows)
    out += ["", "## Top reasons (failed or different)", ""] + [f"1. {line}" for line in _top_reasons(rows)]
    out += ["", "## Legacy-exportable cases not identical or equivalent", ""] + _misses(rows)
    out += ["", "## Sources skipped, with the reason", "", "| source | reason |", "| --- | --- |"]
    out += [f"| {s.source} | {_cell(s.reason)} |" for s in sources.skipped_sources()]
    out += ["", "## All cases", "", "Times in seconds; nodes counted with subgraphs. "
            f"Shape plumbing left out of the compute-op comparison: {', '.join(sorted(PLUMBING_OPS))}.", "",
            "| case | verdict | legacy nodes | ours nodes | dynamo nodes | legacy s | ours s | dynamo s | reason |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for row in rows:
        out.append("| " + " | ".join(_cell(row[k]) for k in (
            "case", "verdict", "legacy_nodes", "ours_nodes", "dynamo_nodes", "legacy_seconds", "ours_seconds",
            "dynamo_seconds")) + f" | {_cell(row['reason'][:300])} |")
    return "\n".join(out) + "\n"


def write(cases: Sequence[Case], results: dict[str, dict[str, Any]], command: str,
          path: pathlib.Path = REPORT_PATH) -> pathlib.Path:
    path.write_text(render(cases, results, command), encoding="utf-8")
    return path
