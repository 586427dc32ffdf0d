"""Paths and types the migration-report tests share (imported as a top-level module by pytest)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"

#: ``golden(path, actual)``, the ``golden`` fixture of conftest.py.
GoldenCheck = Callable[[Path, str], None]
