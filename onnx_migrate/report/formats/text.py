"""The terminal report: findings grouped by file, aligned, coloured only on a terminal.

One line per finding (``line:col  severity  CODE [*] message``, ``[*]`` meaning
``--fix`` rewrites it) under a file header, then a summary line. Colour is an
ANSI escape that turns into noise in a CI log or a file, so it is used only
when asked for or when writing to a terminal, and never when ``NO_COLOR`` is set.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TextIO

from onnx_migrate.report.formats.summary import plural, summarize
from onnx_migrate.report.results import Result, Severity

__all__ = ["render_text", "use_color"]

_RESET = "\033[0m"
_STYLES = {
    "path": "\033[1m",
    "code": "\033[1m",
    "dim": "\033[2m",
    Severity.ERROR: "\033[31m",
    Severity.WARNING: "\033[33m",
    Severity.INFO: "\033[36m",
    "failed": "\033[31;1m",
}


def use_color(stream: TextIO, choice: str = "auto") -> bool:
    """Whether to colour output: ``always``/``never``, or ``auto`` = a terminal and no ``NO_COLOR``."""
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def render_text(results: Sequence[Result], *, color: bool = False) -> str:
    """The report as terminal text (ends with a newline)."""

    def paint(style: object, text: str) -> str:
        return f"{_STYLES[style]}{text}{_RESET}" if color else text

    lines: list[str] = []
    for result in results:
        if not result.findings and result.error is None:
            continue
        lines.append(paint("path", result.path))
        if result.error is not None:
            lines.append(f"  {paint('failed', 'not scanned')}  {result.error.kind.value}: {result.error.message}")
        width = max((len(f"{f.line}:{f.column}") for f in result.findings), default=0)
        for finding in result.findings:
            where = f"{finding.line}:{finding.column}".ljust(width)
            severity = paint(finding.severity, finding.severity.value.ljust(7))
            fix = "[*]" if finding.fixable else "   "
            lines.append(f"  {where}  {severity}  {paint('code', finding.code)} {fix} {finding.message}")
    summary = summarize(results)
    counts = summary.by_severity
    if summary.findings:
        lines.append("")
        lines.append(
            f"{plural(summary.findings, 'finding')} ({plural(counts[Severity.ERROR], 'error')}, "
            f"{plural(counts[Severity.WARNING], 'warning')}, {counts[Severity.INFO]} info) in "
            f"{summary.files_with_findings} of {plural(summary.files_scanned, 'file')}; "
            f"{summary.fixable} fixable with `onnx-migrate report --fix` ([*])."
        )
    else:
        lines.append(f"No legacy ONNX export use found in {plural(summary.files_scanned, 'file')}.")
    if summary.files_with_errors:
        lines.append(paint("failed", f"{plural(summary.files_with_errors, 'file')} could not be scanned (see above)."))
    if summary.findings:
        lines.append(paint("dim", "A rule's migration guide: onnx-migrate report --explain CODE"))
    return "\n".join(lines) + "\n"
