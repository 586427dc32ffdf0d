"""The text prefilter drops only files without findings, and keeps every file a rule can report in."""

from __future__ import annotations

import functools
import os
import subprocess
import sys

import pytest
from _report_testing import FIXTURES

from onnx_migrate.report.engine import analyze_source
from onnx_migrate.report.prefilter import prefilter_for
from onnx_migrate.report.rules import ALL_RULES
from onnx_migrate.report.scanner import scan_source

PLAIN = '''\
import torch
from torch import nn


class Residual(nn.Module):
    def forward(self, x):
        return torch.relu(x).flatten()
'''


def _sources() -> list[str]:
    examples = [example.code for rule in ALL_RULES for example in (*rule.VALID, *rule.INVALID)]
    guides = [text for rule in ALL_RULES for text in (rule.GUIDE.before, rule.GUIDE.onnx_migrate) if text]
    fixtures = [path.read_text(encoding="utf-8") for path in sorted(FIXTURES.rglob("*.py"))]
    return examples + guides + fixtures


@functools.lru_cache(maxsize=None)
def _codes(source: str) -> frozenset[str]:
    return frozenset(finding.code for finding in analyze_source(source).findings)


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda rule: rule.CODE)
def test_a_file_the_prefilter_drops_has_no_finding_of_the_rule(rule) -> None:
    """Over every example, guide and fixture: the rule's own prefilter keeps each file it reports in."""
    prefilter = prefilter_for((rule,))
    dropped = [source for source in _sources() if not prefilter.may_match(source)]
    assert dropped, "the prefilter of a single rule drops something"
    for source in dropped:
        assert rule.CODE not in _codes(source), source


@pytest.mark.parametrize(
    ("source", "code"),
    [
        # Found by name without the words the old fixed prefilter looked for ("onnx", "_C.", ".op(").
        ("from torch._C import Graph\n\ndef f(x: Graph):\n    return x\n", "OMG207"),
        # Symbolic functions that emit through g.at / g.aten_op, or write the call unusually.
        ("def f(g, x):\n    return g.at('foo', x)\n", "OMG302"),
        ("def f(g, x):\n    return g. aten_op ('foo', x)\n", "OMG302"),
        ("def f(g, x):\n    return (g.  # emit\n        op('Relu', x))\n", "OMG302"),
    ],
)
def test_findings_the_prefilter_must_not_hide(source: str, code: str) -> None:
    assert prefilter_for(ALL_RULES).may_match(source)
    assert [finding.code for finding in scan_source(source)] == [code]


def test_plain_pytorch_code_is_not_parsed() -> None:
    assert not prefilter_for(ALL_RULES).may_match(PLAIN)
    assert analyze_source(PLAIN).findings == ()


def test_a_narrow_selection_narrows_the_prefilter() -> None:
    only_symbolics = prefilter_for(tuple(rule for rule in ALL_RULES if rule.CODE == "OMG302"))
    assert not only_symbolics.may_match("import torch\ntorch.onnx.export(m, x, 'm.onnx', dynamo=False)\n")
    assert only_symbolics.may_match("def f(g, x):\n    return g.op('Relu', x)\n")


@pytest.mark.parametrize(
    "source",
    [
        # Has the words the text test looks for, but reaches no legacy name: not parsed by libcst.
        "import torch\n\ndef export(model):\n    return torch.export.export(model, ())\n",
        "import torch.fx\n\ndef count(gm):\n    return sum(node.op == 'call_function' for node in gm.graph.nodes)\n",
        "from torch.onnx._internal.exporter import _core\n\nprogram = _core.export(model, args)\n",
        "def f(x, g):\n    return g.op('Relu', x)\n",  # g is not the first parameter
    ],
)
def test_syntax_stage_drops_code_that_reaches_no_legacy_name(source: str) -> None:
    assert analyze_source(source).findings == ()
    assert not prefilter_for(ALL_RULES).may_match(source)


@pytest.mark.parametrize(
    "source",
    [
        "from torch import onnx as o\no.export(m, x, 'm.onnx', dynamo=False)\n",
        "import torch.onnx.utils as u\nu.select_model_mode_for_export(m, None)\n",
        "import torch\nsizes = torch.onnx.symbolic_helper._get_tensor_sizes(x)\n",
        "from torch.onnx import *\nregister_custom_op_symbolic('a::b', f, 11)\n",
        "from torch import autograd\nclass F(autograd.Function):\n    symbolic = staticmethod(f)\n",
        "relu = lambda g, x: g.op('Relu', x)\n",
        "import torch.onnx\ndef broken(:\n    torch.onnx.export\n",  # ast cannot parse it: libcst reports the error
    ],
)
def test_syntax_stage_keeps_every_way_of_reaching_a_legacy_name(source: str) -> None:
    assert prefilter_for(ALL_RULES).may_match(source)


def test_text_test_is_linear_on_comment_runs() -> None:
    """A dot followed by many `#`/space runs once took exponential time (torch/export/_draft_export.py hung)."""
    code = (
        "from onnx_migrate.report.prefilter import prefilter_for\n"
        "from onnx_migrate.report.rules import ALL_RULES\n"
        "assert not prefilter_for(ALL_RULES).may_match('x.' + '# ' * 60 + '\\nvalue = 1\\n')\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60, env=env)
