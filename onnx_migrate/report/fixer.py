"""Apply the safe rewrites (``onnx-migrate report --fix``): a diff by default, files only with ``--write``.

The rules say what to change (:class:`~onnx_migrate.report.engine.FixPlan`);
this module changes it on the concrete syntax tree, so every comment, blank line
and quote style outside the edited spans stays as written. Each result is
re-parsed (by libcst and by Python's compiler) before it is shown or written:
a rewrite that would not parse is reported as an internal error and the file is
left alone.
"""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import os
import stat
import tempfile
from collections.abc import Sequence
from pathlib import Path

import libcst as cst
from libcst.helpers import get_full_name_for_node

from onnx_migrate.report.engine import FixPlan, analyze_source
from onnx_migrate.report.prefilter import prefilter_for
from onnx_migrate.report.results import ErrorKind, FileError, Finding
from onnx_migrate.report.rules import ALL_RULES
from onnx_migrate.report.rules._helpers import attribute_for, comments_in, merge_whitespace
from onnx_migrate.report.rules.base import Rule
from onnx_migrate.report.scanner import SourceError, read_source, syntax_error

__all__ = ["FileFix", "FixOutcome", "apply_plan", "fix_file", "fix_source", "unified_diff"]


@dataclasses.dataclass(frozen=True)
class FixOutcome:
    """The rewritten source, the findings the rewrite addressed, and those the rewritten source still has."""

    source: str
    fixed: tuple[Finding, ...]
    remaining: tuple[Finding, ...]
    #: Findings before the rewrite: ``fixed`` + ``remaining`` + those gone with a rewritten call.
    found: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.fixed)


def fix_source(source: str, rules: Sequence[type[Rule]] = ALL_RULES) -> FixOutcome:
    """Rewrite what ``rules`` can fix in ``source``; raises ``libcst.ParserSyntaxError`` on bad input."""
    analysis = analyze_source(source, rules)
    fixed = tuple(f for f in analysis.findings if f.fixable)
    remaining = tuple(f for f in analysis.findings if not f.fixable)
    if not analysis.fix_plan:
        return FixOutcome(source, (), remaining, len(analysis.findings))
    new_module = apply_plan(analysis.module, analysis.fix_plan)
    new_source = new_module.code
    compile(new_source, "<onnx-migrate --fix>", "exec", dont_inherit=True)  # Python must accept it too
    # Rescan: findings tied to a rewritten call (its keywords) are gone with it.
    return FixOutcome(new_source, fixed, analyze_source(new_source, rules).findings, len(analysis.findings))


def apply_plan(module: cst.Module, plan: FixPlan) -> cst.Module:
    """``module`` with the plan's edits applied and its imports added."""
    new_module = module.visit(_ApplyEdits(plan))
    assert isinstance(new_module, cst.Module)
    if plan.imports:
        new_module = _add_missing_imports(new_module, plan.imports)
    return new_module


def _import_lines(statement: cst.BaseStatement) -> list[cst.Import | cst.ImportFrom] | None:
    """The import statements of a top-level line, or ``None`` if it is not an import line."""
    if not isinstance(statement, cst.SimpleStatementLine):
        return None
    imports = [small for small in statement.body if isinstance(small, (cst.Import, cst.ImportFrom))]
    return imports or None


def _add_missing_imports(module: cst.Module, needed: Sequence[str]) -> cst.Module:
    """Add ``import X`` for each needed module not already bound, after the leading import block.

    Written out rather than using libcst's ``AddImportsVisitor``, whose notion of
    "already imported" and insertion point changed between libcst releases (the
    same input gave different output on 1.0 and 1.9).
    """
    present: set[str] = set()
    last_import = -1
    for index, statement in enumerate(module.body):
        imports = _import_lines(statement)
        if imports is None:
            continue
        if index == last_import + 1 or last_import == -1:
            last_import = index
        for small in imports:
            if isinstance(small, cst.Import):
                present.update(
                    get_full_name_for_node(alias.name) or "" for alias in small.names if alias.asname is None
                )
    missing = [
        name for name in dict.fromkeys(needed) if not any(p == name or p.startswith(name + ".") for p in present)
    ]
    if not missing:
        return module
    new_lines = [cst.SimpleStatementLine([cst.Import([cst.ImportAlias(cst.parse_expression(name))])]) for name in missing]
    body = list(module.body)
    position = last_import + 1 if last_import >= 0 else _after_docstring(body)
    following = body[position] if position < len(body) else None
    if following is not None and _import_lines(following) is None:
        # Keep a blank line between the import block and the code after it (PEP 8).
        leading = list(following.leading_lines)
        if not leading or not isinstance(leading[0], cst.EmptyLine) or leading[0].comment is not None:
            body[position] = following.with_changes(leading_lines=[cst.EmptyLine(), *leading])
    return module.with_changes(body=body[:position] + new_lines + body[position:])


def _after_docstring(body: list[cst.BaseStatement]) -> int:
    first = body[0] if body else None
    if isinstance(first, cst.SimpleStatementLine) and isinstance(first.body[0], cst.Expr):
        if isinstance(first.body[0].value, (cst.SimpleString, cst.ConcatenatedString)):
            return 1
    return 0


def unified_diff(path: str, before: str, after: str) -> str:
    """A ``git diff``-style unified diff of one file (empty when nothing changed)."""
    absolute = path.startswith("/")
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile=path if absolute else f"a/{path}",
        tofile=path if absolute else f"b/{path}",
    )
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


class _ApplyEdits(cst.CSTTransformer):
    """Applies node replacements (inner ones first) and import rewrites."""

    def __init__(self, plan: FixPlan) -> None:
        super().__init__()
        self._plan = plan

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode):  # type: ignore[no-untyped-def]
        result = super().on_leave(original_node, updated_node)
        entry = self._plan.replacements.get(id(original_node))
        if entry is not None and isinstance(result, cst.CSTNode):
            for edit in entry[1]:
                result = edit.build(result)
        return result

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine | cst.FlattenSentinel[cst.SimpleStatementLine]:
        rewrites = self._plan.import_rewrites
        if not any(id(small) in rewrites for small in original_node.body):
            return updated_node
        groups: list[list[cst.BaseSmallStatement]] = []
        comments: list[cst.Comment] = []
        for original, updated in zip(original_node.body, updated_node.body):
            entry = rewrites.get(id(original))
            if entry is None or not isinstance(original, (cst.Import, cst.ImportFrom)):
                groups.append([updated])
                continue
            statements, moved_comments = _rewrite_import(original, updated, entry[1])  # type: ignore[arg-type]
            groups.append(statements)
            comments.extend(moved_comments)
        if len(original_node.body) == 1:
            first, *others = groups[0]
            lines = [updated_node.with_changes(body=[first])]
            for index, statement in enumerate(others):
                leading = [cst.EmptyLine(comment=c) for c in comments] if index == 0 else []
                lines.append(cst.SimpleStatementLine(body=[statement], leading_lines=leading))
            return cst.FlattenSentinel(lines) if len(lines) > 1 else lines[0]
        body = [statement for group in groups for statement in group]
        for index in range(len(body) - 1):
            if not isinstance(body[index].semicolon, cst.Semicolon):
                body[index] = body[index].with_changes(
                    semicolon=cst.Semicolon(whitespace_after=cst.SimpleWhitespace(" "))
                )
        return updated_node.with_changes(body=body)


def _rewrite_import(
    original: cst.Import | cst.ImportFrom,
    updated: cst.Import | cst.ImportFrom,
    moves: dict[int | None, str],
) -> tuple[list[cst.BaseSmallStatement], list[cst.Comment]]:
    """The statements replacing one import, and comments that must move with split-off names."""
    if isinstance(original, cst.Import):
        assert isinstance(updated, cst.Import)
        names = list(updated.names)
        for index, alias in enumerate(original.names):
            new_module = moves.get(id(alias))
            if new_module is not None:
                names[index] = names[index].with_changes(name=attribute_for(new_module))
        return [updated.with_changes(names=names)], []
    assert isinstance(updated, cst.ImportFrom)
    if isinstance(original.names, cst.ImportStar):
        new_module = moves.get(None)
        return ([updated.with_changes(module=attribute_for(new_module))] if new_module else [updated]), []
    assert not isinstance(updated.names, cst.ImportStar)
    targets = [moves.get(id(alias)) for alias in original.names]
    if all(targets) and len(set(targets)) == 1:  # everything moves: keep the statement's layout
        return [updated.with_changes(module=attribute_for(targets[0]))], []  # type: ignore[arg-type]
    kept = [alias for alias, target in zip(updated.names, targets) if target is None]
    moved: dict[str, list[cst.ImportAlias]] = {}
    comments: list[cst.Comment] = []
    for alias, target in zip(updated.names, targets):
        if target is not None:
            moved.setdefault(target, []).append(cst.ImportAlias(name=alias.name, asname=alias.asname))
            comments.extend(comments_in(alias))
    statements: list[cst.BaseSmallStatement] = []
    if kept:
        last_before, last_now = updated.names[-1], kept[-1]
        if updated.lpar is None:  # unparenthesized: no trailing comma allowed
            kept[-1] = last_now.with_changes(comma=cst.MaybeSentinel.DEFAULT)
        elif last_now is not last_before and isinstance(last_before.comma, cst.Comma):
            # The old last name moved away: the new last one takes its line break before ")".
            comma = last_now.comma if isinstance(last_now.comma, cst.Comma) else cst.Comma()
            merged = merge_whitespace(comma.whitespace_after, last_before.comma.whitespace_after, [])
            if merged is not None:
                kept[-1] = last_now.with_changes(comma=comma.with_changes(whitespace_after=merged))
        elif last_now is not last_before and not (
            isinstance(last_now.comma, cst.Comma) and comments_in(last_now.comma)
        ):
            kept[-1] = last_now.with_changes(comma=cst.MaybeSentinel.DEFAULT)  # ")" keeps its own line break
        statements.append(updated.with_changes(names=kept))
    for module, aliases in moved.items():
        spaced = [a.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))) for a in aliases[:-1]]
        statements.append(cst.ImportFrom(module=attribute_for(module), names=[*spaced, aliases[-1]]))
    if not kept and statements:
        statements[0] = statements[0].with_changes(semicolon=updated.semicolon)
    return statements, comments


@dataclasses.dataclass(frozen=True)
class FileFix:
    """What ``--fix`` did (or would do) to one file."""

    path: str
    diff: str = ""
    fixed: int = 0
    remaining: int = 0
    error: FileError | None = None
    written: bool = False
    found: int = 0


def fix_file(path: Path, rules: Sequence[type[Rule]] = ALL_RULES, *, write: bool = False) -> FileFix:
    """Compute the rewrite of one file; apply it only when ``write`` is true. Never raises for a bad file."""
    name = str(path)
    source = ""
    try:
        source, encoding = read_source(path)
        if not prefilter_for(tuple(rules)).may_match(source):
            return FileFix(name)
        outcome = fix_source(source, rules)
    except SourceError as error:
        return FileFix(name, error=error.error)
    except cst.ParserSyntaxError as error:
        return FileFix(name, error=syntax_error(source, name, error))
    except Exception as error:  # noqa: BLE001 - a rewrite bug must leave the file alone and the run going
        return FileFix(
            name, error=FileError(ErrorKind.INTERNAL, f"internal error while fixing ({type(error).__name__}: {error})")
        )
    if not outcome.changed:
        return FileFix(name, remaining=len(outcome.remaining), found=outcome.found)
    diff = unified_diff(path.as_posix(), source, outcome.source)
    if write:
        _write_atomically(path, outcome.source.encode(encoding))
    return FileFix(name, diff, len(outcome.fixed), len(outcome.remaining), written=write, found=outcome.found)


def _write_atomically(path: Path, data: bytes) -> None:
    """Replace the file's content (through symlinks), keeping its permission bits."""
    target = path.resolve()
    mode = target.stat().st_mode
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".onnx-migrate")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, stat.S_IMODE(mode))
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
