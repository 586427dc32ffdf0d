"""A progress bar on stderr while a long scan runs, only where a person is watching.

A scan of a large tree takes seconds and prints nothing until the end; a bar
on stderr says it is working. It is shown only when both stderr and the
report's destination are a terminal (a report piped to ``less`` or a file under
``-o`` on a terminal still gets one: stdout is then not drawn over), for more
than a handful of files, and never for the machine-readable formats (JSON,
SARIF) that tools consume. It is transient: the finished report is all that
stays on screen.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TextIO

from onnx_migrate.report.scanner import Progress

__all__ = ["MIN_FILES", "progress_bar", "wants_progress"]

#: Fewer files than this scan too fast to need a bar.
MIN_FILES = 8
_MACHINE_FORMATS = frozenset({"json", "sarif"})


def _is_terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def wants_progress(output_format: str, stderr: TextIO, stdout: TextIO, *, to_file: bool) -> bool:
    """Whether a scan should draw a bar on ``stderr`` (the file count is checked once it is known)."""
    if output_format in _MACHINE_FORMATS or not _is_terminal(stderr):
        return False
    return to_file or _is_terminal(stdout)


@contextlib.contextmanager
def progress_bar(stderr: TextIO, enabled: bool) -> Iterator[Progress | None]:
    """A ``progress(done, total)`` callback drawing a transient rich bar on ``stderr``, or ``None``."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn("scanning"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(file=stderr),
        transient=True,
    )
    task = None

    def update(done: int, total: int) -> None:
        nonlocal task
        if total < MIN_FILES:
            return
        if task is None:
            bar.start()
            task = bar.add_task("scan", total=total)
        bar.update(task, completed=done)

    try:
        yield update
    finally:
        if task is not None:
            bar.stop()
