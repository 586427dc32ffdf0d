"""``ops/interpolate_pad.py`` against eager PyTorch (table: ``op_cases_interpolate_pad.py``), dispatch, refusals."""

from __future__ import annotations

import pytest
import torch
from op_case_runner import case_params, check_case
from op_cases_interpolate_pad import INTERPOLATE_PAD_CASES
from symbolic_case import SymbolicCase, T, add_tensor, builtin_registry, call_symbolic

from onnx_migrate.errors import OnnxMigrateWarning, UnsupportedSymbolicError
from onnx_migrate.legacy_symbolics.graph_context import GraphContext
from onnx_migrate.legacy_symbolics.ops import interpolate_pad
from onnx_migrate.legacy_symbolics.registry import builtin_marks
from onnx_migrate.legacy_symbolics.values import ConstantValue, ListValue


@pytest.mark.filterwarnings("ignore::onnx_migrate.errors.OnnxMigrateWarning")
@pytest.mark.parametrize(("case", "opset"), case_params(INTERPOLATE_PAD_CASES))
def test_interpolate_pad_symbolic_matches_eager(case: SymbolicCase, opset: int, to_model, run_model) -> None:
    check_case(case, opset, to_model, run_model)


def test_every_interpolate_pad_builtin_has_a_case() -> None:
    registered = {name for obj in vars(interpolate_pad).values() for name, _, _ in builtin_marks(obj)}
    assert sorted(registered - {case.op for case in INTERPOLATE_PAD_CASES}) == []


@pytest.mark.parametrize(
    ("op", "opset", "serving"),
    [
        ("aten::upsample_bilinear2d", 9, 9),
        ("aten::upsample_bilinear2d", 10, 10),
        ("aten::upsample_bilinear2d", 12, 11),
        ("aten::upsample_bilinear2d", 17, 13),
        ("aten::_upsample_bilinear2d_aa", 20, 18),
        ("aten::grid_sampler", 19, 16),
        ("aten::grid_sampler", 21, 20),
        ("aten::pad", 10, 9),
        ("aten::pad", 18, 11),
        ("aten::pad", 23, 19),
    ],
)
def test_resize_and_pad_variants_dispatch_by_opset(op: str, opset: int, serving: int) -> None:
    entry = builtin_registry().lookup(op, opset).entry
    assert entry is not None and entry.opset == serving


def _resize_ops(opset: int, **call: object) -> list[str]:
    g = GraphContext.create(opset)
    x = add_tensor(g, "x", T(1, 2, 4, 4))
    call_symbolic(g, "aten::upsample_bilinear2d", input=x, **{k: ConstantValue(v) for k, v in call.items()})
    return [node.op_type for node in g.graph if node.op_type != "Constant"]


def test_each_opset_gets_its_onnx_op() -> None:
    """Upsample at 9, Resize with scales only at 10, Resize with coordinate modes from 11."""
    call = {"output_size": None, "align_corners": False, "scale_factors": [2.0, 2.0]}
    with pytest.warns(OnnxMigrateWarning, match="may differ from PyTorch"):
        assert _resize_ops(9, **call) == ["Upsample"]
    with pytest.warns(OnnxMigrateWarning):
        assert _resize_ops(10, **call) == ["Resize"]
    assert _resize_ops(11, **call) == ["Resize"]


@pytest.mark.parametrize(
    ("symbolic", "call", "opset", "message"),
    [
        (
            interpolate_pad.aten_upsample_bilinear2d,
            {"output_size": [8, 8], "align_corners": True, "scale_factors": None},
            10,
            r"align_corners=True.*opset_version>=11",
        ),
        (
            interpolate_pad.aten_upsample_bicubic2d,
            {"output_size": [8, 8], "align_corners": False, "scale_factors": None},
            10,
            r"bicubic needs Resize-11",
        ),
        (
            interpolate_pad.aten_upsample_nearest2d,
            {"output_size": [2, 2], "scale_factors": None},
            9,
            r"downsampling.*Upsample-9",
        ),
        (
            interpolate_pad.aten__upsample_bilinear2d_aa,
            {"output_size": [2, 2], "align_corners": False, "scale_factors": None},
            17,
            r"antialias.*opset_version>=18",
        ),
        (
            interpolate_pad.aten__upsample_bilinear2d_aa,
            {"output_size": [2, 2], "align_corners": True, "scale_factors": None},
            18,
            r"align_corners=True has no ONNX",
        ),
    ],
)
def test_what_onnx_cannot_express_is_refused_with_the_opset_to_use(
    symbolic, call: dict, opset: int, message: str
) -> None:
    """Called directly (as a custom symbolic may call a built-in) at an opset ONNX cannot serve."""
    g = GraphContext.create(opset)
    x = add_tensor(g, "x", T(1, 2, 4, 4))
    with pytest.raises(UnsupportedSymbolicError, match=f"(?s){message}"):
        symbolic(g, input=x, **{k: ConstantValue(v) for k, v in call.items()})


def test_volumes_need_grid_sample_20() -> None:
    g = GraphContext.create(16)
    x, grid = add_tensor(g, "x", T(1, 1, 2, 3, 4)), add_tensor(g, "grid", T(1, 2, 2, 2, 3))
    with pytest.raises(UnsupportedSymbolicError, match=r"(?s)volumes.*opset_version>=20"):
        call_symbolic(
            g,
            "aten::grid_sampler",
            input=x,
            grid=grid,
            interpolation_mode=ConstantValue(0),
            padding_mode=ConstantValue(0),
            align_corners=ConstantValue(False),
        )
    assert builtin_registry().lookup("aten::grid_sampler_3d", 19).supported_opsets == (20,)


def test_dynamic_pads_need_opset_11() -> None:
    g = GraphContext.create(9)
    x = add_tensor(g, "x", T(2, 3), dynamic=(0,))
    size = g.op("Gather", g.op("Shape", x), g.op("Constant", value_t=torch.tensor(0)), axis_i=0)
    with pytest.raises(UnsupportedSymbolicError, match=r"(?s)run time.*opset_version>=11"):
        call_symbolic(
            g, "aten::constant_pad_nd", self=x, pad=ListValue([ConstantValue(1), size]), value=ConstantValue(0)
        )


def test_circular_padding_uses_wrap_from_opset_19() -> None:
    for opset, expected in ((13, "Concat"), (19, "Pad")):
        g = GraphContext.create(opset)
        call_symbolic(
            g,
            "aten::pad",
            self=add_tensor(g, "x", T(1, 2, 3, 4)),
            pad=ConstantValue([1, 1]),
            mode=ConstantValue("circular"),
            value=ConstantValue(None),
        )
        assert expected in [node.op_type for node in g.graph]
