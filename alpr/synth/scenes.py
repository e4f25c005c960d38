"""Synthetic street scenes for training the plate detector: plates warped into frames.

A :class:`SceneRenderer` pastes 0-3 plates (rendered US crops from :class:`PlateRenderer`, or
European-style long plates drawn here) with perspective, rotation, scale, blur and lighting
onto a background (a crop of a real frame with its plate cut away, or a procedural texture),
adds hard negatives (signs and stickers with text, grilles, plain light rectangles) and
returns the image with the plates' boxes and corners. Everything is numpy + OpenCV.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from alpr.synth import fonts
from alpr.synth.render import PlateRenderer

Box = tuple[float, float, float, float]  # x, y, w, h
_EU_FONTS = ("DejaVuSans-Bold", "DejaVuSansMono-Bold", "Roboto-Bold", "Roboto-Medium")


@dataclass(frozen=True)
class Scene:
    """A synthetic frame and its plates."""

    image: np.ndarray  # (H, W, 3) uint8 RGB
    boxes: tuple[Box, ...]  # axis-aligned plate boxes
    corners: tuple[np.ndarray, ...]  # (4, 2) float32 per plate: TL, TR, BR, BL


def _glyph_line(text: str, font: str, height: int) -> np.ndarray:
    """Ink mask of ``text`` from cached glyphs, cap height ``height`` px (spaces allowed)."""
    scale = height / fonts.REF_CAP_HEIGHT
    gap = max(1, int(0.12 * height))
    parts: list[np.ndarray] = []
    for ch in text:
        if ch == " ":
            parts.append(np.zeros((height, int(0.45 * height)), np.float32))
            continue
        g = fonts.glyph(font, ch)
        w = max(1, int(g.mask.shape[1] * scale))
        m = cv2.resize(g.mask, (w, height), interpolation=cv2.INTER_AREA)
        parts.append(m)
        parts.append(np.zeros((height, gap), np.float32))
    return np.concatenate(parts, axis=1) if parts else np.zeros((height, 1), np.float32)


def eu_plate(rng: random.Random) -> np.ndarray:
    """A European-style plate (about 4.7:1): white or yellow, blue band, black serial."""
    h = 100
    w = int(h * rng.uniform(3.9, 5.0))
    yellow = rng.random() < 0.25
    face = np.array((235, 200, 40) if yellow else (238, 238, 232), np.float32)
    img = np.empty((h, w, 3), np.float32)
    img[:] = face * rng.uniform(0.85, 1.05)
    band = 0
    if rng.random() < 0.75:
        band = int(w * rng.uniform(0.07, 0.1))
        img[:, :band] = (20, 50, 160)
        cx, cy, r = band / 2, h * 0.32, band * 0.3
        for k in range(12):  # ring of stars as dots
            a = 2 * np.pi * k / 12
            cv2.circle(img, (int(cx + r * np.cos(a)), int(cy + r * np.sin(a))), 2,
                       (240, 210, 40), -1)
        code = _glyph_line(rng.choice(("D", "F", "NL", "PL", "I", "E", "CZ", "B")), "Roboto-Bold",
                           int(h * 0.22))
        cw = min(band - 2, code.shape[1])
        y0 = int(h * 0.62)
        img[y0:y0 + code.shape[0], (band - cw) // 2:(band - cw) // 2 + cw] = np.maximum(
            img[y0:y0 + code.shape[0], (band - cw) // 2:(band - cw) // 2 + cw],
            code[:, :cw, None] * 255)
    letters = string.ascii_uppercase
    text = ("".join(rng.choice(letters) for _ in range(rng.randint(1, 3))) + " "
            + "".join(rng.choice(letters) for _ in range(rng.randint(0, 2))) + " "
            + "".join(rng.choice(string.digits) for _ in range(rng.randint(1, 4))))
    mask = _glyph_line(text.strip(), rng.choice(_EU_FONTS), int(h * rng.uniform(0.6, 0.72)))
    room = w - band - int(0.08 * h)
    if mask.shape[1] > room:
        mask = cv2.resize(mask, (room, mask.shape[0]), interpolation=cv2.INTER_AREA)
    x0 = band + (w - band - mask.shape[1]) // 2
    y0 = (h - mask.shape[0]) // 2
    ink = np.array((15, 15, 18), np.float32)
    sub = img[y0:y0 + mask.shape[0], x0:x0 + mask.shape[1]]
    sub[:] = sub * (1 - mask[:, :, None]) + ink * mask[:, :, None]
    cv2.rectangle(img, (1, 1), (w - 2, h - 2), (20, 20, 20), max(1, h // 30))
    return np.clip(img, 0, 255).astype(np.uint8)


def procedural_background(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    """Road/car/building-like clutter: gradients, blocks, lines, blobs and noise."""
    top, bottom = rng.uniform(20, 230, 3), rng.uniform(20, 230, 3)
    t = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    img = np.broadcast_to(top * (1 - t) + bottom * t, (h, w, 3)).astype(np.float32).copy()
    for _ in range(int(rng.integers(3, 14))):
        colour = tuple(float(c) for c in rng.uniform(0, 255, 3))
        kind = rng.integers(4)
        p = (int(rng.integers(w)), int(rng.integers(h)))
        if kind == 0:
            q = (p[0] + int(rng.integers(10, w)), p[1] + int(rng.integers(5, h // 2)))
            cv2.rectangle(img, p, q, colour, -1)
        elif kind == 1:
            q = (int(rng.integers(w)), int(rng.integers(h)))
            cv2.line(img, p, q, colour, int(rng.integers(1, 8)))
        elif kind == 2:
            cv2.ellipse(img, p, (int(rng.integers(5, w // 3)), int(rng.integers(5, h // 3))),
                        float(rng.uniform(0, 180)), 0, 360, colour, -1)
        else:  # grille
            x0, y0 = p
            gw, gh = int(rng.integers(30, 160)), int(rng.integers(10, 60))
            for k in range(0, gw, int(rng.integers(3, 9))):
                cv2.line(img, (x0 + k, y0), (x0 + k, y0 + gh), colour, 1)
    noise = cv2.GaussianBlur(rng.normal(0, 1, (h, w)).astype(np.float32), (0, 0),
                             float(rng.uniform(1, 5)))
    img += (noise * rng.uniform(2, 15))[:, :, None]
    return np.clip(img, 0, 255).astype(np.uint8)


def _timestamp_text(rng: random.Random) -> list[str]:
    """One or two lines of a camera's burnt-in date/time (and sometimes its name)."""
    date = f"{rng.randint(2009, 2030)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    if rng.random() < 0.3:
        date = f"{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}/{rng.randint(2009, 2030)}"
    clock = f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
    lines = [date, clock] if rng.random() < 0.5 else [f"{date} {clock}"]
    if rng.random() < 0.25:
        lines.insert(0, rng.choice(("CAM", "CH", "LANE ", "UNIT ")) + str(rng.randint(1, 32)))
    return lines


def overlay_text(rng: random.Random, img: np.ndarray, lines: list[str] | None = None) -> Box:
    """Paint a camera's on-screen display (date/time, channel) in place; returns its box.

    Burnt-in timestamps are the commonest false plate in real frames: digit rows in a
    light, outlined monospace face, usually near a corner.
    """
    h, w = img.shape[:2]
    lines = lines or _timestamp_text(rng)
    font = rng.choice((cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_PLAIN,
                       cv2.FONT_HERSHEY_DUPLEX, cv2.FONT_HERSHEY_COMPLEX_SMALL))
    height = rng.uniform(5, 26)
    scale = height / cv2.getTextSize("0", font, 1.0, 1)[0][1]
    thick = max(1, int(round(height / rng.uniform(6, 12))))
    sizes = [cv2.getTextSize(t, font, scale, thick)[0] for t in lines]
    bw, lh = max(s[0] for s in sizes), int(height * rng.uniform(1.4, 1.8))
    bh = lh * len(lines)
    if rng.random() < 0.7:  # near a corner
        jx, jy = rng.randint(0, 12), rng.randint(0, 12)
        x = rng.choice((jx, w - bw - 2 - jx))
        y = rng.choice((bh + jy, h - 2 - jy))
    else:
        x, y = rng.randint(0, max(0, w - bw)), rng.randint(bh, max(bh, h - 2))
    x, y = min(max(x, 0), max(0, w - bw)), min(max(y, bh), max(bh, h - 2))
    y0 = y - bh + lh
    light = rng.random() < 0.85
    ink = ((rng.randint(200, 255),) * 3 if rng.random() < 0.8
           else (255, rng.randint(200, 255), 0)) if light else (rng.randint(0, 40),) * 3
    outline = rng.random() < 0.6
    if rng.random() < 0.2:  # a dark box behind the text
        cv2.rectangle(img, (x - 2, y0 - lh), (x + bw + 2, y + 3), (20, 20, 20), -1)
    for k, t in enumerate(lines):
        org = (x, y0 + k * lh)
        if outline:
            cv2.putText(img, t, org, font, scale, (0, 0, 0) if light else (255, 255, 255),
                        thick + 2, cv2.LINE_AA)
        cv2.putText(img, t, org, font, scale, ink, thick, cv2.LINE_AA)
    top = max(0, y0 - lh)
    return (float(x), float(top), float(min(bw, w - x)), float(min(y + 3, h) - top))


def badge(rng: random.Random, img: np.ndarray) -> None:
    """Paint a car badge or a country sticker in place: an oval or shield with 1-6 letters."""
    h, w = img.shape[:2]
    bh = int(rng.uniform(8, 45))
    bw = int(bh * rng.uniform(1.2, 3.2))
    if bw + 2 >= w or bh + 2 >= h:
        return
    cx, cy = rng.randint(bw // 2, w - bw // 2 - 1), rng.randint(bh // 2, h - bh // 2 - 1)
    face = tuple(float(v) for v in ((rng.uniform(200, 255),) * 3 if rng.random() < 0.6
                                    else (rng.uniform(0, 255) for _ in range(3))))
    ink = tuple(float(v) for v in ((rng.uniform(0, 50),) * 3 if sum(face) > 450
                                   else (rng.uniform(180, 255),) * 3))
    cv2.ellipse(img, (cx, cy), (bw // 2, bh // 2), 0, 0, 360, face, -1, cv2.LINE_AA)
    cv2.ellipse(img, (cx, cy), (bw // 2, bh // 2), 0, 0, 360, ink, max(1, bh // 12),
                cv2.LINE_AA)
    text = "".join(rng.choice(string.ascii_uppercase) for _ in range(rng.randint(1, 6)))
    font = rng.choice((cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_DUPLEX,
                       cv2.FONT_HERSHEY_TRIPLEX))
    tw, th = cv2.getTextSize(text, font, 1.0, 2)[0]
    scale = min(0.8 * bw / max(tw, 1), 0.55 * bh / max(th, 1))
    tw, th = cv2.getTextSize(text, font, scale, 2)[0]
    cv2.putText(img, text, (cx - tw // 2, cy + th // 2), font, scale, ink,
                max(1, int(scale * 2)), cv2.LINE_AA)


def _distractor(rng: random.Random, img: np.ndarray) -> None:
    """Paint one hard negative in place: a text sign, a bare light panel, loose text, a
    camera's burnt-in timestamp, or a badge."""
    h, w = img.shape[:2]
    kind = rng.random()
    if kind < 0.2:
        overlay_text(rng, img)
        return
    if kind < 0.3:
        badge(rng, img)
        return
    kind = rng.uniform(0, 1)
    th = int(rng.uniform(6, 40))
    text = "".join(rng.choice(string.ascii_uppercase + string.digits + "  ")
                   for _ in range(rng.randint(2, 14))).strip() or "SALE"
    mask = _glyph_line(text, rng.choice(fonts.SMALL_FONTS), th)
    bg = np.array([rng.uniform(0, 255) for _ in range(3)], np.float32)
    ink = np.array([rng.uniform(0, 255) for _ in range(3)], np.float32)
    if kind < 0.35:  # a sign: text on a panel much wider/taller than a plate's proportions
        pw = mask.shape[1] + int(rng.uniform(0.3, 3) * th)
        ph = int(th * rng.uniform(1.8, 6))
        panel = np.empty((ph, pw, 3), np.float32)
        panel[:] = bg
        y0 = rng.randint(0, max(0, ph - th))
        x0 = (pw - mask.shape[1]) // 2
        m = mask[:max(1, min(th, ph - y0))]
        sub = panel[y0:y0 + m.shape[0], x0:x0 + m.shape[1]]
        sub[:] = sub * (1 - m[:, :, None]) + ink * m[:, :, None]
    elif kind < 0.55:  # a bare light rectangle of plate-ish size, no characters
        ph = th
        pw = int(th * rng.uniform(1.5, 5))
        panel = np.empty((ph, pw, 3), np.float32)
        panel[:] = np.array([rng.uniform(180, 255)] * 3, np.float32)
    else:  # loose text on whatever is behind it
        x = rng.randint(0, max(0, w - mask.shape[1]))
        y = rng.randint(0, max(0, h - mask.shape[0]))
        m = mask[:h - y, :w - x]
        sub = img[y:y + m.shape[0], x:x + m.shape[1]].astype(np.float32)
        img[y:y + m.shape[0], x:x + m.shape[1]] = np.clip(
            sub * (1 - m[:, :, None]) + ink * m[:, :, None], 0, 255).astype(np.uint8)
        return
    ph, pw = panel.shape[:2]
    if ph >= h or pw >= w:
        return
    x, y = rng.randint(0, w - pw), rng.randint(0, h - ph)
    img[y:y + ph, x:x + pw] = np.clip(panel, 0, 255).astype(np.uint8)


def _quad(rng: random.Random, pw: float, ph: float, cx: float, cy: float,
          skew: float) -> np.ndarray:
    """Corners (TL, TR, BR, BL) of a plate of ``pw`` x ``ph`` centred at (cx, cy), rotated,
    with each corner moved by up to ``skew`` of the plate height (perspective)."""
    a = np.deg2rad(rng.uniform(-8, 8) if rng.random() < 0.7 else rng.uniform(-18, 18))
    base = np.array([[-pw / 2, -ph / 2], [pw / 2, -ph / 2], [pw / 2, ph / 2], [-pw / 2, ph / 2]])
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    pts = base @ rot.T
    pts += np.array([[rng.uniform(-skew, skew) * ph for _ in range(2)] for _ in range(4)])
    return (pts + np.array([cx, cy])).astype(np.float32)


def paste_plate(canvas: np.ndarray, plate: np.ndarray, quad: np.ndarray,
                rng: random.Random) -> None:
    """Warp ``plate`` onto ``quad`` of ``canvas`` in place, with lighting and a soft edge."""
    h, w = plate.shape[:2]
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    m = cv2.getPerspectiveTransform(src, quad)
    H, W = canvas.shape[:2]
    x0, y0 = np.floor(quad.min(0)).astype(int)
    x1, y1 = np.ceil(quad.max(0)).astype(int)
    x0, y0, x1, y1 = max(x0 - 1, 0), max(y0 - 1, 0), min(x1 + 1, W), min(y1 + 1, H)
    if x1 <= x0 or y1 <= y0:
        return
    shift = np.array([[1, 0, -x0], [0, 1, -y0], [0, 0, 1]], np.float64)
    m = shift @ m
    size = (x1 - x0, y1 - y0)
    pl: np.ndarray = plate.astype(np.float32) * rng.uniform(0.45, 1.2)
    if rng.random() < 0.3:  # shadow / glare gradient across the plate
        g = np.linspace(rng.uniform(0.5, 1.2), rng.uniform(0.5, 1.2), w, dtype=np.float32)
        pl *= g[None, :, None]
    shrink = max(w / max(size[0], 1), 1.0)
    if shrink > 1.5:  # pre-blur so the downscale does not alias
        pl = cv2.GaussianBlur(pl, (0, 0), 0.4 * shrink)
    warped = cv2.warpPerspective(pl, m, size, flags=cv2.INTER_LINEAR,
                                 borderMode=cv2.BORDER_CONSTANT)
    alpha = cv2.warpPerspective(np.ones((h, w), np.float32), m, size, flags=cv2.INTER_LINEAR)
    sub = canvas[y0:y1, x0:x1].astype(np.float32)
    a = alpha[:, :, None]
    canvas[y0:y1, x0:x1] = np.clip(sub * (1 - a) + warped * a, 0, 255).astype(np.uint8)


def _overlaps(box: Box, others: list[Box], margin: float = 0.15) -> bool:
    x, y, w, h = box
    for ox, oy, ow, oh in others:
        if (x < ox + ow * (1 + margin) and ox < x + w * (1 + margin)
                and y < oy + oh * (1 + margin) and oy < y + h * (1 + margin)):
            return True
    return False


class SceneRenderer:
    """Deterministic (per seed) synthetic detection scenes of ``size`` = (W, H) pixels.

    ``backgrounds`` is an optional callable ``(rng, h, w) -> uint8 RGB`` supplying real
    background crops (with no plate in them); otherwise procedural backgrounds are used.
    Plate widths are drawn log-uniformly from ``plate_width`` pixels.
    """

    def __init__(self, seed: int = 0, size: tuple[int, int] = (320, 320),
                 plate_width: tuple[float, float] = (18.0, 220.0),
                 backgrounds: Callable[[random.Random, int, int], np.ndarray | None] | None = None,
                 real_plates: list[np.ndarray] | None = None, real_plate_share: float = 0.0,
                 ) -> None:
        if min(size) < 32:
            raise ValueError(f"size must be (W, H) of at least 32 pixels, got {size!r}")
        if not 4 <= plate_width[0] < plate_width[1]:
            raise ValueError(f"plate_width must be (min, max) with 4 <= min < max, "
                             f"got {plate_width!r}")
        self.size = size
        self.plate_width = plate_width
        self.backgrounds = backgrounds
        self.real_plates = real_plates or []
        self.real_plate_share = real_plate_share if self.real_plates else 0.0
        self._rng = random.Random(seed)
        self._np = np.random.default_rng(seed)
        self._plates = PlateRenderer(seed=seed, size=(192, 96))

    def _background(self) -> np.ndarray:
        w, h = self.size
        if self.backgrounds is not None and self._rng.random() < 0.6:
            bg = self.backgrounds(self._rng, h, w)
            if bg is not None:
                return bg
        return procedural_background(self._np, h, w)

    def _plate(self) -> np.ndarray:
        if self.real_plate_share and self._rng.random() < self.real_plate_share:
            return self._rng.choice(self.real_plates)
        if self._rng.random() < 0.6:
            return self._plates.render().image
        return eu_plate(self._rng)

    def render(self, n_plates: int | None = None) -> Scene:
        """One scene; ``n_plates`` plates (random 0-3, mostly 1, when None)."""
        r = self._rng
        img = self._background().copy()
        H, W = img.shape[:2]
        for _ in range(r.choice((0, 0, 1, 1, 2, 3, 4))):
            _distractor(r, img)
        if n_plates is None:
            n_plates = r.choices((0, 1, 2, 3), weights=(0.08, 0.6, 0.22, 0.1))[0]
        boxes: list[Box] = []
        corners: list[np.ndarray] = []
        lo, hi = np.log(self.plate_width[0]), np.log(self.plate_width[1])
        for _ in range(n_plates):
            plate = self._plate()
            aspect = plate.shape[1] / plate.shape[0] * r.uniform(0.9, 1.1)
            for _attempt in range(10):
                pw = float(np.exp(r.uniform(lo, hi)))
                ph = pw / aspect
                cx = r.uniform(pw * 0.3, W - pw * 0.3)
                cy = r.uniform(ph * 0.3, H - ph * 0.3)
                quad = _quad(r, pw, ph, cx, cy, skew=0.25)
                x0, y0 = quad.min(0)
                x1, y1 = quad.max(0)
                box = (float(x0), float(y0), float(x1 - x0), float(y1 - y0))
                if not _overlaps(box, boxes):
                    break
            else:
                continue
            paste_plate(img, plate, quad, r)
            # clip the box to the image; drop plates mostly outside it
            cx0, cy0 = max(box[0], 0.0), max(box[1], 0.0)
            cx1, cy1 = min(box[0] + box[2], W), min(box[1] + box[3], H)
            if (cx1 - cx0) * (cy1 - cy0) < 0.6 * box[2] * box[3]:
                boxes.append(box)  # still blocks overlap, but is not a target
                corners.append(np.full((4, 2), np.nan, np.float32))
                continue
            boxes.append((cx0, cy0, cx1 - cx0, cy1 - cy0))
            corners.append(quad)
        keep = [i for i, c in enumerate(corners) if not np.isnan(c).any()]
        return Scene(img, tuple(boxes[i] for i in keep), tuple(corners[i] for i in keep))
