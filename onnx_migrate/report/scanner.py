"""Scan files and trees: read, decode, prefilter, analyze; one :class:`Result` per file.

Speed comes from not parsing what cannot match: a file without the text any
selected rule needs (see :mod:`.prefilter`) is decoded and dropped without a
parse (torchfix does the same with "torch"). The rest is parsed by libcst and
analyzed once; large trees are spread over processes.
Robustness comes from the per-file Result: a syntax error, an undecodable or
unreadable file, a symlink loop, even a bug in a rule, is recorded for that
file and the scan goes on.

Nothing here imports torch.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import errno
import io
import multiprocessing
import os
import tokenize
import traceback
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import libcst as cst

from onnx_migrate.report.discovery import iter_python_files
from onnx_migrate.report.engine import analyze_source
from onnx_migrate.report.prefilter import prefilter_for
from onnx_migrate.report.results import ErrorKind, FileError, Finding, Result
from onnx_migrate.report.rules import ALL_RULES, select_rules
from onnx_migrate.report.rules.base import Rule

__all__ = [
    "ScanOptions",
    "decode_source",
    "read_source",
    "scan_file",
    "scan_paths",
    "scan_source",
]

#: Below this many files (and this many bytes) a process pool costs more than it saves.
_PARALLEL_THRESHOLD = 32
_PARALLEL_BYTES = 256 * 1024

#: ``progress(done, total)``: called with ``(0, total)`` once the files are known, then after each file.
Progress = Callable[[int, int], None]


@dataclasses.dataclass(frozen=True)
class ScanOptions:
    """How to scan: which rules, which files, how many processes (``jobs=0``: one per CPU)."""

    rules: tuple[type[Rule], ...] = ALL_RULES
    exclude: tuple[str, ...] = ()
    respect_gitignore: bool = True
    jobs: int = 1


class SourceError(Exception):
    """A file that cannot be turned into source text; carries the :class:`FileError`."""

    def __init__(self, error: FileError) -> None:
        super().__init__(error.message)
        self.error = error


def decode_source(data: bytes) -> tuple[str, str]:
    """Decode Python source bytes as Python does (PEP 263 cookie, BOM, else UTF-8).

    Returns ``(text, encoding)``; raises :class:`SourceError` when the bytes do not decode.
    """
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        raise SourceError(
            FileError(
                ErrorKind.ENCODING,
                f"cannot decode: {error}; save the file as UTF-8 or declare its encoding "
                "with a `# -*- coding: ... -*-` line",
            )
        ) from None
    try:
        return data.decode(encoding), encoding
    except (UnicodeDecodeError, LookupError) as error:
        where = f" at byte {error.start}" if isinstance(error, UnicodeDecodeError) else ""
        raise SourceError(
            FileError(
                ErrorKind.ENCODING,
                f"not valid {encoding}{where}: save the file as UTF-8 or declare its encoding "
                "with a `# -*- coding: ... -*-` line",
            )
        ) from None


def read_source(path: Path) -> tuple[str, str]:
    """Read and decode one file; raises :class:`SourceError` with a user-facing reason."""
    try:
        data = path.read_bytes()
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise SourceError(FileError(ErrorKind.SYMLINK_LOOP, f"symlink loop: {error.strerror}")) from None
        reason = error.strerror or str(error)
        if path.is_symlink() and not path.exists():
            reason = f"broken symlink to {os.readlink(path)}"
        raise SourceError(FileError(ErrorKind.UNREADABLE, f"cannot read: {reason}")) from None
    return decode_source(data)


def scan_source(source: str, rules: Sequence[type[Rule]] = ALL_RULES) -> tuple[Finding, ...]:
    """The findings of ``rules`` in ``source`` (raises ``libcst.ParserSyntaxError`` on bad syntax)."""
    if not prefilter_for(tuple(rules)).may_match(source):
        return ()
    return analyze_source(source, rules).findings


def scan_file(path: Path, rules: Sequence[type[Rule]] = ALL_RULES) -> Result:
    """Scan one file; never raises for a problem with the file itself."""
    name = str(path)
    source = ""
    try:
        source, _ = read_source(path)
        return Result(name, scan_source(source, rules))
    except SourceError as error:
        return Result(name, error=error.error)
    except cst.ParserSyntaxError as error:
        return Result(name, error=syntax_error(source, name, error))
    except RecursionError:
        return Result(name, error=FileError(ErrorKind.SYNTAX, "nesting too deep to parse"))
    except Exception as error:  # noqa: BLE001 - a bug in a rule must not stop the scan of the other files
        where = traceback.extract_tb(error.__traceback__)[-1]
        return Result(
            name,
            error=FileError(
                ErrorKind.INTERNAL,
                f"internal error ({type(error).__name__}: {error}) at {Path(where.filename).name}:{where.lineno}; "
                "please report it with this file",
            ),
        )


def syntax_error(source: str, name: str, error: cst.ParserSyntaxError) -> FileError:
    """Say where the syntax error is, with Python's own parser (its positions are the precise ones)."""
    try:
        compile(source, name, "exec", dont_inherit=True)
    except SyntaxError as python_error:
        return FileError(ErrorKind.SYNTAX, f"syntax error (line {python_error.lineno}): {python_error.msg}")
    except (ValueError, RecursionError, MemoryError):
        pass
    detail = error.message.removeprefix("parser error: ")
    return FileError(ErrorKind.SYNTAX, f"libcst cannot parse this file (newer syntax than it supports?): {detail}")


def _scan_one(path: str, codes: Sequence[str]) -> Result:
    return scan_file(Path(path), select_rules(codes))


def _pool_context() -> multiprocessing.context.BaseContext:
    # fork reuses the already-imported modules; spawn would re-import them in every worker.
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else methods[0])


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # scan_file reports why


def scan_paths(
    paths: Iterable[str | os.PathLike[str]], options: ScanOptions = ScanOptions(), progress: Progress | None = None
) -> list[Result]:
    """Scan files and directories; one Result per discovered file or failed path, in walk order.

    Across processes, the largest files go first, one file per task: the scan of a
    tree is as long as its slowest worker, and one big file of symbolics can take a
    quarter of the total.
    """
    ordered: list[Path | Result] = list(iter_python_files(list(paths), options.exclude, options.respect_gitignore))
    files = [item for item in ordered if isinstance(item, Path)]
    jobs = options.jobs if options.jobs > 0 else (os.cpu_count() or 1)
    scanned: dict[str, Result] = {}
    report = progress or (lambda done, total: None)
    report(0, len(files))
    sizes = {path: _size(path) for path in files} if jobs > 1 else {}
    if jobs > 1 and (len(files) >= _PARALLEL_THRESHOLD or sum(sizes.values()) >= _PARALLEL_BYTES):
        codes = [rule.CODE for rule in options.rules]
        largest_first = sorted(files, key=lambda path: -sizes[path])
        with concurrent.futures.ProcessPoolExecutor(max_workers=jobs, mp_context=_pool_context()) as pool:
            futures = [pool.submit(_scan_one, str(path), codes) for path in largest_first]
            for future in concurrent.futures.as_completed(futures):
                result = future.result()
                scanned[result.path] = result
                report(len(scanned), len(files))
    else:
        for path in files:
            result = scan_file(path, options.rules)
            scanned[result.path] = result
            report(len(scanned), len(files))
    return [scanned[str(item)] if isinstance(item, Path) else item for item in ordered]
