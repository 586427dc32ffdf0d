"""Warm export times over the conformance corpus: onnx_migrate vs torch's legacy and new exporters, in one run.

Used by ``python benchmarks/bench_export.py --corpus [--only SOURCE ...] [--per-source N] [--repeat 3] [--write docs/performance.md]``.
Each case of ``conformance/`` that exports through a plain ``torch.onnx.export`` call
(cases that go through a library's own export function are left out: their time is the
library's) is built once and exported by each exporter: one warm-up, then the median of
``--repeat`` runs, all in this process so every ratio compares like with like. Prints per-case
times and ratios, the sums, and the median ratio; ``--write`` also writes the table as Markdown.

onnx_migrate's time is a first export's: its capture cache is emptied before each run. The
``again`` column is a second export of the unchanged model (capture reused), what a script
exporting several opsets, or ``check``, pays from the second export on.
"""

from __future__ import annotations

import dataclasses
import io
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

import onnx_migrate
from onnx_migrate.compat.capture_cache import DEFAULT_CACHE

_REPO = Path(__file__).resolve().parent.parent
if str(_REPO) not in sys.path:
    sys.path.insert(0, str(_REPO))

from conformance.sources import all_cases  # noqa: E402


@dataclasses.dataclass
class Row:
    case: str
    seconds: dict[str, float | None]  # exporter -> warm median, None when it failed
    nodes: dict[str, int | None]
    again: float | None = None  # onnx_migrate with the capture reused

    def ratio(self, other: str) -> float | None:
        ours, theirs = self.seconds.get("onnx_migrate"), self.seconds.get(other)
        return ours / theirs if ours and theirs else None


def _exporters(built: Any) -> dict[str, Callable[[], int]]:
    keywords = built.legacy_keywords()

    def ours() -> int:
        return len(onnx_migrate.export(built.model, built.args, None, **keywords).model.graph)

    def legacy() -> int:
        import onnx

        buffer = io.BytesIO()
        torch.onnx.export(built.model, built.args, buffer, dynamo=False, **keywords)
        return len(onnx.load_from_string(buffer.getvalue()).graph.node)

    def new() -> int:
        dynamo_keywords = {**keywords, "opset_version": max(18, keywords.get("opset_version", 18))}
        dynamo_keywords.pop("do_constant_folding", None)
        program = torch.onnx.export(built.model, built.args, dynamo=True, verbose=False, **dynamo_keywords)
        return len(program.model.graph)

    return {"onnx_migrate": ours, "legacy": legacy, "new": new}


def _time(fn: Callable[[], int], repeat: int, before: Callable[[], None] = lambda: None) -> tuple[float | None, int | None]:
    try:
        before()
        nodes = fn()  # warm-up
        times = []
        for _ in range(repeat):
            before()
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        return statistics.median(times), nodes
    except Exception:  # noqa: BLE001 - a benchmark reports a failure, it does not stop
        return None, None


def _selected(only: list[str] | None, per_source: int | None) -> list[Any]:
    chosen, taken = [], {}
    for case in all_cases():
        if only and case.source not in only and case.id not in only:
            continue
        if per_source is not None and taken.get(case.source, 0) >= per_source:
            continue
        taken[case.source] = taken.get(case.source, 0) + 1
        chosen.append(case)
    return chosen


def measure(only: list[str] | None, repeat: int, exporters: list[str], per_source: int | None = None) -> list[Row]:
    rows = []
    for case in _selected(only, per_source):
        try:
            built = case.build()
        except Exception:  # noqa: BLE001 - unbuildable cases are the conformance report's business
            continue
        if built.export is not None:
            continue
        if hasattr(built.model, "eval"):
            built.model.eval()
        functions = _exporters(built)
        seconds, nodes = {}, {}
        for name in exporters:
            before = DEFAULT_CACHE.clear if name == "onnx_migrate" else (lambda: None)
            seconds[name], nodes[name] = _time(functions[name], repeat, before)
        row = Row(case.id, seconds, nodes)
        if "onnx_migrate" in functions and seconds.get("onnx_migrate") is not None:
            row.again, _ = _time(functions["onnx_migrate"], 1)
        rows.append(row)
        print(_line(row, exporters), flush=True)
    return rows


def _fmt(value: float | None, spec: str) -> str:
    return "failed" if value is None else format(value, spec)


def _line(row: Row, exporters: list[str]) -> str:
    times = "  ".join(f"{name} {_fmt(row.seconds[name], '.3f')}" for name in exporters)
    ratios = "  ".join(f"x{_fmt(row.ratio(other), '.2f')} vs {other}" for other in exporters if other != "onnx_migrate")
    return f"{row.case:<55} {times}  again {_fmt(row.again, '.3f')}  {ratios}"


def summary(rows: list[Row], exporters: list[str]) -> list[str]:
    lines = []
    for other in (e for e in exporters if e != "onnx_migrate"):
        both = [r for r in rows if r.seconds.get("onnx_migrate") and r.seconds.get(other)]
        if not both:
            continue
        ours = sum(r.seconds["onnx_migrate"] for r in both)  # type: ignore[misc]
        theirs = sum(r.seconds[other] for r in both)  # type: ignore[misc]
        median = statistics.median(r.ratio(other) for r in both)  # type: ignore[type-var]
        lines.append(
            f"vs {other}: {len(both)} cases, sum {ours:.1f} s vs {theirs:.1f} s (x{ours / theirs:.2f}), "
            f"median ratio x{median:.2f}"
        )
    again = [r for r in rows if r.again is not None and r.seconds.get("onnx_migrate")]
    if again:
        first = sum(r.seconds["onnx_migrate"] for r in again)  # type: ignore[misc]
        lines.append(f"a second export of the same model (capture reused): sum {sum(r.again for r in again):.1f} s "  # type: ignore[misc]
                     f"vs {first:.1f} s for first exports")
    return lines


def markdown(rows: list[Row], exporters: list[str]) -> str:
    header = "| case | " + " | ".join(f"{e} s" for e in exporters) + " | again s | " + " | ".join(
        f"ours/{e}" for e in exporters if e != "onnx_migrate"
    ) + " | nodes (" + ", ".join(exporters) + ") |"
    lines = [
        "## The conformance corpus",
        "",
        f"Warm medians, one process, torch {torch.__version__}; onnx_migrate's is a first export's (capture "
        "cache emptied), `again` a second export of the unchanged model. Regenerate: "
        "`python benchmarks/bench_export.py --corpus --write docs/performance.md`.",
        "",
        *[f"- {line}" for line in summary(rows, exporters)],
        "",
        header,
        "|" + " --- |" * (header.count("|") - 1),
    ]
    for row in rows:
        cells = [_fmt(row.seconds[e], ".3f") for e in exporters] + [_fmt(row.again, ".3f")]
        cells += [_fmt(row.ratio(e), ".2f") for e in exporters if e != "onnx_migrate"]
        nodes = ", ".join("-" if row.nodes[e] is None else str(row.nodes[e]) for e in exporters)
        lines.append(f"| {row.case} | " + " | ".join(cells) + f" | {nodes} |")
    return "\n".join(lines) + "\n"


def run(only: list[str] | None, repeat: int, exporters: list[str], per_source: int | None = None) -> list[str]:
    """Time the selected cases; print them and the summary; return the Markdown section."""
    warnings.simplefilter("ignore")
    torch.manual_seed(0)
    rows = measure(only, repeat, exporters, per_source)
    for line in summary(rows, exporters):
        print(line)
    return markdown(rows, exporters).splitlines()
