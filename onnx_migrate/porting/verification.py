"""Prove the generated module right: each export again, by torch's new exporter with the generated table.

The script runs a second time under ``install()``. After each of its exports
(made by onnx_migrate, exactly as in the first run, inside whatever context the
library set up: quantization export modes, patched forwards ...), the same
model and inputs are exported by ``torch.onnx.export(..., dynamo=True)`` through
the generated module's ``export()``, in memory. The two models are compared as
``onnx-migrate check`` compares: the custom-domain nodes with their attributes
must be the same multiset, and where ONNX Runtime runs onnx_migrate's model it
must run the new one to the same numbers.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import traceback
import warnings
from pathlib import Path
from types import ModuleType
from typing import Any

from onnx_migrate.compat.logs import quiet_loggers
from onnx_migrate.compat.symbolic_recording import SymbolicRecorder
from onnx_migrate.side_by_side.compare import compare_models
from onnx_migrate.side_by_side.exports import example_arrays

__all__ = ["ExportCheck", "Verifier"]


@dataclasses.dataclass
class ExportCheck:
    """One export compared.

    Attributes:
        index: which export of the run.
        keys: the ported symbolics it used.
        ok: custom nodes equal and numbers equal where compared.
        detail: what differed, or the new exporter's error.
        numbers: how the numbers went (``"equal"``, ``"not compared: ..."``, ``"different: ..."``).
        blamed: the symbolics an error points at (a generated function in its traceback).
        generated_line: the line of the generated module the error points at.
        error: the new exporter raised (``detail`` holds the innermost message).
    """

    index: int
    keys: list[str]
    ok: bool
    detail: str = ""
    numbers: str = ""
    blamed: list[str] = dataclasses.field(default_factory=list)
    generated_line: int | None = None
    error: bool = False

    @property
    def outside_written_code(self) -> bool:
        """The new exporter raised, but not in a written function (so not on anything ``port`` wrote)."""
        return not self.ok and self.error and not self.blamed and self.generated_line is None


#: What torch's exporter and torch.export log while port's verification runs them (fallbacks it handles).
_EXPORTER_LOGGERS = ("torch.onnx", "onnxscript", "torch.export", "torch._export", "torch.fx.experimental.symbolic_shapes")

#: Frames of the written module that run a custom op (an autograd.Function's forward, its fake implementation).
_CUSTOM_OP_FRAMES = frozenset({"_run_function", "_function_class", "_"})


class Verifier:
    """The ``after_export`` observer of the verification run."""

    def __init__(self, module: ModuleType, module_path: Path, recorder: SymbolicRecorder, functions: dict[str, str]) -> None:
        """``functions``: generated function name -> the key of the symbolic it translates."""
        self.module = module
        self.module_path = module_path.resolve()
        self.recorder = recorder
        self.functions = functions
        self.checks: list[ExportCheck] = []

    def __call__(self, model: Any, args: tuple[Any, ...], kwargs: dict[str, Any], keywords: dict[str, Any], result: Any) -> None:
        index = self.recorder.exports[-1].index if self.recorder.exports else len(self.checks)
        keys = sorted({u.qualified for u in self.recorder.uses if u.export_index == index})
        if not keys:
            return  # an export with no custom symbolic proves nothing about the module
        check = ExportCheck(index, keys, ok=False)
        self.checks.append(check)
        try:
            candidate = self._export(model, args, kwargs, keywords)
        except Exception as exc:  # noqa: BLE001 - any failure of the new exporter is the finding
            check.error = True
            check.detail = _first_line(exc)
            check.blamed, check.generated_line = self._blame(exc)
            return
        reference = result.model_proto
        comparison = compare_models(reference, candidate, example_arrays(args, kwargs))
        if comparison.reference_custom_nodes != comparison.candidate_custom_nodes:
            want = ", ".join(n.text() for n in comparison.reference_custom_nodes) or "none"
            got = ", ".join(n.text() for n in comparison.candidate_custom_nodes) or "none"
            check.detail = f"custom nodes differ: onnx_migrate has {want}; the new exporter has {got}"
            return
        check.numbers, numbers_ok = _numbers(comparison.numbers)
        check.ok = numbers_ok
        if not numbers_ok:
            check.detail = check.numbers

    def _export(self, model: Any, args: tuple[Any, ...], kwargs: dict[str, Any], keywords: dict[str, Any]) -> Any:
        options = {k: v for k, v in keywords.items() if k in ("opset_version", "input_names", "output_names", "dynamic_axes")}
        with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()), quiet_loggers(*_EXPORTER_LOGGERS):
            warnings.simplefilter("ignore")
            program = self.module.export(model, tuple(args), kwargs=dict(kwargs) or None, verbose=False, **options)
        return program.model_proto

    def _blame(self, exc: BaseException) -> tuple[list[str], int | None]:
        """The symbolics whose generated functions appear in the error's traceback (innermost last)."""
        blamed: list[str] = []
        line = None
        seen: set[int] = set()
        current: BaseException | None = exc
        while current is not None and id(current) not in seen:
            seen.add(id(current))
            for frame in traceback.extract_tb(current.__traceback__):
                if Path(frame.filename).resolve() != self.module_path:
                    continue
                # Only a written function's own frames point at code to edit: export() and
                # ported_autograd_functions() merely call torch.
                key = self.functions.get(frame.name) or self.functions.get(frame.name.lstrip("_").rsplit("_", 1)[0])
                if key is None and frame.name not in _CUSTOM_OP_FRAMES:
                    continue
                if key is not None and key not in blamed:
                    blamed.append(key)
                line = frame.lineno
            current = current.__cause__ or current.__context__
        return blamed, line


def _numbers(runs: list[Any]) -> tuple[str, bool]:
    compared = [run for run in runs if run.compared]
    for run in runs:
        if run.reference_error is None and run.candidate_error is not None:
            return f"onnx_migrate's model runs in ONNX Runtime ({run.label}), the new one does not: {run.candidate_error}", False
    for run in compared:
        bad = [o for o in run.outputs if not o.ok]
        if bad:
            return f"different numbers ({run.label}): " + "; ".join(o.text() for o in bad[:3]), False
    if compared:
        return f"equal in ONNX Runtime ({', '.join(run.label for run in compared)})", True
    reason = next((run.reference_error or run.skipped for run in runs if run.reference_error or run.skipped), "no run")
    return f"not compared: ONNX Runtime cannot run the model ({reason})", True


def _first_line(exc: BaseException) -> str:
    """The innermost message of a chain of wrapped exceptions (torch wraps translation errors twice)."""
    messages = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        text = str(current).strip()
        if text:
            messages.append(f"{type(current).__name__}: {text.splitlines()[0]}")
        current = current.__cause__ or current.__context__
    return (messages[-1] if messages else type(exc).__name__)[:500]
