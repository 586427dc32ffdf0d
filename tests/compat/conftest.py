"""Fixtures of the export tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from onnx_migrate.legacy_symbolics.registry import SymbolicRegistry


@pytest.fixture
def registry_scope() -> Iterator[SymbolicRegistry]:
    """The default registry, with every registration made in the test undone afterwards."""
    registry = SymbolicRegistry.default()
    with registry.scope():
        yield registry
