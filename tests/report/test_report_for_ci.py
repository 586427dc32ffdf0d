"""``onnx-migrate report`` in CI and pre-commit: exit codes, --explain, pyproject config, explicit paths.

Each test asserts the exit code and the first line a user sees.
"""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

import pytest

from onnx_migrate.cli import main
from onnx_migrate.report.docs import explain, render_rules_markdown

REPO = Path(__file__).resolve().parents[2]
LEGACY = "import torch\ntorch.onnx.export(model, (x,), 'm.onnx', opset_version=11, dynamo=False)\n"
#: What `--fix --write` leaves of a legacy file: symbolics and an autograd.Function that onnx_migrate runs as they are.
MIGRATED = textwrap.dedent(
    """\
    import torch
    import onnx_migrate

    class Clamp(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x.clamp(0, 1)

        @staticmethod
        def symbolic(g, x):
            return g.op("Clip", x)

    def relu_symbolic(g, x):
        return g.op("Relu", x)

    def neg_symbolic(g, x):
        return g.op("Neg", x)

    onnx_migrate.register_custom_op_symbolic("mylib::relu", relu_symbolic, 11)
    onnx_migrate.export(model, (x,), "m.onnx", opset_version=11)
    """
)


def _report(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["report", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _first_line(text: str) -> str:
    return next(line for line in text.splitlines() if line.strip())


def test_a_migrated_file_passes_ci_by_default(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Test: only info findings (work unchanged) -> exit 0 at the default --fail-on warning; symbolics are one finding."""
    (tmp_path / "export.py").write_text(MIGRATED, encoding="utf-8")
    code, out, _ = _report([str(tmp_path)], capsys)
    assert code == 0
    assert _first_line(out) == str(tmp_path / "export.py")
    assert out.count("OMG302") == 1 and "2 symbolic functions: `relu_symbolic` (line 13), `neg_symbolic` (line 16)" in out
    assert "OMG301" in out and "info" in out.split("OMG301")[0].splitlines()[-1]
    assert "2 findings (0 errors, 0 warnings, 2 info)" in out
    assert main(["report", str(tmp_path), "--fail-on", "info"]) == 1


def test_fix_summary_adds_up(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Test: rewritten + gone with the rewritten call + remaining = found."""
    (tmp_path / "export.py").write_text(
        "import torch\ntorch.onnx.export(model, (x,), 'm.onnx', opset_version=11, dynamo=False, "
        "do_constant_folding=True, dynamic_axes={'x': {0: 'n'}})\n",
        encoding="utf-8",
    )
    code, _, err = _report([str(tmp_path), "--fix"], capsys)
    assert code == 1
    assert _first_line(err) == (
        "onnx-migrate report --fix: would rewrite 1 finding(s) in 1 file(s); apply with --fix --write; "
        "3 more go with the calls rewritten; 0 remain (run without --fix to list them); 4 found in all"
    )


def test_explain_prints_the_rule_guide_from_the_package(capsys: pytest.CaptureFixture[str]) -> None:
    """Test: --explain OMG203 exits 0 and prints the rule's section of docs/rules.md (without its anchor)."""
    code, out, _ = _report(["--explain", "omg203"], capsys)
    assert code == 0
    assert _first_line(out).startswith("## OMG203 `")
    assert out.strip() in render_rules_markdown()
    assert (REPO / "docs" / "rules.md").read_text(encoding="utf-8").count(explain("OMG203").strip()) == 1


def test_explain_an_unknown_code(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _report(["--explain", "OMG999"], capsys)
    assert code == 2
    assert _first_line(err).startswith("onnx-migrate report: error: no rule 'OMG999'; the codes are OMG001")


def test_pyproject_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Test: [tool.onnx-migrate] select/exclude/fail-on apply; command-line options win; --no-config ignores it."""
    (tmp_path / "pyproject.toml").write_text(
        '[tool.onnx-migrate]\nselect = ["OMG004"]\nexclude = ["vendored/"]\nfail-on = "never"\n', encoding="utf-8"
    )
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "export.py").write_text(LEGACY, encoding="utf-8")
    (tmp_path / "vendored").mkdir()
    (tmp_path / "vendored" / "old.py").write_text(LEGACY, encoding="utf-8")
    monkeypatch.chdir(tmp_path / "src")  # the nearest pyproject.toml above the current directory
    code, out, _ = _report(["."], capsys)
    assert code == 0
    assert "OMG004" in out and "OMG001" not in out
    monkeypatch.chdir(tmp_path)
    code, out, _ = _report([".", "--fail-on", "warning"], capsys)
    assert code == 1 and "old.py" not in out
    code, out, _ = _report([".", "--no-config"], capsys)
    assert code == 1 and "OMG001" in out and "old.py" in out


def test_bad_pyproject_config_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.onnx-migrate]\nfail_on = "error"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, _, err = _report(["."], capsys)
    assert code == 2
    assert _first_line(err).startswith("onnx-migrate report: error: ")
    assert "unknown key(s) fail_on" in err and len(err.strip().splitlines()) == 1


def test_a_named_folder_is_scanned_even_when_gitignored(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Test: a vendored package under an ignored venv is scanned when named; other ignore patterns still apply."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text("venv/\n*_generated.py\n", encoding="utf-8")
    package = tmp_path / "venv" / "lib" / "site-packages" / "vendored"
    package.mkdir(parents=True)
    (package / "export.py").write_text(LEGACY, encoding="utf-8")
    (package / "export_generated.py").write_text(LEGACY, encoding="utf-8")
    code, out, _ = _report([str(package)], capsys)
    assert code == 1
    assert _first_line(out) == str(package / "export.py")
    assert "export_generated.py" not in out
    # Found by walking from the repository root, the ignored venv stays skipped, and the run says why.
    (tmp_path / "keep.txt").write_text("", encoding="utf-8")
    code, out, err = _report([str(tmp_path)], capsys)
    assert code == 0
    assert _first_line(out) == "No legacy ONNX export use found in 0 files."
    assert _first_line(err).startswith(f"onnx-migrate report: no Python file scanned under {tmp_path}: the walk skips")


def test_pre_commit_hook_runs_the_report() -> None:
    """Test: .pre-commit-hooks.yaml declares the report hook on Python files with the console script's entry."""
    text = (REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    assert "- id: onnx-migrate-report" in text
    assert "entry: onnx-migrate report\n" in text and "types: [python]" in text
    assert "onnx-migrate = \"onnx_migrate.cli:main\"" in (REPO / "pyproject.toml").read_text(encoding="utf-8")
