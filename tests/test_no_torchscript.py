"""Proof that onnx_migrate uses nothing of TorchScript or the legacy exporter.

The package exists to keep legacy export code working after TorchScript is
gone, so it must not lean on it. Two checks:

* statically, no module under ``onnx_migrate/`` imports the legacy exporter
  (``torch.onnx._internal.torchscript_exporter``, ``torch.onnx.symbolic_*``,
  ``torch.onnx.utils``, ``torch._C._onnx``) or touches ``torch.jit`` — strings
  that merely name them (docs, messages, scanner rules) are fine;
* at run time, importing every module of the package loads no legacy exporter
  module that ``import torch, torch.onnx`` had not loaded already.
"""

from __future__ import annotations

import ast
import json
import pathlib
import subprocess
import sys
import textwrap

import pytest

import onnx_migrate

PACKAGE_DIR = pathlib.Path(onnx_migrate.__file__).parent

#: Module prefixes the package must never import (``torch.onnx.symbolic_`` covers every symbolic_* module).
FORBIDDEN_MODULES = (
    "torch.onnx._internal.torchscript_exporter",
    "torch.onnx.symbolic_",
    "torch.onnx.utils",
    "torch._C._onnx",
    "torch.jit",
)


def _is_forbidden(qualified_name: str) -> bool:
    for prefix in FORBIDDEN_MODULES:
        if prefix.endswith("_"):
            if qualified_name.startswith(prefix):
                return True
        elif qualified_name == prefix or qualified_name.startswith(prefix + "."):
            return True
    return False


def _dotted(node: ast.AST) -> str | None:
    """``a.b.c`` for a Name/Attribute chain, else ``None``."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


class _LegacyUseFinder(ast.NodeVisitor):
    """Collects imports of forbidden modules and attribute uses that reach them through aliases."""

    def __init__(self) -> None:
        self.aliases: dict[str, str] = {}
        self.findings: list[tuple[int, str]] = []

    def _flag(self, node: ast.AST, what: str) -> None:
        self.findings.append((getattr(node, "lineno", 0), what))

    def visit_Import(self, node: ast.Import) -> None:  # noqa: N802 - ast API
        for alias in node.names:
            if _is_forbidden(alias.name):
                self._flag(node, f"import {alias.name}")
            if alias.asname:
                self.aliases[alias.asname] = alias.name
            else:
                root = alias.name.split(".")[0]
                self.aliases[root] = root

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:  # noqa: N802
        module = node.module or ""
        if node.level == 0 and _is_forbidden(module):
            self._flag(node, f"from {module} import ...")
        for alias in node.names:
            qualified = f"{module}.{alias.name}" if module else alias.name
            if node.level == 0 and _is_forbidden(qualified):
                self._flag(node, f"from {module} import {alias.name}")
            if node.level == 0:
                self.aliases[alias.asname or alias.name] = qualified

    def visit_Attribute(self, node: ast.Attribute) -> None:  # noqa: N802
        dotted = _dotted(node)
        if dotted is not None:
            root, _, rest = dotted.partition(".")
            if root in self.aliases:
                qualified = f"{self.aliases[root]}.{rest}" if rest else self.aliases[root]
                if _is_forbidden(qualified):
                    self._flag(node, qualified)
                    return  # one finding per chain
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:  # noqa: N802
        callee = _dotted(node.func)
        if callee in ("importlib.import_module", "import_module", "__import__") and node.args:
            target = node.args[0]
            if isinstance(target, ast.Constant) and isinstance(target.value, str) and _is_forbidden(target.value):
                self._flag(node, f"{callee}({target.value!r})")
        self.generic_visit(node)


def find_legacy_uses(source: str) -> list[tuple[int, str]]:
    """Line and description of every forbidden import or ``torch.jit`` use in ``source``."""
    finder = _LegacyUseFinder()
    finder.visit(ast.parse(source))
    return sorted(set(finder.findings))


@pytest.mark.parametrize(
    "snippet",
    [
        "import torch.onnx.utils",
        "import torch.onnx.symbolic_helper as sh",
        "from torch.onnx import symbolic_opset9",
        "from torch.onnx import utils",
        "from torch.onnx.symbolic_helper import parse_args",
        "from torch.onnx._internal.torchscript_exporter import registration",
        "from torch.onnx._internal import torchscript_exporter",
        "from torch._C import _onnx",
        "import torch._C._onnx as C",
        "import torch\nx = torch.jit.is_scripting()",
        "import torch as t\nt.jit.trace(None, ())",
        "import torch\nf = torch.jit.script",
        "from torch import jit",
        "import torch\nv = torch._C._onnx.TensorProtoDataType.FLOAT",
        "import torch\ntorch.onnx.symbolic_helper._get_const(1, 'i', 'x')",
        "import importlib\nimportlib.import_module('torch.onnx.utils')",
    ],
)
def test_scanner_flags_legacy_uses(snippet: str) -> None:
    assert find_legacy_uses(snippet), snippet


@pytest.mark.parametrize(
    "snippet",
    [
        "'''Replaces torch.onnx.symbolic_helper and torch.jit.trace.'''",
        "MESSAGE = 'torch.onnx.utils is gone; use onnx_migrate.export'",
        "RULES = {'torch.onnx._internal.torchscript_exporter.symbolic_opset9': 'OMG101'}",
        "import torch\nx = torch.onnx.export",
        "import torch.onnx.errors",
        "from torch.onnx import errors",
        "from . import utils",
        "import torch\njit = object()\njit.trace",
        "import torch\ntorch.export.export",
    ],
)
def test_scanner_lets_names_in_strings_and_other_apis_pass(snippet: str) -> None:
    assert find_legacy_uses(snippet) == []


def _package_files() -> list[pathlib.Path]:
    return sorted(PACKAGE_DIR.rglob("*.py"))


def test_package_source_uses_no_legacy_exporter_or_torchscript() -> None:
    files = _package_files()
    assert len(files) >= 10, f"expected the package's modules under {PACKAGE_DIR}, found {len(files)}"
    findings = []
    for path in files:
        for line, what in find_legacy_uses(path.read_text(encoding="utf-8")):
            findings.append(f"{path.relative_to(PACKAGE_DIR.parent)}:{line}: {what}")
    assert findings == [], "onnx_migrate must not use TorchScript or the legacy exporter:\n" + "\n".join(findings)


_IMPORT_EVERYTHING = textwrap.dedent(
    """
    import importlib, json, pkgutil, sys
    import torch, torch.onnx  # torch may load parts of its legacy exporter by itself
    before = set(sys.modules)
    import onnx_migrate
    imported, failed = ["onnx_migrate"], {}
    for info in pkgutil.walk_packages(onnx_migrate.__path__, "onnx_migrate."):
        if info.name == "onnx_migrate.__main__":
            continue  # running it would start the CLI
        try:
            importlib.import_module(info.name)
            imported.append(info.name)
        except Exception as exc:
            failed[info.name] = f"{type(exc).__name__}: {exc}"
    print(json.dumps({"imported": imported, "failed": failed, "new": sorted(set(sys.modules) - before)}))
    """
)


def test_importing_the_package_loads_no_legacy_exporter_module() -> None:
    completed = subprocess.run(
        [sys.executable, "-c", _IMPORT_EVERYTHING], capture_output=True, text=True, timeout=300, check=False
    )
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    assert report["failed"] == {}, "every module of the package must import"
    assert "onnx_migrate.legacy_symbolics.registry" in report["imported"]
    legacy = [name for name in report["new"] if _is_forbidden(name)]
    assert legacy == [], f"importing onnx_migrate loaded legacy exporter modules: {legacy}"
