"""``autograd.Function`` subclasses with a ``symbolic`` staticmethod, exported as one node each.

The legacy exporter kept each ``MyFunction.apply(...)`` as one ``prim::PythonOp``
and asked ``MyFunction.symbolic(g, *args)`` for its ONNX form. ``torch.export``
traces through ``forward`` instead, and the custom node silently disappears.

For the duration of one capture (:func:`routed`), ``apply`` is hooked. A call
on a class with ``symbolic`` becomes a call of a ``torch.library`` custom op made
once per class (namespace ``onnx_migrate_autograd``); it takes the tensor
arguments, the dynamic sizes, and a call id. Its real and fake implementations
run the class's own ``apply``, so shapes and dtypes come out right under
``torch.export`` fake tensors. The other arguments (ints, floats, strings,
lists, ``None``, any object) wait in a side table under the call id. At
translation, the op's symbolic rebuilds the legacy call — tensors as graph
values, everything else as the raw Python objects the legacy exporter passed —
and calls the user's ``symbolic(g, *args)``.

Classes without ``symbolic`` are traced through, as the legacy exporter inlined
them, and the export report says so — unless a custom symbolic is registered for
``prim::PythonOp`` at the export's opset: then, as in the legacy exporter, such a
call is one node too and that symbolic receives it with the legacy convention
(see :mod:`~onnx_migrate.compat.python_op`). Either symbolic sees the call as a
``prim::PythonOp`` node in ``g.original_node``. The hook is removed when the capture ends,
even on error; the user's classes and model are never modified.

Only non-strict capture is routed: ``torch.export(strict=True)`` (dynamo)
handles ``autograd.Function`` itself and never reaches the hook.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import enum
import itertools
import re
import threading
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import torch
from onnx_migrate._torch_compat import pytree

from onnx_migrate import _torch_compat
from onnx_migrate.compat import python_op as _python_op
from onnx_migrate.compat.export_report import ExportReport
from onnx_migrate.errors import OnnxMigrateError, TranslationError
from onnx_migrate.legacy_symbolics.export_context import current_export
from onnx_migrate.legacy_symbolics.registry import BASE_OPSET, SymbolicRegistry
from onnx_migrate.legacy_symbolics.values import ConstantValue, ListValue

__all__ = ["OP_NAMESPACE", "routed"]

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


@dataclasses.dataclass(frozen=True)
class _RoutedOp:
    qualified_name: str
    op: Callable[..., Any]
    symbolic: Callable[..., Any]


_ACTIVE: contextvars.ContextVar[_Routing | None] = contextvars.ContextVar("onnx_migrate_autograd_routing", default=None)
# True while a class's own apply runs inside the op's implementation (nested calls are not routed).
_SUSPENDED: contextvars.ContextVar[bool] = contextvars.ContextVar("onnx_migrate_autograd_suspended", default=False)

_LOCK = threading.RLock()
_CALLS: dict[int, _Call] = {}
_CALL_IDS = itertools.count()
_OP_IDS = itertools.count()
# Keyed weakly: the ops and symbolics find the class through the call table, never hold it.
_OPS: weakref.WeakKeyDictionary[type, _RoutedOp] = weakref.WeakKeyDictionary()


class _Missing:
    pass


_MISSING = _Missing()
_HOOK: dict[str, Any] = {"depth": 0, "owner": None, "saved": _MISSING}


# -- the hook ---------------------------------------------------------------------------------


def _make_hook(owner: type, saved: Any) -> Callable[..., Any]:
    """The hooked ``apply`` of ``owner``; ``saved`` is what ``owner`` itself defined before (if anything).

    Both are bound here, so a call already inside the hook when it is removed still completes.
    """

    def passthrough(cls: type, *args: Any, **kwargs: Any) -> Any:
        if saved is not _MISSING:
            return saved.__get__(None, cls)(*args, **kwargs)
        return super(owner, cls).apply(*args, **kwargs)

    def hooked_apply(cls: type, *args: Any, **kwargs: Any) -> Any:
        routing = _ACTIVE.get()
        if routing is None or _SUSPENDED.get() or not issubclass(cls, torch.autograd.Function):
            return passthrough(cls, *args, **kwargs)
        if not callable(getattr(cls, "symbolic", None)):
            if cls.__module__.startswith("torch."):  # torch's own (custom-op autograd) are no user concern
                return passthrough(cls, *args, **kwargs)
            python_op = _python_op_symbolic(routing)
            if python_op is not None:
                return _apply_as_one_op(routing, cls, args, kwargs, python_op=python_op)
            routing.traced_through.setdefault(f"{cls.__module__}.{cls.__qualname__}", None)
            return passthrough(cls, *args, **kwargs)
        return _apply_as_one_op(routing, cls, args, kwargs)

    return hooked_apply


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
    call_id = next(_CALL_IDS)
    with _LOCK:
        _CALLS[call_id] = call
    routing.call_ids.append(call_id)
    routed_op = _routed_op(cls)
    if not routing.registry.is_registered_op(routed_op.qualified_name, BASE_OPSET):
        routing.registry.register(routed_op.qualified_name, BASE_OPSET, routed_op.symbolic, custom=True)
    return call.outputs(list(routed_op.op(tensors, sizes, call_id)))


@contextlib.contextmanager
def _apply_hooked() -> Iterator[None]:
    with _LOCK:
        if _HOOK["depth"] == 0:
            owner = _torch_compat.autograd_apply_hook_owner()
            saved = vars(owner).get("apply", _MISSING)
            _HOOK["owner"], _HOOK["saved"] = owner, saved
            owner.apply = classmethod(_make_hook(owner, saved))  # type: ignore[attr-defined]
        _HOOK["depth"] += 1
    try:
        yield
    finally:
        with _LOCK:
            _HOOK["depth"] -= 1
            if _HOOK["depth"] == 0:
                owner, saved = _HOOK["owner"], _HOOK["saved"]
                if saved is _MISSING:
                    delattr(owner, "apply")
                else:
                    owner.apply = saved
                _HOOK["owner"], _HOOK["saved"] = None, _MISSING


@contextlib.contextmanager
def routed(registry: SymbolicRegistry, report: ExportReport | None = None) -> Iterator[None]:
    """Export each ``autograd.Function`` with ``symbolic`` as one node while the block runs.

    Wrap capture *and* translation in it: the symbolics registered into
    ``registry`` (the export's snapshot) read the call table, which is emptied
    when the block ends.

    Args:
        registry: the export's registry snapshot; the op symbolics are registered there.
        report: where to say which classes were traced through (no ``symbolic``).
    """
    routing = _Routing(registry, report)
    token = _ACTIVE.set(routing)
    try:
        with _apply_hooked():
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


# -- the op standing for one class ----------------------------------------------------------------


def _run_forward(inputs: list[torch.Tensor], sizes: list[Any], call_id: int) -> list[torch.Tensor]:
    """Real and fake implementation of every routed op: the class's own ``apply``."""
    with _LOCK:
        call = _CALLS.get(call_id)
    if call is None:
        raise RuntimeError(
            f"{OP_NAMESPACE} ops stand for autograd.Function calls only while onnx_migrate exports a model; "
            f"call {call_id} is not part of a running export."
        )
    args, kwargs = call.arguments(list(inputs), list(sizes))
    token = _SUSPENDED.set(True)
    try:
        output = call.cls.apply(*args, **kwargs)  # type: ignore[attr-defined]
    finally:
        _SUSPENDED.reset(token)
    # Fresh tensors: an op that mutates nothing must not return its inputs or views of them.
    return [tensor.clone() for tensor in call.record_outputs(output)]


def _routed_op(cls: type) -> _RoutedOp:
    with _LOCK:
        found = _OPS.get(cls)
        if found is not None:
            return found
        base = re.sub(r"\W+", "_", cls.__qualname__).strip("_") or "Function"
        op_name = f"{base}_{next(_OP_IDS)}"
        qualified = f"{OP_NAMESPACE}::{op_name}"
        op = torch.library.custom_op(qualified, _run_forward, mutates_args=(), schema=_SCHEMA)
        op.register_fake(_run_forward)
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
        which = f"symbolic of autograd.Function {name}"
        try:
            if call.python_op is not None:
                which = f"prim::PythonOp symbolic {_describe(call.python_op)} for autograd.Function {name}"
                attributes = _python_op.node_attributes(call.cls)
                result = call.python_op(node_g, *args, **{**kwargs, **attributes})
            else:
                result = call.cls.symbolic(node_g, *args, **kwargs)  # type: ignore[attr-defined]
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
