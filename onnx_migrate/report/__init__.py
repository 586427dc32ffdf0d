"""The migration report: find legacy ONNX-export use in a codebase, say what to do, fix what is safe.

Static scan only (the runtime ``ExportReport`` lives with the export engine).
Public entry points::

    from onnx_migrate.report import scan_paths, scan_source, fix_source

    results = scan_paths(["src/"])              # one Result per file
    findings = scan_source("import torch\\n...")  # findings of one source string
    outcome = fix_source(source)               # the safe rewrites, applied

The CLI is ``onnx-migrate report`` (:mod:`onnx_migrate.cli.report`). Rules, their codes and
their guides are in :mod:`.rules` and ``docs/rules.md``.
"""

from __future__ import annotations

from onnx_migrate.report.fixer import FileFix, FixOutcome, fix_file, fix_source
from onnx_migrate.report.formats import OutputFormat, render
from onnx_migrate.report.results import ErrorKind, FileError, Finding, Result, Severity, exit_code
from onnx_migrate.report.rules import ALL_RULES, select_rules
from onnx_migrate.report.scanner import ScanOptions, scan_file, scan_paths, scan_source

__all__ = [
    "ALL_RULES",
    "ErrorKind",
    "FileError",
    "FileFix",
    "Finding",
    "FixOutcome",
    "OutputFormat",
    "Result",
    "ScanOptions",
    "Severity",
    "exit_code",
    "fix_file",
    "fix_source",
    "render",
    "scan_file",
    "scan_paths",
    "scan_source",
    "select_rules",
]
