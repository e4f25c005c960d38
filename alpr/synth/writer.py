"""Writing synthetic plates to disk: a dataset in the real crops' format, and a gallery PNG.

:func:`write_dataset` produces ``images/000000.png ...``, ``labels.csv`` (``image,state,plate``,
image paths relative to the CSV, exactly like the real OpenALPR crops) and ``manifest.json``.
It builds everything in a temporary folder next to ``out_dir`` and renames it into place at the
end, so a failure never leaves a half-written dataset. :func:`render_gallery` writes a labelled
contact sheet for ``alpr demo`` and for eyeballing realism.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont
from tqdm import tqdm

from alpr import __version__
from alpr.synth import fonts
from alpr.synth.render import PlateRenderer
from alpr.vocabulary.jurisdictions import get_jurisdiction

LABEL_COLUMNS = ("image", "state", "plate")


class DatasetWriteError(OSError):
    """The dataset folder cannot be created or written."""


def _check_target(out_dir: Path) -> None:
    if out_dir.exists():
        if not out_dir.is_dir():
            raise FileExistsError(f"{out_dir} exists and is not a directory")
        if any(out_dir.iterdir()):
            raise FileExistsError(
                f"{out_dir} already exists and is not empty; choose a new folder or delete it "
                f"(write_dataset never overwrites or mixes datasets)"
            )


def _augment_seed(seed: int, index: int) -> int:
    return int(np.random.SeedSequence([seed, index]).generate_state(1)[0])


def write_dataset(out_dir: Path, n: int, seed: int = 0, augment: bool = False,
                  size: tuple[int, int] = (256, 128), progress: bool = True,
                  states: Sequence[str] | None = None) -> Path:
    """Render ``n`` plates into ``out_dir`` and return the path of its ``labels.csv``.

    With ``augment`` each image goes through :func:`alpr.recognizer.augment.augment_image` (seeded from
    ``seed`` and the index, so the dataset is reproducible). Raises ValueError for ``n <= 0``,
    FileExistsError for a non-empty ``out_dir`` and DatasetWriteError when it cannot be written.
    ``states`` restricts the jurisdictions (codes or names; an unknown one raises
    UnknownJurisdictionError before anything is written).
    """
    if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
        raise ValueError(f"n must be a positive integer (number of plates, n >= 1), got n={n!r}")
    codes = [get_jurisdiction(s).code for s in states] if states else None
    out_dir = Path(out_dir)
    _check_target(out_dir)
    renderer = PlateRenderer(seed=seed, size=size)
    parent = out_dir.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.partial-", dir=parent))
    except OSError as exc:
        raise DatasetWriteError(
            f"cannot write a dataset to {out_dir}: {parent} is not writable ({exc})"
        ) from exc
    try:
        (tmp / "images").mkdir()
        rows: list[tuple[str, str, str]] = []
        if augment:
            from alpr.recognizer.augment import augment_image
        for i in tqdm(range(n), total=n, disable=not progress, desc="synth plates",
                      unit="plate"):
            plate = renderer.render(state=codes[i % len(codes)] if codes else None)
            image = augment_image(plate.image, _augment_seed(seed, i)) if augment else plate.image
            rel = f"images/{i:06d}.png"
            ok = cv2.imwrite(str(tmp / rel), cv2.cvtColor(image, cv2.COLOR_RGB2BGR),
                             [cv2.IMWRITE_PNG_COMPRESSION, 3])
            if not ok:
                raise DatasetWriteError(f"could not write image {tmp / rel}")
            rows.append((rel, plate.state, plate.text))
        with open(tmp / "labels.csv", "w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(LABEL_COLUMNS)
            writer.writerows(rows)
        manifest = {"generator": "alpr.synth", "version": __version__, "seed": seed, "n": n,
                    "size": list(renderer.size), "augment": augment,
                    "columns": list(LABEL_COLUMNS)}
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n",
                                           encoding="utf-8")
        _check_target(out_dir)  # someone may have filled it meanwhile
        if out_dir.exists():
            out_dir.rmdir()
        os.replace(tmp, out_dir)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, OSError) and not isinstance(exc, FileExistsError | DatasetWriteError):
            raise DatasetWriteError(f"writing the dataset to {out_dir} failed: {exc}") from exc
        raise
    return out_dir / "labels.csv"


def render_gallery(path: Path, n: int = 24, seed: int = 0, cols: int = 4) -> Path:
    """Write a PNG contact sheet of ``n`` synthetic plates, each labelled with state and text."""
    if n <= 0 or cols <= 0:
        raise ValueError(f"n and cols must be positive, got n={n!r}, cols={cols!r}")
    renderer = PlateRenderer(seed=seed)
    w, h = renderer.size
    label_h, pad = 20, 6
    rows = (n + cols - 1) // cols
    sheet = Image.new("RGB", (cols * (w + pad) + pad, rows * (h + label_h + pad) + pad),
                      (255, 255, 255))
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.truetype(str(fonts.font_path("DejaVuSans-Bold")), 13)
    for i in range(n):
        plate = renderer.render()
        x = pad + (i % cols) * (w + pad)
        y = pad + (i // cols) * (h + label_h + pad)
        sheet.paste(Image.fromarray(plate.image), (x, y))
        draw.text((x, y + h + 3), f"{plate.state}  {plate.text}", fill=(20, 20, 20), font=font)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(path)
    return path
