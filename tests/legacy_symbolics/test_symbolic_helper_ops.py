"""symbolic_helper: the op-building helpers (reductions, norms, interpolation, quantization).

Each helper builds a graph through ``GraphContext``, passes the ONNX checker and
runs in ONNX Runtime; the reference is the PyTorch op the helper stands for.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from onnx_migrate.errors import SymbolicValueError, UnsupportedSymbolicError
from onnx_migrate.legacy_symbolics import symbolic_helper as sh
from onnx_migrate.legacy_symbolics.export_context import ExportContext, TrainingMode, active_export
from onnx_migrate.legacy_symbolics.graph_context import GraphContext
from onnx_migrate.legacy_symbolics.values import ConstantValue, ListValue, TupleValue, Value

RNG = np.random.default_rng(1)
X = RNG.standard_normal((2, 3, 4)).astype(np.float32)


def _close(got: np.ndarray, want: torch.Tensor | np.ndarray, atol: float = 1e-5) -> None:
    want_array = want.numpy() if isinstance(want, torch.Tensor) else np.asarray(want)
    np.testing.assert_allclose(got, want_array, rtol=1e-5, atol=atol)
    assert got.shape == want_array.shape


# -- reductions ----------------------------------------------------------------------

_mean = sh._reduce_op_symbolic_helper("ReduceMean")
_prod = sh._reduce_op_symbolic_helper("ReduceProd", allow_multi_dim_support=False)
_sum = sh._reduce_with_dtype_helper("ReduceSum", "sum")

REDUCTION_CASES: list[tuple[str, Any, Any, tuple[int, ...]]] = [
    ("mean_dims", lambda g, x: _mean(g, x, ConstantValue([0, 2]), ConstantValue(1)),
     lambda t: t.mean((0, 2), keepdim=True), (13, 18)),
    ("mean_all", lambda g, x: _mean(g, x), lambda t: t.mean(), (13, 18)),
    ("mean_empty_dims", lambda g, x: _mean(g, x, ConstantValue([]), ConstantValue(0)), lambda t: t.mean(), (13,)),
    ("prod_one_dim", lambda g, x: _prod(g, x, ConstantValue(1), ConstantValue(0)), lambda t: t.prod(1), (13, 18)),
    ("sum_keyword_dims_dtype",
     lambda g, x: _sum(g, self=x, dim=ConstantValue([1]), keepdim=ConstantValue(False), dtype=ConstantValue(torch.float64)),
     lambda t: t.sum(1, dtype=torch.float64), (13, 18)),
    ("sum_no_dim", lambda g, x: _sum(g, x, ConstantValue(None)), lambda t: t.sum(), (11, 13)),
    ("max_all", lambda g, x: sh._max_helper(g, x), lambda t: t.max(), (9, 18)),
    ("max_dim", lambda g, x: sh._max_helper(g, x, ConstantValue(2), ConstantValue(True)),
     lambda t: t.max(2, keepdim=True), (9, 13, 18)),
    ("min_dim", lambda g, x: sh._min_helper(g, x, 1, 0), lambda t: t.min(1), (11, 18)),
    ("min_elementwise", lambda g, x: sh._min_helper(g, x, g.op("Neg", x)), lambda t: torch.minimum(t, -t), (9, 13)),
    ("argmax_dim", lambda g, x: sh._argmin_argmax_helper(g, x, ConstantValue(1), ConstantValue(False), "ArgMax"),
     lambda t: t.argmax(1), (9, 13)),
    ("argmin_flat_keepdim", lambda g, x: sh._argmin_argmax_helper(g, x, ConstantValue(None), True, "ArgMin"),
     lambda t: t.argmin().reshape(1, 1, 1), (9, 13)),
    ("numel", lambda g, x: sh._numel_helper(g, x), lambda t: torch.tensor(t.numel()), (9, 13)),
    ("handle_reduce_dim_none", lambda g, x: sh._handle_reduce_dim_none(g, x, "ReduceL2"),
     lambda t: t.norm(), (13, 18)),
    ("var_mean_dims", lambda g, x: sh._var_mean_helper(g, x, ConstantValue([1]), ConstantValue(1), ConstantValue(0)),
     lambda t: torch.var_mean(t, 1, correction=1), (9, 13, 18)),
    ("var_mean_all_population", lambda g, x: sh._var_mean_helper(g, x, None, 0, 0),
     lambda t: torch.var_mean(t, correction=0), (13, 18)),
    ("var_mean_keepdim", lambda g, x: sh._var_mean_helper(g, x, [0, 2], 2, 1),
     lambda t: torch.var_mean(t, (0, 2), correction=2, keepdim=True), (13, 18)),
]


@pytest.mark.parametrize(
    ("build", "reference", "opset"),
    [pytest.param(c[1], c[2], opset, id=f"{c[0]}-opset{opset}") for c in REDUCTION_CASES for opset in c[3]],
)
def test_reduction_helpers(run_graph: Any, build: Any, reference: Any, opset: int) -> None:
    want = reference(torch.from_numpy(X))
    want = list(want) if isinstance(want, tuple) else [want]
    got = run_graph(opset, build, {"x": X}, output_ranks=[w.dim() for w in want])
    assert len(got) == len(want)
    for got_one, want_one in zip(got, want):
        _close(got_one, want_one)


@pytest.mark.parametrize("opset", [9, 13, 18])
@pytest.mark.parametrize(("ord_", "dim", "keepdim"), [
    (math.inf, [1], False), (-math.inf, None, False), (0, [2], True), (1, [0, 1], False), (2, None, False), (3.0, [2], False),
])
def test_linalg_vector_norm_helper(run_graph: Any, opset: int, ord_: float, dim: list[int] | None, keepdim: bool) -> None:
    if ord_ == 0 and opset < 11:
        g = GraphContext.create(opset)
        with pytest.raises(UnsupportedSymbolicError, match="ord=0"):
            sh._linalg_vector_norm_helper(g, g.add_input("x", torch.float32, [2]), 0, dim, keepdim, ConstantValue(None))
        return
    (got,) = run_graph(
        opset,
        lambda g, x: sh._linalg_vector_norm_helper(g, x, ord_, dim, keepdim, ConstantValue(None)),
        {"x": X},
    )
    _close(got, torch.linalg.vector_norm(torch.from_numpy(X), ord_, dim, keepdim))


def test_linalg_vector_norm_helper_dtype(run_graph: Any) -> None:
    (got,) = run_graph(
        13, lambda g, x: sh._linalg_vector_norm_helper(g, x, 2.0, ConstantValue([1]), False, ConstantValue(torch.float64)),
        {"x": X},
    )
    assert got.dtype == np.float64
    _close(got, torch.linalg.vector_norm(torch.from_numpy(X), 2, 1).double())


def test_reduce_with_dtype_helper_without_matching_overload() -> None:
    g = GraphContext.create(13)
    x = g.add_input("x", torch.float32, [2])
    with pytest.raises(UnsupportedSymbolicError, match="3 arguments"):
        _sum(g, x, ConstantValue(1), ConstantValue(False))


# -- batch norm, pooling, embedding bag -------------------------------------------------


@pytest.mark.parametrize("opset", [9, 15])
def test_batchnorm_helper_fills_missing_parameters(run_graph: Any, opset: int) -> None:
    x = RNG.standard_normal((2, 3, 5)).astype(np.float32)

    def build(g: GraphContext, x: Value) -> Value:
        weight, bias, mean, var = sh._batchnorm_helper(g, x, None, ConstantValue(None), None, None)
        return g.op("BatchNormalization", x, weight, bias, mean, var, epsilon_f=1e-5)

    (got,) = run_graph(opset, build, {"x": x})
    _close(got, F.batch_norm(torch.from_numpy(x), None, None, training=True), atol=1e-4)


def test_batchnorm_helper_keeps_given_parameters_and_needs_static_channels() -> None:
    g = GraphContext.create(13)
    x = g.add_input("x", torch.float32, [2, 3])
    w, b, m, v = (g.add_input(n, torch.float32, [3]) for n in "wbmv")
    assert sh._batchnorm_helper(g, x, w, b, m, v) == (w, b, m, v)
    dynamic = g.add_input("d", torch.float32, [2, "C"])
    with pytest.raises(SymbolicValueError, match="channel"):
        sh._batchnorm_helper(g, dynamic, None, b, m, v)


def test_avgpool_helper() -> None:
    def pair(v: Any) -> tuple[int, int]:
        return (v, v) if isinstance(v, int) else tuple(v)

    assert sh._avgpool_helper(pair, 1, [2, 2], [2, 2], ConstantValue(None), "avg_pool2d") == (1, 1)
    assert sh._avgpool_helper(pair, [0, 1], 2, 2, None, "avg_pool2d") == (0, 1)
    with pytest.raises(UnsupportedSymbolicError, match="divisor_override"):
        sh._avgpool_helper(pair, 1, 2, 2, ConstantValue(3), "avg_pool2d")


@pytest.mark.parametrize(("opset", "mode"), [(11, 0), (13, 1), (18, 2), (18, 0)])
def test_embedding_bag_helper(run_graph: Any, opset: int, mode: int) -> None:
    weight = RNG.standard_normal((6, 3)).astype(np.float32)
    indices = np.array([0, 2, 4, 5, 1], np.int64)
    offsets = np.array([0, 2], np.int64)
    per_sample = RNG.standard_normal(5).astype(np.float32) if mode == 0 else None
    feeds = {"w": weight, "i": indices, "o": offsets}
    if per_sample is not None:
        feeds["p"] = per_sample

    def build(g: GraphContext, w: Value, i: Value, o: Value, p: Value | None = None) -> Value:
        output, *rest = sh._embedding_bag_helper(
            g, w, i, o, ConstantValue(False), ConstantValue(mode), False,
            p if p is not None else ConstantValue(None), ConstantValue(False), ConstantValue(None),
        )
        assert rest == [None, None, None]
        return output

    (got,) = run_graph(opset, build, feeds, output_ranks=[2])
    want = F.embedding_bag(
        torch.from_numpy(indices), torch.from_numpy(weight), torch.from_numpy(offsets),
        mode=["sum", "mean", "max"][mode],
        per_sample_weights=None if per_sample is None else torch.from_numpy(per_sample),
    )
    _close(got, want)


def test_embedding_bag_helper_unsupported_cases() -> None:
    g = GraphContext.create(13)
    w, i, o = g.add_input("w", torch.float32, [4, 2]), g.add_input("i", torch.int64, [3]), g.add_input("o", torch.int64, [1])
    with pytest.raises(UnsupportedSymbolicError, match="padding_idx"):
        sh._embedding_bag_helper(g, w, i, o, False, 0, False, None, False, 1)
    with active_export(ExportContext(opset=13, training=TrainingMode.TRAINING)):
        with pytest.raises(UnsupportedSymbolicError, match="scale_grad_by_freq"):
            sh._embedding_bag_helper(g, w, i, o, True, 0, False, None, False, None)
    g10 = GraphContext.create(10)
    with pytest.raises(UnsupportedSymbolicError):
        sh._embedding_bag_helper(g10, g10.add_input("w", torch.float32, [4, 2]), i, o, False, 0, False, None, False, None)


# -- interpolation -------------------------------------------------------------------

IMAGE = RNG.standard_normal((1, 2, 3, 4)).astype(np.float32)


@pytest.mark.parametrize(
    ("opset", "size", "scale_factor"),
    [(9, None, ConstantValue([2.0, 2.0])), (10, None, ConstantValue(3.0)), (10, ConstantValue([6, 8]), None),
     (9, ConstantValue(6), None)],
)
def test_interpolate_get_scales_and_mode(run_graph: Any, opset: int, size: Any, scale_factor: Any) -> None:
    op = "Upsample" if opset < 10 else "Resize"

    def build(g: GraphContext, x: Value) -> Value:
        with pytest.warns(UserWarning, match=f"opset {opset}"):
            scales, mode = sh._interpolate_get_scales_and_mode(g, x, size, scale_factor, ConstantValue("nearest"), None)
        assert mode == "nearest"
        return g.op(op, x, scales, mode_s=mode)

    (got,) = run_graph(opset, build, {"x": IMAGE}, output_ranks=[4])
    kwargs = {"scale_factor": 3.0} if isinstance(scale_factor, ConstantValue) and scale_factor.python_value == 3.0 else (
        {"scale_factor": 2.0} if scale_factor is not None else {"size": (6, 8) if size.python_value != 6 else 6}
    )
    _close(got, F.interpolate(torch.from_numpy(IMAGE), mode="nearest", **kwargs))


def test_interpolate_get_scales_and_mode_unsupported() -> None:
    g = GraphContext.create(10)
    x = g.add_input("x", torch.float32, [1, 1, 2, 2])
    with pytest.warns(UserWarning):
        with pytest.raises(UnsupportedSymbolicError, match="align_corners"):
            sh._interpolate_get_scales_and_mode(g, x, None, ConstantValue(2.0), "linear", ConstantValue(True))
    with pytest.warns(UserWarning):
        with pytest.raises(UnsupportedSymbolicError, match="both size and scale_factor"):
            sh._interpolate_get_scales_and_mode(g, x, None, None, "bilinear", False)


def test_interpolate_size_to_scales_with_dynamic_size(run_graph: Any) -> None:
    def build(g: GraphContext, x: Value, size: Value) -> Value:
        return sh._interpolate_size_to_scales(g, x, size, 4)

    (got,) = run_graph(10, build, {"x": IMAGE, "size": np.array([6, 2], np.int64)})
    np.testing.assert_allclose(got, [1, 1, 2, 0.5])


@pytest.mark.parametrize("opset", [11, 13, 18])
@pytest.mark.parametrize(("mode", "by_scale"), [("nearest", True), ("nearest", False), ("linear", True), ("linear", False)])
def test_interpolate_helper(run_graph: Any, opset: int, mode: str, by_scale: bool) -> None:
    symbolic = sh._interpolate_helper("upsample_2d", 4, mode)
    align = [] if mode == "nearest" else [ConstantValue(False)]
    scales = [ConstantValue([2.0, 2.0])] if by_scale else [ConstantValue(None)]
    output_size = ConstantValue(None) if by_scale else ConstantValue([6, 8])

    (got,) = run_graph(opset, lambda g, x: symbolic(g, x, output_size, *align, *scales), {"x": IMAGE}, output_ranks=[4])
    torch_mode = "nearest" if mode == "nearest" else "bilinear"
    kwargs = {"align_corners": False} if mode != "nearest" else {}
    _close(got, F.interpolate(torch.from_numpy(IMAGE), size=(6, 8), mode=torch_mode, **kwargs), atol=1e-4)


@pytest.mark.parametrize("opset", [11, 13])
@pytest.mark.parametrize(("size", "scale_factor"), [(ConstantValue([5, 7]), ConstantValue(None)), (ConstantValue(None), ConstantValue(2.0)), (ConstantValue(6), None)])
def test_double_underscore_interpolate_helper(run_graph: Any, opset: int, size: Any, scale_factor: Any) -> None:
    interpolate = getattr(sh, "__interpolate_helper")
    (got,) = run_graph(
        opset,
        lambda g, x: interpolate(g, x, size, scale_factor, ConstantValue("bilinear"), ConstantValue(True), None),
        {"x": IMAGE},
        output_ranks=[4],
    )
    kwargs = {"scale_factor": 2.0} if size.python_value is None else {"size": size.python_value}
    _close(got, F.interpolate(torch.from_numpy(IMAGE), mode="bilinear", align_corners=True, **kwargs), atol=1e-4)


def test_get_interpolate_attributes(run_graph: Any) -> None:
    def build(g: GraphContext, x: Value) -> Value:
        scales, align = sh._get_interpolate_attributes(g, "linear", [ConstantValue(True), ConstantValue([2.0, 3.0])])
        assert isinstance(align, ConstantValue) and align.python_value is True
        none_scales, _ = sh._get_interpolate_attributes(g, "nearest", [ConstantValue(None)])
        assert none_scales is None
        assert sh._interpolate_get_scales_if_available(g, [ConstantValue([-1.0])]) is None
        return scales

    (got,) = run_graph(11, build, {"x": IMAGE})
    np.testing.assert_allclose(got, [1, 1, 2, 3])


# -- quantization ----------------------------------------------------------------------


def _quantize(x: np.ndarray, scale: float, zero_point: int) -> np.ndarray:
    return np.clip(np.round(x / scale) + zero_point, 0, 255).astype(np.uint8)


@pytest.mark.parametrize("opset", [10, 13, 18])
def test_quantize_dequantize_round_trip(run_graph: Any, opset: int) -> None:
    x = np.linspace(-1, 1, 8, dtype=np.float32)

    def build(g: GraphContext, x: Value) -> tuple[Value, Value]:
        scale = g.op("Constant", value_t=torch.tensor(0.01, dtype=torch.float64))
        zero_point = g.op("Constant", value_t=torch.tensor(128))
        quantized = sh.quantize_helper(g, x, scale, zero_point)
        assert sh._is_tuple_construct(quantized) and len(sh._unpack_tuple(quantized)) == 3
        dequantized, out_scale, out_zero_point, axis = sh.dequantize_helper(g, quantized)
        assert axis is None
        return sh._unpack_tuple(quantized)[0], dequantized

    q, dq = run_graph(opset, build, {"x": x})
    np.testing.assert_array_equal(q, _quantize(x, 0.01, 128))
    np.testing.assert_allclose(dq, (q.astype(np.float32) - 128) * 0.01, rtol=1e-6)


def test_per_channel_quantization_needs_opset_13(run_graph: Any) -> None:
    x = RNG.standard_normal((2, 3)).astype(np.float32)

    def build(g: GraphContext, x: Value) -> Value:
        scale = g.op("Constant", value_t=torch.tensor([0.1, 0.2, 0.3]))
        zero_point = g.op("Constant", value_t=torch.tensor([0, 10, 20], dtype=torch.uint8))
        quantized = sh.quantize_helper(g, x, scale, zero_point, ConstantValue(1))
        assert len(sh._unpack_tuple(quantized)) == 4
        return sh.dequantize_helper(g, quantized)[0]

    (got,) = run_graph(13, build, {"x": x})
    scale, zero_point = np.array([0.1, 0.2, 0.3], np.float32), np.array([0, 10, 20])
    q = np.clip(np.round(x / scale) + zero_point, 0, 255)
    np.testing.assert_allclose(got, (q - zero_point) * scale, rtol=1e-5, atol=1e-6)

    g = GraphContext.create(12)
    x12 = g.add_input("x", torch.float32, [2, 3])
    with pytest.raises(UnsupportedSymbolicError, match="axis"):
        sh.quantize_helper(g, x12, ConstantValue(0.1), ConstantValue(0), ConstantValue(1))
    with pytest.raises(UnsupportedSymbolicError, match="axis"):
        sh.dequantize_helper(g, TupleValue([x12, ConstantValue(0.1), ConstantValue(0), ConstantValue(1)]))
    g9 = GraphContext.create(9)
    with pytest.raises(UnsupportedSymbolicError, match="opset_version=10"):
        sh.quantize_helper(g9, g9.add_input("x", torch.float32, [2]), ConstantValue(0.1), ConstantValue(0))


@sh.quantized_args(True, False)
@sh.parse_args("v", "f")
def _leaky_relu(g: GraphContext, self: Value, negative_slope: float) -> Value:
    return g.op("LeakyRelu", self, alpha_f=negative_slope)


@pytest.mark.parametrize("opset", [10, 13])
def test_quantized_args_dequantizes_and_requantizes(run_graph: Any, opset: int) -> None:
    data = np.array([0, 50, 100, 200, 255], np.uint8)

    def build(g: GraphContext, q: Value) -> tuple[Value, Value]:
        scale = g.op("Constant", value_t=torch.tensor(0.1))
        zero_point = g.op("Constant", value_t=torch.tensor(100, dtype=torch.uint8))
        output = _leaky_relu(g, self=TupleValue([q, scale, zero_point]), negative_slope=ConstantValue(0.5))
        assert sh._is_tuple_construct(output)
        plain = _leaky_relu(g, g.op("Cast", q, to_i=1), 0.5)  # no quantized input: runs as is
        assert not sh._is_tuple_construct(plain)
        return sh._unpack_tuple(output)[0], plain

    q_out, plain = run_graph(opset, build, {"q": data})
    real = (data.astype(np.float32) - 100) * 0.1
    np.testing.assert_array_equal(q_out, _quantize(np.where(real > 0, real, 0.5 * real), 0.1, 100))
    np.testing.assert_allclose(plain, np.where(data > 0, data, 0).astype(np.float32))


def test_quantized_args_fixed_output_parameters_and_lists(run_graph: Any) -> None:
    @sh.quantized_args(True, scale=0.5, zero_point=0)
    def concat(g: GraphContext, tensors: Any, dim: int = 0) -> Value:
        return g.op("Concat", *sh._unpack_list(tensors), axis_i=dim)

    data = np.array([10, 20], np.uint8)

    def build(g: GraphContext, q: Value) -> Value:
        scale = g.op("Constant", value_t=torch.tensor(0.25))
        zero_point = g.op("Constant", value_t=torch.tensor(0, dtype=torch.uint8))
        quantized = TupleValue([q, scale, zero_point])
        return sh._unpack_tuple(concat(g, ListValue([quantized, quantized])))[0]

    (got,) = run_graph(13, build, {"q": data})
    np.testing.assert_array_equal(got, _quantize(np.tile(data * 0.25, 2), 0.5, 0))


def test_requantize_bias_helper(run_graph: Any) -> None:
    bias = np.array([0.5, -1.0, 2.0], np.float32)
    weight_scale = np.array([0.1, 0.2, 0.4], np.float32)

    def build(g: GraphContext, b: Value, ws: Value) -> tuple[Value, ...]:
        result = sh.requantize_bias_helper(g, b, g.op("Constant", value_t=torch.tensor(0.5)), ws)
        assert sh._is_tuple_construct(result)
        return sh._unpack_tuple(result)

    q_bias, bias_scale, bias_zero_point = run_graph(13, build, {"b": bias, "ws": weight_scale})
    np.testing.assert_allclose(bias_scale, weight_scale * 0.5)
    np.testing.assert_array_equal(q_bias, (bias / (weight_scale * 0.5)).astype(np.int32))
    np.testing.assert_array_equal(bias_zero_point, np.zeros(3, np.int32))
