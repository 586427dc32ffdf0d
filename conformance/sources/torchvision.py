"""torchvision: every classification, segmentation and detection builder (``weights=None``),
plus the legacy symbolics torchvision registers for ``roi_align``/``roi_pool``/``nms``
(``torchvision/ops/_register_onnx_ops.py``, registered when ``torchvision.ops`` is imported).

Builders are listed here (not from ``list_models``) so listing the corpus stays cheap;
:func:`unlisted_builders` names any builder a newer torchvision adds.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from conformance.case import Built, Case
from conformance.sources._util import image_case, missing

SOURCE = "torchvision"

CLASSIFICATION = (
    "alexnet convnext_base convnext_large convnext_small convnext_tiny densenet121 densenet161 densenet169 "
    "densenet201 efficientnet_b0 efficientnet_b1 efficientnet_b2 efficientnet_b3 efficientnet_b4 efficientnet_b5 "
    "efficientnet_b6 efficientnet_b7 efficientnet_v2_l efficientnet_v2_m efficientnet_v2_s googlenet inception_v3 "
    "maxvit_t mnasnet0_5 mnasnet0_75 mnasnet1_0 mnasnet1_3 mobilenet_v2 mobilenet_v3_large mobilenet_v3_small "
    "regnet_x_16gf regnet_x_1_6gf regnet_x_32gf regnet_x_3_2gf regnet_x_400mf regnet_x_800mf regnet_x_8gf "
    "regnet_y_128gf regnet_y_16gf regnet_y_1_6gf regnet_y_32gf regnet_y_3_2gf regnet_y_400mf regnet_y_800mf "
    "regnet_y_8gf resnet101 resnet152 resnet18 resnet34 resnet50 resnext101_32x8d resnext101_64x4d resnext50_32x4d "
    "shufflenet_v2_x0_5 shufflenet_v2_x1_0 shufflenet_v2_x1_5 shufflenet_v2_x2_0 squeezenet1_0 squeezenet1_1 swin_b "
    "swin_s swin_t swin_v2_b swin_v2_s swin_v2_t vgg11 vgg11_bn vgg13 vgg13_bn vgg16 vgg16_bn vgg19 vgg19_bn "
    "vit_b_16 vit_b_32 vit_h_14 vit_l_16 vit_l_32 wide_resnet101_2 wide_resnet50_2"
).split()
SEGMENTATION = (
    "deeplabv3_mobilenet_v3_large deeplabv3_resnet101 deeplabv3_resnet50 fcn_resnet101 fcn_resnet50 "
    "lraspp_mobilenet_v3_large"
).split()
DETECTION = (
    "fasterrcnn_mobilenet_v3_large_320_fpn fasterrcnn_mobilenet_v3_large_fpn fasterrcnn_resnet50_fpn "
    "fasterrcnn_resnet50_fpn_v2 fcos_resnet50_fpn keypointrcnn_resnet50_fpn maskrcnn_resnet50_fpn "
    "maskrcnn_resnet50_fpn_v2 retinanet_resnet50_fpn retinanet_resnet50_fpn_v2 ssd300_vgg16 "
    "ssdlite320_mobilenet_v3_large"
).split()
#: Models that need their native resolution (position embeddings, fixed windows, big strides).
_IMAGE_SIZE = {"vit": 224, "maxvit_t": 224, "inception_v3": 299, "swin": 224}
SMOKE = {"resnet18", "mobilenet_v3_small", "squeezenet1_1", "lraspp_mobilenet_v3_large",
         "roi_align_opset11", "roi_align_opset16", "roi_pool", "nms"}


def available() -> str | None:
    return missing("torchvision")


def unlisted_builders() -> set[str]:
    """Builders torchvision has that this module does not list (so the list can be updated)."""
    import torchvision.models as models

    known = set(CLASSIFICATION) | set(SEGMENTATION) | set(DETECTION)
    found = set()
    for module in (models, models.segmentation, models.detection):
        found |= set(models.list_models(module=module))
    return found - known


def _classification(name: str) -> Built:
    import torchvision.models as models

    size = next((s for prefix, s in _IMAGE_SIZE.items() if name.startswith(prefix)), 64)
    kwargs: dict[str, Any] = {"aux_logits": False, "init_weights": True} if name in ("googlenet", "inception_v3") else {}
    return image_case(models.get_model(name, weights=None, **kwargs), size=size)


def _segmentation(name: str) -> Built:
    import torchvision.models as models

    model = models.get_model(name, weights=None, weights_backbone=None, num_classes=5)
    return image_case(model, size=96)


def _detection(name: str) -> Built:
    import torch
    import torchvision.models as models

    extra: dict[str, Any] = {"weights": None, "weights_backbone": None, "num_classes": 3}
    if "rcnn" in name or "retinanet" in name or "fcos" in name:
        extra.update(min_size=160, max_size=224)
    model = models.get_model(name, **extra)
    image, other = torch.rand(3, 160, 192), torch.rand(3, 176, 160)
    outputs = ["boxes", "labels", "scores"] + (["masks"] if "mask" in name else []) + (
        ["keypoints", "keypoints_scores"] if "keypoint" in name else [])
    return Built(
        model=model, args=([image],), other_args=([other],), input_names=["images"], output_names=outputs,
        dynamic_axes={"images": {1: "height", 2: "width"}, **{o: {0: "detections"} for o in outputs}},
        opset=11,
    )


def _roi_align_module(aligned: bool) -> Any:
    import torch
    import torchvision.ops

    class RoiAlign(torch.nn.Module):
        def forward(self, x: torch.Tensor, boxes: torch.Tensor) -> torch.Tensor:
            return torchvision.ops.roi_align(x, boxes, (5, 5), spatial_scale=0.5, sampling_ratio=2, aligned=aligned)

    return RoiAlign()


def _boxes(count: int) -> Any:
    import torch

    xy = torch.rand(count, 2) * 20
    wh = torch.rand(count, 2) * 10 + 1
    return torch.cat([torch.randint(0, 2, (count, 1)).float(), xy, xy + wh], dim=1)


def _roi_align(opset: int) -> Built:
    import torch

    x = torch.randn(2, 4, 32, 32)
    return Built(
        model=_roi_align_module(aligned=opset >= 16), args=(x, _boxes(6)), other_args=(torch.randn(2, 4, 32, 32), _boxes(9)),
        input_names=["features", "rois"], output_names=["pooled"],
        dynamic_axes={"rois": {0: "num_rois"}, "pooled": {0: "num_rois"}}, opset=opset,
    )


def _roi_pool() -> Built:
    import torch
    import torchvision.ops

    class RoiPool(torch.nn.Module):
        def forward(self, x: torch.Tensor, boxes: torch.Tensor) -> torch.Tensor:
            return torchvision.ops.roi_pool(x, boxes, (4, 4), spatial_scale=0.5)

    return Built(
        model=RoiPool(), args=(torch.randn(2, 4, 32, 32), _boxes(5)),
        other_args=(torch.randn(2, 4, 32, 32), _boxes(8)),
        input_names=["features", "rois"], output_names=["pooled"],
        dynamic_axes={"rois": {0: "num_rois"}, "pooled": {0: "num_rois"}}, opset=11,
    )


def _nms() -> Built:
    import torch
    import torchvision.ops

    class Nms(torch.nn.Module):
        def forward(self, boxes: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
            return torchvision.ops.nms(boxes, scores, 0.5)

    def inputs(count: int) -> tuple[Any, Any]:
        return _boxes(count)[:, 1:], torch.rand(count)

    return Built(
        model=Nms(), args=inputs(20), other_args=inputs(31), input_names=["boxes", "scores"], output_names=["keep"],
        dynamic_axes={"boxes": {0: "num_boxes"}, "scores": {0: "num_boxes"}, "keep": {0: "num_kept"}}, opset=11,
    )


#: torch.export limitations behind the detection models' verdicts, with the user's fix.
_PADDED_BATCH = (
    "torch.export limitation: GeneralizedRCNNTransform.batch_images pads to int(math.ceil(h / 32) * 32), which "
    "torch.export fixes at the example's size (onnx_migrate warns, naming the condition); the legacy trace took "
    "torchvision's tensor-based _onnx_batch_images branch (torch.jit.is_tracing()). Fix: export at the image size you "
    "serve (resize/pad before the model), or keep model.transform outside the exported graph"
)
_DATA_DEPENDENT_POSTPROCESS = (
    "torch.export limitation: box counts after NMS are data-dependent and torchvision's post-processing branches "
    "on them (guards such as 4*u1 > 4000), which torch.export cannot capture even with draft_export's example "
    "values; the legacy trace followed the example. Fix: export backbone and heads, run postprocess_detections "
    "outside the graph, or rewrite the branch with torch.cond"
)


def _detection_limitation(name: str) -> str | None:
    if name.startswith("fasterrcnn"):
        return _PADDED_BATCH
    if name.startswith(("maskrcnn", "keypointrcnn", "retinanet", "fcos")):
        return _DATA_DEPENDENT_POSTPROCESS
    return None


def cases() -> list[Case]:
    out = [Case(SOURCE, n, partial(_classification, n), n in SMOKE) for n in CLASSIFICATION]
    out += [Case(SOURCE, n, partial(_segmentation, n), n in SMOKE) for n in SEGMENTATION]
    out += [Case(SOURCE, n, partial(_detection, n), known_limitation=_detection_limitation(n)) for n in DETECTION]
    out += [
        Case(SOURCE, "roi_align_opset11", partial(_roi_align, 11), True),
        Case(SOURCE, "roi_align_opset16", partial(_roi_align, 16), True),
        Case(SOURCE, "roi_pool", _roi_pool, True),
        Case(SOURCE, "nms", _nms, True),
    ]
    return out
