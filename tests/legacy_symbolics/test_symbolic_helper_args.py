"""symbolic_helper: reading constants and parsing symbolic arguments.

Legacy custom symbolics turn their arguments into Python values with
``parse_args`` / ``_maybe_get_const`` / ``_get_const``. The tables below state,
descriptor by descriptor, what each kind of argument becomes: our
``ConstantValue``s, outputs of ``Constant`` nodes, values with a ``const_value``,
list values and plain Python objects. Failures must name the function, the
argument and what was received.
"""

from __future__ import annotations

from typing import Any

import onnx_ir as ir
import pytest
import torch

from onnx_migrate.errors import SymbolicArgError, SymbolicValueError
from onnx_migrate.legacy_symbolics import symbolic_helper as sh
from onnx_migrate.legacy_symbolics.graph_context import GraphContext, SourceNode
from onnx_migrate.legacy_symbolics.values import ConstantValue, ListValue, TupleValue, Value


@pytest.fixture
def g() -> GraphContext:
    return GraphContext.create(13)


@pytest.fixture
def x(g: GraphContext) -> Value:
    return g.add_input("x", torch.float32, ["N", 3])


def _constant_node(g: GraphContext, data: Any) -> Value:
    return g.op("Constant", value_t=torch.tensor(data))


# descriptor, argument (built from g), expected result
PARSE_CASES: list[tuple[str, Any, Any]] = [
    ("i", lambda g: ConstantValue(3), 3),
    ("i", lambda g: ConstantValue(True), 1),
    ("i", lambda g: ConstantValue(torch.tensor(4)), 4),
    ("i", lambda g: ConstantValue([5]), 5),
    ("i", lambda g: ConstantValue(torch.float32), 6),  # dtypes were ScalarType ints
    ("i", lambda g: ConstantValue(torch.strided), 0),
    ("i", lambda g: _constant_node(g, 7), 7),
    ("i", lambda g: g.op("Constant", value_int_i=8), 8),
    ("i", lambda g: 9, 9),  # plain Python values pass through
    ("i", lambda g: torch.int64, 4),
    ("f", lambda g: ConstantValue(2), 2.0),
    ("f", lambda g: ConstantValue(torch.tensor(0.5)), 0.5),
    ("f", lambda g: _constant_node(g, 1.5), 1.5),
    ("b", lambda g: ConstantValue(0), False),
    ("b", lambda g: ConstantValue(torch.tensor(True)), True),
    ("b", lambda g: _constant_node(g, 1), True),
    ("s", lambda g: ConstantValue("tanh"), "tanh"),
    ("s", lambda g: g.op("Constant", value_string_s="reflect"), "reflect"),
    ("is", lambda g: ConstantValue([1, 2]), [1, 2]),
    ("is", lambda g: ConstantValue((3,)), [3]),
    ("is", lambda g: ConstantValue(4), [4]),
    ("is", lambda g: _constant_node(g, [5, 6]), [5, 6]),
    ("is", lambda g: ListValue([ConstantValue(1), _constant_node(g, 2)]), [1, 2]),
    ("fs", lambda g: ConstantValue([1, 2.5]), [1.0, 2.5]),
    ("fs", lambda g: ListValue([ConstantValue(0.5), ConstantValue(2)]), [0.5, 2.0]),
    ("i", lambda g: ConstantValue(None), None),
    ("is", lambda g: ConstantValue(None), None),
    ("t", lambda g: ConstantValue(None), None),
]


@pytest.mark.parametrize(("desc", "make", "expected"), PARSE_CASES)
def test_parse_arg_converts_constants(g: GraphContext, desc: str, make: Any, expected: Any) -> None:
    assert sh._parse_arg(make(g), desc) == expected


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda g: ConstantValue(3), torch.tensor(3)),
        (lambda g: ConstantValue([1, 2]), torch.tensor([1, 2])),
        (lambda g: ConstantValue(torch.tensor([[1.0]])), torch.tensor([[1.0]])),
        (lambda g: _constant_node(g, [1.5, 2.5]), torch.tensor([1.5, 2.5])),
    ],
)
def test_parse_arg_t_gives_tensors(g: GraphContext, make: Any, expected: torch.Tensor) -> None:
    result = sh._parse_arg(make(g), "t")
    assert isinstance(result, torch.Tensor)
    torch.testing.assert_close(result, expected)


def test_value_with_const_value_counts_as_constant(g: GraphContext) -> None:
    weight = g.add_input("w", torch.int64, [2])
    weight.ir_value.const_value = ir.tensor(torch.tensor([4, 5]))
    assert sh._is_constant(weight)
    assert sh._maybe_get_const(weight, "is") == [4, 5]
    assert sh._get_const(weight, "is", "w") == [4, 5]


@pytest.mark.parametrize("desc", ["v", "none"])
def test_v_and_none_keep_the_value(x: Value, desc: str) -> None:
    assert sh._parse_arg(x, desc) is x
    constant = ConstantValue(3)
    assert sh._parse_arg(constant, desc) is constant


@pytest.mark.parametrize("desc", ["i", "is", "f", "fs", "b", "s", "t"])
def test_parse_arg_rejects_graph_values(x: Value, desc: str) -> None:
    with pytest.raises(SymbolicArgError, match="not a constant"):
        sh._parse_arg(x, desc, "alpha", "my_symbolic")


@pytest.mark.parametrize(
    ("desc", "make", "fragment"),
    [
        ("i", lambda g: ConstantValue("abc"), "not an int"),
        ("i", lambda g: ConstantValue([1, 2]), "2 items"),
        ("i", lambda g: _constant_node(g, [1, 2]), "holds 2 values"),
        ("t", lambda g: ListValue([ConstantValue(1)]), "only lists"),
        ("is", lambda g: TupleValue([ConstantValue(1)]), "tuples"),
        ("q", lambda g: ConstantValue(1), "valid descriptors"),
    ],
)
def test_parse_arg_rejects_constants_that_do_not_fit(g: GraphContext, desc: str, make: Any, fragment: str) -> None:
    with pytest.raises(SymbolicArgError, match=fragment):
        sh._parse_arg(make(g), desc, "arg")


def test_list_with_a_dynamic_item_is_not_an_int_list(g: GraphContext, x: Value) -> None:
    size = sh._size_helper(g, x, 0)
    dims = ListValue([size, ConstantValue(3)])
    with pytest.raises(SymbolicArgError, match="item 0"):
        sh._parse_arg(dims, "is", "size", "view")
    assert sh._maybe_get_const(dims, "is") is dims
    assert not sh._is_constant(dims)


# -- parse_args --------------------------------------------------------------------


@sh.parse_args("v", "i", "fs", "b")
def _example_symbolic(g: Any, self: Any, dim: Any, scales: Any, flag: Any = False) -> tuple[Any, ...]:
    return self, dim, scales, flag


def test_parse_args_converts_positional_and_keyword_arguments(g: GraphContext, x: Value) -> None:
    positional = _example_symbolic(g, x, ConstantValue(1), ConstantValue([2, 3]), ConstantValue(1))
    assert positional == (x, 1, [2.0, 3.0], True)
    # onnx_migrate calls symbolics with the ATen argument names.
    keyword = _example_symbolic(g, self=x, dim=ConstantValue(-1), scales=[1.0], flag=ConstantValue(False))
    assert keyword == (x, -1, [1.0], False)
    assert _example_symbolic._arg_descriptors == ("v", "i", "fs", "b")
    assert _example_symbolic.__name__ == "_example_symbolic"


def test_parse_args_accepts_python_values(g: GraphContext, x: Value) -> None:
    assert _example_symbolic(g, x, 2, [0.5], True) == (x, 2, [0.5], True)


def test_parse_args_error_names_function_argument_descriptor_and_value(g: GraphContext, x: Value) -> None:
    g.original_node = SourceNode("mylib::foo")
    dynamic = g.op("Relu", x)
    with pytest.raises(SymbolicArgError) as info:
        _example_symbolic(g, x, dynamic, [1.0])
    message = str(info.value)
    assert "_example_symbolic" in message
    assert "'dim'" in message and "position 1" in message
    assert "'i'" in message and "constant int" in message
    assert dynamic.debugName() in message and "onnx::Relu" in message
    assert "mylib::foo" in message
    assert info.value.arg_name == "dim" and info.value.arg_index == 1 and info.value.descriptor == "i"


def test_parse_args_error_for_keyword_argument(g: GraphContext, x: Value) -> None:
    with pytest.raises(SymbolicArgError, match=r"argument 'flag' at position 3"):
        _example_symbolic(g, x, 1, [1.0], flag=g.op("Cast", x, to_i=9))


def test_parse_args_too_many_arguments(g: GraphContext, x: Value) -> None:
    @sh.parse_args("v")
    def one_arg(g: Any, *args: Any) -> Any:
        return args

    with pytest.raises(SymbolicArgError, match="2 positional arguments"):
        one_arg(g, x, x)


def test_parse_args_rejects_unknown_descriptor_at_decoration() -> None:
    with pytest.raises(SymbolicArgError, match="'int'"):
        sh.parse_args("v", "int")  # type: ignore[arg-type]


def test_parse_args_passes_unknown_keywords_through(g: GraphContext, x: Value) -> None:
    @sh.parse_args("v", "i")
    def with_outputs(g: Any, self: Any, dim: Any, _outputs: Any = None) -> Any:
        return dim, _outputs

    assert with_outputs(g, x, ConstantValue(2), _outputs=3) == (2, 3)


# -- _maybe_get_const / _get_const / _maybe_get_scalar ------------------------------


def test_maybe_get_const(g: GraphContext, x: Value) -> None:
    assert sh._maybe_get_const(ConstantValue(2), "i") == 2
    assert sh._maybe_get_const(_constant_node(g, [1, 2]), "is") == [1, 2]
    assert sh._maybe_get_const(ConstantValue(None), "i") is None
    assert sh._maybe_get_const(x, "i") is x
    # Plain Python values are constants: converted when they fit, unchanged otherwise.
    assert sh._maybe_get_const(5, "i") == 5
    assert sh._maybe_get_const([1, 2], "is") == [1, 2]
    assert sh._maybe_get_const(torch.tensor(3), "i") == 3
    assert sh._maybe_get_const(torch.float16, "i") == 5
    torch.testing.assert_close(sh._maybe_get_const(2, "t"), torch.tensor(2))
    assert sh._maybe_get_const("nearest", "s") == "nearest"
    assert sh._maybe_get_const("nearest", "i") == "nearest"
    assert sh._maybe_get_const([x, 1], "is") == [x, 1]


def test_get_const_requires_a_constant(g: GraphContext, x: Value) -> None:
    assert sh._get_const(ConstantValue(3), "i", "dim") == 3
    assert sh._get_const(None, "i", "dim") is None
    assert sh._get_const(torch.tensor([4]), "i", "dim") == 4
    with pytest.raises(SymbolicArgError, match="'keepdim'"):
        sh._get_const(x, "i", "keepdim")


def test_maybe_get_scalar(g: GraphContext, x: Value) -> None:
    scalar = sh._maybe_get_scalar(ConstantValue(2.5))
    assert isinstance(scalar, torch.Tensor) and scalar.shape == () and scalar.item() == 2.5
    assert sh._maybe_get_scalar(x) is x
    listed = ConstantValue([1, 2])
    assert sh._maybe_get_scalar(listed) is listed
    assert sh._scalar(torch.tensor(3)) == 3
    assert sh._scalar(torch.tensor([3])) is None


def test_node_get_reads_attributes(g: GraphContext) -> None:
    constant = _constant_node(g, [1, 2])
    torch.testing.assert_close(sh._node_get(constant.node(), "value"), torch.tensor([1, 2]))
    assert sh._node_get(ConstantValue(4).node(), "value") == 4
    with pytest.raises(SymbolicValueError):
        sh._node_get(3, "value")


# -- what a value is ----------------------------------------------------------------


def _predicates(value: Any) -> dict[str, bool]:
    names = [
        "_is_none", "_is_value", "_is_constant", "_is_onnx_constant", "_is_tensor", "_is_list",
        "_is_tensor_list", "_is_scalar_list", "_is_packed_list", "_is_tuple_construct", "_is_scalar",
    ]
    return {name: getattr(sh, name)(value) for name in names}


_ALL_FALSE = dict.fromkeys(
    ["_is_none", "_is_value", "_is_constant", "_is_onnx_constant", "_is_tensor", "_is_list", "_is_tensor_list",
     "_is_scalar_list", "_is_packed_list", "_is_tuple_construct", "_is_scalar"],
    False,
)

PREDICATE_CASES: list[tuple[str, Any, set[str]]] = [
    ("graph input", lambda g, x: x, {"_is_value", "_is_tensor"}),
    ("0-d graph value", lambda g, x: sh._size_helper(g, x, 0), {"_is_value", "_is_tensor", "_is_scalar"}),
    ("constant node", lambda g, x: _constant_node(g, [1]), {"_is_value", "_is_constant", "_is_onnx_constant", "_is_tensor"}),
    ("None constant", lambda g, x: ConstantValue(None), {"_is_none", "_is_value", "_is_constant"}),
    ("int constant", lambda g, x: ConstantValue(2), {"_is_value", "_is_constant", "_is_onnx_constant", "_is_tensor", "_is_scalar"}),
    ("int list constant", lambda g, x: ConstantValue([1, 2]), {"_is_value", "_is_constant", "_is_onnx_constant", "_is_list", "_is_scalar_list"}),
    ("tensor list", lambda g, x: ListValue([x, x]), {"_is_value", "_is_list", "_is_tensor_list", "_is_packed_list"}),
    ("int list with a SymInt", lambda g, x: ListValue([sh._size_helper(g, x, 0), ConstantValue(3)]), {"_is_value", "_is_list", "_is_scalar_list", "_is_packed_list"}),
    ("quantized tuple", lambda g, x: TupleValue([x, ConstantValue(0.1), ConstantValue(0)]), {"_is_value", "_is_tuple_construct"}),
    ("python None", lambda g, x: None, {"_is_none", "_is_constant"}),
    ("python int", lambda g, x: 3, {"_is_constant", "_is_scalar"}),
    ("python int list", lambda g, x: [1, 2], {"_is_constant", "_is_list", "_is_scalar_list"}),
]


@pytest.mark.parametrize(("label", "make", "true_names"), PREDICATE_CASES, ids=[c[0] for c in PREDICATE_CASES])
def test_value_predicates(g: GraphContext, x: Value, label: str, make: Any, true_names: set[str]) -> None:
    expected = {**_ALL_FALSE, **dict.fromkeys(true_names, True)}
    assert _predicates(make(g, x)) == expected


def test_unpack_list_and_tuple(g: GraphContext, x: Value) -> None:
    assert sh._unpack_list(ListValue([x, None])) == [x, None]
    unpacked = sh._unpack_list(ConstantValue([1, 2]))
    assert [item.python_value for item in unpacked] == [1, 2]
    assert sh._unpack_list([x]) == [x]
    with pytest.raises(SymbolicValueError, match="_is_packed_list"):
        sh._unpack_list(x)
    scale, zero_point = ConstantValue(0.5), ConstantValue(1)
    assert sh._unpack_tuple(TupleValue([x, scale, zero_point])) == (x, scale, zero_point)
    with pytest.raises(SymbolicValueError):
        sh._unpack_tuple(x)
    assert sh._unpack_quantized_tensor(TupleValue([x, scale, zero_point])) == (x, scale, zero_point)
    with pytest.raises(SymbolicValueError, match="3 or 4"):
        sh._unpack_quantized_tensor(TupleValue([x, scale]))
    with pytest.raises(SymbolicValueError, match="quantized"):
        sh._unpack_quantized_tensor(x)


# -- shapes -------------------------------------------------------------------------


def test_tensor_rank_and_sizes(g: GraphContext) -> None:
    x = g.add_input("x", torch.float32, ["N", 3, 4])
    assert sh._get_tensor_rank(x) == 3
    assert sh._get_tensor_sizes(x) == [None, 3, 4]
    assert sh._get_tensor_sizes(x, allow_nonstatic=False) is None
    assert sh._get_tensor_dim_size(x, 0) is None
    assert sh._get_tensor_dim_size(x, -1) == 4
    # Constants look like tensors, numbers like 0-d ones (as legacy symbolics saw them).
    assert sh._get_tensor_rank(ConstantValue(2.0)) == 0
    assert sh._get_tensor_sizes(ConstantValue(torch.zeros(2, 5))) == [2, 5]
    assert sh._get_tensor_rank(ConstantValue([1, 2])) is None
    assert sh._get_tensor_rank(ListValue([x])) is None
    custom = g.op("mydomain::Opaque", x)
    assert sh._get_tensor_rank(custom) is None
    assert sh._get_tensor_sizes(custom) is None


def test_get_dim_for_cross(g: GraphContext) -> None:
    x = g.add_input("x", torch.float32, [2, 3, 3])
    assert sh._get_dim_for_cross(x, -1) == 2
    assert sh._get_dim_for_cross(x, ConstantValue(None)) == 1
    assert sh._get_dim_for_cross(x, ConstantValue(0)) == 0
    assert sh._get_dim_for_cross(x, None) == 1
