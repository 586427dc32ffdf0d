"""Export LegacyModel to ONNX, the way this project has done it since torch 1.x.

    python export_onnx.py --opset 11 --output legacy_model.onnx

With TorchScript gone, the same script runs unchanged with onnx_migrate:

    onnx-migrate run export_onnx.py --opset 11 --output legacy_model.onnx

``--portable`` (tests only) replaces the project's custom node by standard ONNX
ops so that ONNX Runtime can run the whole model.
"""

import argparse

import onnx
import torch
import torch.onnx
import torch.onnx.symbolic_opset9 as opset9
from torch.onnx import symbolic_helper
from torch.onnx.symbolic_helper import _maybe_get_const, parse_args

# isort: split
import legacy_model  # this project's model (next to this script)

# -- the symbolic of the custom op -----------------------------------------------------------


@parse_args("v", "v", "v", "s")
def fused_bias_gelu_symbolic(g, x, bias, scale, approximate):
    """ONNX Runtime's fused BiasGelu when it applies, else the built-in gelu on x + bias."""
    scale = _maybe_get_const(scale, "f")
    if approximate == "none" and symbolic_helper._is_value(x):
        y = g.op("com.microsoft::BiasGelu", x, bias)
        y.setType(x.type())
    else:
        y = opset9.gelu(g, g.op("Add", x, bias), approximate)  # fall back to the built-in symbolic
    if scale != 1.0:
        y = g.op("Mul", y, g.op("Constant", value_t=torch.tensor(scale, dtype=torch.float32)))
    return y


torch.onnx.register_custom_op_symbolic("legacy_project::fused_bias_gelu", fused_bias_gelu_symbolic, 11)


# -- the export --------------------------------------------------------------------------------


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--opset", type=int, default=11)
    parser.add_argument("--output", default="legacy_model.onnx")
    parser.add_argument("--portable", action="store_true", help="tests only: no custom node of our domain")
    args = parser.parse_args(argv)

    legacy_model.PORTABLE = args.portable
    torch.manual_seed(0)
    model = legacy_model.LegacyModel().eval()
    torch.onnx.export(
        model,
        legacy_model.example_inputs(),
        args.output,
        export_params=True,
        opset_version=args.opset,
        do_constant_folding=True,
        input_names=["tokens"],
        output_names=["scores"],
        dynamic_axes={"tokens": {0: "batch", 1: "seq"}, "scores": {0: "batch", 1: "seq"}},
        custom_opsets={legacy_model.CUSTOM_DOMAIN: 1, "com.microsoft": 1},
        dynamo=False,
    )
    onnx.checker.check_model(onnx.load(args.output))
    print(f"exported {args.output} (opset {args.opset})")


if __name__ == "__main__":
    main()
