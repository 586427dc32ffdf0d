"""Positions computed per top-level statement equal libcst's whole-file PositionProvider, node for node."""

from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest
from _report_testing import FIXTURES
from libcst.metadata import MetadataWrapper, PositionProvider

from onnx_migrate.report.positions import node_positions

SOURCES = sorted(FIXTURES.rglob("*.py"))
# Layouts the fixtures lack: tabs, form feeds, no trailing newline, a header of comments only.
EXTRA = {
    "tabs": "if True:\n\tx = 1\n\tdef f(g):\n\t\treturn g.op('Relu')\n",
    "form_feed": "import torch\n\x0c\ndef f(g, x):\n    return g.op('Neg', x)\n",
    "no_trailing_newline": "# header\n\nimport torch\ntorch.onnx.export(m, x, 'f.onnx', dynamo=False)",
    "comments_only": "# one\n# two\n",
    "semicolons": "a = 1; b = 2\nc = (a +\n     b); d = c\n",
}


def _all_nodes(module: cst.Module) -> list[cst.CSTNode]:
    nodes: list[cst.CSTNode] = []

    class Collect(cst.CSTVisitor):
        def on_visit(self, node: cst.CSTNode) -> bool:
            nodes.append(node)
            return True

    module.visit(Collect())
    return nodes


def _sources() -> list[tuple[str, str]]:
    named = [(path.relative_to(FIXTURES).as_posix(), path.read_text(encoding="utf-8")) for path in SOURCES]
    named += [(f"{name}.crlf", text.replace("\n", "\r\n")) for name, text in named[:4]]
    return named + sorted(EXTRA.items())


@pytest.mark.parametrize(("name", "source"), _sources(), ids=[name for name, _ in _sources()])
def test_statement_positions_equal_position_provider(name: str, source: str) -> None:
    module = cst.parse_module(source)
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    # Every statement at once, and each statement alone (its offset then comes from the plain codegen).
    holder = {node: statement for statement in module.body for node in _all_nodes(statement)}
    inner = list(holder)  # every node of every statement (findings are never in the header or footer)
    found = node_positions(module, [(node, holder[node]) for node in inner])
    assert {node: found[node] for node in inner} == {node: expected[node] for node in inner}
    # Each node alone (the bookkeeping stops right after it), statement by statement.
    for node in inner[::7]:
        assert node_positions(module, [(node, holder[node])])[node] == expected[node]


def test_node_outside_the_statements_named_falls_back_to_the_full_pass() -> None:
    module = cst.parse_module("import torch\n\nx = 1\ny = torch.onnx\n")
    last = module.body[-1]
    found = node_positions(module, [(last, module.body[0])])
    assert found[last].start.line == 4 and found[last].start.column == 0


def test_findings_of_the_examples_and_fixtures_need_no_full_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every rule names the statement of its findings, also those reported after the walk (OMG401)."""
    from onnx_migrate.report import positions
    from onnx_migrate.report.engine import analyze_source
    from onnx_migrate.report.rules import ALL_RULES

    def full_pass(*args: object, **kwargs: object) -> None:
        raise AssertionError("the whole-file position pass ran")

    monkeypatch.setattr(positions, "MetadataWrapper", full_pass)
    sources = [example.code for rule in ALL_RULES for example in rule.INVALID]
    sources += [path.read_text(encoding="utf-8") for path in SOURCES]
    # Its only finding sits in another statement than the one the walk ended in.
    sources.append(
        "import torch\ndef main():\n    torch.onnx.export(LOADED, (x,), 'm.onnx', dynamo=True)\n\n"
        "LOADED = torch.jit.load('m.pt')\n"
    )
    assert sum(len(analyze_source(source).findings) for source in sources) > 100
