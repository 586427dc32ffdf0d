"""Find the Python files to scan: walk directories, honour ignore files, survive odd trees.

Users point the scanner at a repository root, so the walk must skip what git
skips (``.gitignore`` files, from the repository root down) and what they
exclude (``--exclude``, same pattern syntax), follow symlinked directories
without looping forever, and turn every path it cannot use into a reported
:class:`Result` rather than an exception.
"""

from __future__ import annotations

import dataclasses
import errno
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

from onnx_migrate.report.results import ErrorKind, FileError, Result

__all__ = ["DEFAULT_SKIPPED_DIRS", "iter_python_files"]

#: Directories never worth scanning (VCS data, caches, virtual environments named the usual way).
DEFAULT_SKIPPED_DIRS = frozenset(
    {".git", ".hg", ".svn", "__pycache__", ".tox", ".nox", ".venv", ".mypy_cache", ".pytest_cache", ".ruff_cache"}
)


@dataclasses.dataclass(frozen=True)
class _IgnoreFile:
    """Patterns of one ignore file, matched relative to the directory holding it.

    ``base`` is a directory of the walk; ``prefix`` is where ``base`` sits below the
    ignore file's own directory (empty for ignore files inside the walk).
    """

    base: Path
    spec: object  # pathspec.GitIgnoreSpec (imported lazily: an optional dependency)
    prefix: str = ""

    def ignores(self, path: Path, is_dir: bool) -> bool:
        try:
            relative = path.relative_to(self.base).as_posix()
        except ValueError:
            return False
        if self.prefix:
            relative = f"{self.prefix}/{relative}"
        return bool(self.spec.match_file(relative + "/" if is_dir else relative))  # type: ignore[attr-defined]


def _spec(lines: Sequence[str]) -> object:
    import pathspec

    return pathspec.GitIgnoreSpec.from_lines(lines)


def _load_gitignore(directory: Path) -> _IgnoreFile | None:
    path = directory / ".gitignore"
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return _IgnoreFile(directory, _spec(text.splitlines()))


def _enclosing_gitignores(root: Path) -> list[_IgnoreFile]:
    """``.gitignore`` files from the enclosing repository's root down to (not including) ``root``."""
    absolute = root.resolve()
    chain: list[Path] = []
    for parent in absolute.parents:
        chain.append(parent)
        if (parent / ".git").exists():
            break
    else:
        return []  # not inside a repository: only ignore files inside the scanned tree apply
    found = []
    for directory in reversed(chain):
        try:
            text = (directory / ".gitignore").read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        prefix = absolute.relative_to(directory).as_posix()
        lines = _not_hiding(text.splitlines(), prefix)
        found.append(_IgnoreFile(root, _spec(lines), prefix))
    return found


def _not_hiding(lines: Sequence[str], prefix: str) -> list[str]:
    """The ignore patterns that do not match the named directory (``prefix``) or a folder above it.

    A path named on the command line is scanned even where ``.gitignore`` ignores
    it (as ruff does): ``venv/`` must not hide ``venv/lib/.../transformers`` when
    the user asks for that folder, while ``*.pyc`` or ``build/`` inside it still apply.
    """
    parts = prefix.split("/")
    ancestors = ["/".join(parts[: index + 1]) + "/" for index in range(len(parts))]
    return [line for line in lines if not any(_spec([line]).match_file(folder) for folder in ancestors)]  # type: ignore[attr-defined]


def _error(path: Path, error: OSError) -> Result:
    if error.errno == errno.ELOOP:
        return Result(str(path), error=FileError(ErrorKind.SYMLINK_LOOP, f"symlink loop: {error.strerror}"))
    reason = error.strerror or str(error)
    if error.errno == errno.ENOENT:
        reason = f"broken symlink to {os.readlink(path)}" if path.is_symlink() else "no such file or directory"
    return Result(str(path), error=FileError(ErrorKind.UNREADABLE, f"cannot read: {reason}"))


def iter_python_files(
    paths: Sequence[str | os.PathLike[str]],
    exclude: Sequence[str] = (),
    respect_gitignore: bool = True,
) -> Iterator[Path | Result]:
    """Yield each ``.py`` file under ``paths`` (sorted per directory), or a Result for a path that failed.

    Files named explicitly are always yielded (whatever their suffix); ``exclude``
    patterns (``.gitignore`` syntax, relative to each given directory) and ignore
    files apply to what the walk discovers.
    """
    excluded = _spec(exclude) if exclude else None
    for raw in paths:
        root = Path(raw)
        try:
            is_dir = root.is_dir()
            if not is_dir:
                root.stat()
        except OSError as error:
            yield _error(root, error)
            continue
        if not is_dir:
            yield root
            continue
        ignores: list[_IgnoreFile] = []
        if respect_gitignore:
            ignores = _enclosing_gitignores(root)
        if excluded is not None:
            ignores.insert(0, _IgnoreFile(root, excluded))
        yield from _walk(root, ignores, respect_gitignore, ancestors=set())


def _walk(
    directory: Path, ignores: list[_IgnoreFile], respect_gitignore: bool, ancestors: set[tuple[int, int]]
) -> Iterator[Path | Result]:
    try:
        info = directory.stat()
    except OSError as error:
        yield _error(directory, error)
        return
    identity = (info.st_dev, info.st_ino)
    if identity in ancestors:
        yield Result(
            str(directory),
            error=FileError(ErrorKind.SYMLINK_LOOP, "symlink loop: this directory links back to one that contains it"),
        )
        return
    if respect_gitignore:
        local = _load_gitignore(directory)
        if local is not None:
            ignores = [*ignores, local]
    try:
        entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
    except OSError as error:
        yield _error(directory, error)
        return
    inner_ancestors = ancestors | {identity}
    for entry in entries:
        path = directory / entry.name
        try:
            is_dir = entry.is_dir()
        except OSError as error:
            if entry.is_symlink():
                yield _error(path, error)
            continue
        if is_dir:
            if entry.name in DEFAULT_SKIPPED_DIRS or any(i.ignores(path, True) for i in ignores):
                continue
            yield from _walk(path, ignores, respect_gitignore, inner_ancestors)
        elif entry.name.endswith(".py") and not any(i.ignores(path, False) for i in ignores):
            yield path
