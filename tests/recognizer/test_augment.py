"""Tests of the camera augmentations shared by training and evaluation."""

from __future__ import annotations

import warnings

import albumentations as A
import numpy as np
import pytest

from alpr.recognizer.augment import augment_image, camera_augmentations
from alpr.synth import PlateRenderer


@pytest.fixture(scope="module")
def plates() -> list[np.ndarray]:
    r = PlateRenderer(seed=0)
    return [r.render().image for _ in range(12)]


def test_pipeline_builds_without_warnings() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for s in (0.0, 0.01, 0.3, 1.0):
            assert isinstance(camera_augmentations(s), A.Compose)
        augment_image(np.zeros((50, 100, 3), np.uint8), rng_seed=0)


def test_shape_and_dtype_preserved(plates: list[np.ndarray]) -> None:
    for i, img in enumerate(plates):
        out = augment_image(img, rng_seed=i)
        assert out.shape == img.shape and out.dtype == np.uint8
    small = plates[0][::3, ::3].copy()  # odd sizes like tiny real crops
    assert augment_image(small, rng_seed=1).shape == small.shape


def test_strength_zero_is_identity(plates: list[np.ndarray]) -> None:
    for img in plates[:3]:
        out = augment_image(img, rng_seed=0, strength=0.0)
        assert np.array_equal(out, img)
        assert np.array_equal(camera_augmentations(0.0)(image=img)["image"], img)


def test_full_strength_changes_pixels_and_is_seeded(plates: list[np.ndarray]) -> None:
    changed = sum(not np.array_equal(augment_image(img, rng_seed=i), img)
                  for i, img in enumerate(plates))
    assert changed >= len(plates) - 1
    a = augment_image(plates[0], rng_seed=42)
    b = augment_image(plates[0], rng_seed=42)
    assert np.array_equal(a, b)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="strength"):
        camera_augmentations(1.5)
    with pytest.raises(ValueError, match="uint8"):
        augment_image(np.zeros((10, 20, 3), np.float32))
    with pytest.raises(ValueError, match="shape"):
        augment_image(np.zeros((10, 20), np.uint8))


def test_frame_degrade_brings_plates_to_frame_sizes_reproducibly(plates: list[np.ndarray]) -> None:
    import random

    from alpr.recognizer.augment import frame_degrade

    img = plates[0]
    heights = [frame_degrade(img, random.Random(s)).shape[0] for s in range(40)]
    assert min(heights) >= 22 and max(heights) <= 60 and len(set(heights)) > 10
    again = frame_degrade(img, random.Random(7))
    assert np.array_equal(again, frame_degrade(img, random.Random(7)))
    small = np.full((30, 60, 3), 128, np.uint8)  # a plate already small keeps its size
    assert frame_degrade(small, random.Random(1), heights=(40.0, 50.0)).shape == (30, 60, 3)
