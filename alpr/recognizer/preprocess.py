"""Image preprocessing for the recognizer, defined once for training, evaluation and serving."""

from __future__ import annotations

import io
import re
import warnings
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

MEAN = np.array([0.5, 0.5, 0.5], dtype=np.float32)
STD = np.array([0.25, 0.25, 0.25], dtype=np.float32)


MAX_PIXELS = 50_000_000  # an 8K frame is 33 Mpx; decoding 50 Mpx takes ~150 MB


class ImageReadError(ValueError):
    """Raised when a file is missing, empty, too large or not a decodable image."""


_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}  # frame headers, not DHT/JPG/DAC


def header_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG's or a baseline/progressive JPEG's header, without
    Pillow (a crop's header is read this way in microseconds); None for anything else or a
    header it cannot follow, which the caller leaves to Pillow.

    >>> import struct
    >>> header_size(b"\\x89PNG\\r\\n\\x1a\\n" + struct.pack(">I4sII", 13, b"IHDR", 320, 157))
    (320, 157)
    >>> header_size(b"GIF89a")
    """
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR" and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if data[:2] != b"\xff\xd8":
        return None
    i, n = 2, len(data)
    while i + 9 < n:
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in _JPEG_SOF:
            return (int.from_bytes(data[i + 7:i + 9], "big"),
                    int.from_bytes(data[i + 5:i + 7], "big"))
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:  # no length field
            i += 2
            continue
        if marker == 0xDA:  # scan data before any frame header: not a JPEG we follow
            return None
        i += 2 + int.from_bytes(data[i + 2:i + 4], "big")
    return None


def check_pixels(data: bytes, name: str | Path, limit: int = MAX_PIXELS) -> None:
    """Refuse an image of more than ``limit`` pixels from its header, before decoding: a
    small compressed file can decode to gigabytes (a 0.9 MB PNG of 900 Mpx is 2.7 GB).

    PNG and JPEG headers are read directly (:func:`header_size`), others through Pillow; a
    file Pillow cannot identify is left to the decoder, which reports it."""
    size = header_size(data)
    if size is not None:
        if size[0] * size[1] > limit:
            raise ImageReadError(f"{name}: {size[0] * size[1]:,} pixels, more than the "
                                 f"{limit:,} allowed (refused before decoding)")
        return
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as im:  # reads the header only
                width, height = im.size
        pixels = width * height
    except Image.DecompressionBombError as exc:  # Pillow's own, far higher limit
        found = re.search(r"\((\d+) pixels\)", str(exc))
        pixels = int(found[1]) if found else limit + 1
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return
    if pixels > limit:
        raise ImageReadError(f"{name}: {pixels:,} pixels, more than the {limit:,} allowed "
                             f"(refused before decoding)")


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
    check_pixels(data, p)
    img = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if img is None or img.size == 0:
        raise ImageReadError(f"{p}: not a readable image (corrupt or unsupported format)")
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def _rgb(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    if image.ndim != 3 or image.shape[2] not in (3, 4):
        raise ImageReadError(f"expected an RGB image, got array of shape {image.shape}")
    return image[:, :, :3]


def _resized(image: np.ndarray, height: int, width: int) -> np.ndarray:
    image = _rgb(image)
    interp = cv2.INTER_AREA if image.shape[1] > width else cv2.INTER_LINEAR
    return cv2.resize(image, (width, height), interpolation=interp)


def to_input(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """RGB uint8 (H, W, 3) -> normalised float32 (3, height, width)."""
    return batch_inputs([image], height, width)[0]


def batch_inputs(images: list[np.ndarray], height: int, width: int) -> np.ndarray:
    """Crops resized to (height, width) and normalised ((v / 255 - MEAN) / STD per channel)
    in one in-place pass over the batch: (B, 3, height, width) float32."""
    pixels = np.empty((len(images), height, width, 3), dtype=np.uint8)
    for i, im in enumerate(images):
        pixels[i] = _resized(im, height, width)
    x = pixels.transpose(0, 3, 1, 2).astype(np.float32, order="C")  # a contiguous copy
    x /= np.float32(255.0)
    x -= MEAN[:, None, None]
    x /= STD[:, None, None]
    return x
