"""Calling one legacy symbolic: the one way both backends do it.

The legacy backend's translator (:mod:`onnx_migrate.compat.translate`) and the
dynamo backend's bridge (:mod:`onnx_migrate.bridge.bridged_symbolic`) both run a
symbolic for one op: bind its arguments the way TorchScript passed them, call
it, turn a failure into an error that names the symbolic, the op, the opset, the
FX node and the model's source line, make sure it left its inputs alone, and
check what it returned. Written once here, so the two backends cannot drift
apart; each backend only adapts the checked outputs to where they go (the
translator's value environment, torch's node recorder).

``None`` inside a multi-output result follows the legacy exporter: a symbolic
may return ``None`` for an output the model never reads (``embedding_bag``'s
three bookkeeping outputs, the indices of an adaptive max pool); returning it
for an output the model reads is an error that says which output.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import inspect
import numbers
import operator
from collections.abc import Callable, Collection, Iterator, Sequence
from typing import Any

import onnx_ir as ir
import torch
import torch.fx

from onnx_migrate.compat import fx_nodes
from onnx_migrate.errors import OnnxMigrateError, TranslationError
from onnx_migrate.legacy_symbolics.registry import SymbolicEntry
from onnx_migrate.legacy_symbolics.values import ConstantValue, ListValue, Value, as_value

__all__ = [
    "SYMBOLIC_ERROR_MARK",
    "ExpectedOutputs",
    "SymbolicCall",
    "WatchedInputs",
    "check_inputs_untouched",
    "check_outputs",
    "fit_to_signature",
    "symbolic_errors",
    "watch_inputs",
]

#: Attribute on every error a symbolic call raised or annotated: the ids of the calls whose
#: location it already names (so a note is added once), and a mark the dynamo backend looks
#: for in the chain of torch's wrapper exceptions.
SYMBOLIC_ERROR_MARK = "_onnx_migrate_symbolic_calls"


@dataclasses.dataclass(frozen=True)
class SymbolicCall:
    """One call of a symbolic for one op, as its errors describe it.

    Attributes:
        entry: the registered symbolic being called.
        qualified: the op with its overload (``aten::topk.default``).
        opset: the opset the symbolic runs at.
        fx_node: the FX node being translated (``None``: torch called without one).
        exporter: how the call came about, for the message (`` with torch.onnx.export(dynamo=True)``).
    """

    entry: SymbolicEntry
    qualified: str
    opset: int
    fx_node: torch.fx.Node | None = None
    exporter: str = ""

    def where(self) -> str:
        """The node, the model's source line and the symbolic (computed only when something failed)."""
        if self.fx_node is not None:
            parts = [f"While translating node {self.fx_node.format_node()}{self.exporter}"]
            line = fx_nodes.source_line(self.fx_node)
            if line:
                parts.append(f"  model code: {line}")
        else:
            parts = [f"While translating a call of {self.qualified}{self.exporter}"]
        entry = self.entry
        parts.append(f"  symbolic: {entry.origin} (registered at opset {entry.opset}{', custom' if entry.custom else ''})")
        return "\n".join(parts)

    def error(self, what: str) -> TranslationError:
        """A :class:`TranslationError` saying what the symbolic did wrong, located."""
        error = TranslationError(f"The symbolic function {self.entry.origin} for {self.qualified} {what}\n{self.where()}")
        _mark(error, self)
        return error


def _mark(error: BaseException, call: SymbolicCall) -> bool:
    """Record that ``error`` names ``call``; ``False`` when it already did."""
    seen: tuple[int, ...] = getattr(error, SYMBOLIC_ERROR_MARK, ())
    if id(call) in seen:
        return False
    setattr(error, SYMBOLIC_ERROR_MARK, (*seen, id(call)))
    return True


@contextlib.contextmanager
def symbolic_errors(call: SymbolicCall) -> Iterator[None]:
    """Errors inside name the call: ours get a note, any other becomes a :class:`TranslationError`.

    The original exception stays chained as ``__cause__``; an error of a nested call
    (a control-flow symbolic translating its branches) keeps the inner call's note too.
    """
    try:
        yield
    except OnnxMigrateError as exc:
        if _mark(exc, call):
            exc.add_note(call.where())
        raise
    except Exception as exc:
        error = TranslationError(
            f"The symbolic function {call.entry.origin} for {call.qualified} (opset {call.opset}) raised "
            f"{type(exc).__name__}: {exc}\n{call.where()}"
        )
        _mark(error, call)
        raise error from exc


# -- binding ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _Signature:
    """What a symbolic accepts after ``g``: how many positionals, and which names by keyword."""

    positional: int | None  # None: any number (*args)
    keywords: frozenset[str]
    any_keyword: bool  # **kwargs


@functools.lru_cache(maxsize=2048)
def _signature(fn: Callable[..., Any]) -> _Signature | None:
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return None
    kinds = inspect.Parameter
    positional = [p for p in params if p.kind in (kinds.POSITIONAL_ONLY, kinds.POSITIONAL_OR_KEYWORD)]
    return _Signature(
        positional=None if any(p.kind == kinds.VAR_POSITIONAL for p in params) else max(len(positional) - 1, 0),
        keywords=frozenset(p.name for p in params[1:] if p.kind in (kinds.POSITIONAL_OR_KEYWORD, kinds.KEYWORD_ONLY)),
        any_keyword=any(p.kind == kinds.VAR_KEYWORD for p in params),
    )


def fit_to_signature(
    fn: Callable[..., Any], values: Sequence[Any], explicit: Sequence[bool], names: Sequence[str] | None = None
) -> tuple[list[Any], dict[str, Any]]:
    """``(args, kwargs)`` calling ``fn`` with ``values`` (one per schema argument, in schema order).

    TorchScript nodes carried every argument positionally, keyword-only ones
    included, and legacy symbolics take them so. A symbolic written for fewer
    arguments than the schema has still runs, as in legacy: trailing arguments
    left at their schema default are dropped, and an argument the call did give
    beyond ``fn``'s positionals goes by its schema name when ``fn`` takes that
    name (``def sym(g, self, dtype=None, **kwargs)`` for ``_to_copy(self, *,
    dtype, layout, device, ...)``).
    """
    fitted = list(values)
    signature = _signature(fn)
    if signature is None or signature.positional is None or signature.positional >= len(fitted):
        return fitted, {}
    capacity = signature.positional
    keywords: dict[str, Any] = {}
    for index in range(len(fitted) - 1, capacity - 1, -1):
        if not explicit[index]:
            continue
        name = names[index] if names is not None else None
        if name is None or not (signature.any_keyword or name in signature.keywords):
            return fitted[: index + 1], dict(reversed(keywords.items()))
        keywords[name] = fitted[index]
    return fitted[:capacity], dict(reversed(keywords.items()))


# -- inputs -------------------------------------------------------------------------------

#: The graph values among a symbolic's arguments, with the name and element type they had.
WatchedInputs = list[tuple[ir.Value, "str | None", "ir.DataType | None"]]


def watch_inputs(args: Sequence[Any]) -> WatchedInputs:
    """Remember the name and element type of every graph value passed to a symbolic."""
    watched = []
    for arg in args:
        for item in arg.items if isinstance(arg, ListValue) else (arg,):
            if isinstance(item, Value) and not isinstance(item, (ConstantValue, ListValue)):
                watched.append((item.ir_value, item.ir_value.name, item.ir_value.dtype))
    return watched


def check_inputs_untouched(call: SymbolicCall, watched: WatchedInputs, parameters: Collection[str] = ()) -> None:
    """A symbolic must not retype its inputs or rename graph inputs: the model would lie about them.

    ``parameters``: names of the parameters, which become initializers only later.
    """
    for irv, name, dtype in watched:
        changes = []
        if dtype is not None and irv.dtype != dtype:
            changes.append(f"element type {dtype.name} -> {irv.dtype.name if irv.dtype is not None else None}")
        if irv.name != name and (irv.is_graph_input() or name in parameters):
            changes.append(f"name {name!r} -> {irv.name!r}")
        if changes:
            raise call.error(
                f"(opset {call.opset}) changed its input {name!r} ({'; '.join(changes)}). Symbolics must not "
                "modify the values they receive; build a new value instead, e.g. g.op('Cast', x, to_i=...) for "
                "another element type."
            )


# -- outputs ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ExpectedOutputs:
    """What the op produces, so a symbolic's result can be checked against it.

    Attributes:
        multi: the op returns several values (a tuple or a list).
        count: how many (``None``: a list of unknown length).
        used: which of them the model reads (``None``: unknown, every ``None`` is trusted).
    """

    multi: bool
    count: int | None
    used: frozenset[int] | None

    @classmethod
    def of_node(cls, node: torch.fx.Node) -> ExpectedOutputs:
        """From the FX node's example value and its ``getitem`` users."""
        example = fx_nodes.example_value(node)
        if not isinstance(example, (list, tuple)):
            return cls(False, 1, None)
        return cls(True, len(example), _read_outputs(node, len(example)))

    @classmethod
    def of_schema(cls, schema: Any) -> ExpectedOutputs:
        """From the op schema's returns alone (no FX node to look at)."""
        returns = list(getattr(schema, "returns", ()))
        if len(returns) == 1 and str(returns[0].type).endswith("[]"):
            return cls(True, None, None)
        return cls(len(returns) > 1, len(returns) or 1, None)


def _read_outputs(node: torch.fx.Node, count: int) -> frozenset[int]:
    """The indices of a multi-output node that the graph reads (a user other than ``getitem`` reads all).

    torch.export keeps a ``getitem`` for every output, read or not: an output is read when its ``getitem`` has users.
    """
    used = set()
    for user in node.users:
        if user.op != "call_function" or user.target is not operator.getitem or not isinstance(user.args[1], int):
            return frozenset(range(count))
        if user.users:
            used.add(user.args[1])
    return frozenset(used)


def check_outputs(call: SymbolicCall, result: Any, expected: ExpectedOutputs) -> Value | tuple[Value | None, ...]:
    """What a symbolic returned, checked against the op: one ``Value``, or a tuple with one item per output.

    Items are ``Value`` facades (``onnx_ir`` values, numbers and tensors are wrapped);
    a tuple holds ``None`` for an output the model does not read and the symbolic
    did not build, as the legacy exporter allowed. Extra items beyond the op's
    outputs are dropped; a single-output op may get ``(out, None, ...)``.
    """
    if result is None:
        raise call.error(
            f"returned None; it must return the output value{'s' if expected.multi else ''} built with g.op(...)."
        )
    if not expected.multi:
        if isinstance(result, (list, tuple)):
            # Legacy symbolics may return (out, None) for single-output ops with unused extras.
            if not result or result[0] is None:
                raise call.error(f"returned {result!r:.120}; it must return one value.")
            result = result[0]
        return _as_value(call, result)
    if isinstance(result, ListValue):
        result = tuple(result.items)
    count = expected.count
    if not isinstance(result, (list, tuple)) or (count is not None and len(result) < count):
        got = len(result) if isinstance(result, (list, tuple)) else 1
        raise call.error(
            f"returned {got} value(s), but the op has {count} outputs; return a tuple of {count} values "
            "(None for outputs the model does not use)."
        )
    items = list(result)[:count] if count is not None else list(result)
    for index, item in enumerate(items):
        if item is None and expected.used is not None and index in expected.used:
            raise call.error(
                f"returned None for output {index}, which the model uses; return a value built with g.op(...)."
            )
    return tuple(None if item is None else _as_value(call, item) for item in items)


def _as_value(call: SymbolicCall, item: Any) -> Value:
    if isinstance(item, Value):
        return item
    if isinstance(item, ir.Value):
        return Value.wrap(item)
    if isinstance(item, (numbers.Number, torch.Tensor)):
        return as_value(item)
    raise call.error(f"returned a {type(item).__name__} ({item!r:.80}); it must return values built with g.op(...).")
