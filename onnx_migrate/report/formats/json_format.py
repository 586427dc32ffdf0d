"""The JSON report: the scan as one document, validated by the shipped JSON Schema.

Tools consume this (dashboards, custom CI gates), so its shape is a contract:
``schema/report.schema.json`` describes it, ``SCHEMA_VERSION`` changes when it
changes, and the tests validate every document against the schema. Files with
neither findings nor errors are counted in the summary but not listed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from importlib import metadata
from typing import Any

from onnx_migrate.report.formats.summary import summarize
from onnx_migrate.report.results import Finding, Result
from onnx_migrate.report.rules import ALL_RULES
from onnx_migrate.report.rules.base import Rule

__all__ = ["SCHEMA_VERSION", "render_json", "report_document", "rule_document", "tool_version"]

SCHEMA_VERSION = "1.0"


def tool_version() -> str:
    """The installed onnx-migrate version (without importing the package and torch)."""
    try:
        return metadata.version("onnx-migrate")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def rule_document(rule: type[Rule]) -> dict[str, Any]:
    """What the report says about a rule (shared with SARIF's rule metadata)."""
    return {
        "code": rule.CODE,
        "name": rule.NAME,
        "severity": rule.SEVERITY.value,
        "summary": rule.SUMMARY,
        "automatic": rule.AUTOMATIC,
        "native": rule.NATIVE,
        "effort": rule.EFFORT.value,
        "fixable": rule.FIXABLE,
        "docs": rule.docs(),
    }


def _finding(finding: Finding) -> dict[str, Any]:
    return {
        "code": finding.code,
        "severity": finding.severity.value,
        "line": finding.line,
        "column": finding.column,
        "end_line": finding.end_line,
        "end_column": finding.end_column,
        "message": finding.message,
        "fixable": finding.fixable,
    }


def report_document(results: Sequence[Result], rules: Sequence[type[Rule]] = ALL_RULES) -> dict[str, Any]:
    """The report as plain data (what :func:`render_json` serializes)."""
    summary = summarize(results)
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "onnx-migrate", "version": tool_version()},
        "summary": {
            "files_scanned": summary.files_scanned,
            "files_with_findings": summary.files_with_findings,
            "files_with_errors": summary.files_with_errors,
            "findings": summary.findings,
            "fixable": summary.fixable,
            "by_severity": {severity.value: count for severity, count in summary.by_severity.items()},
            "by_rule": summary.by_rule,
        },
        "rules": [rule_document(rule) for rule in rules],
        "results": [
            {
                "path": result.path,
                "findings": [_finding(f) for f in result.findings],
                "error": None
                if result.error is None
                else {"kind": result.error.kind.value, "message": result.error.message},
            }
            for result in results
            if result.findings or result.error is not None
        ],
    }


def render_json(results: Sequence[Result], rules: Sequence[type[Rule]] = ALL_RULES) -> str:
    """The report as an indented JSON document (ends with a newline)."""
    return json.dumps(report_document(results, rules), indent=2, ensure_ascii=False) + "\n"
