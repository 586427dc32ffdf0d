"""Run unmodified legacy export code on onnx_migrate (``onnx-migrate run``, :mod:`onnx_migrate.cli.run`).

Like ``coverage run``: the script runs as ``__main__`` with its own ``sys.argv``
and its directory first on ``sys.path``, here with :func:`onnx_migrate.install`
active. When it ends — normally, by ``sys.exit`` or by an exception — the
migration report of every ``torch.onnx.export`` call it made is printed: as
text to stderr (the script's own output stays clean), as JSON to stdout (the
script's prints then go to stderr) or to ``-o FILE``. An uncaught exception
prints its traceback from the script's frames down, without onnx_migrate's own
frames (``--debug`` keeps them), and exits with status 1.
"""

from __future__ import annotations

import contextlib
import json
import sys
import traceback
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

__all__ = ["run_and_report", "run_user_code"]


def run_and_report(
    script: str,
    script_args: list[str],
    *,
    as_module: bool,
    fmt: str = "text",
    output: Path | None = None,
    full_traceback: bool = False,
) -> int:
    """Run ``script`` under :func:`onnx_migrate.install`, then write the report of its exports; the exit status."""
    from onnx_migrate.compat import install as _install

    seen_before = len(_install.routed_exports())
    # JSON on stdout must not mix with the script's prints.
    script_out = sys.stderr if fmt == "json" and output is None else sys.stdout
    with _install.install(), contextlib.redirect_stdout(script_out):
        status = run_user_code(script, script_args, as_module=as_module, full_traceback=full_traceback)
    routed = _install.routed_exports()[seen_before:]
    if output is not None:
        with output.open("w", encoding="utf-8") as stream:
            _write_report(routed, fmt, stream)
    else:
        sys.stderr.flush()
        _write_report(routed, fmt, sys.stdout if fmt == "json" else sys.stderr)
    return status


def run_user_code(target: str, script_args: list[str], *, as_module: bool, full_traceback: bool = False) -> int:
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
        _print_user_traceback(exc, full=full_traceback)
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


#: onnx_migrate's own source folder: its frames are internal to a user's traceback.
_PACKAGE = Path(__file__).resolve().parents[1]


def _is_internal(frame_file: str) -> bool:
    if frame_file.startswith("<frozen runpy>") or Path(frame_file).name == "runpy.py":
        return True
    return Path(frame_file).resolve().is_relative_to(_PACKAGE)


def _print_user_traceback(exc: BaseException, *, full: bool = False) -> None:
    """The traceback of the user's code: the script's frames and torch's, not onnx_migrate's (unless ``full``).

    A failing export ends in onnx_migrate's pipeline; its error names the op,
    the opset and the model line, so the frames of the pipeline only hide the
    script's own line. A user's symbolic called from the pipeline keeps its frames.
    """
    if not full:
        _trim_traceback(exc)
    traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)


def _trim_traceback(exc: BaseException) -> None:
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:  # the chain (__cause__/__context__) too
        seen.add(id(exc))
        kept: TracebackType | None = None
        frames = []
        tb = exc.__traceback__
        while tb is not None:
            frames.append(tb)
            tb = tb.tb_next
        for item in reversed(frames):
            if not _is_internal(item.tb_frame.f_code.co_filename):
                kept = TracebackType(kept, item.tb_frame, item.tb_lasti, item.tb_lineno)
        exc.__traceback__ = kept
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]


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
        "error": None if entry.error is None else str(entry.error),
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
            else f"FAILED ({entry.error.type}: {entry.error.message.splitlines()[0] if entry.error.message else ''})"
        )
        target = f" -> {entry.destination}" if entry.destination else ""
        lines.append("")
        lines.append(f"[{number}] {entry.model}{target} at {entry.call_site}")
        lines.append(f"    route: {entry.route} ({entry.reason}); {status}")
        if entry.report is not None:
            lines.extend("    " + line for line in _report_text(entry.report))
    lines.append("=" * 72)
    return "\n".join(lines) + "\n"


def _report_text(report: Any) -> list[str]:
    """An :class:`ExportReport` for a terminal: aligned plain lines (its Markdown is for files and tickets)."""
    data = report.to_dict()
    lines = [
        f"opset {data['opset']}, backend {data['backend']}; "
        + ", ".join(f"{stage} {mark}" for stage, mark in report.status.marks().items() if mark != "not run")
    ]
    if data["keywords"]:
        lines.append("legacy keywords:")
        width = max(len(name) for name in data["keywords"])
        lines += [f"  {name.ljust(width)}  {how}" for name, how in data["keywords"].items()]
    if data["symbolics"]:
        lines.append("symbolics used (op, count, function, opset):")
        uses = sorted(data["symbolics"], key=lambda use: use["op"])
        width = max(len(use["op"]) for use in uses)
        for use in uses:
            custom = "  [custom]" if use["custom"] else ""
            lines.append(f"  {use['op'].ljust(width)}  x{use['count']:<3} {use['origin']} (opset {use['opset']}){custom}")
    for item in data["shadowed_symbolics"]:
        lines.append(
            f"shadowed: custom {item['custom_origin']} (opset {item['custom_opset']}) for {item['op']} "
            f"lost to built-in {item['builtin_origin']} (opset {item['builtin_opset']})"
        )
    lines += [f"decomposed (no symbolic at this opset): {op}" for op in data["decomposed"]]
    lines += [f"fallback: {op}: {how}" for op, how in data["fallbacks"].items()]
    lines += [f"warning: {text}" for text in data["warnings"]]
    lines += [f"verification: {key}: {value}" for key, value in data["verification"].items()]
    return lines
