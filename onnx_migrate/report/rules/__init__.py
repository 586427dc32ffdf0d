"""Every scanner rule, in one list, and the code-selection helpers.

Rule code policy (codes are stable: a code is never reused for another meaning):

========  ==================================================================
prefix    what the rules in it find
========  ==================================================================
OMG0xx    calls of ``torch.onnx.export`` and its keywords
OMG1xx    symbolic registration (OMG10x) and the symbolic-library modules
          ``symbolic_helper`` / ``symbolic_opsetN`` (OMG11x)
OMG2xx    private, removed or TorchScript-bound paths: ``torch.onnx.utils``,
          ``_internal``, ``GLOBALS``, ``JitScalarType``, ``torch._C``
OMG3xx    symbolic functions and ``autograd.Function.symbolic``
OMG4xx    TorchScript models given to the exporter, ``select_model_mode_for_export``,
          ``is_in_onnx_export``
========  ==================================================================

``--select OMG1`` selects every code starting with ``OMG1``; ``--select OMG001,OMG3``
mixes codes and prefixes. Every rule is on by default.
"""

from __future__ import annotations

from collections.abc import Iterable

from onnx_migrate.report.rules import export_calls, jit, legacy_modules, registration, symbolics
from onnx_migrate.report.rules.base import Rule

__all__ = ["ALL_RULES", "RULE_MODULES", "UnknownRuleCodeError", "rule_for_code", "select_rules"]

#: The modules rules live in; a test checks that every rule class in them is in ALL_RULES.
RULE_MODULES = (export_calls, registration, legacy_modules, symbolics, jit)

ALL_RULES: tuple[type[Rule], ...] = (
    export_calls.LegacyExporterCall,
    export_calls.LegacyOnlyKeyword,
    export_calls.DynamicAxes,
    export_calls.LowOpsetVersion,
    export_calls.DefaultExporter,
    export_calls.RemovedExportKeyword,
    registration.RegisterCustomOpSymbolic,
    registration.UnregisterCustomOpSymbolic,
    legacy_modules.SymbolicHelperModule,
    legacy_modules.SymbolicOpsetModule,
    legacy_modules.TorchOnnxUtils,
    legacy_modules.PrivateLegacyModule,
    legacy_modules.RemovedApi,
    legacy_modules.ExportGlobals,
    legacy_modules.JitScalarTypeUse,
    legacy_modules.TorchCOnnx,
    legacy_modules.TorchScriptIrTypes,
    symbolics.AutogradFunctionSymbolic,
    symbolics.SymbolicFunction,
    jit.JitModelExported,
    jit.SelectModelModeForExport,
    jit.IsInOnnxExport,
)


class UnknownRuleCodeError(ValueError):
    """A ``--select``/``--ignore`` entry that matches no rule."""


def rule_for_code(code: str) -> type[Rule]:
    """The rule with exactly this code."""
    for rule in ALL_RULES:
        if rule.CODE == code.upper():
            return rule
    raise UnknownRuleCodeError(f"no rule has the code {code!r}; codes are OMG001 ... (see docs/rules.md)")


def _expand(codes: Iterable[str]) -> set[type[Rule]]:
    chosen: set[type[Rule]] = set()
    for raw in codes:
        code = raw.strip().upper()
        if not code:
            continue
        matched = {rule for rule in ALL_RULES if rule.CODE.startswith(code)}
        if not matched:
            known = ", ".join(rule.CODE for rule in ALL_RULES)
            raise UnknownRuleCodeError(f"{raw!r} matches no rule code or prefix (known codes: {known})")
        chosen |= matched
    return chosen


def select_rules(select: Iterable[str] | None = None, ignore: Iterable[str] | None = None) -> tuple[type[Rule], ...]:
    """The rules chosen by code/prefix lists, in ``ALL_RULES`` order (``None`` selects every rule)."""
    chosen = _expand(select) if select is not None else set(ALL_RULES)
    chosen -= _expand(ignore or ())
    return tuple(rule for rule in ALL_RULES if rule in chosen)
