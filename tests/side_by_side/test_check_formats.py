"""The report formats: JSON for tools, Markdown/HTML for pull requests, a terminal table for people."""

from __future__ import annotations

import io
import json

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from onnx_migrate.side_by_side.exports import CapturedExport
from onnx_migrate.side_by_side.formats import to_dict, to_html, to_markdown, to_plain_text, write
from onnx_migrate.side_by_side.model_check import check_pair
from onnx_migrate.side_by_side.result import CheckResult, SkippedExport


def _model(op: str) -> onnx.ModelProto:
    graph = helper.make_graph(
        [helper.make_node(op, ["x"], ["y"])],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 4])],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], ir_version=8)


def _side(op: str, destination: str) -> CapturedExport:
    return CapturedExport(
        model="Net<1>", destination=destination, call_site="export.py:12",
        keywords={"input_names": ["x"], "dynamic_axes": {"x": {0: "batch"}}},
        inputs=[np.linspace(-1, 1, 8, dtype=np.float32).reshape(2, 4)], fingerprint="f", proto=_model(op),
    )  # fmt: skip


@pytest.fixture(scope="module")
def result() -> CheckResult:
    """One identical model and one whose Relu became a Sigmoid (names with HTML/Markdown specials)."""
    same = check_pair(1, _side("Relu", "a|b.onnx"), _side("Relu", "a|b.onnx"), "torch legacy exporter")
    changed = check_pair(2, _side("Relu", "<c>.onnx"), _side("Sigmoid", "<c>.onnx"), "torch legacy exporter")
    skipped = [SkippedExport("Other", "export.py:20", "dynamo=True")]
    return CheckResult(models=[same, changed], skipped=skipped, script="export.py")


def test_json_has_verdicts_numbers_and_histograms(result: CheckResult) -> None:
    data = json.loads(result.to_json())
    assert data["tool"] == "onnx-migrate check" and data["schema_version"] == 1
    assert data["verdict"] == "different" and data["exit_code"] == 1
    assert [m["verdict"] for m in data["models"]] == ["identical", "different"]
    changed = data["models"][1]
    assert changed["max_abs_diff"] == pytest.approx(0.4643, abs=1e-4)
    assert [run["label"] for run in changed["comparison"]["numbers"]] == ["example inputs", "other sizes (batch 2->3)"]
    ops = {op["op_type"]: (op["reference"], op["candidate"]) for op in changed["comparison"]["ops"]}
    assert ops == {"Relu": (1, 0), "Sigmoid": (0, 1)}
    assert data["skipped"] == [{"model": "Other", "call_site": "export.py:20", "reason": "dynamo=True"}]
    assert to_dict(result) == data


def test_markdown_puts_the_histograms_side_by_side(result: CheckResult) -> None:
    text = to_markdown(result)
    assert text.startswith("# onnx-migrate check: ❌ different\n")
    assert "| 1 | Net<1> | a\\|b.onnx | torch legacy exporter | ✅ identical | 0 | 1 -> 1 |" in text
    assert "| Op | Reference | onnx_migrate | Δ |" in text
    assert "| **Relu** | 1 | 0 | **-1** |\n| **Sigmoid** | 0 | 1 | **+1** |" in text
    assert "| example inputs (2x4) | y | 0.464 |" in text and "MISMATCH" in text
    assert "- Other at `export.py:20`: dynamo=True" in text


def test_html_is_escaped_and_marks_differing_rows(result: CheckResult) -> None:
    page = to_html(result)
    assert "<c>" not in page and "&lt;c&gt;.onnx" in page and "Net&lt;1&gt;" in page
    assert (
        '<tr class="differs"><td>Sigmoid</td><td class="num">0</td><td class="num">1</td><td class="num">+1</td>'
        in page
    )
    assert page.count('class="histogram"') == 2 and page.rstrip().endswith("</html>")


def test_terminal_table_has_no_colours_unless_asked(result: CheckResult) -> None:
    plain = io.StringIO()
    write(result, "text", plain)
    assert "\x1b[" not in plain.getvalue()
    assert "different" in plain.getvalue() and "Sigmoid" in plain.getvalue()
    coloured = io.StringIO()
    write(result, "text", coloured, color=True)
    assert "\x1b[" in coloured.getvalue()


def test_plain_text_without_rich(result: CheckResult) -> None:
    text = to_plain_text(result)
    assert text.splitlines()[0] == "onnx-migrate check: different (2 model(s): 1 identical, 1 different)"
    assert "[2] Net<1> -> <c>.onnx: DIFFERENT" in text
    assert str(result) == text


def test_loading_the_subcommand_does_not_import_torch() -> None:
    """Test: `onnx-migrate --help` loads every subcommand; check's must stay free of torch until it runs."""
    import subprocess
    import sys

    code = "import sys, onnx_migrate.cli.check; print('torch' in sys.modules)"
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert completed.stdout.strip() == "False"


def test_public_names_resolve() -> None:
    """Test: every name in the subpackage's __all__ is importable from it (they load lazily)."""
    import onnx_migrate.side_by_side as check_package

    assert set(check_package.__all__) == set(check_package._PUBLIC)
    for name in check_package.__all__:
        assert getattr(check_package, name).__name__ == name
