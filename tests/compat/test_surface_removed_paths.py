"""Import paths torch removed resolve under ``install()`` to onnx_migrate's equivalents, with a ``DeprecationWarning``.

Old symbolic code imports ``torch.onnx._internal.jit_utils``, ``torch.onnx._type_utils``,
``torch.onnx._globals``, ``torch.onnx.symbolic_registry``, ``torch.onnx.SymbolicContext``,
``symbolic_opset9._cast_Long`` and ``symbolic_helper._onnx_stable_opsets``. Each
must work while installed, warn with the modern spelling, and be gone again
after ``uninstall()``.
"""

from __future__ import annotations

import importlib
import sys
import warnings

import numpy as np
import pytest
import torch
import torch.onnx
from _surface_helpers import attribute, load_checked, nodes, run

from onnx_migrate.compat import removed_paths
from onnx_migrate.compat.install import install, is_installed, uninstall
from onnx_migrate.compat.removed_paths import REMOVED, REMOVED_PATHS, DeprecatedModule
from onnx_migrate.legacy_symbolics.graph_context import GraphContext
from onnx_migrate.legacy_symbolics.jit_utils import SymbolicContext


@pytest.fixture(autouse=True)
def _never_left_installed():
    yield
    while is_installed():
        uninstall()


def test_removed_paths_lists_every_path_with_ours_and_a_modern_replacement() -> None:
    """Test: REMOVED_PATHS (for the migration report) covers the issue's paths; each of ours imports."""
    for old in (
        "torch.onnx._internal.jit_utils",
        "torch.onnx._type_utils",
        "torch.onnx.symbolic_registry",
        "torch.onnx.SymbolicContext",
        "torch.onnx.symbolic_opset9._cast_Long",
        "torch.onnx.symbolic_helper._onnx_stable_opsets",
        "torch.onnx._globals",
        "torch.onnx._internal.registration",
    ):
        ours, modern = REMOVED_PATHS[old]
        assert ours.startswith("onnx_migrate.") and modern
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        for path in REMOVED:
            assert _resolve_dotted(path.ours) is not None, path.ours


def _resolve_dotted(dotted: str) -> object:
    """``pkg.module.Class.attr`` -> the object: the longest importable prefix, then attributes."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            obj = getattr(obj, name)
        return obj
    raise ImportError(dotted)


@pytest.mark.parametrize(
    ("statement", "expected", "modern"),
    [
        ("from torch.onnx._internal.jit_utils import GraphContext as found", GraphContext, "graph_context.GraphContext"),
        ("from torch.onnx import SymbolicContext as found", SymbolicContext, "GraphContext g"),
        ("from torch.onnx._type_utils import JitScalarType as found", None, "scalar_types.JitScalarType"),
        ("import torch.onnx._globals\nfound = torch.onnx._globals.GLOBALS", None, "g.opset"),
        ("from torch.onnx._internal.registration import registry as found", None, "register_custom_op_symbolic"),
        ("from torch.onnx.symbolic_registry import register_op as found", None, "register_custom_op_symbolic"),
        ("from torch.onnx.symbolic_opset9 import _cast_Long as found", None, "TensorProtoDataType.INT64"),
        ("from torch.onnx.symbolic_helper import _onnx_stable_opsets as found", None, "MIN_OPSET"),
    ],
)
def test_each_removed_path_resolves_and_warns_with_the_modern_spelling(statement, expected, modern) -> None:
    """Test: under install() the old import works, warns (DeprecationWarning naming the replacement) at the user's line."""
    namespace: dict = {}
    with install(), pytest.warns(DeprecationWarning, match=modern) as caught:
        exec(compile(statement, "legacy_user_code.py", "exec"), namespace)  # noqa: S102 - legacy code under its own name
    assert namespace["found"] is not None
    if expected is not None:
        assert namespace["found"] is expected
    assert any(w.filename == "legacy_user_code.py" for w in caught)


def test_uninstall_removes_the_removed_paths_again() -> None:
    """Test: after uninstall the removed paths are gone from sys.modules and torch.onnx, as before install."""
    with install(), warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import torch.onnx._globals
        from torch.onnx import SymbolicContext as context_class

        assert torch.onnx._globals.GLOBALS is not None and context_class.__module__.endswith("jit_utils")
        assert isinstance(sys.modules["torch.onnx._internal.jit_utils"], DeprecatedModule)
    for old in ("torch.onnx._globals", "torch.onnx._type_utils", "torch.onnx.symbolic_registry", "torch.onnx._internal.jit_utils"):
        assert old not in sys.modules
    assert "__getattr__" not in vars(torch.onnx)
    with pytest.raises(ImportError):
        from torch.onnx import SymbolicContext  # noqa: F401


def test_a_proxy_module_does_not_serve_names_ours_lacks() -> None:
    """Test: a removed module serves exactly our stand-in's names; private TorchScript plumbing stays absent."""
    with install(), pytest.raises(ImportError, match="_create_node"):
        from torch.onnx._internal.jit_utils import _create_node  # noqa: F401


def test_cast_long_and_symbolic_context_symbolics_export(registry_scope, tmp_path) -> None:
    """Test: torch 1.x style: a symbolic taking ctx: SymbolicContext, calling symbolic_opset9._cast_Long, exports and runs."""
    path = tmp_path / "cast.onnx"
    source = '''
import torch
from torch.onnx import SymbolicContext, register_custom_op_symbolic
from torch.onnx.symbolic_opset9 import _cast_Long

def floor_to_long(ctx: SymbolicContext, g, self):
    assert ctx.cur_node.kind() == "aten::floor" and ctx.onnx_block is g.block
    return _cast_Long(g, g.op("Floor", self), False)

register_custom_op_symbolic("::floor", floor_to_long, 9)
'''
    x = torch.tensor([1.5, -2.25, 3.0])
    with install(), warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        exec(compile(source, "legacy_symbolics_1x.py", "exec"), {})  # noqa: S102 - legacy code under its own name
        torch.onnx.export(_Floor(), (x,), str(path), opset_version=11, dynamo=False)
    model = load_checked(path)
    (cast,) = nodes(model, "Cast")
    assert attribute(cast, "to") == int(torch.onnx.TensorProtoDataType.INT64)
    np.testing.assert_array_equal(run(model, x)[0], np.array([1, -3, 3]))


class _Floor(torch.nn.Module):
    def forward(self, x):
        return torch.floor(x)


def test_legacy_package_paths_are_served_once_torch_drops_them(monkeypatch: pytest.MonkeyPatch) -> None:
    """Test: with torch's torchscript_exporter package gone, its module paths resolve to ours (with a warning)."""
    package = "torch.onnx._internal.torchscript_exporter"
    for name in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.delattr(torch.onnx._internal, "torchscript_exporter", raising=False)
    real_has_spec = removed_paths._has_spec
    monkeypatch.setattr(removed_paths, "_has_spec", lambda name: False if name == package else real_has_spec(name))
    with install():
        with pytest.warns(DeprecationWarning, match="graph_context.GraphContext"):
            from torch.onnx._internal.torchscript_exporter.jit_utils import GraphContext as found
        assert found is GraphContext
        from torch.onnx._internal.torchscript_exporter import symbolic_helper

        with pytest.warns(DeprecationWarning, match="symbolic_helper.parse_args was removed"):
            parse_args = symbolic_helper.parse_args
        assert parse_args.__module__ == "onnx_migrate.legacy_symbolics.symbolic_helper"
    assert package not in sys.modules
