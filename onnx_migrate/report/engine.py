"""Run the rules over one file's source: parse once, resolve names, one traversal.

This is the part of the scanner that knows libcst: it parses the source, builds
the scope analysis the name resolver uses, and walks the tree once with every
selected rule batched together. Import statements, attribute chains and calls
are resolved here, once, and handed to the rules that own the qualified name,
so each rule only says what to report. Positions are computed only for the
top-level statements that hold findings (see :mod:`.positions`).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

import libcst as cst
from libcst.metadata import MetadataWrapper, ScopeProvider

from onnx_migrate.report.names import NameResolver, TargetIndex, collect_star_imports, dotted_name
from onnx_migrate.report.positions import node_positions
from onnx_migrate.report.results import Finding
from onnx_migrate.report.rules import ALL_RULES
from onnx_migrate.report.rules._helpers import string_literal
from onnx_migrate.report.rules.symbolics import EMITTING_METHODS
from onnx_migrate.report.rules.base import (
    CallSite,
    Fix,
    ImportSite,
    Reference,
    ReplaceNode,
    RewriteImport,
    Rule,
)

__all__ = ["Analysis", "FileContext", "FixPlan", "analyze_module", "analyze_source"]

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# A noqa comment on the line of a finding silences it (all codes, or those listed after a colon).
_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z0-9]+(?:\s*,\s*[A-Z0-9]+)*))?", re.IGNORECASE)

#: Every rule's targets, built once: ownership is decided over all rules, selected or not,
#: so that ``--select`` never changes which rule a name belongs to.
_INDEX = TargetIndex(ALL_RULES)


@dataclasses.dataclass
class FixPlan:
    """The edits of every fixable finding of one file, merged (shared edits appear once)."""

    replacements: dict[int, tuple[cst.CSTNode, list[ReplaceNode]]] = dataclasses.field(default_factory=dict)
    import_rewrites: dict[int, tuple[cst.CSTNode, dict[int | None, str]]] = dataclasses.field(default_factory=dict)
    imports: list[str] = dataclasses.field(default_factory=list)

    def add(self, fix: Fix) -> None:
        for edit in fix.edits:
            if isinstance(edit, ReplaceNode):
                _, builds = self.replacements.setdefault(id(edit.node), (edit.node, []))
                if not any(existing is edit for existing in builds):
                    builds.append(edit)
            elif isinstance(edit, RewriteImport):
                _, moves = self.import_rewrites.setdefault(id(edit.statement), (edit.statement, {}))
                moves.setdefault(None if edit.alias is None else id(edit.alias), edit.new_module)
        for module in fix.imports:
            if module not in self.imports:
                self.imports.append(module)

    def __bool__(self) -> bool:
        return bool(self.replacements or self.import_rewrites)


@dataclasses.dataclass(frozen=True)
class Analysis:
    """What the rules found in one module, and how to fix what is fixable."""

    module: cst.Module
    findings: tuple[Finding, ...]
    fix_plan: FixPlan


@dataclasses.dataclass
class _Pending:
    rule: Rule
    node: cst.CSTNode
    message: str
    fix: Fix | None
    statement: cst.CSTNode | None


class FileContext:
    """Per-file state shared by the rules: the resolver, the owner index, the findings."""

    def __init__(
        self, module: cst.Module, wrapper: MetadataWrapper, rules: Sequence[type[Rule]], source: str | None = None
    ) -> None:
        self.module = module
        self._source = source
        self._wrapper = wrapper
        self.resolver = NameResolver(wrapper.resolve(ScopeProvider), collect_star_imports(module))
        self.index = _INDEX
        self.rules: dict[type[Rule], Rule] = {rule: rule(self) for rule in rules}
        self._pending: list[_Pending] = []
        self._reported: set[tuple[str, int]] = set()
        #: Memo shared by rules that need the same per-node facts (e.g. "is this class an autograd.Function").
        self.memo: dict[tuple[str, int], object] = {}
        #: id(function or lambda) -> ops its first parameter emits (``g.op("Relu")`` -> ``Relu``), filled
        #: by the dispatcher when it leaves the function, so rules read it in their ``leave_*`` hooks.
        self.emitted_ops: dict[int, list[str]] = {}
        #: The top-level statement being walked (where a finding reported now most likely is).
        self.statement: cst.CSTNode | None = None

    def owners(self, qualified_name: str) -> tuple[str, tuple[Rule, ...]] | None:
        """The owning target of ``qualified_name`` and the selected rules that share it."""
        match = self.index.match(qualified_name)
        if match is None:
            return None
        return match.target, tuple(self.rules[rule] for rule in match.owners if rule in self.rules)

    def add_finding(
        self, rule: Rule, node: cst.CSTNode, message: str, fix: Fix | None, statement: cst.CSTNode | None = None
    ) -> None:
        key = (rule.CODE, id(node))
        if key in self._reported:
            return
        self._reported.add(key)
        self._pending.append(_Pending(rule, node, message, fix, statement or self.statement))

    def finish(self) -> tuple[tuple[Finding, ...], FixPlan]:
        """Turn the recorded findings into positioned :class:`Finding` objects, minus ``# noqa`` ones."""
        plan = FixPlan()
        if not self._pending:
            return (), plan
        positions = node_positions(self.module, [(pending.node, pending.statement) for pending in self._pending])
        # Python's line breaks only (str.splitlines also breaks at form feeds and other separators).
        lines = _LINE_BREAK.split(self._source if self._source is not None else self.module.code)
        findings = []
        for pending in self._pending:
            where = positions[pending.node]
            line_text = lines[where.start.line - 1] if where.start.line - 1 < len(lines) else ""
            if _silenced(line_text, pending.rule.CODE):
                continue
            findings.append(
                Finding(
                    code=pending.rule.CODE,
                    severity=pending.rule.SEVERITY,
                    line=where.start.line,
                    column=where.start.column + 1,
                    end_line=where.end.line,
                    end_column=where.end.column + 1,
                    message=pending.message,
                    fixable=pending.fix is not None,
                )
            )
            if pending.fix is not None:
                plan.add(pending.fix)
        findings = _grouped(findings, [type(rule) for rule in self.rules.values()])
        findings.sort(key=Finding.sort_key)
        return tuple(findings), plan


def _grouped(findings: list[Finding], rules: Sequence[type[Rule]]) -> list[Finding]:
    """Each rule's findings of one file, merged where the rule groups them (:meth:`Rule.group`)."""
    by_code: dict[str, list[Finding]] = {}
    for finding in findings:
        by_code.setdefault(finding.code, []).append(finding)
    merged: list[Finding] = []
    for rule in rules:
        found = by_code.pop(rule.CODE, [])
        group = rule.group(found) if len(found) > 1 else None
        merged.extend([group] if group is not None else found)
    for rest in by_code.values():
        merged.extend(rest)
    return merged


def op_label(method: str, call: cst.Call) -> str:
    """How a finding names the op a ``g.op``/``g.at``/``g.onnxscript_op`` call emits."""
    first = call.args[0].value if call.args and call.args[0].keyword is None else None
    if method == "op":
        name = string_literal(first)
        if name is None:
            return "<computed>"
        domain, sep, op = name.rpartition("::")
        return op if sep and domain in ("", "onnx") else name
    if method in ("at", "aten_op"):
        name = string_literal(first)
        return f"ATen({name if name is not None else '<computed>'})"
    return f"onnxscript:{dotted_name(first) or '<computed>'}"


def _silenced(line: str, code: str) -> bool:
    match = _NOQA.search(line)
    if match is None:
        return False
    codes = match.group("codes")
    if codes is None:
        return True
    return any(code.startswith(c.strip().upper()) for c in codes.split(","))


@dataclasses.dataclass
class _Frame:
    """A function or lambda being walked: the names its parameters bind, and what its first one emits."""

    node: cst.FunctionDef | cst.Lambda
    first: str | None
    bound: frozenset[str]
    ops: list[str]




class _Dispatcher(cst.CSTVisitor):
    """Resolves imports, attribute chains and calls once and tells the owning rules.

    It also records, for every function, the ops its first parameter emits
    (``g.op("Relu", x)``), including in nested functions that do not rebind
    that name, so symbolic-function rules need no second walk of the body.
    """

    def __init__(self, context: FileContext) -> None:
        super().__init__()
        self.context = context
        self._skip: set[int] = set()
        self._callees: set[int] = set()
        self._import_depth = 0
        self._annotation_depth = 0
        self._lazy_annotations = _postpones_annotations(context.module)
        self._frames: list[_Frame] = []

    # -- functions: who emits which ops --------------------------------------------------------
    def _enter(self, node: cst.FunctionDef | cst.Lambda) -> None:
        params = node.params
        positional = [*params.posonly_params, *params.params]
        every = [*positional, *params.kwonly_params]
        if isinstance(params.star_arg, cst.Param):
            every.append(params.star_arg)
        if params.star_kwarg is not None:
            every.append(params.star_kwarg)
        first = positional[0].name.value if positional else None
        self._frames.append(_Frame(node, first, frozenset(p.name.value for p in every), []))

    def _exit(self) -> None:
        frame = self._frames.pop()
        self.context.emitted_ops[id(frame.node)] = list(dict.fromkeys(frame.ops))

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._enter(node)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._exit()

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self._enter(node)

    def leave_Lambda(self, original_node: cst.Lambda) -> None:
        self._exit()

    def _record_op(self, node: cst.Call) -> None:
        func = node.func
        if not (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)):
            return
        if func.attr.value not in EMITTING_METHODS or not self._frames:
            return
        graph = func.value.value
        for frame in reversed(self._frames):
            if graph in frame.bound:
                if graph == frame.first:
                    frame.ops.append(op_label(func.attr.value, node))
                return

    # -- imports -----------------------------------------------------------------------------
    def visit_Import(self, node: cst.Import) -> None:
        self._import_depth += 1
        for alias in node.names:
            name = dotted_name(alias.name)
            if name:
                self._import(ImportSite(node, alias, name, ""))

    def leave_Import(self, original_node: cst.Import) -> None:
        self._import_depth -= 1

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        self._import_depth += 1
        if node.relative or node.module is None:
            return
        module = dotted_name(node.module)
        if not module:
            return
        if isinstance(node.names, cst.ImportStar):
            self._import(ImportSite(node, None, module, ""))
            return
        for alias in node.names:
            name = dotted_name(alias.name)
            if name:
                self._import(ImportSite(node, alias, f"{module}.{name}", ""))

    def leave_ImportFrom(self, original_node: cst.ImportFrom) -> None:
        self._import_depth -= 1

    def _import(self, site: ImportSite) -> None:
        owned = self.context.owners(site.qualified_name)
        if owned is None:
            return
        target, rules = owned
        site = dataclasses.replace(site, target=target)
        for rule in rules:
            rule.on_import(site)

    # -- annotations -------------------------------------------------------------------------
    def visit_Annotation(self, node: cst.Annotation) -> None:
        self._annotation_depth += 1

    def leave_Annotation(self, original_node: cst.Annotation) -> None:
        self._annotation_depth -= 1

    # -- calls and references ----------------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        self._callees.add(id(node.func))
        self._record_op(node)
        for resolved in self.context.resolver.resolve(node.func):
            owned = self.context.owners(resolved.name)
            if owned is None:
                continue
            target, rules = owned
            site = CallSite(node, resolved.name, target, resolved.binding, resolved.star_module)
            for rule in rules:
                rule.on_call(site)
            break

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self._skip.add(id(node.keyword))

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self._skip.add(id(node.value))
        self._skip.add(id(node.attr))
        if self._import_depth or id(node) in self._skip:
            return
        self._reference(node)

    def visit_Name(self, node: cst.Name) -> None:
        if self._import_depth or id(node) in self._skip:
            return
        self._reference(node)

    def _reference(self, node: cst.Name | cst.Attribute) -> None:
        for resolved in self.context.resolver.resolve(node):
            owned = self.context.owners(resolved.name)
            if owned is None:
                continue
            target, rules = owned
            reference = Reference(
                node=node,
                qualified_name=resolved.name,
                target=target,
                binding=resolved.binding,
                via_owned_import=self.context.index.is_owned(resolved.binding),
                is_callee=id(node) in self._callees,
                star_module=resolved.star_module,
                lazy_annotation=self._lazy_annotations and self._annotation_depth > 0,
            )
            for rule in rules:
                rule.on_reference(reference)
            break


def _postpones_annotations(module: cst.Module) -> bool:
    """Whether ``module`` has ``from __future__ import annotations`` (annotations then stay strings)."""
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if (
                isinstance(small, cst.ImportFrom)
                and dotted_name(small.module) == "__future__"
                and not isinstance(small.names, cst.ImportStar)
                and any(dotted_name(alias.name) == "annotations" for alias in small.names)
            ):
                return True
    return False


_HOOKS: dict[type, tuple[str, ...]] = {}


def _hooks(visitor_class: type) -> tuple[str, ...]:
    """The ``visit_X``/``leave_X`` methods a visitor class overrides, found once per class.

    libcst's own ``visit_batched`` inspects every visitor object's members on every
    call, which costs more than the traversal itself when 20+ rules run per file.
    """
    hooks = _HOOKS.get(visitor_class)
    if hooks is None:
        hooks = tuple(
            name
            for name in dir(visitor_class)
            if name.startswith(("visit_", "leave_"))
            and name.partition("_")[2][:1].isupper()
            and "_" not in name.partition("_")[2]
            and getattr(visitor_class, name) is not getattr(cst.CSTVisitor, name, None)
        )
        _HOOKS[visitor_class] = hooks
    return hooks


class _Batch(cst.CSTVisitor):
    """One traversal calling every visitor's ``visit_X``/``leave_X`` (the order of ``visitors`` per node).

    It also tells ``context`` which top-level statement is being walked.
    """

    def __init__(self, visitors: Sequence[cst.CSTVisitor], context: FileContext) -> None:
        super().__init__()
        self._context = context
        self._depth = 0
        self._visit: dict[str, list] = {}
        self._leave: dict[str, list] = {}
        for visitor in visitors:
            for name in _hooks(type(visitor)):
                table = self._visit if name.startswith("visit_") else self._leave
                table.setdefault(name.partition("_")[2], []).append(getattr(visitor, name))

    def on_visit(self, node: cst.CSTNode) -> bool:
        self._depth += 1
        if self._depth == 2:  # a child of the Module
            self._context.statement = node
        for method in self._visit.get(type(node).__name__, ()):
            method(node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        for method in self._leave.get(type(original_node).__name__, ()):
            method(original_node)
        self._depth -= 1

    # Rules have no per-attribute hooks (``visit_Call_func``); libcst would look them up on every node.
    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        return None

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        return None


def analyze_module(module: cst.Module, rules: Sequence[type[Rule]] = ALL_RULES, source: str | None = None) -> Analysis:
    """Run ``rules`` over a parsed module (not copied: keep it unchanged); ``source`` is its text if known."""
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    context = FileContext(module, wrapper, rules, source)
    module.visit(_Batch([_Dispatcher(context), *context.rules.values()], context))
    findings, plan = context.finish()
    return Analysis(module, findings, plan)


def analyze_source(source: str, rules: Sequence[type[Rule]] = ALL_RULES) -> Analysis:
    """Parse ``source`` and run ``rules`` over it; raises ``libcst.ParserSyntaxError`` on bad syntax."""
    return analyze_module(cst.parse_module(source), rules, source)
