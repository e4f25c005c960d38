"""Image preprocessing for the recognizer, defined once for training, evaluation and serving."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

MEAN = np.array([0.5, 0.5, 0.5], dtype=np.float32)
STD = np.array([0.25, 0.25, 0.25], dtype=np.float32)


class ImageReadError(ValueError):
    """Raised when a file is missing, empty or not a decodable image."""


def load_rgb(path: str | Path) -> np.ndarray:
    """Read an image file as (H, W, 3) uint8 RGB, with a clear error for bad files."""
    p = Path(path)
    if not p.exists():
        raise ImageReadError(f"{p}: no such file")
    if p.is_dir():
        raise ImageReadError(f"{p}: is a directory, not an image")
    data = p.read_bytes()
    if not data:
        raise ImageReadError(f"{p}: file is empty")
    img = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if img is None or img.size == 0:
        raise ImageReadError(f"{p}: not a readable image (corrupt or unsupported format)")
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def to_input(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """RGB uint8 (H, W, 3) -> normalised float32 (3, height, width)."""
    if image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    if image.ndim != 3 or image.shape[2] not in (3, 4):
        raise ImageReadError(f"expected an RGB image, got array of shape {image.shape}")
    image = image[:, :, :3]
    interp = cv2.INTER_AREA if image.shape[1] > width else cv2.INTER_LINEAR
    resized = cv2.resize(image, (width, height), interpolation=interp)
    x = (resized.astype(np.float32) / 255.0 - MEAN) / STD
    return np.ascontiguousarray(x.transpose(2, 0, 1))


def batch_inputs(images: list[np.ndarray], height: int, width: int) -> np.ndarray:
    """Stack preprocessed crops into (B, 3, height, width)."""
    return np.stack([to_input(im, height, width) for im in images]) if images else np.zeros(
        (0, 3, height, width), dtype=np.float32
    )
