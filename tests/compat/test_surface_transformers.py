"""``autograd.Function`` symbolics written the way transformers' DeBERTa writes ``XSoftmax`` and ``XDropout``.

DeBERTa's masked softmax and its dropout are ``autograd.Function`` classes whose
``symbolic`` imports ``torch.onnx.symbolic_helper as sym_help``, casts with
``to_i=sym_help.cast_pytorch_to_onnx["Long"]`` / ``["Bool"]``, reads
``self.type().dtype()``, calls ``symbolic_opset9.masked_fill`` / ``softmax`` and
``symbolic_opset12.dropout``, and receives a raw Python object (a
``DropoutContext``) as an argument. The classes here are ours, with the same
calls (plus ``_maybe_get_const`` / ``_get_tensor_rank`` for the softmax dim);
the model is exported through ``install()`` + ``torch.onnx.export(..., dynamo=False)``.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.onnx
from _surface_helpers import attribute, load_checked, nodes, run

from onnx_migrate.compat.install import install


class XSoftmax(torch.autograd.Function):
    """Softmax over ``dim`` where ``mask`` is set; exactly 0 elsewhere."""

    @staticmethod
    def forward(ctx, input, mask, dim):
        reverse_mask = ~mask.to(torch.bool)
        output = input.masked_fill(reverse_mask, torch.finfo(input.dtype).min).softmax(dim)
        return output.masked_fill(reverse_mask, 0)

    @staticmethod
    def symbolic(g, self, mask, dim):
        import torch.onnx.symbolic_helper as sym_help
        from torch.onnx.symbolic_opset9 import masked_fill, softmax

        dim = sym_help._maybe_get_const(dim, "i")
        if dim < 0:
            dim += sym_help._get_tensor_rank(self)
        mask_long = g.op("Cast", mask, to_i=sym_help.cast_pytorch_to_onnx["Long"])
        one = g.op("Constant", value_t=torch.tensor(1, dtype=torch.int64))
        reverse_mask = g.op("Cast", g.op("Sub", one, mask_long), to_i=sym_help.cast_pytorch_to_onnx["Bool"])
        lowest = g.op("Constant", value_t=torch.tensor(torch.finfo(self.type().dtype()).min))
        output = softmax(g, masked_fill(g, self, reverse_mask, lowest), dim)
        return masked_fill(g, output, reverse_mask, g.op("Constant", value_t=torch.tensor(0, dtype=torch.bool)))


class DropoutContext:
    """A plain Python object handed to ``XDropout.apply``, as DeBERTa's ``StableDropout`` does."""

    def __init__(self, dropout: float) -> None:
        self.dropout = dropout


class XDropout(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input, local_ctx):
        p = local_ctx.dropout if isinstance(local_ctx, DropoutContext) else local_ctx
        return input * 1.0 if p == 0 else torch.nn.functional.dropout(input, p, training=True)

    @staticmethod
    def symbolic(g, input, local_ctx):
        from torch.onnx import symbolic_opset12

        dropout_p = local_ctx.dropout if isinstance(local_ctx, DropoutContext) else local_ctx
        return symbolic_opset12.dropout(g, input, dropout_p, True)


class AttentionScores(torch.nn.Module):
    """Masked attention probabilities, and the same after DeBERTa's dropout."""

    def __init__(self) -> None:
        super().__init__()
        self.context = DropoutContext(0.25)

    def forward(self, scores: torch.Tensor, mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        probabilities = XSoftmax.apply(scores, mask, -1)
        return probabilities, XDropout.apply(probabilities, self.context)


def test_deberta_style_xsoftmax_and_xdropout_export_and_run(registry_scope, tmp_path) -> None:
    """Test: both symbolics run (raw DropoutContext included), casts are INT64/BOOL, ORT matches PyTorch."""
    path = tmp_path / "deberta.onnx"
    torch.manual_seed(0)
    scores = torch.randn(2, 4, 5)
    mask = (torch.rand(2, 4, 5) > 0.3).to(torch.uint8)  # a byte mask: the Cast to Long is real
    with install():
        torch.onnx.export(
            AttentionScores(),
            (scores, mask),
            str(path),
            opset_version=13,
            input_names=["scores", "mask"],
            dynamo=False,
        )
    model = load_checked(path)
    cast_targets = sorted(attribute(node, "to") for node in nodes(model, "Cast"))
    assert int(torch.onnx.TensorProtoDataType.INT64) in cast_targets
    assert int(torch.onnx.TensorProtoDataType.BOOL) in cast_targets
    (softmax,) = nodes(model, "Softmax")
    assert attribute(softmax, "axis") == 2
    (dropout,) = nodes(model, "Dropout")
    assert len(dropout.input) == 3  # ratio and training_mode as inputs: the opset-12 form
    probabilities, dropped = run(model, scores, mask)
    expected, _ = AttentionScores()(scores, mask)
    np.testing.assert_allclose(probabilities, expected.numpy(), rtol=1e-5, atol=1e-6)
    assert np.all(probabilities[mask.numpy() == 0] == 0)
    kept = dropped != 0  # training-mode dropout: each value is dropped or scaled by 1 / (1 - p)
    np.testing.assert_allclose(dropped[kept], probabilities[kept] / 0.75, rtol=1e-5)
