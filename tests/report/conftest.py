"""Fixtures for the migration-report tests: golden files and the ``--update-goldens`` option.

Whole-file outputs (per-fixture findings, the tree report, ``--fix`` results,
``docs/rules.md``) are compared with checked-in golden files. After an
intended change, ``pytest tests/report --update-goldens`` rewrites them;
review the diff like any other change.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _report_testing import GoldenCheck


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        default=False,
        help="rewrite the migration report's golden files instead of comparing with them",
    )


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> GoldenCheck:
    """``golden(path, actual)``: assert ``actual`` equals the file (or rewrite it with --update-goldens)."""
    update = bool(request.config.getoption("--update-goldens", default=False))

    def check(path: Path, actual: str) -> None:
        if update:
            path.write_text(actual, encoding="utf-8")
            return
        assert path.exists(), f"missing golden file {path}; run pytest with --update-goldens"
        expected = path.read_text(encoding="utf-8")
        assert actual == expected, f"{path.name} differs from the output; rerun with --update-goldens if intended"

    return check
