"""``onnx-migrate check script.py``: the script runs with onnx_migrate and with torch's legacy exporter."""

from __future__ import annotations

import json

import onnx
import pytest
from _check_scripts import LEGACY_CNN, LEGACY_PROJECT, TWO_EXPORTS
from _export_helpers import requires_legacy

import onnx_migrate
from onnx_migrate.side_by_side import Verdict, check_script
from onnx_migrate.cli import main

pytestmark = [requires_legacy, pytest.mark.legacy_reference]


def _run_cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["check", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_example_project_portable_is_identical_with_numbers(tmp_path, capsys, default_registry) -> None:
    """Test: the example project (parse_args symbolic, autograd.Function, dynamic_axes) checks identical."""
    output = tmp_path / "legacy.onnx"
    code, out, err = _run_cli(
        ["--format", "json", str(LEGACY_PROJECT), "--opset", "11", "--output", str(output), "--portable"], capsys
    )
    assert code == 0, err
    report = json.loads(out)
    (model,) = report["models"]
    assert model["verdict"] == "identical" and model["reasons"] == []
    runs = model["comparison"]["numbers"]
    assert [run["label"] for run in runs] == ["example inputs", "other sizes (batch 2->3, seq 5->6)"]
    for run in runs:
        (scores,) = run["outputs"]
        assert scores["name"] == "scores" and scores["ok"] and scores["max_abs"] <= 1e-5
    ops = {(op["domain"], op["op_type"]): (op["reference"], op["candidate"]) for op in model["comparison"]["ops"]}
    assert ops[("com.microsoft", "BiasGelu")] == (1, 1) and ops[("", "Softsign")] == (2, 2)
    # onnx_migrate's model is where the script asked; the script's own print went to stderr, twice.
    assert onnx.load(str(output)).producer_name == "onnx_migrate"
    assert err.count(f"exported {output}") == 2


def test_example_project_with_custom_nodes_is_identical_without_numbers(tmp_path, capsys, default_registry) -> None:
    """Test: with the project's own custom node ORT cannot run, the structure decides; the notes say why."""
    code, out, err = _run_cli([str(LEGACY_PROJECT), "--opset", "17", "--output", str(tmp_path / "m.onnx")], capsys)
    assert code == 0, err
    assert "identical" in out and "ClampedSoftsign" in out and "ran neither model" in out
    assert "\x1b[" not in out, "no colours when stdout is not a terminal"


def test_symbolic_bound_to_legacy_helpers_runs_in_both_exporters(write_script, tmp_path, default_registry) -> None:
    """Test: a parse_args symbolic from torch.onnx.symbolic_helper, no seed: identical, same weights both runs."""
    script = write_script("export_cnn.py", LEGACY_CNN)
    result = check_script(str(script), [str(tmp_path / "cnn.onnx")])
    assert result.errors == []
    (model,) = result.models
    assert model.verdict is Verdict.IDENTICAL, model.reasons
    assert model.notes == [], "same weights and inputs in both runs"
    example, other = model.comparison.numbers
    assert example.ok and other.ok and other.input_shapes == [(3, 3, 32, 32)]
    assert max(o.max_abs for o in example.outputs) < 1e-6
    assert result.exit_code == 0


def test_changed_symbolic_is_reported_different_with_the_op(write_script, tmp_path, capsys, default_registry) -> None:
    """Test: an onnx_migrate override of relu (emits Sigmoid) makes the model different, naming Sigmoid."""
    onnx_migrate.register_custom_op_symbolic("::relu", lambda g, self: g.op("Sigmoid", self), 9)
    script = write_script("export_cnn.py", LEGACY_CNN)
    code, out, err = _run_cli(["--format", "markdown", str(script), str(tmp_path / "cnn.onnx")], capsys)
    assert code == 1, err
    assert "❌ different" in out
    assert "| **Sigmoid** | 0 | 1 | **+1** |" in out and "| **Relu** | 1 | 0 | **-1** |" in out
    assert "MISMATCH" in out


def test_every_export_of_a_script_is_checked(write_script, tmp_path, capsys) -> None:
    """Test: two exports (legacy positional arguments) give two identical models, in call order."""
    script = write_script("two.py", TWO_EXPORTS)
    code, out, err = _run_cli(["--format", "json", str(script), str(tmp_path / "mlp")], capsys)
    assert code == 0, err
    models = json.loads(out)["models"]
    assert [m["verdict"] for m in models] == ["identical", "identical"]
    assert [m["comparison"]["reference_opsets"][""] for m in models] == [9, 13]
    assert [m["destination"] for m in models] == [f"{tmp_path / 'mlp'}-9.onnx", f"{tmp_path / 'mlp'}-13.onnx"]
    assert [m["call_site"].rsplit("/", 1)[-1] for m in models] == ["two.py:10", "two.py:10"]
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".onnx") == ["mlp-13.onnx", "mlp-9.onnx"]


def test_html_report_to_a_file(write_script, tmp_path, capsys) -> None:
    """Test: --format html -o writes a page with the side-by-side op histogram."""
    script = write_script("two.py", TWO_EXPORTS)
    page = tmp_path / "check.html"
    code, out, err = _run_cli(["--format", "html", "-o", str(page), str(script), str(tmp_path / "mlp")], capsys)
    assert code == 0 and out == ""
    text = page.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and 'class="histogram"' in text
    assert '<td>Gemm</td><td class="num">2</td><td class="num">2</td>' in text
    assert "report written to" in err
