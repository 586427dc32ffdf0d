"""Transformer-style models through ``onnx_migrate.export``: BERT, GPT and ViT blocks, plus an indexing-heavy head.

Each model is written the way common architectures write it (embeddings
with ``arange`` position ids, padding and causal masks, layer norm,
``F.scaled_dot_product_attention`` or hand-written attention), exported
with dynamic batch and sequence dims, and run in ONNX Runtime at the
example sizes and at other sizes against eager PyTorch. Every ATen name
``torch.export`` produces for them must have a symbolic: nothing is
decomposed.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import onnx_migrate

torch.manual_seed(0)

_OPSETS = (9, 11, 13, 17)


class SelfAttention(nn.Module):
    """Multi-head self-attention with ``F.scaled_dot_product_attention``."""

    def __init__(self, width: int = 16, heads: int = 2, causal: bool = False) -> None:
        super().__init__()
        self.qkv = nn.Linear(width, 3 * width)
        self.out = nn.Linear(width, width)
        self.heads, self.causal = heads, causal

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        batch, length, width = x.shape
        q, k, v = (t.view(batch, length, self.heads, -1).transpose(1, 2) for t in self.qkv(x).chunk(3, dim=-1))
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=self.causal and mask is None)
        return self.out(y.transpose(1, 2).reshape(batch, length, width))


class BertStyle(nn.Module):
    """Token, position (``arange``) and type embeddings, an additive padding mask, post-norm block, CLS pooling."""

    def __init__(self, vocab: int = 50, width: int = 16) -> None:
        super().__init__()
        self.tokens, self.positions, self.types = (
            nn.Embedding(vocab, width),
            nn.Embedding(64, width),
            nn.Embedding(2, width),
        )
        self.norm1, self.norm2 = nn.LayerNorm(width), nn.LayerNorm(width)
        self.attention = SelfAttention(width)
        self.ffn = nn.Sequential(nn.Linear(width, 2 * width), nn.GELU(), nn.Linear(2 * width, width))

    def forward(self, ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        positions = torch.arange(ids.shape[1], device=ids.device).unsqueeze(0)
        x = self.norm1(self.tokens(ids) + self.positions(positions) + self.types(torch.zeros_like(ids)))
        additive = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * torch.finfo(x.dtype).min
        x = x + self.attention(x, additive)
        x = self.norm2(x + self.ffn(x))
        return x[:, 0]


class GptStyle(nn.Module):
    """A decoder: a boolean causal mask from ``tril``, a GPT-2 style hand-written block with ``masked_fill``."""

    def __init__(self, vocab: int = 50, width: int = 16) -> None:
        super().__init__()
        self.tokens, self.positions = nn.Embedding(vocab, width), nn.Embedding(64, width)
        self.norm1, self.norm2, self.norm3 = nn.LayerNorm(width), nn.LayerNorm(width), nn.LayerNorm(width)
        self.attention = SelfAttention(width)
        self.causal = SelfAttention(width, causal=True)
        self.query, self.key = nn.Linear(width, width), nn.Linear(width, width)
        self.head = nn.Linear(width, vocab, bias=False)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        length = ids.shape[1]
        x = self.tokens(ids) + self.positions(torch.arange(0, length, dtype=torch.long))
        allowed = torch.tril(torch.ones(length, length, dtype=torch.bool))
        x = x + self.attention(self.norm1(x), allowed)
        x = x + self.causal(self.norm2(x))
        h = self.norm3(x)
        scores = self.query(h) @ self.key(h).transpose(-2, -1) / math.sqrt(h.shape[-1])
        scores = scores.masked_fill(~allowed, float("-inf"))
        x = x + scores.softmax(dim=-1) @ h
        return self.head(x)


class VitStyle(nn.Module):
    """Patch convolution, a class token, learned positions and ``nn.TransformerEncoderLayer`` (GELU)."""

    def __init__(self, width: int = 16) -> None:
        super().__init__()
        self.patches = nn.Conv2d(3, width, 4, 4)
        self.cls = nn.Parameter(torch.randn(1, 1, width) * 0.02)
        self.pos = nn.Parameter(torch.randn(1, 5, width) * 0.02)
        self.encoder = nn.TransformerEncoderLayer(width, 2, 32, dropout=0.0, activation="gelu", batch_first=True)
        self.head = nn.Linear(width, 10)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        x = self.patches(images).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], dim=1) + self.pos
        return self.head(self.encoder(x)[:, 0])


class RankingHead(nn.Module):
    """A retrieval-style head: top-k, gathers, a scatter of scores, cumulative sums and one-hot features."""

    def __init__(self, width: int = 8) -> None:
        super().__init__()
        self.score = nn.Linear(width, 1)

    def forward(self, items: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, ...]:
        scores = self.score(items).squeeze(-1)  # [B, N]
        top, order = scores.topk(3, dim=1)
        picked = items.gather(1, order.unsqueeze(-1).expand(-1, -1, items.shape[-1]))
        ranks = torch.zeros_like(scores).scatter(1, order, torch.arange(1, 4, dtype=scores.dtype).expand_as(top))
        hits = F.one_hot(labels, num_classes=5).float().cumsum(dim=1)
        first = items[:, 0].index_select(1, torch.tensor([0, 2]))
        return picked, ranks, hits.triu(), first


def _run(proto: onnx.ModelProto, inputs: Sequence[torch.Tensor]) -> list[np.ndarray]:
    session = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    return session.run(None, {n: t.numpy() for n, t in zip(names, inputs, strict=True)})


def _check(
    model: nn.Module,
    args: tuple[torch.Tensor, ...],
    opset: int,
    more: Sequence[tuple[torch.Tensor, ...]] = (),
    tolerance: float = 1e-4,
    **options: Any,
) -> onnx.ModelProto:
    model.eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = onnx_migrate.export(model, args, opset_version=opset, **options)
    assert result.report.decomposed == [], "every ATen name of the model must have a symbolic"
    proto = result.model_proto
    onnx.checker.check_model(proto, full_check=True)
    for inputs in (args, *more):
        with torch.no_grad():
            expected = model(*inputs)
        expected = list(expected) if isinstance(expected, (tuple, list)) else [expected]
        actual = _run(proto, inputs)
        assert len(actual) == len(expected)
        for got, want in zip(actual, expected, strict=True):
            assert got.shape == tuple(want.shape)
            np.testing.assert_allclose(got, want.numpy(), atol=tolerance, rtol=1e-4)
    return proto


def _ids(batch: int, length: int) -> torch.Tensor:
    return torch.randint(0, 50, (batch, length))


@pytest.mark.parametrize("opset", _OPSETS)
def test_bert_style_encoder_with_padding_mask(opset: int) -> None:
    mask = torch.ones(2, 7, dtype=torch.long)
    mask[1, 4:] = 0
    other_mask = torch.ones(3, 11, dtype=torch.long)
    other_mask[0, 9:] = 0
    _check(
        BertStyle(),
        (_ids(2, 7), mask),
        opset,
        more=[(_ids(3, 11), other_mask)],
        input_names=["ids", "attention_mask"],
        dynamic_axes={"ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"}},
    )


@pytest.mark.parametrize("opset", _OPSETS)
def test_gpt_style_decoder_with_causal_masks(opset: int) -> None:
    proto = _check(
        GptStyle(),
        (_ids(2, 6),),
        opset,
        more=[(_ids(1, 9),)],
        input_names=["ids"],
        dynamic_axes={"ids": {0: "batch", 1: "sequence"}},
    )
    kinds = {n.op_type for n in proto.graph.node}
    assert "Trilu" in kinds if opset >= 14 else "Trilu" not in kinds


@pytest.mark.parametrize("opset", _OPSETS)
def test_vit_style_encoder(opset: int) -> None:
    _check(
        VitStyle(),
        (torch.randn(2, 3, 8, 8),),
        opset,
        more=[(torch.randn(4, 3, 8, 8),)],
        input_names=["images"],
        dynamic_axes={"images": {0: "batch"}},
    )


@pytest.mark.parametrize("opset", [9, 11, 13, 17])
def test_ranking_head_with_topk_gather_scatter(opset: int) -> None:
    _check(RankingHead(), (torch.randn(2, 6, 8), torch.tensor([[0, 4, 1], [3, 3, 2]])), opset)


def test_attention_export_has_no_attention_op_at_opset_23() -> None:
    """At opset 23 the plain-op form is kept (ONNX Attention exists there, but every runtime runs the plain ops)."""
    proto = _check(GptStyle(), (_ids(1, 5),), 23)
    assert "Attention" not in {n.op_type for n in proto.graph.node}


class SliceAssignment(nn.Module):
    """``x[:, 0] = 1`` and ``x[1:, 1:3] += 2``: torch.export records in-place ops on views (``select`` + ``fill_``)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.clone()
        x[:, 0] = 1.0
        x[1:, 1:3] += 2
        return x


@pytest.mark.parametrize("opset", [11, 13, 17])
def test_writes_through_views_reach_the_tensor(opset: int) -> None:
    """Test: x[:, 0] = v and x[1:, 1:3] += 2 (select/slice + in-place) land in x, as in PyTorch."""
    _check(SliceAssignment(), (torch.randn(3, 4),), opset)


class ViewMutation(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x * 1.5
        y = x.view(-1)
        y.mul_(2)  # writes into x through a view
        return x + 1


def test_in_place_write_through_a_reshaped_view_is_seen() -> None:
    """Test: a write through view(-1) of an intermediate reaches the tensor's later readers."""
    _check(ViewMutation(), (torch.randn(2, 3),), 13)


@pytest.mark.parametrize("model_name", ["bert", "gpt", "vit", "ranking"])
def test_decomposed_programs_need_no_missing_symbolic(model_name: str) -> None:
    """After ``run_decompositions()`` (what an export falls back to) every ATen name still has a symbolic."""
    from onnx_migrate.compat import fx_nodes
    from onnx_migrate.compat.fx_symbolics import register_fx_symbolics
    from onnx_migrate.legacy_symbolics.registry import SymbolicRegistry

    mask = torch.ones(2, 7, dtype=torch.long)
    models = {
        "bert": (BertStyle(), (_ids(2, 7), mask)),
        "gpt": (GptStyle(), (_ids(2, 6),)),
        "vit": (VitStyle(), (torch.randn(2, 3, 8, 8),)),
        "ranking": (RankingHead(), (torch.randn(2, 6, 8), torch.tensor([[0, 4, 1], [3, 3, 2]]))),
    }
    model, args = models[model_name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        program = torch.export.export(model.eval(), args).run_decompositions()
    registry = SymbolicRegistry.with_builtins()
    register_fx_symbolics(registry)
    names = {fx_nodes.describe(n) for n in program.graph.nodes if n.op == "call_function"}
    missing = {
        info.qualified
        for info in names
        if info.name.startswith("aten::")
        and not registry.is_registered_op(info.name, 13)
        and not (info.inplace_base and registry.is_registered_op(info.inplace_base, 13))
    }
    assert missing == set()
