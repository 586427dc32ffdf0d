"""The onnx-migrate entry point: subcommand loading and the missing-extra message."""

from __future__ import annotations

import builtins

import pytest

from onnx_migrate.compat import cli


def test_help_lists_every_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    """Test: --help lists demo, run, check and report."""
    with pytest.raises(SystemExit) as info:
        cli.main(["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for name in ("demo", "run", "check", "report"):
        assert name in out


def test_missing_cli_extra_prints_the_pip_command(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Test: without libcst, `onnx-migrate report` says which extra to install and exits 1."""
    import sys

    for module in [m for m in sys.modules if m.startswith(("onnx_migrate.compat.report", "libcst"))]:
        monkeypatch.delitem(sys.modules, module)
    real_import = builtins.__import__

    def no_libcst(name, *args, **kwargs):
        if name == "libcst" or name.startswith("libcst."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_libcst)
    assert cli.main(["report", "."]) == 1
    assert "pip install 'onnx-migrate[cli]'" in capsys.readouterr().err
