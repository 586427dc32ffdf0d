"""The legacy ``symbolic_opsetN`` modules are views of the built-in library at opset N.

``symbolic_opset11.unsqueeze`` must be exactly the built-in an export at opset 11
would call (the legacy dispatch rule, opsets 7 and 8 searching up to 9), never
a user override; ``dir()`` and ``from ... import *`` list what is available.
"""

from __future__ import annotations

import importlib
import pathlib

import pytest

from onnx_migrate.legacy_symbolics import _opset_views
from onnx_migrate.legacy_symbolics.registry import SymbolicRegistry

OPSETS = range(7, 24)


def _view(opset: int):
    return importlib.import_module(f"onnx_migrate.legacy_symbolics.symbolic_opset{opset}")


@pytest.fixture(scope="module")
def builtins() -> SymbolicRegistry:
    return SymbolicRegistry.with_builtins()


@pytest.mark.parametrize("opset", OPSETS)
def test_view_attribute_is_the_builtin_serving_that_opset(opset: int, builtins: SymbolicRegistry) -> None:
    """Test: every name of a view is the function the registry dispatches to at that opset."""
    view = _view(opset)
    names = _opset_views.available_names(opset)
    assert "relu" in names and "add" in names
    for name in names:
        entry = builtins.lookup(f"aten::{name}", opset).entry
        assert entry is not None and not entry.custom
        assert getattr(view, name) is entry.fn, (name, opset)


def test_unsqueeze_variants_follow_the_opset(builtins: SymbolicRegistry) -> None:
    """Test: opset11.unsqueeze is the variant registered at the highest opset <= 11."""
    group = builtins.get_function_group("aten::unsqueeze")
    assert group is not None
    for opset in (9, 11, 13, 17):
        expected_opset = max(v for v in group.builtin_opsets() if v <= opset)
        assert _view(opset).unsqueeze is group.get(expected_opset)


@pytest.mark.parametrize("opset", [7, 8])
def test_low_opsets_search_up_to_the_base(opset: int) -> None:
    """Test: symbolic_opset7/8 see the opset-9 built-ins, as in the legacy library."""
    assert _view(opset).relu is _view(9).relu
    assert _view(opset).unsqueeze is _view(9).unsqueeze


def test_user_overrides_never_show_through(default_registry: SymbolicRegistry) -> None:
    """Test: a custom aten::relu registered at 11 does not replace symbolic_opset11.relu."""
    builtin = _view(11).relu

    def my_relu(g, x):  # pragma: no cover - never called
        return x

    default_registry.register("aten::relu", 11, my_relu, custom=True)
    assert default_registry.lookup("aten::relu", 11).entry.fn is my_relu
    assert _view(11).relu is builtin


def test_dir_and_star_import_list_the_available_names() -> None:
    """Test: dir() and `from symbolic_opset11 import *` expose the built-ins."""
    view = _view(11)
    listed = dir(view)
    assert {"relu", "unsqueeze", "OPSET", "__name__"} <= set(listed)
    namespace: dict[str, object] = {}
    exec("from onnx_migrate.legacy_symbolics.symbolic_opset11 import *", namespace)  # noqa: S102
    assert namespace["unsqueeze"] is view.unsqueeze
    assert set(_opset_views.available_names(11)) <= set(namespace)


def test_missing_names_raise_attribute_error_with_the_fix() -> None:
    """Test: an unknown op is an AttributeError saying how to register one; probes stay quiet."""
    view = _view(11)
    with pytest.raises(AttributeError, match="register_custom_op_symbolic") as info:
        _ = view.not_an_aten_op_xyz
    assert "aten::not_an_aten_op_xyz" in str(info.value)
    assert not hasattr(view, "__path__")
    assert not hasattr(view, "not-an-identifier")


def test_op_introduced_later_names_its_first_opset(builtins: SymbolicRegistry) -> None:
    """Test: asking opset 9 for an op that starts at a later opset names that opset."""
    late = sorted(
        (min(builtins.get_function_group(n).builtin_opsets()), n)
        for n in builtins.all_functions()
        if n.startswith("aten::") and min(builtins.get_function_group(n).builtin_opsets()) > 9
    )
    if not late:
        pytest.skip("every built-in starts at opset 9")
    first, name = late[0]
    op = name.split("::")[1]
    with pytest.raises(AttributeError, match=f"symbolic_opset{first}"):
        getattr(_view(9), op)
    assert callable(getattr(_view(first), op))


def test_view_modules_are_tiny_shims() -> None:
    """Test: each symbolic_opsetN file is a few lines; the logic lives once in _opset_views."""
    folder = pathlib.Path(_opset_views.__file__).parent
    for opset in OPSETS:
        source = (folder / f"symbolic_opset{opset}.py").read_text(encoding="utf-8")
        assert len(source.strip().splitlines()) <= 10, opset
        assert f"OPSET = {opset}" in source
