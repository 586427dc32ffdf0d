"""Every built-in symbolic against eager PyTorch, at several opsets, through the real checker and ONNX Runtime.

The cases live in ``op_cases.py``; this module walks them. Each case builds a
tiny graph by calling the symbolic as the translator does, serializes it,
runs ``onnx.checker.check_model(full_check=True)`` and ONNX Runtime, and
compares with PyTorch (values and dtypes).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from op_cases import ALL_CASES
from symbolic_case import SymbolicCase

from onnx_migrate.legacy_symbolics.export_context import ExportContext, TrainingMode, active_export
from onnx_migrate.legacy_symbolics.graph_context import GraphContext
from onnx_migrate.legacy_symbolics.values import TensorType


def _params() -> list[object]:
    params = []
    for case in ALL_CASES:
        for opset in case.opsets:
            marks = []
            if opset in case.skips:
                marks.append(pytest.mark.skip(reason=case.skips[opset]))
            if opset in case.xfails:
                marks.append(pytest.mark.xfail(reason=case.xfails[opset], strict=True))
            params.append(pytest.param(case, opset, id=f"{case.name}-opset{opset}", marks=marks))
    return params


def _compare(actual: np.ndarray, expected: torch.Tensor, case: SymbolicCase, index: int) -> None:
    want = expected.detach().numpy()
    if case.check_dtype:
        assert actual.dtype == want.dtype, f"output {index}: ONNX dtype {actual.dtype}, PyTorch {want.dtype}"
    assert actual.shape == want.shape, f"output {index}: ONNX shape {actual.shape}, PyTorch {want.shape}"
    if want.dtype.kind == "f":
        np.testing.assert_allclose(
            actual.astype(np.float64),
            want.astype(np.float64),
            rtol=0,
            atol=case.tolerance,
            equal_nan=True,
            err_msg=f"output {index}",
        )
    else:
        np.testing.assert_array_equal(actual, want, err_msg=f"output {index}")


@pytest.mark.parametrize(("case", "opset"), _params())
def test_symbolic_matches_eager(case: SymbolicCase, opset: int, to_model, run_model) -> None:
    """The symbolic's ONNX graph passes the checker and computes what PyTorch computes."""
    context = ExportContext(opset=opset, training=TrainingMode.TRAINING if case.training else TrainingMode.EVAL)
    g = GraphContext.create(opset, export_context=context)
    with active_export(context):
        built = case.build_fn(g)
    for value, expected in zip(built.outputs, built.expected, strict=True):
        # Per-node inference cannot type every op (function ops such as LessOrEqual-12); the
        # exporter types graph outputs from the FX graph, so do the same here.
        if value.ir_value.dtype is None or value.ir_value.shape is None:
            value.setType(TensorType(expected.dtype, tuple(expected.shape)))
    model = to_model(g, built.outputs)
    assert [o.version for o in model.opset_import if o.domain == ""] == [opset]
    results = run_model(model, **{name: tensor.numpy() for name, tensor in built.feeds.items()})
    assert len(results) == len(built.expected)
    for index, (actual, expected) in enumerate(zip(results, built.expected, strict=True)):
        _compare(actual, expected, case, index)


def test_every_builtin_has_a_case() -> None:
    """Each op the families register is exercised by at least one case of the table."""
    from onnx_migrate.legacy_symbolics.ops import activations, conv_pool, elementwise, linalg, norm, reduction, shape
    from onnx_migrate.legacy_symbolics.registry import builtin_marks

    families = (elementwise, activations, shape, linalg, reduction, conv_pool, norm)
    registered = {name for family in families for obj in vars(family).values() for name, _, _ in builtin_marks(obj)}
    covered = {case.op for case in ALL_CASES}
    assert sorted(registered - covered) == []


def test_each_symbolic_is_marked_in_one_family_only() -> None:
    """A family never re-exports another family's symbolic, which ``register_builtins`` would collect twice."""
    from onnx_migrate.legacy_symbolics.ops import ALL_FAMILIES
    from onnx_migrate.legacy_symbolics.registry import builtin_marks

    strays = [
        f"{family.__name__}.{attr} (from {obj.__module__})"
        for family in ALL_FAMILIES
        for attr, obj in vars(family).items()
        if builtin_marks(obj) and getattr(obj, "__module__", None) != family.__name__
    ]
    assert strays == []


@pytest.mark.parametrize(
    ("op", "opset", "serving"),
    [
        ("aten::unsqueeze", 13, 13),
        ("aten::unsqueeze", 12, 11),
        ("aten::softmax", 12, 9),
        ("aten::softmax", 13, 13),
        ("aten::sum", 17, 13),
        ("aten::mean", 17, 9),
        ("aten::mean", 18, 18),
        ("aten::amax", 20, 18),
        ("aten::gelu", 19, 9),
        ("aten::gelu", 20, 20),
        ("aten::layer_norm", 17, 17),
        ("aten::hardswish", 14, 14),
        ("aten::max_pool2d", 10, 10),
        ("aten::add", 8, 9),
    ],
)
def test_opset_variants_dispatch_as_legacy(op: str, opset: int, serving: int) -> None:
    """Test: the registration serving an opset is the highest one at or below it (opset 7-8 look up to 9)."""
    from symbolic_case import builtin_registry

    entry = builtin_registry().lookup(op, opset).entry
    assert entry is not None and entry.opset == serving
