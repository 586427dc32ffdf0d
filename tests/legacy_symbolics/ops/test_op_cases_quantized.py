"""``ops/quantized.py`` against eager PyTorch (table in ``op_cases_quantized.py``), the Q/DQ form, and refusals."""

from __future__ import annotations

import onnx_ir as ir
import pytest
import torch
from op_case_runner import case_params, check_case
from op_cases_quantized import QUANTIZED_CASES
from symbolic_case import SymbolicCase, T, add_tensor, builtin_registry, call_symbolic

from onnx_migrate.errors import SymbolicValueError, UnsupportedSymbolicError
from onnx_migrate.legacy_symbolics.graph_context import GraphContext
from onnx_migrate.legacy_symbolics.ops import quantized
from onnx_migrate.legacy_symbolics.registry import builtin_marks
from onnx_migrate.legacy_symbolics.values import ConstantValue


@pytest.mark.parametrize(("case", "opset"), case_params(QUANTIZED_CASES))
def test_quantized_symbolic_matches_eager(case: SymbolicCase, opset: int, to_model, run_model) -> None:
    check_case(case, opset, to_model, run_model)


def test_every_quantized_builtin_has_a_case() -> None:
    registered = {name for obj in vars(quantized).values() for name, _, _ in builtin_marks(obj)}
    assert sorted(registered - {case.op for case in QUANTIZED_CASES}) == []


def _fake_quant_graph(opset: int, quant_min: int, quant_max: int) -> GraphContext:
    g = GraphContext.create(opset)
    call_symbolic(
        g, "aten::fake_quantize_per_tensor_affine", self=add_tensor(g, "x", T(2, 3)), scale=ConstantValue(0.1),
        zero_point=ConstantValue(0), quant_min=ConstantValue(quant_min), quant_max=ConstantValue(quant_max),
    )  # fmt: skip
    return g


@pytest.mark.parametrize(
    ("quant_min", "quant_max", "opset", "dtype", "ops"),
    [
        (-128, 127, 13, ir.DataType.INT8, ["QuantizeLinear", "DequantizeLinear"]),
        (0, 255, 10, ir.DataType.UINT8, ["QuantizeLinear", "DequantizeLinear"]),
        (0, 127, 13, ir.DataType.UINT8, ["QuantizeLinear", "Clip", "DequantizeLinear"]),
        (-127, 127, 13, ir.DataType.INT8, ["QuantizeLinear", "Clip", "DequantizeLinear"]),
        (0, 127, 11, ir.DataType.UINT8, ["QuantizeLinear", "DequantizeLinear", "Sub", "Mul", "Min"]),
        (-32768, 32767, 21, ir.DataType.INT16, ["QuantizeLinear", "DequantizeLinear"]),
    ],
)
def test_fake_quant_is_a_qdq_pair_of_the_legacy_type(
    quant_min: int, quant_max: int, opset: int, dtype: ir.DataType, ops: list[str]
) -> None:
    """uint8 for quant_min >= 0, int8 otherwise (as the legacy exporter chose); narrower ranges add a clip."""
    g = _fake_quant_graph(opset, quant_min, quant_max)
    assert [n.op_type for n in g.graph if n.op_type not in ("Constant", "Cast")] == ops
    (quantize,) = [n for n in g.graph if n.op_type == "QuantizeLinear"]
    assert quantize.outputs[0].dtype == dtype
    scale, zero_point = quantize.inputs[1], quantize.inputs[2]
    assert scale.shape == ir.Shape([]) and zero_point.shape == ir.Shape([]), "per-tensor qparams must be scalars"


def test_ranges_outside_8_bits_need_opset_21() -> None:
    with pytest.raises(SymbolicValueError, match=r"\(-32768, 32767\).*opset 13.*16-bit ranges need opset 21"):
        _fake_quant_graph(13, -32768, 32767)


@pytest.mark.parametrize(
    ("op", "opset", "serving"),
    [
        ("aten::fake_quantize_per_tensor_affine", 11, 10),
        ("aten::fake_quantize_per_tensor_affine", 17, 12),
        ("aten::fake_quantize_per_tensor_affine", 23, 21),
        ("aten::fake_quantize_per_channel_affine", 20, 13),
        ("aten::fake_quantize_per_channel_affine", 22, 21),
        ("aten::fused_moving_avg_obs_fake_quant", 13, 12),
    ],
)
def test_qdq_variants_dispatch_by_opset(op: str, opset: int, serving: int) -> None:
    """12: integer Clip for narrow ranges; 13: per-channel axis; 21: 16-bit types."""
    entry = builtin_registry().lookup(op, opset).entry
    assert entry is not None and entry.opset == serving


def test_opset_9_has_no_qdq() -> None:
    """No symbolic below opset 10: the exporter decomposes fake quantization into float ops there."""
    lookup = builtin_registry().lookup("aten::fake_quantize_per_tensor_affine", 9)
    assert lookup.entry is None and lookup.supported_opsets[0] == 10
    per_channel = builtin_registry().lookup("aten::fake_quantize_per_channel_affine", 12)
    assert per_channel.entry is None and per_channel.supported_opsets[0] == 13


def _fused_call(g: GraphContext, observer_on: int) -> dict[str, object]:
    def const(value: torch.Tensor) -> object:
        return g.op("Constant", value_t=value)

    return {
        "self": add_tensor(g, "x", T(2, 3)), "observer_on": const(torch.tensor([observer_on], dtype=torch.uint8)),
        "fake_quant_on": const(torch.tensor([1], dtype=torch.uint8)), "running_min": const(torch.tensor(-1.0)),
        "running_max": const(torch.tensor(1.0)), "scale": const(torch.tensor([0.1])),
        "zero_point": const(torch.tensor([0], dtype=torch.int32)), "averaging_const": ConstantValue(0.01),
        "quant_min": ConstantValue(0), "quant_max": ConstantValue(127), "ch_axis": ConstantValue(-1),
        "per_row_fake_quant": ConstantValue(False), "symmetric_quant": ConstantValue(False),
    }  # fmt: skip


def test_fused_observer_still_on_is_refused_with_the_fix() -> None:
    g = GraphContext.create(13)
    with pytest.raises(UnsupportedSymbolicError, match=r"(?s)observer is still on.*disable_observer"):
        call_symbolic(g, "aten::fused_moving_avg_obs_fake_quant", **_fused_call(g, observer_on=1))


def test_fused_flags_must_be_constants() -> None:
    g = GraphContext.create(13)
    call = _fused_call(g, observer_on=0)
    call["observer_on"] = add_tensor(g, "flag", torch.tensor([0], dtype=torch.uint8))
    with pytest.raises(SymbolicValueError, match=r"observer_on must be known at export time"):
        call_symbolic(g, "aten::fused_moving_avg_obs_fake_quant", **call)


def test_dequantize_needs_a_tensor_quantized_in_the_model() -> None:
    g = GraphContext.create(13)
    with pytest.raises(UnsupportedSymbolicError, match=r"(?s)aten::dequantize.*quantize_per_tensor"):
        call_symbolic(g, "aten::dequantize", self=add_tensor(g, "q", torch.zeros(3, dtype=torch.uint8)))
