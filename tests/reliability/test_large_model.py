"""A model past protobuf's 2 GB limit: saved with external data, loaded back, run in ONNX Runtime (slow).

The model holds 2.25 GiB of float32 weights (nine 8192x8192 ``nn.Linear``
layers). The export must write ``model.onnx`` + ``model.onnx.data``, keep its
peak memory under twice the parameter bytes (the weights are in memory anyway;
the export must not copy them all), and the files must load with
``onnx.load``, pass the checker and compute what PyTorch computes.

Needs about 6 GiB of free memory and 2.5 GiB of free disk; skipped otherwise.
``benchmarks/bench_large_model.py`` reports the same figures per stage.
"""

from __future__ import annotations

import gc
import os
import shutil
import threading
import time
import warnings
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch

import onnx_migrate

GIB = 1 << 30
WIDTH = 8192
LAYERS = 9


def _available_memory() -> int:
    with open("/proc/meminfo") as handle:
        for line in handle:
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    return 0


def _rss() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class _PeakRss:
    """The highest RSS seen while the block runs (sampled every 5 ms)."""

    def __enter__(self) -> _PeakRss:  # noqa: PYI034 - a private helper, never subclassed
        self.peak = _rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _rss())
            time.sleep(0.005)

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss())


def _large_model() -> torch.nn.Sequential:
    torch.manual_seed(0)
    with torch.no_grad():
        model = torch.nn.Sequential(*[torch.nn.Linear(WIDTH, WIDTH) for _ in range(LAYERS)]).eval()
        for layer in model:
            layer.weight.mul_(WIDTH**-0.5)  # keep activations of order 1 through the stack
    return model


@pytest.mark.slow
def test_model_past_2gb_exports_with_external_data_loads_and_runs(tmp_path: Path) -> None:
    """Test: >2 GiB of parameters: external data, peak RSS < 2x the parameters, onnx.load, checker, ORT parity."""
    if _available_memory() < 7 * GIB:
        pytest.skip("needs about 7 GiB of free memory")
    if shutil.disk_usage(tmp_path).free < 3 * GIB:
        pytest.skip("needs 3 GiB of free disk")
    model = _large_model()
    parameter_bytes = sum(p.numel() * p.element_size() for p in model.parameters())
    assert parameter_bytes > 2 * GIB
    x = torch.randn(2, WIDTH, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        expected = model(x).numpy()
    path = tmp_path / "large.onnx"

    with warnings.catch_warnings(), _PeakRss() as memory:
        warnings.simplefilter("ignore")
        onnx_migrate.export(model, (x,), path, opset_version=17, input_names=["x"], output_names=["y"])
    peak_ratio = memory.peak / parameter_bytes
    print(f"\nexport peak RSS {memory.peak / GIB:.2f} GiB = {peak_ratio:.2f}x the {parameter_bytes / GIB:.2f} GiB of parameters")
    assert peak_ratio < 2.0, f"the export copied the weights: peak RSS {peak_ratio:.2f}x the parameter bytes"

    assert sorted(p.name for p in tmp_path.iterdir()) == ["large.onnx", "large.onnx.data"]
    assert (tmp_path / "large.onnx.data").stat().st_size >= parameter_bytes
    assert path.stat().st_size < 1 << 20, "the weights belong in the .data file"
    del model
    gc.collect()

    onnx.checker.check_model(str(path))  # by path: the checker reads models past 2 GB that way
    loaded = onnx.load(str(path))
    assert len(loaded.graph.initializer) == 2 * LAYERS
    assert sum(len(t.raw_data) for t in loaded.graph.initializer) == parameter_bytes
    assert [i.name for i in loaded.graph.input] == ["x"] and [o.name for o in loaded.graph.output] == ["y"]
    del loaded
    gc.collect()

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (got,) = session.run(None, {"x": x.numpy()})
    np.testing.assert_allclose(got, expected, rtol=1e-3, atol=1e-4)
