"""The scan reports progress; the CLI draws it on a terminal only, never into pipes or machine formats."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from onnx_migrate.cli import main
from onnx_migrate.report.progress import MIN_FILES, progress_bar, wants_progress
from onnx_migrate.report.scanner import ScanOptions, scan_paths

LEGACY = "import torch\ntorch.onnx.export(model, (x,), 'm.onnx', dynamo=False)\n"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _tree(root: Path, count: int) -> Path:
    for index in range(count):
        (root / f"f{index:02d}.py").write_text(LEGACY, encoding="utf-8")
    return root


@pytest.mark.parametrize("jobs", [1, 2])
def test_scan_reports_each_file_once(jobs: int, tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    results = scan_paths([_tree(tmp_path, 40)], ScanOptions(jobs=jobs), lambda done, total: calls.append((done, total)))
    assert calls == [(done, 40) for done in range(41)]
    assert len(results) == 40


def test_bar_only_for_people_watching() -> None:
    terminal, pipe = Terminal(), io.StringIO()
    assert wants_progress("text", terminal, terminal, to_file=False)
    assert wants_progress("markdown", terminal, pipe, to_file=True)  # -o FILE on a terminal
    assert not wants_progress("text", terminal, pipe, to_file=False)  # report piped: would be drawn over
    assert not wants_progress("text", pipe, terminal, to_file=False)  # stderr redirected
    for machine in ("json", "sarif"):
        assert not wants_progress(machine, terminal, terminal, to_file=False)


def test_bar_is_drawn_on_a_terminal_and_only_past_a_handful_of_files() -> None:
    stream = Terminal()
    with progress_bar(stream, True) as progress:
        assert progress is not None
        progress(0, MIN_FILES - 1)
        progress(MIN_FILES - 1, MIN_FILES - 1)
    assert stream.getvalue() == ""
    with progress_bar(stream, True) as progress:
        assert progress is not None
        for done in range(MIN_FILES + 1):
            progress(done, MIN_FILES)
    assert "scanning" in stream.getvalue()
    with progress_bar(stream, False) as progress:
        assert progress is None


def test_cli_draws_nothing_when_piped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(_tree(tmp_path, 2 * MIN_FILES)), "--fail-on", "never"]) == 0
    captured = capsys.readouterr()
    assert "scanning" not in captured.err and "\r" not in captured.err
    assert captured.out.count("OMG001") >= 2 * MIN_FILES
