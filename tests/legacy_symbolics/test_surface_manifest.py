"""The legacy API surface manifest matches onnx_migrate's modules and, while torch ships them, torch's legacy files.

Three promises are checked: every name marked implemented or aliased resolves
(aliased ones to the very object named); no name marked absent resolves, except
``not-built-in`` op symbolics, which the built-in library may add at any time;
and every name torch's legacy sources define is in the manifest, so a name torch
exposes and onnx_migrate forgets fails here.
"""

from __future__ import annotations

import types

import pytest
import torch
import torch.onnx
from _legacy_surface import class_members, legacy_dir, module_names

from surface_manifest import (
    PENDING_REASON,
    Status,
    Surface,
    load_manifest,
    quiet_removed_names,
    resolve_target,
)

from onnx_migrate.compat.install import install, is_installed, uninstall
from onnx_migrate.compat.removed_paths import DeprecatedModule

MANIFEST = load_manifest()
PLAIN_SURFACES = [s for s in MANIFEST.surfaces.values() if not s.installed]
INSTALLED_SURFACES = [s for s in MANIFEST.surfaces.values() if s.installed]
LEGACY_SURFACES = [s for s in MANIFEST.surfaces.values() if s.legacy]

requires_legacy_sources = pytest.mark.skipif(legacy_dir() is None, reason="torch no longer ships its legacy exporter")


@pytest.fixture(autouse=True)
def _never_left_installed():
    yield
    while is_installed():
        uninstall()


def _resolves(surface: Surface, name: str) -> bool:
    with quiet_removed_names():
        try:
            surface.resolve(name)
        except AttributeError:
            return False
    return True


def _is_ours(obj: object) -> bool:
    if isinstance(obj, DeprecatedModule):
        return True
    module = obj.__name__ if isinstance(obj, types.ModuleType) else getattr(obj, "__module__", "") or ""
    return module.startswith("onnx_migrate.")


def test_the_manifest_counts_every_status() -> None:
    """Test: the manifest loads, has every surface the issue names, and its counts add up."""
    counts = MANIFEST.counts()
    print("\n" + MANIFEST.summary())
    expected = {"symbolic_helper", "GraphContext", "JitScalarType", "torch_onnx", "jit_utils", "registration"}
    assert expected | {f"symbolic_opset{n}" for n in range(7, 21)} <= set(MANIFEST.surfaces)
    assert sum(counts.values()) == sum(len(s.entries) for s in MANIFEST.surfaces.values())
    assert counts[Status.IMPLEMENTED] > 500 and counts[Status.ALIASED] > 0 and counts[Status.ABSENT] > 0
    for entry in MANIFEST.entries():
        if entry.status is Status.ABSENT:
            assert entry.reason, f"{entry.surface}.{entry.name} is absent without a reason"
        if entry.status is Status.ALIASED:
            assert entry.target, f"{entry.surface}.{entry.name} is aliased without a target"


@pytest.mark.parametrize("surface", PLAIN_SURFACES, ids=lambda s: s.key)
def test_implemented_and_aliased_names_resolve(surface: Surface) -> None:
    """Test: implemented names exist on the stand-in; aliased ones are the very object they name."""
    missing = [e.name for e in surface.entries.values() if e.status is not Status.ABSENT and not _resolves(surface, e.name)]
    assert missing == [], f"{surface.title}: marked implemented/aliased but not served by {surface.ours}: {missing}"
    with quiet_removed_names():
        for entry in surface.entries.values():
            if entry.status is Status.ALIASED:
                assert surface.resolve(entry.name) is resolve_target(entry.target), f"{surface.key}.{entry.name}"


@pytest.mark.parametrize("surface", PLAIN_SURFACES, ids=lambda s: s.key)
def test_absent_names_do_not_resolve(surface: Surface) -> None:
    """Test: a name marked intentionally absent is really absent (not-built-in op symbolics may appear)."""
    served = [
        e.name
        for e in surface.entries.values()
        if e.status is Status.ABSENT and e.reason_key != PENDING_REASON and _resolves(surface, e.name)
    ]
    assert served == [], f"{surface.title}: marked absent but served by {surface.ours} (update the manifest): {served}"


def test_the_legacy_top_level_names_resolve_under_install() -> None:
    """Test: under install(), torch.onnx's legacy names are onnx_migrate's (removed modules as warning proxies)."""
    (surface,) = INSTALLED_SURFACES
    with install():
        for entry in surface.entries.values():
            if entry.status is Status.ABSENT:
                if _resolves(surface, entry.name):  # torch's own object may remain (producer_name)
                    with quiet_removed_names():
                        assert not _is_ours(surface.resolve(entry.name)), entry.name
                continue
            with quiet_removed_names():
                served = surface.resolve(entry.name)
            assert _is_ours(served), f"torch.onnx.{entry.name} is not onnx_migrate's under install(): {served!r}"
            if entry.status is Status.ALIASED:
                expected = resolve_target(entry.target)
                if isinstance(served, DeprecatedModule):
                    served = served._target()
                assert served is expected, f"torch.onnx.{entry.name}: {served!r} is not {entry.target}"


@requires_legacy_sources
@pytest.mark.parametrize("surface", LEGACY_SURFACES, ids=lambda s: s.key)
def test_every_name_torch_exposes_is_in_the_manifest(surface: Surface) -> None:
    """Test: the names torch's legacy source defines (module top level or class members) are all listed."""
    module, _, class_name = surface.legacy.partition(":")
    torch_names = class_members(module, class_name) if class_name else set(module_names(module))
    forgotten = sorted(torch_names - set(surface.entries))
    assert forgotten == [], (
        f"torch's legacy {surface.legacy} exposes names the manifest does not list: {forgotten}. "
        "Add each to tools/surface_manifest.toml as implemented, aliased or absent (with a reason)."
    )


@requires_legacy_sources
def test_op_symbolics_marked_implemented_are_the_builtins_for_that_aten_op() -> None:
    """Test: an implemented symbolic_opsetN name torch registered for aten::<name> is our aten::<name> built-in.

    The few helper names the views serve besides op symbolics (``_reshape_from_tensor`` ...) come from
    ``opset_view_extras``.
    """
    from onnx_migrate.legacy_symbolics._opset_views import builtin_symbolic_at
    from onnx_migrate.legacy_symbolics.opset_view_extras import view_extra_names

    for opset in range(7, 21):
        surface = MANIFEST.surfaces[f"symbolic_opset{opset}"]
        for name, legacy in module_names(f"symbolic_opset{opset}").items():
            entry = surface.entries[name]
            if entry.status is Status.IMPLEMENTED and f"aten::{name}" in legacy.registered_as:
                builtin = builtin_symbolic_at(name, opset)
                if builtin is None:
                    assert name in view_extra_names(opset), f"symbolic_opset{opset}.{name}"
                else:
                    assert surface.resolve(name) is builtin, f"symbolic_opset{opset}.{name}"


def test_pending_op_symbolics_are_reported() -> None:
    """Test: the not-built-in names are op symbolics of symbolic_opsetN; those the library now has are listed."""
    pending = [e for e in MANIFEST.entries() if e.pending]
    assert pending and all(e.surface.startswith("symbolic_opset") for e in pending)
    now_served = [f"{e.surface}.{e.name}" for e in pending if _resolves(MANIFEST.surfaces[e.surface], e.name)]
    print(f"\n{len(pending)} not-built-in op symbolics; {len(now_served)} now built in: {now_served}")


def test_torch_is_left_untouched_by_resolution() -> None:
    """Test: checking the plain surfaces never installs anything on torch.onnx."""
    for surface in PLAIN_SURFACES:
        for name in list(surface.entries)[:3]:
            _resolves(surface, name)
    assert not is_installed()
    assert not hasattr(torch.onnx, "SymbolicContext")
