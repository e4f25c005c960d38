"""Detector training data: real frames (held in memory) and synthetic scenes, as crops.

Every sample is a ``crop`` x ``crop`` window at roughly the inference scale (the frame's long
side letterboxed to ``input_size``, zoomed by ``scale_range``), so a fully convolutional
network trained on crops runs on whole letterboxed frames. Real frames are split into
training and validation by the same file-name hash rule as the recognizer's data.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import torch
from torch.utils.data import IterableDataset, get_worker_info

from alpr.datasets import LabelledCrop, split
from alpr.detector.config import DetDataConfig, DetModelConfig
from alpr.detector.geometry import PAD_VALUE, normalise
from alpr.detector.targets import encode
from alpr.recognizer.preprocess import load_rgb

STORE_LONG_SIDE = 1100  # frames are kept in memory at most this large
Box = tuple[float, float, float, float]


EXTRA_KINDS = ("plate", "ignore", "negative")


def frame_key(path: str | Path) -> str:
    """``set/images/name`` of a frame: how extra-box files name frames of any checkout."""
    return "/".join(Path(path).parts[-3:])


def load_extra_boxes(path: str | Path | None) -> dict[str, dict[str, list[Box]]]:
    """{frame key: {kind: [boxes in original frame pixels]}} from an extra-boxes CSV.

    >>> import tempfile, os
    >>> f = os.path.join(tempfile.mkdtemp(), "x.csv")
    >>> _ = open(f, "w").write("image,x,y,w,h,kind\\nus/images/a.jpg,1,2,3,4,plate\\n")
    >>> load_extra_boxes(f)["us/images/a.jpg"]["plate"]
    [(1.0, 2.0, 3.0, 4.0)]
    """
    out: dict[str, dict[str, list[Box]]] = {}
    if path is None:
        return out
    with open(path, newline="") as fh:
        for n, row in enumerate(csv.DictReader(fh), start=2):
            kind = row.get("kind", "")
            if kind not in EXTRA_KINDS:
                raise ValueError(f"{path}:{n}: kind must be one of {EXTRA_KINDS}, got {kind!r}")
            try:
                box = tuple(float(row[k]) for k in ("x", "y", "w", "h"))
            except (KeyError, TypeError, ValueError) as exc:
                raise ValueError(f"{path}:{n}: x, y, w, h must be numbers") from exc
            if box[2] <= 0 or box[3] <= 0:
                raise ValueError(f"{path}:{n}: w and h must be positive")
            entry = out.setdefault(frame_key(row["image"]), {k: [] for k in EXTRA_KINDS})
            entry[kind].append(box)  # type: ignore[arg-type]
    return out


@dataclass
class FramePool:
    """Decoded frames; ``scale`` maps original frame pixels to the stored image.

    ``boxes`` is each frame's labelled plate; ``plates`` every plate known in it (the label
    first, then extra ones), ``ignore`` regions no crop may teach either way, ``negatives``
    mined false plates. All in stored-image pixels.
    """

    images: list[np.ndarray] = field(default_factory=list)
    boxes: list[Box] = field(default_factory=list)  # in stored-image pixels
    scale: list[float] = field(default_factory=list)
    items: list[LabelledCrop] = field(default_factory=list)
    plates: list[list[Box]] = field(default_factory=list)
    ignore: list[list[Box]] = field(default_factory=list)
    negatives: list[list[Box]] = field(default_factory=list)

    def add(self, item: LabelledCrop, extra: dict[str, list[Box]] | None = None) -> None:
        img = load_rgb(item.image)
        f = min(1.0, STORE_LONG_SIDE / max(img.shape[:2]))
        if f < 1.0:
            img = cv2.resize(img, (round(img.shape[1] * f), round(img.shape[0] * f)),
                             interpolation=cv2.INTER_AREA)
        assert item.box is not None
        x, y, w, h = item.box

        def scaled(boxes: list[Box]) -> list[Box]:
            return [(bx * f, by * f, bw * f, bh * f) for bx, by, bw, bh in boxes]

        extra = extra or {}
        self.images.append(img)
        self.boxes.append((x * f, y * f, w * f, h * f))
        self.plates.append(scaled([(x, y, w, h)] + list(extra.get("plate", []))))
        self.ignore.append(scaled(list(extra.get("ignore", []))))
        self.negatives.append(scaled(list(extra.get("negative", []))))
        self.scale.append(f)
        self.items.append(item)

    def __len__(self) -> int:
        return len(self.images)


def frame_items(data: DetDataConfig) -> tuple[list[LabelledCrop], list[LabelledCrop]]:
    """(training frames, validation frames) from every configured frame set, once each set
    passes the frames contract: its bad rows are reported on stderr by line, field and rule
    and left out, the good rows train; an empty set is refused (``ContractRefused``)."""
    # great-expectations (the contracts extra) only where a run reads its frames
    from alpr.contracts.gates import checked_frames

    train: list[LabelledCrop] = []
    val: list[LabelledCrop] = []
    for path in data.real_frames:
        tr, va = split(checked_frames(path, data.corrections)[0], data.val_fraction)
        train += tr
        val += va
    return train, val


def photometric(img: np.ndarray, rng: random.Random) -> np.ndarray:
    """Camera-like colour and quality changes: gain, contrast, tint, gamma, blur, noise, JPEG."""
    x: np.ndarray = img.astype(np.float32)
    x = (x - 128) * rng.uniform(0.6, 1.4) + 128 + rng.uniform(-50, 50)
    x *= np.array([rng.uniform(0.8, 1.2) for _ in range(3)], np.float32)
    if rng.random() < 0.1:
        x[:] = x.mean(axis=2, keepdims=True)
    x = np.clip(x, 0, 255)
    if rng.random() < 0.3:
        x = 255.0 * (x / 255.0) ** rng.uniform(0.6, 1.6)
    if rng.random() < 0.35:
        x = cv2.GaussianBlur(x, (0, 0), rng.uniform(0.4, 1.6))
    elif rng.random() < 0.1:
        k = rng.randint(3, 7)
        kern = np.zeros((k, k), np.float32)
        kern[k // 2, :] = 1.0 / k
        x = cv2.filter2D(x, -1, kern)
    if rng.random() < 0.3:
        x = x + np.random.normal(0, rng.uniform(2, 10), x.shape).astype(np.float32)
    out = np.clip(x, 0, 255).astype(np.uint8)
    if rng.random() < 0.2:
        ok, enc = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, rng.randint(25, 80)])
        decoded = cv2.imdecode(enc, cv2.IMREAD_UNCHANGED) if ok else None
        if decoded is not None:
            out = decoded
    return out


def _zoomed(pool: FramePool, i: int, zoom: float, input_size: int) -> tuple[np.ndarray, float]:
    """Frame ``i`` resized to the inference scale times ``zoom``, and the factor from
    stored-image pixels to it."""
    img = pool.images[i]
    orig_long = max(img.shape[:2]) / pool.scale[i]
    s = input_size / orig_long * zoom / pool.scale[i]
    w, h = max(1, round(img.shape[1] * s)), max(1, round(img.shape[0] * s))
    out = cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR)
    return out, s


def _window(img: np.ndarray, x0: int, y0: int, size: int) -> np.ndarray:
    """``size`` x ``size`` window at (x0, y0) of ``img``, padded grey where it overhangs."""
    out = np.full((size, size, 3), PAD_VALUE, np.uint8)
    h, w = img.shape[:2]
    sx0, sy0 = max(x0, 0), max(y0, 0)
    sx1, sy1 = min(x0 + size, w), min(y0 + size, h)
    if sx1 > sx0 and sy1 > sy0:
        out[sy0 - y0:sy1 - y0, sx0 - x0:sx1 - x0] = img[sy0:sy1, sx0:sx1]
    return out


def _grey(crop: np.ndarray, box: Box) -> None:
    """Paint ``box`` (crop pixels) the padding grey in place."""
    c = crop.shape[0]
    x0, y0 = int(max(box[0], 0)), int(max(box[1], 0))
    x1, y1 = int(np.ceil(min(box[0] + box[2], c))), int(np.ceil(min(box[1] + box[3], c)))
    if x1 > x0 and y1 > y0:
        crop[y0:y1, x0:x1] = PAD_VALUE


def real_sample(pool: FramePool, rng: random.Random, data: DetDataConfig,
                input_size: int) -> tuple[np.ndarray, list[Box]]:
    """A crop of a real training frame and every plate box in it.

    Mostly centred around the frame's labelled plate; ``hard_negative_fraction`` of the
    time around a mined false plate instead (a frame that has some), otherwise anywhere.
    Plates the crop cuts and ``ignore`` regions are greyed out (no target either way).
    """
    hard = [k for k, n in enumerate(pool.negatives) if n]
    on_negative = bool(hard) and rng.random() < data.hard_negative_fraction
    i = rng.choice(hard) if on_negative else rng.randrange(len(pool))
    lo, hi = np.log(data.scale_range[0]), np.log(data.scale_range[1])
    zoom = float(np.exp(rng.uniform(lo, hi)))
    c = data.crop
    fit = 0.9 * c / max(pool.boxes[i][2] / pool.scale[i] * input_size
                        / (max(pool.images[i].shape[:2]) / pool.scale[i]), 1e-6)
    if zoom > fit:  # a close-up plate larger than the crop: zoom out until it fits
        zoom = fit * rng.uniform(0.7, 1.0)
    img, s = _zoomed(pool, i, zoom, input_size)
    centre = rng.choice(pool.negatives[i]) if on_negative else pool.boxes[i]
    x, y, w, h = (v * s for v in centre)
    if (on_negative or rng.random() < 0.85) and w < c and h < c:
        x0 = int(rng.uniform(x + w - c, x))
        y0 = int(rng.uniform(y + h - c, y))
    else:
        x0 = rng.randint(min(0, img.shape[1] - c), max(0, img.shape[1] - c))
        y0 = rng.randint(min(0, img.shape[0] - c), max(0, img.shape[0] - c))
    crop = _window(img, x0, y0, c)
    for bx, by, bw, bh in pool.ignore[i]:
        _grey(crop, (bx * s - x0, by * s - y0, bw * s, bh * s))
    boxes: list[Box] = []
    for bx, by, bw, bh in pool.plates[i]:
        box = (bx * s - x0, by * s - y0, bw * s, bh * s)
        cx0, cy0 = max(box[0], 0), max(box[1], 0)
        cx1, cy1 = min(box[0] + box[2], c), min(box[1] + box[3], c)
        if cx1 <= cx0 or cy1 <= cy0:
            continue
        if (cx1 - cx0) * (cy1 - cy0) >= 0.6 * box[2] * box[3]:
            boxes.append((cx0, cy0, cx1 - cx0, cy1 - cy0))
        else:  # plate cut by the crop edge: grey it out, no target
            _grey(crop, box)
    if rng.random() < 0.5:
        crop = np.ascontiguousarray(crop[:, ::-1])
        boxes = [(c - bx - bw, by, bw, bh) for bx, by, bw, bh in boxes]
    return crop, boxes


class BackgroundSource:
    """Plate-free crops of real training frames, for synthetic scenes' backgrounds."""

    def __init__(self, pool: FramePool, data: DetDataConfig, input_size: int) -> None:
        self.pool, self.data, self.input_size = pool, data, input_size

    def __call__(self, rng: random.Random, h: int, w: int) -> np.ndarray | None:
        if not len(self.pool):
            return None
        i = rng.randrange(len(self.pool))
        img, s = _zoomed(self.pool, i, rng.uniform(0.6, 2.0), self.input_size)
        avoid = [(x * s, y * s, bw * s, bh * s)
                 for x, y, bw, bh in self.pool.plates[i] + self.pool.ignore[i]]
        for _ in range(6):
            x0 = rng.randint(min(0, img.shape[1] - w), max(0, img.shape[1] - w))
            y0 = rng.randint(min(0, img.shape[0] - h), max(0, img.shape[0] - h))
            if all(x + bw < x0 or x > x0 + w or y + bh < y0 or y > y0 + h
                   for x, y, bw, bh in avoid):
                crop = _window(img, x0, y0, max(h, w))[:h, :w]
                return crop[:, ::-1].copy() if rng.random() < 0.5 else crop
        return None


def plate_crops(data: DetDataConfig, max_width: int = 240) -> list[np.ndarray]:
    """The training side of the configured real plate crops, as RGB arrays (scaled down to
    ``max_width``), for pasting into synthetic scenes."""
    from alpr.datasets import load_crops

    out: list[np.ndarray] = []
    for path in data.plate_crops:
        items = load_crops(path, corrections=data.corrections).items
        for it in split(items, data.plate_crops_val_fraction)[0]:
            img = load_rgb(it.image)
            if img.shape[1] > max_width:
                f = max_width / img.shape[1]
                img = cv2.resize(img, (max_width, max(1, round(img.shape[0] * f))),
                                 interpolation=cv2.INTER_AREA)
            out.append(img)
    return out


class DetectionStream(IterableDataset):
    """Endless (input (3, c, c), heat, box targets, mask) samples; seeded per worker."""

    def __init__(self, pool: FramePool, data: DetDataConfig, model: DetModelConfig,
                 real_fraction: float, seed: int,
                 real_plates: list[np.ndarray] | None = None) -> None:
        super().__init__()
        self.pool, self.data, self.model = pool, data, model
        self.real_plates = real_plates or []
        self.real_fraction = real_fraction if len(pool) else 0.0
        self.seed = seed

    def __iter__(self) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
        from alpr.synth.scenes import SceneRenderer

        info = get_worker_info()
        seed = self.seed * 1000 + (info.id if info else 0)
        rng = random.Random(seed)
        np.random.seed(seed % 2**32)
        c = self.data.crop
        bgs = BackgroundSource(self.pool, self.data, self.model.input_size)
        scenes = SceneRenderer(seed=seed, size=(c, c), plate_width=self.data.plate_width,
                               real_plates=self.real_plates,
                               real_plate_share=self.data.real_plate_share,
                               backgrounds=bgs if self.data.real_background > 0 else None)
        stride = 4
        while True:
            if rng.random() < self.real_fraction:
                img, boxes = real_sample(self.pool, rng, self.data, self.model.input_size)
            else:
                scene = scenes.render()
                img, boxes = scene.image, list(scene.boxes)
            img = photometric(img, rng)
            heat, reg, mask = encode(boxes, c // stride, c // stride, stride)
            yield normalise(img), heat, reg, mask


def collate(batch: list[tuple[np.ndarray, ...]]) -> dict[str, torch.Tensor]:
    xs, heat, reg, mask = zip(*batch, strict=True)
    return {"image": torch.from_numpy(np.stack(xs)), "heat": torch.from_numpy(np.stack(heat)),
            "reg": torch.from_numpy(np.stack(reg)), "mask": torch.from_numpy(np.stack(mask))}
