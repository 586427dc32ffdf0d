"""Name drift: custom symbolics registered under op names ``torch.export`` no longer produces.

The TorchScript tracer recorded some ops under other names than the ones
``torch.export`` keeps: a ``Conv2d`` was ``aten::_convolution`` (13 arguments,
cuDNN flags included) and is ``aten::conv2d`` now; ``torch.inverse`` was
``aten::linalg_inv`` and is ``aten::inverse``. A custom symbolic registered for the
TorchScript-era name (ONNX Runtime training registers ``aten::_convolution``)
would never be called.

:data:`ROUTES` lists every such pair, found by exporting a broad set of models
(every ``nn`` layer family, functional ops, torchvision classifiers; static and
dynamic shapes; eval and training) with the legacy exporter at
``operator_export_type=ONNX_ATEN`` and comparing its op names with the
targets of the ``ExportedProgram`` (torch 2.13 and 2.15 agree). A node is routed
when the op it carries has no custom symbolic at the target opset and the
TorchScript-era name has one that legacy dispatch would pick (custom, not
shadowed by a built-in); the symbolic is then called with the TorchScript-era
argument list, built from the node's arguments.

Other differences the comparison found are not routes: in-place names
(``relu_``: the translator strips the ``_``), ops torch.export folds away with
static shapes (``aten::size``, ``aten::numel``, ``aten::type_as`` of an equal
dtype, Python ``//`` on sizes), and ``aten::chunk``, which the legacy exporter
rewrote before any symbolic ran (neither a custom ``aten::chunk`` nor
``prim::ConstantChunk`` was ever called for it).

Custom registrations no node used are reported by :func:`report_unused_custom_symbolics`.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch

from onnx_migrate.compat import fx_nodes
from onnx_migrate.compat.export_report import ExportReport, UnusedSymbolic
from onnx_migrate.errors import UnusedSymbolicWarning
from onnx_migrate.legacy_symbolics.registry import SymbolicEntry, SymbolicRegistry

__all__ = ["ROUTES", "DriftRoute", "find_route", "has_route", "report_unused_custom_symbolics"]

#: A function from the node's schema arguments (name -> FX value) to the legacy argument list.
LegacyArguments = Callable[[Mapping[str, Any], torch.fx.Node], list[Any]]


@dataclasses.dataclass(frozen=True)
class DriftRoute:
    """``produced`` (the op torch.export keeps) is served by a custom symbolic of ``legacy``.

    Attributes:
        produced: the op name in the ExportedProgram (``aten::conv2d``).
        overloads: the overloads of ``produced`` the route covers (``default``, ``padding`` ...).
        legacy: the name the TorchScript tracer recorded (``aten::_convolution``).
        arguments: builds the legacy argument list from the node's schema arguments.
    """

    produced: str
    overloads: frozenset[str]
    legacy: str
    arguments: LegacyArguments


def _spatial_rank(node: torch.fx.Node) -> int:
    """Spatial dims of a convolution: the weight's rank minus 2 (the tracer expanded int lists to it)."""
    weight = node.args[1] if len(node.args) > 1 else node.kwargs.get("weight")
    val = weight.meta.get("val") if isinstance(weight, torch.fx.Node) else None
    return max(val.dim() - 2, 1) if isinstance(val, torch.Tensor) else 1


def _expanded(value: Any, rank: int) -> Any:
    """``1`` or ``[1]`` as ``[1, 1]`` for a 2-d convolution, as TorchScript carried them."""
    if isinstance(value, (int, torch.SymInt)) and not isinstance(value, bool):
        return [value] * rank
    if isinstance(value, (list, tuple)) and len(value) == 1 and rank > 1:
        return list(value) * rank
    return list(value) if isinstance(value, tuple) else value


def _cudnn_flags() -> list[bool]:
    """``benchmark, deterministic, cudnn_enabled, allow_tf32`` as the tracer read them from torch's settings."""
    cudnn = torch.backends.cudnn
    return [bool(cudnn.benchmark), bool(cudnn.deterministic), bool(cudnn.enabled), bool(cudnn.allow_tf32)]


def _convolution_from_conv(transposed: bool) -> LegacyArguments:
    def build(args: Mapping[str, Any], node: torch.fx.Node) -> list[Any]:
        rank = _spatial_rank(node)
        output_padding = _expanded(args.get("output_padding", 0), rank)
        return [
            args["input"], args["weight"], args["bias"],
            _expanded(args["stride"], rank), _expanded(args["padding"], rank), _expanded(args["dilation"], rank),
            transposed, output_padding, args["groups"], *_cudnn_flags(),
        ]  # fmt: skip

    return build


def _convolution_from_convolution(args: Mapping[str, Any], node: torch.fx.Node) -> list[Any]:
    rank = _spatial_rank(node)
    return [
        args["input"], args["weight"], args["bias"],
        _expanded(args["stride"], rank), _expanded(args["padding"], rank), _expanded(args["dilation"], rank),
        args["transposed"], _expanded(args["output_padding"], rank), args["groups"], *_cudnn_flags(),
    ]  # fmt: skip


def _convolution_mode(args: Mapping[str, Any], node: torch.fx.Node) -> list[Any]:
    rank = _spatial_rank(node)
    return [
        args["input"], args["weight"], args["bias"], _expanded(args["stride"], rank), args["padding"],
        _expanded(args["dilation"], rank), args["groups"],
    ]  # fmt: skip


def _same(*names: str) -> LegacyArguments:
    return lambda args, node: [args[name] for name in names]


_CONV = ("aten::conv1d", "aten::conv2d", "aten::conv3d")
_CONV_TRANSPOSE = ("aten::conv_transpose1d", "aten::conv_transpose2d", "aten::conv_transpose3d")

ROUTES: tuple[DriftRoute, ...] = (
    # nn.Conv1d/2d/3d, F.conv*d with numeric padding: the tracer recorded aten::_convolution
    # (input, weight, bias, stride, padding, dilation, transposed, output_padding, groups,
    # benchmark, deterministic, cudnn_enabled, allow_tf32); ONNX Runtime training registers it.
    *(DriftRoute(name, frozenset({"default"}), "aten::_convolution", _convolution_from_conv(False)) for name in _CONV),
    # nn.ConvTranspose1d/2d/3d: also aten::_convolution, with transposed=True (torch names the
    # overload "default" for 1d and "input" for 2d/3d).
    *(
        DriftRoute(name, frozenset({overload}), "aten::_convolution", _convolution_from_conv(True))
        for name, overload in zip(_CONV_TRANSPOSE, ("default", "input", "input"), strict=True)
    ),
    # torch.convolution (torch.export keeps it when the model calls it directly): same 9 leading arguments.
    DriftRoute("aten::convolution", frozenset({"default"}), "aten::_convolution", _convolution_from_convolution),
    # Conv with padding="same"/"valid": the tracer recorded aten::_convolution_mode
    # (input, weight, bias, stride, padding: str, dilation, groups); ONNX Runtime training registers it.
    *(DriftRoute(name, frozenset({"padding"}), "aten::_convolution_mode", _convolution_mode) for name in _CONV),
    # torch.inverse: the tracer recorded aten::linalg_inv (onnxruntime's contrib ops register both names).
    DriftRoute("aten::inverse", frozenset({"default"}), "aten::linalg_inv", _same("self")),
    # x.size(d) on a dynamic dim: the tracer recorded aten::size(self, dim); torch.export keeps aten::sym_size.int.
    DriftRoute("aten::sym_size", frozenset({"int"}), "aten::size", _same("self", "dim")),
    # x.numel() with a dynamic dim: aten::numel(self) then; aten::sym_numel now.
    DriftRoute("aten::sym_numel", frozenset({"default"}), "aten::numel", _same("self")),
)

_BY_PRODUCED: dict[str, tuple[DriftRoute, ...]] = {}
for _route in ROUTES:
    _BY_PRODUCED[_route.produced] = (*_BY_PRODUCED.get(_route.produced, ()), _route)


def _custom_entry(registry: SymbolicRegistry, name: str, opset: int) -> SymbolicEntry | None:
    """The custom symbolic legacy dispatch picks for ``name`` at ``opset`` (``None``: none, or a built-in wins)."""
    entry = registry.lookup(name, opset).entry
    return entry if entry is not None and entry.custom else None


def find_route(registry: SymbolicRegistry, info: fx_nodes.NodeInfo, opset: int) -> tuple[DriftRoute, SymbolicEntry] | None:
    """The route and custom symbolic serving a node whose own op has no custom symbolic, or ``None``."""
    routes = _BY_PRODUCED.get(info.name, ())
    if not routes or _custom_entry(registry, info.name, opset) is not None:
        return None
    for route in routes:
        if info.overload in route.overloads:
            entry = _custom_entry(registry, route.legacy, opset)
            if entry is not None:
                return route, entry
    return None


def has_route(registry: SymbolicRegistry, name: str, opset: int) -> bool:
    """Whether some overload of op ``name`` would be routed (decomposition must then keep it)."""
    if _custom_entry(registry, name, opset) is not None:
        return False
    return any(_custom_entry(registry, route.legacy, opset) is not None for route in _BY_PRODUCED.get(name, ()))


def legacy_arguments(route: DriftRoute, node: torch.fx.Node) -> list[Any]:
    """The legacy argument list (FX nodes and Python values) of ``node`` for ``route.legacy``."""
    bound = {name: value for name, value, _ in fx_nodes.schema_arguments(node)}
    return route.arguments(bound, node)


def _used_names(report: ExportReport) -> set[str]:
    names: set[str] = set()
    for qualified in report.symbolics:
        name = qualified.split(".", 1)[0]
        names.add(name)
        base = fx_nodes.NodeInfo(name, "default").inplace_base
        if base is not None:
            names.add(base)
    names.update(route.legacy for route in report.routed_symbolics)
    return names


def _model_ops(report: ExportReport) -> set[str]:
    return {qualified.split(".", 1)[0] for qualified in report.op_counts}


def report_unused_custom_symbolics(registry: SymbolicRegistry, opset: int, report: ExportReport) -> None:
    """List in ``report`` the custom symbolics serving ``opset`` that no node used; warn for drift candidates.

    Legacy scripts register many ops at once (onnxruntime's ``register()`` registers ten),
    so a registration whose op the model simply lacks is only listed in the report. A
    warning is raised when the model has an op the registration was probably meant
    for: the op torch.export produces for its TorchScript-era name (routing did not
    happen because that op has a custom symbolic of its own).
    Registrations a built-in shadows are the shadowing report's business, not this one's.
    """
    used = _used_names(report)
    present = _model_ops(report)
    # Only names with a custom registration can be unused registrations (a handful among ~2,000 names).
    for name in sorted({entry.name for entry in registry.custom_entries()}):
        entry = _custom_entry(registry, name, opset)
        if entry is None or name in used:
            continue
        instead = sorted({r.produced for r in ROUTES if r.legacy == name and r.produced in present})
        item = UnusedSymbolic(name, entry.opset, entry.origin, tuple(instead))
        report.unused_symbolics.append(item)
        # The same function registered under both names (onnxruntime registers its Inverse for aten::inverse
        # and aten::linalg_inv) ran under the new name: nothing to warn about.
        served_by_same = any(getattr(_custom_entry(registry, op, opset), "origin", None) == entry.origin for op in instead)
        if instead and not served_by_same:
            warnings.warn(_unused_message(registry, opset, entry, instead), UnusedSymbolicWarning, stacklevel=4)


def _unused_message(registry: SymbolicRegistry, opset: int, entry: SymbolicEntry, instead: Sequence[str]) -> str:
    name, ops = entry.name, ", ".join(instead)
    own = [op for op in instead if _custom_entry(registry, op, opset) is not None]
    if own:
        reason = (
            f"{', '.join(own)} has a custom symbolic of its own, which ran instead (onnx_migrate routes to {name} "
            f"only ops without one); unregister one of the two to choose"
        )
    else:
        forms = "; ".join(describe_routes([r for r in ROUTES if r.legacy == name and r.produced in instead]))
        reason = (
            f"no node of it has a form the TorchScript exporter recorded as {name} (onnx_migrate routes {forms}); "
            f"register the symbolic for {ops} itself"
        )
    return (
        f"The custom symbolic {entry.origin} registered for {name} at opset {entry.opset} was not used: this model "
        f"has {ops} (what torch.export keeps where the TorchScript exporter recorded {name}), and {reason}."
    )


def describe_routes(routes: Sequence[DriftRoute]) -> list[str]:
    """``aten::conv2d -> aten::_convolution`` lines, for documentation and reports."""
    return [f"{r.produced}.{'/'.join(sorted(r.overloads))} -> {r.legacy}" for r in routes]
