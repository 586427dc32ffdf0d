"""``nn.LSTM``/``nn.GRU``/``nn.RNN`` captured as one op each, with their time axis dynamic.

torch.export keeps ``aten::lstm`` in the graph but computes its output shapes by running
the op's decomposition on fake tensors: one small graph per time step and layer. On
real models that is most of the export (a 2-layer GRU over 20 steps: 2.7 s of 2.8 s),
and the unrolled loop fixes the time axis at the example's length, so a ``dynamic_axes``
time axis comes out static. The legacy exporter's trace recorded one ``aten::lstm`` node.

During the capture, ``torch._VF.lstm`` (what ``nn.LSTM.forward`` calls) and its GRU/RNN
siblings are replaced by ops of the ``onnx_migrate_rnn`` namespace with the same
arguments, whose shape function is a few lines (output ``[T, B, D*H]``, states as given).
Translation names them ``aten::lstm.input`` etc. (:func:`legacy_name`), so the built-in
or the user's own ``aten::lstm`` symbolic exports them as before. Packed sequences
(``_VF.lstm(data, batch_sizes, ...)``) keep torch's own path.

Only the legacy backend uses this: torch's new exporter would not know the ops.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import torch

from onnx_migrate import _torch_compat

__all__ = ["NAMESPACE", "legacy_name", "recurrent_layers_as_ops"]

NAMESPACE = "onnx_migrate_rnn"

#: ``_VF`` function -> whether its state argument is a list (LSTM's ``(h, c)``) or one tensor.
_LAYERS = {"lstm": True, "gru": False, "rnn_tanh": False, "rnn_relu": False}


def legacy_name(namespace: str, op: str) -> tuple[str, str] | None:
    """``("aten::lstm", "input")`` for this module's ``lstm`` op; ``None`` for any other op."""
    if namespace != NAMESPACE or op not in _LAYERS:
        return None
    return f"aten::{op}", "input"


def _output_like(input: torch.Tensor, state: torch.Tensor, bidirectional: bool) -> torch.Tensor:
    """``[T, B, D*H]`` (``[B, T, D*H]`` batch-first): the first two dims are the input's either way."""
    directions = 2 if bidirectional else 1
    return input.new_empty((input.shape[0], input.shape[1], directions * state.shape[-1]))


_ARGUMENTS = (
    "Tensor input, {state} hx, Tensor[] params, bool has_biases, int num_layers, float dropout, bool train, "
    "bool bidirectional, bool batch_first"
)


@functools.cache
def _ops() -> dict[str, Callable[..., Any]]:
    """Define the ops once per process (torch.library registrations are global)."""
    return {name: _define(name, state_is_list) for name, state_is_list in _LAYERS.items()}


def _define(name: str, state_is_list: bool) -> Callable[..., Any]:
    """``onnx_migrate_rnn::<name>``: runs ``aten::<name>.input``; its fake gives the shapes directly."""
    aten = getattr(torch.ops.aten, name).input
    outputs = 3 if state_is_list else 2
    schema = "(" + _ARGUMENTS.format(state="Tensor[]" if state_is_list else "Tensor") + ") -> (" + ", ".join(
        ["Tensor"] * outputs) + ")"

    def run(input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first):  # type: ignore[no-untyped-def]
        out = aten(input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first)
        return tuple(t.clone() for t in out)  # outputs of a custom op may not alias anything

    def fake(input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first):  # type: ignore[no-untyped-def]
        states = list(hx) if state_is_list else [hx]
        return (_output_like(input, states[0], bidirectional), *(s.new_empty(s.shape) for s in states))

    op = torch.library.custom_op(f"{NAMESPACE}::{name}", run, mutates_args=(), schema=schema)
    op.register_fake(fake)
    return op


def _routed(name: str, original: Callable[..., Any], op: Callable[..., Any]) -> Callable[..., Any]:
    state_is_list = _LAYERS[name]

    def call(*args: Any, **kwargs: Any) -> Any:
        # The dense form: (input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first).
        dense = not kwargs and len(args) == 9 and isinstance(args[2], Sequence) and not isinstance(args[2], torch.Tensor)
        if dense and isinstance(args[1], Sequence) == state_is_list:
            hx = list(args[1]) if state_is_list else args[1]
            return op(args[0], hx, list(args[2]), *args[3:])
        return original(*args, **kwargs)

    return call


@contextlib.contextmanager
def recurrent_layers_as_ops() -> Iterator[None]:
    """Inside the block, ``nn.LSTM``/``nn.GRU``/``nn.RNN`` call this module's ops (see the module docstring)."""
    ops = _ops()
    with contextlib.ExitStack() as stack:
        for name, op in ops.items():
            original = _torch_compat.vf_function(name)
            if original is None:
                continue
            stack.enter_context(_torch_compat.vf_function_replaced(name, _routed(name, original, op)))
        yield
