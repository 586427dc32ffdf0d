"""``port`` mode: run ``onnx_migrate.port`` on a case's legacy export code and record what became of each symbolic.

The case is built and exported through its library's own legacy export code twice
(``port`` records on the first run and verifies on the second); the result lists,
per custom symbolic that ran, whether the written module was verified against
onnx_migrate's export with torch's new exporter (``verified``, ``verified with
specialization``) or ``needs attention``, and why.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from typing import Any

__all__ = ["PORT_SOURCES", "is_port_candidate", "run_port"]

#: Sources whose export code registers or defines custom symbolics.
PORT_SOURCES = ("ort_contrib", "brevitas", "modelopt")
#: torchvision cases that reach its registered roi_align / roi_pool / nms symbolics.
_TORCHVISION_MARKERS = ("roi_", "nms", "rcnn", "retinanet", "fcos", "ssd")


def is_port_candidate(case: Any) -> bool:
    """Whether the case's export can call a custom symbolic (the rest cannot give ``port`` anything)."""
    if case.source in PORT_SOURCES:
        return True
    return case.source == "torchvision" and any(marker in case.name for marker in _TORCHVISION_MARKERS)


def run_port(case_id: str) -> dict[str, Any]:
    """The ``port`` result of one case."""
    import torch

    import onnx_migrate
    from conformance import sources
    from conformance.worker import _error, _export
    from onnx_migrate.errors import PortError

    case = sources.find_case(case_id)
    result: dict[str, Any] = {"case": case_id, "mode": "port", "status": "error"}
    with tempfile.TemporaryDirectory(prefix="conformance-port-") as workdir:

        def export_once() -> None:
            torch.manual_seed(0)
            built = case.build()
            if hasattr(built.model, "eval"):
                built.model.eval()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                _export("migrate", built, os.path.join(workdir, "model.onnx"))

        try:
            ported = onnx_migrate.port(export_once, os.path.join(workdir, "translations.py"))
        except PortError as error:
            if "No custom symbolic ran" in str(error):
                result.update(status="ok", port={"symbolics": [], "checks": [], "nothing": True})
                return result
            result.update(status="port-error", error=_error(error))
            return result
        except Exception as error:  # noqa: BLE001 - the case's own export failing is recorded, not raised
            result.update(status="port-error", error=_error(error))
            return result
        result["status"] = "ok"
        result["port"] = {
            "symbolics": [
                {
                    "key": p.key, "origin": p.origin, "location": p.location.split("site-packages/")[-1],
                    "kind": p.kind, "status": p.status, "reason": p.reason, "detail": p.detail,
                    "specializations": len(p.specializations),
                }
                for p in ported.symbolics
            ],
            "checks": [{"index": c.index, "ok": c.ok, "numbers": c.numbers, "detail": c.detail} for c in ported.checks],
        }
    return result
