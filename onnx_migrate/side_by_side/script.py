"""``check`` for a whole script: run it with onnx_migrate, then with torch's legacy exporter, and compare.

Why two runs rather than exporting twice inside one: legacy scripts bind
``torch.onnx.symbolic_helper`` (``parse_args``, ``_maybe_get_const`` ...) when
they are imported. Under :func:`onnx_migrate.install` those names are
onnx_migrate's, and a symbolic bound to them cannot run inside torch's
TorchScript exporter (and the other way round). So the script runs

1. with onnx_migrate installed (as ``onnx-migrate run`` runs it): each legacy
   ``torch.onnx.export`` call goes to onnx_migrate and writes its model where
   the script asked; the model and the example inputs are kept;
2. again, plain, with the same random state and the modules the first run
   imported afresh (user code wherever it lives, and installed modules that
   bound onnx_migrate's legacy names): each legacy call goes to torch's legacy
   exporter, into memory (the script's file keeps onnx_migrate's model).

Export number *i* of one run is paired with number *i* of the other. Weights
and example inputs are fingerprinted on both runs, so a script whose two runs
differ (randomness the check cannot reset) is flagged rather than blamed on
the exporter. With ``references`` (``--reference``), step 2 is replaced by the
saved models, and torch's legacy exporter is never called.
"""

from __future__ import annotations

import contextlib
import sys
import sysconfig
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import onnx
import torch
import torch.onnx

from onnx_migrate import _torch_compat
from onnx_migrate.compat import install as _install
from onnx_migrate.side_by_side.exports import CandidateHook, CapturedExport, ReferenceHook, export_hook
from onnx_migrate.side_by_side.legacy_reference import (
    LegacyExporter,
    LegacyExporterUnavailable,
    legacy_exporter,
    rng_snapshot,
)
from onnx_migrate.side_by_side.model_check import check_pair
from onnx_migrate.side_by_side.reference_file import ReferenceModelError, load_reference
from onnx_migrate.side_by_side.result import CheckResult
from onnx_migrate.compat.run import run_user_code
from onnx_migrate.legacy_symbolics.registry import SymbolicRegistry

__all__ = ["LEGACY_REFERENCE", "check_script"]

#: How the report names torch's legacy exporter as the reference.
LEGACY_REFERENCE = "torch legacy exporter"


def check_script(
    target: str,
    script_args: Sequence[str] = (),
    *,
    as_module: bool = False,
    references: Sequence[str | Path] | None = None,
    log: Callable[[str], None] | None = None,
) -> CheckResult:
    """Check every legacy export ``target`` makes (see the module docstring).

    Args:
        target: the script's path (or a module name with ``as_module``).
        script_args: the script's own arguments (its ``sys.argv[1:]``).
        as_module: run ``target`` like ``python -m``.
        references: saved models to compare with, one per export in call order;
            ``None`` uses torch's legacy exporter.
        log: receives one line per step (the CLI prints them to stderr).

    Returns:
        The :class:`CheckResult`; problems that stopped the check are in ``errors``.
    """
    say = log or (lambda line: None)
    result = CheckResult(script=target)
    if not as_module and not Path(target).is_file():
        result.errors.append(f"no such script: {target}")
        return result
    if _install.is_installed():
        result.errors.append(
            "onnx_migrate is installed in this process: the reference run needs plain torch. "
            "Call check_script outside install() (the onnx_migrate run installs it by itself)."
        )
        return result
    exporter: LegacyExporter | None = None
    saved: list[tuple[str, onnx.ModelProto]] = []
    try:
        if references:
            saved = [(str(path), load_reference(path)) for path in references]
        else:
            exporter = legacy_exporter()
    except (ReferenceModelError, LegacyExporterUnavailable) as exc:
        result.errors.append(str(exc))
        return result

    modules = _UserModules()
    with rng_snapshot() as restore_random_state, contextlib.ExitStack() as cleanup:
        cleanup.callback(modules.forget)
        say(f"running {target} with onnx_migrate")
        status, ours = _candidate_run(target, script_args, as_module)
        _script_status(result, status, ours.exports, "with onnx_migrate")
        result.skipped.extend(ours.skipped)
        if exporter is not None:
            modules.forget()
            restore_random_state()
            say(f"running {target} again with torch's legacy exporter (the reference)")
            status, theirs = _reference_run(exporter, target, script_args, as_module)
            _script_status(result, status, theirs.exports, "with torch's legacy exporter")
            _pair(result, theirs.exports, ours.exports)
        else:
            _pair_with_files(result, saved, ours.exports)
    if not ours.exports and not result.errors:
        skipped = f" ({len(result.skipped)} new-style call(s) left to torch's exporter)" if result.skipped else ""
        result.errors.append(f"{target} made no legacy torch.onnx.export call{skipped}: there is nothing to check.")
    return result


# -- the two runs --------------------------------------------------------------------------------


def _candidate_run(target: str, script_args: Sequence[str], as_module: bool) -> tuple[int, CandidateHook]:
    """The script under install; its registrations are undone afterwards."""
    with SymbolicRegistry.default().scope(), _install.install():
        hook = CandidateHook(torch.onnx.export)
        with export_hook(hook):
            status = run_user_code(target, list(script_args), as_module=as_module)
    return status, hook


def _reference_run(
    exporter: LegacyExporter, target: str, script_args: Sequence[str], as_module: bool
) -> tuple[int, ReferenceHook]:
    """The script on plain torch; what it registers with torch's legacy API is undone afterwards."""
    with _torch_registrations_restored():
        hook = ReferenceHook(exporter, torch.onnx.export)
        with export_hook(hook):
            status = run_user_code(target, list(script_args), as_module=as_module)
    return status, hook


def _script_status(result: CheckResult, status: int, exports: list[CapturedExport], run: str) -> None:
    """A non-zero exit is an error, unless an export raised and ended the script (that export says why)."""
    if status == 0:
        return
    if exports and exports[-1].error is not None:
        return
    result.errors.append(
        f"the script failed (exit status {status}) when run {run}; its traceback is above. "
        "Exports made before the failure are still compared."
    )


# -- pairing -------------------------------------------------------------------------------------


def _pair(result: CheckResult, reference: list[CapturedExport], candidate: list[CapturedExport]) -> None:
    for index in range(max(len(reference), len(candidate))):
        theirs = reference[index] if index < len(reference) else None
        ours = candidate[index] if index < len(candidate) else None
        result.models.append(check_pair(index + 1, theirs, ours, LEGACY_REFERENCE))


def _pair_with_files(
    result: CheckResult, saved: list[tuple[str, onnx.ModelProto]], candidate: list[CapturedExport]
) -> None:
    if candidate and len(saved) != len(candidate):
        result.errors.append(
            f"{len(saved)} reference model(s) given for {len(candidate)} export(s): give one --reference per "
            "export, in the order the script exports them."
        )
    for index, (ours, (path, proto)) in enumerate(zip(candidate, saved, strict=False)):
        theirs = CapturedExport(
            model=ours.model,
            destination=path,
            call_site=ours.call_site,
            keywords={},
            inputs=None,
            fingerprint=None,
            proto=proto,
        )
        result.models.append(check_pair(index + 1, theirs, ours, path))


# -- process hygiene between and after the runs -------------------------------------------------------------


#: Installed code lives here; a module from here is forgotten only when it bound onnx_migrate's legacy names.
_INSTALLED = frozenset({"site-packages", "dist-packages"})
_STDLIB = Path(sysconfig.get_paths()["stdlib"]).resolve()


def _binds_onnx_migrate(module: ModuleType) -> bool:
    """Whether a module's globals hold onnx_migrate objects: legacy names it bound under install."""
    for value in list(vars(module).values()):
        owner = value.__name__ if isinstance(value, ModuleType) else getattr(value, "__module__", None)
        if isinstance(owner, str) and owner.split(".")[0] == "onnx_migrate":
            return True
    return False


def _forgettable(name: str, module: object) -> bool:
    """A pure-Python module a run may have bound differently (or seeded the RNG on import)."""
    if name == "__main__" or name.split(".")[0] in {"onnx_migrate", "torch"} or not isinstance(module, ModuleType):
        return False
    file = getattr(module, "__file__", None)
    if not isinstance(file, str) or not file.endswith(".py"):
        return False  # extension modules cannot be imported twice
    path = Path(file).resolve()
    if _INSTALLED & set(path.parts):
        return _binds_onnx_migrate(module)
    return not path.is_relative_to(_STDLIB)


class _UserModules:
    """The modules a run imported, and a way to forget them so that the next run imports them afresh.

    Both runs must see the same weights and the right helper bindings. A module
    binds ``torch.onnx.symbolic_helper`` & co. when imported, and may seed the
    random generator then: so every pure-Python module the run imported from
    the user's code (the script's folder, ``PYTHONPATH``, any folder outside the
    standard library and installed packages) is forgotten, and so is an
    installed module that bound onnx_migrate's legacy names (onnxruntime's
    ``pytorch_export_contrib_ops`` binds ``symbolic_helper`` at import).
    """

    def __init__(self) -> None:
        self.preloaded = set(sys.modules)

    def forget(self) -> None:
        for name in set(sys.modules) - self.preloaded:
            module = sys.modules.get(name)
            if not _forgettable(name, module):
                continue
            sys.modules.pop(name, None)
            # `from package import module` takes the package's attribute when it is there.
            parent_name, _, leaf = name.rpartition(".")
            parent = sys.modules.get(parent_name)
            if parent is not None and getattr(parent, leaf, None) is module:
                with contextlib.suppress(AttributeError):
                    delattr(parent, leaf)


@contextlib.contextmanager
def _torch_registrations_restored() -> Iterator[None]:
    """Undo, on exit, what the block registered with torch's legacy ``register_custom_op_symbolic``."""
    before = {(name, opset): fn for name, opset, fn in _torch_compat.legacy_custom_symbolics()}
    try:
        yield
    finally:
        after = {(name, opset): fn for name, opset, fn in _torch_compat.legacy_custom_symbolics()}
        namespace: dict[str, Any] = vars(torch.onnx)
        register, unregister = (
            namespace.get("register_custom_op_symbolic"),
            namespace.get("unregister_custom_op_symbolic"),
        )
        for (name, opset), fn in after.items():
            with contextlib.suppress(Exception):  # best effort: a leftover only affects later exports in-process
                if (name, opset) not in before and unregister is not None:
                    unregister(name, opset)
                elif before.get((name, opset)) is not fn and register is not None:
                    register(name, before[(name, opset)], opset)
