"""Saving: atomic writes and external data for models past protobuf's 2 GB limit."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
import torch
from _export_helpers import run_ort

import onnx_migrate
from onnx_migrate.compat import finalize


def test_large_model_uses_external_data(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Test: past the size limit (lowered here) the model is saved with a .data file that loads and runs."""
    monkeypatch.setattr(finalize, "PROTOBUF_LIMIT", 1024)
    model = torch.nn.Linear(64, 32).eval()
    path = tmp_path / "big.onnx"
    onnx_migrate.export(model, (torch.randn(2, 64),), path, opset_version=13, input_names=["x"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.onnx", "big.onnx.data"]
    loaded = onnx.load(path, load_external_data=False)
    assert any(init.data_location == onnx.TensorProto.EXTERNAL for init in loaded.graph.initializer)
    x = torch.randn(2, 64)
    (got,) = run_ort(str(path), {"x": x})
    np.testing.assert_allclose(got, model(x).detach().numpy(), atol=1e-5)


def test_external_data_refuses_file_objects(monkeypatch: pytest.MonkeyPatch) -> None:
    """Test: a model needing external data cannot go to a file object; the error says to pass a path."""
    import io

    monkeypatch.setattr(finalize, "PROTOBUF_LIMIT", 1024)
    with pytest.raises(onnx_migrate.OnnxMigrateError, match="Pass a file path"):
        onnx_migrate.export(torch.nn.Linear(64, 32), (torch.randn(2, 64),), io.BytesIO(), opset_version=13)


def test_no_temporary_files_left_behind(tmp_path) -> None:
    """Test: the atomic write leaves exactly the model file in the folder."""
    onnx_migrate.export(torch.nn.ReLU(), (torch.randn(2),), tmp_path / "m.onnx", opset_version=13)
    onnx_migrate.export(torch.nn.ReLU(), (torch.randn(2),), tmp_path / "m.onnx", opset_version=13)
    assert [p.name for p in tmp_path.iterdir()] == ["m.onnx"]


def test_written_file_has_the_permissions_of_a_plain_write(tmp_path) -> None:
    """Test: the atomic write's private temp file does not leave the model unreadable to others (0o666 less umask)."""
    import os

    import torch

    import onnx_migrate

    umask = os.umask(0o022)
    try:
        target = tmp_path / "m.onnx"
        onnx_migrate.export(torch.nn.ReLU(), (torch.randn(2),), str(target))
        assert target.stat().st_mode & 0o777 == 0o644
        target.chmod(0o640)
        onnx_migrate.export(torch.nn.ReLU(), (torch.randn(2),), str(target))
        assert target.stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(umask)
