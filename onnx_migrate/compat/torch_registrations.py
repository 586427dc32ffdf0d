"""Custom symbolics registered through torch's own API, run on onnx_migrate's runtime.

A script that keeps ``torch.onnx.register_custom_op_symbolic(...)`` (directly, or
through a library such as onnxruntime's ``pytorch_export_contrib_ops.register()``)
and calls ``onnx_migrate.export`` without ``install()`` registered its symbolics
in torch's legacy registry. They must not be silently ignored (the export would
decompose the op instead: ``com.microsoft::Gelu`` becoming nine standard nodes).

Each one is adopted into the export's registry snapshot, adapted so it runs on
our values instead of TorchScript's:

* a function of torch's legacy library (``symbolic_opset9.gelu``) becomes our
  function of the same name;
* torch's legacy ``parse_args`` wrapper is rebuilt with ours around the inner function;
* a plain function is rebound: the legacy modules and functions it reaches through
  its globals and closure (``from torch.onnx import symbolic_helper`` at import time)
  are replaced by our stand-ins, as are those of the module-level helpers it calls;
* while it runs, ``torch.onnx.symbolic_opset9`` and the other legacy paths resolve
  to our stand-ins (``torch.onnx.symbolic_opset9.gelu(g, ...)`` inside the body).

What cannot be adapted (another torch legacy decorator, such as ``quantized_args``)
or still ends up in torch's legacy code at call time fails the export with
:class:`~onnx_migrate.errors.TorchBoundSymbolicError`, which says to call
``onnx_migrate.install()`` before the registering code runs, or to use
``onnx-migrate run``. Nothing is adopted that onnx_migrate's registry already
has at the same name and opset: its own registration wins, as under ``install()``.
"""

from __future__ import annotations

import functools
import importlib
import sys
import types
from collections.abc import Callable
from typing import Any

from onnx_migrate import _torch_compat
from onnx_migrate.compat.export_report import AdoptedSymbolic
from onnx_migrate.errors import SymbolicRegistrationError, TorchBoundSymbolicError
from onnx_migrate.legacy_symbolics.registry import SymbolicRegistry

__all__ = [
    "AdoptedSymbolic",
    "adapt_torch_symbolic",
    "adopt_torch_registrations",
    "register_routed_symbolic",
    "standin_module_name",
]

_TS = "torch.onnx._internal.torchscript_exporter"

#: The fix every failure names.
FIX = (
    "call onnx_migrate.install() before the code that registers it runs (then torch.onnx.register_custom_op_symbolic "
    "and torch.onnx.symbolic_helper are onnx_migrate's), or run the unmodified script with `onnx-migrate run script.py`"
)


@functools.lru_cache(maxsize=1024)
def standin_module_name(module_name: str) -> str | None:
    """The onnx_migrate module standing for one of torch's legacy ONNX modules, or ``None``.

    >>> standin_module_name("torch.onnx._internal.torchscript_exporter.symbolic_opset11")
    'onnx_migrate.legacy_symbolics.symbolic_opset11'
    >>> standin_module_name("torch.onnx.symbolic_helper")
    'onnx_migrate.legacy_symbolics.symbolic_helper'
    """
    from onnx_migrate.compat.legacy_paths import LEGACY_MODULES
    from onnx_migrate.compat.removed_paths import REMOVED

    if module_name in LEGACY_MODULES:
        return LEGACY_MODULES[module_name]
    for path in REMOVED:
        if path.kind == "module" and path.old == module_name:
            return path.ours
    if module_name.startswith(f"{_TS}."):
        return LEGACY_MODULES.get(f"torch.onnx.{module_name[len(_TS) + 1:]}")
    return None


def _standin_module(module: types.ModuleType) -> types.ModuleType | None:
    name = standin_module_name(getattr(module, "__name__", ""))
    return importlib.import_module(name) if name else None


def _standin_object(obj: Any) -> Any | None:
    """Ours for an object of one of torch's legacy modules (``symbolic_opset9.gelu``, ``JitScalarType``)."""
    if isinstance(obj, types.ModuleType):
        return _standin_module(obj)
    module_name = getattr(obj, "__module__", None)
    if not isinstance(module_name, str) or not callable(obj):
        return None
    ours = standin_module_name(module_name)
    found = getattr(importlib.import_module(ours), getattr(obj, "__name__", ""), None) if ours else None
    return found if callable(found) else None


def _cell_values(fn: types.FunctionType) -> list[Any]:
    values = []
    for cell in fn.__closure__ or ():
        try:
            values.append(cell.cell_contents)
        except ValueError:  # an empty cell (a name assigned later in the enclosing function)
            continue
    return values


class _Rebinder:
    """Rebuilds plain functions so their legacy module references reach our stand-ins.

    One new globals dict per module (shared by every function of that module it
    rebuilds), so helpers of the same module that call each other stay consistent.
    Functions of other modules are left alone.
    """

    def __init__(self) -> None:
        self._globals: dict[int, dict[str, Any]] = {}
        self._functions: dict[int, types.FunctionType] = {}

    @staticmethod
    def replacement(obj: Any) -> Any:
        """What ``obj`` becomes in rebound code (``obj`` itself when it is not a legacy object)."""
        ours = _standin_object(obj)
        return obj if ours is None else ours

    def function(self, fn: types.FunctionType) -> types.FunctionType:
        if id(fn) in self._functions:
            return self._functions[id(fn)]
        if not self._needs_rebinding(fn, set()):
            return fn
        self._functions[id(fn)] = fn  # a placeholder while rebuilding (recursive helpers)
        new_globals = self._module_globals(fn.__globals__)
        closure = None
        if fn.__closure__ is not None:
            closure = tuple(types.CellType(v) for v in self._closure(fn))
        rebound = types.FunctionType(fn.__code__, new_globals, fn.__name__, fn.__defaults__, closure)
        rebound.__kwdefaults__ = fn.__kwdefaults__
        rebound.__dict__.update(fn.__dict__)
        rebound.__qualname__, rebound.__module__, rebound.__doc__ = fn.__qualname__, fn.__module__, fn.__doc__
        self._functions[id(fn)] = rebound
        return rebound

    def _closure(self, fn: types.FunctionType) -> list[Any]:
        values = []
        for cell in fn.__closure__ or ():
            try:
                value = cell.cell_contents
            except ValueError:
                value = None
            values.append(self.function(value) if _is_user_function(value) else self.replacement(value))
        return values

    def _module_globals(self, old: dict[str, Any]) -> dict[str, Any]:
        if id(old) in self._globals:
            return self._globals[id(old)]
        new = dict(old)
        self._globals[id(old)] = new
        for name, value in old.items():
            if _is_user_function(value) and value.__globals__ is old:
                new[name] = self.function(value)
            else:
                new[name] = self.replacement(value)
        return new

    def _needs_rebinding(self, fn: types.FunctionType, seen: set[int]) -> bool:
        """Whether ``fn`` reaches a legacy object through its module's globals or its closure."""
        if id(fn) in seen:
            return False
        seen.add(id(fn))
        if any(self.replacement(value) is not value for value in list(fn.__globals__.values())):
            return True
        for value in _cell_values(fn):
            if self.replacement(value) is not value:
                return True
            if _is_user_function(value) and self._needs_rebinding(value, seen):
                return True
        return False


def _is_user_function(obj: Any) -> bool:
    return isinstance(obj, types.FunctionType) and not _torch_compat.is_legacy_exporter_code(obj)


def _origin(fn: Any) -> str:
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"


class _LegacyCallWatch:
    """Notes the first call into torch's legacy exporter code while a symbolic runs (``sys.setprofile``).

    A symbolic that reaches torch's own helpers is bound to TorchScript values: some of
    those helpers raise on ours, others silently return the wrong thing. Either way
    the export must fail, not go on.
    """

    def __init__(self) -> None:
        self.first: str | None = None
        self._previous: Any = None

    def _profile(self, frame: types.FrameType, event: str, arg: Any) -> None:
        if event == "call" and self.first is None and _torch_compat.is_legacy_exporter_file(frame.f_code.co_filename):
            self.first = f"{frame.f_code.co_name} ({frame.f_code.co_filename}:{frame.f_lineno})"
        if self._previous is not None:
            self._previous(frame, event, arg)

    def __enter__(self) -> _LegacyCallWatch:
        self._previous = sys.getprofile()
        sys.setprofile(self._profile)
        return self

    def __exit__(self, *exc_info: object) -> None:
        sys.setprofile(self._previous)


def _bound_error(name: str, where: str, original: Any, detail: str) -> TorchBoundSymbolicError:
    return TorchBoundSymbolicError(
        f"The custom symbolic {_origin(original)} for {name} ({where}) {detail}, which needs TorchScript values "
        f"and cannot run on onnx_migrate. To use it, {FIX}."
    )


def _unrunnable(name: str, where: str, fn: Any) -> Callable[..., Any]:
    @functools.wraps(fn)
    def refuse(g: Any, *args: Any, **kwargs: Any) -> Any:
        raise _bound_error(name, where, fn, "is wrapped by torch's own legacy exporter code")

    return refuse


def _guarded(name: str, where: str, fn: Callable[..., Any], original: Any) -> Callable[..., Any]:
    from onnx_migrate.compat.legacy_paths import legacy_modules_routed

    @functools.wraps(fn)
    def run_adopted(g: Any, *args: Any, **kwargs: Any) -> Any:
        with legacy_modules_routed(), _LegacyCallWatch() as watch:
            try:
                result = fn(g, *args, **kwargs)
            except Exception as exc:
                if watch.first is None:
                    raise
                raise _bound_error(
                    name, where, original, f"called torch's own legacy exporter code {watch.first} and failed "
                    f"({type(exc).__name__}: {exc})"
                ) from exc
        if watch.first is not None:
            raise _bound_error(name, where, original, f"called torch's own legacy exporter code {watch.first}")
        return result

    return run_adopted


def adapt_torch_symbolic(
    name: str, opset: int, fn: Callable[..., Any], rebinder: _Rebinder | None = None, where: str | None = None
) -> Callable[..., Any]:
    """``fn`` (registered through torch's legacy API) made to run on onnx_migrate's values.

    See the module docstring for the rules. The result fails with
    :class:`TorchBoundSymbolicError` (and the fix) when it cannot run.
    """
    where = where or f"registered with torch.onnx.register_custom_op_symbolic at opset {opset}"
    rebinder = rebinder or _Rebinder()
    ours = _standin_object(fn)
    if ours is not None:
        return ours
    parts = _torch_compat.legacy_parse_args_parts(fn)
    if parts is not None:
        from onnx_migrate.legacy_symbolics.symbolic_helper import parse_args

        descriptors, inner = parts
        return _guarded(name, where, parse_args(*descriptors)(_rebound(inner, rebinder)), fn)
    if _torch_compat.is_legacy_exporter_code(fn):
        return _unrunnable(name, where, fn)
    return _guarded(name, where, _rebound(fn, rebinder), fn)


def is_bound_to_torch_legacy_helpers(fn: Any) -> bool:
    """Whether ``fn`` uses torch's legacy exporter (its ``parse_args``, or legacy modules in its globals).

    Only such functions need :func:`adapt_torch_symbolic` and its per-call watch.
    """
    if _standin_object(fn) is not None or _torch_compat.legacy_parse_args_parts(fn) is not None:
        return True
    if _torch_compat.is_legacy_exporter_code(fn):
        return True
    return _is_user_function(fn) and _Rebinder().function(fn) is not fn


def register_routed_symbolic(symbolic_name: str, symbolic_fn: Callable[..., Any], opset_version: int) -> None:
    """``torch.onnx.register_custom_op_symbolic`` while ``install()`` is active.

    A library imported before ``install()`` (``from torch.onnx import symbolic_helper`` at its top,
    as onnxruntime's contrib-op module does) registers functions whose globals still hold torch's
    legacy helpers; those are rebound to onnx_migrate's, as for registrations made before
    ``install()``. Anything else registers as it is.
    """
    from onnx_migrate.legacy_symbolics.registry import register_custom_op_symbolic, validate_custom_op_name

    if is_bound_to_torch_legacy_helpers(symbolic_fn):
        name = validate_custom_op_name(symbolic_name)
        symbolic_fn = adapt_torch_symbolic(name, opset_version, symbolic_fn)
    register_custom_op_symbolic(symbolic_name, symbolic_fn, opset_version)


def _rebound(fn: Any, rebinder: _Rebinder) -> Any:
    return rebinder.function(fn) if _is_user_function(fn) else fn


def adopt_torch_registrations(registry: SymbolicRegistry) -> list[AdoptedSymbolic]:
    """Register into ``registry`` (an export's snapshot) the custom symbolics of torch's legacy registry.

    Skips what ``registry`` already has as a custom symbolic at the same name and
    opset (onnx_migrate's own registration, or one carried over by ``install()``).
    """
    legacy = _torch_compat.legacy_custom_symbolics()
    if not legacy:
        return []
    existing = {(e.name, e.opset) for e in registry.custom_entries()}
    rebinder = _Rebinder()
    adopted = []
    for registered_name, opset, fn in legacy:
        name = f"aten{registered_name}" if registered_name.startswith("::") else registered_name
        if (name, opset) in existing:
            continue
        try:
            registry.register(name, opset, adapt_torch_symbolic(name, opset, fn, rebinder), custom=True)
        except SymbolicRegistrationError:
            continue  # torch accepted a registration ours refuses (e.g. an opset past 23): it cannot serve here
        existing.add((name, opset))
        adopted.append(AdoptedSymbolic(name, opset, _origin(fn)))
    return adopted
