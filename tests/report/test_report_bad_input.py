"""Files that cannot be scanned are reported, and the scan goes on."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from onnx_migrate.report.results import ErrorKind
from onnx_migrate.report.rules import export_calls
from onnx_migrate.report.scanner import ScanOptions, scan_paths

LEGACY = "import torch\ntorch.onnx.export(model, (x,), 'm.onnx', dynamo=False)\n"


def _by_name(results) -> dict:
    return {Path(r.path).name: r for r in results}


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "a_good.py").write_text(LEGACY, encoding="utf-8")
    # Parsed (so its error is seen) because it has text a rule needs: files without any are never parsed.
    (tmp_path / "syntax_error.py").write_text(
        "import torch.onnx\ndef broken(:\n    torch.onnx.export(m, x, 'm.onnx')\n", encoding="utf-8"
    )
    (tmp_path / "not_utf8.py").write_bytes(b"# uses torch.onnx\nname = 'caf\xe9'\n")
    (tmp_path / "bad_cookie.py").write_bytes(b"# -*- coding: klingon -*-\nimport torch.onnx\n")
    (tmp_path / "latin1_declared.py").write_bytes(b"# -*- coding: latin-1 -*-\n# caf\xe9\n" + LEGACY.encode())
    (tmp_path / "self_loop.py").symlink_to("self_loop.py")
    (tmp_path / "broken_link.py").symlink_to("does_not_exist.py")
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "z_good.py").write_text(LEGACY, encoding="utf-8")
    (package / "back_to_root").symlink_to(tmp_path, target_is_directory=True)
    return tmp_path


def test_bad_files_are_reported_and_the_scan_goes_on(tree: Path) -> None:
    results = scan_paths([tree])
    found = _by_name(results)
    assert [f.code for f in found["a_good.py"].findings] == ["OMG001"]
    assert [f.code for f in found["z_good.py"].findings] == ["OMG001"], "files after the bad ones are scanned"
    assert [f.code for f in found["latin1_declared.py"].findings] == ["OMG001"], "PEP 263 cookies are honoured"
    expected_errors = {
        "syntax_error.py": ErrorKind.SYNTAX,
        "not_utf8.py": ErrorKind.ENCODING,
        "bad_cookie.py": ErrorKind.ENCODING,
        "self_loop.py": ErrorKind.SYMLINK_LOOP,
        "broken_link.py": ErrorKind.UNREADABLE,
        "back_to_root": ErrorKind.SYMLINK_LOOP,
    }
    assert {name: r.error.kind for name, r in found.items() if r.error} == expected_errors
    assert "line 2" in found["syntax_error.py"].error.message
    assert "UTF-8" in found["not_utf8.py"].error.message
    assert "does_not_exist.py" in found["broken_link.py"].error.message


def test_parallel_scan_reports_the_same_errors(tree: Path) -> None:
    for index in range(40):
        (tree / f"filler_{index:02d}.py").write_text(LEGACY, encoding="utf-8")
    assert scan_paths([tree], ScanOptions(jobs=2)) == scan_paths([tree], ScanOptions(jobs=1))


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_unreadable_file(tmp_path: Path) -> None:
    secret = tmp_path / "secret.py"
    secret.write_text(LEGACY, encoding="utf-8")
    secret.chmod(0)
    try:
        (result,) = scan_paths([tmp_path])
    finally:
        secret.chmod(0o600)
    assert result.error is not None and result.error.kind is ErrorKind.UNREADABLE


def test_unreadable_file_any_user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same path for root: reading fails with EACCES."""
    (tmp_path / "a.py").write_text(LEGACY, encoding="utf-8")
    (tmp_path / "b.py").write_text(LEGACY, encoding="utf-8")
    real_read_bytes = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name == "a.py":
            raise PermissionError(13, "Permission denied", str(self))
        return real_read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    first, second = scan_paths([tmp_path])
    assert first.error is not None and first.error.kind is ErrorKind.UNREADABLE
    assert "Permission denied" in first.error.message
    assert [f.code for f in second.findings] == ["OMG001"]


def test_missing_path(tmp_path: Path) -> None:
    (result,) = scan_paths([tmp_path / "nope.py"])
    assert result.error is not None and result.error.kind is ErrorKind.UNREADABLE
    assert "no such file" in result.error.message


def test_a_rule_bug_is_contained(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "a.py").write_text(LEGACY, encoding="utf-8")
    (tmp_path / "b.py").write_text("import torch\ntorch.onnx.export(m, x, opset_version=9)\n", encoding="utf-8")

    def explode(self, call) -> None:
        if call.keyword("dynamo") is not None:
            raise RuntimeError("boom")

    monkeypatch.setattr(export_calls.LegacyExporterCall, "on_call", explode)
    first, second = scan_paths([tmp_path])
    assert first.error is not None and first.error.kind is ErrorKind.INTERNAL
    assert "RuntimeError: boom" in first.error.message
    assert {f.code for f in second.findings} == {"OMG004", "OMG005"}
