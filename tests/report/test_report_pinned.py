"""Every field of every finding on the fixture tree, pinned: speed work on the scanner must not move one.

The per-file goldens (``test_report_fixtures.py``) pin line, column and message;
this file also pins end positions, severity and fixability for the whole tree
(``fixtures/scan`` and ``fixtures/fix``), scanned serially and across processes,
and checks that line endings and the presence of a prefilter-failing file do not
change what is found.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _report_testing import FIXTURES, GoldenCheck

from onnx_migrate.report.results import Result
from onnx_migrate.report.scanner import ScanOptions, scan_paths

PINNED = FIXTURES / "scan_tree.findings.tsv"
TREE_FILES = sorted([*(FIXTURES / "scan").rglob("*.py"), *(FIXTURES / "fix").glob("*.py")])


def finding_rows(results: list[Result], root: Path) -> str:
    """One tab-separated line per finding: file, code, start-end, severity, fixable, message."""
    rows = []
    for result in results:
        name = Path(result.path).relative_to(root).as_posix()
        if result.error is not None:
            rows.append(f"{name}\tERROR\t{result.error.kind.value}\t{result.error.message}\n")
        for f in result.findings:
            span = f"{f.line}:{f.column}-{f.end_line}:{f.end_column}"
            rows.append(f"{name}\t{f.code}\t{span}\t{f.severity.value}\t{f.fixable}\t{f.message}\n")
    return "".join(rows)


def _copy_tree(destination: Path, newline: bytes = b"\n") -> Path:
    for path in TREE_FILES:
        target = destination / path.relative_to(FIXTURES)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes().replace(b"\n", newline))
    return destination


@pytest.mark.parametrize("jobs", [1, 2])
def test_fixture_tree_findings_pinned(jobs: int, golden: GoldenCheck, tmp_path: Path) -> None:
    root = _copy_tree(tmp_path)
    # Enough copies to cross the threshold above which the scan uses processes.
    for copy in range(4):
        _copy_tree(tmp_path / f"copy{copy}")
    results = scan_paths([root], ScanOptions(jobs=jobs, respect_gitignore=False))
    originals = [r for r in results if not Path(r.path).relative_to(root).parts[0].startswith("copy")]
    assert len(originals) == len(TREE_FILES)
    rows = finding_rows(originals, root)
    golden(PINNED, rows)
    for copy in range(4):
        copies = [r for r in results if Path(r.path).relative_to(root).parts[0] == f"copy{copy}"]
        assert finding_rows(copies, root / f"copy{copy}") == rows


def test_line_endings_do_not_move_findings(tmp_path: Path) -> None:
    """CRLF and CR-only files report the same positions as LF files."""
    expected = PINNED.read_text(encoding="utf-8")
    for newline in (b"\r\n", b"\r"):
        root = _copy_tree(tmp_path / repr(newline).strip("b'\\"), newline)
        assert finding_rows(scan_paths([root], ScanOptions(respect_gitignore=False)), root) == expected
