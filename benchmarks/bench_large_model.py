"""Peak memory of exporting a model past protobuf's 2 GB limit, relative to its parameter bytes (target < 2x).

The model is a stack of square ``nn.Linear`` layers sized so the parameters
total ``--gib`` GiB (default 2.1, past the 2 GiB protobuf limit, so the model
is saved with external data). A sampler thread reads the process RSS from
``/proc/self/statm`` every few milliseconds; each stage reports its own peak:

* ``model``: building the PyTorch model (the baseline the export starts from);
* ``export``: ``onnx_migrate.export(model, args, path)``, capture to saved files;
* ``load``: ``onnx.load`` with the external data, in a fresh process;
* ``onnxruntime``: an ``InferenceSession`` on the saved file and one run, in a fresh process.

The ratio that matters is ``export peak RSS / parameter bytes``: the model must
be in memory anyway (1x), so everything above 1x is what the export adds.
Run::

    python benchmarks/bench_large_model.py            # 2.1 GiB of parameters
    python benchmarks/bench_large_model.py --gib 0.25 # quick look

This is a benchmark, not a test: it prints figures and never fails on them.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_PAGE = os.sysconf("SC_PAGE_SIZE")
GIB = 1 << 30


def rss_bytes() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * _PAGE


class PeakSampler:
    """Samples the process RSS in a background thread; ``stage()`` reports the peak inside a block."""

    def __init__(self, interval: float = 0.005) -> None:
        self.interval = interval
        self.peak = rss_bytes()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_bytes())
            time.sleep(self.interval)

    @contextmanager
    def stage(self, results: dict[str, dict[str, float]], name: str) -> Iterator[None]:
        start_rss = rss_bytes()
        self.peak = start_rss
        started = time.perf_counter()
        yield
        self.peak = max(self.peak, rss_bytes())
        results[name] = {
            "seconds": round(time.perf_counter() - started, 2),
            "rss_before_gib": round(start_rss / GIB, 3),
            "peak_rss_gib": round(self.peak / GIB, 3),
        }

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def build_model(parameter_gib: float, width: int) -> tuple[object, int]:
    import torch

    layer_bytes = width * width * 4 + width * 4
    layers = max(1, math.ceil(parameter_gib * GIB / layer_bytes))
    torch.manual_seed(0)
    with torch.no_grad():
        model = torch.nn.Sequential(*[torch.nn.Linear(width, width) for _ in range(layers)]).eval()
        for layer in model:
            # Keep activations O(1) through the stack so ONNX Runtime's numbers are comparable.
            layer.weight.mul_(1.0 / width**0.5)
    parameter_bytes = sum(p.numel() * p.element_size() for p in model.parameters())
    return model, parameter_bytes


_CHILD = r"""
import json, os, sys, threading, time
sys.path.insert(0, {bench_dir!r})
from bench_large_model import PeakSampler
sampler = PeakSampler()
results = {{}}
path = {path!r}
if {stage!r} == "load":
    import onnx
    with sampler.stage(results, "load"):
        model = onnx.load(path)
        size = sum(len(t.raw_data) for t in model.graph.initializer)
    results["load"]["initializer_bytes"] = size
else:
    import numpy as np, onnxruntime as ort
    with sampler.stage(results, "onnxruntime"):
        session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        x = np.ones((1, {width}), dtype=np.float32)
        (y,) = session.run(None, {{session.get_inputs()[0].name: x}})
    results["onnxruntime"]["output_sum"] = float(y.sum())
sampler.stop()
print(json.dumps(results))
"""


def run_child(stage: str, path: Path, width: int) -> dict[str, dict[str, float]]:
    code = _CHILD.format(bench_dir=str(Path(__file__).parent), path=str(path), stage=stage, width=width)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gib", type=float, default=2.1, help="parameter size in GiB (default 2.1)")
    parser.add_argument("--width", type=int, default=8192, help="in/out features of each Linear layer")
    parser.add_argument("--opset", type=int, default=17)
    parser.add_argument("--dir", type=Path, default=None, help="where to write the model (default: a temp folder)")
    parser.add_argument("--skip-reload", action="store_true", help="do not measure onnx.load and ONNX Runtime")
    options = parser.parse_args()

    sampler = PeakSampler()
    results: dict[str, dict[str, float]] = {}
    with sampler.stage(results, "model"):
        import torch

        import onnx_migrate

        model, parameter_bytes = build_model(options.gib, options.width)
    with tempfile.TemporaryDirectory(dir=options.dir) as folder:
        path = Path(folder) / "large.onnx"
        with sampler.stage(results, "export"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            onnx_migrate.export(model, (torch.ones(1, options.width),), path, opset_version=options.opset, input_names=["x"])
        files = {p.name: p.stat().st_size for p in Path(folder).iterdir()}
        if not options.skip_reload:
            del model
            results.update(run_child("load", path, options.width))
            results.update(run_child("onnxruntime", path, options.width))
    sampler.stop()

    export = results["export"]
    print(f"parameters: {parameter_bytes / GIB:.3f} GiB ({parameter_bytes:,} bytes); files written: {files}")
    for name, stage in results.items():
        extra = {k: v for k, v in stage.items() if k not in ("seconds", "rss_before_gib", "peak_rss_gib")}
        print(
            f"{name:>12}: {stage['seconds']:7.2f} s   RSS before {stage['rss_before_gib']:6.3f} GiB   "
            f"peak {stage['peak_rss_gib']:6.3f} GiB   peak / parameters {stage['peak_rss_gib'] * GIB / parameter_bytes:5.2f}x"
            + (f"   {extra}" if extra else "")
        )
    added = (export["peak_rss_gib"] - export["rss_before_gib"]) * GIB / parameter_bytes
    print(
        f"export peak RSS / parameter bytes: {export['peak_rss_gib'] * GIB / parameter_bytes:.2f}x "
        f"(target < 2x); memory the export adds on top of the model: {added:.2f}x the parameters"
    )


if __name__ == "__main__":
    main()
