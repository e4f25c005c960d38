"""Training targets and loss for the detector: Gaussian centre heat maps plus box regression.

Each plate puts an elliptical Gaussian (sigma a sixth of its size in cells) on the heat map;
cells where that Gaussian is >= 0.5 regress the plate's centre offset and log size. The heat
map uses CenterNet's penalty-reduced focal loss; the box an L1 loss on positive cells.
"""

from __future__ import annotations

import numpy as np
import torch

POSITIVE = 0.5  # cells with heat >= this regress the box


def encode(boxes: list[tuple[float, float, float, float]], out_h: int, out_w: int,
           stride: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Input-pixel boxes -> (heat (h, w), box targets (4, h, w), regression mask (h, w)).

    >>> heat, reg, mask = encode([(16, 16, 32, 16)], 16, 16, 4)
    >>> float(heat[6, 8]), round(float(reg[2, 6, 8]), 4), round(float(reg[3, 6, 8]), 4)
    (1.0, 2.0794, 1.3863)
    """
    heat = np.zeros((out_h, out_w), np.float32)
    reg = np.zeros((4, out_h, out_w), np.float32)
    mask = np.zeros((out_h, out_w), np.float32)
    ys = np.arange(out_h, dtype=np.float32)[:, None] + 0.5
    xs = np.arange(out_w, dtype=np.float32)[None, :] + 0.5
    for x, y, w, h in sorted(boxes, key=lambda b: -b[2] * b[3]):  # small plates win overlaps
        if w < 2 or h < 2:
            continue
        cx, cy = (x + w / 2) / stride, (y + h / 2) / stride
        cw, ch = w / stride, h / stride
        sx, sy = max(cw / 6, 0.6), max(ch / 6, 0.6)
        g = np.exp(-((xs - cx) ** 2 / (2 * sx * sx) + (ys - cy) ** 2 / (2 * sy * sy)))
        ix, iy = int(np.clip(np.floor(cx), 0, out_w - 1)), int(np.clip(np.floor(cy), 0, out_h - 1))
        g[iy, ix] = 1.0  # the centre cell is exactly 1 (the focal loss's positive)
        heat = np.maximum(heat, g)
        pos = g >= POSITIVE
        reg[0][pos] = (cx - xs.repeat(out_h, 0))[pos]
        reg[1][pos] = (cy - ys.repeat(out_w, 1))[pos]
        reg[2][pos] = np.log(cw)
        reg[3][pos] = np.log(ch)
        mask[pos] = 1.0
    return heat, reg, mask


def focal_loss(logits: torch.Tensor, heat: torch.Tensor, alpha: float = 2.0,
               beta: float = 4.0) -> torch.Tensor:
    """CenterNet's penalty-reduced focal loss, normalised by the number of plates."""
    p = logits.sigmoid().clamp(1e-4, 1 - 1e-4)
    pos = heat.eq(1.0).float()
    neg = 1.0 - pos
    pos_loss = torch.log(p) * (1 - p) ** alpha * pos
    neg_loss = torch.log(1 - p) * p ** alpha * (1 - heat) ** beta * neg
    n = pos.sum().clamp_min(1.0)
    return -(pos_loss.sum() + neg_loss.sum()) / n


def detection_loss(out: torch.Tensor, heat: torch.Tensor, reg: torch.Tensor,
                   mask: torch.Tensor, box_weight: float = 1.0
                   ) -> tuple[torch.Tensor, dict[str, float]]:
    """out (B, 5, h, w); heat, mask (B, h, w); reg (B, 4, h, w) -> total loss and its parts."""
    hm = focal_loss(out[:, 0], heat)
    m = mask.unsqueeze(1)
    l1 = (torch.abs(out[:, 1:] - reg) * m).sum() / (m.sum() * 4).clamp_min(1.0)
    return hm + box_weight * l1, {"heat": float(hm.detach()), "box": float(l1.detach())}
