"""Small models in the style of common architectures, for the model-zoo export tests.

Each class copies the shape of a well-known architecture (ResNet, MobileNetV3,
ViT, BERT, GPT, an LSTM / GRU tagger, UNet) at a tiny width (16-64), so the
whole zoo exports and runs in ONNX Runtime in seconds, while still producing
the ATen names those architectures produce (batch norm, residual adds, max and
adaptive pooling, hardswish, depthwise convs, layer norm, GELU, masked
attention, recurrent layers, upsampling). ``ZOO`` maps a model name to a
factory returning the model and its example inputs.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["ZOO", "ZooEntry"]

VOCAB = 40
WIDTH = 32


class Bottleneck(nn.Module):
    """A ResNet bottleneck: 1x1 reduce, 3x3, 1x1 expand, each batch-normed, plus an (optionally projected) skip."""

    def __init__(self, cin: int, mid: int, cout: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(cin, mid, 1, bias=False), nn.BatchNorm2d(mid)
        self.conv2, self.bn2 = nn.Conv2d(mid, mid, 3, stride, 1, bias=False), nn.BatchNorm2d(mid)
        self.conv3, self.bn3 = nn.Conv2d(mid, cout, 1, bias=False), nn.BatchNorm2d(cout)
        self.shortcut: nn.Module = nn.Identity()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu(self.bn1(self.conv1(x)))
        y = F.relu(self.bn2(self.conv2(y)))
        y = self.bn3(self.conv3(y))
        return F.relu(y + self.shortcut(x))


class ResNetStyle(nn.Module):
    """Stem conv + BN + ReLU + max pool, two bottleneck stages, adaptive average pool, flatten, linear head."""

    def __init__(self, classes: int = 10) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 7, 2, 3, bias=False), nn.BatchNorm2d(16), nn.ReLU(inplace=True))
        self.pool = nn.MaxPool2d(3, 2, 1)
        self.stage1 = nn.Sequential(Bottleneck(16, 8, 32), Bottleneck(32, 8, 32))
        self.stage2 = Bottleneck(32, 16, 64, stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(64, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stage2(self.stage1(self.pool(self.stem(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


class SqueezeExcite(nn.Module):
    """MobileNetV3's squeeze-excite: global pool, reduce, ReLU, expand, hardsigmoid gate."""

    def __init__(self, channels: int, squeezed: int) -> None:
        super().__init__()
        self.fc1, self.fc2 = nn.Conv2d(channels, squeezed, 1), nn.Conv2d(squeezed, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        scale = F.adaptive_avg_pool2d(x, 1)
        scale = F.hardsigmoid(self.fc2(F.relu(self.fc1(scale))))
        return x * scale


class MobileNetV3Style(nn.Module):
    """Hardswish stem, an inverted residual (expand, depthwise 3x3, squeeze-excite, project), pooled head."""

    def __init__(self, classes: int = 10) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, 2, 1, bias=False), nn.BatchNorm2d(16), nn.Hardswish())
        self.expand = nn.Sequential(nn.Conv2d(16, 48, 1, bias=False), nn.BatchNorm2d(48), nn.Hardswish())
        self.depthwise = nn.Sequential(nn.Conv2d(48, 48, 3, 1, 1, groups=48, bias=False), nn.BatchNorm2d(48))
        self.se = SqueezeExcite(48, 16)
        self.project = nn.Sequential(nn.Conv2d(48, 16, 1, bias=False), nn.BatchNorm2d(16))
        self.head = nn.Sequential(nn.Linear(16, 32), nn.Hardswish(), nn.Dropout(0.2), nn.Linear(32, classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        y = self.project(self.se(F.hardswish(self.depthwise(self.expand(x)))))
        x = x + y
        return self.head(F.adaptive_avg_pool2d(x, 1).flatten(1))


class HandWrittenAttention(nn.Module):
    """Multi-head attention written out (BERT / GPT-2 style): q/k/v projections, scaled scores, mask, softmax."""

    def __init__(self, width: int = WIDTH, heads: int = 4) -> None:
        super().__init__()
        self.heads = heads
        self.query, self.key, self.value = nn.Linear(width, width), nn.Linear(width, width), nn.Linear(width, width)
        self.out = nn.Linear(width, width)

    def _split(self, x: torch.Tensor) -> torch.Tensor:
        batch, length, width = x.shape
        return x.view(batch, length, self.heads, width // self.heads).permute(0, 2, 1, 3)

    def forward(self, x: torch.Tensor, additive_mask: torch.Tensor) -> torch.Tensor:
        q, k, v = self._split(self.query(x)), self._split(self.key(x)), self._split(self.value(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(q.shape[-1]) + additive_mask
        context = torch.matmul(scores.softmax(dim=-1), v).permute(0, 2, 1, 3).contiguous()
        return self.out(context.view(x.shape[0], x.shape[1], -1))


class BertStyle(nn.Module):
    """Word + position (``arange``) + token-type embeddings, a padding mask made additive, one hand-written
    post-norm layer, one ``nn.TransformerEncoderLayer`` (eval, key-padding mask), and a tanh pooler."""

    def __init__(self) -> None:
        super().__init__()
        self.words, self.positions, self.types = (
            nn.Embedding(VOCAB, WIDTH),
            nn.Embedding(32, WIDTH),
            nn.Embedding(2, WIDTH),
        )
        self.embed_norm = nn.LayerNorm(WIDTH, eps=1e-12)
        self.attention = HandWrittenAttention()
        self.attention_norm, self.ffn_norm = nn.LayerNorm(WIDTH, eps=1e-12), nn.LayerNorm(WIDTH, eps=1e-12)
        self.ffn = nn.Sequential(nn.Linear(WIDTH, 2 * WIDTH), nn.GELU(), nn.Linear(2 * WIDTH, WIDTH))
        self.layer = nn.TransformerEncoderLayer(WIDTH, 4, 2 * WIDTH, dropout=0.1, activation="gelu", batch_first=True)
        self.pooler = nn.Linear(WIDTH, WIDTH)

    def forward(self, ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        positions = torch.arange(ids.shape[1], dtype=torch.long).unsqueeze(0).expand_as(ids)
        types = torch.zeros_like(ids)
        x = self.embed_norm(self.words(ids) + self.positions(positions) + self.types(types))
        additive = (1.0 - attention_mask[:, None, None, :].to(x.dtype)) * -10000.0
        x = self.attention_norm(x + self.attention(x, additive))
        x = self.ffn_norm(x + self.ffn(x))
        x = self.layer(x, src_key_padding_mask=attention_mask == 0)
        return x, torch.tanh(self.pooler(x[:, 0]))


class GptStyle(nn.Module):
    """Token + position embeddings, pre-norm blocks with a ``tril`` causal mask applied by ``masked_fill``,
    an ``nn.MultiheadAttention`` block given the causal float mask, tanh-GELU MLP, tied LM head."""

    def __init__(self) -> None:
        super().__init__()
        self.tokens, self.positions = nn.Embedding(VOCAB, WIDTH), nn.Embedding(32, WIDTH)
        self.norm1, self.norm2, self.norm3, self.final = (nn.LayerNorm(WIDTH) for _ in range(4))
        self.qkv, self.proj = nn.Linear(WIDTH, 3 * WIDTH), nn.Linear(WIDTH, WIDTH)
        self.mha = nn.MultiheadAttention(WIDTH, 4, batch_first=True)
        self.mlp = nn.Sequential(nn.Linear(WIDTH, 4 * WIDTH), nn.GELU(approximate="tanh"), nn.Linear(4 * WIDTH, WIDTH))
        self.heads = 4

    def _causal_attention(self, x: torch.Tensor) -> torch.Tensor:
        batch, length, width = x.shape
        q, k, v = self.qkv(x).split(width, dim=2)
        q, k, v = (t.view(batch, length, self.heads, -1).transpose(1, 2) for t in (q, k, v))
        scores = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.shape[-1]))
        causal = torch.tril(torch.ones(length, length, dtype=torch.bool))
        scores = scores.masked_fill(~causal, float("-inf"))
        y = F.softmax(scores, dim=-1) @ v
        return self.proj(y.transpose(1, 2).reshape(batch, length, width))

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        length = ids.shape[1]
        x = self.tokens(ids) + self.positions(torch.arange(0, length, dtype=torch.long))
        x = x + self._causal_attention(self.norm1(x))
        h = self.norm2(x)
        float_mask = torch.triu(torch.full((length, length), float("-inf")), diagonal=1)
        x = x + self.mha(h, h, h, attn_mask=float_mask, need_weights=False)[0]
        x = x + self.mlp(self.norm3(x))
        return F.linear(self.final(x), self.tokens.weight)


class VitStyle(nn.Module):
    """Patch convolution, flatten + transpose, a class token, learned positions, two pre-norm
    ``nn.TransformerEncoderLayer``s (GELU, eval), final layer norm, head on the class token."""

    def __init__(self, classes: int = 10) -> None:
        super().__init__()
        self.patches = nn.Conv2d(3, WIDTH, 4, 4)
        self.cls = nn.Parameter(torch.randn(1, 1, WIDTH) * 0.02)
        self.pos = nn.Parameter(torch.randn(1, 17, WIDTH) * 0.02)
        self.blocks = nn.ModuleList(
            nn.TransformerEncoderLayer(
                WIDTH, 4, 2 * WIDTH, dropout=0.1, activation="gelu", batch_first=True, norm_first=True
            )
            for _ in range(2)
        )
        self.norm = nn.LayerNorm(WIDTH, eps=1e-6)
        self.head = nn.Linear(WIDTH, classes)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        x = self.patches(images).flatten(2).transpose(1, 2)
        x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], dim=1) + self.pos
        for block in self.blocks:
            x = block(x)
        return self.head(self.norm(x)[:, 0])


class LstmTagger(nn.Module):
    """Embedding -> two-layer LSTM (batch first) -> per-token tag log-probabilities."""

    def __init__(self, tags: int = 7) -> None:
        super().__init__()
        self.embed = nn.Embedding(VOCAB, 16)
        self.lstm = nn.LSTM(16, WIDTH, num_layers=2, batch_first=True)
        self.head = nn.Linear(WIDTH, tags)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        encoded, _ = self.lstm(self.embed(ids))
        return F.log_softmax(self.head(encoded), dim=-1)


class BiGruTagger(nn.Module):
    """Embedding -> bidirectional GRU (sequence first) -> per-token tag scores."""

    def __init__(self, tags: int = 7) -> None:
        super().__init__()
        self.embed = nn.Embedding(VOCAB, 16)
        self.gru = nn.GRU(16, 24, bidirectional=True)
        self.head = nn.Linear(48, tags)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        encoded, _ = self.gru(self.embed(ids))
        return self.head(encoded)


class _DoubleConv(nn.Module):
    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(cin, cout, 3, padding=1, bias=False),
            nn.BatchNorm2d(cout),
            nn.ReLU(inplace=True),
            nn.Conv2d(cout, cout, 3, padding=1, bias=False),
            nn.BatchNorm2d(cout),
            nn.ReLU(inplace=True),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


class UNetStyle(nn.Module):
    """Two down levels (max pool), a bottleneck, one bilinear ``nn.Upsample`` level and one transposed-conv
    level, skip concatenations, a 1x1 head and a sigmoid."""

    def __init__(self) -> None:
        super().__init__()
        self.inc, self.down1, self.down2 = _DoubleConv(3, 16), _DoubleConv(16, 32), _DoubleConv(32, 32)
        self.upsample = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True)
        self.up1 = _DoubleConv(64, 16)
        self.transposed = nn.ConvTranspose2d(16, 16, 2, stride=2)
        self.up2 = _DoubleConv(32, 16)
        self.head = nn.Conv2d(16, 2, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s1 = self.inc(x)
        s2 = self.down1(F.max_pool2d(s1, 2))
        bottom = self.down2(F.max_pool2d(s2, 2))
        y = self.up1(torch.cat([s2, self.upsample(bottom)], dim=1))
        y = self.up2(torch.cat([s1, self.transposed(y)], dim=1))
        return torch.sigmoid(self.head(y))


def _ids(batch: int, length: int) -> torch.Tensor:
    return torch.randint(0, VOCAB, (batch, length))


def _padding_mask(batch: int, length: int) -> torch.Tensor:
    mask = torch.ones(batch, length, dtype=torch.long)
    mask[-1, length // 2 :] = 0
    return mask


@dataclass(frozen=True)
class ZooEntry:
    """How to build one zoo model and the inputs it is exported with (and run at, for dynamic exports)."""

    build: Callable[[], nn.Module]
    args: Callable[[], tuple[Any, ...]]
    #: ``input_names`` and ``dynamic_axes`` for the dynamic export, and inputs of other sizes to run.
    input_names: tuple[str, ...] = ()
    dynamic_axes: dict[str, dict[int, str]] = field(default_factory=dict)
    other_sizes: Callable[[], list[tuple[Any, ...]]] = list


ZOO: dict[str, ZooEntry] = {
    "resnet": ZooEntry(ResNetStyle, lambda: (torch.randn(2, 3, 32, 32),)),
    "mobilenetv3": ZooEntry(MobileNetV3Style, lambda: (torch.randn(2, 3, 32, 32),)),
    "vit": ZooEntry(
        VitStyle,
        lambda: (torch.randn(2, 3, 16, 16),),
        input_names=("images",),
        dynamic_axes={"images": {0: "batch"}},
        other_sizes=lambda: [(torch.randn(5, 3, 16, 16),), (torch.randn(1, 3, 16, 16),)],
    ),
    "bert": ZooEntry(
        BertStyle,
        lambda: (_ids(2, 8), _padding_mask(2, 8)),
        input_names=("ids", "attention_mask"),
        dynamic_axes={"ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"}},
        other_sizes=lambda: [(_ids(3, 13), _padding_mask(3, 13)), (_ids(1, 5), _padding_mask(1, 5))],
    ),
    "gpt": ZooEntry(
        GptStyle,
        lambda: (_ids(2, 8),),
        input_names=("ids",),
        dynamic_axes={"ids": {0: "batch", 1: "sequence"}},
        other_sizes=lambda: [(_ids(3, 13),), (_ids(1, 5),)],
    ),
    "lstm_tagger": ZooEntry(LstmTagger, lambda: (_ids(2, 9),)),
    "bigru_tagger": ZooEntry(BiGruTagger, lambda: (_ids(9, 2),)),
    "unet": ZooEntry(UNetStyle, lambda: (torch.randn(1, 3, 32, 32),)),
}
