"""The ``onnx-migrate`` command line: one subcommand per module, listed once.

Each subcommand module exposes ``HELP`` (one line), ``add_arguments(parser)``
and ``run(args) -> int`` (the exit code). Subcommand modules keep heavy imports
(torch, onnxruntime) inside ``run`` so that ``--help`` and ``report`` stay fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

__all__ = ["COMMANDS", "main"]

#: subcommand name -> module implementing it.
COMMANDS: dict[str, str] = {
    "check": "onnx_migrate.compat.check.command",
    "demo": "onnx_migrate.compat.demo",
    "report": "onnx_migrate.compat.report.command",
    "run": "onnx_migrate.compat.run",
}


def _parser(names: Sequence[str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="onnx-migrate",
        description="Keep legacy torch.onnx export code working without TorchScript.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in names:
        module = importlib.import_module(COMMANDS[name])
        command = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(command)
        command.set_defaults(_module=module)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (``python -m onnx_migrate`` and the console script use it)."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    # Import only the subcommand that runs (``report`` must not pay for torch);
    # all of them for ``--help`` or a mistyped command.
    selected = next((a for a in arguments if not a.startswith("-")), None)
    names = [selected] if selected in COMMANDS else list(COMMANDS)
    args = _parser(names).parse_args(arguments)
    return int(args._module.run(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
