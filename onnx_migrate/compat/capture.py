"""Capture the user's model with ``torch.export``, honouring the legacy conventions.

This stage turns the legacy ``args`` forms (a tensor, a tuple, a trailing dict
of keyword arguments) and ``dynamic_axes`` into what ``torch.export`` takes,
puts the model in the requested training mode and restores it afterwards, and
turns capture failures into :class:`~onnx_migrate.errors.CaptureError` with a
hint at the fix.
"""

from __future__ import annotations

import contextlib
import dataclasses
import inspect
import io
import logging
import re
import sys
import warnings
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import torch
from onnx_migrate._torch_compat import pytree

from onnx_migrate import _torch_compat
from onnx_migrate.compat import autograd_functions as _autograd_functions
from onnx_migrate.compat import capture_cache as _capture_cache
from onnx_migrate.compat import recurrent_capture
from onnx_migrate.compat.autograd_real_outputs import run_model_eagerly
from onnx_migrate.compat.options import ExportOptions
from onnx_migrate.errors import CaptureError, ExportOptionError, OnnxMigrateWarning
from onnx_migrate.legacy_symbolics.export_context import TrainingMode

__all__ = ["CapturedModel", "InputSpec", "capture", "normalize_args", "training_mode"]


@dataclasses.dataclass(frozen=True)
class InputSpec:
    """One flattened user input: its ONNX name and the dynamic axes asked for it."""

    name: str
    example: Any
    dynamic_axes: dict[int, str]


@dataclasses.dataclass
class CapturedModel:
    """What later stages need from capture."""

    program: torch.export.ExportedProgram
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    inputs: list[InputSpec]


class _FunctionModule(torch.nn.Module):
    """Wraps a plain function so torch.export can capture it (the legacy exporter took functions too)."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        super().__init__()
        self.fn = fn

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        return self.fn(*args, **kwargs)


def as_module(model: Any) -> torch.nn.Module:
    """The model as an ``nn.Module``; TorchScript objects are refused with the fix."""
    if _torch_compat.is_script_object(model):
        raise ExportOptionError(
            "onnx_migrate cannot export a TorchScript module or function (torch.jit.script/trace output): "
            "TorchScript is what is going away. Pass the original eager nn.Module instead, e.g. "
            "onnx_migrate.export(MyModel().eval(), args, 'model.onnx') rather than the scripted/traced copy."
        )
    if isinstance(model, torch.nn.Module):
        return model
    if callable(model):
        return _FunctionModule(model)
    raise ExportOptionError(f"model must be a torch.nn.Module or a callable, got {type(model).__name__}.")


def normalize_args(args: Any, kwargs: Mapping[str, Any] | None) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """The legacy ``args`` forms to ``(args, kwargs)``.

    ``args`` may be one tensor, a tuple of arguments, or a tuple whose last item
    is a dict of keyword arguments (the legacy exporter's convention).
    """
    if kwargs is not None and not isinstance(kwargs, Mapping):
        raise ExportOptionError(
            f"kwargs must be a dict of keyword arguments for forward(), e.g. kwargs={{'mask': mask}}, "
            f"got {type(kwargs).__name__}."
        )
    merged: dict[str, Any] = dict(kwargs or {})
    if args is None:
        return (), merged
    if not isinstance(args, tuple):
        args = (args,)
    if args and isinstance(args[-1], dict):
        trailing = args[-1]
        args = args[:-1]
        overlap = set(trailing) & set(merged)
        if overlap:
            raise ExportOptionError(
                f"Keyword argument(s) {sorted(overlap)} are given both in the trailing dict of args and in kwargs."
            )
        merged.update(trailing)
    return tuple(args), merged


@contextlib.contextmanager
def training_mode(model: torch.nn.Module, mode: TrainingMode) -> Iterator[None]:
    """Put the model in the requested mode; restore every submodule's flag afterwards."""
    saved = [(module, module.training) for module in model.modules()]
    try:
        if mode == TrainingMode.EVAL:
            model.eval()
        elif mode == TrainingMode.TRAINING:
            model.train()
        yield
    finally:
        for module, flag in saved:
            module.training = flag


def _parameter_names(module: torch.nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[str]:
    """Forward's parameter names for the given positional and keyword arguments, in order."""
    try:
        signature = inspect.signature(module.forward)
        bound = signature.bind(*args, **kwargs)
    except (TypeError, ValueError):
        return [f"input_{i}" for i in range(len(args))] + list(kwargs)
    names: list[str] = []
    for name, value in bound.arguments.items():
        kind = signature.parameters[name].kind
        if kind == inspect.Parameter.VAR_POSITIONAL:
            names.extend(f"{name}_{i}" for i in range(len(value)))
        elif kind == inspect.Parameter.VAR_KEYWORD:
            names.extend(value)
        else:
            names.append(name)
    return names


def flatten_inputs(
    module: torch.nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any], options: ExportOptions
) -> list[InputSpec]:
    """The user's inputs as the ONNX graph will list them, with names and dynamic axes.

    Names come from ``input_names`` first, then from ``forward``'s parameters
    (suffixed by position inside nested structures).
    """
    leaves: list[tuple[str, Any]] = []
    for param_name, value in zip(_parameter_names(module, args, kwargs), list(args) + list(kwargs.values()), strict=False):
        flat, _ = pytree.tree_flatten(value)
        tensors = [leaf for leaf in flat if isinstance(leaf, torch.Tensor)]
        if len(tensors) == 1 and isinstance(value, torch.Tensor):
            leaves.append((param_name, value))
        else:
            leaves.extend((f"{param_name}_{i}", leaf) for i, leaf in enumerate(tensors))
    if len(options.input_names) > len(leaves):
        raise ExportOptionError(
            f"input_names has {len(options.input_names)} names {list(options.input_names)} but the model takes "
            f"{len(leaves)} tensor input(s); give at most {len(leaves)} names."
        )
    specs: list[InputSpec] = []
    for index, (default_name, example) in enumerate(leaves):
        name = options.input_names[index] if index < len(options.input_names) else default_name
        axes = dict(options.dynamic_axes.get(name, {}))
        rank = example.dim()
        for axis in list(axes):
            if not -rank <= axis < rank:
                raise ExportOptionError(
                    f"dynamic_axes[{name!r}] names axis {axis}, but input {name!r} has rank {rank} "
                    f"(shape {tuple(example.shape)}); valid axes are 0..{rank - 1}."
                )
            if axis < 0:
                axes[axis + rank] = axes.pop(axis)
        specs.append(InputSpec(name, example, axes))
    return specs


@dataclasses.dataclass(frozen=True)
class _ShapesByArgument:
    """Dynamic-shape specs for positional and keyword arguments, before binding to forward's names."""

    args: tuple[Any, ...]
    kwargs: dict[str, Any]


def _dynamic_shapes(
    args: tuple[Any, ...], kwargs: dict[str, Any], specs: list[InputSpec], dim: Any
) -> _ShapesByArgument | None:
    """A ``dynamic_shapes`` structure mirroring ``(args, kwargs)`` with ``dim`` on dynamic axes."""
    if not any(spec.dynamic_axes for spec in specs):
        return None
    by_tensor = {id(spec.example): spec for spec in specs}

    def leaf_spec(leaf: Any) -> Any:
        spec = by_tensor.get(id(leaf)) if isinstance(leaf, torch.Tensor) else None
        if spec is None or not spec.dynamic_axes:
            return None
        return {axis: dim for axis in spec.dynamic_axes}

    return _ShapesByArgument(
        tuple(pytree.tree_map(leaf_spec, a) for a in args),
        {k: pytree.tree_map(leaf_spec, v) for k, v in kwargs.items()},
    )


def _explain(exc: BaseException) -> str:
    text = str(exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    lowered = text.lower()
    if "data-dependent" in lowered or "guardondatadependent" in lowered or "could not guard" in lowered:
        hint = (
            "The model branches on tensor values (data-dependent control flow). Rewrite the branch with "
            "torch.cond, or move it out of forward()."
        )
    elif "must always be equal" in lowered:
        hint = (
            "Two dims declared independent in dynamic_shapes must be equal for this model. Use the same "
            "torch.export.Dim for both (torch's suggested fixes above)."
        )
    elif "not in range" in lowered:
        hint = (
            "An example input's size is outside the range its Dim allows. Change the Dim's min=/max= in "
            "dynamic_shapes, or the example input."
        )
    elif "constraint" in lowered and "dynamic" in lowered or "specialized" in lowered:
        hint = (
            "A dim marked dynamic in dynamic_axes/dynamic_shapes is fixed by the model's code. Remove it from "
            "dynamic_axes, or change the code that fixes it."
        )
    else:
        hint = "See the chained exception for torch.export's full message; try strict=True or simplify forward()."
    details = _torch_details(text)
    return f"{type(exc).__name__}: {first}\n{details + chr(10) if details else ''}{hint}"


def _torch_details(text: str) -> str:
    """The lines of torch's message that say what to change (violated constraints, suggested fixes)."""
    lines = text.splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.startswith(("  - ", "Suggested fixes")))
    except StopIteration:
        return ""
    kept: list[str] = []
    for line in lines[start:]:
        if line.startswith("The error above occurred") or len(kept) == 8:
            break
        if line.strip():
            kept.append(line)
    return "\n".join(kept)


def capture(model: torch.nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any], options: ExportOptions) -> CapturedModel:
    """Capture the model, with the ``autograd.Function`` routes of a running export (both backends use this).

    Inside :func:`~onnx_migrate.compat.autograd_functions.routed`, a ``forward`` that needs real
    tensors gets outputs from one eager run and the capture is retried; outside it, one capture.
    An unchanged model exported again with the same inputs reuses its capture
    (:mod:`~onnx_migrate.compat.capture_cache` says when exactly).
    """
    captured = _capture_cache.DEFAULT_CACHE.get_or_capture(
        model,
        args,
        kwargs,
        _capture_options_key(options),
        lambda: _autograd_functions.capture(
            lambda: _capture_once(model, args, kwargs, options), model, args, kwargs, strict=options.strict
        ),
        reusable=lambda: not _autograd_functions.functions_seen(),
    )
    # Later stages replace ``program`` (decompositions depend on the opset): never in the cached copy.
    return dataclasses.replace(captured)


def _capture_options_key(options: ExportOptions) -> str:
    """The options a capture depends on: not the opset (translation's business), and the backend only
    as far as it decides whether RNN layers are captured as one op each."""
    modules_as_functions = options.export_modules_as_functions
    if not isinstance(modules_as_functions, bool):
        modules_as_functions = sorted(f"{c.__module__}.{c.__qualname__}" for c in modules_as_functions)
    return repr((
        options.input_names, options.dynamic_axes, options.dynamic_shapes, options.strict, modules_as_functions,
        _recurrent_as_ops(options),
    ))


def _recurrent_as_ops(options: ExportOptions) -> bool:
    """RNN layers as one op each (:mod:`recurrent_capture`): our translator knows them, torch's exporter does not."""
    return options.backend == "legacy"


def _capture_once(model: torch.nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any], options: ExportOptions) -> CapturedModel:
    """Run ``torch.export`` once on the model (non-strict unless ``options.strict``).

    ``dynamic_axes`` become ``Dim.AUTO`` dims: a dim the model's code fixes is kept
    static instead of failing the capture (``x.view(6, -1)`` fixes dim 0), as the
    legacy exporter exported it; finalization says which (``finalize.apply_dim_names``).
    ``Dim.DYNAMIC`` would fail there and cost a second full capture to retry.
    """
    specs = flatten_inputs(model, args, kwargs, options)
    dynamic_shapes = options.dynamic_shapes
    if dynamic_shapes is None:
        dynamic_shapes = _dynamic_shapes(args, kwargs, specs, torch.export.Dim.AUTO)
    try:
        program = _run_export(model, args, kwargs, dynamic_shapes, options.strict, recurrent_as_ops=_recurrent_as_ops(options))
    except CaptureError:
        raise
    except Exception as exc:
        if options.strict or not _is_data_dependent(exc) or _autograd_functions.real_outputs_pending():
            raise CaptureError(f"torch.export could not capture {type(model).__name__}: {_explain(exc)}") from exc
        program = _capture_deciding_branches_by_example(
            model, args, kwargs, dynamic_shapes, exc, recurrent_as_ops=_recurrent_as_ops(options)
        )
    _warn_pinned_sizes(program, model)
    return CapturedModel(program, args, kwargs, specs)


#: ``<size expression> == <int>`` where the expression is more than one input dim (that case is
#: reported as a fixed dim by finalization).
_PINNED = re.compile(r"^\(?(?P<expr>.+?)\)? == (?P<value>-?\d+)$")
_BARE_DIM = re.compile(r"^L\[[^\]]+\](\[\d+\])*\.size\(\)\[\d+\]$")


def _warn_pinned_sizes(program: torch.export.ExportedProgram, model: torch.nn.Module) -> None:
    """Warn when torch.export fixed a size computed from dynamic inputs (``int(math.ceil(h / 32) * 32)``).

    The input dims stay dynamic, but the graph holds only for inputs that give the example's value:
    other sizes fail or compute wrong results in ONNX Runtime, with nothing in the file to say so.
    """
    pinned = []
    for guard in _torch_compat.input_guards(program):
        match = _PINNED.match(guard.strip())
        if match and not _BARE_DIM.match(match["expr"].strip()):
            pinned.append(guard.replace("L['", "").replace("']", ""))
    if not pinned:
        return
    shown = "; ".join(pinned[:3]) + (f" (and {len(pinned) - 3} more)" if len(pinned) > 3 else "")
    warnings.warn(
        f"torch.export fixed sizes that {type(model).__name__} computes from its dynamic inputs: {shown}. The exported "
        "model is right only for inputs meeting these conditions; other sizes fail or give wrong results in ONNX "
        "Runtime. Compute such sizes with tensor ops (not int()/math.ceil on sizes), or export with static sizes.",
        OnnxMigrateWarning,
        stacklevel=5,
    )


def _is_data_dependent(exc: BaseException) -> bool:
    text = f"{type(exc).__name__}: {exc}".lower()
    return "guardondatadependent" in text or "data-dependent" in text


def _capture_deciding_branches_by_example(
    model: torch.nn.Module,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    dynamic_shapes: Any,
    first: Exception,
    recurrent_as_ops: bool = False,
) -> torch.export.ExportedProgram:
    """Capture a model that branches on tensor values, taking each branch the example inputs take.

    The legacy exporter traced with the real inputs, so ``if (zero_point != 0).any():``
    (brevitas) or ``if amax.min() < 0:`` simply followed the example. ``torch.export``
    runs on fake tensors and cannot; its ``draft_export`` propagates the real example
    values beside the fake ones and decides such branches the same way. The result is
    specialized to the branches taken, as the legacy model was, and the export warns.
    """
    try:
        program = _run_export(model, args, kwargs, dynamic_shapes, strict=False, draft=True, recurrent_as_ops=recurrent_as_ops)
    except Exception as retry_exc:  # noqa: BLE001 - reported with the first failure
        raise CaptureError(f"torch.export could not capture {type(model).__name__}: {_explain(first)}") from retry_exc
    if not _same_outputs(program, model, args, kwargs):
        raise CaptureError(
            f"torch.export could not capture {type(model).__name__}: {_explain(first)}\nCapturing with the "
            "example's values took other branches than the model does on those inputs (this torch's draft_export "
            "did not see the real values); rewrite the branch with torch.cond, or upgrade torch."
        ) from first
    warnings.warn(
        f"{type(model).__name__} branches on tensor values ({str(first).strip().splitlines()[0][:160]}); each "
        "branch was decided by the example inputs, as the legacy exporter's trace decided it (it warned "
        "the same way). Inputs that take another branch are not covered by the exported model; to export both "
        "branches, rewrite the branch with torch.cond.",
        OnnxMigrateWarning,
        stacklevel=4,
    )
    return program


def _same_outputs(
    program: torch.export.ExportedProgram, model: torch.nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> bool:
    """Whether the captured program computes what the model computes on the example inputs."""
    try:
        with torch.no_grad():
            captured = program.module()(*args, **kwargs)
        expected = run_model_eagerly(model, args, kwargs)
    except Exception:  # noqa: BLE001 - a program that cannot run on its own example is no capture
        return False
    ours = [t for t in pytree.tree_leaves(captured) if isinstance(t, torch.Tensor)]
    theirs = [t for t in pytree.tree_leaves(expected) if isinstance(t, torch.Tensor)]
    return len(ours) == len(theirs) and all(_close(a, b) for a, b in zip(ours, theirs, strict=True))


def _close(a: torch.Tensor, b: torch.Tensor) -> bool:
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype.is_floating_point or a.dtype.is_complex:
        return torch.allclose(a, b, rtol=1e-4, atol=1e-5, equal_nan=True)
    return torch.equal(a, b)


@contextlib.contextmanager
def _quiet_logger(name: str) -> Iterator[None]:
    logger = logging.getLogger(name)
    previous = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(previous)


def _run_export(
    model: torch.nn.Module,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    dynamic_shapes: Any,
    strict: bool,
    draft: bool = False,
    recurrent_as_ops: bool = False,
) -> torch.export.ExportedProgram:
    if isinstance(dynamic_shapes, _ShapesByArgument):
        # torch.export keys dynamic_shapes by forward's parameter names (*args as a tuple).
        try:
            bound = inspect.signature(model.forward).bind(*dynamic_shapes.args, **dynamic_shapes.kwargs)
            dynamic_shapes = dict(bound.arguments)
        except (TypeError, ValueError):
            dynamic_shapes = dynamic_shapes.args if not dynamic_shapes.kwargs else dynamic_shapes.kwargs
    _autograd_functions.begin_trace()
    with (
        _torch_compat.size_oblivious_dims(),
        _torch_compat.data_reads_as_detach(),
        _torch_compat.parameter_data_ptrs_as_real(model),
        recurrent_capture.recurrent_layers_as_ops() if recurrent_as_ops and not strict else contextlib.nullcontext(),
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore", FutureWarning)
        if draft:
            with _quiet_logger("torch.export._draft_export"), _quiet_logger("torch.fx.experimental.symbolic_shapes"):
                return torch.export.draft_export(model, args, kwargs=kwargs or None, dynamic_shapes=dynamic_shapes)
        with _without_partial_graph_dump():
            return torch.export.export(model, args, kwargs=kwargs or None, dynamic_shapes=dynamic_shapes, strict=strict)


@contextlib.contextmanager
def _without_partial_graph_dump() -> Iterator[None]:
    """Keep torch.export's dump of the partial graph (printed to stderr when a capture fails on a
    data-dependent value) off the user's terminal; everything else it prints goes through.

    A failed first capture is routine here (the draft capture then follows the example's values),
    and the dump runs to megabytes on real models (segment-anything's decoder: the whole graph).
    The graph stays on the exception (``partial_fx_graph``) for whoever wants it.
    """
    buffer = io.StringIO()
    dropped = ""
    try:
        with contextlib.redirect_stderr(buffer):
            yield
    except Exception as exc:
        dropped = str(getattr(exc, "partial_fx_graph", "") or "")
        raise
    finally:
        text = buffer.getvalue()
        if dropped:
            text = text.replace(dropped + "\n", "", 1).replace(dropped, "", 1)
        if text:
            sys.stderr.write(text)
