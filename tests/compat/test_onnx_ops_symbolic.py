"""``torch.onnx.ops.symbolic`` nodes (how dual-exporter libraries such as brevitas emit custom ops under torch.export)."""

from __future__ import annotations

import onnx
import pytest
import torch

import onnx_migrate
from onnx_migrate.compat.onnx_ops_symbolic import decode_attributes


class EmitsCustomNodes(torch.nn.Module):
    def forward(self, x: torch.Tensor, scale: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        quant = torch.onnx.ops.symbolic(
            "qonnx.custom_op.general::Quant",
            (x, scale, None),
            attrs={"signed": 1, "rounding_mode": "ROUND", "ratio": 0.5, "axes": [0, 1], "gains": [1.0, 2.0]},
            dtype=x.dtype,
            shape=x.shape,
            version=2,
        )
        low, high = torch.onnx.ops.symbolic_multi_out(
            "mydom::Split2", (quant,), attrs={"names": ["a", "b"]}, dtypes=(x.dtype, x.dtype),
            shapes=(x.shape, x.shape), version=3,
        )  # fmt: skip
        return quant, low, high


@pytest.mark.parametrize("opset", [11, 17])
def test_custom_nodes_keep_domain_version_inputs_and_every_attribute_type(opset: int) -> None:
    """Test: the node torch.onnx.ops.symbolic describes is emitted as is, at any opset, with its domain version."""
    result = onnx_migrate.export(
        EmitsCustomNodes(), (torch.randn(2, 3), torch.tensor(0.1)), None, opset_version=opset,
        input_names=["x", "scale"], dynamic_axes={"x": {0: "b"}},
    )  # fmt: skip
    proto = result.model_proto
    quant, split = [n for n in proto.graph.node if n.domain]
    assert (quant.domain, quant.op_type, split.domain, split.op_type) == (
        "qonnx.custom_op.general", "Quant", "mydom", "Split2",
    )  # fmt: skip
    assert list(quant.input) == ["x", "scale"] and len(split.output) == 2  # a trailing None input is omitted
    attrs = {a.name: onnx.helper.get_attribute_value(a) for a in quant.attribute}
    assert attrs == {"signed": 1, "rounding_mode": b"ROUND", "ratio": pytest.approx(0.5), "axes": [0, 1],
                     "gains": [1.0, 2.0]}  # fmt: skip
    imports = {o.domain: o.version for o in proto.opset_import}
    assert imports["qonnx.custom_op.general"] == 2 and imports["mydom"] == 3 and imports[""] == opset


def test_attribute_decoding_reads_each_typed_pool() -> None:
    """Test: the flat (keys, types, positions, pools) encoding decodes to g.op keywords."""
    decoded = decode_attributes(
        ["a", "b", "c", "d"], ["i", "fs", "s", "is"], [(0, 1), (0, 2), (0, 1), (1, 3)], [7, 1, 2], [0.5, 1.5], ["x"]
    )
    assert decoded == {"a_i": 7, "b_f": [0.5, 1.5], "c_s": "x", "d_i": [1, 2]}
