"""Totals every output format shows: per severity, per rule, per effort, fixable, failed files.

Computed once from the results so the terminal table, the JSON document, the
Markdown ticket and the SARIF log can never disagree about the numbers.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Sequence

from onnx_migrate.report.results import Result, Severity
from onnx_migrate.report.rules import ALL_RULES
from onnx_migrate.report.rules.base import Rule

__all__ = ["Summary", "summarize"]


@dataclasses.dataclass(frozen=True)
class Summary:
    """Counts over a whole scan."""

    files_scanned: int
    files_with_findings: int
    files_with_errors: int
    findings: int
    fixable: int
    by_severity: dict[Severity, int]
    by_rule: dict[str, int]
    files_by_rule: dict[str, int]
    fixable_by_rule: dict[str, int]

    def rules_found(self, rules: Sequence[type[Rule]] = ALL_RULES) -> list[type[Rule]]:
        """The rules with at least one finding, in code order."""
        return [rule for rule in rules if self.by_rule.get(rule.CODE)]


def summarize(results: Sequence[Result]) -> Summary:
    """Totals over ``results``."""
    by_severity: Counter[Severity] = Counter()
    by_rule: Counter[str] = Counter()
    files_by_rule: Counter[str] = Counter()
    fixable_by_rule: Counter[str] = Counter()
    for result in results:
        for finding in result.findings:
            by_severity[finding.severity] += 1
            by_rule[finding.code] += 1
            fixable_by_rule[finding.code] += finding.fixable
        for code in {finding.code for finding in result.findings}:
            files_by_rule[code] += 1
    return Summary(
        files_scanned=sum(1 for r in results if r.error is None),
        files_with_findings=sum(1 for r in results if r.findings),
        files_with_errors=sum(1 for r in results if r.error is not None),
        findings=sum(by_rule.values()),
        fixable=sum(fixable_by_rule.values()),
        by_severity={severity: by_severity.get(severity, 0) for severity in Severity},
        by_rule=dict(sorted(by_rule.items())),
        files_by_rule=dict(sorted(files_by_rule.items())),
        fixable_by_rule=dict(sorted(fixable_by_rule.items())),
    )


def plural(count: int, noun: str) -> str:
    """``1 file`` / ``2 files``."""
    return f"{count} {noun}" + ("" if count == 1 else "s")
