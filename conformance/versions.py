"""Versions that key the result cache and head the report."""

from __future__ import annotations

import hashlib
import pathlib
from functools import cache

from conformance.sources._util import version

__all__ = ["FALLBACK_FINGERPRINT", "HARNESS_VERSION", "LIBRARIES", "cache_key", "environment", "onnx_migrate_fingerprint",
           "onnx_migrate_version"]

#: Bump when a change to the worker or the facts makes old cached results wrong.
HARNESS_VERSION = "1"

CORE = ("torch", "onnx", "onnxruntime", "onnxscript", "onnx-ir")
#: The distribution each source's results depend on.
LIBRARIES = {
    "torchvision": "torchvision", "timm": "timm", "transformers": "transformers", "torchaudio": "torchaudio",
    "ort_contrib": "onnxruntime", "ultralytics": "ultralytics", "open_clip": "open_clip_torch",
    "segment_anything": "segment-anything", "brevitas": "brevitas", "optimum": "optimum-onnx", "nncf": "nncf",
    "modelopt": "nvidia-modelopt",
}


#: Set by ``python -m conformance report --results-of FINGERPRINT``: a case with no ``migrate`` result for
#: the current sources is reported with its result from that fingerprint's run (a full run of earlier sources).
FALLBACK_FINGERPRINT: list[str] = []


#: Subpackages that never run during an export, per mode: changing them keeps that mode's cached results.
#: The static migration report and ``check`` run in no mode; ``port`` code runs only in the port mode.
_NOT_RUN_BY = {
    "migrate": frozenset({"report", "side_by_side", "porting"}),
    "port": frozenset({"report", "side_by_side"}),
}


@cache
def onnx_migrate_fingerprint(mode: str = "migrate") -> str:
    """A hash of the onnx_migrate source files ``mode`` runs: its results are only valid for that code."""
    import onnx_migrate

    root = pathlib.Path(onnx_migrate.__file__).parent
    skipped = _NOT_RUN_BY[mode]
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).parts
        if relative[0] in skipped:
            continue
        if path.suffix in (".py", ".toml", ".json") and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def onnx_migrate_version(mode: str = "migrate") -> str:
    """``0.1.0+<fingerprint>``: the onnx_migrate a ``mode`` result was produced with."""
    return f"{version('onnx-migrate')}+{onnx_migrate_fingerprint(mode)}"


@cache
def environment() -> dict[str, str]:
    """Core and library versions, plus the onnx_migrate source fingerprint."""
    names = list(CORE) + sorted(set(LIBRARIES.values()))
    env = {name: version(name) for name in names}
    env["onnx_migrate"] = onnx_migrate_version("migrate")
    return env


def cache_key(case_id: str, mode: str, fingerprint: str | None = None) -> str:
    """The key of one result: case, mode, versions that matter for it (onnx_migrate only for ``migrate`` and
    ``port``, each with the code it runs; ``fingerprint`` names other onnx_migrate sources than the current ones)."""
    env = dict(environment())
    if mode == "port":
        env["onnx_migrate"] = onnx_migrate_version("port")
    if fingerprint is not None:
        env["onnx_migrate"] = f"{version('onnx-migrate')}+{fingerprint}"
    source = case_id.split("/", 1)[0]
    parts = [HARNESS_VERSION, case_id, mode] + [f"{n}={env[n]}" for n in CORE]
    parts.append(f"{LIBRARIES.get(source, source)}={env.get(LIBRARIES.get(source, ''), '-')}")
    if mode in ("migrate", "port"):
        parts.append(f"onnx_migrate={env['onnx_migrate']}")
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]
