"""Camera augmentations: the one definition of how clean plates are made to look photographed.

Training (on synthetic plates) and tests use :func:`camera_augmentations`; ``strength`` in
[0, 1] scales every probability and magnitude, and 0 means the identity. The pipeline imitates
what the real crops show: small rotation, perspective and off-centre framing, focus and motion
blur, sensor noise, exposure changes, glare, night/infrared grayscale, partial occlusion, low
resolution (crops as small as ~100x50 px) and JPEG artefacts.
"""

from __future__ import annotations

import math
import random
from functools import lru_cache

import albumentations as A
import cv2
import numpy as np


def _check_strength(strength: float) -> float:
    s = float(strength)
    if not 0.0 <= s <= 1.0:
        raise ValueError(f"strength must be between 0 and 1, got {strength!r}")
    return s


def _odd(n: float) -> int:
    k = max(3, int(round(n)))
    return k if k % 2 else k + 1


def camera_augmentations(strength: float = 1.0) -> A.Compose:
    """An albumentations pipeline of camera effects; ``strength`` 0..1 (0 = identity)."""
    s = _check_strength(strength)
    if s == 0.0:
        return A.Compose([])
    border = cv2.BORDER_REFLECT_101
    return A.Compose([
        # geometry: small rotation, scale and translation so the plate is not always centred
        A.Affine(rotate=(-8 * s, 8 * s), scale=(1 - 0.12 * s, 1 + 0.02 * s),
                 translate_percent={"x": (-0.025 * s, 0.025 * s), "y": (-0.04 * s, 0.04 * s)},
                 shear={"x": (-6 * s, 6 * s), "y": (-2 * s, 2 * s)},
                 border_mode=border, p=0.7 * s),
        A.Perspective(scale=(0.01 * s, 0.045 * s), keep_size=True, border_mode=border,
                      p=0.4 * s),
        # exposure
        A.RandomBrightnessContrast(brightness_limit=0.3 * s, contrast_limit=0.35 * s,
                                   p=0.6 * s),
        A.RandomGamma(gamma_limit=(100 - 40 * s, 100 + 60 * s), p=0.3 * s),
        # glare from headlights, sun or the infrared flash
        A.RandomSunFlare(flare_roi=(0.0, 0.0, 1.0, 1.0), src_radius=max(int(60 * s), 8),
                         num_flare_circles_range=(1, max(2, int(4 * s))), method="overlay",
                         p=0.08 * s),
        # night / infrared cameras: grayscale with harsh contrast
        A.Sequential([
            A.ToGray(p=1.0),
            A.RandomBrightnessContrast(brightness_limit=(-0.1, 0.2),
                                       contrast_limit=(0.1, 0.1 + 0.4 * s), p=1.0),
        ], p=0.15 * s),
        # partial occlusion (tow bar, dirt, a leaf)
        A.CoarseDropout(num_holes_range=(1, 2), hole_height_range=(0.05, 0.05 + 0.15 * s),
                        hole_width_range=(0.02, 0.02 + 0.06 * s), fill="random_uniform",
                        p=0.15 * s),
        # optics and motion
        A.OneOf([
            A.Blur(blur_limit=(3, _odd(3 + 4 * s))),
            A.MotionBlur(blur_limit=(3, _odd(3 + 6 * s))),
        ], p=0.45 * s),
        # low resolution: small, far-away plates upscaled back
        A.Downscale(scale_range=(max(0.4, 1 - 0.6 * s), max(0.45, 1 - 0.1 * s)),
                    interpolation_pair={"downscale": cv2.INTER_AREA,
                                        "upscale": cv2.INTER_LINEAR},
                    p=0.4 * s),
        # sensor noise
        A.OneOf([
            A.GaussNoise(std_range=(0.01, 0.01 + 0.05 * s)),
            A.ISONoise(color_shift=(0.01, 0.01 + 0.04 * s), intensity=(0.05, 0.05 + 0.45 * s)),
        ], p=0.5 * s),
        A.ImageCompression(quality_range=(max(int(95 - 75 * s), 5), 95), p=0.5 * s),
    ])


def seed_pipeline(pipeline: A.BaseCompose, seed: int | None) -> None:
    """Seed an albumentations pipeline so that each transform draws independently.

    ``Compose.set_random_seed`` (and ``Compose(seed=...)``) in albumentations 2.0 gives every
    transform the *same* seed, so their "apply?" draws are identical and transforms switch on
    and off together (with some seeds none at all). This gives each a distinct derived seed.
    """
    pipeline.set_random_seed(seed)
    if seed is None:
        return

    def walk(t: object, path: tuple[int, ...]) -> None:
        for i, child in enumerate(getattr(t, "transforms", ())):
            sub = (*path, i)
            child.set_random_seed(int(np.random.SeedSequence([seed, *sub]).generate_state(1)[0]))
            walk(child, sub)

    walk(pipeline, ())


@lru_cache(maxsize=16)
def _cached(strength: float) -> A.Compose:
    return camera_augmentations(strength)


def augment_image(image: np.ndarray, rng_seed: int | None = None,
                  strength: float = 1.0) -> np.ndarray:
    """Apply :func:`camera_augmentations` to one (H, W, 3) uint8 image.

    With ``rng_seed`` the result is reproducible; the output has the input's shape and dtype.
    """
    if not isinstance(image, np.ndarray) or image.ndim != 3 or image.shape[2] != 3:
        shape = getattr(image, "shape", None)
        raise ValueError(f"image must be an (H, W, 3) array, got shape {shape}")
    if image.dtype != np.uint8:
        raise ValueError(f"image must be uint8, got {image.dtype}")
    s = _check_strength(strength)
    if s == 0.0:
        return image.copy()
    pipeline = _cached(s)
    seed_pipeline(pipeline, rng_seed)
    out = pipeline(image=image)["image"]
    return np.ascontiguousarray(out, dtype=np.uint8)


FRAME_PLATE_HEIGHT = (22.0, 60.0)  # plate heights, px, that real camera frames hand the reader


def frame_degrade(image: np.ndarray, rng: random.Random, plate_height: float | None = None,
                  heights: tuple[float, float] = FRAME_PLATE_HEIGHT) -> np.ndarray:
    """A crop made to look cut out of a camera frame: the plate brought down to 22-60 px high
    (log-uniform) through the lens's blur, then sensor noise and JPEG at quality 30-80.

    ``plate_height`` is the plate's height in ``image`` (default: the image's own height);
    a plate already smaller than the drawn height keeps its size. The pipeline's own resize to
    the network's input happens later, as at run time. The output is uint8, (h, w, 3).

    >>> out = frame_degrade(np.zeros((150, 320, 3), np.uint8), random.Random(0))
    >>> 22 <= out.shape[0] <= 60 and out.dtype == np.uint8
    True
    """
    h, w = image.shape[:2]
    plate_h = float(plate_height or h)
    target = math.exp(rng.uniform(math.log(heights[0]), math.log(heights[1])))
    scale = min(1.0, target / plate_h)
    out = image
    if scale < 1.0:
        # optics before sampling: a point spreads over 0.3-1.3 output pixels
        sigma = rng.uniform(0.3, 1.3) / scale
        out = cv2.GaussianBlur(out, (0, 0), sigmaX=sigma)
        size = (max(8, int(round(w * scale))), max(6, int(round(h * scale))))
        out = cv2.resize(out, size, interpolation=cv2.INTER_AREA)
    elif rng.random() < 0.5:
        out = cv2.GaussianBlur(out, (0, 0), sigmaX=rng.uniform(0.3, 1.0))
    if rng.random() < 0.8:  # sensor noise: luminance plus a little chroma
        std = rng.uniform(2.0, 10.0)
        gen = np.random.default_rng(rng.randrange(2**32))
        noise = gen.normal(0.0, std, out.shape[:2])[:, :, None] \
            + gen.normal(0.0, std * 0.3, out.shape)
        out = np.clip(out.astype(np.float32) + noise, 0, 255).astype(np.uint8)
    quality = rng.randint(30, 80)
    ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, quality])
    decoded = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED) if ok else None
    if decoded is not None:
        out = decoded
    return np.ascontiguousarray(out, dtype=np.uint8)
