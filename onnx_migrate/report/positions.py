"""Source positions of the few nodes that have findings, without a position pass over the whole file.

libcst's ``PositionProvider`` computes positions by regenerating the code of the
whole module with position bookkeeping on every token: on a 6,700-line file of
symbolics that is a third of the scan, to place a few findings. Here the
bookkeeping runs only inside the top-level statements that hold a finding, and
only until their findings' nodes are placed (a symbolic function's finding is its
name, near the top of a long body); everything else is regenerated plainly (ten
times cheaper) just to count lines. The result is exactly what
``PositionProvider`` gives for those nodes (a test compares the two on every
node of the fixtures); a node outside the statement it was said to be in, or a
libcst whose internals moved, falls back to the full pass.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import libcst as cst
from libcst._nodes.internal import CodegenState
from libcst.metadata import CodePosition, CodeRange, MetadataWrapper, PositionProvider
from libcst.metadata.position_provider import PositionProvidingCodegenState

__all__ = ["node_positions"]

# Python's line breaks, as PositionProvider counts them.
_NEWLINES = re.compile(r"\r\n?|\n")


def node_positions(
    module: cst.Module, placements: Sequence[tuple[cst.CSTNode, cst.CSTNode | None]]
) -> Mapping[cst.CSTNode, CodeRange]:
    """``PositionProvider``'s ranges for the nodes of ``(node, top-level statement holding it)`` pairs."""
    wanted: dict[int, set[int]] = {}
    for node, statement in placements:
        if statement is None:
            wanted = {}
            break
        wanted.setdefault(id(statement), set()).add(id(node))
    computed = None
    if wanted:
        try:
            computed = _statement_positions(module, wanted)
        except (AttributeError, TypeError, KeyError):  # libcst internals changed: use the public path
            computed = None
    if computed is None or any(node not in computed for node, _ in placements):
        return MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    return computed


def _statement_positions(module: cst.Module, wanted: Mapping[int, set[int]]) -> dict[cst.CSTNode, CodeRange]:
    """Positions of the nodes whose ids ``wanted`` lists per top-level statement id (and of their parts)."""
    provider = PositionProvider()
    plain = CodegenState(default_indent=module.default_indent, default_newline=module.default_newline)
    for line in module.header:
        line._codegen(plain)
    line_number, column = 1, 0
    remaining = len(wanted)
    for statement in module.body:
        if not remaining:
            break
        nodes = wanted.get(id(statement))
        if nodes is not None:
            line_number, column = _advance(line_number, column, plain.tokens)
            plain.tokens.clear()
            state = _placing_state(module, provider, line_number, column, nodes)
            try:
                statement._codegen(state)
            except _AllPlaced:
                pass
            remaining -= 1
        statement._codegen(plain)  # for the line count of what follows
    return provider._computed


class _AllPlaced(Exception):
    """Raised inside a statement's codegen once every wanted node has its position."""


class _PlacingState(PositionProvidingCodegenState):
    """Position bookkeeping that stops (raises :class:`_AllPlaced`) once the last wanted node is placed."""

    wanted: set[int]

    def _update_position(self, value: str) -> None:
        if "\n" in value or "\r" in value:
            super()._update_position(value)
        else:  # most tokens: no line break
            self.column += len(value)

    def after_codegen(self, node: cst.CSTNode) -> None:
        super().after_codegen(node)
        if id(node) in self.wanted:
            self.wanted.discard(id(node))
            if not self.wanted:
                raise _AllPlaced

    def record_syntactic_position(
        self, node: cst.CSTNode, *, start_node: cst.CSTNode | None = None, end_node: cst.CSTNode | None = None
    ) -> _Span:
        return _Span(self, node, start_node, end_node)


def _placing_state(
    module: cst.Module, provider: PositionProvider, line: int, column: int, nodes: set[int]
) -> _PlacingState:
    state = _PlacingState(
        default_indent=module.default_indent,
        default_newline=module.default_newline,
        provider=provider,
        line=line,
        column=column,
    )
    state.wanted = set(nodes)
    return state


class _Span:
    """``record_syntactic_position`` as libcst's, except that it records nothing while the codegen aborts."""

    __slots__ = ("_end_node", "_node", "_start", "_start_node", "_state")

    def __init__(
        self, state: _PlacingState, node: cst.CSTNode, start_node: cst.CSTNode | None, end_node: cst.CSTNode | None
    ) -> None:
        self._state, self._node, self._start_node, self._end_node = state, node, start_node, end_node

    def __enter__(self) -> None:
        self._start = CodePosition(self._state.line, self._state.column)

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> bool:
        if kind is not None:
            return False
        computed = self._state.provider._computed
        start = computed[self._start_node].start if self._start_node is not None else self._start
        end = CodePosition(self._state.line, self._state.column)
        if self._end_node is not None:
            end = computed[self._end_node].end
        computed[self._node] = CodeRange(start, end)
        return False


def _advance(line: int, column: int, tokens: list[str]) -> tuple[int, int]:
    """The position after ``tokens``, starting at ``line``/``column``."""
    text = "".join(tokens)
    breaks = len(_NEWLINES.findall(text))
    if not breaks:
        return line, column + len(text)
    return line + breaks, len(text) - (max(text.rfind("\n"), text.rfind("\r")) + 1)
