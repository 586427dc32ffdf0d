"""Import paths torch removed from its legacy ONNX exporter, and what ``install()`` serves there.

Custom-symbolic code written against older torch imports modules and names
that are gone today: ``torch.onnx._internal.jit_utils`` (moved in torch 2.9),
``torch.onnx._type_utils``, ``torch.onnx._globals``, ``torch.onnx.symbolic_registry``
(torch <= 1.12), ``torch.onnx.SymbolicContext``, ``symbolic_opset9._cast_Long`` ...
Under ``install()`` each resolves to onnx_migrate's equivalent, and using it
raises a ``DeprecationWarning`` that names the modern spelling. Once torch drops
TorchScript, the paths of ``torch.onnx._internal.torchscript_exporter`` (where
torch 2.9+ keeps the legacy modules) are served the same way.

:data:`REMOVED_PATHS` (old path -> (onnx_migrate path, modern replacement)) is
the list the migration report uses. Module paths get a proxy module in
``sys.modules`` that forwards to ours and warns on use; names on ``torch.onnx``
and ``torch.onnx._internal`` are served by a module ``__getattr__`` installed on
them; names of onnx_migrate's own legacy modules (``symbolic_opset9._cast_Long``,
``symbolic_helper._onnx_stable_opsets``) warn by themselves.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import sys
import types
import warnings
from collections.abc import Callable, Mapping
from typing import Any, Literal

from onnx_migrate.legacy_symbolics.opset_view_extras import CAST_TYPES

__all__ = ["REMOVED", "REMOVED_PATHS", "DeprecatedModule", "RemovedPath", "activate", "deactivate"]

_TS = "torch.onnx._internal.torchscript_exporter"
_LS = "onnx_migrate.legacy_symbolics"


@dataclasses.dataclass(frozen=True)
class RemovedPath:
    """One path torch removed, and what onnx_migrate serves there.

    Attributes:
        old: the dotted path legacy code uses (``torch.onnx._globals``).
        ours: the onnx_migrate module or ``module.name`` served there.
        modern: what to write instead, for the warning and the migration report.
        kind: ``"module"`` (a module path: proxy module), ``"attribute"`` (a name on a
            torch module: served by its ``__getattr__``) or ``"own"`` (a name of one of
            onnx_migrate's legacy modules, which warns by itself).
        removed_in: the torch release that removed it (``"future"``: not yet removed).
    """

    old: str
    ours: str
    modern: str
    kind: Literal["module", "attribute", "own"]
    removed_in: str


_GRAPH_CONTEXT = f"{_LS}.graph_context.GraphContext (natively: an onnxscript function in custom_translation_table)"
_REGISTER = "onnx_migrate.register_custom_op_symbolic (torch.onnx.register_custom_op_symbolic under install())"

REMOVED: tuple[RemovedPath, ...] = (
    RemovedPath("torch.onnx._internal.jit_utils", f"{_LS}.jit_utils", _GRAPH_CONTEXT, "module", "2.9"),
    RemovedPath("torch.onnx._internal.registration", f"{_LS}.registration", f"{_REGISTER}; {_LS}.registry", "module", "2.9"),
    RemovedPath(
        "torch.onnx._type_utils",
        f"{_LS}.scalar_types",
        f"{_LS}.scalar_types.JitScalarType (or a plain torch.dtype)",
        "module",
        "2.9",
    ),
    RemovedPath(
        "torch.onnx._globals",
        f"{_LS}.export_context",
        f"g.opset and g.export_context in a symbolic; {_LS}.export_context.current_export() elsewhere",
        "module",
        "2.9",
    ),
    RemovedPath("torch.onnx.symbolic_registry", f"{_LS}.symbolic_registry", _REGISTER, "module", "1.13"),
    RemovedPath(
        "torch.onnx.SymbolicContext",
        f"{_LS}.jit_utils.SymbolicContext",
        "the GraphContext g (g.original_node, g.params_dict, g.env, g.block)",
        "attribute",
        "2.0",
    ),
    RemovedPath(
        "torch.onnx.JitScalarType.from_name",
        f"{_LS}.scalar_types.JitScalarType.from_name",
        "JitScalarType._from_name(name), or JitScalarType.from_dtype(dtype)",
        "own",
        "2.0",
    ),
    *(
        RemovedPath(
            f"torch.onnx.symbolic_opset9._cast_{name}",
            f"{_LS}.symbolic_opset9._cast_{name}",
            f"g.op('Cast', x, to_i=TensorProtoDataType.{to.name})",
            "own",
            "2.0",
        )
        for name, to in CAST_TYPES.items()
    ),
    *(
        RemovedPath(f"torch.onnx.symbolic_helper.{name}", f"{_LS}.symbolic_helper.{name}", modern, "own", "1.13")
        for name, modern in (
            ("_onnx_stable_opsets", f"range({_LS}.registry.MIN_OPSET, MAX_OPSET)"),
            ("_onnx_main_opset", f"{_LS}.registry.MAX_OPSET"),
            ("_default_onnx_opset_version", f"{_LS}.export_context.DEFAULT_OPSET"),
            ("_constant_folding_opset_versions", "nothing (constant folding runs at every opset)"),
            ("_export_onnx_opset_version", "g.opset"),
            ("_operator_export_type", "g.export_context.operator_export_type"),
            ("_training_mode", "g.export_context.training"),
            ("_onnx_shape_inference", "g.export_context.onnx_shape_inference"),
            ("_cast_func_template", "g.op('Cast', x, to_i=TensorProtoDataType.<TYPE>)"),
            ("is_caffe2_aten_fallback", "nothing (Caffe2 is gone)"),
        )
    ),
    # Where torch 2.9+ keeps the legacy modules; served only once torch no longer ships them.
    *(
        RemovedPath(f"{_TS}.{legacy}", f"{ours}", modern, "module", "future")
        for legacy, ours, modern in (
            ("jit_utils", f"{_LS}.jit_utils", _GRAPH_CONTEXT),
            ("registration", f"{_LS}.registration", f"{_REGISTER}; {_LS}.registry"),
            ("_type_utils", f"{_LS}.scalar_types", f"{_LS}.scalar_types.JitScalarType"),
            ("_globals", f"{_LS}.export_context", "g.opset and g.export_context"),
            ("symbolic_helper", f"{_LS}.symbolic_helper", f"{_LS}.symbolic_helper"),
            ("utils", "onnx_migrate.compat.legacy_utils", "onnx_migrate.export"),
            *((f"symbolic_opset{n}", f"{_LS}.symbolic_opset{n}", f"{_LS}.symbolic_opset{n}") for n in range(7, 21)),
        )
    ),
)

#: Old path -> (onnx_migrate path, modern replacement): what the migration report lists.
REMOVED_PATHS: Mapping[str, tuple[str, str]] = types.MappingProxyType(
    {path.old: (path.ours, path.modern) for path in REMOVED}
)


def _caller_stacklevel() -> int:
    """The ``stacklevel`` of the first frame outside this module (the user's line)."""
    level, frame = 1, sys._getframe(1)
    while frame is not None and frame.f_code.co_filename == __file__:
        level += 1
        frame = frame.f_back  # type: ignore[assignment]
    # ``warnings`` itself skips the import machinery's frames (``<frozen importlib._bootstrap>``).
    return level


def _warn(old: str, modern: str) -> None:
    warnings.warn(
        f"{old} was removed from torch; onnx_migrate serves its own equivalent while installed. "
        f"Use {modern} instead.",
        DeprecationWarning,
        stacklevel=_caller_stacklevel(),
    )


class DeprecatedModule(types.ModuleType):
    """A module at a removed path: forwards every public or private name to ours, warning on use.

    Dunder lookups (``__path__``, ``__spec__`` ...) made by the import system do not warn.
    """

    def __init__(self, removed: RemovedPath) -> None:
        super().__init__(removed.old, f"{removed.old} (removed from torch), served by {removed.ours}.")
        self.__dict__["_removed"] = removed

    def _target(self) -> types.ModuleType:
        return importlib.import_module(self.__dict__["_removed"].ours)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        removed: RemovedPath = self.__dict__["_removed"]
        value = getattr(self._target(), name)  # AttributeError names our module: the name is not served
        _warn(f"{removed.old}.{name}", removed.modern)
        return value

    def __dir__(self) -> list[str]:
        return sorted(set(dir(self._target())))

    def __repr__(self) -> str:
        return f"<module {self.__name__!r} (removed from torch; served by {self.__dict__['_removed'].ours})>"


def _resolve(dotted: str) -> Any:
    module_name, _, name = dotted.rpartition(".")
    try:
        return importlib.import_module(dotted)
    except ImportError:
        return getattr(importlib.import_module(module_name), name)


def _has_spec(module_name: str) -> bool:
    try:
        return importlib.util.find_spec(module_name) is not None
    except (ImportError, ValueError):
        return False


def _torch_ships(path: RemovedPath) -> bool:
    """Whether torch still provides ``path`` (then it is left alone). Never imports the legacy exporter."""
    parent_name, _, name = path.old.rpartition(".")
    if path.removed_in == "future":
        return _has_spec(_TS)  # imports torch.onnx._internal only, never the package itself
    if path.kind == "attribute":
        parent = sys.modules.get(parent_name)
        return parent is not None and name in vars(parent)
    existing = sys.modules.get(path.old)
    if existing is not None:
        return not isinstance(existing, DeprecatedModule)
    return _has_spec(path.old)


@dataclasses.dataclass
class _Saved:
    """What :func:`activate` replaced, to put back exactly."""

    modules: dict[str, Any] = dataclasses.field(default_factory=dict)
    getattrs: dict[str, Any] = dataclasses.field(default_factory=dict)


_MISSING = object()


def _parent_getattr(parent: types.ModuleType, served: dict[str, Callable[[], Any]], previous: Any) -> Callable[[str], Any]:
    def __getattr__(name: str) -> Any:
        factory = served.get(name)
        if factory is not None:
            return factory()
        if callable(previous):
            return previous(name)
        raise AttributeError(f"module {parent.__name__!r} has no attribute {name!r}")

    return __getattr__


def activate() -> _Saved:
    """Serve every removed path torch no longer ships; returns what :func:`deactivate` needs."""
    saved = _Saved()
    served: dict[str, dict[str, Callable[[], Any]]] = {}
    for path in REMOVED:
        if path.kind == "own" or _torch_ships(path):
            continue
        parent_name, _, name = path.old.rpartition(".")
        if path.kind == "module":
            proxy = DeprecatedModule(path)
            saved.modules[path.old] = sys.modules.get(path.old, _MISSING)
            sys.modules[path.old] = proxy
            served.setdefault(parent_name, {})[name] = lambda proxy=proxy: proxy
        else:

            def attribute(path: RemovedPath = path) -> Any:
                _warn(path.old, path.modern)
                return _resolve(path.ours)

            served.setdefault(parent_name, {})[name] = attribute
    if _TS in served and _TS not in sys.modules:
        # torch dropped the whole legacy package: serve an empty package holding the proxies.
        package = types.ModuleType(_TS, "torch's legacy exporter package (removed from torch), served by onnx_migrate.")
        package.__path__ = []
        saved.modules[_TS] = _MISSING
        sys.modules[_TS] = package
        served.setdefault(_TS.rpartition(".")[0], {})[_TS.rpartition(".")[2]] = lambda: package
    for parent_name, names in served.items():
        parent = sys.modules.get(parent_name)
        if parent is None:
            continue
        namespace = vars(parent)
        saved.getattrs[parent_name] = namespace.get("__getattr__", _MISSING)
        parent.__getattr__ = _parent_getattr(parent, names, namespace.get("__getattr__"))  # type: ignore[method-assign]
    return saved


def deactivate(saved: _Saved) -> None:
    """Undo :func:`activate` exactly."""
    for parent_name, previous in saved.getattrs.items():
        parent = sys.modules.get(parent_name)
        if parent is None:
            continue
        if previous is _MISSING:
            vars(parent).pop("__getattr__", None)
        else:
            parent.__getattr__ = previous  # type: ignore[method-assign]
    for name, previous in saved.modules.items():
        if previous is _MISSING:
            sys.modules.pop(name, None)
        else:
            sys.modules[name] = previous
