"""Custom vs built-in is decided exactly as torch's legacy registry decided it.

The registry keeps the legacy library's opset keys as generated data
(``legacy_opsets.py``, written by ``tools/gen_legacy_opsets.py`` with ``ast``).
These tests prove, where torch still ships the legacy exporter, that

* the committed data is what the generator reads from the installed torch, and
  what torch's own registry holds once its symbolic modules are imported;
* for every legacy name, every custom opset 1-23 and every target 7-23, a custom
  registration serves the target in onnx_migrate exactly when it does in torch's
  registry, and when the built-in wins it is our best built-in for the target.

Pure registry calls: no export runs, so the walk takes seconds.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import importlib.util
import pathlib
import types
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

from onnx_migrate.legacy_symbolics.legacy_opsets import LEGACY_OPSETS
from onnx_migrate.legacy_symbolics.registry import MAX_OPSET, SymbolicRegistry, dispatch_opset_version

CUSTOM_OPSETS = range(1, MAX_OPSET + 1)
TARGETS = range(7, MAX_OPSET + 1)
_LEGACY_PACKAGE = "torch.onnx._internal.torchscript_exporter"
_GENERATOR = pathlib.Path(__file__).resolve().parents[2] / "tools" / "gen_legacy_opsets.py"


def _custom(g: Any, *args: Any, **kwargs: Any) -> str:
    return "custom"


@functools.cache
def _generator() -> types.ModuleType:
    spec = importlib.util.spec_from_file_location("gen_legacy_opsets", _GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _legacy_registry() -> Any:
    """torch's legacy registry with every built-in registered (the reference), or skip."""
    if _generator().legacy_dir() is None:
        pytest.skip("torch no longer ships the TorchScript exporter (the reference)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        registration = importlib.import_module(f"{_LEGACY_PACKAGE}.registration")
        for path in sorted(_generator().legacy_dir().glob("symbolic_opset*.py")):
            importlib.import_module(f"{_LEGACY_PACKAGE}.{path.stem}")
    return registration.registry


@pytest.fixture(scope="module")
def ours() -> SymbolicRegistry:
    return SymbolicRegistry.with_builtins()


@pytest.mark.legacy_reference
def test_committed_data_is_what_the_generator_reads_from_torch() -> None:
    directory = _generator().legacy_dir()
    if directory is None:
        pytest.skip("torch no longer ships the TorchScript exporter's sources")
    assert _generator().collect(directory) == LEGACY_OPSETS, "run tools/gen_legacy_opsets.py"


@pytest.mark.legacy_reference
def test_committed_data_is_torch_registry_content() -> None:
    legacy = _legacy_registry()
    # Only built-in keys: other tests may leave custom-only groups in torch's process-wide registry.
    groups = {name: legacy.get_function_group(name)._functions._base for name in legacy.all_functions()}
    live = {name: tuple(sorted(base)) for name, base in groups.items() if base}
    assert live == LEGACY_OPSETS


@contextlib.contextmanager
def _legacy_custom(legacy: Any, name: str, opset: int) -> Iterator[Any]:
    """:func:`_custom` registered for ``name`` at ``opset`` in torch's registry; its group. Undone after."""
    group = legacy.get_function_group(name)
    previous = group._functions._overrides.get(opset)
    legacy.register(name, opset, _custom, custom=True)
    try:
        yield group
    finally:
        group._functions.remove_override(opset)
        if previous is not None:
            legacy.register(name, opset, previous, custom=True)


def _check_name(ours: SymbolicRegistry, legacy: Any, name: str) -> list[str]:
    """Every (custom opset, target) where onnx_migrate's choice differs from legacy's, described."""
    group = ours.get_function_group(name)
    builtin_keys = group.builtin_opsets() if group is not None else set()
    problems = []
    for custom_opset in CUSTOM_OPSETS:
        with _legacy_custom(legacy, name, custom_opset) as legacy_group, ours.scope():
            ours.register(name, custom_opset, _custom, custom=True)
            for target in TARGETS:
                legacy_fn = legacy_group.get(target)
                entry = ours.lookup(name, target).entry
                ours_custom = entry is not None and entry.custom
                legacy_custom = legacy_fn is _custom
                best_builtin = dispatch_opset_version(target, builtin_keys)
                if legacy_fn is not None and not legacy_custom and best_builtin is None:
                    # Legacy ran a built-in we do not have at this target: the custom is all there is.
                    expected_custom = dispatch_opset_version(target, {custom_opset}) is not None
                else:
                    expected_custom = legacy_custom
                if ours_custom != expected_custom or (not ours_custom and entry and entry.opset != best_builtin):
                    problems.append(f"{name} custom@{custom_opset} target {target}: ours {entry}, legacy {legacy_fn}")
    return problems


@pytest.mark.legacy_reference
def test_custom_vs_builtin_matches_legacy_for_every_legacy_name(ours: SymbolicRegistry) -> None:
    legacy = _legacy_registry()
    problems = [problem for name in LEGACY_OPSETS for problem in _check_name(ours, legacy, name)]
    assert not problems, f"{len(problems)} differences, e.g. {problems[:5]}"


def test_no_builtin_key_beats_a_custom_for_names_legacy_lacked(ours: SymbolicRegistry) -> None:
    names = sorted(ours.all_functions() - set(LEGACY_OPSETS))
    assert names, "the library has built-ins beyond legacy's (e.g. aten::scaled_dot_product_attention variants)"
    for name in names:
        for custom_opset in CUSTOM_OPSETS:
            with ours.scope():
                ours.register(name, custom_opset, _custom, custom=True)
                for target in TARGETS:
                    entry = ours.lookup(name, target).entry
                    if dispatch_opset_version(target, {custom_opset}) is not None:
                        assert entry is not None and entry.custom, (name, custom_opset, target)
                    else:
                        assert entry is None or not entry.custom, (name, custom_opset, target)


def test_triu_tril_custom_at_opset_1_wins_at_11_but_not_at_14(ours: SymbolicRegistry) -> None:
    """onnxruntime's contrib ops register Trilu for triu/tril at opset 1; legacy's built-ins start at 14."""
    assert LEGACY_OPSETS["aten::triu"] == LEGACY_OPSETS["aten::tril"] == (14,)
    with ours.scope():
        for name in ("aten::triu", "aten::tril"):
            ours.register(name, 1, _custom, custom=True)
            assert ours.lookup(name, 11).entry.custom  # type: ignore[union-attr]
            assert ours.is_registered_op(name, 11)
            at_14 = ours.lookup(name, 14).entry
            assert at_14 is not None and not at_14.custom and at_14.opset == 14
            assert [e.name for e in ours.shadowed_custom_entries(14) if e.name == name] == [name]
            assert not [e for e in ours.shadowed_custom_entries(11) if e.name == name]
