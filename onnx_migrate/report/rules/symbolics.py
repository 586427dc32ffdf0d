"""OMG30x: symbolic functions, the code that tells the legacy exporter which ONNX ops to emit.

Two shapes exist: a ``symbolic`` static method on a ``torch.autograd.Function``
subclass (the exporter calls it instead of tracing ``forward``), and free
functions taking the graph ``g`` and calling ``g.op(...)`` (registered with
``register_custom_op_symbolic`` or used as helpers). Both keep working under
``onnx_migrate.export``; torch's new exporter ignores them. The findings list
the ops and domains each one emits: that is the work a port to onnxscript has.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

import libcst as cst

from onnx_migrate.report.names import dotted_name
from onnx_migrate.report.results import Finding, Severity
from onnx_migrate.report.rules.base import Effort, Guide, Invalid, Rule, Valid

__all__ = ["EMITTING_METHODS", "AutogradFunctionSymbolic", "SymbolicFunction", "describe_ops", "graph_parameter"]

#: ``g.<method>(...)`` calls that emit graph nodes.
EMITTING_METHODS = frozenset({"op", "at", "aten_op", "onnxscript_op"})

_AUTOGRAD_BASES = frozenset(
    {"torch.autograd.Function", "torch.autograd.function.Function", "torch.autograd.function.InplaceFunction"}
)
_MAX_OPS_SHOWN = 8


def _params(parameters: cst.Parameters) -> list[cst.Param]:
    return [*parameters.posonly_params, *parameters.params]


def graph_parameter(parameters: cst.Parameters) -> str | None:
    """The name of the graph parameter when the first parameter looks like one (``g`` or a Graph annotation)."""
    params = _params(parameters)
    if not params:
        return None
    first = params[0]
    annotation = dotted_name(first.annotation.annotation) if first.annotation is not None else None
    if first.name.value == "g" or (annotation and annotation.endswith(("GraphContext", "Graph"))):
        return first.name.value
    return None


def describe_ops(ops: Sequence[str]) -> str:
    """``emits `Relu`, `mydomain::Foo` (custom domains: mydomain)``."""
    if not ops:
        return "emits no op directly"
    shown = ", ".join(f"`{op}`" for op in ops[:_MAX_OPS_SHOWN])
    if len(ops) > _MAX_OPS_SHOWN:
        shown += f" and {len(ops) - _MAX_OPS_SHOWN} more"
    domains = sorted({op.partition("::")[0] for op in ops if "::" in op})
    text = f"emits {shown}"
    if domains:
        text += f" (custom domains: {', '.join(domains)})"
    return text


def is_autograd_function(rule: Rule, node: cst.ClassDef) -> bool:
    """Whether ``node`` subclasses ``torch.autograd.Function`` (directly or via a class of this file)."""
    key = ("autograd-class", id(node))
    memo = rule.context.memo
    if key in memo:
        return bool(memo[key])
    local: set[str] = memo.setdefault(("autograd-local", 0), set())  # type: ignore[assignment]
    found = False
    for base in node.bases:
        if base.keyword is not None:
            continue
        names = {r.name for r in rule.context.resolver.resolve(base.value)}
        if names & _AUTOGRAD_BASES or (isinstance(base.value, cst.Name) and base.value.value in local):
            found = True
            break
    memo[key] = found
    if found:
        local.add(node.name.value)
    return found


def _symbolic_members(node: cst.ClassDef) -> list[tuple[cst.CSTNode, cst.FunctionDef | None]]:
    """``symbolic`` defined in a class body: ``def symbolic`` or ``symbolic = ...``."""
    found: list[tuple[cst.CSTNode, cst.FunctionDef | None]] = []
    for statement in node.body.body:
        if isinstance(statement, cst.FunctionDef) and statement.name.value == "symbolic":
            found.append((statement.name, statement))
        elif isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Assign):
                    for target in small.targets:
                        if isinstance(target.target, cst.Name) and target.target.value == "symbolic":
                            found.append((target.target, None))
    return found


class AutogradFunctionSymbolic(Rule):
    """``torch.autograd.Function`` subclasses with a ``symbolic`` static method.

    Info, not warning: ``onnx_migrate.export`` calls ``symbolic`` as the legacy
    exporter did, so a migrated file keeps it unchanged and must not fail CI.
    """

    CODE = "OMG301"
    NAME = "autograd-function-symbolic"
    SEVERITY = Severity.INFO
    SUMMARY = "A `torch.autograd.Function` subclass with a `symbolic` static method."
    AUTOMATIC = (
        "`onnx_migrate.export` keeps the autograd.Function as one node and calls its `symbolic` "
        "(as the legacy exporter did); torch's new exporter ignores `symbolic` and traces `forward`."
    )
    NATIVE = (
        "Make the op a `torch.library.custom_op` and give it a `custom_translation_table` entry, or emit the "
        "ONNX op from `forward` with `torch.onnx.ops.symbolic(...)` when `torch.onnx.is_in_onnx_export()`."
    )
    EFFORT = Effort.HIGH
    RESOLVES = tuple(sorted(_AUTOGRAD_BASES))
    GUIDE = Guide(
        before="""\
class MyRelu(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x.clamp(min=0)

    @staticmethod
    def symbolic(g, x):
        return g.op("mydomain::MyRelu", x)

torch.onnx.export(model, (x,), "model.onnx", custom_opsets={"mydomain": 1}, dynamo=False)
""",
        onnx_migrate="""\
class MyRelu(torch.autograd.Function):  # unchanged
    @staticmethod
    def forward(ctx, x):
        return x.clamp(min=0)

    @staticmethod
    def symbolic(g, x):
        return g.op("mydomain::MyRelu", x)

onnx_migrate.export(model, (x,), "model.onnx", custom_opsets={"mydomain": 1})
""",
        still_reported=("onnx_migrate",),
        native="""\
class MyRelu(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        if torch.onnx.is_in_onnx_export():
            return torch.onnx.ops.symbolic(
                "mydomain::MyRelu", (x,), dtype=x.dtype, shape=x.shape, version=1
            )
        return x.clamp(min=0)

torch.onnx.export(model, (x,), dynamo=True)
""",
    )
    VALID = (
        Valid(
            "import torch\nclass F(torch.autograd.Function):\n    @staticmethod\n    def forward(ctx, x):\n"
            "        return x\n"
        ),
        Valid("class Parser:\n    @staticmethod\n    def symbolic(g, x):\n        return g.op('Relu', x)\n"),
    )
    INVALID = (
        Invalid(
            "import torch\nclass F(torch.autograd.Function):\n    @staticmethod\n    def symbolic(g, x):\n"
            "        return g.op('mydomain::F', x)\n"
        ),
        Invalid("from torch.autograd import Function\nclass F(Function):\n    symbolic = staticmethod(my_symbolic)\n"),
        Invalid(
            "import torch.autograd as ag\nclass Base(ag.Function):\n    pass\n\nclass F(Base):\n"
            "    @staticmethod\n    def symbolic(g, x):\n        return g.op('Relu', x)\n"
        ),
    )

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        is_autograd_function(self, node)  # in source order, so subclasses of local classes are known

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        # Reported on leaving: the ops of `symbolic` are known once its body was walked.
        node = original_node
        if not is_autograd_function(self, node):
            return
        for where, function in _symbolic_members(node):
            if function is not None:
                ops = describe_ops(self.context.emitted_ops.get(id(function), []))
            else:
                ops = "is assigned from elsewhere"
            self.report(
                where,
                f"`{node.name.value}.symbolic` tells the TorchScript exporter how to export this autograd.Function; "
                f"it {ops}: torch's new exporter ignores it; `onnx_migrate.export` calls it",
            )


class SymbolicFunction(Rule):
    """Functions that take the graph ``g`` and call ``g.op(...)``."""

    CODE = "OMG302"
    NAME = "symbolic-function"
    SEVERITY = Severity.INFO
    SUMMARY = "A symbolic function: takes `g` first and calls `g.op(...)` (listed with the ops it emits)."
    AUTOMATIC = (
        "Runs unchanged under `onnx_migrate.export`: `g` is a TorchScript-free `GraphContext` with `op`, `at`, "
        "`onnxscript_op`, `opset`; arguments arrive as the legacy exporter passed them."
    )
    NATIVE = "An onnxscript function in `custom_translation_table` (one per ATen op), or `torch.onnx.ops.symbolic`."
    EFFORT = Effort.HIGH
    # `g.op`, also as `g . op`, `g.\<newline>op` or, inside brackets, with a comment after the dot. A
    # comment runs to its line break, so each character has one way to match (no backtracking blow-up).
    SHAPES = (r"\.(?:[\s\\]|#[^\r\n]*[\r\n])*(?:" + "|".join(sorted(EMITTING_METHODS)) + r")\b",)
    GUIDE = Guide(
        before="""\
def gelu_tanh_symbolic(g, x, approximate="none"):
    return g.op("com.microsoft::Gelu", x)
""",
        onnx_migrate="""\
def gelu_tanh_symbolic(g, x, approximate="none"):  # unchanged: onnx_migrate runs it
    return g.op("com.microsoft::Gelu", x)
""",
        native="""\
import onnxscript

microsoft = onnxscript.values.Opset("com.microsoft", 1)

@onnxscript.script()
def gelu(x, approximate: str = "none"):
    return microsoft.Gelu(x)

torch.onnx.export(model, (x,), dynamo=True, custom_translation_table={torch.ops.aten.gelu.default: gelu})
""",
        notes="This rule is informational: it sizes the port to native torch, nothing must change for onnx_migrate.",
        still_reported=("onnx_migrate",),
    )
    VALID = (
        Valid("def f(x, g):\n    return g.op('Relu', x)\n"),
        Valid("def f(g, x):\n    return x + g\n"),
        Valid("def f(graph_module, x):\n    return graph_module.op('Relu', x)\n"),
        Valid(
            "import torch\nclass F(torch.autograd.Function):\n    @staticmethod\n    def symbolic(g, x):\n"
            "        return g.op('Relu', x)\n"
        ),
    )
    INVALID = (
        Invalid("def relu(g, x):\n    return g.op('Relu', x)\n"),
        Invalid(
            "from onnx_migrate.legacy_symbolics.graph_context import GraphContext\n"
            "def relu(ctx: GraphContext, x):\n    return ctx.op('mydomain::Relu', x)\n"
        ),
        Invalid("symbolic = lambda g, x: g.op('Neg', x)\n"),
        Invalid("def outer(g, x):\n    def inner(y):\n        return g.op('Abs', y)\n    return inner(x)\n"),
    )

    def __init__(self, context: object) -> None:
        super().__init__(context)  # type: ignore[arg-type]
        self._classes: list[cst.ClassDef] = []

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._classes.append(node)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._classes.pop()

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        node = original_node
        enclosing = self._classes[-1] if self._classes else None
        if (
            node.name.value == "symbolic"
            and enclosing is not None
            and self._directly_in(enclosing, node)
            and is_autograd_function(self, enclosing)
        ):
            return  # OMG301 reports it
        self._check(node, node.name, node.name.value)

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self._check(original_node, original_node, "<lambda>")

    @staticmethod
    def _directly_in(class_def: cst.ClassDef, function: cst.FunctionDef) -> bool:
        return any(statement is function for statement in class_def.body.body)

    def _check(self, node: cst.FunctionDef | cst.Lambda, where: cst.CSTNode, name: str) -> None:
        if graph_parameter(node.params) is None:
            return
        ops = self.context.emitted_ops.get(id(node), [])
        if not ops:
            return
        self.report(
            where,
            f"symbolic function `{name}` {describe_ops(ops)}: runs unchanged under `onnx_migrate.export`; "
            "natively it becomes an onnxscript function in `custom_translation_table`",
        )

    @classmethod
    def group(cls, findings: Sequence[Finding]) -> Finding | None:
        """All symbolic functions of a file as one finding at the first, naming each with its line."""
        names = [f"`{_SYMBOLIC_NAME.search(f.message).group(1)}` (line {f.line})" for f in findings]  # type: ignore[union-attr]
        shown = ", ".join(names[:_GROUP_SHOWN]) + (f" and {len(names) - _GROUP_SHOWN} more" if len(names) > _GROUP_SHOWN else "")
        first = min(findings, key=Finding.sort_key)
        return dataclasses.replace(
            first,
            message=f"{len(findings)} symbolic functions: {shown}: they run unchanged under "
            "`onnx_migrate.export`; natively each becomes an onnxscript function in `custom_translation_table`",
        )


_SYMBOLIC_NAME = re.compile(r"symbolic function `([^`]*)`")
#: Names listed in a grouped OMG302 finding before "and N more".
_GROUP_SHOWN = 8
