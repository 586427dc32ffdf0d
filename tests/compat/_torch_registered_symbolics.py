"""Symbolics written against torch's own legacy API, the way third-party packages write them.

Module-level ``from torch.onnx import symbolic_helper`` binds torch's legacy helpers at
import; the tests register these through ``torch.onnx.register_custom_op_symbolic`` and
export with ``onnx_migrate.export`` without ``install()``. Imported only by tests that
skip when torch no longer ships its legacy exporter.
"""

from __future__ import annotations

import torch
from torch.onnx import symbolic_helper


def _alpha(value):
    return symbolic_helper._maybe_get_const(value, "f")  # a same-module helper: rebound too


def leaky_relu(g, input, negative_slope):
    """Reads its constant through torch's legacy helper bound at import."""
    return g.op("mydom::LeakyRelu", input, alpha_f=_alpha(negative_slope))


@symbolic_helper.parse_args("v", "f")
def leaky_relu_parsed(g, input, negative_slope):
    """Decorated by torch's legacy parse_args."""
    return g.op("mydom::LeakyReluParsed", input, alpha_f=negative_slope)


@symbolic_helper.quantized_args(True)
def relu_quantized(g, input):
    """Wrapped by torch's legacy quantized_args, which onnx_migrate cannot unwrap."""
    return g.op("mydom::Relu", input)


def relu_via_torch_internals(g, input):
    """Reaches torch's legacy helper by a path no stand-in covers."""
    helpers = torch.onnx._internal.torchscript_exporter.symbolic_helper
    if helpers._is_value(input):  # False for onnx_migrate's values: silently the wrong branch
        return g.op("mydom::Relu", input)
    return g.op("Relu", input)
