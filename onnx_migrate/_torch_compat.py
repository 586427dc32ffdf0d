"""Every use of a private or version-dependent torch API, in one place.

onnx_migrate prefers public torch APIs. Where none exists, the private one is
wrapped here behind a version guard, and ``tests/test_torch_compat.py`` pins the
assumptions so a torch upgrade that changes them fails loudly in CI instead of
silently changing exported models.
"""

from __future__ import annotations

import contextlib
import types
from collections.abc import Iterator
from typing import Any

import torch
from packaging.version import Version

__all__ = [
    "TORCH_VERSION",
    "data_reads_as_detach",
    "parameter_data_ptrs_as_real",
    "input_guards",
    "vf_function",
    "vf_function_replaced",
    "is_higher_order_op",
    "is_legacy_exporter_code",
    "is_legacy_exporter_file",
    "is_script_object",
    "legacy_custom_symbolics",
    "legacy_parse_args_parts",
    "onnx_exporting_flag",
    "op_schema",
    "pytree",
    "size_oblivious_dims",
]

TORCH_VERSION = Version(torch.__version__.split("+")[0])

# torch has no public pytree module; the private one has been stable since 2.0
# (tree_flatten / tree_leaves / tree_map) and torch.export itself is built on it.
import torch.utils._pytree as pytree  # noqa: E402

#: Class names of TorchScript modules/functions (their module paths moved across releases).
_SCRIPT_CLASS_NAMES = frozenset(
    {"ScriptModule", "RecursiveScriptModule", "ScriptFunction", "TopLevelTracedModule", "TracedModule"}
)


def is_script_object(model: Any) -> bool:
    """Whether ``model`` is a TorchScript module or function, without touching ``torch.jit``."""
    for cls in type(model).__mro__:
        if cls.__name__ in _SCRIPT_CLASS_NAMES and cls.__module__.startswith(("torch.jit", "torch._C")):
            return True
    return False


@contextlib.contextmanager
def size_oblivious_dims() -> Iterator[None]:
    """Let dims of size 0/1 in example inputs stay dynamic during ``torch.export``.

    Legacy users often export with batch size 1 and ``dynamic_axes`` on the batch.
    torch.export specializes size-1 dims unless the private
    ``torch.fx.experimental._config.backed_size_oblivious`` flag is on (torch's own
    ONNX exporter sets it the same way). Without the flag this is a no-op.
    """
    config = getattr(getattr(torch.fx, "experimental", None), "_config", None)
    if config is None or not hasattr(config, "backed_size_oblivious"):
        yield
        return
    with config.patch(backed_size_oblivious=True):
        yield


@contextlib.contextmanager
def onnx_exporting_flag() -> Iterator[None]:
    """Make ``torch.onnx.is_in_onnx_export()`` true while onnx_migrate exports.

    Legacy models branch on it (an export-only path), and the legacy exporter set
    it for the whole export. torch reads the private module flag
    ``torch.onnx._internal.exporter._flags._is_onnx_exporting``; it is restored
    afterwards, whatever happens. Without that module this is a no-op.
    """
    try:
        import importlib

        flags = importlib.import_module("torch.onnx._internal.exporter._flags")
    except ImportError:
        yield
        return
    if not hasattr(flags, "_is_onnx_exporting"):
        yield
        return
    previous = flags._is_onnx_exporting
    flags._is_onnx_exporting = True
    try:
        yield
    finally:
        flags._is_onnx_exporting = previous


def is_higher_order_op(target: Any) -> bool:
    """Whether an FX target is a higher-order operator (``torch.cond``, ``while_loop``...).

    The class lives in the private ``torch._ops``; torch.export graphs use it for control flow.
    """
    cls = getattr(getattr(torch, "_ops", None), "HigherOrderOperator", None)
    return isinstance(cls, type) and isinstance(target, cls)


def op_schema(target: Any) -> Any | None:
    """The ``torch.FunctionSchema`` of an ``OpOverload`` (``None`` for Python callables).

    ``OpOverload._schema`` is the only way to read argument names and defaults,
    which symbolics are called with.
    """
    return getattr(target, "_schema", None)


#: Where torch's legacy exporter keeps its symbolic registry (never imported here, only read if loaded).
_LEGACY_REGISTRATION_MODULE = "torch.onnx._internal.torchscript_exporter.registration"


def legacy_custom_symbolics() -> list[tuple[str, int, Any]]:
    """``(name, opset, fn)`` of every custom symbolic registered through torch's legacy API.

    Read from torch's legacy registry only if that module is already loaded
    (this function never imports it). Its layout is private: registry
    ``_registry`` -> group ``_functions`` -> ``_overrides`` (opset -> function).
    If torch changes it, nothing is carried over and ``tests/compat/test_install.py`` fails.
    """
    import sys

    module = sys.modules.get(_LEGACY_REGISTRATION_MODULE)
    groups = getattr(getattr(module, "registry", None), "_registry", None)
    if not isinstance(groups, dict):
        return []
    found: list[tuple[str, int, Any]] = []
    for name, group in groups.items():
        overrides = getattr(getattr(group, "_functions", None), "_overrides", None)
        if isinstance(overrides, dict):
            found.extend((name, opset, fn) for opset, fn in overrides.items())
    return found


#: Where torch keeps (2.9+) or kept (before) the legacy exporter's modules, as file path fragments.
_LEGACY_EXPORTER_FILES = ("torch/onnx/_internal/torchscript_exporter/", "torch/onnx/symbolic_", "torch/onnx/utils.py")


def is_legacy_exporter_file(filename: str) -> bool:
    """Whether a source file belongs to torch's legacy (TorchScript) exporter."""
    normalized = filename.replace("\\", "/")
    return any(fragment in normalized for fragment in _LEGACY_EXPORTER_FILES)


def is_legacy_exporter_code(fn: Any) -> bool:
    """Whether ``fn`` is a function defined in torch's legacy exporter's files (read, never imported)."""
    code = getattr(fn, "__code__", None)
    return isinstance(code, types.CodeType) and is_legacy_exporter_file(code.co_filename)


def legacy_parse_args_parts(fn: Any) -> tuple[tuple[Any, ...], Any] | None:
    """``(descriptors, inner function)`` of a function decorated by torch's legacy ``parse_args``.

    torch's ``symbolic_helper.parse_args(*descriptors)`` returns a ``functools.wraps``
    wrapper whose closure holds ``arg_descriptors`` (private layout, the same from
    torch 1.13 to 2.15). ``None`` for anything else.
    """
    code = getattr(fn, "__code__", None)
    wrapped = getattr(fn, "__wrapped__", None)
    if code is None or wrapped is None or not is_legacy_exporter_code(fn):
        return None
    if "arg_descriptors" not in code.co_freevars or fn.__closure__ is None:
        return None
    descriptors = fn.__closure__[code.co_freevars.index("arg_descriptors")].cell_contents
    if not isinstance(descriptors, tuple) or not all(isinstance(d, str) for d in descriptors):
        return None
    return descriptors, wrapped



@contextlib.contextmanager
def data_reads_as_detach() -> Iterator[None]:
    """``tensor.data`` reads as ``tensor.detach()`` inside the block.

    Legacy models read weights through ``.data`` in ``forward`` (ModelOpt's quantizers
    read ``amax.data``). The TorchScript trace recorded it as a detach; under
    ``torch.export`` it makes an untracked tensor that becomes a fake constant and fails
    the capture. The getter is the private ``torch._C.TensorBase.data`` descriptor,
    shadowed on ``torch.Tensor``; assignment (``p.data = t``) goes to torch's own setter.
    Without that descriptor, or when ``torch.Tensor`` already defines ``data``, nothing is changed.
    """
    descriptor = getattr(getattr(torch._C, "TensorBase", None), "data", None)
    if "data" in vars(torch.Tensor) or not hasattr(descriptor, "__set__"):
        yield
        return
    torch.Tensor.data = property(lambda self: self.detach(), descriptor.__set__)  # type: ignore[assignment,union-attr]
    try:
        yield
    finally:
        del torch.Tensor.data


@contextlib.contextmanager
def parameter_data_ptrs_as_real(model: torch.nn.Module) -> Iterator[None]:
    """``param.data_ptr()`` on a parameter or buffer stand-in gives the real tensor's address.

    Legacy export code keys tables by the address of a weight (brevitas' QCDQ export looks its
    integer weights up by ``weight[:].data_ptr()``). The TorchScript trace ran on the real weights;
    non-strict ``torch.export`` swaps them for fake tensors, which have no storage, and the call
    fails. Inside the block a failing call on a tensor that is, at that moment, one of the
    model's parameters or buffers, or a view of one, answers with the address of the real one it stands for.
    ``data_ptr`` is the public method, inherited from the private ``torch._C.TensorBase``;
    when ``torch.Tensor`` already defines its own, nothing is changed.
    """
    original = getattr(getattr(torch._C, "TensorBase", None), "data_ptr", None)
    if "data_ptr" in vars(torch.Tensor) or original is None:
        yield
        return
    # Emptied when the block ends: whatever copied ``torch.Tensor``'s attributes meanwhile (torch._dynamo
    # snapshots them when first imported, which can be during a capture) must not keep the model alive.
    state: dict[str, Any] = {"model": model, "real": {name: t for name, t in _named_state(model)}}

    def data_ptr(self: torch.Tensor) -> int:
        try:
            return original(self)
        except RuntimeError:
            if not state:
                raise
            # A view (``weight[:]``) has its base's address plus its offset, as on real tensors.
            base = self if self._base is None else self._base
            real = state["real"]
            for name, current in _named_state(state["model"]):
                if current is base and name in real and real[name] is not base:
                    offset = self.storage_offset() - base.storage_offset()
                    return original(real[name]) + offset * self.element_size()
            raise

    torch.Tensor.data_ptr = data_ptr  # type: ignore[method-assign]
    try:
        yield
    finally:
        del torch.Tensor.data_ptr
        state.clear()


def _named_state(model: torch.nn.Module) -> Iterator[tuple[str, torch.Tensor]]:
    yield from model.named_parameters(remove_duplicate=False)
    yield from model.named_buffers(remove_duplicate=False)


def input_guards(program: torch.export.ExportedProgram) -> list[str]:
    """The conditions on input sizes the captured program holds under, as Python source
    (``math.trunc(160 / torch.sym_min(L['x'].size()[1], ...)) == 160``).

    ``ExportedProgram.module()`` checks them before running; the graph itself, and so the ONNX
    file, does not. Read from the private ``_guards_code`` (torch 2.13–2.15); empty without it.
    """
    guards = getattr(program, "_guards_code", None)
    return [g for g in guards if isinstance(g, str)] if isinstance(guards, list) else []


def vf_function(name: str) -> Any:
    """``torch._VF.<name>`` (what ``nn.LSTM.forward`` calls), or ``None`` when this torch lacks it."""
    vf = getattr(torch, "_VF", None)
    return getattr(vf, name, None) if vf is not None else None


@contextlib.contextmanager
def vf_function_replaced(name: str, replacement: Any) -> Iterator[None]:
    """``torch._VF.<name>`` is ``replacement`` inside the block (an instance attribute shadowing the
    private ``VFModule.__getattr__`` lookup); torch's own afterwards. No-op when ``torch._VF`` is not
    that module or already has the attribute set (someone else is patching it)."""
    vf = getattr(torch, "_VF", None)
    if vf is None or not hasattr(type(vf), "__getattr__") or name in vars(vf):
        yield
        return
    setattr(vf, name, replacement)
    try:
        yield
    finally:
        with contextlib.suppress(AttributeError):
            delattr(vf, name)
