"""``onnx_migrate.porting()``: record, write, verify; and the summary ``onnx-migrate port`` prints.

1. **Record.** The script (or callable) runs under :func:`onnx_migrate.install`;
   every custom symbolic call of its legacy exports is recorded.
2. **Write.** The module is planned (:mod:`~onnx_migrate.porting.planning`), rendered
   and written atomically; nothing is written when nothing can be ported.
3. **Verify.** The script runs again; each export is repeated by torch's new
   exporter with the written module and compared
   (:mod:`~onnx_migrate.porting.verification`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import importlib.util
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from onnx_migrate.compat.symbolic_recording import SymbolicRecorder, recording
from onnx_migrate.errors import PortError
from onnx_migrate.porting.module_text import render_module
from onnx_migrate.porting.planning import GENERAL, NEEDS_ATTENTION, PortedSymbolic, module_namespace, plan_module
from onnx_migrate.porting.verification import ExportCheck, Verifier

__all__ = ["NOT_VERIFIED", "PortResult", "port"]

#: The status of a symbolic no export of the verification run proved (or one torch could not export at all).
NOT_VERIFIED = "not verified"

Target = str | os.PathLike[str] | Callable[[], Any]


@dataclasses.dataclass
class PortResult:
    """What ``port`` wrote and found.

    Attributes:
        output: the module written.
        symbolics: each ported symbolic with its status.
        checks: each export compared in the verification run.
    """

    output: Path
    symbolics: list[PortedSymbolic]
    checks: list[ExportCheck]

    @property
    def ok(self) -> bool:
        """Every symbolic verified."""
        return all(p.status.startswith("verified") for p in self.symbolics)

    def counts(self) -> dict[str, int]:
        counted: dict[str, int] = {}
        for ported in self.symbolics:
            counted[ported.status] = counted.get(ported.status, 0) + 1
        return counted

    def summary(self) -> str:
        """The text ``onnx-migrate port`` prints."""
        lines = [f"onnx-migrate port: wrote {self.output} ({len(self.symbolics)} symbolic(s) ported)"]
        for ported in self.symbolics:
            lines.append(f"  {ported.status:<30} {ported.key}  <- {ported.origin} ({ported.location})")
            if ported.kind != GENERAL and ported.kind != NEEDS_ATTENTION and ported.specializations:
                lines.append(f"  {'':<30}   specialized ({ported.reason}) on:")
                lines.extend(f"  {'':<30}     {s or 'no arguments'}" for s in ported.specializations)
            if ported.detail:
                lines.append(f"  {'':<30}   {ported.detail}")
        equal = sum(1 for c in self.checks if c.ok)
        lines.append(
            f"exports compared with torch.onnx.export(dynamo=True) and the written module: {len(self.checks)}, "
            f"{equal} equal (custom nodes and their attributes, ONNX Runtime outputs where it runs them)"
        )
        for check in self.checks:
            outcome = f"equal; numbers {check.numbers}" if check.ok else f"DIFFERENT: {check.detail}"
            lines.append(f"  export {check.index + 1} ({', '.join(check.keys)}): {outcome}")
        return "\n".join(lines)


def _check_output(output: str | os.PathLike[str]) -> Path:
    path = Path(output)
    if path.suffix != ".py":
        raise PortError(f"The output {str(path)!r} must be a Python file (name it like translations.py).")
    if path.is_dir():
        raise PortError(f"Cannot write {str(path)!r}: it is a directory. Give a file path such as {str(path / 'translations.py')!r}.")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise PortError(f"Cannot write {str(path)!r}: the folder {str(parent)!r} does not exist. Create it first.")
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise PortError(f"Cannot write {str(path)!r}: {'the file' if path.exists() else 'its folder'} is not writable.")
    if not path.stem.isidentifier():
        raise PortError(f"The output {str(path)!r} must be importable: name it with a Python identifier (translations.py).")
    return path


def _run_target(target: Target, script_args: Sequence[str], as_module: bool, recorder: SymbolicRecorder) -> None:
    from onnx_migrate.compat import install as _install
    from onnx_migrate.compat.run import run_user_code

    with _install.install(), recording(recorder):
        if callable(target):
            target()
            return
        status = run_user_code(os.fspath(target), list(script_args), as_module=as_module)
    if status != 0:
        raise PortError(f"The script {os.fspath(target)!r} exited with status {status}; fix it first (nothing was written).")


def _write_atomically(path: Path, text: str) -> None:
    compile(text, str(path), "exec")  # a generated module that does not compile is our bug: never write it
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent if str(path.parent) else ".")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _load(path: Path) -> ModuleType:
    name = f"_onnx_migrate_ported_{path.stem}_{abs(hash(str(path.resolve()))) % 10**8}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _describe(target: Target, script_args: Sequence[str]) -> str:
    """How messages and the written module name what ran: the callable's name, or the command line."""
    if callable(target):
        return getattr(target, "__qualname__", repr(target))
    return " ".join([os.fspath(target), *script_args])


def _docstring(target: Target, script_args: Sequence[str], module_name: str, symbolics: list[PortedSymbolic], exports: list[Any]) -> str:
    """The written module's docstring: where it came from, what it ports, and the call that uses it."""
    source = _describe(target, script_args)
    lines = [
        "Translations of legacy symbolics for torch.onnx.export(..., dynamo=True).",
        "",
        f"Written by `onnx-migrate port` on {datetime.date.today().isoformat()} from: {source}",
        "This module is yours: it needs torch, onnx, onnxscript, onnx_ir and numpy, not onnx_migrate.",
        "",
        "Ported symbolics (see each function's comment):",
        *(f"    {p.key}: {p.kind}, from {p.origin} ({p.location})" for p in symbolics),
        "",
        "Use it where the script called the legacy exporter:",
        "",
        f"    import {module_name}",
        f"    {module_name}.export(model, args, \"model.onnx\", opset_version=..., input_names=..., dynamic_axes=...)",
        "",
        "which is torch.onnx.export(model, args, f, dynamo=True, custom_translation_table=custom_translation_table)",
        "inside ported_autograd_functions() (it points each ported autograd.Function's apply at its custom op).",
    ]
    for record in exports:
        keywords = ", ".join(f"{k}={v!r}" for k, v in record.keywords.items() if k != "custom_opsets")
        lines.append(f"The script's export {record.index + 1}: export(model, args, {record.destination!r}, {keywords})")
    return "\n".join(lines)


def port(
    target: Target,
    output: str | os.PathLike[str],
    *,
    script_args: Sequence[str] = (),
    as_module: bool = False,
    verify: bool = True,
) -> PortResult:
    """Port the custom symbolics ``target`` uses into the module ``output``, and verify it.

    Args:
        target: a script path (run as ``__main__`` with ``script_args``), a module name
            (``as_module=True``) or a callable that makes the legacy exports.
        output: the Python file to write (``translations.py``).
        verify: export each model again with torch's new exporter and the written module, and compare.

    Raises:
        PortError: the output is unwritable, the script fails, or no custom symbolic ran
            (nothing is written then).
    """
    path = _check_output(output)
    recorder = SymbolicRecorder()
    _run_target(target, script_args, as_module, recorder)
    if not recorder.uses:
        raise PortError(
            f"No custom symbolic ran while {_describe(target, script_args)!r} "
            "exported: there is nothing to port (nothing was written). port translates the functions registered "
            "with torch.onnx.register_custom_op_symbolic and autograd.Function.symbolic that an export calls."
        )
    plan, symbolics = plan_module(recorder.uses, recorder.exports, namespace=module_namespace(path), docstring="")
    plan.docstring = _docstring(target, script_args, path.stem, symbolics, recorder.exports)
    _write_atomically(path, render_module(plan))
    result = PortResult(path, symbolics, [])
    if verify:
        result.checks = _verify(target, script_args, as_module, path, symbolics)
    _settle(result)
    return result


def _verify(target: Target, script_args: Sequence[str], as_module: bool, path: Path, symbolics: list[PortedSymbolic]) -> list[ExportCheck]:
    module = _load(path)
    recorder = SymbolicRecorder()
    verifier = Verifier(module, path, recorder, {p.function_name: p.key for p in symbolics})
    recorder.after_export = verifier
    _run_target(target, script_args, as_module, recorder)
    return verifier.checks


def _settle(result: PortResult) -> None:
    """Each symbolic's status from its kind and the checks of the exports that used it."""
    text = result.output.read_text(encoding="utf-8").splitlines()
    for ported in result.symbolics:
        if ported.kind == NEEDS_ATTENTION:
            ported.status, ported.detail = NEEDS_ATTENTION, f"{ported.reason} ({ported.location})"
            continue
        mine = [c for c in result.checks if ported.key in c.keys]
        failed = [c for c in mine if not c.ok and (not c.blamed or ported.key in c.blamed)]
        if failed:
            check = failed[0]
            if check.outside_written_code:
                # torch's exporter failed before or around the translation (torch.export could not capture the
                # model, say): nothing in the module to edit, and nothing proven about it either.
                ported.status = NOT_VERIFIED
                ported.detail = f"export {check.index + 1}: torch.onnx.export(dynamo=True) failed outside the written functions: {check.detail}"
            else:
                line = check.generated_line or _def_line(text, ported.function_name)
                ported.status = NEEDS_ATTENTION
                ported.detail = f"edit {result.output}:{line}: export {check.index + 1}: {check.detail}"
        elif not mine:
            ported.status = NOT_VERIFIED
            ported.detail = "no export of the verification run used it"
        else:
            ported.status = "verified" if ported.kind == GENERAL else "verified with specialization"


def _def_line(lines: list[str], name: str) -> int:
    for number, line in enumerate(lines, 1):
        if line.startswith(f"def {name}("):
            return number
    return 1
