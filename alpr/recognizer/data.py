"""Training data: real crops (held in memory) mixed with an endless stream of synthetic plates.

Real crops are jittered the way a detector's box would vary, then given the same camera
augmentations as synthetic plates. Each batch draws real crops with the stage's
``real_fraction``; the rest are freshly rendered synthetic plates.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import torch
from torch.utils.data import IterableDataset, get_worker_info

from alpr.contracts.model import Frame
from alpr.datasets import LabelledCrop, load_crops
from alpr.recognizer.config import DataConfig, ModelConfig
from alpr.recognizer.labels import LabelSpace
from alpr.recognizer.preprocess import load_rgb, to_input
from alpr.splits import Split, split_by_plate
from alpr.vocabulary.plate_text import fold_o_to_zero

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


def split_items(cfg: DataConfig, report: bool = False) -> Split:
    """The configured real sets split by plate text into train, tune and test
    (:func:`alpr.splits.split_by_plate`): no plate text on two sides, nothing dropped. A
    frame set's rows are those the frames contract keeps (``report``: its findings on
    stderr; the crop sets' loader skips the rows the crops contract reports)."""
    from alpr.contracts.gates import checked_frames

    crop_sets = [load_crops(p, corrections=cfg.corrections).items for p in cfg.real_crops]
    crop_sets += [load_crops(p, corrections=cfg.corrections, require_state=False).items
                  for p in cfg.text_crops]
    frame_sets = [(checked_frames(p, cfg.corrections) if report
                   else checked_frames(p, cfg.corrections, log=None))[0]
                  for p in cfg.real_frames]
    heldout = (0.3 if cfg.frames_val_fraction is None else cfg.frames_val_fraction) \
        if cfg.frames_val else None
    return split_by_plate(crop_sets, frame_sets, tune=cfg.val_fraction, test=cfg.test_fraction,
                          frames_heldout=heldout)


def config_split_frame(path: Path) -> Frame:
    """The split contract's frame of a training config (YAML): its real sets split as
    training splits them (tune and test together are the evaluation side);
    ``ContractFileError`` for a config that cannot be read."""
    from alpr.contracts.frames import split_frame
    from alpr.contracts.model import ContractFileError
    from alpr.recognizer.config import load_config

    try:
        cfg = load_config(Path(path))
    except (ValueError, FileNotFoundError) as exc:
        raise ContractFileError(str(exc)) from None
    sides = split_items(cfg.data)
    return split_frame(sides.train, [*sides.tune, *sides.test])


def load_pools(cfg: DataConfig) -> tuple[RealPool, RealPool]:
    """(train pool, tune pool) from the configured real sets, once the crop manifests, the
    frame manifests and the split pass their data contracts (``ContractRefused`` otherwise;
    bad rows are reported and left out). The test side is never loaded here."""
    from alpr.contracts.gates import check_crop_manifests, check_split

    check_crop_manifests(cfg.real_crops, cfg.corrections)
    sides = split_items(cfg, report=True)
    tr, va = sides.train, sides.tune
    check_split(tr, [*va, *sides.test])
    train, val = RealPool(), RealPool()
    for it in tr:
        train.add(it)
    for it in va:
        val.add(it)
    return train, val


def jitter_crop(img: np.ndarray, inner: tuple[int, int, int, int] | None,
                rng: random.Random, context: float = 0.12) -> np.ndarray:
    """Re-crop as a detector might: each edge moved by a random share of the plate size
    (a frame's plate: from 6% inside the box to ``context`` outside it, and the whole box
    shifted by up to 5% of its size)."""
    h, w = img.shape[:2]
    x, y, bw, bh = inner if inner is not None else (0, 0, w, h)
    lo, hi = (-0.06, context) if inner is not None else (-0.05, 0.08)
    sx = rng.uniform(-0.05, 0.05) * bw if inner is not None else 0.0
    sy = rng.uniform(-0.05, 0.05) * bh if inner is not None else 0.0
    x0 = x + sx - rng.uniform(lo, hi) * bw
    x1 = x + sx + bw + rng.uniform(lo, hi) * bw
    y0 = y + sy - rng.uniform(lo, hi) * bh
    y1 = y + sy + bh + rng.uniform(lo, hi) * bh
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
        self._cum: list[float] | None = None

    def _draw(self, rng: random.Random) -> int:
        """A real crop's index; crops of the text-only sets (no state) drawn at
        ``text_crops_weight`` of the others' rate."""
        if self._cum is None:
            dirs = {Path(p).resolve().parent for p in self.data.text_crops}
            w = [self.data.text_crops_weight if dirs & set(it.image.parents) else 1.0
                 for it in self.pool.items]
            self._cum = list(itertools.accumulate(w))
        return min(bisect.bisect_right(self._cum, rng.random() * self._cum[-1]),
                   len(self.pool) - 1)

    def __iter__(self) -> Iterator[tuple[np.ndarray, list[int], int, float]]:
        from alpr.recognizer.augment import camera_augmentations, frame_degrade, seed_pipeline
        from alpr.synth.render import PlateRenderer

        info = get_worker_info()
        wid = info.id if info else 0
        seed = self.seed * 1000 + wid
        rng = random.Random(seed)
        np.random.seed(seed % 2**32)
        renderer = PlateRenderer(seed=seed, size=self.data.synth_size)
        aug = camera_augmentations(self.data.augment_strength)
        seed_pipeline(aug, seed)
        # frame-degraded samples get a lighter camera pipeline: frame_degrade does the
        # resolution, blur, noise and compression itself
        light = camera_augmentations(self.data.augment_strength * 0.4)
        seed_pipeline(light, seed + 1)
        while True:
            plate_h: float | None = None
            if rng.random() < self.real_fraction:
                i = self._draw(rng)
                inner = self.pool.inner[i]
                img = jitter_crop(self.pool.images[i], inner, rng, self.data.frame_context)
                plate_h = inner[3] if inner is not None else None
                text, state = self.pool.plates[i], self.pool.states[i]
                weight = 1.0
            else:
                plate = renderer.render()
                # The benchmark's labellers write the digit 0 for the letter O (one glyph on
                # most plates); synthetic labels follow the same convention.
                img, text = plate.image, fold_o_to_zero(plate.text)
                state = plate.state
                weight = self.data.synth_state_weight
            if rng.random() < self.data.frame_degrade_p:
                img = frame_degrade(light(image=img)["image"], rng, plate_h)
            else:
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
