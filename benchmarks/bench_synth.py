"""Benchmark: synthetic plates per second on one core, against naive PIL rendering.

Usage: ``python benchmarks/bench_synth.py [N]`` (default N=2000, 256x128 plates).

Two peers are measured in the same run: the same renderer with its font/glyph/text caches
cleared before every plate (the like-for-like peer: what caching buys), and naive PIL drawing
only the serial on a plain plate (far less work per image; a floor, not a competitor).
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import random
import sys
import time

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image, ImageDraw, ImageFont  # noqa: E402

from alpr.synth import PlateRenderer  # noqa: E402
from alpr.synth.fonts import font_path  # noqa: E402

cv2.setNumThreads(1)
try:  # torch is optional here; pin it too if present
    import torch

    torch.set_num_threads(1)
except ImportError:  # pragma: no cover
    pass


def naive_pil(n: int, size: tuple[int, int] = (256, 128), seed: int = 0) -> float:
    """Plates/s of the naive approach: truetype + ImageDraw.text per plate, no caching."""
    rng = random.Random(seed)
    path = str(font_path("DejaVuSans-Bold"))
    chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    start = time.perf_counter()
    for _ in range(n):
        img = Image.new("RGB", size, (245, 245, 240))
        draw = ImageDraw.Draw(img)
        font = ImageFont.truetype(path, rng.randint(48, 60))
        text = "".join(rng.choice(chars) for _ in range(7))
        draw.rectangle((2, 2, size[0] - 3, size[1] - 3), outline=(30, 30, 30), width=2)
        draw.text((size[0] // 2, size[1] // 2), text, font=font, fill=(20, 30, 100),
                  anchor="mm")
        np.asarray(img)
    return n / (time.perf_counter() - start)


def synth(n: int, seed: int = 0) -> tuple[float, float]:
    """(plates/s of PlateRenderer.render in steady state, seconds to construct + warm up)."""
    t0 = time.perf_counter()
    r = PlateRenderer(seed=seed)
    for _ in range(200):  # warm the glyph/text caches, as any real run of thousands would
        r.render()
    warm = time.perf_counter() - t0
    start = time.perf_counter()
    for _ in range(n):
        r.render()
    return n / (time.perf_counter() - start), warm


def uncached(n: int, seed: int = 0) -> float:
    """Plates/s of the same renderer with its font, glyph and text caches cleared before
    every plate: what the full plate costs without the caching (backgrounds stay pooled)."""
    from alpr.synth import fonts, render

    caches = [fonts._font, fonts._cap_metrics, fonts.glyph, fonts.text_mask, render._hershey]
    r = PlateRenderer(seed=seed)
    start = time.perf_counter()
    for _ in range(n):
        for c in caches:
            c.cache_clear()
        r.render()
    return n / (time.perf_counter() - start)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    print(f"date: {dt.datetime.now().isoformat(timespec='seconds')}")
    print(f"machine: {platform.platform()}; python {platform.python_version()}; "
          f"{platform.processor() or platform.machine()}; cpu_count={os.cpu_count()}; "
          f"threads=1 (single process)")
    x, warm = synth(n)
    y = naive_pil(n)
    z = uncached(max(50, n // 10))
    print(f"N={n}, size=256x128; synth construction + 200-plate warm-up: {warm:.2f} s")
    print(f"synth: {x:.0f} plates/s")
    print(f"peer, same full plates without the glyph/text caches: {z:.0f} plates/s; "
          f"ratio {x / z:.1f}x")
    print(f"peer, naive PIL drawing only the serial on a plain plate (far less work): "
          f"{y:.0f} plates/s; ratio {x / y:.2f}")


if __name__ == "__main__":
    main()
