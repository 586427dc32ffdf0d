"""Whole-file fixtures: 100% precision and recall against hand-written expectations, plus goldens.

Each fixture under ``fixtures/scan/`` marks the findings a line must produce
with a trailing ``# expect: OMG001 OMG004`` comment; files of look-alikes have
none. The scan must report exactly those (precision and recall of 1.0). The
``*.expected.txt`` goldens additionally pin columns and messages, and the
tree-level goldens pin the text and Markdown reports.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from _report_testing import FIXTURES, GoldenCheck

from onnx_migrate.report.formats import OutputFormat, render
from onnx_migrate.report.results import Result
from onnx_migrate.report.scanner import ScanOptions, scan_file, scan_paths

SCAN = FIXTURES / "scan"
FIXTURE_FILES = sorted(SCAN.rglob("*.py"))
_EXPECT = re.compile(r"expect:\s*((?:OMG\d{3}\s*)+)")


def expected_findings(path: Path) -> Counter[tuple[int, str]]:
    """``(line, code)`` pairs the fixture's ``# expect:`` comments promise."""
    expected: Counter[tuple[int, str]] = Counter()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = _EXPECT.search(line)
        if match:
            for code in match.group(1).split():
                expected[(number, code)] += 1
    return expected


def golden_lines(result: Result) -> str:
    return "".join(f"{f.line}:{f.column} {f.code}{' [*]' if f.fixable else ''} {f.message}\n" for f in result.findings)


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: p.relative_to(SCAN).as_posix())
def test_fixture_precision_and_recall(path: Path) -> None:
    result = scan_file(path)
    assert result.error is None
    actual = Counter((finding.line, finding.code) for finding in result.findings)
    expected = expected_findings(path)
    true_positives = sum((actual & expected).values())
    false_positives = sorted((actual - expected).elements())
    false_negatives = sorted((expected - actual).elements())
    assert (false_positives, false_negatives) == ([], []), "false positives / false negatives (line, code)"
    if expected:
        assert true_positives / sum(actual.values()) == 1.0  # precision
        assert true_positives / sum(expected.values()) == 1.0  # recall


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: p.relative_to(SCAN).as_posix())
def test_fixture_golden(path: Path, golden: GoldenCheck) -> None:
    golden(path.with_suffix(".expected.txt"), golden_lines(scan_file(path)))


def test_fixtures_cover_every_rule() -> None:
    from onnx_migrate.report.rules import ALL_RULES

    promised = {code for path in FIXTURE_FILES for (_, code) in expected_findings(path)}
    assert promised == {rule.CODE for rule in ALL_RULES}


def test_fixture_tree_reports(golden: GoldenCheck, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES)
    results = scan_paths(["scan"], ScanOptions(respect_gitignore=False))
    assert [r.path for r in results] == [p.relative_to(FIXTURES).as_posix() for p in FIXTURE_FILES]
    golden(FIXTURES / "scan_tree.expected.txt", render(results, OutputFormat.TEXT))
    golden(FIXTURES / "scan_tree.expected.md", render(results, OutputFormat.MARKDOWN))


def test_parallel_scan_matches_serial(tmp_path: Path) -> None:
    for index in range(40):  # above the threshold where a process pool is used
        source = FIXTURE_FILES[index % len(FIXTURE_FILES)].read_bytes()
        (tmp_path / f"file_{index:02d}.py").write_bytes(source)
    serial = scan_paths([tmp_path], ScanOptions(jobs=1))
    parallel = scan_paths([tmp_path], ScanOptions(jobs=2))
    assert parallel == serial
    assert sum(len(r.findings) for r in serial) > 40
