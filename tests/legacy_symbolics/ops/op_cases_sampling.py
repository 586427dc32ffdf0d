"""The table of random-sampling cases (``ops/sampling.py``), walked by ``test_sampling_ops.py``.

Values cannot match PyTorch's generator, so each case states what every sample
must satisfy instead: ``(op, label, kwargs builder taking (g, x), expected shape,
numpy dtype, check)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import torch
from extended_case import size_of
from symbolic_case import T, add_tensor

from onnx_migrate.legacy_symbolics.graph_context import GraphContext
from onnx_migrate.legacy_symbolics.values import ConstantValue, ListValue

__all__ = ["CASES", "SAMPLE_X", "Check", "SamplingCase"]

Check = Callable[[np.ndarray], bool]

SAMPLE_X = T(300, 4, low=0.0, high=1.0)


def _in(low: float, high: float) -> Check:
    return lambda a: bool((a >= low).all() and (a < high).all())


def _dynamic_size(g: GraphContext, x: Any) -> ListValue:
    return ListValue([size_of(g, x, 0), ConstantValue(4)])


class SamplingCase(NamedTuple):
    """One sampler call and what its samples must satisfy (a tuple, unpacked by the test's parameters)."""

    op: str
    label: str
    call: Callable[[GraphContext, Any], dict[str, Any]]
    shape: tuple[int, ...]
    dtype: type
    check: Check


_ROWS: list[tuple[str, str, Callable[[GraphContext, Any], dict[str, Any]], tuple[int, ...], type, Check]] = [
    ("aten::rand", "static", lambda g, x: {"size": ConstantValue([300, 4])}, (300, 4), np.float32, _in(0, 1)),
    (
        "aten::rand",
        "dynamic float64",
        lambda g, x: {"size": _dynamic_size(g, x), "dtype": ConstantValue(torch.float64)},
        (300, 4),
        np.float64,
        _in(0, 1),
    ),
    (
        "aten::randn",
        "static",
        lambda g, x: {"size": ConstantValue([300, 4])},
        (300, 4),
        np.float32,
        lambda a: abs(a.mean()) < 0.3 and 0.7 < a.std() < 1.3,
    ),
    ("aten::rand_like", "default", lambda g, x: {"self": x}, (300, 4), np.float32, _in(0, 1)),
    ("aten::randn_like", "default", lambda g, x: {"self": x}, (300, 4), np.float32, lambda a: 0.7 < a.std() < 1.3),
    (
        "aten::randint",
        "low",
        lambda g, x: {"low": ConstantValue(3), "high": ConstantValue(7), "size": _dynamic_size(g, x)},
        (300, 4),
        np.int64,
        lambda a: a.min() >= 3 and a.max() <= 6 and len(np.unique(a)) == 4,
    ),
    (
        "aten::randint_like",
        "default",
        lambda g, x: {"self": x, "high": ConstantValue(5)},
        (300, 4),
        np.float32,
        lambda a: np.array_equal(a, np.floor(a)) and a.max() <= 4,
    ),
    (
        "aten::normal",
        "Tensor_float",
        lambda g, x: {"mean": x, "std": ConstantValue(0.01)},
        (300, 4),
        np.float32,
        lambda a: np.abs(a - SAMPLE_X.numpy()).max() < 0.1,
    ),
    (
        "aten::normal",
        "float_float",
        lambda g, x: {"mean": ConstantValue(5.0), "std": ConstantValue(1.0), "size": ConstantValue([300, 4])},
        (300, 4),
        np.float32,
        lambda a: 4.7 < a.mean() < 5.3,
    ),
    (
        "aten::bernoulli",
        "p",
        lambda g, x: {"self": x, "p": ConstantValue(0.5)},
        (300, 4),
        np.float32,
        lambda a: set(np.unique(a)) <= {0.0, 1.0} and 0.35 < a.mean() < 0.65,
    ),
    (
        "aten::bernoulli",
        "self",
        lambda g, x: {"self": x},
        (300, 4),
        np.float32,
        lambda a: set(np.unique(a)) <= {0.0, 1.0},
    ),
    (
        "aten::uniform",
        "default",
        lambda g, x: {"self": x, "low": ConstantValue(-2.0), "high": ConstantValue(-1.0)},
        (300, 4),
        np.float32,
        _in(-2, -1),
    ),
    (
        "aten::multinomial",
        "one sample",
        lambda g, x: {"self": x, "num_samples": ConstantValue(1)},
        (300, 1),
        np.int64,
        lambda a: a.min() >= 0 and a.max() <= 3,
    ),
    (
        "aten::multinomial",
        "1-d replacement",
        lambda g, x: {
            "self": add_tensor(g, "p", torch.tensor([0.0, 1.0, 0.0])),
            "num_samples": ConstantValue(5),
            "replacement": ConstantValue(True),
        },
        (5,),
        np.int64,
        lambda a: bool((a == 1).all()),
    ),
]

CASES: list[SamplingCase] = [SamplingCase(*row) for row in _ROWS]
