"""The Markdown report: a migration ticket to paste into an issue tracker.

It answers what the people planning the migration ask: how much is there
(totals per rule), how much work (effort, what ``--fix`` takes care of), in
what order (the plan), and where (findings per file). Rule codes link to the
per-rule guide in ``docs/rules.md``.
"""

from __future__ import annotations

from collections.abc import Sequence

from onnx_migrate.report.formats.summary import Summary, plural, summarize
from onnx_migrate.report.results import Result, Severity
from onnx_migrate.report.rules import ALL_RULES
from onnx_migrate.report.rules.base import Effort, Rule

__all__ = ["render_markdown"]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _link(rule: type[Rule]) -> str:
    return f"[{rule.CODE}]({rule.docs()})"


def _codes(rules: Sequence[type[Rule]], summary: Summary) -> str:
    return ", ".join(f"{_link(rule)} ×{summary.by_rule[rule.CODE]}" for rule in rules)


def render_markdown(results: Sequence[Result], rules: Sequence[type[Rule]] = ALL_RULES) -> str:
    """The report as a Markdown document (ends with a newline)."""
    summary = summarize(results)
    found = summary.rules_found(rules)
    counts = summary.by_severity
    out = ["# ONNX export migration report", ""]
    out.append(
        f"Scanned {plural(summary.files_scanned, 'Python file')}: **{plural(summary.findings, 'finding')}** in "
        f"{plural(summary.files_with_findings, 'file')} ({plural(counts[Severity.ERROR], 'error')}, "
        f"{plural(counts[Severity.WARNING], 'warning')}, {counts[Severity.INFO]} info). "
        f"**{summary.fixable}** can be rewritten automatically by `onnx-migrate report --fix`."
    )
    if summary.files_with_errors:
        out.append("")
        out.append(f"{plural(summary.files_with_errors, 'file')} could not be scanned (listed at the end).")
    out.append("")
    out.append(
        "Severities: **error** = stops working when TorchScript goes (or already fails); **warning** = runs, but "
        "torch's torch.export-based exporter ignores or changes it; **info** = works unchanged with onnx_migrate, "
        "listed for a later move to native torch APIs."
    )
    if not found:
        out += ["", "No legacy ONNX export use found."]
        return _with_errors(out, results)

    out += ["", "## Findings per rule", ""]
    out.append("| Rule | Severity | Findings | Files | Auto-fix | Effort | What onnx_migrate does |")
    out.append("|---|---|---:|---:|---:|---|---|")
    for rule in found:
        out.append(
            f"| {_link(rule)} `{rule.NAME}` | {rule.SEVERITY.value} | {summary.by_rule[rule.CODE]} | "
            f"{summary.files_by_rule[rule.CODE]} | {summary.fixable_by_rule.get(rule.CODE, 0)} | {rule.EFFORT.value} "
            f"| {_cell(rule.AUTOMATIC)} |"
        )

    out += ["", "## Effort", ""]
    manual = {effort: 0 for effort in Effort}
    for rule in found:
        by_hand = summary.by_rule[rule.CODE] - summary.fixable_by_rule.get(rule.CODE, 0)
        # A finding of an automatically fixable rule that --fix could not rewrite is a small local edit.
        effort = Effort.LOW if rule.EFFORT is Effort.AUTOMATIC else rule.EFFORT
        manual[effort] += by_hand
    out.append(f"- rewritten by `--fix`: {plural(summary.fixable, 'finding')}")
    for effort in (Effort.LOW, Effort.MEDIUM, Effort.HIGH):
        out.append(f"- {effort.value} effort, by hand: {plural(manual[effort], 'finding')}")

    out += ["", "## Plan", ""]
    out += _plan(found, summary)

    out += ["", "## Findings by file", ""]
    for result in results:
        if not result.findings:
            continue
        out += [f"### `{result.path}`", "", "| Line | Rule | Severity | Message |", "|---:|---|---|---|"]
        for finding in result.findings:
            fix = " (auto-fix)" if finding.fixable else ""
            rule_link = f"[{finding.code}](docs/rules.md#{finding.code.lower()})"
            out.append(
                f"| {finding.line}:{finding.column} | {rule_link}{fix} | {finding.severity.value} | "
                f"{_cell(finding.message)} |"
            )
        out.append("")
    if out[-1] == "":
        out.pop()
    return _with_errors(out, results)


def _plan(found: Sequence[type[Rule]], summary: Summary) -> list[str]:
    steps: list[str] = []
    fixable = [rule for rule in found if summary.fixable_by_rule.get(rule.CODE)]
    if fixable:
        steps.append(
            f"**Apply the safe rewrites** ({_codes(fixable, summary)}): review `onnx-migrate report --fix PATH...` "
            "(a unified diff), then apply it with `--fix --write`."
        )
    errors = [
        rule
        for rule in found
        if rule.SEVERITY is Severity.ERROR and summary.by_rule[rule.CODE] > summary.fixable_by_rule.get(rule.CODE, 0)
    ]
    if errors:
        steps.append(f"**Fix what will break** by hand ({_codes(errors, summary)}):")
        steps += [f"   - {_link(rule)}: {rule.AUTOMATIC} Natively: {rule.NATIVE}" for rule in errors]
    warnings = [rule for rule in found if rule.SEVERITY is Severity.WARNING]
    if warnings:
        steps.append(
            f"**Check what changes meaning** under torch's new exporter ({_codes(warnings, summary)}): keep these "
            "calls on `onnx_migrate.export`, or port each option as its guide says."
        )
    infos = [rule for rule in found if rule.SEVERITY is Severity.INFO]
    if infos:
        steps.append(
            f"**Later, move to native torch APIs** ({_codes(infos, summary)}): symbolic functions become onnxscript "
            "functions in `torch.onnx.export(..., dynamo=True, custom_translation_table=...)`."
        )
    steps.append("**Verify**: export with `onnx_migrate.export(..., verify=True)` and compare with ONNX Runtime.")
    numbered = []
    number = 0
    for step in steps:
        if step.startswith("   - "):
            numbered.append(step)
        else:
            number += 1
            numbered.append(f"{number}. {step}")
    return numbered


def _with_errors(out: list[str], results: Sequence[Result]) -> str:
    failed = [result for result in results if result.error is not None]
    if failed:
        out += ["", "## Files that could not be scanned", "", "| File | Problem |", "|---|---|"]
        for result in failed:
            assert result.error is not None
            out.append(f"| `{result.path}` | {result.error.kind.value}: {_cell(result.error.message)} |")
    return "\n".join(out) + "\n"
