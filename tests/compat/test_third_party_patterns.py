"""Regressions found by exporting real third-party models (timm ViT, transformers 5 BERT/GPT-2).

The models themselves are exercised by the conformance corpus (``conformance/``);
these tests pin the exact patterns that broke, with small models of our own, so
the suite catches them without the third-party packages installed.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from _export_helpers import run_ort

import onnx_migrate
from onnx_migrate.compat.translate import fit_to_signature


class TimmStyleAttention(torch.nn.Module):
    """timm's ``Attention``: one qkv projection split by reshape + permute + unbind(0)."""

    def __init__(self, dim: int = 16, heads: int = 4) -> None:
        super().__init__()
        self.heads, self.head_dim = heads, dim // heads
        self.qkv = torch.nn.Linear(dim, dim * 3)
        self.proj = torch.nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, tokens, channels = x.shape
        qkv = self.qkv(x).reshape(batch, tokens, 3, self.heads, self.head_dim).permute(2, 0, 3, 1, 4)
        q, k, v = qkv.unbind(0)
        attn = (q @ k.transpose(-2, -1) * self.head_dim**-0.5).softmax(dim=-1)
        return self.proj((attn @ v).transpose(1, 2).reshape(batch, tokens, channels))


@pytest.mark.parametrize("opset", [13, 17])
def test_unbind_after_reshape_permute_with_dynamic_batch_and_tokens(opset: int) -> None:
    """Test: dim 0 (3) survives the dynamic reshape/permute because torch.export's metadata says so.

    ONNX per-node inference alone returns ``Float(*, *, *, *, *)`` after the Transpose,
    and ``unbind`` needs the static size of its dim.
    """
    torch.manual_seed(0)
    model = TimmStyleAttention().eval()
    result = onnx_migrate.export(
        model,
        (torch.randn(2, 5, 16),),
        None,
        opset_version=opset,
        input_names=["x"],
        output_names=["y"],
        dynamic_axes={"x": {0: "batch", 1: "tokens"}, "y": {0: "batch", 1: "tokens"}},
    )
    x = torch.randn(3, 7, 16)
    (got,) = run_ort(result.model_proto, {"x": x})
    with torch.no_grad():
        np.testing.assert_allclose(got, model(x).numpy(), atol=1e-5)


class MaskToDtype(torch.nn.Module):
    """transformers 5 BERT/GPT-2: the mask cast reaches translation as ``aten::_to_copy(mask, dtype=, device=)``.

    (There it comes out of functionalization; here the model calls the op itself to get the same node.)
    """

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        cast = torch.ops.aten._to_copy.default(mask[:, None, :], dtype=x.dtype, device=x.device)
        extended = (1.0 - cast) * torch.finfo(x.dtype).min
        return (x + extended).softmax(-1)


def test_to_copy_with_dtype_and_device_keywords_exports() -> None:
    """Test: the built-in ``_to_copy`` gets ``dtype`` by name though the schema gives five more arguments."""
    model = MaskToDtype()
    x, mask = torch.randn(2, 4, 6), torch.ones(2, 6, dtype=torch.long)
    mask[1, 3:] = 0
    result = onnx_migrate.export(
        model, (x, mask), None, opset_version=14, input_names=["x", "mask"],
        dynamic_axes={"x": {0: "batch", 2: "seq"}, "mask": {0: "batch", 1: "seq"}},
    )  # fmt: skip
    (got,) = run_ort(result.model_proto, {"x": x, "mask": mask})
    np.testing.assert_allclose(got, model(x, mask).numpy(), atol=1e-6)


def test_fit_to_signature_passes_given_keyword_only_arguments_by_name() -> None:
    """Test: positionals up to what the symbolic takes; given extras by name; defaults dropped; else positional."""

    def by_kwargs(g, self, dtype=None, **kwargs):  # pragma: no cover - only inspected
        return self

    def narrow(g, self, dtype=None):  # pragma: no cover - only inspected
        return self

    names = ["self", "dtype", "layout", "device", "pin_memory", "non_blocking"]
    values = ["x", 6, None, "cpu", None, False]
    explicit = [True, True, False, True, False, False]
    assert fit_to_signature(by_kwargs, values, explicit, names) == (["x", 6], {"device": "cpu"})
    assert fit_to_signature(narrow, values, [True, True, False, False, False, False], names) == (["x", 6], {})
    # An argument the symbolic cannot take by name stays positional (the call fails loudly, as legacy's would).
    assert fit_to_signature(narrow, values, explicit, names) == (["x", 6, None, "cpu"], {})


@pytest.mark.parametrize("opset", [11, 17])
def test_a_custom_symbolic_under_the_legacy_dunder_name_translates_the_op(opset: int) -> None:
    """Test: legacy dispatched ``aten::__lshift__`` as ``aten::__lshift_``; a custom registered there is used."""

    def lshift_as_mul(g, self, other):
        return g.op("mydom::ShiftLeft", self, other)

    class Shift(torch.nn.Module):
        def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
            return (x << y) + x

    registry = onnx_migrate.SymbolicRegistry.default().copy()
    registry.register("aten::__lshift_", opset, lshift_as_mul, custom=True)  # legacy has built-ins at 9 and 11
    result = onnx_migrate.export(
        Shift(), (torch.tensor([1, 2]), torch.tensor([1, 1])), None, opset_version=opset, registry=registry
    )
    ops = [f"{n.domain}::{n.op_type}" for n in result.model_proto.graph.node]
    assert ops.count("mydom::ShiftLeft") == 1 and "::Mul" not in ops, ops


class ClampedLength(torch.nn.Module):
    """transformers' GPT-Neo / MPT: lengths clamped with ``torch.sym_min``/``sym_max`` on dynamic sizes."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        keep = torch.sym_min(x.shape[1], 6)
        pad = torch.sym_max(x.shape[1] - 6, 0)
        return x[:, :keep] * 2, torch.full((pad + 1,), 1.0)


@pytest.mark.parametrize("opset", [11, 17])
def test_sym_min_and_sym_max_of_dynamic_sizes(opset: int) -> None:
    """Test: ``torch::sym_min``/``sym_max`` nodes become Where/Less at every opset; ORT matches at other sizes."""
    model = ClampedLength()
    result = onnx_migrate.export(
        model, (torch.randn(2, 8),), None, opset_version=opset, input_names=["x"], dynamic_axes={"x": {0: "b", 1: "t"}}
    )
    for x in (torch.randn(3, 4), torch.randn(1, 9)):
        got = run_ort(result.model_proto, {"x": x})
        for ours, eager in zip(got, model(x), strict=True):
            np.testing.assert_allclose(ours, eager.numpy(), atol=1e-6)
