"""Bad input gives a clear message and a non-zero exit: no export, a failing script, a bad reference..."""

from __future__ import annotations

import pytest
import torch
import torch.onnx
from _check_scripts import TWO_EXPORTS

import onnx_migrate
from onnx_migrate.side_by_side import check
from onnx_migrate.cli import main


def _check(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["check", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def reference_file(tmp_path):
    path = tmp_path / "ref.onnx"
    onnx_migrate.export(torch.nn.ReLU(), (torch.randn(2),), path, opset_version=13)
    return path


def test_a_script_that_exports_nothing(write_script, reference_file, capsys) -> None:
    """Test: no export call -> exit 2, 'made no legacy torch.onnx.export call'; the script's print went to stderr."""
    script = write_script("quiet.py", "print('training done')\n")
    code, out, err = _check(["--reference", str(reference_file), str(script)], capsys)
    assert code == 2
    assert "made no legacy torch.onnx.export call: there is nothing to check" in err
    assert "training done" in err and "training done" not in out


def test_a_script_that_fails(write_script, reference_file, capsys) -> None:
    """Test: an exception before any export -> its traceback, exit 2 and a message naming the run."""
    script = write_script("broken.py", "import torch\nraise ValueError('no data found')\n")
    code, out, err = _check(["--reference", str(reference_file), str(script)], capsys)
    assert code == 2
    assert "ValueError: no data found" in err and "broken.py" in err
    assert "the script failed (exit status 1) when run with onnx_migrate" in err
    assert "error" in out


def test_a_script_that_exits_with_an_error_status(write_script, reference_file, capsys) -> None:
    script = write_script("exits.py", "import sys\nsys.exit(3)\n")
    code, _, err = _check(["--reference", str(reference_file), str(script)], capsys)
    assert code == 2 and "exit status 3" in err


def test_a_missing_script(tmp_path, capsys) -> None:
    code, _, err = _check([str(tmp_path / "nope.py")], capsys)
    assert code == 2 and "no such script" in err


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"name,value\nbatch,2\n", "is not an ONNX model"),
        (b"", "is not an ONNX model: it has no opset import"),
        (b"\x08\x07\x12\x03abc\xff\xfe\x00garbage", "is not an ONNX model"),
    ],
    ids=["csv", "empty", "garbage"],
)
def test_a_reference_that_is_not_onnx(write_script, tmp_path, capsys, content: bytes, needle: str) -> None:
    """Test: a reference that is not ONNX -> exit 2 before the script runs, naming the file."""
    reference = tmp_path / "ref.onnx"
    reference.write_bytes(content)
    script = write_script("two.py", TWO_EXPORTS)
    code, _, err = _check(["--reference", str(reference), str(script), str(tmp_path / "m")], capsys)
    assert code == 2
    assert needle in err and str(reference) in err
    assert not list(tmp_path.glob("m-*.onnx")), "the script did not run"


def test_a_missing_reference_file(write_script, tmp_path, capsys) -> None:
    script = write_script("two.py", TWO_EXPORTS)
    code, _, err = _check(["--reference", str(tmp_path / "gone.onnx"), str(script), str(tmp_path / "m")], capsys)
    assert code == 2 and "does not exist" in err


def test_torch_without_the_legacy_exporter_points_to_reference(write_script, tmp_path, capsys, monkeypatch) -> None:
    """Test: a torch.onnx.export without dynamo= (TorchScript gone) -> exit 2 with the --reference hint."""

    def export(model, args=(), f=None, *, opset_version=None, input_names=None):  # the new-only signature
        raise AssertionError("not called")

    monkeypatch.setattr(torch.onnx, "export", export)
    script = write_script("two.py", TWO_EXPORTS)
    code, _, err = _check([str(script), str(tmp_path / "m")], capsys)
    assert code == 2
    assert "TorchScript exporter is gone" in err and "--reference" in err
    result = check(torch.nn.ReLU(), (torch.randn(2),), opset_version=13)
    assert result.exit_code == 2 and "--reference" in result.errors[0]


def test_unwritable_report_file(write_script, reference_file, tmp_path, capsys) -> None:
    """Test: a report path in a missing folder -> exit 2 naming it, although the model checked identical."""
    script = write_script(
        "relu.py", "import torch\ntorch.onnx.export(torch.nn.ReLU(), (torch.randn(2),), None, opset_version=13)\n"
    )
    target = tmp_path / "no" / "r.md"
    code, _, err = _check(["--reference", str(reference_file), "-o", str(target), str(script)], capsys)
    assert code == 2 and f"cannot write the report to {target}" in err
    code, out, _ = _check(["--reference", str(reference_file), str(script)], capsys)
    assert code == 0 and "identical" in out


def test_unknown_keyword_is_a_type_error_before_exporting() -> None:
    with pytest.raises(TypeError, match="'custom_translation_table'"):
        check(torch.nn.ReLU(), (torch.randn(2),), custom_translation_table={})


def test_check_script_refuses_to_run_inside_install(write_script, reference_file) -> None:
    """Test: the reference run needs plain torch, so check_script under install() is an error, not a wrong answer."""
    from onnx_migrate.side_by_side import check_script

    script = write_script("quiet.py", "pass\n")
    with onnx_migrate.install():
        result = check_script(str(script), references=[reference_file])
    assert result.exit_code == 2 and "installed in this process" in result.errors[0]
