"""The plate detector network: a small anchor-free (CenterNet-style) fully convolutional net.

A residual backbone down to stride 32, a light feature pyramid back up to stride 4, and one
head predicting, per output cell, a plate-centre heat map (1 channel, logits) and the box
(4 channels: centre offset dx, dy in cells and log width, log height in cells). The model does
no I/O and knows nothing about letterboxing; see :mod:`alpr.detector.geometry`.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from alpr.detector.spec import DetectorSpec

__all__ = ["DetectorSpec", "PlateDetNet", "count_parameters"]


def conv_bn(cin: int, cout: int, stride: int = 1, k: int = 3) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, k // 2, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class Residual(nn.Module):
    """Two 3x3 convs with an identity shortcut."""

    def __init__(self, c: int) -> None:
        super().__init__()
        self.a = conv_bn(c, c)
        self.b = nn.Sequential(nn.Conv2d(c, c, 3, 1, 1, bias=False), nn.BatchNorm2d(c))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.relu(x + self.b(self.a(x)))


class PlateDetNet(nn.Module):
    """(B, 3, H, W) normalised RGB, H and W multiples of 32 -> (B, 5, H/4, W/4).

    Channel 0: centre heat-map logit; 1-2: centre offset inside the cell; 3-4: log box size
    in cells (width, height).
    """

    def __init__(self, spec: DetectorSpec) -> None:
        super().__init__()
        self.spec = spec
        c4, c8, c16, c32, cn = spec.channels()
        self.stem = nn.Sequential(conv_bn(3, 16, 2), conv_bn(16, c4, 2), Residual(c4))
        self.s8 = nn.Sequential(conv_bn(c4, c8, 2), Residual(c8), Residual(c8))
        self.s16 = nn.Sequential(conv_bn(c8, c16, 2), Residual(c16), Residual(c16))
        self.s32 = nn.Sequential(conv_bn(c16, c32, 2), Residual(c32))
        self.lat32 = nn.Conv2d(c32, cn, 1)
        self.lat16 = nn.Conv2d(c16, cn, 1)
        self.lat8 = nn.Conv2d(c8, cn, 1)
        self.lat4 = nn.Conv2d(c4, cn, 1)
        self.smooth16 = conv_bn(cn, cn)
        self.smooth8 = conv_bn(cn, cn)
        self.smooth4 = conv_bn(cn, cn)
        out = nn.Conv2d(cn, 5, 1)
        prior = torch.zeros(5)
        prior[0] = -4.0  # start with a low plate prior (focal-loss practice)
        out.bias = nn.Parameter(prior)
        self.head = nn.Sequential(conv_bn(cn, cn), out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f4 = self.stem(x)  # (B, c4, H/4, W/4)
        f8 = self.s8(f4)  # (B, c8, H/8, W/8)
        f16 = self.s16(f8)  # (B, c16, H/16, W/16)
        f32 = self.s32(f16)  # (B, c32, H/32, W/32)
        p = self.lat32(f32)
        p = self.smooth16(self.lat16(f16) + F.interpolate(p, scale_factor=2.0, mode="nearest"))
        p = self.smooth8(self.lat8(f8) + F.interpolate(p, scale_factor=2.0, mode="nearest"))
        p = self.smooth4(self.lat4(f4) + F.interpolate(p, scale_factor=2.0, mode="nearest"))
        return self.head(p)  # (B, 5, H/4, W/4)


def count_parameters(net: nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())
