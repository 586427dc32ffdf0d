"""The ``g`` / value / type / node methods that real third-party symbolics call, each run in a real export.

``API_USES`` lists every method found in public legacy symbolic code, with where it
was found (repository and path; read with the public code search, never copied).
Each entry has one scenario below: a symbolic written in the style of that code,
registered for a real ATen op (or a small custom op), exported with
``onnx_migrate.export`` through real ``torch.export``, checked by the ONNX checker
and run in ONNX Runtime against eager PyTorch. What the method answered while the
symbolic ran is recorded and asserted too.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import onnx
import pytest
import torch

import onnx_migrate
from onnx_migrate.errors import GraphBuildError, UndeclaredAttributeWarning
from onnx_migrate.legacy_symbolics import symbolic_helper as sh
from onnx_migrate.legacy_symbolics.registry import SymbolicRegistry
from _export_helpers import assert_parity, requires_legacy, run_ort

ORT_REGISTRY = "microsoft/onnxruntime orttraining/orttraining/python/training/ortmodule/_custom_op_symbolic_registry.py"
ORT_PYTHON_OP = "microsoft/onnxruntime orttraining/orttraining/python/training/ortmodule/_custom_autograd_function_exporter.py"
ORT_CONTRIB = "microsoft/onnxruntime onnxruntime/python/tools/pytorch_export_contrib_ops.py"
MMCV = "open-mmlab/mmcv mmcv/onnx/symbolic.py"
MODELOPT = "NVIDIA/TensorRT-Model-Optimizer modelopt/torch/quantization/export_onnx.py"
PYTORCH_QUANT = "NVIDIA/TensorRT tools/pytorch-quantization/pytorch_quantization/tensor_quant.py"


@dataclasses.dataclass(frozen=True)
class ApiUse:
    """One method real symbolic code calls, and where it was found."""

    method: str
    evidence: tuple[str, ...]


API_USES = [
    ApiUse("GraphContext.op(..., outputs=n)", ("triple-Mu/YOLOv8-TensorRT models/common.py", ORT_REGISTRY)),
    ApiUse("GraphContext.op(..., attr_i=None) drops the attribute", (PYTORCH_QUANT, MODELOPT)),
    ApiUse("GraphContext.opset", ("open-mmlab/mmdeploy mmdeploy/pytorch/symbolics/squeeze.py",)),
    ApiUse("GraphContext.original_node.outputs()", (ORT_REGISTRY, ORT_PYTHON_OP)),
    ApiUse("Node.outputsSize()", (ORT_PYTHON_OP,)),
    ApiUse("Node.inputsAt(i)", ("public squeeze rewrite: g.original_node.inputsAt(0).type().sizes()",)),
    ApiUse("Node.output()", ("pytorch/pytorch torch/onnx/symbolic_opset9.py (prim_device)",)),
    ApiUse("Node.kind()", ("pytorch/pytorch torch/onnx/_internal/jit_utils.py (is_aten / parse_node_kind)",)),
    ApiUse("Node.sourceRange()", ("pytorch/pytorch torch/onnx/errors.py",)),
    ApiUse("Node.scopeName()", ("issue 13 (named there; no public symbolic found reading it)",)),
    ApiUse("Value.setTypeAs(other)", ("OpenPPL/ppl.pmx torch_function/RMSNorm.py", "OpenPPL/ppl.pmx torch_function/RotaryPositionEmbedding.py")),
    ApiUse("Value.setType(t) returns the value", (ORT_CONTRIB, MODELOPT)),
    ApiUse("Value.node().mustBeNone()", (ORT_REGISTRY, "open-mmlab/mmdeploy mmdeploy/pytorch/symbolics/instance_norm.py")),
    ApiUse("Value.node().kind()", (ORT_REGISTRY, MMCV)),
    ApiUse("Value.isCompleteTensor()", (MMCV,)),
    ApiUse("Type.scalarType()", (ORT_REGISTRY, PYTORCH_QUANT, "pytorch/vision torchvision/ops/_register_onnx_ops.py")),
    ApiUse("Type.dim()", (MMCV, ORT_PYTHON_OP)),
    ApiUse("Type.sizes()", (MMCV, "open-mmlab/mmdeploy mmdeploy/pytorch/symbolics/squeeze.py")),
    ApiUse("Type.varyingSizes()", ("pytorch/pytorch torch/onnx/symbolic_helper.py (_get_tensor_sizes)",)),
    ApiUse("Type.with_sizes(sizes)", (ORT_REGISTRY, MODELOPT)),
    ApiUse("Type.with_dtype(dtype)", (MODELOPT, PYTORCH_QUANT)),
    ApiUse("Type.dtype()", ("huggingface/transformers src/transformers/models/deberta/modeling_deberta.py",)),
    ApiUse("GraphContext.op keeps an attribute outside the ONNX schema", (ORT_REGISTRY,)),
]

#: What the symbolics saw while they ran, for the assertions of each scenario.
SEEN: dict[str, Any] = {}


@pytest.fixture(autouse=True)
def _scoped_registry() -> Iterator[SymbolicRegistry]:
    SEEN.clear()
    registry = SymbolicRegistry.default()
    with registry.scope():
        yield registry


def _register(name: str, fn: Callable[..., Any], opset: int) -> None:
    onnx_migrate.register_custom_op_symbolic(name, fn, opset)


def _export_quiet(model: torch.nn.Module, args: tuple[Any, ...], **kwargs: Any) -> onnx_migrate.ExportResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return assert_parity(model.eval(), args, **kwargs)


class _Fn(torch.nn.Module):
    def __init__(self, fn: Callable[..., Any]) -> None:
        super().__init__()
        self.fn = fn

    def forward(self, *args: Any) -> Any:
        return self.fn(*args)


@torch.library.custom_op("onnx_migrate_api_test::fake_quant", mutates_args=())
def _fake_quant(x: torch.Tensor, scale: float) -> torch.Tensor:
    return torch.clamp(torch.round(x / scale), 0, 255) * scale


@_fake_quant.register_fake
def _(x: torch.Tensor, scale: float) -> torch.Tensor:
    return torch.empty_like(x)


# -- scenarios, one per API_USES entry ---------------------------------------------------------


def _op_outputs_n() -> None:
    @sh.parse_args("v", "i", "i", "b", "b")
    def topk(g, self, k, dim, largest, sorted):
        return g.op("TopK", self, g.op("Constant", value_t=torch.tensor([k])), axis_i=dim, largest_i=largest, sorted_i=sorted, outputs=2)

    _register("aten::topk", topk, 11)
    _export_quiet(_Fn(lambda x: torch.topk(x, 2)), (torch.randn(3, 5),), opset_version=11)


def _fake_quant_symbolic(g, x, scale):
    scale = sh._maybe_get_const(scale, "f")
    zero_point = g.op("Constant", value_t=torch.tensor(0, dtype=torch.uint8))
    scale_c = g.op("Constant", value_t=torch.tensor(scale))
    axis = None  # per-tensor: the attribute is left out, as pytorch-quantization passes axis_i=None
    q = g.op("QuantizeLinear", x, scale_c, zero_point, axis_i=axis)
    q.setType(x.type().with_dtype(torch.uint8).with_sizes(sh._get_tensor_sizes(x)))
    SEEN["q_type"] = q.type()
    return g.op("DequantizeLinear", q, scale_c, zero_point, axis_i=axis)


def _attr_none_dropped() -> None:
    _register("onnx_migrate_api_test::fake_quant", _fake_quant_symbolic, 13)
    result = _export_quiet(_Fn(lambda x: _fake_quant(x, 0.05)), (torch.rand(2, 6),), opset_version=13)
    quant = [n for n in result.model_proto.graph.node if n.op_type in ("QuantizeLinear", "DequantizeLinear")]
    assert len(quant) == 2 and all(not n.attribute for n in quant)


def _squeeze(g, self, dim=None):
    node = g.original_node
    if dim is None or sh._is_none(dim):
        dims = [i for i, size in enumerate(self.type().sizes()) if size == 1]
    else:
        dims = [sh._get_const(dim, "i", "dim")]
        SEEN["input_sizes"] = node.inputsAt(0).type().sizes()
        if SEEN["input_sizes"][dims[0]] != 1:
            return g.op("Identity", self)
    SEEN.setdefault("opsets", []).append(g.opset)
    if g.opset >= 13:
        return g.op("Squeeze", self, g.op("Constant", value_t=torch.tensor(dims, dtype=torch.long)))
    return g.op("Squeeze", self, axes_i=dims)


def _opset() -> None:
    for opset in (11, 13):  # registered at each target: a custom at 11 loses to the built-in at 13, as in legacy
        _register("aten::squeeze", _squeeze, opset)
        _export_quiet(_Fn(lambda x: x.squeeze(1)), (torch.randn(2, 1, 3),), opset_version=opset)
    assert SEEN["opsets"] == [11, 13]


def _original_outputs() -> None:
    @sh.parse_args("v", "i", "b")
    def argmax(g, self, dim, keepdim):
        loss_output = next(iter(g.original_node.outputs()))
        SEEN["out_type"] = loss_output.type()
        SEEN["producer"] = loss_output.node().kind()
        out = g.op("ArgMax", self, axis_i=dim, keepdims_i=keepdim)
        out.setType(loss_output.type())
        return out

    _register("aten::argmax", argmax, 13)
    _export_quiet(_Fn(lambda x: torch.argmax(x, -1)), (torch.randn(3, 5),), opset_version=13)
    assert SEEN["out_type"].scalarType() == "Long" and SEEN["out_type"].sizes() == [3]
    assert SEEN["producer"] == "aten::argmax"


def _outputs_size() -> None:
    @sh.parse_args("v", "i", "i", "b", "b")
    def topk(g, self, k, dim, largest, sorted):
        node = g.original_node
        SEEN["sizes"] = (node.outputsSize(), node.hasMultipleOutputs(), [o.type().sizes() for o in node.outputs()])
        return g.op("TopK", self, g.op("Constant", value_t=torch.tensor([k])), axis_i=dim, outputs=node.outputsSize())

    _register("aten::topk", topk, 11)
    _export_quiet(_Fn(lambda x: torch.topk(x, 2)), (torch.randn(3, 5),), opset_version=11)
    assert SEEN["sizes"] == (2, True, [[3, 2], [3, 2]])


def _inputs_at() -> None:
    _register("aten::squeeze", _squeeze, 13)
    _export_quiet(_Fn(lambda x: x.squeeze(2) + 1), (torch.randn(2, 1, 3),), opset_version=13)
    assert SEEN["input_sizes"] == [2, 1, 3]


def _record_relu(key: str, read: Callable[[Any, Any], Any]) -> Callable[..., Any]:
    def relu(g, self):
        SEEN[key] = read(g, self)
        return g.op("Relu", self)

    return relu


def _node_output() -> None:
    _register("aten::relu", _record_relu("out", lambda g, x: g.original_node.output().type().sizes()), 13)
    _export_quiet(_Fn(torch.relu), (torch.randn(2, 3),), opset_version=13)
    assert SEEN["out"] == [2, 3]


def _node_kind() -> None:
    def unary(g, self):
        kind = g.original_node.kind()
        SEEN.setdefault("kinds", []).append(kind)
        return g.op({"aten::relu": "Relu", "aten::sigmoid": "Sigmoid"}[kind], self)

    _register("aten::relu", unary, 13)
    _register("aten::sigmoid", unary, 13)
    _export_quiet(_Fn(lambda x: torch.sigmoid(torch.relu(x))), (torch.randn(2, 3),), opset_version=13)
    assert SEEN["kinds"] == ["aten::relu", "aten::sigmoid"]


def _source_range() -> None:
    _register("aten::relu", _record_relu("where", lambda g, x: g.original_node.sourceRange()), 13)
    _export_quiet(_Fn(torch.relu), (torch.randn(2, 3),), opset_version=13)
    assert "test_real_symbolic_api.py" in SEEN["where"]


def _scope_name() -> None:
    _register("aten::relu", _record_relu("scope", lambda g, x: g.original_node.scopeName()), 13)
    model = torch.nn.Sequential(torch.nn.Linear(3, 3), torch.nn.Sequential(torch.nn.ReLU()))
    _export_quiet(model, (torch.randn(2, 3),), opset_version=13)
    assert SEEN["scope"].endswith("1.0")


def _set_type_as() -> None:
    def gelu(g, self, approximate="none"):
        out = g.op("com.microsoft::Gelu", self).setTypeAs(self)
        SEEN["typed"] = str(out.type())
        return out

    _register("aten::gelu", gelu, 13)
    result = _export_quiet(_Fn(lambda x: torch.nn.functional.gelu(x) * 2), (torch.randn(2, 5),), opset_version=13)
    assert SEEN["typed"] == "Float(2, 5)"
    assert any(n.op_type == "Gelu" and n.domain == "com.microsoft" for n in result.model_proto.graph.node)


def _set_type_chain() -> None:
    def triu(g, self, diagonal):
        return g.op("com.microsoft::Trilu", self, diagonal, upper_i=1).setType(self.type())

    _register("aten::triu", triu, 14)
    result = _export_quiet(_Fn(lambda x: torch.triu(x, 1)), (torch.randn(4, 4),), opset_version=14)
    assert [n.domain for n in result.model_proto.graph.node if n.op_type == "Trilu"] == ["com.microsoft"]


def _must_be_none() -> None:
    @sh.parse_args("v", "is", "v", "v", "f", "none")
    def layer_norm(g, input, normalized_shape, weight, bias, eps, cudnn_enable):
        SEEN["none"] = (weight.node().mustBeNone(), bias.node().mustBeNone())
        if weight.node().mustBeNone():
            weight = g.op("Constant", value_t=torch.ones(normalized_shape))
        if bias.node().mustBeNone():
            bias = g.op("Constant", value_t=torch.zeros(normalized_shape))
        return g.op("LayerNormalization", input, weight, bias, epsilon_f=eps, axis_i=-len(normalized_shape))

    _register("aten::layer_norm", layer_norm, 17)
    _export_quiet(_Fn(lambda x: torch.nn.functional.layer_norm(x, (4,))), (torch.randn(3, 4),), opset_version=17)
    assert SEEN["none"] == (True, True)


def _constant_kind() -> None:
    @sh.parse_args("v", "i", "none")
    def softmax(g, input, dim, dtype=None):
        SEEN.setdefault("kinds", []).append(dtype.node().kind())
        out = g.op("Softmax", input, axis_i=dim)
        if dtype and dtype.node().kind() != "prim::Constant":
            out = g.op("Cast", out, to_i=sh.scalar_type_to_onnx[sh._get_const(dtype, "i", "dtype")])
        return out

    _register("aten::softmax", softmax, 13)
    model = _Fn(lambda x: (torch.softmax(x, -1), torch.softmax(x, -1, dtype=torch.float64)))
    _export_quiet(model, (torch.randn(2, 5),), opset_version=13)
    assert SEEN["kinds"] == ["prim::Constant", "onnx::Constant"]


def _adaptive_pool(g, input, output_size):
    output_size = sh._maybe_get_const(output_size, "is")
    SEEN.setdefault("complete", []).append(input.isCompleteTensor())
    if not input.isCompleteTensor():
        return g.op("GlobalAveragePool", input)
    dims = input.type().sizes()[2:]
    stride = [d // o for d, o in zip(dims, output_size)]
    kernel = [d - (o - 1) * s for d, o, s in zip(dims, output_size, stride)]
    return g.op("AveragePool", input, kernel_shape_i=kernel, strides_i=stride)


def _is_complete() -> None:
    _register("aten::adaptive_avg_pool2d", _adaptive_pool, 11)
    pool = torch.nn.AdaptiveAvgPool2d(1)
    _export_quiet(pool, (torch.randn(2, 3, 4, 4),), opset_version=11)
    _export_quiet(pool, (torch.randn(2, 3, 4, 4),), opset_version=11, input_names=["x"], dynamic_axes={"x": {2: "h"}})
    assert SEEN["complete"] == [True, False]


def _scalar_type() -> None:
    _register("aten::relu", _record_relu("types", lambda g, x: (x.type().scalarType(), x.type().dim())), 13)
    _export_quiet(_Fn(lambda x: torch.relu(x.double())), (torch.randn(2, 3, 4),), opset_version=13)
    assert SEEN["types"] == ("Double", 3)


def _sizes() -> None:
    _register("aten::squeeze", _squeeze, 11)
    _export_quiet(_Fn(lambda x: x.squeeze()), (torch.randn(2, 1, 3, 1),), opset_version=11)
    assert SEEN["opsets"] == [11]


def _varying_sizes() -> None:
    _register("aten::relu", _record_relu("sizes", lambda g, x: x.type().varyingSizes()), 13)
    _export_quiet(_Fn(torch.relu), (torch.randn(2, 4),), opset_version=13, input_names=["x"], dynamic_axes={"x": {0: "b"}})
    assert SEEN["sizes"] == [None, 4]


def _with_sizes() -> None:
    def embedding(g, weight, indices, padding_idx, scale_grad_by_freq, sparse):
        output = g.op("Gather", weight, indices, axis_i=0)
        indices_shape = sh._get_tensor_sizes(indices)
        if indices_shape is not None and hasattr(weight.type(), "with_sizes"):
            output.setType(weight.type().with_sizes([*indices_shape, sh._get_tensor_dim_size(weight, 1)]))
        SEEN["type"] = str(output.type())
        return output

    _register("aten::embedding", embedding, 13)
    _export_quiet(torch.nn.Embedding(10, 3), (torch.tensor([[1, 2], [3, 9]]),), opset_version=13)
    assert SEEN["type"] == "Float(2, 2, 3)"


def _with_dtype() -> None:
    _register("onnx_migrate_api_test::fake_quant", _fake_quant_symbolic, 13)
    _export_quiet(_Fn(lambda x: _fake_quant(x, 0.05)), (torch.rand(2, 6),), opset_version=13)
    assert str(SEEN["q_type"]) == "Byte(2, 6)"


def _dtype() -> None:
    def masked_min(g, self, mask, value):
        low = g.op("Constant", value_t=torch.tensor(torch.finfo(self.type().dtype()).min))
        SEEN["dtype"] = self.type().dtype()
        return g.op("Where", mask, low, self)

    _register("aten::masked_fill", masked_min, 13)
    model = _Fn(lambda x: x.masked_fill(x > 0.5, -1.0).clamp(min=-10))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = onnx_migrate.export(model, (torch.rand(2, 3),), opset_version=13)
    x = torch.rand(2, 3)
    (got,) = run_ort(result.model_proto, {result.model_proto.graph.input[0].name: x})
    np.testing.assert_allclose(got, torch.where(x > 0.5, -10.0, x).numpy(), rtol=1e-6)
    assert SEEN["dtype"] == torch.float32


@sh.parse_args("v", "is", "v", "v", "f", "none")
def _ort_training_layer_norm(g, input, normalized_shape, weight, bias, eps, cudnn_enable):
    """ONNX Runtime training's LayerNormalization: three outputs and two attributes ONNX does not declare."""
    res, _, _ = g.op(
        "LayerNormalization", input, weight, bias, epsilon_f=eps, axis_i=-len(normalized_shape),
        outputs=3, operator_s="layer_norm", overload_name_s="vec",
    )  # fmt: skip
    return res


def _undeclared_attribute() -> None:
    _register("aten::layer_norm", _ort_training_layer_norm, 17)
    with pytest.warns(UndeclaredAttributeWarning) as caught:
        result = assert_parity(torch.nn.LayerNorm(4).eval(), (torch.randn(3, 4),), opset_version=17, do_constant_folding=True)
    messages = [str(w.message) for w in caught if issubclass(w.category, UndeclaredAttributeWarning)]
    assert len(messages) == 2 and all("LayerNormalization" in m and "opset 17" in m for m in messages)
    assert "'operator'" in messages[0] + messages[1] and "'overload_name'" in messages[0] + messages[1]
    (node,) = [n for n in result.model_proto.graph.node if n.op_type == "LayerNormalization"]
    assert {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}["operator"] == b"layer_norm"
    entries = {(i.op_type, i.attribute, i.opset, i.source): n for i, n in result.report.undeclared_attributes.items()}
    assert entries == {
        ("LayerNormalization", "operator", 17, "aten::layer_norm"): 1,
        ("LayerNormalization", "overload_name", 17, "aten::layer_norm"): 1,
    }
    assert "Attributes outside the ONNX schema" in result.report.to_markdown()
    assert len(result.report.to_dict()["undeclared_attributes"]) == 2


SCENARIOS: dict[str, Callable[[], None]] = {
    "GraphContext.op(..., outputs=n)": _op_outputs_n,
    "GraphContext.op(..., attr_i=None) drops the attribute": _attr_none_dropped,
    "GraphContext.opset": _opset,
    "GraphContext.original_node.outputs()": _original_outputs,
    "Node.outputsSize()": _outputs_size,
    "Node.inputsAt(i)": _inputs_at,
    "Node.output()": _node_output,
    "Node.kind()": _node_kind,
    "Node.sourceRange()": _source_range,
    "Node.scopeName()": _scope_name,
    "Value.setTypeAs(other)": _set_type_as,
    "Value.setType(t) returns the value": _set_type_chain,
    "Value.node().mustBeNone()": _must_be_none,
    "Value.node().kind()": _constant_kind,
    "Value.isCompleteTensor()": _is_complete,
    "Type.scalarType()": _scalar_type,
    "Type.dim()": _scalar_type,
    "Type.sizes()": _sizes,
    "Type.varyingSizes()": _varying_sizes,
    "Type.with_sizes(sizes)": _with_sizes,
    "Type.with_dtype(dtype)": _with_dtype,
    "Type.dtype()": _dtype,
    "GraphContext.op keeps an attribute outside the ONNX schema": _undeclared_attribute,
}


def test_every_api_use_has_evidence_and_a_scenario() -> None:
    """Test: the evidence table and the scenarios name the same methods, each with a source."""
    assert [use.method for use in API_USES] == list(SCENARIOS)
    assert all(use.evidence and all(use.evidence) for use in API_USES)


@pytest.mark.parametrize("use", API_USES, ids=[use.method for use in API_USES])
def test_real_symbolic_api(use: ApiUse) -> None:
    """Test: the method works as legacy symbolics used it, inside a real export checked in ONNX Runtime."""
    SCENARIOS[use.method]()


def test_original_node_outputs_cannot_feed_g_op() -> None:
    """Test: an output of g.original_node describes the replaced value; using it as an input says so."""

    def relu(g, self):
        return g.op("Relu", g.original_node.output())

    _register("aten::relu", relu, 13)
    with pytest.raises(GraphBuildError, match=r"an output of g.original_node"):
        onnx_migrate.export(_Fn(torch.relu), (torch.randn(2, 3),), opset_version=13)


def test_undeclared_attribute_typo_is_kept_with_a_hint_and_wrong_type_still_fails() -> None:
    """Test: an undeclared name warns with the close schema name; a declared name with the wrong type is an error."""
    _register("aten::relu", lambda g, x: g.op("Flatten", x, axes_i=1), 13)
    with pytest.warns(UndeclaredAttributeWarning, match=r"Flatten at opset 13.*If you meant 'axis', rename it"):
        onnx_migrate.export(_Fn(torch.relu), (torch.randn(2, 3),), opset_version=13)
    _register("aten::relu", lambda g, x: g.op("Flatten", x, axis_f=1.0), 13)
    with pytest.raises(GraphBuildError, match=r"attribute 'axis' of Flatten \(opset 13\) is of type INT"):
        onnx_migrate.export(_Fn(torch.relu), (torch.randn(2, 3),), opset_version=13)


@requires_legacy
@pytest.mark.legacy_reference
def test_undeclared_attribute_matches_the_legacy_exporter() -> None:
    """Test: the legacy exporter kept ORT training's extra LayerNormalization attributes; so does onnx_migrate."""
    import io

    from torch.onnx import register_custom_op_symbolic, unregister_custom_op_symbolic

    model, x = torch.nn.LayerNorm(4).eval(), torch.randn(3, 4)
    register_custom_op_symbolic("aten::layer_norm", _legacy_layer_norm(), 17)
    try:
        buffer = io.BytesIO()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(model, (x,), buffer, dynamo=False, opset_version=17)
    finally:
        unregister_custom_op_symbolic("aten::layer_norm", 17)
    legacy = onnx.load_from_string(buffer.getvalue())
    _register("aten::layer_norm", _ort_training_layer_norm, 17)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = onnx_migrate.export(model, (x,), opset_version=17).model_proto

    def attrs(proto: onnx.ModelProto) -> dict[str, Any]:
        (node,) = [n for n in proto.graph.node if n.op_type == "LayerNormalization"]
        return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}

    assert attrs(ours).keys() == attrs(legacy).keys()
    assert attrs(ours)["operator"] == attrs(legacy)["operator"] == b"layer_norm"
    feeds = {ours.graph.input[0].name: x}
    np.testing.assert_allclose(run_ort(ours, feeds)[0], run_ort(legacy, {legacy.graph.input[0].name: x})[0], rtol=1e-5, atol=1e-6)


def _legacy_layer_norm() -> Callable[..., Any]:
    """The same ORT training symbolic, decorated with torch's own parse_args for the legacy exporter."""
    from torch.onnx.symbolic_helper import parse_args

    return parse_args("v", "is", "v", "v", "f", "none")(_ort_training_layer_norm.__wrapped__)
