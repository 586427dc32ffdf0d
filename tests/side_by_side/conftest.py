"""Fixtures of the ``check`` tests: small export scripts on disk, and a blocked legacy exporter."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch
import torch.onnx

ScriptWriter = Callable[[str, str], Path]


@pytest.fixture
def write_script(tmp_path: Path) -> ScriptWriter:
    """``write_script(name, source)`` -> the path of a dedented Python script in a fresh folder."""

    def write(name: str, source: str) -> Path:
        folder = tmp_path / "project"
        folder.mkdir(exist_ok=True)
        path = folder / name
        path.write_text(textwrap.dedent(source), encoding="utf-8")
        return path

    return write


@pytest.fixture
def legacy_exporter_blocked(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """``torch.onnx.export`` raises for every legacy (non-dynamo) call; yields the calls it refused."""
    original = torch.onnx.export
    refused: list[dict[str, Any]] = []

    def export(model: Any, args: Any = (), f: Any = None, *rest: Any, **kwargs: Any) -> Any:
        if not kwargs.get("dynamo", False):
            refused.append(kwargs)
            raise RuntimeError("torch's TorchScript exporter is blocked in this test")
        return original(model, args, f, *rest, **kwargs)

    monkeypatch.setattr(torch.onnx, "export", export)
    return refused
