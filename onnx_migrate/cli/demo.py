"""``onnx-migrate demo``: export the bundled legacy-style CNN and prove it right.

The arguments only; the demo itself is :func:`onnx_migrate.compat.demo.run_demo`.
Without ``--output`` the model goes to a temporary folder that is removed afterwards.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from onnx_migrate.cli import UsageError
from onnx_migrate.compat import demo

__all__ = ["HELP", "add_arguments", "run"]

HELP = "Export the bundled legacy-style example model and verify it in ONNX Runtime."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``demo`` subcommand's options."""
    parser.add_argument("--output", "-o", type=Path, help="where to write the .onnx file (default: a temp folder)")
    parser.add_argument("--opset", type=int, default=None, help="opset to export, 11-23 (default: the example's, 13)")


#: Opsets the demo model exports at: its custom op's symbolic is registered at 11.
_OPSETS = range(11, 24)


def run(args: argparse.Namespace) -> int:
    """Check the arguments, run the demo; returns the exit code."""
    if args.opset is not None and args.opset not in _OPSETS:
        raise UsageError(
            f"--opset {args.opset}: the demo model exports at opsets {_OPSETS[0]}-{_OPSETS[-1]} "
            f"(its custom op's symbolic is registered at {_OPSETS[0]})"
        )
    if args.output is not None and not args.output.parent.is_dir():
        raise UsageError(f"--output: the folder {args.output.parent} does not exist")
    if args.output is not None:
        return demo.run_demo(args.output, args.opset)
    with tempfile.TemporaryDirectory(prefix="onnx-migrate-demo-") as folder:
        return demo.run_demo(Path(folder) / "legacy_cnn.onnx", args.opset, temporary=True)
