"""timm: small variants of many families, exported by timm's own ``timm.utils.onnx.onnx_export``.

``onnx_export`` is timm's export code (it passes ``dynamo=False`` itself, names the
input ``input0`` and makes the batch dynamic); the harness only calls it. Models are
``create_model(name, pretrained=False)``: random init, nothing downloaded. The image
size per model is the smallest of 64/128/224/256 its forward accepts (probed once).
"""

from __future__ import annotations

from functools import partial

from conformance.case import Built, Case
from conformance.sources._util import missing

SOURCE = "timm"

#: model name -> input size (one model per family, small variants).
MODELS = {
    "resnet18d": 64, "efficientnet_b0": 64, "mobilenetv3_small_050": 64, "mobilenetv4_conv_small": 64,
    "vit_tiny_patch16_224": 224, "deit_tiny_patch16_224": 224, "convnext_atto": 64, "convnextv2_atto": 64,
    "regnetx_002": 64, "dla46_c": 64, "dpn48b": 64, "ghostnet_100": 64, "hrnet_w18_small": 64, "mixnet_s": 64,
    "rexnet_100": 64, "cspresnet50": 64, "levit_128s": 224, "swin_tiny_patch4_window7_224": 224,
    "poolformerv2_s12": 64, "efficientformer_l1": 224, "mobilevit_xxs": 64, "edgenext_xx_small": 64,
    "tiny_vit_5m_224": 64, "fastvit_t8": 64, "repvgg_a0": 64, "resnest14d": 64, "res2net50_14w_8s": 64,
    "skresnet18": 64, "selecsls42b": 64, "ese_vovnet19b_slim_dw": 64, "inception_v3": 128, "gernet_s": 64,
    "mixer_s32_224": 224, "resmlp_12_224": 224, "eva02_tiny_patch14_224": 224, "nf_regnet_b0": 64,
    "pit_ti_224": 224, "cait_xxs24_224": 224, "pvt_v2_b0": 64, "maxvit_pico_rw_256": 256, "efficientvit_b0": 64,
    "hgnetv2_b0": 64, "lcnet_050": 64, "fbnetv3_b": 64, "tinynet_e": 64, "coatnet_nano_rw_224": 224,
    "sequencer2d_s": 64, "gcvit_xxtiny": 224, "efficientnet_lite0": 64, "mobileone_s0": 64, "hiera_tiny_224": 224,
    "inception_next_tiny": 64, "xcit_nano_12_p16_224": 64, "crossvit_tiny_240": 64, "visformer_tiny": 224,
    "ghostnetv2_100": 64, "davit_tiny": 64, "focalnet_tiny_srf": 64,
}


def available() -> str | None:
    return missing("timm")


def _build(name: str, size: int) -> Built:
    import timm
    import torch
    from timm.utils.onnx import onnx_export

    model = timm.create_model(name, pretrained=False, num_classes=10).eval()
    x = torch.randn(2, 3, size, size)

    def export(path: str) -> None:
        onnx_export(model, path, example_input=x, opset=17, check=False)

    return Built(
        model=model, args=(x,), other_args=(torch.randn(3, 3, size, size),), input_names=["input0"],
        output_names=["output0"], dynamic_axes={"input0": {0: "batch"}, "output0": {0: "batch"}}, opset=17,
        export=export,
    )


def cases() -> list[Case]:
    return [Case(SOURCE, name, partial(_build, name, size)) for name, size in MODELS.items()]
