"""Built-in symbolics for ``torch.cond`` and ``torch.ops.higher_order.while_loop``: ONNX ``If`` and ``Loop``.

``torch.export`` keeps data-dependent control flow as higher-order op nodes
(named ``higher_order::cond`` / ``higher_order::while_loop`` by the
translator) whose branches are FX ``GraphModule`` s, with every value they read
passed in explicitly. Each branch becomes an ONNX sub-block built with the
GraphContext block API, translated node by node by
``g.translate_subgraph`` (the exporter's translator, so custom symbolics apply
inside branches too):

* ``cond(pred, true_fn, false_fn, operands)`` -> ``If(pred)``; both branches
  read the operands from the enclosing graph and produce the same outputs.
* ``while_loop(cond_fn, body_fn, carried, additional)`` -> ``Loop(M="", cond)``:
  ``cond_fn`` runs once before the loop for the first condition, and inside the
  body after ``body_fn`` for the next one; ``additional`` inputs are read from
  the enclosing graph.

``torch.export`` itself inlines a ``torch.cond`` whose predicate is a Python
bool; a predicate computed from sizes (a SymBool) arrives as a graph value.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import onnx_ir as ir
import torch
import torch.fx

from onnx_migrate._torch_compat import pytree
from onnx_migrate.errors import SymbolicValueError
from onnx_migrate.legacy_symbolics._helpers.args import get_tensor_rank
from onnx_migrate.legacy_symbolics._helpers.shapes import reshape_helper
from onnx_migrate.legacy_symbolics.graph_context import (
    GraphContext,
    add_input_to_block,
    add_op_with_blocks,
    add_output_to_block,
)
from onnx_migrate.legacy_symbolics.ops.elementwise import dtype_of
from onnx_migrate.legacy_symbolics.marks import builtin_symbolic
from onnx_migrate.legacy_symbolics.scalar_types import JitScalarType
from onnx_migrate.legacy_symbolics.values import ConstantValue, ListValue, TensorType, Value

__all__: list[str] = []


def _graph_module(value: Any, name: str, op: str) -> torch.fx.GraphModule:
    obj = value.python_value if isinstance(value, ConstantValue) else value
    if not isinstance(obj, torch.fx.GraphModule):
        raise SymbolicValueError(
            f"{op}: {name} must be a subgraph (torch.fx.GraphModule), got {type(obj).__name__}.", None
        )
    return obj


def _items(values: Any) -> list[Any]:
    """The operands of a control-flow op: a list value, a Python list or tuple, or nothing."""
    if isinstance(values, ListValue):
        return list(values.items)
    if isinstance(values, ConstantValue):
        obj = values.python_value
        if obj is None:
            return []
        return [ConstantValue(v) for v in obj] if isinstance(obj, (list, tuple)) else [values]
    if isinstance(values, (list, tuple)):
        return list(values)
    return [values]


def _as_tensor(g: GraphContext, value: Any) -> Value:
    """A graph value for an operand: Python numbers (unbacked ints, constant flags) become constants."""
    if isinstance(value, ConstantValue):
        return g.op("Constant", value_t=torch.tensor(value.python_value))
    return value


def _as_condition(g: GraphContext, value: Any) -> Value:
    """A 0-d bool: ``If``'s and ``Loop``'s condition type (``pred`` may be an int or float tensor, or a [1] tensor)."""
    value = _as_tensor(g, value)
    if dtype_of(value) != torch.bool:
        value = g.op("Cast", value, to_i=JitScalarType.BOOL.onnx_type())
    if get_tensor_rank(value) not in (0, None):
        value = reshape_helper(g, value, [])
    return value


def _block_output(block: GraphContext, value: Any) -> Value:
    """``value`` as an output of ``block``: made in it, or passed through an ``Identity`` when it comes from outside."""
    value = _as_tensor(block, value)
    if value.ir_value.graph is not block.block or value.ir_value.is_graph_input():
        value = block.op("Identity", value)
    add_output_to_block(block, value)
    return value


def _copy_type(target: Value, source: Value) -> None:
    """Give a control-flow output the type and shape of the branch value it stands for."""
    irv, like = target.ir_value, source.ir_value
    if irv.dtype is None and like.dtype is not None:
        irv.dtype = like.dtype
    if irv.shape is None and like.shape is not None:
        irv.shape = ir.Shape(list(like.shape))


def _as_tuple(outputs: Any) -> tuple[Value, ...]:
    return outputs if isinstance(outputs, tuple) else (outputs,)


@builtin_symbolic("higher_order::cond")
def higher_order_cond(g: GraphContext, pred: Any, true_fn: Any, false_fn: Any, operands: Any) -> tuple[Value, ...]:
    """``torch.cond(pred, true_fn, false_fn, operands)`` -> ``If``; returns the outputs of the taken branch."""
    op = "higher_order::cond"
    branches = (_graph_module(true_fn, "true_fn", op), _graph_module(false_fn, "false_fn", op))
    inputs = _items(operands)
    count = _output_count(branches[0])
    outputs, blocks, _ = add_op_with_blocks(g, "If", _as_condition(g, pred), outputs=count, n_blocks=2)
    results = []
    for block, branch in zip(blocks, branches, strict=True):
        produced = block.translate_subgraph(branch, inputs)
        if len(produced) != count:
            raise SymbolicValueError(
                f"{op}: the branches return {count} and {len(produced)} values; they must match.", None
            )
        results.append([_block_output(block, value) for value in produced])
    for output, then_value, else_value in zip(_as_tuple(outputs), *results, strict=True):
        if then_value.ir_value.dtype != else_value.ir_value.dtype:
            raise SymbolicValueError(
                f"{op}: the branches return different element types ({then_value.ir_value.dtype} and "
                f"{else_value.ir_value.dtype}); torch.cond requires the same type from both.",
                output,
            )
        _copy_type(output, then_value)
    return _as_tuple(outputs)


def _output_count(graph_module: torch.fx.GraphModule) -> int:
    output = next(node for node in graph_module.graph.nodes if node.op == "output")
    return len(pytree.tree_leaves(output.args[0]))


@builtin_symbolic("higher_order::while_loop")
def higher_order_while_loop(
    g: GraphContext, cond_fn: Any, body_fn: Any, carried_inputs: Any, additional_inputs: Any = None
) -> tuple[Value, ...]:
    """``while_loop(cond_fn, body_fn, carried_inputs, additional_inputs)`` -> ``Loop``; returns the last carried values."""
    op = "higher_order::while_loop"
    condition_graph = _graph_module(cond_fn, "cond_fn", op)
    body_graph = _graph_module(body_fn, "body_fn", op)
    carried = [_as_tensor(g, value) for value in _items(carried_inputs)]
    extra = _items(additional_inputs)
    (first,) = g.translate_subgraph(condition_graph, [*carried, *extra])
    outputs, (body,), _ = add_op_with_blocks(
        g, "Loop", None, _as_condition(g, first), *carried, outputs=len(carried), n_blocks=1
    )
    add_input_to_block(body).setType(TensorType(torch.int64, ()))  # iteration number (unused)
    add_input_to_block(body).setType(TensorType(torch.bool, ()))  # incoming condition (unused: recomputed)
    state = []
    for value in carried:
        block_input = add_input_to_block(body)
        block_input.setType(TensorType(value.type().dtype(), _shape_of(value)))
        state.append(block_input)
    updated = body.translate_subgraph(body_graph, [*state, *extra])
    if len(updated) != len(carried):
        raise SymbolicValueError(
            f"{op}: body_fn returns {len(updated)} values for {len(carried)} carried inputs.", None
        )
    (again,) = body.translate_subgraph(condition_graph, [*updated, *extra])
    _block_output(body, _as_condition(body, again))
    for output, value, initial in zip(_as_tuple(outputs), updated, carried, strict=True):
        _block_output(body, value)
        _copy_type(output, initial)
    return _as_tuple(outputs)


def _shape_of(value: Value) -> Sequence[int | str | None] | None:
    shape = value.ir_value.shape
    if shape is None:
        return None
    return [d if isinstance(d, int) else (d.value if isinstance(d, ir.SymbolicDim) else None) for d in shape]
