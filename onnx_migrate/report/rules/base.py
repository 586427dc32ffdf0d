"""What a scanner rule is: a code, a severity, a guide, examples, and hooks.

Each rule is one class (as in Fixit and torchfix) with a stable code and the
facts a migration needs: what onnx_migrate does for it automatically, the
native replacement in current torch, and a before/after guide that
``docs/rules.md`` is generated from. Its ``VALID``/``INVALID`` examples are run
as tests, so the documentation cannot drift from the behaviour.

Rules do not walk import statements or resolve aliases themselves: the engine
does that once per file and calls ``on_import`` / ``on_reference`` / ``on_call``
on the rules that own the qualified name (see :class:`names.TargetIndex`). Rules
that look at code shapes (classes, functions) use ordinary libcst ``visit_*``
methods; all rules run together in one traversal of the tree.
"""

from __future__ import annotations

import dataclasses
import enum
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, ClassVar

import libcst as cst

from onnx_migrate.report.results import Finding, Severity

if TYPE_CHECKING:
    from onnx_migrate.report.engine import FileContext

__all__ = [
    "CallSite",
    "Effort",
    "Fix",
    "Guide",
    "ImportSite",
    "Invalid",
    "Reference",
    "ReplaceNode",
    "RewriteImport",
    "Rule",
    "Valid",
    "docs_anchor",
]

#: The page every rule's documentation lives on, relative to the onnx_migrate repository.
DOCS_PAGE = "docs/rules.md"


class Effort(str, enum.Enum):
    """Rough work per finding when the automatic fix does not apply."""

    AUTOMATIC = "automatic"  # `report --fix` rewrites it
    LOW = "low"  # a local edit (a keyword, an import)
    MEDIUM = "medium"  # rework of one call site or helper
    HIGH = "high"  # a redesign (e.g. rewriting a symbolic as an onnxscript function)


@dataclasses.dataclass(frozen=True)
class Valid:
    """Code the rule must not report."""

    code: str


@dataclasses.dataclass(frozen=True)
class Invalid:
    """Code the rule must report ``count`` times; ``fixed`` is what ``--fix`` must turn it into."""

    code: str
    count: int = 1
    fixed: str | None = None


@dataclasses.dataclass(frozen=True)
class Guide:
    """The before/after example ``docs/rules.md`` shows for a rule.

    ``before`` is legacy code (the rule must report it); ``onnx_migrate`` is the
    same code moved to onnx_migrate; ``native`` is the rewrite on current torch
    APIs, or ``None`` when there is none. The rule must not report the two
    rewrites, except those named in ``still_reported`` (informational rules
    keep listing code that works unchanged). Snippets may leave out
    ``import torch`` / ``import onnx_migrate``: the tests add them.
    """

    before: str
    onnx_migrate: str
    native: str | None = None
    notes: str = ""
    still_reported: tuple[str, ...] = ()


def docs_anchor(code: str) -> str:
    """The anchor of a rule's section in ``docs/rules.md`` (``OMG001`` -> ``omg001``)."""
    return code.lower()


# -- what the engine tells rules ------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ImportSite:
    """One imported name: ``alias`` in ``statement``, resolving to ``qualified_name``.

    For ``from torch.onnx import *`` the alias is ``None`` and the name is the module.
    """

    statement: cst.Import | cst.ImportFrom
    alias: cst.ImportAlias | None
    qualified_name: str
    target: str


@dataclasses.dataclass(frozen=True)
class Reference:
    """A Name/Attribute chain that reaches an owned qualified name.

    ``via_owned_import`` is true when the chain's root was bound by an import
    that is itself owned by a rule (so that import was already reported);
    ``is_callee`` when the chain is the function of a call (``on_call`` follows);
    ``lazy_annotation`` when it sits in an annotation that Python never evaluates
    (the file has ``from __future__ import annotations``).
    """

    node: cst.Name | cst.Attribute
    qualified_name: str
    target: str
    binding: str
    via_owned_import: bool
    is_callee: bool
    star_module: str | None = None
    lazy_annotation: bool = False


@dataclasses.dataclass(frozen=True)
class CallSite:
    """A call whose function resolves to an owned qualified name."""

    node: cst.Call
    qualified_name: str
    target: str
    binding: str
    star_module: str | None = None

    def keyword(self, name: str) -> cst.Arg | None:
        """The ``name=...`` argument of the call, if written."""
        for arg in self.node.args:
            if arg.keyword is not None and arg.keyword.value == name:
                return arg
        return None

    def positional(self, index: int) -> cst.Arg | None:
        """The ``index``-th positional argument, if written (before any ``*``/``**``)."""
        for position, arg in enumerate(self.node.args):
            if arg.keyword is not None or arg.star:
                return None
            if position == index:
                return arg
        return None

    @property
    def has_star_kwargs(self) -> bool:
        return any(arg.star == "**" for arg in self.node.args)


# -- fixes ------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ReplaceNode:
    """Replace ``node`` by ``build(updated_node)`` (called with the node after inner fixes)."""

    node: cst.CSTNode
    build: Callable[[cst.CSTNode], cst.CSTNode]


@dataclasses.dataclass(frozen=True)
class RewriteImport:
    """Move one imported name to ``new_module``.

    For ``from M import a`` the alias moves to ``from new_module import a``; for
    ``import M.x [as y]`` the alias becomes ``import new_module [as y]``.
    """

    statement: cst.Import | cst.ImportFrom
    alias: cst.ImportAlias | None
    new_module: str


@dataclasses.dataclass(frozen=True)
class Fix:
    """The edits one finding's fix makes, and the modules it needs imported."""

    edits: tuple[ReplaceNode | RewriteImport, ...]
    imports: tuple[str, ...] = ()


# -- the rule base class ---------------------------------------------------------------------

_CODE = re.compile(r"^OMG[0-4]\d\d$")


class Rule(cst.CSTVisitor):
    """Base class of scanner rules. Subclasses set the class attributes and override hooks.

    Attributes:
        CODE: stable id ``OMG<class><nn>`` (see ``rules/__init__.py`` for the prefix policy).
        NAME: short kebab-case name.
        SEVERITY: default severity of the findings.
        SUMMARY: one line saying what the rule finds.
        AUTOMATIC: what onnx_migrate does about it without a code change (or with ``--fix``).
        NATIVE: the replacement in current torch, or a sentence saying there is none.
        EFFORT: work per finding when ``--fix`` does not apply.
        TARGETS: the qualified names the rule owns (see :class:`names.TargetIndex`).
        RESOLVES: other qualified names a finding of the rule needs in the file (the scan's
            text prefilter looks for their parts, as for TARGETS; see :mod:`..prefilter`).
        SHAPES: regexes of code a finding needs when it is found by shape, not by name
            (a file matching none of them, nor any name, is not parsed).
        GUIDE, VALID, INVALID: documentation and tests.
        FIXABLE: derived: true when an ``INVALID`` example carries a ``fixed`` result.
    """

    CODE: ClassVar[str]
    NAME: ClassVar[str]
    SEVERITY: ClassVar[Severity]
    SUMMARY: ClassVar[str]
    AUTOMATIC: ClassVar[str]
    NATIVE: ClassVar[str]
    EFFORT: ClassVar[Effort] = Effort.LOW
    TARGETS: ClassVar[tuple[str, ...]] = ()
    RESOLVES: ClassVar[tuple[str, ...]] = ()
    SHAPES: ClassVar[tuple[str, ...]] = ()
    GUIDE: ClassVar[Guide]
    VALID: ClassVar[Sequence[Valid]] = ()
    INVALID: ClassVar[Sequence[Invalid]] = ()
    FIXABLE: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if getattr(cls, "CODE", None) is None:  # an intermediate base class
            return
        if not _CODE.match(cls.CODE):
            raise ValueError(f"rule {cls.__name__}: code {cls.CODE!r} does not follow the OMG<digit><nn> policy")
        cls.FIXABLE = any(example.fixed is not None for example in cls.INVALID)

    def __init__(self, context: FileContext) -> None:
        super().__init__()
        self.context = context

    @classmethod
    def docs(cls) -> str:
        """Where the rule is documented: ``docs/rules.md#omg001``."""
        return f"{DOCS_PAGE}#{docs_anchor(cls.CODE)}"

    # Hooks the engine calls; the default is to ignore the event.
    def on_import(self, site: ImportSite) -> None:
        """An import statement names something this rule owns."""

    def on_reference(self, reference: Reference) -> None:
        """A Name/Attribute chain reaches something this rule owns."""

    def on_call(self, call: CallSite) -> None:
        """A call's function is something this rule owns."""

    def report(
        self, node: cst.CSTNode, message: str, fix: Fix | None = None, *, statement: cst.CSTNode | None = None
    ) -> None:
        """Record a finding at ``node`` (with this rule's code and severity).

        ``statement``: the top-level statement holding ``node``, for findings reported after
        the walk left it (only positions within named statements are computed cheaply).
        """
        self.context.add_finding(self, node, message, fix, statement)

    @classmethod
    def group(cls, findings: Sequence[Finding]) -> Finding | None:
        """One finding for several of this rule's in one file, or ``None`` to list each.

        Rules whose findings are many and alike in a file (one per symbolic function)
        override this, so a file with 40 symbolics is one line of the report, not 40.
        """
        return None
