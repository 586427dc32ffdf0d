"""Seeing every ``autograd.Function`` call while an export captures the model, on every torch.

A call reaches a Function's ``forward`` by two roads, and torch moved them between releases:

* ``MyFunction.apply(x)``: ``apply`` is looked up on the class at call time. Up to
  torch 2.13 it is a Python classmethod on ``Function`` ending in ``super().apply``;
  from torch 2.14 it is ``_C._FunctionBase``'s C method, installed on ``Function``.
* an alias taken at import time (``roi_align = RoIAlignFunction.apply``): a method
  already bound, which no later change of ``Function.apply`` reaches.

Both roads end in torch's C ``apply``, which looks ``forward`` up on the class at
call time. So, for as long as one export captures, :func:`intercepted` puts a
wrapper on the ``forward`` of every user ``Function`` subclass that exists (that
catches aliases, whatever class defines ``apply``), and wraps ``apply`` on the
class that defines it (that catches classes defined while the export runs). A
wrapper asks the handler what to do; outside an export, or while the handler runs
a class's own ``forward`` (:func:`suspended`), it passes straight through.

Everything is put back when the last capture ends, even on error: afterwards the
user's classes have exactly the attributes they had before.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import threading
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import torch

__all__ = ["Handler", "apply_owner", "intercepted", "is_suspended", "passthrough_apply", "suspended"]

#: ``handler(cls, args, kwargs, run)``: ``run()`` performs the call unchanged; whatever the
#: handler returns is the call's result.
Handler = Callable[[type, tuple[Any, ...], dict[str, Any], Callable[[], Any]], Any]

_SUSPENDED: contextvars.ContextVar[bool] = contextvars.ContextVar("onnx_migrate_autograd_suspended", default=False)
_HANDLER: contextvars.ContextVar[Handler | None] = contextvars.ContextVar("onnx_migrate_autograd_handler", default=None)


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


_MISSING: Any = _Missing()


def apply_owner() -> type:
    """The class whose ``apply`` a ``MyFunction.apply`` lookup finds (``Function`` on every torch so far)."""
    for cls in torch.autograd.Function.__mro__:
        if "apply" in vars(cls):
            return cls
    raise RuntimeError("torch.autograd.Function has no apply method: this torch is not supported by onnx_migrate")


def is_suspended() -> bool:
    """Whether calls pass through untouched right now (a class's own ``forward`` is running)."""
    return _SUSPENDED.get()


@contextlib.contextmanager
def suspended() -> Iterator[None]:
    """Let ``apply``/``forward`` calls inside the block run unchanged (the handler's own runs of ``forward``)."""
    token = _SUSPENDED.set(True)
    try:
        yield
    finally:
        _SUSPENDED.reset(token)


def passthrough_apply(cls: type, *args: Any, **kwargs: Any) -> Any:
    """Call torch's own ``apply`` of ``cls`` with interception suspended."""
    with suspended():
        return cls.apply(*args, **kwargs)  # type: ignore[attr-defined]


def _user_function_classes() -> list[type]:
    """Every ``autograd.Function`` subclass alive now, torch's own left out (they are no user concern)."""
    found: dict[type, None] = {}
    stack = list(torch.autograd.Function.__subclasses__())
    while stack:
        cls = stack.pop()
        if cls in found:
            continue
        found[cls] = None
        stack.extend(cls.__subclasses__())
    return [cls for cls in found if not (cls.__module__ or "").startswith("torch.")]


def _takes_ctx(cls: type) -> bool:
    """Whether torch calls ``cls.forward(ctx, *args)``; with a ``setup_context`` it calls ``forward(*args)``."""
    return getattr(cls, "setup_context", None) is getattr(torch.autograd.Function, "setup_context", None)


@dataclasses.dataclass
class _Patch:
    """What one class had before we wrapped an attribute of it."""

    cls: type
    name: str
    saved: Any  # the class's own attribute, or _MISSING when it inherited it

    def restore(self) -> None:
        if self.saved is _MISSING:
            if self.name in vars(self.cls):
                delattr(self.cls, self.name)
        else:
            setattr(self.cls, self.name, self.saved)


def _forward_wrapper(cls: type, original: Callable[..., Any]) -> Callable[..., Any]:
    """``cls.forward`` that hands the call to the handler (as the ``apply`` call it came from)."""
    takes_ctx = _takes_ctx(cls)

    def forward(*args: Any, **kwargs: Any) -> Any:
        if torch.compiler.is_dynamo_compiling():  # strict capture: dynamo traces the real forward
            return original(*args, **kwargs)
        handler = _HANDLER.get()
        if handler is None or _SUSPENDED.get():
            return original(*args, **kwargs)
        apply_args = args[1:] if takes_ctx and args else args
        return handler(cls, tuple(apply_args), dict(kwargs), lambda: original(*args, **kwargs))

    forward.__wrapped__ = original  # type: ignore[attr-defined]
    forward.__qualname__ = f"{cls.__qualname__}.forward"
    return forward


def _apply_wrapper(saved: Any, forward_wrapped: weakref.WeakSet[type]) -> Callable[..., Any]:
    """``apply`` that hands calls of classes born during the export to the handler.

    Classes whose ``forward`` is wrapped are left to that wrapper (one call, one hand-over).
    """

    def call_saved(cls: type, *args: Any, **kwargs: Any) -> Any:
        return saved.__get__(None, cls)(*args, **kwargs)

    def apply(cls: type, *args: Any, **kwargs: Any) -> Any:
        if torch.compiler.is_dynamo_compiling():
            return call_saved(cls, *args, **kwargs)
        handler = _HANDLER.get()
        if (
            handler is None
            or _SUSPENDED.get()
            or cls in forward_wrapped
            or (cls.__module__ or "").startswith("torch.")
        ):
            return call_saved(cls, *args, **kwargs)
        return handler(cls, args, kwargs, lambda: call_saved(cls, *args, **kwargs))

    return apply


class _Interception:
    """The process-wide patches, installed by the first active export and removed by the last."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._depth = 0
        self._patches: list[_Patch] = []

    def acquire(self) -> None:
        with self._lock:
            if self._depth == 0:
                self._install()
            self._depth += 1

    def release(self) -> None:
        with self._lock:
            self._depth -= 1
            if self._depth == 0:
                for patch in reversed(self._patches):
                    patch.restore()
                self._patches.clear()

    def _install(self) -> None:
        owner = apply_owner()
        saved_apply = vars(owner)["apply"]
        # Resolve every original forward before wrapping any, so a subclass never wraps a parent's wrapper.
        classes = [cls for cls in _user_function_classes() if callable(getattr(cls, "forward", None))]
        originals = {cls: cls.forward for cls in classes}
        patches = [_Patch(owner, "apply", saved_apply)]
        owner.apply = classmethod(_apply_wrapper(saved_apply, weakref.WeakSet(classes)))  # type: ignore[attr-defined]
        try:
            for cls in classes:
                patches.append(_Patch(cls, "forward", vars(cls).get("forward", _MISSING)))
                cls.forward = staticmethod(_forward_wrapper(cls, originals[cls]))
        except BaseException:
            for patch in reversed(patches):
                patch.restore()
            raise
        self._patches = patches


_INTERCEPTION = _Interception()


@contextlib.contextmanager
def intercepted(handler: Handler) -> Iterator[None]:
    """Send every ``autograd.Function`` call made in this context (thread, task) to ``handler``."""
    _INTERCEPTION.acquire()
    token = _HANDLER.set(handler)
    try:
        yield
    finally:
        _HANDLER.reset(token)
        _INTERCEPTION.release()
