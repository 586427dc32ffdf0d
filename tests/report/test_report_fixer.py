"""``--fix``: safe rewrites that parse, keep every comment, change nothing without ``--write``, and still run."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tokenize
from collections import Counter
from pathlib import Path

import libcst as cst
import numpy as np
import onnx
import onnxruntime as ort
import pytest
from _report_testing import FIXTURES, GoldenCheck

from onnx_migrate.report.fixer import fix_file, fix_source, unified_diff
from onnx_migrate.report.scanner import scan_source

FIX = FIXTURES / "fix"
FIX_INPUTS = sorted(p for p in FIX.glob("*.py") if not p.name.endswith(".fixed.py"))


def _comments(source: str) -> Counter[str]:
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    return Counter(token.string for token in tokens if token.type == tokenize.COMMENT)


@pytest.mark.parametrize("path", FIX_INPUTS, ids=lambda p: p.name)
def test_fix_fixture(path: Path, golden: GoldenCheck) -> None:
    source = path.read_text(encoding="utf-8")
    outcome = fix_source(source)
    assert outcome.changed
    golden(path.with_name(path.stem + ".fixed.py"), outcome.source)
    cst.parse_module(outcome.source)
    compile(outcome.source, str(path), "exec")
    assert _comments(outcome.source) == _comments(source), "every comment is kept, none is invented"
    assert fix_source(outcome.source).source == outcome.source, "fixing twice changes nothing more"
    assert not [f for f in scan_source(outcome.source) if f.fixable], "nothing fixable is left"
    assert [f.code for f in scan_source(outcome.source)] == [f.code for f in outcome.remaining]


@pytest.mark.parametrize("path", sorted((FIXTURES / "scan").rglob("*.py")), ids=lambda p: p.name)
def test_fix_on_the_scan_fixtures_parses_and_keeps_comments(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    outcome = fix_source(source)
    compile(outcome.source, str(path), "exec")
    assert _comments(outcome.source) == _comments(source)
    fixed_codes = Counter(f.code for f in outcome.fixed)
    left_codes = Counter(f.code for f in outcome.remaining)
    assert not (fixed_codes & left_codes) or all(not f.fixable for f in outcome.remaining)


def test_nothing_modified_without_write(tmp_path: Path) -> None:
    target = tmp_path / "calls.py"
    target.write_bytes((FIX / "calls.py").read_bytes())
    before = target.read_bytes()
    stamp = target.stat().st_mtime_ns
    outcome = fix_file(target)
    assert outcome.diff.startswith(f"--- {target.as_posix()}") and outcome.fixed > 0 and not outcome.written
    assert target.read_bytes() == before and target.stat().st_mtime_ns == stamp
    assert list(tmp_path.iterdir()) == [target]  # no temporary files left behind


def test_write_applies_the_diff_and_keeps_file_properties(tmp_path: Path) -> None:
    real = tmp_path / "real.py"
    source = "# -*- coding: latin-1 -*-\r\nimport torch\r\n# caf\xe9\r\ntorch.onnx.export(m, x, 'f', dynamo=False)\r\n"
    real.write_bytes(source.encode("latin-1"))
    real.chmod(0o640)
    link = tmp_path / "link.py"
    link.symlink_to(real.name)
    outcome = fix_file(link, write=True)
    assert outcome.written and outcome.fixed == 1
    assert link.is_symlink(), "the symlink is kept; its target is rewritten"
    data = real.read_bytes()
    assert b"caf\xe9" in data and b"\r\nonnx_migrate.export(m, x, 'f')\r\n" in data
    assert oct(real.stat().st_mode & 0o777) == "0o640"
    assert fix_file(real).diff == ""


def test_unified_diff_format() -> None:
    assert unified_diff("a.py", "x = 1\n", "x = 1\n") == ""
    diff = unified_diff("src/a.py", "x = 1", "x = 2")
    assert diff.splitlines()[:2] == ["--- a/src/a.py", "+++ b/src/a.py"]
    assert diff.endswith("\\ No newline at end of file\n")


def test_bad_files_are_left_alone(tmp_path: Path) -> None:
    broken = tmp_path / "broken.py"
    broken.write_text("import torch.onnx\ntorch.onnx.export(m, dynamo=False\n", encoding="utf-8")
    outcome = fix_file(broken, write=True)
    assert outcome.error is not None and outcome.error.kind.value == "syntax"
    assert broken.read_text(encoding="utf-8").endswith("dynamo=False\n")


def test_rewritten_legacy_script_still_exports(tmp_path: Path) -> None:
    """The fixed script runs on onnx_migrate: a checked model whose numbers match eager PyTorch."""
    script = tmp_path / "legacy_export_script.py"
    script.write_bytes((FIX / "legacy_export_script.py").read_bytes())
    fix_file(script, write=True)
    fixed = script.read_text(encoding="utf-8")
    assert "import onnx_migrate" in fixed and "torch.onnx.export(" not in fixed
    output = tmp_path / "model.onnx"
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    completed = subprocess.run(
        [sys.executable, str(script), str(output)], capture_output=True, text=True, env=env, timeout=300, check=False
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    model = onnx.load(str(output))
    onnx.checker.check_model(model, full_check=True)
    assert {op.domain or "": op.version for op in model.opset_import}[""] == 13
    assert [node.op_type for node in model.graph.node][-1] == "Mul"  # the custom symbolic ran
    session = ort.InferenceSession(str(output), providers=["CPUExecutionProvider"])
    x = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)  # a new batch size: dynamic_axes
    (y,) = session.run(None, {"x": x})
    assert y.shape == (5, 3) and (y >= 0).all()
