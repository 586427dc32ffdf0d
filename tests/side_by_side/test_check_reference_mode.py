"""``--reference``: compare with a saved model when torch's legacy exporter is gone (here: blocked)."""

from __future__ import annotations

import contextlib
import io
import json
import sys
import warnings
from pathlib import Path

import pytest
import torch
from _check_scripts import LEGACY_PROJECT, TWO_EXPORTS
from _export_helpers import requires_legacy
from _legacy_project import run_example

import onnx_migrate
from onnx_migrate.side_by_side import Verdict, check, check_script
from onnx_migrate.cli import main


@pytest.fixture
def saved_legacy_model(tmp_path, default_registry) -> Path:
    """The example project's model as torch's own exporter wrote it (the team's file from before migrating)."""
    path = tmp_path / "legacy.onnx"
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        try:
            run_example(path, 11, portable=True)
        finally:
            torch.onnx.unregister_custom_op_symbolic("legacy_project::fused_bias_gelu", 11)  # torch's registry
            sys.modules.pop("legacy_model", None)
    return path


@requires_legacy
@pytest.mark.legacy_reference
def test_script_against_a_saved_legacy_model_with_the_exporter_blocked(
    saved_legacy_model, tmp_path, capsys, legacy_exporter_blocked
) -> None:
    """Test: the example project checked against its saved legacy model while the legacy exporter raises."""
    code = main([
        "check", "--reference", str(saved_legacy_model), "--format", "json",
        str(LEGACY_PROJECT), "--opset", "11", "--output", str(tmp_path / "ours.onnx"), "--portable",
    ])  # fmt: skip
    out, err = capsys.readouterr()
    assert code == 0, err
    (model,) = json.loads(out)["models"]
    assert model["verdict"] == "identical" and model["reference"] == str(saved_legacy_model)
    assert [run["outputs"][0]["ok"] for run in model["comparison"]["numbers"]] == [True, True]
    assert legacy_exporter_blocked == [], "the legacy exporter was never called"


def test_reference_saved_by_onnx_migrate_needs_no_legacy_exporter(tmp_path, capsys, legacy_exporter_blocked) -> None:
    """Test: references made without TorchScript at all (an earlier onnx_migrate release's files) also work."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2)).eval()
    x = torch.randn(3, 6)
    references = []
    for opset in (9, 13):
        path = tmp_path / f"ref-{opset}.onnx"
        onnx_migrate.export(model, (x,), path, input_names=["x"], output_names=["y"], opset_version=opset,
                            dynamic_axes={"x": {0: "n"}, "y": {0: "n"}})  # fmt: skip
        references.append(str(path))
    script = tmp_path / "two.py"
    script.write_text(TWO_EXPORTS, encoding="utf-8")
    result = check_script(str(script), [str(tmp_path / "mlp")], references=references)
    assert [m.verdict for m in result.models] == [Verdict.IDENTICAL, Verdict.IDENTICAL]
    assert [m.reference for m in result.models] == references
    assert legacy_exporter_blocked == []


def test_python_check_against_a_reference_file(tmp_path, legacy_exporter_blocked) -> None:
    """Test: check(model, args, reference=path) with the legacy exporter blocked; a wrong reference is different."""
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Tanh()).eval()
    x = torch.randn(2, 4)
    good = tmp_path / "good.onnx"
    onnx_migrate.export(model, (x,), good, opset_version=13, input_names=["x"], output_names=["y"])
    result = check(model, (x,), opset_version=13, input_names=["x"], output_names=["y"], reference=good)
    assert result.models[0].verdict is Verdict.IDENTICAL
    other = torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Sigmoid()).eval()
    bad = check(other, (x,), opset_version=13, input_names=["x"], output_names=["y"], reference=good)
    assert bad.models[0].verdict is Verdict.DIFFERENT and bad.exit_code == 1
    assert any("Sigmoid 0->1" in r and "Tanh 1->0" in r for r in bad.models[0].reasons)
    assert legacy_exporter_blocked == []


def test_one_reference_per_export(tmp_path, capsys, legacy_exporter_blocked) -> None:
    """Test: two exports but one --reference -> exit 2 saying how many are needed."""
    reference = tmp_path / "ref.onnx"
    onnx_migrate.export(torch.nn.ReLU(), (torch.randn(2),), reference, opset_version=13)
    script = tmp_path / "two.py"
    script.write_text(TWO_EXPORTS, encoding="utf-8")
    code = main(["check", "--reference", str(reference), str(script), str(tmp_path / "mlp")])
    _, err = capsys.readouterr()
    assert code == 2
    assert "1 reference model(s) given for 2 export(s)" in err
