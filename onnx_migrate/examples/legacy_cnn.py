"""A small CNN exported the legacy way: a custom op with a registered symbolic,
in-place ops and Python scalars, ``dynamic_axes``, opset 13.

This is what years-old export scripts look like; ``onnx-migrate demo`` runs it
unchanged except for the import of ``onnx_migrate``.
"""

from __future__ import annotations

import torch

# -- a custom op, as deployment code registers them ------------------------------------

LIBRARY = "onnx_migrate_demo"


@torch.library.custom_op(f"{LIBRARY}::clamp01", mutates_args=())
def clamp01(x: torch.Tensor) -> torch.Tensor:
    """Clamp to [0, 1] (stands for any op a deployment runtime implements natively)."""
    return x.clamp(0.0, 1.0)


@clamp01.register_fake
def _(x: torch.Tensor) -> torch.Tensor:
    return torch.empty_like(x)


def clamp01_symbolic(g, x):
    """The legacy symbolic: ONNX Clip with the bounds typed like the input."""
    from onnx_migrate.legacy_symbolics import symbolic_helper
    from onnx_migrate.legacy_symbolics.scalar_types import JitScalarType

    dtype = JitScalarType.from_value(x, JitScalarType.FLOAT).dtype()
    low = g.op("Constant", value_t=torch.tensor(0.0, dtype=dtype))
    high = g.op("Constant", value_t=torch.tensor(1.0, dtype=dtype))
    if g.opset < 11:
        return g.op("Clip", x, min_f=0.0, max_f=1.0)
    assert symbolic_helper._is_value(x)
    return g.op("Clip", x, low, high)


# -- the model ---------------------------------------------------------------------------


class LegacyCNN(torch.nn.Module):
    def __init__(self, num_classes: int = 5) -> None:
        super().__init__()
        self.conv1 = torch.nn.Conv2d(3, 8, 3, padding=1)
        self.bn1 = torch.nn.BatchNorm2d(8)
        self.conv2 = torch.nn.Conv2d(8, 16, 3, stride=2, padding=1)
        self.pool = torch.nn.AdaptiveAvgPool2d(1)
        self.fc = torch.nn.Linear(16, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.bn1(self.conv1(x))
        y.relu_()  # an in-place op
        y = y * 0.5 + 1  # Python scalars
        y = torch.ops.onnx_migrate_demo.clamp01(self.conv2(y))  # the custom op
        y = self.pool(y).flatten(1)
        return torch.softmax(self.fc(y), dim=-1)


def example_inputs(batch: int = 2) -> tuple[torch.Tensor]:
    return (torch.randn(batch, 3, 32, 32),)


EXPORT_KWARGS = dict(
    opset_version=13,
    input_names=["image"],
    output_names=["probs"],
    dynamic_axes={"image": {0: "batch"}, "probs": {0: "batch"}},
)
