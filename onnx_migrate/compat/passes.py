"""Graph rewrites the legacy exporter applied to every eval-mode export.

The legacy exporter's eval "peephole" folded a ``BatchNormalization`` that
follows a ``Conv`` into the convolution's weights, so deployed models have one
node instead of two. Users compare op lists with their old files, so the same
rewrite runs here, as an ``onnx_ir`` in-place pass.
"""

from __future__ import annotations

import numpy as np
import onnx_ir as ir

__all__ = ["FuseConvBatchNormPass"]


def _constant(value: ir.Value | None) -> np.ndarray | None:
    if value is None or not value.is_initializer() or value.is_graph_input() or value.const_value is None:
        return None
    return value.const_value.numpy()


def _attr(node: ir.Node, name: str, default: float) -> float:
    attr = node.attributes.get(name)
    return float(attr.value) if attr is not None else default


class FuseConvBatchNormPass(ir.passes.InPlacePass):
    """Fold ``BatchNormalization(Conv(x, W, b))`` into ``Conv(x, W', b')`` when all parameters are constant."""

    def call(self, model: ir.Model) -> ir.passes.PassResult:
        modified = False
        graph = model.graph
        for bn in list(graph):
            if bn.op_type != "BatchNormalization" or bn.domain not in ("", "ai.onnx"):
                continue
            if any(out.uses() or out.is_graph_output() for out in bn.outputs[1:]):
                continue  # training-mode outputs are used
            source = bn.inputs[0]
            conv = source.producer() if source is not None else None
            if conv is None or conv.op_type != "Conv" or conv.domain not in ("", "ai.onnx"):
                continue
            if len(source.uses()) != 1 or source.is_graph_output():
                continue
            fused = self._fuse(conv, bn, graph)
            if fused:
                modified = True
        return ir.passes.PassResult(model, modified)

    @staticmethod
    def _fuse(conv: ir.Node, bn: ir.Node, graph: ir.Graph) -> bool:
        weight = _constant(conv.inputs[1])
        bias_value = conv.inputs[2] if len(conv.inputs) > 2 else None
        bias = _constant(bias_value) if bias_value is not None else None
        params = [_constant(v) for v in bn.inputs[1:5]]
        if weight is None or (bias_value is not None and bias is None) or any(p is None for p in params):
            return False
        scale, shift, mean, var = params  # type: ignore[misc]
        eps = _attr(bn, "epsilon", 1e-5)
        dtype = weight.dtype
        factor = scale.astype(np.float64) / np.sqrt(var.astype(np.float64) + eps)
        new_weight = (weight.astype(np.float64) * factor.reshape((-1,) + (1,) * (weight.ndim - 1))).astype(dtype)
        old_bias = bias.astype(np.float64) if bias is not None else np.zeros_like(factor)
        new_bias = ((old_bias - mean.astype(np.float64)) * factor + shift.astype(np.float64)).astype(dtype)
        base = conv.name or "Conv"
        weight_value = ir.Value(name=f"{base}.fused_weight", const_value=ir.tensor(new_weight, name=f"{base}.fused_weight"))
        bias_value_new = ir.Value(name=f"{base}.fused_bias", const_value=ir.tensor(new_bias, name=f"{base}.fused_bias"))
        for value in (weight_value, bias_value_new):
            value.dtype = ir.DataType.from_numpy(np.dtype(dtype))
            value.shape = ir.Shape(value.const_value.shape)  # type: ignore[union-attr]
            graph.register_initializer(value)
        conv.replace_input_with(1, weight_value)
        if len(conv.inputs) > 2:
            conv.replace_input_with(2, bias_value_new)
        else:
            conv.resize_inputs(3)
            conv.replace_input_with(2, bias_value_new)
        out = bn.outputs[0]
        conv_out = conv.outputs[0]
        ir.convenience.replace_all_uses_with(out, conv_out)
        if out.is_graph_output():
            index = list(graph.outputs).index(out)
            name = out.name
            out.name = None
            graph.outputs[index] = conv_out
            conv_out.name = name
        graph.remove(bn, safe=True)
        return True
