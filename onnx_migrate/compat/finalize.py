"""Turn the translated graph into the ONNX model the legacy exporter would have written.

Initializers and inputs per ``export_params`` / ``keep_initializers_as_inputs``,
input/output names, ``dynamic_axes`` dim names, legacy-style node names
(``/encoder/layer.0/MatMul``), opset imports (default domain and every custom
domain, at its ``custom_opsets`` version), constant folding, cleanup, ONNX shape
inference and the checker.
"""

from __future__ import annotations

import contextlib
import re
import warnings
from collections.abc import Iterator, Sequence

import numpy as np
import onnx
import onnx.checker
import onnx.helper
import onnx.shape_inference
import onnx_ir as ir
import onnx_ir.passes.common as common_passes

from onnx_migrate import __version__
from onnx_migrate.compat.capture import CapturedModel
from onnx_migrate.compat.export_report import ExportReport
from onnx_migrate.compat.options import ExportOptions
from onnx_migrate.compat.passes import FuseConvBatchNormPass
from onnx_migrate.compat.translate import TranslatedGraph
from onnx_migrate.errors import ExportOptionError, OnnxMigrateError, OnnxMigrateWarning
from onnx_migrate.legacy_symbolics.schema_checks import strip_undeclared_attributes
from onnx_migrate.legacy_symbolics.export_context import OperatorExportTypes, TrainingMode

__all__ = [
    "PROTOBUF_LIMIT",
    "apply_dim_names",
    "build_model",
    "check_model",
    "check_output_names",
    "stubbed_proto",
    "to_proto",
]

#: Protobuf cannot serialize a message of 2 GiB or more; larger models use external data.
PROTOBUF_LIMIT = 2**31 - 1
_FOLD_SIZE_LIMIT = 1 << 22  # elements; larger constant subgraphs stay unfolded


def _all_graphs(graph: ir.Graph) -> Iterator[ir.Graph]:
    yield graph
    for node in ir.traversal.RecursiveGraphIterator(graph):
        for attr in node.attributes.values():
            if attr.type == ir.AttributeType.GRAPH:
                yield attr.as_graph()
            elif attr.type == ir.AttributeType.GRAPHS:
                yield from attr.as_graphs()


def _assign_io(graph: ir.Graph, translated: TranslatedGraph, options: ExportOptions) -> None:
    """Outputs with their names; parameters as initializers or inputs."""
    check_output_names(options, len(translated.outputs))
    taken = {v.name for v in translated.user_inputs} | set(translated.initializers)
    for index, value in enumerate(translated.outputs):
        name = options.output_names[index] if index < len(options.output_names) else translated.output_hints[index]
        if name in taken:
            name = f"{name}_output"
        taken.add(name)
        value.name = name
        graph.outputs.append(value)
    used = [v for name, v in translated.initializers.items() if v.uses() or v.is_graph_output()]
    if options.export_params:
        for value in used:
            graph.register_initializer(value)
        if options.keep_initializers_as_inputs:
            graph.inputs.extend(used)
    else:
        for value in used:
            value.const_value = None
            graph.inputs.append(value)


def check_output_names(options: ExportOptions, outputs: int) -> None:
    """``output_names`` may name fewer outputs than the model has, never more."""
    if len(options.output_names) > outputs:
        raise ExportOptionError(
            f"output_names has {len(options.output_names)} names {list(options.output_names)} but the model "
            f"returns {outputs} tensor output(s); give at most {outputs} names."
        )


def apply_dim_names(
    graph: ir.Graph, user_inputs: Sequence[ir.Value], captured: CapturedModel, options: ExportOptions
) -> None:
    """Rename torch's dim symbols (``s77``) to the ``dynamic_axes`` names (``batch``).

    ``user_inputs``: the graph inputs that are the model's inputs, in the order of ``captured.inputs``.
    """
    known = {v.name for v in graph.inputs} | {v.name for v in graph.outputs}
    unknown = sorted(set(options.dynamic_axes) - known)
    if unknown:
        raise ExportOptionError(
            f"dynamic_axes names {unknown}, which are neither inputs nor outputs of the exported model. "
            f"Inputs: {[v.name for v in graph.inputs]}; outputs: {[v.name for v in graph.outputs]}. "
            "Name inputs and outputs with input_names=/output_names= and use those names."
        )
    renames: dict[str, str] = {}
    specialized = False
    for spec, value in zip(captured.inputs, user_inputs, strict=False):
        dims = list(value.shape.dims) if value.shape is not None else []
        for axis, dim_name in spec.dynamic_axes.items():
            if axis >= len(dims):
                continue
            current = dims[axis]
            if isinstance(current, ir.SymbolicDim) and current.value and current.value not in renames:
                renames[current.value] = dim_name
            elif isinstance(current, int):
                specialized = True
                warnings.warn(
                    f"dynamic_axes[{spec.name!r}][{axis}] ({dim_name!r}) was fixed to {current} by the model's "
                    "code; the ONNX input declares it dynamic, as the legacy exporter did, but other sizes may fail.",
                    OnnxMigrateWarning,
                    stacklevel=5,
                )
            dims[axis] = ir.SymbolicDim(dim_name)
        if dims:
            value.shape = ir.Shape(dims)
    if specialized:
        _forget_derived_shapes(graph)
    elif renames:
        pattern = re.compile(r"\b(" + "|".join(re.escape(k) for k in sorted(renames, key=len, reverse=True)) + r")\b")
        for sub in _all_graphs(graph):
            for value in _graph_values(sub):
                if value.shape is None or value in graph.inputs:
                    continue
                new_dims = [
                    ir.SymbolicDim(pattern.sub(lambda m: renames[m.group(0)], d.value))
                    if isinstance(d, ir.SymbolicDim) and d.value
                    else d
                    for d in value.shape.dims
                ]
                value.shape = ir.Shape(new_dims)
    for value in graph.outputs:
        axes = options.dynamic_axes.get(value.name or "")
        if not axes or value.shape is None:
            continue
        dims = list(value.shape.dims)
        for axis, dim_name in axes.items():
            if -len(dims) <= axis < len(dims):
                dims[axis] = ir.SymbolicDim(dim_name)
            else:
                raise ExportOptionError(
                    f"dynamic_axes[{value.name!r}] names axis {axis}, but output {value.name!r} has rank {len(dims)}."
                )
        value.shape = ir.Shape(dims)


def _forget_derived_shapes(graph: ir.Graph) -> None:
    """Drop the sizes torch.export derived from a dim it fixed although the user declared it dynamic.

    Every static size downstream of that dim is the example's, and would end up in the file's
    declared output shapes (torchaudio's DeepSpeech declared ``20`` for its time axis). ONNX shape
    inference re-derives them from the dynamic input declaration instead, as the legacy
    exporter's graph had them (``time``).
    """
    for sub in _all_graphs(graph):
        for value in _graph_values(sub):
            if value in graph.inputs or value.shape is None:
                continue
            value.shape = ir.Shape([None] * len(value.shape)) if value in graph.outputs else None


def _graph_values(graph: ir.Graph) -> Iterator[ir.Value]:
    yield from graph.inputs
    for node in graph:
        yield from node.outputs


def _legacy_names(graph: ir.Graph) -> None:
    """Name nodes ``/scope/OpType`` and their outputs ``/scope/OpType_output_N``, as the legacy exporter did."""
    fixed = {v.name for v in graph.inputs} | {v.name for v in graph.outputs} | set(graph.initializers)
    seen: dict[str, int] = {}
    for node in graph:
        scope = node.metadata_props.get("pkg.torch.onnx.name_scopes", "")
        prefix = "/" + "/".join(part for part in scope.split(".") if part) if scope else ""
        base = f"{prefix}/{node.op_type}"
        count = seen.get(base, 0)
        seen[base] = count + 1
        node.name = base if count == 0 else f"{base}_{count}"
        for index, out in enumerate(node.outputs):
            if out.name not in fixed:
                out.name = f"{node.name}_output_{index}"


def _opset_imports(model: ir.Model, opset: int, options: ExportOptions, domains: dict[str, int]) -> None:
    used: set[str] = set()
    for sub in _all_graphs(model.graph):
        for node in sub:
            used.add(node.domain)
    for function in model.functions.values():
        for node in function:
            used.add(node.domain)
    imports = {"": opset}
    for domain in sorted(d for d in used if d not in ("", "ai.onnx")):
        imports[domain] = options.custom_opsets.get(domain, domains.get(domain, 1))
    model.graph.opset_imports.clear()
    model.graph.opset_imports.update(imports)


def _fold_constants(model: ir.Model, report: ExportReport) -> None:
    try:
        import onnxscript.optimizer as osc_optimizer
    except ImportError:  # pragma: no cover - onnxscript is a dependency
        report.warnings.append("onnxscript is not installed: constant folding skipped.")
        return
    try:
        osc_optimizer.fold_constants(model, onnx_shape_inference=False, input_size_limit=_FOLD_SIZE_LIMIT, output_size_limit=_FOLD_SIZE_LIMIT)
    except Exception as exc:  # noqa: BLE001 - folding is an optimization; the model stays valid without it
        report.warnings.append(f"Constant folding skipped: {type(exc).__name__}: {exc}")
    _tensor_valued_constants(model)


#: ``Constant`` attributes other than ``value`` exist only from opset 12 (``sparse_value`` from 11).
_SCALAR_CONSTANT_ATTRIBUTES = {
    "value_int": ir.DataType.INT64,
    "value_ints": ir.DataType.INT64,
    "value_float": ir.DataType.FLOAT,
    "value_floats": ir.DataType.FLOAT,
}


def _tensor_valued_constants(model: ir.Model) -> None:
    """Before opset 12, rewrite ``Constant(value_ints=...)`` (which the optimizer folds shapes into) to ``value=``."""
    if model.graph.opset_imports.get("", 12) >= 12:
        return
    for node in model.graph.all_nodes():
        if node.op_type != "Constant" or node.domain not in ("", "ai.onnx"):
            continue
        for name, dtype in _SCALAR_CONSTANT_ATTRIBUTES.items():
            attr = node.attributes.get(name)
            if attr is not None:
                array = np.asarray(attr.value, dtype=dtype.numpy())
                node.attributes.pop(name)
                node.attributes["value"] = ir.AttrTensor("value", ir.tensor(array))


def build_model(
    translated: TranslatedGraph, captured: CapturedModel, options: ExportOptions, report: ExportReport
) -> ir.Model:
    """The finished ``onnx_ir`` model (not yet serialized)."""
    graph = translated.builder.graph
    _assign_io(graph, translated, options)
    apply_dim_names(graph, translated.user_inputs, captured, options)
    model = ir.Model(graph, ir_version=10, producer_name="onnx_migrate", producer_version=__version__)
    for key, function in translated.builder.functions.items():
        model.functions[key] = function
    # The optimizer reads opset_imports to pick op versions: set them before folding (and again after).
    _opset_imports(model, options.opset_version, options, translated.builder.used_domains)
    if options.training == TrainingMode.EVAL and options.export_params and not options.keep_initializers_as_inputs:
        FuseConvBatchNormPass()(model)
    common_passes.RemoveUnusedNodesPass()(model)
    if options.do_constant_folding and options.export_params and not options.keep_initializers_as_inputs:
        _fold_constants(model, report)
        common_passes.RemoveUnusedNodesPass()(model)
    _legacy_names(graph)
    _opset_imports(model, options.opset_version, options, translated.builder.used_domains)
    model.ir_version = _ir_version(options.opset_version, bool(model.functions))
    return model


def _ir_version(opset: int, has_functions: bool) -> int:
    minimum = onnx.helper.find_min_ir_version_for([onnx.helper.make_opsetid("", opset)])
    return max(minimum, 8) if has_functions else minimum


def initializer_bytes(model: ir.Model) -> int:
    return sum(v.const_value.nbytes for v in model.graph.initializers.values() if v.const_value is not None)


def to_proto(model: ir.Model, *, infer_shapes: bool = True) -> onnx.ModelProto:
    """Serialize, adding ONNX shape inference's ``value_info`` like the legacy exporter's output.

    The whole model in one ``ModelProto`` (the weights copied into it); writing a file
    goes through :func:`stubbed_proto` and streams the weights instead.
    """
    proto, large = stubbed_proto(model, infer_shapes=infer_shapes)
    for initializer in proto.graph.initializer:
        tensor = large.get(initializer.name)
        if tensor is not None:
            initializer.ClearField("external_data")
            initializer.data_location = onnx.TensorProto.DEFAULT
            initializer.raw_data = tensor.tobytes()
    return proto


def stubbed_proto(model: ir.Model, *, infer_shapes: bool = True) -> tuple[onnx.ModelProto, dict[str, ir.TensorProtocol]]:
    """The model as a ``ModelProto`` whose large initializers are data-less stubs, and those tensors by name.

    Shape inference runs on this form: it needs only the initializers' types and shapes, and
    run on the full model it held three more copies of the weights and took most of the
    export time (measured on a 0.5 GiB model: +3x the parameter bytes, 13 of 27 seconds).
    """
    with _large_initializers_stubbed(model) as large:
        proto = ir.serde.serialize_model(model)
    if infer_shapes:
        declared = {o.name: [d.dim_param for d in o.type.tensor_type.shape.dim] for o in proto.graph.output}
        try:
            proto = onnx.shape_inference.infer_shapes(proto, check_type=False, strict_mode=False, data_prop=True)
        except Exception:  # noqa: BLE001 - value_info is a nicety, not a requirement
            pass
        _keep_declared_dim_names(proto, declared)
    return proto, large


def _keep_declared_dim_names(proto: onnx.ModelProto, declared: dict[str, list[str]]) -> None:
    """Output dims named by ``dynamic_axes`` stay named after inference.

    Inference overwrites a named output dim with a size it derives from static
    intermediate shapes (a dim torch.export specialized, e.g. by ``x.view(6, -1)``);
    the legacy exporter declared the names the user gave, and so do we.
    """
    for output in proto.graph.output:
        names = declared.get(output.name, [])
        dims = output.type.tensor_type.shape.dim
        if len(dims) != len(names):
            continue
        for dim, name in zip(dims, names, strict=True):
            if name and dim.dim_param != name:
                dim.ClearField("dim_value")
                dim.dim_param = name


#: Initializers larger than this are stubbed out for shape inference. Small ones stay: inference
#: reads their values (a Reshape's target shape, say).
_INFERENCE_STUB_BYTES = 1 << 20


@contextlib.contextmanager
def _large_initializers_stubbed(model: ir.Model) -> Iterator[dict[str, ir.TensorProtocol]]:
    """Swap large initializer tensors for external-data stubs (never read); restore them on exit."""
    large = {
        name: value.const_value
        for name, value in model.graph.initializers.items()
        if value.const_value is not None
        and value.const_value.dtype != ir.DataType.STRING
        and value.const_value.nbytes > _INFERENCE_STUB_BYTES
    }
    try:
        for name, tensor in large.items():
            model.graph.initializers[name].const_value = ir.ExternalTensor(
                "onnx_migrate_inference_stub", 0, tensor.nbytes, tensor.dtype, shape=tensor.shape, name=name
            )
        yield large
    finally:
        for name, tensor in large.items():
            model.graph.initializers[name].const_value = tensor


def check_model(proto: onnx.ModelProto | str, options: ExportOptions) -> None:
    """Run the ONNX checker, as the legacy exporter did for ``OperatorExportTypes.ONNX``."""
    if options.operator_export_type != OperatorExportTypes.ONNX:
        return
    try:
        _check_tolerating_undeclared_attributes(proto, options.opset_version)
    except onnx.checker.ValidationError as exc:
        raise OnnxMigrateError(
            f"The exported model fails the ONNX checker at opset {options.opset_version}: {exc}\n"
            "A symbolic function most likely emitted an op with wrong inputs or attributes; the report "
            "(result.report) lists the symbolics used."
        ) from exc


def _check_tolerating_undeclared_attributes(proto: onnx.ModelProto | str, opset: int) -> None:
    """The checker, minus its objection to attributes a symbolic added outside the op's schema.

    Those are kept on purpose (legacy kept them; the export warned and reported
    each one), so only they are forgiven: the model is checked again without them.
    """
    try:
        onnx.checker.check_model(proto)
    except onnx.checker.ValidationError as exc:
        if not isinstance(proto, onnx.ModelProto) or "Unrecognized attribute" not in str(exc):
            raise
        onnx.checker.check_model(strip_undeclared_attributes(proto, opset))
