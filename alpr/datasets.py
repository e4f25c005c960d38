"""Labelled crop sets in the project's contract: a CSV ``image,state,plate`` (paths relative
to the CSV), plus full frames with one plate box each (``image,x,y,w,h,plate``).

Loading validates every row: good rows are kept, each bad row is reported with its line,
field, value and the rule it broke; nothing is dropped silently. A corrections file
(``image,old,new``) fixes known label errors on load.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from alpr.vocabulary.jurisdictions import get_jurisdiction, is_jurisdiction
from alpr.vocabulary.plate_text import PlateTextError, normalize_plate

CROP_COLUMNS = ("image", "state", "plate")
FRAME_COLUMNS = ("image", "x", "y", "w", "h", "plate")


@dataclass(frozen=True)
class LabelledCrop:
    image: Path
    plate: str
    state: str | None  # USPS code; None where the set has no state label
    box: tuple[int, int, int, int] | None = None  # (x, y, w, h) inside a full frame


@dataclass(frozen=True)
class RowError:
    line: int
    field: str
    value: str
    rule: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}={self.value!r}: {self.rule}"


@dataclass
class LabelSet:
    source: Path
    items: list[LabelledCrop] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    corrected: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.items)


class LabelFileError(ValueError):
    """The labels file as a whole is unusable (missing, or wrong columns)."""


def load_corrections(path: str | Path | None) -> dict[str, tuple[str, str]]:
    """``image -> (old, new)`` from a corrections CSV; empty if no file is given."""
    if path is None or not Path(path).exists():
        return {}
    with open(path, newline="", encoding="utf-8") as fh:
        return {r["image"]: (r["old"], r["new"]) for r in csv.DictReader(fh)}


def _open_rows(path: Path, columns: tuple[str, ...]) -> list[dict[str, str]]:
    path = Path(path)
    if not path.is_file():
        raise LabelFileError(f"{path}: labels file not found")
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise LabelFileError(
                f"{path}: missing column(s) {', '.join(missing)}; expected header "
                f"{','.join(columns)}"
            )
        return list(reader)


def _check_plate(raw: str, line: int, errors: list[RowError]) -> str | None:
    try:
        return normalize_plate(raw)
    except PlateTextError as exc:
        errors.append(RowError(line, "plate", raw, str(exc)))
        return None


def load_crops(path: str | Path, corrections: str | Path | None = None, require_state: bool = True) -> LabelSet:
    """Load an ``image,state,plate`` set, validating each row."""
    path = Path(path)
    fixes = load_corrections(corrections)
    out = LabelSet(source=path)
    for line, row in enumerate(_open_rows(path, CROP_COLUMNS), start=2):
        image = (path.parent / row["image"]).resolve()
        raw_plate = row["plate"] or ""
        if row["image"] in fixes and fixes[row["image"]][0] == raw_plate:
            raw_plate = fixes[row["image"]][1]
            out.corrected.append(row["image"])
        plate = _check_plate(raw_plate, line, out.errors)
        state_raw = (row["state"] or "").strip()
        state: str | None = None
        if state_raw:
            if is_jurisdiction(state_raw):
                state = get_jurisdiction(state_raw).code
            else:
                out.errors.append(RowError(line, "state", state_raw,
                                           "not a US jurisdiction code or name"))
                continue
        elif require_state:
            out.errors.append(RowError(line, "state", "", "state is required"))
            continue
        if not image.is_file():
            out.errors.append(RowError(line, "image", row["image"], "file not found"))
            continue
        if plate is not None:
            out.items.append(LabelledCrop(image=image, plate=plate, state=state))
    return out


_ROTATED = (5, 6, 7, 8)  # EXIF orientations that swap width and height (the decoder applies them)


def image_size(path: Path) -> tuple[int, int] | None:
    """(width, height) of an image file from its header, as decoded (EXIF rotation
    applied); None for a file that is not a readable image."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            width, height = im.size
            if im.getexif().get(0x0112) in _ROTATED:
                width, height = height, width
    except (OSError, UnidentifiedImageError, ValueError, SyntaxError,
            Image.DecompressionBombError):
        return None
    return width, height


def load_frames(path: str | Path, corrections: str | Path | None = None) -> LabelSet:
    """Load an ``image,x,y,w,h,plate`` set of full frames with one plate box each; a row
    whose box is not whole numbers, or not inside its image (read from the header), or whose
    image is missing or unreadable, is an error naming its line and field, and left out."""
    path = Path(path)
    fixes = load_corrections(corrections)
    out = LabelSet(source=path)
    for line, row in enumerate(_open_rows(path, FRAME_COLUMNS), start=2):
        raw_plate = row["plate"] or ""
        if row["image"] in fixes and fixes[row["image"]][0] == raw_plate:
            raw_plate = fixes[row["image"]][1]
            out.corrected.append(row["image"])
        plate = _check_plate(raw_plate, line, out.errors)
        try:
            box = tuple(int(row[k]) for k in ("x", "y", "w", "h"))
        except (TypeError, ValueError):
            out.errors.append(RowError(line, "x,y,w,h", str([row[k] for k in "xywh"]),
                                       "box coordinates must be integers"))
            continue
        if box[2] <= 0 or box[3] <= 0 or box[0] < 0 or box[1] < 0:
            out.errors.append(RowError(line, "x,y,w,h", str(box),
                                       "box must have x,y >= 0 and w,h > 0"))
            continue
        image = (path.parent / row["image"]).resolve()
        if not image.is_file():
            out.errors.append(RowError(line, "image", row["image"], "file not found"))
            continue
        size = image_size(image)
        if size is None:
            out.errors.append(RowError(line, "image", row["image"], "not a readable image"))
            continue
        if box[0] + box[2] > size[0] or box[1] + box[3] > size[1]:
            out.errors.append(RowError(line, "x,y,w,h", str(box),
                                       f"box must lie inside the {size[0]}x{size[1]} image"))
            continue
        if plate is not None:
            out.items.append(LabelledCrop(image=image, plate=plate, state=None,
                                          box=box))  # type: ignore[arg-type]
    return out


def split_key(item: LabelledCrop) -> float:
    """A stable number in [0, 1) from the image's file name, for reproducible splits."""
    digest = hashlib.sha1(item.image.name.encode()).hexdigest()
    return int(digest[:8], 16) / 2**32


def split(items: list[LabelledCrop], val_fraction: float) -> tuple[list[LabelledCrop],
                                                                   list[LabelledCrop]]:
    """Deterministic train/validation split by file-name hash (independent of row order)."""
    train = [i for i in items if split_key(i) >= val_fraction]
    val = [i for i in items if split_key(i) < val_fraction]
    return train, val


def manifest_hash(items: list[LabelledCrop]) -> str:
    """SHA-256 over (file name, file bytes hash, plate, state) of a set: its data version."""
    h = hashlib.sha256()
    for it in sorted(items, key=lambda i: str(i.image)):
        h.update(it.image.name.encode())
        h.update(hashlib.sha1(it.image.read_bytes()).digest())
        h.update(f"{it.plate}|{it.state}|{it.box}".encode())
    return h.hexdigest()
