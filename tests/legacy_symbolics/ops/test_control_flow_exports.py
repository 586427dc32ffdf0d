"""``torch.cond`` and ``while_loop`` models exported as ONNX ``If``/``Loop`` through ``onnx_migrate.export``.

Each model runs in ONNX Runtime on inputs that take every branch (and loop
counts decided at run time), so both sub-blocks are exercised.
"""

from __future__ import annotations

import pytest
import torch
from model_export_check import export_and_compare, op_counts

import onnx_migrate
from onnx_migrate.errors import OnnxMigrateError
from onnx_migrate.legacy_symbolics.registry import SymbolicRegistry

torch.manual_seed(0)


class GatedHead(torch.nn.Module):
    """``torch.cond`` on a data-dependent predicate; one branch uses a submodule, the other plain math."""

    def __init__(self) -> None:
        super().__init__()
        self.proj = torch.nn.Linear(3, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cond(x.sum() > 0, lambda v: self.proj(v).relu(), lambda v: v - 1.0, (x,))


class TwoOutputCond(torch.nn.Module):
    """Two outputs per branch, a parameter read in a branch, and a branch output that is an operand (cloned)."""

    def __init__(self) -> None:
        super().__init__()
        self.bias = torch.nn.Parameter(torch.randn(3))

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        def then(x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            return x + self.bias, y.clone()

        def otherwise(x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            return x * 2, y - x

        return torch.cond(x.mean() > y.mean(), then, otherwise, (x, y))


class Doubler(torch.nn.Module):
    """A fixed-count ``while_loop`` carrying a counter and a tensor."""

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        def cond_fn(i: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
            return i < 3

        def body_fn(i: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            return i + 1, v * 2

        return torch.ops.higher_order.while_loop(cond_fn, body_fn, (torch.tensor(0), x), ())


class GrowUntil(torch.nn.Module):
    """A data-dependent number of steps, an additional input (the limit, the weights) and a cond inside the body."""

    def __init__(self) -> None:
        super().__init__()
        self.step = torch.nn.Linear(3, 3)

    def forward(self, x: torch.Tensor, limit: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        def cond_fn(
            v: torch.Tensor, n: torch.Tensor, limit: torch.Tensor, w: torch.Tensor, b: torch.Tensor
        ) -> torch.Tensor:
            return v.abs().sum() < limit

        def body_fn(v: torch.Tensor, n: torch.Tensor, limit: torch.Tensor, w: torch.Tensor, b: torch.Tensor):
            grown = torch.cond(
                n > 2,
                lambda v, w, b: v * 1.5,
                lambda v, w, b: torch.nn.functional.linear(v, w, b) + 1.0,
                (v, w, b),
            )
            return grown, n + 1

        carried = (x, torch.tensor(0))
        return torch.ops.higher_order.while_loop(cond_fn, body_fn, carried, (limit, self.step.weight, self.step.bias))


@pytest.mark.parametrize("opset", [9, 11, 13, 17])
def test_cond_becomes_if(opset: int) -> None:
    x = torch.randn(2, 3)
    proto = export_and_compare(GatedHead(), (x.abs(),), opset, more_inputs=[(-x.abs(),)])
    assert op_counts(proto)["If"] == 1


@pytest.mark.parametrize("opset", [11, 13, 17])
def test_cond_with_two_outputs(opset: int) -> None:
    x, y = torch.randn(2, 3), torch.randn(2, 3)
    proto = export_and_compare(TwoOutputCond(), (x, y), opset, more_inputs=[(x, y + 5), (x + 5, y)])
    assert op_counts(proto)["If"] == 1


@pytest.mark.parametrize("opset", [11, 13, 17])
def test_while_loop_becomes_loop(opset: int) -> None:
    proto = export_and_compare(Doubler(), (torch.randn(2, 3),), opset)
    assert op_counts(proto)["Loop"] == 1


@pytest.mark.parametrize("opset", [9, 13, 17])
def test_data_dependent_while_loop_with_a_nested_cond(opset: int) -> None:
    small = torch.randn(2, 3) * 0.1
    proto = export_and_compare(
        GrowUntil(),
        (small, torch.tensor(50.0)),
        opset,
        more_inputs=[(small, torch.tensor(5.0)), (torch.randn(2, 3), torch.tensor(0.5))],
    )
    counts = op_counts(proto)
    assert counts["Loop"] == 1
    (loop,) = [n for n in proto.graph.node if n.op_type == "Loop"]
    body = loop.attribute[0].g
    assert [n.op_type for n in body.node].count("If") == 1


def test_parameters_read_by_a_cond_nested_in_a_loop_get_a_clear_error() -> None:
    """torch.export leaves such parameters without data in the subgraph; the error says how to pass them."""

    class Implicit(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.step = torch.nn.Linear(3, 3)

        def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            def body_fn(v: torch.Tensor, n: torch.Tensor):
                inner = torch.cond(
                    n > 0, lambda v: v * 2, lambda v: torch.nn.functional.linear(v, self.step.weight), (v,)
                )
                return inner, n + 1

            return torch.ops.higher_order.while_loop(lambda v, n: n < 2, body_fn, (x, torch.tensor(0)), ())

    with pytest.raises(OnnxMigrateError, match=r"additional_input of while_loop"):
        onnx_migrate.export(Implicit().eval(), (torch.randn(2, 3),), opset_version=13)


def test_ops_without_symbolics_inside_branches_are_decomposed() -> None:
    """The selective decomposition looks into the branches too (``aten::logaddexp`` has no symbolic here)."""

    class Branchy(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.cond(x.sum() > 0, lambda v: torch.logaddexp(v, v * 2), lambda v: v - 1.0, (x,))

    x = torch.randn(2, 3).abs()
    result = onnx_migrate.export(Branchy(), (x,), opset_version=13)
    if not SymbolicRegistry.default().is_registered_op("aten::logaddexp", 13):
        assert "aten::logaddexp" in result.report.decomposed
    export_and_compare(Branchy(), (x,), 13, more_inputs=[(-x,)])


def test_cond_on_a_dynamic_size() -> None:
    """A predicate computed from a dynamic dim (a SymBool) becomes a run-time ``If`` condition."""

    class BySize(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.cond(x.shape[0] > 3, lambda v: v + 1, lambda v: v - 1, (x,))

    export_and_compare(
        BySize(),
        (torch.randn(5, 2),),
        13,
        more_inputs=[(torch.randn(2, 2),), (torch.randn(4, 2),)],
        input_names=["x"],
        dynamic_axes={"x": {0: "n"}},
    )


def test_translate_subgraph_needs_an_export() -> None:
    from onnx_migrate.errors import GraphBuildError
    from onnx_migrate.legacy_symbolics.graph_context import GraphContext

    with pytest.raises(GraphBuildError, match="needs the exporter's translator"):
        GraphContext.create(13).translate_subgraph(torch.fx.symbolic_trace(torch.nn.ReLU()), [])
