"""Which files a scan visits: .gitignore files, --exclude, default skips, explicit paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from onnx_migrate.report.discovery import iter_python_files


def _names(items, root: Path) -> list[str]:
    return [Path(item).relative_to(root).as_posix() for item in items if isinstance(item, Path)]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("build/\n*_generated.py\n!keep_generated.py\n", encoding="utf-8")
    for name in (
        "src/model.py",
        "src/export_generated.py",
        "src/keep_generated.py",
        "src/vendor/.gitignore",
        "src/vendor/third_party.py",
        "src/vendor/ours.py",
        "build/lib/model.py",
        ".venv/lib/site.py",
        "src/__pycache__/model.py",
        "notes.txt",
        "tests/test_model.py",
    ):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("", encoding="utf-8")
    (tmp_path / "src/vendor/.gitignore").write_text("third_party.py\n", encoding="utf-8")
    return tmp_path


def test_gitignore_files_are_honoured(repo: Path) -> None:
    files = _names(iter_python_files([repo]), repo)
    assert files == ["src/keep_generated.py", "src/model.py", "src/vendor/ours.py", "tests/test_model.py"]


def test_gitignore_of_the_enclosing_repository_applies_to_a_subdirectory(repo: Path) -> None:
    files = _names(iter_python_files([repo / "src"]), repo)
    assert files == ["src/keep_generated.py", "src/model.py", "src/vendor/ours.py"]


def test_no_gitignore(repo: Path) -> None:
    files = _names(iter_python_files([repo], respect_gitignore=False), repo)
    assert "build/lib/model.py" in files and "src/vendor/third_party.py" in files
    assert ".venv/lib/site.py" not in files and "src/__pycache__/model.py" not in files


def test_exclude_patterns(repo: Path) -> None:
    files = _names(iter_python_files([repo], exclude=["tests/", "src/vendor/*.py"]), repo)
    assert files == ["src/keep_generated.py", "src/model.py"]
    files = _names(iter_python_files([repo], exclude=["model.py"]), repo)
    assert "src/model.py" not in files and "tests/test_model.py" in files


def test_explicit_files_are_always_scanned(repo: Path) -> None:
    target = repo / "build/lib/model.py"
    assert list(iter_python_files([target])) == [target]
    assert list(iter_python_files([repo / "notes.txt"])) == [repo / "notes.txt"]
