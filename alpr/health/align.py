"""Camera alignment, focus and exposure from images: a camera's current frame against its
reference frame (taken at installation).

Feature matching (ORB + RANSAC similarity) finds the motion even when the camera moved far
or traffic covers part of the scene; an ECC refinement on contrast-normalised images then
brings the shift below a pixel. Sharpness is the variance of the Laplacian after contrast
normalisation, so a darker (night) frame is not mistaken for a blurred one; brightness is
reported, never failed on alone. Pure functions over arrays.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np


@dataclass(frozen=True)
class AlignmentThresholds:
    """When a difference from the reference is worth a warning, and when a failure."""

    shift_warn_px: float = 4.0
    shift_fail_px: float = 12.0
    rotation_warn_deg: float = 0.5
    rotation_fail_deg: float = 1.5
    scale_warn: float = 0.02  # |scale - 1|
    scale_fail: float = 0.05
    sharpness_warn: float = 0.75  # current / reference
    sharpness_fail: float = 0.55
    brightness_low: float = 0.35  # outside these ratios: a warning (lighting, exposure)
    brightness_high: float = 2.5
    min_inliers: int = 12

    def __post_init__(self) -> None:
        for warn, fail in (("shift_warn_px", "shift_fail_px"),
                           ("rotation_warn_deg", "rotation_fail_deg"),
                           ("scale_warn", "scale_fail")):
            if not 0 < getattr(self, warn) <= getattr(self, fail):
                raise ValueError(f"{warn} {getattr(self, warn)!r}: must be > 0 and at most "
                                 f"{fail} ({getattr(self, fail)!r})")
        if not 0 < self.sharpness_fail <= self.sharpness_warn <= 1:
            raise ValueError(f"sharpness_fail {self.sharpness_fail!r}: must satisfy 0 < "
                             f"sharpness_fail <= sharpness_warn ({self.sharpness_warn!r}) <= 1")
        if not 0 < self.brightness_low < 1 < self.brightness_high:
            raise ValueError("brightness_low/brightness_high: need 0 < low < 1 < high")

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> AlignmentThresholds:
        """Thresholds from a mapping (e.g. a JSON file); unknown keys are an error."""
        known = set(cls.__dataclass_fields__)
        bad = sorted(set(values) - known)
        if bad:
            raise ValueError(f"unknown threshold(s) {', '.join(bad)}; known: "
                             f"{', '.join(sorted(known))}")
        return cls(**{k: type(getattr(cls(), k))(v) for k, v in values.items()})


@dataclass(frozen=True)
class Alignment:
    """How the current frame differs from the reference, and what that means."""

    dx_px: float  # displacement of the image centre, current minus reference
    dy_px: float
    rotation_deg: float  # counter-clockwise positive, as OpenCV's getRotationMatrix2D
    scale: float
    sharpness_ratio: float
    brightness_ratio: float
    inliers: int
    status: str  # ok | warn | fail
    reasons: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; unknown values (no alignment found) are None."""
        d = asdict(self)
        for k in ("dx_px", "dy_px", "rotation_deg", "scale", "sharpness_ratio",
                  "brightness_ratio"):
            d[k] = None if math.isnan(d[k]) else round(float(d[k]), 4)
        d["reasons"] = list(self.reasons)
        return d


def to_gray(image: np.ndarray) -> np.ndarray:
    """Float32 gray from an (H, W) or (H, W, 3) RGB array."""
    if image.ndim == 3:
        image = cv2.cvtColor(np.ascontiguousarray(image[..., :3]), cv2.COLOR_RGB2GRAY)
    if image.ndim != 2:
        raise ValueError(f"image: expected (H, W) or (H, W, 3), got shape {image.shape}")
    return image.astype(np.float32)


def _normalised(gray: np.ndarray, sigma: float = 12.0) -> np.ndarray:
    """Local contrast normalisation: removes lighting level and gradients (day/night)."""
    mean = cv2.GaussianBlur(gray, (0, 0), sigma)
    d = gray - mean
    sd = np.sqrt(cv2.GaussianBlur(d * d, (0, 0), sigma)) + 4.0
    return cv2.GaussianBlur(d / sd, (0, 0), 1.0)


def sharpness(gray: np.ndarray) -> float:
    """Variance of the Laplacian of the contrast-normalised image (light smoothing first,
    so sensor noise does not count as detail).

    >>> flat = np.full((64, 64), 100, np.float32); edge = flat.copy(); edge[:, 32:] = 200
    >>> sharpness(edge) > sharpness(cv2.GaussianBlur(edge, (0, 0), 3)) > sharpness(flat)
    True
    """
    g = gray.astype(np.float32)
    g = (g - g.mean()) / (g.std() + 1e-6)
    g = cv2.GaussianBlur(g, (0, 0), 0.8)
    return float(cv2.Laplacian(g, cv2.CV_32F).var())


def _orb(ref: np.ndarray, cur: np.ndarray) -> tuple[np.ndarray | None, int]:
    def u8(g: np.ndarray) -> np.ndarray:
        clahe = cv2.createCLAHE(clipLimit=3.0, tileGridSize=(8, 8))
        return clahe.apply(np.clip(g, 0, 255).astype(np.uint8))

    orb = cv2.ORB.create(nfeatures=1500, fastThreshold=10)
    k1, d1 = orb.detectAndCompute(u8(ref), None)
    k2, d2 = orb.detectAndCompute(u8(cur), None)
    if d1 is None or d2 is None or len(k1) < 4 or len(k2) < 4:
        return None, 0
    matches = cv2.BFMatcher(cv2.NORM_HAMMING, crossCheck=True).match(d1, d2)
    if len(matches) < 4:
        return None, 0
    src = np.array([k1[m.queryIdx].pt for m in matches], np.float32)
    dst = np.array([k2[m.trainIdx].pt for m in matches], np.float32)
    m, inliers = cv2.estimateAffinePartial2D(src, dst, method=cv2.RANSAC,
                                            ransacReprojThreshold=3.0, maxIters=5000,
                                            confidence=0.999)
    if m is None or inliers is None:
        return None, 0
    return m, int(inliers.sum())


def _ecc(ref: np.ndarray, cur: np.ndarray, init: np.ndarray) -> np.ndarray | None:
    """Refine a near-Euclidean warp (reference -> current) by ECC; None if it diverges."""
    warp = init.astype(np.float32).copy()
    s = math.sqrt(abs(float(np.linalg.det(warp[:, :2]))))
    if abs(s - 1) > 0.02:  # ECC's Euclidean model has no scale: keep the feature estimate
        return None
    warp[:, :2] /= s
    criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 100, 1e-6)
    try:
        mask = np.ones(ref.shape, np.uint8)
        _, refined = cv2.findTransformECC(_normalised(ref), _normalised(cur), warp,
                                          cv2.MOTION_EUCLIDEAN, criteria, mask, 5)
    except cv2.error:
        return None
    return np.asarray(refined)


def estimate_alignment(reference: np.ndarray, current: np.ndarray,
                       thresholds: AlignmentThresholds | None = None) -> Alignment:
    """Compare ``current`` with ``reference`` (same camera, same size).

    The shift is the displacement of the image centre (so a pure rotation about the centre
    has none), in pixels of the given images.
    """
    th = thresholds or AlignmentThresholds()
    ref, cur = to_gray(reference), to_gray(current)
    if ref.shape != cur.shape:
        raise ValueError(f"current frame {cur.shape[::-1]} must have the reference frame's "
                         f"size {ref.shape[::-1]} (W, H)")
    f = min(1.0, 1000.0 / max(ref.shape))  # work at most ~1000 px wide
    r_s = cv2.resize(ref, None, fx=f, fy=f, interpolation=cv2.INTER_AREA) if f < 1 else ref
    c_s = cv2.resize(cur, None, fx=f, fy=f, interpolation=cv2.INTER_AREA) if f < 1 else cur
    m, inliers = _orb(r_s, c_s)
    reasons: list[str] = []
    sharp = sharpness(cur) / max(sharpness(ref), 1e-9)
    bright = float(cur.mean() + 1.0) / float(ref.mean() + 1.0)
    if m is None or inliers < th.min_inliers:
        reasons.append(f"scene not recognised: {inliers} matching features (need "
                       f"{th.min_inliers}); camera moved far, blocked or lens covered")
        return Alignment(math.nan, math.nan, math.nan, math.nan, sharp, bright, inliers,
                         "fail", tuple(reasons + _quality(sharp, bright, th)[1]))
    refined = _ecc(r_s, c_s, m)
    if refined is not None and np.abs(refined[:, 2] - m[:, 2]).max() < 3.0:
        m = refined
    m = m.astype(np.float64)
    m[:, 2] /= f  # back to full resolution
    h, w = ref.shape
    centre = np.array([(w - 1) / 2, (h - 1) / 2, 1.0])
    dx, dy = m @ centre - centre[:2]
    scale = math.sqrt(abs(float(np.linalg.det(m[:, :2]))))
    rotation = math.degrees(math.atan2(m[0, 1], m[0, 0]))
    status = "ok"
    shift = math.hypot(dx, dy)
    for value, warn, fail, text in (
            (shift, th.shift_warn_px, th.shift_fail_px,
             f"shifted {shift:.1f} px (dx {dx:+.1f}, dy {dy:+.1f})"),
            (abs(rotation), th.rotation_warn_deg, th.rotation_fail_deg,
             f"rotated {rotation:+.2f} deg"),
            (abs(scale - 1), th.scale_warn, th.scale_fail, f"scale {scale:.3f} (zoom changed)")):
        if value > fail:
            status = "fail"
            reasons.append(f"{text}: out of alignment (fail above {fail})")
        elif value > warn:
            status = _worse(status, "warn")
            reasons.append(f"{text} (warn above {warn})")
    q_status, q_reasons = _quality(sharp, bright, th)
    return Alignment(float(dx), float(dy), rotation, scale, sharp, bright, inliers,
                     _worse(status, q_status), tuple(reasons + q_reasons))


def _quality(sharp: float, bright: float, th: AlignmentThresholds) -> tuple[str, list[str]]:
    if sharp < th.sharpness_fail:
        return "fail", [f"sharpness {sharp:.2f} of the reference: out of focus or dirty lens "
                        f"(fail below {th.sharpness_fail})"]
    out: tuple[str, list[str]] = ("ok", [])
    if sharp < th.sharpness_warn:
        out = ("warn", [f"sharpness {sharp:.2f} of the reference (warn below "
                        f"{th.sharpness_warn})"])
    if not th.brightness_low <= bright <= th.brightness_high:
        out = ("warn", out[1] + [f"brightness {bright:.2f} of the reference: check exposure "
                                 f"or lighting (night frames are compared by structure)"])
    return out


_ORDER = {"ok": 0, "warn": 1, "fail": 2}


def _worse(a: str, b: str) -> str:
    return a if _ORDER[a] >= _ORDER[b] else b


def load_image(path: str | Path) -> np.ndarray:
    """An RGB uint8 image from a file; a clear error (``ValueError``) naming the file and what
    is wrong with it — missing, a folder, empty, too large, not an image — and no OpenCV
    warning on the way."""
    from alpr.recognizer.preprocess import load_rgb

    return load_rgb(path)
