"""Background pools for synthetic plates: plate faces and the car/bumper around the plate.

Generating a pictorial background costs far more than compositing a plate, so the renderer
builds a pool once (seeded) and reuses each entry with a random flip, crop and colour shift.
Plate faces imitate US plates: plain white or cream, pale gradients, coloured bands, and pale
"scenery" (sky, mountains, sun, trees, waves, rainbow arcs); a minority are dark or saturated
(navy, green, yellow) and carry a light or dark serial accordingly.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

BASE_SIZE = (256, 128)  # (W, H) at which plate faces are generated; resized per plate

_PALE = np.array([[250, 250, 250], [247, 244, 232], [240, 244, 250], [252, 250, 236],
                  [236, 240, 244], [245, 240, 246]], np.float32)
_SCENE = np.array([[120, 160, 210], [90, 140, 90], [200, 120, 60], [150, 110, 170],
                   [220, 180, 90], [90, 170, 200], [200, 90, 90], [110, 120, 140],
                   [60, 110, 70], [230, 150, 60]], np.float32)
# (face colour, serial colour) for saturated or dark plates
_BOLD = [((25, 45, 110), (235, 200, 90)), ((20, 90, 55), (245, 245, 240)),
         ((20, 20, 24), (240, 240, 235)), ((120, 25, 35), (245, 240, 230)),
         ((245, 200, 40), (25, 35, 100)), ((250, 225, 90), (20, 20, 20)),
         ((150, 200, 235), (20, 30, 90))]


@dataclass(frozen=True)
class PlateBackground:
    """A plate face (uint8 RGB at :data:`BASE_SIZE`) and the serial colour it calls for.

    ``ink`` is None for light faces (the renderer picks a dark serial colour) or an RGB triple
    for bold faces that need a specific contrasting serial colour.
    """

    image: np.ndarray
    ink: tuple[int, int, int] | None


def _vgrad(h: int, w: int, top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    t = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None, None]
    return np.broadcast_to(top * (1 - t) + bottom * t, (h, w, 3)).copy()


def _hgrad(h: int, w: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    t = np.linspace(0.0, 1.0, w, dtype=np.float32)[None, :, None]
    return np.broadcast_to(left * (1 - t) + right * t, (h, w, 3)).copy()


def _pale(rng: np.random.Generator) -> np.ndarray:
    return _PALE[rng.integers(len(_PALE))] + rng.uniform(-6, 4, 3).astype(np.float32)


def _tint(rng: np.random.Generator, amount: float) -> tuple[float, float, float]:
    """A scene colour blended toward white by ``amount`` (1 = white)."""
    c = _SCENE[rng.integers(len(_SCENE))] * (1 - amount) + 255 * amount
    return (float(c[0]), float(c[1]), float(c[2]))


def _ridge(rng: np.random.Generator, w: int, base: float, amp: float) -> np.ndarray:
    """A mountain-like skyline: y per column."""
    x = np.arange(w, dtype=np.float32)
    y = np.full(w, base, np.float32)
    for _ in range(4):
        f = rng.uniform(0.5, 5.0) * 2 * np.pi / w
        y += amp * rng.uniform(0.2, 1.0) * np.sin(f * x + rng.uniform(0, 6.3))
    y += np.cumsum(rng.normal(0, amp * 0.08, w)).astype(np.float32)
    return y


def _scene(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    img = _vgrad(h, w, np.array(_tint(rng, rng.uniform(0.45, 0.8)), np.float32),
                 _pale(rng)) if rng.random() < 0.7 else np.full((h, w, 3), _pale(rng))
    if rng.random() < 0.3:  # sun / circle
        cv2.circle(img, (int(rng.integers(w)), int(rng.integers(h // 2))),
                   int(rng.integers(h // 8, h // 3)), _tint(rng, rng.uniform(0.3, 0.7)), -1)
    if rng.random() < 0.2:  # rainbow arcs
        c = (int(rng.integers(w)), int(h * rng.uniform(0.8, 1.4)))
        r0 = int(h * rng.uniform(0.5, 0.9))
        for k in range(int(rng.integers(3, 7))):
            cv2.circle(img, c, r0 - k * 5, _tint(rng, rng.uniform(0.35, 0.6)), 5)
    for _ in range(int(rng.integers(0, 3))):  # mountain ranges
        ys = _ridge(rng, w, h * rng.uniform(0.35, 0.8), h * rng.uniform(0.05, 0.18))
        pts = np.concatenate([np.stack([np.arange(w), ys], 1), [[w - 1, h], [0, h]]])
        cv2.fillPoly(img, [pts.astype(np.int32)], _tint(rng, rng.uniform(0.15, 0.65)))
    if rng.random() < 0.3:  # trees
        col = _tint(rng, rng.uniform(0.05, 0.5))
        for _ in range(int(rng.integers(2, 10))):
            x, y = int(rng.integers(w)), int(h * rng.uniform(0.5, 1.0))
            s = int(rng.integers(h // 12, h // 4))
            tri = np.array([[x, y - 2 * s], [x - s // 2, y], [x + s // 2, y]], np.int32)
            cv2.fillPoly(img, [tri], col)
    if rng.random() < 0.25:  # waves
        col = _tint(rng, rng.uniform(0.3, 0.7))
        y0, f = h * rng.uniform(0.6, 0.9), rng.uniform(2, 8) * 2 * np.pi / w
        ys = y0 + h * 0.04 * np.sin(f * np.arange(w))
        pts = np.concatenate([np.stack([np.arange(w), ys], 1), [[w - 1, h], [0, h]]])
        cv2.fillPoly(img, [pts.astype(np.int32)], col)
    # a plain band where the serial usually sits on most pictorial plates
    if rng.random() < 0.4:
        a = rng.uniform(0.3, 0.7)
        y0, y1 = int(h * rng.uniform(0.2, 0.3)), int(h * rng.uniform(0.75, 0.85))
        img[y0:y1] = img[y0:y1] * (1 - a) + _pale(rng) * a
    return cv2.GaussianBlur(img, (0, 0), rng.uniform(0.6, 2.0))


def _bands(rng: np.random.Generator, img: np.ndarray) -> None:
    """Coloured bands at the top and/or bottom edge (PA, WI, DC style)."""
    h = img.shape[0]
    for top in (True, False):
        if rng.random() < 0.5:
            t = int(h * rng.uniform(0.06, 0.2))
            col = np.array(_tint(rng, rng.uniform(0.0, 0.4)), np.float32)
            if top:
                img[:t] = col
            else:
                img[h - t:] = col


def make_plate_backgrounds(rng: np.random.Generator, n: int = 64) -> list[PlateBackground]:
    """Build ``n`` plate faces at :data:`BASE_SIZE`."""
    w, h = BASE_SIZE
    out: list[PlateBackground] = []
    for _ in range(n):
        kind = rng.random()
        ink: tuple[int, int, int] | None = None
        if kind < 0.2:
            img = np.full((h, w, 3), _pale(rng), np.float32)
        elif kind < 0.35:
            a, b = _pale(rng), np.array(_tint(rng, rng.uniform(0.5, 0.85)), np.float32)
            img = _vgrad(h, w, a, b) if rng.random() < 0.6 else _hgrad(h, w, a, b)
            if rng.random() < 0.5:
                img = img[::-1].copy()
        elif kind < 0.85:
            img = _scene(rng, h, w)
        else:
            face, serial = _BOLD[rng.integers(len(_BOLD))]
            f = np.array(face, np.float32)
            img = _vgrad(h, w, f * rng.uniform(0.85, 1.0), np.minimum(f * 1.15 + 10, 255))
            ink = serial
        if ink is None and rng.random() < 0.35:
            _bands(rng, img)
        img += rng.normal(0, 2.0, img.shape).astype(np.float32)
        out.append(PlateBackground(np.clip(img, 0, 255).astype(np.uint8), ink))
    return out


def make_surrounds(rng: np.random.Generator, n: int, size: tuple[int, int]) -> list[np.ndarray]:
    """Build ``n`` textures (uint8 RGB, 25% larger than ``size`` = (W, H)) of car, bumper
    and shadow around a plate; the renderer crops one at a random offset."""
    w, h = int(size[0] * 1.25) + 2, int(size[1] * 1.25) + 2
    out = []
    for _ in range(n):
        base = rng.uniform(8, 140) * rng.uniform(0.85, 1.15, 3)
        img = _vgrad(h, w, base.astype(np.float32),
                     (base * rng.uniform(0.3, 1.6)).astype(np.float32))
        for _ in range(int(rng.integers(0, 6))):  # body lines, chrome, bumper edges
            y = int(rng.integers(h))
            cv2.line(img, (0, y), (w, y + int(rng.integers(-20, 20))),
                     tuple(float(v) for v in rng.uniform(0, 230) * rng.uniform(0.9, 1.1, 3)), int(rng.integers(1, 8)))
        noise = cv2.GaussianBlur(rng.normal(0, 1, (h, w)).astype(np.float32), (0, 0),
                                 rng.uniform(1, 6))
        img += (noise / (noise.std() + 1e-6) * rng.uniform(3, 20))[:, :, None]
        out.append(np.clip(img, 0, 255).astype(np.uint8))
    return out
