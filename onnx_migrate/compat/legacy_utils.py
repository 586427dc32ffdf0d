"""The legacy ``torch.onnx.utils`` module, as export scripts and symbolics used it.

``install()`` puts this module in ``sys.modules["torch.onnx.utils"]`` so that
``from torch.onnx.utils import export`` or ``torch.onnx.utils.select_model_mode_for_export``
keep working after torch drops TorchScript. Only the names real scripts call
are here; the TorchScript graph plumbing of the legacy module (``_create_jit_graph``,
``_model_to_graph``, ...) has no equivalent and stays absent on purpose.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import torch

from onnx_migrate.compat.capture import training_mode
from onnx_migrate.compat.export import export
from onnx_migrate.legacy_symbolics.export_context import TrainingMode, current_export
from onnx_migrate.legacy_symbolics.graph_context import add_input_to_block as _add_input_to_block  # noqa: F401
from onnx_migrate.legacy_symbolics.graph_context import add_output_to_block as _add_output_to_block  # noqa: F401
from onnx_migrate.legacy_symbolics.registry import register_custom_op_symbolic, unregister_custom_op_symbolic

# ``_add_input_to_block`` / ``_add_output_to_block``: legacy private helpers that control-flow
# symbolics (Loop / If bodies built with add_op_with_blocks) call as ``utils._add_..._to_block``.

__all__ = [
    "disable_apex_o2_state_dict_hook",
    "export",
    "exporter_context",
    "is_in_onnx_export",
    "register_custom_op_symbolic",
    "select_model_mode_for_export",
    "unregister_custom_op_symbolic",
]


def is_in_onnx_export() -> bool:
    """Whether an onnx_migrate export is running in this thread (the legacy meaning)."""
    return current_export() is not None


@contextlib.contextmanager
def select_model_mode_for_export(model: torch.nn.Module, mode: TrainingMode | Any) -> Iterator[None]:
    """Put ``model`` in ``mode`` (``TrainingMode.EVAL``/``TRAINING``/``PRESERVE``) and restore it after.

    Accepts torch's legacy ``TrainingMode`` members too; ``None`` means ``EVAL``, as it did.
    """
    coerced = TrainingMode.EVAL if mode is None else TrainingMode.coerce(mode, keyword="mode")
    with training_mode(model, coerced):
        yield


@contextlib.contextmanager
def disable_apex_o2_state_dict_hook(model: torch.nn.Module) -> Iterator[None]:
    """A no-op: onnx_migrate reads parameters from ``torch.export``, not from ``state_dict`` hooks."""
    yield


@contextlib.contextmanager
def exporter_context(
    model: torch.nn.Module, mode: TrainingMode | Any, verbose: bool = False
) -> Iterator[torch.nn.Module]:
    """The legacy ``exporter_context``: the model in ``mode`` for the duration of the block."""
    with select_model_mode_for_export(model, mode):
        yield model
