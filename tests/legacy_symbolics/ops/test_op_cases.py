"""Every built-in symbolic against eager PyTorch, at several opsets, through the real checker and ONNX Runtime.

The cases live in ``op_cases.py``; this module walks them with ``op_case_runner``. Each case builds a
tiny graph by calling the symbolic as the translator does, serializes it,
runs ``onnx.checker.check_model(full_check=True)`` and ONNX Runtime, and
compares with PyTorch (values and dtypes).
"""

from __future__ import annotations

import pytest
from op_cases import ALL_CASES
from op_case_runner import case_params, check_case
from symbolic_case import SymbolicCase


@pytest.mark.parametrize(("case", "opset"), case_params(ALL_CASES))
def test_symbolic_matches_eager(case: SymbolicCase, opset: int, to_model, run_model) -> None:
    """The symbolic's ONNX graph passes the checker and computes what PyTorch computes."""
    check_case(case, opset, to_model, run_model)


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
