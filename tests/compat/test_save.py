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


def test_weights_are_streamed_into_one_file_equal_to_the_full_proto(tmp_path) -> None:
    """Test: the streamed file (large weights written from tensor memory) reads back as the full
    ModelProto: same nodes, value_info, and every initializer's bytes; ORT runs it; one file."""
    import numpy as np
    import onnx
    import onnxruntime as ort
    import torch
    from onnx import numpy_helper

    import onnx_migrate

    model = torch.nn.Sequential(torch.nn.Linear(1024, 768), torch.nn.ReLU(), torch.nn.Linear(768, 8)).eval()
    x = torch.randn(2, 1024)
    target = tmp_path / "m.onnx"
    result = onnx_migrate.export(model, (x,), str(target), input_names=["x"], dynamic_axes={"x": {0: "b"}})
    written, full = onnx.load(str(target)), result.model_proto
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.onnx"]
    assert written.graph.node == full.graph.node and written.graph.value_info == full.graph.value_info
    assert written.opset_import == full.opset_import and written.graph.output == full.graph.output
    ours = {t.name: numpy_helper.to_array(t) for t in written.graph.initializer}
    theirs = {t.name: numpy_helper.to_array(t) for t in full.graph.initializer}
    assert ours.keys() == theirs.keys() and max(a.nbytes for a in ours.values()) > 1 << 20
    for name, array in theirs.items():
        np.testing.assert_array_equal(ours[name], array)
    (got,) = ort.InferenceSession(str(target), providers=["CPUExecutionProvider"]).run(None, {"x": x.numpy()})
    with torch.no_grad():
        np.testing.assert_allclose(got, model(x).numpy(), rtol=1e-4, atol=1e-5)
