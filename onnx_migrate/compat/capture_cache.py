"""Reuse of a ``torch.export`` capture across exports of the same, unchanged model.

Scripts export one model at several opsets, with both backends, or twice through
``check``; each capture costs a full ``torch.export`` trace (most of an export's time
on real models). A capture is reused only when everything it was made from is the same:

- the same model object (held weakly: the cache never keeps a model alive);
- the same inputs: structure, shapes, dtypes *and values* (a capture may follow the
  example's values: ``draft_export`` branches, eager-recorded ``autograd.Function`` outputs);
- the same capture options (``dynamic_axes``/``dynamic_shapes``, ``strict``, names);
- the same model state: the bytes of every parameter and buffer, every tensor or plain
  Python value held as a module attribute, and every module's ``training`` flag
  (a fingerprint, so ``p.data.mul_(2)``, which torch's version counters miss, is seen);
- no ``autograd.Function`` seen during the capture (routed calls live in the export
  that made them).

The warnings the capture emitted are replayed on reuse, so every export says the same.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
import warnings
import weakref
from collections.abc import Callable, Iterator
from typing import Any

import torch

from onnx_migrate._torch_compat import pytree

__all__ = ["CaptureCache", "DEFAULT_CACHE"]

#: How many models' captures are kept (the most recently stored ones).
MAX_ENTRIES = 4

#: Models with more parameter bytes than this are not fingerprinted (hashing would cost more
#: than the reuse saves on typical scripts); they are captured each time.
MAX_FINGERPRINT_BYTES = 2 << 30

_PLAIN = (int, float, bool, str, type(None))


@dataclasses.dataclass
class _Entry:
    key: str
    state: str
    captured: Any
    warnings: list[warnings.WarningMessage]


class CaptureCache:
    """Remembers the last capture of each model object, keyed and validated as the module docstring says."""

    def __init__(self) -> None:
        self._entries: weakref.WeakKeyDictionary[torch.nn.Module, _Entry] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()
        self.hits = 0

    def get_or_capture(
        self,
        model: torch.nn.Module,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        options_key: str,
        capture: Callable[[], Any],
        reusable: Callable[[], bool],
    ) -> Any:
        """The cached capture when valid (its warnings replayed), else ``capture()`` (cached when ``reusable()``)."""
        key = _inputs_key(args, kwargs, options_key)
        state = _state_fingerprint(model) if key is not None else None
        if key is not None and state is not None:
            with self._lock:
                entry = self._entries.get(model)
            if entry is not None and entry.key == key and entry.state == state:
                self.hits += 1
                _replay(entry.warnings)
                return entry.captured
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            captured = capture()
        _replay(seen)
        if key is not None and state is not None and reusable():
            # Filed under the state before the capture: were the capture to change it, the next
            # export's fingerprint would differ and it would capture again.
            with self._lock:
                self._entries.pop(model, None)
                self._entries[model] = _Entry(key, state, captured, list(seen))
                for stale in list(self._entries.keys())[:-MAX_ENTRIES]:
                    self._entries.pop(stale, None)
        else:
            self.forget(model)
        return captured

    def forget(self, model: torch.nn.Module) -> None:
        with self._lock:
            self._entries.pop(model, None)

    def clear(self) -> None:
        """Forget every capture (and reset the hit count, which tests and benchmarks read)."""
        with self._lock:
            self._entries.clear()
            self.hits = 0


def _replay(messages: list[warnings.WarningMessage]) -> None:
    """Warn again what a capture warned (recorded, so the export's own recording sees it too)."""
    for message in messages:
        warnings.warn_explicit(message.message, message.category, message.filename, message.lineno)


def _inputs_key(args: tuple[Any, ...], kwargs: dict[str, Any], options_key: str) -> str | None:
    """A digest of the inputs' structure, metadata and values; ``None`` when some leaf cannot be keyed."""
    leaves, spec = pytree.tree_flatten((args, kwargs))
    digest = hashlib.sha1(options_key.encode())
    digest.update(str(spec).encode())
    for leaf in leaves:
        if isinstance(leaf, torch.Tensor):
            if not _hash_tensor(digest, leaf):
                return None
        elif isinstance(leaf, _PLAIN) or isinstance(leaf, torch.dtype):
            digest.update(f"{type(leaf).__name__}:{leaf!r}".encode())
        else:
            return None
    return digest.hexdigest()


def _state_fingerprint(model: torch.nn.Module) -> str | None:
    """A digest of everything in the model a capture bakes in; ``None`` when too large or not hashable."""
    total = sum(t.numel() * t.element_size() for t in _state_tensors(model))
    if total > MAX_FINGERPRINT_BYTES:
        return None
    digest = hashlib.sha1()
    for name, module in model.named_modules(remove_duplicate=False):
        digest.update(f"{name}:{type(module).__qualname__}:{module.training}".encode())
        for attribute, value in vars(module).items():
            if attribute in ("_parameters", "_buffers", "_modules") or attribute.startswith("_forward"):
                continue
            if isinstance(value, _PLAIN):
                digest.update(f"{attribute}={value!r}".encode())
            elif isinstance(value, torch.Tensor):
                digest.update(attribute.encode())
                if not _hash_tensor(digest, value):
                    return None
        for group in (module._parameters, module._buffers):
            for attribute, tensor in group.items():
                digest.update(attribute.encode())
                if tensor is not None and not _hash_tensor(digest, tensor):
                    return None
    return digest.hexdigest()


def _state_tensors(model: torch.nn.Module) -> Iterator[torch.Tensor]:
    yield from model.parameters()
    yield from model.buffers()


def _hash_tensor(digest: Any, tensor: torch.Tensor) -> bool:
    """Add a tensor's metadata and bytes; ``False`` for tensors without plain CPU storage to read."""
    if tensor.layout != torch.strided or tensor.is_quantized or type(tensor) not in (torch.Tensor, torch.nn.Parameter):
        return False
    digest.update(f"{tuple(tensor.shape)}:{tensor.dtype}:{tensor.device}:{tensor.requires_grad}".encode())
    data = tensor.detach()
    if data.device.type != "cpu":
        data = data.cpu()
    data = data.contiguous().reshape(-1)
    if data.numel():
        digest.update(memoryview(data.view(torch.uint8).numpy()))
    return True


#: The process-wide cache ``export()`` uses.
DEFAULT_CACHE = CaptureCache()
