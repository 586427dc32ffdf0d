"""The ``onnx-migrate`` command line: one subcommand per module, listed once.

Each subcommand module (``onnx_migrate.cli.<command>``) exposes ``HELP`` (one
line), ``add_arguments(parser)`` and ``run(args) -> int`` (the exit code); it
checks the arguments and calls the implementation, which lives with its package
(``compat`` for demo and run, ``report``, ``side_by_side`` for check). Heavy
imports (torch, onnxruntime) wait until ``run``, after the arguments are
checked, so that ``--help``, ``report`` and a mistyped path answer at once.

User mistakes (a missing file, an opset the model cannot use, an unwritable
output) print one line, ``onnx-migrate CMD: error: ...``, and exit 2; ``--debug``
shows the traceback. Anything else is a bug of ours and keeps its traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import Any

__all__ = ["COMMANDS", "UsageError", "main"]

#: subcommand name -> module implementing it.
COMMANDS: dict[str, str] = {
    "check": "onnx_migrate.cli.check",
    "demo": "onnx_migrate.cli.demo",
    "port": "onnx_migrate.cli.port",
    "report": "onnx_migrate.cli.report",
    "run": "onnx_migrate.cli.run",
}

#: What bare ``onnx-migrate`` prints: the commands and how a first session uses them.
SHORT_HELP = """\
onnx-migrate {version}: keep legacy torch.onnx export code working without TorchScript.

  onnx-migrate demo                    export a bundled legacy-style model and verify it
  onnx-migrate run export.py [ARGS]    run your legacy export script unchanged on onnx_migrate
  onnx-migrate check export.py [ARGS]  compare its models with torch's legacy exporter's
  onnx-migrate report src/             list legacy ONNX-export code; --fix rewrites what is safe
  onnx-migrate port -o translations.py export.py [ARGS]
                                       write its custom symbolics as dynamo=True translations, verified
  onnx-migrate report --explain OMG203 the migration guide of one report rule

`onnx-migrate COMMAND --help` for a command's options; --debug shows tracebacks of errors.
"""


class UsageError(Exception):
    """A mistake in what the user asked for: printed as one line, exit status 2."""


def _version() -> str:
    from onnx_migrate import __version__

    return __version__


def _parser(names: Sequence[str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="onnx-migrate",
        description="Keep legacy torch.onnx export code working without TorchScript.",
        epilog="Bare `onnx-migrate` prints examples.",
    )
    parser.add_argument("--version", action="version", version=f"onnx-migrate {_version()}")
    parser.add_argument("--debug", action="store_true", help="show the full traceback of errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in names:
        module = importlib.import_module(COMMANDS[name])
        command = sub.add_parser(name, help=module.HELP, description=module.HELP)
        command.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        module.add_arguments(command)
        command.set_defaults(_module=module)
    return parser


def _is_user_error(exc: BaseException) -> bool:
    """Errors that describe what the user asked for, not a bug: ours (already worded for users), OS errors."""
    if isinstance(exc, (UsageError, OSError)):
        return True
    errors = sys.modules.get("onnx_migrate.errors")  # loaded whenever one of ours can have been raised
    return errors is not None and isinstance(exc, errors.OnnxMigrateError)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (``python -m onnx_migrate`` and the console script use it)."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    if not arguments:
        sys.stdout.write(SHORT_HELP.format(version=_version()))
        return 0
    # Import only the subcommand that runs (``report`` must not pay for torch);
    # all of them for ``--help`` or a mistyped command.
    selected = next((a for a in arguments if not a.startswith("-")), None)
    names = [selected] if selected in COMMANDS else list(COMMANDS)
    args = _parser(names).parse_args(arguments)
    try:
        return int(args._module.run(args) or 0)
    except Exception as exc:
        if args.debug or not _is_user_error(exc):
            raise
        message = str(exc).strip() or type(exc).__name__
        print(f"onnx-migrate {args.command}: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
