"""Run both models in ONNX Runtime on the same inputs and measure how far their outputs are apart.

The inputs are the ones the export was called with; when a model has dynamic
dims, a second run uses inputs of another size along them (built by repeating
the example data, so token ids and masks stay valid values).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import onnx

from onnx_migrate.compat import verify as _verify
from onnx_migrate.side_by_side.result import NumericRun, OutputDiff

__all__ = ["compare_numbers", "other_size_inputs"]


def compare_numbers(
    reference: onnx.ModelProto, candidate: onnx.ModelProto, example_inputs: list[np.ndarray]
) -> list[NumericRun]:
    """One run on the example inputs and, if the candidate has dynamic input dims, one at other sizes."""
    runs = [_run_both("example inputs", reference, candidate, example_inputs)]
    resized = other_size_inputs(candidate, example_inputs)
    if resized is not None:
        label, arrays = resized
        runs.append(_run_both(label, reference, candidate, arrays))
    return runs


def other_size_inputs(model: onnx.ModelProto, arrays: Sequence[np.ndarray]) -> tuple[str, list[np.ndarray]] | None:
    """Inputs grown along the model's dynamic dims, with a label such as ``"other sizes (batch 2->3)"``.

    Dims sharing a name grow together. Returns ``None`` when no input dim is dynamic.
    """
    inputs = _fed_inputs(model)
    if len(inputs) != len(arrays):
        return None
    new_sizes: dict[str, int] = {}
    plan: list[list[tuple[int, int]]] = []
    for value, array in zip(inputs, arrays, strict=True):
        axes: list[tuple[int, int]] = []
        dims = value.type.tensor_type.shape.dim if value.type.HasField("tensor_type") else []
        if len(dims) != array.ndim:
            plan.append([])
            continue
        for axis, dim in enumerate(dims):
            if dim.HasField("dim_value"):
                continue
            key = dim.dim_param or f"{value.name}:{axis}"
            size = new_sizes.setdefault(key, _grown(array.shape[axis]))
            axes.append((axis, size))
        plan.append(axes)
    if not any(plan):
        return None
    grown = []
    for array, axes in zip(arrays, plan, strict=True):
        for axis, size in axes:
            array = np.take(array, np.arange(size) % max(array.shape[axis], 1), axis=axis)
        grown.append(array)
    changes = []
    for value, array, axes in zip(inputs, arrays, plan, strict=True):
        for axis, size in axes:
            dim = value.type.tensor_type.shape.dim[axis]
            change = f"{dim.dim_param or value.name + '[' + str(axis) + ']'} {array.shape[axis]}->{size}"
            if change not in changes:
                changes.append(change)
    return f"other sizes ({', '.join(changes)})", grown


def _grown(size: int) -> int:
    return size + 1 if size >= 2 else 3


def _fed_inputs(model: onnx.ModelProto) -> list[onnx.ValueInfoProto]:
    initializers = {init.name for init in model.graph.initializer}
    return [v for v in model.graph.input if v.name not in initializers]


def _feeds(model: onnx.ModelProto, arrays: Sequence[np.ndarray]) -> dict[str, np.ndarray]:
    """Arrays by the model's input names (by position), cast to the element type each input declares."""
    inputs = _fed_inputs(model)
    if len(inputs) != len(arrays):
        raise ValueError(
            f"the model has {len(inputs)} input(s) to feed but the export was called with {len(arrays)} tensor(s)"
        )
    feeds = {}
    for value, array in zip(inputs, arrays, strict=True):
        elem_type = value.type.tensor_type.elem_type if value.type.HasField("tensor_type") else 0
        if elem_type:
            array = array.astype(onnx.helper.tensor_dtype_to_np_dtype(elem_type), copy=False)
        feeds[value.name] = array
    return feeds


def _run(model: onnx.ModelProto, arrays: Sequence[np.ndarray]) -> list[np.ndarray] | str:
    """The outputs, or a one-line reason why ONNX Runtime could not run the model."""
    try:
        return _verify.run_onnxruntime(model, _feeds(model, arrays))
    except Exception as exc:  # noqa: BLE001 - ORT's errors are reported, not raised: the other side may still run
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        return f"{type(exc).__name__}: {first_line}"[:400]


def _run_both(
    label: str, reference: onnx.ModelProto, candidate: onnx.ModelProto, arrays: list[np.ndarray]
) -> NumericRun:
    run = NumericRun(label=label, input_shapes=[tuple(int(d) for d in a.shape) for a in arrays])
    expected = _run(reference, arrays)
    actual = _run(candidate, arrays)
    if isinstance(expected, str):
        run.reference_error = expected
    if isinstance(actual, str):
        run.candidate_error = actual
    if isinstance(expected, str) or isinstance(actual, str):
        return run
    if len(expected) != len(actual):
        run.candidate_error = f"onnx_migrate's model returns {len(actual)} outputs, the reference {len(expected)}"
        return run
    names = [o.name for o in candidate.graph.output]
    for index, (want, got) in enumerate(zip(expected, actual, strict=True)):
        name = names[index] if index < len(names) else f"output {index}"
        run.outputs.append(_diff(name, np.asarray(want), np.asarray(got)))
    return run


def _diff(name: str, want: np.ndarray, got: np.ndarray) -> OutputDiff:
    atol, rtol = _verify.tolerance_for(want.dtype)
    if want.shape != got.shape:
        return OutputDiff(name, float("inf"), float("inf"), atol, rtol, False, want.shape, got.shape)
    a, b = want.astype(np.float64), got.astype(np.float64)
    both_nan = np.isnan(a) & np.isnan(b)
    with np.errstate(invalid="ignore"):
        diff = np.where((a == b) | both_nan, 0.0, np.abs(a - b))  # equal infinities count as equal
    diff = np.where(np.isnan(diff), np.inf, diff)  # NaN on one side only
    max_abs = float(diff.max()) if diff.size else 0.0
    finite = np.abs(a[np.isfinite(a)])
    scale = float(finite.max()) if finite.size else 0.0
    max_rel = max_abs / scale if scale else max_abs
    ok = max_abs <= atol + rtol * scale
    return OutputDiff(name, max_abs, max_rel, atol, rtol, ok, tuple(want.shape), tuple(got.shape))
