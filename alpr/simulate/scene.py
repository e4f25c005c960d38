"""Procedural camera scenes: each simulated camera's fixed background, its day/night light,
its mounting geometry, and the two things the simulator renders through it: a full frame
(reference at installation, daily snapshots) and the plate region of a passing vehicle as the
camera captures it: 25-60 px high, through the lens's blur and the plate's defocus, smeared by
its motion over the exposure, lit by the hour (infrared at night), sometimes glared, noised by
the sensor and JPEG-compressed by the camera (:class:`Capture`), so the recognizer misreads
about as often as on real frames (docs/simulator.md).

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
    shutter_ms: float = 0.6  # exposure in daylight; longer at night (infrared strobe)
    motion_deg: float = 90.0  # direction of plate motion in the image (90: down the frame)
    jpeg_quality: int = 70  # the camera's JPEG quality setting
    yaw_deg: float = 0.0  # the camera looks at plates this far off their normal (roadside)


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
    zone_x, zone_y = float(r.uniform(0.35, 0.65) * W), float(r.uniform(0.55, 0.72) * H)
    # plates 25-60 px high in the frame (real frames hand the reader 22-60 px): the zone's
    # plate width, then +-15 % per vehicle
    plate_w = float(r.uniform(66, 100) if not mobile else r.uniform(60, 96))
    roll, focus = float(r.uniform(-3, 3)), float(r.uniform(0.35, 0.6))
    return CameraRig(name=name, kind=kind, seed=seed, zone_x=zone_x, zone_y=zone_y,
                     plate_w=plate_w, roll_deg=roll, focus_sigma=focus,
                     jitter_px=12.0 if not mobile else 30.0,
                     shutter_ms=float(r.uniform(0.4, 0.9)),
                     motion_deg=float(r.uniform(60, 120)),
                     # in-car units stream over a cellular link: harder compression
                     jpeg_quality=int(r.integers(45, 76) if not mobile else r.integers(35, 61)),
                     # a roadside camera sees plates obliquely; a patrol car's angle varies
                     yaw_deg=float(r.uniform(8, 25) * (1 if r.random() < 0.5 else -1))
                     if not mobile else 0.0)


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
                 vehicles: int = 2, region: tuple[int, int, int, int] | None = None
                 ) -> np.ndarray:
    """A full RGB uint8 frame at ``hour``: the scene as this camera sees it, with a few
    vehicles passing, the light of the hour (grayscale infrared at night) and sensor noise;
    with ``region`` (x, y, w, h in the frame) only that part of it (a detection zone)."""
    r = np.random.default_rng([rig.seed, seed, 303])
    W, H = FRAME_SIZE
    ox, oy, rw, rh = region or (0, 0, W, H)
    warp = _camera_warp(state)
    warp[0, 2] -= ox
    warp[1, 2] -= oy
    img = cv2.warpAffine(background(rig.seed), warp, (rw, rh),
                         flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    for _ in range(vehicles):  # traffic occludes part of the scene
        w = int(r.uniform(90, 170))
        x, y = int(r.uniform(0, W - w)) - ox, int(r.uniform(H * 0.45, H * 0.8)) - oy
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


DETECTION_ZONE = (320, 192)  # (W, H) of the part of the frame the plate detector looks at


def detection_zone(rig: CameraRig) -> tuple[int, int, int, int]:
    """(x, y, w, h): the camera's detection zone, set at installation around its capture
    zone, as ALPR cameras are configured (plates only pass there). It stays put in the frame
    when the camera is knocked out of alignment, so a moved camera cuts or misses plates.

    >>> x, y, w, h = detection_zone(make_rig("CAM-01", "stationary", 0))
    >>> (w, h), 0 <= x <= 640 - w, 0 <= y <= 360 - h
    ((320, 192), True, True)
    """
    W, H = FRAME_SIZE
    w, h = DETECTION_ZONE
    x = int(np.clip(round(rig.zone_x - w / 2), 0, W - w))
    y = int(np.clip(round(rig.zone_y - h / 2), 0, H - h))
    return x, y, w, h


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
    w = rig.plate_w * r.uniform(0.85, 1.15)
    roll = rig.roll_deg + r.normal(0, 1.0)
    if state.moved:  # the same plate position, seen through the moved camera
        a = math.radians(-state.rotation_deg)
        cx, cy = W / 2, H / 2
        x, y = (cx + (x - cx) * math.cos(a) - (y - cy) * math.sin(a) + state.dx,
                cy + (x - cx) * math.sin(a) + (y - cy) * math.cos(a) + state.dy)
        roll += state.rotation_deg
    return x, y, w, roll


@dataclass(frozen=True)
class Capture:
    """How one passing plate is captured: blur (lens, defocus, dirt) and motion smear in
    frame pixels, light and gain on the plate, sensor noise, glare and JPEG quality."""

    light: float  # daylight(hour): < 0.4 is night (infrared, grayscale)
    blur_sigma: float  # Gaussian blur of lens, defocus and dirt, frame px
    motion_px: float  # length of the motion smear over the exposure, frame px
    motion_deg: float
    gain: float  # exposure on the retro-reflective plate (> 1.3 saturates at night)
    noise_sd: float  # sensor noise, grey levels
    glare: float  # peak of a headlight/sun glare blob, grey levels (0: none)
    jpeg_quality: int
    yaw_deg: float = 0.0  # the plate seen this far off its normal: foreshortened, keystoned
    occlusion: float = 0.0  # share of the plate's width hidden (tow bar, frame, dirt); 0: none

    @property
    def night(self) -> bool:
        return self.light < 0.4


PLATE_WIDTH_M = 0.305  # a US plate is 12 inches wide


def capture_conditions(rig: CameraRig, state: CameraState, hour: float, plate_w: float,
                       r: np.random.Generator) -> Capture:
    """The conditions of one capture at ``hour`` of a plate ``plate_w`` px wide.

    Motion: the vehicle's speed (stationary cameras 8-22 m/s, the relative speed of traffic
    met by a patrol car 0-30 m/s) times the exposure (the rig's shutter by day, up to 2.5x
    under the infrared strobe at night) at the plate's scale, 30-60 % of it across the image.
    Night also brings more sensor noise, a more variable gain and more glare (headlights),
    and the camera's stream compresses harder (noise eats the bit rate).

    >>> rig = make_rig("CAM-01", "stationary", 0)
    >>> day = capture_conditions(rig, CameraState(), 12.0, 80.0, np.random.default_rng(1))
    >>> night = capture_conditions(rig, CameraState(), 2.0, 80.0, np.random.default_rng(1))
    >>> night.motion_px > day.motion_px and night.noise_sd > day.noise_sd
    True
    """
    light = daylight(hour)
    dark = 1.0 - light
    mobile = rig.kind == "mobile"
    speed = float(abs(r.normal(0, 13)) if mobile else r.uniform(8, 22))  # m/s
    exposure = rig.shutter_ms * (1.0 + 1.5 * dark) / 1000.0  # s
    motion = speed * exposure * plate_w / PLATE_WIDTH_M * float(r.uniform(0.3, 0.6))
    defocus = abs(float(r.normal(0, 0.3)))  # plates nearer or farther than the focal plane
    # dirt scatters light over the whole lens: the near plate blurs less than the scene
    # behind it (2.6 x dirt in frames: the sharpness diagnostics' signal)
    blur = rig.focus_sigma + defocus + 2.0 * state.dirt
    gain = float(r.uniform(0.85, 1.1) if light >= 0.4 else r.uniform(0.7, 1.9))
    glare_p = 0.03 + 0.10 * dark
    glare = float(r.uniform(90, 260)) if r.random() < glare_p else 0.0
    quality = rig.jpeg_quality + int(r.integers(-8, 9)) - (10 if light < 0.4 else 0)
    yaw = rig.yaw_deg + float(r.normal(0, 4) if not mobile else r.uniform(-35, 35))
    occlusion = float(r.uniform(0.06, 0.18)) if r.random() < 0.015 else 0.0
    return Capture(light=light, blur_sigma=blur, motion_px=motion,
                   motion_deg=rig.motion_deg + float(r.normal(0, 15)), gain=gain,
                   noise_sd=2.0 + 9.0 * dark, glare=glare,
                   jpeg_quality=int(np.clip(quality, 15, 95)), yaw_deg=yaw,
                   occlusion=occlusion)


def _motion_blur(img: np.ndarray, length: float, angle_deg: float) -> np.ndarray:
    """Smear ``img`` along a line of ``length`` px at ``angle_deg`` (a linear motion PSF)."""
    if length < 1.0:
        return img
    n = int(math.ceil(length)) | 1
    k = np.zeros((n, n), np.float32)
    c = n / 2 - 0.5
    dx, dy = math.cos(math.radians(angle_deg)), math.sin(math.radians(angle_deg))
    for t in np.linspace(-length / 2, length / 2, max(2 * n, 3)):
        x, y = c + t * dx, c + t * dy
        x0, y0 = int(math.floor(x)), int(math.floor(y))
        fx, fy = x - x0, y - y0
        for xx, yy, wgt in ((x0, y0, (1 - fx) * (1 - fy)), (x0 + 1, y0, fx * (1 - fy)),
                            (x0, y0 + 1, (1 - fx) * fy), (x0 + 1, y0 + 1, fx * fy)):
            if 0 <= xx < n and 0 <= yy < n:
                k[yy, xx] += wgt
    return cv2.filter2D(img, -1, k / k.sum(), borderType=cv2.BORDER_REPLICATE)


def _glare(img: np.ndarray, peak: float, r: np.random.Generator) -> np.ndarray:
    """A headlight or sun glare: a bright blob over part of the plate, saturating it."""
    h, w = img.shape[:2]
    cx, cy = float(r.uniform(0, w)), float(r.uniform(0, h))
    radius = float(r.uniform(0.25, 0.7)) * h
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    blob = np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * radius ** 2))
    return img + (peak * blob)[..., None]


def capture(small: np.ndarray, cond: Capture, dirt: float, r: np.random.Generator) -> np.ndarray:
    """The plate region (float32 RGB at its size in the frame) as the camera delivers it:
    blurred, smeared, hazed by dirt, lit, glared, noised and JPEG-compressed (uint8 RGB)."""
    out = cv2.GaussianBlur(small, (0, 0), cond.blur_sigma) if cond.blur_sigma > 0.3 else small
    out = _motion_blur(out, cond.motion_px, cond.motion_deg)
    if dirt > 0:  # a dirty lens: a milky haze that lowers contrast
        out = out * (1 - 0.45 * dirt) + 0.45 * dirt * 170.0
    # the plate is retro-reflective and lit by the camera's illuminator at night
    out = out * max(cond.light, 0.55) * cond.gain
    if cond.night:
        out = np.repeat(out.mean(axis=2, keepdims=True), 3, axis=2) * 1.3
    if cond.occlusion:  # a tow bar or plate frame in front of part of the plate
        h, w = out.shape[:2]
        x = float(r.uniform(0.25, 0.75)) * w
        half = cond.occlusion * w / 2
        out[int(h * 0.35):, max(int(x - half), 0):int(x + half) + 1] = float(r.uniform(15, 60))
    if cond.glare:
        out = _glare(out, cond.glare, r)
    shape = out.shape[:2] + ((1,) if cond.night else (3,))  # one sensor channel at night
    out = out + r.normal(0, cond.noise_sd, shape).astype(np.float32)
    out8 = np.clip(out, 0, 255).astype(np.uint8)
    ok, buf = cv2.imencode(".jpg", out8, [cv2.IMWRITE_JPEG_QUALITY, cond.jpeg_quality])
    decoded = cv2.imdecode(buf, cv2.IMREAD_COLOR) if ok else None  # RGB in, RGB out
    return np.asarray(decoded if decoded is not None else out8, dtype=np.uint8)


def view_plate(rig: CameraRig, state: CameraState, plate: np.ndarray, hour: float,
               r: np.random.Generator) -> PlateView | None:
    """Render ``plate`` (a synthetic plate crop, RGB uint8) as the camera captures it
    (:func:`capture_conditions`, :func:`capture`); None when the plate falls outside the
    frame (a moved camera misses some)."""
    W, H = FRAME_SIZE
    cx, cy, pw, roll = plate_geometry(rig, state, r)
    cond = capture_conditions(rig, state, hour, pw, r)
    ph = pw * PLATE_ASPECT
    pw = pw * math.cos(math.radians(cond.yaw_deg))  # seen obliquely: narrower
    a = math.radians(roll)
    bw = abs(pw * math.cos(a)) + abs(ph * math.sin(a))
    bh = abs(pw * math.sin(a)) + abs(ph * math.cos(a))
    # the detector's box, with the synthetic crop's own margin around the plate (~8 %)
    bw, bh = bw * 1.08, bh * 1.08
    x0, y0 = int(round(cx - bw / 2)), int(round(cy - bh / 2))
    w, h = int(round(bw)), int(round(bh))
    if x0 < 0 or y0 < 0 or x0 + w > W or y0 + h > H or w < 8 or h < 4:
        return None
    src: np.ndarray = plate.astype(np.float32)
    if abs(cond.yaw_deg) >= 1.0:
        src = cv2.resize(src, (max(8, round(src.shape[1] * pw / (2 * ph))), src.shape[0]),
                         interpolation=cv2.INTER_AREA)
    src_h, src_w = src.shape[:2]
    m = cv2.getRotationMatrix2D((src_w / 2, src_h / 2), -roll, 1.0)
    # enlarge the canvas so the rotated plate keeps its corners, then shrink to the box
    out_w, out_h = int(src_w * (bw / (pw * 1.08)) + 0.5), int(src_h * (bh / (ph * 1.08)) + 0.5)
    m[0, 2] += (out_w - src_w) / 2
    m[1, 2] += (out_h - src_h) / 2
    rotated = cv2.warpAffine(src, m, (out_w, out_h),
                             flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    small = cv2.resize(rotated, (w, h), interpolation=cv2.INTER_AREA)
    return PlateView(capture(small, cond, state.dirt, r), (x0, y0, w, h), float(roll))
