"""A legacy export script using torchvision's registered symbolics: roi_align (opset 11 and 16), roi_pool, nms."""

import sys

import torch
import torchvision.ops

out_dir = sys.argv[1]
torch.manual_seed(0)


class Heads(torch.nn.Module):
    def __init__(self, aligned: bool) -> None:
        super().__init__()
        self.aligned = aligned

    def forward(self, features, rois):
        align = torchvision.ops.roi_align(features, rois, (5, 5), spatial_scale=0.5, sampling_ratio=2, aligned=self.aligned)
        pool = torchvision.ops.roi_pool(features, rois, (4, 4), spatial_scale=0.5)
        return align, pool


class Nms(torch.nn.Module):
    def forward(self, boxes, scores):
        return torchvision.ops.nms(boxes, scores, 0.5)


def boxes(count):
    xy = torch.rand(count, 2) * 20
    wh = torch.rand(count, 2) * 10 + 1
    return torch.cat([torch.randint(0, 2, (count, 1)).float(), xy, xy + wh], dim=1)


features = torch.randn(2, 4, 32, 32)
for opset, aligned in ((11, False), (16, True)):
    torch.onnx.export(
        Heads(aligned), (features, boxes(6)), f"{out_dir}/heads_{opset}.onnx", opset_version=opset,
        input_names=["features", "rois"], output_names=["aligned", "pooled"],
        dynamic_axes={"rois": {0: "num_rois"}, "aligned": {0: "num_rois"}, "pooled": {0: "num_rois"}}, dynamo=False,
    )
scored = boxes(20)[:, 1:]
torch.onnx.export(
    Nms(), (scored, torch.rand(20)), f"{out_dir}/nms.onnx", opset_version=11, input_names=["boxes", "scores"],
    output_names=["keep"], dynamic_axes={"boxes": {0: "n"}, "scores": {0: "n"}, "keep": {0: "kept"}}, dynamo=False,
)
