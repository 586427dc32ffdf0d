"""Output shapes and dtypes of ``autograd.Function`` calls, from ``forward`` run on real tensors.

``torch.export`` runs the model on fake tensors, so a ``forward`` that looks at
values (``if amax.min() < 0:``, ``int(boxes.shape[0] * ratio.item())``) cannot
run there. The legacy exporter traced with the real example inputs and only
needed the outputs' shapes and dtypes. We do the same, on demand: when a routed
call's ``forward`` fails on fake tensors, the export runs the model once eagerly
(:class:`RealOutputs.recording`), keeps the shape, dtype and structure of each
call's outputs (the *n*-th call of a class, in order), and captures again; the
failing calls then produce fresh tensors of the recorded kind instead of running
``forward``.

Dynamic axes survive: an output dim whose real size equals a dim of one of the
call's tensor inputs takes that input's (possibly symbolic) size, preferring the
same dim index, then the first input — so a batch that flows through keeps
flowing.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from typing import Any

import torch

from onnx_migrate._torch_compat import pytree

__all__ = ["RealOutputs", "RecordedCall", "TensorKind", "run_model_eagerly"]


@dataclasses.dataclass(frozen=True)
class TensorKind:
    """What a recorded output tensor was: enough to make a stand-in of it."""

    shape: tuple[int, ...]
    dtype: torch.dtype
    device: torch.device


@dataclasses.dataclass
class RecordedCall:
    """One eager call of a Function: its input tensors' shapes and its output's structure."""

    input_shapes: list[tuple[int, ...]]
    output_leaves: list[Any]  # a TensorKind per tensor, the value itself otherwise
    output_spec: pytree.TreeSpec

    def stand_in(self, fake_inputs: list[torch.Tensor]) -> Any:
        """The call's output rebuilt with fresh tensors shaped like the real ones (in the current fake mode)."""
        leaves = [
            self._tensor(leaf, fake_inputs) if isinstance(leaf, TensorKind) else leaf for leaf in self.output_leaves
        ]
        return pytree.tree_unflatten(leaves, self.output_spec)

    def _tensor(self, kind: TensorKind, fake_inputs: list[torch.Tensor]) -> torch.Tensor:
        shape = [self._dim(size, index, fake_inputs) for index, size in enumerate(kind.shape)]
        device = fake_inputs[0].device if fake_inputs else kind.device
        return torch.zeros(shape, dtype=kind.dtype, device=device)

    def _dim(self, size: int, index: int, fake_inputs: list[torch.Tensor]) -> Any:
        matches = [
            (position, dim)
            for position, real_shape in enumerate(self.input_shapes)
            for dim, real_size in enumerate(real_shape)
            if real_size == size and position < len(fake_inputs) and dim < fake_inputs[position].dim()
        ]
        if not matches:
            return size
        position, dim = min(matches, key=lambda match: (match[1] != index, match[0]))
        return fake_inputs[position].shape[dim]


class RealOutputs:
    """The calls recorded by one eager run, and whether a capture asked for them."""

    def __init__(self) -> None:
        self.calls: dict[tuple[int, int], RecordedCall] = {}
        #: Set when a routed call's forward failed on fake tensors with nothing recorded for it.
        self.needed: BaseException | None = None
        self._recording = False

    @property
    def is_recording(self) -> bool:
        return self._recording

    def record(self, key: tuple[int, int], inputs: list[torch.Tensor], output: Any) -> None:
        leaves, spec = pytree.tree_flatten(output)
        kinds = [
            TensorKind(tuple(leaf.shape), leaf.dtype, leaf.device) if isinstance(leaf, torch.Tensor) else leaf
            for leaf in leaves
        ]
        self.calls[key] = RecordedCall([tuple(t.shape) for t in inputs], kinds, spec)

    @contextlib.contextmanager
    def recording(self) -> Iterator[None]:
        """Record the calls made in the block (an eager run of the model)."""
        self._recording = True
        self.calls.clear()
        try:
            yield
        finally:
            self._recording = False


def run_model_eagerly(module: torch.nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """``module(*args, **kwargs)`` without autograd, leaving its buffers and the global RNG as they were.

    The RNG is forked so that dropout in training mode does not advance the user's random state.
    """
    buffers = {name: b.detach().clone() for name, b in module.named_buffers()}
    try:
        with torch.no_grad(), torch.random.fork_rng(devices=[]):
            return module(*args, **kwargs)
    finally:
        with torch.no_grad():
            for name, b in module.named_buffers():
                if name in buffers:
                    b.copy_(buffers[name])
