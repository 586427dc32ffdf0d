"""What the installed package holds: the runtime, not the developer tools (which live in ``tools/``)."""

from __future__ import annotations

import ast
import importlib.util
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - a dependency of the package below 3.11
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "onnx_migrate"
TOOLS = sorted(path.stem for path in (REPO / "tools").glob("*.py"))


def test_developer_tools_are_not_modules_of_the_package() -> None:
    """Test: the coverage report and the surface manifest are tools/ modules, not onnx_migrate ones."""
    assert {"symbolic_coverage", "surface_manifest", "gen_legacy_opsets"} <= set(TOOLS)
    for old in ("onnx_migrate.legacy_symbolics.coverage", "onnx_migrate.legacy_symbolics.surface_manifest"):
        assert importlib.util.find_spec(old) is None, f"{old} ships with the package; it is a developer tool"
    assert not list(PACKAGE.rglob("*.toml")), "data only the tools read belongs in tools/"


def test_the_runtime_package_imports_no_developer_tool() -> None:
    """Test: no module of onnx_migrate imports a tools/ module (tools are not installed)."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            offenders += [f"{path.relative_to(REPO)}: {name}" for name in names if name.split(".")[0] in TOOLS]
    assert offenders == []


def test_every_package_data_pattern_matches_files() -> None:
    """Test: pyproject's package-data lists no pattern that matches nothing (a file moved out, the entry left)."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["onnx_migrate"]
    assert [pattern for pattern in patterns if not list(PACKAGE.glob(pattern))] == []
