"""Training data: real crops (held in memory) mixed with an endless stream of synthetic plates.

Real crops are jittered the way a detector's box would vary, then given the same camera
augmentations as synthetic plates. Each batch draws real crops with the stage's
``real_fraction``; the rest are freshly rendered synthetic plates.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field

import cv2
import numpy as np
import torch
from torch.utils.data import IterableDataset, get_worker_info

from alpr.datasets import LabelledCrop, load_crops, load_frames, split
from alpr.plate_text import fold_o_to_zero
from alpr.recognizer.labels import LabelSpace
from alpr.recognizer.preprocess import load_rgb, to_input
from alpr.train.config import DataConfig, ModelConfig

FRAME_MARGIN = 0.25  # context kept around a frame's plate box, as a share of the box


@dataclass
class RealPool:
    """Decoded real crops with labels; ``inner`` is the plate box inside each stored image."""

    images: list[np.ndarray] = field(default_factory=list)
    plates: list[str] = field(default_factory=list)
    states: list[str | None] = field(default_factory=list)
    inner: list[tuple[int, int, int, int] | None] = field(default_factory=list)
    items: list[LabelledCrop] = field(default_factory=list)

    def add(self, item: LabelledCrop) -> None:
        img = load_rgb(item.image)
        inner = None
        if item.box is not None:
            img, inner = crop_with_margin(img, item.box, FRAME_MARGIN)
        self.images.append(img)
        self.plates.append(item.plate)
        self.states.append(item.state)
        self.inner.append(inner)
        self.items.append(item)

    def __len__(self) -> int:
        return len(self.images)


def crop_with_margin(img: np.ndarray, box: tuple[int, int, int, int],
                     margin: float) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """Cut a box plus a margin out of a frame; return the crop and the box inside it."""
    x, y, w, h = box
    mx, my = int(w * margin), int(h * margin)
    x0, y0 = max(0, x - mx), max(0, y - my)
    x1, y1 = min(img.shape[1], x + w + mx), min(img.shape[0], y + h + my)
    return img[y0:y1, x0:x1].copy(), (x - x0, y - y0, w, h)


def split_items(cfg: DataConfig) -> tuple[list[LabelledCrop], list[LabelledCrop]]:
    """(train items, validation items) of the configured real sets, split by file-name hash.

    A plate text on the validation side is kept out of training altogether (the split
    contract: no plate text on both sides) — demo plates such as ``SAMPLE`` from several
    states, or one car in both the crops and the frames, would otherwise be seen in training
    and then "read" in validation. The validation side never changes for it.
    """
    train: list[LabelledCrop] = []
    val: list[LabelledCrop] = []
    for path in cfg.real_crops:
        items = load_crops(path, corrections=cfg.corrections).items
        tr, va = split(items, cfg.val_fraction)
        train += tr
        val += va
    for path in cfg.real_frames:
        items = load_frames(path, corrections=cfg.corrections).items
        share = cfg.val_fraction if cfg.frames_val_fraction is None else cfg.frames_val_fraction
        tr, va = split(items, share) if cfg.frames_val else (items, [])
        train += tr
        val += va
    held_out = {fold_o_to_zero(it.plate) for it in val}  # O and 0: one glyph on US plates
    return [it for it in train if fold_o_to_zero(it.plate) not in held_out], val


def load_pools(cfg: DataConfig) -> tuple[RealPool, RealPool]:
    """(train pool, validation pool) from the configured real sets, once the crop manifests
    and the split pass their data contracts (``ContractRefused`` otherwise)."""
    from alpr.contracts.gates import check_crop_manifests, check_split

    check_crop_manifests(cfg.real_crops, cfg.corrections)
    tr, va = split_items(cfg)
    check_split(tr, va)
    train, val = RealPool(), RealPool()
    for it in tr:
        train.add(it)
    for it in va:
        val.add(it)
    return train, val


def jitter_crop(img: np.ndarray, inner: tuple[int, int, int, int] | None,
                rng: random.Random) -> np.ndarray:
    """Re-crop as a detector might: each edge moved by a random share of the plate size."""
    h, w = img.shape[:2]
    x, y, bw, bh = inner if inner is not None else (0, 0, w, h)
    lo, hi = (-0.06, 0.12) if inner is not None else (-0.05, 0.08)
    x0 = x - rng.uniform(lo, hi) * bw
    x1 = x + bw + rng.uniform(lo, hi) * bw
    y0 = y - rng.uniform(lo, hi) * bh
    y1 = y + bh + rng.uniform(lo, hi) * bh
    pad = int(max(0, -x0, -y0, x1 - w, y1 - h)) + 1
    if pad > 1:
        img = cv2.copyMakeBorder(img, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
        x0, x1, y0, y1 = x0 + pad, x1 + pad, y0 + pad, y1 + pad
    return img[int(y0):int(y1), int(x0):int(x1)]


class MixedStream(IterableDataset):
    """Endless (input, target ids, state class) samples; seeded per worker and rank."""

    def __init__(self, pool: RealPool, data: DataConfig, model: ModelConfig, labels: LabelSpace,
                 real_fraction: float, seed: int) -> None:
        super().__init__()
        self.pool, self.data, self.model, self.labels = pool, data, model, labels
        self.real_fraction = real_fraction if len(pool) else 0.0
        self.seed = seed

    def __iter__(self) -> Iterator[tuple[np.ndarray, list[int], int, float]]:
        from alpr.augment import camera_augmentations, seed_pipeline
        from alpr.synth.render import PlateRenderer

        info = get_worker_info()
        wid = info.id if info else 0
        seed = self.seed * 1000 + wid
        rng = random.Random(seed)
        np.random.seed(seed % 2**32)
        renderer = PlateRenderer(seed=seed, size=self.data.synth_size)
        aug = camera_augmentations(self.data.augment_strength)
        seed_pipeline(aug, seed)
        while True:
            if rng.random() < self.real_fraction:
                i = rng.randrange(len(self.pool))
                img = jitter_crop(self.pool.images[i], self.pool.inner[i], rng)
                text, state = self.pool.plates[i], self.pool.states[i]
                weight = 1.0
            else:
                plate = renderer.render()
                # The benchmark's labellers write the digit 0 for the letter O (one glyph on
                # most plates); synthetic labels follow the same convention.
                img, text = plate.image, fold_o_to_zero(plate.text)
                state = plate.state
                weight = self.data.synth_state_weight
            img = aug(image=img)["image"]
            x = to_input(img, self.model.height, self.model.width)
            state_idx = self.labels.state_index(state) if weight > 0 else -1
            yield x, self.labels.encode_text(text), state_idx, weight


def collate(batch: list[tuple[np.ndarray, list[int], int, float]]) -> dict[str, torch.Tensor]:
    """Stack inputs; concatenate CTC targets with their lengths."""
    xs, targets, states, weights = zip(*batch, strict=True)
    return {
        "image": torch.from_numpy(np.stack(xs)),
        "targets": torch.tensor([t for seq in targets for t in seq], dtype=torch.long),
        "target_lengths": torch.tensor([len(seq) for seq in targets], dtype=torch.long),
        "state": torch.tensor(states, dtype=torch.long),
        "state_weight": torch.tensor(weights, dtype=torch.float32),
    }
