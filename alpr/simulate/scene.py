"""Procedural camera scenes: each simulated camera's fixed background, its day/night light,
its mounting geometry, and the two things the simulator renders through it: a full frame
(reference at installation, daily snapshots) and the plate region of a passing vehicle as the
camera sees it (position, size, roll, focus, light, noise, a dirty lens).

Pure and deterministic: everything follows from the rig's seed and the arguments.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

FRAME_SIZE = (640, 360)  # (W, H) of the simulated camera frames
PLATE_ASPECT = 0.5  # US plates are 12 x 6 inches


@dataclass(frozen=True)
class CameraRig:
    """How one camera is mounted: where and how large plates appear in its frame."""

    name: str
    kind: str  # "stationary" or "mobile"
    seed: int
    zone_x: float  # plate centre in the frame, px
    zone_y: float
    plate_w: float  # plate width at the capture zone, px
    roll_deg: float  # plate roll as seen by this camera
    focus_sigma: float  # optical blur of a clean, focused lens, px
    jitter_px: float  # spread of plate positions around the capture zone


@dataclass(frozen=True)
class CameraState:
    """The camera's condition on a day: knocked out of alignment, dirty lens."""

    dx: float = 0.0
    dy: float = 0.0
    rotation_deg: float = 0.0
    dirt: float = 0.0  # 0 clean .. 1 badly soiled

    @property
    def moved(self) -> bool:
        return bool(self.dx or self.dy or self.rotation_deg)


def make_rig(name: str, kind: str, seed: int) -> CameraRig:
    """A camera rig with its own geometry, drawn from ``seed``."""
    r = np.random.default_rng([seed, 101])
    W, H = FRAME_SIZE
    mobile = kind == "mobile"
    return CameraRig(name=name, kind=kind, seed=seed,
                     zone_x=float(r.uniform(0.35, 0.65) * W), zone_y=float(r.uniform(0.55, 0.72) * H),
                     plate_w=float(r.uniform(78, 100) if not mobile else r.uniform(70, 95)),
                     roll_deg=float(r.uniform(-3, 3)), focus_sigma=float(r.uniform(0.35, 0.6)),
                     jitter_px=12.0 if not mobile else 30.0)


def daylight(hour: float) -> float:
    """Ambient light 0.12 (night) .. 1.0 (noon), smooth through dawn (6h) and dusk (19h).

    >>> round(daylight(12.0), 2), round(daylight(0.0), 2)
    (1.0, 0.12)
    """
    h = hour % 24.0
    day = 0.5 * (math.tanh((h - 6.0) / 0.8) - math.tanh((h - 19.0) / 0.8))
    return 0.12 + 0.88 * day * (0.85 + 0.15 * math.cos((h - 12.5) / 12.0 * math.pi))


# -- full frames --------------------------------------------------------------------------
@lru_cache(maxsize=32)
def background(seed: int) -> np.ndarray:
    """The camera's fixed scene (float32 RGB, 1.25x the frame so a moved camera still sees
    scene at the borders): sky, buildings with windows, a road in perspective, poles, signs
    and textured surfaces that give alignment something to lock on to."""
    r = np.random.default_rng([seed, 202])
    W, H = (int(FRAME_SIZE[0] * 1.25), int(FRAME_SIZE[1] * 1.25))
    img = np.zeros((H, W, 3), np.float32)
    horizon = int(H * r.uniform(0.32, 0.42))
    sky = np.linspace(0, 1, horizon, dtype=np.float32)[:, None, None]
    img[:horizon] = (np.array([150, 190, 235], np.float32) * (1 - sky)
                     + np.array([205, 215, 225], np.float32) * sky)
    img[horizon:] = np.array([95, 98, 92], np.float32)
    x = 0
    while x < W:  # buildings along the horizon
        bw, bh = int(r.integers(40, 130)), int(r.integers(40, horizon + 20))
        colour = r.uniform(60, 200, 3).astype(np.float32)
        top = max(horizon - bh, 0)
        img[top:horizon + 12, x:x + bw] = colour
        for wy in range(top + 6, horizon, int(r.integers(10, 16))):
            for wx in range(x + 5, x + bw - 8, int(r.integers(10, 18))):
                img[wy:wy + 6, wx:wx + 5] = colour * r.uniform(0.3, 0.6)
        x += bw + int(r.integers(0, 25))
    vx = W * r.uniform(0.4, 0.6)  # road vanishing point
    road = np.array([[vx - 8, horizon + 12], [vx + 8, horizon + 12], [W * 1.1, H], [-W * 0.1, H]],
                    np.int32)
    cv2.fillPoly(img, [road], (70, 72, 75))
    for t in np.linspace(0.05, 1, 14):  # lane dashes
        y0 = horizon + 12 + (H - horizon) * t ** 2
        y1 = horizon + 12 + (H - horizon) * (t + 0.03) ** 2
        cv2.line(img, (int(vx), int(y0)), (int(vx), int(y1)), (230, 230, 220),
                 max(1, int(6 * t)))
    for _ in range(int(r.integers(4, 8))):  # poles and signs
        px, top = int(r.integers(0, W)), int(r.integers(horizon - 60, horizon))
        cv2.line(img, (px, max(top, 0)), (px, int(r.integers(horizon + 30, H))), (40, 40, 45), 3)
        cv2.rectangle(img, (px - 14, max(top, 0)), (px + 14, max(top, 0) + 18),
                      tuple(float(c) for c in r.uniform(30, 230, 3)), -1)
    noise = cv2.GaussianBlur(r.normal(0, 1, (H, W)).astype(np.float32), (0, 0), 2.0)
    img += (noise * 9)[..., None]  # asphalt / facade texture
    return np.clip(img, 0, 255)


def _camera_warp(state: CameraState, scale: float = 1.0) -> np.ndarray:
    """2x3 affine taking background coordinates to frame coordinates for this state."""
    W, H = FRAME_SIZE
    big_w, big_h = W * 1.25, H * 1.25
    cx, cy = big_w / 2, big_h / 2
    m = cv2.getRotationMatrix2D((cx, cy), state.rotation_deg, scale)
    m[0, 2] += state.dx - (big_w - W) / 2
    m[1, 2] += state.dy - (big_h - H) / 2
    return m


def render_frame(rig: CameraRig, hour: float, state: CameraState, seed: int,
                 vehicles: int = 2) -> np.ndarray:
    """A full RGB uint8 frame at ``hour``: the scene as this camera sees it, with a few
    vehicles passing, the light of the hour (grayscale infrared at night) and sensor noise."""
    r = np.random.default_rng([rig.seed, seed, 303])
    W, H = FRAME_SIZE
    img = cv2.warpAffine(background(rig.seed), _camera_warp(state), (W, H),
                         flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    for _ in range(vehicles):  # traffic occludes part of the scene
        w = int(r.uniform(90, 170))
        x, y = int(r.uniform(0, W - w)), int(r.uniform(H * 0.45, H * 0.8))
        colour = tuple(float(c) for c in r.uniform(20, 230, 3))
        cv2.rectangle(img, (x, y), (x + w, y + int(w * 0.45)), colour, -1)
        cv2.rectangle(img, (x + w // 3, y + 8), (x + 2 * w // 3, y + 20), (200, 200, 200), -1)
    img = _optics(img, rig.focus_sigma, state.dirt)
    return _expose(img, hour, r)


def _optics(img: np.ndarray, focus_sigma: float, dirt: float) -> np.ndarray:
    """Lens blur, and a dirty lens: more blur and a milky haze that lowers contrast."""
    sigma = focus_sigma + 2.6 * dirt
    if sigma > 0.3:
        img = cv2.GaussianBlur(img, (0, 0), sigma)
    if dirt > 0:
        img = img * (1 - 0.45 * dirt) + 0.45 * dirt * 170.0
    return img


def _expose(img: np.ndarray, hour: float, r: np.random.Generator) -> np.ndarray:
    light = daylight(hour)
    out = img * light
    if light < 0.4:  # infrared at night: grayscale, the illuminator lifts near objects
        gray = out.mean(axis=2, keepdims=True)
        out = np.repeat(gray, 3, axis=2) * 1.6 + 8
    noise_sd = 2.0 + 6.0 * (1 - light)
    shape = out.shape[:2] + ((1,) if light < 0.4 else (3,))  # one sensor channel at night
    out = out + r.normal(0, noise_sd, shape).astype(np.float32)
    return np.clip(out, 0, 255).astype(np.uint8)


# -- the plate region of a passing vehicle ------------------------------------------------
@dataclass(frozen=True)
class PlateView:
    """What the camera captured of one plate: the crop handed to the recognizer and where
    it lies in the frame."""

    crop: np.ndarray  # (h, w, 3) uint8 RGB
    box: tuple[int, int, int, int]  # x, y, w, h in the frame
    angle_deg: float  # plate roll in the frame


def plate_geometry(rig: CameraRig, state: CameraState,
                   r: np.random.Generator) -> tuple[float, float, float, float]:
    """(centre x, centre y, plate width, roll) of one passing plate in the frame."""
    W, H = FRAME_SIZE
    x = rig.zone_x + r.normal(0, rig.jitter_px)
    y = rig.zone_y + r.normal(0, rig.jitter_px * 0.4)
    w = rig.plate_w * r.uniform(0.9, 1.1)
    roll = rig.roll_deg + r.normal(0, 1.0)
    if state.moved:  # the same plate position, seen through the moved camera
        a = math.radians(-state.rotation_deg)
        cx, cy = W / 2, H / 2
        x, y = (cx + (x - cx) * math.cos(a) - (y - cy) * math.sin(a) + state.dx,
                cy + (x - cx) * math.sin(a) + (y - cy) * math.cos(a) + state.dy)
        roll += state.rotation_deg
    return x, y, w, roll


def view_plate(rig: CameraRig, state: CameraState, plate: np.ndarray, hour: float,
               r: np.random.Generator) -> PlateView | None:
    """Render ``plate`` (a synthetic plate crop, RGB uint8) as the camera sees it; None when
    the plate falls outside the frame (a moved camera misses some)."""
    W, H = FRAME_SIZE
    cx, cy, pw, roll = plate_geometry(rig, state, r)
    ph = pw * PLATE_ASPECT
    a = math.radians(roll)
    bw = abs(pw * math.cos(a)) + abs(ph * math.sin(a))
    bh = abs(pw * math.sin(a)) + abs(ph * math.cos(a))
    # the detector's box, with the synthetic crop's own margin around the plate (~8 %)
    bw, bh = bw * 1.08, bh * 1.08
    x0, y0 = int(round(cx - bw / 2)), int(round(cy - bh / 2))
    w, h = int(round(bw)), int(round(bh))
    if x0 < 0 or y0 < 0 or x0 + w > W or y0 + h > H or w < 8 or h < 4:
        return None
    src_h, src_w = plate.shape[:2]
    m = cv2.getRotationMatrix2D((src_w / 2, src_h / 2), -roll, 1.0)
    # enlarge the canvas so the rotated plate keeps its corners, then shrink to the box
    out_w, out_h = int(src_w * (bw / (pw * 1.08)) + 0.5), int(src_h * (bh / (ph * 1.08)) + 0.5)
    m[0, 2] += (out_w - src_w) / 2
    m[1, 2] += (out_h - src_h) / 2
    rotated = cv2.warpAffine(plate.astype(np.float32), m, (out_w, out_h),
                             flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    small = cv2.resize(rotated, (w, h), interpolation=cv2.INTER_AREA)
    small = _optics(small, rig.focus_sigma * 0.6 + float(r.uniform(0, 0.35)), state.dirt)
    light = daylight(hour)
    # the plate is retro-reflective and lit by the camera's illuminator at night
    plate_light = max(light, 0.55) * float(r.uniform(0.85, 1.1))
    out = small * plate_light
    if light < 0.4:
        out = np.repeat(out.mean(axis=2, keepdims=True), 3, axis=2) * 1.3
    shape = out.shape[:2] + ((1,) if light < 0.4 else (3,))
    out = out + r.normal(0, 2.0 + 5.0 * (1 - light), shape).astype(np.float32)
    return PlateView(np.clip(out, 0, 255).astype(np.uint8), (x0, y0, w, h), float(roll))
