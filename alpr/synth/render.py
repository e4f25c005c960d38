"""Fast synthetic US licence-plate crops with exact labels and per-character boxes.

A :class:`PlateRenderer` composites, with numpy on cached masks, a tight crop like the real
OpenALPR US crops: a 2:1 plate filling most of the image over a dark car/bumper margin, the
jurisdiction name and a slogan, a big condensed embossed serial with separators, and the
clutter of real plates (stacked small characters, bolts, border, registration stickers, an
emblem, a dealer frame). The label ``text`` is only the main serial, as in ``labels.csv``:
stacked characters, stickers and frame text are never part of it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from alpr.synth import fonts
from alpr.synth.backgrounds import PlateBackground, make_plate_backgrounds, make_surrounds
from alpr.vocabulary.formats import sample_serial
from alpr.vocabulary.jurisdictions import Jurisdiction, all_jurisdictions, get_jurisdiction
from alpr.vocabulary.plate_text import normalize_plate

Box = tuple[int, int, int, int]
_DARK_INKS = [((20, 32, 105), 4), ((15, 15, 20), 4), ((20, 75, 40), 1.5), ((105, 20, 35), 1),
              ((190, 30, 40), 0.8), ((30, 60, 150), 1.2)]
_TEXT_COLOURS = [(170, 20, 30), (20, 40, 120), (30, 70, 160), (20, 90, 50), (20, 20, 20),
                 (200, 60, 30), (90, 30, 110)]
_STICKER_COLOURS = [(250, 220, 40), (240, 120, 30), (60, 170, 80), (220, 40, 50),
                    (245, 245, 245), (60, 110, 220), (240, 130, 180)]
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_DEALERS = ("AUTO MALL", "MOTORS", "TOYOTA", "HONDA", "FORD", "CHEVROLET", "AUTO SALES",
            "NISSAN", "SUBARU", "KIA", "CARMAX", "DODGE")


@dataclass(frozen=True)
class SyntheticPlate:
    """One rendered plate crop and its ground truth."""

    image: np.ndarray  # (H, W, 3) uint8 RGB
    text: str  # canonical serial, A-Z0-9 only (what labels.csv 'plate' holds)
    state: str  # USPS code
    printed: str  # serial as printed, with separators
    char_boxes: tuple[Box, ...]  # (x0, y0, x1, y1) per character of ``text``, exclusive x1/y1


@lru_cache(maxsize=1)
def _shapes() -> dict[str, np.ndarray]:
    """Separator/emblem masks (float32 64x64): star, heart, blob, dot, keystone, ring."""
    out: dict[str, np.ndarray] = {}
    ang = np.linspace(-np.pi / 2, 3 * np.pi / 2, 11)[:-1]
    rad = np.where(np.arange(10) % 2 == 0, 30, 12)
    pts = {
        "star": np.stack([32 + rad * np.cos(ang), 33 + rad * np.sin(ang)], 1),
        "keystone": np.array([[10, 8], [54, 8], [46, 56], [18, 56]]),
        "blob": np.array([[12, 10], [40, 6], [52, 20], [56, 44], [36, 58], [14, 50], [8, 30]]),
    }
    for name, p in pts.items():
        m = np.zeros((64, 64), np.float32)
        cv2.fillPoly(m, [p.astype(np.int32)], 1.0, cv2.LINE_AA)
        out[name] = m
    t = np.linspace(0, 2 * np.pi, 60)
    heart = np.stack([32 + 28 * np.sin(t) ** 3,
                      30 - (22 * np.cos(t) - 9 * np.cos(2 * t) - 4 * np.cos(3 * t))], 1)
    m = np.zeros((64, 64), np.float32)
    cv2.fillPoly(m, [heart.astype(np.int32)], 1.0, cv2.LINE_AA)
    out["heart"] = m
    for name, thick in (("dot", -1), ("ring", 7)):
        m = np.zeros((64, 64), np.float32)
        cv2.circle(m, (32, 32), 26, 1.0, thick, cv2.LINE_AA)
        out[name] = m
    return out


@lru_cache(maxsize=8)
def _pools(seed: int, size: tuple[int, int]) -> tuple[list[PlateBackground], list[np.ndarray]]:
    rng = np.random.default_rng([seed, 7])
    return make_plate_backgrounds(rng, 64), make_surrounds(rng, 20, size)


def _blend(canvas: np.ndarray, alpha: np.ndarray, x: int, y: int,
           colour: tuple[float, float, float] | np.ndarray, opacity: float = 1.0) -> None:
    """Alpha-composite a solid ``colour`` through ``alpha`` at (x, y), clipped to the canvas."""
    h, w = alpha.shape
    ch, cw = canvas.shape[:2]
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, cw), min(y + h, ch)
    if x0 >= x1 or y0 >= y1:
        return
    a = alpha[y0 - y:y1 - y, x0 - x:x1 - x, None]
    if opacity != 1.0:
        a = a * opacity
    region = canvas[y0:y1, x0:x1]
    region += (np.asarray(colour, np.float32) - region) * a


@lru_cache(maxsize=4096)
def _hershey(text: str, scale_q: int) -> np.ndarray:
    """Mask of small cv2 Hershey text (scale in 1/40 units); anchored at its bottom-left."""
    scale = scale_q / 40
    (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
    m = np.zeros((th + base + 2, tw + 2), np.uint8)
    cv2.putText(m, text, (1, th + 1), cv2.FONT_HERSHEY_SIMPLEX, scale, 255, 1, cv2.LINE_AA)
    out = m.astype(np.float32) / 255.0
    out.setflags(write=False)
    return out


def _put_text(canvas: np.ndarray, text: str, x: int, y: int, scale: float,
              colour: tuple[float, float, float]) -> None:
    """Draw small text with its baseline-left at (x, y)."""
    m = _hershey(text, max(int(round(scale * 40)), 4))
    _blend(canvas, m, x, y - m.shape[0] + 2, colour)


def _resize(mask: np.ndarray, w: int, h: int) -> np.ndarray:
    return cv2.resize(mask, (max(w, 1), max(h, 1)), interpolation=cv2.INTER_AREA)


class PlateRenderer:
    """Deterministic generator of synthetic plate crops of ``size`` = (W, H) pixels."""

    def __init__(self, seed: int = 0, size: tuple[int, int] = (256, 128)) -> None:
        if len(size) != 2 or min(size) < 16:
            raise ValueError(f"size must be (W, H) with both at least 16 pixels, got {size!r}")
        self.size = (int(size[0]), int(size[1]))
        self._rng = np.random.default_rng(seed)
        self._py = random.Random(seed)
        self._faces, self._surrounds = _pools(seed, self.size)
        self._jurisdictions = all_jurisdictions()

    # -- public ---------------------------------------------------------------------------
    def render(self, state: str | None = None, text: str | None = None) -> SyntheticPlate:
        """Render one plate; ``state`` (code or name) and ``text`` are random when None.

        Raises UnknownJurisdictionError for an unknown state and PlateTextError for text
        that does not normalise.
        """
        r = self._rng
        j = (get_jurisdiction(state) if state is not None
             else self._jurisdictions[int(r.integers(len(self._jurisdictions)))])
        if text is not None:
            canonical = normalize_plate(text)
            printed = " ".join(text.replace(".", " ").replace("\t", " ").upper().split())
        else:
            canonical, printed = self._sample(j)
        image, boxes = self._draw(j, printed)
        return SyntheticPlate(image, canonical, j.code, printed, boxes)

    # -- internals ------------------------------------------------------------------------
    def _sample(self, j: Jurisdiction) -> tuple[str, str]:
        if self._py.random() < 0.05:  # very short or very long vanity/special serials
            n = self._py.choice((2, 3, 3, 8))
            s = "".join(self._py.choice(fonts.SERIAL_CHARS) for _ in range(n))
            return s, s
        return sample_serial(j.code, self._py, vanity_rate=0.15)

    def _draw(self, j: Jurisdiction, printed: str) -> tuple[np.ndarray, tuple[Box, ...]]:
        r = self._rng
        W, H = self.size
        sur = self._surrounds[int(r.integers(len(self._surrounds)))]
        ox, oy = int(r.integers(sur.shape[1] - W + 1)), int(r.integers(sur.shape[0] - H + 1))
        canvas: np.ndarray = sur[oy:oy + H, ox:ox + W].astype(np.float32)

        # plate geometry: a 2:1 plate filling most of the crop, sometimes cut by the edges
        pw = int(W * (r.uniform(0.9, 1.04) if r.random() < 0.92 else r.uniform(0.78, 0.9)))
        ph = min(int(pw * r.uniform(0.46, 0.54)), int(H * 1.04))
        px = int((W - pw) / 2 + r.uniform(-1, 1) * (abs(W - pw) / 2 + 0.015 * W))
        py = int((H - ph) / 2 + r.uniform(-1, 1) * (abs(H - ph) / 2 + 0.02 * H))

        face = self._faces[int(r.integers(len(self._faces)))]
        img = face.image[:, ::-1] if r.random() < 0.5 else face.image
        plate = cv2.resize(img, (pw, ph), interpolation=cv2.INTER_LINEAR).astype(np.float32)
        plate *= r.uniform(0.88, 1.04, 3).astype(np.float32)
        x0, y0, x1, y1 = max(px, 0), max(py, 0), min(px + pw, W), min(py + ph, H)
        canvas[y0:y1, x0:x1] = plate[y0 - py:y1 - py, x0 - px:x1 - px]
        light_face = face.ink is None

        ink = (np.array(face.ink, np.float32) if face.ink is not None else np.array(
            _DARK_INKS[self._choice_w([w for _, w in _DARK_INKS])][0], np.float32))
        flipped = r.random() < 0.15  # name at the bottom, slogan at the top
        ch = ph * r.uniform(0.42, 0.55)
        cy = py + ph * r.uniform(0.49, 0.58) if not flipped else py + ph * r.uniform(0.44, 0.52)
        self._texts(canvas, j, px, py, pw, ph, ch, cy, flipped, light_face)
        boxes, serial_bottom = self._serial(canvas, printed, px, pw, ch, cy, ink, light_face)
        self._clutter(canvas, px, py, pw, ph, serial_bottom, ch)

        if r.random() < 0.7:
            canvas = cv2.GaussianBlur(canvas, (0, 0), r.uniform(0.3, 0.8))
        if r.random() < 0.5:  # uneven light
            g = np.linspace(r.uniform(0.8, 1.05), r.uniform(0.95, 1.1), H, dtype=np.float32)
            canvas *= g[:, None, None]
        return np.clip(canvas, 0, 255).astype(np.uint8), boxes

    def _choice_w(self, weights: list[float]) -> int:
        p = np.asarray(weights, np.float64)
        return int(self._rng.choice(len(p), p=p / p.sum()))

    def _texts(self, canvas: np.ndarray, j: Jurisdiction, px: int, py: int, pw: int, ph: int,
               ch: float, cy: float, flipped: bool, light: bool) -> None:
        """Jurisdiction name and slogan lines above/below the serial."""
        r = self._rng
        name = j.plate_name.upper() if r.random() < 0.5 else j.plate_name
        slogans = list(j.slogans) or [f"www.{j.name.lower().replace(' ', '')}.gov"]
        slogan = slogans[int(r.integers(len(slogans)))]
        if r.random() < 0.4:
            slogan = slogan.upper()
        top_space = cy - ch / 2 - py
        bot_space = py + ph - (cy + ch / 2)
        # masks are cached at a size a bit above what a 128-px-high crop needs
        ref = max(int(ph * 0.3), 24)
        lines = [(name, fonts.HEADER_FONTS, r.uniform(0.55, 0.9), ref),
                 (slogan, fonts.SMALL_FONTS, r.uniform(0.45, 0.7), max(ref * 2 // 3, 16))]
        for k, (txt, family, fill, ref_h) in enumerate(lines):
            if k == 1 and r.random() < 0.12:
                continue
            at_top = (k == 0) != flipped
            space = top_space if at_top else bot_space
            th = space * r.uniform(0.55, 0.85) if k == 0 else space * r.uniform(0.4, 0.6)
            if th < 3:
                continue
            mask = fonts.text_mask(family[int(r.integers(len(family)))], txt,
                                   (ref_h + 7) // 8 * 8)
            sc = min(th / mask.shape[0], pw * fill / mask.shape[1])
            mw, mh = int(mask.shape[1] * sc * r.uniform(0.85, 1.1)), int(mask.shape[0] * sc)
            m = _resize(mask, mw, mh)
            x = int(px + (pw - mw) / 2 + r.uniform(-0.08, 0.08) * pw)
            y = int(py + (space - mh) * r.uniform(0.3, 0.7) if at_top
                    else cy + ch / 2 + (space - mh) * r.uniform(0.3, 0.7))
            col = (_TEXT_COLOURS[int(r.integers(len(_TEXT_COLOURS)))] if light
                   else (245, 240, 220))
            _blend(canvas, m, x, y, col)

    def _serial(self, canvas: np.ndarray, printed: str, px: int, pw: int, ch: float, cy: float,
                ink: np.ndarray, light: bool) -> tuple[tuple[Box, ...], int]:
        """Lay out, squeeze and composite the serial; returns char boxes and its bottom y."""
        r = self._rng
        W, H = self.size
        font = fonts.SERIAL_FONTS[int(r.integers(len(fonts.SERIAL_FONTS)))]
        squeeze = r.uniform(0.55, 0.9)
        gap = r.uniform(0.03, 0.12)
        sep_kind = ("dash", "gap", "shape")[self._choice_w([1, 1.5, 1.5])]
        shape = ("star", "heart", "blob", "dot", "keystone", "blob")[int(r.integers(6))]
        stack = r.random() < 0.1
        stack_left = r.random() < 0.5
        logo = r.random() < 0.07
        # widths in units of the character height before scaling
        items: list[tuple[str, float]] = []
        for c in printed:
            if c in ("-", " "):
                kind = sep_kind if c == "-" else ("gap" if r.random() < 0.75 else sep_kind)
                items.append(("sep:" + kind, {"dash": 0.45, "gap": 0.35, "shape": 0.5}[kind]))
            else:
                g = fonts.glyph(font, c)
                items.append((c, g.mask.shape[1] / fonts.REF_CAP_HEIGHT * squeeze))
        extra = (0.5 if stack else 0.0) + (0.8 if logo else 0.0)
        unit = sum(w for _, w in items) + gap * (len(items) - 1) + extra
        avail = min(pw, W) * r.uniform(0.72, 0.88)
        if unit * ch > avail:  # squeeze more first, then shrink
            need = avail / (unit * ch)
            squeeze2 = max(0.5, squeeze * need)
            items = [(k, w * squeeze2 / squeeze if not k.startswith("sep") else w)
                     for k, w in items]
            squeeze = squeeze2
            unit = sum(w for _, w in items) + gap * (len(items) - 1) + extra
            ch = min(ch, avail / unit)
        total = unit * ch
        x = px + (pw - total) / 2 + r.uniform(-0.04, 0.04) * pw
        mx, my = 0.05 * W, 0.06 * H  # keep the serial clear of the edges (augment shifts)
        x = min(max(x, mx), W - total - mx)
        top = int(round(min(max(cy - ch / 2, my), H - ch * 1.15 - my)))
        hi = int(round(ch))
        k = ch / fonts.REF_CAP_HEIGHT
        # ink mask of the whole serial, composited at once with emboss
        span = np.zeros((int(hi * 1.4) + 4, int(total) + 8), np.float32)
        sx0 = int(x) - 4
        sy0 = top - int(hi * 0.2)
        cursor = x
        if logo or (stack and stack_left):
            if logo:
                self._emblem(canvas, int(cursor), top, hi, light)
                cursor += 0.8 * ch
            if stack and stack_left:
                self._stacked(span, cursor - sx0, top - sy0, hi, font, squeeze)
                cursor += 0.5 * ch
        boxes: list[Box] = []
        for kind, w in items:
            wpx = w * ch
            if kind.startswith("sep:"):
                self._separator(canvas, span, kind[4:], shape, cursor, wpx, top, hi, sx0, sy0)
            else:
                g = fonts.glyph(font, kind)
                gw = int(round(g.mask.shape[1] * k * squeeze))
                gh = int(round(g.mask.shape[0] * k))
                m = _resize(g.mask, gw, gh)
                gx, gy = int(round(cursor)), top + int(round(g.top * k))
                ys, xs = np.nonzero(m > 0.35)
                if ys.size:
                    boxes.append((gx + int(xs.min()), gy + int(ys.min()),
                                  gx + int(xs.max()) + 1, gy + int(ys.max()) + 1))
                else:
                    boxes.append((gx, gy, gx + 1, gy + 1))
                sl = span[gy - sy0:gy - sy0 + gh, gx - sx0:gx - sx0 + gw]
                np.maximum(sl, m[:sl.shape[0], :sl.shape[1]], out=sl)
            cursor += wpx + gap * ch
        if stack and not stack_left:
            self._stacked(span, cursor - sx0, top - sy0, hi, font, squeeze)
        # embossed look: dark shadow down-right, light highlight up-left, then the ink
        if r.random() < 0.75:
            d = int(r.integers(1, 3))
            _blend(canvas, span, sx0 + d, sy0 + d, ink * 0.4, 0.5)
            _blend(canvas, span, sx0 - 1, sy0 - 1, (255, 255, 255), 0.35 if light else 0.15)
        _blend(canvas, span, sx0, sy0, ink)
        return tuple(boxes), top + hi

    def _separator(self, canvas: np.ndarray, span: np.ndarray, kind: str, shape: str,
                   cursor: float, wpx: float, top: int, hi: int, sx0: int, sy0: int) -> None:
        r = self._rng
        if kind == "dash":
            dw, dh = int(wpx * 0.7), max(int(hi * r.uniform(0.07, 0.12)), 1)
            y = top + hi // 2 - dh // 2 - sy0
            x = int(cursor + wpx * 0.15) - sx0
            span[y:y + dh, x:x + dw] = 1.0
        elif kind == "shape":
            s = int(min(wpx, hi * 0.5))
            m = _resize(_shapes()[shape], s, s)
            col = _TEXT_COLOURS[int(r.integers(len(_TEXT_COLOURS)))]
            _blend(canvas, m, int(cursor + (wpx - s) / 2), top + (hi - s) // 2, col)

    def _stacked(self, span: np.ndarray, x: float, y: int, hi: int, font: str,
                 squeeze: float) -> None:
        """Two small characters stacked vertically (not part of the label)."""
        r = self._rng
        sh = int(hi * 0.42)
        for i in range(2):
            c = fonts.SERIAL_CHARS[int(r.integers(len(fonts.SERIAL_CHARS)))]
            g = fonts.glyph(font, c)
            k = sh / fonts.REF_CAP_HEIGHT
            m = _resize(g.mask, int(g.mask.shape[1] * k * max(squeeze, 0.7)),
                        int(g.mask.shape[0] * k))
            yy = y + i * (hi - sh) + int(g.top * k)
            xx = int(x + hi * 0.05)
            sl = span[yy:yy + m.shape[0], xx:xx + m.shape[1]]
            np.maximum(sl, m[:sl.shape[0], :sl.shape[1]], out=sl)

    def _emblem(self, canvas: np.ndarray, x: int, top: int, hi: int, light: bool) -> None:
        r = self._rng
        s = int(hi * r.uniform(0.5, 0.75))
        y = top + (hi - s) // 2
        name = ("ring", "dot", "star", "keystone")[int(r.integers(4))]
        col = _TEXT_COLOURS[int(r.integers(len(_TEXT_COLOURS)))]
        _blend(canvas, _resize(_shapes()[name], s, s), x, y, col if light else (240, 240, 240))
        if name == "ring":
            _blend(canvas, _resize(_shapes()["star"], s // 2, s // 2), x + s // 4, y + s // 4, col)

    def _clutter(self, canvas: np.ndarray, px: int, py: int, pw: int, ph: int,
                 serial_bottom: int, ch: float) -> None:
        """Border, bolts, registration stickers and a dealer frame."""
        r = self._rng
        if r.random() < 0.5:
            col = tuple(float(v) for v in r.uniform(0, 140, 3))
            t = int(r.integers(1, 3))
            cv2.rectangle(canvas, (px + t, py + t), (px + pw - 1 - t, py + ph - 1 - t), col, t)
        n_bolts = (0, 2, 2, 4)[int(r.integers(4))]
        br = max(int(ph * r.uniform(0.02, 0.035)), 1)
        bolt_col = tuple(float(v) for v in np.full(3, r.uniform(30, 160)))
        for i in range(n_bolts):
            bx = px + int(pw * (0.24 if i % 2 == 0 else 0.76) + r.uniform(-3, 3))
            by = py + int(ph * (0.1 if i < 2 else 0.9))
            cv2.circle(canvas, (bx, by), br, bolt_col, -1, cv2.LINE_AA)
        for corner in range(int(r.choice(3, p=[0.35, 0.45, 0.2]))):
            sw, sh = int(pw * r.uniform(0.09, 0.16)), int(ph * r.uniform(0.11, 0.2))
            right = (corner == 0) == (r.random() < 0.6)
            sx = px + (pw - sw - int(pw * r.uniform(-0.01, 0.04)) if right
                       else int(pw * r.uniform(-0.01, 0.04)))
            bottom = r.random() < 0.25
            sy = py + (ph - sh - int(ph * r.uniform(0.0, 0.06)) if bottom
                       else int(ph * r.uniform(-0.02, 0.06)))
            col = _STICKER_COLOURS[int(r.integers(len(_STICKER_COLOURS)))]
            cv2.rectangle(canvas, (sx, sy), (sx + sw, sy + sh), col, -1)
            label = (_MONTHS[int(r.integers(12))] if r.random() < 0.5
                     else f"{int(r.integers(0, 100)):02d}")
            _put_text(canvas, label, sx + 1, sy + sh - 1, sh / 28, (20, 20, 20))
        if r.random() < 0.18:
            fh = int(ph * r.uniform(0.08, 0.17))
            fy = max(py + ph - fh, serial_bottom - int(ch * 0.1) if r.random() < 0.1
                     else serial_bottom + 1)
            col = tuple(float(v) for v in np.full(3, r.uniform(10, 70)))
            cv2.rectangle(canvas, (px - 2, fy), (px + pw + 2, py + ph + 4), col, -1)
            word = _DEALERS[int(r.integers(len(_DEALERS)))]
            scale = max(py + ph - fy, 4) / 40
            _put_text(canvas, word, px + pw // 3, py + ph - max((py + ph - fy) // 4, 1),
                      scale, (220, 220, 220))
            if r.random() < 0.4:
                cv2.rectangle(canvas, (px - 2, py - 4), (px + pw + 2, py + int(ph * 0.05)),
                              col, -1)


__all__ = ["PlateRenderer", "SyntheticPlate"]
