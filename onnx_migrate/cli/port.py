"""``onnx-migrate port script.py [args...] -o translations.py``: legacy symbolics to native translations.

The arguments only; recording, writing and verifying is :func:`onnx_migrate.porting.api.port`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from onnx_migrate.cli import UsageError

__all__ = ["HELP", "add_arguments", "run"]

HELP = (
    "Run a legacy export script, write the custom symbolics it uses as translation functions for "
    "torch.onnx.export(dynamo=True), and verify them."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``port`` subcommand's options (before the script; everything after it is the script's)."""
    parser.add_argument(
        "-o", "--output", type=Path, metavar="FILE.py",
        help="the module to write; may also come last, after the script's arguments, when it names a .py file",
    )
    parser.add_argument("-m", "--module", action="store_true", help="run a module by name, like python -m")
    parser.add_argument("--no-verify", action="store_true", help="write the module without exporting again to compare")
    parser.add_argument("script", help="the script to run (or module name with -m)")
    parser.add_argument("script_args", nargs=argparse.REMAINDER, help="arguments passed to the script")


def _trailing_output(script_args: list[str]) -> tuple[Path | None, list[str]]:
    """``script.py ARGS -o translations.py`` (the issue's order): a last ``-o``/``--output`` naming a ``.py``."""
    if len(script_args) >= 2 and script_args[-2] in ("-o", "--output") and script_args[-1].endswith(".py"):
        return Path(script_args[-1]), script_args[:-2]
    if script_args and script_args[-1].startswith("--output=") and script_args[-1].endswith(".py"):
        return Path(script_args[-1].split("=", 1)[1]), script_args[:-1]
    return None, script_args


def run(args: argparse.Namespace) -> int:
    """Port; exit status 0 when every symbolic is verified, 1 when some need attention."""
    if not args.module and not Path(args.script).is_file():
        raise UsageError(f"no such script: {args.script}")
    script_args = list(args.script_args)
    if args.output is None:
        args.output, script_args = _trailing_output(script_args)
    if args.output is None:
        raise UsageError("give the module to write: onnx-migrate port -o translations.py script.py [ARGS]")
    from onnx_migrate.porting.api import port

    result = port(args.script, args.output, script_args=script_args, as_module=args.module, verify=not args.no_verify)
    sys.stdout.flush()
    print(result.summary(), file=sys.stderr)
    return 0 if result.ok or args.no_verify else 1
