"""The SARIF 2.1.0 report, for code-scanning UIs (GitHub code scanning, VS Code SARIF viewer).

One run, one result per finding, every rule described in the driver with its
guide as help text; files that could not be scanned become tool execution
notifications, so the upload still succeeds and the UI shows why a file is
missing. Relative paths are given against ``%SRCROOT%`` as code-scanning
services expect; the output validates against the official schema shipped in
``schema/sarif-2.1.0.schema.json``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from onnx_migrate.report.formats.json_format import tool_version
from onnx_migrate.report.results import Result
from onnx_migrate.report.rules import ALL_RULES
from onnx_migrate.report.rules.base import Rule

__all__ = ["SARIF_SCHEMA_URI", "render_sarif", "sarif_document"]

SARIF_SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"


def _artifact(path: str) -> dict[str, str]:
    pure = PurePath(path)
    if pure.is_absolute():
        return {"uri": "file://" + quote(pure.as_posix())}
    return {"uri": quote(pure.as_posix()), "uriBaseId": "%SRCROOT%"}


def _help_markdown(rule: type[Rule]) -> str:
    text = (
        f"**{rule.CODE} {rule.NAME}**: {rule.SUMMARY}\n\n"
        f"**What onnx_migrate does:** {rule.AUTOMATIC}\n\n"
        f"**Native torch:** {rule.NATIVE}\n\n"
        f"Before:\n\n```python\n{rule.GUIDE.before}```\n\nWith onnx_migrate:\n\n```python\n{rule.GUIDE.onnx_migrate}```\n"
    )
    if rule.GUIDE.native:
        text += f"\nNative torch:\n\n```python\n{rule.GUIDE.native}```\n"
    return text + f"\nSee onnx_migrate `{rule.docs()}`.\n"


def _rule(rule: type[Rule]) -> dict[str, Any]:
    return {
        "id": rule.CODE,
        "name": rule.NAME,
        "shortDescription": {"text": rule.SUMMARY},
        "fullDescription": {"text": f"{rule.SUMMARY} What onnx_migrate does: {rule.AUTOMATIC}"},
        "help": {
            "text": f"What onnx_migrate does: {rule.AUTOMATIC} Native torch: {rule.NATIVE} ({rule.docs()})",
            "markdown": _help_markdown(rule),
        },
        "defaultConfiguration": {"level": rule.SEVERITY.sarif_level},
        "properties": {
            "tags": ["onnx", "migration", rule.SEVERITY.value],
            "effort": rule.EFFORT.value,
            "fixable": rule.FIXABLE,
            "docs": rule.docs(),
        },
    }


def sarif_document(results: Sequence[Result], rules: Sequence[type[Rule]] = ALL_RULES) -> dict[str, Any]:
    """The SARIF log as plain data."""
    index = {rule.CODE: position for position, rule in enumerate(rules)}
    sarif_results = []
    notifications = []
    for result in results:
        for finding in result.findings:
            entry: dict[str, Any] = {
                "ruleId": finding.code,
                "level": finding.severity.sarif_level,
                "message": {"text": finding.message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": _artifact(result.path),
                            "region": {
                                "startLine": finding.line,
                                "startColumn": finding.column,
                                "endLine": finding.end_line,
                                "endColumn": finding.end_column,
                            },
                        }
                    }
                ],
                "properties": {"fixable": finding.fixable},
            }
            if finding.code in index:
                entry["ruleIndex"] = index[finding.code]
            sarif_results.append(entry)
        if result.error is not None:
            notifications.append(
                {
                    "level": "error",
                    "message": {"text": f"{result.path}: {result.error.kind.value}: {result.error.message}"},
                    "locations": [{"physicalLocation": {"artifactLocation": _artifact(result.path)}}],
                    "properties": {"kind": result.error.kind.value},
                }
            )
    return {
        "$schema": SARIF_SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "onnx-migrate",
                        "version": tool_version(),
                        "rules": [_rule(rule) for rule in rules],
                    }
                },
                "invocations": [
                    {"executionSuccessful": not notifications, "toolExecutionNotifications": notifications}
                ],
                "columnKind": "unicodeCodePoints",
                "results": sarif_results,
            }
        ],
    }


def render_sarif(results: Sequence[Result], rules: Sequence[type[Rule]] = ALL_RULES) -> str:
    """The SARIF log as indented JSON (ends with a newline)."""
    return json.dumps(sarif_document(results, rules), indent=2, ensure_ascii=False) + "\n"
