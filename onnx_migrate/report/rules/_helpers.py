"""Small syntax helpers several rule families share (literals, argument lists, import lookups).

Kept apart from the rules so each rule module reads as the list of what it
reports, and so the fixes that rewrite call arguments or imports behave the
same everywhere (comments kept, trailing commas right).
"""

from __future__ import annotations

import ast
from collections.abc import Sequence

import libcst as cst
from libcst.metadata.scope_provider import ImportAssignment, Scope

from onnx_migrate.report.names import NameResolver, dotted_name
from onnx_migrate.report.rules.base import CallSite, Fix, Reference, ReplaceNode, RewriteImport

__all__ = [
    "EXPORT_TARGETS",
    "attribute_for",
    "bool_literal",
    "call_fix",
    "callee_fix",
    "comments_in",
    "drop_argument",
    "import_binding",
    "int_literal",
    "merge_whitespace",
    "reference_fix",
    "string_literal",
]

#: The legacy ``export`` entry points (``torch.onnx._export`` is reported as removed).
EXPORT_TARGETS = (
    "torch.onnx.export",
    "torch.onnx.utils.export",
    "torch.onnx._internal.torchscript_exporter.utils.export",
)


def string_literal(node: cst.BaseExpression | None) -> str | None:
    """The value of a plain string literal (``"a"``, ``'a'``, ``r"a"``), else ``None``."""
    if isinstance(node, cst.SimpleString):
        try:
            value = ast.literal_eval(node.value)
        except (ValueError, SyntaxError):
            return None
        return value if isinstance(value, str) else None
    if isinstance(node, cst.ConcatenatedString):
        left, right = string_literal(node.left), string_literal(node.right)
        return None if left is None or right is None else left + right
    return None


def int_literal(node: cst.BaseExpression | None) -> int | None:
    """The value of a plain integer literal, else ``None``."""
    if isinstance(node, cst.Integer):
        try:
            return int(node.value.replace("_", ""), 0)
        except ValueError:
            return None
    return None


def bool_literal(node: cst.BaseExpression | None) -> bool | None:
    """``True``/``False`` for those names, else ``None`` (anything computed is unknown)."""
    if isinstance(node, cst.Name) and node.value in ("True", "False"):
        return node.value == "True"
    return None


def attribute_for(dotted: str) -> cst.Attribute | cst.Name:
    """An expression node for ``a.b.c``."""
    parts = dotted.split(".")
    node: cst.Attribute | cst.Name = cst.Name(parts[0])
    for part in parts[1:]:
        node = cst.Attribute(value=node, attr=cst.Name(part))
    return node


def import_binding(scope: Scope | None, name: str) -> tuple[cst.Import | cst.ImportFrom, cst.ImportAlias] | None:
    """The import statement and alias that bind ``name`` in ``scope`` (when exactly one import does)."""
    if scope is None or name not in scope:
        return None
    found = []
    for assignment in scope[name]:
        if not isinstance(assignment, ImportAssignment):
            return None
        statement = assignment.node
        if not isinstance(statement, (cst.Import, cst.ImportFrom)) or isinstance(statement.names, cst.ImportStar):
            return None
        for alias in statement.names:
            bound = alias.asname.name if alias.asname is not None else alias.name
            bound_name = dotted_name(bound) if isinstance(statement, cst.ImportFrom) or alias.asname else None
            if bound_name is None and isinstance(statement, cst.Import):
                bound_name = (dotted_name(alias.name) or "").split(".")[0]
            if bound_name == name:
                found.append((statement, alias))
    return found[0] if len(found) == 1 else None


def callee_fix(
    resolver: NameResolver,
    node: cst.BaseExpression,
    qualified_name: str,
    binding: str,
    star_module: str | None,
    new_name: str,
) -> Fix | None:
    """Point a reference to ``qualified_name`` at ``new_name`` (``onnx_migrate.x``).

    Attribute chains (``torch.onnx.x``, ``tonnx.x``) and star-imported names are
    replaced in place (adding ``import onnx_migrate``). A bare name bound by
    ``from M import x [as y]`` is left alone and its import moves to the new module.
    """
    new_module, _, attr = new_name.rpartition(".")
    if isinstance(node, cst.Attribute) or star_module is not None:
        return Fix((ReplaceNode(node, lambda old: _with_parens_of(old, attribute_for(new_name))),), (new_module,))
    if isinstance(node, cst.Name) and binding == qualified_name and qualified_name.rpartition(".")[2] == attr:
        bound = import_binding(resolver.scope_of(node), node.value)
        if bound is not None and isinstance(bound[0], cst.ImportFrom):
            return Fix((RewriteImport(bound[0], bound[1], new_module),))
    return None


def reference_fix(resolver: NameResolver, reference: Reference, new_name: str) -> Fix | None:
    """:func:`callee_fix` for a :class:`Reference`."""
    return callee_fix(
        resolver, reference.node, reference.qualified_name, reference.binding, reference.star_module, new_name
    )


def call_fix(resolver: NameResolver, call: CallSite, new_name: str) -> Fix | None:
    """:func:`callee_fix` for the function of a :class:`CallSite`."""
    return callee_fix(resolver, call.node.func, call.qualified_name, call.binding, call.star_module, new_name)


def _with_parens_of(old: cst.CSTNode, new: cst.Attribute | cst.Name) -> cst.CSTNode:
    if isinstance(old, (cst.Attribute, cst.Name)) and (old.lpar or old.rpar):
        return new.with_changes(lpar=old.lpar, rpar=old.rpar)
    return new


def drop_argument(args: Sequence[cst.Arg], index: int) -> list[cst.Arg] | None:
    """``args`` without ``args[index]``, keeping the trailing-comma style and every comment.

    Comments written on the dropped argument's lines move to the line before
    what follows it. Returns ``None`` when that is impossible (a commented
    argument that comes first), so callers offer no fix rather than lose a comment.
    """
    args = list(args)
    dropped = args.pop(index)
    inner = comments_in(dropped.with_changes(comma=cst.MaybeSentinel.DEFAULT))
    after = dropped.comma
    if index == 0:
        if inner or (isinstance(after, cst.Comma) and comments_in(after)):
            return None
        return args
    previous = args[index - 1]
    before = previous.comma
    if not isinstance(before, cst.Comma):  # cannot happen in valid code: an argument followed
        return None
    is_last = index == len(args)
    if isinstance(after, cst.Comma):
        merged = merge_whitespace(before.whitespace_after, after.whitespace_after, inner)
        if merged is None:
            return None
        previous = previous.with_changes(comma=before.with_changes(whitespace_after=merged))
        if is_last:
            previous = previous.with_changes(whitespace_after_arg=dropped.whitespace_after_arg)
    elif not inner and not comments_in(before):
        previous = previous.with_changes(
            comma=cst.MaybeSentinel.DEFAULT, whitespace_after_arg=dropped.whitespace_after_arg
        )
    else:
        merged = merge_whitespace(before.whitespace_after, dropped.whitespace_after_arg, inner)
        if merged is None:
            return None
        previous = previous.with_changes(
            comma=before.with_changes(whitespace_after=merged), whitespace_after_arg=cst.SimpleWhitespace("")
        )
    args[index - 1] = previous
    return args


def comments_in(node: cst.CSTNode) -> list[cst.Comment]:
    """Every comment inside ``node``, in source order."""
    found: list[cst.Comment] = []

    class _Collect(cst.CSTVisitor):
        def visit_Comment(self, comment: cst.Comment) -> None:
            found.append(comment)

    node.visit(_Collect())
    return found


def merge_whitespace(
    first: cst.BaseParenthesizableWhitespace,
    second: cst.BaseParenthesizableWhitespace,
    extra: list[cst.Comment],
) -> cst.BaseParenthesizableWhitespace | None:
    """Join the whitespace before and after a removed argument into one, keeping all comments.

    The layout (line break and indentation) of ``second`` wins, as it precedes
    what now follows; a comment on ``first``'s line stays on that line.
    """
    if not isinstance(second, cst.ParenthesizedWhitespace):
        if isinstance(first, cst.ParenthesizedWhitespace):
            return first.with_changes(empty_lines=[*first.empty_lines, *_lines(first, extra)])
        return None if extra else second
    if not isinstance(first, cst.ParenthesizedWhitespace):
        return second.with_changes(empty_lines=[*second.empty_lines, *_lines(second, extra)])
    # Comments that followed the removed argument go on their own lines, indented like the arguments.
    moved = [second.first_line.comment] if second.first_line.comment is not None else []
    return second.with_changes(
        first_line=first.first_line,
        empty_lines=[*first.empty_lines, *_lines(first, moved), *second.empty_lines, *_lines(first, extra)],
    )


def _lines(layout: cst.ParenthesizedWhitespace, comments: list[cst.Comment]) -> list[cst.EmptyLine]:
    """Comment lines indented like the argument that ``layout`` leads to."""
    return [cst.EmptyLine(indent=layout.indent, whitespace=layout.last_line, comment=c) for c in comments]
