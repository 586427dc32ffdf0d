"""How a built-in symbolic test case is described: ``SymbolicCase`` and the ``aten()`` shorthand.

The table itself is ``op_cases.py``; ``test_op_cases.py`` walks it. Each
:class:`SymbolicCase` builds a tiny graph at one opset by calling a
built-in symbolic the way the translator will (keyword arguments named after
the ATen schema, tensors as graph inputs, everything else as ``ConstantValue``)
and says what eager PyTorch computes for the same call. Most cases come from
:func:`aten`, which derives both sides from one call description:

    aten("add.Tensor", self=T(2, 3), other=T(2, 3), alpha=2)

builds ``registry.lookup("aten::add", opset).fn(g, self=<input>, other=<input>,
alpha=ConstantValue(2))`` and compares it with
``torch.ops.aten.add.Tensor(self=x, other=y, alpha=2)``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch

from onnx_migrate.legacy_symbolics.graph_context import GraphContext
from onnx_migrate.legacy_symbolics.registry import SymbolicRegistry
from onnx_migrate.legacy_symbolics.values import ConstantValue, ListValue, Value

#: The opsets every case runs at unless it says otherwise.
DEFAULT_OPSETS: tuple[int, ...] = (9, 13, 17)
#: Opsets from 11 on (for ops ONNX cannot express at 9).
FROM_11: tuple[int, ...] = (11, 13, 17)

_REGISTRY: SymbolicRegistry | None = None


def builtin_registry() -> SymbolicRegistry:
    """The built-in library, built once for the whole table."""
    global _REGISTRY
    if _REGISTRY is None:
        _REGISTRY = SymbolicRegistry.with_builtins()
    return _REGISTRY


@dataclasses.dataclass
class Built:
    """What a case's ``build_fn`` made: the graph outputs, the run-time feeds, the expected results."""

    outputs: list[Value]
    feeds: dict[str, torch.Tensor]
    expected: list[torch.Tensor]


@dataclasses.dataclass(frozen=True)
class SymbolicCase:
    """One built-in symbolic, checked against eager PyTorch at several opsets.

    Attributes:
        name: the test id, starting with the qualified ATen name.
        build_fn: ``build_fn(g) -> Built``; builds the graph in ``g`` and computes the expected outputs.
        opsets: the opsets the case runs at.
        tolerance: the largest absolute difference accepted (float outputs).
        op: the ``aten::name`` the case covers (for the coverage test).
        check_dtype: compare the ONNX output dtypes with PyTorch's.
        skips: opset -> reason, for opsets where ONNX cannot express the call.
        xfails: opset -> reason, for known differences.
        training: build inside an export in training mode (ops with a train flag check it).
    """

    name: str
    build_fn: Callable[[GraphContext], Built]
    opsets: tuple[int, ...] = DEFAULT_OPSETS
    tolerance: float = 1e-4
    op: str = ""
    check_dtype: bool = True
    skips: Mapping[int, str] = dataclasses.field(default_factory=dict)
    xfails: Mapping[int, str] = dataclasses.field(default_factory=dict)
    training: bool = False

    def in_training(self) -> SymbolicCase:
        """The same case, built as part of a training-mode export."""
        return dataclasses.replace(self, training=True)

    def skip(self, reason: str, *opsets: int) -> SymbolicCase:
        """The same case, skipped at ``opsets`` (all of them when none is given)."""
        targets = opsets or self.opsets
        return dataclasses.replace(self, skips={**self.skips, **{o: reason for o in targets}})

    def xfail(self, reason: str, *opsets: int) -> SymbolicCase:
        targets = opsets or self.opsets
        return dataclasses.replace(self, xfails={**self.xfails, **{o: reason for o in targets}})


# -- describing inputs -------------------------------------------------------------------

_GENERATOR = torch.Generator().manual_seed(0)


def T(*shape: int, dtype: torch.dtype = torch.float32, low: float = -3.0, high: float = 3.0) -> torch.Tensor:  # noqa: N802
    """A reproducible random tensor: uniform in ``[low, high)`` (integers included) or random bools."""
    if dtype == torch.bool:
        return torch.rand(shape, generator=_GENERATOR) > 0.5
    values = torch.rand(shape, generator=_GENERATOR, dtype=torch.float64) * (high - low) + low
    if dtype.is_floating_point:
        return values.to(dtype)
    return values.floor().to(dtype)


def positive(*shape: int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    return T(*shape, dtype=dtype, low=0.1, high=3.0)


@dataclasses.dataclass(frozen=True)
class SymSize:
    """A dynamic size: dim ``dim`` of the graph input ``input``, as a 0-d int64 graph value (a SymInt)."""

    input: str
    dim: int


@dataclasses.dataclass(frozen=True)
class Dyn:
    """A tensor input whose dims ``dims`` are dynamic (named) in the graph."""

    tensor: torch.Tensor
    dims: tuple[int, ...] = (0,)


def add_tensor(g: GraphContext, name: str, tensor: torch.Tensor, dynamic: Sequence[int] = ()) -> Value:
    shape = [f"{name}_d{i}" if i in dynamic else s for i, s in enumerate(tensor.shape)]
    return g.add_input(name, tensor.dtype, shape)


def _sym_size(g: GraphContext, values: dict[str, Value], spec: SymSize) -> Value:
    shape = g.op("Shape", values[spec.input])
    return g.op("Gather", shape, g.op("Constant", value_t=torch.tensor(spec.dim)), axis_i=0)


def build_call(
    g: GraphContext, kwargs: Mapping[str, Any], feeds: dict[str, torch.Tensor]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Turn a call description into (symbolic kwargs, eager kwargs), adding graph inputs to ``g``."""
    graph_values: dict[str, Value] = {}
    symbolic: dict[str, Any] = {}
    eager: dict[str, Any] = {}
    # Tensors first, so SymSize items can refer to them.
    for key, arg in kwargs.items():
        if isinstance(arg, (torch.Tensor, Dyn)):
            tensor, dims = (arg.tensor, arg.dims) if isinstance(arg, Dyn) else (arg, ())
            graph_values[key] = symbolic[key] = add_tensor(g, key, tensor, dims)
            feeds[key] = eager[key] = tensor
        elif isinstance(arg, (list, tuple)) and arg and all(isinstance(a, (torch.Tensor, Dyn)) for a in arg):
            items = []
            eager[key] = []
            for index, item in enumerate(arg):
                tensor, dims = (item.tensor, item.dims) if isinstance(item, Dyn) else (item, ())
                name = f"{key}_{index}"
                graph_values[name] = value = add_tensor(g, name, tensor, dims)
                items.append(value)
                feeds[name] = tensor
                eager[key].append(tensor)
            symbolic[key] = ListValue(items)
    for key, arg in kwargs.items():
        if key in symbolic:
            continue
        if isinstance(arg, SymSize):
            symbolic[key] = _sym_size(g, graph_values, arg)
            eager[key] = feeds[arg.input].shape[arg.dim]
        elif isinstance(arg, (list, tuple)) and any(isinstance(a, SymSize) for a in arg):
            symbolic[key] = ListValue(
                [_sym_size(g, graph_values, a) if isinstance(a, SymSize) else ConstantValue(a) for a in arg]
            )
            eager[key] = [feeds[a.input].shape[a.dim] if isinstance(a, SymSize) else a for a in arg]
        else:
            symbolic[key] = ConstantValue(arg)
            eager[key] = arg
    return symbolic, eager


def _as_list(result: Any) -> list[Any]:
    return list(result) if isinstance(result, (tuple, list)) else [result]


def aten(
    target: str,
    *,
    ref: Callable[..., Any] | None = None,
    opsets: Sequence[int] = DEFAULT_OPSETS,
    tolerance: float = 1e-4,
    label: str = "",
    outputs: Sequence[int] | None = None,
    check_dtype: bool = True,
    symbolic: str | None = None,
    **kwargs: Any,
) -> SymbolicCase:
    """A case for ``torch.ops.aten.<target>`` (``"add.Tensor"``), called with ``kwargs`` on both sides.

    Args:
        target: ``name.overload`` of the ATen op; the symbolic is looked up as ``aten::name``.
        ref: the eager reference, ``ref(**kwargs)``; defaults to the ATen overload itself.
        opsets: where the case runs.
        tolerance: accepted max abs difference.
        label: extra words for the test id.
        outputs: which outputs to compare (all by default), for ops with unused extra outputs.
        check_dtype: compare output dtypes too.
        symbolic: the registered name when it differs from ``aten::name`` (legacy ``aten::__and_``).
        kwargs: the call, by ATen argument name.
    """
    name, _, overload = target.partition(".")
    packet = getattr(torch.ops.aten, name)
    overload_fn = getattr(packet, overload or "default")
    reference = ref or overload_fn
    qualified = symbolic or f"aten::{name}"

    def build_fn(g: GraphContext) -> Built:
        feeds: dict[str, torch.Tensor] = {}
        symbolic, eager = build_call(g, kwargs, feeds)
        lookup = builtin_registry().lookup(qualified, g.opset)
        assert lookup.entry is not None, lookup.reason
        produced = _as_list(lookup.entry.fn(g, **symbolic))
        expected = _as_list(reference(**eager))
        if outputs is not None:
            produced = [produced[i] for i in outputs]
            expected = [expected[i] for i in outputs]
        return Built(produced, feeds, [torch.as_tensor(e) for e in expected])

    test_id = f"{qualified}.{overload or 'default'}" + (f"[{label}]" if label else "")
    return SymbolicCase(test_id, build_fn, tuple(opsets), tolerance, op=qualified, check_dtype=check_dtype)


def custom(
    op: str,
    label: str,
    build_fn: Callable[[GraphContext], Built],
    *,
    opsets: Sequence[int] = DEFAULT_OPSETS,
    tolerance: float = 1e-4,
    check_dtype: bool = True,
) -> SymbolicCase:
    """A case whose graph is built by hand (``build_fn``)."""
    return SymbolicCase(f"{op}[{label}]", build_fn, tuple(opsets), tolerance, op=op, check_dtype=check_dtype)


def call_symbolic(g: GraphContext, op: str, **kwargs: Any) -> Any:
    """Look ``op`` up at ``g.opset`` and call it as the translator does."""
    lookup = builtin_registry().lookup(op, g.opset)
    assert lookup.entry is not None, lookup.reason
    return lookup.entry.fn(g, **kwargs)
