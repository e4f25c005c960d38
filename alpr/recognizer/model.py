"""The plate OCR network: a compact CRNN with a CTC text head and a jurisdiction head.

No I/O here. Input is a normalised RGB crop (B, 3, H, W); outputs are per-column character
logits for CTC and one set of jurisdiction logits per crop.
"""

from __future__ import annotations

import torch
from torch import nn

from alpr.recognizer.spec import ModelSpec

__all__ = ["ModelSpec", "PlateNet", "count_parameters"]


def _conv(cin: int, cout: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


class PlateNet(nn.Module):
    """CRNN: conv backbone -> columns -> BiGRU -> CTC logits; pooled features -> state logits."""

    def __init__(self, spec: ModelSpec) -> None:
        super().__init__()
        self.spec = spec
        c = [max(8, int(round(n * spec.width_mult))) for n in (16, 32, 64, 96, 128)]
        self.backbone = nn.Sequential(
            _conv(3, c[0], stride=2),  # (B, c0, H/2, W/2)
            _conv(c[0], c[1]),
            nn.MaxPool2d(2),  # (B, c1, H/4, W/4)
            _conv(c[1], c[2]),
            _conv(c[2], c[2]),
            nn.MaxPool2d((2, 1)),  # (B, c2, H/8, W/4)
            _conv(c[2], c[3]),
            _conv(c[3], c[3]),
            nn.MaxPool2d((2, 1)),  # (B, c3, H/16, W/4)
            _conv(c[3], c[4]),
        )
        feat_h = spec.height // 16
        self.to_seq = nn.Sequential(
            nn.Conv2d(c[4], 2 * spec.rnn_hidden, (feat_h, 1), bias=False),  # (B, 2h, 1, W/4)
            nn.BatchNorm2d(2 * spec.rnn_hidden),
            nn.ReLU(inplace=True),
        )
        self.rnn = nn.GRU(2 * spec.rnn_hidden, spec.rnn_hidden, bidirectional=True,
                          batch_first=True)
        self.char_head = nn.Linear(2 * spec.rnn_hidden, spec.num_chars + 1)  # +1: CTC blank (0)
        # The jurisdiction shows in where things are (name on top, slogan below, artwork), so
        # the state head sees a coarse 2x8 layout grid as well as global statistics.
        self.layout_pool = nn.AdaptiveAvgPool2d((2, 8))
        self.state_head = nn.Sequential(
            nn.Linear(2 * c[4] + 16 * c[4], 256),
            nn.ReLU(inplace=True),
            nn.Dropout(0.3),
            nn.Linear(256, spec.num_states),
        )

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x: (B, 3, H, W) -> (char logits (B, T, C+1), state logits (B, S))."""
        f = self.backbone(x)  # (B, c4, h, w)
        pooled = torch.cat([f.mean(dim=(2, 3)), f.amax(dim=(2, 3)),
                            self.layout_pool(f).flatten(1)], dim=1)  # (B, 18*c4)
        s = self.to_seq(f).squeeze(2).transpose(1, 2)  # (B, T=w, 2h)
        s, _ = self.rnn(s)
        return self.char_head(s), self.state_head(pooled)


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
