"""Time ``onnx-migrate report`` on a generated 100,000-line tree, or on a real tree with ``--tree``.

The tree mixes what a real repository holds: mostly ordinary PyTorch code
(models, training loops, data utilities) that never touches ONNX, plus export
scripts and symbolic-function modules written the legacy way. ``--legacy-share``
sets the fraction of files with legacy ONNX code (1.0 = every file must be
parsed, the worst case). Run::

    python benchmarks/bench_report_scan.py            # default mix, one process per CPU
    python benchmarks/bench_report_scan.py --jobs 1 --legacy-share 1.0
    python benchmarks/bench_report_scan.py --tree .../site-packages/torch/onnx --repeat 5

``--tree`` scans an existing directory instead (target for torch's own ``torch/onnx``,
92 files / 32k lines of dense legacy code: 5 s on 2 cores); it prints the median of
``--repeat`` warm runs (one unmeasured run first) and the findings per rule, which
must not change when the scanner gets faster.

This is a benchmark, not a test: it prints timings and never fails on them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path

from onnx_migrate.report.prefilter import prefilter_for
from onnx_migrate.report.rules import ALL_RULES
from onnx_migrate.report.scanner import ScanOptions, scan_paths

PLAIN_MODULE = '''\
"""Model {index}: ordinary PyTorch code, no ONNX anywhere."""

import math

import torch
from torch import nn


class Block{index}(nn.Module):
    def __init__(self, channels: int = {channels}) -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)
        self.norm = nn.BatchNorm2d(channels)
        self.scale = math.sqrt(channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.norm(self.conv(x))
        return torch.relu(y) / self.scale + x
'''

PLAIN_FUNCTION = '''

def train_step_{index}_{n}(model: nn.Module, batch: torch.Tensor, target: torch.Tensor, lr: float = 1e-3) -> float:
    """One SGD step (filler {n})."""
    model.train()
    prediction = model(batch)
    loss = torch.nn.functional.mse_loss(prediction, target)
    loss.backward()
    with torch.no_grad():
        for parameter in model.parameters():
            if parameter.grad is not None:
                parameter -= lr * parameter.grad
                parameter.grad = None
    values = [float(v) for v in prediction.flatten()[:4]]
    return float(loss) + sum(values) * 0.0
'''

LEGACY_MODULE = '''\
"""Export script {index}, written for the TorchScript exporter."""

import torch
import torch.onnx as tonnx
from torch.onnx import register_custom_op_symbolic
from torch.onnx.symbolic_helper import parse_args, _get_tensor_sizes
from torch.onnx import symbolic_opset9 as opset9


class ClampFunction{index}(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x.clamp(0, 1)

    @staticmethod
    def symbolic(g, x):
        return g.op("Clip", x, min_f=0.0, max_f=1.0)
'''

LEGACY_FUNCTION = '''

@parse_args("v", "i")
def symbolic_{index}_{n}(g, x, dim):
    """A legacy symbolic (filler {n})."""
    sizes = _get_tensor_sizes(x)
    if sizes is None or dim < 0:
        return opset9.flatten(g, x, dim, -1)
    shape = g.op("Shape", x)
    gathered = g.op("Gather", shape, g.op("Constant", value_t=torch.tensor([dim])), axis_i=0)
    return g.op("mydomain::Reshape{n}", x, gathered)


register_custom_op_symbolic("mylib::op_{index}_{n}", symbolic_{index}_{n}, 11)


def export_{index}_{n}(model: torch.nn.Module, x: torch.Tensor, path: str) -> None:
    with torch.no_grad():
        tonnx.export(
            model,
            (x,),
            path,
            opset_version=11,
            input_names=["x"],
            dynamic_axes={{"x": {{0: "batch"}}}},
            do_constant_folding=True,
            dynamo=False,
        )
'''


def generate_tree(root: Path, total_lines: int, legacy_share: float, lines_per_file: int = 200) -> tuple[int, int]:
    """Write ``.py`` files under ``root`` until ``total_lines``; returns ``(files, lines)``."""
    files = lines = 0
    index = 0
    while lines < total_lines:
        legacy = (index * legacy_share) % 1.0 + legacy_share >= 1.0 if legacy_share < 1.0 else True
        head, body = (LEGACY_MODULE, LEGACY_FUNCTION) if legacy else (PLAIN_MODULE, PLAIN_FUNCTION)
        parts = [head.format(index=index, channels=8 + index % 32)]
        n = 0
        while sum(part.count("\n") for part in parts) < lines_per_file:
            parts.append(body.format(index=index, n=n))
            n += 1
        text = "".join(parts)
        package = root / f"pkg_{index // 50:03d}"
        package.mkdir(exist_ok=True)
        (package / f"module_{index:05d}.py").write_text(text, encoding="utf-8")
        files += 1
        lines += text.count("\n")
        index += 1
    return files, lines


def _cpu_seconds() -> float:
    """User + system CPU of this process and of its finished children (the scan's worker processes)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def bench_tree(root: Path, jobs: int, repeat: int) -> None:
    """Scan an existing tree ``repeat`` times after a warm-up run; print the median and the findings per rule."""
    files = [path for path in root.rglob("*.py")]
    lines = sum(path.read_bytes().count(b"\n") for path in files)
    results = scan_paths([root], ScanOptions(jobs=jobs))  # warm-up: imports, page cache
    times, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), _cpu_seconds()
        again = scan_paths([root], ScanOptions(jobs=jobs))
        times.append(time.perf_counter() - start)
        cpu.append(_cpu_seconds() - start_cpu)
        if again != results:
            raise SystemExit("two scans of the same tree disagree")
    by_rule = Counter(finding.code for result in results for finding in result.findings)
    print(
        f"scanned {root}: {len(files)} files / {lines:,} lines with {jobs or os.cpu_count()} process(es): "
        f"median {statistics.median(times):.2f} s of {repeat} (min {min(times):.2f}, max {max(times):.2f}), "
        f"CPU median {statistics.median(cpu):.2f} s (workers included; on a busy machine wall time "
        f"exceeds CPU / processes); {sum(by_rule.values())} findings, "
        f"{sum(r.error is not None for r in results)} errors"
    )
    print("findings per rule: " + ", ".join(f"{code} {count}" for code, count in sorted(by_rule.items())))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000, help="lines of Python to generate")
    parser.add_argument("--legacy-share", type=float, default=0.25, help="fraction of files with legacy ONNX code")
    parser.add_argument("--jobs", type=int, default=0, help="processes (default: one per CPU)")
    parser.add_argument("--tree", type=Path, help="scan this directory instead of a generated tree")
    parser.add_argument("--repeat", type=int, default=5, help="with --tree: measured runs (the median is shown)")
    args = parser.parse_args()
    if args.tree is not None:
        bench_tree(args.tree, args.jobs, args.repeat)
        return
    with tempfile.TemporaryDirectory(prefix="onnx_migrate_bench_") as directory:
        root = Path(directory)
        files, lines = generate_tree(root, args.lines, args.legacy_share)
        prefilter = prefilter_for(ALL_RULES)
        parsed = sum(1 for path in root.rglob("*.py") if prefilter.may_match(path.read_text(encoding="utf-8")))
        start = time.perf_counter()
        results = scan_paths([root], ScanOptions(jobs=args.jobs))
        elapsed = time.perf_counter() - start
    findings = sum(len(result.findings) for result in results)
    errors = sum(result.error is not None for result in results)
    jobs = args.jobs or os.cpu_count()
    print(
        f"scanned {files} files / {lines:,} lines ({parsed} files parsed, legacy share {args.legacy_share:.0%}) "
        f"with {jobs} process(es): {elapsed:.2f} s ({lines / elapsed:,.0f} lines/s); "
        f"{findings:,} findings, {errors} errors"
    )


if __name__ == "__main__":
    main()
