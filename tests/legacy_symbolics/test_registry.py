"""Tests of the symbolic registry: legacy opset dispatch, overrides, scopes, names.

Legacy export code relies on the exact dispatch rule of the TorchScript exporter
(the function registered at the highest opset <= target; opsets 7 and 8 look
upward to 9; a custom registration wins at the same opset). A table states the
rule case by case, and where torch still ships the legacy registry the same
table is checked against it.
"""

from __future__ import annotations

import dataclasses
import importlib
import threading
from collections.abc import Callable
from typing import Any

import pytest
import torch.onnx.errors

from onnx_migrate.errors import DuplicateSymbolicError, OnnxMigrateError, SymbolicRegistrationError
from onnx_migrate.legacy_symbolics import registry as registry_module
from onnx_migrate.legacy_symbolics.registry import (
    LookupStatus,
    SymbolicRegistry,
    dispatch_opset_version,
    validate_custom_op_name,
)

TARGETS = (7, 8, 9, 10, 13, 20)
OP = "aten::my_op"


def _symbolic(tag: str) -> Callable[..., Any]:
    """A distinct symbolic function whose name says where it was registered."""

    def fn(g: Any, *args: Any) -> str:
        return tag

    fn.__qualname__ = tag
    return fn


@dataclasses.dataclass(frozen=True)
class DispatchCase:
    """Registrations of one op, and which one serves each target opset.

    ``expected`` maps a target opset to ``"builtin@9"`` / ``"custom@1"``, or
    ``None`` when nothing serves it.
    """

    id: str
    builtin: tuple[int, ...]
    custom: tuple[int, ...]
    expected: dict[int, str | None]
    legacy: tuple[int, ...] | None

    def registry(self) -> SymbolicRegistry:
        """A registry that knows ``legacy`` as the legacy library's keys for the op."""
        return SymbolicRegistry({} if self.legacy is None else {OP: self.legacy})


def _case(
    id: str, builtin: tuple[int, ...], custom: tuple[int, ...], *answers: str | None, legacy: Any = "same"
) -> DispatchCase:
    """A case; ``legacy`` is the legacy library's keys for the op (default: the built-in keys; None: none)."""
    assert len(answers) == len(TARGETS), id
    keys = builtin if legacy == "same" else legacy
    return DispatchCase(id, builtin, custom, dict(zip(TARGETS, answers, strict=True)), keys)


B9, B11, B1 = "builtin@9", "builtin@11", "builtin@1"
C1, C9, C11 = "custom@1", "custom@9", "custom@11"

#                       id                          builtin   custom     7     8     9     10    13    20
DISPATCH_TABLE = [
    _case("builtin-9", (9,), (), B9, B9, B9, B9, B9, B9),
    _case("builtin-9-11", (9, 11), (), B9, B9, B9, B9, B11, B11),
    _case("builtin-11-only", (11,), (), None, None, None, None, B11, B11),
    _case("builtin-1", (1,), (), None, None, B1, B1, B1, B1),
    _case("custom-1", (), (1,), None, None, C1, C1, C1, C1),
    _case("custom-1-11", (), (1, 11), None, None, C1, C1, C11, C11),
    _case("custom-9", (), (9,), C9, C9, C9, C9, C9, C9),
    _case("custom-overrides-builtin-at-9", (9,), (9,), C9, C9, C9, C9, C9, C9),
    _case("custom-overrides-builtin-at-11", (9, 11), (11,), B9, B9, B9, B9, C11, C11),
    _case("custom-1-shadowed-by-builtins", (9, 11), (1,), B9, B9, B9, B9, B11, B11),
    _case("custom-1-below-builtin-11", (11,), (1,), None, None, C1, C1, B11, B11),
    _case("custom-9-over-builtin-1", (1,), (9,), C9, C9, C9, C9, C9, C9),
    _case("custom-11-over-builtin-9", (9,), (11,), B9, B9, B9, B9, C11, C11),
]

B13, B14, C10 = "builtin@13", "builtin@14", "custom@10"

# Our built-in keys differ from legacy's: legacy's keys decide, our best built-in runs.
#                       id                          builtin   custom     7     8     9     10    13    20
DIVERGENT_TABLE = [
    # aten::triu: legacy registered at 14 only, we at 9 and 14 (onnxruntime's contrib Trilu at opset 1).
    _case("triu-custom-1", (9, 14), (1,), B9, B9, C1, C1, C1, B14, legacy=(14,)),
    # aten::add: legacy at 9 and 11, we at 9 only; a custom at 10 loses from 11 on, to our 9.
    _case("add-custom-10", (9,), (10,), B9, B9, B9, C10, B9, B9, legacy=(9, 11)),
    # Legacy had the name but we have no built-in for the target: the custom is all there is.
    _case("legacy-builtin-we-lack", (13,), (1,), None, None, C1, C1, B13, B13, legacy=(9,)),
    # A name legacy never had: no built-in key of ours makes a custom lose.
    _case("not-legacy-custom-1", (9, 11), (1,), B9, B9, C1, C1, C1, C1, legacy=None),
    _case("not-legacy-custom-11", (9,), (11,), B9, B9, B9, B9, C11, C11, legacy=None),
]


def _fill(registry: SymbolicRegistry, case: DispatchCase) -> None:
    for opset in case.builtin:
        registry.register(OP, opset, _symbolic(f"builtin@{opset}"))
    for opset in case.custom:
        registry.register(OP, opset, _symbolic(f"custom@{opset}"), custom=True)


def _served_by(registry: SymbolicRegistry, target: int) -> str | None:
    result = registry.lookup(OP, target)
    if result.entry is None:
        return None
    kind = "custom" if result.entry.custom else "builtin"
    tag = f"{kind}@{result.entry.opset}"
    assert result.entry.fn(None) == tag, "the entry's function must be the one registered there"
    return tag


@pytest.mark.parametrize("case", DISPATCH_TABLE + DIVERGENT_TABLE, ids=lambda c: c.id)
def test_dispatch_table(case: DispatchCase) -> None:
    registry = case.registry()
    _fill(registry, case)
    served = {target: _served_by(registry, target) for target in TARGETS}
    assert served == case.expected
    for target, expected in case.expected.items():
        assert registry.is_registered_op(OP, target) is (expected is not None)
        group = registry.get_function_group(OP)
        assert group is not None
        assert (group.get(target) is None) is (expected is None)


def _legacy_registration() -> Any:
    try:
        return importlib.import_module("torch.onnx._internal.torchscript_exporter.registration")
    except ImportError:
        pytest.skip("torch no longer ships the TorchScript exporter (the reference)")


@pytest.mark.legacy_reference
@pytest.mark.parametrize("case", DISPATCH_TABLE, ids=lambda c: c.id)
def test_dispatch_table_matches_legacy_registry(case: DispatchCase) -> None:
    legacy = _legacy_registration()
    group = legacy._SymbolicFunctionGroup(OP)
    for opset in case.builtin:
        group.add(_symbolic(f"builtin@{opset}"), opset)
    for opset in case.custom:
        group.add_custom(_symbolic(f"custom@{opset}"), opset)
    for target, expected in case.expected.items():
        fn = group.get(target)
        assert (fn(None) if fn else None) == expected, f"target opset {target}"


@pytest.mark.legacy_reference
def test_dispatch_opset_version_matches_legacy_for_every_combination() -> None:
    legacy = _legacy_registration()
    candidates = (1, 7, 8, 9, 10, 11, 13, 17, 18, 20)
    for mask in range(1, 1 << len(candidates)):
        registered = {v for i, v in enumerate(candidates) if mask & (1 << i)}
        for target in range(7, 24):
            ours = dispatch_opset_version(target, registered)
            assert ours == legacy._dispatch_opset_version(target, registered), (target, registered)


def test_unregister_custom_restores_builtin(registry: SymbolicRegistry) -> None:
    registry.register(OP, 9, _symbolic("builtin@9"))
    registry.register(OP, 9, _symbolic("custom@9"), custom=True)
    assert _served_by(registry, 13) == "custom@9"
    registry.unregister(OP, 9)
    assert _served_by(registry, 13) == "builtin@9"


def test_unregister_without_custom_warns_and_keeps_builtin(registry: SymbolicRegistry) -> None:
    registry.register(OP, 9, _symbolic("builtin@9"))
    with pytest.warns(UserWarning, match="nothing to unregister"):
        registry.unregister(OP, 9)
    assert _served_by(registry, 9) == "builtin@9"
    registry.unregister("aten::never_registered", 9)  # unknown names are ignored, as legacy did


def test_custom_reregistration_replaces_earlier_custom(registry: SymbolicRegistry) -> None:
    registry.register(OP, 11, _symbolic("custom@11"), custom=True)
    replacement = _symbolic("custom@11")
    registry.register(OP, 11, replacement, custom=True)
    result = registry.lookup(OP, 11)
    assert result.entry is not None and result.entry.fn is replacement


def test_duplicate_builtin_raises(registry: SymbolicRegistry) -> None:
    first = _symbolic("builtin@9")
    registry.register(OP, 9, first)
    registry.register(OP, 9, first)  # the same function again is harmless
    with pytest.raises(DuplicateSymbolicError, match=r"aten::my_op.*opset 9.*custom=True") as info:
        registry.register(OP, 9, _symbolic("builtin@9"))
    assert isinstance(info.value, SymbolicRegistrationError)
    assert isinstance(info.value, torch.onnx.errors.OnnxExporterError)


def test_lookup_reports_why_nothing_serves(registry: SymbolicRegistry) -> None:
    missing = registry.lookup("aten::absent", 13)
    assert missing.entry is None and missing.status is LookupStatus.NOT_REGISTERED
    assert "aten::absent" in missing.reason

    registry.register(OP, 11, _symbolic("builtin@11"))
    too_low = registry.lookup(OP, 9)
    assert too_low.entry is None and too_low.status is LookupStatus.OPSET_TOO_LOW
    assert too_low.supported_opsets == (11,)
    assert "11" in too_low.reason and "9" in too_low.reason

    found = registry.lookup(OP, 13)
    assert found.status is LookupStatus.OK and found.entry is not None and found.entry.opset == 11


def test_function_group_and_all_functions(registry: SymbolicRegistry) -> None:
    registry.register(OP, 9, _symbolic("builtin@9"))
    registry.register(OP, 11, _symbolic("custom@11"), custom=True)
    registry.register("mylib::other", 1, _symbolic("custom@1"), custom=True)
    assert registry.all_functions() == {OP, "mylib::other"}
    group = registry.get_function_group(OP)
    assert group is not None
    assert group.builtin_opsets() == {9} and group.custom_opsets() == {11}
    assert group.get_min_supported() == 9
    assert group.support_opset(11) and not group.support_opset(10)
    assert registry.get_function_group("aten::absent") is None
    assert [(e.name, e.opset) for e in registry.custom_entries()] == [(OP, 11), ("mylib::other", 1)]


def test_shadowed_custom_entries() -> None:
    registry = SymbolicRegistry({OP: (9, 11)})
    registry.register(OP, 9, _symbolic("builtin@9"))
    registry.register(OP, 1, _symbolic("custom@1"), custom=True)
    assert [(e.name, e.opset) for e in registry.shadowed_custom_entries(13)] == [(OP, 1)]
    registry.register("mylib::alone", 1, _symbolic("custom@1"), custom=True)
    registry.register("aten::not_in_legacy", 9, _symbolic("builtin@9"))
    registry.register("aten::not_in_legacy", 1, _symbolic("custom@1"), custom=True)
    assert [e.name for e in registry.shadowed_custom_entries(13)] == [OP]
    group = registry.get_function_group(OP)
    assert group is not None
    # Legacy's built-in at 11 beat the custom at 13, though ours is keyed at 9 only.
    assert group.deciding_builtin_opset(13) == 11 and group.shadowed_custom_opset(13) == 1
    assert group.custom_override_opsets(13) == (11, 12, 13)
    assert group.custom_override_opsets(8) == (8, 9)  # opsets 7 and 8 search upward to 9
    registry.register(OP, 11, _symbolic("custom@11"), custom=True)
    assert registry.shadowed_custom_entries(13) == [] and group.deciding_builtin_opset(13) is None


def test_decorator_registers_decorated_copy_and_returns_original(registry: SymbolicRegistry) -> None:
    calls: list[str] = []

    def tracing(fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(g: Any, *args: Any) -> Any:
            calls.append("decorated")
            return fn(g, *args)

        return wrapped

    @registry.onnx_symbolic(OP, opset=(9, 13), decorate=[tracing])
    def my_op(g: Any, x: Any) -> Any:
        return x

    assert my_op(None, 1) == 1 and calls == []
    for opset in (9, 13):
        entry = registry.lookup(OP, opset).entry
        assert entry is not None and entry.opset == opset and not entry.custom
        assert entry.fn(None, 2) == 2
    assert calls == ["decorated", "decorated"]


def test_copy_is_independent(registry: SymbolicRegistry) -> None:
    registry.register(OP, 9, _symbolic("builtin@9"))
    snapshot = registry.copy()
    registry.register(OP, 9, _symbolic("custom@9"), custom=True)
    assert _served_by(registry, 9) == "custom@9"
    assert _served_by(snapshot, 9) == "builtin@9"


# -- scope() ---------------------------------------------------------------------------------


def test_scope_undoes_registrations(registry: SymbolicRegistry) -> None:
    registry.register(OP, 9, _symbolic("builtin@9"))
    with registry.scope() as scoped:
        assert scoped is registry
        registry.register(OP, 9, _symbolic("custom@9"), custom=True)
        registry.register("mylib::new_op", 11, _symbolic("custom@11"), custom=True)
        assert _served_by(registry, 9) == "custom@9"
    assert _served_by(registry, 9) == "builtin@9"
    assert registry.all_functions() == {OP}
    assert not registry.is_registered_op("mylib::new_op", 11)


def test_scope_restores_the_previous_override(registry: SymbolicRegistry) -> None:
    outer = _symbolic("custom@11")
    registry.register(OP, 11, outer, custom=True)
    with registry.scope():
        registry.register(OP, 11, _symbolic("custom@11"), custom=True)
    entry = registry.lookup(OP, 11).entry
    assert entry is not None and entry.fn is outer


def test_nested_scopes(registry: SymbolicRegistry) -> None:
    with registry.scope():
        registry.register(OP, 9, _symbolic("custom@9"), custom=True)
        with registry.scope():
            registry.register(OP, 11, _symbolic("custom@11"), custom=True)
            assert _served_by(registry, 13) == "custom@11"
        assert _served_by(registry, 13) == "custom@9"
        assert not registry.get_function_group(OP).support_opset(11)  # type: ignore[union-attr]
    assert _served_by(registry, 13) is None
    assert OP not in registry.all_functions()


def test_unregister_inside_scope_is_undone(registry: SymbolicRegistry) -> None:
    registry.register(OP, 9, _symbolic("builtin@9"))
    registry.register(OP, 9, _symbolic("custom@9"), custom=True)
    with registry.scope():
        registry.unregister(OP, 9)
        assert _served_by(registry, 9) == "builtin@9"
    assert _served_by(registry, 9) == "custom@9"


def test_register_unregister_register_in_one_scope(registry: SymbolicRegistry) -> None:
    with registry.scope():
        registry.register(OP, 11, _symbolic("custom@11"), custom=True)
        registry.unregister(OP, 11)
        registry.register(OP, 11, _symbolic("custom@11"), custom=True)
    assert OP not in registry.all_functions()
    assert not registry.is_registered_op(OP, 11)


def test_inner_scope_unregisters_what_outer_scope_registered(registry: SymbolicRegistry) -> None:
    with registry.scope():
        registry.register(OP, 11, _symbolic("custom@11"), custom=True)
        with registry.scope():
            registry.unregister(OP, 11)
            assert not registry.is_registered_op(OP, 11)
        assert _served_by(registry, 11) == "custom@11"
    assert not registry.is_registered_op(OP, 11)


def test_scope_undoes_on_exception(registry: SymbolicRegistry) -> None:
    with pytest.raises(RuntimeError, match="boom"), registry.scope():
        registry.register(OP, 9, _symbolic("custom@9"), custom=True)
        raise RuntimeError("boom")
    assert not registry.is_registered_op(OP, 9)


# -- names -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("::relu", "aten::relu"),
        ("aten::relu", "aten::relu"),
        ("mylib::my_op", "mylib::my_op"),
        ("my-lib_2::Op-2_x", "my-lib_2::Op-2_x"),
        ("prim::PythonOp", "prim::PythonOp"),
    ],
)
def test_valid_names(name: str, expected: str) -> None:
    assert validate_custom_op_name(name) == expected


@pytest.mark.parametrize(
    "name",
    ["relu", "aten::", "aten::1relu", "aten::relu.Tensor", "a.b::op", "aten:relu", "aten::re lu", "", 3],
)
def test_invalid_names(name: Any) -> None:
    with pytest.raises(SymbolicRegistrationError, match="domain::") as info:
        validate_custom_op_name(name)
    assert isinstance(info.value, torch.onnx.errors.OnnxExporterError)


def test_onnx_domain_is_refused_with_value_error() -> None:
    with pytest.raises(ValueError, match="'onnx' domain cannot be modified") as info:
        validate_custom_op_name("onnx::Relu")
    assert isinstance(info.value, OnnxMigrateError)


@pytest.mark.parametrize("opset", [0, 24, "11", 11.0, True, None])
def test_bad_opset_is_refused(registry: SymbolicRegistry, opset: Any) -> None:
    with pytest.raises(SymbolicRegistrationError, match="opset"):
        registry.register(OP, opset, _symbolic("x"), custom=True)


def test_non_callable_and_malformed_name_are_refused(registry: SymbolicRegistry) -> None:
    with pytest.raises(SymbolicRegistrationError, match="callable"):
        registry.register(OP, 9, "not a function", custom=True)  # type: ignore[arg-type]
    with pytest.raises(SymbolicRegistrationError, match="domain::op"):
        registry.register("relu", 9, _symbolic("x"), custom=True)


# -- the legacy free functions on the default registry ----------------------------------------


def test_free_functions_act_on_default_registry(default_registry: SymbolicRegistry) -> None:
    fn = _symbolic("custom@11")
    registry_module.register_custom_op_symbolic("::my_free_op", fn, 11)
    assert registry_module.is_registered_op("aten::my_free_op", 13)
    group = registry_module.get_function_group("aten::my_free_op")
    assert group is not None and group.get(11) is fn
    registry_module.unregister_custom_op_symbolic("::my_free_op", 11)
    assert not registry_module.is_registered_op("aten::my_free_op", 13)
    with pytest.raises(ValueError, match="onnx"):
        registry_module.register_custom_op_symbolic("onnx::Relu", fn, 11)


def test_custom_onnx_symbolic_decorator(default_registry: SymbolicRegistry) -> None:
    @registry_module.custom_onnx_symbolic("mylib::decorated", 9)
    def decorated(g: Any) -> str:
        return "ok"

    entry = default_registry.lookup("mylib::decorated", 13).entry
    assert entry is not None and entry.custom and entry.fn is decorated


def test_scope_on_default_registry_leaves_no_trace() -> None:
    with SymbolicRegistry.default().scope():
        registry_module.register_custom_op_symbolic("mylib::leak_probe", _symbolic("custom@9"), 9)
        assert registry_module.is_registered_op("mylib::leak_probe", 9)
    assert not registry_module.is_registered_op("mylib::leak_probe", 9)


# -- threads ---------------------------------------------------------------------------------


def test_concurrent_registration_smoke(registry: SymbolicRegistry) -> None:
    registry.register(OP, 9, _symbolic("builtin@9"))
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def worker(index: int) -> None:
        try:
            start.wait()
            for round_ in range(200):
                name = f"mylib::op_{index}"
                registry.register(name, 9 + round_ % 3, _symbolic("custom"), custom=True)
                assert registry.lookup(name, 20).entry is not None
                assert registry.lookup(OP, 13).entry is not None
                registry.unregister(name, 9 + round_ % 3)
                registry.copy()
        except BaseException as exc:  # noqa: BLE001 - reported to the main thread
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    for index in range(8):
        assert not registry.is_registered_op(f"mylib::op_{index}", 20)
    assert _served_by(registry, 13) == "builtin@9"


def test_default_registry_is_created_once_under_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(SymbolicRegistry, "_default", None)
    seen: list[SymbolicRegistry] = []
    start = threading.Barrier(8)

    def worker() -> None:
        start.wait()
        seen.append(SymbolicRegistry.default())

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 8 and all(r is seen[0] for r in seen)
