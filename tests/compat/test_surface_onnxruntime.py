"""Symbolics written the way onnxruntime writes them: contrib ops, and the training ``prim::PythonOp`` exporter.

onnxruntime's ``pytorch_export_contrib_ops.register()`` registers ``::inverse``,
``::gelu``, ``::grid_sampler``, ``::triu`` ... at opset 1 through
``torch.onnx.utils.register_custom_op_symbolic`` and emits ``com.microsoft::``
ops with ``setType(self.type())`` and ``symbolic_helper._maybe_get_const``.
Its training exporter registers one symbolic for ``prim::PythonOp`` that turns
every ``autograd.Function`` into ``com.microsoft::PythonOp``, reading the node
through ``g.original_node`` (``cconv()``, ``outputs()``, ``outputsSize()``) and
the training mode from ``torch.onnx._globals.GLOBALS``. The code here is ours,
making the same calls; exports go through ``install()`` + the unmodified
``torch.onnx.export(..., dynamo=False)``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import torch.onnx
from _surface_helpers import attribute, load_checked, nodes, run

from onnx_migrate.compat.install import install
from onnx_migrate.errors import OnnxMigrateWarning


def _register_contrib_ops() -> None:
    """What ``onnxruntime.tools.pytorch_export_contrib_ops.register()`` does, with our own code."""
    import torch.onnx.utils
    from torch.onnx import symbolic_helper

    def grid_sampler(g, input, grid, mode, padding_mode, align_corners):
        mode = symbolic_helper._maybe_get_const(mode, "i")
        padding_mode = symbolic_helper._maybe_get_const(padding_mode, "i")
        return g.op(
            "com.microsoft::GridSample",
            input,
            grid,
            mode_s=("bilinear", "nearest", "bicubic")[mode],
            padding_mode_s=("zeros", "border", "reflection")[padding_mode],
            align_corners_i=int(symbolic_helper._maybe_get_const(align_corners, "b")),
        )

    def inverse(g, self):
        return g.op("com.microsoft::Inverse", self).setType(self.type())

    @symbolic_helper.parse_args("v", "s")
    def gelu(g, self, approximate="none"):
        if approximate == "none":
            return g.op("com.microsoft::Gelu", self).setType(self.type())
        return torch.onnx.symbolic_opset9.gelu(g, self, approximate)

    for fn in (grid_sampler, inverse, gelu):
        torch.onnx.utils.register_custom_op_symbolic(f"::{fn.__name__}", fn, 1)


class ContribModel(torch.nn.Module):
    def forward(self, x, matrices, image, grid):
        return (
            torch.inverse(matrices),
            torch.nn.functional.gelu(x, approximate="tanh"),
            torch.nn.functional.grid_sample(image, grid, align_corners=False),
        )


def _contrib_args() -> tuple[torch.Tensor, ...]:
    torch.manual_seed(0)
    return (
        torch.randn(3, 4),
        torch.randn(2, 3, 3) + 3 * torch.eye(3),
        torch.randn(1, 2, 4, 4),
        torch.rand(1, 3, 3, 2) * 2 - 1,
    )


def test_contrib_ops_registered_at_opset_1_export_and_run(registry_scope, tmp_path) -> None:
    """Test: com.microsoft Inverse and GridSample are emitted at opset 13 and ONNX Runtime matches PyTorch."""
    path = tmp_path / "contrib.onnx"
    args = _contrib_args()
    with install():
        _register_contrib_ops()
        # The tanh gelu goes to symbolic_opset9.gelu either way; the registration at opset 1 is shadowed.
        with pytest.warns(OnnxMigrateWarning, match="aten::gelu"):
            torch.onnx.export(ContribModel(), args, str(path), opset_version=13, dynamo=False)
    model = load_checked(path)
    assert len(nodes(model, "Inverse", "com.microsoft")) == 1
    (grid_node,) = nodes(model, "GridSample", "com.microsoft")
    assert attribute(grid_node, "mode") == "bilinear" and attribute(grid_node, "padding_mode") == "zeros"
    assert {o.domain: o.version for o in model.opset_import}.get("com.microsoft") == 1
    for got, want in zip(run(model, *args), ContribModel()(*args), strict=True):
        np.testing.assert_allclose(got, want.numpy(), rtol=1e-4, atol=1e-5)


class _Twice(torch.autograd.Function):
    """An autograd.Function without ``symbolic``: exported through the ``prim::PythonOp`` symbolic."""

    @staticmethod
    def forward(ctx, x, scale, dims, label):
        return x * scale, x.sum(dims)

    @staticmethod
    def backward(ctx, grad_scaled, grad_sum):  # pragma: no cover - not exported
        return grad_scaled, None, None, None


class _WithOwnSymbolic(torch.autograd.Function):
    """Has its own ``symbolic``: that one wins over the ``prim::PythonOp`` symbolic, as in legacy."""

    @staticmethod
    def forward(ctx, x):
        return x.relu()

    @staticmethod
    def symbolic(g, x):
        return g.op("Relu", x)


class TrainingModel(torch.nn.Module):
    def forward(self, x):
        scaled, summed = _Twice.apply(x, 2.5, (1,), "twice")
        return _WithOwnSymbolic.apply(scaled), summed


def _register_python_op_exporter(seen: dict) -> None:
    """onnxruntime's training exporter, as registered for torch >= 1.13, with our own code."""
    from torch.onnx import register_custom_op_symbolic, symbolic_helper

    def export_python_op(g, n, *args, **kwargs):
        from torch.onnx import _globals  # onnxruntime reads the training mode here

        training = _globals.GLOBALS.training_mode == torch.onnx.TrainingMode.TRAINING
        cconv = n.cconv()
        seen.update(kind=n.kind(), pyobj=n.pyobj(), scalars=n.scalar_args(), kwargs=dict(kwargs))
        tensors, int_scalars, float_scalars, int_tuples = [], [], [], []
        for arg, convention in zip(args, cconv, strict=True):
            if convention == "d":
                tensors.append(arg)
            elif isinstance(arg, float):
                float_scalars.append(arg)
            elif isinstance(arg, int):
                int_scalars.append(arg)
            elif isinstance(arg, tuple) and all(isinstance(v, int) for v in arg):
                int_tuples.extend(arg)
        output_types = [
            int(symbolic_helper.cast_pytorch_to_onnx[out.type().scalarType()]) for out in n.outputs()
        ]
        return g.op(
            "com.microsoft::PythonOp",
            *tensors,
            name_s=kwargs["name"],
            inplace_i=kwargs["inplace"],
            input_convention_s=cconv,
            input_tensor_types_i=[int(torch.onnx.JitScalarType.from_value(t).onnx_type()) for t in tensors],
            input_tensor_ranks_i=[t.type().dim() for t in tensors],
            input_float_scalars_f=float_scalars,
            input_int_tuples_i=int_tuples,
            output_tensor_types_i=output_types,
            output_tensor_ranks_i=[out.type().dim() for out in n.outputs()],
            training_mode_i=int(training),
            outputs=n.outputsSize(),
        )

    def with_node(graph_context, *args, **kwargs):  # the torch >= 1.13 branch of onnxruntime's wrapper
        return export_python_op(graph_context, graph_context.original_node, *args, **kwargs)

    register_custom_op_symbolic("prim::PythonOp", with_node, 1)


def test_prim_python_op_symbolic_exports_functions_without_symbolic(registry_scope, tmp_path) -> None:
    """Test: the prim::PythonOp symbolic gets the legacy node and kwargs; a class's own symbolic still wins."""
    path = tmp_path / "python_op.onnx"
    seen: dict = {}
    with install():
        _register_python_op_exporter(seen)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # torch.onnx._globals is a removed path
            torch.onnx.export(TrainingModel(), (torch.randn(2, 3),), str(path), opset_version=17, dynamo=False)
    model = load_checked(path)
    (python_op,) = nodes(model, "PythonOp", "com.microsoft")
    assert attribute(python_op, "name") == "_Twice" and attribute(python_op, "input_convention") == "dccc"
    assert attribute(python_op, "input_float_scalars") == [2.5] and attribute(python_op, "input_int_tuples") == [1]
    assert attribute(python_op, "output_tensor_types") == [1, 1] and attribute(python_op, "output_tensor_ranks") == [2, 1]
    assert attribute(python_op, "input_tensor_types") == [1] and attribute(python_op, "training_mode") == 0
    assert len(python_op.output) == 2
    assert nodes(model, "Relu") and python_op.output[0] in nodes(model, "Relu")[0].input
    assert seen["kind"] == "prim::PythonOp" and seen["pyobj"] is _Twice
    assert seen["scalars"] == [2.5, (1,), "twice"]
    assert seen["kwargs"] == {"name": "_Twice", "inplace": 0, "module": __name__}


def test_without_a_python_op_symbolic_functions_are_traced_through(registry_scope, tmp_path) -> None:
    """Test: with nothing registered for prim::PythonOp the Function is inlined (legacy), and it runs."""
    path = tmp_path / "inlined.onnx"
    x = torch.randn(2, 3)
    with install():
        torch.onnx.export(TrainingModel(), (x,), str(path), opset_version=17, dynamo=False)
    model = load_checked(path)
    assert not nodes(model, "PythonOp", "com.microsoft")
    for got, want in zip(run(model, x), TrainingModel()(x), strict=True):
        np.testing.assert_allclose(got, want.numpy(), rtol=1e-5, atol=1e-6)


def test_gelu_registered_at_opset_1_is_shadowed_and_says_so(registry_scope, tmp_path) -> None:
    """Test: onnxruntime's ::gelu at opset 1 loses to the opset-9 built-in at opset 13 (the legacy rule), with a warning."""
    path = tmp_path / "gelu.onnx"
    x = torch.randn(3, 4)
    with install():
        _register_contrib_ops()
        with pytest.warns(OnnxMigrateWarning, match=r"aten::gelu at opset 1 was not used at opset 13"):
            torch.onnx.export(torch.nn.GELU(), (x,), str(path), opset_version=13, dynamo=False)
    model = load_checked(path)
    assert not nodes(model, "Gelu", "com.microsoft")
    np.testing.assert_allclose(run(model, x)[0], torch.nn.GELU()(x).numpy(), rtol=1e-5, atol=1e-6)
