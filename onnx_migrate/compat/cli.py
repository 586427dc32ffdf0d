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
from typing import Any

__all__ = ["COMMANDS", "main"]

#: subcommand name -> module implementing it.
COMMANDS: dict[str, str] = {
    "check": "onnx_migrate.compat.check.command",
    "demo": "onnx_migrate.compat.demo",
    "report": "onnx_migrate.compat.report.command",
    "run": "onnx_migrate.compat.run",
}


#: Third-party modules of the ``cli`` extra (``pip install 'onnx-migrate[cli]'``).
_CLI_EXTRA = frozenset({"libcst", "rich", "pathspec"})


class _MissingExtra(Exception):
    """A subcommand needs a package of the ``cli`` extra that is not installed."""


def _load(name: str) -> Any:
    try:
        return importlib.import_module(COMMANDS[name])
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] in _CLI_EXTRA:
            raise _MissingExtra(
                f"onnx-migrate {name} needs the '{exc.name}' package of the cli extra: "
                "pip install 'onnx-migrate[cli]'"
            ) from exc
        raise


def _parser(names: Sequence[str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="onnx-migrate",
        description="Keep legacy torch.onnx export code working without TorchScript.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in names:
        try:
            module = _load(name)
        except _MissingExtra as exc:
            if len(names) == 1:
                raise
            sub.add_parser(name, help=f"(unavailable: {exc})")  # --help still lists it
            continue
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
    try:
        parser = _parser(names)
    except _MissingExtra as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    args = parser.parse_args(arguments)
    return int(args._module.run(args) or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
