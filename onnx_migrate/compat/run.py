"""``onnx-migrate run script.py [args...]``: run unmodified legacy export code on onnx_migrate.

Like ``coverage run``: the script runs as ``__main__`` with its own ``sys.argv``
and its directory first on ``sys.path``, here with :func:`onnx_migrate.install`
active. When it ends — normally, by ``sys.exit`` or by an exception — the
migration report of every ``torch.onnx.export`` call it made is printed (to
stderr, so the script's own output stays clean). The script's exceptions reach
it unchanged; an uncaught one prints its traceback and exits with status 1.
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from pathlib import Path
from typing import Any, TextIO

HELP = "Run a Python script with onnx_migrate installed, then print the migration report of its exports."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-m", "--module", action="store_true", help="run a module by name, like python -m")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="report format (default: text)")
    parser.add_argument("--report-file", type=Path, help="write the report to this file instead of stderr")
    parser.add_argument("script", help="the script to run (or module name with -m)")
    parser.add_argument("script_args", nargs=argparse.REMAINDER, help="arguments passed to the script")


def run(args: argparse.Namespace) -> int:
    from onnx_migrate.compat import install as _install

    if not args.module and not Path(args.script).is_file():
        print(f"onnx-migrate run: no such script: {args.script}", file=sys.stderr)
        return 2
    seen_before = len(_install.routed_exports())
    with _install.install():
        status = _run_user_code(args.script, list(args.script_args), as_module=args.module)
    routed = _install.routed_exports()[seen_before:]
    if args.report_file is not None:
        with args.report_file.open("w", encoding="utf-8") as stream:
            _write_report(routed, args.format, stream)
    else:
        sys.stderr.flush()
        _write_report(routed, args.format, sys.stderr)
    return status


def _run_user_code(target: str, script_args: list[str], *, as_module: bool) -> int:
    """Run the script as ``__main__``; returns its exit status."""
    import runpy

    saved_argv, saved_path0 = sys.argv, sys.path[0] if sys.path else None
    sys.argv = [target, *script_args]
    entry = str(Path(target).resolve().parent) if not as_module else str(Path.cwd())
    if sys.path:
        sys.path[0] = entry
    else:
        sys.path.append(entry)
    try:
        if as_module:
            runpy.run_module(target, run_name="__main__", alter_sys=True)
        else:
            runpy.run_path(target, run_name="__main__")
    except SystemExit as exc:
        return _exit_status(exc.code)
    except BaseException as exc:  # noqa: BLE001 - the user's error, shown as Python would show it
        _print_user_traceback(exc, target)
        return 130 if isinstance(exc, KeyboardInterrupt) else 1
    finally:
        sys.argv = saved_argv
        if saved_path0 is not None and sys.path:
            sys.path[0] = saved_path0
    return 0


def _exit_status(code: Any) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)
    return 1


def _print_user_traceback(exc: BaseException, target: str) -> None:
    """The traceback from the user's code down, without onnx-migrate's own frames on top."""
    tb = exc.__traceback__
    here = Path(__file__).resolve()
    while tb is not None and (
        Path(tb.tb_frame.f_code.co_filename).resolve() == here or "runpy" in tb.tb_frame.f_code.co_filename
    ):
        tb = tb.tb_next
    traceback.print_exception(type(exc), exc, tb, file=sys.stderr)


def _write_report(routed: list[Any], fmt: str, stream: TextIO) -> None:
    if fmt == "json":
        stream.write(json.dumps([_as_dict(entry) for entry in routed], indent=2, default=str) + "\n")
        return
    stream.write(_as_text(routed))


def _as_dict(entry: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "route": entry.route,
        "reason": entry.reason,
        "model": entry.model,
        "destination": entry.destination,
        "call_site": entry.call_site,
        "error": None if entry.error is None else f"{type(entry.error).__name__}: {entry.error}",
    }
    if entry.report is not None:
        data["report"] = entry.report.to_dict()
    return data


def _as_text(routed: list[Any]) -> str:
    ours = [e for e in routed if e.route == "onnx_migrate"]
    lines = [
        "",
        "=" * 72,
        f"onnx-migrate run: {len(ours)} of {len(routed)} torch.onnx.export call(s) went through onnx_migrate",
    ]
    if not routed:
        lines.append("No torch.onnx.export call was made.")
    for number, entry in enumerate(routed, 1):
        status = (
            "OK"
            if entry.error is None
            else f"FAILED ({type(entry.error).__name__}: {str(entry.error).splitlines()[0] if str(entry.error) else ''})"
        )
        target = f" -> {entry.destination}" if entry.destination else ""
        lines.append("")
        lines.append(f"[{number}] {entry.model}{target} at {entry.call_site}")
        lines.append(f"    route: {entry.route} ({entry.reason}); {status}")
        if entry.report is not None:
            report = entry.report.to_markdown().rstrip("\n")
            lines.extend("    " + line if line else "" for line in report.splitlines())
    lines.append("=" * 72)
    return "\n".join(lines) + "\n"
