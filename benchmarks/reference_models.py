"""The reference set of the speed issue: eight real models with their dynamic axes, three exporters.

Used by ``python benchmarks/bench_export.py --reference [--repeat 5]``. For each model it prints
the warm median export time of onnx_migrate (a first export: capture cache emptied), the legacy
exporter (``dynamo=False``) and torch's new exporter (``dynamo=True``), the ratios, node counts,
how many ``torch.export`` traces one onnx_migrate export ran, and the dim names onnx_migrate's
file declares on its first input and output (dynamic axes must stay dynamic).
"""

from __future__ import annotations

import io
import statistics
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import onnx
import torch

import onnx_migrate
from onnx_migrate.compat.capture_cache import DEFAULT_CACHE

Case = tuple[Callable[[], torch.nn.Module], tuple[Any, ...], dict[str, Any]]


def _vision(name: str) -> Case:
    def build() -> torch.nn.Module:
        import torchvision

        return torchvision.models.get_model(name, weights=None)

    axes = {"input": {0: "batch"}, "output": {0: "batch"}}
    return build, (torch.randn(1, 3, 224, 224),), {"input_names": ["input"], "output_names": ["output"], "dynamic_axes": axes}


def _recurrent(kind: type[torch.nn.Module]) -> Case:
    axes = {"x": {0: "batch", 1: "time"}, "y": {0: "batch", 1: "time"}}
    return (
        lambda: kind(32, 64, num_layers=2, batch_first=True),
        (torch.randn(2, 20, 32),),
        {"input_names": ["x"], "output_names": ["y"], "dynamic_axes": axes},
    )


def _transformer() -> Case:
    def build() -> torch.nn.Module:
        layer = torch.nn.TransformerEncoderLayer(64, 4, 128, dropout=0.0, batch_first=True)
        return torch.nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)

    axes = {"x": {0: "batch", 1: "sequence"}, "y": {0: "batch", 1: "sequence"}}
    return build, (torch.randn(2, 16, 64),), {"input_names": ["x"], "output_names": ["y"], "dynamic_axes": axes}


def reference_models() -> dict[str, Case]:
    return {
        "resnet18": _vision("resnet18"),
        "mobilenet_v3_small": _vision("mobilenet_v3_small"),
        "squeezenet1_0": _vision("squeezenet1_0"),
        "convnext_tiny": _vision("convnext_tiny"),
        "efficientnet_b0": _vision("efficientnet_b0"),
        "nn.LSTM": _recurrent(torch.nn.LSTM),
        "nn.GRU": _recurrent(torch.nn.GRU),
        "nn.TransformerEncoder": _transformer(),
    }


@contextmanager
def _counting_traces() -> Iterator[list[int]]:
    """Count ``torch.export.export``/``draft_export`` calls (benchmark instrumentation only)."""
    count = [0]
    originals = {name: getattr(torch.export, name) for name in ("export", "draft_export")}

    def counted(original: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            count[0] += 1
            return original(*args, **kwargs)

        return wrapper

    for name, original in originals.items():
        setattr(torch.export, name, counted(original))
    try:
        yield count
    finally:
        for name, original in originals.items():
            setattr(torch.export, name, original)


def _ours(model: torch.nn.Module, args: tuple[Any, ...], keywords: dict[str, Any]) -> onnx.ModelProto:
    return onnx_migrate.export(model, args, None, **keywords).model_proto


def _legacy(model: torch.nn.Module, args: tuple[Any, ...], keywords: dict[str, Any]) -> onnx.ModelProto:
    buffer = io.BytesIO()
    torch.onnx.export(model, args, buffer, dynamo=False, **keywords)
    return onnx.load_from_string(buffer.getvalue())


def _new(model: torch.nn.Module, args: tuple[Any, ...], keywords: dict[str, Any]) -> onnx.ModelProto:
    return torch.onnx.export(model, args, dynamo=True, verbose=False, **keywords).model_proto


def _median(fn: Callable[[], onnx.ModelProto], repeat: int, before: Callable[[], None]) -> tuple[float, onnx.ModelProto]:
    before()
    proto = fn()
    times = []
    for _ in range(repeat):
        before()
        start = time.perf_counter()
        proto = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), proto


def _dims(value: onnx.ValueInfoProto) -> list[Any]:
    return [d.dim_param or d.dim_value for d in value.type.tensor_type.shape.dim]


def run(repeat: int, opset: int) -> list[str]:
    """Print one line per model and the sums; return the same as Markdown lines for ``docs/performance.md``."""
    warnings.simplefilter("ignore")
    torch.manual_seed(0)
    print(f"torch {torch.__version__}, opset {opset}, warm medians of {repeat}")
    sums = {"onnx_migrate": 0.0, "legacy": 0.0, "new": 0.0}
    table = [
        "| model | onnx_migrate s | legacy s | new s | ours/legacy | ours/new | nodes (ours, legacy, new) "
        "| torch.export traces | declared input / output dims |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- |",
    ]
    for name, (build, args, keywords) in reference_models().items():
        try:
            model = build().eval()
        except ImportError as missing:
            print(f"{name}: skipped ({missing})")
            continue
        keywords = {**keywords, "opset_version": opset}
        row: dict[str, tuple[float, onnx.ModelProto] | None] = {}
        for label, fn in (("onnx_migrate", _ours), ("legacy", _legacy), ("new", _new)):
            before = DEFAULT_CACHE.clear if label == "onnx_migrate" else (lambda: None)
            try:
                row[label] = _median(lambda fn=fn: fn(model, args, keywords), repeat, before)
            except Exception as exc:  # noqa: BLE001 - a benchmark reports, it does not stop
                row[label] = None
                print(f"  {name}/{label}: failed: {type(exc).__name__}: {str(exc)[:160]}")
        DEFAULT_CACHE.clear()
        with _counting_traces() as traces:
            ours = _ours(model, args, keywords)
        parts = []
        for label, result in row.items():
            if result is not None:
                parts.append(f"{label} {result[0]:.3f}s/{len(result[1].graph.node)}n")
                sums[label] += result[0] if all(r is not None for r in row.values()) else 0.0
        ratios = [
            f"x{row['onnx_migrate'][0] / row[o][0]:.2f} vs {o}"  # type: ignore[index]
            for o in ("legacy", "new")
            if row.get(o) and row.get("onnx_migrate")
        ]
        print(f"{name:<22} {'  '.join(parts)}  {'  '.join(ratios)}  traces {traces[0]}  "
              f"in {_dims(ours.graph.input[0])} out {_dims(ours.graph.output[0])}")
        table.append(_markdown_row(name, row, traces[0], ours))
    lines = [f"Warm medians of {repeat}, one process, opset {opset}, torch {torch.__version__}. "
             "Regenerate: `python benchmarks/bench_export.py --reference`.", ""]
    if sums["legacy"] and sums["new"]:
        total = (f"sum: onnx_migrate {sums['onnx_migrate']:.2f}s, legacy {sums['legacy']:.2f}s "
                 f"(x{sums['onnx_migrate'] / sums['legacy']:.2f}), new {sums['new']:.2f}s (x{sums['onnx_migrate'] / sums['new']:.2f})")
        print(total)
        lines += [f"- {total} (models all three exported)", ""]
    return lines + table


def _markdown_row(name: str, row: dict[str, Any], traces: int, ours: onnx.ModelProto) -> str:
    seconds = {k: (None if v is None else v[0]) for k, v in row.items()}
    nodes = {k: (None if v is None else len(v[1].graph.node)) for k, v in row.items()}

    def cell(value: float | None) -> str:
        return "failed" if value is None else f"{value:.3f}"

    def ratio(other: str) -> str:
        a, b = seconds.get("onnx_migrate"), seconds.get(other)
        return f"{a / b:.2f}" if a and b else "-"

    counts = ", ".join("-" if nodes.get(k) is None else str(nodes[k]) for k in ("onnx_migrate", "legacy", "new"))
    return (f"| {name} | {cell(seconds.get('onnx_migrate'))} | {cell(seconds.get('legacy'))} | {cell(seconds.get('new'))} "
            f"| {ratio('legacy')} | {ratio('new')} | {counts} | {traces} | {_dims(ours.graph.input[0])} / "
            f"{_dims(ours.graph.output[0])} |")
