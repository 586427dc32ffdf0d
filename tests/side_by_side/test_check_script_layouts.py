"""``check`` on scripts laid out as real projects are: it must not blame the exporter for the script.

(a) The model comes from an unseeded random init in a sibling package outside the
script's folder (on ``sys.path`` as with ``PYTHONPATH``) that seeds on import: both
runs must import it afresh, so both see the same weights.
(b) The symbolics come from an installed package, onnxruntime's
``pytorch_export_contrib_ops.register()``, which binds ``torch.onnx.symbolic_helper``
when imported: the reference run must get a copy bound to torch's, not onnx_migrate's.
"""

from __future__ import annotations

import importlib.util
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from _export_helpers import requires_legacy

from onnx_migrate.side_by_side import Verdict, check_script

pytestmark = [requires_legacy, pytest.mark.legacy_reference]

#: The sibling package: seeds when imported, then builds models with unseeded inits.
SHARED_MODELS = """
import torch

torch.manual_seed(1234)  # at import, as some training code does


def make_model():
    return torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3)).eval()
"""

SIBLING_SCRIPT = """
import sys

import torch

import shared_models_for_check

model = shared_models_for_check.make_model()
torch.onnx.export(model, (torch.randn(2, 4),), sys.argv[1], opset_version=13, dynamo=False)
"""

CONTRIB_SCRIPT = """
import sys

import torch
from onnxruntime.tools import pytorch_export_contrib_ops


class Sample(torch.nn.Module):
    def forward(self, image, grid):
        return torch.nn.functional.grid_sample(image, grid, align_corners=False)


pytorch_export_contrib_ops.register()  # its grid_sampler symbolic calls symbolic_helper._maybe_get_const
image, grid = torch.randn(1, 2, 4, 4), torch.rand(1, 3, 3, 2) * 2 - 1
torch.onnx.export(Sample(), (image, grid), sys.argv[1], opset_version=13, dynamo=False)
"""


def _write(path: Path, source: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source), encoding="utf-8")
    return path


def test_model_from_a_sibling_package_that_seeds_on_import(tmp_path, monkeypatch, default_registry) -> None:
    """Test: (a) same weights on both runs -> identical, and no fingerprint note."""
    _write(tmp_path / "shared" / "shared_models_for_check.py", SHARED_MODELS)
    # Where PYTHONPATH puts it: after sys.path[0], which a script run replaces with its own folder.
    monkeypatch.setattr(sys, "path", [sys.path[0], str(tmp_path / "shared"), *sys.path[1:]])
    script = _write(tmp_path / "project" / "export.py", SIBLING_SCRIPT)
    result = check_script(str(script), [str(tmp_path / "m.onnx")])
    assert result.errors == []
    (model,) = result.models
    assert model.verdict in (Verdict.IDENTICAL, Verdict.EQUIVALENT), model.reasons
    assert not any("fingerprint" in note or "weights" in note for note in model.reasons)


CONTRIB_OPS = "onnxruntime.tools.pytorch_export_contrib_ops"


@pytest.fixture
def contrib_ops_not_imported() -> Iterator[None]:
    """The script imports onnxruntime's module afresh, as in a new process; what was there is put back after.

    Another test of the same process may have imported it, bound to torch's helpers or (under
    ``install()``) to onnx_migrate's; ``check`` leaves modules loaded before it alone, so that
    copy would serve both runs.
    """
    parent_name, _, leaf = CONTRIB_OPS.rpartition(".")

    def forget() -> object | None:
        # ``from onnxruntime.tools import pytorch_export_contrib_ops`` takes the package's attribute when it is there.
        parent = sys.modules.get(parent_name)
        if parent is not None and hasattr(parent, leaf):
            delattr(parent, leaf)
        return sys.modules.pop(CONTRIB_OPS, None)

    saved = forget()
    yield
    forget()
    if saved is not None:
        sys.modules[CONTRIB_OPS] = saved
        setattr(sys.modules[parent_name], leaf, saved)


def test_symbolics_from_an_installed_package(tmp_path, default_registry, contrib_ops_not_imported) -> None:
    """Test: (b) onnxruntime's contrib-op symbolics run in both exporters -> identical/equivalent, no error."""
    if importlib.util.find_spec("onnxruntime.tools.pytorch_export_contrib_ops") is None:  # not imported: the script must
        pytest.skip("this onnxruntime has no tools.pytorch_export_contrib_ops")
    script = _write(tmp_path / "project" / "export.py", CONTRIB_SCRIPT)
    result = check_script(str(script), [str(tmp_path / "m.onnx")])
    assert result.errors == []
    (model,) = result.models
    assert model.verdict in (Verdict.IDENTICAL, Verdict.EQUIVALENT), model.reasons
