"""``onnx-migrate run script.py [args...]``: the user's script, unmodified, with onnx_migrate installed."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch
from _legacy_project import SCRIPT, check_exported, example_argv
from test_torchscript_disabled import torchscript_disabled  # noqa: F401 - fixture used by name

from onnx_migrate import cli
from onnx_migrate.compat.install import is_installed

TINY_EXPORT = """
import sys
import torch

model = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.ReLU())
torch.onnx.export(model, (torch.randn(1, 3),), sys.argv[1], opset_version=11, dynamo=False)
print("exported", __name__)
"""


def _script(tmp_path: Path, body: str, name: str = "user_script.py") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return path


@pytest.mark.parametrize("opset", [11, 17])
def test_example_project_runs_unchanged(opset: int, tmp_path, capsys, default_registry) -> None:
    """Test: the legacy example exports through `onnx-migrate run` and the report names what it used."""
    output = tmp_path / "legacy.onnx"
    status = cli.main(["run", str(SCRIPT), *example_argv(output, opset)])
    captured = capsys.readouterr()
    assert status == 0, captured.err
    assert f"exported {output} (opset {opset})" in captured.out
    check_exported(output, opset, portable=False)
    assert "1 of 1 torch.onnx.export call(s) went through onnx_migrate" in captured.err
    assert "legacy_project::fused_bias_gelu" in captured.err and "ClampedSoftsign.symbolic" in captured.err
    assert not is_installed()


@pytest.mark.usefixtures("torchscript_disabled")
def test_example_project_runs_with_torchscript_disabled(tmp_path, capsys, default_registry) -> None:
    """Test: the same with TorchScript gone; the portable variant matches eager PyTorch in ONNX Runtime."""
    output = tmp_path / "legacy.onnx"
    status = cli.main(["run", str(SCRIPT), *example_argv(output, 11, portable=True)])
    assert status == 0, capsys.readouterr().err
    check_exported(output, 11, portable=True)


def test_the_script_runs_as_main_with_its_own_argv(tmp_path, capsys) -> None:
    """Test: __name__ is __main__, sys.argv is the script's, its folder is importable; all restored after."""
    (tmp_path / "helper_mod_for_run.py").write_text("VALUE = 42\n", encoding="utf-8")
    script = _script(
        tmp_path,
        """
        import sys
        import helper_mod_for_run
        print("NAME", __name__, "ARGV", sys.argv[1:], "VALUE", helper_mod_for_run.VALUE)
        """,
    )
    argv_before, path_before = list(sys.argv), list(sys.path)
    status = cli.main(["run", str(script), "--flag", "x"])
    out = capsys.readouterr()
    assert status == 0, out.err
    assert "NAME __main__ ARGV ['--flag', 'x'] VALUE 42" in out.out
    assert "No torch.onnx.export call was made." in out.err
    assert sys.argv == argv_before and sys.path == path_before
    sys.modules.pop("helper_mod_for_run", None)


def test_a_failing_script_shows_its_own_traceback_and_exits_1(tmp_path, capsys) -> None:
    """Test: the user's exception is shown unchanged (no onnx-migrate frames on top), the report still prints."""
    script = _script(
        tmp_path,
        TINY_EXPORT
        + """
def finish():
    raise ValueError("boom from the user's script")

finish()
""",
    )
    status = cli.main(["run", str(script), str(tmp_path / "m.onnx")])
    err = capsys.readouterr().err
    assert status == 1
    traceback_part = err.split("=" * 72)[0]
    assert "Traceback (most recent call last)" in traceback_part
    assert f'File "{script}"' in traceback_part and "in finish" in traceback_part
    assert "ValueError: boom from the user's script" in traceback_part
    assert "onnx_migrate" not in traceback_part
    assert "1 of 1 torch.onnx.export call(s) went through onnx_migrate" in err
    assert not is_installed()


@pytest.mark.parametrize(("code", "expected"), [("0", 0), ("3", 3), ("None", 0), ("'fatal: bad input'", 1)])
def test_sys_exit_sets_the_status(code: str, expected: int, tmp_path, capsys) -> None:
    script = _script(tmp_path, f"import sys\nsys.exit({code})\n")
    assert cli.main(["run", str(script)]) == expected
    if expected == 1:
        assert "fatal: bad input" in capsys.readouterr().err


def test_a_failed_export_is_in_the_report(tmp_path, capsys) -> None:
    """Test: an export onnx_migrate refuses is reported as FAILED and the script sees the error."""
    script = _script(
        tmp_path,
        """
        import torch
        try:
            torch.onnx.export(torch.nn.ReLU(), (torch.randn(2),), None, opset_version=99, dynamo=False)
        except torch.onnx.errors.OnnxExporterError as exc:
            print("caught", type(exc).__name__)
        """,
    )
    assert cli.main(["run", str(script)]) == 0
    out = capsys.readouterr()
    assert "caught ExportOptionError" in out.out
    assert "FAILED (ExportOptionError" in out.err


def test_json_report_to_a_file(tmp_path, capsys) -> None:
    script = _script(tmp_path, TINY_EXPORT)
    report_file = tmp_path / "report.json"
    status = cli.main(
        ["run", "--format", "json", "--report-file", str(report_file), str(script), str(tmp_path / "m.onnx")]
    )
    assert status == 0
    (entry,) = json.loads(report_file.read_text(encoding="utf-8"))
    assert entry["route"] == "onnx_migrate" and entry["reason"] == "dynamo=False"
    assert entry["report"]["opset"] == 11 and entry["report"]["status"]["checker"] is True
    assert "went through" not in capsys.readouterr().err


def test_run_a_module_with_dash_m(tmp_path, monkeypatch, capsys) -> None:
    _script(tmp_path, "import sys\nprint('module main', __name__, sys.argv[1:])\n", name="usermod_for_run.py")
    monkeypatch.chdir(tmp_path)
    assert cli.main(["run", "-m", "usermod_for_run", "a"]) == 0
    assert "module main __main__ ['a']" in capsys.readouterr().out
    sys.modules.pop("usermod_for_run", None)


def test_a_missing_script_is_exit_status_2(tmp_path, capsys) -> None:
    assert cli.main(["run", str(tmp_path / "nope.py")]) == 2
    assert "no such script" in capsys.readouterr().err


def test_python_dash_m_onnx_migrate_run(tmp_path) -> None:
    """Test: the real command line, in a fresh interpreter."""
    script = _script(tmp_path, TINY_EXPORT)
    output = tmp_path / "m.onnx"
    completed = subprocess.run(
        [sys.executable, "-m", "onnx_migrate", "run", str(script), str(output)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr
    assert "exported __main__" in completed.stdout
    assert "1 of 1 torch.onnx.export call(s) went through onnx_migrate" in completed.stderr
    assert output.stat().st_size > 0
    assert torch.onnx.export.__module__ == "torch.onnx"  # this process was never touched
