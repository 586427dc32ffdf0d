"""``onnx-migrate report``: find legacy ONNX-export use in code, report it, fix what is safe.

Exit codes are a bitmask (as in Fixit): ``1`` = findings at or above
``--fail-on`` (default ``warning``: *info* findings work unchanged with
onnx_migrate and never fail CI; with ``--fix``: changes pending, not written),
``2`` = files that could not be scanned. ``--fail-on never`` keeps findings out
of the exit code. Settings can live in ``[tool.onnx-migrate]`` of the project's
``pyproject.toml`` (see :mod:`onnx_migrate.report.config`); options given here win.
Heavy dependencies stay out: the scan needs libcst and pathspec, never torch.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from onnx_migrate.report.discovery import DEFAULT_SKIPPED_DIRS

__all__ = ["HELP", "add_arguments", "run"]

HELP = "Scan Python code for legacy torch.onnx export use: report it, or fix what is safe (--fix)."

_FAIL_ON = ("error", "warning", "info", "never")
_DEFAULT_FAIL_ON = "warning"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``report`` subcommand's options."""
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files or directories to scan")
    parser.add_argument(
        "--format",
        choices=("text", "json", "markdown", "sarif"),
        default="text",
        help="report format (default: text); markdown is a migration ticket, sarif is for code-scanning UIs",
    )
    parser.add_argument("-o", "--output", metavar="FILE", help="write the report to FILE instead of stdout")
    parser.add_argument(
        "--fail-on",
        choices=_FAIL_ON,
        default=None,
        help=f"exit with bit 1 set when a finding has this severity or higher (default: {_DEFAULT_FAIL_ON}; "
        "info findings work unchanged with onnx_migrate)",
    )
    parser.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="GLOB",
        help="skip paths the walk finds that match this .gitignore-style pattern (repeatable); "
        "a path named on the command line is always scanned",
    )
    parser.add_argument("--no-gitignore", action="store_true", help="do not skip files ignored by .gitignore")
    parser.add_argument("--select", metavar="CODES", help="only these rule codes or prefixes, e.g. OMG0,OMG101")
    parser.add_argument("--ignore", metavar="CODES", help="skip these rule codes or prefixes")
    parser.add_argument(
        "--fix", action="store_true", help="print the safe rewrites as a unified diff (nothing is modified)"
    )
    parser.add_argument("--write", action="store_true", help="with --fix: apply the rewrites to the files")
    parser.add_argument(
        "--jobs", type=int, default=0, metavar="N", help="processes to scan with (default: one per CPU)"
    )
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto", help="colour the text report")
    parser.add_argument("--list-rules", action="store_true", help="list the rules and exit")
    parser.add_argument("--explain", metavar="CODE", help="print the migration guide of one rule, e.g. OMG203")
    parser.add_argument(
        "--no-config", action="store_true", help="ignore [tool.onnx-migrate] in pyproject.toml"
    )


def run(args: argparse.Namespace) -> int:
    """Run the subcommand; returns the exit code."""
    from onnx_migrate.cli import UsageError
    from onnx_migrate.report.config import ConfigError, ReportConfig, load_config
    from onnx_migrate.report.rules import UnknownRuleCodeError, select_rules

    if args.explain:
        from onnx_migrate.report.docs import explain

        try:
            sys.stdout.write(explain(args.explain))
        except KeyError as error:
            raise UsageError(error.args[0]) from None
        return 0
    try:
        config = ReportConfig() if args.no_config else load_config(Path.cwd())
    except ConfigError as error:
        raise UsageError(str(error)) from None
    select = _codes(args.select) if args.select is not None else config.select
    ignore = _codes(args.ignore) if args.ignore is not None else config.ignore
    try:
        rules = select_rules(select, ignore or None)
    except UnknownRuleCodeError as error:
        raise UsageError(f"{error}" + (f" (from {config.path})" if config.path else "")) from None
    args.exclude = [*config.exclude, *args.exclude]
    args.fail_on = args.fail_on or config.fail_on or _DEFAULT_FAIL_ON
    if args.list_rules:
        _list_rules(rules, sys.stdout)
        return 0
    if not args.paths:
        raise UsageError("give at least one PATH to scan (or --list-rules, --explain CODE)")
    if args.write and not args.fix:
        raise UsageError("--write only applies with --fix")
    if args.fix:
        return _run_fix(args, rules)
    return _run_report(args, rules)


def _codes(value: str | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return tuple(code.strip() for code in value.split(",") if code.strip())


def _run_report(args: argparse.Namespace, rules: tuple) -> int:  # type: ignore[type-arg]
    from onnx_migrate.report.formats import OutputFormat, render, use_color
    from onnx_migrate.report.progress import progress_bar, wants_progress
    from onnx_migrate.report.results import Severity, exit_code
    from onnx_migrate.report.scanner import ScanOptions, scan_paths

    options = ScanOptions(
        rules=rules, exclude=tuple(args.exclude), respect_gitignore=not args.no_gitignore, jobs=args.jobs
    )
    show = wants_progress(args.format, sys.stderr, sys.stdout, to_file=bool(args.output))
    with progress_bar(sys.stderr, show) as progress:
        results = scan_paths(args.paths, options, progress)
    output_format = OutputFormat(args.format)
    if args.output:
        text = render(results, output_format, rules=rules, color=args.color == "always")
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        text = render(results, output_format, rules=rules, color=use_color(sys.stdout, args.color))
        sys.stdout.write(text)
    if not results:
        print(_nothing_scanned(args), file=sys.stderr)
    fail_on = None if args.fail_on == "never" else Severity(args.fail_on)
    return exit_code(results, fail_on)


def _nothing_scanned(args: argparse.Namespace) -> str:
    """Why a run scanned no file: the walk skips ignored and excluded paths, and non-Python files."""
    skips = "--exclude/[tool.onnx-migrate] exclude patterns"
    if not args.no_gitignore:
        skips = ".gitignore files (--no-gitignore scans them), " + skips
    return (
        f"onnx-migrate report: no Python file scanned under {', '.join(args.paths)}: the walk skips "
        f"{skips} and {', '.join(sorted(DEFAULT_SKIPPED_DIRS)[:4])}... folders; name a file or folder to scan it."
    )


def _run_fix(args: argparse.Namespace, rules: tuple) -> int:  # type: ignore[type-arg]
    from onnx_migrate.report.discovery import iter_python_files
    from onnx_migrate.report.fixer import fix_file

    if args.format != "text" or args.output:
        print("onnx-migrate report: --fix prints a diff; --format and --output apply to the report", file=sys.stderr)
        return 2
    code = 0
    fixed = changed = remaining = found = 0
    for item in iter_python_files(args.paths, tuple(args.exclude), not args.no_gitignore):
        if not isinstance(item, Path):
            assert item.error is not None
            print(f"{item.path}: not fixed: {item.error.kind.value}: {item.error.message}", file=sys.stderr)
            code |= 2
            continue
        outcome = fix_file(item, rules, write=args.write)
        if outcome.error is not None:
            print(f"{outcome.path}: not fixed: {outcome.error.kind.value}: {outcome.error.message}", file=sys.stderr)
            code |= 2
            continue
        remaining += outcome.remaining
        found += outcome.found
        if outcome.diff:
            changed += 1
            fixed += outcome.fixed
            if not args.write:
                sys.stdout.write(outcome.diff)
    verb = "rewrote" if args.write else "would rewrite"
    note = "" if args.write or not changed else "; apply with --fix --write"
    # The parts add up to `found`: keyword findings go away with the call they were on.
    resolved = found - fixed - remaining
    print(
        f"onnx-migrate report --fix: {verb} {fixed} finding(s) in {changed} file(s){note}; "
        f"{resolved} more go with the calls rewritten; {remaining} remain (run without --fix to list them); "
        f"{found} found in all",
        file=sys.stderr,
    )
    if changed and not args.write:
        code |= 1
    return code


def _list_rules(rules: tuple, stream: TextIO) -> None:  # type: ignore[type-arg]
    width = max(len(rule.NAME) for rule in rules)
    for rule in rules:
        fix = "[*]" if rule.FIXABLE else "   "
        stream.write(f"{rule.CODE} {fix} {rule.NAME.ljust(width)}  {rule.SEVERITY.value:<7}  {rule.SUMMARY}\n")
    stream.write("[*] = rewritten by --fix. A rule's migration guide: onnx-migrate report --explain CODE\n")
