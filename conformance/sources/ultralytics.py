"""ultralytics: ``YOLO("<model>.yaml").export(format="onnx", dynamic=True)``, random weights.

The exporter is ultralytics' own (it calls ``torch.onnx.export(..., dynamo=False)`` with its
dynamic axes); ``simplify=False`` keeps it from installing onnxslim.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from functools import partial

from conformance.case import Built, Case
from conformance.sources._util import missing

SOURCE = "ultralytics"
MODELS = ("yolov8n.yaml", "yolov8n-seg.yaml", "yolov8n-cls.yaml", "yolo11n.yaml", "yolo11n-pose.yaml")


def available() -> str | None:
    return missing("ultralytics")


def _build(yaml: str) -> Built:
    import torch
    from ultralytics import YOLO

    os.environ["YOLO_OFFLINE"] = "1"
    yolo = YOLO(yaml)

    def export(path: str) -> None:
        with tempfile.TemporaryDirectory() as workdir:
            here = os.getcwd()
            os.chdir(workdir)
            try:
                produced = yolo.export(format="onnx", dynamic=True, simplify=False, imgsz=64, device="cpu")
            finally:
                os.chdir(here)
            shutil.move(os.path.join(workdir, str(produced)), path)

    return Built(model=yolo.model, args=(torch.randn(1, 3, 64, 64),), other_args=None, input_names=["images"],
                 output_names=["output0"], dynamic_axes={"images": {0: "batch", 2: "height", 3: "width"},
                                                          "output0": {0: "batch", 2: "anchors"}},
                 export=export, numerics_skip="the exporter switches the head to export mode; eager outputs differ in form")


def cases() -> list[Case]:
    return [Case(SOURCE, yaml.removesuffix(".yaml"), partial(_build, yaml)) for yaml in MODELS]
