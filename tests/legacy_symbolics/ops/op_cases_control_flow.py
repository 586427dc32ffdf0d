"""The table of control-flow cases (``ops/control_flow.py``), walked by ``test_op_cases_control_flow.py``.

``higher_order::cond`` and ``higher_order::while_loop`` take FX subgraphs that only
the exporter's translator can translate, so their cases cannot call the symbolic
on a hand-built graph like the other tables do. Each case is a small model instead:
exported with ``onnx_migrate.export`` at each opset, checked, and run in ONNX Runtime
on inputs that take every branch (and loop counts decided at run time), compared with
eager PyTorch.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import torch

__all__ = ["CONTROL_FLOW_CASES", "ModelCase"]


@dataclasses.dataclass(frozen=True)
class ModelCase:
    """One control-flow symbolic, checked by exporting a small model that uses it.

    Attributes:
        op: the op the case covers (for the coverage tests).
        label: what the case shows.
        build: makes the model.
        inputs: the example inputs (the first set is exported), each a tuple of model arguments.
        onnx_op: the ONNX op the symbolic writes (counted in the main graph).
        opsets: the opsets the case runs at.
    """

    op: str
    label: str
    build: Callable[[], torch.nn.Module]
    inputs: tuple[tuple[Any, ...], ...]
    onnx_op: str
    opsets: tuple[int, ...] = (9, 11, 13, 17)

    @property
    def name(self) -> str:
        return f"{self.op}[{self.label}]"


class _IntegerBranches(torch.nn.Module):
    """``torch.cond`` over int64 values: both branches keep the integer type."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cond(x.sum() > 0, lambda v: v * 3, lambda v: v - 7, (x,))


class _SizeFreePredicateWithBuffer(torch.nn.Module):
    """A predicate read from a buffer-scaled input; each branch reads the buffer too."""

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("scale", torch.tensor([0.5, -2.0, 3.0]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        def then(v: torch.Tensor) -> torch.Tensor:
            return torch.softmax(v * self.scale, dim=-1)

        def otherwise(v: torch.Tensor) -> torch.Tensor:
            return (v - self.scale).abs()

        return torch.cond((x * self.scale).max() > 1.0, then, otherwise, (x,))


class _CountDown(torch.nn.Module):
    """``while_loop`` whose trip count is the input's value: halves a tensor that many times."""

    def forward(self, steps: torch.Tensor, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        def cond_fn(n: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
            return n > 0

        def body_fn(n: torch.Tensor, v: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            return n - 1, v * 0.5

        return torch.ops.higher_order.while_loop(cond_fn, body_fn, (steps, x), ())


class _AccumulateUntil(torch.nn.Module):
    """``while_loop`` with two additional inputs (the step, the threshold) and a float carried sum."""

    def forward(self, x: torch.Tensor, threshold: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        def cond_fn(total: torch.Tensor, n: torch.Tensor, step: torch.Tensor, limit: torch.Tensor) -> torch.Tensor:
            return total.sum() < limit

        def body_fn(
            total: torch.Tensor, n: torch.Tensor, step: torch.Tensor, limit: torch.Tensor
        ) -> tuple[torch.Tensor, torch.Tensor]:
            return total + step.abs() + 0.1, n + 1

        carried = (torch.zeros_like(x), torch.tensor(0))
        return torch.ops.higher_order.while_loop(cond_fn, body_fn, carried, (x, threshold))


_X = torch.tensor([[0.3, -1.2, 2.0], [1.5, 0.4, -0.7]])

CONTROL_FLOW_CASES: list[ModelCase] = [
    ModelCase(
        "higher_order::cond",
        "int64 branches",
        _IntegerBranches,
        ((torch.tensor([4, -1, 2]),), (torch.tensor([-4, 1, -2]),)),
        "If",
    ),
    ModelCase(
        "higher_order::cond",
        "buffer read in the predicate and both branches",
        _SizeFreePredicateWithBuffer,
        ((_X,), (_X * 0.1,)),
        "If",
    ),
    ModelCase(
        "higher_order::while_loop",
        "trip count from an input",
        _CountDown,
        ((torch.tensor(3), _X), (torch.tensor(0), _X), (torch.tensor(6), _X)),
        "Loop",
        opsets=(11, 13, 17),
    ),
    ModelCase(
        "higher_order::while_loop",
        "two additional inputs",
        _AccumulateUntil,
        ((_X, torch.tensor(5.0)), (_X, torch.tensor(0.0)), (_X, torch.tensor(40.0))),
        "Loop",
    ),
]
