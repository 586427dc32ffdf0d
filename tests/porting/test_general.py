"""``port.general``: symbolics made only of ``g.op`` calls become onnxscript translation functions.

The unit cases read symbolics written below (their source is what is translated);
the end-to-end cases ``exec`` the generated text and export real ``torch.library``
ops with torch's new exporter and that function as the custom translation, then
check the ONNX graph (and ONNX Runtime numbers where every op has a kernel).
"""

from __future__ import annotations

import ast
import functools
import inspect
import textwrap
from collections.abc import Callable, Sequence
from typing import Any, Optional

import numpy as np
import onnx
import onnx_ir as ir
import onnxruntime as ort
import pytest
import torch
from onnx import defs
from onnxscript import opset18, values

from onnx_migrate.legacy_symbolics import symbolic_helper
from onnx_migrate.legacy_symbolics.symbolic_helper import parse_args
from onnx_migrate.porting.general import GeneralFunction, NotGeneral, SchemaParameter, translate_general

P = SchemaParameter
TENSOR_X = P("self", None, None)
SCALE_CONSTANT = 3  # a module global: the generated module does not have it


def _identifier(domain: str, op_type: str) -> str:
    return f"{domain.replace('.', '_')}_{op_type}"


def _translate(symbolic: Callable[..., Any], parameters: Sequence[SchemaParameter], name: str = "translated"):
    return translate_general(symbolic, name, parameters, custom_op_identifier=_identifier)


def _general(symbolic: Callable[..., Any], parameters: Sequence[SchemaParameter], name: str = "translated"):
    result = _translate(symbolic, parameters, name)
    assert isinstance(result, GeneralFunction), result
    ast.parse(result.source)  # the text compiles
    assert result.source.endswith("\n")
    return result


def _origin(symbolic: Callable[..., Any]) -> str:
    """What the provenance comment names: file, line of ``def``, qualname."""
    function = inspect.unwrap(symbolic)
    lines, start = inspect.getsourcelines(function)
    offset = next(i for i, line in enumerate(lines) if line.lstrip().startswith("def "))
    return f"{inspect.getsourcefile(function)}:{start + offset} ({function.__qualname__})"


def _line(symbolic: Callable[..., Any], text: str) -> int:
    """The absolute line of the first source line of ``symbolic`` containing ``text``."""
    lines, start = inspect.getsourcelines(inspect.unwrap(symbolic))
    return start + next(i for i, line in enumerate(lines) if text in line)


# --------------------------------------------------------------------------- general symbolics


@symbolic_helper.parse_args("v", "f")
def fast_gelu(g, x, alpha):
    """Gelu with a tunable slope, as an ORT contrib op."""
    out = g.op("mylib::FastGelu", x, alpha_f=alpha, approximate_i=True)
    out.setType(x.type())
    return out


def pair(g, x, y, scale):
    # one custom node, two outputs
    first, second = g.op("custom.domain::Pair", x, g.op("Relu", y), scale_f=scale * 2, mode_s="fast", outputs=2)
    return second, first


@parse_args("v", "i", "f", "is")
def pool(g, x, kernel, ratio, pads):
    return g.op("custom::Pool", x, kernel_i=kernel, ratio_f=ratio, pads_i=pads, scales_f=[1, 2.5], shape_i=(kernel, 1))


def swish(g, self):
    return g.op("onnx::Mul", g.op("Sigmoid", self, unused_f=None), self).setType(self.type())


def swapped(g, other, self):
    # the symbolic's names are the schema's, in the other order; a local takes a schema name
    input = g.op("Sub", other, self)
    return input


def cast_and_shift(g, x, shift):
    as_float = g.op("Cast", x, to_i=torch.onnx.TensorProtoDataType.FLOAT)
    offset = g.op("Constant", value_t=torch.tensor([shift], dtype=torch.float))
    return g.op("Add", as_float, offset)


def unfold(g, self, dim, size, step, flag):
    # decoded by hand, as onnxruntime's contrib symbolics do
    dim = symbolic_helper._maybe_get_const(dim, "i")
    size = int(symbolic_helper._maybe_get_const(size, "i"))
    mode = ["dense", "strided"][step]
    unfolded = g.op("com.microsoft::UnfoldTensor", self, dim_i=dim, size_i=size, mode_s=mode, flag_i=flag)
    return unfolded.setType(self.type().with_sizes([None, size]))


def one_line(g, x): return g.op("Relu", x)  # noqa: E704


def code_after_return(g, x):
    y = g.op("Relu", x)
    return y
    g.op("Relu", y)  # never ran


class WithSymbolic(torch.autograd.Function):
    @staticmethod
    def symbolic(g, x):
        return g.op("custom::Twice", x)


def test_custom_op_with_attributes_parse_args_and_type_hint() -> None:
    result = _general(fast_gelu, [TENSOR_X, P("alpha", "float", "1.0")], name="fast_gelu_translation")
    assert result.source == textwrap.dedent(f'''\
        def fast_gelu_translation(self, alpha: float = 1.0):
            # Translated from {_origin(fast_gelu)}: only g.op calls, general.
            """Gelu with a tunable slope, as an ORT contrib op."""
            out = mylib_FastGelu(self, alpha=alpha, approximate=1)
            return out
        ''')
    assert result.custom_ops == (("mylib", "FastGelu"),)


def test_two_outputs_unpacked_and_default_domain_inside() -> None:
    result = _general(pair, [P("x", None, None), P("other", None, None), P("scale", "int", None)])
    assert result.source == textwrap.dedent(f"""\
        def translated(x, other, scale: int):
            # Translated from {_origin(pair)}: only g.op calls, general.
            # one custom node, two outputs
            first, second = custom_domain_Pair(x, op.Relu(other), scale=float(scale * 2), mode="fast")
            return second, first
        """)
    assert result.custom_ops == (("custom.domain", "Pair"),)


def test_parse_args_descriptors_become_the_attribute_types_legacy_made() -> None:
    parameters = [TENSOR_X, P("kernel_size", "int", None), P("ratio", "int", "1"), P("padding", "Sequence[int]", "()")]
    source = _general(pool, parameters).source
    assert "def translated(self, kernel_size: int, ratio: int = 1, padding: Sequence[int] = ()):" in source
    # _f on an int argument is a float(...), _i lists are lists, int literals of _f are floats
    assert (
        "return custom_Pool(self, kernel=kernel_size, ratio=float(ratio), pads=list(padding), "
        "scales=[1.0, 2.5], shape=[kernel_size, 1])" in source
    )


def test_default_domain_chain_drops_set_type() -> None:
    result = _general(swish, [TENSOR_X], name="swish")
    assert result.source == textwrap.dedent(f"""\
        def swish(self):
            # Translated from {_origin(swish)}: only g.op calls, general.
            return op.Mul(op.Sigmoid(self), self)
        """)
    assert result.custom_ops == ()


def test_parameters_renamed_to_schema_names_without_collisions() -> None:
    source = _general(swapped, [P("self", None, None), P("other", None, None), P("input", None, "None")]).source
    assert "def translated(self, other, input=None):" in source
    assert "input_ = op.Sub(self, other)" in source  # other->self, self->other, local input->input_
    assert "return input_" in source


def test_fewer_parameters_than_schema_and_onnx_types() -> None:
    parameters = [TENSOR_X, P("shift", "float", None), P("approximate", "str", "'none'"), P("out", None, "None")]
    source = _general(cast_and_shift, parameters).source
    assert "def translated(self, shift: float, approximate: str = 'none', out=None):" in source
    assert "as_float = op.Cast(self, to=ir.DataType.FLOAT)" in source
    assert "op.Constant(value=ir.tensor(torch.tensor([shift], dtype=torch.float)))" in source


def test_constants_decoded_by_hand_are_the_values_torch_passes() -> None:
    parameters = [TENSOR_X, P("dimension", "int", None), P("size", "int", None), P("step", "int", None),
                  P("flag", "bool", "False")]
    result = _general(unfold, parameters)
    assert result.source == textwrap.dedent(f"""\
        def translated(self, dimension: int, size: int, step: int, flag: bool = False):
            # Translated from {_origin(unfold)}: only g.op calls, general.
            # decoded by hand, as onnxruntime's contrib symbolics do
            size = int(size)
            mode = ["dense", "strided"][step]
            unfolded = com_microsoft_UnfoldTensor(self, dim=dimension, size=size, mode=mode, flag=int(flag))
            return unfolded
        """)
    assert result.custom_ops == (("com.microsoft", "UnfoldTensor"),)


def test_autograd_function_symbolic_is_a_static_method_source() -> None:
    result = _general(WithSymbolic.symbolic, [TENSOR_X])
    assert "WithSymbolic.symbolic" in result.source.splitlines()[1]
    assert result.source.splitlines()[2] == "    return custom_Twice(self)"


def test_one_line_def_and_code_after_return() -> None:
    assert _general(one_line, [TENSOR_X]).source.splitlines()[2] == "    return op.Relu(self)"
    body = _general(code_after_return, [TENSOR_X]).source.splitlines()[2:]
    assert body == ["    y = op.Relu(self)", "    return y"]


def test_a_long_signature_is_one_parameter_a_line() -> None:
    parameters = [TENSOR_X, *(P(f"argument_number_{i}", "Optional[int]", "None") for i in range(4))]
    source = _general(swish, parameters).source
    assert source.startswith("def translated(\n    self,\n    argument_number_0: Optional[int] = None,\n")


# --------------------------------------------------------------------------- not general


def branches(g, x, approximate):
    if approximate == "tanh":
        return g.op("custom::GeluTanh", x)
    return g.op("custom::Gelu", x)


def branches_on_flag(g, x):
    if SCALE_CONSTANT > 2:
        return g.op("custom::Scaled", x)
    return g.op("custom::Plain", x)


def not_onnx(g, x):
    return g.op("FastGelu", x)


def uses_helper(g, x):
    rank = symbolic_helper._get_tensor_rank(x)
    return g.op("custom::Flatten", x, axis_i=rank)


def falls_back(g, x):
    return g.at("gelu", x)


def reads_global(g, x):
    return g.op("custom::Scale", x, scale_i=SCALE_CONSTANT)


def star_args(g, *inputs):
    return g.op("custom::Concat", *inputs)


def reads_type(g, x):
    dtype = x.type().scalarType()
    return g.op("custom::Typed", x, dtype_s=dtype)


def computed_name(g, x, name):
    return g.op(name, x)


def splits(g, x):
    first, second = g.op("Split", x, outputs=2)
    return first, second


def loops(g, x, n):
    for _ in range(n):
        x = g.op("Relu", x)
    return x


def unknown_suffix(g, x):
    return g.op("custom::Foo", x, alpha=1)


@parse_args("v", "f")
def decodes_a_tensor(g, x, alpha):
    return g.op("custom::Foo", x, alpha_f=alpha)


def returns_python(g, x, alpha):
    return alpha


def leaves_an_output_out(g, x, rois):
    pooled = g.op("MaxRoiPool", x, rois, pooled_shape_i=[2, 2])
    return pooled, None


def decodes_a_runtime_value(g, x, k):
    k = symbolic_helper._maybe_get_const(k, "i")
    return g.op("custom::TopK", x, k_i=k)


@functools.lru_cache
def cached(g, x):
    return g.op("Relu", x)


NOT_GENERAL = [
    (branches, [TENSOR_X, P("approximate", "str", "'none'")], "branches in Python on `approximate` (`if` at line {})",
     "if approximate"),
    (branches_on_flag, [TENSOR_X], "branches in Python on `SCALE_CONSTANT`, from outside the function (`if` at line {})",
     "if SCALE_CONSTANT"),
    (not_onnx, [TENSOR_X], 'calls g.op("FastGelu"), which is not an ONNX operator', "FastGelu"),
    (uses_helper, [TENSOR_X], "calls `symbolic_helper._get_tensor_rank(...)`", "_get_tensor_rank"),
    (falls_back, [TENSOR_X], "calls `g.at`, which only the legacy graph context has", "g.at"),
    (reads_global, [TENSOR_X], "refers to `SCALE_CONSTANT`, a name from outside the function", "SCALE_CONSTANT"),
    (reads_type, [TENSOR_X], "calls a method of the tensor `x` (`x.type().scalarType()`)", "scalarType"),
    (computed_name, [TENSOR_X, P("name", "str", None)], "op name that is not a string literal", "g.op(name"),
    (splits, [TENSOR_X], "asks `Split` for `outputs=2`: its output count is not fixed", "Split"),
    (loops, [TENSOR_X, P("n", "int", None)], "loops in Python (`for` at line {})", "for _"),
    (unknown_suffix, [TENSOR_X], "attribute `alpha` with no type suffix", "alpha=1"),
    (decodes_a_tensor, [TENSOR_X, P("alpha", None, None)], "decodes `alpha` with parse_args 'f'", "@parse_args"),
    (returns_python, [TENSOR_X, P("alpha", "float", None)], "returns the Python value `alpha`", "return alpha"),
    (leaves_an_output_out, [TENSOR_X, TENSOR_X], "returns None for output 2 (legacy left it out)", "return pooled"),
    (decodes_a_runtime_value, [TENSOR_X, P("k", None, None)],
     "decodes `k` with `symbolic_helper._maybe_get_const`, but the op schema passes it as a tensor", "k = "),
    (cached, [TENSOR_X], "is decorated with `@functools.lru_cache`", "@functools"),
]


@pytest.mark.parametrize(("symbolic", "parameters", "reason", "marker"), NOT_GENERAL,
                         ids=[case[0].__name__ for case in NOT_GENERAL])
def test_not_general_names_the_reason_and_line(symbolic, parameters, reason, marker) -> None:
    result = _translate(symbolic, parameters)
    assert isinstance(result, NotGeneral), result
    line = _line(symbolic, marker)
    assert reason.format(line) in result.reason
    assert result.line == line


def test_no_source_or_no_fixed_signature() -> None:
    lambda_result = _translate(lambda g, x: g.op("Relu", x), [TENSOR_X])
    assert isinstance(lambda_result, NotGeneral) and "is a lambda" in lambda_result.reason
    star = _translate(star_args, [TENSOR_X, TENSOR_X])
    assert isinstance(star, NotGeneral) and "takes *args or **kwargs" in star.reason
    assert star.line == _line(star_args, "def star_args")
    partial = _translate(functools.partial(uses_helper, None), [TENSOR_X])
    assert isinstance(partial, NotGeneral) and "functools.partial" in partial.reason
    builtin = _translate(max, [TENSOR_X])
    assert isinstance(builtin, NotGeneral) and "not a Python function" in builtin.reason and builtin.line is None
    too_many = _translate(pair, [TENSOR_X])
    assert isinstance(too_many, NotGeneral) and "takes 3 arguments after `g`, the op schema has 1" in too_many.reason


def test_a_schema_argument_named_like_the_opset_alias_is_refused() -> None:
    result = _translate(swish, [P("op", None, None)])
    assert isinstance(result, NotGeneral) and "schema argument named `op`" in result.reason


# --------------------------------------------------------------------------- end to end


@torch.library.custom_op("port_general_test::scaled_pair", mutates_args=())
def scaled_pair(x: torch.Tensor, y: torch.Tensor, scale: int) -> tuple[torch.Tensor, torch.Tensor]:
    return x + y * scale, x - y


@scaled_pair.register_fake
def _(x: torch.Tensor, y: torch.Tensor, scale: int) -> tuple[torch.Tensor, torch.Tensor]:
    return torch.empty_like(x), torch.empty_like(x)


@torch.library.custom_op("port_general_test::shifted_swish", mutates_args=())
def shifted_swish(x: torch.Tensor, shift: float) -> torch.Tensor:
    return x * torch.sigmoid(x) + shift


@shifted_swish.register_fake
def _(x: torch.Tensor, shift: float) -> torch.Tensor:
    return torch.empty_like(x)


@parse_args("v", "f")
def shifted_swish_symbolic(g, input, shift):
    activated = g.op("Mul", input, g.op("Sigmoid", input))
    offset = g.op("Constant", value_t=torch.tensor(shift, dtype=torch.float))
    return g.op("Add", activated, offset)


_TYPES = [f"tensor({t})" for t in ("float", "double", "float16", "int64", "int32", "bool")]


def _custom_op(domain: str, op_type: str, n_in: int, n_out: int, attributes: dict[str, Any]) -> values.Op:
    """An onnxscript op of a custom domain, with the schema the generated module declares for it."""
    schema = defs.OpSchema(
        op_type, domain, 1,
        inputs=[defs.OpSchema.FormalParameter(f"input_{i}", f"T{i}") for i in range(n_in)],
        outputs=[defs.OpSchema.FormalParameter(f"output_{i}", f"T{n_in + i}") for i in range(n_out)],
        type_constraints=[(f"T{i}", _TYPES, "") for i in range(n_in + n_out)],
        attributes=[defs.OpSchema.Attribute(name, kind, "") for name, kind in attributes.items()],
    )
    return values.Op(values.Opset(domain, 1), op_type, schema)


def _build(result: GeneralFunction, name: str, **custom_ops: values.Op) -> Callable[..., Any]:
    namespace: dict[str, Any] = {"op": opset18, "ir": ir, "torch": torch, "Sequence": Sequence,
                                 "Optional": Optional, **custom_ops}
    exec(compile(result.source, f"<generated {name}>", "exec"), namespace)  # noqa: S102 - the generated module's text
    return namespace[name]


def test_end_to_end_custom_domain_node_keeps_its_attributes() -> None:
    parameters = [P("x", None, None), P("y", None, None), P("scale", "int", None)]
    result = _general(pair, parameters, name="scaled_pair_translation")
    assert result.custom_ops == (("custom.domain", "Pair"),)
    custom = _custom_op("custom.domain", "Pair", 2, 2,
                        {"scale": defs.OpSchema.AttrType.FLOAT, "mode": defs.OpSchema.AttrType.STRING})
    translation = _build(result, "scaled_pair_translation", custom_domain_Pair=custom)

    class Model(torch.nn.Module):
        def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
            first, second = torch.ops.port_general_test.scaled_pair(x, y, 3)
            return first * second

    program = torch.onnx.export(
        Model().eval(), (torch.randn(2, 3), torch.randn(2, 3)), dynamo=True, opset_version=18,
        custom_translation_table={torch.ops.port_general_test.scaled_pair.default: translation},
    )
    model = program.model_proto
    onnx.checker.check_model(model)
    nodes = [n for n in model.graph.node if n.domain == "custom.domain"]
    assert [n.op_type for n in nodes] == ["Pair"]
    attributes = {a.name: onnx.helper.get_attribute_value(a) for a in nodes[0].attribute}
    assert attributes == {"scale": 6.0, "mode": b"fast"}
    assert {a.name: a.type for a in nodes[0].attribute}["scale"] == onnx.AttributeProto.FLOAT
    relu = next(n for n in model.graph.node if n.op_type == "Relu")
    assert relu.output[0] == nodes[0].input[1]  # y went through Relu into the custom node
    # the symbolic returned (second, first): the Mul takes the custom node's outputs swapped
    mul = next(n for n in model.graph.node if n.op_type == "Mul")
    assert list(mul.input) == [nodes[0].output[1], nodes[0].output[0]]


def test_end_to_end_default_domain_runs_in_onnx_runtime_like_eager() -> None:
    result = _general(shifted_swish_symbolic, [P("x", None, None), P("shift", "float", None)], name="swish_t")
    assert "offset = op.Constant(value=ir.tensor(torch.tensor(shift, dtype=torch.float)))" in result.source
    translation = _build(result, "swish_t")

    class Model(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.ops.port_general_test.shifted_swish(x, 0.25) * 2

    x = torch.randn(3, 4)
    program = torch.onnx.export(
        Model().eval(), (x,), dynamo=True,
        custom_translation_table={torch.ops.port_general_test.shifted_swish.default: translation},
    )
    model = program.model_proto
    onnx.checker.check_model(model, full_check=True)
    assert {n.op_type for n in model.graph.node} >= {"Sigmoid", "Add"}
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    (got,) = session.run(None, {session.get_inputs()[0].name: x.numpy()})
    np.testing.assert_allclose(got, Model()(x).numpy(), rtol=1e-5, atol=1e-6)


# --------------------------------------------------------------------------- real third-party symbolics


@pytest.fixture
def ort_contrib_symbolics(monkeypatch) -> dict[str, Callable[..., Any]]:
    """onnxruntime's contrib-op symbolics, as its ``register()`` hands them to torch (the call is intercepted)."""
    contrib = pytest.importorskip("onnxruntime.tools.pytorch_export_contrib_ops")
    registered: dict[str, Callable[..., Any]] = {}
    monkeypatch.setattr(torch.onnx, "register_custom_op_symbolic",
                        lambda name, fn, opset: registered.setdefault(name, fn), raising=False)
    monkeypatch.setattr(contrib, "_registered_ops", set())  # its unregister() must not see these
    contrib.register()
    return registered


ORT_SCHEMAS = {
    "aten::inverse": [TENSOR_X],
    "aten::triu": [TENSOR_X, P("diagonal", "int", "0")],
    "aten::tril": [TENSOR_X, P("diagonal", "int", "0")],
    "aten::grid_sampler": [P("input", None, None), P("grid", None, None), P("interpolation_mode", "int", None),
                           P("padding_mode", "int", None), P("align_corners", "bool", None)],
    "onnxruntime::DynamicTimeWarping": [TENSOR_X],
    "onnxruntime::UnfoldTensor": [TENSOR_X, P("dim", "int", None), P("size", "int", None), P("step", "int", None)],
    "aten::gelu": [TENSOR_X, P("approximate", "str", "'none'")],
}


def test_onnxruntime_contrib_symbolics_are_general_but_gelu(ort_contrib_symbolics) -> None:
    results = {name: _translate(ort_contrib_symbolics[name], schema) for name, schema in ORT_SCHEMAS.items()}
    refused = {name: result.reason for name, result in results.items() if isinstance(result, NotGeneral)}
    assert list(refused) == ["aten::gelu"] and refused["aten::gelu"].startswith("branches in Python")
    for result in results.values():
        if isinstance(result, GeneralFunction):
            ast.parse(result.source)
    grid = results["aten::grid_sampler"].source
    assert 'mode_str = ["bilinear", "nearest", "bicubic"][interpolation_mode]' in grid
    assert grid.count("int(align_corners)") == 1  # converted once, by the symbolic, not again for _i of a bool
    assert "_maybe_get_const" not in grid and "setType" not in results["onnxruntime::UnfoldTensor"].source


def test_end_to_end_onnxruntime_triu_runs_its_contrib_kernel(ort_contrib_symbolics) -> None:
    result = _general(ort_contrib_symbolics["aten::triu"], ORT_SCHEMAS["aten::triu"], name="triu")
    assert result.custom_ops == (("com.microsoft", "Trilu"),)
    trilu = _custom_op("com.microsoft", "Trilu", 2, 1, {"upper": defs.OpSchema.AttrType.INT})
    translation = _build(result, "triu", com_microsoft_Trilu=trilu)

    class Model(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.triu(x, 1) * 2

    x = torch.randn(4, 5)
    program = torch.onnx.export(Model().eval(), (x,), dynamo=True,
                                custom_translation_table={torch.ops.aten.triu.default: translation})
    nodes = [(n.domain, n.op_type) for n in program.model_proto.graph.node]
    assert ("com.microsoft", "Trilu") in nodes and ("", "Trilu") not in nodes
    session = ort.InferenceSession(program.model_proto.SerializeToString(), providers=["CPUExecutionProvider"])
    (got,) = session.run(None, {session.get_inputs()[0].name: x.numpy()})
    np.testing.assert_array_equal(got, Model()(x).numpy())


def test_torchvision_symbolics_are_refused_with_their_reasons() -> None:
    torchvision_ops = pytest.importorskip("torchvision.ops._register_onnx_ops")
    rois = [P("input", None, None), P("rois", None, None), P("spatial_scale", "float", None),
            P("pooled_height", "int", None), P("pooled_width", "int", None)]
    roi_pool = _translate(torchvision_ops.roi_pool, rois)
    assert isinstance(roi_pool, NotGeneral) and "returns None for output 2" in roi_pool.reason
    nms = _translate(torchvision_ops.symbolic_multi_label_nms,
                     [P("dets", None, None), P("scores", None, None), P("iou_threshold", "float", None)])
    assert isinstance(nms, NotGeneral) and nms.reason.startswith("calls `opset11.unsqueeze(...)`")
    assert nms.line == _line(torchvision_ops.symbolic_multi_label_nms, "opset11.unsqueeze")
