"""Run one case in one mode, in its own process, and write the result as JSON.

``python -m conformance.worker CASE_ID MODE OUT.json``. Modes:

* ``legacy``  - torch's TorchScript exporter, the library's own call (``dynamo=False``);
* ``migrate`` - the same call after ``onnx_migrate.install()`` (done before the
  library is imported, as ``onnx-migrate run`` does);
* ``dynamo``  - torch's new exporter (``dynamo=True``) on the same model, inputs and
  dynamic axes: time and node count for reference only.

The runner gives every worker its own process and a timeout, so a hang or a crash
costs one case. Anything that goes wrong inside is written down, not raised.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import traceback
import warnings
from typing import Any

MODES = ("legacy", "migrate", "dynamo", "port")
#: What ``run`` does without ``--modes`` (``port`` has its own command).
DEFAULT_MODES = ("legacy", "migrate", "dynamo")


def _offline_environment() -> None:
    for key in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE", "YOLO_OFFLINE"):
        os.environ[key] = "1"
    os.environ.setdefault("TORCH_HOME", os.path.join(tempfile.gettempdir(), "conformance-no-weights"))


def _error(error: BaseException) -> dict[str, Any]:
    lines = str(error).strip().splitlines() or [""]
    frames = traceback.extract_tb(error.__traceback__)
    where = ""
    for frame in reversed(frames):
        if "site-packages" in frame.filename or "onnx_migrate" in frame.filename:
            where = f"{frame.filename.split('site-packages/')[-1]}:{frame.lineno} in {frame.name}"
            break
    return {
        "type": type(error).__name__,
        "message": lines[0][:500],
        "detail": "\n".join(lines[:12])[:3000],
        "where": where,
    }


def _export(mode: str, built: Any, path: str) -> None:
    import torch

    if mode == "dynamo":
        keywords = built.legacy_keywords()
        keywords.pop("do_constant_folding", None)
        keywords["opset_version"] = max(18, keywords["opset_version"])
        torch.onnx.export(built.model, built.args, path, dynamo=True, **keywords)
    elif built.export is not None:
        built.export(path)
    else:
        torch.onnx.export(built.model, built.args, path, dynamo=False, **built.legacy_keywords())


def _numerics(built: Any, path: str, eager: dict[str, Any]) -> dict[str, Any]:
    from conformance import numerics

    names = list(built.input_names) if built.input_names else None
    result: dict[str, Any] = {}
    for label, args in (("example", built.args), ("other", built.other_args)):
        if args is None:
            continue
        if isinstance(eager.get(label), str):
            result[label] = {"ok": None, "detail": eager[label], "max_abs_err": None}
            continue
        result[label] = numerics.compare_with_eager(path, args, eager[label], names, built.rtol, built.atol)
    return result


def _eager_outputs(built: Any) -> dict[str, Any]:
    from conformance import numerics

    eager: dict[str, Any] = {}
    for label, args in (("example", built.args), ("other", built.other_args)):
        if args is None:
            continue
        try:
            eager[label] = numerics.run_eager(built.model, args)
        except Exception as error:  # noqa: BLE001
            eager[label] = f"eager PyTorch failed: {_error(error)['message']}"
    return eager


def run(case_id: str, mode: str) -> dict[str, Any]:
    """Build, export, measure; the result dict the runner caches."""
    _offline_environment()
    if mode == "port":
        from conformance.port_case import run_port

        return run_port(case_id)
    result: dict[str, Any] = {"case": case_id, "mode": mode, "status": "error"}
    if mode == "migrate":
        import onnx_migrate

        onnx_migrate.install()
    import torch

    torch.set_num_threads(1)
    torch.manual_seed(0)
    from conformance import sources

    case = sources.find_case(case_id)
    started = time.perf_counter()
    try:
        built = case.build()
        if hasattr(built.model, "eval"):
            built.model.eval()
    except Exception as error:  # noqa: BLE001
        result.update(status="build-error", error=_error(error))
        return result
    result["build_seconds"] = round(time.perf_counter() - started, 3)
    result["dim_names"] = sorted({name for axes in (built.dynamic_axes or {}).values() for name in axes.values()})
    eager = _eager_outputs(built) if mode != "dynamo" and not built.numerics_skip else {}
    with tempfile.TemporaryDirectory(prefix="conformance-") as workdir:
        path = os.path.join(workdir, "model.onnx")
        started = time.perf_counter()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                _export(mode, built, path)
        except Exception as error:  # noqa: BLE001
            result.update(status="export-error", error=_error(error),
                          export_seconds=round(time.perf_counter() - started, 3))
            return result
        result["export_seconds"] = round(time.perf_counter() - started, 3)
        if mode == "migrate":
            from onnx_migrate.compat.install import routed_exports

            result["routed_exports"] = len(routed_exports())
        if not os.path.exists(path):
            result.update(status="export-error", error={"type": "NoFile", "message": "the export wrote no file",
                                                          "detail": "", "where": ""})
            return result
        import onnx

        from conformance.facts import model_facts

        result["facts"] = model_facts(onnx.load(path, load_external_data=False))
        from conformance.numerics import ort_fingerprint

        if built.numerics_skip:
            result["numerics"] = {"skipped": built.numerics_skip}
            result["ort_fingerprint"] = ort_fingerprint(path, built.args, built.input_names)
        elif mode != "dynamo":
            result["numerics"] = _numerics(built, path, eager)
            if result["numerics"].get("example", {}).get("ok") is False:
                # Eager disagrees (NMS ties on random weights, say): whether ours computes what the
                # legacy file computes is then the question, so keep ORT's outputs to compare.
                result["ort_fingerprint"] = ort_fingerprint(path, built.args, built.input_names)
    result["status"] = "ok"
    return result


def main(argv: list[str]) -> int:
    case_id, mode, out = argv
    if mode not in MODES:
        raise SystemExit(f"mode must be one of {MODES}")
    try:
        result = run(case_id, mode)
    except BaseException as error:  # noqa: BLE001 - a harness bug must still leave a record
        result = {"case": case_id, "mode": mode, "status": "harness-error", "error": _error(error)}
    with open(out + ".tmp", "w", encoding="utf-8") as handle:
        json.dump(result, handle, indent=1, default=str)
    os.replace(out + ".tmp", out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
