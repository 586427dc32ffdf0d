"""ONNX Runtime outputs vs eager PyTorch for one exported file and one set of inputs."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["flat_tensors", "compare_with_eager", "ort_fingerprint", "run_eager", "same_fingerprint"]


def flat_tensors(value: Any) -> list[Any]:
    """The tensors of a (nested) value in the order the legacy exporter flattens them."""
    import torch
    from torch.utils import _pytree

    return [leaf for leaf in _pytree.tree_leaves(value) if isinstance(leaf, torch.Tensor)]


def run_eager(model: Any, args: tuple[Any, ...]) -> list[np.ndarray]:
    """The model's outputs on ``args`` (trailing dict = keyword arguments), as numpy arrays."""
    import torch

    positional, keywords = (args[:-1], args[-1]) if args and isinstance(args[-1], dict) else (args, {})
    with torch.no_grad():
        out = model(*positional, **keywords)
    return [t.detach().cpu().numpy() for t in flat_tensors(out)]


def _feed(session: Any, args: tuple[Any, ...], input_names: list[str] | None) -> dict[str, np.ndarray]:
    tensors = [t.detach().cpu().numpy() for t in flat_tensors(args)]
    graph_inputs = [i.name for i in session.get_inputs()]
    if input_names and len(input_names) >= len(tensors):
        by_name = dict(zip(input_names, tensors))
        missing = [name for name in graph_inputs if name not in by_name]
        if not missing:
            return {name: by_name[name] for name in graph_inputs}
    if len(graph_inputs) != len(tensors):
        raise ValueError(f"graph has {len(graph_inputs)} inputs {graph_inputs}, the call {len(tensors)} tensors")
    return dict(zip(graph_inputs, tensors))


def compare_with_eager(
    path: str, args: tuple[Any, ...], expected: list[np.ndarray], input_names: list[str] | None,
    rtol: float, atol: float,
) -> dict[str, Any]:
    """``{"ok": bool, "detail": str, "max_abs_err": float}`` for ORT on ``path`` vs ``expected``."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    try:
        session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
    except Exception as error:  # noqa: BLE001 - the message is the result
        return {"ok": False, "detail": f"ORT cannot load the model: {_first_line(error)}", "max_abs_err": None}
    try:
        outputs = session.run(None, _feed(session, args, input_names))
    except Exception as error:  # noqa: BLE001
        return {"ok": False, "detail": f"ORT run failed: {_first_line(error)}", "max_abs_err": None}
    return _compare_outputs(outputs, expected, rtol, atol)


def _compare_outputs(outputs: list[Any], expected: list[np.ndarray], rtol: float, atol: float) -> dict[str, Any]:
    notes: list[str] = []
    if len(outputs) != len(expected):
        notes.append(f"{len(outputs)} ONNX outputs vs {len(expected)} eager tensors")
    worst = 0.0
    for index, (got, want) in enumerate(zip(outputs, expected)):
        got = np.asarray(got)
        if got.shape != want.shape:
            return {"ok": False, "detail": f"output {index}: shape {list(got.shape)} vs eager {list(want.shape)}",
                    "max_abs_err": None}
        if want.size == 0:
            continue
        got64, want64 = got.astype(np.float64), want.astype(np.float64)
        error = float(np.nanmax(np.abs(got64 - want64))) if want.size else 0.0
        if np.isnan(got64).any() != np.isnan(want64).any():
            return {"ok": False, "detail": f"output {index}: NaN pattern differs", "max_abs_err": error}
        worst = max(worst, error)
        scale = float(np.nanmax(np.abs(want64))) if want.size else 0.0
        if not np.allclose(got64, want64, rtol=rtol, atol=atol * max(1.0, scale), equal_nan=True):
            return {"ok": False, "detail": f"output {index}: max abs error {error:.3g} (scale {scale:.3g})",
                    "max_abs_err": error}
    if len(outputs) < len(expected):
        return {"ok": False, "detail": "; ".join(notes), "max_abs_err": worst}
    return {"ok": True, "detail": "; ".join(notes), "max_abs_err": worst}


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return (text[0] if text else type(error).__name__)[:300]


#: How many leading values of each output the fingerprint keeps (with the mean, std and shape of all).
_SAMPLE = 2048


def ort_fingerprint(path: str, args: tuple[Any, ...], input_names: list[str] | None) -> dict[str, Any]:
    """What ONNX Runtime computes on the example inputs, compact enough for a result file.

    For cases whose eager outputs cannot be compared (a library's exporter switches the
    model to an export-only form), ours and the legacy exporter's files are compared with
    each other instead: both modes build the same seeded model and run the same inputs.
    """
    import onnxruntime as ort

    try:
        session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        outputs = session.run(None, _feed(session, args, input_names))
    except Exception as error:  # noqa: BLE001 - recorded, judged as "could not check"
        return {"error": _first_line(error)}
    return {
        "outputs": [
            {
                "shape": list(np.shape(o)),
                "mean": float(np.mean(o)) if np.size(o) else 0.0,
                "std": float(np.std(o)) if np.size(o) else 0.0,
                "head": np.asarray(o, dtype=np.float64).ravel()[:_SAMPLE].round(6).tolist(),
            }
            for o in outputs
        ]
    }


def same_fingerprint(a: dict[str, Any] | None, b: dict[str, Any] | None, rtol: float = 1e-3, atol: float = 1e-4) -> bool | None:
    """``True``/``False`` when both fingerprints exist; ``None`` when either is missing or failed."""
    if not a or not b or "outputs" not in a or "outputs" not in b:
        return None
    if len(a["outputs"]) != len(b["outputs"]):
        return False
    for x, y in zip(a["outputs"], b["outputs"]):
        if x["shape"] != y["shape"]:
            return False
        if not np.allclose(x["head"], y["head"], rtol=rtol, atol=atol):
            return False
        if not np.allclose([x["mean"], x["std"]], [y["mean"], y["std"]], rtol=rtol, atol=atol):
            return False
    return True
