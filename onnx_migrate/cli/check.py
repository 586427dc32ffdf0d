"""``onnx-migrate check script.py [args...]``: prove a migration before making it.

Runs the script with onnx_migrate and again with torch's legacy exporter (or
compares with saved models, ``--reference``), and prints a verdict per exported
model. The script's own output goes to stderr so that the report on stdout (or
in ``--output``) stays machine-readable. Exit codes for CI: ``0`` every model
identical or equivalent, ``1`` a model is different, ``2`` the check could not
be made (missing script, script failure, no export, bad reference, no legacy
exporter).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

__all__ = ["HELP", "add_arguments", "run"]

HELP = "Export with onnx_migrate and with torch's legacy exporter (or a saved model) and compare the models."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``check`` subcommand's options."""
    from onnx_migrate.side_by_side.formats import FORMATS

    parser.add_argument("-m", "--module", action="store_true", help="run a module by name, like python -m")
    parser.add_argument(
        "--reference",
        action="append",
        metavar="MODEL.onnx",
        help="compare with this saved model instead of running torch's legacy exporter; "
        "repeat once per export, in the order the script exports",
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="report format (default: text); markdown/html for pull requests",
    )
    parser.add_argument("-o", "--output", type=Path, metavar="FILE", help="write the report to FILE instead of stdout")
    parser.add_argument("--color", choices=("auto", "always", "never"), default="auto", help="colour the text report")
    parser.add_argument("script", help="the export script to run (or module name with -m)")
    parser.add_argument("script_args", nargs=argparse.REMAINDER, help="arguments passed to the script")


def run(args: argparse.Namespace) -> int:
    """Run the subcommand; returns the exit code."""
    from onnx_migrate.cli import UsageError

    # Checked before torch is imported: a typo answers at once.
    if not args.module and not Path(args.script).is_file():
        raise UsageError(f"no such script: {args.script}")
    missing = [path for path in args.reference or () if not Path(path).is_file()]
    if missing:
        raise UsageError(f"--reference: the reference model {missing[0]} does not exist")
    if args.output is not None and not args.output.parent.is_dir():
        raise UsageError(f"cannot write the report to {args.output}: the folder {args.output.parent} does not exist")

    from onnx_migrate.side_by_side.formats import write
    from onnx_migrate.side_by_side.script import check_script

    def log(line: str) -> None:
        print(f"onnx-migrate check: {line}", file=sys.stderr, flush=True)

    with contextlib.redirect_stdout(sys.stderr):  # the script's prints must not mix with the report
        result = check_script(
            args.script, list(args.script_args), as_module=args.module, references=args.reference, log=log
        )
    for error in result.errors:
            print(f"onnx-migrate check: error: {error}", file=sys.stderr)
    color = {"auto": None, "always": True, "never": False}[args.color]
    if args.output is not None:
        try:
            with args.output.open("w", encoding="utf-8") as stream:
                write(result, args.format, stream, color=False if color is None else color)
        except OSError as exc:
            print(f"onnx-migrate check: error: cannot write the report to {args.output}: {exc}", file=sys.stderr)
            return 2
        log(f"{result.verdict.value}: report written to {args.output}")
    else:
        write(result, args.format, sys.stdout, color=color)
    return result.exit_code
