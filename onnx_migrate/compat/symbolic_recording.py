"""What custom symbolics did during an export, recorded for ``onnx-migrate port``.

``port`` writes native translation functions for the symbolics a script uses.
For that it needs, per call of a custom symbolic: the op it translated, the
arguments it received (tensors: element type and rank; everything else: the
value) and the ONNX nodes it emitted, wired to those arguments. The translator
(:mod:`onnx_migrate.compat.translate`) and the ``autograd.Function`` routing
(:mod:`onnx_migrate.compat.autograd_functions`) report here while a
:class:`SymbolicRecorder` is active (:func:`recording`); otherwise the cost is
one context-variable read per custom symbolic call.

The records are plain descriptions made when the symbolic returns: the export
goes on to fold constants and rename values, which must not change what was
recorded.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import onnx_ir as ir
import torch

from onnx_migrate.legacy_symbolics.values import ConstantValue, ListValue, Value

__all__ = [
    "ArgumentRecord",
    "EmittedNode",
    "ExportRecord",
    "SymbolicRecorder",
    "SymbolicUse",
    "ValueRef",
    "active_recorder",
    "recording",
]


@dataclasses.dataclass(frozen=True)
class ValueRef:
    """Where a value a recorded node reads comes from.

    ``kind`` is ``"arg"`` (argument ``index`` of the symbolic, ``item`` inside a list argument, or -1),
    ``"node"`` (output ``item`` of recorded node ``index``) or ``"outer"`` (a value the symbolic did not
    receive and did not build, such as a weight it looked up: ``name`` says which).
    """

    kind: str
    index: int = -1
    item: int = -1
    name: str = ""


@dataclasses.dataclass(frozen=True)
class ArgumentRecord:
    """One argument a symbolic received.

    Attributes:
        name: the op schema's argument name (for an ``autograd.Function``: the ``symbolic``'s parameter).
        schema_type: the schema's type text (``Tensor``, ``int[]``, ``float`` ...); for a Function, the
            Python type seen (``Tensor``, ``float``, ``NoneType`` ...).
        kind: ``"tensor"``, ``"tensors"`` (a list holding graph values) or ``"value"``.
        value: the Python value (``kind == "value"``), as the model passed it.
        dtype: the element type of a tensor.
        shape: the dims of a tensor (ints, or names of dynamic dims).
        explicit: whether the call gave it (``False``: the schema default).
    """

    name: str
    schema_type: str
    kind: str
    value: Any = None
    dtype: ir.DataType | None = None
    shape: tuple[int | str, ...] | None = None
    explicit: bool = True
    constant: bool = False

    @property
    def rank(self) -> int | None:
        return None if self.shape is None else len(self.shape)


@dataclasses.dataclass(frozen=True)
class EmittedNode:
    """One ONNX node a symbolic emitted, with its inputs as :class:`ValueRef`."""

    domain: str
    op_type: str
    inputs: tuple[ValueRef | None, ...]
    attributes: tuple[ir.Attr, ...]
    num_outputs: int
    output_types: tuple[tuple[ir.DataType | None, int | None], ...]


@dataclasses.dataclass(frozen=True)
class SymbolicUse:
    """One call of a custom symbolic.

    Attributes:
        export_index: which export of the run (0 = the first).
        qualified: the op with its overload (``torchvision::roi_align.default``); for an
            ``autograd.Function``, ``module.QualName``.
        target: the ``torch._ops.OpOverload`` translated (``None`` for an ``autograd.Function``).
        symbolic: the symbolic function that ran.
        origin: ``module.qualname`` of the symbolic.
        registered_opset: the opset it was registered at.
        opset: the opset of the export.
        arguments: what it received, in order.
        nodes: what it emitted, in order.
        outputs: which values it returned (``None`` for an unread output it did not build).
        output_examples: ``(dtype, shape)`` of each output of the op in the model.
        function: the ``autograd.Function`` class, when the symbolic is its ``symbolic``.
        problem: why the call cannot be repeated from the records, if it cannot.
    """

    export_index: int
    qualified: str
    target: Any
    symbolic: Callable[..., Any]
    origin: str
    registered_opset: int
    opset: int
    arguments: tuple[ArgumentRecord, ...]
    nodes: tuple[EmittedNode, ...]
    outputs: tuple[ValueRef | None, ...]
    output_examples: tuple[tuple[torch.dtype | None, tuple[int | str, ...] | None], ...]
    function: type | None = None
    problem: str | None = None


@dataclasses.dataclass
class ExportRecord:
    """One routed export of the run: its keywords, as the script gave them, and the result."""

    index: int
    keywords: dict[str, Any]
    destination: str | None


@dataclasses.dataclass
class _Pending:
    """A symbolic call between :meth:`SymbolicRecorder.begin` and :meth:`SymbolicRecorder.end`."""

    qualified: str
    target: Any
    symbolic: Callable[..., Any]
    origin: str
    registered_opset: int
    opset: int
    names: list[str]
    types: list[str]
    explicit: list[bool]
    args: list[Any]
    output_examples: tuple[tuple[torch.dtype | None, tuple[int | str, ...] | None], ...]
    function: type | None = None


#: Called after each routed export with ``(module, args, kwargs, keywords, result)``.
ExportObserver = Callable[[Any, tuple[Any, ...], dict[str, Any], dict[str, Any], Any], None]


class SymbolicRecorder:
    """Collects the :class:`SymbolicUse` of every custom symbolic call while active."""

    def __init__(self, after_export: ExportObserver | None = None) -> None:
        self.uses: list[SymbolicUse] = []
        self.exports: list[ExportRecord] = []
        self.after_export = after_export
        self._pending: _Pending | None = None
        self._export_index = 0

    # -- exports ----------------------------------------------------------------------------------

    def export_started(self, keywords: dict[str, Any], destination: str | None) -> None:
        self._export_index = len(self.exports)
        self.exports.append(ExportRecord(self._export_index, keywords, destination))

    # -- symbolic calls ---------------------------------------------------------------------------

    def begin(
        self,
        *,
        qualified: str,
        target: Any,
        symbolic: Callable[..., Any],
        origin: str,
        registered_opset: int,
        opset: int,
        arguments: Sequence[tuple[str, str, Any, bool]],
        output_examples: Any,
    ) -> None:
        """A custom symbolic is about to run with ``arguments`` (``(name, schema type, legacy value, explicit)``)."""
        self._pending = _Pending(
            qualified=qualified,
            target=target,
            symbolic=symbolic,
            origin=origin,
            registered_opset=registered_opset,
            opset=opset,
            names=[name for name, _, _, _ in arguments],
            types=[kind for _, kind, _, _ in arguments],
            explicit=[explicit for _, _, _, explicit in arguments],
            args=[value for _, _, value, _ in arguments],
            output_examples=_examples(output_examples),
        )

    def function_call(self, function: type, symbolic: Callable[..., Any], names: Sequence[str], args: Sequence[Any]) -> None:
        """The call being recorded is ``function.apply(*args)``: record the Function's own arguments."""
        pending = self._pending
        if pending is None:
            return
        pending.function = function
        pending.symbolic = symbolic
        pending.qualified = f"{function.__module__}.{function.__qualname__}"
        pending.origin = f"{function.__module__}.{function.__qualname__}.symbolic"
        pending.names = list(names)
        pending.types = [_python_type(arg) for arg in args]
        pending.explicit = [True] * len(args)
        pending.args = list(args)

    def end(self, new_nodes: Sequence[ir.Node], result: Any) -> None:
        """The symbolic returned ``result`` after emitting ``new_nodes``."""
        pending, self._pending = self._pending, None
        if pending is None:
            return
        arguments, positions = _arguments(pending)
        problems: list[str] = []
        node_index = {id(node): i for i, node in enumerate(new_nodes)}

        def ref(value: ir.Value | None) -> ValueRef | None:
            if value is None:
                return None
            found = positions.get(id(value))
            if found is not None:
                return ValueRef("arg", found[0], found[1])
            producer = value.producer()
            if producer is not None and id(producer) in node_index:
                return ValueRef("node", node_index[id(producer)], value.index() or 0)
            problems.append(f"it reads {value.name!r}, a value it neither received nor built")
            return ValueRef("outer", name=value.name or "")

        nodes = []
        for node in new_nodes:
            if any(attr.type in (ir.AttributeType.GRAPH, ir.AttributeType.GRAPHS) for attr in node.attributes.values()):
                problems.append(f"it emits {node.op_type} with a subgraph")
            nodes.append(
                EmittedNode(
                    domain=node.domain,
                    op_type=node.op_type,
                    inputs=tuple(ref(v) for v in node.inputs),
                    attributes=tuple(node.attributes.values()),
                    num_outputs=len(node.outputs),
                    output_types=tuple((v.dtype, len(v.shape) if v.shape is not None else None) for v in node.outputs),
                )
            )
        items = _result_items(result)
        for item in items:
            if item is not None and _ir_value(item) is None:
                shown = item.python_value if isinstance(item, ConstantValue) else item
                problems.append(f"it returns a Python value ({shown!r:.40}), not a value built with g.op")
        for node in new_nodes:
            if node.domain == "org.pytorch.aten":
                problems.append(
                    "it calls g.at (an ATen fallback node), which torch's new exporter cannot emit; "
                    "write the op with ONNX ops instead"
                )
        outputs = tuple(ref(_ir_value(item)) if item is not None else None for item in items)
        problems.extend(_folded_weights(arguments, nodes, outputs))
        self.uses.append(
            SymbolicUse(
                export_index=self._export_index,
                qualified=pending.qualified,
                target=pending.target,
                symbolic=pending.symbolic,
                origin=pending.origin,
                registered_opset=pending.registered_opset,
                opset=pending.opset,
                arguments=tuple(arguments),
                nodes=tuple(nodes),
                outputs=outputs,
                output_examples=pending.output_examples,
                function=pending.function,
                problem="; ".join(dict.fromkeys(problems)) or None,
            )
        )

    def abandon(self) -> None:
        """The symbolic raised: nothing to record."""
        self._pending = None


_ACTIVE: contextvars.ContextVar[SymbolicRecorder | None] = contextvars.ContextVar("onnx_migrate_symbolic_recorder", default=None)


def active_recorder() -> SymbolicRecorder | None:
    """The recorder of the running ``port``, if any."""
    return _ACTIVE.get()


@contextlib.contextmanager
def recording(recorder: SymbolicRecorder) -> Iterator[SymbolicRecorder]:
    """Record custom symbolic calls into ``recorder`` for the duration."""
    token = _ACTIVE.set(recorder)
    try:
        yield recorder
    finally:
        _ACTIVE.reset(token)


# -- helpers ----------------------------------------------------------------------------------------


def _python_type(arg: Any) -> str:
    if isinstance(arg, Value) and not isinstance(arg, (ConstantValue, ListValue)):
        return "Tensor"
    if isinstance(arg, ConstantValue):
        arg = arg.python_value
    return type(arg).__name__


def _ir_value(item: Any) -> ir.Value | None:
    if isinstance(item, ConstantValue) or isinstance(item, ListValue):
        return None
    if isinstance(item, Value):
        return item.ir_value
    if isinstance(item, ir.Value):
        return item
    return None


def _result_items(result: Any) -> list[Any]:
    if isinstance(result, ListValue):
        return list(result.items)
    if isinstance(result, (list, tuple)):
        return list(result)
    return [result]


def _dims(shape: Any) -> tuple[int | str, ...] | None:
    if shape is None:
        return None
    return tuple(d if isinstance(d, int) else str(d) for d in shape)


def _examples(example: Any) -> tuple[tuple[torch.dtype | None, tuple[int | str, ...] | None], ...]:
    items = example if isinstance(example, (list, tuple)) else [example]
    return tuple(
        (item.dtype, _dims(item.shape)) if isinstance(item, torch.Tensor) else (None, None) for item in items
    )


def _arguments(pending: _Pending) -> tuple[list[ArgumentRecord], dict[int, tuple[int, int]]]:
    """The argument records, and ``id(ir.Value) -> (argument, item)`` for every graph value among them."""
    records: list[ArgumentRecord] = []
    positions: dict[int, tuple[int, int]] = {}
    for index, (name, kind, value, explicit) in enumerate(zip(pending.names, pending.types, pending.args, pending.explicit)):
        if isinstance(value, ListValue):
            items = list(value.items)
            if any(_ir_value(item) is not None for item in items):
                for item_index, item in enumerate(items):
                    irv = _ir_value(item)
                    if irv is not None:
                        positions.setdefault(id(irv), (index, item_index))
                records.append(ArgumentRecord(name, kind, "tensors", explicit=explicit))
                continue
            value = [item.python_value if isinstance(item, ConstantValue) else item for item in items]
        irv = _ir_value(value)
        if irv is not None:
            positions.setdefault(id(irv), (index, -1))
            records.append(
                ArgumentRecord(
                    name, kind, "tensor", dtype=irv.dtype, shape=_dims(irv.shape), explicit=explicit,
                    constant=irv.const_value is not None,
                )
            )
            continue
        plain = value.python_value if isinstance(value, ConstantValue) else value
        records.append(ArgumentRecord(name, kind, "value", value=plain, explicit=explicit))
    return records, positions


def _folded_weights(
    arguments: Sequence[ArgumentRecord], nodes: Sequence[EmittedNode], outputs: Sequence[ValueRef | None]
) -> list[str]:
    """A weight (a tensor argument with known contents) that no emitted node reads, while the symbolic emitted
    constants: its values were most likely read in Python and folded in, so repeating the nodes would freeze them."""
    if not any(node.op_type == "Constant" and node.domain in ("", "ai.onnx") for node in nodes):
        return []
    read = {ref.index for node in nodes for ref in node.inputs if ref is not None and ref.kind == "arg"}
    read |= {ref.index for ref in outputs if ref is not None and ref.kind == "arg"}
    return [
        f"it reads the values of its tensor argument {record.name!r} (a weight) in Python and emits them as "
        "constants; repeating those nodes would freeze today's values. Compute them from the argument with "
        "ONNX ops in the translation"
        for index, record in enumerate(arguments)
        if record.kind == "tensor" and record.constant and index not in read
    ]
