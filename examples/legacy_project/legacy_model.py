"""The model of the legacy project: a custom op, an autograd.Function with a symbolic, nested modules.

Written the way PyTorch projects wrote export-ready models for the TorchScript
exporter; nothing here knows about onnx_migrate. The custom op stands for a
fused kernel a deployment runtime implements natively (here ONNX Runtime's
``com.microsoft::BiasGelu``); ``ClampedSoftsign`` stands for a Python-level
function exported as a single custom node of this project's ONNX domain.
"""

import torch

#: ONNX domain of the project's own custom nodes (passed to export as custom_opsets).
CUSTOM_DOMAIN = "legacy_project"

#: Test-only switch: emit standard ONNX ops instead of the custom node, so ONNX Runtime can run the model.
PORTABLE = False


@torch.library.custom_op("legacy_project::fused_bias_gelu", mutates_args=())
def fused_bias_gelu(x: torch.Tensor, bias: torch.Tensor, scale: float, approximate: str) -> torch.Tensor:
    """``gelu(x + bias) * scale``, one kernel in the deployment runtime."""
    return torch.nn.functional.gelu(x + bias, approximate=approximate) * scale


@fused_bias_gelu.register_fake
def _(x, bias, scale, approximate):
    return torch.empty_like(x)


class ClampedSoftsign(torch.autograd.Function):
    """``softsign(x)`` clamped to ``[low, high]``; exported as one ``legacy_project::ClampedSoftsign`` node."""

    @staticmethod
    def forward(ctx, x, low, high):
        y = x / (1 + x.abs())
        ctx.save_for_backward(x, y)
        ctx.low, ctx.high = low, high
        return y.clamp(low, high)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        inside = (y >= ctx.low) & (y <= ctx.high)
        return grad * inside / (1 + x.abs()) ** 2, None, None

    @staticmethod
    def symbolic(g, x, low, high):
        if PORTABLE:
            softsign = g.op("Softsign", x)
            low_t = g.op("Constant", value_t=torch.tensor(low, dtype=torch.float32))
            high_t = g.op("Constant", value_t=torch.tensor(high, dtype=torch.float32))
            return g.op("Clip", softsign, low_t, high_t)
        out = g.op(f"{CUSTOM_DOMAIN}::ClampedSoftsign", x, low_f=low, high_f=high)
        out.setType(x.type())
        return out


class Block(torch.nn.Module):
    def __init__(self, dim, approximate):
        super().__init__()
        self.fc = torch.nn.Linear(dim, dim)
        self.bias = torch.nn.Parameter(torch.randn(dim) * 0.1)
        self.approximate = approximate

    def forward(self, x):
        y = torch.ops.legacy_project.fused_bias_gelu(self.fc(x), self.bias, 0.5, self.approximate)
        return x + ClampedSoftsign.apply(y, -0.5, 0.75)


class LegacyModel(torch.nn.Module):
    def __init__(self, in_features=8, dim=16, classes=4):
        super().__init__()
        self.embed = torch.nn.Linear(in_features, dim)
        self.blocks = torch.nn.Sequential(Block(dim, "none"), Block(dim, "tanh"))
        self.head = torch.nn.Linear(dim, classes)

    def forward(self, tokens):
        return self.head(self.blocks(torch.relu(self.embed(tokens))))


def example_inputs(batch=2, seq=5, in_features=8):
    return (torch.randn(batch, seq, in_features),)
