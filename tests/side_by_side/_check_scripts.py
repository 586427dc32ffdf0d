"""Export scripts the ``check`` tests run, written the way legacy projects wrote them."""

from __future__ import annotations

from pathlib import Path

#: ``examples/legacy_project``: custom op symbolic with parse_args, autograd.Function, dynamic_axes.
LEGACY_PROJECT = Path(__file__).resolve().parents[2] / "examples" / "legacy_project" / "export_onnx.py"

#: The demo CNN with a legacy symbolic bound to torch.onnx.symbolic_helper at import (parse_args,
#: _maybe_get_const): it only runs inside the exporter whose helpers it was bound to.
LEGACY_CNN = """
import sys

import torch
import torch.onnx
from torch.onnx.symbolic_helper import parse_args

from onnx_migrate.examples import legacy_cnn


@parse_args("v")
def clamp01_symbolic(g, x):
    low = g.op("Constant", value_t=torch.tensor(0.0))
    high = g.op("Constant", value_t=torch.tensor(1.0))
    return g.op("Clip", x, low, high)


torch.onnx.register_custom_op_symbolic(f"{legacy_cnn.LIBRARY}::clamp01", clamp01_symbolic, 11)
model = legacy_cnn.LegacyCNN().eval()  # no seed: check resets the random state between its runs
torch.onnx.export(model, legacy_cnn.example_inputs(), sys.argv[1], dynamo=False, **legacy_cnn.EXPORT_KWARGS)
print("exported", sys.argv[1])
"""

#: Two exports of one MLP at two opsets, positional legacy arguments included.
TWO_EXPORTS = """
import sys

import torch

torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2)).eval()
x = torch.randn(3, 6)
for opset in (9, 13):
    torch.onnx.export(model, (x,), f"{sys.argv[1]}-{opset}.onnx", True, False, input_names=["x"],
                      output_names=["y"], opset_version=opset, dynamic_axes={"x": {0: "n"}, "y": {0: "n"}})
"""
