"""segment-anything: its own ONNX export wrapper ``SamOnnxModel`` with the inputs, names and
dynamic axes of its ``scripts/export_onnx_model.py`` (the prompt decoder; random weights)."""

from __future__ import annotations

from functools import partial

from conformance.case import Built, Case
from conformance.sources._util import missing

SOURCE = "segment_anything"


def available() -> str | None:
    return missing("segment-anything")


def _build(single_mask: bool) -> Built:
    import torch
    from segment_anything import sam_model_registry
    from segment_anything.utils.onnx import SamOnnxModel

    sam = sam_model_registry["vit_b"](checkpoint=None)
    model = SamOnnxModel(sam, return_single_mask=single_mask)

    def inputs(points: int) -> tuple[torch.Tensor, ...]:
        return (torch.randn(1, 256, 64, 64), torch.randint(0, 1024, (1, points, 2)).float(),
                torch.randint(0, 4, (1, points)).float(), torch.randn(1, 1, 256, 256), torch.tensor([1.0]),
                torch.tensor([1500.0, 2250.0]))

    names = ["image_embeddings", "point_coords", "point_labels", "mask_input", "has_mask_input", "orig_im_size"]
    return Built(model=model, args=inputs(5), other_args=inputs(8), input_names=names,
                 output_names=["masks", "iou_predictions", "low_res_masks"],
                 dynamic_axes={"point_coords": {1: "num_points"}, "point_labels": {1: "num_points"}}, opset=17,
                 atol=1e-3)


def cases() -> list[Case]:
    return [Case(SOURCE, "sam_vit_b_decoder_single_mask", partial(_build, True)),
            Case(SOURCE, "sam_vit_b_decoder_multimask", partial(_build, False))]
