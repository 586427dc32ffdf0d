"""``onnx_migrate.install()``: make unmodified legacy ``torch.onnx`` code run on onnx_migrate.

While installed:

* the legacy module paths resolve to onnx_migrate's, both as imports
  (``import torch.onnx.symbolic_opset11 as opset11``,
  ``from torch.onnx.symbolic_helper import parse_args``) and as attributes
  (``torch.onnx.symbolic_helper``): ``symbolic_helper``, ``symbolic_opset7`` ...
  ``symbolic_opset23`` and ``utils``;
* the paths torch already removed (``torch.onnx._internal.jit_utils``,
  ``torch.onnx._type_utils``, ``torch.onnx._globals``, ``torch.onnx.symbolic_registry``,
  ``torch.onnx.SymbolicContext`` ...) resolve to onnx_migrate's equivalents and
  warn (``DeprecationWarning``) with the modern spelling; see
  :mod:`~onnx_migrate.compat.removed_paths`;
* ``torch.onnx.register_custom_op_symbolic`` / ``unregister_custom_op_symbolic``
  write to onnx_migrate's default registry; ``JitScalarType``,
  ``TensorProtoDataType``, ``OperatorExportTypes``, ``TrainingMode`` and
  ``select_model_mode_for_export`` are onnx_migrate's; ``is_in_onnx_export()``
  is also true during an onnx_migrate export;
* ``torch.onnx.export`` goes to :func:`onnx_migrate.export` unless the call is
  new-style: ``dynamo=True``, an ``ExportedProgram``, or a keyword only torch's
  new exporter has (``custom_translation_table``, ``report``, ``optimize`` ...)
  without a legacy-only one. Legacy scripts were written when TorchScript was
  the default, so a plain call is theirs. Each call is recorded (:func:`routed_exports`) for
  ``onnx-migrate run``'s report.

It does not matter whether torch still ships its legacy modules: what was in
``sys.modules`` and on ``torch.onnx`` is saved at install, absence included, and
put back exactly at uninstall. The legacy exporter is never imported; custom
symbolics registered through it before ``install()`` are carried over only if
torch had already loaded its registry.

Nesting: installs are counted. Every ``install()`` needs one ``uninstall()``
(a ``with install():`` block does its own); only the last one restores torch.
``uninstall()`` when nothing is installed is a no-op that warns. Registrations
made while installed stay in onnx_migrate's default registry after uninstall;
the carried-over ones are removed again.

>>> from onnx_migrate.compat.install import install
>>> with install():
...     from torch.onnx.symbolic_helper import parse_args
>>> parse_args.__module__
'onnx_migrate.legacy_symbolics.symbolic_helper'
"""

from __future__ import annotations

import dataclasses
import inspect
import sys
import types
import warnings
from collections.abc import Callable, Mapping
from typing import Any, Self

import torch
import torch.onnx

from onnx_migrate import _torch_compat
from onnx_migrate.compat import legacy_paths as _legacy_paths
from onnx_migrate.compat import removed_paths as _removed_paths
from onnx_migrate.compat.legacy_paths import LEGACY_MODULES, legacy_modules_routed
from onnx_migrate.compat.export_report import ExportReport
from onnx_migrate.errors import OnnxMigrateWarning, SymbolicRegistrationError

__all__ = [
    "LEGACY_MODULES",
    "LEGACY_ONLY_KEYWORDS",
    "Installation",
    "RoutedError",
    "RoutedExport",
    "install",
    "is_installed",
    "legacy_modules_routed",
    "routed_exports",
    "uninstall",
]

#: ``torch.onnx`` attribute -> ``"module:name"`` of the onnx_migrate object that replaces it.
_LEGACY_ATTRIBUTES: Mapping[str, str] = types.MappingProxyType(
    {
        "register_custom_op_symbolic": "onnx_migrate.compat.torch_registrations:register_routed_symbolic",
        "unregister_custom_op_symbolic": "onnx_migrate.legacy_symbolics.registry:unregister_custom_op_symbolic",
        "select_model_mode_for_export": "onnx_migrate.compat.legacy_utils:select_model_mode_for_export",
        "JitScalarType": "onnx_migrate.legacy_symbolics.scalar_types:JitScalarType",
        "TensorProtoDataType": "onnx_migrate.legacy_symbolics.scalar_types:TensorProtoDataType",
        "OperatorExportTypes": "onnx_migrate.legacy_symbolics.export_context:OperatorExportTypes",
        "TrainingMode": "onnx_migrate.legacy_symbolics.export_context:TrainingMode",
    }
)

#: Keywords only the legacy exporter honours: without ``dynamo=``, their use means a legacy call.
LEGACY_ONLY_KEYWORDS = frozenset(
    {
        "operator_export_type",
        "training",
        "custom_opsets",
        "export_modules_as_functions",
        "autograd_inlining",
        "do_constant_folding",
    }
)

#: The legacy ``export`` took these positionally after ``(model, args, f)``; torch's current one does not.
_LEGACY_POSITIONAL = (
    "export_params",
    "verbose",
    "training",
    "input_names",
    "output_names",
    "operator_export_type",
    "opset_version",
    "do_constant_folding",
    "dynamic_axes",
    "keep_initializers_as_inputs",
    "custom_opsets",
    "export_modules_as_functions",
    "autograd_inlining",
)

#: Options of torch's dynamo exporter that its own ``dynamo=False`` path ignored; ignored here too.
_DYNAMO_ONLY_IGNORED = frozenset(
    {
        "external_data",
        "custom_translation_table",
        "report",
        "optimize",
        "profile",
        "dump_exported_program",
        "artifacts_dir",
    }
)


@dataclasses.dataclass(frozen=True)
class RoutedError:
    """What is kept of the exception a routed ``torch.onnx.export`` call raised: its type and message.

    Not the exception itself: its traceback's frames hold the model and the inputs,
    and the record lives as long as the process.
    """

    type: str
    message: str

    #: Longest message kept (a message quoting a whole graph must not grow the record without bound).
    MAX_MESSAGE = 20_000

    @classmethod
    def of(cls, exc: BaseException) -> RoutedError:
        message = str(exc)
        if len(message) > cls.MAX_MESSAGE:
            message = message[: cls.MAX_MESSAGE] + f" ... [{len(message) - cls.MAX_MESSAGE} more characters]"
        return cls(type(exc).__name__, message)

    def __str__(self) -> str:
        return f"{self.type}: {self.message}" if self.message else self.type


@dataclasses.dataclass(frozen=True)
class RoutedExport:
    """One ``torch.onnx.export`` call seen while installed.

    Attributes:
        route: ``"onnx_migrate"`` or ``"torch"`` (left to torch's exporter).
        reason: why it went that way (``"dynamo=False"``, ``"legacy keyword custom_opsets"`` ...).
        model: the model's class name.
        destination: the ``f`` argument as text, or ``None``.
        call_site: ``file:line`` of the call in the user's code.
        report: the :class:`~onnx_migrate.ExportReport` (onnx_migrate route; after a failure it
            names the stage that failed); the model itself is not kept, so recording costs no
            memory for weights.
        error: the type and message of the exception the call raised, if any (the exception
            itself was re-raised to the caller and is not kept).
    """

    route: str
    reason: str
    model: str
    destination: str | None
    call_site: str
    report: ExportReport | None = None
    error: RoutedError | None = None


@dataclasses.dataclass
class _State:
    saved_modules: dict[str, Any] = dataclasses.field(default_factory=dict)
    saved_attributes: dict[str, Any] = dataclasses.field(default_factory=dict)
    carried: list[tuple[str, int, Callable[..., Any]]] = dataclasses.field(default_factory=list)
    removed_paths: Any = None


_LOCK = _legacy_paths.LOCK  # install, uninstall and legacy_modules_routed swap the same entries
_INSTALLS = _legacy_paths.INSTALLS
_STATE = _State()
_ROUTED: list[RoutedExport] = []


# -- the public functions --------------------------------------------------------------------


class Installation:
    """What :func:`install` returns: a context manager that undoes that one install.

    ``install()`` takes effect when called; leaving a ``with`` block (or calling
    :meth:`uninstall`) undoes it once, however often it is asked.
    """

    def __init__(self) -> None:
        self._active = True

    @property
    def active(self) -> bool:
        """Whether this install has not been undone yet."""
        return self._active

    def uninstall(self) -> None:
        """Undo this install (only the first call counts)."""
        if self._active:
            self._active = False
            uninstall()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.uninstall()

    def __repr__(self) -> str:
        return f"<onnx_migrate installation {'active' if self._active else 'undone'}>"


def install() -> Installation:
    """Route torch's legacy ONNX names to onnx_migrate (see the module docstring).

    Returns:
        An :class:`Installation`; use it as a context manager to uninstall at the end of a block.
    """
    with _LOCK:
        if _INSTALLS.depth == 0:
            _activate()
        _INSTALLS.depth += 1
    return Installation()


def uninstall() -> None:
    """Undo one :func:`install`; the last one restores ``torch.onnx`` and ``sys.modules`` exactly."""
    with _LOCK:
        if _INSTALLS.depth == 0:
            warnings.warn(
                "onnx_migrate.uninstall() was called but onnx_migrate is not installed; nothing to undo.",
                OnnxMigrateWarning,
                stacklevel=2,
            )
            return
        _INSTALLS.depth -= 1
        if _INSTALLS.depth == 0:
            _deactivate()


def is_installed() -> bool:
    """Whether at least one :func:`install` is in effect."""
    return _INSTALLS.depth > 0


def routed_exports() -> list[RoutedExport]:
    """Every ``torch.onnx.export`` call seen while installed, in this process, oldest first."""
    with _LOCK:
        return list(_ROUTED)


# -- install / restore -----------------------------------------------------------------------

_MISSING = _legacy_paths.MISSING
_resolve = _legacy_paths.resolve
_restore = _legacy_paths.restore


def _replacements() -> dict[str, Any]:
    """``torch.onnx`` attribute name -> the object installed there."""
    namespace = vars(torch.onnx)
    objects: dict[str, Any] = {}
    for legacy, ours in LEGACY_MODULES.items():
        objects[legacy.rsplit(".", 1)[1]] = _resolve(ours)
    for name, target in _LEGACY_ATTRIBUTES.items():
        objects[name] = _resolve(target)
    objects["export"] = _routing_export(namespace.get("export"))
    objects["is_in_onnx_export"] = _is_in_onnx_export(namespace.get("is_in_onnx_export"))
    return objects


def _activate() -> None:
    replacements = _replacements()  # imports everything first: a failure leaves torch untouched
    namespace = vars(torch.onnx)
    _STATE.saved_modules = {name: sys.modules.get(name, _MISSING) for name in LEGACY_MODULES}
    _STATE.saved_attributes = {name: namespace.get(name, _MISSING) for name in replacements}
    for legacy, ours in LEGACY_MODULES.items():
        sys.modules[legacy] = _resolve(ours)
    for name, value in replacements.items():
        setattr(torch.onnx, name, value)
    _STATE.carried = _carry_over_legacy_registrations()
    _STATE.removed_paths = _removed_paths.activate()  # after: the carry-over reads torch's own registry


def _deactivate() -> None:
    _restore(_STATE.saved_modules, _STATE.saved_attributes)
    if _STATE.removed_paths is not None:
        _removed_paths.deactivate(_STATE.removed_paths)
    _drop_carried(_STATE.carried)
    _STATE.saved_modules, _STATE.saved_attributes, _STATE.carried, _STATE.removed_paths = {}, {}, [], None


def _carry_over_legacy_registrations() -> list[tuple[str, int, Callable[..., Any]]]:
    """Copy custom symbolics registered through torch's legacy API into onnx_migrate's registry.

    An onnx_migrate registration at the same name and opset wins and is kept.
    """
    legacy = _torch_compat.legacy_custom_symbolics()
    if not legacy:
        return []
    from onnx_migrate.legacy_symbolics.registry import SymbolicRegistry

    from onnx_migrate.compat.torch_registrations import adapt_torch_symbolic

    registry = SymbolicRegistry.default()
    existing = {(e.name, e.opset) for e in registry.custom_entries()}
    carried = []
    for name, opset, registered in legacy:
        if (name, opset) in existing:
            continue
        # Registered before install(): its globals still hold torch's legacy helpers; rebind them to ours.
        fn = adapt_torch_symbolic(name, opset, registered)
        try:
            registry.register(name, opset, fn, custom=True)
        except SymbolicRegistrationError as exc:
            warnings.warn(
                f"The symbolic registered with torch for {name!r} at opset {opset} was not carried over: {exc}",
                OnnxMigrateWarning,
                stacklevel=4,
            )
            continue
        carried.append((name, opset, fn))
    return carried


def _drop_carried(carried: list[tuple[str, int, Callable[..., Any]]]) -> None:
    if not carried:
        return
    from onnx_migrate.legacy_symbolics.registry import SymbolicRegistry

    registry = SymbolicRegistry.default()
    current = {(e.name, e.opset): e.fn for e in registry.custom_entries()}
    for name, opset, fn in carried:
        if current.get((name, opset)) is fn:
            registry.unregister(name, opset)


# -- the routed torch.onnx functions -----------------------------------------------------------


def _is_in_onnx_export(original: Any) -> Callable[[], bool]:
    from onnx_migrate.legacy_symbolics.export_context import current_export

    def is_in_onnx_export() -> bool:
        """True during an onnx_migrate export, and wherever torch's own function says so."""
        if current_export() is not None:
            return True
        return bool(original()) if callable(original) else False

    return is_in_onnx_export


def _route(model: Any, legacy_args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[bool, str]:
    """``(to_onnx_migrate, reason)`` for one ``torch.onnx.export`` call."""
    if isinstance(model, torch.export.ExportedProgram):
        return False, "an ExportedProgram (torch's exporter handles it)"
    if "dynamo" in kwargs:
        return (not kwargs["dynamo"]), f"dynamo={kwargs['dynamo']!r}"
    if legacy_args:
        return True, "legacy positional arguments after f"
    used = sorted(LEGACY_ONLY_KEYWORDS & set(kwargs))
    if used:
        return True, f"legacy-only keyword {', '.join(used)}"
    new_style = sorted(_DYNAMO_ONLY_IGNORED & set(kwargs))
    if new_style:
        return False, f"keyword {', '.join(new_style)} of torch's new exporter"
    # Legacy scripts were written when TorchScript was the default: they expect it,
    # and their registered symbolics only run on onnx_migrate.
    return True, "no dynamo= (legacy scripts relied on the TorchScript default)"


def _legacy_keywords(legacy_args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    """The keywords of ``onnx_migrate.export`` for a legacy-style call."""
    if len(legacy_args) > len(_LEGACY_POSITIONAL):
        raise TypeError(
            f"torch.onnx.export() takes at most {3 + len(_LEGACY_POSITIONAL)} positional arguments "
            f"({3 + len(legacy_args)} given)"
        )
    merged = {k: v for k, v in kwargs.items() if k != "dynamo" and k not in _DYNAMO_ONLY_IGNORED}
    for name, value in zip(_LEGACY_POSITIONAL, legacy_args, strict=False):
        if name in merged:
            raise TypeError(f"torch.onnx.export() got multiple values for argument {name!r}")
        merged[name] = value
    if merged.get("verbose") is None:
        merged.pop("verbose", None)
    return merged


def _call_site(frame: types.FrameType | None) -> str:
    return f"{frame.f_code.co_filename}:{frame.f_lineno}" if frame is not None else "?"


def _routing_export(original: Any) -> Callable[..., Any]:
    def export(model: Any, args: Any = (), f: Any = None, *legacy_args: Any, **kwargs: Any) -> Any:
        """``torch.onnx.export`` under onnx_migrate: legacy calls go to ``onnx_migrate.export``.

        Only new-style calls (``dynamo=True``, an ``ExportedProgram``, or a keyword
        of torch's new exporter without a legacy-only one) go to torch's exporter
        unchanged; every other call is a legacy call and goes to onnx_migrate.
        """
        to_onnx_migrate, reason = _route(model, legacy_args, kwargs)
        record: dict[str, Any] = {
            "reason": reason,
            "model": type(model).__name__,
            "destination": None if f is None else str(f),
            "call_site": _call_site(inspect.currentframe().f_back),  # type: ignore[union-attr]
        }
        if not to_onnx_migrate:
            if original is None:
                raise AttributeError(
                    "torch.onnx.export does not exist in this torch; pass dynamo=False to use onnx_migrate."
                )
            try:
                outcome = original(model, args, f, *legacy_args, **kwargs)
            except BaseException as exc:
                _record(RoutedExport(route="torch", error=RoutedError.of(exc), **record))
                raise
            _record(RoutedExport(route="torch", **record))
            return outcome
        from onnx_migrate.compat.export import export as onnx_migrate_export

        try:
            result = onnx_migrate_export(model, args, f, **_legacy_keywords(legacy_args, kwargs))
        except BaseException as exc:
            # The report of a failed export rides on the exception (which stage failed, and why).
            report = getattr(exc, "report", None)
            _record(
                RoutedExport(
                    route="onnx_migrate",
                    error=RoutedError.of(exc),
                    report=report if isinstance(report, ExportReport) else None,
                    **record,
                )
            )
            raise
        _record(RoutedExport(route="onnx_migrate", report=result.report, **record))
        return result

    return export


def _record(entry: RoutedExport) -> None:
    with _LOCK:
        _ROUTED.append(entry)
