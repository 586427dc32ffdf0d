"""``onnx-migrate report`` end to end through the CLI entry point, the docs page, and import hygiene."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from _report_testing import FIXTURES, GoldenCheck

import onnx_migrate.report as report_package
from onnx_migrate.cli import main
from onnx_migrate.report.docs import render_rules_markdown

REPO = Path(__file__).resolve().parents[2]
LEGACY = "import torch\ntorch.onnx.export(model, (x,), 'm.onnx', opset_version=11, dynamo=False)\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "export_model.py").write_text(LEGACY, encoding="utf-8")
    (tmp_path / "clean.py").write_text("import torch\n", encoding="utf-8")
    return tmp_path


def test_text_report_and_exit_codes(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(project)]) == 1
    out = capsys.readouterr().out
    assert "OMG001 [*]" in out and "OMG004" in out and "\033[" not in out  # captured: not a terminal
    assert main(["report", str(project), "--fail-on", "error"]) == 1
    assert main(["report", str(project), "--select", "OMG004", "--fail-on", "error"]) == 0
    assert main(["report", str(project), "--fail-on", "never"]) == 0
    assert main(["report", str(project / "clean.py")]) == 0
    (project / "broken.py").write_text("import torch.onnx\ntorch.onnx.export(\n", encoding="utf-8")
    assert main(["report", str(project), "--fail-on", "never"]) == 2
    assert main(["report", str(project)]) == 3


def test_formats_to_file(project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "report.sarif"
    assert main(["report", str(project), "--format", "sarif", "-o", str(target), "--fail-on", "never"]) == 0
    assert capsys.readouterr().out == ""
    assert json.loads(target.read_text(encoding="utf-8"))["version"] == "2.1.0"
    assert main(["report", str(project), "--format", "json", "--ignore", "OMG0"]) == 0
    assert json.loads(capsys.readouterr().out)["summary"]["findings"] == 0


def test_exclude_and_select(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(project), "--exclude", "export_*.py"]) == 0
    assert main(["report", str(project), "--select", "OMG9"]) == 2
    assert "matches no rule" in capsys.readouterr().err


def test_fix_prints_a_diff_and_writes_only_with_write(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = project / "export_model.py"
    assert main(["report", "--fix", str(project)]) == 1
    captured = capsys.readouterr()
    assert "-torch.onnx.export(model, (x,), 'm.onnx', opset_version=11, dynamo=False)" in captured.out
    assert "+onnx_migrate.export(model, (x,), 'm.onnx', opset_version=11)" in captured.out
    assert "would rewrite 1 finding(s) in 1 file(s)" in captured.err
    assert target.read_text(encoding="utf-8") == LEGACY
    assert main(["report", "--fix", "--write", str(project)]) == 0
    assert "onnx_migrate.export(" in target.read_text(encoding="utf-8")
    assert "rewrote 1 finding(s)" in capsys.readouterr().err
    assert main(["report", "--fix", str(project)]) == 0  # nothing left to fix


def test_usage_errors(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report"]) == 2
    assert main(["report", "--write", str(project)]) == 2
    assert main(["report", "--fix", "--format", "json", str(project)]) == 2
    assert main(["report", "--list-rules"]) == 0
    assert "OMG001 [*] legacy-exporter-call" in capsys.readouterr().out


def test_docs_page_is_generated_from_the_rules(golden: GoldenCheck) -> None:
    golden(REPO / "docs" / "rules.md", render_rules_markdown())


def test_public_api() -> None:
    assert sorted(report_package.__all__) == report_package.__all__
    for name in report_package.__all__:
        assert hasattr(report_package, name), name


def test_the_scanner_never_imports_torch() -> None:
    """The scan must stay fast and work where torch is not installed: no module of it imports torch."""
    package = Path(report_package.__file__).parent
    for path in package.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in ("torch", "onnx", "onnxruntime"), f"{path.name} imports {name}"


def test_schemas_ship_with_the_package() -> None:
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert "report/schema/*.json" in pyproject
    assert (FIXTURES.parent / "fixtures").is_dir()
