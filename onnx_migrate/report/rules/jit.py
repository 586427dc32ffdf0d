"""OMG40x: TorchScript models handed to the exporter, and export-time mode switches.

The legacy exporter accepted ``torch.jit.script``/``trace`` results; torch.export
(and so onnx_migrate and torch's new exporter) captures eager modules only.
``select_model_mode_for_export`` belongs to the TorchScript exporter, and
``is_in_onnx_export()`` guards code whose capture changes with torch.export.
"""

from __future__ import annotations

import dataclasses

import libcst as cst
from libcst.metadata.scope_provider import Scope

from onnx_migrate.report.results import Severity
from onnx_migrate.report.rules._helpers import EXPORT_TARGETS
from onnx_migrate.report.rules.base import CallSite, Effort, Guide, Invalid, Reference, Rule, Valid

__all__ = ["IsInOnnxExport", "JitModelExported", "SelectModelModeForExport"]

_JIT_FACTORIES = frozenset(
    f"torch.jit.{name}" for name in ("script", "trace", "trace_module", "freeze", "load", "optimize_for_inference")
)
_LEGACY_UTILS = ("torch.onnx", "torch.onnx.utils", "torch.onnx._internal.torchscript_exporter.utils")


@dataclasses.dataclass
class _Candidate:
    call: CallSite
    model: cst.BaseExpression
    statement: cst.CSTNode | None  # the top-level statement of the call (reported after the walk)


class JitModelExported(Rule):
    """A ``torch.jit.script``/``trace`` result passed to an export call."""

    CODE = "OMG401"
    NAME = "jit-model-exported"
    SEVERITY = Severity.ERROR
    SUMMARY = "A `torch.jit.script` / `trace` / `load` result passed as the model of an export call."
    AUTOMATIC = "Nothing: `onnx_migrate.export` captures with torch.export, which needs the eager `nn.Module`."
    NATIVE = "Pass the eager module to `torch.onnx.export(..., dynamo=True)`; keep TorchScript for other uses."
    EFFORT = Effort.MEDIUM
    TARGETS = EXPORT_TARGETS
    GUIDE = Guide(
        before="""\
scripted = torch.jit.script(model)
torch.onnx.export(scripted, (x,), "model.onnx", dynamo=False)
""",
        onnx_migrate="""\
onnx_migrate.export(model, (x,), "model.onnx")  # the eager module
""",
        native="""\
torch.onnx.export(model, (x,), dynamo=True).save("model.onnx")
""",
        notes=(
            "Data-dependent control flow that scripting preserved must become `torch.cond` (or be made static) "
            "for torch.export."
        ),
    )
    VALID = (
        Valid("import torch\nscripted = torch.jit.script(model)\ntorch.onnx.export(model, (x,), 'm.onnx')\n"),
        Valid("import torch\ndef f(m):\n    m = torch.jit.script(m)\n\ndef g(m):\n    torch.onnx.export(m, (x,))\n"),
    )
    INVALID = (
        Invalid("import torch\ntorch.onnx.export(torch.jit.script(model), (x,), 'm.onnx', dynamo=False)\n"),
        Invalid("import torch\ntraced = torch.jit.trace(model, x).eval()\ntorch.onnx.export(traced, (x,), 'm.onnx')\n"),
        Invalid(
            "from torch.jit import script\nimport torch.onnx\n\n@script\ndef fn(x):\n    return x\n\n"
            "torch.onnx.export(fn, (x,), 'm.onnx')\n"
        ),
        Invalid(
            "import torch\ndef main():\n    torch.onnx.export(model=LOADED, args=(x,), f='m.onnx')\n\n"
            "LOADED = torch.jit.load('m.pt')\n"
        ),
    )

    def __init__(self, context: object) -> None:
        super().__init__(context)  # type: ignore[arg-type]
        self._candidates: list[_Candidate] = []
        self._jit_names: dict[tuple[int, str], str] = {}

    def on_call(self, call: CallSite) -> None:
        model = call.positional(0) or call.keyword("model")
        if model is not None:
            self._candidates.append(_Candidate(call, model.value, self.context.statement))

    def visit_Assign(self, node: cst.Assign) -> None:
        factory = self._jit_factory(node.value)
        if factory is None:
            return
        scope = self.context.resolver.scope_of(node)
        for target in node.targets:
            if isinstance(target.target, cst.Name) and scope is not None:
                self._jit_names[(id(scope), target.target.value)] = factory

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        scope = self.context.resolver.scope_of(node)
        for decorator in node.decorators:
            factory = self._jit_factory(decorator.decorator, allow_bare=True)
            if factory is not None and scope is not None:
                self._jit_names[(id(scope), node.name.value)] = factory

    def leave_Module(self, original_node: cst.Module) -> None:
        for candidate in self._candidates:
            factory = self._jit_factory(candidate.model)
            if factory is None and isinstance(candidate.model, cst.Name):
                factory = self._lookup(candidate.model)
            if factory is not None:
                self.report(
                    candidate.model,
                    f"exports a TorchScript module (from `{factory}`): only the TorchScript exporter accepts one; "
                    "pass the eager `nn.Module` to `onnx_migrate.export` or `torch.onnx.export(..., dynamo=True)`",
                    statement=candidate.statement,
                )

    def _lookup(self, name: cst.Name) -> str | None:
        scope: Scope | None = self.context.resolver.scope_of(name)
        while scope is not None:
            factory = self._jit_names.get((id(scope), name.value))
            if factory is not None:
                return factory
            if name.value in scope.assignments:  # bound here by something else: stop
                return None
            parent = scope.parent
            scope = None if parent is scope else parent
        return None

    def _jit_factory(self, node: cst.BaseExpression, *, allow_bare: bool = False) -> str | None:
        """``torch.jit.script`` when ``node`` is such a call (``.eval()``/``.to()`` chains allowed)."""
        while isinstance(node, cst.Call):
            names = {r.name for r in self.context.resolver.resolve(node.func)}
            hit = names & _JIT_FACTORIES
            if hit:
                return min(hit)
            if isinstance(node.func, cst.Attribute):
                node = node.func.value  # torch.jit.trace(m, x).eval() -> look at the inner call
            else:
                return None
        if allow_bare and isinstance(node, (cst.Name, cst.Attribute)):
            hit = {r.name for r in self.context.resolver.resolve(node)} & _JIT_FACTORIES
            return min(hit) if hit else None
        return None


class SelectModelModeForExport(Rule):
    """``select_model_mode_for_export``: the TorchScript exporter's train/eval switch."""

    CODE = "OMG402"
    NAME = "select-model-mode-for-export"
    SEVERITY = Severity.ERROR
    SUMMARY = "A use of `torch.onnx.select_model_mode_for_export`."
    AUTOMATIC = (
        "`onnx_migrate.export(training=...)` sets the mode for the duration of the export; "
        "`onnx_migrate.compat.legacy_utils.select_model_mode_for_export` keeps the context manager, and "
        "`onnx_migrate.install()` puts it at the torch name."
    )
    NATIVE = "Call `model.train()` / `model.eval()` yourself before exporting."
    EFFORT = Effort.LOW
    TARGETS = tuple(f"{home}.select_model_mode_for_export" for home in _LEGACY_UTILS)
    GUIDE = Guide(
        before="""\
with torch.onnx.select_model_mode_for_export(model, torch.onnx.TrainingMode.EVAL):
    torch.onnx.export(model, (x,), "model.onnx", dynamo=False)
""",
        onnx_migrate="""\
onnx_migrate.export(model, (x,), "model.onnx", training=onnx_migrate.TrainingMode.EVAL)
""",
        native="""\
model.eval()
torch.onnx.export(model, (x,), dynamo=True).save("model.onnx")
""",
    )
    VALID = (Valid("model.eval()\n"),)
    INVALID = (
        Invalid("import torch\nwith torch.onnx.select_model_mode_for_export(model, mode):\n    pass\n"),
        Invalid(
            "from torch.onnx import select_model_mode_for_export as mode_for\nwith mode_for(model, m):\n    pass\n"
        ),
    )

    def on_call(self, call: CallSite) -> None:
        self.report(
            call.node,
            "`select_model_mode_for_export` belongs to the TorchScript exporter (gone with TorchScript); pass "
            "`training=` to `onnx_migrate.export`, or call `model.train()`/`model.eval()` yourself",
        )

    def on_reference(self, reference: Reference) -> None:
        if not reference.is_callee:
            self.report(reference.node, "refers to `select_model_mode_for_export`, which goes away with TorchScript")


class IsInOnnxExport(Rule):
    """``torch.onnx.is_in_onnx_export()``: branches whose capture changes with torch.export."""

    CODE = "OMG403"
    NAME = "is-in-onnx-export"
    SEVERITY = Severity.INFO
    SUMMARY = "A call of `torch.onnx.is_in_onnx_export()`."
    AUTOMATIC = (
        "`onnx_migrate.export` sets the flag for the whole export, as the legacy exporter did. It and torch's "
        "new exporter capture with torch.export, which traces the branch taken while the flag is set: the code under it must be traceable by torch.export (no Python side "
        "effects, no TorchScript-only tricks such as returning placeholder values)."
    )
    NATIVE = "Keep the check; inside it, `torch.onnx.ops.symbolic(...)` emits a custom ONNX op."
    EFFORT = Effort.LOW
    TARGETS = tuple(f"{home}.is_in_onnx_export" for home in _LEGACY_UTILS)
    GUIDE = Guide(
        before="""\
def forward(self, x):
    if torch.onnx.is_in_onnx_export():
        return MyOpWithSymbolic.apply(x)  # TorchScript tracing recorded one node
    return self.slow_path(x)
""",
        onnx_migrate="""\
def forward(self, x):
    if torch.onnx.is_in_onnx_export():  # True during onnx_migrate.export's torch.export capture
        return MyOpWithSymbolic.apply(x)  # kept as one node: its symbolic is called
    return self.slow_path(x)
""",
        native="""\
def forward(self, x):
    if torch.onnx.is_in_onnx_export():
        return torch.onnx.ops.symbolic("mydomain::MyOp", (x,), dtype=x.dtype, shape=x.shape, version=1)
    return self.slow_path(x)
""",
        still_reported=("onnx_migrate", "native"),
    )
    VALID = (Valid("def is_in_onnx_export():\n    return False\nis_in_onnx_export()\n"),)
    INVALID = (
        Invalid("import torch\nif torch.onnx.is_in_onnx_export():\n    pass\n"),
        Invalid("from torch.onnx import is_in_onnx_export\nflag = is_in_onnx_export()\n"),
    )

    def on_call(self, call: CallSite) -> None:
        self.report(
            call.node,
            "`is_in_onnx_export()` is now also true while torch.export captures the model (onnx_migrate and torch's "
            "new exporter): the guarded branch is traced by torch.export, not TorchScript; check it is traceable",
        )
