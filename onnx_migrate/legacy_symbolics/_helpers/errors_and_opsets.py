"""The helpers that refuse an op, and the opset globals legacy code read from the module.

``unimplemented``, ``onnx_unsupported``, ``block_list_in_opset`` ... raise
:class:`~onnx_migrate.errors.UnsupportedSymbolicError` with a message naming the op and
opset. The tables of torch 1.x module globals (``_export_onnx_opset_version`` ...) that
``symbolic_helper.__getattr__`` serves with a DeprecationWarning live here too.
Re-exported by :mod:`onnx_migrate.legacy_symbolics.symbolic_helper`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from onnx_migrate.errors import OnnxMigrateWarning, UnsupportedSymbolicError
from onnx_migrate.legacy_symbolics import export_context as _export_context
from onnx_migrate.legacy_symbolics._helpers.args import describe, is_value, maybe_get_const
from onnx_migrate.legacy_symbolics.graph_context import GraphContext
from onnx_migrate.legacy_symbolics.opsets import BASE_OPSET, MAX_OPSET, MIN_OPSET

onnx_base_opset = BASE_OPSET
# torch 1.x's ``_default_onnx_opset_version``, ``_onnx_main_opset`` and ``_onnx_stable_opsets``
# are served, with a DeprecationWarning, by the module ``__getattr__`` at the end of this file.

# ==================================================================================
# Unsupported cases: these always raise
# ==================================================================================


def opset_of(g: Any) -> int:
    opset = getattr(g, "opset", None)
    if isinstance(opset, int):
        return opset
    return _export_context.GLOBALS.export_onnx_opset_version


def unsupported(
    op: str, opset: int, reason: str | None, value: Any, supported_opsets: Sequence[int] = ()
) -> NoReturn:
    """Raise ``UnsupportedSymbolicError`` with the reason and the offending value in the hint."""
    hint_parts = []
    if reason:
        hint_parts.append(f"Reason: {reason.rstrip('.')}.")
    if value is not None and is_value(value):
        hint_parts.append(f"Caused by {describe(value)}.")
    raise UnsupportedSymbolicError(op, opset, supported_opsets, " ".join(hint_parts) or None)


def unimplemented(op: str, msg: str, value: Any = None) -> NoReturn:
    """Raise: ``op`` cannot be exported in the way asked (``msg`` says why).

    Unlike the legacy helper this never returns ``None``, whatever the
    ``operator_export_type``: a silent ``None`` produced broken graphs.

    Raises:
        UnsupportedSymbolicError: always.
    """
    unsupported(op, _export_context.GLOBALS.export_onnx_opset_version, msg, value)


def onnx_unsupported(op_name: str, value: Any = None) -> NoReturn:
    """Raise: ONNX has no way to express ``op_name``.

    Raises:
        UnsupportedSymbolicError: always.
    """
    unsupported(op_name, _export_context.GLOBALS.export_onnx_opset_version, None, value)


def onnx_opset_unsupported(op_name: str, current_opset: int, supported_opset: int, value: Any = None) -> NoReturn:
    """Raise: ``op_name`` needs opset ``supported_opset``; the export targets ``current_opset``.

    Raises:
        UnsupportedSymbolicError: always.
    """
    unsupported(op_name, current_opset, None, value, [supported_opset])


def onnx_opset_unsupported_detailed(
    op_name: str, current_opset: int, supported_opset: int, reason: str, value: Any = None
) -> NoReturn:
    """Like ``onnx_opset_unsupported``, with the reason.

    Raises:
        UnsupportedSymbolicError: always.
    """
    unsupported(op_name, current_opset, reason, value, [supported_opset])


def block_list_in_opset(name: str) -> Callable[..., NoReturn]:
    """A symbolic that refuses ``name`` at the opset it is registered for."""

    def symbolic_fn(*args: Any, **kwargs: Any) -> NoReturn:
        opset = opset_of(args[0]) if args else _export_context.GLOBALS.export_onnx_opset_version
        unsupported(name, opset, f"{name} is not implemented for opset {opset}; try another opset_version", None)

    symbolic_fn.__name__ = f"blocked_{name.replace('::', '_')}"
    return symbolic_fn


def check_training_mode(op_train_mode: Any, op_name: str) -> None:
    """Warn when an op's train flag disagrees with the export's training mode.

    The export mode comes from the running export (``training=`` of ``export()``);
    with ``TrainingMode.PRESERVE`` nothing is checked.
    """
    mode = _export_context.GLOBALS.training_mode
    if mode == _export_context.TrainingMode.PRESERVE:
        return
    train = bool(maybe_get_const(op_train_mode, "b"))
    op_mode = _export_context.TrainingMode.TRAINING if train else _export_context.TrainingMode.EVAL
    if op_mode == mode:
        return
    warnings.warn(
        f"ONNX export mode is set to {mode.name}, but operator '{op_name}' is set to train={train}. "
        f"Exporting with train={train}. Pass training=TrainingMode.{op_mode.name} to export() "
        "(or call model.train()/eval()) to make them agree.",
        OnnxMigrateWarning,
        stacklevel=2,
    )


# ==================================================================================
# Module attributes that legacy code read as globals
# ==================================================================================

EXPORT_SETTINGS: dict[str, Callable[[], Any]] = {
    "_export_onnx_opset_version": lambda: _export_context.GLOBALS.export_onnx_opset_version,
    "_operator_export_type": lambda: _export_context.GLOBALS.operator_export_type,
    "_training_mode": lambda: _export_context.GLOBALS.training_mode,
    "_onnx_shape_inference": lambda: _export_context.GLOBALS.onnx_shape_inference,
}

#: Module attributes torch removed (1.13 and later), still read by old symbolics: name -> (value, modern spelling).
REMOVED_ATTRIBUTES: dict[str, tuple[Callable[[], Any], str]] = {
    "_export_onnx_opset_version": (EXPORT_SETTINGS["_export_onnx_opset_version"], "g.opset"),
    "_operator_export_type": (
        EXPORT_SETTINGS["_operator_export_type"],
        "g.export_context.operator_export_type (or GLOBALS.operator_export_type)",
    ),
    "_training_mode": (EXPORT_SETTINGS["_training_mode"], "g.export_context.training (or GLOBALS.training_mode)"),
    "_onnx_shape_inference": (
        EXPORT_SETTINGS["_onnx_shape_inference"],
        "g.export_context.onnx_shape_inference (or GLOBALS.onnx_shape_inference)",
    ),
    "_default_onnx_opset_version": (
        lambda: _export_context.DEFAULT_OPSET,
        "onnx_migrate.legacy_symbolics.export_context.DEFAULT_OPSET",
    ),
    "_onnx_main_opset": (lambda: MAX_OPSET, "onnx_migrate.legacy_symbolics.registry.MAX_OPSET"),
    "_onnx_stable_opsets": (
        lambda: list(range(MIN_OPSET, MAX_OPSET)),
        "range(registry.MIN_OPSET, registry.MAX_OPSET) from onnx_migrate.legacy_symbolics.registry",
    ),
    "_constant_folding_opset_versions": (
        lambda: list(range(BASE_OPSET, MAX_OPSET + 1)),
        "constant folding runs at every opset onnx_migrate exports; nothing to check",
    ),
    "_cast_func_template": (
        lambda: cast_func_template,
        "g.op('Cast', input, to_i=TensorProtoDataType.<TYPE>)",
    ),
    "is_caffe2_aten_fallback": (
        lambda: is_caffe2_aten_fallback,
        "nothing: Caffe2 is gone and ATen fallback is operator_export_type=ONNX_ATEN_FALLBACK",
    ),
}


def cast_func_template(to_i: Any, g: GraphContext, input: Any, non_blocking: Any = False) -> Any:
    """torch 1.x's template of the ``_cast_<Type>`` symbolics: ``Cast(to=to_i)``."""
    return g.op("Cast", input, to_i=int(to_i))


def is_caffe2_aten_fallback() -> bool:
    """torch 1.x's Caffe2 check: always ``False`` (there is no Caffe2 export)."""
    return False

LEGACY_SETTERS = frozenset(
    {"_set_opset_version", "_set_operator_export_type", "_set_training_mode", "_set_onnx_shape_inference"}
)
