"""The legacy ``export()`` keywords, checked once and frozen into :class:`ExportOptions`.

Every later stage reads the options object; none of them re-validates user
input. Each check raises :class:`~onnx_migrate.errors.ExportOptionError` naming
the keyword, what was given and what to pass instead.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from onnx_migrate.errors import ExportOptionError
from onnx_migrate.legacy_symbolics.export_context import (
    DEFAULT_OPSET,
    ExportContext,
    OperatorExportTypes,
    TrainingMode,
)
from onnx_migrate.legacy_symbolics.registry import MAX_OPSET, MIN_OPSET

__all__ = ["BACKENDS", "DynamicAxes", "ExportOptions"]

BACKENDS = ("legacy", "dynamo")

#: input/output name -> {axis index: dim name}
DynamicAxes = dict[str, dict[int, str]]


def _default_if_none(value: Any, default: Any) -> Any:
    return default if value is None else value


def _check_bool(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ExportOptionError(f"{name} must be True or False, got {type(value).__name__} {value!r}.")
    return value


def _check_names(keyword: str, names: Any) -> tuple[str, ...]:
    if names is None:
        return ()
    if isinstance(names, str) or not isinstance(names, Sequence):
        raise ExportOptionError(
            f"{keyword} must be a list of strings, e.g. {keyword}=['input'], got {type(names).__name__} {names!r}."
        )
    for name in names:
        if not isinstance(name, str) or not name:
            raise ExportOptionError(f"{keyword} must hold non-empty strings, got {name!r} in {list(names)!r}.")
    duplicates = sorted({n for n in names if list(names).count(n) > 1})
    if duplicates:
        raise ExportOptionError(f"{keyword} has duplicate names {duplicates}; every name must be unique.")
    return tuple(names)


def _check_opset(opset_version: Any) -> int:
    if opset_version is None:
        return DEFAULT_OPSET
    if isinstance(opset_version, bool) or not isinstance(opset_version, int):
        raise ExportOptionError(f"opset_version must be an int, got {type(opset_version).__name__} {opset_version!r}.")
    if not MIN_OPSET <= opset_version <= MAX_OPSET:
        raise ExportOptionError(
            f"opset_version={opset_version} is not supported: onnx_migrate exports opsets {MIN_OPSET} to {MAX_OPSET}."
        )
    return opset_version


def _check_custom_opsets(custom_opsets: Any) -> dict[str, int]:
    if custom_opsets is None:
        return {}
    if not isinstance(custom_opsets, Mapping):
        raise ExportOptionError(
            f"custom_opsets must be a dict of domain -> version, e.g. {{'mydomain': 1}}, got {custom_opsets!r}."
        )
    result: dict[str, int] = {}
    for domain, version in custom_opsets.items():
        if not isinstance(domain, str) or not domain:
            raise ExportOptionError(f"custom_opsets keys must be domain names (str), got {domain!r}.")
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise ExportOptionError(f"custom_opsets[{domain!r}] must be an int >= 1, got {version!r}.")
        result[domain] = version
    return result


def _normalize_dynamic_axes(dynamic_axes: Any) -> DynamicAxes:
    """Both legacy forms to ``{name: {axis: dim_name}}``; unnamed axes get legacy names."""
    if dynamic_axes is None:
        return {}
    if not isinstance(dynamic_axes, Mapping):
        raise ExportOptionError(
            "dynamic_axes must be a dict such as {'input': {0: 'batch'}} or {'input': [0]}, "
            f"got {type(dynamic_axes).__name__}."
        )
    result: DynamicAxes = {}
    for key, axes in dynamic_axes.items():
        if not isinstance(key, str):
            raise ExportOptionError(f"dynamic_axes keys must be input or output names (str), got {key!r}.")
        if isinstance(axes, Mapping):
            named: dict[int, str] = {}
            for axis, dim_name in axes.items():
                if isinstance(axis, bool) or not isinstance(axis, int):
                    raise ExportOptionError(
                        f"dynamic_axes[{key!r}] must map axis indices (int) to names, got axis {axis!r}."
                    )
                if not isinstance(dim_name, str) or not dim_name:
                    raise ExportOptionError(
                        f"dynamic_axes[{key!r}][{axis}] must be a dim name (str), got {dim_name!r}."
                    )
                named[axis] = dim_name
            result[key] = named
        elif isinstance(axes, Sequence) and not isinstance(axes, str):
            named = {}
            for position, axis in enumerate(axes):
                if isinstance(axis, bool) or not isinstance(axis, int):
                    raise ExportOptionError(f"dynamic_axes[{key!r}] must list axis indices (int), got {axis!r}.")
                if axis in named:
                    warnings.warn(f"Duplicate dynamic axis index {axis} for {key!r}.", stacklevel=4)
                    continue
                # The legacy exporter named unnamed axes this way; keep the names users saw.
                named[axis] = f"{key}_dynamic_axes_{position + 1}"
            result[key] = named
        else:
            raise ExportOptionError(
                f"dynamic_axes[{key!r}] must be a dict {{axis: name}} or a list of axes, got {axes!r}."
            )
    return result


def _check_dynamic_shapes(dynamic_shapes: Any) -> Any:
    """Only the outer form is checked here; torch.export checks the rest against the model's inputs."""
    if dynamic_shapes is None or isinstance(dynamic_shapes, (Mapping, tuple, list)):
        return dynamic_shapes
    raise ExportOptionError(
        "dynamic_shapes must be a dict keyed by forward()'s argument names, or a tuple/list with one entry per "
        "argument, e.g. {'x': {0: torch.export.Dim('batch')}}; "
        f"got {type(dynamic_shapes).__name__} {dynamic_shapes!r:.60}."
    )


@dataclasses.dataclass(frozen=True)
class ExportOptions:
    """The legacy keywords after validation; built by :meth:`from_legacy`."""

    export_params: bool = True
    verbose: bool = False
    training: TrainingMode = TrainingMode.EVAL
    input_names: tuple[str, ...] = ()
    output_names: tuple[str, ...] = ()
    operator_export_type: OperatorExportTypes = OperatorExportTypes.ONNX
    opset_version: int = DEFAULT_OPSET
    do_constant_folding: bool = True
    dynamic_axes: DynamicAxes = dataclasses.field(default_factory=dict)
    keep_initializers_as_inputs: bool = False
    custom_opsets: dict[str, int] = dataclasses.field(default_factory=dict)
    export_modules_as_functions: bool | Collection[type] = False
    autograd_inlining: bool = True
    dynamic_shapes: Any = None
    backend: str = "legacy"
    verify: bool = False
    strict: bool = False

    @classmethod
    def from_legacy(cls, **kwargs: Any) -> ExportOptions:
        """Validate the keywords of ``export()`` (legacy names and defaults)."""
        keep = kwargs.pop("keep_initializers_as_inputs", None)
        backend = kwargs.pop("backend", "legacy")
        if backend not in BACKENDS:
            raise ExportOptionError(f"backend must be one of {BACKENDS}, got {backend!r}.")
        modules_as_functions = kwargs.pop("export_modules_as_functions", False)
        if not isinstance(modules_as_functions, bool) and not isinstance(modules_as_functions, Collection):
            raise ExportOptionError(
                "export_modules_as_functions must be a bool or a set of nn.Module classes, "
                f"got {modules_as_functions!r}."
            )
        options = cls(
            export_params=_check_bool("export_params", kwargs.pop("export_params", True)),
            verbose=_check_bool("verbose", kwargs.pop("verbose", False)),
            training=TrainingMode.coerce(kwargs.pop("training", None) or TrainingMode.EVAL, keyword="training"),
            input_names=_check_names("input_names", kwargs.pop("input_names", None)),
            output_names=_check_names("output_names", kwargs.pop("output_names", None)),
            # Old scripts pass None for "the default", which torch 1.x accepted.
            operator_export_type=OperatorExportTypes.coerce(
                _default_if_none(kwargs.pop("operator_export_type", None), OperatorExportTypes.ONNX),
                keyword="operator_export_type",
            ),
            opset_version=_check_opset(kwargs.pop("opset_version", None)),
            do_constant_folding=_check_bool("do_constant_folding", kwargs.pop("do_constant_folding", True)),
            dynamic_axes=_normalize_dynamic_axes(kwargs.pop("dynamic_axes", None)),
            keep_initializers_as_inputs=False if keep is None else _check_bool("keep_initializers_as_inputs", keep),
            custom_opsets=_check_custom_opsets(kwargs.pop("custom_opsets", None)),
            export_modules_as_functions=modules_as_functions,
            autograd_inlining=_check_bool("autograd_inlining", kwargs.pop("autograd_inlining", True)),
            dynamic_shapes=_check_dynamic_shapes(kwargs.pop("dynamic_shapes", None)),
            backend=backend,
            verify=_check_bool("verify", kwargs.pop("verify", False)),
            strict=_check_bool("strict", kwargs.pop("strict", False)),
        )
        if kwargs:
            raise ExportOptionError(f"Unknown keyword(s) for export(): {sorted(kwargs)}.")
        if options.dynamic_axes and options.dynamic_shapes is not None:
            raise ExportOptionError(
                "Pass either dynamic_axes (legacy) or dynamic_shapes (torch.export), not both."
            )
        return options

    def export_context(self) -> ExportContext:
        """The settings symbolics see through ``g`` and ``GLOBALS``."""
        return ExportContext(
            opset=self.opset_version,
            training=self.training,
            operator_export_type=self.operator_export_type,
            do_constant_folding=self.do_constant_folding,
            custom_opsets=dict(self.custom_opsets),
            export_modules_as_functions=bool(self.export_modules_as_functions),
            autograd_inlining=self.autograd_inlining,
        )
