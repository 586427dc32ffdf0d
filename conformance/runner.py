"""Run cases in subprocesses, two at a time, with a timeout, caching each result as JSON.

Results live under ``conformance/.results/`` (gitignored), one file per case and mode,
named by :func:`~conformance.versions.cache_key`: a rerun skips what is cached for the
same versions, and a change to onnx_migrate reruns only the ``migrate`` mode.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import pathlib
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from typing import Any

from conformance.case import Case
from conformance import versions
from conformance.versions import cache_key

__all__ = ["RESULTS_DIR", "cached_result", "run_cases"]

RESULTS_DIR = pathlib.Path(__file__).parent / ".results"
_REPO_ROOT = pathlib.Path(__file__).parent.parent


def result_path(case_id: str, mode: str, fingerprint: str | None = None) -> pathlib.Path:
    safe = case_id.replace("/", "__").replace(" ", "_")
    return RESULTS_DIR / safe / f"{mode}-{cache_key(case_id, mode, fingerprint)}.json"


def cached_result(case_id: str, mode: str) -> dict[str, Any] | None:
    """The result for the current sources; for ``migrate``, else the fallback run's, marked ``from_fingerprint``."""
    result = _read(result_path(case_id, mode))
    if result is None and mode == "migrate" and versions.FALLBACK_FINGERPRINT:
        fallback = versions.FALLBACK_FINGERPRINT[0]
        result = _read(result_path(case_id, mode, fallback))
        if result is not None:
            result["from_fingerprint"] = fallback
    return result


def _read(path: pathlib.Path) -> dict[str, Any] | None:
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError:
        return None


def _run_one(case_id: str, mode: str, timeout: float) -> dict[str, Any]:
    path = result_path(case_id, mode)
    path.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(_REPO_ROOT), env.get("PYTHONPATH", "")]))
    started = time.perf_counter()
    command = [sys.executable, "-m", "conformance.worker", case_id, mode, str(path)]
    log = path.with_suffix(".log")
    try:
        with open(log, "w", encoding="utf-8") as handle:
            completed = subprocess.run(command, stdout=handle, stderr=subprocess.STDOUT, timeout=timeout, env=env,
                                       cwd=_REPO_ROOT, check=False)
        code = completed.returncode
    except subprocess.TimeoutExpired:
        code = None
    result = cached_result(case_id, mode)
    if result is None:
        tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-3:] if log.exists() else []
        status = "timeout" if code is None else "crash"
        message = f"no result after {timeout:.0f} s" if code is None else f"worker exited with {code}"
        result = {"case": case_id, "mode": mode, "status": status,
                  "error": {"type": status, "message": message, "detail": "\n".join(tail), "where": ""}}
    result["wall_seconds"] = round(time.perf_counter() - started, 3)
    path.write_text(json.dumps(result, indent=1, default=str), encoding="utf-8")
    return result


def _tasks(cases: Sequence[Case], modes: Sequence[str], rerun: bool) -> list[tuple[str, str]]:
    """(case, mode) pairs still to run: legacy and migrate of every case before any dynamo run."""
    ordered = [(c.id, m) for c in cases for m in modes if m != "dynamo"]
    ordered += [(c.id, "dynamo") for c in cases if "dynamo" in modes]
    return [t for t in ordered if rerun or cached_result(*t) is None]


def run_cases(cases: Sequence[Case], modes: Sequence[str], jobs: int, timeout: float, rerun: bool = False) -> int:
    """Run what is not cached; returns how many (case, mode) runs were made."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    tasks = _tasks(cases, modes, rerun)
    console = Console(stderr=True)
    console.print(f"{len(cases)} cases x {len(modes)} modes: {len(tasks)} runs to do, the rest cached")
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
               TextColumn("{task.fields[last]}"))
    with Progress(*columns, console=console) as progress:
        bar = progress.add_task("conformance", total=len(tasks), last="")
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures = {pool.submit(_run_one, case_id, mode, timeout): (case_id, mode) for case_id, mode in tasks}
            for future in concurrent.futures.as_completed(futures):
                case_id, mode = futures[future]
                result = future.result()
                progress.update(bar, advance=1, last=f"{case_id} [{mode}] {result.get('status')}")
    return len(tasks)


def collect(cases: Iterable[Case], modes: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Cached results per case id and mode (missing ones left out)."""
    collected: dict[str, dict[str, Any]] = {}
    for case in cases:
        for mode in modes:
            result = cached_result(case.id, mode)
            if result is not None:
                collected.setdefault(case.id, {})[mode] = result
    return collected
