"""The data a scan produces: severities, findings, per-file results.

Everything here is plain, frozen and picklable, so results can cross process
boundaries (parallel scans) and every output format renders the same objects.
One :class:`Result` per file keeps a failing file (syntax error, bad encoding,
unreadable) from hiding the findings of the others.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterable

__all__ = [
    "ErrorKind",
    "FileError",
    "Finding",
    "Result",
    "Severity",
    "exit_code",
]


class Severity(str, enum.Enum):
    """How much a finding matters for the migration away from TorchScript.

    * ``error``: the code stops working when TorchScript goes (or already fails
      on current torch); it must change.
    * ``warning``: the code runs, but torch's torch.export-based exporter ignores
      or changes what it asks for.
    * ``info``: works unchanged with onnx_migrate; listed for the move to native torch APIs.
    """

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Orders severities: ``error`` (3) > ``warning`` (2) > ``info`` (1)."""
        return _RANKS[self]

    @property
    def sarif_level(self) -> str:
        """The SARIF ``level`` for this severity (``info`` is SARIF's ``note``)."""
        return "note" if self is Severity.INFO else self.value


_RANKS = {Severity.ERROR: 3, Severity.WARNING: 2, Severity.INFO: 1}


class ErrorKind(str, enum.Enum):
    """Why a file could not be scanned; the scan reports it and goes on."""

    SYNTAX = "syntax"
    ENCODING = "encoding"
    UNREADABLE = "unreadable"
    SYMLINK_LOOP = "symlink-loop"
    INTERNAL = "internal"


@dataclasses.dataclass(frozen=True)
class Finding:
    """One place in a file that depends on the legacy exporter.

    Lines are 1-based; columns are 1-based too (as editors, flake8 and SARIF count them).
    ``fixable`` says whether ``onnx-migrate report --fix`` rewrites this place.
    """

    code: str
    severity: Severity
    line: int
    column: int
    end_line: int
    end_column: int
    message: str
    fixable: bool = False

    def sort_key(self) -> tuple[int, int, str]:
        return (self.line, self.column, self.code)


@dataclasses.dataclass(frozen=True)
class FileError:
    """What went wrong with a file that could not be scanned, said for the user."""

    kind: ErrorKind
    message: str


@dataclasses.dataclass(frozen=True)
class Result:
    """The outcome for one file: its findings, or the error that stopped its scan."""

    path: str
    findings: tuple[Finding, ...] = ()
    error: FileError | None = None


def exit_code(results: Iterable[Result], fail_on: Severity | None) -> int:
    """The CLI exit code as a bitmask: ``1`` findings at/above ``fail_on``, ``2`` unscannable files.

    ``fail_on=None`` means findings never set a bit (``--fail-on never``).
    """
    code = 0
    for result in results:
        if result.error is not None:
            code |= 2
        if fail_on is not None and any(f.severity.rank >= fail_on.rank for f in result.findings):
            code |= 1
    return code
