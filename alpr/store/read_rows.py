"""Validation of incoming reads (JSONL or CSV), row by row, before anything is stored.

Each row becomes either a clean dict ready for the ``reads`` table or a :class:`RowError`
naming its line, field, value and rule, whatever the row holds (an object where text is due,
a list, a null, a megabyte string): nothing is dropped unreported. Pure: no database.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from alpr.datasets import RowError
from alpr.utc import require_utc
from alpr.vocabulary.jurisdictions import UnknownJurisdictionError, get_jurisdiction
from alpr.vocabulary.plate_text import PlateTextError, normalize_plate

SHA256 = re.compile(r"^[0-9a-f]{64}$")
MAX_TEXT = {"camera": 64, "model_version": 100, "read_id": 100, "image_path": 1024,
            "plate": 40, "state": 40}  # plate and state: as written, before normalising
MAX_BOX = 100_000  # pixels: no camera frame is larger
CSV_COLUMNS = ("read_at", "camera", "plate", "state", "confidence", "state_confidence",
               "image_path", "image_sha256", "model_version", "box_x", "box_y", "box_w", "box_h",
               "read_id")


def _decoded(path: Path) -> Iterator[tuple[int, str | RowError]]:
    """(line number, text or error) of each line: a UTF-8 BOM is dropped, CRLF endings are
    read as LF, and a line that is not UTF-8 is reported instead of ending the file."""
    with open(path, "rb") as fh:
        for line, raw in enumerate(fh, start=1):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield line, RowError(line, "(line)", raw[:40].decode("utf-8", "replace"),
                                     f"not UTF-8 text (byte {exc.start + 1}): export the "
                                     f"reads as UTF-8")
                continue
            if line == 1:
                text = text.removeprefix("\ufeff")
            yield line, text.replace("\r\n", "\n")


def iter_rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | RowError]]:
    """(line number, raw row or parse error) from a ``.jsonl`` or ``.csv`` file."""
    path = Path(path)
    if path.suffix.lower() == ".csv":
        yield from _csv_rows(path)
        return
    for line, text in _decoded(path):
        if isinstance(text, RowError):
            yield line, text
            continue
        if not text.strip():
            continue
        try:
            obj = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as exc:
            yield line, RowError(line, "(line)", text.strip()[:60], f"not valid JSON: {exc}")
            continue
        if not isinstance(obj, dict):
            yield line, RowError(line, "(line)", text.strip()[:60], "must be a JSON object")
            continue
        yield line, obj


def _csv_rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | RowError]]:
    bad: dict[int, RowError] = {}

    def lines() -> Iterator[str]:
        for line, text in _decoded(path):
            if isinstance(text, RowError):
                bad[line] = text
                yield "\n"  # keeps the line count; reported below
            else:
                yield text

    reader = csv.DictReader(lines())
    missing = [c for c in ("read_at", "camera", "plate") if c not in (reader.fieldnames or [])]
    if missing:
        raise ValueError(f"{path}: missing column(s) {', '.join(missing)}")
    for row in reader:
        line = reader.line_num
        for n in sorted(k for k in bad if k <= line):
            yield n, bad.pop(n)
        extra = row.pop(None, None)
        if extra:
            yield line, RowError(line, "(line)", ",".join(map(str, extra))[:60],
                                 f"more fields than the {len(reader.fieldnames or [])} "
                                 f"columns of the header")
            continue
        yield line, {k: v for k, v in row.items() if v not in ("", None)}
    for n in sorted(bad):
        yield n, bad.pop(n)


class _Bad(Exception):
    def __init__(self, error: RowError) -> None:
        self.error = error


def _shown(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str)[:200]
    return text[:60] + ("…" if len(text) > 60 else "")


def _text(row: dict[str, Any], key: str, line: int, required: bool = False) -> str | None:
    """A text field: a string (a number is taken as its digits), at most MAX_TEXT chars."""
    value = row.get(key)
    if value is None or value == "":
        if required:
            raise _Bad(RowError(line, key, "", "required"))
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise _Bad(RowError(line, key, _shown(value),
                            f"must be text, not {_kind(value)}"))
    if "\x00" in value:  # PostgreSQL cannot store it; no reader writes it
        raise _Bad(RowError(line, key, _shown(value), "contains a NUL character"))
    limit = MAX_TEXT.get(key)
    if limit is not None and len(value) > limit:
        raise _Bad(RowError(line, key, _shown(value),
                            f"{len(value)} characters, more than the {limit} allowed"))
    return value


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", bool: "true/false", float: "a number",
            int: "a number"}.get(type(value), type(value).__name__)


def _number(value: Any) -> float:
    """A JSON number or a CSV number as text; anything else raises TypeError/ValueError."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TypeError(value)
    return float(value)


def _prob(row: dict[str, Any], key: str, line: int, required: bool) -> float | None:
    if row.get(key) is None or row.get(key) == "":
        if required:
            raise _Bad(RowError(line, key, "", "required"))
        return None
    try:
        value = _number(row[key])
    except (TypeError, ValueError):
        raise _Bad(RowError(line, key, _shown(row[key]), "must be a number")) from None
    if not 0.0 <= value <= 1.0:  # NaN fails this too
        raise _Bad(RowError(line, key, _shown(row[key]), "must be between 0 and 1"))
    return value


def _time(row: dict[str, Any], line: int) -> dt.datetime:
    raw = _text(row, "read_at", line, required=True)
    assert raw is not None
    try:
        ts = dt.datetime.fromisoformat(raw[:64].strip().replace("Z", "+00:00"))
    except ValueError:
        raise _Bad(RowError(line, "read_at", _shown(raw), "must be an ISO 8601 time")) from None
    try:
        return require_utc(ts, "read_at")
    except ValueError:
        raise _Bad(RowError(line, "read_at", raw,
                            "must carry a time zone (e.g. 2026-05-01T08:00:00Z)")) from None


def _int(value: Any) -> int:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError(value)
    return int(value)


def _box(row: dict[str, Any], line: int) -> list[int | None]:
    raw = [row.get(k) for k in ("box_x", "box_y", "box_w", "box_h")]
    if row.get("box") is not None:
        if not (isinstance(row["box"], list) and len(row["box"]) == 4):
            raise _Bad(RowError(line, "box", _shown(row["box"]),
                                "must be a list of four integers [x, y, w, h]"))
        raw = list(row["box"])
    if all(b is None for b in raw):
        return [None, None, None, None]
    try:
        x, y, w, h = (_int(b) for b in raw)
    except (TypeError, ValueError, OverflowError):
        raise _Bad(RowError(line, "box", _shown(raw), "x, y, w, h must be integers")) from None
    if w <= 0 or h <= 0 or x < 0 or y < 0 or max(x, y, w, h) > MAX_BOX:
        raise _Bad(RowError(line, "box", _shown(raw),
                            f"needs x, y >= 0 and w, h > 0, each at most {MAX_BOX}"))
    return [x, y, w, h]


def _chars(row: dict[str, Any], line: int, plate: str) -> str | None:
    chars = row.get("char_confidences")
    if chars is None:
        return None
    if (not isinstance(chars, list) or len(chars) != len(plate)
            or not all(isinstance(c, int | float) and not isinstance(c, bool) and 0 <= c <= 1
                       for c in chars)):
        raise _Bad(RowError(line, "char_confidences", _shown(chars),
                            "must be one number in [0, 1] per plate character"))
    return json.dumps(chars)


def read_key(read_id: str | None, plate: str) -> str:
    """The natural key beside camera and time: the reader's own read id when the file gives
    one, else the plate read (``reads.read_key``).

    >>> read_key("R-17", "ABC123"), read_key(None, "ABC123")
    ('id:R-17', 'plate:ABC123')
    """
    return f"id:{read_id}" if read_id else f"plate:{plate}"


def validate(row: dict[str, Any], line: int) -> dict[str, Any] | RowError:
    """A clean ``reads`` row (camera still by name; ``image_path`` not yet confined to the
    image root, which the store does) or the first rule the row breaks."""
    try:
        read_at = _time(row, line)
        camera = (_text(row, "camera", line, required=True) or "").strip()
        if not camera:
            raise _Bad(RowError(line, "camera", "", "required"))
        plate_raw = _text(row, "plate", line) or ""
        try:
            plate = normalize_plate(plate_raw)
        except PlateTextError as exc:
            raise _Bad(RowError(line, "plate", plate_raw, str(exc))) from None
        state = None
        state_raw = _text(row, "state", line)
        if state_raw:
            try:
                state = get_jurisdiction(state_raw).code
            except UnknownJurisdictionError as exc:
                raise _Bad(RowError(line, "state", state_raw, str(exc))) from None
        sha = row.get("image_sha256")
        if sha is not None and not (isinstance(sha, str) and SHA256.match(sha)):
            raise _Bad(RowError(line, "image_sha256", _shown(sha), "must be 64 lower-case hex"))
        box = _box(row, line)
        read_id = _text(row, "read_id", line)
        return {
            "read_at": read_at, "camera": camera, "plate": plate, "state": state,
            "confidence": _prob(row, "confidence", line, required=True),
            "state_confidence": _prob(row, "state_confidence", line, required=False),
            "char_confidences": _chars(row, line, plate),
            "box_x": box[0], "box_y": box[1], "box_w": box[2], "box_h": box[3],
            "image_path": _text(row, "image_path", line), "image_sha256": sha,
            "model_version": _text(row, "model_version", line),
            "read_key": read_key(read_id.strip() if read_id else None, plate),
        }
    except _Bad as bad:
        return bad.error
