"""``onnx-migrate run script.py [args...]``: run unmodified legacy export code on onnx_migrate.

The arguments only; running the script and its report is
:func:`onnx_migrate.compat.run.run_and_report`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from onnx_migrate.cli import UsageError
from onnx_migrate.compat import run as _run

__all__ = ["HELP", "add_arguments", "run"]

HELP = "Run a Python script with onnx_migrate installed, then print the migration report of its exports."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``run`` subcommand's options."""
    parser.add_argument("-m", "--module", action="store_true", help="run a module by name, like python -m")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="report format (default: text)")
    parser.add_argument(
        "-o", "--output", "--report-file", dest="output", type=Path, metavar="FILE",
        help="write the report to FILE (default: text to stderr, json to stdout)",
    )
    parser.add_argument("script", help="the script to run (or module name with -m)")
    parser.add_argument("script_args", nargs=argparse.REMAINDER, help="arguments passed to the script")


def run(args: argparse.Namespace) -> int:
    """Check the arguments, run the script; returns the exit code."""
    # Checked before torch is imported: a typo answers at once.
    if not args.module and not Path(args.script).is_file():
        raise UsageError(f"no such script: {args.script}")
    if args.output is not None and not args.output.parent.is_dir():
        raise UsageError(f"--output: the folder {args.output.parent} does not exist")
    return _run.run_and_report(
        args.script,
        list(args.script_args),
        as_module=args.module,
        fmt=args.format,
        output=args.output,
        full_traceback=getattr(args, "debug", False),
    )
