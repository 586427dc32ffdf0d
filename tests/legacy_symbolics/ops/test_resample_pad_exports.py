"""Whole models with upsampling, padding and grid sampling, exported through ``onnx_migrate.export``."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from model_export_check import export_and_compare, legacy_exporter_available, legacy_op_counts, op_counts

torch.manual_seed(0)


class _Block(torch.nn.Module):
    def __init__(self, cin: int, cout: int, padding_mode: str = "zeros") -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(cin, cout, 3, padding=1, padding_mode=padding_mode)
        self.norm = torch.nn.BatchNorm2d(cout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(self.conv(x)).relu()


class UNet(torch.nn.Module):
    """Two levels down, two up: bilinear and nearest upsampling, reflect-padded convs, F.pad to odd skip sizes."""

    def __init__(self, mode: str = "bilinear") -> None:
        super().__init__()
        self.mode = mode
        self.down1 = _Block(3, 8, padding_mode="reflect")
        self.down2 = _Block(8, 16)
        self.bottom = _Block(16, 16, padding_mode="replicate")
        self.up2 = _Block(32, 8)
        self.up1 = _Block(16, 8)
        self.head = torch.nn.Conv2d(8, 2, 1)

    def _up(self, x: torch.Tensor, skip: torch.Tensor) -> torch.Tensor:
        if self.mode == "nearest":
            x = F.interpolate(x, scale_factor=2, mode="nearest")
        else:
            x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
        dy, dx = skip.shape[2] - x.shape[2], skip.shape[3] - x.shape[3]
        x = F.pad(x, [dx // 2, dx - dx // 2, dy // 2, dy - dy // 2])
        return torch.cat([x, skip], dim=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s1 = self.down1(x)
        s2 = self.down2(F.max_pool2d(s1, 2))
        b = self.bottom(F.max_pool2d(s2, 2))
        u2 = self.up2(self._up(b, s2))
        u1 = self.up1(self._up(u2, s1))
        return self.head(u1)


@pytest.mark.parametrize("opset", [11, 13, 17])
def test_unet_with_bilinear_upsampling(opset: int) -> None:
    model = UNet()
    model.eval()
    proto = export_and_compare(model, (torch.randn(1, 3, 18, 22),), opset, tolerance=1e-3)
    counts = op_counts(proto)
    assert counts["Resize"] == 2 and counts["Pad"] >= 2


@pytest.mark.parametrize("opset", [9, 10])
def test_unet_with_nearest_upsampling_at_low_opsets(opset: int) -> None:
    """Nearest upsampling and constant/reflect/edge padding exist as Upsample-9/Resize-10 and Pad-2."""
    proto = export_and_compare(UNet(mode="nearest"), (torch.randn(1, 3, 16, 20),), opset, tolerance=1e-3)
    assert op_counts(proto)["Upsample" if opset == 9 else "Resize"] == 2


class Warper(torch.nn.Module):
    """A spatial transformer head: grid_sample with a learned offset, then circular padding and bicubic resize."""

    def __init__(self) -> None:
        super().__init__()
        self.offset = torch.nn.Parameter(torch.randn(1, 5, 6, 2) * 0.1)

    def forward(self, x: torch.Tensor, grid: torch.Tensor) -> torch.Tensor:
        warped = F.grid_sample(x, grid + self.offset, mode="bilinear", padding_mode="border", align_corners=False)
        wrapped = F.pad(warped, [1, 1, 2, 2], mode="circular")
        return F.interpolate(wrapped, size=(12, 9), mode="bicubic", align_corners=True)


@pytest.mark.parametrize("opset", [16, 17, 20])
def test_grid_sample_circular_pad_bicubic(opset: int) -> None:
    grid = torch.rand(2, 5, 6, 2) * 2 - 1
    proto = export_and_compare(Warper(), (torch.randn(2, 3, 7, 8), grid), opset, tolerance=1e-4)
    assert op_counts(proto)["GridSample"] == 1


#: The legacy exporter traced F.pad's sizes from tensor shapes and computed them in the graph;
#: torch.export knows them statically, so onnx_migrate's Pad gets constant pads.
_LEGACY_SHAPE_ARITHMETIC = {
    "Constant",
    "ConstantOfShape",
    "Concat",
    "Reshape",
    "Slice",
    "Transpose",
    "Cast",
    "Shape",
    "Gather",
    "Sub",
    "Div",
    "Unsqueeze",
}


@pytest.mark.legacy_reference
@pytest.mark.skipif(not legacy_exporter_available(), reason="torch no longer ships the TorchScript exporter")
def test_unet_has_the_legacy_exporters_compute_ops() -> None:
    """Same Conv/Resize/Pad/... as the legacy exporter; only its run-time pad-size arithmetic is gone."""
    args = (torch.randn(1, 3, 18, 22),)
    ours, legacy = op_counts(export_and_compare(UNet(), args, 13, tolerance=1e-3)), legacy_op_counts(UNet(), args, 13)
    assert not ours - legacy
    assert set(legacy - ours) <= _LEGACY_SHAPE_ARITHMETIC
    assert ours["Resize"] == legacy["Resize"] and ours["Pad"] == legacy["Pad"]
