"""The coverage command: parsing the legacy exporter's files, the comparison, the report and the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import symbolic_coverage as coverage

from onnx_migrate.legacy_symbolics.registry import SymbolicRegistry

REPO = Path(__file__).resolve().parents[2]

_OPSET9 = '''
import functools
from torch.onnx._internal.torchscript_exporter import registration, symbolic_helper

_onnx_symbolic = functools.partial(registration.onnx_symbolic, opset=9)


@_onnx_symbolic("aten::relu")
def relu(g, self):
    return g.op("Relu", self)


@_onnx_symbolic("aten::dropout_")
@_onnx_symbolic("aten::dropout")
def dropout(g, input, p, train):
    return input


@_onnx_symbolic("aten::cumsum")
def cumsum(g, input, dim, dtype):
    """Needs opset 11."""
    return symbolic_helper._onnx_opset_unsupported("cumsum", 9, 11, input)


@_onnx_symbolic("prim::ListConstruct")
def list_construct(g, *inputs):
    return None


@_onnx_symbolic("aten::len")
def length(g, self):
    return g.op("Size", self)


def _max_pool(name):
    return lambda g, x: x


max_pool2d_with_indices = _onnx_symbolic("aten::max_pool2d_with_indices")(_max_pool("max_pool2d"))
'''

_OPSET11 = """
import functools
from torch.onnx._internal.torchscript_exporter import registration

_onnx_symbolic = functools.partial(registration.onnx_symbolic, opset=11)


@_onnx_symbolic("aten::cumsum")
def cumsum(g, input, dim, dtype):
    return g.op("CumSum", input, dim)


@_onnx_symbolic("aten::einsum")
def einsum(g, equation, tensor_list):
    return g.op("Einsum")


for name in ["foo", "bar"]:
    _onnx_symbolic(f"aten::{name}")(lambda g: None)
"""


@pytest.fixture
def legacy_dir(tmp_path: Path) -> Path:
    (tmp_path / "symbolic_opset9.py").write_text(textwrap.dedent(_OPSET9))
    (tmp_path / "symbolic_opset11.py").write_text(textwrap.dedent(_OPSET11))
    return tmp_path


def test_reads_decorators_call_forms_and_module_opsets(legacy_dir: Path) -> None:
    found = {(r.name, r.opset, r.raises_only) for r in coverage.read_legacy_registrations(legacy_dir)}
    assert ("aten::relu", 9, False) in found
    assert ("aten::dropout_", 9, False) in found
    assert ("aten::max_pool2d_with_indices", 9, False) in found  # the call form
    assert ("aten::cumsum", 9, True) in found  # a body that only reports "unsupported"
    assert ("aten::cumsum", 11, False) in found
    assert not any(name in ("aten::foo", "aten::bar") for name, _, _ in found)  # f-string block lists


def _registry(*names_and_opsets: tuple[str, int]) -> SymbolicRegistry:
    registry = SymbolicRegistry()
    for name, opset in names_and_opsets:
        registry.register(name, opset, lambda g, *args: None)
    return registry


def test_comparison_dispatches_like_the_legacy_library(legacy_dir: Path) -> None:
    registry = _registry(("aten::relu", 9), ("aten::dropout", 9), ("aten::cumsum", 11))
    at9, at11 = coverage.compute_coverage([9, 11], registry, legacy_dir)
    assert at9.covered == {"aten::relu", "aten::dropout", "aten::dropout_"}  # dropout_ through in-place dispatch
    assert at9.missing == {"aten::max_pool2d_with_indices"}
    assert at9.excluded == {
        "aten::cumsum": "legacy symbolic only raised 'unsupported'",
        "prim::ListConstruct": "TorchScript IR construct",
        "aten::len": "TorchScript-only builtin",
    }
    assert "aten::cumsum" in at11.covered and "aten::einsum" in at11.missing
    assert at11.percent == pytest.approx(100 * 4 / 6)


def test_without_legacy_files_only_our_names_are_reported() -> None:
    registry = _registry(("aten::relu", 9), ("aten::einsum", 12))
    at9, at13 = coverage.compute_coverage([9, 13], registry, read_legacy=False)
    assert at9.legacy is None and at9.ours == {"aten::relu"}
    assert at13.ours == {"aten::relu", "aten::einsum"}
    text = coverage.render([at9, at13])
    assert "were not found" in text and "aten::einsum" in text


def test_markdown_report_lists_missing_names_and_exclusion_reasons(legacy_dir: Path) -> None:
    results = coverage.compute_coverage([9, 11], _registry(("aten::relu", 9)), legacy_dir)
    report = coverage.render(results, coverage.OutputFormat.MARKDOWN)
    assert report.startswith("# Symbolic library coverage")
    assert "| 9 |" in report and "`aten::max_pool2d_with_indices`" in report
    assert "**TorchScript IR construct** (1)" in report
    assert "`aten::cumsum` (opset 9)" in report  # excluded only where the legacy symbolic raised


def test_every_exclusion_group_says_why() -> None:
    assert all(group.reason and len(group.description) > 40 for group in coverage.EXCLUSIONS)


@pytest.mark.legacy_reference
def test_builtin_library_covers_95_percent_of_the_legacy_library() -> None:
    """The issue's bar: at least 95% of the exportable legacy names at opsets 9, 11, 13, 17 and 20."""
    if coverage.legacy_exporter_dir() is None:
        pytest.skip("torch no longer ships the TorchScript exporter's symbolic files")
    for result in coverage.compute_coverage([9, 11, 13, 17, 20]):
        assert result.percent is not None and result.percent >= 95.0, (result.opset, sorted(result.missing))


def test_cli_prints_the_report(capsys: pytest.CaptureFixture[str]) -> None:
    assert coverage.main(["--opsets", "13,9", "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert "| 9 |" in out and "| 13 |" in out and "aten::scaled_dot_product_attention" in out


def test_cli_rejects_bad_opsets(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        coverage.main(["--opsets", "9,x"])
    assert "--opsets" in capsys.readouterr().err


def test_command_loads_no_legacy_exporter_module() -> None:
    """Reading the legacy files must not import them (the package rule)."""
    code = textwrap.dedent(
        """
        import json, sys
        import torch, torch.onnx
        before = set(sys.modules)
        sys.path.insert(0, "tools")
        import symbolic_coverage as coverage
        coverage.compute_coverage([13])
        loaded = sorted(m for m in set(sys.modules) - before if "torchscript_exporter" in m or m.startswith("torch.onnx.symbolic"))
        print(json.dumps(loaded))
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


def test_docs_keep_the_generated_report() -> None:
    text = (REPO / "docs" / "coverage.md").read_text()
    assert text.startswith("# Symbolic library coverage")
    assert "python tools/symbolic_coverage.py --format markdown" in text
