"""``autograd.Function`` subclasses with a ``symbolic`` staticmethod, exported as one node each.

The legacy exporter kept each ``MyFunction.apply(...)`` as one ``prim::PythonOp``
and asked ``MyFunction.symbolic(g, *args)`` for its ONNX form. ``torch.export``
traces through ``forward`` instead, and the custom node silently disappears.

For the duration of one capture (:func:`routed`), every call of a user
``Function`` is intercepted (:mod:`~onnx_migrate.compat.autograd_interception`:
through ``MyFunction.apply`` and through aliases taken at import time, on every
torch). A call on a class with ``symbolic`` becomes a call of a ``torch.library``
custom op made once per class (namespace ``onnx_migrate_autograd``); it takes the
tensor arguments, the dynamic sizes, and a call id. Its implementations run the
class's own ``forward``, so shapes and dtypes come out right under ``torch.export``
fake tensors; a ``forward`` that needs real values gets outputs shaped by an eager
run instead (:mod:`~onnx_migrate.compat.autograd_real_outputs`). The other arguments (ints, floats, strings,
lists, ``None``, any object) wait in a side table under the call id. At
translation, the op's symbolic rebuilds the legacy call — tensors as graph
values, everything else as the raw Python objects the legacy exporter passed —
and calls the user's ``symbolic(g, *args)``.

Classes without ``symbolic`` are traced through, as the legacy exporter inlined
them, and the export report says so — unless a custom symbolic is registered for
``prim::PythonOp`` at the export's opset: then, as in the legacy exporter, such a
call is one node too and that symbolic receives it with the legacy convention
(see :mod:`~onnx_migrate.compat.python_op`). Either symbolic sees the call as a
``prim::PythonOp`` node in ``g.original_node``. The interception is removed when the
capture ends, even on error; the user's classes and model are left as they were.

Only non-strict capture is routed: ``torch.export(strict=True)`` (dynamo) traces
``forward`` itself, so :func:`capture` refuses a strict capture of a model that
calls a ``Function`` with ``symbolic`` (the custom node would be lost) and says
to export with ``strict=False``.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import enum
import inspect
import itertools
import re
import threading
import weakref
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import torch
from onnx_migrate._torch_compat import pytree

from onnx_migrate.compat import autograd_interception as _interception
from onnx_migrate.compat import python_op as _python_op
from onnx_migrate.compat.torch_registrations import adapt_torch_symbolic, is_bound_to_torch_legacy_helpers
from onnx_migrate.compat.autograd_real_outputs import RealOutputs, RecordedCall, run_model_eagerly
from onnx_migrate.compat.export_report import ExportReport
from onnx_migrate.compat.symbolic_recording import active_recorder
from onnx_migrate.errors import CaptureError, OnnxMigrateError, TranslationError
from onnx_migrate.legacy_symbolics.export_context import current_export
from onnx_migrate.legacy_symbolics.registry import BASE_OPSET, SymbolicRegistry
from onnx_migrate.legacy_symbolics.values import ConstantValue, ListValue

__all__ = ["OP_NAMESPACE", "begin_trace", "capture", "functions_seen", "real_outputs_pending", "routed"]

_T = TypeVar("_T")

#: The ``torch.library`` namespace of the ops standing for ``autograd.Function`` calls.
OP_NAMESPACE = "onnx_migrate_autograd"
_SCHEMA = "(Tensor[] inputs, SymInt[] sizes, int call_id) -> Tensor[]"


class _Kind(enum.Enum):
    TENSOR = "tensor"
    SIZE = "size"  # a dynamic size (SymInt): an op input, a graph value at translation
    CONSTANT = "constant"


@dataclasses.dataclass
class _Call:
    """One ``apply`` call: how to rebuild its arguments and outputs around the op's tensors."""

    cls: type
    spec: pytree.TreeSpec
    kinds: list[_Kind]
    constants: list[Any]
    out_spec: pytree.TreeSpec | None = None
    out_is_tensor: list[bool] = dataclasses.field(default_factory=list)
    out_constants: list[Any] = dataclasses.field(default_factory=list)
    #: The ``prim::PythonOp`` symbolic that exports this call (classes without ``symbolic``).
    python_op: Callable[..., Any] | None = None
    #: Where a fake run that fails asks for real outputs, and what an eager run recorded for this call.
    real_outputs: RealOutputs | None = None
    recorded: RecordedCall | None = None

    @classmethod
    def split(cls, function: type, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[_Call, list[Any], list[Any]]:
        """The call record, the tensor arguments and the dynamic-size arguments."""
        leaves, spec = pytree.tree_flatten((args, kwargs))
        kinds: list[_Kind] = []
        constants: list[Any] = []
        tensors: list[Any] = []
        sizes: list[Any] = []
        for leaf in leaves:
            if isinstance(leaf, torch.Tensor):
                kinds.append(_Kind.TENSOR)
                tensors.append(leaf)
                leaf = None
            elif isinstance(leaf, torch.SymInt):
                kinds.append(_Kind.SIZE)
                sizes.append(leaf)
                leaf = None
            else:
                kinds.append(_Kind.CONSTANT)
            constants.append(leaf)
        return cls(function, spec, kinds, constants), tensors, sizes

    def arguments(self, tensors: list[Any], sizes: list[Any]) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """``(args, kwargs)`` of the original call with ``tensors`` and ``sizes`` in their places."""
        tensor_iter, size_iter = iter(tensors), iter(sizes)
        leaves = [
            next(tensor_iter) if kind is _Kind.TENSOR else next(size_iter) if kind is _Kind.SIZE else constant
            for kind, constant in zip(self.kinds, self.constants, strict=True)
        ]
        args, kwargs = pytree.tree_unflatten(leaves, self.spec)
        return tuple(args), dict(kwargs)

    def record_outputs(self, output: Any) -> list[torch.Tensor]:
        """Remember the structure of ``forward``'s output; returns its tensors."""
        leaves, self.out_spec = pytree.tree_flatten(output)
        self.out_is_tensor = [isinstance(leaf, torch.Tensor) for leaf in leaves]
        self.out_constants = [
            None if is_tensor else leaf for leaf, is_tensor in zip(leaves, self.out_is_tensor, strict=True)
        ]
        return [leaf for leaf in leaves if isinstance(leaf, torch.Tensor)]

    def outputs(self, tensors: list[torch.Tensor]) -> Any:
        """``forward``'s output rebuilt around the op's output tensors."""
        assert self.out_spec is not None, "the op's implementation did not run"
        tensor_iter = iter(tensors)
        leaves = [
            next(tensor_iter) if is_tensor else constant
            for is_tensor, constant in zip(self.out_is_tensor, self.out_constants, strict=True)
        ]
        return pytree.tree_unflatten(leaves, self.out_spec)

    @property
    def tensor_output_count(self) -> int:
        return sum(self.out_is_tensor)


@dataclasses.dataclass
class _Routing:
    """The state of one :func:`routed` block (one export)."""

    registry: SymbolicRegistry
    report: ExportReport | None
    call_ids: list[int] = dataclasses.field(default_factory=list)
    traced_through: dict[str, None] = dataclasses.field(default_factory=dict)
    real_outputs: RealOutputs = dataclasses.field(default_factory=RealOutputs)
    #: How many calls of each class (by id: classes are never held) this trace or eager run has made.
    ordinals: dict[int, int] = dataclasses.field(default_factory=dict)
    #: The classes an eager run saw exported as one node each (their qualified names).
    recorded_classes: dict[str, None] = dataclasses.field(default_factory=dict)

    def next_key(self, cls: type) -> tuple[int, int]:
        """The key of the call being made: ``(id(cls), n)`` for the n-th call of ``cls``."""
        ordinal = self.ordinals.get(id(cls), 0)
        self.ordinals[id(cls)] = ordinal + 1
        return id(cls), ordinal


@dataclasses.dataclass(frozen=True)
class _RoutedOp:
    qualified_name: str
    op: Callable[..., Any]
    symbolic: Callable[..., Any]


_ACTIVE: contextvars.ContextVar[_Routing | None] = contextvars.ContextVar("onnx_migrate_autograd_routing", default=None)

_LOCK = threading.RLock()
_CALLS: dict[int, _Call] = {}
_CALL_IDS = itertools.count()
_OP_IDS = itertools.count()
# Keyed weakly: the ops and symbolics find the class through the call table, never hold it.
_OPS: weakref.WeakKeyDictionary[type, _RoutedOp] = weakref.WeakKeyDictionary()


# -- what to do with one call ---------------------------------------------------------------------


def _handle_call(cls: type, args: tuple[Any, ...], kwargs: dict[str, Any], run: Callable[[], Any]) -> Any:
    """The interception handler: one node for a class with ``symbolic``, its ``forward`` otherwise."""
    routing = _ACTIVE.get()
    if routing is None:
        return run()
    python_op = None
    if not callable(getattr(cls, "symbolic", None)):
        python_op = _python_op_symbolic(routing)
        if python_op is None:
            routing.traced_through.setdefault(f"{cls.__module__}.{cls.__qualname__}", None)
            return run()
    if routing.real_outputs.is_recording:
        return _record_real_call(routing, cls, args, kwargs, run)
    return _apply_as_one_op(routing, cls, args, kwargs, python_op=python_op)


def _record_real_call(
    routing: _Routing, cls: type, args: tuple[Any, ...], kwargs: dict[str, Any], run: Callable[[], Any]
) -> Any:
    """Eager run: the real ``forward`` (calls nested in it are not nodes of their own, as in capture)."""
    with _interception.suspended():
        output = run()
    inputs = [leaf for leaf in pytree.tree_leaves((args, kwargs)) if isinstance(leaf, torch.Tensor)]
    routing.real_outputs.record(routing.next_key(cls), inputs, output)
    routing.recorded_classes.setdefault(f"{cls.__module__}.{cls.__qualname__}", None)
    return output


def _python_op_symbolic(routing: _Routing) -> Callable[..., Any] | None:
    """The ``prim::PythonOp`` symbolic serving the running export's opset, if one is registered."""
    context = current_export()
    return _python_op.python_op_symbolic(routing.registry, context.opset if context is not None else BASE_OPSET)


def _apply_as_one_op(
    routing: _Routing,
    cls: type,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    python_op: Callable[..., Any] | None = None,
) -> Any:
    call, tensors, sizes = _Call.split(cls, args, kwargs)
    call.python_op = python_op
    key = routing.next_key(cls)
    call.recorded = routing.real_outputs.calls.get(key)
    call.real_outputs = routing.real_outputs
    call_id = next(_CALL_IDS)
    with _LOCK:
        _CALLS[call_id] = call
    routing.call_ids.append(call_id)
    routed_op = _routed_op(cls)
    if not routing.registry.is_registered_op(routed_op.qualified_name, BASE_OPSET):
        routing.registry.register(routed_op.qualified_name, BASE_OPSET, routed_op.symbolic, custom=True)
    return call.outputs(list(routed_op.op(tensors, sizes, call_id)))


@contextlib.contextmanager
def routed(registry: SymbolicRegistry, report: ExportReport | None = None) -> Iterator[None]:
    """Export each ``autograd.Function`` with ``symbolic`` as one node while the block runs.

    Wrap capture *and* translation in it: the symbolics registered into
    ``registry`` (the export's snapshot) read the call table, which is emptied
    when the block ends. Capture with :func:`capture` inside the block, so that
    a ``forward`` that needs real tensors gets their outputs.

    Args:
        registry: the export's registry snapshot; the op symbolics are registered there.
        report: where to say which classes were traced through (no ``symbolic``).
    """
    routing = _Routing(registry, report)
    token = _ACTIVE.set(routing)
    try:
        with _interception.intercepted(_handle_call):
            yield
    finally:
        _ACTIVE.reset(token)
        with _LOCK:
            for call_id in routing.call_ids:
                _CALLS.pop(call_id, None)
        if report is not None:
            for name in routing.traced_through:
                report.warnings.append(
                    f"autograd.Function {name} has no symbolic staticmethod: its forward was traced into ONNX ops "
                    "(as the legacy exporter inlined it). Add a symbolic to export it as one node."
                )


def real_outputs_pending() -> bool:
    """Whether a routed ``forward`` failed on fake tensors: :func:`capture` will rerun with real outputs.

    The capture's own fallbacks (``draft_export``) must leave such failures to it.
    """
    routing = _ACTIVE.get()
    return routing is not None and routing.real_outputs.needed is not None


def functions_seen() -> bool:
    """Whether the running export's capture met an ``autograd.Function`` (routed or traced through).

    Such a capture belongs to its export: its routed calls are looked up in a table that
    the export empties, so it is never reused (see ``capture_cache``).
    """
    routing = _ACTIVE.get()
    return routing is not None and bool(routing.call_ids or routing.traced_through or routing.recorded_classes)


def begin_trace() -> None:
    """A new ``torch.export`` trace starts: call ordinals count from zero again."""
    routing = _ACTIVE.get()
    if routing is not None:
        routing.ordinals.clear()


def capture(
    capture_fn: Callable[[], _T],
    module: torch.nn.Module,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    strict: bool = False,
) -> _T:
    """``capture_fn()``; if a routed ``forward`` could not run on fake tensors, run the model for real and retry.

    The retry captures with each such call's outputs shaped as the eager run made them,
    as the legacy exporter did (it traced with the real inputs). A strict capture
    (dynamo) traces every ``forward`` itself, so it first checks, with one eager run,
    that no call needs its ``symbolic``.
    """
    routing = _ACTIVE.get()
    if routing is None:
        return capture_fn()
    if strict:
        _refuse_strict_capture_of_symbolics(routing, module, args, kwargs)
        return capture_fn()
    try:
        return capture_fn()
    except Exception as first:
        if routing.real_outputs.needed is None:
            raise
        fake_failure = routing.real_outputs.needed
        routing.real_outputs.needed = None
        try:
            _record_eager_run(routing, module, args, kwargs)
        except Exception as eager_failure:
            first.add_note(
                f"An autograd.Function forward could not run on torch.export's fake tensors ({fake_failure!r}), "
                f"and running the model on the example inputs failed as well: {eager_failure!r}."
            )
            raise first from None
        return capture_fn()


def _record_eager_run(routing: _Routing, module: torch.nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    routing.ordinals.clear()
    with routing.real_outputs.recording():
        run_model_eagerly(module, args, kwargs)
    routing.ordinals.clear()


def _refuse_strict_capture_of_symbolics(
    routing: _Routing, module: torch.nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    _record_eager_run(routing, module, args, kwargs)
    if routing.recorded_classes:
        names = ", ".join(routing.recorded_classes)
        raise CaptureError(
            f"strict=True captures with dynamo, which traces the forward of autograd.Function {names} instead of "
            "exporting its symbolic as one node (the custom node would be lost). Export with strict=False "
            "(the default) to keep it."
        )


# -- the op standing for one class ----------------------------------------------------------------


def _call_of(call_id: int) -> _Call:
    with _LOCK:
        call = _CALLS.get(call_id)
    if call is None:
        raise RuntimeError(
            f"{OP_NAMESPACE} ops stand for autograd.Function calls only while onnx_migrate exports a model; "
            f"call {call_id} is not part of a running export."
        )
    return call


def _run_forward(inputs: list[torch.Tensor], sizes: list[Any], call_id: int) -> list[torch.Tensor]:
    """Real implementation of every routed op: the class's own ``apply``."""
    call = _call_of(call_id)
    args, kwargs = call.arguments(list(inputs), list(sizes))
    output = _interception.passthrough_apply(call.cls, *args, **kwargs)
    # Fresh tensors: an op that mutates nothing must not return its inputs or views of them.
    return [tensor.clone() for tensor in call.record_outputs(output)]


def _run_forward_on_fakes(inputs: list[torch.Tensor], sizes: list[Any], call_id: int) -> list[torch.Tensor]:
    """Fake implementation: ``forward`` on fake tensors, or the outputs an eager run recorded for this call."""
    call = _call_of(call_id)
    if call.recorded is not None:
        return call.record_outputs(call.recorded.stand_in(list(inputs)))
    try:
        return _run_forward(inputs, sizes, call_id)
    except Exception as exc:
        if call.real_outputs is not None:
            call.real_outputs.needed = exc  # capture() runs the model for real and captures again
        raise


def _routed_op(cls: type) -> _RoutedOp:
    with _LOCK:
        found = _OPS.get(cls)
        if found is not None:
            return found
        base = re.sub(r"\W+", "_", cls.__qualname__).strip("_") or "Function"
        op_name = f"{base}_{next(_OP_IDS)}"
        qualified = f"{OP_NAMESPACE}::{op_name}"
        op = torch.library.custom_op(qualified, _run_forward, mutates_args=(), schema=_SCHEMA)
        op.register_fake(_run_forward_on_fakes)
        routed_op = _RoutedOp(qualified, op, _make_symbolic(cls))
        _OPS[cls] = routed_op
        return routed_op


# -- translation --------------------------------------------------------------------------------


def _items(value: Any) -> list[Any]:
    """The items of a list argument as symbolics see them: graph values, or raw Python for constants."""
    if isinstance(value, ListValue):
        return [item.python_value if isinstance(item, ConstantValue) else item for item in value.items]
    if isinstance(value, ConstantValue):
        return list(value.python_value or [])
    return list(value)


def _make_symbolic(cls: type) -> Callable[..., Any]:
    # Strings only: the symbolic finds the class through the call table and must not keep it alive.
    name, qualname, module = f"{cls.__module__}.{cls.__qualname__}", cls.__qualname__, cls.__module__

    def symbolic(g: Any, inputs: Any, sizes: Any, call_id: Any) -> Any:
        key = call_id.python_value if isinstance(call_id, ConstantValue) else call_id
        with _LOCK:
            call = _CALLS.get(key)
        if call is None:
            raise TranslationError(f"The call of autograd.Function {name} is not part of a running export.")
        args, kwargs = call.arguments(_items(inputs), _items(sizes))
        node_g = _python_op.python_op_context(g, call.cls, args)
        _tell_recorder(call.cls, call.python_op, args)
        which = f"symbolic of autograd.Function {name}"
        try:
            if call.python_op is not None:
                which = f"prim::PythonOp symbolic {_describe(call.python_op)} for autograd.Function {name}"
                attributes = _python_op.node_attributes(call.cls)
                result = call.python_op(node_g, *args, **{**kwargs, **attributes})
            else:
                result = _runnable_symbolic(call.cls, g.opset)(node_g, *args, **kwargs)
        except OnnxMigrateError as exc:
            exc.add_note(f"In the {which} (opset {g.opset}).")
            raise
        except Exception as exc:
            convention = (
                "fn(g, *args, name=<class name>, inplace=0, module=<module>)"
                if call.python_op is not None
                else "symbolic(g, *args)"
            )
            raise TranslationError(
                f"The {which} raised {type(exc).__name__}: {exc} (opset {g.opset}). "
                f"It is called as {convention} with the arguments of {qualname}.apply: tensors as "
                "graph values, other arguments as the Python objects given to apply."
            ) from exc
        return _check_outputs(result, call.tensor_output_count, name, g.opset)

    symbolic.__module__ = module
    symbolic.__qualname__ = f"{qualname}.symbolic"
    symbolic.__name__ = "symbolic"
    return symbolic


def _tell_recorder(cls: type, python_op: Callable[..., Any] | None, args: tuple[Any, ...] | list[Any]) -> None:
    """For ``onnx-migrate port``: the symbolic call being recorded is ``cls.apply(*args)``."""
    recorder = active_recorder()
    if recorder is None:
        return
    symbolic = python_op if python_op is not None else inspect.getattr_static(cls, "symbolic", None)
    symbolic = getattr(symbolic, "__func__", symbolic)
    try:
        names = [p.name for p in inspect.signature(symbolic).parameters.values()][1:]
    except (TypeError, ValueError):
        names = []
    names = [names[i] if i < len(names) and not names[i].startswith("*") else f"arg{i}" for i in range(len(args))]
    recorder.function_call(cls, symbolic, names, list(args))


def _runnable_symbolic(cls: type, opset: int) -> Callable[..., Any]:
    """``cls.symbolic``, made to run on our values when it is bound to torch's legacy helpers.

    Libraries import ``from torch.onnx import symbolic_helper`` at import time, before
    ``install()`` (ModelOpt's ``@symbolic_helper.parse_args`` on its quantizer Functions):
    the same adaptation as for registrations made through torch's API applies, and only then.
    """
    symbolic = cls.symbolic  # type: ignore[attr-defined]
    if not is_bound_to_torch_legacy_helpers(symbolic):
        return symbolic
    name = f"autograd.Function {cls.__module__}.{cls.__qualname__}"
    return adapt_torch_symbolic(name, opset, symbolic, where="its symbolic staticmethod")


def _describe(fn: Callable[..., Any]) -> str:
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"


def _check_outputs(result: Any, expected: int, name: str, opset: int) -> tuple[Any, ...]:
    """The symbolic's result as a tuple with one value per tensor output of ``forward``."""
    if isinstance(result, ListValue):
        result = tuple(result.items)
    if result is None:
        got: int | None = None
    elif isinstance(result, (tuple, list)):
        got = len(result)
    else:
        result, got = (result,), 1
    if got != expected or any(item is None for item in result):
        told = "None" if got is None else f"{got} value(s)" + (" including None" if got == expected else "")
        raise TranslationError(
            f"The symbolic of autograd.Function {name} returned {told}, but its forward returns {expected} "
            f"tensor(s) (opset {opset}). Return {'one value' if expected == 1 else f'a tuple of {expected} values'} "
            "built with g.op(...), one per tensor output, in order."
        )
    return tuple(result)
