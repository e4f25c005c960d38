"""Fonts for synthetic plates, found inside installed pip packages, and cached glyph masks.

Only fonts shipped by packages in the project's dependencies are used (matplotlib's DejaVu and
STIX fonts, ``font_roboto``, ``font_source_sans_pro`` and ``font_fjallaone``); nothing is
downloaded. A missing package raises :class:`FontNotFoundError` naming it.

Rendering text with PIL is slow, so every mask is rendered once and cached as a float32 array
in [0, 1]; the renderer then only resizes and composites numpy arrays.
"""

from __future__ import annotations

import importlib.util
import string
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

SERIAL_CHARS = string.ascii_uppercase + string.digits
REF_CAP_HEIGHT = 64  # glyph masks are rendered so that a capital letter is this tall

# (package, path inside the package, pip distribution name)
_FONT_FILES: dict[str, tuple[str, str, str]] = {
    "DejaVuSans-Bold": ("matplotlib", "mpl-data/fonts/ttf/DejaVuSans-Bold.ttf", "matplotlib"),
    "DejaVuSans": ("matplotlib", "mpl-data/fonts/ttf/DejaVuSans.ttf", "matplotlib"),
    "DejaVuSansMono-Bold": ("matplotlib", "mpl-data/fonts/ttf/DejaVuSansMono-Bold.ttf", "matplotlib"),
    "DejaVuSerif-Bold": ("matplotlib", "mpl-data/fonts/ttf/DejaVuSerif-Bold.ttf", "matplotlib"),
    "DejaVuSerif-BoldItalic": ("matplotlib", "mpl-data/fonts/ttf/DejaVuSerif-BoldItalic.ttf", "matplotlib"),
    "DejaVuSans-BoldOblique": ("matplotlib", "mpl-data/fonts/ttf/DejaVuSans-BoldOblique.ttf", "matplotlib"),
    "STIXGeneralBol": ("matplotlib", "mpl-data/fonts/ttf/STIXGeneralBol.ttf", "matplotlib"),
    "STIXGeneralBolIta": ("matplotlib", "mpl-data/fonts/ttf/STIXGeneralBolIta.ttf", "matplotlib"),
    "STIXGeneralItalic": ("matplotlib", "mpl-data/fonts/ttf/STIXGeneralItalic.ttf", "matplotlib"),
    "Roboto-Bold": ("font_roboto", "files/Roboto-Bold.ttf", "font-roboto"),
    "Roboto-Black": ("font_roboto", "files/Roboto-Black.ttf", "font-roboto"),
    "Roboto-Medium": ("font_roboto", "files/Roboto-Medium.ttf", "font-roboto"),
    "Roboto-BoldItalic": ("font_roboto", "files/Roboto-BoldItalic.ttf", "font-roboto"),
    "Roboto-Regular": ("font_roboto", "files/Roboto-Regular.ttf", "font-roboto"),
    "SourceSansPro-Bold": ("font_source_sans_pro", "files/SourceSansPro-Bold.ttf", "font-source-sans-pro"),
    "SourceSansPro-Semibold": ("font_source_sans_pro", "files/SourceSansPro-Semibold.ttf", "font-source-sans-pro"),
    "SourceSansPro-Black": ("font_source_sans_pro", "files/SourceSansPro-Black.ttf", "font-source-sans-pro"),
    "SourceSansPro-BoldIt": ("font_source_sans_pro", "files/SourceSansPro-BoldIt.ttf", "font-source-sans-pro"),
    "FjallaOne-Regular": ("font_fjallaone", "files/FjallaOne-Regular.ttf", "font-fjallaone"),
}

#: Condensed-looking bold sans fonts for the big serial.
SERIAL_FONTS = ("DejaVuSans-Bold", "DejaVuSansMono-Bold", "Roboto-Bold", "Roboto-Black",
                "Roboto-Medium", "SourceSansPro-Bold", "SourceSansPro-Semibold",
                "SourceSansPro-Black", "FjallaOne-Regular")
#: Fonts for the jurisdiction name: bold sans, serif, italic and script-like.
HEADER_FONTS = ("DejaVuSans-Bold", "DejaVuSerif-Bold", "DejaVuSerif-BoldItalic",
                "DejaVuSans-BoldOblique", "STIXGeneralBol", "STIXGeneralBolIta",
                "STIXGeneralItalic", "Roboto-Black", "Roboto-BoldItalic", "SourceSansPro-Bold",
                "SourceSansPro-BoldIt", "FjallaOne-Regular")
#: Fonts for slogans, dealer text and small print.
SMALL_FONTS = ("DejaVuSans", "DejaVuSans-Bold", "DejaVuSerif-Bold", "STIXGeneralBol",
               "STIXGeneralItalic", "Roboto-Regular", "Roboto-Medium", "SourceSansPro-Semibold",
               "SourceSansPro-BoldIt")


class FontNotFoundError(RuntimeError):
    """A font file, or the package that should ship it, is missing."""


def font_path(name: str) -> Path:
    """Path of a named font inside its package, e.g. ``font_path("Roboto-Bold")``."""
    try:
        package, rel, dist = _FONT_FILES[name]
    except KeyError:
        raise FontNotFoundError(
            f"unknown font {name!r}; known fonts: {', '.join(sorted(_FONT_FILES))}"
        ) from None
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FontNotFoundError(
            f"font {name!r} needs the Python package {package!r}, which is not installed "
            f"(pip install {dist})"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / rel
    if not path.is_file():
        raise FontNotFoundError(
            f"font {name!r}: {path} is missing from the installed package {package!r} "
            f"(reinstall it: pip install --force-reinstall {dist})"
        )
    return path


def check_fonts() -> dict[str, Path]:
    """Resolve every font the generator uses; raises :class:`FontNotFoundError` on the first gap."""
    return {name: font_path(name) for name in _FONT_FILES}


@lru_cache(maxsize=256)
def _font(name: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path(name)), size)


@dataclass(frozen=True)
class Glyph:
    """One serial character rendered at :data:`REF_CAP_HEIGHT`.

    ``mask`` is the tight ink crop (float32, 0..1); ``top`` is the row of its first ink pixel
    relative to the top of a capital letter (negative when the glyph rises above cap height).
    """

    mask: np.ndarray
    top: int


@lru_cache(maxsize=64)
def _cap_metrics(name: str) -> tuple[int, int]:
    """Font size whose capital 'H' is REF_CAP_HEIGHT tall, and the y of that 'H' top."""
    probe = _font(name, 100)
    x0, y0, x1, y1 = probe.getbbox("H", anchor="ls")
    size = round(100 * REF_CAP_HEIGHT / (y1 - y0))
    font = _font(name, size)
    return size, int(font.getbbox("H", anchor="ls")[1])


@lru_cache(maxsize=2048)
def glyph(name: str, char: str) -> Glyph:
    """The cached mask of one serial character in font ``name``."""
    size, cap_top = _cap_metrics(name)
    font = _font(name, size)
    x0, y0, x1, y1 = (int(v) for v in font.getbbox(char, anchor="ls"))
    pad = 4
    w, h = x1 - x0 + 2 * pad, y1 - y0 + 2 * pad
    img = Image.new("L", (max(w, 1), max(h, 1)), 0)
    ImageDraw.Draw(img).text((pad - x0, pad - y0), char, font=font, fill=255, anchor="ls")
    arr = np.asarray(img, dtype=np.float32) / 255.0
    mask, (top, _left) = _tight(arr)
    return Glyph(mask=mask, top=y0 - pad + top - cap_top)


@lru_cache(maxsize=4096)
def text_mask(name: str, text: str, height: int = 48) -> np.ndarray:
    """Tight float32 ink mask of a line of text, rendered with font size ``height``."""
    font = _font(name, height)
    x0, y0, x1, y1 = (int(v) for v in font.getbbox(text))
    pad = 4
    img = Image.new("L", (max(x1 - x0 + 2 * pad, 1), max(y1 - y0 + 2 * pad, 1)), 0)
    ImageDraw.Draw(img).text((pad - x0, pad - y0), text, font=font, fill=255)
    mask, _ = _tight(np.asarray(img, dtype=np.float32) / 255.0)
    mask.setflags(write=False)
    return mask


def _tight(arr: np.ndarray) -> tuple[np.ndarray, tuple[int, int]]:
    """Crop a mask to its ink; returns the crop and its (top, left) offset."""
    rows = np.flatnonzero(arr.max(axis=1) > 0.02)
    cols = np.flatnonzero(arr.max(axis=0) > 0.02)
    if rows.size == 0:
        return np.zeros((1, 1), np.float32), (0, 0)
    crop = np.ascontiguousarray(arr[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1])
    crop.setflags(write=False)
    return crop, (int(rows[0]), int(cols[0]))
