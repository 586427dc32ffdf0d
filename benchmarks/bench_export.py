"""Side-by-side export timings: onnx_migrate vs torch's legacy (dynamo=False) and new (dynamo=True) exporters.

Prints, per model and exporter: warm median export time, peak RSS growth, node
count, and the ratios onnx_migrate/new and onnx_migrate/legacy. Run:

    python benchmarks/bench_export.py [--repeat 5] [--opset 17]
    python benchmarks/bench_export.py --corpus [--only SOURCE ...] [--per-source N] [--repeat 3] [--write docs/performance.md]
    python benchmarks/bench_export.py --reference --corpus --per-source 4 --repeat 3 --write docs/performance.md

``--reference`` times the speed issue's eight models (torchvision CNNs, LSTM/GRU with dynamic
time, a TransformerEncoder) with their dynamic axes (see reference_models.py).
``--corpus`` times every plain-export case of the conformance corpus instead (see corpus_timings.py).

Timings are wall-clock on this machine; compare ratios, not absolute numbers.
"""

from __future__ import annotations

import argparse
from pathlib import Path
import io
import resource
import statistics
import time
import warnings
from collections.abc import Callable
from typing import Any

import onnx
import torch

import onnx_migrate


class ResBlock(torch.nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv1 = torch.nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn1 = torch.nn.BatchNorm2d(channels)
        self.conv2 = torch.nn.Conv2d(channels, channels, 3, padding=1, bias=False)
        self.bn2 = torch.nn.BatchNorm2d(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = torch.relu(self.bn1(self.conv1(x)))
        return torch.relu(self.bn2(self.conv2(y)) + x)


class ResNetStyle(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = torch.nn.Sequential(torch.nn.Conv2d(3, 32, 7, 2, 3), torch.nn.BatchNorm2d(32), torch.nn.ReLU(), torch.nn.MaxPool2d(3, 2, 1))
        self.blocks = torch.nn.Sequential(*[ResBlock(32) for _ in range(4)])
        self.head = torch.nn.Linear(32, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(torch.flatten(torch.nn.functional.adaptive_avg_pool2d(self.blocks(self.stem(x)), 1), 1))


class EncoderBlock(torch.nn.Module):
    """A pre-norm transformer encoder block written out (attention, layer norm, GELU MLP)."""

    def __init__(self, dim: int = 64, heads: int = 4) -> None:
        super().__init__()
        self.heads = heads
        self.norm1 = torch.nn.LayerNorm(dim)
        self.qkv = torch.nn.Linear(dim, 3 * dim)
        self.proj = torch.nn.Linear(dim, dim)
        self.norm2 = torch.nn.LayerNorm(dim)
        self.mlp = torch.nn.Sequential(torch.nn.Linear(dim, 2 * dim), torch.nn.GELU(), torch.nn.Linear(2 * dim, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        batch, seq, dim = x.shape
        q, k, v = self.qkv(self.norm1(x)).chunk(3, dim=-1)
        q, k, v = (t.reshape(batch, seq, self.heads, dim // self.heads).transpose(1, 2) for t in (q, k, v))
        attn = torch.softmax(q @ k.transpose(-2, -1) / (dim // self.heads) ** 0.5, dim=-1)
        y = (attn @ v).transpose(1, 2).reshape(batch, seq, dim)
        x = x + self.proj(y)
        return x + self.mlp(self.norm2(x))


def _models() -> dict[str, tuple[Callable[[], torch.nn.Module], tuple[Any, ...]]]:
    return {
        "resnet_style_cnn": (ResNetStyle, (torch.randn(1, 3, 64, 64),)),
        "transformer_encoder_block": (EncoderBlock, (torch.randn(2, 16, 64),)),
    }


def _export_onnx_migrate(model: torch.nn.Module, args: tuple[Any, ...], opset: int) -> onnx.ModelProto:
    return onnx_migrate.export(model, args, opset_version=opset).model_proto


def _export_legacy(model: torch.nn.Module, args: tuple[Any, ...], opset: int) -> onnx.ModelProto:
    buffer = io.BytesIO()
    torch.onnx.export(model, args, buffer, dynamo=False, opset_version=opset)
    return onnx.load_from_string(buffer.getvalue())


def _export_dynamo(model: torch.nn.Module, args: tuple[Any, ...], opset: int) -> onnx.ModelProto:
    program = torch.onnx.export(model, args, dynamo=True, opset_version=opset, verbose=False)
    return program.model_proto


EXPORTERS = {"onnx_migrate": _export_onnx_migrate, "torch_legacy": _export_legacy, "torch_dynamo": _export_dynamo}


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(fn: Callable[..., onnx.ModelProto], model: torch.nn.Module, args: tuple[Any, ...], opset: int, repeat: int) -> dict[str, float]:
    """Warm median of first exports: onnx_migrate's capture cache is emptied before each."""
    from onnx_migrate.compat.capture_cache import DEFAULT_CACHE

    fn(model, args, opset)  # warm-up
    times = []
    rss_before = _peak_rss_mb()
    proto = None
    for _ in range(repeat):
        DEFAULT_CACHE.clear()
        start = time.perf_counter()
        proto = fn(model, args, opset)
        times.append(time.perf_counter() - start)
    assert proto is not None
    return {"median_s": statistics.median(times), "peak_rss_growth_mb": _peak_rss_mb() - rss_before, "nodes": len(proto.graph.node)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--opset", type=int, default=17)
    parser.add_argument("--exporters", default=",".join(EXPORTERS))
    parser.add_argument("--corpus", action="store_true", help="time the conformance corpus instead")
    parser.add_argument("--only", action="append", help="with --corpus: a source (timm) or case id (timm/resnet18); repeatable")
    parser.add_argument("--per-source", type=int, help="with --corpus: at most this many cases of each source")
    parser.add_argument("--write", help="with --corpus and/or --reference: write the Markdown tables to this file")
    parser.add_argument("--reference", action="store_true", help="the speed issue's eight models with dynamic axes")
    options = parser.parse_args()
    if options.reference or options.corpus:
        sections = []
        if options.reference:
            from reference_models import run as run_reference

            sections += ["## The speed issue's eight models, with their dynamic axes", "", *run_reference(options.repeat, options.opset), ""]
        if options.corpus:
            from corpus_timings import run

            sections += run(options.only, options.repeat, ["onnx_migrate", "legacy", "new"], options.per_source)
        if options.write:
            Path(options.write).write_text("# Export speed\n\n" + "\n".join(sections) + "\n")
            print(f"wrote {options.write}")
        return
    warnings.simplefilter("ignore")
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, onnx_migrate {onnx_migrate.__version__}, opset {options.opset}, repeat {options.repeat}")
    for name, (make, args) in _models().items():
        model = make().eval()
        rows = {}
        for exporter in options.exporters.split(","):
            try:
                rows[exporter] = measure(EXPORTERS[exporter], model, args, options.opset, options.repeat)
            except Exception as exc:  # noqa: BLE001 - a benchmark reports, it does not stop
                print(f"  {name}/{exporter}: failed: {type(exc).__name__}: {str(exc)[:200]}")
        print(f"\n{name}")
        print(f"  {'exporter':<14}{'median s':>10}{'rss MB':>10}{'nodes':>8}")
        for exporter, row in rows.items():
            print(f"  {exporter:<14}{row['median_s']:>10.3f}{row['peak_rss_growth_mb']:>10.1f}{row['nodes']:>8}")
        ours = rows.get("onnx_migrate")
        if ours:
            for other in ("torch_dynamo", "torch_legacy"):
                if other in rows:
                    print(f"  onnx_migrate / {other}: time x{ours['median_s'] / rows[other]['median_s']:.2f}, nodes {ours['nodes']} vs {rows[other]['nodes']}")


if __name__ == "__main__":
    main()
