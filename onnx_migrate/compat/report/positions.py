"""Source positions of the few nodes that have findings, without a position pass over the whole file.

libcst's ``PositionProvider`` computes positions by regenerating the code of the
whole module with position bookkeeping on every token: on a 6,700-line file of
symbolics that is a third of the scan, to place twenty findings. Here only the
top-level statements that hold a finding get that bookkeeping; the statements
before them are regenerated plainly (ten times cheaper) just to count their
lines. The result is exactly what ``PositionProvider`` gives for those nodes
(a test compares the two on every node of the fixtures); a node outside the
statements named, or a libcst whose internals moved, falls back to the full pass.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

__all__ = ["node_positions"]

# Python's line breaks, as PositionProvider counts them.
_NEWLINES = re.compile(r"\r\n?|\n")


def node_positions(
    module: cst.Module, nodes: Collection[cst.CSTNode], statements: Collection[cst.CSTNode]
) -> Mapping[cst.CSTNode, CodeRange]:
    """``PositionProvider``'s ranges for ``nodes``, which lie (as a rule) in the top-level ``statements``."""
    try:
        computed = _statement_positions(module, {id(statement) for statement in statements})
    except (ImportError, AttributeError, TypeError):  # libcst internals changed: use the public path
        computed = None
    if computed is None or any(node not in computed for node in nodes):
        return MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    return computed


def _statement_positions(module: cst.Module, wanted: set[int]) -> dict[cst.CSTNode, CodeRange]:
    """Positions of every node in the top-level statements whose ids are in ``wanted``."""
    from libcst._nodes.internal import CodegenState
    from libcst.metadata.position_provider import PositionProvidingCodegenState

    provider = PositionProvider()
    plain = CodegenState(default_indent=module.default_indent, default_newline=module.default_newline)
    for line in module.header:
        line._codegen(plain)
    line_number, column = 1, 0
    remaining = len(wanted)
    for statement in module.body:
        if not remaining:
            break
        if id(statement) not in wanted:
            statement._codegen(plain)
            continue
        line_number, column = _advance(line_number, column, plain.tokens)
        plain.tokens.clear()
        state = PositionProvidingCodegenState(
            default_indent=module.default_indent,
            default_newline=module.default_newline,
            provider=provider,
            line=line_number,
            column=column,
        )
        statement._codegen(state)
        line_number, column = state.line, state.column
        remaining -= 1
    return provider._computed


def _advance(line: int, column: int, tokens: list[str]) -> tuple[int, int]:
    """The position after ``tokens``, starting at ``line``/``column``."""
    text = "".join(tokens)
    breaks = len(_NEWLINES.findall(text))
    if not breaks:
        return line, column + len(text)
    return line + breaks, len(text) - (max(text.rfind("\n"), text.rfind("\r")) + 1)
