"""symbolic_helper: shape helpers across the opsets that change their ONNX form.

Each case builds a graph only through ``GraphContext`` and the helper, passes the
ONNX checker and runs in ONNX Runtime against a numpy reference, at every opset
where the helper emits something different (attributes before 10 / 13, inputs
after). Cases that must fail at an opset check the error instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import onnx_ir as ir
import pytest
import torch

from onnx_migrate.errors import SymbolicArgError, UnsupportedSymbolicError
from onnx_migrate.legacy_symbolics import symbolic_helper as sh
from onnx_migrate.legacy_symbolics.graph_context import GraphContext
from onnx_migrate.legacy_symbolics.values import ConstantValue, ListValue

RNG = np.random.default_rng(0)
X234 = RNG.standard_normal((2, 3, 4)).astype(np.float32)


@dataclass(frozen=True)
class HelperCase:
    """One helper call, the arrays it runs on, and what it must compute."""

    name: str
    build: Callable[..., Any]
    feeds: dict[str, np.ndarray]
    expected: Callable[..., Any]
    opsets: tuple[int, ...]
    dynamic: dict[str, list[int | str]] = field(default_factory=dict)


def _cases() -> list[HelperCase]:
    x = {"x": X234}
    x_dyn = {"x": ["N", 3, 4]}
    idx = {"x": X234, "i": np.array(1, dtype=np.int64)}
    return [
        # unsqueeze / squeeze: axes attribute before 13, input from 13
        HelperCase("unsqueeze", lambda g, x: sh._unsqueeze_helper(g, x, [0, 2]), x,
                   lambda x: np.expand_dims(x, (0, 2)), (9, 11, 13, 18)),
        HelperCase("unsqueeze_constant_axes", lambda g, x: sh._unsqueeze_helper(g, x, ConstantValue([-1])), x,
                   lambda x: x[..., None], (11, 13)),
        HelperCase("unsqueeze_no_axes", lambda g, x: g.op("Identity", sh._unsqueeze_helper(g, x, [])), x,
                   lambda x: x, (9, 13)),
        HelperCase("unsqueeze_dynamic_axes",
                   lambda g, x, a: sh._unsqueeze_helper(g, x, [a]), {"x": X234, "a": np.array([1], np.int64)},
                   lambda x, a: np.expand_dims(x, 1), (13, 18)),
        HelperCase("squeeze", lambda g, x: sh._squeeze_helper(g, sh._unsqueeze_helper(g, x, [1]), [1]), x,
                   lambda x: x, (9, 13)),
        HelperCase("squeeze_dynamic_0d_axes",
                   lambda g, x, a: sh._squeeze_helper(g, sh._unsqueeze_helper(g, x, [0]), [a]),
                   {"x": X234, "a": np.array(0, np.int64)}, lambda x, a: x, (13,)),
        # ReduceSum: axes attribute before 13, input from 13
        HelperCase("reducesum_axes", lambda g, x: sh._reducesum_helper(g, x, axes_i=[1], keepdims_i=0), x,
                   lambda x: x.sum(1), (9, 11, 13, 18)),
        HelperCase("reducesum_keepdims_constant",
                   lambda g, x: sh._reducesum_helper(g, x, axes_i=ConstantValue([0, 2]), keepdims_i=ConstantValue(1)), x,
                   lambda x: x.sum((0, 2), keepdims=True), (9, 13)),
        HelperCase("reducesum_all", lambda g, x: sh._reducesum_helper(g, x, keepdims_i=0), x,
                   lambda x: np.array(x.sum()), (9, 13)),
        HelperCase("reducesum_dynamic_axes",
                   lambda g, x, a: sh._reducesum_helper(g, x, axes_i=a, keepdims_i=0),
                   {"x": X234, "a": np.array([2], np.int64)}, lambda x, a: x.sum(2), (13,)),
        # Slice: attributes before 10, inputs from 10
        HelperCase("slice", lambda g, x: sh._slice_helper(g, x, axes=[1], starts=[1], ends=[3]), x,
                   lambda x: x[:, 1:3], (9, 10, 13)),
        HelperCase("slice_steps", lambda g, x: sh._slice_helper(g, x, axes=[2], starts=[0], ends=[4], steps=[2]), x,
                   lambda x: x[:, :, ::2], (10, 13)),
        HelperCase("slice_steps_of_one_at_9",
                   lambda g, x: sh._slice_helper(g, x, axes=[2], starts=[1], ends=[sh.INT64_MAX], steps=[1]), x,
                   lambda x: x[:, :, 1:], (9,)),
        HelperCase("slice_constant_bounds",
                   lambda g, x: sh._slice_helper(g, x, axes=ConstantValue([0]), starts=ConstantValue(1), ends=ConstantValue(2)), x,
                   lambda x: x[1:2], (9, 13)),
        HelperCase("slice_dynamic_start", lambda g, x, i: sh._slice_helper(g, x, axes=[1], starts=i, ends=[3]), idx,
                   lambda x, i: x[:, 1:3], (10, 13)),
        HelperCase("slice_noop", lambda g, x: g.op("Identity", sh._slice_helper(g, x, [0], [0], [sh.INT64_MAX])), x,
                   lambda x: x, (9, 13)),
        # Reshape
        HelperCase("reshape", lambda g, x: sh._reshape_helper(g, x, [-1, 4]), x,
                   lambda x: x.reshape(-1, 4), (9, 13, 14)),
        HelperCase("reshape_constant_shape", lambda g, x: sh._reshape_helper(g, x, ConstantValue([6, 4])), x,
                   lambda x: x.reshape(6, 4), (9,)),
        HelperCase("reshape_symint_list",
                   lambda g, x: sh._reshape_helper(g, x, ListValue([sh._size_helper(g, x, 0), ConstantValue(-1)])), x,
                   lambda x: x.reshape(2, 12), (9, 13), x_dyn),
        HelperCase("reshape_allowzero", lambda g, x: sh._reshape_helper(g, x, [2, 12], allowzero=1), x,
                   lambda x: x.reshape(2, 12), (14, 18)),
        # size / select
        HelperCase("size", lambda g, x: sh._size_helper(g, x, 0), x, lambda x: np.array(2), (9, 13), x_dyn),
        HelperCase("size_negative_dim", lambda g, x: sh._size_helper(g, x, ConstantValue(-1)), x,
                   lambda x: np.array(4), (9, 13), x_dyn),
        HelperCase("size_dynamic_dim", lambda g, x, i: sh._size_helper(g, x, i), idx, lambda x, i: np.array(3),
                   (9, 13), x_dyn),
        HelperCase("select_constant_index", lambda g, x: sh._select_helper(g, x, 1, ConstantValue(2)), x,
                   lambda x: x[:, 2:3], (9, 13)),
        HelperCase("select_python_index", lambda g, x: sh._select_helper(g, x, ConstantValue(2), 0), x,
                   lambda x: x[:, :, 0:1], (9, 13)),
        HelperCase("select_0d_index", lambda g, x, i: sh._select_helper(g, x, 0, i), idx,
                   lambda x, i: x[1:2], (9, 13)),
        HelperCase("select_python_list_index", lambda g, x: sh._select_helper(g, x, 2, [3, 0]), x,
                   lambda x: x[:, :, [3, 0]], (9, 13)),
        HelperCase("size_python_list_dim", lambda g, x: sh._size_helper(g, x, [2, 0]), x,
                   lambda x: np.array([4, 2]), (13,), x_dyn),
        HelperCase("select_int32_index", lambda g, x, i: sh._select_helper(g, x, 0, i),
                   {"x": X234, "i": np.array([1, 0], np.int32)}, lambda x, i: x[[1, 0]], (9, 13)),
        # flatten
        HelperCase("flatten_helper", lambda g, x: sh._flatten_helper(g, x, 1, 1, 3), x,
                   lambda x: x.reshape(2, 3, 4), (9, 13)),
        HelperCase("flatten_helper_middle", lambda g, x: sh._flatten_helper(g, x, 0, 1, 3), x,
                   lambda x: x.reshape(6, 4), (9, 13), x_dyn),
        # scatter
        HelperCase("scatter_tensor_src",
                   lambda g, x, i, s: sh._scatter_helper(g, x, 1, i, s),
                   {"x": np.zeros((2, 3), np.float32), "i": np.array([[2], [0]], np.int64),
                    "s": np.array([[5.0], [7.0]], np.float32)},
                   lambda x, i, s: np.array([[0, 0, 5], [7, 0, 0]], np.float32), (9, 11, 13)),
        HelperCase("scatter_scalar_src",
                   lambda g, x, i: sh._scatter_helper(g, x, ConstantValue(1), i, ConstantValue(3)),
                   {"x": np.zeros((2, 3), np.float32), "i": np.array([[1], [2]], np.int64)},
                   lambda x, i: np.array([[0, 3, 0], [0, 0, 3]], np.float32), (9, 11)),
        # topk / sort
        HelperCase("topk", lambda g, x: sh._topk_helper(g, x, 2, ConstantValue(-1), sorted=True)[0], x,
                   lambda x: -np.sort(-x, axis=-1)[..., :2], (9, 10, 11, 13)),
        HelperCase("topk_smallest", lambda g, x: sh._topk_helper(g, x, ConstantValue(1), 1, largest=False, sorted=True), x,
                   lambda x: (np.sort(x, axis=1)[:, :1], np.argsort(x, axis=1)[:, :1]), (11, 13)),
        HelperCase("topk_dynamic_k", lambda g, x, k: sh._topk_helper(g, x, k, 2, sorted=ConstantValue(True))[0],
                   {"x": X234, "k": np.array(3, np.int32)}, lambda x, k: -np.sort(-x, axis=2)[..., :3], (10, 11)),
        HelperCase("sort_descending", lambda g, x: sh._sort_helper(g, x, 1)[0], x,
                   lambda x: -np.sort(-x, axis=1), (9, 10, 11, 13)),
        HelperCase("sort_ascending", lambda g, x: sh._sort_helper(g, x, 2, descending=ConstantValue(False))[0], x,
                   lambda x: np.sort(x, axis=2), (11, 13)),
        # unbind / repeat_interleave
        HelperCase("unbind", lambda g, x: sh._unbind_helper(g, x, ConstantValue(1), 3), x,
                   lambda x: [x[:, 0], x[:, 1], x[:, 2]], (9, 11, 13, 18)),
        HelperCase("repeat_interleave_split", lambda g, x: sh._repeat_interleave_split_helper(g, x, 2, 0), x,
                   lambda x: [x[0:1], x[1:2]], (9, 13, 18)),
        HelperCase("repeat_interleave_constant",
                   lambda g, x: sh._repeat_interleave_single_value_repeat_helper(g, x, ConstantValue(2), 1), x,
                   lambda x: np.repeat(x, 2, axis=1), (9, 13)),
        HelperCase("repeat_interleave_python_list",
                   lambda g, x: sh._repeat_interleave_single_value_repeat_helper(g, x, [3], -1), x,
                   lambda x: np.repeat(x, 3, axis=2), (9, 13)),
        HelperCase("repeat_interleave_dynamic",
                   lambda g, x, r: sh._repeat_interleave_single_value_repeat_helper(g, x, r, 0),
                   {"x": X234, "r": np.array(2, np.int64)}, lambda x, r: np.repeat(x, 2, axis=0), (11, 13)),
        # arange
        HelperCase("arange_end", lambda g: sh._arange_helper(g, ConstantValue(5), ConstantValue(None)), {},
                   lambda: np.arange(5), (9, 11)),
        HelperCase("arange_start_end_step_float",
                   lambda g: sh._arange_helper(g, ConstantValue(1), ConstantValue(2.5), ConstantValue(0.5), None), {},
                   lambda: np.arange(1, 2.5, 0.5, dtype=np.float32), (9, 11)),
        HelperCase("arange_dtype",
                   lambda g: sh._arange_helper(g, 1, 4, ConstantValue(torch.float64), None, None, False), {},
                   lambda: np.arange(1, 4, dtype=np.float64), (9, 11)),
        HelperCase("arange_dynamic_end", lambda g, n: sh._arange_helper(g, n, ConstantValue(None)),
                   {"n": np.array(4, np.int64)}, lambda n: np.arange(4), (9, 11)),
        HelperCase("arange_start_end_ints", lambda g: sh._arange_helper(g, 2, 5), {}, lambda: np.arange(2, 5), (11,)),
    ]


CASES = [pytest.param(case, opset, id=f"{case.name}-opset{opset}") for case in _cases() for opset in case.opsets]


@pytest.mark.parametrize(("case", "opset"), CASES)
def test_shape_helper_runs_like_numpy(run_graph: Any, case: HelperCase, opset: int) -> None:
    expected = case.expected(*case.feeds.values())
    expected = list(expected) if isinstance(expected, (list, tuple)) else [expected]
    ranks = [np.ndim(want) for want in expected]
    outputs = run_graph(opset, case.build, case.feeds, case.dynamic, output_ranks=ranks)
    assert len(outputs) == len(expected)
    for got, want in zip(outputs, expected):
        np.testing.assert_allclose(got, want, rtol=1e-6)
        assert got.shape == np.asarray(want).shape


# -- the ONNX form per opset ----------------------------------------------------------


def _last_node(value: Any) -> ir.Node:
    return value.ir_value.producer()


@pytest.mark.parametrize(("opset", "as_input"), [(9, False), (11, False), (13, True), (18, True)])
def test_unsqueeze_and_reducesum_axes_move_to_an_input_at_13(opset: int, as_input: bool) -> None:
    g = GraphContext.create(opset)
    x = g.add_input("x", torch.float32, [2, 3])
    for node in (_last_node(sh._unsqueeze_helper(g, x, [0])), _last_node(sh._reducesum_helper(g, x, axes_i=[0]))):
        assert ("axes" in node.attributes) is not as_input
        assert len(node.inputs) == (2 if as_input else 1)


@pytest.mark.parametrize(("opset", "as_input"), [(9, False), (10, True), (13, True)])
def test_slice_bounds_move_to_inputs_at_10(opset: int, as_input: bool) -> None:
    g = GraphContext.create(opset)
    x = g.add_input("x", torch.float32, [2, 3])
    node = _last_node(sh._slice_helper(g, x, axes=[1], starts=[1], ends=[2]))
    assert ("starts" in node.attributes) is not as_input


def test_reduce_ops_other_than_sum_move_axes_at_18() -> None:
    for opset, as_input in ((13, False), (17, False), (18, True)):
        g = GraphContext.create(opset)
        x = g.add_input("x", torch.float32, [2, 3])
        node = _last_node(sh._reduce_op_symbolic_helper("ReduceMax")(g, x, ConstantValue([1]), ConstantValue(0)))
        assert ("axes" in node.attributes) is not as_input


def test_repeat_interleave_split_sizes_move_to_an_input_at_13() -> None:
    for opset, as_input in ((11, False), (13, True)):
        g = GraphContext.create(opset)
        x = g.add_input("x", torch.float32, [2, 3])
        pieces = sh._repeat_interleave_split_helper(g, x, 2, 0)
        assert len(pieces) == 2
        assert ("split" in _last_node(pieces[0]).attributes) is not as_input


def test_index_fill_reshape_helper(run_graph: Any) -> None:
    x = np.zeros((2, 5, 3), np.float32)
    index = np.array([0, 3], np.int64)
    for opset in (9, 11, 13):
        shape, expanded = run_graph(opset, lambda g, x, i: sh._index_fill_reshape_helper(g, x, ConstantValue(-2), i),
                                    {"x": x, "i": index})
        np.testing.assert_array_equal(shape, [2, 2, 3])
        np.testing.assert_array_equal(expanded, np.broadcast_to(index.reshape(1, 2, 1), (2, 2, 3)))


# -- cases that need a newer opset -----------------------------------------------------

UNSUPPORTED_CASES = [
    ("unsqueeze dynamic axes", 11, 13, lambda g, x, i: sh._unsqueeze_helper(g, x, [i])),
    ("squeeze dynamic axes", 12, 13, lambda g, x, i: sh._squeeze_helper(g, x, [i])),
    ("reducesum dynamic axes", 11, 13, lambda g, x, i: sh._reducesum_helper(g, x, axes_i=i)),
    ("slice dynamic start", 9, 10, lambda g, x, i: sh._slice_helper(g, x, [0], i, [1])),
    ("slice steps", 9, 10, lambda g, x, i: sh._slice_helper(g, x, [0], [0], [2], steps=[2])),
    ("reshape allowzero", 13, 14, lambda g, x, i: sh._reshape_helper(g, x, [-1], allowzero=1)),
    ("topk dynamic k", 9, 10, lambda g, x, i: sh._topk_helper(g, x, i, 0)),
    ("topk smallest", 10, 11, lambda g, x, i: sh._topk_helper(g, x, 1, 0, largest=False)),
    ("sort ascending", 10, 11, lambda g, x, i: sh._sort_helper(g, x, 0, descending=False)),
    ("unbind unknown count", 9, 11, lambda g, x, i: sh._unbind_helper(g, x, 0, None)),
]


@pytest.mark.parametrize(("label", "opset", "needed", "build"), UNSUPPORTED_CASES, ids=[c[0] for c in UNSUPPORTED_CASES])
def test_helpers_raise_below_the_opset_they_need(label: str, opset: int, needed: int, build: Any) -> None:
    g = GraphContext.create(opset)
    x = g.add_input("x", torch.float32, [4, 3])
    i = g.add_input("i", torch.int64, [1])
    with pytest.raises(UnsupportedSymbolicError) as info:
        build(g, x, i)
    assert info.value.opset == opset
    assert needed in info.value.supported_opsets
    assert f"opset_version={needed}" in str(info.value)


def test_topk_and_sort_reject_out() -> None:
    g = GraphContext.create(13)
    x = g.add_input("x", torch.float32, [4])
    with pytest.raises(UnsupportedSymbolicError, match="out="):
        sh._topk_helper(g, x, 1, 0, out=x)
    with pytest.raises(UnsupportedSymbolicError, match="out="):
        sh._sort_helper(g, x, 0, out=x)


def test_sort_at_opset_9_needs_a_static_dim() -> None:
    g = GraphContext.create(9)
    x = g.add_input("x", torch.float32, ["N"])
    with pytest.raises(UnsupportedSymbolicError, match="run time"):
        sh._sort_helper(g, x, 0)


def test_flatten_of_unknown_rank_raises() -> None:
    g = GraphContext.create(13)
    x = g.op("mydomain::Opaque", g.add_input("x", torch.float32, [2, 3]))
    with pytest.raises(UnsupportedSymbolicError, match="rank"):
        sh._repeat_interleave_single_value_repeat_helper(g, x, 2, 0)
    with pytest.raises(UnsupportedSymbolicError, match="rank"):
        sh._index_fill_reshape_helper(g, x, 0, x)


def test_constant_arguments_that_are_not_ints_raise_symbolic_arg_errors() -> None:
    g = GraphContext.create(13)
    x = g.add_input("x", torch.float32, [2, 3])
    with pytest.raises(SymbolicArgError, match="'repeats'"):
        sh._repeat_interleave_single_value_repeat_helper(g, x, ConstantValue([2, 3]), 0)
    with pytest.raises(SymbolicArgError, match="'end_dim'"):
        sh._flatten_helper(g, x, 0, ConstantValue(None), 2)
    with pytest.raises(SymbolicArgError, match="'index'"):
        sh._select_helper(g, x, 0, ["a"])
    with pytest.raises(SymbolicArgError, match="not a constant"):
        sh._scatter_helper(g, x, sh._size_helper(g, x, 0), x, x)
