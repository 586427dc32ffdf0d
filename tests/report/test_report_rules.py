"""Every rule's own examples, run as tests (Fixit style), and the rule-list invariants.

``VALID`` examples must not be reported, ``INVALID`` ones must be reported
``count`` times and, when they say so, fixed into exactly ``fixed``. The
``GUIDE`` shown in docs/rules.md is checked the same way: the legacy snippet is
reported, its rewrites are not.
"""

from __future__ import annotations

import inspect

import libcst as cst
import pytest

from onnx_migrate.report.fixer import fix_source
from onnx_migrate.report.results import Severity
from onnx_migrate.report.rules import (
    ALL_RULES,
    RULE_MODULES,
    UnknownRuleCodeError,
    rule_for_code,
    select_rules,
)
from onnx_migrate.report.rules.base import Effort, Rule
from onnx_migrate.report.scanner import scan_source

#: Guide snippets leave out the imports every real file has.
PRELUDE = "import torch\nimport torch.onnx\nimport onnx_migrate\n"


def _cases(kind: str) -> list[pytest.ParameterSet]:
    cases = []
    for rule in ALL_RULES:
        for index, example in enumerate(getattr(rule, kind)):
            cases.append(pytest.param(rule, example, id=f"{rule.CODE}-{kind.lower()}-{index}"))
    return cases


def _codes(source: str, rule: type[Rule]) -> list[str]:
    return [finding.code for finding in scan_source(source, (rule,))]


@pytest.mark.parametrize(("rule", "example"), _cases("VALID"))
def test_valid_example_is_not_reported(rule: type[Rule], example) -> None:
    assert _codes(example.code, rule) == []
    # ... nor by any other rule under the same code (ownership is global).
    assert rule.CODE not in [f.code for f in scan_source(example.code)]


@pytest.mark.parametrize(("rule", "example"), _cases("INVALID"))
def test_invalid_example_is_reported(rule: type[Rule], example) -> None:
    assert _codes(example.code, rule) == [rule.CODE] * example.count


@pytest.mark.parametrize(("rule", "example"), [c for c in _cases("INVALID") if c.values[1].fixed is not None])
def test_invalid_example_is_fixed(rule: type[Rule], example) -> None:
    outcome = fix_source(example.code, (rule,))
    assert outcome.source == example.fixed
    assert _codes(outcome.source, rule) == []  # the fix removes what the rule reported
    assert fix_source(outcome.source, (rule,)).source == outcome.source  # and is idempotent


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda rule: rule.CODE)
def test_guide_examples(rule: type[Rule]) -> None:
    guide = rule.GUIDE
    assert rule.CODE in _codes(PRELUDE + guide.before, rule), "the legacy snippet must be reported"
    variants = {"onnx_migrate": guide.onnx_migrate, "native": guide.native}
    for name, code in variants.items():
        if code is None:
            continue
        cst.parse_module(code)
        reported = rule.CODE in _codes(PRELUDE + code, rule)
        assert reported == (name in guide.still_reported), f"{name} snippet"


def test_every_rule_class_is_listed_once() -> None:
    defined = {
        cls
        for module in RULE_MODULES
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, Rule) and getattr(cls, "CODE", None) and cls.__module__ == module.__name__
    }
    assert defined == set(ALL_RULES)
    assert len(ALL_RULES) == len(set(ALL_RULES))


def test_codes_names_and_metadata() -> None:
    codes = [rule.CODE for rule in ALL_RULES]
    assert codes == sorted(codes) and len(set(codes)) == len(codes)
    assert len({rule.NAME for rule in ALL_RULES}) == len(ALL_RULES)
    for rule in ALL_RULES:
        assert isinstance(rule.SEVERITY, Severity) and isinstance(rule.EFFORT, Effort)
        assert rule.SUMMARY and rule.AUTOMATIC and rule.NATIVE, rule.CODE
        assert rule.VALID and rule.INVALID, f"{rule.CODE} needs examples both ways"
        assert rule.docs() == f"docs/rules.md#{rule.CODE.lower()}"
        if rule.EFFORT is Effort.AUTOMATIC:
            assert rule.FIXABLE, f"{rule.CODE} claims automatic effort but has no fix example"


def test_code_policy_is_enforced() -> None:
    with pytest.raises(ValueError, match="OMG<digit><nn>"):

        class _Bad(Rule):
            CODE = "TOR001"


def test_select_and_ignore_by_prefix() -> None:
    assert {rule.CODE for rule in select_rules(["OMG1"])} == {"OMG101", "OMG102", "OMG110", "OMG111"}
    assert [rule.CODE for rule in select_rules(["omg001", "OMG4"], ["OMG403"])] == ["OMG001", "OMG401", "OMG402"]
    assert select_rules(None) == ALL_RULES
    assert rule_for_code("omg302").NAME == "symbolic-function"
    with pytest.raises(UnknownRuleCodeError, match="OMG9"):
        select_rules(["OMG9"])


def test_selection_does_not_change_ownership() -> None:
    # torch.onnx.utils.register_custom_op_symbolic belongs to OMG101 even when OMG101 is not selected.
    source = "from torch.onnx.utils import register_custom_op_symbolic\nregister_custom_op_symbolic('a::b', f, 9)\n"
    assert [f.code for f in scan_source(source, select_rules(["OMG2"]))] == []
    assert [f.code for f in scan_source(source)] == ["OMG101"]
