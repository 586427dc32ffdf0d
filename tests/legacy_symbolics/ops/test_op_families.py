"""Every module of the built-in library (``legacy_symbolics/ops/``) is registered and has op cases.

``register_builtins`` only walks ``ALL_FAMILIES``: a family module missing there
would silently register nothing. And a family whose ops appear in no op-case
table (``op_cases*.py``) is never compared with eager PyTorch.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from onnx_migrate.legacy_symbolics import ops
from onnx_migrate.legacy_symbolics.ops import ALL_FAMILIES
from onnx_migrate.legacy_symbolics.registry import builtin_marks

_TABLES = Path(__file__).parent


def _family_modules() -> set[str]:
    return {f"{ops.__name__}.{info.name}" for info in pkgutil.iter_modules(ops.__path__) if not info.name.startswith("_")}


def _ops_with_cases() -> set[str]:
    """The op of every row of every module-level case list in the ``op_cases*.py`` tables."""
    covered: set[str] = set()
    for path in sorted(_TABLES.glob("op_cases*.py")):
        table = importlib.import_module(path.stem)
        for value in vars(table).values():
            if isinstance(value, list) and value and all(isinstance(getattr(row, "op", None), str) for row in value):
                covered |= {row.op for row in value}
    return covered


def test_every_family_module_is_in_all_families() -> None:
    """Test: the modules under ops/ and ALL_FAMILIES are the same set, with no module listed twice."""
    listed = [family.__name__ for family in ALL_FAMILIES]
    assert len(listed) == len(set(listed))
    assert sorted(_family_modules() - set(listed)) == []
    assert sorted(set(listed) - _family_modules()) == []


def test_every_family_registers_ops_and_each_op_is_in_an_op_case_table() -> None:
    """Test: each family registers at least one symbolic, and every one of them has a row in an op-case table."""
    covered = _ops_with_cases()
    missing: dict[str, list[str]] = {}
    for family in ALL_FAMILIES:
        registered = {name for obj in vars(family).values() for name, _, _ in builtin_marks(obj)}
        assert registered, f"{family.__name__} registers no symbolic"
        if registered - covered:
            missing[family.__name__] = sorted(registered - covered)
    assert missing == {}
