"""``ExportReport.status``: each stage passed, failed (or not reached after a failure), or not run — and a failed
export's report reaches the user, naming the stage that failed."""

from __future__ import annotations

import json
import textwrap

import pytest
import torch

import onnx_migrate
from onnx_migrate import cli
from onnx_migrate.side_by_side import check
from onnx_migrate.compat.install import install, routed_exports
from onnx_migrate.errors import CaptureError, UnsupportedSymbolicError, VerificationError
from onnx_migrate.legacy_symbolics.registry import SymbolicRegistry


class _RefusesToTrace(torch.nn.Module):
    """torch.export runs forward and it raises: a real capture failure."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise RuntimeError("this forward refuses to be traced")


class _Bessel(torch.nn.Module):
    """``aten::special_bessel_j0`` has no symbolic at any opset: translation fails."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.special.bessel_j0(x) + 1


def _status(report: onnx_migrate.ExportReport) -> dict[str, bool | None]:
    return json.loads(report.to_json())["status"]


@pytest.mark.parametrize("backend", ["legacy", "dynamo"])
def test_a_successful_export_passes_every_stage_it_runs(backend: str) -> None:
    """Test: with verify=True every stage is True; decomposition is not run by the dynamo backend."""
    result = onnx_migrate.export(torch.nn.ReLU(), (torch.randn(2, 3),), opset_version=18, verify=True, backend=backend)
    expected = dict.fromkeys(("capture", "decomposition", "translation", "checker", "onnx_runtime", "accuracy"), True)
    if backend == "dynamo":
        expected["decomposition"] = None
    assert _status(result.report) == expected
    assert result.report.status.failed_stage is None and result.report.error is None


@pytest.mark.parametrize("backend", ["legacy", "dynamo"])
def test_a_capture_failure_fails_capture_and_every_later_stage(backend: str) -> None:
    """Test: torch.export cannot capture: capture is the failed stage, later planned stages are False, verify's None."""
    with pytest.raises(CaptureError) as info:
        onnx_migrate.export(_RefusesToTrace(), (torch.randn(2),), opset_version=13, backend=backend)
    report = info.value.report
    assert isinstance(report, onnx_migrate.ExportReport) and report.backend == backend
    assert _status(report) == {
        "capture": False, "decomposition": False if backend == "legacy" else None, "translation": False,
        "checker": False, "onnx_runtime": None, "accuracy": None,
    }  # fmt: skip
    assert report.status.failed_stage == "capture"
    assert report.error is not None and report.error.startswith("CaptureError:")
    assert "refuses to be traced" in report.error
    markdown = report.to_markdown()
    assert "- capture: FAILED" in markdown and "- translation: not reached" in markdown
    assert "The export failed at capture: CaptureError" in markdown


def test_a_missing_symbolic_fails_translation_after_capture_passed(registry_scope: SymbolicRegistry) -> None:
    """Test: capture and decomposition passed; translation failed; the checker was not reached."""
    with pytest.raises(UnsupportedSymbolicError) as info:
        onnx_migrate.export(_Bessel(), (torch.rand(3),), opset_version=13, verify=True)
    report = info.value.report
    assert _status(report) == {
        "capture": True, "decomposition": True, "translation": False, "checker": False,
        "onnx_runtime": False, "accuracy": False,
    }  # fmt: skip
    assert report.status.failed_stage == "translation"
    assert report.to_dict()["failed_stage"] == "translation"
    assert "aten::special_bessel_j0" in report.to_dict()["error"]


def test_wrong_numbers_fail_accuracy_after_onnx_runtime_ran() -> None:
    """Test: a custom symbolic that computes the wrong thing: ONNX Runtime passed, accuracy failed."""
    registry = SymbolicRegistry.default().copy()
    registry.register("aten::relu", 9, lambda g, x: g.op("Neg", x), custom=True)
    with pytest.raises(VerificationError) as info:
        onnx_migrate.export(torch.nn.ReLU(), (torch.rand(4) + 0.5,), opset_version=13, verify=True, registry=registry)
    status = info.value.report.status
    assert (status.checker, status.onnx_runtime, status.accuracy) == (True, True, False)
    assert status.failed_stage == "accuracy"


def test_a_failed_routed_export_keeps_its_report_for_onnx_migrate_run(tmp_path, capsys) -> None:
    """Test: `onnx-migrate run` prints the failed export's report with the stage that failed."""
    script = tmp_path / "user_script.py"
    script.write_text(
        textwrap.dedent(
            """
            import torch

            class Refuses(torch.nn.Module):
                def forward(self, x):
                    raise RuntimeError("this forward refuses to be traced")

            try:
                torch.onnx.export(Refuses(), (torch.randn(2),), None, opset_version=13, dynamo=False)
            except torch.onnx.errors.OnnxExporterError as exc:
                print("caught", type(exc).__name__)
            """
        ),
        encoding="utf-8",
    )
    assert cli.main(["run", str(script)]) == 0
    out = capsys.readouterr()
    assert "caught CaptureError" in out.out
    assert "FAILED (CaptureError" in out.err
    assert "capture FAILED, decomposition not reached, translation not reached, checker not reached" in out.err
    with install(), pytest.raises(CaptureError):
        torch.onnx.export(_RefusesToTrace(), (torch.randn(2),), None, opset_version=13, dynamo=False)
    assert routed_exports()[-1].report.status.failed_stage == "capture"


def test_check_names_the_stage_that_failed(registry_scope: SymbolicRegistry) -> None:
    """Test: `check` against a saved reference says the candidate export failed at translation."""
    reference = onnx_migrate.export(torch.nn.ReLU(), (torch.rand(3),), opset_version=13).model_proto
    result = check(_Bessel(), (torch.rand(3),), reference=reference, opset_version=13)
    (model,) = result.models
    assert not result.ok
    assert any("translation failed: UnsupportedSymbolicError" in reason for reason in model.reasons), model.reasons
